package search_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/areas/areastest"
	"github.com/bulwark-isms/bulwark/areas/documents"
	"github.com/bulwark-isms/bulwark/areas/search"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
)

// TestSearch: one query finds documents, risks, controls and assets, ranks a
// title match above a passing mention, stays in its organisation, and is for
// ISMS readers only.
func TestSearch(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		mgr := f.Accounts[bulwark.RoleManager].Token
		for _, c := range []struct{ path, body string }{
			{"/api/v1/documents", `{"title":"Backup policy","body":"Backups are taken nightly and tested monthly."}`},
			{"/api/v1/documents", `{"title":"Clean desk policy","body":"Clear your desk. Paper is shredded, never kept as a backup."}`},
			{"/api/v1/risks", `{"title":"Backups fail silently","description":"Nobody checks the backup jobs."}`},
			{"/api/v1/assets", `{"name":"Backup appliance","type":"hardware"}`},
			{"/api/v1/documents", `{"title":"Travel policy","body":"Nothing about the word."}`},
		} {
			if res := f.Do("POST", c.path, areastest.Req{Token: mgr, JSON: c.body}); res.StatusCode != 201 {
				t.Fatalf("%s: %d %s", c.path, res.StatusCode, res.Text)
			}
		}
		// Another organisation's document with the same words must never show.
		other := areastest.MustOrg(t, f.Svc, "Other Ltd", "owner@other.test")
		if _, err := f.Svc.Documents.Create(context.Background(), other, docInput("Backup policy of Other")); err != nil {
			t.Fatal(err)
		}
		res := f.Do("GET", "/api/v1/search?q=backup", areastest.Req{Token: f.Accounts[bulwark.RoleAuditor].Token})
		hits := areastest.Decode[struct{ Items []search.Hit }](t, res).Items
		types := map[string]bool{}
		var order []string
		for _, h := range hits {
			types[h.Type] = true
			order = append(order, h.Type+":"+h.Title)
			if strings.Contains(h.Title, "Other") {
				t.Errorf("another organisation's document found: %+v", h)
			}
		}
		for _, want := range []string{"document", "risk", "control", "asset"} {
			if !types[want] {
				t.Errorf("no %s found for backup: %v", want, order)
			}
		}
		pos := func(title string) int {
			for i, h := range hits {
				if h.Title == title {
					return i
				}
			}
			return -1
		}
		if a, b := pos("Backup policy"), pos("Clean desk policy"); a < 0 || b < 0 || a > b {
			t.Errorf("the backup policy (%d) should rank above a passing mention (%d): %v", a, b, order)
		}
		if pos("Travel policy") >= 0 {
			t.Errorf("a document without the word was found")
		}
		for _, h := range hits {
			if h.Title == "Backup policy" && !strings.Contains(strings.ToLower(h.Snippet), "backup") {
				t.Errorf("snippet %q does not show the match", h.Snippet)
			}
		}
		if res := f.Do("GET", "/api/v1/search?q=", areastest.Req{Token: mgr}); res.StatusCode != 422 {
			t.Errorf("empty query: %d", res.StatusCode)
		}
		if res := f.Do("GET", "/api/v1/search?q=backup", areastest.Req{Token: f.Accounts[bulwark.RoleEmployee].Token}); res.StatusCode != 403 {
			t.Errorf("employee searches the ISMS: %d", res.StatusCode)
		}
		if res := f.Do("GET", "/api/v1/search?q=%22%29%28*%3A", areastest.Req{Token: mgr}); res.StatusCode != 200 {
			t.Errorf("query syntax characters: %d %s", res.StatusCode, res.Text)
		}
		page := f.Do("GET", "/o/acme-ltd/search?q=backup", areastest.Req{Cookie: f.SignIn(f.Accounts[bulwark.RoleManager].Email)})
		if page.StatusCode != 200 || !strings.Contains(page.Text, "Backup appliance") {
			t.Errorf("search page: %d", page.StatusCode)
		}
	})
}

// BenchmarkSearch searches 5,000 documents of 300 words (target: under 20 ms). The bodies draw
// from a 3,000-word vocabulary with a Zipf distribution, as prose does, so that a query of two
// topical words matches some hundreds of documents, not all or none.
func BenchmarkSearch(b *testing.B) {
	sqltest.EachB(b, func(b *testing.B, db *sqlstore.DB) {
		svc := areastest.NewService(b, db)
		p := areastest.MustOrg(b, svc, "Bench Ltd", "owner@bench.test")
		const n = 5000
		topics := strings.Fields("access backup cryptography incident supplier continuity retention classification password laptop network firewall vendor audit review training awareness phishing encryption logging monitoring")
		vocab := make([]string, 3000)
		for i := range vocab {
			vocab[i] = fmt.Sprintf("w%04d", i)
		}
		for i, t := range topics {
			vocab[60+3*i] = t // topical words are frequent, not the most frequent
		}
		rng := rand.New(rand.NewPCG(1, 2))
		zipf := rand.NewZipf(rng, 1.1, 1, uint64(len(vocab)-1))
		ctx := context.Background()
		if err := db.Write(ctx, func(tx *sqlstore.Tx) error {
			for start := 0; start < n; start += 100 {
				var q strings.Builder
				var args []any
				q.WriteString(`INSERT INTO documents (id, org_id, ref, ref_number, type, title, body, status, created_at, updated_at) VALUES `)
				for i := start; i < start+100; i++ {
					if i > start {
						q.WriteString(", ")
					}
					q.WriteString("(?, ?, ?, ?, 'policy', ?, ?, 'draft', ?, ?)")
					var body strings.Builder
					for w := 0; w < 300; w++ {
						body.WriteString(vocab[zipf.Uint64()] + " ")
					}
					args = append(args, fmt.Sprintf("bench-%05d", i), p.Org.ID, fmt.Sprintf("POL-%05d", i), i, fmt.Sprintf("%s %s policy %d", topics[i%len(topics)], topics[(i/3)%len(topics)], i), body.String(), tx.Now(), tx.Now())
				}
				if _, err := tx.ExecDynamic(ctx, q.String(), args...); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		if err := db.Optimize(ctx, "documents"); err != nil {
			b.Fatal(err)
		}
		b.Run("docs=5000", func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				hits, err := svc.Search.Search(ctx, p, topics[i%len(topics)]+" "+topics[(i+5)%len(topics)][:4], 20)
				if err != nil || len(hits) == 0 {
					b.Fatalf("search: %d hits, %v", len(hits), err)
				}
			}
		})
	})
}

func docInput(title string) documents.Input { return documents.Input{Title: &title} }

package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/areas/areastest"
	"github.com/bulwark-isms/bulwark/password"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
	"github.com/bulwark-isms/bulwark/tabular"
)

// BenchmarkMe measures an authenticated GET /api/v1/me through the whole handler
// chain: request id, logging, metrics, security headers, cross-origin check, token
// lookup in the database, permission check and JSON. Target: under 100 µs on SQLite.
func BenchmarkMe(b *testing.B) {
	sqltest.EachB(b, func(b *testing.B, db *sqlstore.DB) {
		f := areastest.New(b, db)
		token := f.Accounts[bulwark.RoleEmployee].Token
		req := httptest.NewRequest("GET", "/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			w := httptest.NewRecorder()
			f.Srv.ServeHTTP(w, req)
			if w.Code != http.StatusOK {
				b.Fatalf("status %d: %s", w.Code, w.Body)
			}
		}
	})
}

// BenchmarkSignIn measures POST /signin with the production argon2id cost.
func BenchmarkSignIn(b *testing.B) {
	sqltest.EachB(b, func(b *testing.B, db *sqlstore.DB) {
		f := areastest.New(b, db)
		prod := app.New(db, password.NewHasher(password.DefaultParams, 0), slog.New(slog.NewTextHandler(io.Discard, nil)), app.Config{})
		ctx := context.Background()
		user := f.OwnerPrincipal(f.Org, "owner@acme.test").User
		const strong = "a production-cost password"
		if _, err := prod.ChangePassword(ctx, &user, areastest.Password, strong, app.Meta{}); err != nil {
			b.Fatal(err)
		}
		form := url.Values{"email": {"owner@acme.test"}, "password": {strong}}.Encode()
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			req := httptest.NewRequest("POST", "/signin", strings.NewReader(form))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			w := httptest.NewRecorder()
			f.Srv.ServeHTTP(w, req)
			if w.Code != http.StatusSeeOther {
				b.Fatalf("status %d", w.Code)
			}
		}
	})
}

// seedAssets imports n assets into the fixture organisation.
func seedAssets(b *testing.B, f *areastest.Fixture, n int) {
	var sb strings.Builder
	sb.WriteString("ref,name,type,owner_id,classification,confidentiality,integrity,availability,status,review_date,tags,description\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&sb, "A-%03d,Asset number %d,%s,manager@acme.test,Internal,%d,%d,%d,in_use,2027-06-30,bulk | group-%d,Seeded for the benchmark\n",
			i, i, bulwark.AssetTypes[i%6], 1+i%4, 1+(i/4)%4, 1+(i/16)%4, i%10)
	}
	tbl, err := tabular.Read(strings.NewReader(sb.String()), "seed.csv", app.AssetFields, tabular.Options{})
	if err != nil {
		b.Fatal(err)
	}
	res, err := f.Svc.ImportAssets(context.Background(), f.Svc.CLIPrincipal(f.Org, "bench"), tbl, false)
	if err != nil || res.Created != n {
		b.Fatalf("seed: %v %v", res, err)
	}
	// What autovacuum (PostgreSQL) and the optimiser's statistics would know in production.
	if _, err := f.DB.SQL().Exec(`ANALYZE`); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkAssetList measures one page of 50 assets out of 10,000, through the
// whole handler chain: as JSON (target under 5 ms) and as the HTML page (under 20 ms).
func BenchmarkAssetList(b *testing.B) {
	sqltest.EachB(b, func(b *testing.B, db *sqlstore.DB) {
		b.Run("n=10000", func(b *testing.B) {
			f := areastest.New(b, db)
			seedAssets(b, f, 10000)
			cookie := f.SignIn("manager@acme.test")
			for _, c := range []struct {
				name string
				req  func() *http.Request
			}{
				{"api", func() *http.Request {
					r := httptest.NewRequest("GET", "/api/v1/assets?limit=50", nil)
					r.Header.Set("Authorization", "Bearer "+f.Accounts[bulwark.RoleManager].Token)
					return r
				}},
				{"api-search", func() *http.Request {
					r := httptest.NewRequest("GET", "/api/v1/assets?q=number%2042&sort=-name", nil)
					r.Header.Set("Authorization", "Bearer "+f.Accounts[bulwark.RoleManager].Token)
					return r
				}},
				{"html", func() *http.Request {
					r := httptest.NewRequest("GET", "/o/acme-ltd/assets", nil)
					r.AddCookie(cookie)
					return r
				}},
			} {
				b.Run(c.name, func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						w := httptest.NewRecorder()
						f.Srv.ServeHTTP(w, c.req())
						if w.Code != http.StatusOK {
							b.Fatalf("status %d: %.300s", w.Code, w.Body)
						}
					}
				})
			}
		})
	})
}

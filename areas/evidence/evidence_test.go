package evidence_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"mime/multipart"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/areas/areastest"
	"github.com/bulwark-isms/bulwark/areas/controls"
	"github.com/bulwark-isms/bulwark/areas/evidence"
	"github.com/bulwark-isms/bulwark/blobstore"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
	"github.com/bulwark-isms/bulwark/web"
)

// upload builds a multipart body with a file and fields.
func upload(name string, content []byte, fields map[string][]string) (string, string) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(content)
	mw.Close()
	return b.String(), mw.FormDataContentType()
}

func post(f *areastest.Fixture, path, token, name string, content []byte, fields map[string][]string) *areastest.Resp {
	body, ct := upload(name, content, fields)
	return f.Do("POST", path, areastest.Req{Token: token, Body: body, Headers: map[string]string{"Content-Type": ct}})
}

// blobFiles counts the files in the evidence store's directory.
func blobFiles(t *testing.T, dir string) int {
	n := 0
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return nil
	})
	return n
}

// TestFilesContentAddressed: a file is stored once per organisation under its
// SHA-256, de-duplicated within it and never across; downloads are attachments
// with the type the bytes showed, nosniff and a sandbox; revisions keep the old file.
func TestFilesContentAddressed(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		dir := t.TempDir()
		blobs, err := blobstore.Open(context.Background(), blobstore.FileURL(dir), t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		defer blobs.Close()
		f := areastest.New(t, db, func(a *app.Config, _ *web.Config) { a.Blobs = blobs })
		mgr := f.Accounts[bulwark.RoleManager].Token
		content := []byte("%PDF-1.7\nquarterly access review, signed\n")
		sum := sha256.Sum256(content)
		ctl := areastest.Decode[areastest.List](t, f.Do("GET", "/api/v1/controls?q=A.5.15", areastest.Req{Token: mgr})).Items[0]["id"].(string)

		res := post(f, "/api/v1/evidence", mgr, "access-review.pdf", content, map[string][]string{"control_ids": {ctl}, "valid_until": {"2099-12-31"}})
		if res.StatusCode != 201 {
			t.Fatalf("upload: %d %s", res.StatusCode, res.Text)
		}
		e := areastest.Decode[evidence.Evidence](t, res)
		if e.Ref != "E-001" || e.Kind != "file" || e.Title != "access-review.pdf" || *e.SHA256 != hex.EncodeToString(sum[:]) ||
			e.ContentType != "application/pdf" || e.Size != int64(len(content)) || e.Revision != 1 || len(e.ControlIDs) != 1 {
			t.Fatalf("uploaded item: %+v", e)
		}
		if n := blobFiles(t, dir); n != 1 {
			t.Fatalf("%d files stored, want 1", n)
		}
		// The same bytes again in this organisation: a new item, no new file.
		if res := post(f, "/api/v1/evidence", mgr, "copy.pdf", content, nil); res.StatusCode != 201 {
			t.Fatalf("second upload: %d %s", res.StatusCode, res.Text)
		}
		if n := blobFiles(t, dir); n != 1 {
			t.Fatalf("%d files stored after the same bytes again, want 1", n)
		}
		// Another organisation uploading the same bytes gets its own copy.
		other := f.SecondOrg("Globex", "globex.test")
		if res := post(f, "/api/v1/evidence", other[bulwark.RoleManager].Token, "theirs.pdf", content, nil); res.StatusCode != 201 {
			t.Fatalf("other organisation's upload: %d %s", res.StatusCode, res.Text)
		}
		if n := blobFiles(t, dir); n != 2 {
			t.Fatalf("%d files stored after another organisation's upload, want 2", n)
		}
		// ...and cannot read this organisation's item.
		if res := f.Do("GET", "/api/v1/evidence/"+e.ID+"/file", areastest.Req{Token: other[bulwark.RoleOwner].Token}); res.StatusCode != 404 {
			t.Fatalf("another organisation's download: %d", res.StatusCode)
		}

		dl := f.Do("GET", "/api/v1/evidence/"+e.ID+"/file", areastest.Req{Token: f.Accounts[bulwark.RoleAuditor].Token})
		if dl.StatusCode != 200 || dl.Text != string(content) || dl.Header.Get("Content-Type") != "application/pdf" ||
			dl.Header.Get("Content-Disposition") != `attachment; filename="access-review.pdf"` || dl.Header.Get("X-Content-Type-Options") != "nosniff" ||
			dl.Header.Get("Content-Security-Policy") != "sandbox" {
			t.Fatalf("download: %d %v %q", dl.StatusCode, dl.Header, dl.Text)
		}

		// A page renamed .pdf is stored and served as what it is, as an attachment.
		page := []byte("<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>")
		res = post(f, "/api/v1/evidence", mgr, "report.pdf", page, nil)
		h := areastest.Decode[evidence.Evidence](t, res)
		if h.ContentType != "text/html; charset=utf-8" {
			t.Fatalf("renamed HTML stored as %q", h.ContentType)
		}
		dl = f.Do("GET", "/api/v1/evidence/"+h.ID+"/file", areastest.Req{Token: mgr})
		if !strings.HasPrefix(dl.Header.Get("Content-Disposition"), "attachment") || dl.Header.Get("Content-Type") != "text/html; charset=utf-8" ||
			dl.Header.Get("Content-Security-Policy") != "sandbox" || dl.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("renamed HTML served with %v", dl.Header)
		}

		// A new revision keeps the old file.
		v2 := []byte("%PDF-1.7\nquarterly access review, Q1 2027\n")
		res = post(f, "/api/v1/evidence/"+e.ID+"/revisions", mgr, "access-review-q1.pdf", v2, map[string][]string{"valid_until": {"2099-06-30"}, "comment": {"Q1 review"}})
		if res.StatusCode != 201 {
			t.Fatalf("revision: %d %s", res.StatusCode, res.Text)
		}
		e2 := areastest.Decode[evidence.Evidence](t, res)
		if e2.Revision != 2 || e2.Filename != "access-review-q1.pdf" || *e2.ValidUntil != "2099-06-30" {
			t.Fatalf("after revision: %+v", e2)
		}
		if dl := f.Do("GET", "/api/v1/evidence/"+e.ID+"/revisions/1/file", areastest.Req{Token: mgr}); dl.Text != string(content) {
			t.Fatalf("revision 1 file: %d %q", dl.StatusCode, dl.Text)
		}
		if dl := f.Do("GET", "/api/v1/evidence/"+e.ID+"/file", areastest.Req{Token: mgr}); dl.Text != string(v2) {
			t.Fatalf("current file: %q", dl.Text)
		}
		revs := areastest.Decode[areastest.List](t, f.Do("GET", "/api/v1/evidence/"+e.ID+"/revisions", areastest.Req{Token: mgr}))
		if len(revs.Items) != 2 || revs.Items[0]["comment"] != "Q1 review" {
			t.Fatalf("revisions: %+v", revs.Items)
		}
		if err := db.Write(context.Background(), func(tx *sqlstore.Tx) error {
			_, err := tx.Exec(context.Background(), `UPDATE evidence_revisions SET comment = 'rewritten' WHERE evidence_id = ?`, e.ID)
			return err
		}); err == nil {
			t.Fatal("an evidence revision was rewritten")
		}
		// The control counts it.
		c := areastest.Decode[controls.Control](t, f.Do("GET", "/api/v1/controls/"+ctl, areastest.Req{Token: mgr}))
		if len(c.EvidenceIDs) != 1 || c.EvidenceIDs[0] != e.ID || c.EvidenceFreshness != "current" {
			t.Fatalf("control evidence: %v %q", c.EvidenceIDs, c.EvidenceFreshness)
		}
	})
}

// TestUploadTooLarge: a body over the limit is refused with 413 while it
// streams, and nothing is kept.
func TestUploadTooLarge(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		dir := t.TempDir()
		blobs, err := blobstore.Open(context.Background(), blobstore.FileURL(dir), t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		defer blobs.Close()
		f := areastest.New(t, db, func(a *app.Config, w *web.Config) { a.Blobs, w.MaxUpload = blobs, 1<<20 })
		mgr := f.Accounts[bulwark.RoleManager].Token
		res := post(f, "/api/v1/evidence", mgr, "dump.bin", bytes.Repeat([]byte{7}, 3<<20), nil)
		if res.StatusCode != 413 || !strings.Contains(res.Header.Get("Content-Type"), "problem+json") {
			t.Fatalf("3 MB over a 1 MB limit: %d %s", res.StatusCode, res.Text)
		}
		if n := blobFiles(t, dir); n != 0 {
			t.Fatalf("%d files kept after a refused upload", n)
		}
		if l := areastest.Decode[areastest.List](t, f.Do("GET", "/api/v1/evidence", areastest.Req{Token: mgr})); len(l.Items) != 0 {
			t.Fatalf("items after a refused upload: %v", l.Items)
		}
		if res := post(f, "/api/v1/evidence", mgr, "small.txt", []byte("fits"), nil); res.StatusCode != 201 {
			t.Fatalf("a small file: %d %s", res.StatusCode, res.Text)
		}
	})
}

// TestLinksNotesAndFreshness: links and notes by JSON, bad input refused with
// the field named, stale and expiring derived in the organisation's time zone,
// owners' tasks, the control's freshness, and who may change what.
func TestLinksNotesAndFreshness(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		mgr, contributor := f.Accounts[bulwark.RoleManager], f.Accounts[bulwark.RoleContributor]
		for _, c := range []struct{ body, field string }{
			{`{"title":"x","url":"javascript:alert(1)"}`, "url"},
			{`{"title":"x","url":"https://a.example","note":"both"}`, "file"},
			{`{"title":"x"}`, "file"},
			{`{"url":"https://a.example"}`, "title"},
			{`{"title":"x","note":"n","valid_until":"2026-02-30"}`, "valid_until"},
			{`{"title":"x","note":"n","effective_date":"2026-05-01","valid_until":"2026-04-01"}`, "valid_until"},
			{`{"title":"x","note":"n","kind":"link"}`, "kind"},
			{`{"title":"x","note":"n","control_ids":["` + areastest.MissingID + `"]}`, "control_ids"},
			{`{"title":"x","note":"n","sha256":"00"}`, "sha256"},
		} {
			res := f.Do("POST", "/api/v1/evidence", areastest.Req{Token: mgr.Token, JSON: c.body})
			if res.StatusCode != 422 || !strings.Contains(res.Text, `"field":"`+c.field+`"`) {
				t.Errorf("%s: %d %s, want 422 naming %s", c.body, res.StatusCode, res.Text, c.field)
			}
		}
		loc, _ := time.LoadLocation("UTC")
		today := time.Now().In(loc)
		day := func(n int) string { return today.AddDate(0, 0, n).Format(time.DateOnly) }
		ctl := areastest.Decode[areastest.List](t, f.Do("GET", "/api/v1/controls?q=A.8.13", areastest.Req{Token: mgr.Token})).Items[0]["id"].(string)
		mk := func(token, body string) evidence.Evidence {
			res := f.Do("POST", "/api/v1/evidence", areastest.Req{Token: token, JSON: body})
			if res.StatusCode != 201 {
				t.Fatalf("%s: %d %s", body, res.StatusCode, res.Text)
			}
			return areastest.Decode[evidence.Evidence](t, res)
		}
		stale := mk(mgr.Token, `{"title":"Backup restore test","note":"Restored the CRM database to staging; checksums matched.","valid_until":"`+day(-1)+`","control_ids":["`+ctl+`"]}`)
		soon := mk(mgr.Token, `{"title":"Backup job report","url":"https://backup.example/reports/2026-11","valid_until":"`+day(10)+`"}`)
		later := mk(contributor.Token, `{"title":"Vendor SOC 2 report link","url":"https://trust.example/soc2","valid_until":"`+day(200)+`"}`)
		if !stale.Stale || stale.ExpiresSoon || soon.Stale || !soon.ExpiresSoon || later.Stale || later.ExpiresSoon || stale.Kind != "note" || soon.Kind != "link" {
			t.Fatalf("freshness: stale %+v soon %+v later %+v", stale, soon, later)
		}
		if *later.OwnerID != contributor.MemberID {
			t.Fatalf("a contributor's evidence is owned by %v", later.OwnerID)
		}
		if l := areastest.Decode[areastest.List](t, f.Do("GET", "/api/v1/evidence?stale=true", areastest.Req{Token: mgr.Token})); len(l.Items) != 1 || l.Items[0]["id"] != stale.ID {
			t.Fatalf("stale=true: %v", l.Items)
		}
		if l := areastest.Decode[areastest.List](t, f.Do("GET", "/api/v1/evidence?expires_soon=true", areastest.Req{Token: mgr.Token})); len(l.Items) != 1 || l.Items[0]["id"] != soon.ID {
			t.Fatalf("expires_soon=true: %v", l.Items)
		}
		if l := areastest.Decode[areastest.List](t, f.Do("GET", "/api/v1/evidence?q=soc+2", areastest.Req{Token: mgr.Token})); len(l.Items) != 1 || l.Items[0]["id"] != later.ID {
			t.Fatalf("q=soc 2: %v", l.Items)
		}
		tasks := areastest.Decode[map[string][]map[string]any](t, f.Do("GET", "/api/v1/me/tasks", areastest.Req{Token: mgr.Token}))
		if due := tasks["evidence_due"]; len(due) != 2 || due[0]["id"] != stale.ID || due[0]["stale"] != true {
			t.Fatalf("manager's evidence due: %v", due)
		}
		c := areastest.Decode[controls.Control](t, f.Do("GET", "/api/v1/controls/"+ctl, areastest.Req{Token: mgr.Token}))
		if c.EvidenceFreshness != "stale" {
			t.Fatalf("a control with stale evidence says %q", c.EvidenceFreshness)
		}
		// A contributor changes their own evidence, not someone else's.
		if res := f.Do("PATCH", "/api/v1/evidence/"+stale.ID, areastest.Req{Token: contributor.Token, JSON: `{"title":"mine now"}`}); res.StatusCode != 403 {
			t.Fatalf("contributor on another's evidence: %d", res.StatusCode)
		}
		if res := f.Do("PATCH", "/api/v1/evidence/"+later.ID, areastest.Req{Token: contributor.Token, JSON: `{"description":"Type II, 12 months"}`}); res.StatusCode != 200 {
			t.Fatalf("contributor on own evidence: %d %s", res.StatusCode, res.Text)
		}
		if res := f.Do("PATCH", "/api/v1/evidence/"+soon.ID, areastest.Req{Token: mgr.Token, JSON: `{"url":"https://elsewhere.example"}`}); res.StatusCode != 422 || !strings.Contains(res.Text, "revision") {
			t.Fatalf("PATCH of the content: %d %s", res.StatusCode, res.Text)
		}
		// A fresh revision of the note makes the control current again.
		res := f.Do("POST", "/api/v1/evidence/"+stale.ID+"/revisions", areastest.Req{Token: mgr.Token, JSON: `{"note":"Restored again; all good.","valid_until":"` + day(90) + `","comment":"quarterly test"}`})
		if res.StatusCode != 201 {
			t.Fatalf("new revision: %d %s", res.StatusCode, res.Text)
		}
		if e := areastest.Decode[evidence.Evidence](t, res); e.Stale || e.Revision != 2 {
			t.Fatalf("after a fresh revision: %+v", e)
		}
		if c := areastest.Decode[controls.Control](t, f.Do("GET", "/api/v1/controls/"+ctl, areastest.Req{Token: mgr.Token})); c.EvidenceFreshness != "current" {
			t.Fatalf("control after renewal: %q", c.EvidenceFreshness)
		}
		// Archived evidence no longer counts.
		if res := f.Do("DELETE", "/api/v1/evidence/"+stale.ID, areastest.Req{Token: mgr.Token}); res.StatusCode != 204 {
			t.Fatalf("archive: %d", res.StatusCode)
		}
		if c := areastest.Decode[controls.Control](t, f.Do("GET", "/api/v1/controls/"+ctl, areastest.Req{Token: mgr.Token})); c.EvidenceFreshness != "missing" || len(c.EvidenceIDs) != 0 {
			t.Fatalf("control after archiving its evidence: %q %v", c.EvidenceFreshness, c.EvidenceIDs)
		}
		// Every change is audited.
		var n int
		err := db.View(context.Background(), func(tx *sqlstore.Tx) error {
			return tx.QueryRow(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE org_id = ? AND entity_type = 'evidence'`, f.Org.ID).Scan(&n)
		})
		if err != nil || n != 6 {
			t.Fatalf("%d evidence audit entries (%v), want 6", n, err)
		}
	})
}

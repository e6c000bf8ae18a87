package documents_test

import (
	"bytes"
	"mime/multipart"
	"regexp"
	"strings"
	"testing"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/areas/areastest"
	"github.com/bulwark-isms/bulwark/areas/documents"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
)

// TestTemplates: every template the issue names is shipped, each in fixed
// numbered sections, and a document created from it has at least 300 words with
// no placeholder left.
func TestTemplates(t *testing.T) {
	lib, err := documents.LoadLibrary()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"information-security-policy", "isms-scope-statement", "risk-methodology", "security-objectives", "access-control-policy",
		"acceptable-use-policy", "information-classification-policy", "supplier-security-policy", "incident-management-procedure",
		"business-continuity-plan", "backup-policy", "cryptography-policy", "secure-development-policy", "hr-security-procedure",
		"internal-audit-procedure", "management-review-procedure", "corrective-action-procedure"}
	for _, id := range want {
		tpl := lib.Get(id)
		if tpl == nil {
			t.Errorf("template %s is missing", id)
			continue
		}
		if len(tpl.Sections) < 5 || !strings.HasPrefix(tpl.Sections[0], "1. Purpose") || !strings.HasSuffix(tpl.Sections[len(tpl.Sections)-1], "Review") {
			t.Errorf("%s: sections %q: want 1. Purpose first and Review last", id, tpl.Sections)
		}
	}
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		mgr := f.Accounts[bulwark.RoleManager].Token
		list := areastest.Decode[areastest.List](t, f.Do("GET", "/api/v1/document-templates", areastest.Req{Token: mgr}))
		if len(list.Items) < len(want) {
			t.Fatalf("%d templates listed", len(list.Items))
		}
		for _, id := range want {
			res := f.Do("POST", "/api/v1/documents", areastest.Req{Token: mgr, JSON: `{"template_id":"` + id + `","scope":"the payments platform of Acme Ltd"}`})
			if res.StatusCode != 201 {
				t.Fatalf("%s: %d %s", id, res.StatusCode, res.Text)
			}
			d := areastest.Decode[documents.Document](t, res)
			if left := regexp.MustCompile(`\{\{[^}]*\}\}`).FindAllString(d.Body, -1); len(left) > 0 {
				t.Errorf("%s: placeholders left: %q", id, left)
			}
			if n := len(strings.Fields(d.Body)); n < 300 {
				t.Errorf("%s: %d words", id, n)
			}
			if !strings.Contains(d.Body, "Acme Ltd") || d.NextReviewDate == nil || d.TemplateID != id || d.Status != "draft" {
				t.Errorf("%s: organisation, review date, template or status missing: %+v", id, d.NextReviewDate)
			}
			if id == "risk-methodology" && !strings.Contains(d.Body, "/o/acme-ltd/risk-methodology") {
				t.Errorf("the methodology template does not link to the methodology record")
			}
			if id == "information-security-policy" && (!strings.HasPrefix(d.Ref, "POL-") || len(d.RequirementIDs) == 0 || len(d.ControlIDs) == 0) {
				t.Errorf("policy from template: ref %s, %d requirements, %d controls", d.Ref, len(d.RequirementIDs), len(d.ControlIDs))
			}
		}
		if res := f.Do("POST", "/api/v1/documents", areastest.Req{Token: mgr, JSON: `{"template_id":"no-such"}`}); res.StatusCode != 422 || !strings.Contains(res.Text, "template_id") {
			t.Errorf("unknown template: %d %s", res.StatusCode, res.Text)
		}
	})
}

// TestWorkflow walks a policy through draft, review, approval and publication
// twice, with segregation of duties, and checks that revisions never change.
func TestWorkflow(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		mgr, admin, owner := f.Accounts[bulwark.RoleManager].Token, f.Accounts[bulwark.RoleAdmin].Token, f.Accounts[bulwark.RoleOwner].Token
		contrib, emp := f.Accounts[bulwark.RoleContributor].Token, f.Accounts[bulwark.RoleEmployee].Token
		step := func(token, id, name, body string) *areastest.Resp {
			if body == "" {
				body = "{}"
			}
			return f.Do("POST", "/api/v1/documents/"+id+"/"+name, areastest.Req{Token: token, JSON: body})
		}
		hostile := "# Acceptable use\n\n<script>alert(1)</script>\n\n[click](javascript:alert(1))\n\n<img src=x onerror=alert(2)>\n\nUse devices **responsibly**."
		res := f.Do("POST", "/api/v1/documents", areastest.Req{Token: admin, JSON: `{"title":"Acceptable use","body":` + quote(hostile) + `}`})
		if res.StatusCode != 201 {
			t.Fatalf("create: %d %s", res.StatusCode, res.Text)
		}
		d := areastest.Decode[documents.Document](t, res)
		if d.Ref != "POL-001" || d.Type != "policy" || d.Status != "draft" || d.PublishedRevision != nil || d.Version != 1 || d.Body != hostile {
			t.Fatalf("new document: %+v", d)
		}
		if d.OwnerID == nil || *d.OwnerID != f.Accounts[bulwark.RoleAdmin].MemberID {
			t.Errorf("owner defaults to the creator: %v", d.OwnerID)
		}
		// The manager edits it too: both are its authors.
		if res := f.Do("PATCH", "/api/v1/documents/"+d.ID, areastest.Req{Token: mgr, JSON: `{"title":"Acceptable use policy"}`}); res.StatusCode != 200 {
			t.Fatalf("edit: %d %s", res.StatusCode, res.Text)
		}
		for _, tc := range []struct {
			name, token, step, body string
			status                  int
			contains                string
		}{
			{"approve a draft", owner, "approve", "", 409, "Submit it first"},
			{"publish a draft", mgr, "publish", "", 409, "approved"},
			{"a contributor submits another's document", contrib, "submit", "", 403, ""},
			{"an employee submits", emp, "submit", "", 403, ""},
			{"submit", mgr, "submit", "", 200, `"status":"in_review"`},
			{"a manager approves", mgr, "approve", "", 403, ""},
			{"an author approves", admin, "approve", "", 409, "Segregation of duties"},
			{"return without a comment", owner, "return", `{"comment":"  "}`, 422, `"field":"comment"`},
			{"return", owner, "return", `{"comment":"Add the BYOD rules."}`, 200, `"return_comment":"Add the BYOD rules."`},
			{"submit again", mgr, "submit", "", 200, `"status":"in_review"`},
			{"approve", owner, "approve", "", 200, `"status":"approved"`},
			{"a contributor publishes", contrib, "publish", "", 403, ""},
			{"publish with an unknown bump", mgr, "publish", `{"bump":"huge"}`, 422, `"field":"bump"`},
			{"publish", mgr, "publish", "", 200, `"published_revision":"1.0"`},
		} {
			if res := step(tc.token, d.ID, tc.step, tc.body); res.StatusCode != tc.status || !strings.Contains(res.Text, tc.contains) {
				t.Fatalf("%s: %d %s", tc.name, res.StatusCode, res.Text)
			}
		}
		d = areastest.Decode[documents.Document](t, f.Do("GET", "/api/v1/documents/POL-001", areastest.Req{Token: mgr}))
		if d.Status != "published" || len(d.Authors) != 0 || d.NextReviewDate == nil {
			t.Errorf("after publishing: %s, authors %v, review %v", d.Status, d.Authors, d.NextReviewDate)
		}
		// Edits after publishing start a new draft; readers keep 1.0.
		res = f.Do("PATCH", "/api/v1/documents/"+d.ID, areastest.Req{Token: mgr, JSON: `{"body":"# Acceptable use\n\nUse devices responsibly.\n\nReport lost devices at once.\n"}`})
		d = areastest.Decode[documents.Document](t, res)
		if d.Status != "draft" || d.PublishedRevision == nil || *d.PublishedRevision != "1.0" {
			t.Fatalf("edit after publishing: %d %s", res.StatusCode, res.Text)
		}
		step(mgr, d.ID, "submit", "")
		if res := step(mgr, d.ID, "approve", ""); res.StatusCode != 403 {
			t.Errorf("manager approves: %d", res.StatusCode)
		}
		step(admin, d.ID, "approve", "") // admin did not edit this version
		if res := step(admin, d.ID, "publish", `{"bump":"minor"}`); res.StatusCode != 422 || !strings.Contains(res.Text, "change_summary") {
			t.Errorf("publish 1.1 without a summary: %d %s", res.StatusCode, res.Text)
		}
		if res := step(admin, d.ID, "publish", `{"bump":"minor","change_summary":"Lost devices."}`); res.StatusCode != 200 || !strings.Contains(res.Text, `"published_revision":"1.1"`) {
			t.Fatalf("publish 1.1: %d %s", res.StatusCode, res.Text)
		}
		f.Do("PATCH", "/api/v1/documents/"+d.ID, areastest.Req{Token: mgr, JSON: `{"title":"Acceptable use of IT"}`})
		step(mgr, d.ID, "submit", "")
		step(owner, d.ID, "approve", "")
		if res := step(mgr, d.ID, "publish", `{"bump":"major","change_summary":"New title."}`); !strings.Contains(res.Text, `"published_revision":"2.0"`) {
			t.Fatalf("publish 2.0: %d %s", res.StatusCode, res.Text)
		}
		// The same text with a browser's CRLF line ends is no change: the published document stays published.
		cur := areastest.Decode[documents.Document](t, f.Do("GET", "/api/v1/documents/"+d.ID, areastest.Req{Token: mgr}))
		crlf := areastest.Decode[documents.Document](t, f.Do("PATCH", "/api/v1/documents/"+d.ID, areastest.Req{Token: mgr, JSON: `{"body":` + quote(strings.ReplaceAll(cur.Body, "\n", "\r\n")) + `}`}))
		if crlf.Status != "published" || crlf.Version != cur.Version {
			t.Errorf("CRLF line ends made a change: %s, version %d → %d", crlf.Status, cur.Version, crlf.Version)
		}
		revs := areastest.Decode[areastest.List](t, f.Do("GET", "/api/v1/documents/"+d.ID+"/revisions", areastest.Req{Token: mgr}))
		if len(revs.Items) != 3 {
			t.Fatalf("%d revisions", len(revs.Items))
		}
		r11 := areastest.Decode[documents.Revision](t, f.Do("GET", "/api/v1/documents/"+d.ID+"/revisions/1.1", areastest.Req{Token: f.Accounts[bulwark.RoleAuditor].Token}))
		added, removed := documents.DiffStats(r11.Diff)
		if r11.ChangeSummary != "Lost devices." || added == 0 || removed == 0 || r11.ApprovedBy != f.Accounts[bulwark.RoleAdmin].MemberID {
			t.Errorf("revision 1.1: %q, +%d −%d, approved by %s", r11.ChangeSummary, added, removed, r11.ApprovedBy)
		}
		if res := f.Do("GET", "/api/v1/documents/"+d.ID+"/revisions/9.9", areastest.Req{Token: mgr}); res.StatusCode != 404 {
			t.Errorf("unknown revision: %d", res.StatusCode)
		}
		// No route changes a revision, and the database refuses to.
		if _, err := db.SQL().Exec(rebind(db, `UPDATE document_revisions SET body = 'forged' WHERE document_id = ?`), d.ID); err == nil {
			t.Error("a published revision was changed in the database")
		}
		r10 := areastest.Decode[documents.Revision](t, f.Do("GET", "/api/v1/documents/"+d.ID+"/revisions/1.0", areastest.Req{Token: mgr}))
		if r10.Body != hostile || r10.Diff != nil {
			t.Errorf("revision 1.0 changed: %q", r10.Body)
		}
		// Hostile Markdown shows inert on the page, stored as written.
		cookie := f.SignIn(f.Accounts[bulwark.RoleManager].Email)
		page := f.Do("GET", "/o/acme-ltd/policies/"+d.ID+"/revisions/1.0", areastest.Req{Cookie: cookie})
		if page.StatusCode != 200 || !strings.Contains(page.Text, "<strong>responsibly</strong>") {
			t.Errorf("revision page: %d", page.StatusCode)
		}
		if live := liveHTML(page.Text); live != "" {
			t.Errorf("revision page renders hostile Markdown live: %s", live)
		}
		// Revision 1.1's diff shows the hostile lines it removed, as text.
		page = f.Do("GET", "/o/acme-ltd/policies/"+d.ID+"/revisions/1.1", areastest.Req{Cookie: cookie})
		if page.StatusCode != 200 || !strings.Contains(page.Text, "&lt;script&gt;alert(1)") {
			t.Errorf("revision 1.1 page: %d", page.StatusCode)
		}
		if live := liveHTML(page.Text); live != "" {
			t.Errorf("revision 1.1 page renders hostile text live: %s", live)
		}
		// Employees do not reach the register.
		if res := f.Do("GET", "/api/v1/documents", areastest.Req{Token: emp}); res.StatusCode != 403 {
			t.Errorf("employee lists documents: %d", res.StatusCode)
		}
	})
}

// TestFile: a Word or PDF policy kept as the document's content, checked against
// its bytes, downloaded as an attachment that cannot run.
func TestFile(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		mgr := f.Accounts[bulwark.RoleManager].Token
		d := areastest.Decode[documents.Document](t, f.Do("POST", "/api/v1/documents", areastest.Req{Token: mgr, JSON: `{"title":"Backup policy","type":"policy"}`}))
		upload := func(name string, content []byte) *areastest.Resp {
			var b bytes.Buffer
			mw := multipart.NewWriter(&b)
			fw, _ := mw.CreateFormFile("file", name)
			fw.Write(content)
			mw.Close()
			return f.Do("PUT", "/api/v1/documents/"+d.ID+"/file", areastest.Req{Token: mgr, Body: b.String(), Headers: map[string]string{"Content-Type": mw.FormDataContentType()}})
		}
		if res := upload("policy.pdf", []byte("<html><script>alert(1)</script>")); res.StatusCode != 422 || !strings.Contains(res.Text, "not a pdf file") {
			t.Errorf("HTML named .pdf: %d %s", res.StatusCode, res.Text)
		}
		if res := upload("policy.exe", []byte("MZ")); res.StatusCode != 422 {
			t.Errorf("an executable: %d %s", res.StatusCode, res.Text)
		}
		pdf := []byte("%PDF-1.4\n% a tiny file\n")
		res := upload(`../../back"up.pdf`, pdf)
		if res.StatusCode != 200 || !strings.Contains(res.Text, `"content_type":"application/pdf"`) || !strings.Contains(res.Text, `"sha256":"`) {
			t.Fatalf("upload: %d %s", res.StatusCode, res.Text)
		}
		got := f.Do("GET", "/api/v1/documents/"+d.ID+"/file", areastest.Req{Token: f.Accounts[bulwark.RoleAuditor].Token})
		if got.StatusCode != 200 || got.Text != string(pdf) || !strings.HasPrefix(got.Header.Get("Content-Disposition"), "attachment") ||
			got.Header.Get("Content-Security-Policy") != "sandbox" || got.Header.Get("X-Content-Type-Options") != "nosniff" || strings.Contains(got.Header.Get("Content-Disposition"), `back"up`) {
			t.Errorf("download: %d %q %v", got.StatusCode, got.Text, got.Header)
		}
	})
}

// liveHTML returns the first piece of markup in page that would run script: a
// script element with inline code, an event-handler attribute, a script URL.
func liveHTML(page string) string {
	for _, re := range []*regexp.Regexp{
		regexp.MustCompile(`(?i)<script[^>]*>[^<]+`),
		regexp.MustCompile(`(?i)<[a-z][^>]*\son[a-z]+\s*=[^>]*>`),
		regexp.MustCompile(`(?i)<[a-z][^>]*(href|src)\s*=\s*["']?\s*(javascript|vbscript|data:text):[^>]*>`),
	} {
		if m := re.FindString(page); m != "" {
			return m
		}
	}
	return ""
}

func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`)
	return `"` + r.Replace(s) + `"`
}

func rebind(db *sqlstore.DB, q string) string {
	if db.Dialect == sqlstore.Postgres {
		return strings.Replace(q, "?", "$1", 1)
	}
	return q
}

// TestPDF: a policy as a PDF and the policy set, read back with pdftotext: title
// page with ref, revision and approver, the text with no Markdown marker left.
func TestPDF(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		mgr, admin := f.Accounts[bulwark.RoleManager].Token, f.Accounts[bulwark.RoleAdmin].Token
		d := areastest.Decode[documents.Document](t, f.Do("POST", "/api/v1/documents", areastest.Req{Token: mgr, JSON: `{"template_id":"access-control-policy"}`}))
		if res := f.Do("GET", "/api/v1/documents/"+d.ID+"/export", areastest.Req{Token: mgr}); res.StatusCode != 409 {
			t.Errorf("PDF of an unpublished document: %d", res.StatusCode)
		}
		f.Do("POST", "/api/v1/documents/"+d.ID+"/submit", areastest.Req{Token: mgr, JSON: `{}`})
		f.Do("POST", "/api/v1/documents/"+d.ID+"/approve", areastest.Req{Token: admin, JSON: `{}`})
		f.Do("POST", "/api/v1/documents/"+d.ID+"/publish", areastest.Req{Token: mgr, JSON: `{}`})
		res := f.Do("GET", "/api/v1/documents/"+d.ID+"/export?format=pdf", areastest.Req{Token: f.Accounts[bulwark.RoleAuditor].Token})
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/pdf" {
			t.Fatalf("policy PDF: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
		}
		text := areastest.PDFText(t, []byte(res.Text))
		for _, want := range []string{d.Ref, "Access control policy", "Revision", "1.0", "Approved by", "Admin", "1. Purpose", "Acme Ltd"} {
			if !strings.Contains(text, want) {
				t.Errorf("policy PDF lacks %q", want)
			}
		}
		for _, marker := range []string{"## ", "**", "{{", "](", "\n# "} {
			if strings.Contains(text, marker) {
				t.Errorf("policy PDF shows the Markdown marker %q", marker)
			}
		}
		set := f.Do("GET", "/api/v1/documents/export", areastest.Req{Token: mgr})
		if set.StatusCode != 200 || !strings.Contains(areastest.PDFText(t, []byte(set.Text)), "Policy set") {
			t.Errorf("policy set: %d", set.StatusCode)
		}
	})
}

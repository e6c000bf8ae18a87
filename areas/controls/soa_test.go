package controls_test

import (
	"encoding/csv"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/areas/areastest"
	"github.com/bulwark-isms/bulwark/areas/controls"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
)

// controlIDs maps the fixture organisation's control refs to ids.
func controlIDs(t *testing.T, f *areastest.Fixture, token string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, it := range areastest.Decode[areastest.List](t, f.Do("GET", "/api/v1/controls", areastest.Req{Token: token})).Items {
		out[it["ref"].(string)] = it["id"].(string)
	}
	return out
}

func TestSoALifecycle(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		mgr, owner, admin := f.Accounts[bulwark.RoleManager].Token, f.Accounts[bulwark.RoleOwner].Token, f.Accounts[bulwark.RoleAdmin].Token
		ids := controlIDs(t, f, mgr)
		soa := areastest.Decode[controls.SoA](t, f.Do("GET", "/api/v1/soa", areastest.Req{Token: mgr}))
		if soa.Status != "draft" || soa.Revision != nil || len(soa.Entries) != 93 || soa.Entries[0].Ref != "A.5.1" || soa.Entries[92].Ref != "A.8.34" {
			t.Fatalf("fresh SoA: %s rev %v, %d entries", soa.Status, soa.Revision, len(soa.Entries))
		}
		if soa.Entries[0].Theme != "Organizational" || !soa.Entries[0].Applicable {
			t.Errorf("A.5.1 entry: %+v", soa.Entries[0])
		}
		a730 := "/api/v1/controls/" + ids["A.7.3"]
		steps := []struct {
			name, method, path, body, token string
			status                          int
			contains                        string
		}{
			{"exclusion needs a justification", "PATCH", a730, `{"status":"not_applicable"}`, mgr, 422, `"field":"exclusion_justification"`},
			{"blank justification is none", "PATCH", a730, `{"status":"not_applicable","exclusion_justification":"  "}`, mgr, 422, `"field":"exclusion_justification"`},
			{"excluded with a justification", "PATCH", a730, `{"status":"not_applicable","exclusion_justification":"No offices: staff work from home."}`, mgr, 200, `"applicable":false`},
			{"stated reasons", "PATCH", "/api/v1/controls/" + ids["A.5.1"], `{"inclusion_reasons":["contractual","risk_treatment","legal"],"maturity":3}`, mgr, 200, `"inclusion_reasons":["legal","contractual"]`},
			{"unknown reason", "PATCH", "/api/v1/controls/" + ids["A.5.1"], `{"inclusion_reasons":["whim"]}`, mgr, 422, `"field":"inclusion_reasons"`},
			{"maturity out of range", "PATCH", "/api/v1/controls/" + ids["A.5.1"], `{"maturity":6}`, mgr, 422, `"field":"maturity"`},
			{"applicable is read-only", "PATCH", "/api/v1/controls/" + ids["A.5.1"], `{"applicable":false}`, mgr, 422, `"field":"applicable"`},
			{"nothing to approve", "POST", "/api/v1/soa/approve", `{}`, owner, 409, "Submit it first"},
			{"contributors do not submit", "POST", "/api/v1/soa/submit", `{}`, f.Accounts[bulwark.RoleContributor].Token, 403, ""},
			{"manager submits", "POST", "/api/v1/soa/submit", `{}`, mgr, 200, `"status":"submitted"`},
			{"twice is a conflict", "POST", "/api/v1/soa/submit", `{}`, mgr, 409, "already submitted"},
			{"managers do not approve", "POST", "/api/v1/soa/approve", `{}`, mgr, 403, ""},
			{"owner approves revision 1", "POST", "/api/v1/soa/approve", `{}`, owner, 200, `"revision":1`},
			{"approved and unchanged", "POST", "/api/v1/soa/submit", `{}`, mgr, 409, "nothing has changed"},
		}
		for _, s := range steps {
			res := f.Do(s.method, s.path, areastest.Req{Token: s.token, JSON: s.body})
			if res.StatusCode != s.status || !strings.Contains(res.Text, s.contains) {
				t.Fatalf("%s: %d %s", s.name, res.StatusCode, res.Text)
			}
		}
		soa = areastest.Decode[controls.SoA](t, f.Do("GET", "/api/v1/soa", areastest.Req{Token: mgr}))
		if soa.Status != "approved" || soa.Revision == nil || *soa.Revision != 1 || soa.ApprovedBy == nil || *soa.ApprovedBy != f.Accounts[bulwark.RoleOwner].MemberID || soa.ApprovedAt == nil {
			t.Fatalf("approved SoA: %+v", soa)
		}
		// A change to a control puts the live statement back to draft; revision 1 stays.
		if res := f.Do("PATCH", "/api/v1/controls/"+ids["A.8.1"], areastest.Req{Token: mgr, JSON: `{"status":"implemented","implementation_description":"MDM on every laptop"}`}); res.StatusCode != 200 {
			t.Fatal(res.Text)
		}
		soa = areastest.Decode[controls.SoA](t, f.Do("GET", "/api/v1/soa", areastest.Req{Token: mgr}))
		if soa.Status != "draft" || *soa.Revision != 1 {
			t.Fatalf("after a change: %s rev %d", soa.Status, *soa.Revision)
		}
		if res := f.Do("GET", "/api/v1/audit-log?action=soa.draft", areastest.Req{Token: mgr}); !strings.Contains(res.Text, `"before":"approved"`) {
			t.Errorf("the loss of the approval is not audited: %s", res.Text)
		}
		// Segregation of duties: the owner who submits does not approve; the admin does.
		if res := f.Do("POST", "/api/v1/soa/submit", areastest.Req{Token: owner, JSON: `{}`}); res.StatusCode != 200 {
			t.Fatal(res.Text)
		}
		if res := f.Do("POST", "/api/v1/soa/approve", areastest.Req{Token: owner, JSON: `{}`}); res.StatusCode != 409 || !strings.Contains(res.Text, "Segregation of duties") {
			t.Fatalf("own approval: %d %s", res.StatusCode, res.Text)
		}
		if res := f.Do("POST", "/api/v1/soa/approve", areastest.Req{Token: admin, JSON: `{}`}); res.StatusCode != 200 || !strings.Contains(res.Text, `"revision":2`) {
			t.Fatalf("admin approval: %d %s", res.StatusCode, res.Text)
		}
		revs := areastest.Decode[areastest.List](t, f.Do("GET", "/api/v1/soa/revisions", areastest.Req{Token: f.Accounts[bulwark.RoleAuditor].Token}))
		if len(revs.Items) != 2 || revs.Items[0]["revision"] != float64(2) || revs.Items[1]["applicable"] != float64(92) {
			t.Fatalf("revisions: %+v", revs.Items)
		}
		r1 := areastest.Decode[controls.SoA](t, f.Do("GET", "/api/v1/soa/revisions/1", areastest.Req{Token: mgr}))
		for _, e := range r1.Entries {
			if e.Ref == "A.8.1" && e.Status != "not_started" {
				t.Errorf("revision 1 changed with the control: A.8.1 %s", e.Status)
			}
		}
		cmp := areastest.Decode[controls.SoAComparison](t, f.Do("GET", "/api/v1/soa/compare?from=1&to=2", areastest.Req{Token: mgr}))
		if len(cmp.Changes) != 1 || cmp.Changes[0].Ref != "A.8.1" || cmp.Changes[0].Fields["status"].After != "implemented" || cmp.Changes[0].Fields["implementation_description"].After != "MDM on every laptop" {
			t.Fatalf("compare 1→2: %+v", cmp)
		}
		for _, tc := range []struct {
			path   string
			status int
		}{{"/api/v1/soa/compare?from=1", 200}, {"/api/v1/soa/compare", 422}, {"/api/v1/soa/compare?from=x", 422}, {"/api/v1/soa/compare?from=9", 404},
			{"/api/v1/soa/revisions/9", 404}, {"/api/v1/soa/revisions/abc", 404}, {"/api/v1/soa/export?format=docx", 422}} {
			if res := f.Do("GET", tc.path, areastest.Req{Token: mgr}); res.StatusCode != tc.status {
				t.Errorf("GET %s: %d, want %d: %s", tc.path, res.StatusCode, tc.status, res.Text)
			}
		}
		// Another organisation sees its own statement, never this one's revisions.
		globex := areastest.MustOrg(t, f.Svc, "Globex", "owner@globex.test")
		other := f.AddMembers(&globex.Org, "globex.test")
		if res := f.Do("GET", "/api/v1/soa/revisions/1", areastest.Req{Token: other[bulwark.RoleManager].Token}); res.StatusCode != 404 {
			t.Errorf("another organisation reads revision 1: %d", res.StatusCode)
		}
		if s := areastest.Decode[controls.SoA](t, f.Do("GET", "/api/v1/soa", areastest.Req{Token: other[bulwark.RoleManager].Token})); s.Status != "draft" || s.Revision != nil {
			t.Errorf("another organisation's SoA: %s %v", s.Status, s.Revision)
		}
	})
}

func TestSoAExports(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		mgr := f.Accounts[bulwark.RoleManager].Token
		ids := controlIDs(t, f, mgr)
		f.Do("PATCH", "/api/v1/controls/"+ids["A.7.3"], areastest.Req{Token: mgr, JSON: `{"status":"not_applicable","exclusion_justification":"No offices, café: ünïcödé kept"}`})
		if res := f.Do("POST", "/api/v1/controls", areastest.Req{Token: mgr, JSON: `{"title":"Quarterly phishing simulation","status":"implemented","inclusion_reasons":["business"]}`}); res.StatusCode != 201 {
			t.Fatal(res.Text)
		}
		res := f.Do("GET", "/api/v1/soa/export?format=csv", areastest.Req{Token: mgr})
		rows, err := csv.NewReader(strings.NewReader(res.Text)).ReadAll()
		if err != nil || res.StatusCode != 200 || len(rows) != 95 {
			t.Fatalf("csv: %d %v, %d rows", res.StatusCode, err, len(rows))
		}
		if strings.Join(rows[0], ",") != strings.Join(controls.SoAColumns, ",") || rows[94][0] != "C-001" || rows[94][2] != "Own control" {
			t.Errorf("csv header %v, last row %v", rows[0], rows[94])
		}
		dir := t.TempDir()
		// XLSX: LibreOffice reads the preamble, the header and 94 rows.
		res = f.Do("GET", "/api/v1/soa/export?format=xlsx", areastest.Req{Token: mgr})
		if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("xlsx: %d %v", res.StatusCode, res.Header)
		}
		xlsx := filepath.Join(dir, "soa.xlsx")
		if err := os.WriteFile(xlsx, []byte(res.Text), 0o600); err != nil {
			t.Fatal(err)
		}
		if lo, err := exec.LookPath("libreoffice"); err == nil {
			cmd := exec.Command(lo, "--headless", "--convert-to", `csv:Text - txt - csv (StarCalc):44,34,76`, "--outdir", dir, xlsx) // 76: UTF-8
			cmd.Env = append(os.Environ(), "HOME="+dir)
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("libreoffice: %v %s", err, b)
			}
			b, err := os.ReadFile(filepath.Join(dir, "soa.csv"))
			if err != nil {
				t.Fatal(err)
			}
			lines, err := csv.NewReader(strings.NewReader(string(b))).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			header, annex := -1, 0
			for i, l := range lines {
				if len(l) > 0 && l[0] == "ref" {
					header = i
				}
				if header >= 0 && i > header && strings.HasPrefix(l[0], "A.") {
					annex++
				}
			}
			if header < 0 || !strings.Contains(string(b), "DRAFT — not approved") || annex != 93 || len(lines[header]) < len(controls.SoAColumns) || lines[header][5] != "exclusion_justification" {
				t.Fatalf("LibreOffice's reading: header at %d, %d Annex A rows:\n%s", header, annex, b)
			}
		} else if os.Getenv("CI") != "" {
			t.Fatal("libreoffice is not installed")
		}
		// PDF: every control ref from A.5.1 to A.8.34, the draft mark on each page, the ünïcödé kept.
		res = f.Do("GET", "/api/v1/soa/export?format=pdf", areastest.Req{Token: mgr})
		if res.StatusCode != 200 || !strings.HasPrefix(res.Text, "%PDF") {
			t.Fatalf("pdf: %d", res.StatusCode)
		}
		text := areastest.PDFText(t, []byte(res.Text))
		for _, ref := range []string{"A.5.1", "A.5.37", "A.6.8", "A.7.14", "A.8.1", "A.8.34", "C-001"} {
			if !strings.Contains(text, ref) {
				t.Errorf("the PDF lacks %s", ref)
			}
		}
		pages := strings.Count(text, "\f")
		if pages < 3 || strings.Count(text, "DRAFT") < pages || !strings.Contains(text, "ünïcödé") || !strings.Contains(text, fmt.Sprintf("Page 2 of %d", pages)) {
			t.Errorf("PDF: %d pages, %d DRAFT marks:\n%s", pages, strings.Count(text, "DRAFT"), text[:min(len(text), 2000)])
		}
		// JSON is the document of GET /api/v1/soa.
		if res := f.Do("GET", "/api/v1/soa/export?format=json", areastest.Req{Token: mgr}); res.StatusCode != 200 || !strings.Contains(res.Text, `"entries"`) {
			t.Errorf("json export: %d", res.StatusCode)
		}
	})
}

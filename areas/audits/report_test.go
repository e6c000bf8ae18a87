package audits_test

import (
	"bytes"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/areas/areastest"
	"github.com/bulwark-isms/bulwark/areas/audits"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
	"github.com/bulwark-isms/bulwark/tabular"
)

// heldAudit plans AUD-001 over A.5.15 and A.5.18 with an auditor leading, a manager and an external in its
// team, records both lines and raises three findings (F-001 a minor nonconformity opening NC-001, F-002 an
// observation, F-003 an opportunity for improvement). It returns the audit's id.
func heldAudit(f fixture) string {
	mgr, aud := f.Accounts[bulwark.RoleManager], f.Accounts[bulwark.RoleAuditor]
	a := f.call("POST", "/api/v1/audits", mgr, `{"title":"Access control audit","type":"internal","framework_ids":["iso27001-2022"],
		"criteria":"ISO/IEC 27001:2022 Annex A access control; the access policy POL-004",
		"scope":"Head office joiners and leavers process","requirement_ids":["iso27001-2022:A.5.15","iso27001-2022:A.5.18"],
		"lead_id":"`+aud.MemberID+`","team_ids":["`+mgr.MemberID+`"],"team_external":["Kim Reviewer"],"planned_start":"2027-02-01","planned_end":"2027-02-03"}`, 201)
	id := a["id"].(string)
	f.call("POST", "/api/v1/audits/"+id+"/checklist", mgr, `{}`, 200)
	f.call("PATCH", "/api/v1/audits/"+id, aud, `{"status":"in_progress"}`, 200)
	f.call("PATCH", "/api/v1/audits/"+id+"/checklist/1", aud, `{"result":"conforming","notes":"Sampled ten access requests."}`, 200)
	f.call("PATCH", "/api/v1/audits/"+id+"/checklist/2", mgr, `{"result":"nonconforming","notes":"Two leavers still active."}`, 200)
	fnd := f.call("POST", "/api/v1/findings", mgr, `{"audit_id":"`+id+`","checklist_line":2,"classification":"minor_nc","title":"Leavers keep access","evidence_seen":"HR leaver list against the directory"}`, 201)
	if fnd["ref"] != "F-001" || fnd["nonconformity_ref"] != "NC-001" {
		f.t.Fatalf("finding: %v", fnd)
	}
	f.call("POST", "/api/v1/findings", aud, `{"audit_id":"`+id+`","classification":"observation","title":"Access reviews late in Q3","evidence_seen":"Q3 review log"}`, 201)
	f.call("POST", "/api/v1/findings", aud, `{"audit_id":"`+id+`","checklist_line":1,"classification":"ofi","title":"Automate request approval"}`, 201)
	return id
}

// TestAuditReport: the audit report PDF, read back through pdftotext, holds the audit's criteria, scope,
// team, dates and status, every checklist line with its result and notes, and every finding with its
// classification, evidence seen and the nonconformity it opened; a draft until the audit is closed. From
// the API and from the audit page's form, on both databases.
func TestAuditReport(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := fixture{areastest.New(t, db), t}
		mgr, aud := f.Accounts[bulwark.RoleManager], f.Accounts[bulwark.RoleAuditor]
		id := heldAudit(f)
		download := func(path string, acc *areastest.Account) string {
			t.Helper()
			res := f.Do("GET", path, areastest.Req{Token: acc.Token})
			if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(res.Text, "%PDF-") {
				t.Fatalf("GET %s: %d %s %.200s", path, res.StatusCode, res.Header.Get("Content-Type"), res.Text)
			}
			if cd := res.Header.Get("Content-Disposition"); cd != `attachment; filename="audit-report-aud-001-acme-ltd.pdf"` {
				t.Errorf("Content-Disposition %q", cd)
			}
			return areastest.PDFText(t, []byte(res.Text))
		}
		txt := download("/api/v1/audits/"+id+"/export", mgr)
		for _, want := range []string{"Audit report AUD-001", "Acme Ltd", "DRAFT", "Access control audit", "In progress", "2027-02-01 to 2027-02-03",
			"Person Auditor", "Person Manager", "Kim Reviewer (external)", "Annex A access control; the access policy POL-004",
			"Head office joiners and leavers process", "A.5.15, A.5.18", "ISO/IEC 27001",
			"2 of 2 lines audited: 1 conforming, 1 nonconforming",
			"A.5.15 Access control", "Conforming", "Sampled ten access requests.", "A.5.18 Access rights", "Nonconforming", "Two leavers still active.",
			"3 findings: 1 minor nonconformity, 1 observation, 1 opportunity for improvement",
			"F-001", "Minor nonconformity", "Leavers keep access", "HR leaver list against the", "NC-001",
			"F-002", "Observation", "Access reviews late in Q3", "Q3 review log",
			"F-003", "Opportunity for", "Automate request approval", "Not written yet."} {
			if !strings.Contains(txt, want) {
				t.Errorf("the report lacks %q:\n%s", want, txt)
			}
		}
		// Closed, with its conclusion: no longer a draft. By ref too.
		f.call("PATCH", "/api/v1/audits/"+id, aud, `{"status":"reporting"}`, 200)
		f.call("PATCH", "/api/v1/audits/"+id, aud, `{"status":"closed","conclusion":"Access control works except for leavers."}`, 200)
		txt = download("/api/v1/audits/AUD-001/export?format=pdf", aud)
		if strings.Contains(txt, "DRAFT") || !strings.Contains(txt, "Access control works except for leavers.") || !strings.Contains(txt, "Closed") {
			t.Errorf("the closed audit's report:\n%s", txt)
		}
		// The audit page offers it to readers of the ISMS, and its form downloads it.
		owner := f.SignIn("owner@acme.test")
		page := f.Do("GET", "/o/acme-ltd/audits/"+id, areastest.Req{Cookie: owner})
		if !strings.Contains(page.Text, `action="/o/acme-ltd/audits/`+id+`/export"`) || !strings.Contains(page.Text, "Download report (PDF)") {
			t.Errorf("the audit page has no report download")
		}
		res := f.Do("POST", "/o/acme-ltd/audits/"+id+"/export", areastest.Req{Cookie: owner, Form: url.Values{}})
		if res.StatusCode != 200 || !strings.HasPrefix(res.Text, "%PDF-") {
			t.Errorf("the page's download: %d %.200s", res.StatusCode, res.Text)
		}
		// Refusals: another format, an audit that does not exist, a member who does not read the ISMS.
		if res := f.Do("GET", "/api/v1/audits/"+id+"/export?format=xlsx", areastest.Req{Token: mgr.Token}); res.StatusCode != 422 {
			t.Errorf("format=xlsx: %d", res.StatusCode)
		}
		if res := f.Do("GET", "/api/v1/audits/AUD-099/export", areastest.Req{Token: mgr.Token}); res.StatusCode != 404 {
			t.Errorf("a missing audit: %d", res.StatusCode)
		}
		if res := f.Do("GET", "/api/v1/audits/"+id+"/export", areastest.Req{Token: f.Accounts[bulwark.RoleEmployee].Token}); res.StatusCode != 403 {
			t.Errorf("an employee: %d", res.StatusCode)
		}
		// Each download is audited.
		log := f.Do("GET", "/api/v1/audit-log?action=audit.export", areastest.Req{Token: f.Accounts[bulwark.RoleOwner].Token})
		if n := strings.Count(log.Text, `"audit.export"`); n != 3 {
			t.Errorf("%d audit.export entries, want 3: %.500s", n, log.Text)
		}
	})
}

// readSheet reads an export back through the import engine, its columns as the fields.
func readSheet(t *testing.T, b []byte, name string, columns []any) *tabular.Table {
	t.Helper()
	var fields []tabular.Field
	for _, c := range columns {
		fields = append(fields, tabular.Field{Name: c.(string)})
	}
	tbl, err := tabular.Read(bytes.NewReader(b), name, fields, tabular.Options{})
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	if len(tbl.Unmapped) > 0 || len(tbl.Columns) != len(columns) {
		t.Fatalf("%s: %d columns, unmapped %v", name, len(tbl.Columns), tbl.Unmapped)
	}
	return tbl
}

// TestFindingsExport: the findings register as CSV and XLSX, from the API and the findings page, holds every
// finding with its audit, line, requirement, who raised it and the nonconformity it opened.
func TestFindingsExport(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := fixture{areastest.New(t, db), t}
		heldAudit(f)
		// One raised directly, outside any audit.
		f.call("POST", "/api/v1/findings", f.Accounts[bulwark.RoleManager], `{"classification":"major_nc","title":"Backups never restored"}`, 201)
		tok := f.Accounts[bulwark.RoleAuditor].Token
		for _, format := range []string{"csv", "xlsx"} {
			res := f.Do("GET", "/api/v1/findings/export?format="+format, areastest.Req{Token: tok})
			if res.StatusCode != 200 {
				t.Fatalf("%s export: %d %s", format, res.StatusCode, res.Text)
			}
			tbl := readSheet(t, []byte(res.Text), "findings."+format, audits.FindingColumns)
			if len(tbl.Rows) != 4 {
				t.Fatalf("%s: %d rows, want 4", format, len(tbl.Rows))
			}
			cell := func(row int, name string) string { return tbl.Rows[row].Cells[name].Text }
			want := map[string]string{"ref": "F-001", "audit_ref": "AUD-001", "checklist_line": "2", "classification": "minor_nc", "title": "Leavers keep access",
				"requirement_id": "iso27001-2022:A.5.18", "control_ref": "A.5.18", "evidence_seen": "HR leaver list against the directory",
				"raised_by": "Person Manager", "nonconformity_ref": "NC-001", "nonconformity_status": "open"}
			for k, v := range want {
				if got := cell(0, k); got != v {
					t.Errorf("%s: F-001 %s = %q, want %q", format, k, got, v)
				}
			}
			if cell(1, "ref") != "F-002" || cell(1, "nonconformity_ref") != "" || cell(1, "checklist_line") != "" || cell(1, "raised_by") != "Person Auditor" {
				t.Errorf("%s: F-002 %v", format, tbl.Rows[1].Cells)
			}
			if cell(3, "ref") != "F-004" || cell(3, "audit_ref") != "" || cell(3, "nonconformity_ref") != "NC-002" || cell(3, "classification") != "major_nc" {
				t.Errorf("%s: F-004 %v", format, tbl.Rows[3].Cells)
			}
		}
		if res := f.Do("GET", "/api/v1/findings/export?format=pdf", areastest.Req{Token: tok}); res.StatusCode != 422 {
			t.Errorf("format=pdf: %d", res.StatusCode)
		}
		// The findings page's form.
		owner := f.SignIn("owner@acme.test")
		if page := f.Do("GET", "/o/acme-ltd/findings", areastest.Req{Cookie: owner}); !strings.Contains(page.Text, `action="/o/acme-ltd/findings/export"`) {
			t.Errorf("the findings page has no export")
		}
		res := f.Do("POST", "/o/acme-ltd/findings/export", areastest.Req{Cookie: owner, Form: url.Values{"format": {"csv"}}})
		header := strings.ReplaceAll(strings.Trim(fmt.Sprint(audits.FindingColumns), "[]"), " ", ",")
		if res.StatusCode != 200 || !strings.HasPrefix(res.Text, header+"\n") || strings.Count(res.Text, "\n") != 5 {
			t.Errorf("the page's CSV: %d\n%s", res.StatusCode, res.Text)
		}
	})
}

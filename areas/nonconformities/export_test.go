package nonconformities_test

import (
	"bytes"
	"net/url"
	"strings"
	"testing"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/areas/areastest"
	"github.com/bulwark-isms/bulwark/areas/nonconformities"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
	"github.com/bulwark-isms/bulwark/tabular"
)

// TestRegisterExport: the nonconformity register as CSV and XLSX, from the API and the list page's form,
// read back through the import engine: one open past its due date with an overdue action, one carried to
// closed through an ineffective and then an effective review; on both databases.
func TestRegisterExport(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		mgr := f.Accounts[bulwark.RoleManager]
		do := func(method, path, body string, want int) map[string]any {
			t.Helper()
			res := f.Do(method, path, areastest.Req{Token: mgr.Token, JSON: body})
			if res.StatusCode != want {
				t.Fatalf("%s %s %s: %d, want %d: %s", method, path, body, res.StatusCode, want, res.Text)
			}
			return areastest.Decode[map[string]any](t, res)
		}
		var control string
		for _, it := range areastest.Decode[areastest.List](t, f.Do("GET", "/api/v1/controls?q=A.5.18", areastest.Req{Token: mgr.Token})).Items {
			if it["ref"] == "A.5.18" {
				control = it["id"].(string)
			}
		}
		// NC-001: open past its due date, analysed, with an action overdue.
		one := do("POST", "/api/v1/nonconformities", `{"title":"Leavers keep access","severity":"minor","source":"audit","source_ref":"F-001","due_date":"2020-01-31",
			"requirement_id":"iso27001-2022:A.5.18","control_id":"`+control+`","owner_id":"`+mgr.MemberID+`","root_cause_method":"five_whys",
			"root_cause_whys":["HR told IT late"],"root_cause":"The leaver process has no IT step."}`, 201)["id"].(string)
		do("POST", "/api/v1/nonconformities/"+one+"/status", `{"status":"analysed"}`, 200)
		do("POST", "/api/v1/nonconformities/"+one+"/actions", `{"title":"Add IT to the leaver checklist","due_date":"2020-02-15","owner_id":"`+mgr.MemberID+`"}`, 201)
		// NC-002: closed after an ineffective, then an effective review.
		two := "/api/v1/nonconformities/" + do("POST", "/api/v1/nonconformities", `{"title":"Backups not tested","severity":"major","root_cause_method":"other","root_cause":"Nobody owns restore tests.","correction":"Restored one backup at once.","correction_date":"2026-01-05"}`, 201)["id"].(string)
		do("POST", two+"/status", `{"status":"analysed"}`, 200)
		for i, result := range []string{"ineffective", "effective"} {
			act := do("POST", two+"/actions", `{"title":"Restore test `+string(rune('A'+i))+`"}`, 201)["id"].(string)
			do("PATCH", two+"/actions/"+act, `{"status":"done"}`, 200)
			do("POST", two+"/status", `{"status":"actions_done"}`, 200)
			do("POST", two+"/reviews", `{"result":"`+result+`","reviewed_on":"2026-0`+string(rune('3'+i))+`-01","notes":"Checked the restore log."}`, 201)
		}
		do("POST", two+"/status", `{"status":"closed"}`, 200)

		var fields []tabular.Field
		var header []string
		for _, c := range nonconformities.ExportColumns {
			fields = append(fields, tabular.Field{Name: c.(string)})
			header = append(header, c.(string))
		}
		for _, format := range []string{"csv", "xlsx"} {
			res := f.Do("GET", "/api/v1/nonconformities/export?format="+format, areastest.Req{Token: f.Accounts[bulwark.RoleAuditor].Token})
			if res.StatusCode != 200 {
				t.Fatalf("%s export: %d %s", format, res.StatusCode, res.Text)
			}
			tbl, err := tabular.Read(bytes.NewReader([]byte(res.Text)), "nonconformities."+format, fields, tabular.Options{})
			if err != nil || len(tbl.Unmapped) > 0 || len(tbl.Columns) != len(fields) || len(tbl.Rows) != 2 {
				t.Fatalf("%s: %v; unmapped %v, %d rows", format, err, tbl.Unmapped, len(tbl.Rows))
			}
			for i, want := range []map[string]string{
				{"ref": "NC-001", "severity": "minor", "status": "analysed", "overdue": "true", "source": "audit", "source_ref": "F-001", "requirement_id": "iso27001-2022:A.5.18",
					"control_ref": "A.5.18", "owner": "Person Manager", "raised_by": "Person Manager", "due_date": "2020-01-31", "root_cause_method": "five_whys",
					"root_cause": "The leaver process has no IT step.", "actions": "1", "actions_open": "1", "actions_overdue": "1", "latest_review_result": "", "reviews": "0", "closed_at": ""},
				{"ref": "NC-002", "severity": "major", "status": "closed", "overdue": "false", "correction": "Restored one backup at once.", "correction_date": "2026-01-05",
					"actions": "2", "actions_open": "0", "actions_overdue": "0", "latest_review_on": "2026-04-01", "latest_review_result": "effective", "reviews": "2"},
			} {
				for k, v := range want {
					got := tbl.Rows[i].Cells[k].Text
					if format == "xlsx" && (v == "true" || v == "false") {
						got = strings.ToLower(got)
					}
					if got != v {
						t.Errorf("%s: %s %s = %q, want %q", format, want["ref"], k, got, v)
					}
				}
			}
			if tbl.Rows[1].Cells["closed_at"].Text == "" {
				t.Errorf("%s: NC-002 has no closed_at", format)
			}
		}
		// The list page's form, as CSV.
		cookie := f.SignIn(mgr.Email)
		if page := f.Do("GET", "/o/acme-ltd/nonconformities", areastest.Req{Cookie: cookie}); !strings.Contains(page.Text, `action="/o/acme-ltd/nonconformities/export"`) {
			t.Errorf("the list page has no export")
		}
		res := f.Do("POST", "/o/acme-ltd/nonconformities/export", areastest.Req{Cookie: cookie, Form: url.Values{"format": {"csv"}}})
		if res.StatusCode != 200 || !strings.HasPrefix(res.Text, strings.Join(header, ",")+"\n") || strings.Count(res.Text, "\n") != 3 {
			t.Errorf("the page's CSV: %d\n%s", res.StatusCode, res.Text)
		}
		if res := f.Do("GET", "/api/v1/nonconformities/export", areastest.Req{Token: f.Accounts[bulwark.RoleEmployee].Token}); res.StatusCode != 403 {
			t.Errorf("an employee exports: %d", res.StatusCode)
		}
	})
}

package controls_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/areas/areastest"
	"github.com/bulwark-isms/bulwark/areas/controls"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
	"github.com/bulwark-isms/bulwark/tabular"
)

func TestControlRisksRequirementsAndTasks(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		mgr, contrib := f.Accounts[bulwark.RoleManager], f.Accounts[bulwark.RoleContributor]
		ids := controlIDs(t, f, mgr.Token)
		a813 := ids["A.8.13"]
		own := areastest.Decode[map[string]any](t, f.Do("POST", "/api/v1/risks", areastest.Req{Token: contrib.Token, JSON: `{"title":"Backup lost","owner_id":"` + contrib.MemberID + `"}`}))
		other := areastest.Decode[map[string]any](t, f.Do("POST", "/api/v1/risks", areastest.Req{Token: mgr.Token, JSON: `{"title":"Ransomware","owner_id":"` + mgr.MemberID + `"}`}))
		// Approve the SoA first: linking a risk puts it back to draft.
		f.Do("POST", "/api/v1/soa/submit", areastest.Req{Token: mgr.Token, JSON: `{}`})
		if res := f.Do("POST", "/api/v1/soa/approve", areastest.Req{Token: f.Accounts[bulwark.RoleOwner].Token, JSON: `{}`}); res.StatusCode != 200 {
			t.Fatal(res.Text)
		}
		put := func(token string, riskIDs ...string) *areastest.Resp {
			body := `{"risk_ids":["` + strings.Join(riskIDs, `","`) + `"]}`
			if len(riskIDs) == 0 {
				body = `{"risk_ids":[]}`
			}
			return f.Do("PUT", "/api/v1/controls/"+a813+"/risks", areastest.Req{Token: token, JSON: body})
		}
		if res := put(contrib.Token, own["id"].(string), other["id"].(string)); res.StatusCode != 403 || !strings.Contains(res.Text, other["ref"].(string)) {
			t.Fatalf("a contributor links someone else's risk: %d %s", res.StatusCode, res.Text)
		}
		if c := areastest.Decode[controls.Control](t, f.Do("GET", "/api/v1/controls/"+a813, areastest.Req{Token: mgr.Token})); len(c.RiskIDs) != 0 {
			t.Fatalf("a refused link left links behind: %v", c.RiskIDs)
		}
		res := put(mgr.Token, own["id"].(string), other["id"].(string))
		c := areastest.Decode[controls.Control](t, res)
		if res.StatusCode != 200 || len(c.RiskIDs) != 2 || !slices.Equal(c.InclusionReasons, []string{"risk_treatment"}) {
			t.Fatalf("linked: %d %+v", res.StatusCode, c)
		}
		if r := areastest.Decode[map[string]any](t, f.Do("GET", "/api/v1/risks/"+own["id"].(string), areastest.Req{Token: mgr.Token})); r["version"] != float64(2) {
			t.Errorf("the linked risk was not changed as a risk: version %v", r["version"])
		}
		soa := areastest.Decode[controls.SoA](t, f.Do("GET", "/api/v1/soa", areastest.Req{Token: mgr.Token}))
		for _, e := range soa.Entries {
			if e.Ref == "A.8.13" && (len(e.RiskRefs) != 2 || e.RiskRefs[0] != "R-001") {
				t.Errorf("SoA risk refs of A.8.13: %v", e.RiskRefs)
			}
		}
		if soa.Status != "draft" {
			t.Errorf("linking risks left the SoA %s", soa.Status)
		}
		if res := put(mgr.Token, other["id"].(string)); res.StatusCode != 200 || len(areastest.Decode[controls.Control](t, res).RiskIDs) != 1 {
			t.Errorf("unlink: %d %s", res.StatusCode, res.Text)
		}
		if res := put(mgr.Token, areastest.MissingID); res.StatusCode != 422 || !strings.Contains(res.Text, `"field":"risk_ids"`) {
			t.Errorf("an unknown risk: %d %s", res.StatusCode, res.Text)
		}
		// Requirement links: what GET gives, PATCH takes back unchanged; a stated link is added and removed.
		c = areastest.Decode[controls.Control](t, f.Do("GET", "/api/v1/controls/"+a813, areastest.Req{Token: mgr.Token}))
		body := `{"requirement_ids":["` + strings.Join(c.RequirementIDs, `","`) + `"]}`
		if res := f.Do("PATCH", "/api/v1/controls/"+a813, areastest.Req{Token: mgr.Token, JSON: body}); areastest.Decode[controls.Control](t, res).Version != c.Version {
			t.Errorf("echoing requirement_ids back changed the control: %s", res.Text)
		}
		body = `{"requirement_ids":["` + strings.Join(append(c.RequirementIDs, "gdpr:Art. 5"), `","`) + `"]}`
		if res := f.Do("PATCH", "/api/v1/controls/"+a813, areastest.Req{Token: mgr.Token, JSON: body}); res.StatusCode != 200 || !strings.Contains(res.Text, `"origin":"manual"`) {
			t.Errorf("a stated requirement: %d %s", res.StatusCode, res.Text)
		}
		// My tasks: the owner's control whose review date has come; the SoA for an approver.
		f.Do("PATCH", "/api/v1/controls/"+a813, areastest.Req{Token: mgr.Token, JSON: `{"owner_id":"` + contrib.MemberID + `","review_date":"2026-01-31"}`})
		tasks := f.Do("GET", "/api/v1/me/tasks", areastest.Req{Token: contrib.Token})
		if !strings.Contains(tasks.Text, `"control_reviews_due":[{`) || !strings.Contains(tasks.Text, `"A.8.13"`) {
			t.Errorf("the owner's tasks: %s", tasks.Text)
		}
		f.Do("POST", "/api/v1/soa/submit", areastest.Req{Token: mgr.Token, JSON: `{}`})
		if tasks := f.Do("GET", "/api/v1/me/tasks", areastest.Req{Token: f.Accounts[bulwark.RoleAdmin].Token}); !strings.Contains(tasks.Text, `"soa_approvals":[{`) {
			t.Errorf("the approver's tasks: %s", tasks.Text)
		}
		if tasks := f.Do("GET", "/api/v1/me/tasks", areastest.Req{Token: mgr.Token}); !strings.Contains(tasks.Text, `"soa_approvals":[]`) {
			t.Errorf("a manager cannot approve, yet: %s", tasks.Text)
		}
	})
}

func TestBulkControlChange(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		mgr, contrib := f.Accounts[bulwark.RoleManager], f.Accounts[bulwark.RoleContributor]
		ids := controlIDs(t, f, mgr.Token)
		three := `"` + ids["A.7.1"] + `","` + ids["A.7.2"] + `","` + ids["A.7.3"] + `"`
		tests := []struct {
			name, body, token string
			status            int
			contains          string
		}{
			{"no control", `{"ids":[],"status":"planned"}`, mgr.Token, 422, `"field":"ids"`},
			{"exclusion without a reason names the control", `{"ids":[` + three + `],"status":"not_applicable"}`, mgr.Token, 422, "A.7.1: "},
			{"contributor owns none of them", `{"ids":[` + three + `],"status":"planned"}`, contrib.Token, 403, "A.7.1"},
			{"another organisation's id", `{"ids":["` + areastest.MissingID + `"],"status":"planned"}`, mgr.Token, 404, ""},
			{"owner, status and review date", `{"ids":[` + three + `],"status":"implemented","owner_id":"` + contrib.MemberID + `","review_date":"2027-03-31"}`, mgr.Token, 200, `"updated":3`},
			{"excluded with a reason", `{"ids":[` + three + `],"status":"not_applicable","exclusion_justification":"No premises: fully remote."}`, mgr.Token, 200, `"updated":3`},
			{"the same again changes nothing", `{"ids":[` + three + `],"status":"not_applicable"}`, mgr.Token, 200, `"updated":0`},
		}
		for _, tt := range tests {
			res := f.Do("POST", "/api/v1/controls/bulk", areastest.Req{Token: tt.token, JSON: tt.body})
			if res.StatusCode != tt.status || !strings.Contains(res.Text, tt.contains) {
				t.Fatalf("%s: %d %s", tt.name, res.StatusCode, res.Text)
			}
		}
		c := areastest.Decode[controls.Control](t, f.Do("GET", "/api/v1/controls/"+ids["A.7.2"], areastest.Req{Token: mgr.Token}))
		if c.Status != "not_applicable" || c.Applicable || bulwark.Value(c.OwnerID) != contrib.MemberID || bulwark.Value(c.ReviewDate) != "2027-03-31" || c.Version != 3 {
			t.Errorf("A.7.2 after the bulk changes: %+v", c)
		}
	})
}

func TestControlImportExport(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		ctx := context.Background()
		mgr := f.Accounts[bulwark.RoleManager]
		p := f.OwnerPrincipal(f.Org, "owner@acme.test")
		ids := controlIDs(t, f, mgr.Token)
		f.Do("PATCH", "/api/v1/controls/"+ids["A.5.1"], areastest.Req{Token: mgr.Token, JSON: `{"status":"implemented","owner_id":"` + mgr.MemberID + `","inclusion_reasons":["legal"],"maturity":3,"review_date":"2027-01-15"}`})
		var buf bytes.Buffer
		if err := f.Svc.Controls.ExportControls(ctx, p, "xlsx", &buf); err != nil {
			t.Fatal(err)
		}
		read := func(b []byte, name string) *tabular.Table {
			tbl, err := tabular.Read(bytes.NewReader(b), name, controls.ControlFields, tabular.Options{})
			if err != nil {
				t.Fatal(err)
			}
			return tbl
		}
		res, err := f.Svc.Controls.ImportControls(ctx, p, read(buf.Bytes(), "controls.xlsx"), false)
		if err != nil || len(res.Errors) != 0 || res.Unchanged != 93 || res.Updated+res.Created != 0 {
			t.Fatalf("re-import of an unchanged export: %+v %v", res, err)
		}
		// The SoA as CSV, edited as an auditor's spreadsheet would be: a status as people write it, a
		// justification, an owner by email, a new own control, and the derived columns left as they were.
		buf.Reset()
		if err := f.Svc.Controls.ExportSoA(ctx, p, "csv", 0, &buf); err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(&buf).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		col := map[string]int{}
		for i, h := range rows[0] {
			col[h] = i
		}
		for _, r := range rows[1:] {
			switch r[0] {
			case "A.7.4":
				r[col["status"]], r[col["exclusion_justification"]] = "Not applicable", "No premises of our own."
			case "A.8.1":
				r[col["status"]], r[col["owner_id"]], r[col["implementation_description"]] = "Partly implemented", "manager@acme.test", "MDM on 80% of laptops"
			}
		}
		rows = append(rows, []string{"", "Quarterly phishing drill", "", "", "business", "", "planned", "", "", "", "", "", ""})
		edited := func(rows [][]string) []byte {
			var b bytes.Buffer
			w := csv.NewWriter(&b)
			_ = w.WriteAll(rows)
			return b.Bytes()
		}
		res, err = f.Svc.Controls.ImportControls(ctx, p, read(edited(rows), "soa.csv"), false)
		if err != nil || len(res.Errors) != 0 || res.Updated != 2 || res.Created != 1 || res.Unchanged != 91 {
			t.Fatalf("import of the edited SoA: %d new, %d updated, %d unchanged, errors %+v, %v", res.Created, res.Updated, res.Unchanged, res.Errors, err)
		}
		c := areastest.Decode[controls.Control](t, f.Do("GET", "/api/v1/controls/"+ids["A.8.1"], areastest.Req{Token: mgr.Token}))
		if c.Status != "partial" || bulwark.Value(c.OwnerID) != mgr.MemberID || c.Implementation != "MDM on 80% of laptops" {
			t.Errorf("A.8.1 after the import: %+v", c)
		}
		// All or nothing: a bad status and an exclusion without a reason are named by row; nothing is written.
		rows[3][col["status"]] = "done"
		for _, r := range rows {
			if r[0] == "A.7.4" {
				r[col["exclusion_justification"]] = ""
			}
		}
		rows = append(rows, []string{"A.9.9", "Invented", "", "", "", "", "planned", "", "", "", "", "", ""})
		res, err = f.Svc.Controls.ImportControls(ctx, p, read(edited(rows), "soa.csv"), false)
		if err != nil {
			t.Fatal(err)
		}
		var msgs []string
		for _, e := range res.Errors {
			msgs = append(msgs, strings.Join([]string{strconv.Itoa(e.Row), e.Column, e.Message}, " "))
		}
		joined := strings.Join(msgs, "\n")
		if len(res.Errors) != 3 || !strings.Contains(joined, "4 status") || !strings.Contains(joined, "exclusion_justification") || !strings.Contains(joined, "A.9.9 is not an Annex A control") {
			t.Errorf("import errors:\n%s", joined)
		}
		if len(areastest.Decode[areastest.List](t, f.Do("GET", "/api/v1/controls", areastest.Req{Token: mgr.Token})).Items) != 94 {
			t.Error("a refused import wrote something")
		}
	})
}

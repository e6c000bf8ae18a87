package scope_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/areas/areastest"
	"github.com/bulwark-isms/bulwark/areas/scope"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
)

type fixture struct {
	*areastest.Fixture
	t *testing.T
}

func (f fixture) call(method, path string, acc *areastest.Account, body string, want int) map[string]any {
	f.t.Helper()
	res := f.Do(method, path, areastest.Req{Token: acc.Token, JSON: body})
	if res.StatusCode != want {
		f.t.Fatalf("%s %s %s: %d, want %d: %s", method, path, body, res.StatusCode, want, res.Text)
	}
	if want >= 400 || want == 204 {
		return map[string]any{"text": res.Text}
	}
	return areastest.Decode[map[string]any](f.t, res)
}

func (f fixture) acc(role bulwark.Role) *areastest.Account { return f.Accounts[role] }

// TestScopeRules: the domain rules of the statement, an issue and a party, without a database.
func TestScopeRules(t *testing.T) {
	cases := []struct {
		name  string
		check func() error
		want  string // the field a refusal names, "" when allowed
	}{
		{"an exclusion with its justification", func() error {
			s := &scope.Scope{Exclusions: []scope.Exclusion{{What: "Leeds data centre building", Justification: "run by the provider"}}}
			s.Normalise()
			return s.Validate()
		}, ""},
		{"an exclusion without a justification", func() error {
			s := &scope.Scope{Exclusions: []scope.Exclusion{{What: "A", Justification: "a"}, {What: "Research lab", Justification: "  "}}}
			s.Normalise()
			return s.Validate()
		}, "exclusions[1].justification"},
		{"a justification without what it justifies", func() error {
			s := &scope.Scope{Exclusions: []scope.Exclusion{{Justification: "because"}}}
			s.Normalise()
			return s.Validate()
		}, "exclusions[0].what"},
		{"blank boundaries are dropped", func() error {
			s := &scope.Scope{OrgUnits: []scope.Boundary{{Name: "  "}, {Name: "Engineering"}}}
			s.Normalise()
			if len(s.OrgUnits) != 1 {
				return fmt.Errorf("kept %v", s.OrgUnits)
			}
			return s.Validate()
		}, ""},
		{"an issue's kind follows from its category", func() error {
			is := &scope.Issue{Title: "GDPR", Category: "legal"}
			if err := is.Validate(); err != nil || is.Kind != "external" {
				return fmt.Errorf("kind %q, %v", is.Kind, err)
			}
			return nil
		}, ""},
		{"an internal issue with a PESTLE category", func() error {
			return (&scope.Issue{Title: "x", Kind: "internal", Category: "political"}).Validate()
		}, "category"},
		{"an issue without a category", func() error { return (&scope.Issue{Title: "x"}).Validate() }, "category"},
		{"an addressed requirement says how", func() error {
			return (&scope.Party{Name: "Patients", Kind: "external", Requirements: []scope.Requirement{{Requirement: "Privacy", Addressed: true}}}).Validate()
		}, "requirements[0].how"},
		{"an unaddressed requirement needs no how", func() error {
			return (&scope.Party{Name: "Patients", Kind: "external", Requirements: []scope.Requirement{{Requirement: "Privacy"}}}).Validate()
		}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.check()
			if c.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var e *bulwark.Error
			if !errorsAs(err, &e) || len(e.Fields) == 0 || e.Fields[0].Field != c.want {
				t.Fatalf("got %v, want a refusal naming %s", err, c.want)
			}
		})
	}
}

func errorsAs(err error, e **bulwark.Error) bool {
	if x, ok := err.(*bulwark.Error); ok {
		*e = x
		return true
	}
	return false
}

// TestContextIssues: create (201, Location, CI-001), read by id and ref, change with version and If-Match,
// validation naming fields, risk links of the organisation only, archive, and owners: a contributor changes
// the issues they own and nothing else.
func TestContextIssues(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := fixture{areastest.New(t, db), t}
		mgr, contrib := f.acc(bulwark.RoleManager), f.acc(bulwark.RoleContributor)
		risk := f.call("POST", "/api/v1/risks", mgr, `{"title":"Regulator fine after a breach"}`, 201)["id"].(string)
		res := f.Do("POST", "/api/v1/context-issues", areastest.Req{Token: mgr.Token, JSON: fmt.Sprintf(`{"title":"GDPR and the UK Data Protection Act","category":"legal",
			"description":"Patient data is special-category personal data.","effect":"The ISMS must show lawful, secure processing.","risk_ids":[%q],"review_date":"2027-06-30"}`, risk)})
		if res.StatusCode != 201 || !strings.HasPrefix(res.Header.Get("Location"), "/api/v1/context-issues/") || res.Header.Get("ETag") != `"1"` {
			t.Fatalf("create: %d %v %s", res.StatusCode, res.Header, res.Text)
		}
		is := areastest.Decode[map[string]any](t, res)
		id := is["id"].(string)
		if is["ref"] != "CI-001" || is["kind"] != "external" || is["owner_id"] != mgr.MemberID || fmt.Sprint(is["risk_ids"]) != "["+risk+"]" {
			t.Fatalf("created: %v", is)
		}
		if got := f.call("GET", "/api/v1/context-issues/ci-001", contrib, "", 200); got["id"] != id {
			t.Errorf("by ref: %v", got)
		}
		// Refusals, each naming its field.
		for _, c := range []struct {
			name, method, path, body string
			status                   int
			field                    string
		}{
			{"no title", "POST", "/api/v1/context-issues", `{"category":"legal"}`, 422, "title"},
			{"unknown category", "POST", "/api/v1/context-issues", `{"title":"x","category":"astrological"}`, 422, "category"},
			{"kind against category", "POST", "/api/v1/context-issues", `{"title":"x","kind":"internal","category":"economic"}`, 422, "category"},
			{"unknown field", "POST", "/api/v1/context-issues", `{"title":"x","category":"legal","colour":"red"}`, 422, "colour"},
			{"read-only field", "PATCH", "/api/v1/context-issues/" + id, `{"ref":"CI-009"}`, 422, "ref"},
			{"another organisation's risk", "PATCH", "/api/v1/context-issues/" + id, `{"risk_ids":["` + areastest.MissingID + `"]}`, 422, "risk_ids"},
			{"bad date", "PATCH", "/api/v1/context-issues/" + id, `{"review_date":"30/06/2027"}`, 422, "review_date"},
			{"stale version", "PATCH", "/api/v1/context-issues/" + id, `{"title":"y","version":7}`, 409, ""},
		} {
			t.Run(c.name, func(t *testing.T) {
				res := f.Do(c.method, c.path, areastest.Req{Token: mgr.Token, JSON: c.body})
				if res.StatusCode != c.status || (c.field != "" && !strings.Contains(res.Text, `"field":"`+c.field+`"`)) {
					t.Errorf("%d %s, want %d naming %s", res.StatusCode, res.Text, c.status, c.field)
				}
			})
		}
		res = f.Do("PATCH", "/api/v1/context-issues/"+id, areastest.Req{Token: mgr.Token, JSON: `{"effect":"Changed."}`, Headers: map[string]string{"If-Match": `"1"`}})
		if res.StatusCode != 200 || res.Header.Get("ETag") != `"2"` {
			t.Fatalf("If-Match: %d %s", res.StatusCode, res.Text)
		}
		if res := f.Do("PATCH", "/api/v1/context-issues/"+id, areastest.Req{Token: mgr.Token, JSON: `{"effect":"Again."}`, Headers: map[string]string{"If-Match": `"1"`}}); res.StatusCode != 409 {
			t.Errorf("stale If-Match: %d", res.StatusCode)
		}
		// Contributors read, but create nothing here and change only what they own.
		f.call("POST", "/api/v1/context-issues", contrib, `{"title":"x","category":"people"}`, 403)
		f.call("PATCH", "/api/v1/context-issues/"+id, contrib, `{"title":"Mine now"}`, 403)
		f.call("PATCH", "/api/v1/context-issues/"+id, mgr, `{"owner_id":"`+contrib.MemberID+`"}`, 200)
		if got := f.call("PATCH", "/api/v1/context-issues/"+id, contrib, `{"title":"Data protection law"}`, 200); got["title"] != "Data protection law" {
			t.Errorf("owner's change: %v", got)
		}
		f.call("GET", "/api/v1/context-issues", f.acc(bulwark.RoleEmployee), "", 403)
		// Internal issues filter; archive hides it from lists but keeps it readable.
		f.call("POST", "/api/v1/context-issues", mgr, `{"title":"Small security team","category":"people"}`, 201)
		if l := areastest.Decode[areastest.List](t, f.Do("GET", "/api/v1/context-issues?kind=internal", areastest.Req{Token: mgr.Token})); len(l.Items) != 1 || l.Items[0]["ref"] != "CI-002" {
			t.Errorf("internal: %v", l.Items)
		}
		f.call("DELETE", "/api/v1/context-issues/"+id, contrib, "", 204)
		if l := areastest.Decode[areastest.List](t, f.Do("GET", "/api/v1/context-issues", areastest.Req{Token: mgr.Token})); len(l.Items) != 1 {
			t.Errorf("after archive: %v", l.Items)
		}
		if l := areastest.Decode[areastest.List](t, f.Do("GET", "/api/v1/context-issues?include_archived=true", areastest.Req{Token: mgr.Token})); len(l.Items) != 2 {
			t.Errorf("with archived: %v", l.Items)
		}
		if got := f.call("GET", "/api/v1/context-issues/"+id, mgr, "", 200); got["archived_at"] == nil {
			t.Errorf("archived: %v", got)
		}
		// Every change is in the audit trail.
		log := f.Do("GET", "/api/v1/audit-log?entity_type=context_issue", areastest.Req{Token: f.acc(bulwark.RoleOwner).Token})
		for _, a := range []string{"context_issue.create", "context_issue.update", "context_issue.archive"} {
			if !strings.Contains(log.Text, a) {
				t.Errorf("audit log lacks %s", a)
			}
		}
	})
}

// TestInterestedParties: a party with requirements (each addressed or not, and how), linked to an obligation
// and a control of the organisation; refusals name the requirement; an archived party leaves the list.
func TestInterestedParties(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := fixture{areastest.New(t, db), t}
		mgr := f.acc(bulwark.RoleManager)
		ctl := areastest.Decode[areastest.List](t, f.Do("GET", "/api/v1/controls?q=A.5.34", areastest.Req{Token: mgr.Token}))
		var control string
		for _, it := range ctl.Items {
			if it["ref"] == "A.5.34" {
				control = it["id"].(string)
			}
		}
		obligation := f.call("POST", "/api/v1/obligations", mgr, `{"title":"UK GDPR","source":"law"}`, 201)["id"].(string)
		p := f.call("POST", "/api/v1/interested-parties", mgr, fmt.Sprintf(`{"name":"Patients","requirements":[
			{"requirement":"Their records kept confidential","addressed":true,"how":"Access control and encryption"},
			{"requirement":"Told promptly of a breach","addressed":false}],"obligation_ids":[%q],"control_ids":[%q]}`, obligation, control), 201)
		id := p["id"].(string)
		if p["ref"] != "IP-001" || p["kind"] != "external" || p["addressed"] != float64(1) || fmt.Sprint(p["obligation_ids"]) != "["+obligation+"]" || fmt.Sprint(p["control_ids"]) != "["+control+"]" {
			t.Fatalf("created: %v", p)
		}
		for _, c := range []struct {
			name, body, field string
		}{
			{"addressed without how", `{"requirements":[{"requirement":"Uptime","addressed":true}]}`, "requirements[0].how"},
			{"how without the requirement", `{"requirements":[{"requirement":"","how":"x","addressed":true}]}`, "requirements[0].requirement"},
			{"wrong shape", `{"requirements":"all of them"}`, "requirements"},
			{"another organisation's obligation", `{"obligation_ids":["` + areastest.MissingID + `"]}`, "obligation_ids"},
			{"a missing control", `{"control_ids":["` + areastest.MissingID + `"]}`, "control_ids"},
			{"bad kind", `{"kind":"alien"}`, "kind"},
		} {
			t.Run(c.name, func(t *testing.T) {
				res := f.Do("PATCH", "/api/v1/interested-parties/"+id, areastest.Req{Token: mgr.Token, JSON: c.body})
				if res.StatusCode != 422 || !strings.Contains(res.Text, `"field":"`+c.field+`"`) {
					t.Errorf("%d %s, want 422 naming %s", res.StatusCode, res.Text, c.field)
				}
			})
		}
		got := f.call("PATCH", "/api/v1/interested-parties/"+id, mgr, `{"requirements":[{"requirement":"Told promptly of a breach","addressed":true,"how":"Incident procedure with the 72-hour clock"}],"obligation_ids":[]}`, 200)
		if got["addressed"] != float64(1) || len(got["requirements"].([]any)) != 1 || len(got["obligation_ids"].([]any)) != 0 || got["version"] != float64(2) {
			t.Errorf("changed: %v", got)
		}
		f.call("GET", "/api/v1/interested-parties/IP-001", f.acc(bulwark.RoleAuditor), "", 200)
		f.call("POST", "/api/v1/interested-parties", f.acc(bulwark.RoleAuditor), `{"name":"x"}`, 403)
		f.call("DELETE", "/api/v1/interested-parties/"+id, mgr, "", 204)
		if l := areastest.Decode[areastest.List](t, f.Do("GET", "/api/v1/interested-parties", areastest.Req{Token: mgr.Token})); len(l.Items) != 0 {
			t.Errorf("archived party listed: %v", l.Items)
		}
	})
}

// statement is a scope statement with an asset-linked system and two justified exclusions.
func statement(asset string) string {
	return fmt.Sprintf(`{"summary":"The ISMS of Acme Ltd covers the development and operation of its patient portal.",
		"org_units":["Engineering","Clinical operations"],"locations":[{"name":"Leeds office"}],"processes":["Software development","Customer support"],
		"systems":[{"name":"Patient portal","asset_id":%q}],"interfaces":["Payroll bureau receives staff data monthly"],"dependencies":["Cloud hosting provider runs the data centre"],
		"exclusions":[{"what":"The Manchester research lab","justification":"It handles no patient or customer data and has its own network."},
			{"what":"Physical security of the provider's data centre","justification":"Operated by the cloud provider, certified to ISO/IEC 27001; covered by the supplier agreement."}]}`, asset)
}

// TestScopeWorkflow: draft → submitted → approved as revision 1, which never changes; an edit makes a new
// draft; revision 2; segregation of duties; refusals of an exclusion without a justification and of another
// organisation's asset; and the ETag, If-Match and audit trail on the way.
func TestScopeWorkflow(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := fixture{areastest.New(t, db), t}
		owner, admin, mgr := f.acc(bulwark.RoleOwner), f.acc(bulwark.RoleAdmin), f.acc(bulwark.RoleManager)
		asset := f.call("POST", "/api/v1/assets", mgr, `{"name":"Patient portal","type":"software"}`, 201)["id"].(string)
		// Before anyone writes it: an empty draft at version 0, nothing to submit.
		if sc := f.call("GET", "/api/v1/scope", f.acc(bulwark.RoleAuditor), "", 200); sc["version"] != float64(0) || sc["status"] != "draft" || sc["revision"] != nil {
			t.Fatalf("empty scope: %v", sc)
		}
		f.call("POST", "/api/v1/scope/submit", mgr, `{}`, 422)
		// An exclusion without its justification is refused, naming it.
		bad := strings.Replace(statement(asset), "It handles no patient or customer data and has its own network.", " ", 1)
		res := f.Do("PUT", "/api/v1/scope", areastest.Req{Token: mgr.Token, JSON: bad})
		if res.StatusCode != 422 || !strings.Contains(res.Text, `"field":"exclusions[0].justification"`) || !strings.Contains(res.Text, `The Manchester research lab`) {
			t.Fatalf("unjustified exclusion: %d %s", res.StatusCode, res.Text)
		}
		if res := f.Do("PUT", "/api/v1/scope", areastest.Req{Token: mgr.Token, JSON: strings.Replace(statement(asset), asset, areastest.MissingID, 1)}); res.StatusCode != 422 || !strings.Contains(res.Text, `systems[0].asset_id`) {
			t.Errorf("another organisation's asset: %d %s", res.StatusCode, res.Text)
		}
		res = f.Do("PUT", "/api/v1/scope", areastest.Req{Token: mgr.Token, JSON: statement(asset)})
		if res.StatusCode != 200 || res.Header.Get("ETag") != `"1"` {
			t.Fatalf("save: %d %s", res.StatusCode, res.Text)
		}
		sc := areastest.Decode[map[string]any](t, res)
		sys := sc["systems"].([]any)[0].(map[string]any)
		if sc["status"] != "draft" || sys["asset_ref"] != "A-001" || len(sc["org_units"].([]any)) != 2 || len(sc["exclusions"].([]any)) != 2 {
			t.Fatalf("saved: %v", sc)
		}
		if res := f.Do("PUT", "/api/v1/scope", areastest.Req{Token: mgr.Token, JSON: statement(asset), Headers: map[string]string{"If-Match": `"7"`}}); res.StatusCode != 409 {
			t.Errorf("stale If-Match: %d", res.StatusCode)
		}
		f.call("PUT", "/api/v1/scope", f.acc(bulwark.RoleContributor), statement(asset), 403)
		// Submit; approval is the owner's or an admin's, never a manager's.
		if sc := f.call("POST", "/api/v1/scope/submit", owner, `{}`, 200); sc["status"] != "submitted" || sc["submitted_by"] != owner.MemberID {
			t.Fatalf("submitted: %v", sc)
		}
		f.call("POST", "/api/v1/scope/submit", mgr, `{}`, 409)
		f.call("POST", "/api/v1/scope/approve", mgr, `{}`, 403)
		// Segregation of duties: neither who submitted it nor who last changed it approves it.
		if r := f.call("POST", "/api/v1/scope/approve", owner, `{}`, 409); !strings.Contains(r["text"].(string), "Segregation of duties") {
			t.Errorf("own submission: %v", r)
		}
		// The approver's "my tasks" has the scope; the submitter's has not.
		if tasks := f.Do("GET", "/api/v1/me/tasks", areastest.Req{Token: admin.Token}); !strings.Contains(tasks.Text, `"scope_approvals":[{`) {
			t.Errorf("admin's tasks: %s", tasks.Text)
		}
		if tasks := f.Do("GET", "/api/v1/me/tasks", areastest.Req{Token: owner.Token}); strings.Contains(tasks.Text, `"scope_approvals":[{`) {
			t.Errorf("submitter's tasks: %s", tasks.Text)
		}
		r1 := f.call("POST", "/api/v1/scope/approve", admin, `{}`, 200)
		if r1["status"] != "approved" || r1["revision"] != float64(1) || r1["approved_by"] != admin.MemberID || r1["approved_by_name"] != "Person Admin" {
			t.Fatalf("approved: %v", r1)
		}
		f.call("POST", "/api/v1/scope/approve", admin, `{}`, 409)
		f.call("POST", "/api/v1/scope/submit", owner, `{}`, 409)
		rev1 := f.Do("GET", "/api/v1/scope/revisions/1", areastest.Req{Token: mgr.Token}).Text
		// The database itself refuses to change an approved revision.
		err := db.Write(context.Background(), func(tx *sqlstore.Tx) error {
			_, err := tx.Exec(context.Background(), `UPDATE scope_revisions SET document = '{}' WHERE org_id = ? AND revision = 1`, f.Org.ID)
			return err
		})
		if err == nil || !strings.Contains(err.Error(), "cannot be changed") {
			t.Errorf("revision 1 changed: %v", err)
		}
		// An edit after approval: a new draft; revision 1 stays approved and unchanged.
		changed := strings.Replace(statement(asset), `"Engineering",`, ``, 1)
		d := f.call("PUT", "/api/v1/scope", admin, changed, 200)
		if d["status"] != "draft" || d["revision"] != float64(1) || len(d["org_units"].([]any)) != 1 {
			t.Fatalf("draft after approval: %v", d)
		}
		f.call("POST", "/api/v1/scope/submit", mgr, `{}`, 200)
		// The admin changed it last: with segregation of duties on, another approver.
		if r := f.call("POST", "/api/v1/scope/approve", admin, `{}`, 409); !strings.Contains(r["text"].(string), "last changed") {
			t.Errorf("last editor approves: %v", r)
		}
		if r2 := f.call("POST", "/api/v1/scope/approve", owner, `{}`, 200); r2["revision"] != float64(2) || r2["approved_by_name"] != "Olivia Owner" {
			t.Fatalf("revision 2: %v", r2)
		}
		if again := f.Do("GET", "/api/v1/scope/revisions/1", areastest.Req{Token: mgr.Token}).Text; again != rev1 {
			t.Errorf("revision 1 changed:\n%s\n%s", rev1, again)
		}
		if r := f.call("GET", "/api/v1/scope/revisions/1", mgr, "", 200); len(r["org_units"].([]any)) != 2 || r["status"] != "approved" {
			t.Errorf("revision 1: %v", r)
		}
		revs := areastest.Decode[areastest.List](t, f.Do("GET", "/api/v1/scope/revisions", areastest.Req{Token: mgr.Token}))
		if len(revs.Items) != 2 || revs.Items[0]["revision"] != float64(2) || revs.Items[1]["approved_by_name"] != "Person Admin" || revs.Items[0]["exclusions"] != float64(2) {
			t.Errorf("revisions: %v", revs.Items)
		}
		f.call("GET", "/api/v1/scope/revisions/3", mgr, "", 404)
		f.call("GET", "/api/v1/scope/revisions/x", mgr, "", 404)
		// Without segregation of duties, who submitted may approve.
		f.call("PATCH", "/api/v1/organisation", owner, `{"segregation_of_duties":false}`, 200)
		f.call("PUT", "/api/v1/scope", owner, statement(asset), 200)
		f.call("POST", "/api/v1/scope/submit", owner, `{}`, 200)
		f.call("POST", "/api/v1/scope/approve", owner, `{}`, 200)
		log := f.Do("GET", "/api/v1/audit-log?entity_type=scope", areastest.Req{Token: owner.Token})
		for _, a := range []string{"scope.update", "scope.submit", "scope.approve"} {
			if !strings.Contains(log.Text, a) {
				t.Errorf("audit log lacks %s", a)
			}
		}
		// Readiness figures.
		var rd scope.Readiness
		if err := db.Read(context.Background(), func(tx *sqlstore.Tx) error {
			var err error
			rd, err = scope.ReadinessOf(context.Background(), tx, f.Org.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if !rd.ScopeApproved || rd.ScopeRevision != 3 || rd.ScopeStatus != "approved" || rd.ScopeApprovedOn == "" || rd.ScopeExclusions != 2 || rd.ContextIssues != 0 {
			t.Errorf("readiness: %+v", rd)
		}
	})
}

// TestScopePDF: the statement as a PDF, read back with pdftotext, shows every boundary, interface and
// dependency, each exclusion with its justification, DRAFT until approved, then the revision and approver;
// from the API, by revision, and from the page's form.
func TestScopePDF(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := fixture{areastest.New(t, db), t}
		mgr, admin := f.acc(bulwark.RoleManager), f.acc(bulwark.RoleAdmin)
		asset := f.call("POST", "/api/v1/assets", mgr, `{"name":"Patient portal","type":"software"}`, 201)["id"].(string)
		f.call("PUT", "/api/v1/scope", mgr, statement(asset), 200)
		download := func(path string) string {
			t.Helper()
			res := f.Do("GET", path, areastest.Req{Token: mgr.Token})
			if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(res.Text, "%PDF-") {
				t.Fatalf("GET %s: %d %s %.200s", path, res.StatusCode, res.Header.Get("Content-Type"), res.Text)
			}
			return strings.Join(strings.Fields(areastest.PDFText(t, []byte(res.Text))), " ")
		}
		every := []string{"ISMS scope statement", "Acme Ltd", "covers the development and operation of its patient portal", "Engineering", "Clinical operations",
			"Leeds office", "Software development", "Customer support", "Patient portal (asset A-001)", "Payroll bureau receives staff data monthly",
			"Cloud hosting provider runs the data centre", "The Manchester research lab", "It handles no patient or customer data and has its own network.",
			"Physical security of the provider's data centre", "certified to ISO/IEC 27001; covered by the supplier agreement."}
		txt := download("/api/v1/scope/export?format=pdf")
		for _, want := range append(every, "DRAFT", "draft (never approved)", "not approved") {
			if !strings.Contains(txt, want) {
				t.Errorf("the draft lacks %q:\n%s", want, txt)
			}
		}
		f.call("POST", "/api/v1/scope/submit", mgr, `{}`, 200)
		f.call("POST", "/api/v1/scope/approve", admin, `{}`, 200)
		txt = download("/api/v1/scope/export?revision=1")
		for _, want := range append(every, "revision 1", "Person Admin") {
			if !strings.Contains(txt, want) {
				t.Errorf("revision 1 lacks %q:\n%s", want, txt)
			}
		}
		if strings.Contains(txt, "DRAFT") {
			t.Errorf("the approved revision is marked DRAFT")
		}
		if res := f.Do("GET", "/api/v1/scope/export?format=xlsx", areastest.Req{Token: mgr.Token}); res.StatusCode != 422 {
			t.Errorf("xlsx: %d", res.StatusCode)
		}
		if res := f.Do("GET", "/api/v1/scope/export?revision=9", areastest.Req{Token: mgr.Token}); res.StatusCode != 404 {
			t.Errorf("revision 9: %d", res.StatusCode)
		}
		if res := f.Do("GET", "/api/v1/scope/export", areastest.Req{Token: f.acc(bulwark.RoleEmployee).Token}); res.StatusCode != 403 {
			t.Errorf("employee: %d", res.StatusCode)
		}
		cookie := f.SignIn(f.acc(bulwark.RoleAuditor).Email)
		res := f.Do("POST", "/o/acme-ltd/scope/export", areastest.Req{Cookie: cookie, Form: url.Values{"format": {"pdf"}, "revision": {"1"}}})
		if res.StatusCode != 200 || !strings.HasPrefix(res.Text, "%PDF-") || !strings.Contains(res.Header.Get("Content-Disposition"), "scope-acme-ltd-revision-1.pdf") {
			t.Errorf("page download: %d %v", res.StatusCode, res.Header)
		}
		log := f.Do("GET", "/api/v1/audit-log?action=scope.export", areastest.Req{Token: f.acc(bulwark.RoleOwner).Token})
		if n := strings.Count(log.Text, `"scope.export"`); n != 3 {
			t.Errorf("%d scope.export entries, want 3", n)
		}
	})
}

// TestPages: the context page's empty states, then an issue, a party and the scope written through the forms,
// submitted and approved from the scope page.
func TestPages(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := fixture{areastest.New(t, db), t}
		mgr, admin := f.SignIn(f.acc(bulwark.RoleManager).Email), f.SignIn(f.acc(bulwark.RoleAdmin).Email)
		page := func(path string, c any) string {
			t.Helper()
			res := f.Do("GET", path, areastest.Req{Cookie: mgr})
			if res.StatusCode != 200 {
				t.Fatalf("GET %s: %d %s", path, res.StatusCode, res.Text)
			}
			return res.Text
		}
		post := func(path string, form url.Values, want int) *areastest.Resp {
			t.Helper()
			res := f.Do("POST", path, areastest.Req{Cookie: mgr, Form: form})
			if res.StatusCode != want {
				t.Fatalf("POST %s: %d, want %d: %s", path, res.StatusCode, want, res.Text)
			}
			return res
		}
		txt := page("/o/acme-ltd/context", nil)
		for _, want := range []string{"No scope statement yet", "Write the scope", "No issue recorded yet", "No interested party recorded yet", "Record an issue"} {
			if !strings.Contains(txt, want) {
				t.Errorf("empty context page lacks %q", want)
			}
		}
		page("/o/acme-ltd/context-issues/new", nil)
		res := post("/o/acme-ltd/context-issues", url.Values{"title": {"Cloud-first strategy"}, "category": {"technology"}, "risk_refs": {""}}, 303)
		if !strings.Contains(page(res.Header.Get("Location"), nil), "Cloud-first strategy") {
			t.Errorf("issue page")
		}
		post("/o/acme-ltd/context-issues", url.Values{"title": {"x"}, "category": {"technology"}, "risk_refs": {"R-999"}}, 422)
		page("/o/acme-ltd/interested-parties/new", nil)
		res = post("/o/acme-ltd/interested-parties", url.Values{"name": {"Hospitals"}, "kind": {"external"}, "requirement_rows": {"2"},
			"requirement_0": {"Data stays in the UK"}, "addressed_0": {"yes"}, "how_0": {"UK cloud region only"}, "requirement_1": {"Yearly audit rights"},
			"obligation_refs": {""}, "control_refs": {"A.5.20"}}, 303)
		ptxt := page(res.Header.Get("Location"), nil)
		for _, want := range []string{"Hospitals", "Data stays in the UK", "UK cloud region only", "A.5.20", "Not yet"} {
			if !strings.Contains(ptxt, want) {
				t.Errorf("party page lacks %q", want)
			}
		}
		post("/o/acme-ltd/interested-parties", url.Values{"name": {"Staff"}, "requirement_rows": {"1"}, "requirement_0": {"Training"}, "addressed_0": {"yes"}}, 422)
		// The scope through its form: an asset linked by its reference; an exclusion without a justification is refused.
		f.call("POST", "/api/v1/assets", f.acc(bulwark.RoleManager), `{"name":"Patient portal","type":"software"}`, 201)
		form := url.Values{"version": {"0"}, "summary": {"Everything in the Leeds office."}, "org_units": {"Engineering\nSupport"}, "locations": {"Leeds office"},
			"processes": {""}, "systems": {"A-001\nEmail"}, "interfaces": {""}, "dependencies": {"Cloud provider"}, "exclusion_rows": {"2"},
			"exclusion_what_0": {"Research lab"}, "exclusion_justification_0": {""}, "exclusion_what_1": {""}, "exclusion_justification_1": {""}}
		res = post("/o/acme-ltd/scope", form, 422)
		if !strings.Contains(res.Text, "Research lab") || !strings.Contains(res.Text, "is required: say why") {
			t.Errorf("refused form: %s", res.Text)
		}
		form.Set("exclusion_justification_0", "No patient data there.")
		post("/o/acme-ltd/scope", form, 303)
		sc := f.call("GET", "/api/v1/scope", f.acc(bulwark.RoleManager), "", 200)
		if sys := sc["systems"].([]any); len(sys) != 2 || sys[0].(map[string]any)["asset_ref"] != "A-001" || sys[0].(map[string]any)["name"] != "Patient portal" {
			t.Errorf("systems: %v", sys)
		}
		stxt := page("/o/acme-ltd/scope", nil)
		for _, want := range []string{"Submit for approval", "Research lab", "No patient data there.", "A-001 Patient portal"} {
			if !strings.Contains(stxt, want) {
				t.Errorf("scope page lacks %q", want)
			}
		}
		post("/o/acme-ltd/scope/submit", url.Values{}, 303)
		if res := f.Do("POST", "/o/acme-ltd/scope/approve", areastest.Req{Cookie: mgr, Form: url.Values{}}); res.StatusCode != 403 {
			t.Errorf("a manager approves: %d", res.StatusCode)
		}
		if res := f.Do("POST", "/o/acme-ltd/scope/approve", areastest.Req{Cookie: admin, Form: url.Values{}}); res.StatusCode != 303 {
			t.Fatalf("approve from the page: %d %s", res.StatusCode, res.Text)
		}
		if txt := page("/o/acme-ltd/scope/revisions/1", nil); !strings.Contains(txt, "Approved revision 1") {
			t.Errorf("revision page")
		}
		if txt := page("/o/acme-ltd/context", nil); !strings.Contains(txt, "Approved") || !strings.Contains(txt, "Cloud-first strategy") || !strings.Contains(txt, "Hospitals") {
			t.Errorf("context page after all: %s", txt)
		}
	})
}

// TestRegisterPaging: the context issues and interested parties are read page by page in reference
// order, each item once, with the links of the items on the page (and only theirs); a cursor that is
// not one is refused, naming it; without a limit one page holds up to 500.
func TestRegisterPaging(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := fixture{areastest.New(t, db), t}
		mgr := f.acc(bulwark.RoleManager)
		obligation := f.call("POST", "/api/v1/obligations", mgr, `{"title":"UK GDPR","source":"law"}`, 201)["id"].(string)
		risks := map[string]string{}
		for i := 1; i <= 5; i++ {
			risk := f.call("POST", "/api/v1/risks", mgr, fmt.Sprintf(`{"title":"Risk %d"}`, i), 201)["id"].(string)
			is := f.call("POST", "/api/v1/context-issues", mgr, fmt.Sprintf(`{"title":"Issue %d","category":"legal","risk_ids":[%q]}`, i, risk), 201)
			risks[is["ref"].(string)] = risk
			links := `[]`
			if i%2 == 0 {
				links = fmt.Sprintf(`[%q]`, obligation)
			}
			f.call("POST", "/api/v1/interested-parties", mgr, fmt.Sprintf(`{"name":"Party %d","obligation_ids":%s}`, i, links), 201)
		}
		for _, c := range []struct{ path, want string }{
			{"/api/v1/context-issues?limit=2", "CI-001 CI-002 CI-003 CI-004 CI-005"},
			{"/api/v1/context-issues?limit=5", "CI-001 CI-002 CI-003 CI-004 CI-005"},
			{"/api/v1/context-issues?category=legal&limit=3", "CI-001 CI-002 CI-003 CI-004 CI-005"},
			{"/api/v1/context-issues?category=economic", ""},
			{"/api/v1/interested-parties?limit=2", "IP-001 IP-002 IP-003 IP-004 IP-005"},
			{"/api/v1/interested-parties?include_archived=true", "IP-001 IP-002 IP-003 IP-004 IP-005"},
		} {
			items := f.Pages(mgr.Token, c.path)
			var refs []string
			for _, it := range items {
				refs = append(refs, it["ref"].(string))
				if id, ok := risks[it["ref"].(string)]; ok && fmt.Sprint(it["risk_ids"]) != "["+id+"]" {
					t.Errorf("%s: %s has risks %v, want [%s]", c.path, it["ref"], it["risk_ids"], id)
				}
				if strings.HasPrefix(it["ref"].(string), "IP-") {
					n := int(it["ref"].(string)[len(it["ref"].(string))-1] - '0')
					if want := n%2 == 0; (fmt.Sprint(it["obligation_ids"]) == "["+obligation+"]") != want {
						t.Errorf("%s: %s has obligations %v", c.path, it["ref"], it["obligation_ids"])
					}
				}
			}
			if got := strings.Join(refs, " "); got != c.want {
				t.Errorf("%s gave %q, want %q", c.path, got, c.want)
			}
		}
		for _, path := range []string{"/api/v1/context-issues?cursor=nonsense", "/api/v1/interested-parties?cursor=nonsense", "/api/v1/context-issues?limit=0", "/api/v1/interested-parties?limit=501"} {
			res := f.Do("GET", path, areastest.Req{Token: mgr.Token})
			if res.StatusCode != 422 || !strings.Contains(res.Text, `"field":"`) {
				t.Errorf("%s: %d %s", path, res.StatusCode, res.Text)
			}
		}
	})
}

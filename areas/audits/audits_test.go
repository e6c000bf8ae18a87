package audits_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/areas/areastest"
	"github.com/bulwark-isms/bulwark/areas/audits"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
)

// TestClauseQuestions: one question and records for each of the 30 clauses of 4–10 without sub-clauses.
func TestClauseQuestions(t *testing.T) {
	if len(audits.ClauseQuestions) != 30 {
		t.Errorf("%d clause questions, want 30", len(audits.ClauseQuestions))
	}
	for ref, q := range audits.ClauseQuestions {
		if !strings.HasSuffix(q.Question, "?") || q.Records == "" {
			t.Errorf("%s: %+v", ref, q)
		}
	}
}

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
	if want >= 400 {
		return map[string]any{"text": res.Text}
	}
	return areastest.Decode[map[string]any](f.t, res)
}

func (f fixture) controlID(acc *areastest.Account, ref string) string {
	f.t.Helper()
	l := areastest.Decode[areastest.List](f.t, f.Do("GET", "/api/v1/controls?q="+ref, areastest.Req{Token: acc.Token}))
	for _, it := range l.Items {
		if it["ref"] == ref {
			return it["id"].(string)
		}
	}
	f.t.Fatalf("no control %s", ref)
	return ""
}

// TestChecklistFromScope: one line per requirement in scope, a heading standing for its sub-clauses,
// and one per control in scope no requirement covers — exact counts, on both databases.
func TestChecklistFromScope(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := fixture{areastest.New(t, db), t}
		mgr := f.Accounts[bulwark.RoleManager]
		custom := f.call("POST", "/api/v1/controls", mgr, `{"title":"Clean-desk walkthrough"}`, 201)["id"].(string)
		cases := []struct {
			name     string
			scope    string
			controls string
			lines    int
		}{
			{"clause 9 and two controls and a custom one", `["iso27001-2022:9","iso27001-2022:A.5.15","iso27001-2022:A.8.8"]`, `["` + custom + `"]`, 6 + 2 + 1},
			{"clauses 4 to 10", `["iso27001-2022:4","iso27001-2022:5","iso27001-2022:6","iso27001-2022:7","iso27001-2022:8","iso27001-2022:9","iso27001-2022:10"]`, `[]`, 30},
			{"a sub-clause heading", `["iso27001-2022:7.5"]`, `[]`, 3},
		}
		for i, c := range cases {
			a := f.call("POST", "/api/v1/audits", mgr, fmt.Sprintf(`{"title":"Audit %d","type":"internal","requirement_ids":%s,"control_ids":%s,"planned_start":"2027-03-01"}`, i, c.scope, c.controls), 201)
			got := f.call("POST", "/api/v1/audits/"+a["id"].(string)+"/checklist", mgr, `{}`, 200)
			lines := got["checklist"].([]any)
			if len(lines) != c.lines {
				t.Errorf("%s: %d lines, want %d", c.name, len(lines), c.lines)
			}
			for _, l := range lines {
				line := l.(map[string]any)
				if line["question"] == "" || line["result"] != "not_audited" {
					t.Errorf("%s: line %v", c.name, line)
				}
			}
		}
	})
}

// TestRecordingAndObjectivity: only the lead and team record, only while the audit runs, and with
// segregation of duties nobody records on a control they own or a line a document they wrote covers;
// a minor nonconformity found opens a nonconformity.
func TestRecordingAndObjectivity(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := fixture{areastest.New(t, db), t}
		mgr, aud, adm := f.Accounts[bulwark.RoleManager], f.Accounts[bulwark.RoleAuditor], f.Accounts[bulwark.RoleAdmin]
		ctl := f.controlID(mgr, "A.5.15")
		f.call("PATCH", "/api/v1/controls/"+ctl, mgr, `{"owner_id":"`+mgr.MemberID+`"}`, 200)
		a := f.call("POST", "/api/v1/audits", mgr, `{"title":"Access control audit","type":"internal","requirement_ids":["iso27001-2022:A.5.15","iso27001-2022:A.5.18"],
			"lead_id":"`+aud.MemberID+`","team_ids":["`+mgr.MemberID+`"],"planned_start":"2027-02-01"}`, 201)
		id := a["id"].(string)
		if a["ref"] != "AUD-001" || a["status"] != "planned" {
			t.Fatalf("audit: %v", a)
		}
		f.call("POST", "/api/v1/audits/"+id+"/checklist", mgr, `{}`, 200)
		line := func(n int) string { return fmt.Sprintf("/api/v1/audits/%s/checklist/%d", id, n) }
		// Planned: nobody records yet.
		f.call("PATCH", line(1), aud, `{"result":"conforming"}`, 409)
		// Only one step at a time; the lead (an auditor) starts it.
		f.call("PATCH", "/api/v1/audits/"+id, mgr, `{"status":"reporting"}`, 422)
		started := f.call("PATCH", "/api/v1/audits/"+id, aud, `{"status":"in_progress"}`, 200)
		if started["actual_start"] == nil {
			t.Errorf("starting set no actual start: %v", started)
		}
		// The lead may not rewrite the plan.
		f.call("PATCH", "/api/v1/audits/"+id, aud, `{"title":"Mine now"}`, 403)
		// Not on the team: the admin may plan but not record.
		f.call("PATCH", line(1), adm, `{"result":"conforming"}`, 403)
		// The manager owns A.5.15 (line 1): refused, naming the conflict; line 2 is fine.
		refusal := f.call("PATCH", line(1), mgr, `{"result":"conforming"}`, 422)["text"].(string)
		if !strings.Contains(refusal, "you own control A.5.15") {
			t.Errorf("objectivity refusal: %s", refusal)
		}
		f.call("PATCH", line(2), mgr, `{"result":"nonconforming","notes":"Two leavers still active."}`, 200)
		rec := f.call("PATCH", line(1), aud, `{"result":"conforming","notes":"Sampled 10 requests."}`, 200)
		if rec["audited_by"] != aud.MemberID {
			t.Errorf("recorded by %v", rec["audited_by"])
		}
		// A finding on line 2: minor NC opens NC-001 linked to it; an observation opens none.
		fnd := f.call("POST", "/api/v1/findings", mgr, `{"audit_id":"`+id+`","checklist_line":2,"classification":"minor_nc","title":"Leavers keep access","evidence_seen":"HR leaver list vs directory"}`, 201)
		if fnd["ref"] != "F-001" || fnd["nonconformity_ref"] != "NC-001" || fnd["requirement_id"] != "iso27001-2022:A.5.18" {
			t.Fatalf("finding: %v", fnd)
		}
		nc := f.call("GET", "/api/v1/nonconformities/NC-001", mgr, ``, 200)
		if nc["source"] != "audit" || nc["source_ref"] != "F-001" || nc["severity"] != "minor" || nc["status"] != "open" {
			t.Errorf("nonconformity: %v", nc)
		}
		obs := f.call("POST", "/api/v1/findings", aud, `{"audit_id":"`+id+`","classification":"observation","title":"Access reviews are late in Q3"}`, 201)
		if obs["nonconformity_id"] != nil {
			t.Errorf("an observation opened %v", obs["nonconformity_id"])
		}
		// Lowering the minor NC is refused; an auditor not on the team cannot raise in this audit.
		f.call("PATCH", "/api/v1/findings/"+fnd["id"].(string), mgr, `{"classification":"observation"}`, 422)
		f.call("POST", "/api/v1/findings", adm, `{"audit_id":"`+id+`","classification":"ofi","title":"x"}`, 403)
		// Reporting, then closing needs a conclusion; closed, nothing more is recorded.
		f.call("PATCH", "/api/v1/audits/"+id, aud, `{"status":"reporting"}`, 200)
		f.call("PATCH", "/api/v1/audits/"+id, aud, `{"status":"closed"}`, 422)
		f.call("PATCH", "/api/v1/audits/"+id, aud, `{"status":"closed","conclusion":"Access control works except for leavers."}`, 200)
		f.call("PATCH", line(2), mgr, `{"result":"conforming"}`, 409)
		got := f.call("GET", "/api/v1/audits/"+id, aud, ``, 200)
		if p := got["progress"].(map[string]any); p["audited"] != float64(2) || p["nonconforming"] != float64(1) || got["findings"] != float64(2) {
			t.Errorf("progress %v, findings %v", p, got["findings"])
		}
		// With segregation of duties off, the owner may audit their own control.
		a2 := f.call("POST", "/api/v1/audits", mgr, `{"title":"Follow-up","type":"internal","requirement_ids":["iso27001-2022:A.5.15"],"lead_id":"`+mgr.MemberID+`"}`, 201)
		f.call("POST", "/api/v1/audits/"+a2["id"].(string)+"/checklist", mgr, `{}`, 200)
		f.call("PATCH", "/api/v1/audits/"+a2["id"].(string), mgr, `{"status":"in_progress"}`, 200)
		f.call("PATCH", fmt.Sprintf("/api/v1/audits/%s/checklist/1", a2["id"]), mgr, `{"result":"conforming"}`, 422)
		f.call("PATCH", "/api/v1/organisation", f.Accounts[bulwark.RoleOwner], `{"segregation_of_duties":false}`, 200)
		f.call("PATCH", fmt.Sprintf("/api/v1/audits/%s/checklist/1", a2["id"]), mgr, `{"result":"conforming"}`, 200)
	})
}

// TestDocumentAuthorConflict: the author of a document linked to a requirement may not audit it.
func TestDocumentAuthorConflict(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := fixture{areastest.New(t, db), t}
		mgr, aud := f.Accounts[bulwark.RoleManager], f.Accounts[bulwark.RoleAuditor]
		doc := f.call("POST", "/api/v1/documents", mgr, `{"title":"Information security policy","type":"policy","requirement_ids":["iso27001-2022:5.2"]}`, 201)
		f.call("PATCH", "/api/v1/documents/"+doc["id"].(string), mgr, `{"body":"We protect information."}`, 200)
		a := f.call("POST", "/api/v1/audits", mgr, `{"title":"Leadership","type":"internal","requirement_ids":["iso27001-2022:5"],"lead_id":"`+aud.MemberID+`","team_ids":["`+mgr.MemberID+`"]}`, 201)
		id := a["id"].(string)
		cl := f.call("POST", "/api/v1/audits/"+id+"/checklist", mgr, `{}`, 200)["checklist"].([]any)
		f.call("PATCH", "/api/v1/audits/"+id, aud, `{"status":"in_progress"}`, 200)
		for _, l := range cl {
			line := l.(map[string]any)
			if line["requirement_id"] != "iso27001-2022:5.2" {
				continue
			}
			refusal := f.call("PATCH", fmt.Sprintf("/api/v1/audits/%s/checklist/%v", id, line["line"]), mgr, `{"result":"conforming"}`, 422)["text"].(string)
			if !strings.Contains(refusal, "you authored") {
				t.Errorf("refusal: %s", refusal)
			}
			f.call("PATCH", fmt.Sprintf("/api/v1/audits/%s/checklist/%v", id, line["line"]), aud, `{"result":"conforming"}`, 200)
			return
		}
		t.Fatal("no line for 5.2")
	})
}

// TestProgramme: a year's audits, what they cover, and the clauses no audit of the cycle covers.
func TestProgramme(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := fixture{areastest.New(t, db), t}
		mgr := f.Accounts[bulwark.RoleManager]
		f.call("POST", "/api/v1/audits", mgr, `{"title":"2025","type":"internal","requirement_ids":["iso27001-2022:4","iso27001-2022:5"],"planned_start":"2025-05-01"}`, 201)
		f.call("POST", "/api/v1/audits", mgr, `{"title":"2027 a","type":"internal","requirement_ids":["iso27001-2022:9","iso27001-2022:A.5.1"],"planned_start":"2027-03-01"}`, 201)
		f.call("POST", "/api/v1/audits", mgr, `{"title":"2024, out of the cycle","type":"internal","requirement_ids":["iso27001-2022:10"],"planned_start":"2024-03-01"}`, 201)
		p := f.call("GET", "/api/v1/audit-programme?year=2027", mgr, ``, 200)
		if n := len(p["audits"].([]any)); n != 1 {
			t.Errorf("%d audits in 2027", n)
		}
		if n := len(p["clauses_covered"].([]any)); n != 6 {
			t.Errorf("%d clauses covered in 2027, want 6 (9.x)", n)
		}
		if n := len(p["controls_covered"].([]any)); n != 1 {
			t.Errorf("%d controls covered", n)
		}
		unc := fmt.Sprint(p["uncovered_in_cycle"])
		// 30 clauses; 4.x (4) and 5.x (3) covered in 2025, 9.x (6) in 2027; 10.x only in 2024, outside the cycle.
		if n := len(p["uncovered_in_cycle"].([]any)); n != 30-4-3-6 || !strings.Contains(unc, "10.2") || strings.Contains(unc, "9.2.2") {
			t.Errorf("uncovered (%d): %s", n, unc)
		}
		f.call("GET", "/api/v1/audit-programme?year=x", mgr, ``, 422)
	})
}

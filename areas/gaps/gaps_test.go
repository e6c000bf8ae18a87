package gaps_test

import (
	"strings"
	"testing"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/areas/areastest"
	"github.com/bulwark-isms/bulwark/areas/gaps"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
)

// answerFor is the baseline's answer to a requirement: clauses partly there, the Organizational theme in
// place, People partial, the rest not yet, A.7.4 out of scope.
func answerFor(it gaps.Item) string {
	switch {
	case it.Ref == "A.7.4":
		return "not_applicable"
	case strings.HasPrefix(it.Group, "Clause"):
		return "partial"
	case strings.HasSuffix(it.Group, "Organizational"):
		return "implemented"
	case strings.HasSuffix(it.Group, "People"):
		return "partial"
	}
	return "not_implemented"
}

func TestGapAssessment(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		mgr := f.Accounts[bulwark.RoleManager].Token
		res := f.Do("POST", "/api/v1/gap-assessments", areastest.Req{Token: mgr, JSON: `{"title":"Baseline"}`})
		if res.StatusCode != 201 {
			t.Fatalf("create: %d %s", res.StatusCode, res.Text)
		}
		a := areastest.Decode[gaps.Assessment](t, res)
		if a.Ref != "GA-001" || len(a.Items) != 123 || a.Progress.Total != 123 || a.Progress.Answered != 0 || a.Framework != "iso27001-2022" {
			t.Fatalf("a new ISO assessment: %s, %d items, %+v", a.Ref, len(a.Items), a.Progress)
		}
		clauses := 0
		for _, it := range a.Items {
			if strings.HasPrefix(it.Group, "Clause") {
				clauses++
			}
		}
		if clauses != 30 {
			t.Errorf("%d clauses, want the 30 non-heading rows of 4 to 10", clauses)
		}
		answer := func(key, token string, it gaps.Item, ans, notes string) *areastest.Resp {
			return f.Do("POST", "/api/v1/gap-assessments/"+key+"/answers", areastest.Req{Token: token,
				JSON: `{"requirement_id":"` + it.RequirementID + `","answer":"` + ans + `","notes":"` + notes + `"}`})
		}
		for _, tc := range []struct {
			name, body, token string
			status            int
			contains          string
		}{
			{"unknown answer", `{"requirement_id":"` + a.Items[0].RequirementID + `","answer":"mostly"}`, mgr, 422, `"field":"answer"`},
			{"requirement outside the assessment", `{"requirement_id":"gdpr:Art. 5","answer":"partial"}`, mgr, 422, `"field":"requirement_id"`},
			{"evidence that is no link", `{"requirement_id":"` + a.Items[0].RequirementID + `","answer":"partial","evidence_url":"javascript:alert(1)"}`, mgr, 422, `"field":"evidence_url"`},
			{"contributors do not answer", `{"requirement_id":"` + a.Items[0].RequirementID + `","answer":"partial"}`, f.Accounts[bulwark.RoleContributor].Token, 403, ""},
		} {
			if res := f.Do("POST", "/api/v1/gap-assessments/"+a.ID+"/answers", areastest.Req{Token: tc.token, JSON: tc.body}); res.StatusCode != tc.status || !strings.Contains(res.Text, tc.contains) {
				t.Errorf("%s: %d %s", tc.name, res.StatusCode, res.Text)
			}
		}
		if res := f.Do("POST", "/api/v1/gap-assessments/"+a.ID+"/finish", areastest.Req{Token: mgr, JSON: `{}`}); res.StatusCode != 409 || !strings.Contains(res.Text, "123 requirements to answer") {
			t.Errorf("finish unanswered: %d %s", res.StatusCode, res.Text)
		}
		for _, it := range a.Items {
			if res := answer(a.Ref, mgr, it, answerFor(it), ""); res.StatusCode != 200 {
				t.Fatalf("answer %s: %d %s", it.Ref, res.StatusCode, res.Text)
			}
		}
		a = areastest.Decode[gaps.Assessment](t, f.Do("GET", "/api/v1/gap-assessments/GA-001", areastest.Req{Token: f.Accounts[bulwark.RoleAuditor].Token}))
		groups := map[string]int{}
		for _, g := range a.Groups {
			groups[g.Name] = g.Score
		}
		if a.Progress.Percent != 100 || groups["Annex A Organizational"] != 100 || groups["Annex A People"] != 50 || groups["Annex A Technological"] != 0 ||
			groups["Clause 4 Context of the organization"] != 50 || len(a.Groups) != 11 {
			t.Fatalf("scores: %d%% answered, %v", a.Progress.Percent, groups)
		}
		if len(a.Gaps) == 0 || a.Gaps[0].Answer != "not_implemented" || a.Gaps[len(a.Gaps)-1].Answer != "partial" {
			t.Errorf("gaps not ranked worst first: first %+v", a.Gaps[0])
		}
		// Seeding the controls: A.7.4 is not applicable without a reason, so nothing changes until one is given.
		if res := f.Do("POST", "/api/v1/gap-assessments/"+a.ID+"/seed-controls", areastest.Req{Token: mgr, JSON: `{}`}); res.StatusCode != 422 || !strings.Contains(res.Text, "A.7.4") {
			t.Fatalf("seed without a justification: %d %s", res.StatusCode, res.Text)
		}
		for _, it := range a.Items {
			if it.Ref == "A.7.4" {
				answer(a.ID, mgr, it, "not_applicable", "No premises: everyone works remotely.")
			}
		}
		res = f.Do("POST", "/api/v1/gap-assessments/"+a.ID+"/seed-controls", areastest.Req{Token: mgr, JSON: `{}`})
		if res.StatusCode != 200 || !strings.Contains(res.Text, `"controls_changed":`) || strings.Contains(res.Text, `"controls_changed":0`) {
			t.Fatalf("seed: %d %s", res.StatusCode, res.Text)
		}
		statuses := map[string]any{}
		for _, c := range areastest.Decode[areastest.List](t, f.Do("GET", "/api/v1/controls", areastest.Req{Token: mgr})).Items {
			statuses[c["ref"].(string)] = c["status"]
		}
		if statuses["A.5.1"] != "implemented" || statuses["A.6.1"] != "partial" || statuses["A.8.1"] != "not_started" || statuses["A.7.4"] != "not_applicable" {
			t.Errorf("seeded statuses: A.5.1 %v, A.6.1 %v, A.8.1 %v, A.7.4 %v", statuses["A.5.1"], statuses["A.6.1"], statuses["A.8.1"], statuses["A.7.4"])
		}
		if res := f.Do("POST", "/api/v1/gap-assessments/"+a.ID+"/finish", areastest.Req{Token: mgr, JSON: `{}`}); res.StatusCode != 200 || !strings.Contains(res.Text, `"status":"finished"`) {
			t.Fatalf("finish: %d %s", res.StatusCode, res.Text)
		}
		if res := answer(a.ID, mgr, a.Items[0], "implemented", ""); res.StatusCode != 409 {
			t.Errorf("an answer after finishing: %d", res.StatusCode)
		}
		// A second assessment: the technology improved, one People control regressed.
		b := areastest.Decode[gaps.Assessment](t, f.Do("POST", "/api/v1/gap-assessments", areastest.Req{Token: mgr, JSON: `{}`}))
		for _, it := range b.Items {
			ans := answerFor(it)
			switch {
			case strings.HasSuffix(it.Group, "Technological"):
				ans = "implemented"
			case it.Ref == "A.6.3":
				ans = "not_implemented"
			}
			answer(b.ID, mgr, it, ans, "")
		}
		cmp := areastest.Decode[gaps.Comparison](t, f.Do("GET", "/api/v1/gap-assessments/compare?from=GA-001&to=GA-002", areastest.Req{Token: mgr}))
		if len(cmp.Improved) != 34 || len(cmp.Regressed) != 1 || cmp.Regressed[0].Ref != "A.6.3" {
			t.Errorf("compare: %d improved, regressed %+v", len(cmp.Improved), cmp.Regressed)
		}
		if res := f.Do("GET", "/api/v1/gap-assessments/compare?from=GA-001", areastest.Req{Token: mgr}); res.StatusCode != 422 {
			t.Errorf("compare without to: %d", res.StatusCode)
		}
		gdpr := areastest.Decode[gaps.Assessment](t, f.Do("POST", "/api/v1/gap-assessments", areastest.Req{Token: mgr, JSON: `{"framework":"gdpr"}`}))
		if len(gdpr.Items) != 99 || gdpr.Ref != "GA-003" {
			t.Errorf("a GDPR assessment: %d items, %s", len(gdpr.Items), gdpr.Ref)
		}
		if res := f.Do("GET", "/api/v1/gap-assessments/compare?from=GA-001&to=GA-003", areastest.Req{Token: mgr}); res.StatusCode != 422 {
			t.Errorf("comparing two frameworks: %d", res.StatusCode)
		}
		if res := f.Do("POST", "/api/v1/gap-assessments", areastest.Req{Token: mgr, JSON: `{"framework":"pci-dss"}`}); res.StatusCode != 422 {
			t.Errorf("an unknown framework: %d", res.StatusCode)
		}
		// Exports: the XLSX opens, the PDF names the assessment and its gaps.
		if res := f.Do("GET", "/api/v1/gap-assessments/GA-001/export?format=xlsx", areastest.Req{Token: mgr}); res.StatusCode != 200 || !strings.HasPrefix(res.Text, "PK") {
			t.Errorf("xlsx: %d", res.StatusCode)
		}
		res = f.Do("GET", "/api/v1/gap-assessments/GA-001/export?format=pdf", areastest.Req{Token: mgr})
		if res.StatusCode != 200 || !strings.HasPrefix(res.Text, "%PDF") {
			t.Fatalf("pdf: %d", res.StatusCode)
		}
		if text := areastest.PDFText(t, []byte(res.Text)); !strings.Contains(text, "GA-001") || !strings.Contains(text, "A.8.34") || !strings.Contains(text, "Gaps, worst first") {
			t.Errorf("the PDF:\n%s", text[:min(len(text), 1500)])
		}
		if res := f.Do("GET", "/api/v1/gap-assessments", areastest.Req{Token: f.Accounts[bulwark.RoleEmployee].Token}); res.StatusCode != 403 {
			t.Errorf("an employee lists assessments: %d", res.StatusCode)
		}
		globex := areastest.MustOrg(t, f.Svc, "Globex", "owner@globex.test")
		other := f.AddMembers(&globex.Org, "globex.test")
		if res := f.Do("GET", "/api/v1/gap-assessments/GA-001", areastest.Req{Token: other[bulwark.RoleManager].Token}); res.StatusCode != 404 {
			t.Errorf("another organisation reads GA-001: %d", res.StatusCode)
		}
	})
}

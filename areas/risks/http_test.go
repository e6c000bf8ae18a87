package risks_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/areas/areastest"
	"github.com/bulwark-isms/bulwark/areas/controls"
	"github.com/bulwark-isms/bulwark/areas/risks"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
)

func TestRiskRegisterAPI(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		mgr, admin, owner := f.Accounts[bulwark.RoleManager].Token, f.Accounts[bulwark.RoleAdmin].Token, f.Accounts[bulwark.RoleOwner].Token
		contrib := f.Accounts[bulwark.RoleContributor]
		// A contributor's new risk is their own; scores and levels are derived.
		res := f.Do("POST", "/api/v1/risks", areastest.Req{Token: contrib.Token, JSON: `{"title":"Ransomware on file server","inherent_likelihood":4,"inherent_impact":5,"treatment":"mitigate"}`})
		if res.StatusCode != 201 {
			t.Fatalf("create: %d %s", res.StatusCode, res.Text)
		}
		rk := areastest.Decode[risks.Risk](t, res)
		if rk.Ref != "R-001" || *rk.InherentScore != 20 || *rk.InherentLevel != "Critical" || rk.OwnerID == nil || *rk.OwnerID != contrib.MemberID ||
			rk.ResidualScore != nil || rk.Status != "assessed" || rk.MethodologyVersion != 1 {
			t.Fatalf("created risk: %s", res.Text)
		}
		path := "/api/v1/risks/" + rk.ID
		other := areastest.Decode[risks.Risk](t, f.Do("POST", "/api/v1/risks", areastest.Req{Token: mgr, JSON: `{"title":"Someone else's","inherent_likelihood":1,"inherent_impact":1}`}))
		checks := []struct {
			name, method, path, body, token string
			status                          int
			contains                        string
		}{
			{"likelihood outside the scale", "POST", "/api/v1/risks", `{"title":"x","inherent_likelihood":6,"inherent_impact":1}`, mgr, 422, `"field":"inherent_likelihood"`},
			{"half a pair", "POST", "/api/v1/risks", `{"title":"x","residual_likelihood":2}`, mgr, 422, `"field":"residual_likelihood"`},
			{"derived fields are read-only", "PATCH", path, `{"inherent_score":3}`, mgr, 422, `"field":"inherent_score"`},
			{"bad treatment", "PATCH", path, `{"treatment":"ignore"}`, mgr, 422, `"field":"treatment"`},
			{"asset of nobody", "PATCH", path, `{"asset_ids":["` + areastest.MissingID + `"]}`, mgr, 422, `"field":"asset_ids"`},
			{"accept without sign-off", "PATCH", path, `{"status":"accepted"}`, mgr, 422, `"field":"status"`},
			{"contributor edits another's risk", "PATCH", "/api/v1/risks/" + other.ID, `{"title":"mine"}`, contrib.Token, 403, ""},
			{"contributor signs off another's risk", "POST", "/api/v1/risks/" + other.ID + "/sign-offs", `{"comment":"ok"}`, contrib.Token, 403, ""},
			{"employee cannot read the register", "GET", "/api/v1/risks", "", f.Accounts[bulwark.RoleEmployee].Token, 403, ""},
			{"absent risk", "GET", "/api/v1/risks/" + areastest.MissingID, "", mgr, 404, ""},
			{"stale version", "PATCH", path, `{"title":"x","version":7}`, mgr, 409, ""},
		}
		for _, c := range checks {
			res := f.Do(c.method, c.path, areastest.Req{Token: c.token, JSON: c.body})
			if res.StatusCode != c.status || !strings.Contains(res.Text, c.contains) {
				t.Errorf("%s: %d %s", c.name, res.StatusCode, res.Text)
			}
		}
		// Residual Medium is within the criteria: the owner's sign-off suffices.
		f.Do("PATCH", path, areastest.Req{Token: contrib.Token, JSON: `{"residual_likelihood":2,"residual_impact":3}`})
		if res := f.Do("POST", path+"/sign-offs", areastest.Req{Token: contrib.Token, JSON: `{"comment":"Plan approved; residual accepted."}`}); res.StatusCode != 201 || !strings.Contains(res.Text, `"as_risk_owner":true`) {
			t.Fatalf("owner sign-off: %d %s", res.StatusCode, res.Text)
		}
		if res := f.Do("PATCH", path, areastest.Req{Token: contrib.Token, JSON: `{"status":"accepted"}`}); res.StatusCode != 200 || !strings.Contains(res.Text, `"status":"accepted"`) {
			t.Fatalf("accept: %d %s", res.StatusCode, res.Text)
		}
		// Rescoring voids the sign-offs and says so.
		res = f.Do("PATCH", path, areastest.Req{Token: contrib.Token, JSON: `{"residual_likelihood":4,"residual_impact":4,"review_reason":"new exploit kit seen"}`})
		if res.StatusCode != 200 || !strings.Contains(res.Text, `"status":"assessed"`) || !strings.Contains(res.Header.Get("Bulwark-Notice"), "voided") {
			t.Fatalf("rescore: %d %s %v", res.StatusCode, res.Text, res.Header)
		}
		// Residual High is above the criteria: owner and an owner/admin must sign.
		f.Do("POST", path+"/sign-offs", areastest.Req{Token: contrib.Token, JSON: `{"comment":"again"}`})
		if res := f.Do("PATCH", path, areastest.Req{Token: contrib.Token, JSON: `{"status":"accepted"}`}); res.StatusCode != 422 || !strings.Contains(res.Text, "above the acceptance criteria") {
			t.Fatalf("high residual with the owner only: %d %s", res.StatusCode, res.Text)
		}
		if res := f.Do("POST", path+"/sign-offs", areastest.Req{Token: admin, JSON: `{"comment":"risk accepted by management"}`}); res.StatusCode != 201 || !strings.Contains(res.Text, `"as_approver":true`) {
			t.Fatalf("admin sign-off: %d %s", res.StatusCode, res.Text)
		}
		if res := f.Do("PATCH", path, areastest.Req{Token: mgr, JSON: `{"status":"accepted"}`}); res.StatusCode != 200 {
			t.Fatalf("accept with both: %d %s", res.StatusCode, res.Text)
		}
		signs := areastest.Decode[areastest.List](t, f.Do("GET", path+"/sign-offs", areastest.Req{Token: mgr}))
		voided := 0
		for _, s := range signs.Items {
			if s["voided_at"] != nil {
				voided++
			}
		}
		if len(signs.Items) != 3 || voided != 1 {
			t.Errorf("sign-offs: %d, voided %d", len(signs.Items), voided)
		}
		reviews := areastest.Decode[areastest.List](t, f.Do("GET", path+"/reviews", areastest.Req{Token: mgr}))
		if len(reviews.Items) != 2 || reviews.Items[0]["reason"] != "new exploit kit seen" {
			t.Errorf("timeline: %+v", reviews.Items)
		}
		// A manager signs off a risk they own (CONTRACT, 2026-12-01).
		f.Do("PATCH", "/api/v1/risks/"+other.ID, areastest.Req{Token: mgr, JSON: fmt.Sprintf(`{"owner_id":%q}`, f.Accounts[bulwark.RoleManager].MemberID)})
		if res := f.Do("POST", "/api/v1/risks/"+other.ID+"/sign-offs", areastest.Req{Token: mgr, JSON: `{}`}); res.StatusCode != 201 || !strings.Contains(res.Text, `"as_risk_owner":true`) {
			t.Errorf("manager signs off own risk: %d %s", res.StatusCode, res.Text)
		}
		// With segregation of duties on (the default), a risk owner who is also an
		// admin cannot be the approval above the criteria as well.
		mine := areastest.Decode[risks.Risk](t, f.Do("POST", "/api/v1/risks", areastest.Req{Token: admin, JSON: fmt.Sprintf(`{"title":"Admin's own","owner_id":%q,"inherent_likelihood":5,"inherent_impact":5}`, f.Accounts[bulwark.RoleAdmin].MemberID)}))
		f.Do("POST", "/api/v1/risks/"+mine.ID+"/sign-offs", areastest.Req{Token: admin, JSON: `{}`})
		if res := f.Do("PATCH", "/api/v1/risks/"+mine.ID, areastest.Req{Token: admin, JSON: `{"status":"accepted"}`}); res.StatusCode != 422 || !strings.Contains(res.Text, "segregation of duties") {
			t.Errorf("one person as both, segregation on: %d %s", res.StatusCode, res.Text)
		}
		f.Do("POST", "/api/v1/risks/"+mine.ID+"/sign-offs", areastest.Req{Token: owner, JSON: `{}`})
		if res := f.Do("PATCH", "/api/v1/risks/"+mine.ID, areastest.Req{Token: admin, JSON: `{"status":"accepted"}`}); res.StatusCode != 200 {
			t.Errorf("risk owner and another approver: %d %s", res.StatusCode, res.Text)
		}
		// Without segregation of duties, one person may sign for both.
		f.Do("PATCH", "/api/v1/organisation", areastest.Req{Token: owner, JSON: `{"segregation_of_duties":false}`})
		solo := areastest.Decode[risks.Risk](t, f.Do("POST", "/api/v1/risks", areastest.Req{Token: admin, JSON: fmt.Sprintf(`{"title":"Admin's other","owner_id":%q,"inherent_likelihood":5,"inherent_impact":5}`, f.Accounts[bulwark.RoleAdmin].MemberID)}))
		f.Do("POST", "/api/v1/risks/"+solo.ID+"/sign-offs", areastest.Req{Token: admin, JSON: `{}`})
		if res := f.Do("PATCH", "/api/v1/risks/"+solo.ID, areastest.Req{Token: admin, JSON: `{"status":"accepted"}`}); res.StatusCode != 200 {
			t.Errorf("one person as both, segregation off: %d %s", res.StatusCode, res.Text)
		}
		f.Do("PATCH", "/api/v1/organisation", areastest.Req{Token: owner, JSON: `{"segregation_of_duties":true}`})
		f.Do("DELETE", "/api/v1/risks/"+solo.ID, areastest.Req{Token: admin}) // out of the heat map below

		// A new methodology version: 3×3. Its author cannot approve it (segregation of duties).
		body := `{"likelihood":[{"value":1,"label":"Low"},{"value":2,"label":"Medium"},{"value":3,"label":"High"}],
			"impact":[{"value":1,"label":"Low"},{"value":2,"label":"Medium"},{"value":3,"label":"High"}],
			"score_rule":"product","levels":[{"label":"Green","min":1,"max":2,"color":"#2e7d32"},{"label":"Amber","min":3,"max":4,"color":"#f9a825"},{"label":"Red","min":5,"max":9,"color":"#c62828"}],
			"acceptable_up_to":"Amber"}`
		if res := f.Do("PUT", "/api/v1/risk-methodology", areastest.Req{Token: mgr, JSON: `{"likelihood":[],"impact":[],"score_rule":"product","levels":[],"acceptable_up_to":"x"}`}); res.StatusCode != 422 {
			t.Errorf("bad methodology: %d", res.StatusCode)
		}
		res = f.Do("PUT", "/api/v1/risk-methodology", areastest.Req{Token: admin, JSON: body})
		if res.StatusCode != 200 || !strings.Contains(res.Text, `"version":2`) || !strings.Contains(res.Text, `"status":"draft"`) {
			t.Fatalf("draft: %d %s", res.StatusCode, res.Text)
		}
		if res := f.Do("POST", "/api/v1/risk-methodology/versions/2/approve", areastest.Req{Token: admin, JSON: `{}`}); res.StatusCode != 403 {
			t.Errorf("author approved their own draft: %d", res.StatusCode)
		}
		if res := f.Do("POST", "/api/v1/risk-methodology/versions/2/approve", areastest.Req{Token: owner, JSON: `{}`}); res.StatusCode != 200 {
			t.Fatalf("approve: %d %s", res.StatusCode, res.Text)
		}
		// Risks keep their values until rescored; a rescore gives all four values.
		if got := areastest.Decode[risks.Risk](t, f.Do("GET", path, areastest.Req{Token: mgr})); got.MethodologyVersion != 1 || *got.InherentScore != 20 {
			t.Errorf("risk changed by a new methodology: %+v", got)
		}
		if res := f.Do("PATCH", path, areastest.Req{Token: mgr, JSON: `{"inherent_likelihood":3}`}); res.StatusCode != 422 || !strings.Contains(res.Text, `"field":"inherent_impact"`) {
			t.Errorf("partial rescore: %d %s", res.StatusCode, res.Text)
		}
		res = f.Do("PATCH", path, areastest.Req{Token: mgr, JSON: `{"inherent_likelihood":3,"inherent_impact":3,"residual_likelihood":1,"residual_impact":2}`})
		if res.StatusCode != 200 || !strings.Contains(res.Text, `"methodology_version":2`) || !strings.Contains(res.Text, `"inherent_level":"Red"`) {
			t.Fatalf("rescore on v2: %d %s", res.StatusCode, res.Text)
		}
		// The heat map draws risks on the current version.
		h := areastest.Decode[map[string]any](t, f.Do("GET", "/api/v1/risks/heatmap?kind=inherent", areastest.Req{Token: mgr}))
		if h["total"].(float64) != 1 || h["other_versions"].(float64) != 2 {
			t.Errorf("heat map: %+v", h)
		}
		if res := f.Do("GET", "/api/v1/risks/heatmap?kind=both", areastest.Req{Token: mgr}); res.StatusCode != 422 {
			t.Errorf("bad kind: %d", res.StatusCode)
		}
		if lib := areastest.Decode[areastest.List](t, f.Do("GET", "/api/v1/threats", areastest.Req{Token: mgr})); len(lib.Items) < 40 {
			t.Errorf("threat library: %d", len(lib.Items))
		}
		if res := f.Do("DELETE", path, areastest.Req{Token: mgr}); res.StatusCode != http.StatusNoContent {
			t.Errorf("archive: %d", res.StatusCode)
		}
	})
}

func TestTreatmentActionsAndTasks(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		contrib := f.Accounts[bulwark.RoleContributor]
		mgr := f.Accounts[bulwark.RoleManager].Token
		rk := areastest.Decode[risks.Risk](t, f.Do("POST", "/api/v1/risks", areastest.Req{Token: contrib.Token, JSON: `{"title":"Phishing","inherent_likelihood":4,"inherent_impact":3,"review_date":"2020-01-31"}`}))
		path := "/api/v1/risks/" + rk.ID + "/actions"
		res := f.Do("POST", path, areastest.Req{Token: contrib.Token, JSON: fmt.Sprintf(`{"title":"Roll out phishing-resistant MFA","owner_id":%q,"due_date":"2020-06-30"}`, contrib.MemberID)})
		if res.StatusCode != 201 || !strings.Contains(res.Text, `"status":"open"`) {
			t.Fatalf("create action: %d %s", res.StatusCode, res.Text)
		}
		action := areastest.Decode[risks.Action](t, res)
		for _, c := range []struct {
			method, path, body, token string
			status                    int
		}{
			{"POST", path, `{"owner_id":null}`, contrib.Token, 422},
			{"PATCH", path + "/" + action.ID, `{"status":"finished"}`, contrib.Token, 422},
			{"PATCH", path + "/" + action.ID, `{"due_date":"31/12/2020"}`, contrib.Token, 422},
			{"PATCH", path + "/" + areastest.MissingID, `{"status":"done"}`, mgr, 404},
			{"POST", path, `{"title":"x"}`, f.Accounts[bulwark.RoleAuditor].Token, 403},
		} {
			if res := f.Do(c.method, c.path, areastest.Req{Token: c.token, JSON: c.body}); res.StatusCode != c.status {
				t.Errorf("%s %s %s: %d %s", c.method, c.path, c.body, res.StatusCode, res.Text)
			}
		}
		tasks := areastest.Decode[map[string][]map[string]any](t, f.Do("GET", "/api/v1/me/tasks", areastest.Req{Token: contrib.Token}))
		if len(tasks["overdue_actions"]) != 1 || len(tasks["pending_sign_offs"]) != 1 || len(tasks["reviews_due"]) != 1 {
			t.Fatalf("tasks: %+v", tasks)
		}
		f.Do("POST", "/api/v1/risks/"+rk.ID+"/sign-offs", areastest.Req{Token: contrib.Token, JSON: `{}`})
		f.Do("PATCH", path+"/"+action.ID, areastest.Req{Token: contrib.Token, JSON: `{"status":"done"}`})
		tasks = areastest.Decode[map[string][]map[string]any](t, f.Do("GET", "/api/v1/me/tasks", areastest.Req{Token: contrib.Token}))
		if len(tasks["overdue_actions"]) != 0 || len(tasks["pending_sign_offs"]) != 0 {
			t.Fatalf("tasks after doing them: %+v", tasks)
		}
		cookie := f.SignIn("contributor@acme.test")
		if res := f.Do("GET", "/o/acme-ltd/tasks", areastest.Req{Cookie: cookie}); !strings.Contains(res.Text, "past their review date") {
			t.Errorf("tasks page: %s", res.Text)
		}
		if res := f.Do("GET", "/o/acme-ltd/", areastest.Req{Cookie: f.SignIn("manager@acme.test")}); !strings.Contains(res.Text, "Risk reviews due") || !strings.Contains(res.Text, "Programme progress") {
			t.Errorf("dashboard lacks the risk summary")
		}
	})
}

func TestLibrarySuggestionsAndRescorePreview(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		mgr, owner, admin := f.Accounts[bulwark.RoleManager].Token, f.Accounts[bulwark.RoleOwner].Token, f.Accounts[bulwark.RoleAdmin].Token
		res := f.Do("POST", "/api/v1/threats", areastest.Req{Token: mgr, JSON: `{"name":"Drone over the data centre","category":"deliberate (human)","description":"Someone films the site.","controls":["A.7.4","A.7.1"]}`})
		if res.StatusCode != 201 || !strings.Contains(res.Text, `"ref":"T-`) {
			t.Fatalf("new threat: %d %s", res.StatusCode, res.Text)
		}
		threat := areastest.Decode[map[string]any](t, res)
		if res := f.Do("POST", "/api/v1/threats", areastest.Req{Token: mgr, JSON: `{"name":"x","controls":["A.99.9"]}`}); res.StatusCode != 422 {
			t.Errorf("unknown control in the library: %d", res.StatusCode)
		}
		if res := f.Do("PATCH", "/api/v1/threats/"+threat["id"].(string), areastest.Req{Token: f.Accounts[bulwark.RoleContributor].Token, JSON: `{"name":"y"}`}); res.StatusCode != 403 {
			t.Errorf("contributor edits the library: %d", res.StatusCode)
		}
		rk := areastest.Decode[risks.Risk](t, f.Do("POST", "/api/v1/risks", areastest.Req{Token: mgr, JSON: `{"title":"Site filmed","threat_id":"` + threat["id"].(string) + `","inherent_likelihood":2,"inherent_impact":2}`}))
		sug := areastest.Decode[areastest.List](t, f.Do("GET", "/api/v1/risks/"+rk.ID+"/suggested-controls", areastest.Req{Token: mgr}))
		refs := []string{}
		for _, c := range sug.Items {
			refs = append(refs, c["ref"].(string))
		}
		if strings.Join(refs, ",") != "A.7.1,A.7.4" {
			t.Errorf("suggested controls: %v", refs)
		}
		if res := f.Do("POST", "/api/v1/risks", areastest.Req{Token: mgr, JSON: `{"title":"x","threat_id":"` + areastest.MissingID + `"}`}); res.StatusCode != 422 {
			t.Errorf("unknown threat: %d", res.StatusCode)
		}
		// A new methodology (4 levels): the old risk shows in the rescore preview.
		body := `{"likelihood":[{"value":1,"label":"a"},{"value":2,"label":"b"},{"value":3,"label":"c"},{"value":4,"label":"d"}],
			"impact":[{"value":1,"label":"a"},{"value":2,"label":"b"},{"value":3,"label":"c"},{"value":4,"label":"d"}],"score_rule":"product",
			"levels":[{"label":"Low","min":1,"max":3},{"label":"High","min":4,"max":16}],"acceptable_up_to":"Low"}`
		if res := f.Do("PUT", "/api/v1/risk-methodology", areastest.Req{Token: mgr, JSON: body}); res.StatusCode != 200 {
			t.Fatal(res.Text)
		}
		if res := f.Do("POST", "/api/v1/risk-methodology/versions/2/approve", areastest.Req{Token: admin, JSON: `{}`}); res.StatusCode != 200 {
			t.Fatal(res.Text)
		}
		prev := areastest.Decode[areastest.List](t, f.Do("GET", "/api/v1/risk-methodology/rescore-preview", areastest.Req{Token: mgr}))
		if len(prev.Items) != 1 || prev.Items[0]["new_inherent_level"] != "High" || prev.Items[0]["inherent_level"] != "Low" {
			t.Errorf("rescore preview: %+v", prev.Items)
		}
		// Echoing the risk's own likelihoods and impacts back is not a rescore, through the API as through the
		// form; one changed value is, and then all four are needed.
		old := areastest.Decode[map[string]any](t, f.Do("GET", "/api/v1/risks/"+prev.Items[0]["risk_id"].(string), areastest.Req{Token: mgr}))
		echoJSON, _ := json.Marshal(map[string]any{"inherent_likelihood": old["inherent_likelihood"], "inherent_impact": old["inherent_impact"],
			"residual_likelihood": old["residual_likelihood"], "residual_impact": old["residual_impact"]})
		echo := string(echoJSON)
		res = f.Do("PATCH", "/api/v1/risks/"+old["id"].(string), areastest.Req{Token: mgr, JSON: echo})
		if got := areastest.Decode[map[string]any](t, res); res.StatusCode != 200 || got["methodology_version"] != float64(1) {
			t.Errorf("echoed scores rescored the risk: %d %v", res.StatusCode, got["methodology_version"])
		}
		if res := f.Do("PATCH", "/api/v1/risks/"+old["id"].(string), areastest.Req{Token: mgr, JSON: `{"inherent_likelihood":4}`}); res.StatusCode != 422 || !strings.Contains(res.Text, "residual_impact") {
			t.Errorf("one changed score on an old methodology: %d %s", res.StatusCode, res.Text)
		}
		cookie := f.SignIn("owner@acme.test")
		if res := f.Do("GET", "/o/acme-ltd/risk-methodology", areastest.Req{Cookie: cookie}); res.StatusCode != 200 || !strings.Contains(res.Text, "Risks to rescore") {
			t.Errorf("methodology page: %d", res.StatusCode)
		}
		// The methodology is edited as a form: rows per scale step and band, blank rows ignored.
		form := map[string][]string{
			"likelihood_label": {"Rare", "Possible", "Likely", ""}, "likelihood_description": {"hardly ever", "now and then", "often", ""},
			"impact_label": {"Minor", "Serious", "Severe", ""}, "impact_description": {"", "", "", ""},
			"score_rule":  {"product"},
			"level_label": {"Acceptable", "Needs treatment", ""}, "level_min": {"1", "4", ""}, "level_max": {"3", "9", ""}, "level_color": {"#2e7d32", "#c62828", "#9e9e9e"},
			"acceptable_up_to": {"Acceptable"},
		}
		if res := f.Do("POST", "/o/acme-ltd/risk-methodology", areastest.Req{Cookie: cookie, Form: form}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("methodology form: %d %s", res.StatusCode, res.Text)
		}
		versions := areastest.Decode[struct{ Items []risks.Methodology }](t, f.Do("GET", "/api/v1/risk-methodology/versions", areastest.Req{Token: mgr}))
		draft := versions.Items[0]
		if draft.Status != "draft" || len(draft.Likelihood) != 3 || draft.Likelihood[2] != (risks.ScaleLevel{Value: 3, Label: "Likely", Description: "often"}) ||
			len(draft.Levels) != 2 || draft.Levels[1].Label != "Needs treatment" || draft.AcceptableUpTo != "Acceptable" {
			t.Errorf("the draft from the form: %+v", draft)
		}
		form["level_min"] = []string{"1", "four", ""}
		if res := f.Do("POST", "/o/acme-ltd/risk-methodology", areastest.Req{Cookie: cookie, Form: form}); res.StatusCode != 422 ||
			!strings.Contains(res.Text, "whole numbers") || !strings.Contains(res.Text, `value="Needs treatment"`) {
			t.Errorf("a band without numbers: %d, the form not kept", res.StatusCode)
		}
		_ = owner
	})
}

func TestRiskRegisterNeverMixes(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		ctx := context.Background()
		orgB, _, err := f.Svc.CreateOrganisation(ctx, app.NewOrganisation{Name: "Beta", OwnerEmail: "owner@beta.test", Password: areastest.Password}, app.Meta{})
		if err != nil {
			t.Fatal(err)
		}
		pb := f.Svc.CLIPrincipal(orgB, "test")
		title := "Beta secret risk"
		l, i := 5, 5
		lp, ip := &l, &i
		riskB, err := f.Svc.Risks.CreateRisk(ctx, pb, risks.RiskInput{Title: &title, InherentLikelihood: &lp, InherentImpact: &ip})
		if err != nil {
			t.Fatal(err)
		}
		at := "Beta action"
		actionB, err := f.Svc.Risks.SaveAction(ctx, pb, riskB.ID, "", risks.ActionInput{Title: &at}, nil)
		if err != nil {
			t.Fatal(err)
		}
		threatsB, _ := f.Svc.Risks.Library(ctx, pb, "threat")
		tok := f.Accounts[bulwark.RoleOwner].Token
		for _, path := range []string{"/api/v1/risks?include_archived=true&limit=500", "/api/v1/risks/heatmap?kind=inherent", "/api/v1/risks/export?format=csv",
			"/api/v1/me/tasks", "/api/v1/threats", "/api/v1/risk-methodology/rescore-preview"} {
			res := f.Do("GET", path, areastest.Req{Token: tok})
			if strings.Contains(res.Text, riskB.ID) || strings.Contains(res.Text, "Beta secret") || strings.Contains(res.Text, threatsB[0].ID) || strings.Contains(res.Text, `"total":1`) {
				t.Errorf("%s shows B's data", path)
			}
		}
		for _, at := range []struct{ method, path, body string }{
			{"GET", "/api/v1/risks/" + riskB.ID, ""}, {"PATCH", "/api/v1/risks/" + riskB.ID, `{"title":"mine"}`}, {"DELETE", "/api/v1/risks/" + riskB.ID, ""},
			{"GET", "/api/v1/risks/" + riskB.ID + "/sign-offs", ""}, {"POST", "/api/v1/risks/" + riskB.ID + "/sign-offs", `{}`},
			{"GET", "/api/v1/risks/" + riskB.ID + "/actions", ""}, {"PATCH", "/api/v1/risks/" + riskB.ID + "/actions/" + actionB.ID, `{"status":"done"}`},
			{"GET", "/api/v1/risks/" + riskB.ID + "/reviews", ""}, {"PATCH", "/api/v1/threats/" + threatsB[0].ID, `{"name":"mine"}`},
		} {
			if res := f.Do(at.method, at.path, areastest.Req{Token: tok, JSON: at.body}); res.StatusCode != 404 {
				t.Errorf("%s %s from A: %d", at.method, at.path, res.StatusCode)
			}
		}
		// Linking B's assets or controls to A's risk is refused.
		controlsB, _ := f.Svc.Controls.Controls(ctx, pb, controls.ControlFilter{})
		if res := f.Do("POST", "/api/v1/risks", areastest.Req{Token: tok, JSON: `{"title":"x","control_ids":["` + controlsB[0].ID + `"]}`}); res.StatusCode != 422 {
			t.Errorf("A linked B's control: %d", res.StatusCode)
		}
		if got, _ := f.Svc.Risks.Risk(ctx, pb, riskB.ID); got.Title != title || got.ArchivedAt != nil {
			t.Errorf("B's risk changed: %+v", got)
		}
	})
}

func TestLibraryPage(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		cookie := f.SignIn("manager@acme.test")
		res := f.Do("POST", "/o/acme-ltd/risk-library/threat", areastest.Req{Cookie: cookie, Form: map[string][]string{"name": {"Rogue drone"}, "category": {"deliberate"}, "controls": {"A.7.4 | A.7.1"}}})
		if res.StatusCode != 303 {
			t.Fatalf("add: %d %s", res.StatusCode, res.Text)
		}
		if res := f.Do("POST", "/o/acme-ltd/risk-library/threat", areastest.Req{Cookie: cookie, Form: map[string][]string{"name": {"x"}, "controls": {"A.99.1"}}}); res.StatusCode != 422 {
			t.Errorf("bad control: %d", res.StatusCode)
		}
		res = f.Do("GET", "/o/acme-ltd/risk-library", areastest.Req{Cookie: cookie})
		if !strings.Contains(res.Text, "Rogue drone") || !strings.Contains(res.Text, "A.7.4 | A.7.1") {
			t.Errorf("library page")
		}
		if res := f.Do("POST", "/o/acme-ltd/risk-library/threat", areastest.Req{Cookie: f.SignIn("contributor@acme.test"), Form: map[string][]string{"name": {"y"}}}); res.StatusCode != 403 {
			t.Errorf("contributor added to the library: %d", res.StatusCode)
		}
	})
}

func TestReviewFixes(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		mgr, admin, owner := f.Accounts[bulwark.RoleManager].Token, f.Accounts[bulwark.RoleAdmin].Token, f.Accounts[bulwark.RoleOwner].Token
		contrib := f.Accounts[bulwark.RoleContributor]
		// An accepted risk whose owner changes is assessed again.
		rk := areastest.Decode[risks.Risk](t, f.Do("POST", "/api/v1/risks", areastest.Req{Token: contrib.Token, JSON: `{"title":"r","inherent_likelihood":1,"inherent_impact":2}`}))
		f.Do("POST", "/api/v1/risks/"+rk.ID+"/sign-offs", areastest.Req{Token: contrib.Token, JSON: `{}`})
		if res := f.Do("PATCH", "/api/v1/risks/"+rk.ID, areastest.Req{Token: contrib.Token, JSON: `{"status":"accepted"}`}); res.StatusCode != 200 {
			t.Fatal(res.Text)
		}
		res := f.Do("PATCH", "/api/v1/risks/"+rk.ID, areastest.Req{Token: mgr, JSON: fmt.Sprintf(`{"owner_id":%q}`, f.Accounts[bulwark.RoleAdmin].MemberID)})
		if !strings.Contains(res.Text, `"status":"assessed"`) || res.Header.Get("Bulwark-Notice") == "" {
			t.Errorf("owner change on an accepted risk: %s", res.Text)
		}
		// Control lists compare as sets: re-sending them in another order changes nothing.
		cs := areastest.Decode[areastest.List](t, f.Do("GET", "/api/v1/controls", areastest.Req{Token: mgr}))
		a, b := cs.Items[0]["id"].(string), cs.Items[1]["id"].(string)
		v1 := areastest.Decode[risks.Risk](t, f.Do("PATCH", "/api/v1/risks/"+rk.ID, areastest.Req{Token: mgr, JSON: `{"control_ids":["` + a + `","` + b + `"]}`})).Version
		v2 := areastest.Decode[risks.Risk](t, f.Do("PATCH", "/api/v1/risks/"+rk.ID, areastest.Req{Token: mgr, JSON: `{"control_ids":["` + b + `","` + a + `"]}`})).Version
		if v1 != v2 {
			t.Errorf("reordering control_ids made a change: version %d → %d", v1, v2)
		}
		// A former member stays the owner until reassigned; the risk can still be archived.
		f.Do("PATCH", "/api/v1/members/"+f.Accounts[bulwark.RoleAdmin].MemberID, areastest.Req{Token: owner, JSON: `{"active":false}`})
		if res := f.Do("DELETE", "/api/v1/risks/"+rk.ID, areastest.Req{Token: mgr}); res.StatusCode != 204 {
			t.Errorf("archiving a risk of a former member: %d %s", res.StatusCode, res.Text)
		}
		// A level filter is the methodology's level in any case; an unknown level is a 422, not an empty page.
		scored := areastest.Decode[risks.Risk](t, f.Do("POST", "/api/v1/risks", areastest.Req{Token: mgr, JSON: `{"title":"Laptop theft","inherent_likelihood":3,"inherent_impact":3}`}))
		if scored.InherentLevel == nil {
			t.Fatalf("a scored risk has no level: %+v", scored)
		}
		level := *scored.InherentLevel
		byLevel := areastest.Decode[struct{ Items []risks.Risk }](t, f.Do("GET", "/api/v1/risks?level="+strings.ToLower(level), areastest.Req{Token: mgr}))
		if len(byLevel.Items) == 0 {
			t.Errorf("level=%s found nothing", strings.ToLower(level))
		}
		for _, r := range byLevel.Items {
			if r.InherentLevel == nil || *r.InherentLevel != level {
				t.Errorf("level=%s gave %s at %v", strings.ToLower(level), r.Ref, r.InherentLevel)
			}
		}
		if res := f.Do("GET", "/api/v1/risks?level=extreme", areastest.Req{Token: mgr}); res.StatusCode != 422 || !strings.Contains(res.Text, "its levels are") {
			t.Errorf("level=extreme: %d %s", res.StatusCode, res.Text)
		}
		// Huge numbers in cursors or versions are 422/404, never 500.
		big := "eyJuIjo5OTk5OTk5OTk5OSwiaWQiOiJ4In0" // {"n":99999999999,"id":"x"}
		for path, want := range map[string]int{"/api/v1/risks?cursor=" + big: 422, "/api/v1/assets?cursor=" + big: 422} {
			if res := f.Do("GET", path, areastest.Req{Token: mgr}); res.StatusCode != want {
				t.Errorf("%s: %d", path, res.StatusCode)
			}
		}
		if res := f.Do("POST", "/api/v1/risk-methodology/versions/99999999999/approve", areastest.Req{Token: owner, JSON: `{}`}); res.StatusCode != 404 {
			t.Errorf("huge version: %d", res.StatusCode)
		}
		// Whoever re-saves a draft may not approve it either.
		m := `{"likelihood":[{"value":1,"label":"a"},{"value":2,"label":"b"},{"value":3,"label":"c"}],"impact":[{"value":1,"label":"a"},{"value":2,"label":"b"},{"value":3,"label":"c"}],"score_rule":"product","levels":[{"label":"Low","min":1,"max":4},{"label":"High","min":5,"max":9}],"acceptable_up_to":"Low"}`
		f.Do("PUT", "/api/v1/risk-methodology", areastest.Req{Token: mgr, JSON: m})
		f.Do("PUT", "/api/v1/risk-methodology", areastest.Req{Token: owner, JSON: m})
		if res := f.Do("POST", "/api/v1/risk-methodology/versions/2/approve", areastest.Req{Token: owner, JSON: `{}`}); res.StatusCode != 403 {
			t.Errorf("a contributor to the draft approved it: %d", res.StatusCode)
		}
		_ = admin
	})
}

// TestApprovalsReachTheApprover checks sign-offs above the acceptance criteria: the approval waits in the
// "my tasks" of owners and admins (not the risk owner's, with segregation of duties on), one person's sign-off
// never counts twice, and a manager signs off the risks they own.
func TestApprovalsReachTheApprover(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		owner, admin, mgr := f.Accounts[bulwark.RoleOwner], f.Accounts[bulwark.RoleAdmin], f.Accounts[bulwark.RoleManager]
		critical := areastest.Decode[risks.Risk](t, f.Do("POST", "/api/v1/risks", areastest.Req{Token: owner.Token,
			JSON: `{"title":"Ransomware on the EHR database","owner_id":"` + owner.MemberID + `","inherent_likelihood":5,"inherent_impact":5,"treatment":"mitigate"}`}))
		waiting := func(acc *areastest.Account) []string {
			t.Helper()
			tasks := areastest.Decode[map[string][]risks.Risk](t, f.Do("GET", "/api/v1/me/tasks", areastest.Req{Token: acc.Token}))
			var refs []string
			for _, r := range tasks["approvals_waiting"] {
				refs = append(refs, r.Ref)
			}
			return refs
		}
		if got := waiting(admin); !slices.Contains(got, critical.Ref) {
			t.Errorf("the admin's approvals waiting: %v, want %s", got, critical.Ref)
		}
		if got := waiting(owner); slices.Contains(got, critical.Ref) {
			t.Errorf("the risk owner is asked to approve their own risk: %v", got)
		}
		if got := waiting(mgr); len(got) != 0 {
			t.Errorf("a manager is asked to approve: %v", got)
		}
		page := f.Do("GET", "/o/acme-ltd/tasks", areastest.Req{Cookie: f.SignIn(admin.Email)})
		if !strings.Contains(page.Text, "waiting for your approval") || !strings.Contains(page.Text, critical.Ref) {
			t.Errorf("the admin's tasks page does not ask for the approval")
		}
		// The risk owner, an owner of the organisation, signs off: as risk owner only.
		so := areastest.Decode[risks.SignOff](t, f.Do("POST", "/api/v1/risks/"+critical.ID+"/sign-offs", areastest.Req{Token: owner.Token, JSON: `{"comment":"plan agreed"}`}))
		if !so.AsOwner || so.AsApprover {
			t.Errorf("one person's sign-off: as owner %v, as approver %v; want owner only", so.AsOwner, so.AsApprover)
		}
		if res := f.Do("PATCH", "/api/v1/risks/"+critical.ID, areastest.Req{Token: owner.Token, JSON: `{"status":"accepted"}`}); res.StatusCode != 422 || !strings.Contains(res.Text, "segregation of duties") {
			t.Errorf("accepted on the risk owner's sign-off alone: %d %s", res.StatusCode, res.Text)
		}
		if got := waiting(admin); !slices.Contains(got, critical.Ref) {
			t.Errorf("after the risk owner's sign-off the admin's approval still waits: %v", got)
		}
		if res := f.Do("POST", "/api/v1/risks/"+critical.ID+"/sign-offs", areastest.Req{Token: admin.Token, JSON: `{}`}); res.StatusCode != 201 {
			t.Fatalf("the admin's approval: %d %s", res.StatusCode, res.Text)
		}
		if got := waiting(admin); slices.Contains(got, critical.Ref) {
			t.Errorf("an approved risk still waits: %v", got)
		}
		if res := f.Do("PATCH", "/api/v1/risks/"+critical.ID, areastest.Req{Token: owner.Token, JSON: `{"status":"accepted"}`}); res.StatusCode != 200 {
			t.Errorf("accepting with both sign-offs: %d %s", res.StatusCode, res.Text)
		}
		// A manager signs off a risk they own.
		own := areastest.Decode[risks.Risk](t, f.Do("POST", "/api/v1/risks", areastest.Req{Token: mgr.Token,
			JSON: `{"title":"Lost laptop","owner_id":"` + mgr.MemberID + `","inherent_likelihood":2,"inherent_impact":2}`}))
		if res := f.Do("POST", "/api/v1/risks/"+own.ID+"/sign-offs", areastest.Req{Token: mgr.Token, JSON: `{}`}); res.StatusCode != 201 {
			t.Errorf("a manager signing off their own risk: %d %s", res.StatusCode, res.Text)
		}
	})
}

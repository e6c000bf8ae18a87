package reviews_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/areas/areastest"
	"github.com/bulwark-isms/bulwark/areas/reviews"
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
	if want >= 400 || res.Text == "" {
		return map[string]any{"text": res.Text}
	}
	return areastest.Decode[map[string]any](f.t, res)
}

// figures reads a review's sections as key → figure label → value.
func figures(t *testing.T, rv map[string]any) map[string]map[string]int {
	out := map[string]map[string]int{}
	for _, s := range rv["sections"].([]any) {
		sec := s.(map[string]any)
		m := map[string]int{}
		for _, f := range sec["figures"].([]any) {
			fig := f.(map[string]any)
			m[fig["label"].(string)] = int(fig["value"].(float64))
		}
		out[sec["key"].(string)] = m
	}
	return out
}

// TestPrefillAndSnapshot: a review prepared on a fixture organisation holds exactly the numbers of its
// registers, section by section; once approved, changing the data leaves the minutes as they were; the
// next review starts with the previous review's decisions.
func TestPrefillAndSnapshot(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := fixture{areastest.New(t, db), t}
		mgr, owner, aud := f.Accounts[bulwark.RoleManager], f.Accounts[bulwark.RoleOwner], f.Accounts[bulwark.RoleAuditor]
		// Nonconformities: one past its due date, one analysed with an overdue corrective action.
		f.call("POST", "/api/v1/nonconformities", mgr, `{"title":"Visitor log missing","severity":"minor","due_date":"2020-01-31"}`, 201)
		nc := f.call("POST", "/api/v1/nonconformities", mgr, `{"title":"Backups not tested","severity":"major","root_cause_method":"other","root_cause":"No owner"}`, 201)["id"].(string)
		f.call("POST", "/api/v1/nonconformities/"+nc+"/status", mgr, `{"status":"analysed"}`, 200)
		f.call("POST", "/api/v1/nonconformities/"+nc+"/actions", mgr, `{"title":"Quarterly restore test","due_date":"2020-03-01"}`, 201)
		// An audit held today: a minor NC (a third nonconformity) and an observation.
		a := f.call("POST", "/api/v1/audits", mgr, `{"title":"Internal audit","type":"internal","requirement_ids":["iso27001-2022:9.2"],"lead_id":"`+aud.MemberID+`"}`, 201)["id"].(string)
		f.call("POST", "/api/v1/audits/"+a+"/checklist", mgr, `{}`, 200)
		f.call("PATCH", "/api/v1/audits/"+a, aud, `{"status":"in_progress"}`, 200)
		f.call("POST", "/api/v1/findings", aud, `{"audit_id":"`+a+`","checklist_line":1,"classification":"minor_nc","title":"No programme"}`, 201)
		f.call("POST", "/api/v1/findings", aud, `{"audit_id":"`+a+`","classification":"observation","title":"Reports lack trends"}`, 201)
		f.call("PATCH", "/api/v1/audits/"+a, aud, `{"status":"reporting"}`, 200)
		f.call("PATCH", "/api/v1/audits/"+a, aud, `{"status":"closed","conclusion":"Conforms but for the programme."}`, 200)
		// Two risks added, an objective not measured yet, an event reported.
		f.call("POST", "/api/v1/risks", mgr, `{"title":"Ransomware","inherent_likelihood":4,"inherent_impact":5}`, 201)
		f.call("POST", "/api/v1/risks", mgr, `{"title":"Laptop theft","inherent_likelihood":2,"inherent_impact":2}`, 201)
		obj := f.call("POST", "/api/v1/objectives", mgr, `{"title":"Fewer incidents","deadline":"2099-12-31"}`, 201)["id"].(string)
		f.call("POST", "/api/v1/objectives/"+obj+"/metrics", mgr, `{"name":"Incidents a month","unit":"count","target":2,"direction":"decrease"}`, 201)
		f.call("POST", "/api/v1/me/incident-reports", f.Accounts[bulwark.RoleEmployee], `{"title":"Phishing email"}`, 201)
		// The context: two issues (one due for review), one interested party.
		f.call("POST", "/api/v1/context-issues", mgr, `{"title":"New NIS2 obligations","category":"legal","review_date":"2020-01-01"}`, 201)
		f.call("POST", "/api/v1/context-issues", mgr, `{"title":"Move to a cloud EHR","category":"technological"}`, 201)
		f.call("POST", "/api/v1/interested-parties", mgr, `{"name":"Hospital clients","requirements":[{"requirement":"ISO 27001 certificate","addressed":true,"how":"This ISMS"}]}`, 201)

		rv := f.call("POST", "/api/v1/management-reviews", mgr, `{"title":"Management review 2026","held_on":"2026-11-30"}`, 201)
		id := rv["id"].(string)
		if rv["ref"] != "MR-001" || len(rv["sections"].([]any)) != len(reviews.SectionTitles) {
			t.Fatalf("review: %v sections", len(rv["sections"].([]any)))
		}
		got := figures(t, rv)
		want := map[string]map[string]int{
			"previous_actions":   {"Decisions settled": 0, "Decisions still open": 0},
			"context_changes":    {"Issues recorded": 2, "Changed in the last 12 months": 2, "Due for review": 1},
			"interested_parties": {"Interested parties": 1, "Changed in the last 12 months": 1},
			"nonconformities":    {"Open": 3, "Closed in the last 12 months": 0, "Open past their due date without a reason": 1, "Corrective actions overdue": 1},
			"monitoring":         {"Automated checks passing": 0, "Automated checks failing": 0, "Automated checks in error": 0, "Metrics with measurements": 0},
			"audit_results":      {"Audits held in the last 12 months": 1, "Major nonconformities": 0, "Minor nonconformities": 1, "Observations": 1, "Opportunities for improvement": 0},
			"objectives":         {"Objectives": 1, "On track": 0, "Off track": 0, "Achieved": 0, "Not measured yet": 1},
			"feedback":           {"Security events and weaknesses reported in the last 12 months": 1},
			"risks":              {"Live risks": 2, "Treatment actions overdue": 0, "Risks added in the last 12 months": 2, "Risks changed in the last 12 months": 0},
			"improvement":        {"Observations and opportunities raised in the last 12 months": 1},
		}
		for key, figs := range want {
			for label, v := range figs {
				if g, ok := got[key][label]; !ok || g != v {
					t.Errorf("%s / %s: %d (present: %t), want %d", key, label, g, ok, v)
				}
			}
		}
		// The risks section counts by level add up to the live risks.
		sum := 0
		for label, v := range got["risks"] {
			if strings.HasPrefix(label, "Level ") || label == "Not scored" {
				sum += v
			}
		}
		if sum != 2 {
			t.Errorf("risks by level add up to %d: %v", sum, got["risks"])
		}

		// Approval: not by a manager, not without attendees; then by the owner.
		f.call("POST", "/api/v1/management-reviews/"+id+"/approve", mgr, `{}`, 403)
		if txt := f.call("POST", "/api/v1/management-reviews/"+id+"/approve", owner, `{}`, 422)["text"].(string); !strings.Contains(txt, "attendees") {
			t.Errorf("approval refusal: %s", txt)
		}
		f.call("PATCH", "/api/v1/management-reviews/"+id, mgr, fmt.Sprintf(`{"attendees":[{"member_id":%q},{"name":"External adviser"}],"summary":"The ISMS is suitable."}`, owner.MemberID), 200)
		f.call("PUT", "/api/v1/management-reviews/"+id+"/sections/nonconformities/notes", mgr, `{"notes":"Backups are the priority."}`, 200)
		dec := f.call("POST", "/api/v1/management-reviews/"+id+"/decisions", mgr, fmt.Sprintf(`{"title":"Fund a restore-test environment","owner_id":%q,"due_date":"2027-03-31"}`, mgr.MemberID), 201)
		if dec["ref"] != "DEC-001" {
			t.Errorf("decision: %v", dec)
		}
		approved := f.call("POST", "/api/v1/management-reviews/"+id+"/approve", owner, `{}`, 200)
		before, _ := json.Marshal(approved["sections"])

		// The data moves on; the approved minutes do not.
		f.call("POST", "/api/v1/nonconformities", mgr, `{"title":"Another","severity":"minor"}`, 201)
		f.call("POST", "/api/v1/risks", mgr, `{"title":"Flood"}`, 201)
		f.call("PATCH", "/api/v1/management-reviews/"+id, mgr, `{"summary":"changed"}`, 409)
		f.call("PUT", "/api/v1/management-reviews/"+id+"/sections/risks/notes", mgr, `{"notes":"x"}`, 409)
		f.call("POST", "/api/v1/management-reviews/"+id+"/refresh", mgr, `{}`, 409)
		after := f.call("GET", "/api/v1/management-reviews/"+id, mgr, ``, 200)
		if a, _ := json.Marshal(after["sections"]); string(a) != string(before) {
			t.Errorf("the approved minutes changed:\n%s\n%s", before, a)
		}
		// A decision's progress is still recorded after approval, but not its wording.
		f.call("PATCH", "/api/v1/management-reviews/"+id+"/decisions/"+dec["id"].(string), mgr, `{"status":"in_progress"}`, 200)
		f.call("PATCH", "/api/v1/management-reviews/"+id+"/decisions/"+dec["id"].(string), mgr, `{"title":"Something else"}`, 409)

		// The minutes as a PDF hold every section heading, the notes and the decision.
		res := f.Do("GET", "/api/v1/management-reviews/"+id+"/minutes", areastest.Req{Token: mgr.Token})
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/pdf" {
			t.Fatalf("minutes: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
		}
		text := strings.Join(strings.Fields(areastest.PDFText(t, []byte(res.Text))), " ")
		for _, s := range reviews.SectionTitles {
			if !strings.Contains(text, strings.Join(strings.Fields(s.Title), " ")) {
				t.Errorf("the minutes lack the section %q", s.Title)
			}
		}
		for _, w := range []string{"DEC-001", "Fund a restore-test environment", "Backups are the priority.", "External adviser"} {
			if !strings.Contains(text, w) {
				t.Errorf("the minutes lack %q", w)
			}
		}

		// The next review starts with the previous one's decisions and counts since its day.
		next := f.call("POST", "/api/v1/management-reviews", mgr, `{"title":"Next review"}`, 201)
		first := next["sections"].([]any)[0].(map[string]any)
		items := fmt.Sprint(first["items"])
		if first["key"] != "previous_actions" || !strings.Contains(items, "DEC-001") || !strings.Contains(items, "in progress") {
			t.Errorf("the next review's first section: %v", first)
		}
		if g := figures(t, next)["nonconformities"]["Open"]; g != 4 {
			t.Errorf("the next review sees %d open nonconformities, want 4", g)
		}
	})
}

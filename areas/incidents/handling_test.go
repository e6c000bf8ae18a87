package incidents_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/areas/areastest"
	"github.com/bulwark-isms/bulwark/areas/incidents"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
	"github.com/bulwark-isms/bulwark/tabular"
)

func clockOf(t *testing.T, i incidents.Incident, kind string) *incidents.Clock {
	t.Helper()
	for _, c := range i.Clocks {
		if c.Kind == kind {
			return c
		}
	}
	t.Fatalf("%s has no %s clock: %+v", i.Ref, kind, i.Clocks)
	return nil
}

// TestHandlingAndClocks walks an incident from an employee's report to closing: triage by a
// manager, a personal-data breach under GDPR and HIPAA in an organisation in Berlin (awareness
// two days before the autumn change), the deadlines computed from the right timestamps, the
// refusals on the way (going back, closing without lessons or with clocks running, a late
// notification without a reason), the reopen path, and the append-only timeline.
func TestHandlingAndClocks(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		owner, mgr, emp, contrib := f.Accounts[bulwark.RoleOwner].Token, f.Accounts[bulwark.RoleManager].Token, f.Accounts[bulwark.RoleEmployee].Token, f.Accounts[bulwark.RoleContributor].Token
		do := func(method, path, token, body string, status int) *areastest.Resp {
			t.Helper()
			res := f.Do(method, path, areastest.Req{Token: token, JSON: body})
			if res.StatusCode != status {
				t.Fatalf("%s %s: %d, want %d: %s", method, path, res.StatusCode, status, res.Text)
			}
			return res
		}
		do("PATCH", "/api/v1/organisation", owner, `{"time_zone":"Europe/Berlin"}`, 200)

		rep := areastest.Decode[incidents.Incident](t, do("POST", "/api/v1/me/incident-reports", emp,
			`{"title":"Patient export emailed to the wrong clinic","discovered_at":"2026-10-22T16:00:00+02:00"}`, 201))
		path := "/api/v1/incidents/" + rep.ID
		// An employee cannot handle it; a contributor who is not its handler cannot either.
		do("PATCH", path, emp, `{"severity":"high"}`, 403)
		do("PATCH", path, contrib, `{"severity":"high"}`, 403)
		do("PATCH", path, mgr, `{"severity":"extreme"}`, 422)
		do("PATCH", path, mgr, `{"became_aware_at":"2026-10-21T10:00:00+02:00"}`, 422) // before discovery
		tri := areastest.Decode[incidents.Incident](t, do("PATCH", path, mgr, `{"severity":"high","category":"data_disclosure","handler_id":"`+f.Accounts[bulwark.RoleManager].MemberID+`","became_aware_at":"2026-10-23T10:00:00+02:00"}`, 200))
		if tri.Severity != "high" || tri.HandlerID == nil || tri.BecameAwareAt == nil {
			t.Fatalf("triage: %+v", tri)
		}
		do("POST", path+"/status", mgr, `{"status":"triaged"}`, 200)
		do("POST", path+"/status", mgr, `{"status":"reported"}`, 409)

		// No regime in the obligations register and none named: refused, naming the field.
		if res := do("POST", path+"/breach", mgr, `{"personal_data_breach":true}`, 422); !strings.Contains(res.Text, `"field":"regimes"`) {
			t.Errorf("breach without regimes: %s", res.Text)
		}
		br := areastest.Decode[incidents.Incident](t, do("POST", path+"/breach", mgr,
			`{"personal_data_breach":true,"regimes":["gdpr","hipaa"],"individuals_affected":640,"most_in_one_state":501}`, 200))
		berlin, _ := time.LoadLocation("Europe/Berlin")
		want := map[string]string{
			incidents.ClockGDPRAuthority:    "2026-10-26 09:00", // 72 elapsed hours over the change of 25 October: 09:00, not 10:00
			incidents.ClockHIPAAIndividuals: "2026-12-21 16:00", // 60 calendar days from discovery, same wall-clock time
			incidents.ClockHIPAAHHS:         "2026-12-21 16:00", // 500 or more: within the same 60 days
			incidents.ClockHIPAAMedia:       "2026-12-21 16:00",
		}
		for kind, local := range want {
			c := clockOf(t, br, kind)
			if c.DueAt == nil || c.DueAt.In(berlin).Format("2006-01-02 15:04") != local {
				t.Errorf("%s due %v, want %s Berlin", kind, c.DueAt, local)
			}
		}
		if c := clockOf(t, br, incidents.ClockGDPRAuthority); c.State != incidents.ClockOverdue || c.SecondsLeft == nil || *c.SecondsLeft >= 0 || !strings.HasSuffix(c.DueLocal, "CET") {
			t.Errorf("the GDPR clock, past its deadline: %+v", c)
		}
		if c := clockOf(t, br, incidents.ClockGDPRIndividuals); c.State != incidents.ClockAwaitingDecision || c.DueAt != nil {
			t.Errorf("the Art. 34 clock waits for a decision: %+v", c)
		}
		if c := clockOf(t, br, incidents.ClockHIPAAIndividuals); c.State != incidents.ClockRunning && c.State != incidents.ClockOverdue {
			t.Errorf("HIPAA individuals: %+v", c)
		}

		// Fewer people now: HHS moves to the yearly log (60 days after the year ends), the media clock goes.
		br = areastest.Decode[incidents.Incident](t, do("POST", path+"/breach", mgr, `{"personal_data_breach":true,"regimes":["gdpr","hipaa"],"individuals_affected":40,"most_in_one_state":40}`, 200))
		if c := clockOf(t, br, incidents.ClockHIPAAHHS); c.DueAt.In(berlin).Format("2006-01-02 15:04") != "2027-03-02 00:00" || !strings.Contains(c.Label, "yearly log") {
			t.Errorf("HHS yearly log: %+v", c)
		}
		for _, c := range br.Clocks {
			if c.Kind == incidents.ClockHIPAAMedia {
				t.Errorf("the media clock stays with 40 people affected")
			}
		}

		// The dashboard and the handler's tasks count down.
		cookie := f.SignIn(f.Accounts[bulwark.RoleManager].Email)
		if dash := f.Do("GET", "/o/acme-ltd/", areastest.Req{Cookie: cookie}); !strings.Contains(dash.Text, "GDPR Art. 33: notify the supervisory authority") || !strings.Contains(dash.Text, "overdue") {
			t.Errorf("the dashboard shows no GDPR clock")
		}
		tasks := areastest.Decode[map[string]any](t, f.Do("GET", "/api/v1/me/tasks", areastest.Req{Token: mgr}))
		if cl, _ := tasks["incident_clocks"].([]any); len(cl) != 4 {
			t.Errorf("the handler's tasks hold %d clocks: %v", len(cl), tasks["incident_clocks"])
		}

		// Closing needs the lessons (a High incident) and every clock settled.
		if res := do("POST", path+"/status", mgr, `{"status":"closed"}`, 422); !strings.Contains(res.Text, "lessons learned") || !strings.Contains(res.Text, "GDPR Art. 33") {
			t.Errorf("close refusal: %s", res.Text)
		}
		clock := path + "/clocks/" + incidents.ClockGDPRAuthority
		if res := do("PATCH", clock, mgr, `{"notified_at":"2026-10-27T09:00:00+01:00","notified_to":"Berlin DPA"}`, 422); !strings.Contains(res.Text, `"field":"late_reason"`) {
			t.Errorf("late without a reason: %s", res.Text)
		}
		do("PATCH", clock, mgr, `{"notified_at":"2030-01-01T00:00:00Z","notified_to":"Berlin DPA"}`, 422)
		got := areastest.Decode[incidents.Incident](t, do("PATCH", clock, mgr, `{"notified_at":"2026-10-27T09:00:00+01:00","notified_to":"Berlin DPA","reference":"DPA-2026-118","late_reason":"the clinic confirmed the disclosure only on 26 October"}`, 200))
		if c := clockOf(t, got, incidents.ClockGDPRAuthority); c.State != incidents.ClockNotified {
			t.Errorf("notified: %+v", c)
		}
		do("PATCH", path+"/clocks/"+incidents.ClockGDPRIndividuals, mgr, `{"high_risk":false}`, 422) // no reasoning
		do("PATCH", path+"/clocks/"+incidents.ClockHIPAAHHS, mgr, `{"high_risk":false,"decision_reason":"x"}`, 422)
		do("PATCH", path+"/clocks/"+incidents.ClockGDPRIndividuals, mgr, `{"high_risk":false,"decision_reason":"Names and appointment dates only, sent to a clinic bound by confidentiality, which deleted them."}`, 200)
		do("PATCH", path+"/clocks/"+incidents.ClockHIPAAIndividuals, mgr, `{"notified_at":"2026-11-02T12:00:00+01:00","notified_to":"the 40 patients, by letter"}`, 200)
		do("PATCH", path+"/clocks/"+incidents.ClockHIPAAHHS, mgr, `{"not_required_reason":"Logged for the yearly report."}`, 200)
		do("PATCH", path+"/clocks/nothing", mgr, `{"not_required_reason":"x"}`, 404)
		if res := do("POST", path+"/status", mgr, `{"status":"closed"}`, 422); strings.Contains(res.Text, "GDPR") || !strings.Contains(res.Text, "lessons learned") {
			t.Errorf("only the lessons are missing now: %s", res.Text)
		}
		do("PATCH", path, mgr, `{"lessons_learned":"Exports to clinics go through the portal, never email."}`, 200)
		closed := areastest.Decode[incidents.Incident](t, do("POST", path+"/status", mgr, `{"status":"closed"}`, 200))
		if closed.ClosedAt == nil {
			t.Errorf("no closed_at")
		}
		do("PATCH", path, mgr, `{"lessons_learned":""}`, 422) // a closed High incident keeps its lessons
		do("POST", path+"/status", mgr, `{"status":"contained"}`, 422)
		do("POST", path+"/status", mgr, `{"status":"reported","reason":"again"}`, 409)
		reopened := areastest.Decode[incidents.Incident](t, do("POST", path+"/status", mgr, `{"status":"contained","reason":"The clinic found a second file."}`, 200))
		if reopened.Status != "contained" || reopened.ClosedAt != nil {
			t.Errorf("reopen: %+v", reopened)
		}

		// The timeline: every step, in order; a note; entries cannot be changed.
		do("POST", path+"/timeline", mgr, `{"text":"Called the clinic's DPO."}`, 201)
		do("POST", path+"/timeline", mgr, `{"text":"  "}`, 422)
		tl := areastest.Decode[struct{ Items []incidents.Entry }](t, do("GET", path+"/timeline", f.Accounts[bulwark.RoleAuditor].Token, "", 200))
		kinds := []string{}
		for _, e := range tl.Items {
			kinds = append(kinds, e.Kind)
		}
		if len(tl.Items) < 10 || kinds[0] != "status" || kinds[len(kinds)-1] != "note" || !strings.Contains(strings.Join(kinds, ","), "breach,breach") {
			t.Errorf("timeline kinds: %v", kinds)
		}
		if err := db.Write(context.Background(), func(tx *sqlstore.Tx) error {
			_, err := tx.Exec(context.Background(), `UPDATE incident_timeline SET text = 'rewritten' WHERE org_id = ?`, f.Org.ID)
			return err
		}); err == nil {
			t.Errorf("a timeline entry was changed")
		}

		// Not an incident, and its reason.
		other := areastest.Decode[incidents.Incident](t, do("POST", "/api/v1/incidents", contrib, `{"title":"Odd login alert"}`, 201))
		if other.HandlerID == nil || *other.HandlerID != f.Accounts[bulwark.RoleContributor].MemberID {
			t.Errorf("the creator handles what they record: %+v", other.HandlerID)
		}
		do("POST", "/api/v1/incidents/"+other.Ref+"/status", contrib, `{"status":"not_an_incident"}`, 422)
		nai := areastest.Decode[incidents.Incident](t, do("POST", "/api/v1/incidents/"+other.Ref+"/status", contrib, `{"status":"not_an_incident","reason":"The new VPN, tested by IT."}`, 200))
		if nai.NotIncidentReason != "The new VPN, tested by IT." {
			t.Errorf("not an incident: %+v", nai)
		}
		do("POST", "/api/v1/me/incident-reports", emp, `{"title":"x"}`, 201)
		do("POST", "/api/v1/incidents", emp, `{"title":"x"}`, 403)

		// The scale: a level in use stays; a custom scale replaces the default.
		do("PUT", "/api/v1/incident-levels", mgr, `{"levels":[{"key":"minor","label":"Minor"},{"key":"major","label":"Major","requires_lessons":true}]}`, 422)
		do("PUT", "/api/v1/incident-levels", contrib, `{"levels":[{"key":"high","label":"High"}]}`, 403)
		lv := areastest.Decode[struct{ Levels []incidents.Level }](t, do("PUT", "/api/v1/incident-levels", mgr, `{"levels":[{"key":"low","label":"Low"},{"key":"high","label":"High","requires_lessons":true},{"key":"severe","label":"Severe","requires_lessons":true}]}`, 200))
		if len(lv.Levels) != 3 || lv.Levels[2].Rank != 3 {
			t.Errorf("levels: %+v", lv)
		}
		if res := do("PATCH", "/api/v1/incidents/"+other.ID, contrib, `{"severity":"medium"}`, 422); !strings.Contains(res.Text, "low, high, severe") {
			t.Errorf("severity outside the scale: %s", res.Text)
		}

		// A risk raised from the incident, linked to it.
		withRisk := areastest.Decode[incidents.Incident](t, do("POST", path+"/risks", mgr, `{}`, 201))
		if len(withRisk.RiskIDs) != 1 {
			t.Errorf("risk not linked: %+v", withRisk.RiskIDs)
		}
	})
}

// TestRegimesFromObligations: a breach marked without naming regimes takes those of the
// organisation's obligations register.
func TestRegimesFromObligations(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		mgr := f.Accounts[bulwark.RoleManager].Token
		if res := f.Do("POST", "/api/v1/obligation-suggestions/adopt", areastest.Req{Token: mgr, JSON: `{"regime":"hipaa"}`}); res.StatusCode >= 300 {
			t.Fatalf("adopt HIPAA: %d %s", res.StatusCode, res.Text)
		}
		i := areastest.Decode[incidents.Incident](t, f.Do("POST", "/api/v1/incidents", areastest.Req{Token: mgr, JSON: `{"title":"Stolen laptop","discovered_at":"2026-11-30T08:00:00Z"}`}))
		res := f.Do("POST", "/api/v1/incidents/"+i.ID+"/breach", areastest.Req{Token: mgr, JSON: `{"personal_data_breach":true,"individuals_affected":3}`})
		b := areastest.Decode[incidents.Incident](t, res)
		if res.StatusCode != 200 || strings.Join(b.BreachRegimes, ",") != "hipaa" || len(b.Clocks) != 2 {
			t.Errorf("regimes from the register: %d %+v %+v", res.StatusCode, b.BreachRegimes, b.Clocks)
		}
	})
}

// TestIncidentExport: the register as CSV and XLSX, LibreOffice reading the XLSX.
func TestIncidentExport(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		mgr := f.Accounts[bulwark.RoleManager].Token
		i := areastest.Decode[incidents.Incident](t, f.Do("POST", "/api/v1/incidents", areastest.Req{Token: mgr, JSON: `{"title":"=cmd|' /C calc'!A0","severity":"low","discovered_at":"2026-11-30T08:00:00Z"}`}))
		f.Do("POST", "/api/v1/incidents/"+i.ID+"/breach", areastest.Req{Token: mgr, JSON: `{"personal_data_breach":true,"regimes":["gdpr"]}`})
		var fields []tabular.Field
		for _, c := range incidents.ExportColumns {
			fields = append(fields, tabular.Field{Name: c.(string)})
		}
		for _, format := range []string{"csv", "xlsx"} {
			res := f.Do("GET", "/api/v1/incidents/export?format="+format, areastest.Req{Token: f.Accounts[bulwark.RoleAuditor].Token})
			if res.StatusCode != 200 {
				t.Fatalf("%s: %d %s", format, res.StatusCode, res.Text)
			}
			tbl, err := tabular.Read(bytes.NewReader([]byte(res.Text)), "incidents."+format, fields, tabular.Options{})
			if err != nil || len(tbl.Rows) != 1 {
				t.Fatalf("%s: %v %d rows", format, err, len(tbl.Rows))
			}
			row := tbl.Rows[0].Cells
			if row["ref"].Text != "INC-001" || !strings.Contains(row["clocks"].Text, "GDPR Art. 33") || strings.HasPrefix(row["title"].Text, "=") {
				t.Errorf("%s row: ref %q clocks %q title %q", format, row["ref"].Text, row["clocks"].Text, row["title"].Text)
			}
			if format != "xlsx" || db.Dialect != sqlstore.SQLite {
				continue
			}
			dir := t.TempDir()
			xlsx := filepath.Join(dir, "incidents.xlsx")
			if err := os.WriteFile(xlsx, []byte(res.Text), 0o600); err != nil {
				t.Fatal(err)
			}
			lo, err := exec.LookPath("libreoffice")
			if err != nil {
				if os.Getenv("CI") != "" {
					t.Fatal("libreoffice is not installed")
				}
				continue
			}
			cmd := exec.Command(lo, "--headless", "--convert-to", `csv:Text - txt - csv (StarCalc):44,34,76`, "--outdir", dir, xlsx)
			cmd.Env = append(os.Environ(), "HOME="+dir)
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("libreoffice: %v %s", err, b)
			}
			b, err := os.ReadFile(filepath.Join(dir, "incidents.csv"))
			if err != nil {
				t.Fatal(err)
			}
			lines, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
			if err != nil || len(lines) != 2 || lines[0][0] != "ref" || lines[1][0] != "INC-001" {
				t.Errorf("LibreOffice's reading: %v\n%s", err, b)
			}
		}
		if res := f.Do("GET", "/api/v1/incidents/export", areastest.Req{Token: f.Accounts[bulwark.RoleEmployee].Token}); res.StatusCode != 403 {
			t.Errorf("an employee exports: %d", res.StatusCode)
		}
	})
}

// TestRegisterPages: the register is read page by page, newest first, with no incident twice or left out;
// a cursor that is not one is refused, naming it; the page links to the older incidents.
func TestRegisterPages(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		mgr := f.Accounts[bulwark.RoleManager].Token
		for i := range 5 {
			if res := f.Do("POST", "/api/v1/incidents", areastest.Req{Token: mgr, JSON: `{"title":"Event ` + string(rune('A'+i)) + `"}`}); res.StatusCode != 201 {
				t.Fatalf("create: %d %s", res.StatusCode, res.Text)
			}
		}
		type page struct {
			Items      []incidents.Incident `json:"items"`
			NextCursor *string              `json:"next_cursor"`
		}
		var refs []string
		path := "/api/v1/incidents?limit=2"
		for pages := 0; ; pages++ {
			if pages > 5 {
				t.Fatal("the cursor never ends")
			}
			pg := areastest.Decode[page](t, f.Do("GET", path, areastest.Req{Token: mgr}))
			for _, i := range pg.Items {
				refs = append(refs, i.Ref)
			}
			if pg.NextCursor == nil {
				break
			}
			path = "/api/v1/incidents?limit=2&cursor=" + *pg.NextCursor
		}
		if got := strings.Join(refs, " "); got != "INC-005 INC-004 INC-003 INC-002 INC-001" {
			t.Fatalf("pages gave %s", got)
		}
		if res := f.Do("GET", "/api/v1/incidents?cursor=nonsense", areastest.Req{Token: mgr}); res.StatusCode != 422 || !strings.Contains(res.Text, `"field":"cursor"`) {
			t.Fatalf("bad cursor: %d %s", res.StatusCode, res.Text)
		}
		cookie := f.SignIn(f.Accounts[bulwark.RoleManager].Email)
		if res := f.Do("GET", "/o/acme-ltd/incidents?limit=2", areastest.Req{Cookie: cookie}); res.StatusCode != 200 || !strings.Contains(res.Text, "Older incidents") {
			t.Fatalf("the register page: %d, link to older incidents missing", res.StatusCode)
		}
	})
}

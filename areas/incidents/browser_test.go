package incidents_test

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/areas/areastest"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
)

// TestBrowserReportTriageBreach: an employee reports an event from My tasks; the manager opens it from the
// register, rates it High with when it was discovered and when the organisation became aware, moves it to triaged, marks it a
// personal-data breach under GDPR, and sees the Art. 33 countdown on the incident and on the dashboard.
// Every page on the way passes axe's serious and critical rules.
func TestBrowserReportTriageBreach(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		base := f.TS.URL
		axe := areastest.AxeCheck(t)

		// 1. The employee reports it.
		emp := areastest.BrowserWithin(t, 2*time.Minute)
		areastest.BypassCSP(t, emp)
		areastest.SignIn(t, emp, base, f.Accounts[bulwark.RoleEmployee].Email)
		areastest.Do(t, emp, chromedp.Navigate(base+"/o/acme-ltd/tasks"), chromedp.WaitVisible(chromedp.CSS("#report-title")),
			chromedp.SetValue(chromedp.CSS("#report-title"), "Patient list left on the printer"),
			chromedp.SetValue(chromedp.CSS("#report-description"), "About 120 names and dates of birth, printer on floor 2."))
		axe(emp, "my tasks, report form")
		areastest.Submit(t, emp, `form[action$="/incident-reports"] button[type=submit]`, "reported=INC-001")
		if text := areastest.MainText(t, emp); !strings.Contains(text, "recorded as INC-001") {
			t.Fatalf("after reporting:\n%s", text)
		}

		// 2. The manager triages it, and links the printer's log kept as evidence (A.5.28).
		logRes := f.Do("POST", "/api/v1/evidence", areastest.Req{Token: f.Accounts[bulwark.RoleManager].Token,
			JSON: `{"title":"Floor 2 printer job log","note":"Exported from the print server at 09:40."}`})
		if logRes.StatusCode != 201 {
			t.Fatalf("evidence: %d %s", logRes.StatusCode, logRes.Text)
		}
		printerLog := areastest.Decode[map[string]any](t, logRes)["id"].(string)
		ctx := areastest.BrowserWithin(t, 3*time.Minute)
		areastest.BypassCSP(t, ctx)
		areastest.SignIn(t, ctx, base, f.Accounts[bulwark.RoleManager].Email)
		areastest.Do(t, ctx, chromedp.Navigate(base+"/o/acme-ltd/incidents"), chromedp.WaitVisible(chromedp.CSS("table a.ref")))
		axe(ctx, "the incident register")
		areastest.Submit(t, ctx, "table a.ref", "/incidents/")
		discovered, aware := time.Now().UTC().Add(-6*time.Hour).Format("2006-01-02T15:04"), time.Now().UTC().Add(-5*time.Hour).Format("2006-01-02T15:04")
		areastest.Do(t, ctx,
			chromedp.Click(chromedp.CSS("#edit + details summary")),
			chromedp.SetValue(chromedp.CSS("#discovered_at"), discovered),
			chromedp.SetValue(chromedp.CSS("#severity"), "high"),
			chromedp.SetValue(chromedp.CSS("#became_aware_at"), aware),
			chromedp.SetValue(chromedp.CSS("#handler_id"), f.Accounts[bulwark.RoleManager].MemberID),
			chromedp.SendKeys(chromedp.CSS("#pick-q-evidence_ids"), "printer"),
			chromedp.WaitVisible(chromedp.CSS(`#pick-result-evidence_ids-`+printerLog+` button`)))
		areastest.WaitHTMX(t, ctx, `#pick-result-evidence_ids-`+printerLog+` button`)
		areastest.Do(t, ctx,
			chromedp.Click(chromedp.CSS(`#pick-result-evidence_ids-`+printerLog+` button`)),
			chromedp.WaitReady(chromedp.CSS(`#chips-evidence_ids input[value="`+printerLog+`"]:checked`)))
		// The search box keeps what was typed; cleared as one does before saving.
		areastest.Must(t, ctx, chromedp.Evaluate[bool](`(document.querySelector('#pick-q-evidence_ids').value = '', true)`))
		axe(ctx, "the incident, edit form open")
		if dir := os.Getenv("BULWARK_SCREENSHOTS"); dir != "" {
			_ = os.WriteFile(dir+"/"+string(db.Dialect)+"-incident-edit.png", areastest.Must(t, ctx, chromedp.FullScreenshot(100)), 0o644)
		}
		areastest.Submit(t, ctx, `form[action$="/incidents/`+incidentID(t, ctx)+`"] > button[type=submit]`, "done=saved")
		if links := areastest.Must(t, ctx, chromedp.Text(chromedp.CSS("#links + p + p"))); !strings.Contains(links, "E-001 Floor 2 printer job log") {
			t.Errorf("the incident's preserved evidence: %q", links)
		}
		areastest.Do(t, ctx, chromedp.SetValue(chromedp.CSS("#to"), "triaged"))
		areastest.Submit(t, ctx, `form[action$="/status"]:has(#to) button[type=submit]`, "done=status")
		if st := strings.TrimSpace(areastest.Must(t, ctx, chromedp.Text(chromedp.CSS(".facts .badge")))); st != "Triaged" {
			t.Fatalf("status after triage: %q", st)
		}

		// 3. A personal-data breach: the GDPR clocks start from the moment of awareness.
		areastest.Do(t, ctx,
			chromedp.Click(chromedp.CSS("#breach ~ details summary")),
			chromedp.SetValue(chromedp.CSS("#ia"), "120"),
			chromedp.SetValue(chromedp.CSS("#mos"), "120"))
		areastest.Submit(t, ctx, `form[action$="/breach"]:has(#ia) button[type=submit]`, "done=breach")
		clock := areastest.Must(t, ctx, chromedp.Text(chromedp.CSS("#clock-gdpr_authority")))
		if !regexp.MustCompile(`6[67] h \d+ min left`).MatchString(clock) || !strings.Contains(clock, "GDPR Art. 33") {
			t.Errorf("the Art. 33 clock on the incident: %q", clock)
		}
		if art34 := areastest.Must(t, ctx, chromedp.Text(chromedp.CSS("#clock-gdpr_individuals"))); !strings.Contains(art34, "decision needed") {
			t.Errorf("the Art. 34 clock: %q", art34)
		}
		axe(ctx, "the incident, a breach with its clocks")

		// 4. The dashboard counts down.
		areastest.Do(t, ctx, chromedp.Navigate(base+"/o/acme-ltd/"), chromedp.WaitVisible(chromedp.CSS("#incidents-dash")))
		dash := areastest.Must(t, ctx, chromedp.Text(chromedp.CSS("ul.clocks")))
		if !strings.Contains(dash, "INC-001") || !strings.Contains(dash, "GDPR Art. 33: notify the supervisory authority") || !regexp.MustCompile(`6[67] h \d+ min left`).MatchString(dash) {
			t.Errorf("the dashboard's clocks:\n%s", dash)
		}
		axe(ctx, "the dashboard with a running clock")
		if dir := os.Getenv("BULWARK_SCREENSHOTS"); dir != "" {
			_ = os.WriteFile(dir+"/"+string(db.Dialect)+"-dashboard-clock.png", areastest.Must(t, ctx, chromedp.FullScreenshot(100)), 0o644)
		}
	})
}

// incidentID is the id in the incident page's address.
func incidentID(t *testing.T, ctx context.Context) string {
	t.Helper()
	loc := areastest.Must(t, ctx, chromedp.Location())
	id := loc[strings.LastIndex(loc, "/incidents/")+len("/incidents/"):]
	if i := strings.IndexAny(id, "?#"); i >= 0 {
		id = id[:i]
	}
	return id
}

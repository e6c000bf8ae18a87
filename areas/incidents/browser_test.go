package incidents_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
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
		axe := axeCheck(t)

		// 1. The employee reports it.
		emp := areastest.BrowserWithin(t, 2*time.Minute)
		bypassCSP(t, emp)
		signIn(t, emp, base, f.Accounts[bulwark.RoleEmployee].Email)
		areastest.Do(t, emp, chromedp.Navigate(base+"/o/acme-ltd/tasks"), chromedp.WaitVisible(chromedp.CSS("#report-title")),
			chromedp.SetValue(chromedp.CSS("#report-title"), "Patient list left on the printer"),
			chromedp.SetValue(chromedp.CSS("#report-description"), "About 120 names and dates of birth, printer on floor 2."))
		axe(emp, "my tasks, report form")
		submit(t, emp, `form[action$="/incident-reports"] button[type=submit]`, "reported=INC-001")
		if text := mainText(t, emp); !strings.Contains(text, "recorded as INC-001") {
			t.Fatalf("after reporting:\n%s", text)
		}

		// 2. The manager triages it.
		ctx := areastest.BrowserWithin(t, 3*time.Minute)
		bypassCSP(t, ctx)
		signIn(t, ctx, base, f.Accounts[bulwark.RoleManager].Email)
		areastest.Do(t, ctx, chromedp.Navigate(base+"/o/acme-ltd/incidents"), chromedp.WaitVisible(chromedp.CSS("table a.ref")))
		axe(ctx, "the incident register")
		submit(t, ctx, "table a.ref", "/incidents/")
		discovered, aware := time.Now().UTC().Add(-6*time.Hour).Format("2006-01-02T15:04"), time.Now().UTC().Add(-5*time.Hour).Format("2006-01-02T15:04")
		areastest.Do(t, ctx,
			chromedp.Click(chromedp.CSS("#edit + details summary")),
			chromedp.SetValue(chromedp.CSS("#discovered_at"), discovered),
			chromedp.SetValue(chromedp.CSS("#severity"), "high"),
			chromedp.SetValue(chromedp.CSS("#became_aware_at"), aware),
			chromedp.SetValue(chromedp.CSS("#handler_id"), f.Accounts[bulwark.RoleManager].MemberID))
		axe(ctx, "the incident, edit form open")
		submit(t, ctx, `form[action$="/incidents/`+incidentID(t, ctx)+`"] > button[type=submit]`, "done=saved")
		areastest.Do(t, ctx, chromedp.SetValue(chromedp.CSS("#to"), "triaged"))
		submit(t, ctx, `form[action$="/status"]:has(#to) button[type=submit]`, "done=status")
		if st := strings.TrimSpace(areastest.Must(t, ctx, chromedp.Text(chromedp.CSS(".facts .badge")))); st != "Triaged" {
			t.Fatalf("status after triage: %q", st)
		}

		// 3. A personal-data breach: the GDPR clocks start from the moment of awareness.
		areastest.Do(t, ctx,
			chromedp.Click(chromedp.CSS("#breach ~ details summary")),
			chromedp.SetValue(chromedp.CSS("#ia"), "120"),
			chromedp.SetValue(chromedp.CSS("#mos"), "120"))
		submit(t, ctx, `form[action$="/breach"]:has(#ia) button[type=submit]`, "done=breach")
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

func signIn(t *testing.T, ctx context.Context, base, email string) {
	t.Helper()
	areastest.Do(t, ctx,
		chromedp.Navigate(base+"/signin"),
		chromedp.SetValue(chromedp.CSS("#email"), email),
		chromedp.SetValue(chromedp.CSS("#password"), areastest.Password),
		chromedp.Click(chromedp.CSS("main button[type=submit]")))
	areastest.WaitURL(t, ctx, "/o/acme-ltd")
}

// submit clicks sel and waits for the page its form answers with, at an address containing part.
func submit(t *testing.T, ctx context.Context, sel, part string) {
	t.Helper()
	areastest.Must(t, ctx, chromedp.Evaluate[bool](`(window.bwkOldPage = true)`))
	areastest.Do(t, ctx, chromedp.Click(chromedp.CSS(sel)))
	js := `!window.bwkOldPage && document.readyState === 'complete' && location.href.includes(` + strconv.Quote(part) + `)`
	for i := 0; i < 200; i++ {
		if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js)); err == nil && ok {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	t.Fatalf("clicking %s: the page never reached an address containing %q (at %s):\n%s", sel, part, loc, mainText(t, ctx))
}

func mainText(t *testing.T, ctx context.Context) string {
	t.Helper()
	return areastest.Must(t, ctx, chromedp.Text(chromedp.CSS("main")))
}

// bypassCSP lets the test inject axe into the pages the browser loads from now on.
func bypassCSP(t *testing.T, ctx context.Context) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, page.SetBypassCSP, page.SetBypassCSPParams{Enabled: true})
		return err
	})); err != nil {
		t.Fatal(err)
	}
}

// axeCheck returns a check of the page a browser shows with axe-core: a serious or critical violation fails the test.
func axeCheck(t *testing.T) func(ctx context.Context, where string) {
	src, err := os.ReadFile("../../demo/testdata/axe-4.14.1.min.js")
	if err != nil {
		t.Fatal(err)
	}
	return func(ctx context.Context, where string) {
		t.Helper()
		areastest.Must(t, ctx, chromedp.Evaluate[bool](string(src)+";true"))
		found := areastest.Must(t, ctx, chromedp.Evaluate[string](`axe.run(document, {resultTypes: ['violations']}).then(r => JSON.stringify(r.violations))`, chromedp.EvalAwaitPromise))
		var violations []struct {
			ID, Impact, Help string
			Nodes            []struct{ Target []any }
		}
		if err := json.Unmarshal([]byte(found), &violations); err != nil {
			t.Fatal(err)
		}
		for _, v := range violations {
			if v.Impact == "serious" || v.Impact == "critical" {
				var nodes []string
				for _, n := range v.Nodes[:min(3, len(v.Nodes))] {
					nodes = append(nodes, fmt.Sprint(n.Target...))
				}
				t.Errorf("%s: axe %s (%s): %s at %s", where, v.ID, v.Impact, v.Help, strings.Join(nodes, ", "))
			}
		}
	}
}

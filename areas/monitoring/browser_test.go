package monitoring_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/areas/areastest"
	"github.com/bulwark-isms/bulwark/areas/monitoring"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
)

// TestBrowserEvidenceAndCustomCheck: the ISMS manager uploads evidence from a
// control's page and sees the control count it; then writes a check of their
// own, tries it on the last collected facts (failing, then passing), saves it
// and runs it.
func TestBrowserEvidenceAndCustomCheck(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		target := expiringTLS(t)
		f := areastest.New(t, db, allow("127.0.0.1"))
		mgr := f.Accounts[bulwark.RoleManager]
		col := areastest.Decode[monitoring.Collector](t, f.Do("POST", "/api/v1/collectors", areastest.Req{Token: mgr.Token, JSON: `{"kind":"tls","name":"Portal","config":{"target":"` + target + `"}}`}))
		f.Do("POST", "/api/v1/collectors/"+col.ID+"/collect", areastest.Req{Token: mgr.Token, JSON: `{}`})
		ctl := areastest.Decode[areastest.List](t, f.Do("GET", "/api/v1/controls?q=A.8.13", areastest.Req{Token: mgr.Token})).Items[0]["id"].(string)
		file := filepath.Join(t.TempDir(), "restore-test.pdf")
		if err := os.WriteFile(file, []byte("%PDF-1.4\nrestore test, all checksums matched\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		ctx := areastest.Browser(t)
		base := f.TS.URL
		areastest.Do(t, ctx,
			chromedp.Navigate(base+"/signin"),
			chromedp.SetValue(chromedp.CSS("#email"), mgr.Email),
			chromedp.SetValue(chromedp.CSS("#password"), areastest.Password),
			chromedp.Click(chromedp.CSS("main button[type=submit]")),
			chromedp.WaitVisible(chromedp.CSS("#waiting")),
			chromedp.Navigate(base+"/o/acme-ltd/controls/"+ctl),
			chromedp.WaitVisible(chromedp.CSS("#evidence-h")))
		if text := areastest.Must(t, ctx, chromedp.Text(chromedp.CSS("main"))); !strings.Contains(text, "No evidence yet") {
			t.Fatalf("control before: %q", text[strings.Index(text, "Evidence"):])
		}
		areastest.Do(t, ctx,
			chromedp.Click(chromedp.CSS(`a[href*="/evidence/new?control="]`)),
			chromedp.WaitVisible(chromedp.CSS("#file")),
			chromedp.SetValue(chromedp.CSS("#title"), "Backup restore test, Q4"),
			chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{file}),
			chromedp.SetValue(chromedp.CSS("#valid_until"), "2099-03-31"),
			chromedp.Click(chromedp.CSS(`form[action$="/evidence"] button[type=submit]`)))
		areastest.WaitURL(t, ctx, "notice=added")
		if text := areastest.Must(t, ctx, chromedp.Text(chromedp.CSS("main"))); !strings.Contains(text, "restore-test.pdf") || !strings.Contains(text, "A.8.13") {
			t.Fatalf("evidence page: %q", text[:min(500, len(text))])
		}
		areastest.Do(t, ctx, chromedp.Navigate(base+"/o/acme-ltd/controls/"+ctl), chromedp.WaitVisible(chromedp.CSS("#evidence-h")))
		if text := areastest.Must(t, ctx, chromedp.Text(chromedp.CSS("main"))); !strings.Contains(text, "Its evidence is current") || !strings.Contains(text, "Backup restore test, Q4") {
			t.Fatalf("control after: %q", text[strings.Index(text, "Evidence"):])
		}

		// A check of one's own: tried, failing, then passing; saved; run.
		areastest.Do(t, ctx,
			chromedp.Navigate(base+"/o/acme-ltd/checks/new?kind=tls"),
			chromedp.WaitVisible(chromedp.CSS("#rule")),
			chromedp.SetValue(chromedp.CSS("#name"), "Portal certificate has a month left"),
			chromedp.SetValue(chromedp.CSS("#rule"), "resource.days_to_expiry >= 30"),
			chromedp.Click(chromedp.CSS("#try")),
			chromedp.WaitVisible(chromedp.CSS(`#name[value="Portal certificate has a month left"]`)),
			chromedp.WaitVisible(chromedp.CSS("#test-results")))
		if text := areastest.Must(t, ctx, chromedp.Text(chromedp.CSS("#test-results"))); !strings.Contains(text, "0 pass, 1 fail") {
			t.Fatalf("first try: %q", text)
		}
		areastest.Do(t, ctx,
			chromedp.SetValue(chromedp.CSS("#name"), "Portal certificate has a week left"),
			chromedp.SetValue(chromedp.CSS("#rule"), "resource.days_to_expiry >= 7"),
			chromedp.Click(chromedp.CSS("#try")),
			chromedp.WaitVisible(chromedp.CSS(`#name[value="Portal certificate has a week left"]`)), // the page the second try answered
			chromedp.WaitVisible(chromedp.CSS("#test-results")))
		if text := areastest.Must(t, ctx, chromedp.Text(chromedp.CSS("#test-results"))); !strings.Contains(text, "1 pass, 0 fail") {
			t.Fatalf("second try: %q", text)
		}
		areastest.Do(t, ctx, chromedp.Click(chromedp.CSS("#save")))
		areastest.WaitURL(t, ctx, "notice=created")
		areastest.Do(t, ctx, chromedp.Click(chromedp.CSS("#run-now")))
		areastest.WaitURL(t, ctx, "notice=ran")
		if text := areastest.Must(t, ctx, chromedp.Text(chromedp.CSS("main"))); !strings.Contains(text, "Last run: Pass") || !strings.Contains(text, "Portal certificate has a week left") {
			t.Fatalf("after running: %q", text[:min(800, len(text))])
		}
		checks := areastest.Decode[areastest.List](t, f.Do("GET", "/api/v1/checks?kind=tls&status=pass", areastest.Req{Token: mgr.Token}))
		found := false
		for _, c := range checks.Items {
			found = found || c["name"] == "Portal certificate has a week left"
		}
		if !found {
			t.Fatalf("the saved check is not passing: %v", checks.Items)
		}
	})
}

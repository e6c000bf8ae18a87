package risks_test

import (
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/bulwark-isms/bulwark/areas/areastest"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
)

func TestBrowserRiskHeatmapAndSignOff(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		ctx := areastest.Browser(t)
		base := f.TS.URL
		areastest.Do(t, ctx,
			chromedp.Navigate(base+"/signin"),
			chromedp.SetValue(chromedp.CSS("#email"), "contributor@acme.test"),
			chromedp.SetValue(chromedp.CSS("#password"), areastest.Password),
			chromedp.Click(chromedp.CSS("main button[type=submit]")),
			chromedp.WaitVisible(chromedp.CSS(".cards")),
			chromedp.Navigate(base+"/o/acme-ltd/risks/new"),
			chromedp.WaitVisible(chromedp.CSS("#title")),
			chromedp.SetValue(chromedp.CSS("#title"), "Stolen laptop with customer data"),
			chromedp.SetValue(chromedp.CSS("#inherent_likelihood"), "3"),
			chromedp.SetValue(chromedp.CSS("#inherent_impact"), "4"),
			chromedp.SetValue(chromedp.CSS("#treatment"), "mitigate"),
			chromedp.SetValue(chromedp.CSS("#residual_likelihood"), "2"),
			chromedp.SetValue(chromedp.CSS("#residual_impact"), "2"),
			chromedp.Click(chromedp.CSS("#save-risk")),
		)
		areastest.WaitURL(t, ctx, "notice=saved")
		areastest.Do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#inherent-level")))
		if lvl := areastest.Must(t, ctx, chromedp.Text(chromedp.CSS("#inherent-level"))); lvl != "High (12)" {
			t.Fatalf("inherent level shown: %q", lvl)
		}
		// The heat map's cell for likelihood 3 × impact 4 links to the risk.
		areastest.Do(t, ctx,
			chromedp.Navigate(base+"/o/acme-ltd/risks"),
			chromedp.WaitVisible(chromedp.CSS("figure svg")),
		)
		// Follow the link of the cell (likelihood 3, impact 4) as a person clicks it.
		href := areastest.Must(t, ctx, chromedp.AttributeValue(chromedp.CSS(`figure svg a[href*="impact=4"][href*="likelihood=3"]`), "href"))
		if !href.Exists || !strings.Contains(href.Value, "kind=inherent") {
			t.Fatalf("no heat-map cell links to likelihood 3 × impact 4: %+v", href)
		}
		areastest.Do(t, ctx, chromedp.Navigate(base+href.Value), chromedp.WaitVisible(chromedp.CSS("#risk-list tbody tr")))
		rows := areastest.Must(t, ctx, chromedp.Text(chromedp.CSS("#risk-list tbody")))
		if !strings.Contains(rows, "Stolen laptop with customer data") {
			t.Fatalf("the cell's list: %q", rows)
		}
		// Sign it off as its owner, then accept it.
		areastest.Do(t, ctx,
			chromedp.Click(chromedp.CSS("#risk-list tbody a")),
			chromedp.WaitVisible(chromedp.CSS("#sign-off")),
			chromedp.SetValue(chromedp.CSS("#comment"), "Plan approved, residual accepted"),
			chromedp.Click(chromedp.CSS("#sign-off")),
		)
		areastest.WaitURL(t, ctx, "notice=signed")
		areastest.Do(t, ctx,
			chromedp.WaitVisible(chromedp.CSS("#status")),
			chromedp.SetValue(chromedp.CSS("#status"), "accepted"),
			chromedp.Click(chromedp.CSS("#save-risk")),
		)
		areastest.WaitURL(t, ctx, "notice=saved")
		areastest.Do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#risk-status")))
		if st := areastest.Must(t, ctx, chromedp.Text(chromedp.CSS("#risk-status"))); st != "Accepted" {
			t.Fatalf("status after sign-off: %q", st)
		}
		if dir := os.Getenv("BULWARK_SCREENSHOTS"); dir != "" {
			areastest.Do(t, ctx, chromedp.Navigate(base+"/o/acme-ltd/risks"), chromedp.WaitVisible(chromedp.CSS("figure svg")))
			_ = os.WriteFile(dir+"/"+string(db.Dialect)+"-risks.png", areastest.Must(t, ctx, chromedp.FullScreenshot(100)), 0o644)
		}
	})
}

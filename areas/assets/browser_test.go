package assets_test

import (
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/bulwark-isms/bulwark/areas/areastest"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
)

// TestBrowserAssetImport uploads a spreadsheet, adjusts a column mapping, reads the
// preview, confirms, and finds an imported asset by search.
func TestBrowserAssetImport(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		dir := t.TempDir()
		// "Accountable person" is not a header Bulwark knows: the person maps it by hand. The second review
		// date lost its date format and arrives as a spreadsheet number; the preview says how it was read.
		csv := "Northwind asset inventory\nRef,Name,Type,Accountable person,Classification,Review date (YYYY-MM-DD),Tags\n" +
			",Quantum key vault,hardware,manager@acme.test,Restricted,2027-03-31,crypto | vault\n" +
			",Customer portal,software,manager@acme.test,Internal,46507,web\n"
		path := dir + "/inventory.csv"
		if err := os.WriteFile(path, []byte(csv), 0o600); err != nil {
			t.Fatal(err)
		}
		ctx := areastest.Browser(t)
		base := f.TS.URL
		areastest.Do(t, ctx,
			chromedp.Navigate(base+"/signin"),
			chromedp.SetValue(chromedp.CSS("#email"), "manager@acme.test"),
			chromedp.SetValue(chromedp.CSS("#password"), areastest.Password),
			chromedp.Click(chromedp.CSS("main button[type=submit]")),
			chromedp.WaitVisible(chromedp.CSS(".cards")),
			chromedp.Navigate(base+"/o/acme-ltd/import/assets"),
			chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{path}),
			chromedp.Click(chromedp.CSS("#upload")),
		)
		areastest.WaitURL(t, ctx, "/import/assets/")
		areastest.Do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#mapping-form")))
		// Column D is not recognised yet: map it to Owner and check again.
		areastest.Do(t, ctx,
			chromedp.SetValue(chromedp.CSS("#map-3"), "Accountable person=owner_id"),
			chromedp.Click(chromedp.CSS("#recheck")),
		)
		areastest.WaitURL(t, ctx, "map=")
		areastest.Do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#summary")))
		if s := areastest.Must(t, ctx, chromedp.Text(chromedp.CSS("#summary"))); !strings.Contains(s, "2 to create") {
			t.Fatalf("preview summary: %q", s)
		}
		if s := areastest.Must(t, ctx, chromedp.Text(chromedp.CSS("#warnings"))); !strings.Contains(s, "Row 4, Review date (YYYY-MM-DD): 46507 was read as a spreadsheet date number: 2027-04-30") {
			t.Fatalf("preview warnings: %q", s)
		}
		areastest.Do(t, ctx, chromedp.Click(chromedp.CSS("#confirm")))
		areastest.WaitURL(t, ctx, "imported=")
		areastest.Do(t, ctx, chromedp.WaitVisible(chromedp.CSS(".notice")))
		if s := areastest.Must(t, ctx, chromedp.Text(chromedp.CSS(".notice"))); !strings.Contains(s, "2 created") {
			t.Fatalf("after confirm: %q", s)
		}
		// The result is a page of its own: reloading it shows the result again and imports nothing twice.
		areastest.Do(t, ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(".notice")))
		if s := areastest.Must(t, ctx, chromedp.Text(chromedp.CSS(".notice"))); !strings.Contains(s, "2 created") {
			t.Fatalf("after a refresh: %q", s)
		}
		areastest.Do(t, ctx,
			chromedp.Navigate(base+"/o/acme-ltd/assets"),
			chromedp.WaitVisible(chromedp.CSS("#q")),
			chromedp.SetValue(chromedp.CSS("#q"), "quantum"),
			chromedp.Click(chromedp.CSS("#go")),
		)
		// Wait for the search's own page: the unfiltered list shows rows too, and reading it was a flake.
		areastest.WaitURL(t, ctx, "q=quantum")
		areastest.Do(t, ctx, chromedp.WaitVisible(chromedp.CSS("tbody tr")))
		rows := areastest.Must(t, ctx, chromedp.Text(chromedp.CSS("tbody")))
		if !strings.Contains(rows, "Quantum key vault") || strings.Contains(rows, "Customer portal") || !strings.Contains(rows, "Person Manager") {
			t.Fatalf("search result: %q", rows)
		}
		if dir := os.Getenv("BULWARK_SCREENSHOTS"); dir != "" {
			_ = os.WriteFile(dir+"/"+string(db.Dialect)+"-assets.png", areastest.Must(t, ctx, chromedp.FullScreenshot(100)), 0o644)
		}
	})
}

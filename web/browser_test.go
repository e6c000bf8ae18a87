package web_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
	"github.com/bulwark-isms/bulwark/web"
)

// browser starts Debian's chromium headless. Without chromium the test skips,
// except under CI, where that is a failure.
func browser(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium is not installed; under CI browser tests must run (apt-get install chromium)")
		}
		t.Skip("chromium is not installed")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true), chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelB := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(func() { cancelT(); cancelB(); cancelA() })
	if err := chromedp.Do(ctx); err != nil { // start the browser now
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

func must[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	for _, step := range steps {
		var err error
		// A query that starts while a form submission navigates can lose its
		// execution context; the page is fine, so ask again.
		for attempt := 0; attempt < 5; attempt++ {
			if err = chromedp.Do(ctx, step); err == nil || !transient(err) {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestBrowserFirstRunInviteAndRoleChange drives the UI as people do: the first-run
// page with its code, an invitation accepted in a second browser context, and a
// role change.
func TestBrowserFirstRunInviteAndRoleChange(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := &fixture{t: t, db: db}
		f.start(app.Config{BaseURL: "http://bulwark.test"}, web.Config{Version: "test"})
		code, err := f.svc.IssueSetupCode(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		admin := browser(t)
		base := f.ts.URL

		do(t, admin, chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("#code")))
		if loc := must(t, admin, chromedp.Location()); loc != base+"/setup" {
			t.Fatalf("a fresh instance should lead to the setup page, got %s", loc)
		}
		do(t, admin,
			chromedp.SetValue(chromedp.CSS("#code"), "wrong-code"),
			chromedp.SetValue(chromedp.CSS("#org"), "Acme Ltd"),
			chromedp.SetValue(chromedp.CSS("#name"), "Olivia Owner"),
			chromedp.SetValue(chromedp.CSS("#email"), "olivia@acme.test"),
			chromedp.SetValue(chromedp.CSS("#password"), pw),
			chromedp.Click(chromedp.CSS("main button[type=submit]")),
			chromedp.WaitVisible(chromedp.CSS("#code-error")),
		)
		if msg := must(t, admin, chromedp.Text(chromedp.CSS("#code-error"))); !strings.Contains(msg, "setup code") {
			t.Fatalf("wrong code message: %q", msg)
		}
		do(t, admin,
			chromedp.SetValue(chromedp.CSS("#code"), code),
			chromedp.SetValue(chromedp.CSS("#password"), pw),
			chromedp.Click(chromedp.CSS("main button[type=submit]")),
			chromedp.WaitVisible(chromedp.CSS(".cards")),
		)
		if loc := must(t, admin, chromedp.Location()); loc != base+"/o/acme-ltd/" {
			t.Fatalf("after setup: %s", loc)
		}

		// Invite a member; the link is shown on screen.
		do(t, admin,
			chromedp.Navigate(base+"/o/acme-ltd/members"),
			chromedp.SetValue(chromedp.CSS("#invite-email"), "nina@acme.test"),
			chromedp.SetValue(chromedp.CSS("#invite-role"), "employee"),
			chromedp.Click(chromedp.CSS("#invite-send")),
			chromedp.WaitVisible(chromedp.CSS("#new-link")),
		)
		link := strings.TrimSpace(must(t, admin, chromedp.Text(chromedp.CSS("#new-link"))))
		if !strings.HasPrefix(link, base+"/invitations/") {
			t.Fatalf("invitation link %q", link)
		}

		// Accept in a second browser context (its own cookies).
		invitee, cancel := chromedp.NewContext(admin, chromedp.WithNewBrowserContext())
		defer cancel()
		do(t, invitee,
			chromedp.Navigate(link),
			chromedp.WaitVisible(chromedp.CSS("#name")),
			chromedp.SetValue(chromedp.CSS("#name"), "Nina New"),
			chromedp.SetValue(chromedp.CSS("#password"), "nina's own long password"),
			chromedp.Click(chromedp.CSS("main button[type=submit]")),
			chromedp.WaitVisible(chromedp.CSS(".cards")),
		)
		if who := must(t, invitee, chromedp.Text(chromedp.CSS(".topbar form[action='/signout']"))); !strings.Contains(who, "Nina New") || !strings.Contains(who, "Employee") {
			t.Fatalf("invitee's header: %q", who)
		}

		// The owner changes the new member's role.
		m, _, err := f.svc.MemberByEmail(context.Background(), mustOrgID(t, f, "acme-ltd"), "nina@acme.test")
		if err != nil {
			t.Fatal(err)
		}
		do(t, admin,
			chromedp.Navigate(base+"/o/acme-ltd/members"),
			chromedp.WaitVisible(chromedp.CSS("#role-"+m.ID)),
			chromedp.SetValue(chromedp.CSS("#role-"+m.ID), "manager"),
			chromedp.Click(chromedp.CSS("#member-"+m.ID+" form[action$='/role'] button")),
			chromedp.WaitVisible(chromedp.CSS(".notice")),
		)
		if notice := must(t, admin, chromedp.Text(chromedp.CSS(".notice"))); !strings.Contains(notice, "role was changed") {
			t.Fatalf("notice: %q", notice)
		}
		m2, _, _ := f.svc.MemberByEmail(context.Background(), m.OrgID, "nina@acme.test")
		if m2.Role != bulwark.RoleManager {
			t.Fatalf("role is %s", m2.Role)
		}
		do(t, invitee, chromedp.Navigate(base+"/o/acme-ltd/"), chromedp.WaitVisible(chromedp.CSS(".cards")))
		if who := must(t, invitee, chromedp.Text(chromedp.CSS(".topbar form[action='/signout']"))); !strings.Contains(who, "Manager") {
			t.Fatalf("after the role change the invitee sees %q", who)
		}
		if dir := os.Getenv("BULWARK_SCREENSHOTS"); dir != "" { // for people checking the look
			for _, page := range []string{"members", "", "audit-log", "risks", "tokens"} {
				do(t, admin, chromedp.Navigate(base+"/o/acme-ltd/"+page), chromedp.WaitVisible(chromedp.CSS("h1")))
				png := must(t, admin, chromedp.FullScreenshot(100))
				_ = os.WriteFile(dir+"/"+string(db.Dialect)+"-"+strings.ReplaceAll(page+"dashboard", "/", "-")+".png", png, 0o644)
			}
			do(t, invitee, chromedp.EmulateViewport(390, 844), chromedp.Navigate(base+"/o/acme-ltd/"), chromedp.WaitVisible(chromedp.CSS("h1")))
			_ = os.WriteFile(dir+"/"+string(db.Dialect)+"-phone.png", must(t, invitee, chromedp.FullScreenshot(100)), 0o644)
		}
	})
}

// transient reports errors of a query that raced a page load: the node or the
// execution context it looked at was replaced by the new page.
func transient(err error) bool {
	m := err.Error()
	return strings.Contains(m, "Cannot find context") || strings.Contains(m, "Could not find node") || strings.Contains(m, "No node with given id")
}

// waitURL waits until the page's address contains part: the way to know that a
// form submission's redirect has landed, rather than matching the old page.
func waitURL(t *testing.T, ctx context.Context, part string) {
	t.Helper()
	for i := 0; i < 100; i++ {
		loc, err := chromedp.Run(ctx, chromedp.Location())
		if err == nil && strings.Contains(loc, part) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("the page never reached an address containing %q", part)
}

func mustOrgID(t *testing.T, f *fixture, slug string) string {
	o, err := f.svc.OrganisationBySlug(context.Background(), slug)
	if err != nil {
		t.Fatal(err)
	}
	return o.ID
}

// TestBrowserAssetImport uploads a spreadsheet, adjusts a column mapping, reads the
// preview, confirms, and finds an imported asset by search.
func TestBrowserAssetImport(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		dir := t.TempDir()
		// "Asset owner (email)" is not a header Bulwark knows: the person maps it by hand.
		csv := "Northwind asset inventory\nRef,Name,Type,Asset owner (email),Classification,Review date,Tags\n" +
			",Quantum key vault,hardware,manager@acme.test,Restricted,2027-03-31,crypto | vault\n" +
			",Customer portal,software,manager@acme.test,Internal,2027-04-30,web\n"
		path := dir + "/inventory.csv"
		if err := os.WriteFile(path, []byte(csv), 0o600); err != nil {
			t.Fatal(err)
		}
		ctx := browser(t)
		base := f.ts.URL
		do(t, ctx,
			chromedp.Navigate(base+"/signin"),
			chromedp.SetValue(chromedp.CSS("#email"), "manager@acme.test"),
			chromedp.SetValue(chromedp.CSS("#password"), pw),
			chromedp.Click(chromedp.CSS("main button[type=submit]")),
			chromedp.WaitVisible(chromedp.CSS(".cards")),
			chromedp.Navigate(base+"/o/acme-ltd/import/assets"),
			chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{path}),
			chromedp.Click(chromedp.CSS("#upload")),
		)
		waitURL(t, ctx, "/import/assets/")
		do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#mapping-form")))
		// Column D is not recognised yet: map it to Owner and check again.
		do(t, ctx,
			chromedp.SetValue(chromedp.CSS("#map-3"), "Asset owner (email)=owner_id"),
			chromedp.Click(chromedp.CSS("#recheck")),
		)
		waitURL(t, ctx, "map=")
		do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#summary")))
		if s := must(t, ctx, chromedp.Text(chromedp.CSS("#summary"))); !strings.Contains(s, "2 to create") {
			t.Fatalf("preview summary: %q", s)
		}
		do(t, ctx, chromedp.Click(chromedp.CSS("#confirm")))
		waitURL(t, ctx, "/confirm")
		do(t, ctx, chromedp.WaitVisible(chromedp.CSS(".notice")))
		if s := must(t, ctx, chromedp.Text(chromedp.CSS(".notice"))); !strings.Contains(s, "2 created") {
			t.Fatalf("after confirm: %q", s)
		}
		do(t, ctx,
			chromedp.Navigate(base+"/o/acme-ltd/assets"),
			chromedp.SetValue(chromedp.CSS("#q"), "quantum"),
			chromedp.Click(chromedp.CSS("#go")),
			chromedp.WaitVisible(chromedp.CSS("tbody tr")),
		)
		rows := must(t, ctx, chromedp.Text(chromedp.CSS("tbody")))
		if !strings.Contains(rows, "Quantum key vault") || strings.Contains(rows, "Customer portal") || !strings.Contains(rows, "Person Manager") {
			t.Fatalf("search result: %q", rows)
		}
		if dir := os.Getenv("BULWARK_SCREENSHOTS"); dir != "" {
			_ = os.WriteFile(dir+"/"+string(db.Dialect)+"-assets.png", must(t, ctx, chromedp.FullScreenshot(100)), 0o644)
		}
	})
}

// TestBrowserRiskHeatmapAndSignOff creates a risk in the UI, finds it in its
// heat-map cell and signs it off as its owner.
func TestBrowserRiskHeatmapAndSignOff(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		ctx := browser(t)
		base := f.ts.URL
		do(t, ctx,
			chromedp.Navigate(base+"/signin"),
			chromedp.SetValue(chromedp.CSS("#email"), "contributor@acme.test"),
			chromedp.SetValue(chromedp.CSS("#password"), pw),
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
		waitURL(t, ctx, "notice=saved")
		do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#inherent-level")))
		if lvl := must(t, ctx, chromedp.Text(chromedp.CSS("#inherent-level"))); lvl != "High (12)" {
			t.Fatalf("inherent level shown: %q", lvl)
		}
		// The heat map's cell for likelihood 3 × impact 4 links to the risk.
		do(t, ctx,
			chromedp.Navigate(base+"/o/acme-ltd/risks"),
			chromedp.WaitVisible(chromedp.CSS("figure svg")),
		)
		// Follow the link of the cell (likelihood 3, impact 4) as a person clicks it.
		href := must(t, ctx, chromedp.AttributeValue(chromedp.CSS(`figure svg a[href*="impact=4"][href*="likelihood=3"]`), "href"))
		if !href.Exists || !strings.Contains(href.Value, "kind=inherent") {
			t.Fatalf("no heat-map cell links to likelihood 3 × impact 4: %+v", href)
		}
		do(t, ctx, chromedp.Navigate(base+href.Value), chromedp.WaitVisible(chromedp.CSS("#risk-list tbody tr")))
		rows := must(t, ctx, chromedp.Text(chromedp.CSS("#risk-list tbody")))
		if !strings.Contains(rows, "Stolen laptop with customer data") {
			t.Fatalf("the cell's list: %q", rows)
		}
		// Sign it off as its owner, then accept it.
		do(t, ctx,
			chromedp.Click(chromedp.CSS("#risk-list tbody a")),
			chromedp.WaitVisible(chromedp.CSS("#sign-off")),
			chromedp.SetValue(chromedp.CSS("#comment"), "Plan approved, residual accepted"),
			chromedp.Click(chromedp.CSS("#sign-off")),
		)
		waitURL(t, ctx, "notice=signed")
		do(t, ctx,
			chromedp.WaitVisible(chromedp.CSS("#status")),
			chromedp.SetValue(chromedp.CSS("#status"), "accepted"),
			chromedp.Click(chromedp.CSS("#save-risk")),
		)
		waitURL(t, ctx, "notice=saved")
		do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#risk-status")))
		if st := must(t, ctx, chromedp.Text(chromedp.CSS("#risk-status"))); st != "Accepted" {
			t.Fatalf("status after sign-off: %q", st)
		}
		if dir := os.Getenv("BULWARK_SCREENSHOTS"); dir != "" {
			do(t, ctx, chromedp.Navigate(base+"/o/acme-ltd/risks"), chromedp.WaitVisible(chromedp.CSS("figure svg")))
			_ = os.WriteFile(dir+"/"+string(db.Dialect)+"-risks.png", must(t, ctx, chromedp.FullScreenshot(100)), 0o644)
		}
	})
}

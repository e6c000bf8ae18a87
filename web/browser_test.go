package web_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/areas/areastest"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
	"github.com/bulwark-isms/bulwark/web"
)

// TestBrowserFirstRunInviteAndRoleChange drives the UI as people do: the first-run
// page with its code, an invitation accepted in a second browser context, and a
// role change.
func TestBrowserFirstRunInviteAndRoleChange(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.Start(t, db, app.Config{BaseURL: "http://bulwark.test"}, web.Config{Version: "test"})
		code, err := f.Svc.IssueSetupCode(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		admin := areastest.Browser(t)
		base := f.TS.URL

		areastest.Do(t, admin, chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("#code")))
		if loc := areastest.Must(t, admin, chromedp.Location()); loc != base+"/setup" {
			t.Fatalf("a fresh instance should lead to the setup page, got %s", loc)
		}
		areastest.Do(t, admin,
			chromedp.SetValue(chromedp.CSS("#code"), "wrong-code"),
			chromedp.SetValue(chromedp.CSS("#org"), "Acme Ltd"),
			chromedp.SetValue(chromedp.CSS("#name"), "Olivia Owner"),
			chromedp.SetValue(chromedp.CSS("#email"), "olivia@acme.test"),
			chromedp.SetValue(chromedp.CSS("#password"), areastest.Password),
			chromedp.Click(chromedp.CSS("main button[type=submit]")),
			chromedp.WaitVisible(chromedp.CSS("#code-error")),
		)
		if msg := areastest.Must(t, admin, chromedp.Text(chromedp.CSS("#code-error"))); !strings.Contains(msg, "setup code") {
			t.Fatalf("wrong code message: %q", msg)
		}
		areastest.Do(t, admin,
			chromedp.SetValue(chromedp.CSS("#code"), code),
			chromedp.SetValue(chromedp.CSS("#password"), areastest.Password),
			chromedp.Click(chromedp.CSS("main button[type=submit]")),
			chromedp.WaitVisible(chromedp.CSS("#waiting")),
		)
		if loc := areastest.Must(t, admin, chromedp.Location()); loc != base+"/o/acme-ltd/" {
			t.Fatalf("after setup: %s", loc)
		}

		// Invite a member; the link is shown on screen.
		areastest.Do(t, admin,
			chromedp.Navigate(base+"/o/acme-ltd/members"),
			chromedp.SetValue(chromedp.CSS("#invite-email"), "nina@acme.test"),
			chromedp.SetValue(chromedp.CSS("#invite-role"), "employee"),
			chromedp.Click(chromedp.CSS("#invite-send")),
			chromedp.WaitVisible(chromedp.CSS("#new-link")),
		)
		link := strings.TrimSpace(areastest.Must(t, admin, chromedp.Text(chromedp.CSS("#new-link"))))
		if !strings.HasPrefix(link, base+"/invitations/") {
			t.Fatalf("invitation link %q", link)
		}

		// Accept in a second browser context (its own cookies).
		invitee, cancel := chromedp.NewContext(admin, chromedp.WithNewBrowserContext())
		defer cancel()
		areastest.Do(t, invitee,
			chromedp.Navigate(link),
			chromedp.WaitVisible(chromedp.CSS("#name")),
			chromedp.SetValue(chromedp.CSS("#name"), "Nina New"),
			chromedp.SetValue(chromedp.CSS("#password"), "nina's own long password"),
			chromedp.Click(chromedp.CSS("main button[type=submit]")),
			chromedp.WaitVisible(chromedp.CSS("#waiting")),
		)
		if who := areastest.Must(t, invitee, chromedp.Text(chromedp.CSS(".topbar form[action='/signout']"))); !strings.Contains(who, "Nina New") || !strings.Contains(who, "Employee") {
			t.Fatalf("invitee's header: %q", who)
		}

		// The owner changes the new member's role.
		m, _, err := f.Svc.MemberByEmail(context.Background(), mustOrgID(t, f, "acme-ltd"), "nina@acme.test")
		if err != nil {
			t.Fatal(err)
		}
		areastest.Do(t, admin,
			chromedp.Navigate(base+"/o/acme-ltd/members"),
			chromedp.WaitVisible(chromedp.CSS("#role-"+m.ID)),
			chromedp.SetValue(chromedp.CSS("#role-"+m.ID), "manager"),
			chromedp.Click(chromedp.CSS("#member-"+m.ID+" form[action$='/role'] button")),
			chromedp.WaitVisible(chromedp.CSS(".notice")),
		)
		if notice := areastest.Must(t, admin, chromedp.Text(chromedp.CSS(".notice"))); !strings.Contains(notice, "role was changed") {
			t.Fatalf("notice: %q", notice)
		}
		m2, _, _ := f.Svc.MemberByEmail(context.Background(), m.OrgID, "nina@acme.test")
		if m2.Role != bulwark.RoleManager {
			t.Fatalf("role is %s", m2.Role)
		}
		areastest.Do(t, invitee, chromedp.Navigate(base+"/o/acme-ltd/"), chromedp.WaitVisible(chromedp.CSS("#waiting")))
		if who := areastest.Must(t, invitee, chromedp.Text(chromedp.CSS(".topbar form[action='/signout']"))); !strings.Contains(who, "Manager") {
			t.Fatalf("after the role change the invitee sees %q", who)
		}
		if dir := os.Getenv("BULWARK_SCREENSHOTS"); dir != "" { // for people checking the look
			for _, page := range []string{"members", "", "audit-log", "risks", "tokens"} {
				areastest.Do(t, admin, chromedp.Navigate(base+"/o/acme-ltd/"+page), chromedp.WaitVisible(chromedp.CSS("h1")))
				png := areastest.Must(t, admin, chromedp.FullScreenshot(100))
				_ = os.WriteFile(dir+"/"+string(db.Dialect)+"-"+strings.ReplaceAll(page+"dashboard", "/", "-")+".png", png, 0o644)
			}
			areastest.Do(t, invitee, chromedp.EmulateViewport(390, 844), chromedp.Navigate(base+"/o/acme-ltd/"), chromedp.WaitVisible(chromedp.CSS("h1")))
			_ = os.WriteFile(dir+"/"+string(db.Dialect)+"-phone.png", areastest.Must(t, invitee, chromedp.FullScreenshot(100)), 0o644)
		}
	})
}

func mustOrgID(t *testing.T, f *areastest.Fixture, slug string) string {
	o, err := f.Svc.OrganisationBySlug(context.Background(), slug)
	if err != nil {
		t.Fatal(err)
	}
	return o.ID
}

// TestBrowserRiskHeatmapAndSignOff creates a risk in the UI, finds it in its
// heat-map cell and signs it off as its owner.

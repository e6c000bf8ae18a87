package risks_test

import (
	"context"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/areas/areastest"
	"github.com/bulwark-isms/bulwark/areas/risks"
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

// TestBrowserPickerLinksControlsAndAssets links records to a risk with the picker as people do: three
// controls found by typing, a suggested one added in one click, an asset found by a word; then the same
// without JavaScript, by refs typed into the box.
func TestBrowserPickerLinksControlsAndAssets(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		mgr := f.Accounts[bulwark.RoleManager]
		threats := areastest.Decode[struct {
			Items []struct {
				ID       string   `json:"id"`
				Controls []string `json:"controls"`
			}
		}](t, f.Do("GET", "/api/v1/threats", areastest.Req{Token: mgr.Token}))
		threat := threats.Items[0]
		if len(threat.Controls) == 0 {
			t.Fatalf("the first threat suggests no control: %+v", threat)
		}
		rk := areastest.Decode[risks.Risk](t, f.Do("POST", "/api/v1/risks", areastest.Req{Token: mgr.Token, JSON: `{"title":"Patient portal outage","threat_id":"` + threat.ID + `"}`}))
		portal := areastest.Decode[map[string]any](t, f.Do("POST", "/api/v1/assets", areastest.Req{Token: mgr.Token, JSON: `{"name":"Patient portal","type":"software"}`}))
		cs := areastest.Decode[struct {
			Items []struct{ ID, Ref string }
		}](t, f.Do("GET", "/api/v1/controls", areastest.Req{Token: mgr.Token}))
		idOf := map[string]string{}
		for _, c := range cs.Items {
			idOf[c.Ref] = c.ID
		}
		typed := []string{"A.8.13", "A.8.15", "A.5.15"}
		for _, ref := range typed {
			if slices.Contains(threat.Controls, ref) {
				t.Fatalf("%s is suggested already; pick other refs for the test", ref)
			}
		}

		ctx := areastest.Browser(t)
		base := f.TS.URL
		areastest.Do(t, ctx,
			chromedp.Navigate(base+"/signin"),
			chromedp.SetValue(chromedp.CSS("#email"), mgr.Email),
			chromedp.SetValue(chromedp.CSS("#password"), areastest.Password),
			chromedp.Click(chromedp.CSS("main button[type=submit]")),
			chromedp.WaitVisible(chromedp.CSS("#waiting")),
			chromedp.Navigate(base+"/o/acme-ltd/risks/"+rk.ID),
			chromedp.WaitVisible(chromedp.CSS("#pick-q-control_ids")),
		)
		clear := func(sel string) {
			t.Helper()
			areastest.Must(t, ctx, chromedp.Evaluate[bool](`(document.querySelector('`+sel+`').value = '', true)`))
		}
		for _, ref := range typed {
			clear("#pick-q-control_ids")
			areastest.Do(t, ctx,
				chromedp.SendKeys(chromedp.CSS("#pick-q-control_ids"), ref),
				chromedp.WaitVisible(chromedp.CSS(`#pick-result-control_ids-`+idOf[ref]+` button`)))
			areastest.WaitHTMX(t, ctx, `#pick-result-control_ids-`+idOf[ref]+` button`)
			areastest.Do(t, ctx,
				chromedp.Click(chromedp.CSS(`#pick-result-control_ids-`+idOf[ref]+` button`)),
				chromedp.WaitReady(chromedp.CSS(`#chips-control_ids input[value="`+idOf[ref]+`"]:checked`)),
			)
		}
		// A suggestion: one click on its chip.
		suggested := idOf[threat.Controls[0]]
		areastest.Do(t, ctx, chromedp.Click(chromedp.CSS(`.chip-suggested input[value="`+suggested+`"]`)))
		// An asset found by a word of its name.
		areastest.Do(t, ctx,
			chromedp.SendKeys(chromedp.CSS("#pick-q-asset_ids"), "portal"),
			chromedp.WaitVisible(chromedp.CSS(`#pick-result-asset_ids-`+portal["id"].(string)+` button`)))
		areastest.WaitHTMX(t, ctx, `#pick-result-asset_ids-`+portal["id"].(string)+` button`)
		areastest.Do(t, ctx,
			chromedp.Click(chromedp.CSS(`#pick-result-asset_ids-`+portal["id"].(string)+` button`)),
			chromedp.WaitReady(chromedp.CSS(`#chips-asset_ids input[value="`+portal["id"].(string)+`"]:checked`)),
		)
		// The search boxes keep what was typed; clear them as one does before saving.
		clear("#pick-q-control_ids")
		clear("#pick-q-asset_ids")
		areastest.Do(t, ctx, chromedp.Click(chromedp.CSS("#save-risk")))
		areastest.WaitURL(t, ctx, "notice=saved")
		got := areastest.Decode[risks.Risk](t, f.Do("GET", "/api/v1/risks/"+rk.ID, areastest.Req{Token: mgr.Token}))
		for _, ref := range append(typed, threat.Controls[0]) {
			if !slices.Contains(got.ControlIDs, idOf[ref]) {
				t.Errorf("%s not linked: %v", ref, got.ControlIDs)
			}
		}
		if len(got.ControlIDs) != 4 || !slices.Equal(got.AssetIDs, []string{portal["id"].(string)}) {
			t.Errorf("links after the picker: controls %v, assets %v", got.ControlIDs, got.AssetIDs)
		}

		// Without JavaScript: refs typed into the box are added when the form is saved; a word that is no ref
		// is refused by name and nothing is saved.
		cookie := f.SignIn(mgr.Email)
		form := map[string][]string{"title": {"Patient portal outage"}, "version": {strconv.Itoa(got.Version)}, "control_ids": got.ControlIDs,
			"asset_ids": got.AssetIDs, "status": {got.Status}, "pick_q_control_ids": {"A.5.1, teleport"}}
		if res := f.Do("POST", "/o/acme-ltd/risks/"+rk.ID, areastest.Req{Cookie: cookie, Form: form}); res.StatusCode != 422 || !strings.Contains(res.Text, "teleport") {
			t.Errorf("an unknown ref typed: %d", res.StatusCode)
		}
		form["pick_q_control_ids"] = []string{"A.5.1"}
		if res := f.Do("POST", "/o/acme-ltd/risks/"+rk.ID, areastest.Req{Cookie: cookie, Form: form}); res.StatusCode != 303 {
			t.Fatalf("a ref typed: %d %s", res.StatusCode, res.Text)
		}
		if got := areastest.Decode[risks.Risk](t, f.Do("GET", "/api/v1/risks/"+rk.ID, areastest.Req{Token: mgr.Token})); len(got.ControlIDs) != 5 || !slices.Contains(got.ControlIDs, idOf["A.5.1"]) {
			t.Errorf("after typing A.5.1: %v", got.ControlIDs)
		}
	})
}

// TestBrowserApprovalAndAuditLogByPerson follows a risk above the acceptance criteria in the browser: the
// risk owner (an owner of the organisation) signs off, the sign-off does not also count as the approval
// (segregation of duties), the admin finds the approval in "my tasks" and gives it, and the audit log
// filtered to the admin, picked by name, shows it.
func TestBrowserApprovalAndAuditLogByPerson(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		owner, admin := f.Accounts[bulwark.RoleOwner], f.Accounts[bulwark.RoleAdmin]
		rk := areastest.Decode[risks.Risk](t, f.Do("POST", "/api/v1/risks", areastest.Req{Token: owner.Token,
			JSON: `{"title":"Ransomware on the EHR database","owner_id":"` + owner.MemberID + `","inherent_likelihood":5,"inherent_impact":5}`}))
		theirs := areastest.Decode[risks.Risk](t, f.Do("POST", "/api/v1/risks", areastest.Req{Token: owner.Token,
			JSON: `{"title":"Payroll fraud through a changed bank account","owner_id":"` + admin.MemberID + `","inherent_likelihood":4,"inherent_impact":5}`}))
		base := f.TS.URL
		signIn := func(ctx context.Context, email string) {
			areastest.Do(t, ctx,
				chromedp.Navigate(base+"/signin"),
				chromedp.SetValue(chromedp.CSS("#email"), email),
				chromedp.SetValue(chromedp.CSS("#password"), areastest.Password),
				chromedp.Click(chromedp.CSS("main button[type=submit]")),
				chromedp.WaitVisible(chromedp.CSS("#waiting")),
			)
		}
		ctx := areastest.Browser(t)
		signIn(ctx, owner.Email)
		areastest.Do(t, ctx,
			chromedp.Navigate(base+"/o/acme-ltd/risks/"+rk.ID),
			chromedp.WaitVisible(chromedp.CSS("#sign-off")),
			chromedp.Click(chromedp.CSS("#sign-off")),
		)
		areastest.WaitURL(t, ctx, "notice=signed")
		areastest.Do(t, ctx, chromedp.Navigate(base+"/o/acme-ltd/tasks"), chromedp.WaitVisible(chromedp.CSS("h1")))
		// The organisation's owner is asked to approve the admin's risk, never their own.
		if text := areastest.Must(t, ctx, chromedp.Text(chromedp.CSS("main"))); !strings.Contains(text, "waiting for your approval") ||
			!strings.Contains(text, theirs.Ref) || strings.Contains(text, rk.Ref+" ") {
			t.Errorf("the owner's tasks (want %s to approve, not their own %s):\n%s", theirs.Ref, rk.Ref, text)
		}
		so := areastest.Decode[struct{ Items []risks.SignOff }](t, f.Do("GET", "/api/v1/risks/"+rk.ID+"/sign-offs", areastest.Req{Token: owner.Token}))
		if len(so.Items) != 1 || !so.Items[0].AsOwner || so.Items[0].AsApprover {
			t.Fatalf("the risk owner's sign-off: %+v", so.Items)
		}

		other, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
		defer cancel()
		signIn(other, admin.Email)
		areastest.Do(t, other, chromedp.Navigate(base+"/o/acme-ltd/tasks"), chromedp.WaitVisible(chromedp.CSS("h1")))
		if text := areastest.Must(t, other, chromedp.Text(chromedp.CSS("main"))); !strings.Contains(text, "waiting for your approval") || !strings.Contains(text, rk.Ref) {
			t.Fatalf("the admin's tasks:\n%s", text)
		}
		areastest.Do(t, other,
			chromedp.Click(chromedp.CSS(`main a[href$="`+rk.ID+`#sign-off"]`)),
			chromedp.WaitVisible(chromedp.CSS("#sign-off")),
			chromedp.Click(chromedp.CSS("#sign-off")),
		)
		areastest.WaitURL(t, other, "notice=signed")
		// The audit log, filtered to the admin picked from the list by name.
		areastest.Do(t, other,
			chromedp.Navigate(base+"/o/acme-ltd/audit-log"),
			chromedp.WaitVisible(chromedp.CSS("#f-actor")),
		)
		adminName := areastest.Must(t, other, chromedp.Evaluate[string](`[...document.querySelectorAll('#f-actor option')].find(o => o.textContent.includes('Admin')).textContent`))
		areastest.Do(t, other,
			chromedp.SetValue(chromedp.CSS("#f-actor"), areastest.Must(t, other, chromedp.Evaluate[string](`[...document.querySelectorAll('#f-actor option')].find(o => o.textContent.includes('Admin')).value`))),
			chromedp.Click(chromedp.CSS(".filters button[type=submit]")),
		)
		areastest.WaitURL(t, other, "actor=")
		rows := areastest.Must(t, other, chromedp.Text(chromedp.CSS("table.auditlog tbody")))
		if !strings.Contains(rows, "Risk sign off") || !strings.Contains(rows, adminName) || strings.Contains(rows, "Olivia") {
			t.Errorf("the audit log filtered to %s:\n%s", adminName, rows)
		}
	})
}

package controls_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/areas/areastest"
	"github.com/bulwark-isms/bulwark/areas/controls"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
)

// TestBrowserExcludeSubmitApproveDownload: the ISMS manager marks a control not applicable without a reason
// (refused, saying why), then with one, and submits the SoA; the CEO finds it in My tasks, approves it and
// downloads the approved spreadsheet.
func TestBrowserExcludeSubmitApproveDownload(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		mgr := f.Accounts[bulwark.RoleManager]
		ids := controlIDs(t, f, mgr.Token)
		ctx := areastest.Browser(t)
		base := f.TS.URL
		signIn := func(email string) {
			areastest.Do(t, ctx,
				chromedp.Navigate(base+"/signin"),
				chromedp.SetValue(chromedp.CSS("#email"), email),
				chromedp.SetValue(chromedp.CSS("#password"), areastest.Password),
				chromedp.Click(chromedp.CSS("main button[type=submit]")),
				chromedp.WaitVisible(chromedp.CSS("#waiting")))
		}
		signIn(mgr.Email)
		control := base + "/o/acme-ltd/controls/" + ids["A.7.4"]
		areastest.Do(t, ctx,
			chromedp.Navigate(control),
			chromedp.WaitVisible(chromedp.CSS("#status")),
			chromedp.SetValue(chromedp.CSS("#status"), "not_applicable"),
			chromedp.Click(chromedp.CSS("#save-control")),
			chromedp.WaitVisible(chromedp.CSS("#exclusion_justification-error")))
		if msg := areastest.Must(t, ctx, chromedp.Text(chromedp.CSS("#exclusion_justification-error"))); !strings.Contains(msg, "say why the organisation does not need it") {
			t.Fatalf("the refusal says: %q", msg)
		}
		if c := areastest.Decode[controls.Control](t, f.Do("GET", "/api/v1/controls/"+ids["A.7.4"], areastest.Req{Token: mgr.Token})); c.Status != "not_started" {
			t.Fatalf("a refused exclusion was saved: %s", c.Status)
		}
		// The status chosen is still on the form; give the reason and save.
		areastest.Do(t, ctx,
			chromedp.SetValue(chromedp.CSS("#exclusion_justification"), "No premises of our own: staff work from home and a coworking space."),
			chromedp.Click(chromedp.CSS("#save-control")))
		areastest.WaitURL(t, ctx, "saved=1")
		areastest.Do(t, ctx,
			chromedp.Navigate(base+"/o/acme-ltd/soa"),
			chromedp.WaitVisible(chromedp.CSS(`form[action$="/soa/submit"] button`)),
			chromedp.Click(chromedp.CSS(`form[action$="/soa/submit"] button`)))
		areastest.WaitURL(t, ctx, "done=submitted")
		// The owner (the CEO) has it in My tasks, approves it, and downloads revision 1.
		areastest.Do(t, ctx, chromedp.Click(chromedp.CSS(`form[action="/signout"] button`)), chromedp.WaitVisible(chromedp.CSS("#email")))
		signIn("owner@acme.test")
		areastest.Do(t, ctx,
			chromedp.Navigate(base+"/o/acme-ltd/tasks"),
			chromedp.WaitVisible(chromedp.CSS(`main a[href$="/soa"]`)),
			chromedp.Click(chromedp.CSS(`main a[href$="/soa"]`)),
			chromedp.WaitVisible(chromedp.CSS(`form[action$="/soa/approve"] button`)),
			chromedp.Click(chromedp.CSS(`form[action$="/soa/approve"] button`)))
		areastest.WaitURL(t, ctx, "done=approved")
		if text := areastest.Must(t, ctx, chromedp.Text(chromedp.CSS("main"))); !strings.Contains(text, "approved as revision 1") || !strings.Contains(text, "No premises of our own") {
			t.Fatalf("the approved SoA page: %q", text[:min(len(text), 600)])
		}
		got := areastest.Must(t, ctx, chromedp.Evaluate[string](`(async () => {
			const form = document.querySelector('form[action$="/soa/export"]');
			form.querySelector('#format').value = 'xlsx';
			form.querySelector('#revision').value = '1';
			const res = await fetch(form.action, {method: 'POST', body: new URLSearchParams(new FormData(form))});
			const bytes = new Uint8Array(await res.arrayBuffer());
			return res.status + ' ' + res.headers.get('Content-Disposition') + ' ' + String.fromCharCode(bytes[0], bytes[1]);
		})()`, chromedp.EvalAwaitPromise))
		if !strings.HasPrefix(got, "200 attachment; filename=\"soa-acme-ltd-revision-1.xlsx\" PK") {
			t.Fatalf("download: %q", got)
		}
	})
}

package documents_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/areas/areastest"
	"github.com/bulwark-isms/bulwark/areas/documents"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
)

// TestBrowserPublishAcknowledge: the ISMS manager writes a policy from a template
// and submits it, the CEO approves and publishes it and asks everyone; the
// employee finds it in My tasks, reads it and acknowledges; the policy's page
// shows the progress move from 0 to 1 of 1.
func TestBrowserPublishAcknowledge(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		mgr, emp := f.Accounts[bulwark.RoleManager], f.Accounts[bulwark.RoleEmployee]
		f.Do("POST", "/api/v1/people", areastest.Req{Token: mgr.Token, JSON: `{"name":"Eve Employee","email":"` + emp.Email + `"}`})
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
		signOut := func() {
			areastest.Do(t, ctx, chromedp.Click(chromedp.CSS(`form[action="/signout"] button`)), chromedp.WaitVisible(chromedp.CSS("#email")))
		}
		signIn(mgr.Email)
		areastest.Do(t, ctx,
			chromedp.Navigate(base+"/o/acme-ltd/policies/new?template=acceptable-use-policy"),
			chromedp.WaitVisible(chromedp.CSS("#template_id")),
			chromedp.Click(chromedp.CSS(`form[action$="/policies"] button[type=submit]`)))
		areastest.WaitURL(t, ctx, "done=created")
		areastest.Do(t, ctx, chromedp.Click(chromedp.CSS(`form[action$="/steps/submit"] button`)))
		areastest.WaitURL(t, ctx, "done=submit")
		policyURL := strings.Split(areastest.Must(t, ctx, chromedp.Location()), "?")[0]
		signOut()
		signIn("owner@acme.test")
		areastest.Do(t, ctx,
			chromedp.Navigate(base+"/o/acme-ltd/tasks"),
			chromedp.WaitVisible(chromedp.CSS(`main a[href*="/policies/"]`)),
			chromedp.Click(chromedp.CSS(`main a[href*="/policies/"]`)),
			chromedp.WaitVisible(chromedp.CSS(`form[action$="/steps/approve"] button`)),
			chromedp.Click(chromedp.CSS(`form[action$="/steps/approve"] button`)))
		areastest.WaitURL(t, ctx, "done=approve")
		areastest.Do(t, ctx, chromedp.Click(chromedp.CSS(`form[action$="/steps/publish"] button`)))
		areastest.WaitURL(t, ctx, "done=publish")
		areastest.Do(t, ctx, chromedp.Click(chromedp.CSS(`form[action$="/acknowledgement-requests"] button`)))
		areastest.WaitURL(t, ctx, "done=requested")
		areastest.Do(t, ctx, chromedp.Navigate(policyURL), chromedp.WaitVisible(chromedp.CSS("#acks")))
		if text := areastest.Must(t, ctx, chromedp.Text(chromedp.CSS("main"))); !strings.Contains(text, "0 of 1 people asked") {
			t.Fatalf("progress before: %q", text[strings.Index(text, "Acknowledgements"):][:200])
		}
		signOut()
		// The employee: My tasks lists the policy; reading it ends with the button.
		signIn(emp.Email)
		areastest.Do(t, ctx,
			chromedp.Navigate(base+"/o/acme-ltd/tasks"),
			chromedp.WaitVisible(chromedp.CSS(`main a[href*="/library/"]`)),
			chromedp.Click(chromedp.CSS(`main a[href*="/library/"]`)),
			chromedp.WaitVisible(chromedp.CSS(`form[action$="/acknowledge"] button`)),
			chromedp.Click(chromedp.CSS(`form[action$="/acknowledge"] button`)))
		areastest.WaitURL(t, ctx, "done=acknowledged")
		if text := areastest.Must(t, ctx, chromedp.Text(chromedp.CSS("main"))); !strings.Contains(text, "You acknowledged revision 1.0") {
			t.Fatalf("after acknowledging: %q", text[:min(600, len(text))])
		}
		areastest.Do(t, ctx, chromedp.Navigate(base+"/o/acme-ltd/tasks"), chromedp.WaitVisible(chromedp.CSS("#report")))
		if text := areastest.Must(t, ctx, chromedp.Text(chromedp.CSS("main"))); strings.Contains(text, "Policies to read and acknowledge") {
			t.Errorf("the acknowledged policy is still in My tasks")
		}
		signOut()
		signIn(mgr.Email)
		areastest.Do(t, ctx, chromedp.Navigate(policyURL), chromedp.WaitVisible(chromedp.CSS("#acks")))
		if text := areastest.Must(t, ctx, chromedp.Text(chromedp.CSS("main"))); !strings.Contains(text, "1 of 1 people asked") {
			t.Errorf("progress after: %q", text[strings.Index(text, "Acknowledgements"):][:200])
		}
		list := areastest.Decode[struct{ Items []documents.Document }](t, f.Do("GET", "/api/v1/documents", areastest.Req{Token: mgr.Token}))
		if len(list.Items) != 1 || list.Items[0].PublishedRevision == nil {
			t.Errorf("documents: %+v", list.Items)
		}
	})
}

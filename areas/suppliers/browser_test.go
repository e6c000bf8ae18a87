package suppliers_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/areas/areastest"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
)

// TestBrowserQuestionnaireThroughItsLink: the manager sends the security questionnaire from the supplier's page
// and copies the personal link; the supplier contact opens it in a fresh browser that never signed in, saves a
// draft, comes back to find it, answers every question, is refused a "partly" without a comment, then submits; the link then shows the answers read-only,
// and the manager sees the questionnaire submitted with its score. The pages pass axe's serious and critical rules.
func TestBrowserQuestionnaireThroughItsLink(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		base := f.TS.URL
		axe := areastest.AxeCheck(t)
		mgr := f.Accounts[bulwark.RoleManager]
		res := f.Do("POST", "/api/v1/suppliers", areastest.Req{Token: mgr.Token, JSON: `{"name":"MedLink EHR","services":"Patient record integration","data_processed":"special_category","system_access":"privileged","replaceability":"hard"}`})
		sup := areastest.Decode[struct{ ID, Ref string }](t, res)
		if res.StatusCode != 201 {
			t.Fatalf("supplier: %d %s", res.StatusCode, res.Text)
		}

		ctx := areastest.BrowserWithin(t, 3*time.Minute)
		areastest.BypassCSP(t, ctx)
		areastest.SignIn(t, ctx, base, mgr.Email)
		areastest.Do(t, ctx, chromedp.Navigate(base+"/o/acme-ltd/suppliers/"+sup.ID), chromedp.WaitVisible(chromedp.CSS("#questionnaires")),
			chromedp.Click(chromedp.CSS("#questionnaires ~ details summary")),
			chromedp.SetValue(chromedp.CSS("#q-contact_email"), "owen.price@medlink.example"),
			chromedp.SetValue(chromedp.CSS("#q-contact_name"), "Owen Price"))
		axe(ctx, "the supplier, send form open")
		areastest.Do(t, ctx, chromedp.Click(chromedp.CSS(`form[action$="/questionnaires"] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS("#new-link")))
		link := areastest.Must(t, ctx, chromedp.Value(chromedp.CSS("#new-link")))
		if !strings.Contains(link, "/q/") {
			t.Fatalf("the personal link: %q", link)
		}
		path := link[strings.Index(link, "/q/"):]

		// A fresh browser, never signed in.
		sup2 := areastest.BrowserWithin(t, 3*time.Minute)
		areastest.BypassCSP(t, sup2)
		areastest.Do(t, sup2, chromedp.Navigate(base+path), chromedp.WaitVisible(chromedp.CSS("form fieldset")))
		if text := areastest.MainText(t, sup2); !strings.Contains(text, "security questionnaire") || !strings.Contains(text, "MedLink EHR") {
			t.Fatalf("the questionnaire page:\n%s", text)
		}
		axe(sup2, "the questionnaire through its link")
		// A draft with the first answer, found again through the same link.
		areastest.Do(t, sup2, chromedp.Click(chromedp.CSS(`fieldset:first-of-type input[value=yes]`)))
		areastest.Submit(t, sup2, `button[name=action][value=draft]`, "done=draft")
		if !areastest.Must(t, sup2, chromedp.Evaluate[bool](`document.querySelector('fieldset:first-of-type input[value=yes]').checked`)) {
			t.Fatalf("the draft's first answer is not kept")
		}
		// Every question answered, then submitted once.
		areastest.Must(t, sup2, chromedp.Evaluate[bool](`document.querySelectorAll('fieldset').forEach((f, i) => { const v = i % 3 === 2 ? 'partial' : 'yes'; const r = f.querySelector('input[value=' + v + ']'); if (r) r.checked = true }); true`))
		areastest.Do(t, sup2, chromedp.Click(chromedp.CSS(`button[name=action][value=submit]`)))
		areastest.Do(t, sup2, chromedp.WaitVisible(chromedp.CSS("main [role=alert], main .error, main h2")))
		// "Partly" without a comment is refused, naming the question; the answers stay on the page.
		if text := areastest.MainText(t, sup2); !strings.Contains(text, "Q03 needs a comment") {
			t.Fatalf("a partial answer without a comment:\n%s", text)
		}
		areastest.Must(t, sup2, chromedp.Evaluate[bool](`document.querySelectorAll('fieldset').forEach(f => { const r = f.querySelector('input[value=partial]'); if (r && r.checked) f.querySelector('textarea').value = 'Quarterly restore tests; monthly from next quarter.' }); true`))
		areastest.Do(t, sup2, chromedp.Click(chromedp.CSS(`button[name=action][value=submit]`)))
		areastest.Do(t, sup2, chromedp.WaitVisible(chromedp.CSS("main h2")))
		if text := areastest.MainText(t, sup2); !strings.Contains(text, "Already submitted") {
			t.Fatalf("after submitting:\n%s", text)
		}
		// The link no longer takes answers.
		areastest.Do(t, sup2, chromedp.Navigate(base+path), chromedp.WaitVisible(chromedp.CSS("main h2")))
		if n := areastest.Must(t, sup2, chromedp.Evaluate[int](`document.querySelectorAll('button[name=action]').length`)); n != 0 {
			t.Errorf("the submitted link still offers %d buttons", n)
		}
		// The manager sees it submitted, with a score.
		areastest.Do(t, ctx, chromedp.Navigate(base+"/o/acme-ltd/suppliers/"+sup.ID), chromedp.WaitVisible(chromedp.CSS("#questionnaires")))
		row := areastest.Must(t, ctx, chromedp.Text(chromedp.CSS(`#questionnaires ~ .table-wrap tbody`)))
		if !strings.Contains(row, "SQ-001") || !strings.Contains(row, "%") {
			t.Errorf("the questionnaire on the supplier's page: %q", row)
		}
	})
}

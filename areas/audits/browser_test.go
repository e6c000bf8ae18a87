package audits_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/areas/areastest"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
)

// TestBrowserAuditToClosedNonconformity runs an internal audit as people do, by clicking: the manager plans it
// (clauses 9 and 10, the auditor as lead, themselves on the team) and builds its checklist; the lead starts it,
// records a line as nonconforming and raises a minor nonconformity from that line; the manager follows the
// finding to its nonconformity, is refused closing it with what is missing named, then records the correction
// and a five-whys root cause, adds a corrective action and does it, records an effective review and closes it;
// then prepares the management review and finds the nonconformity and the audit in its inputs. Every page on the way passes axe's serious and critical rules.
func TestBrowserAuditToClosedNonconformity(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		mgr, lead := f.Accounts[bulwark.RoleManager], f.Accounts[bulwark.RoleAuditor]
		base := f.TS.URL
		axe := areastest.AxeCheck(t)

		ctx := areastest.BrowserWithin(t, 3*time.Minute)
		areastest.BypassCSP(t, ctx)
		areastest.SignIn(t, ctx, base, mgr.Email)

		// 1. The manager plans the audit.
		areastest.Do(t, ctx,
			chromedp.Navigate(base+"/o/acme-ltd/audits/new"),
			chromedp.WaitVisible(chromedp.CSS("#title")))
		axe(ctx, "plan an audit")
		areastest.Do(t, ctx,
			chromedp.SetValue(chromedp.CSS("#title"), "Internal audit: performance evaluation and improvement"),
			chromedp.Click(chromedp.CSS(`input[name=scope_parts][value="iso27001-2022:9"]`)),
			chromedp.Click(chromedp.CSS(`input[name=scope_parts][value="iso27001-2022:10"]`)),
			chromedp.SetValue(chromedp.CSS("#lead_id"), lead.MemberID),
			chromedp.Click(chromedp.CSS(`input[name=team_ids][value="`+mgr.MemberID+`"]`)))
		areastest.Submit(t, ctx, `form[action="/o/acme-ltd/audits"] button[type=submit]`, "done=created")
		auditURL := areastest.Must(t, ctx, chromedp.Location())
		auditURL = auditURL[:strings.Index(auditURL, "?")]
		text := areastest.MainText(t, ctx)
		for _, want := range []string{"AUD-001", "Internal audit: performance evaluation and improvement", "Person Auditor", "Person Manager"} {
			if !strings.Contains(text, want) {
				t.Fatalf("the planned audit's page lacks %q:\n%s", want, text)
			}
		}

		// 2. The manager builds the checklist; the lead starts the audit, records a line and raises a finding.
		areastest.Submit(t, ctx, `form[action$="/checklist"] button[type=submit]`, "done=checklist")
		if text := areastest.MainText(t, ctx); !strings.Contains(text, "0 of ") || !strings.Contains(text, "lines audited") {
			t.Fatalf("the checklist's progress is not shown:\n%s", text)
		}
		auditor, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
		defer cancel()
		areastest.BypassCSP(t, auditor)
		areastest.SignIn(t, auditor, base, lead.Email)
		areastest.Do(t, auditor, chromedp.Navigate(auditURL), chromedp.WaitVisible(chromedp.CSS("#checklist")))
		areastest.Submit(t, auditor, `#status button[type=submit]`, "done=saved")
		if st := areastest.Must(t, auditor, chromedp.Text(chromedp.CSS(`.steps [aria-current=step]`))); st != "In progress" {
			t.Fatalf("the audit's step after starting it: %q", st)
		}
		areastest.Do(t, auditor,
			chromedp.SetValue(chromedp.CSS("#r1"), "nonconforming"),
			chromedp.SetValue(chromedp.CSS("#n1"), "No audit programme for this year; the last audit was 2023."))
		areastest.Submit(t, auditor, `#line-1 form[action$="/checklist/1"] button[type=submit]`, "done=recorded")
		if text := areastest.Must(t, auditor, chromedp.Text(chromedp.CSS("#line-1"))); !strings.Contains(text, "No audit programme for this year") {
			t.Fatalf("line 1 after recording: %q", text)
		}
		if v := areastest.Must(t, auditor, chromedp.Evaluate[string](`document.querySelector('#r1').value`)); v != "nonconforming" {
			t.Fatalf("line 1's result after recording: %q", v)
		}
		areastest.Do(t, auditor,
			chromedp.Click(chromedp.CSS("#line-1 details summary")),
			chromedp.WaitVisible(chromedp.CSS("#ft1")),
			chromedp.SetValue(chromedp.CSS("#fc1"), "minor_nc"),
			chromedp.SetValue(chromedp.CSS("#ft1"), "No internal audit programme planned"),
			chromedp.SetValue(chromedp.CSS("#fe1"), "Audit folder for the year is empty; interviewed the ISMS manager"))
		axe(auditor, "the audit, recording")
		areastest.Submit(t, auditor, `#line-1 form[action$="/findings"] button[type=submit]`, "done=finding")

		// 3. The finding shows with the nonconformity it opened; the manager follows the link.
		rows := areastest.Must(t, auditor, chromedp.Text(chromedp.CSS(`#findings ~ .table-wrap tbody`)))
		if !strings.Contains(rows, "F-001") || !strings.Contains(rows, "NC-001") || !strings.Contains(rows, "Minor") {
			t.Fatalf("the findings table: %q", rows)
		}
		areastest.Do(t, ctx, chromedp.Navigate(auditURL), chromedp.WaitVisible(chromedp.CSS("#findings")))
		axe(ctx, "the audit, with a finding")
		areastest.Do(t, ctx, chromedp.Click(chromedp.CSS(`#findings ~ .table-wrap a[href*="/nonconformities/"]`)))
		areastest.WaitURL(t, ctx, "/nonconformities/")
		areastest.Do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#status")))
		ncURL := areastest.Must(t, ctx, chromedp.Location())
		if text := areastest.MainText(t, ctx); !strings.Contains(text, "NC-001") || !strings.Contains(text, "No internal audit programme planned") {
			t.Fatalf("the nonconformity's page:\n%s", text)
		}
		axe(ctx, "the nonconformity, open")

		// 4. Closing it now is refused, naming what is missing.
		areastest.Submit(t, ctx, `form[action$="/status"]:has(input[name=status][value=closed]) button[type=submit]`, "/status")
		refusal := areastest.Must(t, ctx, chromedp.Text(chromedp.CSS(`#status + [role=alert]`))) // next to the buttons
		for _, want := range []string{"cannot be closed", "root-cause analysis", "corrective actions", "effectiveness review"} {
			if !strings.Contains(refusal, want) {
				t.Errorf("the refusal to close does not name %q: %q", want, refusal)
			}
		}
		axe(ctx, "the nonconformity, refused")
		if st := statusOf(t, ctx); st != "Open" {
			t.Fatalf("status after the refusal: %q", st)
		}

		// 5. Correction and five whys; analysed; an action, done; actions done; an effective review; closed.
		areastest.Do(t, ctx,
			chromedp.Navigate(ncURL),
			chromedp.WaitVisible(chromedp.CSS("#edit summary")),
			chromedp.Click(chromedp.CSS("#edit summary")),
			chromedp.WaitVisible(chromedp.CSS("#correction-text")),
			chromedp.SetValue(chromedp.CSS("#correction-text"), "Planned this year's internal audit of clauses 4 to 10."),
			chromedp.SetValue(chromedp.CSS("#correction_date"), time.Now().Format("2006-01-02")),
			chromedp.SetValue(chromedp.CSS("#root_cause_method"), "five_whys"),
			chromedp.SetValue(chromedp.CSS("#why0"), "Nobody planned the audit."),
			chromedp.SetValue(chromedp.CSS("#why1"), "The ISMS calendar has no audit date."),
			chromedp.SetValue(chromedp.CSS("#why2"), "The calendar is rebuilt by hand every year."),
			chromedp.SetValue(chromedp.CSS("#root_cause"), "The yearly ISMS calendar has no owner and no template with the audit in it."),
			chromedp.SetValue(chromedp.CSS("#occurs_elsewhere"), "The management review could be missed the same way; it is in the calendar."))
		axe(ctx, "the nonconformity, analysis form")
		areastest.Submit(t, ctx, `#edit form button[type=submit]`, "done=saved")
		if text := areastest.MainText(t, ctx); !strings.Contains(text, "Why? The ISMS calendar has no audit date.") || !strings.Contains(text, "The yearly ISMS calendar has no owner") {
			t.Fatalf("the root cause after saving:\n%s", text)
		}
		areastest.Submit(t, ctx, `form[action$="/status"]:has(input[name=status][value=analysed]) button[type=submit]`, "done=status")
		if st := statusOf(t, ctx); st != "Analysed" {
			t.Fatalf("status after marking it analysed: %q", st)
		}
		areastest.Do(t, ctx,
			chromedp.Click(chromedp.CSS(`details:has(form[action$="/actions"]) > summary`)),
			chromedp.WaitVisible(chromedp.CSS("#a-title")),
			chromedp.SetValue(chromedp.CSS("#a-title"), "Give the ISMS calendar an owner and a template"),
			chromedp.SetValue(chromedp.CSS("#a-owner"), mgr.MemberID),
			chromedp.SetValue(chromedp.CSS("#a-due"), time.Now().AddDate(0, 1, 0).Format("2006-01-02")))
		areastest.Submit(t, ctx, `form[action$="/actions"] button[type=submit]`, "done=action")
		if rows := areastest.Must(t, ctx, chromedp.Text(chromedp.CSS(`#actions ~ .table-wrap tbody`))); !strings.Contains(rows, "ACT-001") || !strings.Contains(rows, "Person Manager") {
			t.Fatalf("the actions after adding one: %q", rows)
		}
		axe(ctx, "the nonconformity, analysed with an action")
		// Its actions are not done yet: marking them done is refused, in words.
		areastest.Submit(t, ctx, `form[action$="/status"]:has(input[name=status][value=actions_done]) button[type=submit]`, "/status")
		if refusal := areastest.Must(t, ctx, chromedp.Text(chromedp.CSS(`#status + [role=alert]`))); !strings.Contains(refusal, "1 corrective action not done yet") || strings.Contains(refusal, "actions_done") {
			t.Errorf("the refusal to mark the actions done: %q", refusal)
		}
		areastest.Do(t, ctx, chromedp.Navigate(ncURL), chromedp.WaitVisible(chromedp.CSS("#actions")))
		areastest.Do(t, ctx, chromedp.SetValue(chromedp.CSS(`#actions ~ .table-wrap select[name=status]`), "done"))
		areastest.Submit(t, ctx, `#actions ~ .table-wrap form button[type=submit]`, "done=action")
		if rows := areastest.Must(t, ctx, chromedp.Text(chromedp.CSS(`#actions ~ .table-wrap tbody`))); !strings.Contains(rows, "Done on") {
			t.Fatalf("the action after setting it done: %q", rows)
		}
		areastest.Submit(t, ctx, `form[action$="/status"]:has(input[name=status][value=actions_done]) button[type=submit]`, "done=status")
		if st := statusOf(t, ctx); st != "Actions done" {
			t.Fatalf("status after marking the actions done: %q", st)
		}
		areastest.Do(t, ctx,
			chromedp.SetValue(chromedp.CSS("#result"), "effective"),
			chromedp.SetValue(chromedp.CSS("#notes"), "The next audit is in the calendar with an owner; nothing missed since."))
		axe(ctx, "the nonconformity, review form")
		areastest.Submit(t, ctx, `form[action$="/reviews"] button[type=submit]`, "done=review")
		if st := statusOf(t, ctx); st != "Verified" {
			t.Fatalf("status after an effective review: %q", st)
		}
		areastest.Submit(t, ctx, `form[action$="/status"]:has(input[name=status][value=closed]) button[type=submit]`, "done=status")
		if st := statusOf(t, ctx); st != "Closed" {
			t.Fatalf("status after closing: %q", st)
		}
		text = areastest.MainText(t, ctx)
		if !strings.Contains(text, "Closed") || !strings.Contains(text, "by Person Manager") || !strings.Contains(text, "Effective") || !strings.Contains(text, "Reopen it: why?") {
			t.Fatalf("the closed nonconformity's page:\n%s", text)
		}
		axe(ctx, "the nonconformity, closed")

		// The management review: preparing one takes the closed nonconformity and the audit into its inputs.
		areastest.Do(t, ctx, chromedp.Navigate(base+"/o/acme-ltd/management-reviews"), chromedp.WaitVisible(chromedp.CSS("#prep")))
		areastest.Submit(t, ctx, "#prep", "done=created")
		ncInputs := areastest.Must(t, ctx, chromedp.Text(chromedp.CSS("#sec-nonconformities")))
		if !strings.Contains(ncInputs, "NC-001") || !strings.Contains(ncInputs, "closed") {
			t.Errorf("the review's nonconformity input:\n%s", ncInputs)
		}
		if audits := areastest.Must(t, ctx, chromedp.Text(chromedp.CSS("#sec-audit_results"))); !strings.Contains(audits, "AUD-001") {
			t.Errorf("the review's audit input:\n%s", audits)
		}
		axe(ctx, "the management review, prepared")

		// The audit log holds each step, the close included.
		areastest.Do(t, ctx, chromedp.Navigate(base+"/o/acme-ltd/audit-log"), chromedp.WaitVisible(chromedp.CSS("table.auditlog tbody")))
		log := areastest.Must(t, ctx, chromedp.Text(chromedp.CSS("table.auditlog tbody")))
		for _, want := range []string{"NC-001", "F-001", "AUD-001", "Nonconformity close"} {
			if !strings.Contains(log, want) {
				t.Errorf("the audit log lacks %q:\n%s", want, log)
			}
		}
		if dir := os.Getenv("BULWARK_SCREENSHOTS"); dir != "" {
			areastest.Do(t, ctx, chromedp.Navigate(ncURL), chromedp.WaitVisible(chromedp.CSS("#status")))
			_ = os.WriteFile(dir+"/"+string(db.Dialect)+"-nonconformity.png", areastest.Must(t, ctx, chromedp.FullScreenshot(100)), 0o644)
		}
	})
}

// statusOf is the nonconformity's status as its page shows it.
func statusOf(t *testing.T, ctx context.Context) string {
	t.Helper()
	return strings.TrimSpace(areastest.Must(t, ctx, chromedp.Text(chromedp.CSS(".facts .badge"))))
}

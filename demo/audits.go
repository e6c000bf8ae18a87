package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/areas"
	"github.com/bulwark-isms/bulwark/areas/audits"
	"github.com/bulwark-isms/bulwark/areas/nonconformities"
	"github.com/bulwark-isms/bulwark/areas/reviews"
)

// auditFindings are what the demo's internal audit found, by the checklist line's requirement.
var auditFindings = []struct {
	ref, classification, title, seen string
}{
	{"A.5.18", "minor_nc", "Leavers' access not removed within one working day", "HR leaver list for Q3 against the directory: 3 of 11 leavers still had active accounts 4–9 days after leaving."},
	{"7.2", "minor_nc", "Competence records missing for two on-call engineers", "Staff files of 6 engineers on the on-call rota: no record of the incident-handling course for 2 of them."},
	{"A.5.30", "observation", "Continuity plan not yet exercised for the patient portal", "Business continuity plan v2.1; exercise log for 2026."},
	{"9.1", "observation", "Metrics reported to management without trend", "Monthly ISMS report, July to September."},
	{"A.5.12", "observation", "Classification labels inconsistent in the shared drive", "Sample of 20 documents in the Finance share: 6 without a label."},
}

// seedAudits holds last quarter's internal audit to the end — checklist recorded, two minor
// nonconformities (one closed after an effective review, one with a corrective action overdue) and
// three observations — and plans next year's programme.
func seedAudits(ctx context.Context, svc *areas.ISMS, manager, auditor *bulwark.Principal) error {
	text := func(s string) *string { return &s }
	day := func(d int) *string { s := time.Now().UTC().AddDate(0, 0, d).Format(time.DateOnly); return &s }
	opt := func(s *string) **string { return &s }
	scope := []string{"iso27001-2022:4", "iso27001-2022:5", "iso27001-2022:6", "iso27001-2022:7", "iso27001-2022:8", "iso27001-2022:9", "iso27001-2022:10"}
	theme5, err := svc.Audits.ThemeRequirements(ctx, "5")
	if err != nil {
		return err
	}
	scope = append(scope, theme5...)
	lead := auditor.MemberID
	fws := []string{"iso27001-2022"}
	team := []string{manager.MemberID}
	a, err := svc.Audits.Create(ctx, manager, audits.Input{Title: text("Internal audit 2026: ISMS clauses and organisational controls"), Type: text("internal"),
		Criteria: text("ISO/IEC 27001:2022 clauses 4–10 and Annex A 5; Northwind's information security policy set"), FrameworkIDs: &fws,
		Scope: text("Head office (Leeds), the patient portal and its hosting, HR and IT service desk processes"), RequirementIDs: &scope,
		PlannedStart: opt(day(-80)), PlannedEnd: opt(day(-76)), LeadID: opt(&lead), TeamIDs: &team})
	if err != nil {
		return fmt.Errorf("demo audit: %w", err)
	}
	if _, err := svc.Audits.GenerateChecklist(ctx, manager, a.ID); err != nil {
		return fmt.Errorf("demo checklist: %w", err)
	}
	if _, err := svc.Audits.Update(ctx, auditor, a.ID, audits.Input{Status: text(audits.StatusInProgress), ActualStart: opt(day(-79))}, nil); err != nil {
		return fmt.Errorf("demo audit start: %w", err)
	}
	full, err := svc.Audits.Audit(ctx, auditor, a.ID)
	if err != nil {
		return err
	}
	findingFor := map[string]int{}
	for i, f := range auditFindings {
		findingFor[f.ref] = i
	}
	lineOf := map[string]int{}
	for _, l := range full.Checklist {
		ref, _, _ := strings.Cut(l.Label, " ")
		result, notes := audits.ResultConforming, ""
		if i, ok := findingFor[ref]; ok {
			lineOf[ref] = l.Line
			result, notes = audits.ResultObservation, auditFindings[i].seen
			if auditFindings[i].classification != "observation" {
				result = audits.ResultNonconforming
			}
		}
		if _, err := svc.Audits.RecordLine(ctx, auditor, a.ID, l.Line, audits.LineInput{Result: &result, Notes: &notes}); err != nil {
			return fmt.Errorf("demo checklist line %d: %w", l.Line, err)
		}
	}
	var ncs []string
	for _, f := range auditFindings {
		line := lineOf[f.ref]
		lp := &line
		fnd, err := svc.Audits.RaiseFinding(ctx, auditor, audits.FindingInput{AuditID: &a.ID, ChecklistLine: &lp, Classification: text(f.classification),
			Title: text(f.title), EvidenceSeen: text(f.seen), RaisedOn: day(-78)})
		if err != nil {
			return fmt.Errorf("demo finding %s: %w", f.ref, err)
		}
		if fnd.NonconformityID != nil {
			ncs = append(ncs, *fnd.NonconformityID)
		}
	}
	if _, err := svc.Audits.Update(ctx, auditor, a.ID, audits.Input{Status: text(audits.StatusReporting)}, nil); err != nil {
		return err
	}
	if _, err := svc.Audits.Update(ctx, auditor, a.ID, audits.Input{Status: text(audits.StatusClosed), ActualEnd: opt(day(-72)),
		Conclusion: text("The ISMS conforms to ISO/IEC 27001 in the areas audited and is effectively maintained, with two minor nonconformities " +
			"(leavers' access, competence records) and three observations. Evidence was well organised; the risk treatment plan is followed.")}, nil); err != nil {
		return fmt.Errorf("demo audit close: %w", err)
	}
	if len(ncs) != 2 {
		return fmt.Errorf("demo audit opened %d nonconformities, want 2", len(ncs))
	}
	// The first nonconformity carried through to closure; the second waits on an overdue action.
	owner := manager.MemberID
	steps := []struct {
		whys              []string
		cause, correction string
		action            string
		due, done         *string
		review            bool
		dueNC             *string
		elsewhere         string
	}{
		{whys: []string{"HR told IT of leavers by email, sometimes days later", "The leaver process had no step for IT", "The process was written before IT moved in-house"},
			cause: "The leaver process has no step that tells IT on the last working day.", correction: "The three accounts were disabled on the day of the audit.",
			action: "Add an IT step to the leaver checklist, triggered by HR's system on the last day", due: day(-50), done: day(-52), review: true, dueNC: day(-20),
			elsewhere: "Contractors leave through the same process: their accounts were checked too, none left active."},
		{whys: []string{"Course completions were kept by the trainer, not in the staff file", "Nobody owns training records for on-call staff"},
			cause: "No owner for the training records of on-call engineers.", correction: "Both engineers booked on the next incident-handling course.",
			action: "Record on-call training in Bulwark's training campaigns and review quarterly", due: day(-10), dueNC: day(20),
			elsewhere: "Checked the security champions' records: complete."},
	}
	for i, id := range ncs {
		s := steps[i]
		method := nonconformities.MethodFiveWhys
		if _, err := svc.NCs.Update(ctx, manager, id, nonconformities.Input{RootCauseMethod: &method, RootCauseWhys: &s.whys, RootCause: &s.cause,
			Correction: &s.correction, CorrectionDate: opt(day(-78)), OccursElsewhere: &s.elsewhere, DueDate: opt(s.dueNC), OwnerID: opt(&owner)}, nil); err != nil {
			return fmt.Errorf("demo nonconformity analysis: %w", err)
		}
		if _, err := svc.NCs.SetStatus(ctx, manager, id, nonconformities.StatusAnalysed, "", nil); err != nil {
			return err
		}
		act, err := svc.NCs.AddAction(ctx, manager, id, nonconformities.ActionInput{Title: &s.action, OwnerID: opt(&owner), DueDate: opt(s.due)})
		if err != nil {
			return fmt.Errorf("demo corrective action: %w", err)
		}
		if s.done == nil {
			continue
		}
		done := nonconformities.ActionDone
		if _, err := svc.NCs.UpdateAction(ctx, manager, id, act.ID, nonconformities.ActionInput{Status: &done, DoneOn: opt(s.done)}, nil); err != nil {
			return err
		}
		if _, err := svc.NCs.SetStatus(ctx, manager, id, nonconformities.StatusActionsDone, "", nil); err != nil {
			return err
		}
		if _, err := svc.NCs.RecordReview(ctx, manager, id, nonconformities.Review{Result: nonconformities.ReviewEffective, ReviewedOn: *day(-25),
			Notes: "All 9 leavers since the change lost their access on their last day."}); err != nil {
			return err
		}
		if _, err := svc.NCs.SetStatus(ctx, manager, id, nonconformities.StatusClosed, "", nil); err != nil {
			return fmt.Errorf("demo nonconformity close: %w", err)
		}
	}
	// Next year's programme: the rest of Annex A internally, and the certification body's surveillance visit.
	next := time.Now().UTC().Year() + 1
	var rest []string
	for _, theme := range []string{"6", "7", "8"} {
		ids, err := svc.Audits.ThemeRequirements(ctx, theme)
		if err != nil {
			return err
		}
		rest = append(rest, ids...)
	}
	rest = append(rest, "iso27001-2022:9", "iso27001-2022:10")
	for _, plan := range []audits.Input{
		{Title: text(fmt.Sprintf("Internal audit %d: people, physical and technological controls", next)), Type: text("internal"), FrameworkIDs: &fws,
			Criteria: text("ISO/IEC 27001:2022 Annex A 6–8, clauses 9 and 10"), RequirementIDs: &rest, LeadID: opt(&lead),
			PlannedStart: opt(text(fmt.Sprintf("%d-03-09", next))), PlannedEnd: opt(text(fmt.Sprintf("%d-03-13", next)))},
		{Title: text(fmt.Sprintf("Surveillance audit %d (certification body)", next)), Type: text("surveillance"), FrameworkIDs: &fws,
			Criteria: text("ISO/IEC 27001:2022"), RequirementIDs: &scope, LeadExternal: text("Certification body's lead auditor"),
			PlannedStart: opt(text(fmt.Sprintf("%d-06-15", next))), PlannedEnd: opt(text(fmt.Sprintf("%d-06-16", next)))},
	} {
		if _, err := svc.Audits.Create(ctx, manager, plan); err != nil {
			return fmt.Errorf("demo audit plan: %w", err)
		}
	}
	return nil
}

// seedManagementReview holds this year's management review after the internal audit: its inputs taken
// from the registers, the discussion on a few of them, two decisions, and the minutes approved by the CEO.
func seedManagementReview(ctx context.Context, svc *areas.ISMS, manager, ceo, admin *bulwark.Principal) error {
	text := func(s string) *string { return &s }
	held := time.Now().UTC().AddDate(0, 0, -20).Format(time.DateOnly)
	hp := &held
	rv, err := svc.Reviews.Create(ctx, manager, reviews.Input{Title: text("Management review " + held[:4]), HeldOn: &hp,
		Attendees: &[]reviews.Attendee{{MemberID: &ceo.MemberID}, {MemberID: &manager.MemberID}, {MemberID: &admin.MemberID}, {Name: "Dr Helen Marsh, clinical director"}},
		Summary: text("The ISMS is suitable and adequate for the patient portal and head office, and effective with two exceptions the internal audit found. " +
			"Leavers' access is the priority until the new process shows it works; the continuity plan is to be exercised before the surveillance audit.")})
	if err != nil {
		return fmt.Errorf("demo management review: %w", err)
	}
	for key, notes := range map[string]string{
		reviews.SecNonconformities: "NC-001 closed after an effective review; NC-002's corrective action is late because the course was cancelled — rebooked for next month.",
		reviews.SecAudits:          "The internal audit covered every clause and Annex A 5. Lena Fischer's report was presented; no major nonconformity.",
		reviews.SecObjectives:      "The leavers' objective is off track: the same cause as NC-001. Keep the target; review again in three months.",
		reviews.SecRisks:           "Ransomware remains the highest risk; the immutable backup project is on plan.",
	} {
		if _, err := svc.Reviews.SetNotes(ctx, manager, rv.ID, key, notes); err != nil {
			return err
		}
	}
	for _, d := range []struct {
		title string
		owner *bulwark.Principal
		days  int
	}{
		{"Exercise the business continuity plan for the patient portal", manager, 60},
		{"Fund a second on-call engineer for the incident-handling course", admin, 30},
	} {
		due := time.Now().UTC().AddDate(0, 0, d.days).Format(time.DateOnly)
		dp, op := &due, &d.owner.MemberID
		if _, err := svc.Reviews.AddDecision(ctx, manager, rv.ID, reviews.DecisionInput{Title: &d.title, OwnerID: &op, DueDate: &dp}); err != nil {
			return fmt.Errorf("demo review decision: %w", err)
		}
	}
	if _, err := svc.Reviews.Approve(ctx, ceo, rv.ID, nil); err != nil {
		return fmt.Errorf("demo review approval: %w", err)
	}
	return nil
}

// Package reviews is management review (9.3): top management's review of the ISMS,
// prepared from a snapshot of every register the standard names as an input, with
// attendees, the discussion per input and decisions that become actions. Once an
// owner or admin approves the minutes they no longer change, whatever the data does.
package reviews

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/areas/audits"
	"github.com/bulwark-isms/bulwark/areas/incidents"
	"github.com/bulwark-isms/bulwark/areas/monitoring"
	"github.com/bulwark-isms/bulwark/areas/nonconformities"
	"github.com/bulwark-isms/bulwark/areas/objectives"
	"github.com/bulwark-isms/bulwark/areas/risks"
	"github.com/bulwark-isms/bulwark/areas/scope"
	"github.com/bulwark-isms/bulwark/sqlstore"
)

// Sources are the areas a review reads its inputs from.
type Sources struct {
	NCs        *nonconformities.Service
	Audits     *audits.Service
	Objectives *objectives.Service
	Monitoring *monitoring.Service
	Incidents  *incidents.Service
}

// Service is the management review's operations.
type Service struct {
	*app.Service
	src Sources
}

// New returns the area's service over the kernel's, reading inputs from src.
func New(k *app.Service, src Sources) *Service {
	k.AddDue(app.DueFromQuery("review_decision", "/management-reviews/%s", `SELECT d.owner_id, d.review_id, d.ref, d.title, d.due_date
		FROM review_decisions d WHERE d.org_id = ? AND d.status IN ('open', 'in_progress') AND d.owner_id IS NOT NULL AND d.due_date <= ?`))
	return &Service{Service: k, src: src}
}

func today(p *bulwark.Principal) string { return bulwark.Today(time.Now(), p.Org.Settings.TimeZone) }

// Gather reads every input of 9.3.2 as the registers stand now, for p's organisation.
func (s *Service) Gather(ctx context.Context, p *bulwark.Principal) (Inputs, error) {
	in := Inputs{TakenAt: time.Now().UTC().Truncate(time.Second), RiskByLevel: map[string]int{}}
	day := today(p)
	err := s.DB.View(ctx, func(tx *sqlstore.Tx) error {
		var last string
		err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(held_on), '') FROM management_reviews WHERE org_id = ? AND status = 'approved'`, p.Org.ID).Scan(&last)
		if err != nil {
			return fmt.Errorf("previous review: %w", err)
		}
		in.Since = last
		// Decisions still open from any review, and every decision of the previous one.
		in.PreviousDecisions, err = decisions(ctx, tx, p.Org.ID, `AND r.status = 'approved' AND (d.status IN ('open', 'in_progress') OR r.held_on = ?)`, last)
		if err != nil {
			return err
		}
		markOverdue(in.PreviousDecisions, day)
		rf, err := risks.ReviewFiguresOf(ctx, tx, p.Org.ID, in.sinceDay(day), day)
		if err != nil {
			return err
		}
		in.RiskLevels, in.RiskByLevel, in.Risks, in.RisksAbove, in.TreatmentOverdue, in.RisksNew, in.RisksChanged =
			rf.Levels, rf.ByLevel, rf.Live, rf.AboveCriteria, rf.ActionsOverdue, rf.CreatedSince, rf.ChangedSince
		c, err := nonconformities.CountsOf(ctx, tx, p.Org.ID)
		if err != nil {
			return err
		}
		in.NCOpen, in.NCPastDue, in.NCActionsOverdue = c.Open, c.OpenPastDue, c.ActionsOverdue
		cx, err := scope.ChangesSince(ctx, tx, p.Org.ID, dayStart(in.sinceDay(day)), day)
		if err != nil {
			return err
		}
		in.ContextIssues, in.ContextReviewDue, in.ContextChanged, in.Parties, in.PartiesChanged = cx.Issues, cx.IssuesReviewDue, cx.IssuesChanged, cx.Parties, cx.PartiesChanged
		return tx.QueryRow(ctx, `SELECT COUNT(*) FROM nonconformities WHERE org_id = ? AND status = 'closed' AND closed_at >= ?`,
			p.Org.ID, dayStart(in.sinceDay(day))).Scan(&in.NCClosedSince)
	})
	if err != nil {
		return in, err
	}
	since := in.sinceDay(day)
	// Every open nonconformity, then those closed in the period: management sees what was resolved too.
	ncs, err := s.src.NCs.List(ctx, p, nonconformities.Filter{})
	if err != nil {
		return in, err
	}
	var closed []string
	for _, n := range ncs {
		if n.Status == nonconformities.StatusClosed {
			if n.ClosedAt != nil && !n.ClosedAt.Before(dayStart(since)) {
				closed = append(closed, n.Ref+" "+n.Title+" ("+n.Severity+", closed "+n.ClosedAt.UTC().Format(time.DateOnly)+")")
			}
			continue
		}
		line := n.Ref + " " + n.Title + " (" + n.Severity + ", " + strings.ReplaceAll(n.Status, "_", " ") + ")"
		if n.Overdue {
			line += ", past its due date"
		}
		in.NCOpenList = append(in.NCOpenList, line)
	}
	in.NCOpenList = append(in.NCOpenList, closed...)
	checks, err := s.src.Monitoring.Checks(ctx, p, monitoring.CheckFilter{})
	if err != nil {
		return in, err
	}
	for _, c := range checks {
		if !c.Enabled {
			continue
		}
		switch c.Status {
		case "pass":
			in.ChecksPassing++
		case "fail":
			in.ChecksFailing++
			in.FailingChecks = append(in.FailingChecks, c.Ref+" "+c.Name)
		case "error":
			in.ChecksError++
		}
	}
	auds, err := s.src.Audits.Audits(ctx, p, 0)
	if err != nil {
		return in, err
	}
	var held []string
	for _, a := range auds {
		when := bulwark.Value(a.ActualEnd)
		if when == "" {
			when = bulwark.Value(a.ActualStart)
		}
		if a.Status == audits.StatusPlanned || when == "" || when < since {
			continue
		}
		held = append(held, a.ID)
		in.Audits = append(in.Audits, fmt.Sprintf("%s %s (%s, %s): %d findings", a.Ref, a.Title, strings.ReplaceAll(a.Status, "_", " "), when, a.Findings))
	}
	fs, err := s.src.Audits.Findings(ctx, p, audits.FindingFilter{})
	if err != nil {
		return in, err
	}
	for _, f := range fs {
		if f.AuditID != nil && slices.Contains(held, *f.AuditID) {
			switch f.Classification {
			case "major_nc":
				in.FindingsMajor++
			case "minor_nc":
				in.FindingsMinor++
			case "observation":
				in.FindingsObs++
			case "ofi":
				in.FindingsOFI++
			}
		}
		if (f.Classification == "observation" || f.Classification == "ofi") && f.RaisedOn >= since {
			in.Improvements = append(in.Improvements, f.Ref+" "+f.Title+" ("+strings.ReplaceAll(f.Classification, "ofi", "opportunity for improvement")+")")
		}
	}
	ov, err := s.src.Objectives.Objectives(ctx, p, objectives.Filter{})
	if err != nil {
		return in, err
	}
	for _, o := range ov {
		in.Objectives++
		switch o.Status {
		case objectives.StatusOffTrack:
			in.ObjOffTrack++
			line := o.Ref + " " + o.Title
			if o.StatusReason != "" {
				line += ": " + o.StatusReason
			}
			in.OffTrack = append(in.OffTrack, line)
		case objectives.StatusAchieved:
			in.ObjAchieved++
		case objectives.StatusNoData:
			in.ObjNoData++
		default:
			in.ObjOnTrack++
		}
		for _, m := range o.Metrics {
			if m.Latest != nil {
				in.MetricsMeasured++
			}
		}
	}
	n, err := s.src.Incidents.ReportedSince(ctx, p, since)
	if err != nil {
		return in, err
	}
	in.IncidentReports = n
	return in, nil
}

// sinceDay is the first day the review looks back to: the previous review's day, or a year ago.
func (in Inputs) sinceDay(today string) string {
	if in.Since != "" {
		return in.Since
	}
	t, err := time.Parse(time.DateOnly, today)
	if err != nil {
		return today
	}
	return t.AddDate(-1, 0, 0).Format(time.DateOnly)
}

func dayStart(day string) time.Time {
	t, _ := time.Parse(time.DateOnly, day)
	return t
}

// Input is what people set on a review; nil fields stay as they are.
type Input struct {
	Title, Summary *string
	HeldOn         **string
	Attendees      *[]Attendee
}

func (in Input) apply(r *Review) bulwark.Changes {
	ch := bulwark.Changes{}
	if in.Title != nil {
		t := strings.TrimSpace(*in.Title)
		app.Set(ch, "title", &r.Title, &t)
	}
	if in.Summary != nil {
		t := strings.TrimSpace(strings.ReplaceAll(*in.Summary, "\r\n", "\n"))
		app.Set(ch, "summary", &r.Summary, &t)
	}
	if in.HeldOn != nil {
		v := *in.HeldOn
		if v != nil && strings.TrimSpace(*v) == "" {
			v = nil
		}
		app.SetOpt(ch, "held_on", &r.HeldOn, &v)
	}
	if in.Attendees != nil {
		var as []Attendee
		for _, a := range *in.Attendees {
			a.Name = strings.TrimSpace(a.Name)
			if a.MemberID != nil && strings.TrimSpace(*a.MemberID) == "" {
				a.MemberID = nil
			}
			if a.MemberID == nil && a.Name == "" {
				continue
			}
			as = append(as, a)
		}
		if as == nil {
			as = []Attendee{}
		}
		if fmt.Sprint(as) != fmt.Sprint(r.Attendees) {
			ch["attendees"] = bulwark.Change{Before: len(r.Attendees), After: len(as)}
			r.Attendees = as
		}
	}
	return ch
}

func (s *Service) check(ctx context.Context, tx *sqlstore.Tx, orgID string, r *Review) error {
	if err := r.Validate(); err != nil {
		return err
	}
	for _, a := range r.Attendees {
		if err := app.CheckMember(ctx, tx, orgID, "attendees", a.MemberID); err != nil {
			return err
		}
	}
	return nil
}

// List reads the reviews, newest first.
func (s *Service) List(ctx context.Context, p *bulwark.Principal) ([]*Review, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var out []*Review
	err := s.DB.View(ctx, func(tx *sqlstore.Tx) error {
		var err error
		out, err = listReviews(ctx, tx, p.Org.ID)
		return err
	})
	return out, err
}

// Get reads one review with its inputs, attendees and decisions.
func (s *Service) Get(ctx context.Context, p *bulwark.Principal, id string) (*Review, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var out *Review
	err := s.DB.View(ctx, func(tx *sqlstore.Tx) error {
		var err error
		out, err = getReview(ctx, tx, p.Org.ID, id)
		return err
	})
	if err == nil {
		markOverdue(out.Decisions, today(p))
	}
	return out, err
}

// Create prepares a management review: its agenda holds one section per input of 9.3.2, filled from
// the registers as they stand now.
func (s *Service) Create(ctx context.Context, p *bulwark.Principal, in Input) (*Review, error) {
	if err := app.Require(p, bulwark.PermISMSCreate); err != nil {
		return nil, err
	}
	inputs, err := s.Gather(ctx, p)
	if err != nil {
		return nil, err
	}
	r := &Review{Status: StatusDraft, Attendees: []Attendee{}, Sections: BuildSections(inputs), Decisions: []*Decision{}, InputsAt: inputs.TakenAt}
	ch := in.apply(r)
	ch["inputs"] = bulwark.Added(len(r.Sections))
	err = s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
		if err := s.check(ctx, tx, p.Org.ID, r); err != nil {
			return err
		}
		if err := insertReview(ctx, tx, p.Org.ID, r); err != nil {
			return err
		}
		return app.Audit(ctx, tx, p.Org.ID, app.MetaOf(p), "management_review.create", "management_review", r.ID, r.Ref, ch)
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// draft reads review id for a change: it must still be a draft.
func draft(ctx context.Context, tx *sqlstore.Tx, p *bulwark.Principal, id string, expect *int) (*Review, error) {
	r, err := getReview(ctx, tx, p.Org.ID, id)
	if err != nil {
		return nil, err
	}
	if expect != nil && *expect != r.Version {
		return nil, bulwark.Errorf(bulwark.ECONFLICT, "%s is at version %d, not %d: reload and try again.", r.Ref, r.Version, *expect)
	}
	if r.Status == StatusApproved {
		return nil, bulwark.Errorf(bulwark.ECONFLICT, "%s is approved: its minutes no longer change.", r.Ref)
	}
	return r, nil
}

// Update changes a draft review's title, date, attendees or summary.
func (s *Service) Update(ctx context.Context, p *bulwark.Principal, id string, in Input, expect *int) (*Review, error) {
	if err := app.Require(p, bulwark.PermISMSEdit); err != nil {
		return nil, err
	}
	var out *Review
	err := s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
		r, err := draft(ctx, tx, p, id, expect)
		if err != nil {
			return err
		}
		ch := in.apply(r)
		out = r
		if len(ch) == 0 {
			return nil
		}
		if err := s.check(ctx, tx, p.Org.ID, r); err != nil {
			return err
		}
		if err := updateReview(ctx, tx, p.Org.ID, r); err != nil {
			return err
		}
		if _, ok := ch["attendees"]; ok {
			if err := writeAttendees(ctx, tx, p.Org.ID, r.ID, r.Attendees); err != nil {
				return err
			}
		}
		return app.Audit(ctx, tx, p.Org.ID, app.MetaOf(p), "management_review.update", "management_review", r.ID, r.Ref, ch)
	})
	return out, err
}

// SetNotes records the discussion on one input of a draft review.
func (s *Service) SetNotes(ctx context.Context, p *bulwark.Principal, id, key, notes string) (*Review, error) {
	if err := app.Require(p, bulwark.PermISMSEdit); err != nil {
		return nil, err
	}
	if len(notes) > 20000 {
		return nil, bulwark.Invalid("notes", "is too long (at most 20,000 characters)")
	}
	var out *Review
	err := s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
		r, err := draft(ctx, tx, p, id, nil)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(r.Sections, func(s Section) bool { return s.Key == key })
		if i < 0 {
			return bulwark.Errorf(bulwark.ENOTFOUND, "%s has no input %q.", r.Ref, key)
		}
		notes = strings.TrimSpace(strings.ReplaceAll(notes, "\r\n", "\n"))
		if r.Sections[i].Notes == notes {
			out = r
			return nil
		}
		r.Sections[i].Notes = notes
		if _, err := tx.Exec(ctx, `UPDATE review_sections SET notes = ? WHERE org_id = ? AND review_id = ? AND position = ?`, notes, p.Org.ID, r.ID, i+1); err != nil {
			return fmt.Errorf("record notes: %w", err)
		}
		if err := updateReview(ctx, tx, p.Org.ID, r); err != nil {
			return err
		}
		out = r
		return app.Audit(ctx, tx, p.Org.ID, app.MetaOf(p), "management_review.notes", "management_review", r.ID, r.Ref, bulwark.Changes{"notes": bulwark.Added(r.Sections[i].Title)})
	})
	return out, err
}

// Refresh takes a draft review's inputs again from the registers as they stand now, keeping the notes.
func (s *Service) Refresh(ctx context.Context, p *bulwark.Principal, id string) (*Review, error) {
	if err := app.Require(p, bulwark.PermISMSEdit); err != nil {
		return nil, err
	}
	inputs, err := s.Gather(ctx, p)
	if err != nil {
		return nil, err
	}
	var out *Review
	err = s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
		r, err := draft(ctx, tx, p, id, nil)
		if err != nil {
			return err
		}
		notes := map[string]string{}
		for _, sec := range r.Sections {
			notes[sec.Key] = sec.Notes
		}
		r.Sections = BuildSections(inputs)
		for i := range r.Sections {
			r.Sections[i].Notes = notes[r.Sections[i].Key]
		}
		r.InputsAt = inputs.TakenAt
		if err := writeSections(ctx, tx, p.Org.ID, r.ID, r.Sections); err != nil {
			return err
		}
		if err := updateReview(ctx, tx, p.Org.ID, r); err != nil {
			return err
		}
		out = r
		return app.Audit(ctx, tx, p.Org.ID, app.MetaOf(p), "management_review.refresh", "management_review", r.ID, r.Ref, bulwark.Changes{"inputs_taken_at": bulwark.Added(r.InputsAt)})
	})
	return out, err
}

// Approve approves the minutes of a review (owners and admins): from then on they do not change.
func (s *Service) Approve(ctx context.Context, p *bulwark.Principal, id string, expect *int) (*Review, error) {
	if err := app.Require(p, bulwark.PermApprove); err != nil {
		return nil, err
	}
	var out *Review
	err := s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
		r, err := draft(ctx, tx, p, id, expect)
		if err != nil {
			return err
		}
		if m := ApprovalMissing(r); len(m) > 0 {
			return bulwark.Invalid("status", "cannot be approved without "+strings.Join(m, "; "))
		}
		now := tx.Now()
		r.Status, r.ApprovedAt = StatusApproved, &now
		if p.MemberID != "" {
			by := p.MemberID
			r.ApprovedBy = &by
		}
		if err := updateReview(ctx, tx, p.Org.ID, r); err != nil {
			return err
		}
		out = r
		return app.Audit(ctx, tx, p.Org.ID, app.MetaOf(p), "management_review.approve", "management_review", r.ID, r.Ref, bulwark.Changes{"status": {Before: StatusDraft, After: StatusApproved}})
	})
	return out, err
}

// DecisionInput is what people set on a decision.
type DecisionInput struct {
	Title, Status            *string
	OwnerID, DueDate, DoneOn **string
}

func (in DecisionInput) apply(d *Decision) bulwark.Changes {
	ch := bulwark.Changes{}
	if in.Title != nil {
		t := strings.TrimSpace(*in.Title)
		app.Set(ch, "title", &d.Title, &t)
	}
	if in.Status != nil {
		t := strings.TrimSpace(*in.Status)
		app.Set(ch, "status", &d.Status, &t)
	}
	for _, o := range []struct {
		name string
		dst  **string
		v    **string
	}{{"owner_id", &d.OwnerID, in.OwnerID}, {"due_date", &d.DueDate, in.DueDate}, {"done_on", &d.DoneOn, in.DoneOn}} {
		if o.v != nil && *o.v != nil && strings.TrimSpace(**o.v) == "" {
			var none *string
			o.v = &none
		}
		app.SetOpt(ch, o.name, o.dst, o.v)
	}
	return ch
}

func validateDecision(d *Decision) error {
	var v bulwark.Validation
	if strings.TrimSpace(d.Title) == "" {
		v.Add("title", "is required")
	} else if len(d.Title) > 500 {
		v.Add("title", "is too long (at most 500 characters)")
	}
	if !slices.Contains(DecisionStatuses, d.Status) {
		v.Add("status", "must be one of "+strings.Join(DecisionStatuses, ", "))
	}
	for name, x := range map[string]*string{"due_date": d.DueDate, "done_on": d.DoneOn} {
		if x != nil && !bulwark.ValidDate(*x) {
			v.Add(name, "must be a date such as 2026-12-31")
		}
	}
	return v.Err()
}

// AddDecision records a decision of a draft review, as an action with an owner and a due date.
func (s *Service) AddDecision(ctx context.Context, p *bulwark.Principal, reviewID string, in DecisionInput) (*Decision, error) {
	if err := app.Require(p, bulwark.PermISMSEdit); err != nil {
		return nil, err
	}
	d := &Decision{Status: "open"}
	ch := in.apply(d)
	if err := validateDecision(d); err != nil {
		return nil, err
	}
	err := s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
		r, err := draft(ctx, tx, p, reviewID, nil)
		if err != nil {
			return err
		}
		if err := app.CheckMember(ctx, tx, p.Org.ID, "owner_id", d.OwnerID); err != nil {
			return err
		}
		if err := insertDecision(ctx, tx, p.Org.ID, r, d); err != nil {
			return err
		}
		ch["review"] = bulwark.Added(r.Ref)
		return app.Audit(ctx, tx, p.Org.ID, app.MetaOf(p), "review_decision.create", "review_decision", d.ID, d.Ref, ch)
	})
	if err != nil {
		return nil, err
	}
	markOverdue([]*Decision{d}, today(p))
	return d, nil
}

// UpdateDecision changes a decision: its owner or a manager records its progress, also after approval
// (the minutes keep the decision; its status is the action's).
func (s *Service) UpdateDecision(ctx context.Context, p *bulwark.Principal, reviewID, id string, in DecisionInput, expect *int) (*Decision, error) {
	if err := app.Require(p, bulwark.PermISMSEditOwn); err != nil {
		return nil, err
	}
	var out *Decision
	err := s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
		r, err := getReview(ctx, tx, p.Org.ID, reviewID)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(r.Decisions, func(d *Decision) bool { return d.ID == id || strings.EqualFold(d.Ref, id) })
		if i < 0 {
			return bulwark.Errorf(bulwark.ENOTFOUND, "Decision not found.")
		}
		d := r.Decisions[i]
		if !app.CanEdit(p, d.OwnerID) {
			return bulwark.Errorf(bulwark.EFORBIDDEN, "Only the owner of %s or a manager may change it.", d.Ref)
		}
		if expect != nil && *expect != d.Version {
			return bulwark.Errorf(bulwark.ECONFLICT, "%s is at version %d, not %d: reload and try again.", d.Ref, d.Version, *expect)
		}
		if r.Status == StatusApproved && (in.Title != nil || in.OwnerID != nil || in.DueDate != nil) {
			return bulwark.Errorf(bulwark.ECONFLICT, "%s is approved: a decision's wording, owner and date are in its minutes; record its progress only.", r.Ref)
		}
		before := *d
		ch := in.apply(d)
		if d.Status == "done" && d.DoneOn == nil {
			day := today(p)
			d.DoneOn, ch["done_on"] = &day, bulwark.Added(day)
		}
		if len(ch) == 0 {
			out = d
			return nil
		}
		if err := validateDecision(d); err != nil {
			return err
		}
		if !app.EqPtr(d.OwnerID, before.OwnerID) {
			if err := app.CheckMember(ctx, tx, p.Org.ID, "owner_id", d.OwnerID); err != nil {
				return err
			}
		}
		if err := updateDecision(ctx, tx, p.Org.ID, d); err != nil {
			return err
		}
		out = d
		return app.Audit(ctx, tx, p.Org.ID, app.MetaOf(p), "review_decision.update", "review_decision", d.ID, d.Ref, ch)
	})
	if err == nil {
		markOverdue([]*Decision{out}, today(p))
	}
	return out, err
}

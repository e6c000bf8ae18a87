// Package nonconformities is nonconformity and corrective action (10.2): what
// did not conform, the correction made at once, the root cause, the corrective
// actions that remove it, and the review that shows they worked. A nonconformity
// cannot be closed without all three.
package nonconformities

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/sqlstore"
)

// Service is the register's operations: each checks the principal's permission,
// stays inside its organisation and writes its audit entry with the change.
type Service struct{ *app.Service }

// New returns the area's service over the kernel's.
func New(k *app.Service) *Service {
	// The daily outbox tells owners of corrective actions due within a week, or overdue.
	k.AddDue(app.DueFromQuery("corrective_action", "/nonconformities/%s", `SELECT a.owner_id, a.nonconformity_id, a.ref, a.title, a.due_date
		FROM corrective_actions a WHERE a.org_id = ? AND a.status IN ('open', 'in_progress') AND a.owner_id IS NOT NULL AND a.due_date <= ?`))
	return &Service{Service: k}
}

func today(p *bulwark.Principal) string { return bulwark.Today(time.Now(), p.Org.Settings.TimeZone) }

// Input is what a person may set on a nonconformity; nil fields stay as they are.
type Input struct {
	Title, Description, Severity, Source, SourceRef, RaisedOn  *string
	RequirementID, ControlID, OwnerID, DueDate, CorrectionDate **string
	DelayReason, Correction, RootCauseMethod, RootCause        *string
	OccursElsewhere, NoActionReason                            *string
	RootCauseWhys                                              *[]string
	RootCauseFishbone                                          *map[string]string
}

func (in Input) apply(n *Nonconformity) bulwark.Changes {
	ch := bulwark.Changes{}
	trim := func(name string, dst *string, v *string) {
		if v != nil {
			t := strings.TrimSpace(strings.ReplaceAll(*v, "\r\n", "\n"))
			app.Set(ch, name, dst, &t)
		}
	}
	trim("title", &n.Title, in.Title)
	trim("description", &n.Description, in.Description)
	trim("severity", &n.Severity, in.Severity)
	trim("source", &n.Source, in.Source)
	trim("source_ref", &n.SourceRef, in.SourceRef)
	trim("raised_on", &n.RaisedOn, in.RaisedOn)
	trim("delay_reason", &n.DelayReason, in.DelayReason)
	trim("correction", &n.Correction, in.Correction)
	trim("root_cause_method", &n.RootCauseMethod, in.RootCauseMethod)
	trim("root_cause", &n.RootCause, in.RootCause)
	trim("occurs_elsewhere", &n.OccursElsewhere, in.OccursElsewhere)
	trim("no_action_reason", &n.NoActionReason, in.NoActionReason)
	for _, o := range []struct {
		name string
		dst  **string
		v    **string
	}{{"requirement_id", &n.RequirementID, in.RequirementID}, {"control_id", &n.ControlID, in.ControlID}, {"owner_id", &n.OwnerID, in.OwnerID},
		{"due_date", &n.DueDate, in.DueDate}, {"correction_date", &n.CorrectionDate, in.CorrectionDate}} {
		if o.v != nil && *o.v != nil && strings.TrimSpace(**o.v) == "" {
			var none *string
			o.v = &none
		}
		app.SetOpt(ch, o.name, o.dst, o.v)
	}
	if in.RootCauseWhys != nil {
		whys := []string{}
		for _, w := range *in.RootCauseWhys {
			if w = strings.TrimSpace(w); w != "" {
				whys = append(whys, w)
			}
		}
		if !slices.Equal(whys, n.RootCauseWhys) {
			ch["root_cause_whys"] = bulwark.Change{Before: n.RootCauseWhys, After: whys}
			n.RootCauseWhys = whys
		}
	}
	if in.RootCauseFishbone != nil {
		fb := map[string]string{}
		for k, v := range *in.RootCauseFishbone {
			if v = strings.TrimSpace(v); v != "" {
				fb[strings.ToLower(strings.TrimSpace(k))] = v
			}
		}
		if fmt.Sprint(fb) != fmt.Sprint(n.RootCauseFishbone) {
			ch["root_cause_fishbone"] = bulwark.Change{Before: n.RootCauseFishbone, After: fb}
			n.RootCauseFishbone = fb
		}
	}
	return ch
}

// check validates n and that what it names is the organisation's.
func check(ctx context.Context, tx *sqlstore.Tx, orgID string, n, before *Nonconformity) error {
	if err := n.Validate(); err != nil {
		return err
	}
	if before == nil || !app.EqPtr(n.OwnerID, before.OwnerID) {
		if err := app.CheckMember(ctx, tx, orgID, "owner_id", n.OwnerID); err != nil {
			return err
		}
	}
	if n.ControlID != nil && (before == nil || !app.EqPtr(n.ControlID, before.ControlID)) {
		var k int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM controls WHERE org_id = ? AND id = ?`, orgID, *n.ControlID).Scan(&k); err != nil {
			return fmt.Errorf("check control: %w", err)
		}
		if k == 0 {
			return bulwark.Invalid("control_id", "names a control that is not this organisation's")
		}
	}
	if n.RequirementID != nil && (before == nil || !app.EqPtr(n.RequirementID, before.RequirementID)) {
		var k int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM requirements WHERE id = ?`, *n.RequirementID).Scan(&k); err != nil {
			return fmt.Errorf("check requirement: %w", err)
		}
		if k == 0 {
			return bulwark.Invalid("requirement_id", "is not in the catalog (ids look like iso27001-2022:9.2.2)")
		}
	}
	return nil
}

// List reads the register, newest first.
func (s *Service) List(ctx context.Context, p *bulwark.Principal, f Filter) ([]*Nonconformity, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var out []*Nonconformity
	err := s.DB.View(ctx, func(tx *sqlstore.Tx) error {
		var err error
		out, err = list(ctx, tx, p.Org.ID, f)
		return err
	})
	day := today(p)
	for _, n := range out {
		n.Mark(day)
	}
	return out, err
}

// Get reads one nonconformity (by id or ref) with its actions and reviews.
func (s *Service) Get(ctx context.Context, p *bulwark.Principal, id string) (*Nonconformity, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var out *Nonconformity
	err := s.DB.View(ctx, func(tx *sqlstore.Tx) error {
		var err error
		out, err = get(ctx, tx, p.Org.ID, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	out.Mark(today(p))
	return out, nil
}

// Create raises a nonconformity, owned by whoever raises it unless another owner is named.
func (s *Service) Create(ctx context.Context, p *bulwark.Principal, in Input) (*Nonconformity, error) {
	if err := app.Require(p, bulwark.PermISMSCreateOwn); err != nil {
		return nil, err
	}
	n := &Nonconformity{Source: "other", RaisedOn: today(p), Status: StatusOpen, RootCauseWhys: []string{}, RootCauseFishbone: map[string]string{}}
	if p.MemberID != "" {
		id := p.MemberID
		n.OwnerID, n.RaisedBy = &id, &id
	}
	ch := in.apply(n)
	ch["status"] = bulwark.Added(StatusOpen)
	err := s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
		if err := check(ctx, tx, p.Org.ID, n, nil); err != nil {
			return err
		}
		if err := Insert(ctx, tx, p.Org.ID, n); err != nil {
			return err
		}
		return app.Audit(ctx, tx, p.Org.ID, app.MetaOf(p), "nonconformity.create", "nonconformity", n.ID, n.Ref, ch)
	})
	if err != nil {
		return nil, err
	}
	n.Mark(today(p))
	return n, nil
}

// change reads nonconformity id for p to change: its owner, or anyone who may edit every record.
func change(ctx context.Context, tx *sqlstore.Tx, p *bulwark.Principal, id string, expect *int) (*Nonconformity, error) {
	n, err := get(ctx, tx, p.Org.ID, id)
	if err != nil {
		return nil, err
	}
	if !app.CanEdit(p, n.OwnerID) {
		return nil, bulwark.Errorf(bulwark.EFORBIDDEN, "Only the owner of %s or a manager may change it.", n.Ref)
	}
	if expect != nil && *expect != n.Version {
		return nil, bulwark.Errorf(bulwark.ECONFLICT, "%s is at version %d, not %d: reload and try again.", n.Ref, n.Version, *expect)
	}
	return n, nil
}

// Update changes a nonconformity's record: its details, the correction, the root-cause analysis.
// A closed nonconformity changes only by reopening it.
func (s *Service) Update(ctx context.Context, p *bulwark.Principal, id string, in Input, expect *int) (*Nonconformity, error) {
	if err := app.Require(p, bulwark.PermISMSEditOwn); err != nil {
		return nil, err
	}
	var out *Nonconformity
	err := s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
		n, err := change(ctx, tx, p, id, expect)
		if err != nil {
			return err
		}
		if n.Status == StatusClosed {
			return bulwark.Errorf(bulwark.ECONFLICT, "%s is closed: reopen it to change it.", n.Ref)
		}
		before := *n
		ch := in.apply(n)
		if len(ch) == 0 {
			out = n
			return nil
		}
		if err := check(ctx, tx, p.Org.ID, n, &before); err != nil {
			return err
		}
		// Taking the root cause away from an analysed nonconformity would leave its state unearned.
		if index(n.Status) >= index(StatusAnalysed) {
			if m := Missing(n, StatusAnalysed); len(m) > 0 {
				return bulwark.Invalid("root_cause", n.Ref+" is "+n.Status+": it keeps "+strings.Join(m, "; "))
			}
		}
		if err := update(ctx, tx, p.Org.ID, n); err != nil {
			return err
		}
		out = n
		return app.Audit(ctx, tx, p.Org.ID, app.MetaOf(p), "nonconformity.update", "nonconformity", n.ID, n.Ref, ch)
	})
	if err != nil {
		return nil, err
	}
	out.Mark(today(p))
	return out, nil
}

// SetStatus moves a nonconformity forward when what the state needs is recorded, or
// reopens a closed one (to analysed, with a reason). Refusals name what is missing.
func (s *Service) SetStatus(ctx context.Context, p *bulwark.Principal, id, to, reason string, expect *int) (*Nonconformity, error) {
	if err := app.Require(p, bulwark.PermISMSEditOwn); err != nil {
		return nil, err
	}
	var out *Nonconformity
	err := s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
		n, err := change(ctx, tx, p, id, expect)
		if err != nil {
			return err
		}
		if err := CanMove(n, to, reason); err != nil {
			return err
		}
		ch := bulwark.Changes{"status": {Before: n.Status, After: to}}
		action := "nonconformity.status"
		if n.Status == StatusClosed {
			action, ch["reason"] = "nonconformity.reopen", bulwark.Added(strings.TrimSpace(reason))
			n.ClosedAt, n.ClosedBy = nil, nil
		}
		if to == StatusClosed {
			now := tx.Now()
			n.ClosedAt, action = &now, "nonconformity.close"
			if p.MemberID != "" {
				by := p.MemberID
				n.ClosedBy = &by
			}
		}
		n.Status = to
		if err := update(ctx, tx, p.Org.ID, n); err != nil {
			return err
		}
		out = n
		return app.Audit(ctx, tx, p.Org.ID, app.MetaOf(p), action, "nonconformity", n.ID, n.Ref, ch)
	})
	if err != nil {
		return nil, err
	}
	out.Mark(today(p))
	return out, nil
}

// RecordReview records an effectiveness review: effective verifies the nonconformity,
// ineffective sends it back to analysed for new corrective actions.
func (s *Service) RecordReview(ctx context.Context, p *bulwark.Principal, id string, r Review) (*Nonconformity, error) {
	if err := app.Require(p, bulwark.PermISMSEditOwn); err != nil {
		return nil, err
	}
	if r.ReviewedOn == "" {
		r.ReviewedOn = today(p)
	}
	if r.ReviewerID == nil && p.MemberID != "" {
		by := p.MemberID
		r.ReviewerID = &by
	}
	var v bulwark.Validation
	oneOf(&v, "result", r.Result, []string{ReviewEffective, ReviewIneffective})
	dates(&v, map[string]*string{"reviewed_on": &r.ReviewedOn})
	text(&v, "notes", r.Notes, 10000, false)
	if r.Result == ReviewIneffective && strings.TrimSpace(r.Notes) == "" {
		v.Add("notes", "say why the actions were not effective")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	var out *Nonconformity
	err := s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
		n, err := change(ctx, tx, p, id, nil)
		if err != nil {
			return err
		}
		to, err := AfterReview(n, r.Result)
		if err != nil {
			return err
		}
		if err := app.CheckMember(ctx, tx, p.Org.ID, "reviewer_id", r.ReviewerID); err != nil {
			return err
		}
		if err := insertReview(ctx, tx, p.Org.ID, n, &r); err != nil {
			return err
		}
		ch := bulwark.Changes{"review": bulwark.Added(fmt.Sprintf("review %d of %s: %s", r.N, r.ReviewedOn, r.Result)), "status": {Before: n.Status, After: to}}
		n.Status = to
		if err := update(ctx, tx, p.Org.ID, n); err != nil {
			return err
		}
		out = n
		return app.Audit(ctx, tx, p.Org.ID, app.MetaOf(p), "nonconformity.review", "nonconformity", n.ID, n.Ref, ch)
	})
	if err != nil {
		return nil, err
	}
	out.Mark(today(p))
	return out, nil
}

// ActionInput is what a person may set on a corrective action.
type ActionInput struct {
	Title, Description, Status *string
	OwnerID, DueDate, DoneOn   **string
}

func (in ActionInput) apply(a *Action) bulwark.Changes {
	ch := bulwark.Changes{}
	for _, t := range []struct {
		name string
		dst  *string
		v    *string
	}{{"title", &a.Title, in.Title}, {"description", &a.Description, in.Description}, {"status", &a.Status, in.Status}} {
		if t.v != nil {
			s := strings.TrimSpace(*t.v)
			app.Set(ch, t.name, t.dst, &s)
		}
	}
	for _, o := range []struct {
		name string
		dst  **string
		v    **string
	}{{"owner_id", &a.OwnerID, in.OwnerID}, {"due_date", &a.DueDate, in.DueDate}, {"done_on", &a.DoneOn, in.DoneOn}} {
		if o.v != nil && *o.v != nil && strings.TrimSpace(**o.v) == "" {
			var none *string
			o.v = &none
		}
		app.SetOpt(ch, o.name, o.dst, o.v)
	}
	return ch
}

// AddAction adds a corrective action to a nonconformity whose root cause is known.
func (s *Service) AddAction(ctx context.Context, p *bulwark.Principal, ncID string, in ActionInput) (*Action, error) {
	if err := app.Require(p, bulwark.PermISMSEditOwn); err != nil {
		return nil, err
	}
	a := &Action{Status: ActionOpen}
	ch := in.apply(a)
	if a.Status == ActionDone && a.DoneOn == nil {
		d := today(p)
		a.DoneOn = &d
	}
	if err := a.Validate(); err != nil {
		return nil, err
	}
	err := s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
		n, err := change(ctx, tx, p, ncID, nil)
		if err != nil {
			return err
		}
		switch n.Status {
		case StatusOpen:
			return bulwark.Invalid("title", "a corrective action removes a cause: record the root cause of "+n.Ref+" (and move it to analysed) first")
		case StatusVerified, StatusClosed:
			return bulwark.Errorf(bulwark.ECONFLICT, "%s is %s: its actions are settled.", n.Ref, n.Status)
		}
		if err := app.CheckMember(ctx, tx, p.Org.ID, "owner_id", a.OwnerID); err != nil {
			return err
		}
		if err := insertAction(ctx, tx, p.Org.ID, n, a); err != nil {
			return err
		}
		ch["nonconformity"] = bulwark.Added(n.Ref)
		// New work means the actions are not all done any more.
		if n.Status == StatusActionsDone && a.Status != ActionDone && a.Status != ActionCancelled {
			before := n.Status
			n.Status = StatusAnalysed
			if err := update(ctx, tx, p.Org.ID, n); err != nil {
				return err
			}
			if err := app.Audit(ctx, tx, p.Org.ID, app.MetaOf(p), "nonconformity.status", "nonconformity", n.ID, n.Ref,
				bulwark.Changes{"status": {Before: before, After: n.Status}, "reason": bulwark.Added("a new corrective action " + a.Ref)}); err != nil {
				return err
			}
		}
		return app.Audit(ctx, tx, p.Org.ID, app.MetaOf(p), "corrective_action.create", "corrective_action", a.ID, a.Ref, ch)
	})
	if err != nil {
		return nil, err
	}
	a.Mark(today(p))
	return a, nil
}

// UpdateAction changes a corrective action: its owner (or anyone who may edit every record) updates it.
func (s *Service) UpdateAction(ctx context.Context, p *bulwark.Principal, ncID, id string, in ActionInput, expect *int) (*Action, error) {
	if err := app.Require(p, bulwark.PermISMSEditOwn); err != nil {
		return nil, err
	}
	var out *Action
	err := s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
		n, err := get(ctx, tx, p.Org.ID, ncID)
		if err != nil {
			return err
		}
		a, err := getAction(ctx, tx, p.Org.ID, n.ID, id)
		if err != nil {
			return err
		}
		if !app.CanEdit(p, a.OwnerID) && !app.CanEdit(p, n.OwnerID) {
			return bulwark.Errorf(bulwark.EFORBIDDEN, "Only the owner of %s or of %s, or a manager, may change it.", a.Ref, n.Ref)
		}
		if expect != nil && *expect != a.Version {
			return bulwark.Errorf(bulwark.ECONFLICT, "%s is at version %d, not %d: reload and try again.", a.Ref, a.Version, *expect)
		}
		if n.Status == StatusVerified || n.Status == StatusClosed {
			return bulwark.Errorf(bulwark.ECONFLICT, "%s is %s: its actions are settled.", n.Ref, n.Status)
		}
		before := *a
		ch := in.apply(a)
		if a.Status == ActionDone && a.DoneOn == nil {
			d := today(p)
			a.DoneOn = &d
			ch["done_on"] = bulwark.Added(d)
		}
		if a.Status != ActionDone && before.Status == ActionDone && in.DoneOn == nil {
			a.DoneOn = nil
		}
		if len(ch) == 0 {
			out = a
			return nil
		}
		if err := a.Validate(); err != nil {
			return err
		}
		if !app.EqPtr(a.OwnerID, before.OwnerID) {
			if err := app.CheckMember(ctx, tx, p.Org.ID, "owner_id", a.OwnerID); err != nil {
				return err
			}
		}
		if err := updateAction(ctx, tx, p.Org.ID, a); err != nil {
			return err
		}
		out = a
		return app.Audit(ctx, tx, p.Org.ID, app.MetaOf(p), "corrective_action.update", "corrective_action", a.ID, a.Ref, ch)
	})
	if err != nil {
		return nil, err
	}
	out.Mark(today(p))
	return out, nil
}

// Actions lists corrective actions across the register: every one, or only a member's, or only the overdue.
func (s *Service) Actions(ctx context.Context, p *bulwark.Principal, ownerID string, overdueOnly bool) ([]*Action, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var out []*Action
	err := s.DB.View(ctx, func(tx *sqlstore.Tx) error {
		var err error
		out, err = actions(ctx, tx, p.Org.ID, "", ownerID)
		return err
	})
	if err != nil {
		return nil, err
	}
	day := today(p)
	kept := out[:0]
	for _, a := range out {
		a.Mark(day)
		if !overdueOnly || a.Overdue {
			kept = append(kept, a)
		}
	}
	return kept, nil
}

// Counts counts the register for p's organisation.
func (s *Service) Counts(ctx context.Context, p *bulwark.Principal) (Counts, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return Counts{}, err
	}
	var c Counts
	err := s.DB.View(ctx, func(tx *sqlstore.Tx) error {
		var err error
		c, err = CountsOf(ctx, tx, p.Org.ID)
		return err
	})
	return c, err
}

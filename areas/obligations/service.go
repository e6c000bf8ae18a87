// Package obligations holds the register of legal, statutory, regulatory and
// contractual requirements (A.5.31–A.5.34): each obligation with its source,
// jurisdiction, what must be done, an owner, the controls and framework
// requirements that meet it, a regime (gdpr, hipaa) other areas ask about, and
// a yearly review; and the GDPR and HIPAA suggestions an organisation adopts
// as a start.
package obligations

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

// Service is the obligations area's operations: each checks the principal's
// permission, stays inside its organisation and writes its audit entry in the
// same transaction as the change.
type Service struct {
	*app.Service
}

// New returns the obligations area's service over the kernel's.
func New(k *app.Service) *Service { return &Service{Service: k} }

func (s *Service) write(ctx context.Context, fn func(tx store) error) error {
	return s.DB.Write(ctx, func(tx *sqlstore.Tx) error { return fn(store{tx}) })
}

func (s *Service) read(ctx context.Context, fn func(tx store) error) error {
	return s.DB.Read(ctx, func(tx *sqlstore.Tx) error { return fn(store{tx}) })
}

// today is the principal's organisation's date.
func today(p *bulwark.Principal) string { return bulwark.Today(time.Now(), p.Org.Settings.TimeZone) }

// Input lists the fields of an obligation a person may set; nil fields stay as they are.
type Input struct {
	Ref, Title, Source, Jurisdiction, Requirement, Regime *string
	OwnerID, ReviewDate, LastReviewedOn                   **string
	ControlIDs, RequirementIDs                            *[]string
}

func clean(s *string) *string {
	if s == nil {
		return nil
	}
	t := strings.TrimSpace(strings.ReplaceAll(*s, "\r\n", "\n"))
	return &t
}

func cleanOpt(s **string) **string {
	if s == nil || *s == nil {
		return s
	}
	t := strings.TrimSpace(**s)
	if t == "" {
		var none *string
		return &none
	}
	p := &t
	return &p
}

// uniq trims, drops empties and duplicates, keeping the order.
func uniq(ids []string) []string {
	out := []string{}
	for _, id := range ids {
		if id = strings.TrimSpace(id); id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

func sorted(ids []string) []string {
	c := slices.Clone(ids)
	slices.Sort(c)
	return c
}

// apply copies the input onto o (links resolved to ids already) and returns what changed.
func (in Input) apply(o *Obligation, controlIDs []string) bulwark.Changes {
	ch := bulwark.Changes{}
	app.Set(ch, "title", &o.Title, clean(in.Title))
	app.Set(ch, "source", &o.Source, clean(in.Source))
	app.Set(ch, "jurisdiction", &o.Jurisdiction, clean(in.Jurisdiction))
	app.Set(ch, "requirement", &o.Requirement, clean(in.Requirement))
	app.Set(ch, "regime", &o.Regime, clean(in.Regime))
	app.SetOpt(ch, "owner_id", &o.OwnerID, cleanOpt(in.OwnerID))
	app.SetOpt(ch, "review_date", &o.ReviewDate, cleanOpt(in.ReviewDate))
	app.SetOpt(ch, "last_reviewed_on", &o.LastReviewedOn, cleanOpt(in.LastReviewedOn))
	if controlIDs != nil {
		if before, after := sorted(o.ControlIDs), sorted(controlIDs); !slices.Equal(before, after) {
			ch["control_ids"] = bulwark.Change{Before: before, After: after}
			o.ControlIDs = controlIDs
		}
	}
	if in.RequirementIDs != nil {
		ids := uniq(*in.RequirementIDs)
		if before, after := sorted(o.RequirementIDs), sorted(ids); !slices.Equal(before, after) {
			ch["requirement_ids"] = bulwark.Change{Before: before, After: after}
			o.RequirementIDs = ids
		}
	}
	return ch
}

// controls resolves the input's controls (ids or refs) to ids of the organisation's live controls; nil when the input names none.
func (in Input) controls(ctx context.Context, tx store, orgID string) ([]string, error) {
	if in.ControlIDs == nil {
		return nil, nil
	}
	ids, missing, err := tx.resolveControls(ctx, orgID, uniq(*in.ControlIDs))
	if err != nil {
		return nil, err
	}
	if len(missing) > 0 {
		return nil, bulwark.Invalid("control_ids", "names a control that is not this organisation's: "+strings.Join(missing, ", "))
	}
	return ids, nil
}

// validate checks o and that its owner and requirements exist.
func validate(ctx context.Context, tx store, orgID string, o, before *Obligation) error {
	if err := o.Validate(); err != nil {
		return err
	}
	if before == nil || !app.EqPtr(o.OwnerID, before.OwnerID) {
		if err := app.CheckMember(ctx, tx.Tx, orgID, "owner_id", o.OwnerID); err != nil {
			return err
		}
	}
	if len(o.RequirementIDs) > 0 {
		found, err := tx.existingRequirements(ctx, o.RequirementIDs)
		if err != nil {
			return err
		}
		for _, id := range o.RequirementIDs {
			if !found[id] {
				return bulwark.Invalid("requirement_ids", "names no requirement of the catalog: "+id)
			}
		}
	}
	return nil
}

// Create records an obligation, owned by its creator unless the input names another member.
func (s *Service) Create(ctx context.Context, p *bulwark.Principal, in Input) (*Obligation, error) {
	if err := app.Require(p, bulwark.PermISMSCreate); err != nil {
		return nil, err
	}
	o := &Obligation{ControlIDs: []string{}, ControlRefs: []string{}, RequirementIDs: []string{}}
	if p.MemberID != "" {
		owner := p.MemberID
		o.OwnerID = &owner
	}
	if in.Ref != nil && strings.TrimSpace(*in.Ref) != "" {
		o.Ref = strings.ToUpper(strings.TrimSpace(*in.Ref))
		if !bulwark.ValidRef(o.Ref) {
			return nil, bulwark.Invalid("ref", "must look like OB-001: letters and digits, a dash, digits")
		}
	}
	if in.ReviewDate == nil { // a year from today unless the input says otherwise
		d := NextReview(today(p))
		pd := &d
		in.ReviewDate = &pd
	}
	err := s.write(ctx, func(tx store) error {
		controlIDs, err := in.controls(ctx, tx, p.Org.ID)
		if err != nil {
			return err
		}
		ch := in.apply(o, controlIDs)
		if err := validate(ctx, tx, p.Org.ID, o, nil); err != nil {
			return err
		}
		if err := tx.Insert(ctx, p.Org.ID, o); err != nil {
			return err
		}
		return app.Audit(ctx, tx.Tx, p.Org.ID, app.MetaOf(p), "obligation.create", "obligation", o.ID, o.Ref, ch)
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, p, o.ID)
}

// change reads obligation id for p to change: it must be theirs to edit and at the version expected.
func change(ctx context.Context, tx store, p *bulwark.Principal, id string, expect *int) (*Obligation, error) {
	o, err := tx.Obligation(ctx, p.Org.ID, id)
	if err != nil {
		return nil, err
	}
	if !app.CanEdit(p, o.OwnerID) {
		return nil, bulwark.Errorf(bulwark.EFORBIDDEN, "Only the obligation's owner or a manager may change %s.", o.Ref)
	}
	if expect != nil && *expect != o.Version {
		return nil, bulwark.Errorf(bulwark.ECONFLICT, "%s is at version %d, not %d: reload and try again.", o.Ref, o.Version, *expect)
	}
	return o, nil
}

// Update changes an obligation, or archives (restores) it when archive is set.
func (s *Service) Update(ctx context.Context, p *bulwark.Principal, id string, in Input, expect *int, archive *bool) (*Obligation, error) {
	if err := app.Require(p, bulwark.PermISMSEditOwn); err != nil {
		return nil, err
	}
	var oid string
	err := s.write(ctx, func(tx store) error {
		o, err := change(ctx, tx, p, id, expect)
		if err != nil {
			return err
		}
		oid = o.ID
		if in.Ref != nil && !strings.EqualFold(strings.TrimSpace(*in.Ref), o.Ref) {
			return bulwark.Invalid("ref", "cannot be changed")
		}
		controlIDs, err := in.controls(ctx, tx, p.Org.ID)
		if err != nil {
			return err
		}
		before := *o
		ch := in.apply(o, controlIDs)
		if err := validate(ctx, tx, p.Org.ID, o, &before); err != nil {
			return err
		}
		action := "obligation.update"
		if archive != nil && *archive != (o.ArchivedAt != nil) {
			if *archive {
				now := tx.Now()
				o.ArchivedAt, action = &now, "obligation.archive"
				ch["status"] = bulwark.Change{Before: StatusActive, After: StatusArchived}
			} else {
				o.ArchivedAt, action = nil, "obligation.restore"
				ch["status"] = bulwark.Change{Before: StatusArchived, After: StatusActive}
			}
		}
		if len(ch) == 0 {
			return nil
		}
		_, c1 := ch["control_ids"]
		_, c2 := ch["requirement_ids"]
		if err := tx.Update(ctx, p.Org.ID, o, c1 || c2); err != nil {
			return err
		}
		return app.Audit(ctx, tx.Tx, p.Org.ID, app.MetaOf(p), action, "obligation", o.ID, o.Ref, ch)
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, p, oid)
}

// MarkReviewed records that obligation id was reviewed today (in the
// organisation's time zone) and moves its review date a year on.
func (s *Service) MarkReviewed(ctx context.Context, p *bulwark.Principal, id string, expect *int) (*Obligation, error) {
	if err := app.Require(p, bulwark.PermISMSEditOwn); err != nil {
		return nil, err
	}
	day := today(p)
	var oid string
	err := s.write(ctx, func(tx store) error {
		o, err := change(ctx, tx, p, id, expect)
		if err != nil {
			return err
		}
		oid = o.ID
		if o.ArchivedAt != nil {
			return bulwark.Errorf(bulwark.ECONFLICT, "%s is archived: restore it before reviewing it.", o.Ref)
		}
		next := NextReview(day)
		ch := bulwark.Changes{}
		app.SetOpt(ch, "last_reviewed_on", &o.LastReviewedOn, ptr(ptr(day)))
		app.SetOpt(ch, "review_date", &o.ReviewDate, ptr(ptr(next)))
		if err := tx.Update(ctx, p.Org.ID, o, false); err != nil {
			return err
		}
		return app.Audit(ctx, tx.Tx, p.Org.ID, app.MetaOf(p), "obligation.review", "obligation", o.ID, o.Ref, ch)
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, p, oid)
}

func ptr[T any](v T) *T { return &v }

// List returns a page of the organisation's obligations matching f, in ref order, and the next page's
// cursor.
func (s *Service) List(ctx context.Context, p *bulwark.Principal, f Filter) ([]*Obligation, string, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, "", err
	}
	f.Today = today(p)
	var out []*Obligation
	var next string
	err := s.read(ctx, func(tx store) error {
		var err error
		out, next, err = tx.Obligations(ctx, p.Org.ID, f)
		return err
	})
	for _, o := range out {
		o.PastReview = o.IsPastReview(f.Today)
	}
	return out, next, err
}

// Get returns one obligation (by id or ref), archived or not, or ENOTFOUND.
func (s *Service) Get(ctx context.Context, p *bulwark.Principal, id string) (*Obligation, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var out *Obligation
	err := s.read(ctx, func(tx store) error {
		var err error
		out, err = tx.Obligation(ctx, p.Org.ID, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	out.PastReview = out.IsPastReview(today(p))
	return out, nil
}

// Suggestions lists the suggestions of regime ("" for all), each marked adopted when the organisation holds one adopted from it.
func (s *Service) Suggestions(ctx context.Context, p *bulwark.Principal, regime string) ([]Suggestion, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	if regime != "" && !slices.Contains(KnownRegimes, regime) {
		return nil, bulwark.Invalid("regime", "must be gdpr or hipaa")
	}
	var adopted map[string]string
	if err := s.read(ctx, func(tx store) error {
		var err error
		adopted, err = tx.adoptedKeys(ctx, p.Org.ID)
		return err
	}); err != nil {
		return nil, err
	}
	out := []Suggestion{}
	for _, sg := range SuggestionsFor(regime) {
		sg.ControlRefs, sg.RequirementIDs = slices.Clone(sg.ControlRefs), slices.Clone(sg.RequirementIDs)
		if sg.RequirementIDs == nil {
			sg.RequirementIDs = []string{}
		}
		if id, ok := adopted[sg.Key]; ok {
			sg.Adopted, sg.ObligationID = true, ptr(id)
		}
		out = append(out, sg)
	}
	return out, nil
}

// Adopt creates an obligation from each suggestion named (by regime, or by key)
// that the organisation has not adopted yet, linked to the organisation's
// controls and the catalog requirements that exist, owned by the principal and
// due for review in a year. Adopting again creates nothing new.
func (s *Service) Adopt(ctx context.Context, p *bulwark.Principal, regime string, keys []string) (*AdoptResult, error) {
	if err := app.Require(p, bulwark.PermISMSCreate); err != nil {
		return nil, err
	}
	var chosen []Suggestion
	switch {
	case regime != "" && len(keys) > 0:
		return nil, bulwark.Invalid("keys", "give a regime or keys, not both")
	case regime != "":
		if !slices.Contains(KnownRegimes, regime) {
			return nil, bulwark.Invalid("regime", "must be gdpr or hipaa")
		}
		chosen = SuggestionsFor(regime)
	case len(keys) > 0:
		for _, k := range uniq(keys) {
			sg := SuggestionByKey(k)
			if sg == nil {
				return nil, bulwark.Invalid("keys", "names no suggestion: "+k)
			}
			chosen = append(chosen, *sg)
		}
	default:
		return nil, bulwark.Invalid("regime", "give a regime (gdpr or hipaa) or the keys of the suggestions to adopt")
	}
	res := &AdoptResult{Created: []*Obligation{}, Skipped: []string{}}
	review := NextReview(today(p))
	var created []string
	err := s.write(ctx, func(tx store) error {
		adopted, err := tx.adoptedKeys(ctx, p.Org.ID)
		if err != nil {
			return err
		}
		for _, sg := range chosen {
			if _, ok := adopted[sg.Key]; ok {
				res.Skipped = append(res.Skipped, sg.Key)
				continue
			}
			controlIDs, _, err := tx.resolveControls(ctx, p.Org.ID, sg.ControlRefs)
			if err != nil {
				return err
			}
			found, err := tx.existingRequirements(ctx, sg.RequirementIDs)
			if err != nil {
				return err
			}
			reqs := []string{}
			for _, id := range sg.RequirementIDs {
				if found[id] {
					reqs = append(reqs, id)
				}
			}
			o := &Obligation{Title: sg.Title, Source: sg.Source, Jurisdiction: sg.Jurisdiction, Requirement: sg.Requirement, Regime: sg.Regime,
				SuggestionKey: sg.Key, ReviewDate: ptr(review), ControlIDs: controlIDs, RequirementIDs: reqs}
			if p.MemberID != "" {
				o.OwnerID = ptr(p.MemberID)
			}
			if err := o.Validate(); err != nil {
				return fmt.Errorf("suggestion %s: %w", sg.Key, err)
			}
			if err := tx.Insert(ctx, p.Org.ID, o); err != nil {
				return err
			}
			ch := bulwark.Changes{"suggestion_key": {After: sg.Key}, "title": {After: o.Title}, "regime": {After: o.Regime},
				"control_ids": {After: sorted(controlIDs)}, "requirement_ids": {After: sorted(reqs)}, "review_date": {After: review}}
			if err := app.Audit(ctx, tx.Tx, p.Org.ID, app.MetaOf(p), "obligation.adopt", "obligation", o.ID, o.Ref, ch); err != nil {
				return err
			}
			adopted[sg.Key] = o.ID
			created = append(created, o.ID)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, id := range created {
		o, err := s.Get(ctx, p, id)
		if err != nil {
			return nil, err
		}
		res.Created = append(res.Created, o)
	}
	return res, nil
}

// Counts are the dashboard's figures: active obligations, how many are past their review date, and the regimes.
type Counts struct {
	Active, PastReview int
	Regimes            []string
}

// Counts returns the dashboard's figures for the principal's organisation.
func (s *Service) Counts(ctx context.Context, p *bulwark.Principal) (Counts, error) {
	var c Counts
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return c, err
	}
	err := s.read(ctx, func(tx store) error {
		r, err := ReadinessOf(ctx, tx.Tx, p.Org.ID, today(p))
		if err != nil {
			return err
		}
		c.Active, c.PastReview = r.Active, r.PastReview
		c.Regimes, err = Regimes(ctx, tx.Tx, p.Org.ID)
		return err
	})
	return c, err
}

// Readiness returns the A.5.31 figures for the principal's organisation.
func (s *Service) Readiness(ctx context.Context, p *bulwark.Principal) (Readiness, error) {
	var r Readiness
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return r, err
	}
	err := s.read(ctx, func(tx store) error {
		var err error
		r, err = ReadinessOf(ctx, tx.Tx, p.Org.ID, today(p))
		return err
	})
	return r, err
}

// RegimesOf returns the regimes the principal's organisation is under (see Regimes).
func (s *Service) RegimesOf(ctx context.Context, p *bulwark.Principal) ([]string, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var out []string
	err := s.read(ctx, func(tx store) error {
		var err error
		out, err = Regimes(ctx, tx.Tx, p.Org.ID)
		return err
	})
	return out, err
}

package controls

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/sqlstore"
)

// ControlInput lists what a person may set on a control; nil fields stay.
type ControlInput struct {
	Title          *string
	Description    *string
	OwnerID        **string
	Status         *string
	Implementation *string
	Maturity       **int
	ReviewDate     **string
	// InclusionReasons replace the stated reasons; risk_treatment among them is ignored (it follows the risks).
	InclusionReasons       *[]string
	ExclusionJustification *string
	RequirementIDs         *[]string // manual links; mapped and derived links stay
}

// Controls lists the organisation's control set.
func (s *Service) Controls(ctx context.Context, p *bulwark.Principal, f ControlFilter) ([]*Control, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var out []*Control
	err := s.read(ctx, func(tx store) error {
		var err error
		out, err = tx.Controls(ctx, p.Org.ID, f)
		return err
	})
	return out, err
}

// Control returns one control with its requirement links.
func (s *Service) Control(ctx context.Context, p *bulwark.Principal, id string) (*Control, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var out *Control
	err := s.read(ctx, func(tx store) error {
		var err error
		out, err = tx.Control(ctx, p.Org.ID, id)
		return err
	})
	return out, err
}

func (in ControlInput) apply(c *Control) bulwark.Changes {
	ch := bulwark.Changes{}
	if in.Title != nil {
		t := strings.TrimSpace(*in.Title)
		app.Set(ch, "title", &c.Title, &t)
	}
	app.Set(ch, "description", &c.Description, in.Description)
	app.SetOpt(ch, "owner_id", &c.OwnerID, in.OwnerID)
	app.Set(ch, "status", &c.Status, in.Status)
	app.Set(ch, "implementation_description", &c.Implementation, in.Implementation)
	app.SetOpt(ch, "maturity", &c.Maturity, in.Maturity)
	app.SetOpt(ch, "review_date", &c.ReviewDate, in.ReviewDate)
	if in.ExclusionJustification != nil {
		j := strings.TrimSpace(*in.ExclusionJustification)
		app.Set(ch, "exclusion_justification", &c.ExclusionJustification, &j)
	}
	if in.InclusionReasons != nil {
		var stated []string
		for _, r := range *in.InclusionReasons {
			r = strings.ToLower(strings.TrimSpace(r))
			if r != "" && r != ReasonRiskTreatment && !slices.Contains(stated, r) {
				stated = append(stated, r)
			}
		}
		// The canonical order, unknown values last (Validate names them).
		slices.SortStableFunc(stated, func(a, b string) int { return reasonOrder(a) - reasonOrder(b) })
		if !slices.Equal(stated, c.stated) {
			ch["inclusion_reasons"] = bulwark.Change{Before: c.stated, After: stated}
			c.stated = stated
		}
	}
	c.derive()
	return ch
}

// reasonOrder is a reason's place in InclusionReasons, unknown ones last.
func reasonOrder(r string) int {
	if i := slices.Index(InclusionReasons, r); i >= 0 {
		return i
	}
	return len(InclusionReasons)
}

// CreateControl adds a custom control (ref C-001 …).
func (s *Service) CreateControl(ctx context.Context, p *bulwark.Principal, in ControlInput) (*Control, error) {
	if err := app.Require(p, bulwark.PermISMSCreate); err != nil {
		return nil, err
	}
	var out *Control
	err := s.write(ctx, func(tx store) error {
		var err error
		out, err = s.createControl(ctx, tx, p, in)
		return err
	})
	return out, err
}

// createControl is CreateControl inside the caller's transaction.
func (s *Service) createControl(ctx context.Context, tx store, p *bulwark.Principal, in ControlInput) (*Control, error) {
	c := &Control{Status: "not_started"}
	in.apply(c)
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if err := app.CheckMember(ctx, tx.Tx, p.Org.ID, "owner_id", c.OwnerID); err != nil {
		return nil, err
	}
	n, err := tx.NextRef(ctx, p.Org.ID, "C")
	if err != nil {
		return nil, err
	}
	c.Ref = bulwark.FormatRef("C", n)
	if err := tx.InsertControl(ctx, p.Org.ID, c); err != nil {
		return nil, err
	}
	if in.RequirementIDs != nil {
		if _, _, err := tx.SetControlRequirements(ctx, p.Org.ID, c.ID, *in.RequirementIDs); err != nil {
			return nil, err
		}
	}
	if err := app.Audit(ctx, tx.Tx, p.Org.ID, app.MetaOf(p), "control.create", "control", c.ID, c.Ref, bulwark.Changes{
		"title": bulwark.Added(c.Title), "status": bulwark.Added(c.Status), "owner_id": bulwark.Added(c.OwnerID),
	}); err != nil {
		return nil, err
	}
	if err := SoAChanged(ctx, tx.Tx, p); err != nil {
		return nil, err
	}
	return tx.Control(ctx, p.Org.ID, c.ID)
}

// UpdateControl changes a control; archive sets or clears archived_at (custom controls only).
func (s *Service) UpdateControl(ctx context.Context, p *bulwark.Principal, id string, in ControlInput, expect *int, archive *bool) (*Control, error) {
	if err := app.Require(p, bulwark.PermISMSEditOwn); err != nil {
		return nil, err
	}
	var out *Control
	err := s.write(ctx, func(tx store) error {
		var err error
		out, err = s.updateControl(ctx, tx, p, id, in, expect, archive)
		return err
	})
	return out, err
}

// BulkUpdateControls gives many controls the same owner, status, review date or exclusion justification
// (what in sets), each changed and audited as UpdateControl would; all or nothing. An error names the
// control that refused it.
func (s *Service) BulkUpdateControls(ctx context.Context, p *bulwark.Principal, ids []string, in ControlInput) (int, error) {
	if err := app.Require(p, bulwark.PermISMSEditOwn); err != nil {
		return 0, err
	}
	if len(ids) == 0 {
		return 0, bulwark.Invalid("ids", "choose at least one control")
	}
	if len(ids) > 1000 {
		return 0, bulwark.Invalid("ids", "at most 1,000 controls at once")
	}
	n := 0
	err := s.write(ctx, func(tx store) error {
		for _, id := range ids {
			before, err := tx.Control(ctx, p.Org.ID, id)
			if err != nil {
				return err
			}
			c, err := s.updateControl(ctx, tx, p, id, in, nil, nil)
			if err != nil {
				var be *bulwark.Error
				if errors.As(err, &be) && len(be.Fields) > 0 {
					for i := range be.Fields {
						be.Fields[i].Message = before.Ref + ": " + be.Fields[i].Message
					}
					return be
				}
				if code := bulwark.ErrorCode(err); code != bulwark.EINTERNAL {
					return bulwark.Errorf(code, "%s: %s", before.Ref, bulwark.ErrorMessage(err))
				}
				return err
			}
			if c.Version != before.Version {
				n++
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// updateControl is UpdateControl inside the caller's transaction.
func (s *Service) updateControl(ctx context.Context, tx store, p *bulwark.Principal, id string, in ControlInput, expect *int, archive *bool) (*Control, error) {
	var out *Control
	err := func() error {
		c, err := tx.Control(ctx, p.Org.ID, id)
		if err != nil {
			return err
		}
		if !app.CanEdit(p, c.OwnerID) {
			return bulwark.Errorf(bulwark.EFORBIDDEN, "You can change only the controls you own.")
		}
		if expect != nil && *expect != c.Version {
			return bulwark.Errorf(bulwark.ECONFLICT, "The control was changed by someone else (version %d, not %d); reload and try again.", c.Version, *expect)
		}
		oldOwner := c.OwnerID
		ch := in.apply(c)
		if err := c.Validate(); err != nil {
			return err
		}
		if !app.EqPtr(oldOwner, c.OwnerID) {
			if err := app.CheckMember(ctx, tx.Tx, p.Org.ID, "owner_id", c.OwnerID); err != nil {
				return err
			}
		}
		action := "control.update"
		if archive != nil && *archive != (c.ArchivedAt != nil) {
			if c.RequirementID != nil {
				return bulwark.Errorf(bulwark.ECONFLICT, "Annex A controls stay in the control set; mark %s not applicable instead.", c.Ref)
			}
			if *archive {
				now := tx.Now()
				c.ArchivedAt, action = &now, "control.archive"
			} else {
				c.ArchivedAt, action = nil, "control.restore"
			}
			ch["archived_at"] = bulwark.Change{After: c.ArchivedAt}
		}
		if in.RequirementIDs != nil {
			before, after, err := tx.SetControlRequirements(ctx, p.Org.ID, c.ID, *in.RequirementIDs)
			if err != nil {
				return err
			}
			if !slices.Equal(before, after) {
				ch["requirement_ids"] = bulwark.Change{Before: before, After: after}
			}
		}
		if len(ch) == 0 {
			out = c
			return nil
		}
		if err := tx.UpdateControl(ctx, p.Org.ID, c); err != nil {
			return err
		}
		if err := app.Audit(ctx, tx.Tx, p.Org.ID, app.MetaOf(p), action, "control", c.ID, c.Ref, ch); err != nil {
			return err
		}
		if err := SoAChanged(ctx, tx.Tx, p); err != nil {
			return err
		}
		out, err = tx.Control(ctx, p.Org.ID, c.ID)
		return err
	}()
	return out, err
}

// DecideRequirementLink confirms or rejects a link a mapping suggested between a control and a requirement:
// a confirmed link counts as a person's, a rejected one counts for nothing (and can be confirmed later).
func (s *Service) DecideRequirementLink(ctx context.Context, p *bulwark.Principal, controlID, requirementID, decision string) (*Control, error) {
	if err := app.Require(p, bulwark.PermISMSEditOwn); err != nil {
		return nil, err
	}
	origin := map[string]string{"confirm": OriginConfirmed, "reject": OriginRejected}[decision]
	if origin == "" {
		return nil, bulwark.Invalid("decision", "must be confirm or reject")
	}
	var out *Control
	err := s.write(ctx, func(tx store) error {
		c, err := tx.Control(ctx, p.Org.ID, controlID)
		if err != nil {
			return err
		}
		if !app.CanEdit(p, c.OwnerID) {
			return bulwark.Errorf(bulwark.EFORBIDDEN, "You can change only the controls you own.")
		}
		before, err := tx.decideLink(ctx, p.Org.ID, controlID, requirementID, origin)
		if err != nil {
			return err
		}
		if before != origin {
			if err := app.Audit(ctx, tx.Tx, p.Org.ID, app.MetaOf(p), "control.requirement_link", "control", c.ID, c.Ref, bulwark.Changes{
				"requirement_id": bulwark.Added(requirementID), "origin": {Before: before, After: origin}}); err != nil {
				return err
			}
		}
		out, err = tx.Control(ctx, p.Org.ID, controlID)
		return err
	})
	return out, err
}

// EvidenceLink is an evidence item as a control's page lists it.
type EvidenceLink struct {
	ID, Ref, Title, Kind string
	ValidUntil           *string
	Stale                bool
}

// EvidenceOf lists the live evidence items linked to c (the evidence register,
// an area above, links them; its table is read here as the SoA reads documents).
func (s *Service) EvidenceOf(ctx context.Context, p *bulwark.Principal, c *Control) ([]EvidenceLink, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	today := bulwark.Today(time.Now(), p.Org.Settings.TimeZone)
	out := []EvidenceLink{}
	err := s.DB.View(ctx, func(tx *sqlstore.Tx) error {
		rows, err := tx.Query(ctx, `SELECT e.id, e.ref, e.title, e.kind, e.valid_until FROM evidence_controls ec JOIN evidence e ON e.org_id = ec.org_id AND e.id = ec.evidence_id
			WHERE ec.org_id = ? AND ec.control_id = ? AND e.archived_at IS NULL ORDER BY e.ref_number`, p.Org.ID, c.ID)
		if err != nil {
			return fmt.Errorf("control evidence: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var l EvidenceLink
			var until sql.NullString
			if err := rows.Scan(&l.ID, &l.Ref, &l.Title, &l.Kind, &until); err != nil {
				return err
			}
			l.ValidUntil = sqlstore.StrPtr(until)
			l.Stale = l.ValidUntil != nil && *l.ValidUntil < today
			out = append(out, l)
		}
		return rows.Err()
	})
	return out, err
}

// SetNeedsAttention records, for each control id in flags, whether an automated
// check of it fails with nobody having accepted why. The monitoring area (above)
// works it out; the flag never changes a control's status, its version or its
// place in the SoA, so it is not a change a person made.
func SetNeedsAttention(ctx context.Context, tx *sqlstore.Tx, orgID string, flags map[string]bool) error {
	for id, on := range flags {
		if _, err := tx.Exec(ctx, `UPDATE controls SET needs_attention = ? WHERE org_id = ? AND id = ?`, on, orgID, id); err != nil {
			return fmt.Errorf("control attention: %w", err)
		}
	}
	return nil
}

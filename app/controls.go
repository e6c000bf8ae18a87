package app

import (
	"context"
	"strings"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/sqlstore"
)

// ControlInput lists what a person may set on a control; nil fields stay.
type ControlInput struct {
	Title          *string
	Description    *string
	OwnerID        **string
	Status         *string
	Implementation *string
	ReviewDate     **string
	RequirementIDs *[]string // manual links; mapped and derived links stay
	RiskIDs        *[]string
}

// Controls lists the organisation's control set.
func (s *Service) Controls(ctx context.Context, p *bulwark.Principal, f sqlstore.ControlFilter) ([]*bulwark.Control, error) {
	if err := Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var out []*bulwark.Control
	err := s.DB.Read(ctx, func(tx *sqlstore.Tx) error {
		var err error
		out, err = tx.Controls(ctx, p.Org.ID, f)
		return err
	})
	return out, err
}

// Control returns one control with its requirement links.
func (s *Service) Control(ctx context.Context, p *bulwark.Principal, id string) (*bulwark.Control, error) {
	if err := Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var out *bulwark.Control
	err := s.DB.Read(ctx, func(tx *sqlstore.Tx) error {
		var err error
		out, err = tx.Control(ctx, p.Org.ID, id)
		return err
	})
	return out, err
}

// CheckMember returns EINVALID unless memberID is an active member of the organisation.
func CheckMember(ctx context.Context, tx *sqlstore.Tx, orgID, field string, memberID *string) error {
	if memberID == nil {
		return nil
	}
	m, err := tx.Member(ctx, orgID, *memberID)
	if err != nil || !m.Active(tx.Now()) {
		return bulwark.Invalid(field, "must be the id of an active member of the organisation")
	}
	return nil
}

func (in ControlInput) apply(c *bulwark.Control) bulwark.Changes {
	ch := bulwark.Changes{}
	if in.Title != nil {
		t := strings.TrimSpace(*in.Title)
		Set(ch, "title", &c.Title, &t)
	}
	Set(ch, "description", &c.Description, in.Description)
	SetOpt(ch, "owner_id", &c.OwnerID, in.OwnerID)
	Set(ch, "status", &c.Status, in.Status)
	Set(ch, "implementation_description", &c.Implementation, in.Implementation)
	SetOpt(ch, "review_date", &c.ReviewDate, in.ReviewDate)
	return ch
}

// CreateControl adds a custom control (ref C-001 …).
func (s *Service) CreateControl(ctx context.Context, p *bulwark.Principal, in ControlInput) (*bulwark.Control, error) {
	if err := Require(p, bulwark.PermISMSCreate); err != nil {
		return nil, err
	}
	c := &bulwark.Control{Status: "not_started"}
	in.apply(c)
	if err := c.Validate(); err != nil {
		return nil, err
	}
	var out *bulwark.Control
	err := s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
		if err := CheckMember(ctx, tx, p.Org.ID, "owner_id", c.OwnerID); err != nil {
			return err
		}
		n, err := tx.NextRef(ctx, p.Org.ID, "C")
		if err != nil {
			return err
		}
		c.Ref = bulwark.FormatRef("C", n)
		if err := tx.InsertControl(ctx, p.Org.ID, c); err != nil {
			return err
		}
		if in.RequirementIDs != nil {
			if err := tx.SetControlRequirements(ctx, p.Org.ID, c.ID, *in.RequirementIDs); err != nil {
				return err
			}
		}
		if err := Audit(ctx, tx, p.Org.ID, MetaOf(p), "control.create", "control", c.ID, c.Ref, bulwark.Changes{
			"title": bulwark.Added(c.Title), "status": bulwark.Added(c.Status), "owner_id": bulwark.Added(c.OwnerID),
		}); err != nil {
			return err
		}
		out, err = tx.Control(ctx, p.Org.ID, c.ID)
		return err
	})
	return out, err
}

// CanEdit says whether p may change a record owned by ownerIDs: with PermISMSEdit
// anything, with PermISMSEditOwn only what they own or are assigned.
func CanEdit(p *bulwark.Principal, ownerIDs ...*string) bool {
	if p.Can(bulwark.PermISMSEdit) {
		return true
	}
	if !p.Can(bulwark.PermISMSEditOwn) {
		return false
	}
	for _, o := range ownerIDs {
		if o != nil && *o == p.MemberID {
			return true
		}
	}
	return false
}

// UpdateControl changes a control; archive sets or clears archived_at (custom controls only).
func (s *Service) UpdateControl(ctx context.Context, p *bulwark.Principal, id string, in ControlInput, expect *int, archive *bool) (*bulwark.Control, error) {
	if err := Require(p, bulwark.PermISMSEditOwn); err != nil {
		return nil, err
	}
	var out *bulwark.Control
	err := s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
		c, err := tx.Control(ctx, p.Org.ID, id)
		if err != nil {
			return err
		}
		if !CanEdit(p, c.OwnerID) {
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
		if !EqPtr(oldOwner, c.OwnerID) {
			if err := CheckMember(ctx, tx, p.Org.ID, "owner_id", c.OwnerID); err != nil {
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
			if err := tx.SetControlRequirements(ctx, p.Org.ID, c.ID, *in.RequirementIDs); err != nil {
				return err
			}
			ch["requirement_ids"] = bulwark.Change{After: *in.RequirementIDs}
		}
		if in.RiskIDs != nil {
			return bulwark.Invalid("risk_ids", "is read-only here: link controls from the risk (its control_ids)")
		}
		if len(ch) == 0 {
			out = c
			return nil
		}
		if err := tx.UpdateControl(ctx, p.Org.ID, c); err != nil {
			return err
		}
		if err := Audit(ctx, tx, p.Org.ID, MetaOf(p), action, "control", c.ID, c.Ref, ch); err != nil {
			return err
		}
		out, err = tx.Control(ctx, p.Org.ID, c.ID)
		return err
	})
	return out, err
}

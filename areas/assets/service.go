package assets

import (
	"context"
	"strings"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
)

// AssetInput lists what a person may set on an asset; nil fields stay as they are.
type AssetInput struct {
	Ref             *string
	Name            *string
	Type            *string
	Description     *string
	OwnerID         **string
	CustodianID     **string
	Location        *string
	Classification  *string
	Confidentiality **int
	Integrity       **int
	Availability    **int
	PersonalData    *bool
	Status          *string
	ReviewDate      **string
	Tags            *[]string
}

// apply copies the given fields onto a and returns what changed.
func (in AssetInput) apply(a *Asset) bulwark.Changes {
	ch := bulwark.Changes{}
	if in.Name != nil {
		n := strings.TrimSpace(*in.Name)
		app.Set(ch, "name", &a.Name, &n)
	}
	if in.Type != nil {
		t := strings.ToLower(strings.TrimSpace(*in.Type))
		app.Set(ch, "type", &a.Type, &t)
	}
	app.Set(ch, "description", &a.Description, in.Description)
	app.SetOpt(ch, "owner_id", &a.OwnerID, in.OwnerID)
	app.SetOpt(ch, "custodian_id", &a.CustodianID, in.CustodianID)
	if in.Location != nil {
		l := strings.TrimSpace(*in.Location)
		app.Set(ch, "location", &a.Location, &l)
	}
	if in.Classification != nil {
		c := strings.TrimSpace(*in.Classification)
		app.Set(ch, "classification", &a.Classification, &c)
	}
	app.SetOpt(ch, "confidentiality", &a.Confidentiality, in.Confidentiality)
	app.SetOpt(ch, "integrity", &a.Integrity, in.Integrity)
	app.SetOpt(ch, "availability", &a.Availability, in.Availability)
	app.Set(ch, "personal_data", &a.PersonalData, in.PersonalData)
	if in.Status != nil {
		st := strings.ToLower(strings.TrimSpace(*in.Status))
		app.Set(ch, "status", &a.Status, &st)
	}
	app.SetOpt(ch, "review_date", &a.ReviewDate, in.ReviewDate)
	if in.Tags != nil {
		tags := NormalizeTags(*in.Tags)
		if strings.Join(tags, "|") != strings.Join(a.Tags, "|") {
			ch["tags"] = bulwark.Change{Before: a.Tags, After: tags}
			a.Tags = tags
		}
	}
	return ch
}

// matchClassification returns the scheme's spelling of c (case-insensitive), or c.
func matchClassification(scheme []string, c string) string {
	for _, s := range scheme {
		if strings.EqualFold(s, c) {
			return s
		}
	}
	return c
}

// validateAsset checks a against the rules and the scheme; an owner or custodian
// must be an active member when it changes (before is nil for a new asset).
func validateAsset(ctx context.Context, tx store, orgID string, a, before *Asset, scheme []string) error {
	a.Classification = matchClassification(scheme, a.Classification)
	if err := a.Validate(scheme); err != nil {
		return err
	}
	if before == nil || !app.EqPtr(a.OwnerID, before.OwnerID) {
		if err := app.CheckMember(ctx, tx.Tx, orgID, "owner_id", a.OwnerID); err != nil {
			return err
		}
	}
	if before == nil || !app.EqPtr(a.CustodianID, before.CustodianID) {
		return app.CheckMember(ctx, tx.Tx, orgID, "custodian_id", a.CustodianID)
	}
	return nil
}

// CreateAsset adds an asset; without a ref it gets the next A-NNN.
func (s *Service) CreateAsset(ctx context.Context, p *bulwark.Principal, in AssetInput) (*Asset, error) {
	if err := app.Require(p, bulwark.PermISMSCreate); err != nil {
		return nil, err
	}
	a := &Asset{Status: "in_use", Tags: []string{}}
	ch := in.apply(a)
	if in.Ref != nil && strings.TrimSpace(*in.Ref) != "" {
		a.Ref = strings.ToUpper(strings.TrimSpace(*in.Ref))
		if !bulwark.ValidRef(a.Ref) {
			return nil, bulwark.Invalid("ref", "must look like A-001: letters and digits, a dash, digits")
		}
	}
	err := s.write(ctx, func(tx store) error {
		scheme, err := tx.Classifications(ctx, p.Org.ID)
		if err != nil {
			return err
		}
		if err := validateAsset(ctx, tx, p.Org.ID, a, nil, scheme); err != nil {
			return err
		}
		if err := tx.InsertAsset(ctx, p.Org.ID, a); err != nil {
			return err
		}
		return app.Audit(ctx, tx.Tx, p.Org.ID, app.MetaOf(p), "asset.create", "asset", a.ID, a.Ref, ch)
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// Asset returns one asset, archived or not.
func (s *Service) Asset(ctx context.Context, p *bulwark.Principal, id string) (*Asset, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var out *Asset
	err := s.view(ctx, func(tx store) error {
		var err error
		out, err = tx.Asset(ctx, p.Org.ID, id)
		return err
	})
	return out, err
}

// Assets lists one page of assets.
func (s *Service) Assets(ctx context.Context, p *bulwark.Principal, f AssetFilter) ([]*Asset, string, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, "", err
	}
	var out []*Asset
	var next string
	err := s.read(ctx, func(tx store) error {
		var err error
		out, next, err = tx.Assets(ctx, p.Org.ID, f)
		return err
	})
	return out, next, err
}

// UpdateAsset changes an asset. Archiving (archive true) hides it from lists; it
// stays readable by id. expect is the version the caller saw (optional).
func (s *Service) UpdateAsset(ctx context.Context, p *bulwark.Principal, id string, in AssetInput, expect *int, archive *bool) (*Asset, error) {
	if err := app.Require(p, bulwark.PermISMSEditOwn); err != nil {
		return nil, err
	}
	var out *Asset
	err := s.write(ctx, func(tx store) error {
		a, err := tx.Asset(ctx, p.Org.ID, id)
		if err != nil {
			return err
		}
		if !app.CanEdit(p, a.OwnerID, a.CustodianID) {
			return bulwark.Errorf(bulwark.EFORBIDDEN, "You can change only the assets you own or look after.")
		}
		if expect != nil && *expect != a.Version {
			return bulwark.Errorf(bulwark.ECONFLICT, "The asset was changed by someone else (version %d, not %d); reload and try again.", a.Version, *expect)
		}
		if in.Ref != nil && !strings.EqualFold(strings.TrimSpace(*in.Ref), a.Ref) {
			return bulwark.Invalid("ref", "cannot be changed")
		}
		before := *a
		ch := in.apply(a)
		scheme, err := tx.Classifications(ctx, p.Org.ID)
		if err != nil {
			return err
		}
		if err := validateAsset(ctx, tx, p.Org.ID, a, &before, scheme); err != nil {
			return err
		}
		action := "asset.update"
		if archive != nil && *archive != (a.ArchivedAt != nil) {
			if *archive {
				now := tx.Now()
				a.ArchivedAt, action = &now, "asset.archive"
			} else {
				a.ArchivedAt, action = nil, "asset.restore"
			}
			ch["archived_at"] = bulwark.Change{After: a.ArchivedAt}
		}
		out = a
		if len(ch) == 0 {
			return nil
		}
		if err := tx.UpdateAsset(ctx, p.Org.ID, a); err != nil {
			return err
		}
		return app.Audit(ctx, tx.Tx, p.Org.ID, app.MetaOf(p), action, "asset", a.ID, a.Ref, ch)
	})
	return out, err
}

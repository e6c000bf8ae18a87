package app

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/password"
	"github.com/bulwark-isms/bulwark/sqlstore"
)

// NewOrganisation is what creating an organisation takes.
type NewOrganisation struct {
	Name       string
	Slug       string // optional; derived from Name
	OwnerEmail string
	OwnerName  string // optional for a new user; the email's local part by default
	Password   string // the new owner's password, or an existing user's (must match)
}

// seedOrganisation is the one function through which every organisation is
// created (CLI, first-run page, UI): it stores the organisation with its default
// settings and makes ownerID its owner. Later modules add their seeds here (the
// classification scheme, risk methodology, control set, threat library, checks),
// and a migration backfills organisations created before a seed existed.
func (s *Service) seedOrganisation(ctx context.Context, tx *sqlstore.Tx, m Meta, name, slug, ownerID string) (*bulwark.Organisation, error) {
	if err := bulwark.ValidateOrgName(name); err != nil {
		return nil, err
	}
	if slug == "" {
		slug = bulwark.Slugify(name)
		if slug == "" {
			return nil, bulwark.Invalid("slug", "cannot be derived from this name; give a slug of letters, digits and dashes")
		}
	} else if !bulwark.ValidSlug(slug) {
		return nil, bulwark.Invalid("slug", "must be lowercase letters, digits and single dashes, at most 63 characters")
	}
	if m.ActorID == "" { // the first-run page: the new owner acts
		m.ActorID = ownerID
	}
	o := &bulwark.Organisation{Name: strings.TrimSpace(name), Slug: slug, Settings: bulwark.DefaultSettings()}
	if err := tx.InsertOrganisation(ctx, o); err != nil {
		return nil, err
	}
	if err := Audit(ctx, tx, o.ID, m, "organisation.create", "organisation", o.ID, o.Slug, bulwark.Changes{
		"name": bulwark.Added(o.Name), "slug": bulwark.Added(o.Slug), "time_zone": bulwark.Added(o.Settings.TimeZone),
		"segregation_of_duties": bulwark.Added(o.Settings.SegregationOfDuties),
	}); err != nil {
		return nil, err
	}
	// The seeds: the default classification scheme, then what each area starts an
	// organisation with (the control set, the risk methodology and library).
	if err := tx.SeedClassificationScheme(ctx, o.ID); err != nil {
		return nil, err
	}
	for _, seed := range s.seeders {
		if err := seed(ctx, tx, o.ID); err != nil {
			return nil, err
		}
	}
	mem, err := tx.InsertMember(ctx, o.ID, ownerID, bulwark.RoleOwner, nil)
	if err != nil {
		return nil, err
	}
	if err := Audit(ctx, tx, o.ID, m, "member.create", "member", mem.ID, mem.Email, bulwark.Changes{
		"user_id": bulwark.Added(ownerID), "role": bulwark.Added(string(bulwark.RoleOwner)),
	}); err != nil {
		return nil, err
	}
	return o, nil
}

// CreateOrganisation creates an organisation and its owner; for the CLI's setup
// and the first-run page. For an existing user the password must match, else
// nothing is created.
func (s *Service) CreateOrganisation(ctx context.Context, in NewOrganisation, m Meta) (*bulwark.Organisation, *bulwark.User, error) {
	email := bulwark.NormalizeEmail(in.OwnerEmail)
	if err := bulwark.ValidateEmail("email", email); err != nil {
		return nil, nil, err
	}
	// Hash outside the transaction: it is slow and needs no database.
	var hash string
	var existing *bulwark.User
	var existingHash string
	err := s.DB.Read(ctx, func(tx *sqlstore.Tx) error {
		u, h, err := tx.UserByEmail(ctx, email)
		if err == nil {
			existing, existingHash = u, h
			return nil
		}
		if bulwark.ErrorCode(err) == bulwark.ENOTFOUND {
			return nil
		}
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	if existing != nil {
		if err := s.Hasher.Verify(ctx, in.Password, existingHash); err != nil {
			if errors.Is(err, password.ErrMismatch) {
				return nil, nil, bulwark.Invalid("password", "does not match the existing account of "+email)
			}
			return nil, nil, err
		}
	} else {
		if err := bulwark.ValidatePassword("password", in.Password); err != nil {
			return nil, nil, err
		}
		if hash, err = s.Hasher.Hash(ctx, in.Password); err != nil {
			return nil, nil, fmt.Errorf("hash password: %w", err)
		}
	}
	var org *bulwark.Organisation
	user := existing
	err = s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
		if user == nil {
			name := strings.TrimSpace(in.OwnerName)
			if name == "" {
				name, _, _ = strings.Cut(email, "@")
			}
			user = &bulwark.User{Email: email, Name: name}
			if err := tx.InsertUser(ctx, user, hash); err != nil {
				return err
			}
		}
		var err error
		org, err = s.seedOrganisation(ctx, tx, m, in.Name, in.Slug, user.ID)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return org, user, nil
}

// CreateOrganisationFor creates an organisation owned by the signed-in user.
func (s *Service) CreateOrganisationFor(ctx context.Context, user *bulwark.User, name, slug string, m Meta) (*bulwark.Organisation, error) {
	var org *bulwark.Organisation
	err := s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
		var err error
		org, err = s.seedOrganisation(ctx, tx, m, name, slug, user.ID)
		return err
	})
	return org, err
}

// NeedsSetup reports whether the instance has no organisation yet.
func (s *Service) NeedsSetup(ctx context.Context) (bool, error) {
	var n int
	err := s.DB.Read(ctx, func(tx *sqlstore.Tx) error {
		var err error
		n, err = tx.CountOrganisations(ctx)
		return err
	})
	return n == 0, err
}

// IssueSetupCode records and returns a one-time code for the first-run page;
// `serve` prints it in its log so nobody else can claim a fresh public server.
func (s *Service) IssueSetupCode(ctx context.Context) (string, error) {
	code, hash := newSecret(9)
	err := s.DB.Write(ctx, func(tx *sqlstore.Tx) error { return tx.InsertSetupCode(ctx, hash) })
	return code, err
}

// FirstRunSetup creates the first organisation from the first-run page, given a
// valid setup code; it refuses once any organisation exists.
func (s *Service) FirstRunSetup(ctx context.Context, code string, in NewOrganisation, m Meta) (*bulwark.Organisation, *bulwark.User, error) {
	var ok bool
	err := s.DB.Read(ctx, func(tx *sqlstore.Tx) error {
		n, err := tx.CountOrganisations(ctx)
		if err != nil {
			return err
		}
		if n > 0 {
			return bulwark.Errorf(bulwark.ECONFLICT, "Bulwark is already set up; sign in instead.")
		}
		ok, err = tx.SetupCodeValid(ctx, HashSecret(strings.TrimSpace(code)))
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, nil, bulwark.Invalid("code", "is not the setup code printed in the server's log")
	}
	org, user, err := s.CreateOrganisation(ctx, in, m)
	if err != nil {
		return nil, nil, err
	}
	if err := s.DB.Write(ctx, func(tx *sqlstore.Tx) error { return tx.DeleteSetupCodes(ctx) }); err != nil {
		s.Log.Warn("could not delete setup codes", "err", err)
	}
	return org, user, nil
}

// OrganisationBySlug returns an organisation for the CLI.
func (s *Service) OrganisationBySlug(ctx context.Context, slug string) (*bulwark.Organisation, error) {
	var o *bulwark.Organisation
	err := s.DB.Read(ctx, func(tx *sqlstore.Tx) error {
		var err error
		o, err = tx.OrganisationBySlug(ctx, slug)
		return err
	})
	return o, err
}

// Organisations lists every organisation, for the CLI.
func (s *Service) Organisations(ctx context.Context) ([]*bulwark.Organisation, error) {
	var out []*bulwark.Organisation
	err := s.DB.Read(ctx, func(tx *sqlstore.Tx) error {
		var err error
		out, err = tx.Organisations(ctx)
		return err
	})
	return out, err
}

// SettingsUpdate lists what an owner may change; nil fields stay.
type SettingsUpdate struct {
	Name                *string
	TimeZone            *string
	DateOrder           *string
	SegregationOfDuties *bool
	ExpectVersion       *int // optimistic lock
}

// UpdateSettings changes the organisation's name and settings (owner only).
func (s *Service) UpdateSettings(ctx context.Context, p *bulwark.Principal, u SettingsUpdate) (*bulwark.Organisation, error) {
	if err := Require(p, bulwark.PermOrgSettings); err != nil {
		return nil, err
	}
	var out *bulwark.Organisation
	err := s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
		o, err := tx.OrganisationByID(ctx, p.Org.ID)
		if err != nil {
			return err
		}
		if u.ExpectVersion != nil && *u.ExpectVersion != o.Version {
			return bulwark.Errorf(bulwark.ECONFLICT, "The settings were changed by someone else (version %d, not %d); reload and try again.", o.Version, *u.ExpectVersion)
		}
		before := *o
		ch := bulwark.Changes{}
		if u.Name != nil {
			if err := bulwark.ValidateOrgName(*u.Name); err != nil {
				return err
			}
			o.Name = strings.TrimSpace(*u.Name)
		}
		if u.TimeZone != nil {
			o.Settings.TimeZone = strings.TrimSpace(*u.TimeZone)
		}
		if u.DateOrder != nil {
			o.Settings.DateOrder = strings.ToUpper(strings.TrimSpace(*u.DateOrder))
		}
		if u.SegregationOfDuties != nil {
			o.Settings.SegregationOfDuties = *u.SegregationOfDuties
		}
		if err := o.Settings.Validate(); err != nil {
			return err
		}
		if before.Name != o.Name {
			ch["name"] = bulwark.Change{Before: before.Name, After: o.Name}
		}
		if before.Settings.TimeZone != o.Settings.TimeZone {
			ch["time_zone"] = bulwark.Change{Before: before.Settings.TimeZone, After: o.Settings.TimeZone}
		}
		if before.Settings.DateOrder != o.Settings.DateOrder {
			ch["date_order"] = bulwark.Change{Before: before.Settings.DateOrder, After: o.Settings.DateOrder}
		}
		if before.Settings.SegregationOfDuties != o.Settings.SegregationOfDuties {
			ch["segregation_of_duties"] = bulwark.Change{Before: before.Settings.SegregationOfDuties, After: o.Settings.SegregationOfDuties}
		}
		out = o
		if len(ch) == 0 {
			return nil
		}
		if err := tx.UpdateOrganisation(ctx, o); err != nil {
			return err
		}
		return Audit(ctx, tx, o.ID, MetaOf(p), "organisation.update", "organisation", o.ID, o.Slug, ch)
	})
	return out, err
}

// Memberships lists the organisations the user can switch to.
func (s *Service) Memberships(ctx context.Context, userID string) ([]bulwark.Membership, error) {
	var out []bulwark.Membership
	err := s.DB.Read(ctx, func(tx *sqlstore.Tx) error {
		var err error
		out, err = tx.MembershipsOfUser(ctx, userID)
		return err
	})
	return out, err
}

// SetClassificationScheme replaces the organisation's classification levels
// (lowest first): 2 to 10 distinct names of at most 40 characters.
func (s *Service) SetClassificationScheme(ctx context.Context, p *bulwark.Principal, names []string) ([]string, error) {
	if err := Require(p, bulwark.PermOrgSettings); err != nil {
		return nil, err
	}
	var clean []string
	seen := map[string]bool{}
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		if seen[strings.ToLower(n)] || len(n) > 40 || strings.Contains(n, "|") {
			return nil, bulwark.Invalid("classification_scheme", "levels must be distinct names of at most 40 characters without |")
		}
		seen[strings.ToLower(n)] = true
		clean = append(clean, n)
	}
	if len(clean) < 2 || len(clean) > 10 {
		return nil, bulwark.Invalid("classification_scheme", "give 2 to 10 levels, lowest first")
	}
	err := s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
		before, err := tx.Classifications(ctx, p.Org.ID)
		if err != nil {
			return err
		}
		if strings.Join(before, "|") == strings.Join(clean, "|") {
			return nil
		}
		if err := tx.SetClassificationScheme(ctx, p.Org.ID, clean); err != nil {
			return err
		}
		return Audit(ctx, tx, p.Org.ID, MetaOf(p), "organisation.classification_scheme", "organisation", p.Org.ID, p.Org.Slug,
			bulwark.Changes{"classification_scheme": {Before: before, After: clean}})
	})
	return clean, err
}

// Classifications returns the organisation's classification scheme, lowest first.
func (s *Service) Classifications(ctx context.Context, p *bulwark.Principal) ([]string, error) {
	if err := Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var out []string
	err := s.DB.View(ctx, func(tx *sqlstore.Tx) error {
		var err error
		out, err = tx.Classifications(ctx, p.Org.ID)
		return err
	})
	return out, err
}

package people

import (
	"context"
	"slices"
	"strings"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/sqlstore"
)

// Service is the workforce register's operations (7.2): each checks the
// principal's permission, stays inside its organisation and writes its audit
// entry in the same transaction as the change.
type Service struct {
	*app.Service
}

// PermImport is what importing people needs.
const PermImport = bulwark.PermISMSEdit

// New returns the people area's service over the kernel's.
func New(k *app.Service) *Service {
	k.AddImport("people", PermImport)
	return &Service{Service: k}
}

// store is a transaction seen from the people area.
type store struct{ *sqlstore.Tx }

func (s *Service) write(ctx context.Context, fn func(tx store) error) error {
	return s.DB.Write(ctx, func(tx *sqlstore.Tx) error { return fn(store{tx}) })
}

func (s *Service) read(ctx context.Context, fn func(tx store) error) error {
	return s.DB.Read(ctx, func(tx *sqlstore.Tx) error { return fn(store{tx}) })
}

func (s *Service) view(ctx context.Context, fn func(tx store) error) error {
	return s.DB.View(ctx, func(tx *sqlstore.Tx) error { return fn(store{tx}) })
}

// apply copies the given fields onto p and returns what changed.
func (in PersonInput) apply(p *Person) bulwark.Changes {
	ch := bulwark.Changes{}
	trim := func(s *string, lower bool) *string {
		if s == nil {
			return nil
		}
		v := strings.TrimSpace(*s)
		if lower {
			v = strings.ToLower(v)
		}
		return &v
	}
	app.Set(ch, "name", &p.Name, trim(in.Name, false))
	app.Set(ch, "email", &p.Email, trim(in.Email, true))
	app.Set(ch, "department", &p.Department, trim(in.Department, false))
	app.Set(ch, "status", &p.Status, trim(in.Status, true))
	app.SetOpt(ch, "manager_id", &p.ManagerID, in.ManagerID)
	app.SetOpt(ch, "start_date", &p.StartDate, in.StartDate)
	if in.GroupIDs != nil {
		gs := uniq(*in.GroupIDs)
		if strings.Join(gs, "|") != strings.Join(p.GroupIDs, "|") {
			ch["group_ids"] = bulwark.Change{Before: p.GroupIDs, After: gs}
			p.GroupIDs = gs
		}
	}
	return ch
}

func uniq(ids []string) []string {
	out := []string{}
	for _, id := range ids {
		if id = strings.TrimSpace(id); id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// validatePerson checks p's fields, that its manager is another person of the
// organisation and its groups are the organisation's.
func validatePerson(ctx context.Context, tx store, orgID string, p *Person) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if p.ManagerID != nil {
		m, err := tx.Person(ctx, orgID, *p.ManagerID)
		if bulwark.ErrorCode(err) == bulwark.ENOTFOUND {
			return bulwark.Invalid("manager_id", "is not a person of this organisation")
		} else if err != nil {
			return err
		}
		for seen := 0; m != nil && m.ManagerID != nil && seen < 100; seen++ { // no management loops
			if *m.ManagerID == p.ID {
				return bulwark.Invalid("manager_id", "would make a loop of managers")
			}
			if m, err = tx.Person(ctx, orgID, *m.ManagerID); err != nil {
				return err
			}
		}
	}
	if len(p.GroupIDs) > 0 {
		gs, err := tx.Groups(ctx, orgID)
		if err != nil {
			return err
		}
		for _, id := range p.GroupIDs {
			if !slices.ContainsFunc(gs, func(g *Group) bool { return g.ID == id }) {
				return bulwark.Invalid("group_ids", "names a group that does not exist: "+id)
			}
		}
	}
	return nil
}

// CreatePerson adds a person; without a ref they get the next P-NNN.
func (s *Service) CreatePerson(ctx context.Context, p *bulwark.Principal, in PersonInput) (*Person, error) {
	if err := app.Require(p, bulwark.PermISMSCreate); err != nil {
		return nil, err
	}
	per := &Person{Status: "active", GroupIDs: []string{}, ID: sqlstore.NewID()}
	ch := in.apply(per)
	if in.Ref != nil && strings.TrimSpace(*in.Ref) != "" {
		per.Ref = strings.ToUpper(strings.TrimSpace(*in.Ref))
		if !bulwark.ValidRef(per.Ref) {
			return nil, bulwark.Invalid("ref", "must look like P-001: letters and digits, a dash, digits")
		}
	}
	err := s.write(ctx, func(tx store) error {
		if err := validatePerson(ctx, tx, p.Org.ID, per); err != nil {
			return err
		}
		if err := tx.InsertPerson(ctx, p.Org.ID, per); err != nil {
			return err
		}
		out, err := tx.Person(ctx, p.Org.ID, per.ID)
		if err != nil {
			return err
		}
		per = out
		return app.Audit(ctx, tx.Tx, p.Org.ID, app.MetaOf(p), "person.create", "person", per.ID, per.Ref, ch)
	})
	if err != nil {
		return nil, err
	}
	return per, nil
}

// Person returns one person, archived or not.
func (s *Service) Person(ctx context.Context, p *bulwark.Principal, id string) (*Person, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var out *Person
	err := s.view(ctx, func(tx store) error {
		var err error
		out, err = tx.Person(ctx, p.Org.ID, id)
		return err
	})
	return out, err
}

// People lists one page of people.
func (s *Service) People(ctx context.Context, p *bulwark.Principal, f PersonFilter) ([]*Person, string, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, "", err
	}
	var out []*Person
	var next string
	err := s.read(ctx, func(tx store) error {
		var err error
		out, next, err = tx.People(ctx, p.Org.ID, f)
		return err
	})
	return out, next, err
}

// UpdatePerson changes a person; archive true hides them from lists.
func (s *Service) UpdatePerson(ctx context.Context, p *bulwark.Principal, id string, in PersonInput, expect *int, archive *bool) (*Person, error) {
	if err := app.Require(p, bulwark.PermISMSEdit); err != nil {
		return nil, err
	}
	var out *Person
	err := s.write(ctx, func(tx store) error {
		per, err := tx.Person(ctx, p.Org.ID, id)
		if err != nil {
			return err
		}
		if expect != nil && *expect != per.Version {
			return bulwark.Errorf(bulwark.ECONFLICT, "The person was changed by someone else (version %d, not %d); reload and try again.", per.Version, *expect)
		}
		if in.Ref != nil && !strings.EqualFold(strings.TrimSpace(*in.Ref), per.Ref) {
			return bulwark.Invalid("ref", "cannot be changed")
		}
		ch := in.apply(per)
		if err := validatePerson(ctx, tx, p.Org.ID, per); err != nil {
			return err
		}
		action := "person.update"
		if archive != nil && *archive != (per.ArchivedAt != nil) {
			if *archive {
				now := tx.Now()
				per.ArchivedAt, action = &now, "person.archive"
			} else {
				per.ArchivedAt, action = nil, "person.restore"
			}
			ch["archived_at"] = bulwark.Change{After: per.ArchivedAt}
		}
		out = per
		if len(ch) == 0 {
			return nil
		}
		_, groups := ch["group_ids"]
		if err := tx.UpdatePerson(ctx, p.Org.ID, per, groups); err != nil {
			return err
		}
		if out, err = tx.Person(ctx, p.Org.ID, per.ID); err != nil {
			return err
		}
		return app.Audit(ctx, tx.Tx, p.Org.ID, app.MetaOf(p), action, "person", per.ID, per.Ref, ch)
	})
	return out, err
}

// Groups lists the organisation's groups.
func (s *Service) Groups(ctx context.Context, p *bulwark.Principal) ([]*Group, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var out []*Group
	err := s.view(ctx, func(tx store) error {
		var err error
		out, err = tx.Groups(ctx, p.Org.ID)
		return err
	})
	return out, err
}

// Group returns one group.
func (s *Service) Group(ctx context.Context, p *bulwark.Principal, id string) (*Group, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var out *Group
	err := s.view(ctx, func(tx store) error {
		var err error
		out, err = tx.Group(ctx, p.Org.ID, id)
		return err
	})
	return out, err
}

func validateGroup(g *Group) error {
	var v bulwark.Validation
	g.Name = strings.TrimSpace(g.Name)
	if g.Name == "" || len(g.Name) > 100 || strings.Contains(g.Name, "|") {
		v.Add("name", "must be 1 to 100 characters without |")
	}
	if len(g.Description) > 2000 {
		v.Add("description", "must be at most 2,000 characters")
	}
	return v.Err()
}

// CreateGroup adds a group.
func (s *Service) CreateGroup(ctx context.Context, p *bulwark.Principal, name, description string) (*Group, error) {
	if err := app.Require(p, bulwark.PermISMSCreate); err != nil {
		return nil, err
	}
	g := &Group{Name: name, Description: description}
	if err := validateGroup(g); err != nil {
		return nil, err
	}
	err := s.write(ctx, func(tx store) error {
		if err := tx.InsertGroup(ctx, p.Org.ID, g); err != nil {
			return err
		}
		return app.Audit(ctx, tx.Tx, p.Org.ID, app.MetaOf(p), "group.create", "group", g.ID, g.Name, bulwark.Changes{"name": bulwark.Added(g.Name)})
	})
	return g, err
}

// UpdateGroup renames or redescribes a group (nil: unchanged).
func (s *Service) UpdateGroup(ctx context.Context, p *bulwark.Principal, id string, name, description *string, expect *int) (*Group, error) {
	if err := app.Require(p, bulwark.PermISMSEdit); err != nil {
		return nil, err
	}
	var out *Group
	err := s.write(ctx, func(tx store) error {
		g, err := tx.Group(ctx, p.Org.ID, id)
		if err != nil {
			return err
		}
		if expect != nil && *expect != g.Version {
			return bulwark.Errorf(bulwark.ECONFLICT, "The group was changed by someone else; reload and try again.")
		}
		ch := bulwark.Changes{}
		app.Set(ch, "name", &g.Name, name)
		app.Set(ch, "description", &g.Description, description)
		if err := validateGroup(g); err != nil {
			return err
		}
		out = g
		if len(ch) == 0 {
			return nil
		}
		if err := tx.UpdateGroup(ctx, p.Org.ID, g); err != nil {
			return err
		}
		return app.Audit(ctx, tx.Tx, p.Org.ID, app.MetaOf(p), "group.update", "group", g.ID, g.Name, ch)
	})
	return out, err
}

// DeleteGroup removes a group; its people stay.
func (s *Service) DeleteGroup(ctx context.Context, p *bulwark.Principal, id string) error {
	if err := app.Require(p, bulwark.PermISMSEdit); err != nil {
		return err
	}
	return s.write(ctx, func(tx store) error {
		g, err := tx.Group(ctx, p.Org.ID, id)
		if err != nil {
			return err
		}
		if err := tx.DeleteGroup(ctx, p.Org.ID, id); err != nil {
			return err
		}
		return app.Audit(ctx, tx.Tx, p.Org.ID, app.MetaOf(p), "group.delete", "group", g.ID, g.Name, bulwark.Changes{"name": bulwark.Change{Before: g.Name}})
	})
}

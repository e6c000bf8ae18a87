package people

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/tabular"
)

// PersonFields are the people register's spreadsheet columns, in export order.
var PersonFields = PersonEntity.Sheet()

// ImportPeople creates and updates people from a spreadsheet: a row whose ref (or
// else email) is known updates that person, any other row creates one. Managers
// may be named by email, ref or name, of people already registered or in the
// file; groups by name, created when missing. All or nothing.
func (s *Service) ImportPeople(ctx context.Context, p *bulwark.Principal, t *tabular.Table, dryRun bool) (*app.ImportResult, error) {
	if err := app.Require(p, PermImport); err != nil {
		return nil, err
	}
	res := &app.ImportResult{DryRun: dryRun, BlankRows: t.BlankRows, Rows: []app.ImportRow{}, Errors: []app.RowError{}, Warnings: []app.RowError{}}
	if !t.Has("name") && !t.Has("ref") {
		return nil, bulwark.Invalid("file", "needs a Name column (and a Ref or Email column to update people already registered)")
	}
	type planned struct {
		person  *Person
		changes bulwark.Changes
		create  bool
		manager string // as written, resolved once every row is known
		groups  *[]string
		rowNum  int
		row     int
	}
	err := s.write(ctx, func(tx store) error {
		var all []*Person // archived people too: a row naming one updates them rather than colliding
		if err := tx.eachPerson(ctx, p.Org.ID, true, func(per *Person) error { all = append(all, per); return nil }); err != nil {
			return err
		}
		byRef, byEmail := map[string]*Person{}, map[string]*Person{}
		for _, per := range all {
			byRef[strings.ToUpper(per.Ref)] = per
			if per.Email != "" {
				byEmail[per.Email] = per
			}
		}
		groups, err := tx.Groups(ctx, p.Org.ID)
		if err != nil {
			return err
		}
		groupByName := map[string]*Group{}
		for _, g := range groups {
			groupByName[strings.ToLower(g.Name)] = g
		}
		var plan []*planned
		seen := map[string]int{}
		for _, row := range t.Rows {
			var errs []app.RowError
			fail := func(field, msg string) {
				errs = append(errs, app.RowError{Row: row.Number, Field: field, Message: msg})
			}
			text := func(field string) *string {
				if !t.Has(field) {
					return nil
				}
				v := strings.TrimSpace(tabular.Unneutralise(row.Cells[field].Text))
				return &v
			}
			in := PersonInput{Name: text("name"), Email: text("email"), Department: text("department")}
			ref := ""
			if r := text("ref"); r != nil {
				ref = strings.ToUpper(*r)
			}
			if s := text("status"); s != nil {
				v := "" // blank: a new person is active, an existing one keeps their status
				if *s != "" {
					var err error
					if v, err = tabular.ParseEnum(*s, PersonStatuses); err != nil {
						fail("status", err.Error())
					}
				}
				in.Status = &v
			}
			if t.Has("start_date") {
				var v *string
				if c := row.Cells["start_date"]; !c.IsEmpty() {
					d, note, err := app.DateCell(c, p.Org.Settings.DateOrder)
					if err != nil {
						fail("start_date", err.Error())
					} else {
						if note != "" {
							res.Warnings = append(res.Warnings, app.RowError{Row: row.Number, Field: "start_date", Message: note})
						}
						v = &d
					}
				}
				in.StartDate = &v
			}
			var cur *Person
			if ref != "" {
				cur = byRef[ref]
			} else if in.Email != nil && *in.Email != "" {
				cur = byEmail[strings.ToLower(*in.Email)]
			}
			key := ref
			if key == "" && in.Email != nil {
				key = strings.ToLower(*in.Email)
			}
			if key != "" {
				if first, dup := seen[key]; dup {
					fail("ref", fmt.Sprintf("%s already appears in row %d", key, first))
				}
				seen[key] = row.Number
			}
			var per *Person
			create := cur == nil
			if in.Status != nil && *in.Status == "" {
				in.Status = nil
			}
			if create {
				if ref != "" && !bulwark.ValidRef(ref) {
					fail("ref", fmt.Sprintf("%q does not look like a reference such as P-001", ref))
				}
				per = &Person{ID: sqlstore.NewID(), Ref: ref, Status: "active", GroupIDs: []string{}}
			} else {
				cp := *cur
				cp.GroupIDs = append([]string{}, cur.GroupIDs...)
				per = &cp
			}
			pl := &planned{create: create, rowNum: row.Number}
			if s := text("manager_id"); s != nil {
				pl.manager = *s
				if *s == "" {
					var none *string
					in.ManagerID = &none
				}
			}
			if s := text("group_ids"); s != nil {
				names := tabular.SplitMulti(*s)
				pl.groups = &names
			}
			ch := in.apply(per)
			if err := per.Validate(); err != nil {
				var verr *bulwark.Error
				if !errors.As(err, &verr) {
					return err
				}
				for _, f := range verr.Fields {
					if !app.HasField(errs, f.Field) {
						fail(f.Field, f.Field+" "+f.Message)
					}
				}
			}
			if per.Email != "" {
				if other := byEmail[per.Email]; other != nil && other.ID != per.ID {
					fail("email", per.Email+" belongs to "+other.Ref)
				}
			}
			if len(errs) > 0 {
				res.Errors = append(res.Errors, errs...)
				continue
			}
			pl.person, pl.changes = per, ch
			plan = append(plan, pl)
			if create {
				if per.Ref != "" {
					byRef[per.Ref] = per
				}
				if per.Email != "" {
					byEmail[per.Email] = per
				}
			}
		}
		// Managers and groups, now that every row's person is known.
		byName := map[string][]*Person{}
		for _, per := range byRef {
			byName[strings.ToLower(per.Name)] = append(byName[strings.ToLower(per.Name)], per)
		}
		for _, pl := range plan {
			for _, per := range []*Person{pl.person} {
				if pl.create && per.Ref == "" {
					byName[strings.ToLower(per.Name)] = append(byName[strings.ToLower(per.Name)], per)
				}
			}
		}
		var newGroups []*Group
		for _, pl := range plan {
			per := pl.person
			if pl.manager != "" {
				m := byEmail[strings.ToLower(pl.manager)]
				if m == nil {
					m = byRef[strings.ToUpper(pl.manager)]
				}
				if m == nil {
					if same := byName[strings.ToLower(pl.manager)]; len(same) == 1 {
						m = same[0]
					} else if len(same) > 1 {
						res.Errors = append(res.Errors, app.RowError{Row: pl.rowNum, Field: "manager_id", Message: fmt.Sprintf("%q names several people; give their email or ref", pl.manager)})
						continue
					}
				}
				if m == nil {
					res.Errors = append(res.Errors, app.RowError{Row: pl.rowNum, Field: "manager_id", Message: fmt.Sprintf("%q is not a person in the register or the file", pl.manager)})
					continue
				}
				if m.ID == per.ID {
					res.Errors = append(res.Errors, app.RowError{Row: pl.rowNum, Field: "manager_id", Message: "a person cannot be their own manager"})
					continue
				}
				id := m.ID
				v := &id
				app.SetOpt(pl.changes, "manager_id", &per.ManagerID, &v)
			}
			if pl.groups != nil {
				var ids []string
				for _, name := range *pl.groups {
					g := groupByName[strings.ToLower(name)]
					if g == nil {
						g = &Group{Name: name}
						if err := validateGroup(g); err != nil {
							res.Errors = append(res.Errors, app.RowError{Row: pl.rowNum, Field: "group_ids", Message: fmt.Sprintf("group %q: name must be 1 to 100 characters", name)})
							continue
						}
						g.ID = sqlstore.NewID()
						groupByName[strings.ToLower(name)] = g
						newGroups = append(newGroups, g)
					}
					ids = append(ids, g.ID)
				}
				ids = uniq(ids)
				if strings.Join(ids, "|") != strings.Join(per.GroupIDs, "|") {
					pl.changes["group_ids"] = bulwark.Change{Before: per.GroupIDs, After: ids}
					per.GroupIDs = ids
				}
			}
		}
		// No loop of managers, through the file's rows and the people already registered.
		managerOf := map[string]*string{}
		for _, per := range all {
			managerOf[per.ID] = per.ManagerID
		}
		for _, pl := range plan {
			managerOf[pl.person.ID] = pl.person.ManagerID
		}
		for _, pl := range plan {
			if _, changed := pl.changes["manager_id"]; !changed {
				continue
			}
			at := pl.person.ManagerID
			for steps := 0; at != nil && steps <= len(managerOf); steps++ {
				if *at == pl.person.ID {
					res.Errors = append(res.Errors, app.RowError{Row: pl.rowNum, Field: "manager_id", Message: "would make a loop of managers"})
					break
				}
				at = managerOf[*at]
			}
		}
		for _, pl := range plan {
			action := "create"
			switch {
			case !pl.create && len(pl.changes) == 0:
				action = "unchanged"
				res.Unchanged++
			case !pl.create:
				action = "update"
				res.Updated++
			default:
				res.Created++
			}
			res.Rows = append(res.Rows, app.ImportRow{Row: pl.rowNum, Action: action, Ref: pl.person.Ref, Name: pl.person.Name})
			pl.row = len(res.Rows) - 1
		}
		if len(res.Errors) > 0 || dryRun {
			sort.SliceStable(res.Errors, func(i, j int) bool { return res.Errors[i].Row < res.Errors[j].Row })
			return nil
		}
		m := app.MetaOf(p)
		for _, g := range newGroups {
			if err := tx.InsertGroup(ctx, p.Org.ID, g); err != nil {
				return err
			}
			if err := app.Audit(ctx, tx.Tx, p.Org.ID, m, "group.create", "group", g.ID, g.Name, bulwark.Changes{"name": bulwark.Added(g.Name)}); err != nil {
				return err
			}
		}
		// New people first without managers (a manager may be a later row), then every change.
		var entries []*bulwark.AuditEntry
		for _, pl := range plan {
			if !pl.create {
				continue
			}
			mgr, groups := pl.person.ManagerID, pl.person.GroupIDs
			pl.person.ManagerID, pl.person.GroupIDs = nil, groups
			if err := tx.InsertPerson(ctx, p.Org.ID, pl.person); err != nil {
				return err
			}
			pl.person.ManagerID = mgr
			res.Rows[pl.row].Ref = pl.person.Ref
		}
		for _, pl := range plan {
			if len(pl.changes) == 0 {
				continue
			}
			action := "person.update"
			if pl.create {
				action = "person.create"
				if pl.person.ManagerID == nil {
					entries = append(entries, entry(m, action, pl.person, pl.changes))
					continue
				}
			}
			_, groups := pl.changes["group_ids"]
			if err := tx.UpdatePerson(ctx, p.Org.ID, pl.person, groups && !pl.create); err != nil {
				return err
			}
			entries = append(entries, entry(m, action, pl.person, pl.changes))
		}
		if err := tx.AppendAuditBatch(ctx, p.Org.ID, entries); err != nil {
			return err
		}
		return app.Audit(ctx, tx.Tx, p.Org.ID, m, "person.import", "person", "", "", bulwark.Changes{
			"created": bulwark.Added(res.Created), "updated": bulwark.Added(res.Updated), "unchanged": bulwark.Added(res.Unchanged)})
	})
	if err != nil {
		return nil, err
	}
	s.AfterImport(ctx, res, "people")
	res.NameColumns(t, PersonFields)
	return res, nil
}

func entry(m app.Meta, action string, per *Person, ch bulwark.Changes) *bulwark.AuditEntry {
	return &bulwark.AuditEntry{ActorID: m.ActorID, IP: m.IP, RequestID: m.RequestID, Action: action, EntityType: "person", EntityID: per.ID, EntityRef: per.Ref, Changes: ch.JSON()}
}

// ExportPeople streams the live people register as CSV or XLSX: managers as
// emails (or refs), groups by name.
func (s *Service) ExportPeople(ctx context.Context, p *bulwark.Principal, format string, w io.Writer) error {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return err
	}
	tw, err := s.BeginExport(ctx, p, format, w, "People", "person")
	if err != nil {
		return err
	}
	err = s.read(ctx, func(tx store) error {
		groups, err := tx.Groups(ctx, p.Org.ID)
		if err != nil {
			return err
		}
		names := map[string]string{}
		for _, g := range groups {
			names[g.ID] = g.Name
		}
		var all []*Person
		if err := tx.EachPerson(ctx, p.Org.ID, func(per *Person) error { all = append(all, per); return nil }); err != nil {
			return err
		}
		byID := map[string]*Person{}
		for _, per := range all {
			byID[per.ID] = per
		}
		if err := tw.Write(tabular.Header(PersonFields)); err != nil {
			return err
		}
		for _, per := range all {
			mgr := ""
			if per.ManagerID != nil {
				if m := byID[*per.ManagerID]; m != nil {
					mgr = m.Ref
					if m.Email != "" {
						mgr = m.Email
					}
				}
			}
			gs := make([]string, 0, len(per.GroupIDs))
			for _, id := range per.GroupIDs {
				gs = append(gs, names[id])
			}
			if err := tw.Write([]any{per.Ref, per.Name, per.Email, per.Department, mgr, app.Cell(per.StartDate), per.Status, gs}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return tw.Close()
}

package suppliers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/tabular"
)

// Fields are the supplier register's spreadsheet columns, in export order: the
// Sheet fields of SupplierEntity (tier and next review are derived: exported,
// never read back).
var Fields = SupplierEntity.Sheet()

// rowInput turns one row into a supplier input, collecting field errors.
func rowInput(t *tabular.Table, row tabular.Row, ppl *app.People, dateOrder string, errs, warns *[]app.RowError) Input {
	var in Input
	fail := func(field, msg string) {
		*errs = append(*errs, app.RowError{Row: row.Number, Field: field, Message: msg})
	}
	text := func(field string) *string {
		if !t.Has(field) {
			return nil
		}
		s := tabular.Unneutralise(row.Cells[field].Text)
		return &s
	}
	in.Ref, in.Name, in.Services, in.TierOverrideReason = text("ref"), text("name"), text("services"), text("tier_override_reason")
	for _, e := range []struct {
		name    string
		dst     **string
		allowed []string
	}{{"status", &in.Status, Statuses}, {"data_processed", &in.DataProcessed, DataProcessedLevels}, {"system_access", &in.SystemAccess, SystemAccessLevels},
		{"replaceability", &in.Replaceability, ReplaceabilityLevels}} {
		if s := text(e.name); s != nil && strings.TrimSpace(*s) != "" {
			v, err := tabular.ParseEnum(strings.ReplaceAll(strings.TrimSpace(*s), " ", "_"), e.allowed)
			if err != nil {
				fail(e.name, err.Error())
			}
			*e.dst = &v
		}
	}
	if s := text("owner_id"); s != nil {
		var v *string
		if *s != "" {
			id, err := ppl.Resolve(*s)
			if err != nil {
				fail("owner_id", err.Error())
			}
			v = &id
		}
		in.OwnerID = &v
	}
	if s := text("tier_override"); s != nil {
		var v *int
		if *s != "" {
			n, err := tabular.ParseInt(*s, 1, 3)
			if err != nil {
				fail("tier_override", err.Error())
			}
			v = &n
		}
		in.TierOverride = &v
	}
	if s := text("personal_data"); s != nil && *s != "" {
		b, err := tabular.ParseBool(*s)
		if err != nil {
			fail("personal_data", err.Error())
		}
		in.PersonalData = &b
	}
	if s := text("data_locations"); s != nil {
		l := tabular.SplitMulti(*s)
		in.DataLocations = &l
	}
	if s := text("contacts"); s != nil {
		cs := []Contact{}
		for _, c := range tabular.SplitMulti(*s) {
			cs = append(cs, ParseContact(c))
		}
		in.Contacts = &cs
	}
	for _, d := range []struct {
		name string
		dst  ***string
	}{{"contract_start", &in.ContractStart}, {"contract_end", &in.ContractEnd}, {"dpa_signed", &in.DPASigned}, {"last_review_date", &in.LastReview}} {
		if !t.Has(d.name) {
			continue
		}
		var v *string
		if c := row.Cells[d.name]; !c.IsEmpty() {
			day, note, err := app.DateCell(c, dateOrder)
			switch {
			case err != nil:
				fail(d.name, err.Error())
			case note != "":
				*warns = append(*warns, app.RowError{Row: row.Number, Field: d.name, Message: note})
				fallthrough
			default:
				v = &day
			}
		}
		*d.dst = &v
	}
	return in
}

// Import creates and updates suppliers from a spreadsheet: a row whose ref is
// known updates that supplier, any other row creates one. All or nothing: when any
// row is invalid, nothing is written and every bad row is reported.
func (s *Service) Import(ctx context.Context, p *bulwark.Principal, t *tabular.Table, dryRun bool) (*app.ImportResult, error) {
	if err := app.Require(p, PermImport); err != nil {
		return nil, err
	}
	res := &app.ImportResult{DryRun: dryRun, BlankRows: t.BlankRows, Rows: []app.ImportRow{}, Errors: []app.RowError{}, Warnings: []app.RowError{}}
	if !t.Has("name") && !t.Has("ref") {
		return nil, bulwark.Invalid("file", "needs a Name column (and a Ref column to update existing suppliers)")
	}
	type planned struct {
		sup     *Supplier
		changes bulwark.Changes
		create  bool
		row     int // index into res.Rows
	}
	var plan []planned
	err := s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
		ppl, err := app.LoadPeople(ctx, tx, p.Org.ID)
		if err != nil {
			return err
		}
		tiering, err := loadTiering(ctx, tx, p.Org.ID)
		if err != nil {
			return err
		}
		all, err := allSuppliers(ctx, tx, p.Org.ID, false)
		if err != nil {
			return err
		}
		existing := map[string]*Supplier{}
		for _, sup := range all {
			existing[strings.ToUpper(sup.Ref)] = sup
		}
		seenRef := map[string]int{}
		for _, row := range t.Rows {
			var rowErrs []app.RowError
			in := rowInput(t, row, ppl, p.Org.Settings.DateOrder, &rowErrs, &res.Warnings)
			ref := ""
			if in.Ref != nil {
				ref = strings.ToUpper(strings.TrimSpace(*in.Ref))
			}
			if ref != "" {
				if first, dup := seenRef[ref]; dup {
					rowErrs = append(rowErrs, app.RowError{Row: row.Number, Field: "ref", Message: fmt.Sprintf("%s already appears in row %d", ref, first)})
				}
				seenRef[ref] = row.Number
			}
			var sup *Supplier
			create := true
			if cur, ok := existing[ref]; ok && ref != "" {
				cp := *cur
				sup, create = &cp, false
			} else {
				if ref != "" && !bulwark.ValidRef(ref) {
					rowErrs = append(rowErrs, app.RowError{Row: row.Number, Field: "ref", Message: fmt.Sprintf("%q does not look like a reference such as S-001", ref)})
				}
				sup = &Supplier{Ref: ref, Status: StatusOnboarding, DataProcessed: "none", SystemAccess: "none", Replaceability: "easy",
					DataLocations: []string{}, Contacts: []Contact{}, AssetIDs: []string{}, RiskIDs: []string{}, ControlIDs: []string{}}
			}
			in.Ref = nil
			ch := in.apply(sup)
			derive(sup, &tiering, ch)
			if _, changed := ch["owner_id"]; changed && sup.OwnerID != nil && !ppl.Active(*sup.OwnerID) && !app.HasField(rowErrs, "owner_id") {
				rowErrs = append(rowErrs, app.RowError{Row: row.Number, Field: "owner_id", Message: "names someone who is no longer an active member"})
			}
			if err := sup.Validate(); err != nil {
				var verr *bulwark.Error
				if !errors.As(err, &verr) {
					return fmt.Errorf("validate row %d: %w", row.Number, err)
				}
				for _, f := range verr.Fields {
					if !app.HasField(rowErrs, f.Field) {
						rowErrs = append(rowErrs, app.RowError{Row: row.Number, Field: f.Field, Message: f.Field + " " + f.Message})
					}
				}
			}
			if len(rowErrs) > 0 {
				res.Errors = append(res.Errors, rowErrs...)
				continue
			}
			action := "create"
			switch {
			case !create && len(ch) == 0:
				action = "unchanged"
				res.Unchanged++
			case !create:
				action = "update"
				res.Updated++
			default:
				res.Created++
			}
			res.Rows = append(res.Rows, app.ImportRow{Row: row.Number, Action: action, Ref: sup.Ref, Name: sup.Name})
			if action != "unchanged" {
				plan = append(plan, planned{sup: sup, changes: ch, create: create, row: len(res.Rows) - 1})
			}
		}
		if len(res.Errors) > 0 || dryRun {
			return nil
		}
		m := app.MetaOf(p)
		entries := make([]*bulwark.AuditEntry, 0, len(plan))
		for _, pl := range plan {
			action := "supplier.update"
			if pl.create {
				action = "supplier.create"
				if err := insertSupplier(ctx, tx, p.Org.ID, pl.sup); err != nil {
					return err
				}
				res.Rows[pl.row].Ref = pl.sup.Ref // a row without a ref learns the one it got
			} else if err := updateSupplier(ctx, tx, p.Org.ID, pl.sup, false); err != nil {
				return err
			}
			entries = append(entries, &bulwark.AuditEntry{ActorID: m.ActorID, IP: m.IP, RequestID: m.RequestID, Action: action,
				EntityType: "supplier", EntityID: pl.sup.ID, EntityRef: pl.sup.Ref, Changes: pl.changes.JSON()})
		}
		if err := tx.AppendAuditBatch(ctx, p.Org.ID, entries); err != nil {
			return err
		}
		return app.Audit(ctx, tx, p.Org.ID, m, "supplier.import", "supplier", "", "", bulwark.Changes{
			"created": bulwark.Added(res.Created), "updated": bulwark.Added(res.Updated), "unchanged": bulwark.Added(res.Unchanged)})
	})
	if err != nil {
		return nil, err
	}
	res.NameColumns(t, Fields)
	return res, nil
}

// Export streams the live supplier register as CSV or XLSX (format), owners
// written as emails, in reference order. The export is audited.
func (s *Service) Export(ctx context.Context, p *bulwark.Principal, format string, w io.Writer) error {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return err
	}
	tw, err := s.BeginExport(ctx, p, format, w, "Suppliers", "supplier")
	if err != nil {
		return err
	}
	err = s.DB.Read(ctx, func(tx *sqlstore.Tx) error {
		ppl, err := app.LoadPeople(ctx, tx, p.Org.ID)
		if err != nil {
			return err
		}
		all, err := allSuppliers(ctx, tx, p.Org.ID, true)
		if err != nil {
			return err
		}
		if err := tw.Write(tabular.Header(Fields)); err != nil {
			return err
		}
		for _, sup := range all {
			contacts := make([]string, 0, len(sup.Contacts))
			for _, c := range sup.Contacts {
				contacts = append(contacts, FormatContact(c))
			}
			if err := tw.Write([]any{sup.Ref, sup.Name, sup.Services, ppl.Cell(sup.OwnerID), sup.Status, sup.DataProcessed, sup.SystemAccess, sup.Replaceability,
				sup.Tier, app.Cell(sup.TierOverride), sup.TierOverrideReason, sup.PersonalData, sup.DataLocations, app.Cell(sup.ContractStart),
				app.Cell(sup.ContractEnd), app.Cell(sup.DPASigned), contacts, app.Cell(sup.LastReviewDate), app.Cell(sup.NextReviewDate)}); err != nil {
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

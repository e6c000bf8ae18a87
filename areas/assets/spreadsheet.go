package assets

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/tabular"
)

// AssetFields are the asset register's spreadsheet columns, in export order:
// the Sheet fields of AssetEntity.
var AssetFields = AssetEntity.Sheet()

// assetRowInput turns one row into an asset input, collecting field errors.
func assetRowInput(t *tabular.Table, row tabular.Row, ppl *app.People, dateOrder string, errs, warns *[]app.RowError) AssetInput {
	var in AssetInput
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
	in.Ref, in.Name, in.Description, in.Location, in.Classification = text("ref"), text("name"), text("description"), text("location"), text("classification")
	if s := text("type"); s != nil {
		v, err := tabular.ParseEnum(*s, AssetTypes)
		if err != nil {
			fail("type", err.Error())
		}
		in.Type = &v
	}
	if s := text("status"); s != nil {
		v := "in_use"
		if *s != "" {
			var err error
			if v, err = tabular.ParseEnum(*s, AssetStatuses); err != nil {
				fail("status", err.Error())
			}
		}
		in.Status = &v
	}
	for _, f := range []struct {
		name string
		dst  ***string
	}{{"owner_id", &in.OwnerID}, {"custodian_id", &in.CustodianID}} {
		if s := text(f.name); s != nil {
			var v *string
			if *s != "" {
				id, err := ppl.Resolve(*s)
				if err != nil {
					fail(f.name, err.Error())
				}
				v = &id
			}
			*f.dst = &v
		}
	}
	for _, f := range []struct {
		name string
		dst  ***int
	}{{"confidentiality", &in.Confidentiality}, {"integrity", &in.Integrity}, {"availability", &in.Availability}} {
		if s := text(f.name); s != nil {
			var v *int
			if *s != "" {
				n, err := tabular.ParseInt(*s, 1, 4)
				if err != nil {
					fail(f.name, err.Error())
				}
				v = &n
			}
			*f.dst = &v
		}
	}
	if s := text("personal_data"); s != nil {
		b, err := tabular.ParseBool(*s)
		if err != nil {
			fail("personal_data", err.Error())
		}
		in.PersonalData = &b
	}
	if t.Has("review_date") {
		var v *string
		if c := row.Cells["review_date"]; !c.IsEmpty() {
			d, note, err := app.DateCell(c, dateOrder)
			switch {
			case err != nil:
				fail("review_date", err.Error())
			case note != "":
				*warns = append(*warns, app.RowError{Row: row.Number, Field: "review_date", Message: note})
				fallthrough
			default:
				v = &d
			}
		}
		in.ReviewDate = &v
	}
	if s := text("tags"); s != nil {
		tags := tabular.SplitMulti(*s)
		in.Tags = &tags
	}
	return in
}

// ImportAssets creates and updates assets from a spreadsheet: a row whose ref is
// known updates that asset, any other row creates one. All or nothing: when any
// row is invalid, nothing is written and every bad row is reported.
func (s *Service) ImportAssets(ctx context.Context, p *bulwark.Principal, t *tabular.Table, dryRun bool) (*app.ImportResult, error) {
	if err := app.Require(p, PermImport); err != nil {
		return nil, err
	}
	res := &app.ImportResult{DryRun: dryRun, BlankRows: t.BlankRows, Rows: []app.ImportRow{}, Errors: []app.RowError{}, Warnings: []app.RowError{}}
	if !t.Has("name") && !t.Has("ref") {
		return nil, bulwark.Invalid("file", "needs a Name column (and a Ref column to update existing assets)")
	}
	type planned struct {
		asset   *Asset
		changes bulwark.Changes
		create  bool
		row     int // index into res.Rows
	}
	var plan []planned
	err := s.write(ctx, func(tx store) error {
		ppl, err := app.LoadPeople(ctx, tx.Tx, p.Org.ID)
		if err != nil {
			return err
		}
		scheme, err := tx.Classifications(ctx, p.Org.ID)
		if err != nil {
			return err
		}
		existing, err := tx.AssetsByRef(ctx, p.Org.ID)
		if err != nil {
			return err
		}
		seenRef := map[string]int{}
		for _, row := range t.Rows {
			var rowErrs []app.RowError
			in := assetRowInput(t, row, ppl, p.Org.Settings.DateOrder, &rowErrs, &res.Warnings)
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
			var a *Asset
			create := true
			if cur, ok := existing[ref]; ok && ref != "" {
				cp := *cur
				cp.Tags = append([]string(nil), cur.Tags...)
				a, create = &cp, false
			} else {
				if ref != "" && !bulwark.ValidRef(ref) {
					rowErrs = append(rowErrs, app.RowError{Row: row.Number, Field: "ref", Message: fmt.Sprintf("%q does not look like a reference such as A-001", ref)})
				}
				a = &Asset{Ref: ref, Status: "in_use", Tags: []string{}}
				if in.Status != nil && *in.Status == "" {
					in.Status = nil
				}
			}
			in.Ref = nil
			ch := in.apply(a)
			for _, f := range []struct {
				name string
				id   *string
			}{{"owner_id", a.OwnerID}, {"custodian_id", a.CustodianID}} {
				if _, changed := ch[f.name]; changed && f.id != nil && !ppl.Active(*f.id) && !app.HasField(rowErrs, f.name) {
					rowErrs = append(rowErrs, app.RowError{Row: row.Number, Field: f.name, Message: "names someone who is no longer an active member"})
				}
			}
			a.Classification = matchClassification(scheme, a.Classification)
			if err := a.Validate(scheme); err != nil {
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
			res.Rows = append(res.Rows, app.ImportRow{Row: row.Number, Action: action, Ref: a.Ref, Name: a.Name})
			if action != "unchanged" {
				plan = append(plan, planned{asset: a, changes: ch, create: create, row: len(res.Rows) - 1})
			}
		}
		if len(res.Errors) > 0 || dryRun {
			return nil
		}
		m := app.MetaOf(p)
		var fresh []*Asset
		for _, pl := range plan {
			if pl.create {
				fresh = append(fresh, pl.asset)
			}
		}
		if err := tx.InsertAssets(ctx, p.Org.ID, fresh); err != nil {
			return err
		}
		entries := make([]*bulwark.AuditEntry, 0, len(plan)+1)
		for _, pl := range plan {
			action := "asset.create"
			if pl.create {
				res.Rows[pl.row].Ref = pl.asset.Ref // a row without a ref learns the one it got
			} else {
				action = "asset.update"
				if err := tx.UpdateAsset(ctx, p.Org.ID, pl.asset); err != nil {
					return err
				}
			}
			entries = append(entries, &bulwark.AuditEntry{ActorID: m.ActorID, IP: m.IP, RequestID: m.RequestID, Action: action,
				EntityType: "asset", EntityID: pl.asset.ID, EntityRef: pl.asset.Ref, Changes: pl.changes.JSON()})
		}
		if err := tx.AppendAuditBatch(ctx, p.Org.ID, entries); err != nil {
			return err
		}
		return app.Audit(ctx, tx.Tx, p.Org.ID, m, "asset.import", "asset", "", "", bulwark.Changes{
			"created": bulwark.Added(res.Created), "updated": bulwark.Added(res.Updated), "unchanged": bulwark.Added(res.Unchanged),
		})
	})
	if err != nil {
		return nil, err
	}
	s.AfterImport(ctx, res, "assets")
	res.NameColumns(t, AssetFields)
	return res, nil
}

// ExportAssets streams the live asset register as CSV or XLSX, owners written as
// emails, in reference order. The export is audited.
func (s *Service) ExportAssets(ctx context.Context, p *bulwark.Principal, format string, w io.Writer) error {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return err
	}
	tw, err := s.BeginExport(ctx, p, format, w, "Assets", "asset")
	if err != nil {
		return err
	}
	err = s.read(ctx, func(tx store) error {
		ppl, err := app.LoadPeople(ctx, tx.Tx, p.Org.ID)
		if err != nil {
			return err
		}
		if err := tw.Write(tabular.Header(AssetFields)); err != nil {
			return err
		}
		return tx.EachAsset(ctx, p.Org.ID, func(a *Asset) error {
			return tw.Write([]any{a.Ref, a.Name, a.Type, a.Description, ppl.Cell(a.OwnerID), ppl.Cell(a.CustodianID), a.Location, a.Classification,
				app.Cell(a.Confidentiality), app.Cell(a.Integrity), app.Cell(a.Availability), a.PersonalData, a.Status, app.Cell(a.ReviewDate), a.Tags})
		})
	})
	if err != nil {
		return err
	}
	return tw.Close()
}

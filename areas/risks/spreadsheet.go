package risks

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/areas/assets"
	"github.com/bulwark-isms/bulwark/areas/controls"
	"github.com/bulwark-isms/bulwark/tabular"
)

// RiskFields are the risk register's spreadsheet columns, in export order.
var RiskFields = RiskEntity.Sheet()

// riskRowInput turns a row into a risk input; assets by ref or name, owners by
// email or name, controls by ref.
func riskRowInput(t *tabular.Table, row tabular.Row, ppl *app.People, assets, controls map[string]string, dateOrder string, errs, warns *[]app.RowError) RiskInput {
	var in RiskInput
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
	in.Ref, in.Title, in.Description, in.Category, in.Threat, in.Vulnerability = text("ref"), text("title"), text("description"), text("category"), text("threat"), text("vulnerability")
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
	links := func(field, what string, index map[string]string) *[]string {
		s := text(field)
		if s == nil {
			return nil
		}
		ids := []string{}
		for _, k := range tabular.SplitMulti(*s) {
			id, ok := index[strings.ToLower(k)]
			if !ok {
				fail(field, fmt.Sprintf("%q is not %s of the organisation", k, what))
				continue
			}
			ids = append(ids, id)
		}
		return &ids
	}
	in.AssetIDs = links("asset_ids", "an asset (give its ref or name)", assets)
	in.ControlIDs = links("control_ids", "a control (give its ref, such as A.8.13)", controls)
	for _, f := range []struct {
		name string
		dst  **bool
	}{{"affects_confidentiality", &in.AffectsConfidentiality}, {"affects_integrity", &in.AffectsIntegrity}, {"affects_availability", &in.AffectsAvailability}} {
		if s := text(f.name); s != nil {
			b, err := tabular.ParseBool(*s)
			if err != nil {
				fail(f.name, err.Error())
			}
			*f.dst = &b
		}
	}
	for _, f := range []struct {
		name string
		dst  ***int
	}{{"inherent_likelihood", &in.InherentLikelihood}, {"inherent_impact", &in.InherentImpact}, {"residual_likelihood", &in.ResidualLikelihood}, {"residual_impact", &in.ResidualImpact}} {
		if s := text(f.name); s != nil {
			var v *int
			if *s != "" {
				n, err := tabular.ParseInt(*s, 1, 10)
				if err != nil {
					fail(f.name, err.Error())
				}
				v = &n
			}
			*f.dst = &v
		}
	}
	if s := text("treatment"); s != nil {
		var v *string
		if *s != "" {
			x, err := tabular.ParseEnum(*s, RiskTreatments)
			if err != nil {
				fail("treatment", err.Error())
			}
			v = &x
		}
		in.Treatment = &v
	}
	if s := text("status"); s != nil && *s != "" {
		x, err := tabular.ParseEnum(*s, RiskStatuses)
		if err != nil {
			fail("status", err.Error())
		}
		in.Status = &x
	}
	for _, f := range []struct {
		name string
		dst  ***string
	}{{"target_date", &in.TargetDate}, {"review_date", &in.ReviewDate}} {
		if t.Has(f.name) {
			var v *string
			if c := row.Cells[f.name]; !c.IsEmpty() {
				d, note, err := app.DateCell(c, dateOrder)
				switch {
				case err != nil:
					fail(f.name, err.Error())
				case note != "":
					*warns = append(*warns, app.RowError{Row: row.Number, Field: f.name, Message: note})
					fallthrough
				default:
					v = &d
				}
			}
			*f.dst = &v
		}
	}
	return in
}

// ImportRisks creates and updates risks from a spreadsheet, all or nothing. Rows
// follow the register's rules: a changed likelihood or impact voids sign-offs and
// reassesses the risk; a risk on an older methodology is rescored only when its
// values change; "accepted" needs sign-offs, which an import cannot give.
func (s *Service) ImportRisks(ctx context.Context, p *bulwark.Principal, t *tabular.Table, dryRun bool) (*app.ImportResult, error) {
	if err := app.Require(p, PermImport); err != nil {
		return nil, err
	}
	if !t.Has("title") && !t.Has("ref") {
		return nil, bulwark.Invalid("file", "needs a Title column (and a Ref column to update existing risks)")
	}
	res := &app.ImportResult{DryRun: dryRun, BlankRows: t.BlankRows, Rows: []app.ImportRow{}, Errors: []app.RowError{}, Warnings: []app.RowError{}}
	err := s.write(ctx, func(tx store) error {
		ppl, err := app.LoadPeople(ctx, tx.Tx, p.Org.ID)
		if err != nil {
			return err
		}
		current, err := tx.Methodology(ctx, p.Org.ID, 0)
		if err != nil {
			return err
		}
		versions := map[int]*Methodology{current.Version: current}
		assetIDs, controlIDs := map[string]string{}, map[string]string{}
		all, err := assets.ByRef(ctx, tx.Tx, p.Org.ID) // archived ones too: links to them survive a round trip
		if err != nil {
			return err
		}
		for _, a := range all {
			assetIDs[strings.ToLower(a.Ref)] = a.ID
			if _, taken := assetIDs[strings.ToLower(a.Name)]; !taken || a.ArchivedAt == nil {
				assetIDs[strings.ToLower(a.Name)] = a.ID
			}
		}
		cs, err := controls.List(ctx, tx.Tx, p.Org.ID, controls.ControlFilter{IncludeArchived: true})
		if err != nil {
			return err
		}
		for _, c := range cs {
			controlIDs[strings.ToLower(c.Ref)] = c.ID
		}
		existing := map[string]*Risk{}
		cursor := ""
		for {
			page, next, err := tx.Risks(ctx, p.Org.ID, RiskFilter{IncludeArchived: true, Limit: 500, Cursor: cursor})
			if err != nil {
				return err
			}
			for _, r := range page {
				existing[strings.ToUpper(r.Ref)] = r
			}
			if next == "" {
				break
			}
			cursor = next
		}
		type planned struct {
			risk    *Risk
			changes bulwark.Changes
			create  bool
			rescore bool
		}
		var plan []planned
		seen := map[string]int{}
		for _, row := range t.Rows {
			var rowErrs []app.RowError
			in := riskRowInput(t, row, ppl, assetIDs, controlIDs, p.Org.Settings.DateOrder, &rowErrs, &res.Warnings)
			ref := ""
			if in.Ref != nil {
				ref = strings.ToUpper(strings.TrimSpace(*in.Ref))
			}
			if first, dup := seen[ref]; dup && ref != "" {
				rowErrs = append(rowErrs, app.RowError{Row: row.Number, Field: "ref", Message: fmt.Sprintf("%s already appears in row %d", ref, first)})
			}
			seen[ref] = row.Number
			in.Ref = nil
			cur, found := existing[ref]
			var r *Risk
			if found && ref != "" {
				cp := *cur
				cp.AssetIDs, cp.ControlIDs = append([]string{}, cur.AssetIDs...), append([]string{}, cur.ControlIDs...)
				r = &cp
			} else {
				if ref != "" && !bulwark.ValidRef(ref) {
					rowErrs = append(rowErrs, app.RowError{Row: row.Number, Field: "ref", Message: fmt.Sprintf("%q does not look like a reference such as R-001", ref)})
				}
				r = &Risk{Ref: ref, Status: "draft", AssetIDs: []string{}, ControlIDs: []string{}, MethodologyVersion: current.Version}
			}
			ch := in.apply(r)
			m := versions[r.MethodologyVersion]
			if m == nil {
				if m, err = tx.Methodology(ctx, p.Org.ID, r.MethodologyVersion); err != nil {
					return err
				}
				versions[m.Version] = m
			}
			rescore := scoreChanged(ch)
			if _, changed := ch["owner_id"]; changed && r.OwnerID != nil && !ppl.Active(*r.OwnerID) && !app.HasField(rowErrs, "owner_id") {
				rowErrs = append(rowErrs, app.RowError{Row: row.Number, Field: "owner_id", Message: "names someone who is no longer an active member"})
			}
			if rescore && r.MethodologyVersion != current.Version && found && ref != "" {
				// As through the API: rescoring on a new methodology takes all four values.
				for _, f := range []struct {
					name string
					v    **int
				}{{"inherent_likelihood", in.InherentLikelihood}, {"inherent_impact", in.InherentImpact}, {"residual_likelihood", in.ResidualLikelihood}, {"residual_impact", in.ResidualImpact}} {
					if f.v == nil {
						rowErrs = append(rowErrs, app.RowError{Row: row.Number, Field: f.name, Message: "must be given: this risk was scored with methodology version " + strconv.Itoa(r.MethodologyVersion) + " and rescoring needs all four values"})
					}
				}
			}
			if rescore && r.MethodologyVersion != current.Version {
				ch["methodology_version"] = bulwark.Change{Before: r.MethodologyVersion, After: current.Version}
				r.MethodologyVersion, m = current.Version, current
			}
			if !found || ref == "" {
				if r.Status == "draft" && r.InherentLikelihood != nil {
					r.Status = "assessed"
				}
				if r.Status == "accepted" {
					rowErrs = append(rowErrs, app.RowError{Row: row.Number, Field: "status", Message: "a new risk cannot be imported as accepted: its owner signs it off first"})
				}
			} else if _, ownerChanged := ch["owner_id"]; rescore || (ownerChanged && cur.Status == "accepted") {
				if r.Status == "accepted" || r.Status == "in_treatment" || r.Status == "draft" {
					ch["status"] = bulwark.Change{Before: cur.Status, After: "assessed"}
					r.Status = "assessed"
				}
				rescore = true // sign-offs are voided below and the change joins the timeline
			} else if r.Status == "accepted" && cur.Status != "accepted" {
				signs, err := tx.SignOffs(ctx, p.Org.ID, r.ID)
				if err != nil {
					return err
				}
				if err := r.Derive(m); err == nil {
					if err := CanAccept(r, m, signs, p.Org.Settings.SegregationOfDuties); err != nil {
						rowErrs = append(rowErrs, app.RowError{Row: row.Number, Field: "status", Message: bulwark.ErrorMessage(err) + ": " + fieldsMessage(err)})
					}
				}
			}
			for _, e := range []error{r.Validate(), r.Derive(m)} {
				for _, f := range bulwark.FieldErrors(e) {
					if !app.HasField(rowErrs, f.Field) {
						rowErrs = append(rowErrs, app.RowError{Row: row.Number, Field: f.Field, Message: f.Field + " " + f.Message})
					}
				}
			}
			for _, d := range []struct {
				field string
				val   *int
			}{{"inherent_score", r.InherentScore}, {"residual_score", r.ResidualScore}} {
				if c, ok := row.Cells[d.field]; ok && c.Text != "" && d.val != nil && c.Text != strconv.Itoa(*d.val) {
					res.Warnings = append(res.Warnings, app.RowError{Row: row.Number, Field: d.field, Message: fmt.Sprintf("the file says %s, the methodology gives %d; Bulwark keeps %d", c.Text, *d.val, *d.val)})
				}
			}
			if len(rowErrs) > 0 {
				res.Errors = append(res.Errors, rowErrs...)
				continue
			}
			action := "create"
			switch {
			case found && ref != "" && len(ch) == 0:
				action = "unchanged"
				res.Unchanged++
			case found && ref != "":
				action = "update"
				res.Updated++
			default:
				res.Created++
			}
			res.Rows = append(res.Rows, app.ImportRow{Row: row.Number, Action: action, Ref: r.Ref, Name: r.Title})
			if action != "unchanged" {
				plan = append(plan, planned{risk: r, changes: ch, create: action == "create", rescore: rescore})
			}
		}
		if len(res.Errors) > 0 || dryRun {
			return nil
		}
		m := app.MetaOf(p)
		var fresh []*Risk
		for _, pl := range plan {
			if pl.create {
				fresh = append(fresh, pl.risk)
			}
		}
		if err := tx.InsertRisks(ctx, p.Org.ID, fresh); err != nil {
			return err
		}
		entries := make([]*bulwark.AuditEntry, 0, len(plan)+1)
		relinked := false
		for _, pl := range plan {
			if _, ok := pl.changes["control_ids"]; ok || (pl.create && len(pl.risk.ControlIDs) > 0) {
				relinked = true
			}
			action := "risk.create"
			if !pl.create {
				action = "risk.update"
				if pl.rescore {
					n, err := tx.VoidSignOffs(ctx, p.Org.ID, pl.risk.ID)
					if err != nil {
						return err
					}
					if n > 0 {
						pl.changes["sign_offs_voided"] = bulwark.Added(n)
					}
					if err := tx.InsertRiskReview(ctx, p.Org.ID, pl.risk.ID, p.ActorID, "spreadsheet import", pl.changes.JSON()); err != nil {
						return err
					}
				}
				if err := tx.UpdateRisk(ctx, p.Org.ID, pl.risk); err != nil {
					return err
				}
			}
			entries = append(entries, &bulwark.AuditEntry{ActorID: m.ActorID, IP: m.IP, RequestID: m.RequestID, Action: action,
				EntityType: "risk", EntityID: pl.risk.ID, EntityRef: pl.risk.Ref, Changes: pl.changes.JSON()})
		}
		entries = append(entries, &bulwark.AuditEntry{ActorID: m.ActorID, IP: m.IP, RequestID: m.RequestID, Action: "risk.import", EntityType: "risk",
			Changes: bulwark.Changes{"created": bulwark.Added(res.Created), "updated": bulwark.Added(res.Updated), "unchanged": bulwark.Added(res.Unchanged)}.JSON()})
		if err := tx.AppendAuditBatch(ctx, p.Org.ID, entries); err != nil {
			return err
		}
		if relinked { // the Statement of Applicability lists the risks each control treats
			return controls.SoAChanged(ctx, tx.Tx, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.AfterImport(ctx, res, "risks", "risk_assets", "control_risks")
	res.NameColumns(t, RiskFields)
	return res, nil
}

func fieldsMessage(err error) string {
	if fs := bulwark.FieldErrors(err); len(fs) > 0 {
		return fs[0].Message
	}
	return ""
}

// ExportRisks streams the live register as CSV or XLSX in reference order: assets
// and controls by ref, owners by email. The export is audited.
func (s *Service) ExportRisks(ctx context.Context, p *bulwark.Principal, format string, w io.Writer) error {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return err
	}
	tw, err := s.BeginExport(ctx, p, format, w, "Risks", "risk")
	if err != nil {
		return err
	}
	err = s.read(ctx, func(tx store) error {
		ppl, err := app.LoadPeople(ctx, tx.Tx, p.Org.ID)
		if err != nil {
			return err
		}
		assetRef, controlRef := map[string]string{}, map[string]string{}
		all, err := assets.ByRef(ctx, tx.Tx, p.Org.ID)
		if err != nil {
			return err
		}
		for _, a := range all {
			assetRef[a.ID] = a.Ref
		}
		cs, err := controls.List(ctx, tx.Tx, p.Org.ID, controls.ControlFilter{IncludeArchived: true})
		if err != nil {
			return err
		}
		for _, c := range cs {
			controlRef[c.ID] = c.Ref
		}
		if err := tw.Write(tabular.Header(RiskFields)); err != nil {
			return err
		}
		refs := func(ids []string, index map[string]string) []string {
			out := []string{}
			for _, id := range ids {
				if r, ok := index[id]; ok {
					out = append(out, r)
				}
			}
			return out
		}
		cursor := ""
		for {
			page, next, err := tx.Risks(ctx, p.Org.ID, RiskFilter{Limit: 500, Cursor: cursor})
			if err != nil {
				return err
			}
			for _, r := range page {
				if err := tw.Write([]any{r.Ref, r.Title, r.Description, r.Category, r.Threat, r.Vulnerability, refs(r.AssetIDs, assetRef), ppl.Cell(r.OwnerID),
					r.AffectsConfidentiality, r.AffectsIntegrity, r.AffectsAvailability, app.Cell(r.InherentLikelihood), app.Cell(r.InherentImpact), app.Cell(r.InherentScore), app.Cell(r.InherentLevel),
					app.Cell(r.Treatment), refs(r.ControlIDs, controlRef), app.Cell(r.ResidualLikelihood), app.Cell(r.ResidualImpact), app.Cell(r.ResidualScore), app.Cell(r.ResidualLevel),
					app.Cell(r.TargetDate), r.Status, app.Cell(r.ReviewDate), r.MethodologyVersion}); err != nil {
					return err
				}
			}
			if next == "" {
				return nil
			}
			cursor = next
		}
	})
	if err != nil {
		return err
	}
	return tw.Close()
}

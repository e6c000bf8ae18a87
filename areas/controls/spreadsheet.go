package controls

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/tabular"
)

// PermImport is what importing controls needs: it changes any control and creates the organisation's own.
const PermImport = bulwark.PermISMSEdit

// ControlFields are the control set's spreadsheet columns: the Statement of Applicability's, then the review
// date. An exported SoA, edited in a spreadsheet, imports back through them; theme, applicable, risks,
// documents and evidence are derived and only read.
var ControlFields = []tabular.Field{
	{Name: "ref", Label: "Ref", Aliases: []string{"Control", "Control ref", "Control ID", "ID", "Reference", "Annex A ref"}},
	{Name: "title", Label: "Title", Aliases: []string{"Control title", "Name", "Control name"}},
	{Name: "theme", Label: "Theme", Derived: true},
	{Name: "applicable", Label: "Applicable", Aliases: []string{"Applicable?", "Applies"}, Derived: true},
	{Name: "inclusion_reasons", Label: "Inclusion reasons", Aliases: []string{"Reasons for inclusion", "Justification for inclusion", "Reason for inclusion"}},
	{Name: "exclusion_justification", Label: "Exclusion justification", Aliases: []string{"Justification for exclusion", "Reason for exclusion"}},
	{Name: "status", Label: "Status", Aliases: []string{"Implementation status"}},
	{Name: "implementation_description", Label: "Implementation", Aliases: []string{"Implementation description", "How it is implemented"}},
	{Name: "maturity", Label: "Maturity", Aliases: []string{"Maturity level"}},
	{Name: "owner_id", Label: "Owner", Aliases: []string{"Control owner"}},
	{Name: "risk_refs", Label: "Risks", Aliases: []string{"Linked risks"}, Derived: true},
	{Name: "document_refs", Label: "Documents", Derived: true},
	{Name: "evidence_count", Label: "Evidence", Aliases: []string{"Evidence count"}, Derived: true},
	{Name: "review_date", Label: "Review date", Aliases: []string{"Next review"}},
}

// parseStatus reads a status as written or as people read it ("Partly implemented").
func parseStatus(s string) (string, error) {
	v, err := tabular.ParseEnum(s, ControlStatuses)
	if err == nil {
		return v, nil
	}
	for name, label := range statusLabels {
		if strings.EqualFold(strings.TrimSpace(s), label) {
			return name, nil
		}
	}
	return "", err
}

// parseMaturity reads "3", "3 defined" or "defined".
func parseMaturity(s string) (int, error) {
	s = strings.TrimSpace(s)
	if s != "" && unicode.IsDigit(rune(s[0])) {
		if n, err := tabular.ParseInt(strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '-' || r == '(' })[0], 0, 5); err == nil {
			return n, nil
		}
	}
	for i, label := range MaturityLabels {
		if strings.EqualFold(s, label[2:]) {
			return i, nil
		}
	}
	return 0, fmt.Errorf("%q is not a maturity level: write 0 (none) to 5 (optimised)", s)
}

// controlRowInput turns one row into a control input, collecting field errors.
func controlRowInput(t *tabular.Table, row tabular.Row, ppl *app.People, dateOrder string, errs, warns *[]app.RowError) (ControlInput, string) {
	var in ControlInput
	fail := func(field, msg string) {
		*errs = append(*errs, app.RowError{Row: row.Number, Field: field, Message: msg})
	}
	text := func(field string) *string {
		if !t.Has(field) {
			return nil
		}
		s := strings.TrimSpace(tabular.Unneutralise(row.Cells[field].Text))
		return &s
	}
	ref := ""
	if s := text("ref"); s != nil {
		ref = strings.ToUpper(*s)
	}
	in.Title, in.Implementation, in.ExclusionJustification = text("title"), text("implementation_description"), text("exclusion_justification")
	if s := text("status"); s != nil && *s != "" {
		v, err := parseStatus(*s)
		if err != nil {
			fail("status", err.Error())
		}
		in.Status = &v
	}
	if s := text("maturity"); s != nil {
		var v *int
		if *s != "" {
			n, err := parseMaturity(*s)
			if err != nil {
				fail("maturity", err.Error())
			}
			v = &n
		}
		in.Maturity = &v
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
	if s := text("inclusion_reasons"); s != nil {
		var reasons []string
		for _, part := range strings.FieldsFunc(*s, func(r rune) bool { return r == '|' || r == ',' || r == ';' }) {
			if part = strings.TrimSpace(part); part == "" {
				continue
			}
			v, err := tabular.ParseEnum(part, InclusionReasons)
			if err != nil {
				fail("inclusion_reasons", err.Error())
				continue
			}
			reasons = append(reasons, v)
		}
		in.InclusionReasons = &reasons
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
	return in, ref
}

// ImportControls updates controls from a spreadsheet, by ref: the organisation's Statement of Applicability
// edited outside Bulwark comes back (status, owner, justifications, implementation, maturity, review date).
// A row without a ref, or with a C- ref that is not known, creates one of the organisation's own controls.
// Annex A titles are the catalog's; derived columns are read and, where they disagree, noted. All or nothing.
func (s *Service) ImportControls(ctx context.Context, p *bulwark.Principal, t *tabular.Table, dryRun bool) (*app.ImportResult, error) {
	if err := app.Require(p, PermImport); err != nil {
		return nil, err
	}
	res := &app.ImportResult{DryRun: dryRun, BlankRows: t.BlankRows, Rows: []app.ImportRow{}, Errors: []app.RowError{}, Warnings: []app.RowError{}}
	if !t.Has("ref") {
		return nil, bulwark.Invalid("file", "needs a Ref column (A.5.1 …, or C-001 … for your own controls)")
	}
	type planned struct {
		id      string // "" for a new control
		in      ControlInput
		control *Control
		row     int // index into res.Rows
	}
	var plan []planned
	err := s.write(ctx, func(tx store) error {
		ppl, err := app.LoadPeople(ctx, tx.Tx, p.Org.ID)
		if err != nil {
			return err
		}
		all, err := tx.Controls(ctx, p.Org.ID, ControlFilter{IncludeArchived: true})
		if err != nil {
			return err
		}
		byRef := map[string]*Control{}
		for _, c := range all {
			byRef[strings.ToUpper(c.Ref)] = c
		}
		seen := map[string]int{}
		for _, row := range t.Rows {
			var rowErrs []app.RowError
			in, ref := controlRowInput(t, row, ppl, p.Org.Settings.DateOrder, &rowErrs, &res.Warnings)
			if ref != "" {
				if first, dup := seen[ref]; dup {
					rowErrs = append(rowErrs, app.RowError{Row: row.Number, Field: "ref", Message: fmt.Sprintf("%s already appears in row %d", ref, first)})
				}
				seen[ref] = row.Number
			}
			cur, known := byRef[ref]
			var c *Control
			switch {
			case known:
				cp := *cur
				c = &cp
				if c.RequirementID != nil && in.Title != nil {
					if *in.Title != "" && !strings.EqualFold(*in.Title, c.Title) {
						res.Warnings = append(res.Warnings, app.RowError{Row: row.Number, Field: "title", Message: fmt.Sprintf("%s keeps the catalog's title %q", c.Ref, c.Title)})
					}
					in.Title = nil
				}
			case strings.HasPrefix(ref, "A."):
				rowErrs = append(rowErrs, app.RowError{Row: row.Number, Field: "ref", Message: fmt.Sprintf("%s is not an Annex A control of ISO/IEC 27001:2022", ref)})
				c = &Control{}
			case ref != "":
				rowErrs = append(rowErrs, app.RowError{Row: row.Number, Field: "ref", Message: fmt.Sprintf("%s is not one of your controls; leave the ref empty to add a new control", ref)})
				c = &Control{}
			default:
				c = &Control{Status: "not_started"}
			}
			ch := in.apply(c)
			if t.Has("applicable") && known {
				if v, err := tabular.ParseBool(row.Cells["applicable"].Text); err == nil && v != c.Applicable {
					res.Warnings = append(res.Warnings, app.RowError{Row: row.Number, Field: "applicable",
						Message: fmt.Sprintf("follows the status: %s is %s", c.Ref, StatusLabel(c.Status))})
				}
			}
			if err := c.Validate(); err != nil {
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
			if _, changed := ch["owner_id"]; changed && c.OwnerID != nil && !ppl.Active(*c.OwnerID) && !app.HasField(rowErrs, "owner_id") {
				rowErrs = append(rowErrs, app.RowError{Row: row.Number, Field: "owner_id", Message: "names someone who is no longer an active member"})
			}
			if len(rowErrs) > 0 {
				res.Errors = append(res.Errors, rowErrs...)
				continue
			}
			action := "create"
			switch {
			case known && len(ch) == 0:
				action = "unchanged"
				res.Unchanged++
			case known:
				action = "update"
				res.Updated++
			default:
				res.Created++
			}
			res.Rows = append(res.Rows, app.ImportRow{Row: row.Number, Action: action, Ref: c.Ref, Name: c.Title})
			if action != "unchanged" {
				pl := planned{in: in, control: c, row: len(res.Rows) - 1}
				if known {
					pl.id = cur.ID
				}
				plan = append(plan, pl)
			}
		}
		if len(res.Errors) > 0 || dryRun {
			return nil
		}
		for _, pl := range plan {
			if pl.id != "" {
				if _, err := s.updateControl(ctx, tx, p, pl.id, pl.in, nil, nil); err != nil {
					return err
				}
				continue
			}
			c, err := s.createControl(ctx, tx, p, pl.in)
			if err != nil {
				return err
			}
			res.Rows[pl.row].Ref = c.Ref // a new control learns the ref it got
		}
		return app.Audit(ctx, tx.Tx, p.Org.ID, app.MetaOf(p), "control.import", "control", "", "", bulwark.Changes{
			"created": bulwark.Added(res.Created), "updated": bulwark.Added(res.Updated), "unchanged": bulwark.Added(res.Unchanged)})
	})
	if err != nil {
		return nil, err
	}
	res.NameColumns(t, ControlFields)
	return res, nil
}

// ExportControls streams the control set as CSV or XLSX in ControlFields' columns, owners as emails, Annex A
// first. Importing the file unchanged changes nothing. The export is audited.
func (s *Service) ExportControls(ctx context.Context, p *bulwark.Principal, format string, w io.Writer) error {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return err
	}
	tw, err := s.BeginExport(ctx, p, format, w, "Controls", "control")
	if err != nil {
		return err
	}
	soa, err := s.SoA(ctx, p)
	if err != nil {
		return err
	}
	members, err := s.Directory(ctx, p)
	if err != nil {
		return err
	}
	emails := map[string]string{}
	for _, m := range members {
		emails[m.ID] = m.Email
	}
	reviews := map[string]*string{}
	cs, err := s.Controls(ctx, p, ControlFilter{})
	if err != nil {
		return err
	}
	for _, c := range cs {
		reviews[c.ID] = c.ReviewDate
	}
	if err := tw.Write(tabular.Header(ControlFields)); err != nil {
		return err
	}
	for _, e := range soa.Entries {
		if err := tw.Write(append(e.Row(emails), app.Cell(reviews[e.ControlID]))); err != nil {
			return err
		}
	}
	return tw.Close()
}

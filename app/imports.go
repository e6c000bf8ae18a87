package app

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/tabular"
)

// RowError is a problem with one row of an import, in the sheet's own numbering.
type RowError struct {
	Row   int    `json:"row"`
	Field string `json:"field,omitempty"`
	// Column is the header of the field's column as the file writes it ("Next review"), or the field's label
	// when the file has no such column: what messages show, since it is what the person sees.
	Column  string `json:"column,omitempty"`
	Message string `json:"message"`
}

// NameColumns fills each error's and warning's Column from the file's header, or from the field's label when
// the file has no column for it, and writes field names in messages ("inherent_likelihood and inherent_impact
// must be given together") as the person knows them ("Likelihood (1-5) and Inherent impact …").
func (r *ImportResult) NameColumns(t *tabular.Table, fields []tabular.Field) {
	header := func(field string) string {
		if t.Has(field) {
			return t.HeaderOf(field)
		}
		for _, f := range fields {
			if f.Name == field && f.Label != "" {
				return f.Label
			}
		}
		return field
	}
	name := func(e *RowError) {
		if e.Field != "" && e.Column == "" {
			e.Column = header(e.Field)
		}
		for _, f := range fields {
			// A name with an underscore is never English; a plain one ("title") only as the message's subject.
			if strings.Contains(f.Name, "_") {
				e.Message = replaceWord(e.Message, f.Name, header(f.Name))
			} else if rest, ok := strings.CutPrefix(e.Message, f.Name+" "); ok {
				e.Message = header(f.Name) + " " + rest
			}
		}
	}
	for i := range r.Errors {
		name(&r.Errors[i])
	}
	for i := range r.Warnings {
		name(&r.Warnings[i])
	}
}

// replaceWord replaces whole-word occurrences of word in s (word characters: letters, digits, _).
func replaceWord(s, word, with string) string {
	isWord := func(b byte) bool {
		return b == '_' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
	}
	var out strings.Builder
	for {
		i := strings.Index(s, word)
		if i < 0 {
			out.WriteString(s)
			return out.String()
		}
		end := i + len(word)
		if (i > 0 && isWord(s[i-1])) || (end < len(s) && isWord(s[end])) {
			out.WriteString(s[:end])
		} else {
			out.WriteString(s[:i] + with)
		}
		s = s[end:]
	}
}

// DateCell reads a date cell as YYYY-MM-DD. note is set when a plain number was read as a spreadsheet serial
// date (a date whose format the file lost), so the import can show the person how it read the value.
func DateCell(c tabular.Cell, order string) (date, note string, err error) {
	d, serial, err := tabular.ParseDateSerial(c, order)
	if err != nil {
		return "", "", err
	}
	date = d.Format(time.DateOnly)
	if serial {
		note = fmt.Sprintf("%s was read as a spreadsheet date number: %s (format the column as dates, or write YYYY-MM-DD, to be sure)", strings.TrimSpace(c.Text), date)
	}
	return date, note, nil
}

// ImportRow is what an import does with one row.
type ImportRow struct {
	Row    int    `json:"row"`
	Action string `json:"action"` // create, update, unchanged
	Ref    string `json:"ref"`
	Name   string `json:"name"`
}

// ImportResult reports what an import did, or would do on a dry run.
type ImportResult struct {
	DryRun    bool        `json:"dry_run"`
	Created   int         `json:"created"`
	Updated   int         `json:"updated"`
	Unchanged int         `json:"unchanged"`
	BlankRows int         `json:"blank_rows"`
	Rows      []ImportRow `json:"rows"`
	Errors    []RowError  `json:"errors"`
	Warnings  []RowError  `json:"warnings"`
}

// People resolves owners written by member id, email or name.
type People struct {
	byKey  map[string]string // lowercased id/email/name → member id ("" when a name is ambiguous)
	email  map[string]string // member id → email, for exports
	active map[string]bool   // member id → active now
}

// Active reports whether member id is an active member now.
func (p *People) Active(id string) bool { return p.active[id] }

// LoadPeople reads orgID's members, former ones included, for resolving owners.
func LoadPeople(ctx context.Context, tx *sqlstore.Tx, orgID string) (*People, error) {
	ms, err := tx.Members(ctx, orgID)
	if err != nil {
		return nil, err
	}
	p := &People{byKey: map[string]string{}, email: map[string]string{}, active: map[string]bool{}}
	for _, m := range ms {
		// Former members resolve too, so an unchanged export re-imports; a row that
		// newly names one is refused where the change is checked.
		p.email[m.ID], p.active[m.ID] = m.Email, m.Active(tx.Now())
		p.byKey[strings.ToLower(m.ID)] = m.ID
		p.byKey[strings.ToLower(m.Email)] = m.ID
		n := strings.ToLower(strings.TrimSpace(m.Name))
		if prev, ok := p.byKey[n]; ok && prev != m.ID {
			p.byKey[n] = "" // two members share the name
		} else {
			p.byKey[n] = m.ID
		}
	}
	return p, nil
}

// Cell is the export Cell of a member: their email (the id of someone unknown).
func (p *People) Cell(id *string) any {
	if id == nil {
		return nil
	}
	if e, ok := p.email[*id]; ok {
		return e
	}
	return *id
}

// Cell is the export cell of an optional value: empty when nil.
func Cell[T any](v *T) any {
	if v == nil {
		return nil
	}
	return *v
}

// Resolve returns the member id that s names (an id, email or name).
func (p *People) Resolve(s string) (string, error) {
	id, ok := p.byKey[strings.ToLower(strings.TrimSpace(s))]
	switch {
	case !ok:
		return "", fmt.Errorf("%q is not a member (give their email or name)", s)
	case id == "":
		return "", fmt.Errorf("several members are called %q; give the email", s)
	}
	return id, nil
}

func HasField(errs []RowError, field string) bool {
	for _, e := range errs {
		if e.Field == field {
			return true
		}
	}
	return false
}

// BeginExport checks the format, audits the export of a register (entity) and
// returns the writer: CSV, or XLSX with one sheet.
func (s *Service) BeginExport(ctx context.Context, p *bulwark.Principal, format string, w io.Writer, sheet, entity string) (tabular.Writer, error) {
	var tw tabular.Writer
	switch format {
	case "csv":
		tw = tabular.NewCSVWriter(w)
	case "xlsx":
		tw = tabular.NewXLSXWriter(w, sheet)
	default:
		return nil, bulwark.Invalid("format", "must be csv or xlsx")
	}
	err := s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
		return Audit(ctx, tx, p.Org.ID, MetaOf(p), entity+".export", entity, "", "", bulwark.Changes{"format": bulwark.Added(format)})
	})
	return tw, err
}

// AddImport registers a register whose spreadsheets are imported through
// uploads (kind: "assets", "risks") with the permission its import needs, the
// one its routes declare and its import operation checks: the upload operations
// check it too. Areas call it while the program starts, before the service is used.
func (s *Service) AddImport(kind string, perm bulwark.Permission) {
	if s.imports == nil {
		s.imports = map[string]bulwark.Permission{}
	}
	s.imports[kind] = perm
}

// requireImport returns EFORBIDDEN unless p may import into the register kind.
func (s *Service) requireImport(p *bulwark.Principal, kind string) error {
	perm, ok := s.imports[kind]
	if !ok {
		return fmt.Errorf("no register imports uploads of kind %q", kind)
	}
	return Require(p, perm)
}

// SaveUpload keeps an uploaded spreadsheet for the preview/confirm steps.
func (s *Service) SaveUpload(ctx context.Context, p *bulwark.Principal, kind, filename string, content []byte) (string, error) {
	if err := s.requireImport(p, kind); err != nil {
		return "", err
	}
	u := &sqlstore.Upload{Kind: kind, Filename: filename, Content: content}
	err := s.DB.Write(ctx, func(tx *sqlstore.Tx) error { return tx.InsertUpload(ctx, p.Org.ID, p.MemberID, u) })
	return u.ID, err
}

// Upload returns one of the principal's own uploads for the register kind.
func (s *Service) Upload(ctx context.Context, p *bulwark.Principal, kind, id string) (*sqlstore.Upload, error) {
	if err := s.requireImport(p, kind); err != nil {
		return nil, err
	}
	var u *sqlstore.Upload
	err := s.DB.Read(ctx, func(tx *sqlstore.Tx) error {
		var err error
		u, err = tx.Upload(ctx, p.Org.ID, p.MemberID, id)
		if err == nil && u.Kind != kind {
			err = bulwark.Errorf(bulwark.ENOTFOUND, "This upload belongs to another register.")
		}
		return err
	})
	return u, err
}

// DiscardUpload deletes one of the principal's own uploads for the register kind.
func (s *Service) DiscardUpload(ctx context.Context, p *bulwark.Principal, kind, id string) error {
	if err := s.requireImport(p, kind); err != nil {
		return err
	}
	return s.DB.Write(ctx, func(tx *sqlstore.Tx) error { return tx.DeleteUpload(ctx, p.Org.ID, p.MemberID, kind, id) })
}

// AfterImport refreshes the planner's statistics once an import has written many rows (the statistics policy of
// sqlstore.DB.Optimize). It runs after the commit: a failure is logged, never reported as a failed import.
func (s *Service) AfterImport(ctx context.Context, res *ImportResult, tables ...string) {
	if res == nil || res.DryRun || res.Created+res.Updated < sqlstore.BulkInsertThreshold {
		return
	}
	if err := s.DB.Optimize(ctx, tables...); err != nil {
		s.Log.WarnContext(ctx, "refresh statistics after an import", "err", err)
	}
}

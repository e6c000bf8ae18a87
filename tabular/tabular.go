// Package tabular is Bulwark's spreadsheet import and export engine, shared by every register (assets, risks,
// people, controls, suppliers).
//
// It knows nothing of assets or databases. Read turns a CSV or XLSX file into typed rows that carry the sheet's
// own row numbers, so an importer can name "row 7" exactly as the person sees it in their spreadsheet program.
// NewCSVWriter and NewXLSXWriter stream rows out again. The Parse* helpers turn cell text into values with error
// messages a person can act on, and Neutralise keeps exported text from running as a formula.
//
// The rules it implements are those of "Imports and exports" in CONTRACT.md.
package tabular

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Size guards. A file past any of them is refused with a *FormatError instead of being read, so a hostile or
// mistaken upload cannot exhaust memory or time.
const (
	// MaxRows is the most data rows Read accepts.
	MaxRows = 200_000
	// MaxCellChars is the longest cell Read accepts and the writers write: Excel's own limit per cell.
	MaxCellChars = 32_767
	// MaxFileBytes is the largest file Read accepts. Uploads are usually capped lower by the server
	// (--max-upload); this is the backstop for callers that read files from disk.
	MaxFileBytes = 256 << 20
)

// Field is a column an importer accepts.
type Field struct {
	Name    string   // JSON field name, e.g. "review_date"
	Label   string   // human label, e.g. "Review date"
	Aliases []string // other accepted header texts, e.g. "Next review"
	Derived bool     // computed by Bulwark (scores, levels): read but never written by importers
}

// Options steer reading.
type Options struct {
	Sheet     string            // XLSX sheet name; "" = first sheet. Ignored for CSV.
	HeaderRow int               // 1-based sheet row of the header; 0 = detect
	Mapping   map[string]string // header text -> field name (or label), overriding automatic matching; "" ignores the column. Both sides match like headers do (case, spaces, _ and - ignored)
}

// Cell is one cell of a data row.
type Cell struct {
	// Text is the trimmed text as a person sees it. For XLSX it is the cell's cached value, formatted with the
	// cell's number format; for date cells it is the ISO 8601 date (2006-01-02, or RFC 3339 when the cell also
	// holds a time of day), because the displayed form of a date depends on the reader's locale.
	Text string
	// Time is set when the XLSX cell is a date or date-time cell (a number with a date number format, or an
	// ISO 8601 date cell). It is in UTC; a date-only cell is at midnight.
	Time *time.Time
	// Formula is true when the cell held a formula; Text is then its cached result.
	Formula bool
}

// IsEmpty reports whether the cell holds no value. A formula whose cached result is empty counts as empty.
func (c Cell) IsEmpty() bool { return c.Text == "" && c.Time == nil }

// Column is one non-empty cell of the header row.
type Column struct {
	Index  int    // 0-based column index: A = 0
	Header string // the header text as written
	Field  string // field name the column is imported as; "" = not imported
}

// Letter returns the column's spreadsheet letter (A, B, …, AA), for messages.
func (c Column) Letter() string { return ColumnLetter(c.Index) }

// Row is one data row.
type Row struct {
	// Number is the sheet's own row number (CSV: the record number, header included, 1-based; blank lines count
	// as records so the number matches what a spreadsheet program shows).
	Number int
	// Cells holds the row's imported cells by field name. An empty cell is absent from the map (unless it holds
	// a formula, whose result is empty), so Cells["x"].Text is "" both for an empty cell and for a column the
	// file does not have; use Table.Has to tell them apart.
	Cells map[string]Cell
}

// Table is a file read by Read.
type Table struct {
	Format    string   // "csv" or "xlsx"
	Sheet     string   // XLSX: the sheet read; CSV: ""
	HeaderRow int      // 1-based row number of the header
	Columns   []Column // the header's non-empty cells, left to right
	Rows      []Row    // data rows only, all-empty rows skipped
	BlankRows int      // how many all-empty rows between the header and the last data row were skipped
	Unmapped  []string // header texts not matched to a field (columns ignored through Options.Mapping are not listed)
}

// HeaderOf returns the header text of the column imported as the named field, as the file writes it
// ("Next review"), for messages; the field name when the file has no such column.
func (t *Table) HeaderOf(field string) string {
	for _, c := range t.Columns {
		if c.Field == field {
			return c.Header
		}
	}
	return field
}

// Has reports whether the file has a column imported as the named field.
func (t *Table) Has(field string) bool {
	for _, c := range t.Columns {
		if c.Field == field {
			return true
		}
	}
	return false
}

// FormatError is a problem with the file itself, written as a plain sentence the person who made the file can
// act on. Every error Read returns for bad input is a *FormatError; other errors are I/O failures.
type FormatError struct {
	Row     int    // sheet row number the problem is on; 0 when it concerns the whole file
	Message string // one or more plain sentences
	Err     error  // underlying cause, if any; kept for logs, not part of Message
}

// Error returns the message, prefixed with the row number when there is one.
func (e *FormatError) Error() string {
	if e.Row > 0 {
		return fmt.Sprintf("row %d: %s", e.Row, e.Message)
	}
	return e.Message
}

// Unwrap returns the underlying cause.
func (e *FormatError) Unwrap() error { return e.Err }

func formatErrorf(row int, format string, args ...any) *FormatError {
	return &FormatError{Row: row, Message: fmt.Sprintf(format, args...)}
}

// Read reads a CSV or XLSX file into a Table. filename decides the format by its extension (.csv or .xlsx); the
// rest of it is only used in messages. fields are the columns the importer accepts.
//
// Bad input gives a *FormatError; a failing reader gives a wrapped I/O error.
func Read(r io.Reader, filename string, fields []Field, opts Options) (*Table, error) {
	if len(fields) == 0 {
		return nil, errors.New("tabular: Read needs at least one field")
	}
	if opts.HeaderRow < 0 {
		return nil, formatErrorf(0, "The header row must be a row number (1 or more), not %d.", opts.HeaderRow)
	}
	format, err := formatOf(filename)
	if err != nil {
		return nil, err
	}
	m, err := newMatcher(fields, opts.Mapping)
	if err != nil {
		return nil, err
	}
	// Read the whole file: XLSX needs random access (zip), and CSV needs a look ahead to find the delimiter.
	// The limit keeps that bounded.
	data, err := io.ReadAll(io.LimitReader(r, MaxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("tabular: reading %s: %w", filepath.Base(filename), err)
	}
	if len(data) > MaxFileBytes {
		return nil, formatErrorf(0, "The file is larger than %d MB; split it into smaller files.", MaxFileBytes>>20)
	}
	b := newBuilder(m, opts)
	b.t.Format = format
	switch format {
	case "csv":
		err = readCSV(data, b)
	default:
		err = readXLSX(data, b)
	}
	if err != nil {
		return nil, err
	}
	if err := b.finish(); err != nil {
		return nil, err
	}
	return b.t, nil
}

// formatOf returns "csv" or "xlsx" from the file name's extension.
func formatOf(filename string) (string, error) {
	// Both separators: a browser may send a Windows path as the upload's file name.
	base := filename
	if i := strings.LastIndexAny(base, `/\`); i >= 0 {
		base = base[i+1:]
	}
	ext := strings.ToLower(filepath.Ext(base))
	switch ext {
	case ".csv":
		return "csv", nil
	case ".xlsx":
		return "xlsx", nil
	case "":
		return "", formatErrorf(0, "The file %q has no extension; Bulwark reads .csv and .xlsx files.", base)
	case ".xls", ".xlsm", ".xlsb", ".ods", ".numbers", ".tsv", ".txt":
		return "", formatErrorf(0, "Bulwark reads .csv and .xlsx files, not %s; save %q as an Excel workbook (.xlsx) or as CSV UTF-8 and try again.", ext, base)
	default:
		return "", formatErrorf(0, "Bulwark reads .csv and .xlsx files; %q is not one.", base)
	}
}

// normalise folds a header text, field name or enum value for matching: lower case, with spaces, underscores
// and hyphens removed, so "Review date", "review_date" and "REVIEW-DATE" are the same column.
func normalise(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if unicode.IsSpace(r) || r == '_' || r == '-' {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// ColumnLetter returns the spreadsheet letter of a 0-based column index: 0 → A, 25 → Z, 26 → AA.
func ColumnLetter(index int) string {
	if index < 0 {
		return "?"
	}
	var buf [8]byte
	i := len(buf)
	for n := index + 1; n > 0 && i > 0; n = (n - 1) / 26 {
		i--
		buf[i] = byte('A' + (n-1)%26)
	}
	return string(buf[i:])
}

// matcher matches header texts to fields.
type matcher struct {
	fields  []Field
	byKey   map[string]int // normalised name, label or alias → field index
	mapping map[string]int // normalised header text → field index, or -1 to ignore the column
	mapKeys map[string]string
	need    int // known column names a row needs to be taken as the header
	primary bool
}

func newMatcher(fields []Field, mapping map[string]string) (*matcher, error) {
	m := &matcher{fields: fields, byKey: map[string]int{}, mapping: map[string]int{}, mapKeys: map[string]string{}}
	for i, f := range fields {
		// The name wins over another field's label or alias; otherwise the first field listed wins.
		for _, k := range append([]string{f.Name, f.Label}, f.Aliases...) {
			if key := normalise(k); key != "" {
				if _, taken := m.byKey[key]; !taken {
					m.byKey[key] = i
				}
			}
		}
		if !f.Derived {
			m.primary = true
		}
	}
	for i, f := range fields {
		m.byKey[normalise(f.Name)] = i
	}
	for header, target := range mapping {
		key := normalise(header)
		if key == "" {
			continue
		}
		m.mapKeys[key] = header
		if strings.TrimSpace(target) == "" {
			m.mapping[key] = -1
			continue
		}
		i, ok := m.byKey[normalise(target)]
		if !ok {
			return nil, formatErrorf(0, "The mapping %q=%q names no known field; known fields: %s.", header, target, m.names())
		}
		m.mapping[key] = i
	}
	m.need = min(2, len(fields))
	return m, nil
}

// match returns the field index a header text imports as: -1 for a column ignored through the mapping, and
// known false for a text that matches nothing.
func (m *matcher) match(text string) (field int, known bool) {
	field, known, _ = m.matchKey(text)
	return field, known
}

// matchKey is match that also returns the mapping key the text matched ("" when no mapping applied).
func (m *matcher) matchKey(text string) (field int, known bool, mapped string) {
	key := normalise(text)
	if key == "" {
		return -1, false, ""
	}
	if i, ok := m.mapping[key]; ok {
		return i, true, key
	}
	if i, ok := m.byKey[key]; ok {
		return i, true, ""
	}
	// People annotate headers with a unit, a range or a hint: "Likelihood (1-5)", "Owner (email)",
	// "Impact [1..5]". The annotation is not part of the column's name.
	if bare := normalise(stripAnnotations(text)); bare != "" && bare != key {
		if i, ok := m.mapping[bare]; ok {
			return i, true, bare
		}
		i, ok := m.byKey[bare]
		return i, ok, ""
	}
	return 0, false, ""
}

// stripAnnotations removes parenthesised and bracketed parts of a header text.
func stripAnnotations(s string) string {
	var b strings.Builder
	depth := 0
	for _, r := range s {
		switch {
		case r == '(' || r == '[':
			depth++
		case (r == ')' || r == ']') && depth > 0:
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// labels lists the fields' labels (or names) for messages.
func (m *matcher) labels() string {
	var names []string
	for _, f := range m.fields {
		if f.Label != "" {
			names = append(names, f.Label)
		} else {
			names = append(names, f.Name)
		}
	}
	return strings.Join(names, ", ")
}

func (m *matcher) names() string {
	var names []string
	for _, f := range m.fields {
		names = append(names, f.Name)
	}
	return strings.Join(names, ", ")
}

// score counts the cells of a row that match a field.
func (m *matcher) score(cells []rawCell) int {
	n := 0
	for _, c := range cells {
		if i, ok := m.match(c.cell.Text); ok && i >= 0 {
			n++
		}
	}
	return n
}

// rawCell is a non-empty cell of a sheet row before the header decides what it is.
type rawCell struct {
	col  int
	cell Cell
}

// builder turns a stream of sheet rows into a Table: it finds the header, maps the columns and collects the
// data rows. Both readers feed it, so CSV and XLSX follow exactly the same rules.
type builder struct {
	m        *matcher
	opts     Options
	t        *Table
	colField []int // column index → field index, -1 when not imported
	found    bool
	last     int // number of the last row seen after the header
	pending  int // blank rows since the last data row, counted only when another data row follows
}

func newBuilder(m *matcher, opts Options) *builder {
	return &builder{m: m, opts: opts, t: &Table{}}
}

// add takes the next row. Rows must come in increasing row number; rows absent from the file (XLSX) or blank
// lines (CSV) are simply not passed, and the gap counts as blank rows. cells holds the row's non-empty cells.
func (b *builder) add(num int, cells []rawCell) error {
	for _, c := range cells {
		if len(c.cell.Text) > MaxCellChars && utf8.RuneCountInString(c.cell.Text) > MaxCellChars {
			return formatErrorf(num, "Cell %s%d holds %d characters; a cell may hold at most %d.", ColumnLetter(c.col), num, utf8.RuneCountInString(c.cell.Text), MaxCellChars)
		}
	}
	if !b.found {
		if b.opts.HeaderRow > 0 {
			if num < b.opts.HeaderRow {
				return nil
			}
			if num > b.opts.HeaderRow || len(cells) == 0 {
				return formatErrorf(b.opts.HeaderRow, "Row %d, given as the header row, is empty.", b.opts.HeaderRow)
			}
			if b.m.score(cells) == 0 {
				return formatErrorf(num, "Row %d, given as the header row, holds none of the known column names (%s).", num, b.m.labels())
			}
			return b.header(num, cells)
		}
		if len(cells) < b.m.need || b.m.score(cells) < b.m.need {
			return nil // a title row, or anything else above the header
		}
		return b.header(num, cells)
	}
	b.pending += num - b.last - 1
	b.last = num
	row := Row{Number: num}
	filled := false
	for _, c := range cells {
		if c.col >= len(b.colField) || b.colField[c.col] < 0 {
			continue
		}
		f := b.m.fields[b.colField[c.col]]
		if c.cell.IsEmpty() && !c.cell.Formula {
			continue
		}
		if row.Cells == nil {
			row.Cells = make(map[string]Cell, len(b.t.Columns))
		}
		row.Cells[f.Name] = c.cell
		// Content only in unmapped, ignored or derived columns does not make a row: a score formula copied down
		// a sheet's empty rows must not turn them into rows that fail with "name is required".
		if !c.cell.IsEmpty() && (!f.Derived || !b.m.primary) {
			filled = true
		}
	}
	if !filled {
		b.pending++
		return nil
	}
	if len(b.t.Rows) >= MaxRows {
		return formatErrorf(num, "The file has more than %d data rows; split it into smaller files.", MaxRows)
	}
	b.t.BlankRows += b.pending
	b.pending = 0
	b.t.Rows = append(b.t.Rows, row)
	return nil
}

// header takes row num as the header row.
func (b *builder) header(num int, cells []rawCell) error {
	b.found = true
	b.last = num
	b.t.HeaderRow = num
	maxCol := 0
	for _, c := range cells {
		maxCol = max(maxCol, c.col+1)
	}
	b.colField = make([]int, maxCol)
	for i := range b.colField {
		b.colField[i] = -1
	}
	byField := map[int]Column{}
	seenMapping := map[string]bool{}
	for _, c := range cells {
		text := c.cell.Text
		if text == "" {
			continue
		}
		col := Column{Index: c.col, Header: text}
		i, known, mapped := b.m.matchKey(text)
		if mapped != "" {
			seenMapping[mapped] = true
		}
		switch {
		case !known:
			b.t.Unmapped = append(b.t.Unmapped, text)
		case i >= 0:
			f := b.m.fields[i]
			if prev, dup := byField[i]; dup {
				return formatErrorf(num, "Columns %s (%q) and %s (%q) both match the field %q; remove or rename one of them, or map one to another field.",
					prev.Letter(), prev.Header, col.Letter(), col.Header, fieldLabel(f))
			}
			col.Field = f.Name
			byField[i] = col
			b.colField[c.col] = i
		}
		b.t.Columns = append(b.t.Columns, col)
	}
	for key, header := range b.m.mapKeys {
		if !seenMapping[key] {
			return formatErrorf(num, "The mapping for %q matches no column of the header row (row %d).", header, num)
		}
	}
	return nil
}

func fieldLabel(f Field) string {
	if f.Label != "" {
		return f.Label
	}
	return f.Name
}

// finish checks the table once every row has been added.
func (b *builder) finish() error {
	if !b.found {
		if b.opts.HeaderRow > 0 {
			return formatErrorf(0, "Row %d, given as the header row, is empty or past the end of the file.", b.opts.HeaderRow)
		}
		return formatErrorf(0, "No header row found: no row holds at least %d of the known column names (%s). Add a header row, or give the header row number.", b.m.need, b.m.labels())
	}
	if len(b.t.Rows) == 0 {
		return formatErrorf(0, "The file has a header row (row %d) but no data rows below it.", b.t.HeaderRow)
	}
	return nil
}

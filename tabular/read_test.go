package tabular_test

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/bulwark-isms/bulwark/tabular"
)

// cellWant is what one cell of a fixture must read as.
type cellWant struct {
	row     int
	field   string
	text    string
	time    *time.Time
	formula bool
	absent  bool
}

func checkCells(t *testing.T, tbl *tabular.Table, wants []cellWant) {
	t.Helper()
	for _, w := range wants {
		r := row(t, tbl, w.row)
		c, ok := r.Cells[w.field]
		if w.absent {
			if ok {
				t.Errorf("row %d %s: want no cell, got %+v", w.row, w.field, c)
			}
			continue
		}
		if !ok {
			t.Errorf("row %d %s: missing; cells %v", w.row, w.field, r.Cells)
			continue
		}
		if c.Text != w.text {
			t.Errorf("row %d %s: Text %q, want %q", w.row, w.field, c.Text, w.text)
		}
		if c.Formula != w.formula {
			t.Errorf("row %d %s: Formula %v, want %v", w.row, w.field, c.Formula, w.formula)
		}
		switch {
		case w.time == nil && c.Time != nil:
			t.Errorf("row %d %s: Time %v, want none", w.row, w.field, *c.Time)
		case w.time != nil && (c.Time == nil || !c.Time.Equal(*w.time) || c.Time.Location() != time.UTC):
			t.Errorf("row %d %s: Time %v, want %v UTC", w.row, w.field, c.Time, *w.time)
		}
	}
}

// TestReadLibreOffice reads testdata/assets-libreoffice.xlsx, which LibreOffice wrote from
// testdata/assets-libreoffice.fods: two title rows (A1:F1 merged), the header on row 3, data on rows 4–6 and
// 9–13, rows 7 and 8 blank, a Score formula column and a Notes sheet.
func TestReadLibreOffice(t *testing.T) {
	tbl, err := readFile(t, "assets-libreoffice.xlsx", tabular.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if tbl.Format != "xlsx" || tbl.Sheet != "Assets" || tbl.HeaderRow != 3 {
		t.Errorf("Format %q Sheet %q HeaderRow %d, want xlsx Assets 3", tbl.Format, tbl.Sheet, tbl.HeaderRow)
	}
	if got, want := rowNumbers(tbl), []int{4, 5, 6, 9, 10, 11, 12, 13}; !slices.Equal(got, want) {
		t.Errorf("row numbers %v, want %v", got, want)
	}
	if tbl.BlankRows != 2 {
		t.Errorf("BlankRows %d, want 2", tbl.BlankRows)
	}
	if !slices.Equal(tbl.Unmapped, []string{"Score"}) {
		t.Errorf("Unmapped %q, want [Score]", tbl.Unmapped)
	}
	if len(tbl.Columns) != 16 {
		t.Fatalf("%d columns, want 16: %+v", len(tbl.Columns), tbl.Columns)
	}
	for i, want := range []tabular.Column{
		{Index: 0, Header: "Ref", Field: "ref"},
		{Index: 10, Header: "Personal data", Field: "personal_data"},
		{Index: 12, Header: "Review date", Field: "review_date"},
		{Index: 15, Header: "Score", Field: ""},
	} {
		if got := tbl.Columns[want.Index]; got != want {
			t.Errorf("column %d: %+v, want %+v", i, got, want)
		}
	}
	if tbl.Columns[15].Letter() != "P" {
		t.Errorf("Score column letter %q, want P", tbl.Columns[15].Letter())
	}
	checkCells(t, tbl, []cellWant{
		{row: 4, field: "ref", text: "A-001"},
		{row: 4, field: "name", text: "CRM database"},
		{row: 4, field: "type", text: "information"},
		{row: 4, field: "owner", text: "maria.lopez@northwind.example"},
		{row: 4, field: "confidentiality", text: "3"},
		{row: 4, field: "personal_data", text: "yes"},
		{row: 4, field: "status", text: "in_use"},
		{row: 4, field: "tags", text: "finance | crm"},
		// A real date cell (dd/mm/yyyy in the sheet).
		{row: 4, field: "review_date", text: "2026-12-31", time: timePtr(date(2026, 12, 31))},
		// Dates typed as text stay text.
		{row: 5, field: "review_date", text: "2026-12-31"},
		{row: 6, field: "review_date", text: "31/12/2026"},
		// A date cell with a long format (15 March 2027).
		{row: 9, field: "review_date", text: "2027-03-15", time: timePtr(date(2027, 3, 15))},
		// A formula in Description: its cached result.
		{row: 9, field: "description", text: "HR records (paper and digital)", formula: true},
		{row: 9, field: "custodian", absent: true},
		{row: 10, field: "description", text: "Product source code and build pipelines"},
		{row: 11, field: "status", text: "planned"},
		{row: 12, field: "review_date", absent: true},
		{row: 13, field: "status", text: "retired"},
		{row: 13, field: "classification", text: "Public"},
	})
	for _, r := range tbl.Rows {
		if _, ok := r.Cells["criticality"]; ok {
			t.Errorf("row %d: the unmapped Score column leaked into criticality", r.Number)
		}
	}
	// The text dates parse to the same day as the date cell.
	for _, n := range []int{4, 5, 6} {
		got, err := tabular.ParseDate(row(t, tbl, n).Cells["review_date"], tabular.DMY)
		if err != nil || !got.Equal(date(2026, 12, 31)) {
			t.Errorf("row %d: ParseDate = %v, %v", n, got, err)
		}
	}
	if got := tabular.SplitMulti(row(t, tbl, 4).Cells["tags"].Text); !slices.Equal(got, []string{"finance", "crm"}) {
		t.Errorf("tags %q", got)
	}
	if !tbl.Has("custodian") || tbl.Has("criticality") {
		t.Errorf("Has(custodian) %v Has(criticality) %v, want true false", tbl.Has("custodian"), tbl.Has("criticality"))
	}
}

func TestReadLibreOfficeOptions(t *testing.T) {
	t.Run("sheet Notes", func(t *testing.T) {
		for _, name := range []string{"Notes", "notes"} {
			tbl, err := readFile(t, "assets-libreoffice.xlsx", tabular.Options{Sheet: name})
			if err != nil {
				t.Fatal(err)
			}
			if tbl.Sheet != "Notes" || tbl.HeaderRow != 2 || !slices.Equal(rowNumbers(tbl), []int{3, 4}) {
				t.Fatalf("Sheet %q HeaderRow %d rows %v, want Notes 2 [3 4]", tbl.Sheet, tbl.HeaderRow, rowNumbers(tbl))
			}
			checkCells(t, tbl, []cellWant{
				{row: 3, field: "ref", text: "A-001"},
				{row: 4, field: "description", text: "Switched off; disposal certificate expected in January 2026."},
			})
		}
	})
	t.Run("unknown sheet", func(t *testing.T) {
		_, err := readFile(t, "assets-libreoffice.xlsx", tabular.Options{Sheet: "Risks"})
		formatError(t, err, `no sheet named "Risks"`, `"Assets", "Notes"`)
	})
	t.Run("header row given", func(t *testing.T) {
		tbl, err := readFile(t, "assets-libreoffice.xlsx", tabular.Options{HeaderRow: 3})
		if err != nil {
			t.Fatal(err)
		}
		if tbl.HeaderRow != 3 || len(tbl.Rows) != 8 {
			t.Errorf("HeaderRow %d, %d rows; want 3, 8", tbl.HeaderRow, len(tbl.Rows))
		}
	})
	t.Run("header row given on a title row", func(t *testing.T) {
		_, err := readFile(t, "assets-libreoffice.xlsx", tabular.Options{HeaderRow: 2})
		fe := formatError(t, err, "Row 2, given as the header row, holds none of the known column names", "Ref, Name, Type")
		if fe.Row != 2 {
			t.Errorf("Row %d, want 2", fe.Row)
		}
	})
	t.Run("header row given on a blank row", func(t *testing.T) {
		_, err := readFile(t, "assets-libreoffice.xlsx", tabular.Options{HeaderRow: 7})
		formatError(t, err, "Row 7, given as the header row, is empty")
	})
	t.Run("header row given past the end", func(t *testing.T) {
		_, err := readFile(t, "assets-libreoffice.xlsx", tabular.Options{HeaderRow: 500})
		formatError(t, err, "Row 500", "past the end")
	})
	t.Run("mapping ignores Custodian and maps Score", func(t *testing.T) {
		tbl, err := readFile(t, "assets-libreoffice.xlsx", tabular.Options{Mapping: map[string]string{
			"Custodian": "",
			"score":     "Criticality", // a label works as the target too
		}})
		if err != nil {
			t.Fatal(err)
		}
		if len(tbl.Unmapped) != 0 {
			t.Errorf("Unmapped %q, want none: ignored columns are not unmapped", tbl.Unmapped)
		}
		if c := tbl.Columns[4]; c.Header != "Custodian" || c.Field != "" {
			t.Errorf("column E %+v, want Custodian not imported", c)
		}
		if tbl.Has("custodian") {
			t.Error("Has(custodian) after ignoring it")
		}
		checkCells(t, tbl, []cellWant{
			{row: 4, field: "custodian", absent: true},
			{row: 4, field: "criticality", text: "8", formula: true},
			{row: 9, field: "criticality", text: "9", formula: true},
		})
	})
	t.Run("mapping a header that is not there", func(t *testing.T) {
		_, err := readFile(t, "assets-libreoffice.xlsx", tabular.Options{Mapping: map[string]string{"Next revew": "review_date"}})
		formatError(t, err, `The mapping for "Next revew" matches no column of the header row (row 3)`)
	})
	t.Run("mapping to an unknown field", func(t *testing.T) {
		_, err := readFile(t, "assets-libreoffice.xlsx", tabular.Options{Mapping: map[string]string{"Score": "risk_score"}})
		formatError(t, err, `"Score"="risk_score" names no known field`, "ref, name, type")
	})
}

// TestReadCSVFixture reads testdata/assets-excel.csv: semicolons, a BOM, CRLF line ends, a quoted field with a
// line break (record 3 spans lines 3–4), an all-empty record (4), a blank line (record 6), and the "Next review"
// alias for review_date.
func TestReadCSVFixture(t *testing.T) {
	tbl, err := readFile(t, "assets-excel.csv", tabular.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if tbl.Format != "csv" || tbl.Sheet != "" || tbl.HeaderRow != 1 {
		t.Errorf("Format %q Sheet %q HeaderRow %d, want csv \"\" 1", tbl.Format, tbl.Sheet, tbl.HeaderRow)
	}
	if got, want := rowNumbers(tbl), []int{2, 3, 5, 7}; !slices.Equal(got, want) {
		t.Errorf("row numbers %v, want %v", got, want)
	}
	if tbl.BlankRows != 2 {
		t.Errorf("BlankRows %d, want 2", tbl.BlankRows)
	}
	if len(tbl.Unmapped) != 0 || len(tbl.Columns) != 15 || tbl.Columns[12].Field != "review_date" {
		t.Errorf("Unmapped %q, %d columns, M = %+v", tbl.Unmapped, len(tbl.Columns), tbl.Columns[12])
	}
	checkCells(t, tbl, []cellWant{
		{row: 1 + 1, field: "ref", text: "A-101"}, // the BOM is not part of the first header
		{row: 2, field: "description", text: "Public web portal; customers sign in with SSO"},
		{row: 2, field: "review_date", text: "31.12.2026"},
		{row: 3, field: "description", text: "Weekly full backups\nkept for 12 months"},
		{row: 3, field: "custodian", absent: true},
		{row: 5, field: "name", text: "Müller & Söhne GmbH contract"},
		{row: 5, field: "description", text: `Supplier contract; says "confidential" on every page`},
		{row: 7, field: "review_date", absent: true},
		// Read keeps what the file holds; neutralising is for writing.
		{row: 7, field: "description", text: "=cmd|' /C calc'!A0"},
	})
	got, err := tabular.ParseDate(row(t, tbl, 2).Cells["review_date"], tabular.DMY)
	if err != nil || !got.Equal(date(2026, 12, 31)) {
		t.Errorf("ParseDate(31.12.2026, DMY) = %v, %v", got, err)
	}
}

// excelizeFixture writes a workbook with excelize's ordinary (non-streaming) API, the way other Go tools write
// them: shared strings, rich text, built-in date formats, a formula without a cached value, a merged cell in a
// data row, and a row holding only a derived formula.
func excelizeFixture(t testing.TB) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	const sh = "Register"
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.SetSheetName("Sheet1", sh))
	style := func(s *excelize.Style) int {
		id, err := f.NewStyle(s)
		must(err)
		return id
	}
	dateStyle := style(&excelize.Style{NumFmt: 14})
	dateTimeStyle := style(&excelize.Style{NumFmt: 22})
	twoDecimals := style(&excelize.Style{NumFmt: 2})
	percent := style(&excelize.Style{NumFmt: 10})
	set := func(cell string, v any) { t.Helper(); must(f.SetCellValue(sh, cell, v)) }

	set("A1", "Asset export for the 2026 audit")
	must(f.SetSheetRow(sh, "A2", &[]any{"Ref", "Name", "Review date", "Confidentiality", "Personal data", "Description", "Criticality"}))

	must(f.SetSheetRow(sh, "A3", &[]any{"A-1", "Mail service", date(2026, 5, 1), 3, true}))
	must(f.SetCellStyle(sh, "C3", "C3", dateStyle))
	must(f.SetCellStyle(sh, "D3", "D3", twoDecimals))
	must(f.SetCellRichText(sh, "F3", []excelize.RichTextRun{{Text: "Hosted "}, {Text: "mail", Font: &excelize.Font{Bold: true}}}))
	must(f.SetCellFormula(sh, "G3", "D3*2"))

	must(f.SetSheetRow(sh, "A4", &[]any{"A-2", "File share", time.Date(2026, 5, 1, 14, 30, 0, 0, time.UTC), 0.5, false, "  spaced out  "}))
	must(f.SetCellStyle(sh, "C4", "C4", dateTimeStyle))
	must(f.SetCellStyle(sh, "D4", "D4", percent))

	must(f.SetSheetRow(sh, "A5", &[]any{"A-3", "Merged name", nil, 2, "no", "Tab_x0009_separated"})) // OOXML's escape for a tab
	must(f.MergeCell(sh, "B5", "C5"))

	// Row 6 is absent; row 7 holds only a formula in the derived column, as when one is copied down.
	must(f.SetCellFormula(sh, "G7", "1+1"))
	must(f.SetSheetRow(sh, "A8", &[]any{"A-4", "Printer", "2026-07-01"}))

	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestReadExcelizeFixture(t *testing.T) {
	tbl := mustRead(t, excelizeFixture(t), "register.xlsx", assetFields, tabular.Options{})
	if tbl.Sheet != "Register" || tbl.HeaderRow != 2 {
		t.Errorf("Sheet %q HeaderRow %d, want Register 2", tbl.Sheet, tbl.HeaderRow)
	}
	if got, want := rowNumbers(tbl), []int{3, 4, 5, 8}; !slices.Equal(got, want) {
		t.Errorf("row numbers %v, want %v", got, want)
	}
	if tbl.BlankRows != 2 {
		t.Errorf("BlankRows %d, want 2 (row 6 absent, row 7 only a derived formula)", tbl.BlankRows)
	}
	checkCells(t, tbl, []cellWant{
		{row: 3, field: "review_date", text: "2026-05-01", time: timePtr(date(2026, 5, 1))},
		{row: 3, field: "confidentiality", text: "3.00"},
		{row: 3, field: "personal_data", text: "TRUE"},
		{row: 3, field: "description", text: "Hosted mail"},
		// A formula excelize wrote without computing it: flagged, no value.
		{row: 3, field: "criticality", text: "", formula: true},
		{row: 4, field: "review_date", text: "2026-05-01T14:30:00Z", time: timePtr(time.Date(2026, 5, 1, 14, 30, 0, 0, time.UTC))},
		{row: 4, field: "confidentiality", text: "50.00%"},
		{row: 4, field: "personal_data", text: "FALSE"},
		{row: 4, field: "description", text: "spaced out"},
		// Merged B5:C5: only the top-left cell holds the value.
		{row: 5, field: "name", text: "Merged name"},
		{row: 5, field: "review_date", absent: true},
		{row: 5, field: "description", text: "Tab\tseparated"},
		{row: 8, field: "review_date", text: "2026-07-01"},
	})
	for _, r := range tbl.Rows {
		b, err := tabular.ParseBool(r.Cells["personal_data"].Text)
		if err != nil {
			t.Errorf("row %d: %v", r.Number, err)
		}
		if want := r.Number == 3; b != want {
			t.Errorf("row %d: personal_data %v, want %v", r.Number, b, want)
		}
	}
}

// TestReadAnnotatedHeaders reads headers as people write them: a unit, a range or a hint in brackets is not
// part of the column's name, and messages can name the file's own header.
func TestReadAnnotatedHeaders(t *testing.T) {
	fields := []tabular.Field{
		{Name: "title", Label: "Title", Aliases: []string{"Risk"}},
		{Name: "owner_id", Label: "Owner", Aliases: []string{"Risk owner"}},
		{Name: "likelihood", Label: "Likelihood"},
		{Name: "impact", Label: "Impact"},
		{Name: "review_date", Label: "Review date", Aliases: []string{"Next review"}},
	}
	tests := []struct {
		name   string
		header string
		want   map[string]string // field → header text as written
		ignore []string
	}{
		{"ranges and units", "Risk,Owner (email),Likelihood (1-5),Impact [1..5],Next review",
			map[string]string{"title": "Risk", "owner_id": "Owner (email)", "likelihood": "Likelihood (1-5)", "impact": "Impact [1..5]", "review_date": "Next review"}, nil},
		{"exact text wins over the stripped one", "Risk,Likelihood,Impact (score),Next review (YYYY-MM-DD)",
			map[string]string{"title": "Risk", "likelihood": "Likelihood", "impact": "Impact (score)", "review_date": "Next review (YYYY-MM-DD)"}, nil},
		{"only an annotation matches nothing", "Risk,Likelihood,(1-5)",
			map[string]string{"title": "Risk", "likelihood": "Likelihood"}, []string{"(1-5)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := tt.header + "\nServer theft,,3,4,46433\n"
			tbl := mustRead(t, []byte(data), "register.csv", fields, tabular.Options{})
			for f, h := range tt.want {
				if got := tbl.HeaderOf(f); got != h {
					t.Errorf("HeaderOf(%s) = %q, want %q", f, got, h)
				}
			}
			if !slices.Equal(tbl.Unmapped, tt.ignore) {
				t.Errorf("Unmapped = %q, want %q", tbl.Unmapped, tt.ignore)
			}
			if got := tbl.HeaderOf("nosuch"); got != "nosuch" {
				t.Errorf("HeaderOf of a missing field = %q", got)
			}
		})
	}
	// A mapping keyed by the header without its annotation applies too.
	tbl := mustRead(t, []byte("Risk,Chance (1-5),Impact\nx,2,3\n"), "r.csv", fields, tabular.Options{Mapping: map[string]string{"Chance": "likelihood"}})
	if tbl.HeaderOf("likelihood") != "Chance (1-5)" {
		t.Errorf("mapped header: %+v", tbl.Columns)
	}
}

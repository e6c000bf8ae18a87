package tabular_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/bulwark-isms/bulwark/tabular"
)

var roundTripFields = []tabular.Field{
	{Name: "ref"}, {Name: "name"}, {Name: "confidentiality"}, {Name: "ratio"}, {Name: "personal_data"},
	{Name: "review_date"}, {Name: "updated_at"}, {Name: "tags"}, {Name: "description"}, {Name: "note"},
}

type stringer string

func (s stringer) String() string { return string(s) }

// roundTripRows are three rows covering every kind of value the writers take.
func roundTripRows() [][]any {
	updated := time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)
	return [][]any{
		tabular.Header(roundTripFields),
		{"A-001", "CRM database", 3, 2.5, true, date(2026, 12, 31), updated, []string{"finance", "crm"}, `=HYPERLINK("http://x","y")`, nil},
		{"A-002", "-3", int64(-3), -0.25, false, timePtr(date(2027, 1, 1)), (*time.Time)(nil), []string{}, "@SUM(A1)", "_x0041_ is literal"},
		// A time with a zone is written as its UTC wall clock.
		{"A-003", "Müller & Söhne", uint8(4), float32(0.5), true, date(2026, 2, 28), time.Date(2026, 3, 4, 12, 30, 5, 0, time.FixedZone("CEST", 2*3600)), []string{"a"}, "line one\nline two", stringer("+1 555 0100")},
	}
}

// roundTripWant is what Read gives back for roundTripRows, by row and field.
var roundTripWant = []map[string]string{
	{"ref": "A-001", "name": "CRM database", "confidentiality": "3", "ratio": "2.5", "personal_data": "true", "review_date": "2026-12-31", "updated_at": "2026-03-04T10:00:00Z", "tags": "finance | crm", "description": `'=HYPERLINK("http://x","y")`},
	{"ref": "A-002", "name": "-3", "confidentiality": "-3", "ratio": "-0.25", "personal_data": "false", "review_date": "2027-01-01", "description": "'@SUM(A1)", "note": "_x0041_ is literal"},
	{"ref": "A-003", "name": "Müller & Söhne", "confidentiality": "4", "ratio": "0.5", "personal_data": "true", "review_date": "2026-02-28", "updated_at": "2026-03-04T10:30:05Z", "tags": "a", "description": "line one\nline two", "note": "'+1 555 0100"},
}

func writeAll(t testing.TB, w tabular.Writer, rows [][]any) {
	t.Helper()
	for _, r := range rows {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestRoundTrip(t *testing.T) {
	for _, format := range []string{"csv", "xlsx"} {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			w := tabular.NewCSVWriter(&buf)
			if format == "xlsx" {
				w = tabular.NewXLSXWriter(&buf, "Assets")
			}
			writeAll(t, w, roundTripRows())
			tbl := mustRead(t, buf.Bytes(), "export."+format, roundTripFields, tabular.Options{})
			if tbl.HeaderRow != 1 || !slices.Equal(rowNumbers(tbl), []int{2, 3, 4}) || len(tbl.Unmapped) != 0 {
				t.Fatalf("HeaderRow %d rows %v Unmapped %q", tbl.HeaderRow, rowNumbers(tbl), tbl.Unmapped)
			}
			for i, want := range roundTripWant {
				r := tbl.Rows[i]
				for _, f := range roundTripFields {
					got := r.Cells[f.Name]
					text := got.Text
					if f.Name == "personal_data" {
						// XLSX has boolean cells (TRUE/FALSE), CSV has text; both parse the same.
						b, err := tabular.ParseBool(text)
						if err != nil {
							t.Errorf("row %d personal_data: %v", r.Number, err)
						}
						text = fmt.Sprint(b)
					}
					if text != want[f.Name] {
						t.Errorf("row %d %s: %q, want %q", r.Number, f.Name, text, want[f.Name])
					}
				}
				review := r.Cells["review_date"]
				d, err := tabular.ParseDate(review, "")
				if err != nil || d.Format(time.DateOnly) != want["review_date"] {
					t.Errorf("row %d review_date: %v %v", r.Number, d, err)
				}
				if (format == "xlsx") != (review.Time != nil) {
					t.Errorf("row %d review_date: Time %v in %s", r.Number, review.Time, format)
				}
			}
		})
	}
}

func TestXLSXWriterLayout(t *testing.T) {
	var buf bytes.Buffer
	writeAll(t, tabular.NewXLSXWriter(&buf, "Assets"), roundTripRows())
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !slices.Equal(got, []string{"Assets"}) {
		t.Fatalf("sheets %q", got)
	}
	panes, err := f.GetPanes("Assets")
	if err != nil || !panes.Freeze || panes.YSplit != 1 || panes.XSplit != 0 || panes.TopLeftCell != "A2" {
		t.Errorf("panes %+v, %v; want the header row frozen", panes, err)
	}
	var filter bool
	for _, dn := range f.GetDefinedName() {
		if dn.Name == "_xlnm._FilterDatabase" && dn.RefersTo == "'Assets'!$A$1:$J$4" {
			filter = true
		}
	}
	if !filter {
		t.Errorf("no auto-filter defined name over A1:J4: %+v", f.GetDefinedName())
	}
	sheet := sheetXML(t, buf.Bytes())
	if !strings.Contains(sheet, `<autoFilter ref="$A$1:$J$4"`) {
		t.Errorf("sheet XML has no auto-filter over A1:J4")
	}
	// Excel wants the column widths in column order.
	if i, j := strings.Index(sheet, `<col min="1" `), strings.Index(sheet, `<col min="10" `); i < 0 || j < i {
		t.Errorf("column widths missing or out of order")
	}
	styleOf := func(cell string) *excelize.Style {
		id, err := f.GetCellStyle("Assets", cell)
		if err != nil {
			t.Fatal(err)
		}
		s, err := f.GetStyle(id)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	for _, cell := range []string{"A1", "J1"} {
		if s := styleOf(cell); s.Font == nil || !s.Font.Bold {
			t.Errorf("header %s is not bold", cell)
		}
	}
	if s := styleOf("A2"); s.Font != nil && s.Font.Bold {
		t.Error("data cell A2 is bold")
	}
	if s := styleOf("F2"); s.CustomNumFmt == nil || *s.CustomNumFmt != "yyyy-mm-dd" {
		t.Errorf("date cell F2 format %v, want yyyy-mm-dd", s.CustomNumFmt)
	}
	// A number cell has no type attribute, which excelize reports as unset.
	for cell, want := range map[string]excelize.CellType{"C2": excelize.CellTypeUnset, "E2": excelize.CellTypeBool, "A2": excelize.CellTypeInlineString} {
		if got, _ := f.GetCellType("Assets", cell); got != want {
			t.Errorf("%s type %v, want %v", cell, got, want)
		}
	}
	if v, _ := f.GetCellValue("Assets", "C3", excelize.Options{RawCellValue: true}); v != "-3" {
		t.Errorf("a negative number is %q, want the number -3", v)
	}
	if v, _ := f.GetCellFormula("Assets", "I2"); v != "" {
		t.Errorf("the HYPERLINK text became a formula: %q", v)
	}
	narrow, _ := f.GetColWidth("Assets", "C")
	wide, _ := f.GetColWidth("Assets", "I")
	if narrow < 8 || wide <= narrow || wide > 60 {
		t.Errorf("column widths C %.1f, I %.1f: want C at least 8 and I wider, at most 60", narrow, wide)
	}
}

// sheetXML returns the first worksheet's XML of a workbook.
func sheetXML(t testing.TB, data []byte) string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := zr.Open("xl/worksheets/sheet1.xml")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestCSVWriterOutput(t *testing.T) {
	var buf bytes.Buffer
	writeAll(t, tabular.NewCSVWriter(&buf), roundTripRows())
	want := "ref,name,confidentiality,ratio,personal_data,review_date,updated_at,tags,description,note\n" +
		`A-001,CRM database,3,2.5,true,2026-12-31,2026-03-04T10:00:00Z,finance | crm,"'=HYPERLINK(""http://x"",""y"")",` + "\n" +
		"A-002,-3,-3,-0.25,false,2027-01-01,,,'@SUM(A1),_x0041_ is literal\n" +
		"A-003,Müller & Söhne,4,0.5,true,2026-02-28,2026-03-04T10:30:05Z,a,\"line one\nline two\",'+1 555 0100\n"
	if buf.String() != want {
		t.Errorf("CSV:\n%s\nwant:\n%s", buf.String(), want)
	}
}

func TestWriterErrors(t *testing.T) {
	for _, format := range []string{"csv", "xlsx"} {
		newWriter := func() tabular.Writer {
			if format == "xlsx" {
				return tabular.NewXLSXWriter(io.Discard, "Sheet")
			}
			return tabular.NewCSVWriter(io.Discard)
		}
		t.Run(format, func(t *testing.T) {
			tests := []struct {
				name string
				rows [][]any
				want string
			}{
				{"row longer than the header", [][]any{{"a", "b"}, {"1", "2", "3"}}, "row 2 has 3 values, the header has 2"},
				{"unsupported type", [][]any{{"a"}, {struct{}{}}}, "row 2, column A: cannot write a struct {}"},
				{"cell too long", [][]any{{"a", "b"}, {"x", strings.Repeat("y", tabular.MaxCellChars+1)}}, "row 2, column B: the text is 32768 characters long"},
				{"empty header", [][]any{{}}, "header row is empty"},
			}
			for _, tt := range tests {
				w := newWriter()
				var err error
				for _, r := range tt.rows {
					if err = w.Write(r); err != nil {
						break
					}
				}
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("%s: got %v, want %q", tt.name, err, tt.want)
				}
				_ = w.Close()
			}
			w := newWriter()
			writeAll(t, w, [][]any{{"a"}})
			if err := w.Write([]any{"late"}); err == nil {
				t.Error("Write after Close succeeded")
			}
		})
	}
	if err := tabular.NewXLSXWriter(io.Discard, "x").Close(); err == nil {
		t.Error("closing an XLSX writer without a header succeeded")
	}
	failing := tabular.NewXLSXWriter(errWriter{}, "x")
	if err := failing.Write([]any{"a"}); err != nil {
		t.Fatal(err)
	}
	if err := failing.Close(); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("Close to a failing writer: %v", err)
	}
}

type errWriter struct{}

func (errWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestXLSXWriterSheetName(t *testing.T) {
	for name, want := range map[string]string{
		"Assets":                  "Assets",
		"":                        "Sheet1",
		"Risks: 2026/Q1 [draft]?": "Risks- 2026-Q1 -draft--",
		"A very long sheet name that Excel refuses": "A very long sheet name that Exc",
		"'quoted'": "quoted",
	} {
		var buf bytes.Buffer
		writeAll(t, tabular.NewXLSXWriter(&buf, name), [][]any{{"ref", "name"}, {"A-1", "x"}})
		tbl := mustRead(t, buf.Bytes(), "x.xlsx", assetFields, tabular.Options{})
		if tbl.Sheet != want {
			t.Errorf("sheet %q written as %q, want %q", name, tbl.Sheet, want)
		}
	}
}

// TestWriteLargeMemoryFlat writes 100,000 rows to each writer and checks the heap stays small: the rows go out
// as they come (excelize moves its buffer to a temporary file past 16 MB).
func TestWriteLargeMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 100,000 rows")
	}
	if raceEnabled {
		t.Skip("the race detector's own bookkeeping distorts heap measurements, and makes this slow")
	}
	const rows = 100_000
	for _, format := range []string{"csv", "xlsx"} {
		t.Run(format, func(t *testing.T) {
			var out countingWriter
			w := tabular.NewCSVWriter(&out)
			if format == "xlsx" {
				w = tabular.NewXLSXWriter(&out, "Assets")
			}
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			base, peak := ms.HeapAlloc, uint64(0)
			row := []any{"", "Laptop fleet with a reasonably long name", "hardware", 3, true, date(2026, 12, 31), "finance | crm", "Some free text describing the asset in a sentence or two."}
			if err := w.Write(tabular.Header(assetFields[:len(row)])); err != nil {
				t.Fatal(err)
			}
			for i := range rows {
				row[0] = fmt.Sprintf("A-%06d", i)
				if err := w.Write(row); err != nil {
					t.Fatal(err)
				}
				if i%10_000 == 0 {
					runtime.GC() // live heap, not garbage waiting for collection
					runtime.ReadMemStats(&ms)
					peak = max(peak, ms.HeapAlloc)
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			growth := int64(peak) - int64(base)
			t.Logf("%s: %d rows, %d bytes written, heap growth while writing %d KB", format, rows, out.n, growth>>10)
			if growth > 48<<20 {
				t.Errorf("heap grew by %d MB while writing %d rows; the writer is not streaming", growth>>20, rows)
			}
		})
	}
}

type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

func TestXLSXWriterPreamble(t *testing.T) {
	var buf bytes.Buffer
	w := tabular.NewXLSXWriterWithPreamble(&buf, "SoA", [][2]string{{"Organisation", "Acme"}, {"Revision", "=2 (draft)"}})
	writeAll(t, w, roundTripRows())
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	panes, err := f.GetPanes("SoA")
	if err != nil || !panes.Freeze || panes.YSplit != 4 || panes.TopLeftCell != "A5" {
		t.Errorf("panes %+v, %v; want the header on row 4 frozen", panes, err)
	}
	if got, _ := f.GetCellValue("SoA", "B2"); got != "'=2 (draft)" {
		t.Errorf("preamble value %q is not neutralised", got)
	}
	if !strings.Contains(sheetXML(t, buf.Bytes()), `<autoFilter ref="$A$4:$J$7"`) {
		t.Error("no auto-filter over the header and rows A4:J7")
	}
	tbl := mustRead(t, buf.Bytes(), "soa.xlsx", roundTripFields, tabular.Options{})
	if tbl.HeaderRow != 4 || len(tbl.Rows) != 3 {
		t.Errorf("read back: header row %d, %d rows; want 4 and 3", tbl.HeaderRow, len(tbl.Rows))
	}
}

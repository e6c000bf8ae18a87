package tabular_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-isms/bulwark/tabular"
)

// workbook builds a minimal workbook by hand, for what spreadsheet programs write but excelize does not:
// sheets in any order and kind, namespace prefixes, the 1904 date system.
type workbook struct {
	sheets   []string // name=kind; the first worksheet's XML is sheet
	sheet    string
	strings  []string
	formats  string // <numFmts> content
	xfs      []int  // numFmtId of each cell format
	date1904 bool
}

func (w workbook) bytes(t testing.TB) []byte {
	t.Helper()
	files := map[string]string{}
	var sheets, rels strings.Builder
	for i, s := range w.sheets {
		name, kind, _ := strings.Cut(s, "=")
		fmt.Fprintf(&sheets, `<sheet name="%s" sheetId="%d" r:id="rId%d"/>`, name, i+1, i+10)
		fmt.Fprintf(&rels, `<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/%s" Target="/xl/worksheets/s%d.xml"/>`, i+10, kind, i)
		files[fmt.Sprintf("xl/worksheets/s%d.xml", i)] = w.sheet
	}
	pr := ""
	if w.date1904 {
		pr = `<workbookPr date1904="1"/>`
	}
	files["_rels/.rels"] = `<Relationships><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="book/main.xml"/></Relationships>`
	files["book/main.xml"] = `<workbook xmlns:rel="http://schemas.openxmlformats.org/officeDocument/2006/relationships">` + pr + `<sheets>` + strings.ReplaceAll(sheets.String(), "r:id", "rel:id") + `</sheets></workbook>`
	files["book/_rels/main.xml.rels"] = `<Relationships>` + rels.String() +
		`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="../xl/sharedStrings.xml"/>` +
		`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="../xl/styles.xml"/>` +
		`<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" Target="https://example.com" TargetMode="External"/></Relationships>`
	var sst strings.Builder
	for _, s := range w.strings {
		fmt.Fprintf(&sst, "<si><t>%s</t></si>", s)
	}
	files["xl/sharedStrings.xml"] = "<sst>" + sst.String() + "</sst>"
	var xfs strings.Builder
	for _, id := range w.xfs {
		fmt.Fprintf(&xfs, `<xf numFmtId="%d"/>`, id)
	}
	files["xl/styles.xml"] = `<styleSheet><numFmts>` + w.formats + `</numFmts><cellStyleXfs><xf numFmtId="14"/></cellStyleXfs><cellXfs>` + xfs.String() + `</cellXfs></styleSheet>`
	return zipOf(t, files)
}

func TestReadXLSXVariants(t *testing.T) {
	header := `<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c></row>`
	base := workbook{
		sheets:  []string{"Data=worksheet"},
		strings: []string{"Ref", "Name", "Review date", "A-1"},
		formats: `<numFmt numFmtId="164" formatCode="[$-409]dddd\,\ mmmm\ d\,\ yyyy"/><numFmt numFmtId="165" formatCode="hh:mm"/><numFmt numFmtId="166" formatCode="#,##0.00\ &quot;kg&quot;"/><numFmt numFmtId="167" formatCode="[h]:mm:ss"/><numFmt numFmtId="168" formatCode="dd/mm/yyyy\ hh:mm"/>`,
		xfs:     []int{0, 14, 164, 165, 166, 167, 168, 22},
	}
	tests := []struct {
		name   string
		modify func(*workbook)
		cells  string // row 2 after A2 = A-1
		want   tabular.Cell
		err    string
	}{
		{name: "built-in date", cells: `<c r="C2" s="1"><v>46022</v></c>`, want: tabular.Cell{Text: "2025-12-31", Time: timePtr(date(2025, 12, 31))}},
		{name: "date hides the time of day", cells: `<c r="C2" s="1"><v>46022.75</v></c>`, want: tabular.Cell{Text: "2025-12-31", Time: timePtr(date(2025, 12, 31))}},
		{name: "long custom date with locale", cells: `<c r="C2" s="2"><v>46022</v></c>`, want: tabular.Cell{Text: "2025-12-31", Time: timePtr(date(2025, 12, 31))}},
		{name: "date and time", cells: `<c r="C2" s="7"><v>46022.5</v></c>`, want: tabular.Cell{Text: "2025-12-31T12:00:00Z", Time: timePtr(time.Date(2025, 12, 31, 12, 0, 0, 0, time.UTC))}},
		{name: "custom date and time", cells: `<c r="C2" s="6"><v>46022.25</v></c>`, want: tabular.Cell{Text: "2025-12-31T06:00:00Z", Time: timePtr(time.Date(2025, 12, 31, 6, 0, 0, 0, time.UTC))}},
		{name: "1904 date system", modify: func(w *workbook) { w.date1904 = true }, cells: `<c r="C2" s="1"><v>44560</v></c>`, want: tabular.Cell{Text: "2025-12-31", Time: timePtr(date(2025, 12, 31))}},
		{name: "time of day is not a date", cells: `<c r="C2" s="3"><v>0.5</v></c>`, want: tabular.Cell{Text: "12:00"}},
		{name: "elapsed time is not a date", cells: `<c r="C2" s="5"><v>1.5</v></c>`, want: tabular.Cell{Text: "36:00:00"}},
		{name: "number with a unit", cells: `<c r="C2" s="4"><v>1234.5</v></c>`, want: tabular.Cell{Text: "1,234.50 kg"}},
		{name: "General number", cells: `<c r="C2"><v>0.30000000000000004</v></c>`, want: tabular.Cell{Text: "0.3"}},
		{name: "General integer", cells: `<c r="C2" s="0"><v>3</v></c>`, want: tabular.Cell{Text: "3"}},
		{name: "style out of range is General", cells: `<c r="C2" s="99"><v>7</v></c>`, want: tabular.Cell{Text: "7"}},
		{name: "ISO date cell", cells: `<c r="C2" t="d"><v>2026-03-04T00:00:00</v></c>`, want: tabular.Cell{Text: "2026-03-04", Time: timePtr(date(2026, 3, 4))}},
		{name: "error value", cells: `<c r="C2" t="e"><f>1/0</f><v>#DIV/0!</v></c>`, want: tabular.Cell{Text: "#DIV/0!", Formula: true}},
		{name: "shared formula", cells: `<c r="C2" t="str"><f t="shared" si="0"/><v>x</v></c>`, want: tabular.Cell{Text: "x", Formula: true}},
		{name: "inline rich text without phonetic guide", cells: `<c r="C2" t="inlineStr"><is><r><t>To</t></r><r><t xml:space="preserve">kyo </t></r><rPh sb="0" eb="1"><t>とうきょう</t></rPh></is></c>`, want: tabular.Cell{Text: "Tokyo"}},
		{name: "escaped characters", cells: `<c r="C2" t="inlineStr"><is><t>a &amp; b_x000D__x000A_c</t></is></c>`, want: tabular.Cell{Text: "a & b\r\nc"}},
		{name: "namespace prefixes", modify: func(w *workbook) {
			w.sheet = `<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>` +
				strings.ReplaceAll(strings.ReplaceAll(header, "<", "<x:"), "<x:/", "</x:") +
				`<x:row r="2"><x:c r="A2" t="s"><x:v>3</x:v></x:c><x:c r="C2" t="s"><x:v>1</x:v></x:c></x:row></x:sheetData></x:worksheet>`
		}, want: tabular.Cell{Text: "Name"}},
		{name: "rows and cells without references", modify: func(w *workbook) {
			w.sheet = `<worksheet><sheetData><row><c t="s"><v>0</v></c><c t="s"><v>1</v></c><c t="s"><v>2</v></c></row><row><c t="s"><v>3</v></c><c/><c><v>5</v></c></row></sheetData></worksheet>`
		}, want: tabular.Cell{Text: "5"}},
		{name: "missing shared string", cells: `<c r="C2" t="s"><v>42</v></c>`, err: "row 2: Cell C2 cannot be read: shared string"},
		{name: "rows out of order", cells: `</row><row r="1">`, err: "damaged"},
		{name: "column past XFD", cells: `<c r="XFE2"><v>1</v></c>`, err: "damaged"},
		{name: "chart sheet first", modify: func(w *workbook) { w.sheets = []string{"Chart=chartsheet", "Data=worksheet"} }, err: `Sheet "Chart" holds a chart or macro, not cells`},
		{name: "no sheets", modify: func(w *workbook) { w.sheets = nil }, err: "The workbook has no sheets."},
		{name: "empty sheet", modify: func(w *workbook) { w.sheet = "" }, err: "No header row found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := base
			w.sheet = `<worksheet><sheetData>` + header + `<row r="2"><c r="A2" t="s"><v>3</v></c>` + tt.cells + `</row></sheetData></worksheet>`
			if tt.modify != nil {
				tt.modify(&w)
			}
			tbl, err := tabular.Read(strings.NewReader(string(w.bytes(t))), "v.xlsx", assetFields, tabular.Options{})
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("got %v, want an error containing %q", err, tt.err)
				}
				formatError(t, err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := tbl.Rows[0].Cells["review_date"]
			if got.Text != tt.want.Text || got.Formula != tt.want.Formula || (got.Time == nil) != (tt.want.Time == nil) || (got.Time != nil && !got.Time.Equal(*tt.want.Time)) {
				t.Errorf("cell %+v (time %v), want %+v (time %v)", got, got.Time, tt.want, tt.want.Time)
			}
			if !slices.Equal(rowNumbers(tbl), []int{2}) || tbl.Sheet != "Data" {
				t.Errorf("rows %v sheet %q", rowNumbers(tbl), tbl.Sheet)
			}
		})
	}
}

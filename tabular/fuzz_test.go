package tabular_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/bulwark-isms/bulwark/tabular"
)

// checkReadResult holds Read to its contract on any input: a table whose rows follow the header in increasing
// order, or a *FormatError.
func checkReadResult(t *testing.T, tbl *tabular.Table, err error) {
	t.Helper()
	if err != nil {
		var fe *tabular.FormatError
		if !errors.As(err, &fe) || fe.Message == "" {
			t.Fatalf("bad input gave %T %v, want a *FormatError with a message", err, err)
		}
		return
	}
	if tbl.HeaderRow < 1 || len(tbl.Rows) == 0 || len(tbl.Rows) > tabular.MaxRows {
		t.Fatalf("HeaderRow %d, %d rows", tbl.HeaderRow, len(tbl.Rows))
	}
	last := tbl.HeaderRow
	for _, r := range tbl.Rows {
		if r.Number <= last {
			t.Fatalf("row %d after row %d", r.Number, last)
		}
		last = r.Number
		for name, c := range r.Cells {
			if c.Text == "" && c.Time == nil && !c.Formula {
				t.Fatalf("row %d: empty cell %s kept", r.Number, name)
			}
		}
	}
	if blank := last - tbl.HeaderRow - len(tbl.Rows); tbl.BlankRows != blank {
		t.Fatalf("BlankRows %d, want %d between row %d and row %d", tbl.BlankRows, blank, tbl.HeaderRow, last)
	}
}

func FuzzReadCSV(f *testing.F) {
	for _, seed := range []string{
		"Ref,Name\nA-1,CRM\n",
		"\xef\xbb\xbfRef;Name;Owner\r\nA-1;CRM;maria\r\n\r\n;;\r\nA-2;\"x;\ny\";\n",
		"Title\n\nRef,Name,Review date,Next review\nA,b\n",
		"Ref,Name\n\"unterminated\n",
		"Ref,Name,,\n,,,x\nA,\"b\"\"c\",d\n",
	} {
		f.Add([]byte(seed), 0)
	}
	f.Add([]byte("x\nRef,Name\nA,b\n"), 2)
	f.Fuzz(func(t *testing.T, data []byte, headerRow int) {
		tbl, err := tabular.Read(bytes.NewReader(data), "fuzz.csv", assetFields, tabular.Options{HeaderRow: headerRow % 8})
		checkReadResult(t, tbl, err)
	})
}

// FuzzReadXLSXSheet fuzzes the worksheet XML inside an otherwise valid workbook, where the XLSX reader's own
// parsing is: random bytes would rarely get past the zip layer.
func FuzzReadXLSXSheet(f *testing.F) {
	for _, seed := range []string{
		`<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row><row r="3"><c r="A3" t="inlineStr"><is><t>A-1</t></is></c><c r="B3" s="1"><v>46022</v></c></row></sheetData></worksheet>`,
		`<worksheet><sheetData><row><c t="s"><v>0</v></c><c t="s"><v>1</v></c></row><row><c><f>1+1</f><v>2</v></c><c t="str"><f>"x"</f><v>x_x000D_</v></c><c t="b"><v>1</v></c><c t="e"><v>#N/A</v></c><c t="d"><v>2026-03-04</v></c></row></sheetData></worksheet>`,
		`<x:worksheet xmlns:x="s"><x:sheetData><x:row r="2"><x:c r="A2" t="s"><x:v>0</x:v></x:c><x:c r="B2" t="s"><x:v>1</x:v></x:c></x:row><x:row r="4"><x:c r="XFD4" s="2"><x:v>0.5</x:v></x:c><x:c r="A4" t="s"><x:v>9</x:v></x:c></x:row></x:sheetData></x:worksheet>`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, sheet string) {
		data := zipOf(t, map[string]string{
			"xl/workbook.xml":            `<workbook xmlns:r="r"><sheets><sheet name="S" r:id="rId1"/></sheets></workbook>`,
			"xl/_rels/workbook.xml.rels": `<Relationships><Relationship Id="rId1" Type="x/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="x/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId3" Type="x/styles" Target="styles.xml"/></Relationships>`,
			"xl/sharedStrings.xml":       `<sst><si><t>Ref</t></si><si><r><t>Na</t></r><r><t>me</t></r><rPh><t>x</t></rPh></si></sst>`,
			"xl/styles.xml":              `<styleSheet><numFmts><numFmt numFmtId="164" formatCode="0.0%"/></numFmts><cellXfs><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/></cellXfs></styleSheet>`,
			"xl/worksheets/sheet1.xml":   sheet,
		})
		tbl, err := tabular.Read(bytes.NewReader(data), "fuzz.xlsx", assetFields, tabular.Options{})
		checkReadResult(t, tbl, err)
	})
}

package tabular_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/bulwark-isms/bulwark/tabular"
)

// zipOf builds a zip archive of the given files, for damaged workbooks.
func zipOf(t testing.TB, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestReadErrors(t *testing.T) {
	longCell := strings.Repeat("x", tabular.MaxCellChars+1)
	var tooMany strings.Builder
	tooMany.WriteString("Ref,Name\n")
	for range tabular.MaxRows + 1 {
		tooMany.WriteString("A,b\n")
	}
	tests := []struct {
		name     string
		filename string
		data     string
		opts     tabular.Options
		row      int      // FormatError.Row
		parts    []string // substrings of the message
	}{
		{
			name: "no header", filename: "assets.csv", data: "Asset,Owner\nCRM,maria\n",
			parts: []string{"No header row found", "at least 2 of the known column names", "Ref, Name, Type, Owner", "give the header row number"},
		},
		{
			name: "one known column is not a header", filename: "assets.csv", data: "Name,Thing\nCRM,x\n",
			parts: []string{"No header row found"},
		},
		{
			name: "no data rows", filename: "assets.csv", data: "Ref,Name\n\n,,\n , \n",
			parts: []string{"header row (row 1) but no data rows"},
		},
		{
			name: "no data rows in a workbook", filename: "assets.xlsx", data: string(excelizeHeaderOnly(t)),
			parts: []string{"header row (row 1) but no data rows"},
		},
		{
			name: "empty file", filename: "assets.csv", data: "",
			parts: []string{"No header row found"},
		},
		{
			name: "wrong extension", filename: "assets.xls", data: "Ref,Name\nA,b\n",
			parts: []string{"Bulwark reads .csv and .xlsx files, not .xls", "save \"assets.xls\" as an Excel workbook (.xlsx) or as CSV UTF-8"},
		},
		{
			name: "unknown extension", filename: `C:\Users\maria\assets.pdf`, data: "%PDF",
			parts: []string{`Bulwark reads .csv and .xlsx files; "assets.pdf" is not one.`},
		},
		{
			name: "no extension", filename: "assets", data: "Ref,Name\nA,b\n",
			parts: []string{`"assets" has no extension`},
		},
		{
			name: "xlsx that is not a zip", filename: "assets.xlsx", data: "Ref,Name\nA,b\n",
			parts: []string{"named .xlsx but is not an Excel workbook", "zip archive"},
		},
		{
			name: "xls renamed to xlsx", filename: "assets.xlsx", data: "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest",
			parts: []string{"old Excel 97–2003 workbook (.xls) or a password-protected one"},
		},
		{
			name: "truncated zip", filename: "assets.xlsx", data: "PK\x03\x04garbage",
			parts: []string{"The .xlsx file is damaged"},
		},
		{
			name: "zip without a workbook", filename: "assets.xlsx", data: string(zipOf(t, map[string]string{"hello.txt": "hi"})),
			parts: []string{"The .xlsx file is damaged (xl/workbook.xml cannot be read)"},
		},
		{
			name: "workbook XML broken", filename: "assets.xlsx", data: string(zipOf(t, map[string]string{"xl/workbook.xml": "<workbook><sheets><sheet"})),
			parts: []string{"damaged (xl/workbook.xml cannot be read)", "save it again"},
		},
		{
			name: "duplicate headers", filename: "assets.csv", data: "Ref,Name,Owner,name\nA-1,CRM,maria,CRM again\n", row: 1,
			parts: []string{`Columns B ("Name") and D ("name") both match the field "Name"`, "remove or rename one of them"},
		},
		{
			name: "duplicate headers through an alias", filename: "assets.csv", data: "Title\nRef,Review date,Next review\nA-1,2026-01-01,2027-01-01\n", row: 2,
			parts: []string{`Columns B ("Review date") and C ("Next review") both match the field "Review date"`},
		},
		{
			name: "cell too long", filename: "assets.csv", data: "Ref,Name\nA-1," + longCell + "\n", row: 2,
			parts: []string{"Cell B2 holds 32768 characters; a cell may hold at most 32767."},
		},
		{
			name: "too many rows", filename: "assets.csv", data: tooMany.String(), row: tabular.MaxRows + 2,
			parts: []string{"more than 200000 data rows; split it"},
		},
		{
			name: "negative header row", filename: "assets.csv", data: "Ref,Name\nA,b\n", opts: tabular.Options{HeaderRow: -1},
			parts: []string{"must be a row number (1 or more), not -1"},
		},
		{
			name: "UTF-16", filename: "assets.csv", data: "\xFF\xFER\x00e\x00f\x00",
			parts: []string{"UTF-16", `save it as "CSV UTF-8"`},
		},
		{
			name: "Latin-1", filename: "assets.csv", data: "Ref,Name\nA-1,CRM\nA-2,M\xfcller\n",
			parts: []string{"not UTF-8 text", "line 3", `"CSV UTF-8"`},
		},
		{
			name: "mapping to an unknown field", filename: "assets.csv", data: "Ref,Name\nA,b\n", opts: tabular.Options{Mapping: map[string]string{"Name": "title"}},
			parts: []string{`"Name"="title" names no known field`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tbl, err := tabular.Read(strings.NewReader(tt.data), tt.filename, assetFields, tt.opts)
			if err == nil {
				t.Fatalf("Read succeeded: %+v", tbl)
			}
			fe := formatError(t, err, tt.parts...)
			if fe.Row != tt.row {
				t.Errorf("Row %d, want %d (%v)", fe.Row, tt.row, fe)
			}
			// A message is a sentence for a person: capitalised, ending with a full stop.
			if m := fe.Message; m == "" || m[0] < 'A' || m[0] > 'Z' || !strings.HasSuffix(m, ".") {
				t.Errorf("message %q is not a plain sentence", m)
			}
		})
	}
}

// excelizeHeaderOnly is a workbook with a header and nothing below it.
func excelizeHeaderOnly(t testing.TB) []byte {
	var buf bytes.Buffer
	w := tabular.NewXLSXWriter(&buf, "Assets")
	if err := w.Write([]any{"ref", "name"}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestReadErrorsAreNotFormatErrors(t *testing.T) {
	// A failing reader is an I/O problem, not the file's: the caller answers it differently.
	boom := errors.New("connection reset")
	_, err := tabular.Read(iotest.ErrReader(boom), "assets.csv", assetFields, tabular.Options{})
	var fe *tabular.FormatError
	if !errors.Is(err, boom) || errors.As(err, &fe) {
		t.Fatalf("got %v, want the wrapped I/O error", err)
	}
	if !strings.Contains(err.Error(), "assets.csv") {
		t.Errorf("error %q does not name the file", err)
	}
	if _, err := tabular.Read(strings.NewReader("Ref,Name\n"), "a.csv", nil, tabular.Options{}); err == nil {
		t.Error("Read without fields succeeded")
	}
}

func TestFormatErrorText(t *testing.T) {
	cause := errors.New("cause")
	e := &tabular.FormatError{Row: 7, Message: "Something is wrong.", Err: cause}
	if e.Error() != "row 7: Something is wrong." || !errors.Is(e, cause) {
		t.Errorf("Error() = %q, Is(cause) = %v", e.Error(), errors.Is(e, cause))
	}
	if (&tabular.FormatError{Message: "Whole file."}).Error() != "Whole file." {
		t.Error("a file-wide error has a row prefix")
	}
}

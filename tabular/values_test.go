package tabular_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-isms/bulwark/tabular"
)

func TestParseDate(t *testing.T) {
	cell := func(s string) tabular.Cell { return tabular.Cell{Text: s} }
	dateCell := time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		cell    tabular.Cell
		order   string
		want    time.Time
		wantErr string // substring of the error; "" = no error
	}{
		{"date cell wins over text", tabular.Cell{Text: "whatever", Time: &dateCell}, "", dateCell, ""},
		{"ISO date", cell("2026-03-04"), "", date(2026, 3, 4), ""},
		{"ISO date, order ignored", cell("2026-03-04"), "MDY", date(2026, 3, 4), ""},
		{"RFC 3339 UTC", cell("2026-03-04T10:00:00Z"), "", time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC), ""},
		{"RFC 3339 with offset", cell("2026-03-04T10:00:00+02:00"), "", time.Date(2026, 3, 4, 8, 0, 0, 0, time.UTC), ""},
		{"ISO date and time with a space", cell("2026-03-04 10:30"), "", time.Date(2026, 3, 4, 10, 30, 0, 0, time.UTC), ""},
		{"surrounding space", cell("  2026-03-04 "), "", date(2026, 3, 4), ""},
		{"DMY slash", cell("04/03/2026"), "DMY", date(2026, 3, 4), ""},
		{"MDY slash", cell("04/03/2026"), "MDY", date(2026, 4, 3), ""},
		{"order in lower case", cell("04/03/2026"), "dmy", date(2026, 3, 4), ""},
		{"DMY dots", cell("4.3.2026"), "DMY", date(2026, 3, 4), ""},
		{"DMY hyphens", cell("04-03-2026"), "DMY", date(2026, 3, 4), ""},
		{"DMY two-digit year", cell("04/03/26"), "DMY", date(2026, 3, 4), ""},
		{"two-digit year 30 is 1930", cell("04/03/30"), "DMY", date(1930, 3, 4), ""},
		{"DMY with time", cell("04/03/2026 09:15"), "DMY", time.Date(2026, 3, 4, 9, 15, 0, 0, time.UTC), ""},
		{"unambiguous day first without order", cell("13/03/2026"), "", date(2026, 3, 13), ""},
		{"unambiguous month first without order", cell("03/13/2026"), "", date(2026, 3, 13), ""},
		{"same day and month without order", cell("05/05/2026"), "", date(2026, 5, 5), ""},
		{"year first", cell("2026/03/04"), "", date(2026, 3, 4), ""},
		{"year first, single digits", cell("2026-3-4"), "MDY", date(2026, 3, 4), ""},
		{"ambiguous without order", cell("03/04/2026"), "", time.Time{}, `"03/04/2026" is ambiguous: it could be 3 April 2026 or 4 March 2026; set the organisation's date order`},
		{"ambiguous two-digit year", cell("1.2.26"), "", time.Time{}, "set the organisation's date order"},
		{"order contradicted by the value", cell("13/03/2026"), "MDY", time.Time{}, `"13/03/2026" is not a valid date in MDY order`},
		{"no such day", cell("31/02/2026"), "DMY", time.Time{}, `"31/02/2026" is not a valid date`},
		{"no such day in ISO", cell("2026-02-30"), "", time.Time{}, `"2026-02-30" is not a valid date`},
		{"both parts over 12", cell("13/13/2026"), "", time.Time{}, `"13/13/2026" is not a valid date`},
		{"day and month words", cell("4 March 2026"), "", date(2026, 3, 4), ""},
		{"month first words", cell("March 4, 2026"), "", date(2026, 3, 4), ""},
		{"abbreviated month", cell("04-Mar-2026"), "", date(2026, 3, 4), ""},
		{"abbreviated month two-digit year", cell("4-mar-26"), "MDY", date(2026, 3, 4), ""},
		{"weekday and ordinal", cell("Wednesday, 4th March 2026"), "", date(2026, 3, 4), ""},
		{"Sept", cell("1 Sept 2026"), "", date(2026, 9, 1), ""},
		{"month name, no such day", cell("31 April 2026"), "", time.Time{}, `"31 April 2026" is not a date`},
		{"empty", cell(""), "", time.Time{}, "no date given"},
		{"not a date", cell("next Tuesday"), "", time.Time{}, `"next Tuesday" is not a date; write it as YYYY-MM-DD`},
		{"spreadsheet serial date", cell("46433"), "", date(2027, 2, 15), ""},
		{"spreadsheet serial with a time of day", cell("46022.75"), "", date(2025, 12, 31), ""},
		{"a year is not a serial date", cell("2026"), "", time.Time{}, `"2026" is a number, not a date`},
		{"a huge number is not a serial date", cell("100000"), "", time.Time{}, `"100000" is a number, not a date`},
		{"a negative number is not a date", cell("-46022"), "", time.Time{}, `is not a date`},
		{"bad order", cell("2026-03-04"), "YMD", time.Time{}, "unknown date order"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tabular.ParseDate(tt.cell, tt.order)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseDate(%q, %q) = %v, %v; want an error containing %q", tt.cell.Text, tt.order, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || !got.Equal(tt.want) || got.Location() != time.UTC {
				t.Fatalf("ParseDate(%q, %q) = %v, %v; want %v", tt.cell.Text, tt.order, got, err, tt.want)
			}
			if _, serial, _ := tabular.ParseDateSerial(tt.cell, tt.order); serial != strings.HasPrefix(tt.name, "spreadsheet serial") {
				t.Fatalf("ParseDateSerial(%q) says serial %v", tt.cell.Text, serial)
			}
		})
	}
}

func TestParseEnum(t *testing.T) {
	allowed := []string{"information", "software", "in_use", "Confidential"}
	tests := []struct {
		in, want, wantErr string
	}{
		{"information", "information", ""},
		{"SOFTWARE", "software", ""},
		{" Software ", "software", ""},
		{"In use", "in_use", ""},
		{"in-use", "in_use", ""},
		{"IN_USE", "in_use", ""},
		{"confidential", "Confidential", ""},
		{"hardware", "", `"hardware" is not one of: information, software, in_use, Confidential`},
		{"", "", "no value given; expected one of: information"},
	}
	for _, tt := range tests {
		got, err := tabular.ParseEnum(tt.in, allowed)
		switch {
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("ParseEnum(%q) = %q, %v; want error %q", tt.in, got, err, tt.wantErr)
		case tt.wantErr == "" && (err != nil || got != tt.want):
			t.Errorf("ParseEnum(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestParseBool(t *testing.T) {
	tests := []struct {
		in      string
		want    bool
		wantErr bool
	}{
		{"yes", true, false}, {"Yes", true, false}, {"Y", true, false}, {"true", true, false},
		{"TRUE", true, false}, {"1", true, false}, {"x", true, false}, {" X ", true, false},
		{"no", false, false}, {"NO", false, false}, {"n", false, false}, {"false", false, false},
		{"FALSE", false, false}, {"0", false, false}, {"", false, false}, {"  ", false, false},
		{"maybe", false, true}, {"2", false, true}, {"yes please", false, true},
	}
	for _, tt := range tests {
		got, err := tabular.ParseBool(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseBool(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
		if err != nil && !strings.Contains(err.Error(), strings.TrimSpace(tt.in)) {
			t.Errorf("ParseBool(%q) error %q does not name the value", tt.in, err)
		}
	}
}

func TestParseInt(t *testing.T) {
	tests := []struct {
		in       string
		min, max int
		want     int
		wantErr  string
	}{
		{"3", 1, 4, 3, ""},
		{" 3 ", 1, 4, 3, ""},
		{"3.0", 1, 4, 3, ""},
		{"3.000", 1, 4, 3, ""},
		{"1", 1, 4, 1, ""},
		{"4", 1, 4, 4, ""},
		{"-3", -5, 5, -3, ""},
		{"4e0", 1, 4, 4, ""},
		{"5", 1, 4, 0, "5 is outside the range 1 to 4"},
		{"0", 1, 4, 0, "0 is outside the range 1 to 4"},
		{"5.0", 1, 4, 0, "5.0 is outside the range 1 to 4"},
		{"1e300", 1, 4, 0, "outside the range 1 to 4"},
		{"3.5", 1, 4, 0, `"3.5" is not a whole number`},
		{"three", 1, 4, 0, `"three" is not a whole number; expected a whole number from 1 to 4`},
		{"NaN", 1, 4, 0, "not a whole number"},
		{"Inf", 1, 4, 0, "not a whole number"},
		{"", 1, 4, 0, "no number given"},
	}
	for _, tt := range tests {
		got, err := tabular.ParseInt(tt.in, tt.min, tt.max)
		switch {
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("ParseInt(%q, %d, %d) = %d, %v; want error %q", tt.in, tt.min, tt.max, got, err, tt.wantErr)
		case tt.wantErr == "" && (err != nil || got != tt.want):
			t.Errorf("ParseInt(%q, %d, %d) = %d, %v; want %d", tt.in, tt.min, tt.max, got, err, tt.want)
		}
	}
}

func TestMulti(t *testing.T) {
	tests := []struct {
		cell   string
		values []string
		joined string // JoinMulti(values)
	}{
		{"finance | crm", []string{"finance", "crm"}, "finance | crm"},
		{"finance|crm", []string{"finance", "crm"}, "finance | crm"},
		{" finance ||  crm | ", []string{"finance", "crm"}, "finance | crm"},
		{"one", []string{"one"}, "one"},
		{"", nil, ""},
		{" | ", nil, ""},
	}
	for _, tt := range tests {
		got := tabular.SplitMulti(tt.cell)
		if !slices.Equal(got, tt.values) {
			t.Errorf("SplitMulti(%q) = %q, want %q", tt.cell, got, tt.values)
		}
		if j := tabular.JoinMulti(got); j != tt.joined {
			t.Errorf("JoinMulti(%q) = %q, want %q", got, j, tt.joined)
		}
	}
	if got := tabular.JoinMulti([]string{" a ", "", "b"}); got != "a | b" {
		t.Errorf("JoinMulti trims and drops empties: %q", got)
	}
}

func TestNeutralise(t *testing.T) {
	tests := []struct {
		in, neutralise, neutraliseText string
	}{
		{`=HYPERLINK("http://x","y")`, `'=HYPERLINK("http://x","y")`, `'=HYPERLINK("http://x","y")`},
		{"+44 20 7946 0000", "'+44 20 7946 0000", "'+44 20 7946 0000"},
		{"-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"},
		{"@SUM(A1:A2)", "'@SUM(A1:A2)", "'@SUM(A1:A2)"},
		{"\t=1+1", "'\t=1+1", "'\t=1+1"},
		{"\r=1+1", "'\r=1+1", "'\r=1+1"},
		// Plain numbers are data: Neutralise leaves them, NeutraliseText (free text) does not.
		{"-3", "-3", "'-3"},
		{"+1.5", "+1.5", "'+1.5"},
		{"-2.5e3", "-2.5e3", "'-2.5e3"},
		{"-", "'-", "'-"},
		{"-e3", "'-e3", "'-e3"},
		{"3", "3", "3"},
		{"plain text", "plain text", "plain text"},
		{"a=b", "a=b", "a=b"},
		{" =1+1", " =1+1", " =1+1"},
		{"", "", ""},
	}
	for _, tt := range tests {
		if got := tabular.Neutralise(tt.in); got != tt.neutralise {
			t.Errorf("Neutralise(%q) = %q, want %q", tt.in, got, tt.neutralise)
		}
		if got := tabular.NeutraliseText(tt.in); got != tt.neutraliseText {
			t.Errorf("NeutraliseText(%q) = %q, want %q", tt.in, got, tt.neutraliseText)
		}
		if got := tabular.Unneutralise(tabular.NeutraliseText(tt.in)); got != tt.in {
			t.Errorf("Unneutralise(NeutraliseText(%q)) = %q", tt.in, got)
		}
	}
	if got := tabular.Unneutralise("'quoted"); got != "'quoted" {
		t.Errorf("Unneutralise removed an apostrophe that was not neutralising: %q", got)
	}
}

func TestColumnLetter(t *testing.T) {
	for i, want := range map[int]string{0: "A", 1: "B", 25: "Z", 26: "AA", 27: "AB", 701: "ZZ", 702: "AAA", 16383: "XFD"} {
		if got := tabular.ColumnLetter(i); got != want {
			t.Errorf("ColumnLetter(%d) = %q, want %q", i, got, want)
		}
	}
}

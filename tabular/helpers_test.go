package tabular_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-isms/bulwark/tabular"
)

// assetFields are the asset register's columns, as the assets importer will declare them.
var assetFields = []tabular.Field{
	{Name: "ref", Label: "Ref"},
	{Name: "name", Label: "Name"},
	{Name: "type", Label: "Type"},
	{Name: "owner", Label: "Owner"},
	{Name: "custodian", Label: "Custodian"},
	{Name: "location", Label: "Location"},
	{Name: "classification", Label: "Classification"},
	{Name: "confidentiality", Label: "Confidentiality"},
	{Name: "integrity", Label: "Integrity"},
	{Name: "availability", Label: "Availability"},
	{Name: "personal_data", Label: "Personal data"},
	{Name: "status", Label: "Status"},
	{Name: "review_date", Label: "Review date", Aliases: []string{"Next review"}},
	{Name: "tags", Label: "Tags"},
	{Name: "description", Label: "Description"},
	{Name: "criticality", Label: "Criticality", Derived: true},
}

// readFile reads a committed fixture.
func readFile(t testing.TB, name string, opts tabular.Options) (*tabular.Table, error) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return tabular.Read(bytes.NewReader(data), name, assetFields, opts)
}

// mustRead reads data and fails the test on an error.
func mustRead(t testing.TB, data []byte, name string, fields []tabular.Field, opts tabular.Options) *tabular.Table {
	t.Helper()
	tbl, err := tabular.Read(bytes.NewReader(data), name, fields, opts)
	if err != nil {
		t.Fatalf("Read(%s): %v", name, err)
	}
	return tbl
}

// formatError asserts err is a *FormatError whose message holds every part.
func formatError(t testing.TB, err error, parts ...string) *tabular.FormatError {
	t.Helper()
	var fe *tabular.FormatError
	if !errors.As(err, &fe) {
		t.Fatalf("want a *FormatError, got %T: %v", err, err)
	}
	for _, p := range parts {
		if !strings.Contains(fe.Message, p) {
			t.Errorf("message %q does not contain %q", fe.Message, p)
		}
	}
	return fe
}

func rowNumbers(tbl *tabular.Table) []int {
	var n []int
	for _, r := range tbl.Rows {
		n = append(n, r.Number)
	}
	return n
}

// row returns the data row with the given sheet row number.
func row(t testing.TB, tbl *tabular.Table, number int) tabular.Row {
	t.Helper()
	i := slices.IndexFunc(tbl.Rows, func(r tabular.Row) bool { return r.Number == number })
	if i < 0 {
		t.Fatalf("no data row %d; rows are %v", number, rowNumbers(tbl))
	}
	return tbl.Rows[i]
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func timePtr(t time.Time) *time.Time { return &t }

package tabular_test

import (
	"bytes"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/bulwark-isms/bulwark/tabular"
)

// largeFiles are a generated 10,000-row register as XLSX and CSV, built once for the test and the benchmarks.
var largeFiles = sync.OnceValues(func() (map[string][]byte, error) {
	files := map[string][]byte{}
	for _, format := range []string{"xlsx", "csv"} {
		var buf bytes.Buffer
		w := tabular.NewCSVWriter(&buf)
		if format == "xlsx" {
			w = tabular.NewXLSXWriter(&buf, "Assets")
		}
		if err := w.Write(tabular.Header(assetFields[:15])); err != nil {
			return nil, err
		}
		for i := range largeRows {
			err := w.Write([]any{
				fmt.Sprintf("A-%05d", i+1), fmt.Sprintf("Asset number %d", i+1), "hardware",
				"maria.lopez@northwind.example", "it-operations@northwind.example", "Head office, Leeds", "Internal",
				1 + i%4, 1 + (i+1)%4, 1 + (i+2)%4, i%2 == 0, "in_use", date(2026, 1, 1).AddDate(0, 0, i%365),
				[]string{"finance", "crm"}, "A description long enough to look like a real one, with a comma, too.",
			})
			if err != nil {
				return nil, err
			}
		}
		if err := w.Close(); err != nil {
			return nil, err
		}
		files[format] = buf.Bytes()
	}
	return files, nil
})

const largeRows = 10_000

func TestReadLarge(t *testing.T) {
	files, err := largeFiles()
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"xlsx", "csv"} {
		t.Run(format, func(t *testing.T) {
			start := time.Now()
			tbl := mustRead(t, files[format], "large."+format, assetFields, tabular.Options{})
			elapsed := time.Since(start)
			t.Logf("read %d rows (%d KB of %s) in %v", len(tbl.Rows), len(files[format])>>10, format, elapsed)
			if len(tbl.Rows) != largeRows || tbl.Rows[largeRows-1].Number != largeRows+1 {
				t.Fatalf("%d rows, last %d", len(tbl.Rows), tbl.Rows[len(tbl.Rows)-1].Number)
			}
			last := tbl.Rows[largeRows-1].Cells
			if last["ref"].Text != "A-10000" || last["review_date"].Text != "2026-05-25" {
				t.Errorf("last row %v", last)
			}
		})
	}
}

func BenchmarkRead(b *testing.B) {
	files, err := largeFiles()
	if err != nil {
		b.Fatal(err)
	}
	for _, format := range []string{"xlsx", "csv"} {
		b.Run(fmt.Sprintf("n=%d/%s", largeRows, format), func(b *testing.B) {
			b.SetBytes(int64(len(files[format])))
			b.ReportAllocs()
			for b.Loop() {
				tbl, err := tabular.Read(bytes.NewReader(files[format]), "large."+format, assetFields, tabular.Options{})
				if err != nil || len(tbl.Rows) != largeRows {
					b.Fatal(err)
				}
			}
		})
	}
}

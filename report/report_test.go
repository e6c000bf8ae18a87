package report_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-isms/bulwark/report"
)

// pdftotext runs poppler's pdftotext on b with the given options and returns its output.
func pdftotext(t *testing.T, b []byte, opts ...string) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("pdftotext is not installed")
		}
		t.Skip("pdftotext is not installed")
	}
	path := filepath.Join(t.TempDir(), "r.pdf")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, append(opts, path, "-")...).CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v %s", err, out)
	}
	return string(out)
}

// TestUnicodeTablesAndPages writes a long table with text in Polish, Greek and
// Russian and one 200-character word, and reads it back through pdftotext: the
// text comes back whole, the word stays inside the page, the table's header row
// repeats on every page, and every page says which document it is and its page
// number out of the total.
func TestUnicodeTablesAndPages(t *testing.T) {
	tests := []struct {
		name      string
		landscape bool
		pageWidth float64 // points
	}{{"portrait", false, 595}, {"landscape", true, 842}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := report.New(report.Meta{Title: "Risk treatment plan", Organisation: "Łódź Ltd", Version: "3", Draft: true,
				Generated: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), Landscape: tt.landscape})
			if err != nil {
				t.Fatal(err)
			}
			long := strings.Repeat("x", 100) + strings.Repeat("Ж", 100)
			d.Heading("Scope")
			d.Paragraph("Łódź office flood — Ελλάδα Москва\n" + long)
			d.Fields([2]string{"Owner", "Zoë Ångström"})
			var rows [][]string
			for i := range 120 {
				rows = append(rows, []string{"R-" + strconv.Itoa(i+1), "Łódź office flood — Ελλάδα Москва", "mitigate", long})
			}
			if err := d.Table([]report.Column{{"Ref", 1}, {"Risk", 4}, {"Treatment", 2}, {"Notes", 5}}, rows); err != nil {
				t.Fatal(err)
			}
			d.Paragraph("After the table.")
			var buf bytes.Buffer
			if err := d.Write(&buf); err != nil {
				t.Fatal(err)
			}
			txt := pdftotext(t, buf.Bytes())
			for _, want := range []string{"Łódź office flood — Ελλάδα Москва", "Zoë Ångström", "DRAFT", "version 3", "After the table.", "R-120"} {
				if !strings.Contains(txt, want) {
					t.Errorf("%q is missing from the text", want)
				}
			}
			if joined := strings.Join(strings.Fields(txt), ""); !strings.Contains(joined, long) {
				t.Errorf("the long word did not come back whole")
			}
			pages := strings.Split(strings.TrimRight(txt, "\f\n"), "\f")
			if len(pages) < 3 {
				t.Fatalf("%d pages; the table should run over several", len(pages))
			}
			for i, p := range pages {
				if !strings.Contains(p, "Page "+strconv.Itoa(i+1)+" of "+strconv.Itoa(len(pages))) || !strings.Contains(p, "Risk treatment plan · Łódź Ltd · version 3 · DRAFT") {
					t.Errorf("page %d lacks its footer: %q", i+1, p)
				}
				if i > 0 && i < len(pages)-1 && !strings.Contains(p, "Treatment") {
					t.Errorf("page %d does not repeat the table's header", i+1)
				}
			}
			// Every word lies inside the page.
			bbox := pdftotext(t, buf.Bytes(), "-bbox")
			for _, m := range regexp.MustCompile(`xMax="([0-9.]+)"`).FindAllStringSubmatch(bbox, -1) {
				if x, _ := strconv.ParseFloat(m[1], 64); x > tt.pageWidth {
					t.Fatalf("a word ends at x=%.1f, past the page's width %.0f", x, tt.pageWidth)
				}
			}
		})
	}
}

// TestTableRefusesBadColumns checks the table's guard rails.
func TestTableRefusesBadColumns(t *testing.T) {
	d, err := report.New(report.Meta{Title: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Table(nil, nil); err == nil {
		t.Error("a table without columns was accepted")
	}
	if err := d.Table([]report.Column{{"A", 0}}, nil); err == nil {
		t.Error("a column without width was accepted")
	}
}

package pdf_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-isms/bulwark/pdf"
)

// TestPdftotextReadsIt writes a multi-page document and reads it back with poppler.
func TestPdftotextReadsIt(t *testing.T) {
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("pdftotext is not installed (poppler-utils)")
		}
		t.Skip("pdftotext is not installed")
	}
	d := pdf.New("Risk treatment plan — Müller & Söhne")
	for i := 0; i < 120; i++ {
		d.Subheading("R-" + strings.Repeat("0", 3) + " Ransomware (encrypted) \\ backups")
		d.Text(1, "Owner: Zoë; controls A.8.13, A.5.30. "+strings.Repeat("Long text that wraps across the line. ", 8))
	}
	var buf bytes.Buffer
	if _, err := d.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "plan.pdf")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-layout", path, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v %s", err, out)
	}
	text := string(out)
	for _, want := range []string{"Risk treatment plan", "Müller & Söhne", "Ransomware (encrypted) \\ backups", "Owner: Zoë", "page 1 of", "wraps across the line"} {
		if !strings.Contains(text, want) {
			t.Errorf("pdftotext output lacks %q", want)
		}
	}
	if strings.Count(text, "\f") < 2 {
		t.Error("expected several pages")
	}
}

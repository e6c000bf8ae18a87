package cli_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-isms/bulwark/areas/areastest"
	"github.com/bulwark-isms/bulwark/areas/scope"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
)

// TestExportScope: `bulwark export scope --format pdf` writes the live statement marked DRAFT with its
// exclusion and justification, on both databases; a revision that was never approved is a failure, and only
// pdf is offered.
func TestExportScope(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		svc := areastest.NewService(t, db)
		owner := areastest.MustOrg(t, svc, "Acme Ltd", "ciso@acme.test")
		text := func(s string) *string { return &s }
		units := []scope.Boundary{{Name: "Engineering"}}
		ex := []scope.Exclusion{{What: "The research lab", Justification: "It holds no customer data."}}
		if _, err := svc.Scope.SaveScope(ctx, owner, scope.ScopeInput{Summary: text("The whole of Acme Ltd."), OrgUnits: &units, Exclusions: &ex}, nil); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		dbFlag, data := "--db="+db.DSN, "--data-dir="+filepath.Join(dir, "data")
		pdf := filepath.Join(dir, "scope.pdf")
		if code, _, msg := run(t, "", "export", "scope", dbFlag, data, "--format", "pdf", "-o", pdf); code != 0 || !strings.Contains(msg, "exported the live ISMS scope statement") {
			t.Fatalf("scope: %d %s", code, msg)
		}
		b, err := os.ReadFile(pdf)
		if err != nil {
			t.Fatal(err)
		}
		if txt := areastest.PDFText(t, b); !strings.Contains(txt, "DRAFT") || !strings.Contains(txt, "The research lab") || !strings.Contains(txt, "It holds no customer data.") {
			t.Errorf("the scope:\n%s", txt)
		}
		if code, _, msg := run(t, "", "export", "scope", dbFlag, data, "--format", "pdf", "--revision", "1", "-o", "-"); code != 1 || !strings.Contains(msg, "no approved revision 1") {
			t.Errorf("revision 1: %d %s", code, msg)
		}
		if code, _, msg := run(t, "", "export", "scope", dbFlag, data, "--format", "csv", "-o", "-"); code != 2 || !strings.Contains(msg, "--format must be one of pdf") {
			t.Errorf("csv: %d %s", code, msg)
		}
	})
}

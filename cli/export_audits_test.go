package cli_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-isms/bulwark/areas/areastest"
	"github.com/bulwark-isms/bulwark/areas/audits"
	"github.com/bulwark-isms/bulwark/areas/incidents"
	"github.com/bulwark-isms/bulwark/areas/reviews"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
)

// TestExportAuditKinds: `bulwark export audit-report --audit REF`, `findings`, `nonconformities`,
// `management-review --review REF` and `incidents` on an
// organisation with an audit in progress and a minor nonconformity found, on both databases; --audit goes
// with audit-report and only with it.
func TestExportAuditKinds(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		svc := areastest.NewService(t, db)
		owner := areastest.MustOrg(t, svc, "Acme Ltd", "ciso@acme.test")
		text := func(s string) *string { return &s }
		lead := &owner.MemberID
		scope := []string{"iso27001-2022:A.5.15", "iso27001-2022:A.5.18"}
		a, err := svc.Audits.Create(ctx, owner, audits.Input{Title: text("Access control audit"), Type: text("internal"), RequirementIDs: &scope, LeadID: &lead})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Audits.GenerateChecklist(ctx, owner, a.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Audits.Update(ctx, owner, a.ID, audits.Input{Status: text(audits.StatusInProgress)}, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Audits.RecordLine(ctx, owner, a.ID, 2, audits.LineInput{Result: text(audits.ResultNonconforming), Notes: text("Two leavers still active.")}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Audits.RaiseFinding(ctx, owner, audits.FindingInput{AuditID: &a.ID, Classification: text("minor_nc"), Title: text("Leavers keep access")}); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		dbFlag, data := "--db="+db.DSN, "--data-dir="+filepath.Join(dir, "data")
		pdf := filepath.Join(dir, "report.pdf")
		if code, _, msg := run(t, "", "export", "audit-report", dbFlag, data, "--audit", "AUD-001", "--format", "pdf", "-o", pdf); code != 0 || !strings.Contains(msg, "exported the report of audit AUD-001") {
			t.Fatalf("audit-report: %d %s", code, msg)
		}
		b, err := os.ReadFile(pdf)
		if err != nil {
			t.Fatal(err)
		}
		if txt := areastest.PDFText(t, b); !strings.Contains(txt, "F-001") || !strings.Contains(txt, "NC-001") || !strings.Contains(txt, "Two leavers still active.") {
			t.Errorf("the report:\n%s", txt)
		}
		code, out, msg := run(t, "", "export", "findings", dbFlag, data, "--format", "csv", "-o", "-")
		if code != 0 || !strings.HasPrefix(out, "ref,audit_ref,checklist_line,classification") || !strings.Contains(out, "F-001,AUD-001,,minor_nc,Leavers keep access") || strings.Count(out, "\n") != 2 {
			t.Errorf("findings: %d %s\n%s", code, msg, out)
		}
		code, out, msg = run(t, "", "export", "nonconformities", dbFlag, data, "--format", "csv", "-o", "-")
		if code != 0 || !strings.HasPrefix(out, "ref,title,severity,status") || !strings.Contains(out, "NC-001,Leavers keep access,minor,open") || strings.Count(out, "\n") != 2 {
			t.Errorf("nonconformities: %d %s\n%s", code, msg, out)
		}
		xlsx := filepath.Join(dir, "ncs.xlsx")
		if code, _, msg := run(t, "", "export", "nonconformities", dbFlag, data, "--format", "xlsx", "-o", xlsx); code != 0 {
			t.Errorf("nonconformities xlsx: %d %s", code, msg)
		} else if b, err := os.ReadFile(xlsx); err != nil || !strings.HasPrefix(string(b), "PK") {
			t.Errorf("nonconformities xlsx: %v", err)
		}
		for _, c := range []struct {
			args []string
			msg  string
		}{
			{[]string{"export", "audit-report", dbFlag, data, "--format", "pdf", "-o", "-"}, "--audit REF"},
			{[]string{"export", "findings", dbFlag, data, "--audit", "AUD-001", "--format", "csv", "-o", "-"}, "--audit REF"},
			{[]string{"export", "audit-report", dbFlag, data, "--audit", "AUD-001", "--format", "xlsx", "-o", "-"}, "--format must be one of pdf"},
			{[]string{"export", "nonconformities", dbFlag, data, "--format", "pdf", "-o", "-"}, "--format must be one of csv, xlsx"},
		} {
			if code, _, msg := run(t, "", c.args...); code != 2 || !strings.Contains(msg, c.msg) {
				t.Errorf("%v: %d %q, want usage naming %q", c.args[1:], code, msg, c.msg)
			}
		}
		if code, _, msg := run(t, "", "export", "audit-report", dbFlag, data, "--audit", "AUD-009", "--format", "pdf", "-o", "-"); code != 1 || msg == "" {
			t.Errorf("a missing audit: %d %q", code, msg)
		}

		// The management review's minutes, and the incident register.
		if _, err := svc.Reviews.Create(ctx, owner, reviews.Input{Title: text("Management review 2026")}); err != nil {
			t.Fatal(err)
		}
		minutes := filepath.Join(dir, "minutes.pdf")
		if code, _, msg := run(t, "", "export", "management-review", dbFlag, data, "--review", "MR-001", "--format", "pdf", "-o", minutes); code != 0 || !strings.Contains(msg, "MR-001") {
			t.Fatalf("management-review: %d %s", code, msg)
		}
		if b, err := os.ReadFile(minutes); err != nil || !strings.Contains(areastest.PDFText(t, b), "Nonconformities and corrective actions") || !strings.Contains(areastest.PDFText(t, b), "NC-001") {
			t.Errorf("the minutes: %v", err)
		}
		if code, _, msg := run(t, "", "export", "management-review", dbFlag, data, "--format", "pdf", "-o", "-"); code != 2 || !strings.Contains(msg, "--review REF") {
			t.Errorf("management-review without --review: %d %q", code, msg)
		}
		if _, err := svc.Incidents.Create(ctx, owner, incidents.Input{Title: text("Lost badge"), Severity: text("low")}); err != nil {
			t.Fatal(err)
		}
		code, out, msg = run(t, "", "export", "incidents", dbFlag, data, "--format", "csv", "-o", "-")
		if code != 0 || !strings.HasPrefix(out, "ref,title,status,category,severity") || !strings.Contains(out, "INC-001,Lost badge,triaged,,low") {
			t.Errorf("incidents: %d %s\n%s", code, msg, out)
		}
	})
}

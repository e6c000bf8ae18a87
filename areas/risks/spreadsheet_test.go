package risks_test

import (
	"bytes"
	"context"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/areas/areastest"
	"github.com/bulwark-isms/bulwark/areas/assets"
	"github.com/bulwark-isms/bulwark/areas/risks"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
	"github.com/bulwark-isms/bulwark/tabular"
)

func riskTable(t testing.TB, csv string) *tabular.Table {
	t.Helper()
	tbl, err := tabular.Read(strings.NewReader(csv), "risks.csv", risks.RiskFields, tabular.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return tbl
}

func TestRiskImportExportRoundTrip(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		svc := areastest.NewService(t, db)
		ctx := context.Background()
		owner := areastest.MustOrg(t, svc, "Acme", "owner@acme.test")
		name, typ := "Customer database", "information"
		if _, err := svc.Assets.CreateAsset(ctx, owner, assets.AssetInput{Name: &name, Type: &typ}); err != nil {
			t.Fatal(err)
		}
		csv := "Risk register 2026\nRisk ID,Risk,Assets,Risk owner,Likelihood,Impact,Inherent score,Treatment,Controls,Residual likelihood,Residual impact,Next review\n" +
			",Database leak,Customer database,owner@acme.test,3,5,99,Mitigate,A.8.24 | A.5.15,2,3,2027-03-31\n" +
			",Office fire,A-001,owner@acme.test,1,5,,transfer,,,,\n"
		res, err := svc.Risks.ImportRisks(ctx, owner, riskTable(t, csv), false)
		if err != nil || len(res.Errors) > 0 || res.Created != 2 {
			t.Fatalf("import: %+v %v", res, err)
		}
		if len(res.Warnings) != 1 || res.Warnings[0].Field != "inherent_score" {
			t.Errorf("a wrong derived score should warn: %+v", res.Warnings)
		}
		rs, _, _ := svc.Risks.Risks(ctx, owner, risks.RiskFilter{})
		if len(rs) != 2 || *rs[0].InherentScore != 15 || len(rs[0].ControlIDs) != 2 || len(rs[0].AssetIDs) != 1 || rs[0].Status != "assessed" {
			t.Fatalf("imported: %+v", rs[0])
		}
		// Unknown people, assets and controls are row errors; nothing is written.
		bad := "Title,Owner,Assets,Controls,Likelihood,Impact\nX,ghost@acme.test,Nope,A.99.1,2,2\nY,,,,9,1\n"
		res, _ = svc.Risks.ImportRisks(ctx, owner, riskTable(t, bad), false)
		if len(res.Errors) != 4 {
			t.Fatalf("errors: %+v", res.Errors)
		}
		// Sign off and accept one, export, re-import: nothing changes.
		if _, err := svc.Risks.SignOff(ctx, owner, rs[0].ID, "ok"); err != nil {
			t.Fatal(err)
		}
		accepted := "accepted"
		if _, err := svc.Risks.UpdateRisk(ctx, owner, rs[0].ID, risks.RiskInput{Status: &accepted}, nil, nil); err != nil {
			t.Fatal(err)
		}
		for _, format := range []string{"xlsx", "csv"} {
			var buf bytes.Buffer
			if err := svc.Risks.ExportRisks(ctx, owner, format, &buf); err != nil {
				t.Fatal(err)
			}
			tbl, err := tabular.Read(bytes.NewReader(buf.Bytes()), "export."+format, risks.RiskFields, tabular.Options{})
			if err != nil {
				t.Fatal(err)
			}
			res, err := svc.Risks.ImportRisks(ctx, owner, tbl, false)
			if err != nil || res.Unchanged != 2 || res.Created+res.Updated != 0 || len(res.Errors)+len(res.Warnings) > 0 {
				t.Fatalf("%s re-import: %+v %v", format, res, err)
			}
		}
		// Changing a likelihood through an import voids the sign-off.
		change := "Ref,Likelihood\n" + rs[0].Ref + ",4\n"
		if res, err := svc.Risks.ImportRisks(ctx, owner, riskTable(t, change), false); err != nil || res.Updated != 1 {
			t.Fatalf("rescore import: %+v %v", res, err)
		}
		r, _ := svc.Risks.Risk(ctx, owner, rs[0].ID)
		signs, _ := svc.Risks.SignOffs(ctx, owner, r.ID)
		if r.Status != "assessed" || signs[0].VoidedAt == nil {
			t.Fatalf("after rescoring import: %s, %+v", r.Status, signs)
		}
		// The treatment plan as a PDF that pdftotext reads.
		var pdfBuf bytes.Buffer
		if err := svc.Risks.ExportTreatmentPlan(ctx, owner, "pdf", &pdfBuf); err != nil {
			t.Fatal(err)
		}
		if bin, err := osexec.LookPath("pdftotext"); err == nil {
			path := filepath.Join(t.TempDir(), "plan.pdf")
			_ = os.WriteFile(path, pdfBuf.Bytes(), 0o600)
			out, err := osexec.Command(bin, "-layout", path, "-").Output()
			if err != nil || !strings.Contains(string(out), "Database leak") || !strings.Contains(string(out), "A.8.24, A.5.15") && !strings.Contains(string(out), "A.5.15, A.8.24") {
				t.Fatalf("treatment plan text: %v %s", err, out)
			}
		} else if os.Getenv("CI") != "" {
			t.Fatal("pdftotext is not installed")
		}
		if err := svc.Risks.ExportTreatmentPlan(ctx, owner, "xlsx", &pdfBuf); err != nil {
			t.Fatal(err)
		}
		_ = risks.RiskStatuses
	})
}

func TestRiskImportLibreOfficeFixture(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		svc := areastest.NewService(t, db)
		ctx := context.Background()
		owner := areastest.MustOrg(t, svc, "Acme", "owner@acme.test")
		areastest.MustMember(t, svc, owner, "maria@acme.test", bulwark.RoleManager)
		areastest.MustMember(t, svc, owner, "tom@acme.test", bulwark.RoleContributor)
		for _, n := range []string{"File server", "Laptop fleet"} {
			name, typ := n, "hardware"
			if _, err := svc.Assets.CreateAsset(ctx, owner, assets.AssetInput{Name: &name, Type: &typ}); err != nil {
				t.Fatal(err)
			}
		}
		b, err := os.ReadFile("testdata/risks-libreoffice.xlsx")
		if err != nil {
			t.Fatal(err)
		}
		tbl, err := tabular.Read(bytes.NewReader(b), "risks-libreoffice.xlsx", risks.RiskFields, tabular.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if tbl.HeaderRow != 3 || tbl.BlankRows != 1 || len(tbl.Rows) != 6 || tbl.Rows[2].Number != 7 {
			t.Fatalf("read: header %d, blank %d, rows %d", tbl.HeaderRow, tbl.BlankRows, len(tbl.Rows))
		}
		res, err := svc.Risks.ImportRisks(ctx, owner, tbl, false)
		if err != nil || len(res.Errors) > 0 || res.Created != 6 {
			t.Fatalf("import: %+v %v", res, err)
		}
		rs, _, _ := svc.Risks.Risks(ctx, owner, risks.RiskFilter{})
		reviews := map[string]string{}
		for _, r := range rs {
			if r.ReviewDate != nil {
				reviews[r.Title] = *r.ReviewDate
			}
		}
		if reviews["Ransomware encrypts the file server"] != "2027-03-31" || reviews["Laptop stolen from a car"] != "2027-05-31" || reviews["Phishing leads to account takeover"] != "2027-04-30" {
			t.Errorf("review dates from date cells and text: %v", reviews)
		}
	})
}

// TestRiskImportHandKeptRegister imports a register kept by hand, as a new user tried it: headers annotated
// with ranges and hints ("Likelihood (1-5)", "Owner (email)"), review dates that lost their date format and
// arrive as spreadsheet numbers (46433), a title row and columns Bulwark has no use for. Without any --map every
// likelihood, impact and review date is read, the preview says how each number was read, and messages name the
// file's own headers.
func TestRiskImportHandKeptRegister(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		svc := areastest.NewService(t, db)
		ctx := context.Background()
		owner := areastest.MustOrg(t, svc, "Acme", "owner@acme.test")
		b, err := os.ReadFile("testdata/hand-kept-register.csv")
		if err != nil {
			t.Fatal(err)
		}
		read := func(data []byte) *tabular.Table {
			tbl, err := tabular.Read(bytes.NewReader(data), "hand-kept-register.csv", risks.RiskFields, tabular.Options{})
			if err != nil {
				t.Fatal(err)
			}
			return tbl
		}
		tbl := read(b)
		if tbl.HeaderRow != 3 || len(tbl.Rows) != 30 || strings.Join(tbl.Unmapped, "|") != "No.|Comments" {
			t.Fatalf("read: header row %d, %d rows, unmapped %q", tbl.HeaderRow, len(tbl.Rows), tbl.Unmapped)
		}
		res, err := svc.Risks.ImportRisks(ctx, owner, tbl, true)
		if err != nil || len(res.Errors) > 0 || res.Created != 30 {
			t.Fatalf("dry run: %+v %v", res, err)
		}
		if len(res.Warnings) != 30 {
			t.Fatalf("every review date number should be noted: %+v", res.Warnings)
		}
		if w := res.Warnings[0]; w.Row != 4 || w.Field != "review_date" || w.Column != "Next review" || !strings.Contains(w.Message, "46433 was read as a spreadsheet date number: 2027-02-15") {
			t.Errorf("first warning: %+v", w)
		}
		if _, err := svc.Risks.ImportRisks(ctx, owner, tbl, false); err != nil {
			t.Fatal(err)
		}
		rs, _, err := svc.Risks.Risks(ctx, owner, risks.RiskFilter{})
		if err != nil || len(rs) != 30 {
			t.Fatalf("risks: %d %v", len(rs), err)
		}
		scored, reviewed := 0, 0
		for _, r := range rs {
			if r.InherentLikelihood != nil && r.InherentImpact != nil && r.InherentScore != nil {
				scored++
			}
			if r.ReviewDate != nil && *r.ReviewDate >= "2027-02-15" {
				reviewed++
			}
		}
		if scored != 30 || reviewed != 30 {
			t.Errorf("%d of 30 risks scored, %d of 30 with a review date", scored, reviewed)
		}
		// Problems name the file's headers, not Bulwark's field names.
		bad := strings.Replace(string(b), "owner@acme.test,1,1,Mitigate,46433", "owner@acme.test,9,1,Mitigate,2026", 1)
		res, err = svc.Risks.ImportRisks(ctx, owner, read([]byte(bad)), true)
		if err != nil {
			t.Fatal(err)
		}
		cols := map[string]string{}
		for _, e := range res.Errors {
			cols[e.Column] = e.Message
			if e.Row != 4 || strings.Contains(e.Message, "_") {
				t.Errorf("error %+v", e)
			}
		}
		if !strings.Contains(cols["Next review"], `"2026" is a number, not a date`) || cols["Likelihood (1-5)"] == "" {
			t.Errorf("errors should name the file's columns: %+v", res.Errors)
		}
	})
}

// BenchmarkRiskImport reads a 10,000-row risk workbook and imports it. Target: under 3 s.
func BenchmarkRiskImport(b *testing.B) {
	n := sqltest.BenchSize(10000)
	b.Run("n="+strconv.Itoa(n), func(b *testing.B) {
		var buf bytes.Buffer
		w := tabular.NewXLSXWriter(&buf, "Risks")
		_ = w.Write([]any{"ref", "title", "owner_id", "inherent_likelihood", "inherent_impact", "treatment", "control_ids", "residual_likelihood", "residual_impact", "review_date"})
		for i := 1; i <= n; i++ {
			_ = w.Write([]any{"R-" + strconv.Itoa(i), "Risk number " + strconv.Itoa(i), "owner@acme.test", 1 + i%5, 1 + (i/5)%5, "mitigate", "A.8.13", 1 + i%3, 1 + (i/3)%3, "2027-06-30"})
		}
		_ = w.Close()
		file := buf.Bytes()
		for _, d := range sqltest.Dialects {
			b.Run(string(d), func(b *testing.B) {
				for b.Loop() {
					b.StopTimer()
					db := sqltest.New(b, d)
					svc := areastest.NewService(b, db)
					owner := areastest.MustOrg(b, svc, "Acme", "owner@acme.test")
					b.StartTimer()
					tbl, err := tabular.Read(bytes.NewReader(file), "risks.xlsx", risks.RiskFields, tabular.Options{})
					if err != nil {
						b.Fatal(err)
					}
					res, err := svc.Risks.ImportRisks(context.Background(), owner, tbl, false)
					if err != nil || res.Created != n {
						b.Fatalf("%v %v", res.Errors, err)
					}
				}
			})
		}
	})
}

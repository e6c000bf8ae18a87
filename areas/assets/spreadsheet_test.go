package assets_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/areas"
	"github.com/bulwark-isms/bulwark/areas/areastest"
	"github.com/bulwark-isms/bulwark/areas/assets"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
	"github.com/bulwark-isms/bulwark/tabular"
)

// northwind adds the people the fixture spreadsheets name as owners and custodians.
func northwind(t testing.TB, svc *areas.ISMS) *bulwark.Principal {
	owner := areastest.MustOrg(t, svc, "Northwind", "boss@northwind.example")
	for _, email := range []string{"maria.lopez", "tom.becker", "anna.kowalski", "james.okafor", "it-operations", "facilities"} {
		areastest.MustMember(t, svc, owner, email+"@northwind.example", bulwark.RoleManager)
	}
	inv, err := svc.Invite(context.Background(), owner, "payroll@payroll-partner.example", bulwark.RoleEmployee)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.AcceptInvitation(context.Background(), inv.Link[strings.LastIndex(inv.Link, "/")+1:], nil, "Payroll partner", areastest.Password, app.Meta{}); err != nil {
		t.Fatal(err)
	}
	return owner
}

func readFixture(t testing.TB, name string, opts tabular.Options) *tabular.Table {
	t.Helper()
	b, err := os.ReadFile("../../tabular/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := tabular.Read(bytes.NewReader(b), name, assets.AssetFields, opts)
	if err != nil {
		t.Fatal(err)
	}
	return tbl
}

func TestImportLibreOfficeFixtureAndRoundTrip(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		svc := areastest.NewService(t, db)
		ctx := context.Background()
		owner := northwind(t, svc)
		tbl := readFixture(t, "assets-libreoffice.xlsx", tabular.Options{})
		// The organisation has no date order: the fixture's 31/12/2026 is unambiguous anyway.
		dry, err := svc.Assets.ImportAssets(ctx, owner, tbl, true)
		if err != nil {
			t.Fatal(err)
		}
		if len(dry.Errors) > 0 || dry.Created != 8 || dry.BlankRows != 2 {
			t.Fatalf("dry run: %+v", dry)
		}
		if page, _, _ := svc.Assets.Assets(ctx, owner, assets.AssetFilter{}); len(page) != 0 {
			t.Fatal("a dry run wrote assets")
		}
		res, err := svc.Assets.ImportAssets(ctx, owner, tbl, false)
		if err != nil || res.Created != 8 {
			t.Fatalf("import: %+v %v", res, err)
		}
		all, _, _ := svc.Assets.Assets(ctx, owner, assets.AssetFilter{Limit: 100})
		byName := map[string]*assets.Asset{}
		for _, a := range all {
			byName[a.Name] = a
		}
		if len(byName) != 8 {
			t.Fatalf("%d assets", len(byName))
		}
		for _, a := range all {
			if a.ReviewDate != nil && !bulwark.ValidDate(*a.ReviewDate) {
				t.Errorf("%s: review date %q", a.Name, *a.ReviewDate)
			}
		}
		// Export, then import the export unchanged: nothing changes, in both formats.
		for _, format := range []string{"xlsx", "csv"} {
			var buf bytes.Buffer
			if err := svc.Assets.ExportAssets(ctx, owner, format, &buf); err != nil {
				t.Fatal(err)
			}
			again, err := tabular.Read(bytes.NewReader(buf.Bytes()), "export."+format, assets.AssetFields, tabular.Options{})
			if err != nil {
				t.Fatal(err)
			}
			res, err := svc.Assets.ImportAssets(ctx, owner, again, false)
			if err != nil || res.Unchanged != 8 || res.Created+res.Updated != 0 || len(res.Errors) > 0 {
				t.Fatalf("%s re-import: %+v %v", format, res, err)
			}
		}
	})
}

func TestImportIsAllOrNothing(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		svc := areastest.NewService(t, db)
		ctx := context.Background()
		owner := areastest.MustOrg(t, svc, "Acme", "owner@acme.test")
		csv := "Inventory of assets\n\nRef,Name,Type,Owner,Confidentiality,Review date,Personal data\n" +
			",Good asset,software,owner@acme.test,3,2027-01-31,no\n" +
			",Bad type,spaceship,owner@acme.test,3,,no\n" +
			",,hardware,,,,\n" +
			",Unknown owner,site,ghost@acme.test,9,31/02/2027,maybe\n"
		tbl, err := tabular.Read(strings.NewReader(csv), "assets.csv", assets.AssetFields, tabular.Options{})
		if err != nil {
			t.Fatal(err)
		}
		res, err := svc.Assets.ImportAssets(ctx, owner, tbl, false)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]bool{}
		for _, e := range res.Errors {
			got[fmt.Sprintf("%d/%s", e.Row, e.Field)] = true
		}
		for _, want := range []string{"5/type", "6/name", "7/owner_id", "7/confidentiality", "7/review_date", "7/personal_data"} {
			if !got[want] {
				t.Errorf("missing error %s in %+v", want, res.Errors)
			}
		}
		if page, _, _ := svc.Assets.Assets(ctx, owner, assets.AssetFilter{}); len(page) != 0 {
			t.Fatalf("a refused import wrote %d assets", len(page))
		}
		// Ambiguous dates need the organisation's date order.
		ambiguous := "Name,Type,Review date\nX,site,03/04/2027\n"
		tbl, _ = tabular.Read(strings.NewReader(ambiguous), "a.csv", assets.AssetFields, tabular.Options{})
		if res, _ := svc.Assets.ImportAssets(ctx, owner, tbl, true); len(res.Errors) != 1 || res.Errors[0].Field != "review_date" {
			t.Fatalf("ambiguous date: %+v", res.Errors)
		}
		order := "DMY"
		if _, err := svc.UpdateSettings(ctx, owner, app.SettingsUpdate{DateOrder: &order}); err != nil {
			t.Fatal(err)
		}
		owner, _ = svc.OrgPrincipal(ctx, &owner.User, owner.Org.Slug, app.Meta{})
		res, err = svc.Assets.ImportAssets(ctx, owner, tbl, false)
		if err != nil || len(res.Errors) != 0 {
			t.Fatalf("with DMY: %+v %v", res, err)
		}
		a, _, _ := svc.Assets.Assets(ctx, owner, assets.AssetFilter{})
		if len(a) != 1 || *a[0].ReviewDate != "2027-04-03" {
			t.Fatalf("DMY date: %+v", a)
		}
	})
}

func TestExportNeutralisesFormulas(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		svc := areastest.NewService(t, db)
		ctx := context.Background()
		owner := areastest.MustOrg(t, svc, "Acme", "owner@acme.test")
		name, typ, desc := `=HYPERLINK("http://evil.example","click")`, "information", "@SUM(1+1)"
		if _, err := svc.Assets.CreateAsset(ctx, owner, assets.AssetInput{Name: &name, Type: &typ, Description: &desc}); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := svc.Assets.ExportAssets(ctx, owner, "xlsx", &buf); err != nil {
			t.Fatal(err)
		}
		f, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		cell, _ := f.GetCellValue("Assets", "B2")
		formula, _ := f.GetCellFormula("Assets", "B2")
		if cell != `'=HYPERLINK("http://evil.example","click")` || formula != "" {
			t.Fatalf("B2 = %q, formula %q", cell, formula)
		}
		buf.Reset()
		if err := svc.Assets.ExportAssets(ctx, owner, "csv", &buf); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(buf.String(), `'=HYPERLINK`) || !strings.Contains(buf.String(), "'@SUM") {
			t.Fatalf("csv: %s", buf.String())
		}
		// Re-importing restores the text as written.
		tbl, _ := tabular.Read(bytes.NewReader(buf.Bytes()), "x.csv", assets.AssetFields, tabular.Options{})
		if res, err := svc.Assets.ImportAssets(ctx, owner, tbl, false); err != nil || res.Unchanged != 1 {
			t.Fatalf("re-import: %+v %v", res, err)
		}
	})
}

// TestImportTenThousandRows imports a generated 10,000-row workbook.
func TestImportTenThousandRows(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		svc := areastest.NewService(t, db)
		owner := areastest.MustOrg(t, svc, "Acme", "owner@acme.test")
		tbl := largeTable(t, 10000)
		res, err := svc.Assets.ImportAssets(context.Background(), owner, tbl, false)
		if err != nil || res.Created != 10000 || len(res.Errors) > 0 {
			t.Fatalf("%+v %v", res.Errors, err)
		}
		if _, brk, err := svc.VerifyChain(context.Background(), owner.Org.ID); brk != nil || err != nil {
			t.Fatalf("audit chain after a large import: %v %v", brk, err)
		}
	})
}

func largeTable(t testing.TB, n int) *tabular.Table {
	t.Helper()
	tbl, err := tabular.Read(bytes.NewReader(largeFile(t, n)), "large.xlsx", assets.AssetFields, tabular.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return tbl
}

// largeFile writes an n-row asset workbook.
func largeFile(t testing.TB, n int) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := tabular.NewXLSXWriter(&buf, "Assets")
	_ = w.Write([]any{"ref", "name", "type", "owner_id", "classification", "confidentiality", "integrity", "availability", "personal_data", "status", "review_date", "tags", "description"})
	for i := 1; i <= n; i++ {
		_ = w.Write([]any{fmt.Sprintf("A-%03d", i), fmt.Sprintf("Asset number %d", i), assets.AssetTypes[i%6], "owner@acme.test", "Internal",
			1 + i%4, 1 + (i/4)%4, 1 + (i/16)%4, i%3 == 0, "in_use", "2027-06-30", []string{"bulk", fmt.Sprintf("group-%d", i%10)}, "Imported in bulk"})
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkAssetImport reads a 10,000-row XLSX file and imports it into an empty
// register, on each database. Target: under 3 s.
func BenchmarkAssetImport(b *testing.B) {
	n := sqltest.BenchSize(10000)
	b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
		file := largeFile(b, n)
		for _, d := range sqltest.Dialects {
			b.Run(string(d), func(b *testing.B) {
				for b.Loop() {
					b.StopTimer()
					db := sqltest.New(b, d)
					svc := areastest.NewService(b, db)
					owner := areastest.MustOrg(b, svc, "Acme", "owner@acme.test")
					b.StartTimer()
					tbl, err := tabular.Read(bytes.NewReader(file), "large.xlsx", assets.AssetFields, tabular.Options{})
					if err != nil {
						b.Fatal(err)
					}
					res, err := svc.Assets.ImportAssets(context.Background(), owner, tbl, false)
					if err != nil || res.Created != n {
						b.Fatalf("%v %v", res.Errors, err)
					}
				}
			})
		}
	})
}

package suppliers_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/areas/areastest"
	"github.com/bulwark-isms/bulwark/areas/suppliers"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
	"github.com/bulwark-isms/bulwark/tabular"
)

// TestImportExport: a supplier list imported all or nothing (owners by email or name, row numbers in every
// error), exported as CSV and XLSX, and the export imported again changing nothing; on both databases.
func TestImportExport(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := areastest.New(t, db)
		p := f.OwnerPrincipal(f.Org, f.Accounts[bulwark.RoleOwner].Email)
		read := func(name, content string) *tabular.Table {
			t.Helper()
			tbl, err := tabular.Read(strings.NewReader(content), name, suppliers.Fields, tabular.Options{})
			if err != nil {
				t.Fatal(err)
			}
			return tbl
		}
		mgrEmail, mgrName := f.Accounts[bulwark.RoleManager].Email, "Person Manager"
		bad := read("s.csv", "Supplier,Owner,Data processed,Access,Replaceability,Countries,Contacts,Contract end\n"+
			"Cloudy Hosting,"+mgrEmail+",special category,privileged,hard,IE | DE,Ana Silva <ana@cloudy.example> (Account manager),2027-12-31\n"+
			"Payroll Bureau,nobody@nowhere.example,personal,none,moderate,GB,,\n"+
			"Courier,,none,none,sometimes,,,\n")
		res, err := f.Svc.Suppliers.Import(ctx, p, bad, false)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Errors) != 2 || res.Errors[0].Row != 3 || res.Errors[0].Field != "owner_id" || res.Errors[1].Row != 4 || res.Errors[1].Field != "replaceability" {
			t.Fatalf("errors: %+v", res.Errors)
		}
		if items := areastest.Decode[areastest.List](t, f.Do("GET", "/api/v1/suppliers", areastest.Req{Token: f.Accounts[bulwark.RoleOwner].Token})); len(items.Items) != 0 {
			t.Fatalf("a failed import wrote %d suppliers", len(items.Items))
		}
		good := read("s.csv", "Supplier,Owner,Data processed,Access,Replaceability,Countries,Contacts,Contract end,Personal data\n"+
			"Cloudy Hosting,"+mgrEmail+",special category,privileged,hard,IE | DE,Ana Silva <ana@cloudy.example> (Account manager),2027-12-31,yes\n"+
			"Payroll Bureau,"+mgrName+",personal,none,moderate,GB,,,yes\n"+
			"Courier,,none,none,easy,,,,no\n")
		res, err = f.Svc.Suppliers.Import(ctx, p, good, false)
		if err != nil || len(res.Errors) != 0 || res.Created != 3 || res.Rows[2].Ref != "S-003" {
			t.Fatalf("import: %+v %v", res, err)
		}
		list := areastest.Decode[areastest.List](t, f.Do("GET", "/api/v1/suppliers?sort=ref", areastest.Req{Token: f.Accounts[bulwark.RoleOwner].Token}))
		if len(list.Items) != 3 || list.Items[0]["tier"] != 1.0 || list.Items[1]["tier"] != 2.0 || list.Items[2]["tier"] != 3.0 ||
			list.Items[1]["owner_id"] != f.Accounts[bulwark.RoleManager].MemberID || len(list.Items[0]["contacts"].([]any)) != 1 {
			t.Fatalf("imported: %v", list.Items)
		}
		// A row with a known ref updates that supplier.
		res, err = f.Svc.Suppliers.Import(ctx, p, read("u.csv", "Ref,Name,Status\nS-002,Payroll Bureau Ltd,active\n"), false)
		if err != nil || res.Updated != 1 || res.Created != 0 {
			t.Fatalf("update by ref: %+v %v", res, err)
		}
		dir := t.TempDir()
		for _, format := range []string{"csv", "xlsx"} {
			out := f.Do("GET", "/api/v1/suppliers/export?format="+format, areastest.Req{Token: f.Accounts[bulwark.RoleAuditor].Token})
			if out.StatusCode != 200 {
				t.Fatalf("%s export: %d %s", format, out.StatusCode, out.Text)
			}
			if format == "csv" && !strings.HasPrefix(out.Text, "ref,name,services,owner_id,status,data_processed,system_access,replaceability,tier,") {
				t.Errorf("csv header: %s", strings.SplitN(out.Text, "\n", 2)[0])
			}
			tbl, err := tabular.Read(bytes.NewReader([]byte(out.Text)), "suppliers."+format, suppliers.Fields, tabular.Options{})
			if err != nil || len(tbl.Rows) != 3 || len(tbl.Unmapped) > 0 {
				t.Fatalf("%s: %v", format, err)
			}
			if c := tbl.Rows[0].Cells["contacts"].Text; c != "Ana Silva <ana@cloudy.example> (Account manager)" {
				t.Errorf("%s contacts cell: %q", format, c)
			}
			again, err := f.Svc.Suppliers.Import(ctx, p, tbl, false)
			if err != nil || len(again.Errors) != 0 || again.Unchanged != 3 {
				t.Errorf("%s re-import of the export: %+v %v", format, again, err)
			}
			if format == "xlsx" {
				xlsx := filepath.Join(dir, "suppliers.xlsx")
				if err := os.WriteFile(xlsx, []byte(out.Text), 0o600); err != nil {
					t.Fatal(err)
				}
				if lo, err := exec.LookPath("libreoffice"); err == nil {
					cmd := exec.Command(lo, "--headless", "--convert-to", `csv:Text - txt - csv (StarCalc):44,34,76`, "--outdir", dir, xlsx)
					cmd.Env = append(os.Environ(), "HOME="+dir)
					if b, err := cmd.CombinedOutput(); err != nil {
						t.Fatalf("libreoffice: %v %s", err, b)
					}
					b, err := os.ReadFile(filepath.Join(dir, "suppliers.csv"))
					if err != nil || !strings.HasPrefix(string(b), "ref,name,") || !strings.Contains(string(b), "Payroll Bureau Ltd") {
						t.Fatalf("LibreOffice's reading: %v\n%s", err, b)
					}
				} else if os.Getenv("CI") != "" {
					t.Fatal("libreoffice is not installed")
				}
			}
		}
		// The upload route of the import engine takes the kind.
		if res := f.Do("GET", "/o/acme-ltd/import/suppliers", areastest.Req{Cookie: f.SignIn(f.Accounts[bulwark.RoleManager].Email)}); res.StatusCode != 200 {
			t.Errorf("import page: %d", res.StatusCode)
		}
		if res := f.Do("GET", "/api/v1/suppliers/export?format=csv", areastest.Req{Token: f.Accounts[bulwark.RoleEmployee].Token}); res.StatusCode != 403 {
			t.Errorf("an employee exports: %d", res.StatusCode)
		}
	})
}

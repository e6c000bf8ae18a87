package areas_test

import (
	"context"
	"testing"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/areas/areastest"
	"github.com/bulwark-isms/bulwark/areas/assets"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
)

// TestUploadsCheckTheirRegister: the kernel's upload operations check the
// permission the register's import declares, and touch only the principal's own
// uploads of that register.
func TestUploadsCheckTheirRegister(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		svc := areastest.NewService(t, db)
		owner := areastest.MustOrg(t, svc, "Acme", "owner@acme.test")
		manager := areastest.MustMember(t, svc, owner, "manager@acme.test", bulwark.RoleManager)
		employee := areastest.MustMember(t, svc, owner, "employee@acme.test", bulwark.RoleEmployee)
		if !manager.Can(assets.PermImport) || employee.Can(assets.PermImport) {
			t.Fatal("the roles no longer suit this test")
		}
		id, err := svc.SaveUpload(ctx, owner, "assets", "a.csv", []byte("Name,Type\nRouter,hardware\n"))
		if err != nil {
			t.Fatal(err)
		}
		still := func(when string) {
			t.Helper()
			if _, err := svc.Upload(ctx, owner, "assets", id); err != nil {
				t.Fatalf("%s: the upload is gone: %v", when, err)
			}
		}
		if _, err := svc.SaveUpload(ctx, employee, "assets", "a.csv", []byte("x")); bulwark.ErrorCode(err) != bulwark.EFORBIDDEN {
			t.Errorf("employee saved an upload: %v", err)
		}
		if _, err := svc.SaveUpload(ctx, owner, "policies", "a.csv", []byte("x")); err == nil {
			t.Errorf("an upload for a register that imports nothing was kept")
		}
		if err := svc.DiscardUpload(ctx, employee, "assets", id); bulwark.ErrorCode(err) != bulwark.EFORBIDDEN {
			t.Errorf("employee discarding: %v, want forbidden", err)
		}
		still("employee discarded")
		if err := svc.DiscardUpload(ctx, manager, "assets", id); err != nil {
			t.Errorf("manager discarding another's upload: %v", err)
		}
		still("a manager discarded the owner's upload")
		if err := svc.DiscardUpload(ctx, owner, "risks", id); err != nil {
			t.Errorf("discarding as another register: %v", err)
		}
		still("discarded as a risk upload")
		if _, err := svc.Upload(ctx, owner, "risks", id); bulwark.ErrorCode(err) != bulwark.ENOTFOUND {
			t.Errorf("an asset upload read as a risk upload: %v", err)
		}
		if _, err := svc.Upload(ctx, manager, "assets", id); bulwark.ErrorCode(err) != bulwark.ENOTFOUND {
			t.Errorf("a manager read the owner's upload: %v", err)
		}
		if err := svc.DiscardUpload(ctx, owner, "assets", id); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Upload(ctx, owner, "assets", id); bulwark.ErrorCode(err) != bulwark.ENOTFOUND {
			t.Errorf("after discarding: %v", err)
		}
	})
}

package areas_test

import (
	"context"
	"testing"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/areas"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
)

// TestSeedsBackfilled creates an organisation the way the foundation did,
// before the control set existed, then runs the later migrations: it must get its
// 93 controls and its classification scheme.
func TestSeedsBackfilled(t *testing.T) {
	for _, d := range sqltest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			db, _ := sqltest.MigratedBefore(t, d, 20261127140000) // the foundation only
			var orgID string
			err := db.Write(ctx, func(tx *sqlstore.Tx) error {
				o := &bulwark.Organisation{Name: "Old", Slug: "old", Settings: bulwark.DefaultSettings()}
				err := tx.InsertOrganisation(ctx, o)
				orgID = o.ID
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.Migrate(ctx, areas.Migrations()...); err != nil {
				t.Fatal(err)
			}
			if n := count(t, db, `SELECT COUNT(*) FROM controls WHERE org_id = ?`, orgID); n != 93 {
				t.Errorf("backfilled %d controls", n)
			}
			if n := count(t, db, `SELECT COUNT(*) FROM classification_levels WHERE org_id = ?`, orgID); n != 4 {
				t.Errorf("backfilled %d classification levels", n)
			}
			if n := count(t, db, `SELECT COUNT(*) FROM control_requirements WHERE org_id = ? AND origin = 'derived'`, orgID); n == 0 {
				t.Error("no derived HIPAA links")
			}
			if n := count(t, db, `SELECT COUNT(*) FROM risk_methodologies WHERE org_id = ? AND status = 'approved'`, orgID); n != 1 {
				t.Errorf("backfilled %d risk methodologies", n)
			}
			if n := count(t, db, `SELECT COUNT(*) FROM risk_library WHERE org_id = ?`, orgID); n < 90 {
				t.Errorf("backfilled %d library entries", n)
			}
		})
	}
}

func count(t *testing.T, db *sqlstore.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.View(context.Background(), func(tx *sqlstore.Tx) error { return tx.QueryRow(context.Background(), q, args...).Scan(&n) }); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

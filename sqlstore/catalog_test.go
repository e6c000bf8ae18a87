package sqlstore_test

import (
	"context"
	"testing"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
)

func count(t *testing.T, db *sqlstore.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if db.Dialect == sqlstore.Postgres {
		for i := 1; i <= len(args); i++ {
			q = replaceFirst(q, "?", "$"+string(rune('0'+i)))
		}
	}
	if err := db.SQL().QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func replaceFirst(s, old, new string) string {
	for i := 0; i+len(old) <= len(s); i++ {
		if s[i:i+len(old)] == old {
			return s[:i] + new + s[i+len(old):]
		}
	}
	return s
}

// TestCatalogLoadedByMigration checks the catalog's counts in the database.
func TestCatalogLoadedByMigration(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		for q, want := range map[string]int{
			`SELECT COUNT(*) FROM requirements WHERE framework_id = 'iso27001-2022' AND kind = 'clause'`:                                                                   41,
			`SELECT COUNT(*) FROM requirements WHERE framework_id = 'iso27001-2022' AND kind = 'control'`:                                                                  93,
			`SELECT COUNT(*) FROM requirements WHERE framework_id = 'nist-csf-2.0'`:                                                                                        134,
			`SELECT COUNT(*) FROM requirements WHERE framework_id = 'soc2-2017'`:                                                                                           61,
			`SELECT COUNT(*) FROM requirements WHERE framework_id = 'gdpr'`:                                                                                                99,
			`SELECT COUNT(*) FROM requirements WHERE framework_id = 'hipaa-security'`:                                                                                      68,
			`SELECT COUNT(*) FROM requirement_mappings m JOIN requirements r ON r.id = m.to_id WHERE r.framework_id = 'nist-csf-2.0' AND m.from_id LIKE 'iso27001-2022:%'`: 412,
			`SELECT COUNT(*) FROM requirement_mappings WHERE to_id LIKE 'soc2-2017:%'`:                                                                                     1405,
			`SELECT COUNT(*) FROM requirement_mappings WHERE to_id LIKE 'gdpr:%'`:                                                                                          57,
			`SELECT COUNT(*) FROM requirement_mappings WHERE from_id LIKE 'hipaa-security:%'`:                                                                              953,
			`SELECT COUNT(*) FROM requirements WHERE kind = 'control' AND (guidance = '' OR evidence = '[]')`:                                                              0,
		} {
			if got := count(t, db, q); got != want {
				t.Errorf("%s = %d, want %d", q, got, want)
			}
		}
	})
}

// TestControlSetBackfilled creates an organisation the way the foundation did,
// before the control set existed, then runs the later migrations: it must get its
// 93 controls and its classification scheme.
func TestControlSetBackfilled(t *testing.T) {
	for _, d := range sqltest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			db, err := sqlstore.Open(ctx, sqltest.EmptyDSN(t, d))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			all, _ := sqlstore.Migrations(d)
			if _, err := db.MigrateWith(ctx, all[:1]); err != nil { // the foundation only
				t.Fatal(err)
			}
			var orgID string
			err = db.Write(ctx, func(tx *sqlstore.Tx) error {
				o := &bulwark.Organisation{Name: "Old", Slug: "old", Settings: bulwark.DefaultSettings()}
				err := tx.InsertOrganisation(ctx, o)
				orgID = o.ID
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.Migrate(ctx); err != nil {
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
		})
	}
}

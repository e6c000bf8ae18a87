package sqlstore_test

import (
	"testing"

	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
)

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

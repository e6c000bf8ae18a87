package sqlstore_test

import (
	"context"
	"strings"
	"testing"

	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
)

// TestOptimize checks the statistics policy: the named tables gain full statistics, and a name that is not
// an identifier is refused before it reaches SQL.
func TestOptimize(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		for _, s := range []string{`CREATE TABLE opt_probe (org_id TEXT NOT NULL, n INTEGER NOT NULL)`, `CREATE INDEX opt_probe_org ON opt_probe(org_id, n)`} {
			if _, err := db.SQL().Exec(s); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.Write(ctx, func(tx *sqlstore.Tx) error {
			for i := range 500 {
				if _, err := tx.Exec(ctx, `INSERT INTO opt_probe (org_id, n) VALUES (?, ?)`, "org", i); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if err := db.Optimize(ctx, "opt_probe"); err != nil {
			t.Fatal(err)
		}
		if err := db.Optimize(ctx); err != nil {
			t.Fatal(err)
		}
		var stats int
		if db.Dialect == sqlstore.SQLite {
			if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'opt_probe'`).Scan(&stats); err != nil {
				t.Fatal(err)
			}
			// Full statistics: the one organisation holds all 500 rows (a sampled ANALYZE said 1,000 at most).
			var stat string
			if err := db.SQL().QueryRow(`SELECT stat FROM sqlite_stat1 WHERE idx = 'opt_probe_org'`).Scan(&stat); err != nil || !strings.HasPrefix(stat, "500 500 ") {
				t.Errorf("opt_probe_org statistics %q (%v), want 500 rows for the one org_id", stat, err)
			}
		} else if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM pg_stats WHERE tablename = 'opt_probe'`).Scan(&stats); err != nil {
			t.Fatal(err)
		}
		if stats == 0 {
			t.Errorf("after Optimize: no statistics for the table")
		}
		if err := db.Optimize(ctx, "opt_probe; DROP TABLE opt_probe"); err == nil || !strings.Contains(err.Error(), "is not a table name") {
			t.Errorf("a hostile table name: %v", err)
		}
	})
}

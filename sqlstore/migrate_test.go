package sqlstore_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
)

// schema returns "table.column" for every column of every table.
func schema(t *testing.T, db *sqlstore.DB) []string {
	t.Helper()
	q := `SELECT m.name || '.' || p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '%_fts%'` // FTS5 tables stand for PostgreSQL's expression indexes
	if db.Dialect == sqlstore.Postgres {
		// PostgreSQL's stored search vectors stand where SQLite has FTS5 tables.
		q = `SELECT table_name || '.' || column_name FROM information_schema.columns WHERE table_schema = 'public' AND column_name <> 'search_vector'`
	}
	rows, err := db.SQL().Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

func TestMigrationFoldersMatch(t *testing.T) {
	lite, err := sqlstore.Migrations(sqlstore.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	pg, err := sqlstore.Migrations(sqlstore.Postgres)
	if err != nil {
		t.Fatal(err)
	}
	if len(lite) == 0 || len(lite) != len(pg) {
		t.Fatalf("sqlite has %d migrations, postgres %d", len(lite), len(pg))
	}
	for i := range lite {
		if lite[i].Version != pg[i].Version || lite[i].Name != pg[i].Name {
			t.Errorf("migration %d: sqlite %d_%s, postgres %d_%s", i, lite[i].Version, lite[i].Name, pg[i].Version, pg[i].Name)
		}
	}
	a := schema(t, sqltest.New(t, sqlstore.SQLite))
	b := schema(t, sqltest.New(t, sqlstore.Postgres))
	if strings.Join(a, "\n") != strings.Join(b, "\n") {
		t.Errorf("schemas differ:\nsqlite:   %v\npostgres: %v", a, b)
	}
	if len(a) < 20 {
		t.Errorf("suspiciously small schema: %v", a)
	}
}

func TestMigrate(t *testing.T) {
	for _, d := range sqltest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			t.Run("from empty, then idempotent", func(t *testing.T) {
				db, err := sqlstore.Open(ctx, sqltest.EmptyDSN(t, d))
				if err != nil {
					t.Fatal(err)
				}
				defer db.Close()
				applied, err := db.Migrate(ctx)
				if err != nil {
					t.Fatal(err)
				}
				all, _ := sqlstore.Migrations(d)
				if len(applied) != len(all) {
					t.Fatalf("applied %d of %d migrations", len(applied), len(all))
				}
				again, err := db.Migrate(ctx)
				if err != nil || len(again) != 0 {
					t.Fatalf("second run applied %v, err %v", again, err)
				}
			})
			t.Run("a failing migration leaves the database as it was", func(t *testing.T) {
				db, err := sqlstore.Open(ctx, sqltest.EmptyDSN(t, d))
				if err != nil {
					t.Fatal(err)
				}
				defer db.Close()
				before := schema(t, db)
				ms, _ := sqlstore.Migrations(d)
				ms = append(ms, sqlstore.Migration{Version: 29991231000000, Name: "broken", SQL: "CREATE TABLE half_done (id INTEGER);\nSELECT * FROM no_such_table;"})
				_, err = db.MigrateWith(ctx, ms)
				if err == nil || !strings.Contains(err.Error(), "29991231000000_broken") {
					t.Fatalf("want an error naming the broken migration, got %v", err)
				}
				if after := schema(t, db); strings.Join(after, ",") != strings.Join(before, ",") {
					t.Fatalf("schema changed by a failed migration run:\nbefore %v\nafter  %v", before, after)
				}
			})
		})
	}
}

func TestConcurrentStartOnPostgres(t *testing.T) {
	dsn := sqltest.EmptyDSN(t, sqlstore.Postgres)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, 3)
	applied := make([]int, 3)
	for i := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db, err := sqlstore.Open(ctx, dsn)
			if err != nil {
				errs[i] = err
				return
			}
			defer db.Close()
			v, err := db.Migrate(ctx)
			errs[i], applied[i] = err, len(v)
		}()
	}
	wg.Wait()
	total := 0
	for i, err := range errs {
		if err != nil {
			t.Fatalf("instance %d: %v", i, err)
		}
		total += applied[i]
	}
	all, _ := sqlstore.Migrations(sqlstore.Postgres)
	if total != len(all) {
		t.Fatalf("instances applied %d migrations in total, want each of %d exactly once", total, len(all))
	}
}

func TestConcurrentWritesOnSQLiteNeverLock(t *testing.T) {
	db := sqltest.New(t, sqlstore.SQLite)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- db.Write(ctx, func(tx *sqlstore.Tx) error {
				n, err := tx.CountOrganisations(ctx) // read, then write: the pattern that fails with deferred transactions
				if err != nil {
					return err
				}
				_ = n
				return tx.RecordSignInFailure(ctx, fmt.Sprintf("ip:%d", i))
			})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent write failed: %v", err)
		}
	}
}

// Package sqltest gives tests a fresh, migrated Bulwark database on SQLite and on
// PostgreSQL. Each database is cloned from a migrated template (a file copy on
// SQLite, CREATE DATABASE … TEMPLATE on PostgreSQL), so a test costs milliseconds.
// PostgreSQL comes from BULWARK_TEST_POSTGRES; without it the postgres subtests
// skip, except under CI, where that is a failure.
package sqltest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulwark-isms/bulwark/sqlstore"
)

// Dialects are the engines every storage test runs on.
var Dialects = []sqlstore.Dialect{sqlstore.SQLite, sqlstore.Postgres}

// Each runs fn as a subtest per dialect ("sqlite", "postgres"), each with a fresh database.
func Each(t *testing.T, fn func(t *testing.T, db *sqlstore.DB)) {
	t.Helper()
	for _, d := range Dialects {
		t.Run(string(d), func(t *testing.T) { fn(t, New(t, d)) })
	}
}

// EachB is Each for benchmarks.
func EachB(b *testing.B, fn func(b *testing.B, db *sqlstore.DB)) {
	b.Helper()
	for _, d := range Dialects {
		b.Run(string(d), func(b *testing.B) { fn(b, New(b, d)) })
	}
}

// New returns a fresh migrated database of dialect d, closed and removed when the test ends.
func New(t testing.TB, d sqlstore.Dialect) *sqlstore.DB {
	t.Helper()
	dsn := NewDSN(t, d)
	db, err := sqlstore.Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// NewDSN returns the DSN of a fresh migrated database of dialect d.
func NewDSN(t testing.TB, d sqlstore.Dialect) string {
	t.Helper()
	if d == sqlstore.SQLite {
		tpl, err := sqliteTemplate()
		if err != nil {
			t.Fatalf("sqlite template: %v", err)
		}
		path := filepath.Join(t.TempDir(), "bulwark.db")
		if err := os.WriteFile(path, tpl, 0o600); err != nil {
			t.Fatal(err)
		}
		return "sqlite:" + path
	}
	admin := PostgresAdminDSN(t)
	tpl, err := postgresTemplate(admin)
	if err != nil {
		t.Fatalf("postgres template: %v", err)
	}
	return createPostgresDB(t, admin, tpl)
}

// EmptyDSN returns the DSN of a fresh, unmigrated database of dialect d.
func EmptyDSN(t testing.TB, d sqlstore.Dialect) string {
	t.Helper()
	if d == sqlstore.SQLite {
		return "sqlite:" + filepath.Join(t.TempDir(), "empty.db")
	}
	return createPostgresDB(t, PostgresAdminDSN(t), "template0")
}

// PostgresAdminDSN returns BULWARK_TEST_POSTGRES, skipping the test when it is not
// set, or failing it when CI is set.
func PostgresAdminDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv("BULWARK_TEST_POSTGRES")
	if dsn == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("BULWARK_TEST_POSTGRES is not set; under CI PostgreSQL tests must run (use ./scripts/test)")
		}
		t.Skip("BULWARK_TEST_POSTGRES is not set; run ./scripts/test to include PostgreSQL")
	}
	return dsn
}

var (
	sqliteOnce sync.Once
	sqliteTpl  []byte
	sqliteErr  error
	pgMu       sync.Mutex
	pgTpl      = map[string]string{}
)

func sqliteTemplate() ([]byte, error) {
	sqliteOnce.Do(func() {
		dir, err := os.MkdirTemp("", "bulwark-tpl-")
		if err != nil {
			sqliteErr = err
			return
		}
		defer os.RemoveAll(dir)
		path := filepath.Join(dir, "tpl.db")
		db, err := sqlstore.Open(context.Background(), "sqlite:"+path)
		if err != nil {
			sqliteErr = err
			return
		}
		if _, err := db.Migrate(context.Background()); err != nil {
			db.Close()
			sqliteErr = err
			return
		}
		// Fold the WAL into the main file so one file is the whole database.
		if _, err := db.SQL().Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			sqliteErr = err
		}
		db.Close()
		sqliteTpl, err = os.ReadFile(path)
		if sqliteErr == nil {
			sqliteErr = err
		}
	})
	return sqliteTpl, sqliteErr
}

// migrationsHash names the template after the migrations it holds, so a changed
// migration gets a new template.
func migrationsHash() (string, error) {
	ms, err := sqlstore.Migrations(sqlstore.Postgres)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, m := range ms {
		fmt.Fprintf(h, "%d\n%s\n", m.Version, m.SQL)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

func postgresTemplate(admin string) (string, error) {
	pgMu.Lock()
	defer pgMu.Unlock()
	if name, ok := pgTpl[admin]; ok {
		return name, nil
	}
	hash, err := migrationsHash()
	if err != nil {
		return "", err
	}
	name := "bulwark_tpl_" + hash
	ctx := context.Background()
	adb, err := sql.Open("pgx", admin)
	if err != nil {
		return "", err
	}
	defer adb.Close()
	conn, err := adb.Conn(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	// Test packages run in parallel processes: one builds the template, the others wait.
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(72427002)`); err != nil {
		return "", err
	}
	defer conn.ExecContext(ctx, `SELECT pg_advisory_unlock(72427002)`)
	var exists bool
	if err := conn.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1 AND datistemplate)`, name).Scan(&exists); err != nil {
		return "", err
	}
	if !exists {
		if _, err := conn.ExecContext(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
			return "", err
		}
		if _, err := conn.ExecContext(ctx, `CREATE DATABASE `+name+` TEMPLATE template0 ENCODING 'UTF8'`); err != nil {
			return "", err
		}
		db, err := sqlstore.Open(ctx, withDatabase(admin, name))
		if err != nil {
			return "", err
		}
		_, err = db.Migrate(ctx)
		db.Close()
		if err != nil {
			return "", err
		}
		if _, err := conn.ExecContext(ctx, `ALTER DATABASE `+name+` WITH IS_TEMPLATE true`); err != nil {
			return "", err
		}
	}
	pgTpl[admin] = name
	return name, nil
}

func createPostgresDB(t testing.TB, admin, template string) string {
	t.Helper()
	ctx := context.Background()
	adb, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatal(err)
	}
	defer adb.Close()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "bulwark_test_" + hex.EncodeToString(b)
	var lastErr error
	for range 20 { // a concurrent clone of the same template may briefly hold it
		if _, lastErr = adb.ExecContext(ctx, `CREATE DATABASE `+name+` TEMPLATE `+template); lastErr == nil {
			break
		}
		if !strings.Contains(lastErr.Error(), "is being accessed by other users") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if lastErr != nil {
		t.Fatalf("create test database: %v", lastErr)
	}
	t.Cleanup(func() {
		adb, err := sql.Open("pgx", admin)
		if err != nil {
			return
		}
		defer adb.Close()
		_, _ = adb.ExecContext(context.Background(), `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`)
	})
	return withDatabase(admin, name)
}

func withDatabase(dsn, name string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return dsn
	}
	u.Path = "/" + name
	return u.String()
}

// MigratedBefore opens a fresh database of dialect d migrated up to, not including,
// migration version: the database an older release left, for testing what a later
// migration does to its data. It returns every migration of d (the areas' included)
// for the test to run the rest.
func MigratedBefore(t testing.TB, d sqlstore.Dialect, version int64, extra ...sqlstore.Migration) (*sqlstore.DB, []sqlstore.Migration) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, EmptyDSN(t, d))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	all, err := sqlstore.Migrations(d, extra...)
	if err != nil {
		t.Fatal(err)
	}
	var before []sqlstore.Migration
	for _, m := range all {
		if m.Version < version {
			before = append(before, m)
		}
	}
	if len(before) == len(all) {
		t.Fatalf("no migration %d or later", version)
	}
	if _, err := db.MigrateWith(ctx, before); err != nil {
		t.Fatal(err)
	}
	return db, all
}

// SkipUnderRace skips a test that walks every route one request after another: under the race detector each
// request is about ten times slower, and a sequential walk races nothing the other tests do not. scripts/test
// runs these tests again without -race, so CI still runs them in full.
func SkipUnderRace(t testing.TB) {
	t.Helper()
	if Race {
		t.Skip("a sequential walk of every route: it runs in scripts/test's pass without -race")
	}
}

// BenchSize is a benchmark's data size: n, or a tenth of it under -short, where CI runs each benchmark once
// to see that it still works (the figures in BENCHMARKS.md come from the full size, run by hand).
func BenchSize(n int) int {
	if testing.Short() {
		return max(n/10, 1)
	}
	return n
}

package sqlstore

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations
var migrationFiles embed.FS

// Migration is one schema change, named like goose: VERSION_NAME.sql, where VERSION
// is a timestamp (YYYYMMDDhhmmss) so parallel work never collides.
type Migration struct {
	Version int64
	Name    string
	SQL     string
	// Go, when set, runs instead of SQL: for data (the catalog, backfills) that
	// both dialects load through the same code.
	Go func(ctx context.Context, tx *Tx) error
}

// Migrations returns the embedded migrations of a dialect and the Go migrations,
// in version order.
func Migrations(d Dialect) ([]Migration, error) {
	sub, err := fs.Sub(migrationFiles, "migrations/"+string(d))
	if err != nil {
		return nil, err
	}
	ms, err := LoadMigrations(sub)
	if err != nil {
		return nil, err
	}
	ms = append(ms, goMigrations()...)
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	for i := 1; i < len(ms); i++ {
		if ms[i].Version == ms[i-1].Version {
			return nil, fmt.Errorf("migration version %d appears twice", ms[i].Version)
		}
	}
	return ms, nil
}

// LoadMigrations reads *.sql files of fsys.
func LoadMigrations(fsys fs.FS) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var ms []Migration
	for _, e := range entries {
		if e.IsDir() || path.Ext(e.Name()) != ".sql" {
			continue
		}
		v, name, ok := strings.Cut(strings.TrimSuffix(e.Name(), ".sql"), "_")
		version, err := strconv.ParseInt(v, 10, 64)
		if !ok || err != nil || len(v) != 14 {
			return nil, fmt.Errorf("migration %s: name must be YYYYMMDDhhmmss_name.sql", e.Name())
		}
		b, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, err
		}
		ms = append(ms, Migration{Version: version, Name: name, SQL: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	for i := 1; i < len(ms); i++ {
		if ms[i].Version == ms[i-1].Version {
			return nil, fmt.Errorf("migration version %d appears twice", ms[i].Version)
		}
	}
	return ms, nil
}

// Migrate applies the embedded migrations.
func (db *DB) Migrate(ctx context.Context) (applied []int64, err error) {
	ms, err := Migrations(db.Dialect)
	if err != nil {
		return nil, err
	}
	return db.MigrateWith(ctx, ms)
}

// migrationLockKey is the PostgreSQL advisory lock that serialises instances
// starting at once.
const migrationLockKey = 72427001

// MigrateWith applies every pending migration of ms in one transaction, under a
// lock: either all apply or the database is left as it was. It returns the versions
// applied.
func (db *DB) MigrateWith(ctx context.Context, ms []Migration) (applied []int64, err error) {
	err = db.Write(ctx, func(tx *Tx) error {
		applied = nil
		if db.Dialect == Postgres {
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(?)`, migrationLockKey); err != nil {
				return fmt.Errorf("take migration lock: %w", err)
			}
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMP NOT NULL)`); err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		done := map[int64]bool{}
		rows, err := tx.Query(ctx, `SELECT version FROM schema_migrations`)
		if err != nil {
			return fmt.Errorf("read schema_migrations: %w", err)
		}
		for rows.Next() {
			var v int64
			if err := rows.Scan(&v); err != nil {
				rows.Close()
				return err
			}
			done[v] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, m := range ms {
			if done[m.Version] {
				continue
			}
			if m.Go != nil {
				if err := m.Go(ctx, tx); err != nil {
					return fmt.Errorf("migration %d_%s failed: %w", m.Version, m.Name, err)
				}
			} else if _, err := tx.tx.ExecContext(ctx, m.SQL); err != nil { // no arguments: both drivers run a multi-statement script
				return fmt.Errorf("migration %d_%s failed: %w", m.Version, m.Name, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`, m.Version, m.Name, tx.now); err != nil {
				return fmt.Errorf("record migration %d: %w", m.Version, err)
			}
			applied = append(applied, m.Version)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return applied, nil
}

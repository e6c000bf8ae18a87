package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
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

// Migrations returns the embedded migrations of a dialect, the kernel's Go
// migrations and extra (the areas' data migrations), in version order.
func Migrations(d Dialect, extra ...Migration) ([]Migration, error) {
	sub, err := fs.Sub(migrationFiles, "migrations/"+string(d))
	if err != nil {
		return nil, err
	}
	ms, err := LoadMigrations(sub)
	if err != nil {
		return nil, err
	}
	ms = append(ms, goMigrations()...)
	ms = append(ms, extra...)
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

// Migrate applies the embedded migrations and extra, the areas' data migrations
// (backfills that give existing organisations what an area seeds into new ones;
// on a database without organisations they do nothing).
func (db *DB) Migrate(ctx context.Context, extra ...Migration) (applied []int64, err error) {
	ms, err := Migrations(db.Dialect, extra...)
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
//
// On SQLite the transaction runs with foreign keys off, so that a migration can
// rebuild a table (SQLite's way to change its constraints) without DROP TABLE
// deleting rows by cascade; a delete in a migration does not cascade either.
// After each migration PRAGMA foreign_key_check must be clean: a migration that
// leaves a reference matching no row is refused, and the transaction rolls back.
func (db *DB) MigrateWith(ctx context.Context, ms []Migration) (applied []int64, err error) {
	apply := func(tx *Tx) error {
		var err error
		applied, err = tx.migrate(ctx, ms)
		return err
	}
	if db.Dialect == SQLite {
		err = db.writeWithoutForeignKeys(ctx, apply)
	} else {
		err = db.Write(ctx, apply)
	}
	if err != nil {
		return nil, err
	}
	if db.Dialect == SQLite {
		// The statistics policy, part one: once the schema is known to be ours, SQLite analyses the tables
		// that were never analysed or have changed size a lot since (bounded, so a large database still
		// starts at once). Not before: a database whose migration failed is left exactly as it was.
		// PostgreSQL's autovacuum keeps committed data analysed.
		if err := db.Optimize(ctx); err != nil {
			return applied, err
		}
	}
	return applied, nil
}

// migrate applies the migrations of ms not yet recorded in schema_migrations.
func (tx *Tx) migrate(ctx context.Context, ms []Migration) (applied []int64, err error) {
	if tx.db.Dialect == Postgres {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(?)`, migrationLockKey); err != nil {
			return nil, fmt.Errorf("take migration lock: %w", err)
		}
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMP NOT NULL)`); err != nil {
		return nil, fmt.Errorf("create schema_migrations: %w", err)
	}
	done := map[int64]bool{}
	rows, err := tx.Query(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return nil, err
		}
		done[v] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, m := range ms {
		if done[m.Version] {
			continue
		}
		if m.Go != nil {
			if err := m.Go(ctx, tx); err != nil {
				return nil, fmt.Errorf("migration %d_%s failed: %w", m.Version, m.Name, err)
			}
		} else if _, err := tx.tx.ExecContext(ctx, m.SQL); err != nil { // no arguments: both drivers run a multi-statement script
			return nil, fmt.Errorf("migration %d_%s failed: %w", m.Version, m.Name, err)
		}
		if tx.db.Dialect == SQLite {
			if err := tx.checkForeignKeys(ctx); err != nil {
				return nil, fmt.Errorf("migration %d_%s refused: %w", m.Version, m.Name, err)
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`, m.Version, m.Name, tx.now); err != nil {
			return nil, fmt.Errorf("record migration %d: %w", m.Version, err)
		}
		applied = append(applied, m.Version)
	}
	return applied, nil
}

// writeWithoutForeignKeys runs fn in a write transaction on SQLite with foreign
// keys off. The pragma is a no-op inside a transaction, so it is set before BEGIN,
// on the connection that then runs the transaction: the writer pool's only one,
// held for the whole run. Foreign keys are turned back on afterwards whatever
// happened; a connection where that fails is discarded, never returned to the pool.
func (db *DB) writeWithoutForeignKeys(ctx context.Context, fn func(tx *Tx) error) (err error) {
	conn, err := db.writer.Conn(ctx)
	if err != nil {
		return fmt.Errorf("take the write connection: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
		return fmt.Errorf("turn foreign keys off: %w", err)
	}
	defer func() {
		var on int
		onErr := func() error {
			if _, err := conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA foreign_keys = ON`); err != nil {
				return err
			}
			if err := conn.QueryRowContext(context.WithoutCancel(ctx), `PRAGMA foreign_keys`).Scan(&on); err != nil {
				return err
			}
			if on != 1 {
				return errors.New("still off")
			}
			return nil
		}()
		if onErr != nil {
			_ = conn.Raw(func(any) error { return driver.ErrBadConn }) // discards the connection
			err = errors.Join(err, fmt.Errorf("turn foreign keys back on: %w", onErr))
		}
	}()
	var on int
	if err := conn.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&on); err != nil {
		return fmt.Errorf("read foreign_keys: %w", err)
	}
	if on != 0 {
		return errors.New("turn foreign keys off: the connection is inside a transaction")
	}
	sqlTx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	tx := &Tx{tx: sqlTx, db: db, now: db.Now().UTC().Truncate(time.Microsecond)}
	defer func() {
		if p := recover(); p != nil {
			_ = sqlTx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = sqlTx.Rollback()
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	if err = sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// maxReportedViolations bounds the rows a refused migration names.
const maxReportedViolations = 10

// checkForeignKeys runs PRAGMA foreign_key_check (SQLite) and returns an error
// naming the rows whose references match no row, with the values they hold.
func (tx *Tx) checkForeignKeys(ctx context.Context) error {
	type violation struct {
		table, parent string
		rowid         sql.NullInt64
		fkid          int
	}
	rows, err := tx.tx.QueryContext(ctx, `PRAGMA foreign_key_check`)
	if err != nil {
		return fmt.Errorf("foreign_key_check: %w", err)
	}
	var found []violation
	total := 0
	for rows.Next() {
		var v violation
		if err := rows.Scan(&v.table, &v.rowid, &v.parent, &v.fkid); err != nil {
			rows.Close()
			return fmt.Errorf("foreign_key_check: %w", err)
		}
		if total++; len(found) < maxReportedViolations {
			found = append(found, v)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("foreign_key_check: %w", err)
	}
	if total == 0 {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "foreign key check failed: %d row(s) reference a row that does not exist", total)
	for _, v := range found {
		b.WriteString("; ")
		b.WriteString(tx.describeViolation(ctx, v.table, v.parent, v.rowid, v.fkid))
	}
	if total > len(found) {
		fmt.Fprintf(&b, "; and %d more", total-len(found))
	}
	return errors.New(b.String())
}

// describeViolation names one row of foreign_key_check: "risk_assets row 3:
// (org_id, asset_id) = (…, …) not in assets(org_id, id)". Names come from the
// schema, not from data, so quoting them is enough.
func (tx *Tx) describeViolation(ctx context.Context, table, parent string, rowid sql.NullInt64, fkid int) string {
	where := table + " row ?"
	if rowid.Valid {
		where = fmt.Sprintf("%s row %d", table, rowid.Int64)
	}
	rows, err := tx.tx.QueryContext(ctx, `SELECT "from", "to" FROM pragma_foreign_key_list(?) WHERE id = ? ORDER BY seq`, table, fkid)
	if err != nil {
		return where + " → " + parent
	}
	var from, to []string
	for rows.Next() {
		var f string
		var t sql.NullString // NULL when the key is the parent's primary key
		if err := rows.Scan(&f, &t); err != nil {
			break
		}
		from, to = append(from, f), append(to, t.String)
	}
	rows.Close()
	if len(from) == 0 {
		return where + " → " + parent
	}
	desc := fmt.Sprintf("%s: (%s) not in %s(%s)", where, strings.Join(from, ", "), parent, strings.Join(to, ", "))
	if !rowid.Valid {
		return desc
	}
	cols := make([]string, len(from))
	for i, f := range from {
		cols[i] = `quote("` + strings.ReplaceAll(f, `"`, `""`) + `")`
	}
	var values string
	q := `SELECT ` + strings.Join(cols, ` || ', ' || `) + ` FROM "` + strings.ReplaceAll(table, `"`, `""`) + `" WHERE rowid = ?`
	if err := tx.tx.QueryRowContext(ctx, q, rowid.Int64).Scan(&values); err != nil {
		return desc
	}
	return fmt.Sprintf("%s: (%s) = (%s) not in %s(%s)", where, strings.Join(from, ", "), values, parent, strings.Join(to, ", "))
}

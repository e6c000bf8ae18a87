// Package sqlstore is Bulwark's storage adapter: one code path over SQLite (embedded,
// the default) and PostgreSQL (for several instances). Queries are written once with
// "?" placeholders; the few dialect differences live in this file. Every query on
// organisation data filters on org_id, so a bug above cannot leak across tenants.
package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	"github.com/ncruces/go-sqlite3"
	"github.com/ncruces/go-sqlite3/driver"
	"github.com/ncruces/go-sqlite3/ext/fts5"
)

func init() {
	// Full-text search on SQLite; registering an extension is process-wide by nature.
	sqlite3.AutoExtension(fts5.Register)
}

// Dialect names the database engine.
type Dialect string

// The two supported engines.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// sqliteTimeLayout stores times as fixed-width UTC text, so text order is time order.
const sqliteTimeLayout = "2006-01-02T15:04:05.000000Z07:00"

// DB is an open Bulwark database. On SQLite, writes go through a one-connection
// pool so that they queue inside Bulwark instead of failing with "database is
// locked"; reads use their own pool. On PostgreSQL both are one pool.
type DB struct {
	Dialect Dialect
	DSN     string
	writer  *sql.DB
	reader  *sql.DB
	// Now returns the current time; tests replace it. Always UTC, microseconds.
	Now          func() time.Time
	auditAppends atomic.Int64

	// Checkpoints signs audit checkpoints as entries are appended; nil writes none.
	// Set once at start-up, before the database is used.
	Checkpoints *bulwark.CheckpointSigner

	rebindMu sync.RWMutex
	rebound  map[string]string

	stmtMu   sync.RWMutex
	stmts    map[string]*sql.Stmt // prepared statements on the read pool, by query
	prepares atomic.Int64         // statements prepared, for tests that they stay few
}

// Open opens the database named by dsn: "sqlite:PATH" (or a bare path), or a
// postgres:// URL. It does not migrate.
func Open(ctx context.Context, dsn string) (*DB, error) {
	db := &DB{DSN: dsn, Now: Now, rebound: map[string]string{}, stmts: map[string]*sql.Stmt{}}
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		db.Dialect = Postgres
		pool, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		pool.SetMaxOpenConns(20)
		pool.SetMaxIdleConns(20)
		pool.SetConnMaxIdleTime(5 * time.Minute)
		db.writer, db.reader = pool, pool
	default:
		db.Dialect = SQLite
		path := strings.TrimPrefix(dsn, "sqlite:")
		if path == "" {
			return nil, fmt.Errorf("open sqlite: empty path in %q", dsn)
		}
		q := url.Values{}
		q.Add("_pragma", "busy_timeout(10000)")
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(FULL)") // a commit of the audit trail survives a power loss
		q.Add("_pragma", "foreign_keys(1)")
		q.Set("_txlock", "immediate")
		q.Set("_timefmt", sqliteTimeLayout)
		u := "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
		w, err := driver.Open(u, stablePlans)
		if err != nil {
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
		w.SetMaxOpenConns(1)
		w.SetConnMaxIdleTime(0)
		// Readers are query-only from the start: a read transaction then needs no PRAGMA
		// query_only toggle, which would expire every prepared statement of the connection.
		rq := url.Values{}
		rq.Add("_pragma", "busy_timeout(10000)")
		rq.Add("_pragma", "foreign_keys(1)")
		rq.Add("_pragma", "query_only(1)")
		rq.Set("_timefmt", sqliteTimeLayout)
		r, err := driver.Open("file:"+(&url.URL{Path: path}).EscapedPath()+"?"+rq.Encode(), stablePlans)
		if err != nil {
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
		r.SetMaxOpenConns(8)
		r.SetMaxIdleConns(8)
		db.writer, db.reader = w, r
	}
	if err := db.writer.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to %s database: %w", db.Dialect, err)
	}
	return db, nil
}

// stablePlans turns on SQLite's query planner stability guarantee for a connection: a plan may not depend on
// the values bound to it. Without it, a statement whose planning looked at a parameter (a comparison with a
// partial index's condition, a STAT4 sample) is marked to re-prepare itself whenever that parameter is bound
// again — on every run, since the driver binds each time: a third of the risk list's SQLite time on the large
// demo went to parsing the same SELECT again. Our queries are tenant-scoped equalities whose plans do not
// depend on the values.
func stablePlans(c *sqlite3.Conn) error {
	if _, err := c.Config(sqlite3.DBCONFIG_ENABLE_QPSG, true); err != nil {
		return fmt.Errorf("enable the query planner stability guarantee: %w", err)
	}
	return nil
}

// Optimize is the statistics policy, shared by production and the benchmarks: after a bulk write, ANALYZE of
// the tables it touched (in full: see below); with no table named, PRAGMA optimize
// on SQLite (the tables never analysed or much changed) and ANALYZE of everything on PostgreSQL. Imports also refresh statistics inside their
// transaction on PostgreSQL (Tx.RefreshStatistics), for the foreign-key checks of the rows they write next.
func (db *DB) Optimize(ctx context.Context, tables ...string) error {
	if db.Dialect == SQLite {
		// On the writer: readers are query-only, and ANALYZE writes sqlite_stat1. Readers' statements are
		// re-prepared by SQLite when they next run, with the new statistics.
		conn, err := db.writer.Conn(ctx)
		if err != nil {
			return fmt.Errorf("optimize: %w", err)
		}
		defer conn.Close()
		// No analysis_limit: a sampled ANALYZE caps every estimate at the sample size, so one organisation
		// holding all 20,000 risks looks like 1,000 and the planner scans a whole table to save a sort.
		// Measured on the large demo: the risk list went from 1 ms to 30 ms of CPU.
		if _, err := conn.ExecContext(ctx, `PRAGMA analysis_limit = 0`); err != nil {
			return fmt.Errorf("optimize: %w", err)
		}
		if len(tables) == 0 {
			if _, err := conn.ExecContext(ctx, `PRAGMA optimize = 0x10002`); err != nil {
				return fmt.Errorf("optimize: %w", err)
			}
		}
		// PRAGMA optimize leaves a table alone until its size changes tenfold, so the tables a bulk write touched
		// are analysed by name.
		for _, t := range tables {
			if !isIdentifier(t) {
				return fmt.Errorf("optimize: %q is not a table name", t)
			}
			if _, err := conn.ExecContext(ctx, "ANALYZE "+t); err != nil {
				return fmt.Errorf("optimize %s: %w", t, err)
			}
		}
		return nil
	}
	for _, t := range tables {
		if !isIdentifier(t) {
			return fmt.Errorf("optimize: %q is not a table name", t)
		}
	}
	q := "ANALYZE"
	if len(tables) > 0 {
		q += " " + strings.Join(tables, ", ")
	}
	if _, err := db.writer.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("optimize: %w", err)
	}
	return nil
}

// isIdentifier reports whether s is a plain lower-case SQL identifier.
func isIdentifier(s string) bool {
	for _, r := range s {
		if (r < 'a' || r > 'z') && r != '_' && (r < '0' || r > '9') {
			return false
		}
	}
	return s != ""
}

// Close closes both pools.
func (db *DB) Close() error {
	db.stmtMu.Lock()
	for _, st := range db.stmts {
		st.Close()
	}
	db.stmts = map[string]*sql.Stmt{}
	db.stmtMu.Unlock()
	err := db.writer.Close()
	if db.reader != db.writer {
		err = errors.Join(err, db.reader.Close())
	}
	return err
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.reader.PingContext(ctx) }

// SQL returns the underlying write pool, for tests and tools.
func (db *DB) SQL() *sql.DB { return db.writer }

// Now returns the current time as stored: UTC, truncated to microseconds (what
// PostgreSQL keeps), so a value reads back exactly as written.
func Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// Tx is one transaction. Every store method hangs off it, so a change and its audit
// entry always commit or roll back together. A Tx from View has no transaction:
// it runs single statements on the read pool with cached prepared statements.
type Tx struct {
	tx  *sql.Tx
	db  *DB
	now time.Time
}

// View runs fn for reads that need no transaction (one statement, or statements
// that need not see one snapshot), with prepared statements cached per query.
// It is the fast path of authentication, which runs on every request.
func (db *DB) View(ctx context.Context, fn func(tx *Tx) error) error {
	return fn(&Tx{db: db, now: db.Now().UTC().Truncate(time.Microsecond)})
}

// stmt returns the cached prepared statement of q on the read pool.
func (db *DB) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	return db.cached(ctx, db.reader, db.stmts, q)
}

// maxCachedStatements bounds each statement cache. Queries are constants with
// placeholders (values never enter the SQL text), so a program has a few hundred.
const maxCachedStatements = 2000

// cached returns the prepared statement of q on pool, preparing it once; nil when
// the cache is full, and the caller runs q unprepared. database/sql keeps a
// statement prepared on each connection it has run on, so a statement is parsed
// once per connection, not once per query: on SQLite, parsing cost a third of a
// list request.
func (db *DB) cached(ctx context.Context, pool *sql.DB, cache map[string]*sql.Stmt, q string) (*sql.Stmt, error) {
	db.stmtMu.RLock()
	st, ok := cache[q]
	full := len(cache) >= maxCachedStatements
	db.stmtMu.RUnlock()
	if ok {
		return st, nil
	}
	if full {
		return nil, nil
	}
	// Prepared outside the lock: other queries go on meanwhile.
	st, err := pool.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	db.prepares.Add(1)
	db.stmtMu.Lock()
	defer db.stmtMu.Unlock()
	if prev, ok := cache[q]; ok { // another goroutine won the race
		st.Close()
		return prev, nil
	}
	cache[q] = st
	return st, nil
}

// InList is a condition that col is one of values, with its one parameter: a JSON
// array read by json_each on SQLite, a text array on PostgreSQL. One statement
// serves lists of any length, where IN (?, ?, …) would be a new statement each time.
func (tx *Tx) InList(col string, values []string) (cond string, arg any) {
	if values == nil {
		values = []string{}
	}
	if tx.db.Dialect == Postgres {
		return col + " = ANY(?::text[])", values
	}
	b, _ := json.Marshal(values) // strings always marshal
	return col + " IN (SELECT value FROM json_each(?))", string(b)
}

// Prepares returns how many statements this database has prepared for its caches.
func (db *DB) Prepares() int64 { return db.prepares.Load() }

// Now is the transaction's fixed time.
func (tx *Tx) Now() time.Time { return tx.now }

// Dialect is the engine of the transaction.
func (tx *Tx) Dialect() Dialect { return tx.db.Dialect }

// Write runs fn in a write transaction and commits when fn returns nil.
func (db *DB) Write(ctx context.Context, fn func(tx *Tx) error) error {
	return db.run(ctx, db.writer, nil, fn)
}

// Read runs fn in a read-only transaction that sees one snapshot: SQLite's WAL
// readers do; PostgreSQL needs REPEATABLE READ (its default, READ COMMITTED, gives
// each statement its own snapshot, so a chain head and its entries could disagree).
func (db *DB) Read(ctx context.Context, fn func(tx *Tx) error) error {
	opts := &sql.TxOptions{ReadOnly: true}
	if db.Dialect == Postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	return db.run(ctx, db.reader, opts, fn)
}

func (db *DB) run(ctx context.Context, pool *sql.DB, opts *sql.TxOptions, fn func(tx *Tx) error) (err error) {
	sqlTx, err := pool.BeginTx(ctx, opts)
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

// rebind turns "?" placeholders into "$n" for PostgreSQL. Queries are constants,
// so the result is cached.
func (db *DB) rebind(q string) string {
	if db.Dialect != Postgres {
		return q
	}
	db.rebindMu.RLock()
	r, ok := db.rebound[q]
	db.rebindMu.RUnlock()
	if ok {
		return r
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		} else {
			b.WriteByte(q[i])
		}
	}
	r = b.String()
	db.rebindMu.Lock()
	if len(db.rebound) < 10000 { // dynamic filters vary; bound the cache
		db.rebound[q] = r
	}
	db.rebindMu.Unlock()
	return r
}

// Exec runs a statement in the transaction. (pgx already caches prepared
// statements per connection; SQLite's one writer connection is this transaction's.)
func (tx *Tx) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if tx.tx == nil {
		return nil, fmt.Errorf("write outside a transaction: %s", q)
	}
	return tx.tx.ExecContext(ctx, tx.db.rebind(q), args...)
}

// Pools returns the database's connection pools by name, for metrics: "writer"
// and "reader" on SQLite, "postgres" on PostgreSQL (one pool serves both).
func (db *DB) Pools() map[string]*sql.DB {
	if db.writer == db.reader {
		return map[string]*sql.DB{string(db.Dialect): db.writer}
	}
	return map[string]*sql.DB{"writer": db.writer, "reader": db.reader}
}

// AuditAppends returns how many audit entries this process has appended.
func (db *DB) AuditAppends() int64 { return db.auditAppends.Load() }

// BulkInsertThreshold is how many rows a bulk insert writes before RefreshStatistics is worth its cost.
const BulkInsertThreshold = 1000

// RefreshStatistics re-reads the planner's statistics of a table after a bulk insert in this transaction, on
// PostgreSQL; SQLite plans by its indexes and needs nothing.
//
// Why: the foreign-key check of a composite key (org_id, id) is planned once per connection from the
// statistics. For a table that was empty when last analysed, every index that starts with org_id costs the
// same as the unique (org_id, id) index, and PostgreSQL may pick one that then reads the organisation's every
// row for each check: 10,000 imported risks linked to controls took 14.5 s instead of 2.4 s. Autovacuum cannot
// help, since it does not see rows this transaction has not committed; ANALYZE inside the transaction does,
// and it invalidates the cached check plans. table must be a constant identifier.
func (tx *Tx) RefreshStatistics(ctx context.Context, table string) error {
	if tx.db.Dialect != Postgres {
		return nil
	}
	if !isIdentifier(table) {
		return fmt.Errorf("refresh statistics: %q is not a table name", table)
	}
	if _, err := tx.tx.ExecContext(ctx, "ANALYZE "+table); err != nil {
		return fmt.Errorf("analyze %s: %w", table, err)
	}
	return nil
}

// ExecDynamic runs a statement built at run time (batched inserts) without
// caching its rebound form.
func (tx *Tx) ExecDynamic(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if tx.tx == nil {
		return nil, fmt.Errorf("write outside a transaction")
	}
	if tx.db.Dialect == Postgres {
		var b strings.Builder
		n := 0
		for i := 0; i < len(q); i++ {
			if q[i] == '?' {
				n++
				b.WriteString("$" + strconv.Itoa(n))
			} else {
				b.WriteByte(q[i])
			}
		}
		q = b.String()
	}
	return tx.tx.ExecContext(ctx, q, args...)
}

// Query runs a query in the transaction (or, from View, a cached statement on the read pool).
func (tx *Tx) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if tx.tx == nil {
		st, err := tx.db.stmt(ctx, tx.db.rebind(q))
		if err != nil {
			return nil, err
		}
		if st == nil {
			return tx.db.reader.QueryContext(ctx, tx.db.rebind(q), args...)
		}
		return st.QueryContext(ctx, args...)
	}
	return tx.tx.QueryContext(ctx, tx.db.rebind(q), args...)
}

// QueryRow runs a query that returns at most one row.
func (tx *Tx) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	if tx.tx == nil {
		st, err := tx.db.stmt(ctx, tx.db.rebind(q))
		if err != nil || st == nil {
			// Let Scan report the error: a Row from a failed query carries it.
			return tx.db.reader.QueryRowContext(ctx, tx.db.rebind(q), args...)
		}
		return st.QueryRowContext(ctx, args...)
	}
	return tx.tx.QueryRowContext(ctx, tx.db.rebind(q), args...)
}

// ForUpdate is the row-lock suffix: PostgreSQL locks the row; SQLite already holds
// the database write lock for the whole (immediate) transaction.
func (tx *Tx) ForUpdate() string {
	if tx.db.Dialect == Postgres {
		return " FOR UPDATE"
	}
	return ""
}

// TimeParam is a placeholder for a time in a SELECT list, where PostgreSQL cannot
// infer the parameter's type.
func (tx *Tx) TimeParam() string {
	if tx.db.Dialect == Postgres {
		return "?::timestamptz"
	}
	return "?"
}

// IsUniqueViolation reports whether err is a unique-constraint violation.
func IsUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23505"
	}
	return errors.Is(err, sqlite3.CONSTRAINT_UNIQUE) || errors.Is(err, sqlite3.CONSTRAINT_PRIMARYKEY)
}

// NewID returns a new opaque id: a UUIDv7 (time-ordered, so indexes stay compact).
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	binary.BigEndian.PutUint64(b[:8], uint64(time.Now().UnixMilli())<<16|binary.BigEndian.Uint64(b[:8])&0xffff)
	b[6] = (b[6] & 0x0f) | 0x70
	b[8] = (b[8] & 0x3f) | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// NullTime converts a *time.Time to a value for a nullable column.
func NullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC().Truncate(time.Microsecond)
}

// TimePtr converts a scanned sql.NullTime to *time.Time in UTC.
func TimePtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

func IntPtr(n sql.NullInt64) *int {
	if !n.Valid {
		return nil
	}
	v := int(n.Int64)
	return &v
}

func StrPtr(s sql.NullString) *string {
	if !s.Valid {
		return nil
	}
	return &s.String
}

func EscapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// BackupSQLite writes a consistent copy of a SQLite database to path while it is in
// use (VACUUM INTO: one read transaction, compacted; writes wait for it). path must
// not exist.
func (db *DB) BackupSQLite(ctx context.Context, path string) error {
	if db.Dialect != SQLite {
		return fmt.Errorf("backup: %s databases are backed up with their own tools (pg_dump)", db.Dialect)
	}
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("backup: %s already exists", path)
	}
	// On the write connection: the readers are query-only, which VACUUM INTO's new file counts as a write.
	if _, err := db.writer.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	return nil
}

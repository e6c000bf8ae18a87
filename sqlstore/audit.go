package sqlstore

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/bulwark-isms/bulwark"
)

// AppendAudit appends e to the chain of e.OrgID inside the caller's transaction:
// the change and its entry commit together or not at all. The chain head row is
// locked, so concurrent writers (even on several instances) queue instead of forking
// the chain. It fills Seq, At, PrevHash and Hash.
func (tx *Tx) AppendAudit(ctx context.Context, e *bulwark.AuditEntry) error {
	if _, err := tx.Exec(ctx, `INSERT INTO audit_heads (org_id, seq, hash) VALUES (?, 0, ?) ON CONFLICT (org_id) DO NOTHING`, e.OrgID, bulwark.GenesisHash); err != nil {
		return fmt.Errorf("audit: create chain head: %w", err)
	}
	var head bulwark.ChainHead
	if err := tx.QueryRow(ctx, `SELECT seq, hash FROM audit_heads WHERE org_id = ?`+tx.ForUpdate(), e.OrgID).Scan(&head.Seq, &head.Hash); err != nil {
		return fmt.Errorf("audit: lock chain head: %w", err)
	}
	e.Seq = head.Seq + 1
	e.At = tx.now
	e.PrevHash = head.Hash
	if len(e.Changes) == 0 {
		e.Changes = []byte(`{}`)
	}
	e.Hash = e.ComputeHash()
	if _, err := tx.Exec(ctx, `INSERT INTO audit_log (org_id, seq, at, actor_id, ip, request_id, action, entity_type, entity_id, entity_ref, changes, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.OrgID, e.Seq, e.At, e.ActorID, e.IP, e.RequestID, e.Action, e.EntityType, e.EntityID, e.EntityRef, string(e.Changes), e.PrevHash, e.Hash); err != nil {
		return fmt.Errorf("audit: append entry: %w", err)
	}
	if _, err := tx.Exec(ctx, `UPDATE audit_heads SET seq = ?, hash = ? WHERE org_id = ?`, e.Seq, e.Hash, e.OrgID); err != nil {
		return fmt.Errorf("audit: move chain head: %w", err)
	}
	tx.db.auditAppends.Add(1) // counted before commit: a rolled-back append still cost the work
	if tx.db.Checkpoints.Due(e.Seq) {
		return tx.insertCheckpoint(ctx, tx.db.Checkpoints.Sign(e.OrgID, e.Seq, e.Hash, tx.now))
	}
	return nil
}

// insertCheckpoint stores a signed checkpoint.
func (tx *Tx) insertCheckpoint(ctx context.Context, c bulwark.Checkpoint) error {
	if _, err := tx.Exec(ctx, `INSERT INTO audit_checkpoints (org_id, seq, hash, signed_at, signature) VALUES (?, ?, ?, ?, ?)`,
		c.OrgID, c.Seq, c.Hash, c.SignedAt, base64.StdEncoding.EncodeToString(c.Signature)); err != nil {
		return fmt.Errorf("audit: write checkpoint %d: %w", c.Seq, err)
	}
	return nil
}

// AuditCheckpoints returns the checkpoints of orgID's chain in sequence order. A
// signature that is not base64 comes back empty, and fails verification.
func (tx *Tx) AuditCheckpoints(ctx context.Context, orgID string) ([]bulwark.Checkpoint, error) {
	rows, err := tx.Query(ctx, `SELECT seq, hash, signed_at, signature FROM audit_checkpoints WHERE org_id = ? ORDER BY seq`, orgID)
	if err != nil {
		return nil, fmt.Errorf("read audit checkpoints: %w", err)
	}
	defer rows.Close()
	var out []bulwark.Checkpoint
	for rows.Next() {
		c := bulwark.Checkpoint{OrgID: orgID}
		var at any
		var sig string
		if err := rows.Scan(&c.Seq, &c.Hash, &at, &sig); err != nil {
			return nil, fmt.Errorf("read audit checkpoint: %w", err)
		}
		if c.SignedAt, err = scanTime(at); err != nil {
			return nil, fmt.Errorf("checkpoint at entry %d: %w", c.Seq, err)
		}
		c.Signature, _ = base64.StdEncoding.DecodeString(sig)
		out = append(out, c)
	}
	return out, rows.Err()
}

// SealCheckpoints writes the checkpoints that entries appended so far are due and
// lack: for chains written before checkpoints existed. It returns how many it wrote.
func (tx *Tx) SealCheckpoints(ctx context.Context, signer *bulwark.CheckpointSigner) (int, error) {
	if signer == nil || signer.Every <= 0 {
		return 0, nil
	}
	rows, err := tx.Query(ctx, `SELECT l.org_id, l.seq, l.hash FROM audit_log l
		LEFT JOIN audit_checkpoints c ON c.org_id = l.org_id AND c.seq = l.seq
		WHERE l.seq % ? = 0 AND c.seq IS NULL ORDER BY l.org_id, l.seq`, signer.Every)
	if err != nil {
		return 0, fmt.Errorf("find due checkpoints: %w", err)
	}
	var due []bulwark.Checkpoint
	for rows.Next() {
		var c bulwark.Checkpoint
		if err := rows.Scan(&c.OrgID, &c.Seq, &c.Hash); err != nil {
			rows.Close()
			return 0, err
		}
		due = append(due, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, c := range due {
		if err := tx.insertCheckpoint(ctx, signer.Sign(c.OrgID, c.Seq, c.Hash, tx.now)); err != nil {
			return 0, err
		}
	}
	return len(due), nil
}

// AuditHead returns the head of orgID's chain (seq 0 and the genesis hash when empty).
func (tx *Tx) AuditHead(ctx context.Context, orgID string) (bulwark.ChainHead, error) {
	h := bulwark.ChainHead{OrgID: orgID, Hash: bulwark.GenesisHash}
	rows, err := tx.Query(ctx, `SELECT seq, hash FROM audit_heads WHERE org_id = ?`, orgID)
	if err != nil {
		return h, fmt.Errorf("audit head: %w", err)
	}
	defer rows.Close()
	if rows.Next() {
		if err := rows.Scan(&h.Seq, &h.Hash); err != nil {
			return h, err
		}
	}
	return h, rows.Err()
}

const auditColumns = `org_id, seq, at, actor_id, ip, request_id, action, entity_type, entity_id, entity_ref, changes, prev_hash, hash`

// UnreadableEntryError is an audit entry whose row cannot be read (a malformed
// time written into the database by hand, say): it names the chain and the entry.
type UnreadableEntryError struct {
	OrgID string
	Seq   int64
	Err   error
}

func (e *UnreadableEntryError) Error() string {
	return fmt.Sprintf("audit entry %d cannot be read: %v", e.Seq, e.Err)
}

func (e *UnreadableEntryError) Unwrap() error { return e.Err }

func scanAudit(rows interface{ Scan(...any) error }) (*bulwark.AuditEntry, error) {
	var e bulwark.AuditEntry
	var changes, at any
	var seq any
	if err := rows.Scan(&e.OrgID, &seq, &at, &e.ActorID, &e.IP, &e.RequestID, &e.Action, &e.EntityType, &e.EntityID, &e.EntityRef, &changes, &e.PrevHash, &e.Hash); err != nil {
		return nil, fmt.Errorf("scan audit entry: %w", err)
	}
	n, ok := seq.(int64)
	if !ok {
		return nil, &UnreadableEntryError{OrgID: e.OrgID, Err: fmt.Errorf("its sequence number %v is not a number", seq)}
	}
	e.Seq = n
	t, err := scanTime(at)
	if err != nil {
		return nil, &UnreadableEntryError{OrgID: e.OrgID, Seq: n, Err: err}
	}
	e.At = t
	switch c := changes.(type) {
	case string:
		e.Changes = []byte(c)
	case []byte:
		e.Changes = append([]byte(nil), c...)
	default:
		return nil, &UnreadableEntryError{OrgID: e.OrgID, Seq: n, Err: fmt.Errorf("its changes are not text")}
	}
	return &e, nil
}

// scanTime reads a time column scanned into any: a time, or the text SQLite keeps.
func scanTime(v any) (time.Time, error) {
	switch t := v.(type) {
	case time.Time:
		return t.UTC(), nil
	case string:
		return parseStoredTime(t)
	case []byte:
		return parseStoredTime(string(t))
	}
	return time.Time{}, fmt.Errorf("its time %v is not a time", v)
}

func parseStoredTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("its time %q is not a time", s)
}

// AuditEntries lists entries of orgID's chain matching f, newest first, at most f.Limit.
func (tx *Tx) AuditEntries(ctx context.Context, orgID string, f bulwark.AuditFilter) ([]*bulwark.AuditEntry, error) {
	var where strings.Builder
	args := []any{orgID}
	where.WriteString(` WHERE org_id = ?`)
	add := func(cond string, v any) {
		where.WriteString(" AND " + cond)
		args = append(args, v)
	}
	if f.ActorID != "" {
		add("actor_id = ?", f.ActorID)
	}
	if f.EntityType != "" {
		add("entity_type = ?", f.EntityType)
	}
	if f.EntityID != "" {
		add("entity_id = ?", f.EntityID)
	}
	if f.Action != "" {
		add("action = ?", f.Action)
	}
	if f.From != nil {
		add("at >= ?", f.From.UTC())
	}
	if f.To != nil {
		add("at < ?", f.To.UTC())
	}
	if f.BeforeSeq > 0 {
		add("seq < ?", f.BeforeSeq)
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	rows, err := tx.Query(ctx, `SELECT `+auditColumns+` FROM audit_log`+where.String()+` ORDER BY seq DESC LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("list audit entries: %w", err)
	}
	defer rows.Close()
	var out []*bulwark.AuditEntry
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// EachAuditEntry calls fn for every entry of orgID's chain in sequence order,
// streaming: a million entries never sit in memory at once.
func (tx *Tx) EachAuditEntry(ctx context.Context, orgID string, fn func(*bulwark.AuditEntry) error) error {
	rows, err := tx.Query(ctx, `SELECT `+auditColumns+` FROM audit_log WHERE org_id = ? ORDER BY seq`, orgID)
	if err != nil {
		return fmt.Errorf("read audit chain: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return err
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return rows.Err()
}

// CountAuditEntries counts the entries of orgID's chain: the head's sequence, since entries are numbered from
// 1 without gaps (verification checks it). COUNT(*) read a million rows for a dashboard figure.
func (tx *Tx) CountAuditEntries(ctx context.Context, orgID string) (int64, error) {
	h, err := tx.AuditHead(ctx, orgID)
	return h.Seq, err
}

// AppendAuditBatch appends entries (all of one chain) in order, locking the head
// once and inserting many rows per statement: for imports of thousands of rows.
func (tx *Tx) AppendAuditBatch(ctx context.Context, orgID string, entries []*bulwark.AuditEntry) error {
	if len(entries) == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, `INSERT INTO audit_heads (org_id, seq, hash) VALUES (?, 0, ?) ON CONFLICT (org_id) DO NOTHING`, orgID, bulwark.GenesisHash); err != nil {
		return fmt.Errorf("audit: create chain head: %w", err)
	}
	var head bulwark.ChainHead
	if err := tx.QueryRow(ctx, `SELECT seq, hash FROM audit_heads WHERE org_id = ?`+tx.ForUpdate(), orgID).Scan(&head.Seq, &head.Hash); err != nil {
		return fmt.Errorf("audit: lock chain head: %w", err)
	}
	for _, e := range entries {
		e.OrgID, e.Seq, e.At, e.PrevHash = orgID, head.Seq+1, tx.now, head.Hash
		if len(e.Changes) == 0 {
			e.Changes = []byte(`{}`)
		}
		e.Hash = e.ComputeHash()
		head.Seq, head.Hash = e.Seq, e.Hash
	}
	const perStatement = 200
	for start := 0; start < len(entries); start += perStatement {
		batch := entries[start:min(start+perStatement, len(entries))]
		var q strings.Builder
		q.WriteString(`INSERT INTO audit_log (org_id, seq, at, actor_id, ip, request_id, action, entity_type, entity_id, entity_ref, changes, prev_hash, hash) VALUES `)
		args := make([]any, 0, len(batch)*13)
		for i, e := range batch {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString(`(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
			args = append(args, e.OrgID, e.Seq, e.At, e.ActorID, e.IP, e.RequestID, e.Action, e.EntityType, e.EntityID, e.EntityRef, string(e.Changes), e.PrevHash, e.Hash)
		}
		if _, err := tx.ExecDynamic(ctx, q.String(), args...); err != nil {
			return fmt.Errorf("audit: append entries: %w", err)
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE audit_heads SET seq = ?, hash = ? WHERE org_id = ?`, head.Seq, head.Hash, orgID); err != nil {
		return fmt.Errorf("audit: move chain head: %w", err)
	}
	tx.db.auditAppends.Add(int64(len(entries)))
	for _, e := range entries {
		if tx.db.Checkpoints.Due(e.Seq) {
			if err := tx.insertCheckpoint(ctx, tx.db.Checkpoints.Sign(orgID, e.Seq, e.Hash, tx.now)); err != nil {
				return err
			}
		}
	}
	return nil
}

// SealHeads signs a checkpoint at the head of every chain that has moved past
// its last checkpoint, so that deleting the newest entries shows even before the
// next checkpoint falls due. It returns the chains sealed.
func (tx *Tx) SealHeads(ctx context.Context, signer *bulwark.CheckpointSigner) ([]string, error) {
	if signer == nil || signer.Key == nil {
		return nil, nil
	}
	rows, err := tx.Query(ctx, `SELECT h.org_id, h.seq, h.hash FROM audit_heads h
		WHERE h.seq > COALESCE((SELECT MAX(c.seq) FROM audit_checkpoints c WHERE c.org_id = h.org_id), 0) ORDER BY h.org_id`)
	if err != nil {
		return nil, fmt.Errorf("find unsealed heads: %w", err)
	}
	var due []bulwark.Checkpoint
	for rows.Next() {
		var c bulwark.Checkpoint
		if err := rows.Scan(&c.OrgID, &c.Seq, &c.Hash); err != nil {
			rows.Close()
			return nil, err
		}
		due = append(due, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var sealed []string
	for _, c := range due {
		if err := tx.insertCheckpoint(ctx, signer.Sign(c.OrgID, c.Seq, c.Hash, tx.now)); err != nil {
			return nil, err
		}
		sealed = append(sealed, c.OrgID)
	}
	return sealed, nil
}

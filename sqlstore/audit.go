package sqlstore

import (
	"context"
	"fmt"
	"strings"

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
	return nil
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

func scanAudit(rows interface{ Scan(...any) error }) (*bulwark.AuditEntry, error) {
	var e bulwark.AuditEntry
	var changes string
	if err := rows.Scan(&e.OrgID, &e.Seq, &e.At, &e.ActorID, &e.IP, &e.RequestID, &e.Action, &e.EntityType, &e.EntityID, &e.EntityRef, &changes, &e.PrevHash, &e.Hash); err != nil {
		return nil, fmt.Errorf("scan audit entry: %w", err)
	}
	e.At = e.At.UTC()
	e.Changes = []byte(changes)
	return &e, nil
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
	rows, err := tx.Query(ctx, `SELECT `+auditColumns+` FROM audit_log`+where.String()+fmt.Sprintf(` ORDER BY seq DESC LIMIT %d`, limit), args...)
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

// CountAuditEntries counts the entries of orgID's chain.
func (tx *Tx) CountAuditEntries(ctx context.Context, orgID string) (int64, error) {
	var n int64
	err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE org_id = ?`, orgID).Scan(&n)
	return n, err
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
	return nil
}

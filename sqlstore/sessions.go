package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/bulwark-isms/bulwark"
)

// Session is a signed-in browser. Only the SHA-256 of its token is stored.
type Session struct {
	TokenHash  string
	UserID     string
	CreatedAt  time.Time
	LastSeenAt time.Time
	IP         string
	UserAgent  string
}

// InsertSession stores a new session.
func (tx *Tx) InsertSession(ctx context.Context, s *Session) error {
	s.CreatedAt, s.LastSeenAt = tx.now, tx.now
	_, err := tx.Exec(ctx, `INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, ip, user_agent) VALUES (?, ?, ?, ?, ?, ?)`,
		s.TokenHash, s.UserID, s.CreatedAt, s.LastSeenAt, s.IP, s.UserAgent)
	if err != nil {
		return fmt.Errorf("insert session: %w", err)
	}
	return nil
}

// SessionUser returns a session and its user, or ENOTFOUND.
func (tx *Tx) SessionUser(ctx context.Context, tokenHash string) (*Session, *bulwark.User, error) {
	var s Session
	var u bulwark.User
	err := tx.QueryRow(ctx, `SELECT s.token_hash, s.user_id, s.created_at, s.last_seen_at, u.id, u.email, u.name
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?`, tokenHash).
		Scan(&s.TokenHash, &s.UserID, &s.CreatedAt, &s.LastSeenAt, &u.ID, &u.Email, &u.Name)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, bulwark.Errorf(bulwark.ENOTFOUND, "Session not found.")
	} else if err != nil {
		return nil, nil, fmt.Errorf("find session: %w", err)
	}
	return &s, &u, nil
}

// TouchSession records activity on a session.
func (tx *Tx) TouchSession(ctx context.Context, tokenHash string) error {
	_, err := tx.Exec(ctx, `UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?`, tx.now, tokenHash)
	return err
}

// DeleteSession ends one session.
func (tx *Tx) DeleteSession(ctx context.Context, tokenHash string) error {
	_, err := tx.Exec(ctx, `DELETE FROM sessions WHERE token_hash = ?`, tokenHash)
	return err
}

// DeleteUserSessions ends every session of userID and returns how many there were.
func (tx *Tx) DeleteUserSessions(ctx context.Context, userID string) (int64, error) {
	res, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID)
	if err != nil {
		return 0, fmt.Errorf("delete sessions: %w", err)
	}
	return res.RowsAffected()
}

// DeleteExpiredSessions removes sessions idle since idleBefore or created before createdBefore.
func (tx *Tx) DeleteExpiredSessions(ctx context.Context, idleBefore, createdBefore time.Time) error {
	_, err := tx.Exec(ctx, `DELETE FROM sessions WHERE last_seen_at < ? OR created_at < ?`, idleBefore, createdBefore)
	return err
}

// MemberPrincipal loads the active membership of userID in the organisation with
// slug, or ENOTFOUND when there is none (absent, expired or deactivated).
func (tx *Tx) MemberPrincipal(ctx context.Context, slug, userID string) (*bulwark.Organisation, *bulwark.Member, error) {
	row := tx.QueryRow(ctx, `SELECT o.id, o.slug, o.name, o.time_zone, o.date_order, o.segregation_of_duties, o.created_at, o.version, m.id, m.role
		FROM organisations o JOIN members m ON m.org_id = o.id
		WHERE o.slug = ? AND m.user_id = ? AND m.deactivated_at IS NULL AND (m.expires_at IS NULL OR m.expires_at > ?)`, slug, userID, tx.now)
	var o bulwark.Organisation
	var m bulwark.Member
	err := row.Scan(&o.ID, &o.Slug, &o.Name, &o.Settings.TimeZone, &o.Settings.DateOrder, &o.Settings.SegregationOfDuties, &o.CreatedAt, &o.Version, &m.ID, &m.Role)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, bulwark.Errorf(bulwark.ENOTFOUND, "Organisation not found.")
	} else if err != nil {
		return nil, nil, fmt.Errorf("find membership: %w", err)
	}
	m.OrgID, m.UserID = o.ID, userID
	return &o, &m, nil
}

// TokenPrincipal is what an API token resolves to.
type TokenPrincipal struct {
	TokenID    string
	Scope      string
	LastUsedAt *time.Time
	User       bulwark.User
	Org        bulwark.Organisation
	MemberID   string
	Role       bulwark.Role
}

// TokenByHash resolves an unrevoked token whose membership is active, or ENOTFOUND.
// One query: it runs on every API request.
func (tx *Tx) TokenByHash(ctx context.Context, tokenHash string) (*TokenPrincipal, error) {
	var p TokenPrincipal
	var last sql.NullTime
	err := tx.QueryRow(ctx, `SELECT t.id, t.scope, t.last_used_at, u.id, u.email, u.name,
		o.id, o.slug, o.name, o.time_zone, o.date_order, o.segregation_of_duties, o.created_at, o.version, m.id, m.role
		FROM api_tokens t JOIN members m ON m.id = t.member_id AND m.org_id = t.org_id
		JOIN users u ON u.id = m.user_id JOIN organisations o ON o.id = t.org_id
		WHERE t.token_hash = ? AND t.revoked_at IS NULL AND m.deactivated_at IS NULL AND (m.expires_at IS NULL OR m.expires_at > ?)`, tokenHash, tx.now).
		Scan(&p.TokenID, &p.Scope, &last, &p.User.ID, &p.User.Email, &p.User.Name,
			&p.Org.ID, &p.Org.Slug, &p.Org.Name, &p.Org.Settings.TimeZone, &p.Org.Settings.DateOrder, &p.Org.Settings.SegregationOfDuties, &p.Org.CreatedAt, &p.Org.Version,
			&p.MemberID, &p.Role)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bulwark.Errorf(bulwark.EUNAUTHORIZED, "The API token is not valid.")
	} else if err != nil {
		return nil, fmt.Errorf("find token: %w", err)
	}
	p.LastUsedAt = TimePtr(last)
	return &p, nil
}

// TouchToken sets last_used_at of a token.
func (tx *Tx) TouchToken(ctx context.Context, orgID, tokenID string) error {
	_, err := tx.Exec(ctx, `UPDATE api_tokens SET last_used_at = ? WHERE org_id = ? AND id = ?`, tx.now, orgID, tokenID)
	return err
}

// InsertToken stores a new token of member memberID.
func (tx *Tx) InsertToken(ctx context.Context, orgID string, t *bulwark.APIToken, tokenHash string) error {
	t.ID = NewID()
	t.CreatedAt = tx.now
	_, err := tx.Exec(ctx, `INSERT INTO api_tokens (id, org_id, member_id, name, scope, token_hash, prefix, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		t.ID, orgID, t.MemberID, t.Name, t.Scope, tokenHash, t.Prefix, t.CreatedAt)
	if err != nil {
		return fmt.Errorf("insert token: %w", err)
	}
	return nil
}

const tokenColumns = `t.id, t.member_id, u.email, t.name, t.scope, t.prefix, t.created_at, t.last_used_at, t.revoked_at`

func scanToken(row interface{ Scan(...any) error }) (*bulwark.APIToken, error) {
	var t bulwark.APIToken
	var last, rev sql.NullTime
	err := row.Scan(&t.ID, &t.MemberID, &t.UserEmail, &t.Name, &t.Scope, &t.Prefix, &t.CreatedAt, &last, &rev)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "Token not found.")
	} else if err != nil {
		return nil, fmt.Errorf("scan token: %w", err)
	}
	t.LastUsedAt, t.RevokedAt = TimePtr(last), TimePtr(rev)
	return &t, nil
}

// Tokens lists the tokens of orgID, of one member when memberID is not empty.
func (tx *Tx) Tokens(ctx context.Context, orgID, memberID string) ([]*bulwark.APIToken, error) {
	q := `SELECT ` + tokenColumns + ` FROM api_tokens t JOIN members m ON m.id = t.member_id JOIN users u ON u.id = m.user_id WHERE t.org_id = ?`
	args := []any{orgID}
	if memberID != "" {
		q += ` AND t.member_id = ?`
		args = append(args, memberID)
	}
	rows, err := tx.Query(ctx, q+` ORDER BY t.created_at DESC`, args...)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	var out []*bulwark.APIToken
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// Token returns token id of orgID, or ENOTFOUND.
func (tx *Tx) Token(ctx context.Context, orgID, id string) (*bulwark.APIToken, error) {
	return scanToken(tx.QueryRow(ctx, `SELECT `+tokenColumns+` FROM api_tokens t JOIN members m ON m.id = t.member_id JOIN users u ON u.id = m.user_id WHERE t.org_id = ? AND t.id = ?`, orgID, id))
}

// RevokeToken revokes token id of orgID.
func (tx *Tx) RevokeToken(ctx context.Context, orgID, id string) error {
	_, err := tx.Exec(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE org_id = ? AND id = ? AND revoked_at IS NULL`, tx.now, orgID, id)
	return err
}

// RevokeMemberTokens revokes every live token of a member and returns how many.
func (tx *Tx) RevokeMemberTokens(ctx context.Context, orgID, memberID string) (int64, error) {
	res, err := tx.Exec(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE org_id = ? AND member_id = ? AND revoked_at IS NULL`, tx.now, orgID, memberID)
	if err != nil {
		return 0, fmt.Errorf("revoke tokens: %w", err)
	}
	return res.RowsAffected()
}

// RecordSignInFailure notes a failed sign-in under each key (account and IP).
func (tx *Tx) RecordSignInFailure(ctx context.Context, keys ...string) error {
	for _, k := range keys {
		if _, err := tx.Exec(ctx, `INSERT INTO sign_in_failures (key, at) VALUES (?, ?)`, k, tx.now); err != nil {
			return fmt.Errorf("record sign-in failure: %w", err)
		}
	}
	return nil
}

// SignInFailures returns how many failures key had since since, and the oldest one.
func (tx *Tx) SignInFailures(ctx context.Context, key string, since time.Time) (int, time.Time, error) {
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM sign_in_failures WHERE key = ? AND at > ?`, key, since).Scan(&n); err != nil {
		return 0, time.Time{}, fmt.Errorf("count sign-in failures: %w", err)
	}
	if n == 0 {
		return 0, time.Time{}, nil
	}
	var oldest time.Time
	// MIN() would lose the column type on SQLite; ORDER BY keeps it.
	if err := tx.QueryRow(ctx, `SELECT at FROM sign_in_failures WHERE key = ? AND at > ? ORDER BY at LIMIT 1`, key, since).Scan(&oldest); err != nil {
		return 0, time.Time{}, fmt.Errorf("find oldest sign-in failure: %w", err)
	}
	return n, oldest, nil
}

// ClearSignInFailures forgets failures of key and prunes everything before before.
func (tx *Tx) ClearSignInFailures(ctx context.Context, key string, before time.Time) error {
	_, err := tx.Exec(ctx, `DELETE FROM sign_in_failures WHERE key = ? OR at < ?`, key, before)
	return err
}

// DeleteSignInFailure removes the failure mark of key made at at.
func (tx *Tx) DeleteSignInFailure(ctx context.Context, key string, at time.Time) error {
	_, err := tx.Exec(ctx, `DELETE FROM sign_in_failures WHERE key = ? AND at = ?`, key, at)
	return err
}

// LockKeys serialises transactions on the given keys until commit (PostgreSQL
// advisory locks; SQLite already runs one writer at a time).
func (tx *Tx) LockKeys(ctx context.Context, keys ...string) error {
	if tx.db.Dialect != Postgres {
		return nil
	}
	sorted := append([]string(nil), keys...)
	sort.Strings(sorted) // a fixed order, so two transactions cannot deadlock
	for _, k := range sorted {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext(?))`, k); err != nil {
			return fmt.Errorf("lock %s: %w", k, err)
		}
	}
	return nil
}

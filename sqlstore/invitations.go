package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/bulwark-isms/bulwark"
)

const invitationColumns = `id, org_id, email, role, created_by, created_at, expires_at, accepted_at, revoked_at`

func scanInvitation(row interface{ Scan(...any) error }) (*bulwark.Invitation, string, error) {
	var i bulwark.Invitation
	var orgID string
	var acc, rev sql.NullTime
	err := row.Scan(&i.ID, &orgID, &i.Email, &i.Role, &i.CreatedBy, &i.CreatedAt, &i.ExpiresAt, &acc, &rev)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", bulwark.Errorf(bulwark.ENOTFOUND, "Invitation not found.")
	} else if err != nil {
		return nil, "", fmt.Errorf("scan invitation: %w", err)
	}
	i.AcceptedAt, i.RevokedAt = TimePtr(acc), TimePtr(rev)
	return &i, orgID, nil
}

// InsertInvitation stores an invitation to orgID.
func (tx *Tx) InsertInvitation(ctx context.Context, orgID string, i *bulwark.Invitation, tokenHash string) error {
	i.ID = NewID()
	i.CreatedAt = tx.now
	_, err := tx.Exec(ctx, `INSERT INTO invitations (id, org_id, email, role, token_hash, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		i.ID, orgID, i.Email, string(i.Role), tokenHash, i.CreatedBy, i.CreatedAt, i.ExpiresAt)
	if err != nil {
		return fmt.Errorf("insert invitation: %w", err)
	}
	return nil
}

// Invitations lists the invitations of orgID, newest first.
func (tx *Tx) Invitations(ctx context.Context, orgID string) ([]*bulwark.Invitation, error) {
	rows, err := tx.Query(ctx, `SELECT `+invitationColumns+` FROM invitations WHERE org_id = ? ORDER BY created_at DESC LIMIT 500`, orgID)
	if err != nil {
		return nil, fmt.Errorf("list invitations: %w", err)
	}
	defer rows.Close()
	var out []*bulwark.Invitation
	for rows.Next() {
		i, _, err := scanInvitation(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, i)
	}
	return out, rows.Err()
}

// Invitation returns invitation id of orgID, or ENOTFOUND.
func (tx *Tx) Invitation(ctx context.Context, orgID, id string) (*bulwark.Invitation, error) {
	i, _, err := scanInvitation(tx.QueryRow(ctx, `SELECT `+invitationColumns+` FROM invitations WHERE org_id = ? AND id = ?`, orgID, id))
	return i, err
}

// InvitationByToken finds an invitation by the hash of its link token and returns
// it with its organisation id; the token is the only key an anonymous visitor holds.
func (tx *Tx) InvitationByToken(ctx context.Context, tokenHash string) (*bulwark.Invitation, string, error) {
	return scanInvitation(tx.QueryRow(ctx, `SELECT `+invitationColumns+` FROM invitations WHERE token_hash = ?`, tokenHash))
}

// MarkInvitation sets accepted_at or revoked_at of invitation id.
func (tx *Tx) MarkInvitation(ctx context.Context, orgID, id string, accepted bool) error {
	col := "revoked_at"
	if accepted {
		col = "accepted_at"
	}
	res, err := tx.Exec(ctx, `UPDATE invitations SET `+col+` = ? WHERE org_id = ? AND id = ? AND accepted_at IS NULL AND revoked_at IS NULL`, tx.now, orgID, id)
	if err != nil {
		return fmt.Errorf("update invitation: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return bulwark.Errorf(bulwark.ECONFLICT, "The invitation was already accepted or revoked.")
	}
	return nil
}

// PasswordReset is a one-time link to set a new password.
type PasswordReset struct {
	UserID    string
	OrgID     string
	ExpiresAt time.Time
	UsedAt    *time.Time
}

// InsertPasswordReset stores a reset link's token hash.
func (tx *Tx) InsertPasswordReset(ctx context.Context, tokenHash, userID, orgID, createdBy string, expiresAt time.Time) error {
	_, err := tx.Exec(ctx, `INSERT INTO password_resets (token_hash, user_id, org_id, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
		tokenHash, userID, orgID, createdBy, tx.now, expiresAt)
	if err != nil {
		return fmt.Errorf("insert password reset: %w", err)
	}
	return nil
}

// PasswordResetByToken finds a reset link, or ENOTFOUND.
func (tx *Tx) PasswordResetByToken(ctx context.Context, tokenHash string) (*PasswordReset, error) {
	var r PasswordReset
	var used sql.NullTime
	err := tx.QueryRow(ctx, `SELECT user_id, org_id, expires_at, used_at FROM password_resets WHERE token_hash = ?`, tokenHash).Scan(&r.UserID, &r.OrgID, &r.ExpiresAt, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "This reset link is not valid.")
	} else if err != nil {
		return nil, fmt.Errorf("find password reset: %w", err)
	}
	r.UsedAt = TimePtr(used)
	return &r, nil
}

// UsePasswordReset marks a reset link used, once.
func (tx *Tx) UsePasswordReset(ctx context.Context, tokenHash string) error {
	res, err := tx.Exec(ctx, `UPDATE password_resets SET used_at = ? WHERE token_hash = ? AND used_at IS NULL`, tx.now, tokenHash)
	if err != nil {
		return fmt.Errorf("use password reset: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return bulwark.Errorf(bulwark.ECONFLICT, "This reset link was already used.")
	}
	return nil
}

package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/bulwark-isms/bulwark"
)

// InsertUser stores a new user with a password hash; a taken email is ECONFLICT.
func (tx *Tx) InsertUser(ctx context.Context, u *bulwark.User, passwordHash string) error {
	u.ID = NewID()
	u.CreatedAt = tx.now
	_, err := tx.Exec(ctx, `INSERT INTO users (id, email, name, password_hash, created_at) VALUES (?, ?, ?, ?, ?)`,
		u.ID, u.Email, u.Name, passwordHash, u.CreatedAt)
	if IsUniqueViolation(err) {
		return bulwark.Errorf(bulwark.ECONFLICT, "A user with this email already exists.")
	}
	if err != nil {
		return fmt.Errorf("insert user: %w", err)
	}
	return nil
}

// UserByEmail returns a user and the user's password hash, or ENOTFOUND.
func (tx *Tx) UserByEmail(ctx context.Context, email string) (*bulwark.User, string, error) {
	var u bulwark.User
	var hash string
	err := tx.QueryRow(ctx, `SELECT id, email, name, password_hash, created_at FROM users WHERE email = ?`, email).
		Scan(&u.ID, &u.Email, &u.Name, &hash, &u.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", bulwark.Errorf(bulwark.ENOTFOUND, "User not found.")
	} else if err != nil {
		return nil, "", fmt.Errorf("find user: %w", err)
	}
	return &u, hash, nil
}

// UserByID returns a user and the user's password hash, or ENOTFOUND.
func (tx *Tx) UserByID(ctx context.Context, id string) (*bulwark.User, string, error) {
	var u bulwark.User
	var hash string
	err := tx.QueryRow(ctx, `SELECT id, email, name, password_hash, created_at FROM users WHERE id = ?`, id).
		Scan(&u.ID, &u.Email, &u.Name, &hash, &u.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", bulwark.Errorf(bulwark.ENOTFOUND, "User not found.")
	} else if err != nil {
		return nil, "", fmt.Errorf("find user: %w", err)
	}
	return &u, hash, nil
}

// SetPasswordHash replaces a user's password hash.
func (tx *Tx) SetPasswordHash(ctx context.Context, userID, hash string) error {
	_, err := tx.Exec(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, hash, userID)
	if err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	return nil
}

const memberColumns = `m.id, m.org_id, m.user_id, u.email, u.name, m.role, m.expires_at, m.deactivated_at, m.created_at, m.version`

func scanMember(row interface{ Scan(...any) error }) (*bulwark.Member, error) {
	var m bulwark.Member
	var exp, deact sql.NullTime
	err := row.Scan(&m.ID, &m.OrgID, &m.UserID, &m.Email, &m.Name, &m.Role, &exp, &deact, &m.CreatedAt, &m.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "Member not found.")
	} else if err != nil {
		return nil, fmt.Errorf("scan member: %w", err)
	}
	m.ExpiresAt, m.DeactivatedAt = TimePtr(exp), TimePtr(deact)
	m.CreatedAt = m.CreatedAt.UTC()
	return &m, nil
}

// InsertMember adds user to organisation orgID with role.
func (tx *Tx) InsertMember(ctx context.Context, orgID, userID string, role bulwark.Role, expiresAt *time.Time) (*bulwark.Member, error) {
	id := NewID()
	_, err := tx.Exec(ctx, `INSERT INTO members (id, org_id, user_id, role, expires_at, created_at, version) VALUES (?, ?, ?, ?, ?, ?, 1)`,
		id, orgID, userID, string(role), NullTime(expiresAt), tx.now)
	if IsUniqueViolation(err) {
		return nil, bulwark.Errorf(bulwark.ECONFLICT, "This person is already a member of the organisation.")
	}
	if err != nil {
		return nil, fmt.Errorf("insert member: %w", err)
	}
	return tx.Member(ctx, orgID, id)
}

// Member returns member id of organisation orgID, or ENOTFOUND.
func (tx *Tx) Member(ctx context.Context, orgID, id string) (*bulwark.Member, error) {
	return scanMember(tx.QueryRow(ctx, `SELECT `+memberColumns+` FROM members m JOIN users u ON u.id = m.user_id WHERE m.org_id = ? AND m.id = ?`, orgID, id))
}

// MemberByUser returns the membership of userID in orgID, or ENOTFOUND.
func (tx *Tx) MemberByUser(ctx context.Context, orgID, userID string) (*bulwark.Member, error) {
	return scanMember(tx.QueryRow(ctx, `SELECT `+memberColumns+` FROM members m JOIN users u ON u.id = m.user_id WHERE m.org_id = ? AND m.user_id = ?`, orgID, userID))
}

// Members lists the members of orgID by name.
func (tx *Tx) Members(ctx context.Context, orgID string) ([]*bulwark.Member, error) {
	rows, err := tx.Query(ctx, `SELECT `+memberColumns+` FROM members m JOIN users u ON u.id = m.user_id WHERE m.org_id = ? ORDER BY u.name, u.email`, orgID)
	if err != nil {
		return nil, fmt.Errorf("list members: %w", err)
	}
	defer rows.Close()
	var out []*bulwark.Member
	for rows.Next() {
		m, err := scanMember(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// CountActiveOwners counts the active owners of orgID at now.
func (tx *Tx) CountActiveOwners(ctx context.Context, orgID string) (int, error) {
	var n int
	err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM members WHERE org_id = ? AND role = 'owner' AND deactivated_at IS NULL AND (expires_at IS NULL OR expires_at > ?)`, orgID, tx.now).Scan(&n)
	return n, err
}

// UpdateMember writes role, expiry and deactivation of member m, bumping its version.
func (tx *Tx) UpdateMember(ctx context.Context, m *bulwark.Member) error {
	res, err := tx.Exec(ctx, `UPDATE members SET role = ?, expires_at = ?, deactivated_at = ?, version = version + 1 WHERE org_id = ? AND id = ? AND version = ?`,
		string(m.Role), NullTime(m.ExpiresAt), NullTime(m.DeactivatedAt), m.OrgID, m.ID, m.Version)
	if err != nil {
		return fmt.Errorf("update member: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return bulwark.Errorf(bulwark.ECONFLICT, "The member was changed by someone else; reload and try again.")
	}
	m.Version++
	return nil
}

// MembershipsOfUser lists the organisations where userID holds an active membership.
func (tx *Tx) MembershipsOfUser(ctx context.Context, userID string) ([]bulwark.Membership, error) {
	rows, err := tx.Query(ctx, `SELECT o.id, o.slug, o.name, m.id, m.role FROM members m JOIN organisations o ON o.id = m.org_id
		WHERE m.user_id = ? AND m.deactivated_at IS NULL AND (m.expires_at IS NULL OR m.expires_at > ?) ORDER BY o.name`, userID, tx.now)
	if err != nil {
		return nil, fmt.Errorf("list memberships: %w", err)
	}
	defer rows.Close()
	var out []bulwark.Membership
	for rows.Next() {
		var ms bulwark.Membership
		if err := rows.Scan(&ms.Org.ID, &ms.Org.Slug, &ms.Org.Name, &ms.Member.ID, &ms.Member.Role); err != nil {
			return nil, err
		}
		ms.Member.OrgID, ms.Member.UserID = ms.Org.ID, userID
		out = append(out, ms)
	}
	return out, rows.Err()
}

// OrgIDsOfUser lists every organisation id where userID is a member, active or not.
func (tx *Tx) OrgIDsOfUser(ctx context.Context, userID string) ([]string, error) {
	rows, err := tx.Query(ctx, `SELECT org_id FROM members WHERE user_id = ? ORDER BY org_id`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// ActiveOrgIDsOfUser lists the organisations where userID holds an active membership.
func (tx *Tx) ActiveOrgIDsOfUser(ctx context.Context, userID string) ([]string, error) {
	rows, err := tx.Query(ctx, `SELECT org_id FROM members WHERE user_id = ? AND deactivated_at IS NULL AND (expires_at IS NULL OR expires_at > ?) ORDER BY org_id`, userID, tx.now)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// LockOrganisation locks organisation orgID's row until commit, serialising
// changes that check an organisation-wide rule (at least one owner).
func (tx *Tx) LockOrganisation(ctx context.Context, orgID string) error {
	var id string
	if err := tx.QueryRow(ctx, `SELECT id FROM organisations WHERE id = ?`+tx.ForUpdate(), orgID).Scan(&id); err != nil {
		return fmt.Errorf("lock organisation: %w", err)
	}
	return nil
}

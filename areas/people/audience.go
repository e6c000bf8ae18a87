package people

import (
	"context"
	"fmt"

	"github.com/bulwark-isms/bulwark/sqlstore"
)

// Audience returns the people addressed by everyone, groups or named people:
// those still with the organisation (active or on leave, not archived), by ref.
// Ids of another organisation match nobody.
func Audience(ctx context.Context, tx *sqlstore.Tx, orgID string, everyone bool, groupIDs, personIDs []string) ([]*Person, error) {
	q := `SELECT ` + personColumns + ` FROM people p WHERE p.org_id = ? AND p.archived_at IS NULL AND p.status <> 'left'`
	args := []any{orgID}
	if !everyone {
		gin, glist := tx.InList("gm.group_id", groupIDs)
		pin, plist := tx.InList("p.id", personIDs)
		q += ` AND (` + pin + ` OR p.id IN (SELECT gm.person_id FROM group_members gm WHERE gm.org_id = ? AND ` + gin + `))`
		args = append(args, plist, orgID, glist)
	}
	rows, err := tx.Query(ctx, q+` ORDER BY p.ref_number, p.ref`, args...)
	if err != nil {
		return nil, fmt.Errorf("audience: %w", err)
	}
	defer rows.Close()
	var out []*Person
	for rows.Next() {
		p, _, err := scanPerson(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// ForMember returns the person with the email of member memberID, or nil when the
// member is not in the people register.
func ForMember(ctx context.Context, tx *sqlstore.Tx, orgID, memberID string) (*Person, error) {
	p, _, err := scanPerson(tx.QueryRow(ctx, `SELECT `+personColumns+` FROM people p
		WHERE p.org_id = ? AND p.email <> '' AND p.email = (SELECT u.email FROM members m JOIN users u ON u.id = m.user_id WHERE m.org_id = ? AND m.id = ?)`, orgID, orgID, memberID))
	if err != nil {
		if isNotFound(err) {
			return nil, nil
		}
		return nil, err
	}
	return p, nil
}

// One returns person id of orgID (archived too), with groups, or ENOTFOUND.
func One(ctx context.Context, tx *sqlstore.Tx, orgID, id string) (*Person, error) {
	return store{tx}.Person(ctx, orgID, id)
}

// ByIDs returns orgID's people among ids, keyed by id.
func ByIDs(ctx context.Context, tx *sqlstore.Tx, orgID string, ids []string) (map[string]*Person, error) {
	out := map[string]*Person{}
	if len(ids) == 0 {
		return out, nil
	}
	in, list := tx.InList("p.id", ids)
	rows, err := tx.Query(ctx, `SELECT `+personColumns+` FROM people p WHERE p.org_id = ? AND `+in, orgID, list)
	if err != nil {
		return nil, fmt.Errorf("people by id: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		p, _, err := scanPerson(rows)
		if err != nil {
			return nil, err
		}
		out[p.ID] = p
	}
	return out, rows.Err()
}

// GroupsOf lists orgID's groups, for the areas that address groups.
func GroupsOf(ctx context.Context, tx *sqlstore.Tx, orgID string) ([]*Group, error) {
	return store{tx}.Groups(ctx, orgID)
}

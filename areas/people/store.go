package people

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/sqlstore"
)

// RefPrefix starts people's references (P-001).
const RefPrefix = "P"

// personColumns reads a person with the member who has the same email (an account), if any.
const personColumns = `p.id, p.ref, p.name, p.email, p.department, p.manager_id, p.start_date, p.status, p.version, p.created_at, p.updated_at, p.archived_at, p.ref_number,
	(SELECT m.id FROM users u JOIN members m ON m.user_id = u.id WHERE u.email = p.email AND m.org_id = p.org_id AND p.email <> '')`

func scanPerson(row interface{ Scan(...any) error }) (*Person, int, error) {
	var p Person
	var manager, start, member sql.NullString
	var archived sql.NullTime
	var num int
	err := row.Scan(&p.ID, &p.Ref, &p.Name, &p.Email, &p.Department, &manager, &start, &p.Status, &p.Version, &p.CreatedAt, &p.UpdatedAt, &archived, &num, &member)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, bulwark.Errorf(bulwark.ENOTFOUND, "Person not found.")
	} else if err != nil {
		return nil, 0, fmt.Errorf("scan person: %w", err)
	}
	p.ManagerID, p.StartDate, p.MemberID = sqlstore.StrPtr(manager), sqlstore.StrPtr(start), sqlstore.StrPtr(member)
	p.ArchivedAt = sqlstore.TimePtr(archived)
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	p.GroupIDs = []string{}
	return &p, num, nil
}

// InsertPerson stores a new person of orgID; an empty Ref gets the next P-NNN.
func (tx store) InsertPerson(ctx context.Context, orgID string, p *Person) error {
	num := bulwark.ParseRefNumber(RefPrefix, p.Ref)
	if p.Ref == "" {
		n, err := tx.NextRef(ctx, orgID, RefPrefix)
		if err != nil {
			return err
		}
		num, p.Ref = n, bulwark.FormatRef(RefPrefix, n)
	} else if num > 0 {
		if err := tx.BumpRef(ctx, orgID, RefPrefix, num); err != nil {
			return err
		}
	}
	if p.ID == "" {
		p.ID = sqlstore.NewID()
	}
	p.CreatedAt, p.UpdatedAt, p.Version = tx.Now(), tx.Now(), 1
	_, err := tx.Exec(ctx, `INSERT INTO people (id, org_id, ref, ref_number, name, email, department, manager_id, start_date, status, version, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`, p.ID, orgID, p.Ref, num, p.Name, p.Email, p.Department, p.ManagerID, p.StartDate, p.Status, tx.Now(), tx.Now())
	if sqlstore.IsUniqueViolation(err) {
		return bulwark.Errorf(bulwark.ECONFLICT, "A person with the reference %s or the email %s already exists.", p.Ref, p.Email)
	}
	if err != nil {
		return fmt.Errorf("insert person: %w", err)
	}
	return tx.setGroups(ctx, orgID, p.ID, p.GroupIDs, true)
}

// setGroups replaces a person's groups (fresh: they have none yet).
func (tx store) setGroups(ctx context.Context, orgID, personID string, groupIDs []string, fresh bool) error {
	if !fresh {
		if _, err := tx.Exec(ctx, `DELETE FROM group_members WHERE org_id = ? AND person_id = ?`, orgID, personID); err != nil {
			return fmt.Errorf("person groups: %w", err)
		}
	}
	for _, g := range groupIDs {
		if _, err := tx.Exec(ctx, `INSERT INTO group_members (org_id, group_id, person_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, orgID, g, personID); err != nil {
			return fmt.Errorf("person groups: %w", err)
		}
	}
	return nil
}

// UpdatePerson writes every editable field of p if its version is still p.Version.
func (tx store) UpdatePerson(ctx context.Context, orgID string, p *Person, groupsChanged bool) error {
	res, err := tx.Exec(ctx, `UPDATE people SET name = ?, email = ?, department = ?, manager_id = ?, start_date = ?, status = ?, archived_at = ?,
		version = version + 1, updated_at = ? WHERE org_id = ? AND id = ? AND version = ?`,
		p.Name, p.Email, p.Department, p.ManagerID, p.StartDate, p.Status, sqlstore.NullTime(p.ArchivedAt), tx.Now(), orgID, p.ID, p.Version)
	if sqlstore.IsUniqueViolation(err) {
		return bulwark.Invalid("email", "belongs to another person")
	}
	if err != nil {
		return fmt.Errorf("update person: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return bulwark.Errorf(bulwark.ECONFLICT, "The person was changed by someone else; reload and try again.")
	}
	p.Version++
	p.UpdatedAt = tx.Now()
	if groupsChanged {
		return tx.setGroups(ctx, orgID, p.ID, p.GroupIDs, false)
	}
	return nil
}

// Person returns person id of orgID (archived ones too), with their groups, or ENOTFOUND.
func (tx store) Person(ctx context.Context, orgID, id string) (*Person, error) {
	p, _, err := scanPerson(tx.QueryRow(ctx, `SELECT `+personColumns+` FROM people p WHERE p.org_id = ? AND p.id = ?`, orgID, id))
	if err != nil {
		return nil, err
	}
	return p, tx.fillGroups(ctx, orgID, []*Person{p})
}

// fillGroups reads the groups of ps in one query.
func (tx store) fillGroups(ctx context.Context, orgID string, ps []*Person) error {
	if len(ps) == 0 {
		return nil
	}
	byID := map[string]*Person{}
	ids := make([]string, 0, len(ps))
	for _, p := range ps {
		byID[p.ID] = p
		ids = append(ids, p.ID)
	}
	in, list := tx.InList("gm.person_id", ids)
	rows, err := tx.Query(ctx, `SELECT gm.person_id, gm.group_id FROM group_members gm JOIN person_groups g ON g.org_id = gm.org_id AND g.id = gm.group_id
		WHERE gm.org_id = ? AND `+in+` ORDER BY gm.group_id`, orgID, list)
	if err != nil {
		return fmt.Errorf("people's groups: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var pid, gid string
		if err := rows.Scan(&pid, &gid); err != nil {
			return err
		}
		byID[pid].GroupIDs = append(byID[pid].GroupIDs, gid)
	}
	return rows.Err()
}

// PersonFilter selects and orders people.
type PersonFilter struct {
	Q               string
	Status          string
	Department      string
	GroupID         string
	ManagerID       string
	IncludeArchived bool
	Sort            string
	Cursor          string
	Limit           int
}

var personSortFields = map[string]sqlstore.SortField{
	"ref": {Expr: "p.ref_number", Kind: 'n'}, "name": {Expr: "p.name", Kind: 's'}, "department": {Expr: "p.department", Kind: 's'},
	"status": {Expr: "p.status", Kind: 's'}, "start_date": {Expr: "COALESCE(p.start_date, '')", Kind: 's'}, "created_at": {Expr: "p.created_at", Kind: 't'},
}

// People lists one page of orgID's people and the cursor of the next page ("" when last).
func (tx store) People(ctx context.Context, orgID string, f PersonFilter) ([]*Person, string, error) {
	var where strings.Builder
	args := []any{orgID}
	where.WriteString(` WHERE p.org_id = ?`)
	add := func(cond string, vs ...any) {
		where.WriteString(" AND " + cond)
		args = append(args, vs...)
	}
	if !f.IncludeArchived {
		add("p.archived_at IS NULL")
	}
	for _, c := range []struct{ col, v string }{{"p.status", f.Status}, {"p.department", f.Department}, {"p.manager_id", f.ManagerID}} {
		if c.v != "" {
			add(c.col+" = ?", c.v)
		}
	}
	if f.GroupID != "" {
		add("p.id IN (SELECT person_id FROM group_members WHERE org_id = ? AND group_id = ?)", orgID, f.GroupID)
	}
	for _, w := range strings.Fields(strings.ToLower(f.Q)) {
		like := "%" + sqlstore.EscapeLike(w) + "%"
		add(`(LOWER(p.name) LIKE ? ESCAPE '\' OR LOWER(p.email) LIKE ? ESCAPE '\' OR LOWER(p.ref) LIKE ? ESCAPE '\' OR LOWER(p.department) LIKE ? ESCAPE '\')`, like, like, like, like)
	}
	k, err := sqlstore.NewKeyset(f.Sort, f.Cursor, f.Limit, personSortFields, "ref", "p.id")
	if err != nil {
		return nil, "", err
	}
	if k.Cond != "" {
		add(k.Cond, k.Args...)
	}
	order, args := k.OrderLimit("p.id", args)
	rows, err := tx.Query(ctx, `SELECT `+personColumns+` FROM people p`+where.String()+order, args...)
	if err != nil {
		return nil, "", fmt.Errorf("list people: %w", err)
	}
	defer rows.Close()
	var out []*Person
	var nums []int
	for rows.Next() {
		p, n, err := scanPerson(rows)
		if err != nil {
			return nil, "", err
		}
		out, nums = append(out, p), append(nums, n)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > k.Limit {
		out = out[:k.Limit]
		last := out[k.Limit-1]
		start := ""
		if last.StartDate != nil {
			start = *last.StartDate
		}
		next = k.Next(last.ID, map[string]any{"ref": nums[k.Limit-1], "name": last.Name, "department": last.Department, "status": last.Status,
			"start_date": start, "created_at": last.CreatedAt}[k.Field])
	}
	return out, next, tx.fillGroups(ctx, orgID, out)
}

// EachPerson calls fn for every live person of orgID in reference order, with their groups.
func (tx store) EachPerson(ctx context.Context, orgID string, fn func(*Person) error) error {
	return tx.eachPerson(ctx, orgID, false, fn)
}

// eachPerson is EachPerson, archived people included when archived is set.
func (tx store) eachPerson(ctx context.Context, orgID string, archived bool, fn func(*Person) error) error {
	live := ` AND p.archived_at IS NULL`
	if archived {
		live = ""
	}
	rows, err := tx.Query(ctx, `SELECT `+personColumns+` FROM people p WHERE p.org_id = ?`+live+` ORDER BY p.ref_number, p.ref`, orgID)
	if err != nil {
		return fmt.Errorf("people: %w", err)
	}
	var all []*Person
	for rows.Next() {
		p, _, err := scanPerson(rows)
		if err != nil {
			rows.Close()
			return err
		}
		all = append(all, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for start := 0; start < len(all); start += 500 {
		if err := tx.fillGroups(ctx, orgID, all[start:min(start+500, len(all))]); err != nil {
			return err
		}
	}
	for _, p := range all {
		if err := fn(p); err != nil {
			return err
		}
	}
	return nil
}

// Groups lists orgID's groups by name with their live sizes.
func (tx store) Groups(ctx context.Context, orgID string) ([]*Group, error) {
	rows, err := tx.Query(ctx, `SELECT g.id, g.name, g.description, g.version, g.created_at, g.updated_at,
		(SELECT COUNT(*) FROM group_members gm JOIN people p ON p.org_id = gm.org_id AND p.id = gm.person_id
		 WHERE gm.org_id = g.org_id AND gm.group_id = g.id AND p.archived_at IS NULL AND p.status <> 'left')
		FROM person_groups g WHERE g.org_id = ? ORDER BY LOWER(g.name)`, orgID)
	if err != nil {
		return nil, fmt.Errorf("groups: %w", err)
	}
	defer rows.Close()
	out := []*Group{}
	for rows.Next() {
		var g Group
		if err := rows.Scan(&g.ID, &g.Name, &g.Description, &g.Version, &g.CreatedAt, &g.UpdatedAt, &g.Size); err != nil {
			return nil, err
		}
		g.CreatedAt, g.UpdatedAt = g.CreatedAt.UTC(), g.UpdatedAt.UTC()
		out = append(out, &g)
	}
	return out, rows.Err()
}

// InsertGroup stores a new group.
func (tx store) InsertGroup(ctx context.Context, orgID string, g *Group) error {
	if g.ID == "" { // an import names new groups before storing them
		g.ID = sqlstore.NewID()
	}
	g.Version, g.CreatedAt, g.UpdatedAt = 1, tx.Now(), tx.Now()
	_, err := tx.Exec(ctx, `INSERT INTO person_groups (id, org_id, name, description, version, created_at, updated_at) VALUES (?, ?, ?, ?, 1, ?, ?)`,
		g.ID, orgID, g.Name, g.Description, tx.Now(), tx.Now())
	if sqlstore.IsUniqueViolation(err) {
		return bulwark.Invalid("name", fmt.Sprintf("a group called %q already exists", g.Name))
	}
	if err != nil {
		return fmt.Errorf("insert group: %w", err)
	}
	return nil
}

// UpdateGroup renames or redescribes a group if its version is still g.Version.
func (tx store) UpdateGroup(ctx context.Context, orgID string, g *Group) error {
	res, err := tx.Exec(ctx, `UPDATE person_groups SET name = ?, description = ?, version = version + 1, updated_at = ? WHERE org_id = ? AND id = ? AND version = ?`,
		g.Name, g.Description, tx.Now(), orgID, g.ID, g.Version)
	if sqlstore.IsUniqueViolation(err) {
		return bulwark.Invalid("name", fmt.Sprintf("a group called %q already exists", g.Name))
	}
	if err != nil {
		return fmt.Errorf("update group: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return bulwark.Errorf(bulwark.ECONFLICT, "The group was changed by someone else; reload and try again.")
	}
	g.Version++
	return nil
}

// DeleteGroup removes a group (its people stay).
func (tx store) DeleteGroup(ctx context.Context, orgID, id string) error {
	_, err := tx.Exec(ctx, `DELETE FROM person_groups WHERE org_id = ? AND id = ?`, orgID, id)
	return err
}

// Group returns one group of orgID, or ENOTFOUND.
func (tx store) Group(ctx context.Context, orgID, id string) (*Group, error) {
	gs, err := tx.Groups(ctx, orgID)
	if err != nil {
		return nil, err
	}
	for _, g := range gs {
		if g.ID == id {
			return g, nil
		}
	}
	return nil, bulwark.Errorf(bulwark.ENOTFOUND, "Group not found.")
}

func isNotFound(err error) bool { return bulwark.ErrorCode(err) == bulwark.ENOTFOUND }

package frameworks

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/catalog"
	"github.com/bulwark-isms/bulwark/sqlstore"
)

// Frameworks lists the catalog's frameworks with their requirement counts.
func (tx store) Frameworks(ctx context.Context) ([]*Framework, error) {
	rows, err := tx.Query(ctx, `SELECT f.id, f.slug, f.name, f.version, f.publisher, f.description, (SELECT COUNT(*) FROM requirements r WHERE r.framework_id = f.id)
		FROM frameworks f ORDER BY f.sort_order`)
	if err != nil {
		return nil, fmt.Errorf("list frameworks: %w", err)
	}
	defer rows.Close()
	var out []*Framework
	for rows.Next() {
		var f Framework
		if err := rows.Scan(&f.ID, &f.Slug, &f.Name, &f.Version, &f.Publisher, &f.Description, &f.RequirementCount); err != nil {
			return nil, err
		}
		out = append(out, &f)
	}
	return out, rows.Err()
}

// Framework returns the framework whose id or slug is key, or ENOTFOUND.
func (tx store) Framework(ctx context.Context, key string) (*Framework, error) {
	fs, err := tx.Frameworks(ctx)
	if err != nil {
		return nil, err
	}
	for _, f := range fs {
		if f.ID == key || f.Slug == key {
			return f, nil
		}
	}
	return nil, bulwark.Errorf(bulwark.ENOTFOUND, "Framework not found.")
}

const requirementColumns = `r.id, r.framework_id, r.ref, r.title, r.display_title, r.kind, r.parent_ref, r.official_text, r.guidance, r.evidence, r.sort_order`

func scanRequirement(row interface{ Scan(...any) error }) (*Requirement, int, error) {
	var r Requirement
	var ev string
	var order int
	err := row.Scan(&r.ID, &r.Framework, &r.Ref, &r.Title, &r.DisplayTitle, &r.Kind, &r.ParentRef, &r.OfficialText, &r.Guidance, &ev, &order)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, bulwark.Errorf(bulwark.ENOTFOUND, "Requirement not found.")
	} else if err != nil {
		return nil, 0, fmt.Errorf("scan requirement: %w", err)
	}
	_ = json.Unmarshal([]byte(ev), &r.Evidence)
	r.Attributes = map[string][]string{}
	return &r, order, nil
}

// Requirements lists requirements of framework fw matching f, in the framework's
// order, and returns the cursor of the next page (-1 when none).
func (tx store) Requirements(ctx context.Context, fw string, f RequirementFilter) ([]*Requirement, int, error) {
	q := `SELECT ` + requirementColumns + ` FROM requirements r WHERE r.framework_id = ? AND r.sort_order > ?`
	args := []any{fw, f.After}
	if f.Kind != "" {
		q += ` AND r.kind = ?`
		args = append(args, f.Kind)
	}
	names := make([]string, 0, len(f.Attributes))
	for n := range f.Attributes {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		q += ` AND EXISTS (SELECT 1 FROM requirement_attributes a WHERE a.requirement_id = r.id AND a.name = ? AND LOWER(a.value) = ?)`
		args = append(args, n, strings.ToLower(f.Attributes[n]))
	}
	for _, word := range strings.Fields(strings.ToLower(f.Q)) {
		q += ` AND r.search_text LIKE ? ESCAPE '\'`
		args = append(args, "%"+sqlstore.EscapeLike(word)+"%")
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	rows, err := tx.Query(ctx, q+` ORDER BY r.sort_order LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return nil, -1, fmt.Errorf("list requirements: %w", err)
	}
	defer rows.Close()
	var out []*Requirement
	var orders []int
	for rows.Next() {
		r, o, err := scanRequirement(rows)
		if err != nil {
			return nil, -1, err
		}
		out = append(out, r)
		orders = append(orders, o)
	}
	if err := rows.Err(); err != nil {
		return nil, -1, err
	}
	next := -1
	if len(out) > limit {
		out = out[:limit]
		next = orders[limit-1]
	}
	return out, next, tx.loadAttributes(ctx, out)
}

// loadAttributes fills the attributes of rs with one query.
func (tx store) loadAttributes(ctx context.Context, rs []*Requirement) error {
	if len(rs) == 0 {
		return nil
	}
	byID := map[string]*Requirement{}
	ids := make([]string, len(rs))
	for i, r := range rs {
		byID[r.ID] = r
		ids[i] = r.ID
	}
	in, list := tx.InList("requirement_id", ids)
	rows, err := tx.Query(ctx, `SELECT requirement_id, name, value FROM requirement_attributes WHERE `+in+` ORDER BY requirement_id, name, value`, list)
	if err != nil {
		return fmt.Errorf("requirement attributes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, n, v string
		if err := rows.Scan(&id, &n, &v); err != nil {
			return err
		}
		byID[id].Attributes[n] = append(byID[id].Attributes[n], v)
	}
	return rows.Err()
}

// AttributeValues lists the values of attribute name among framework fw's requirements.
func (tx store) AttributeValues(ctx context.Context, fw, name string) ([]string, error) {
	rows, err := tx.Query(ctx, `SELECT DISTINCT a.value FROM requirement_attributes a JOIN requirements r ON r.id = a.requirement_id
		WHERE r.framework_id = ? AND a.name = ? ORDER BY a.value`, fw, name)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Requirement returns one requirement with its attributes and its mappings both
// ways; for ISO/IEC 27001 it adds HIPAA links derived through CSF 2.0.
func (tx store) Requirement(ctx context.Context, id string) (*Requirement, error) {
	r, _, err := scanRequirement(tx.QueryRow(ctx, `SELECT `+requirementColumns+` FROM requirements r WHERE r.id = ?`, id))
	if err != nil {
		return nil, err
	}
	if err := tx.loadAttributes(ctx, []*Requirement{r}); err != nil {
		return nil, err
	}
	r.Links = []RequirementLink{}
	add := func(q, dir string, derived bool, args ...any) error {
		rows, err := tx.Query(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("requirement mappings: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			l := RequirementLink{Direction: dir, Derived: derived}
			if err := rows.Scan(&l.RequirementID, &l.Framework, &l.Ref, &l.Title, &l.DetailRef, &l.DetailTitle, &l.Relationship, &l.Source, &l.Via); err != nil {
				return err
			}
			r.Links = append(r.Links, l)
		}
		return rows.Err()
	}
	if err := add(`SELECT t.id, t.framework_id, t.ref, t.display_title, m.detail_ref, m.detail_title, m.relationship, m.source, '' FROM requirement_mappings m
		JOIN requirements t ON t.id = m.to_id WHERE m.from_id = ? ORDER BY t.framework_id, t.sort_order, m.detail_ref`, "to", false, id); err != nil {
		return nil, err
	}
	if err := add(`SELECT s.id, s.framework_id, s.ref, s.display_title, m.detail_ref, m.detail_title, m.relationship, m.source, '' FROM requirement_mappings m
		JOIN requirements s ON s.id = m.from_id WHERE m.to_id = ? ORDER BY s.framework_id, s.sort_order, m.detail_ref`, "from", false, id); err != nil {
		return nil, err
	}
	switch r.Framework {
	case catalog.ISO27001: // ISO → CSF 2.0 ← HIPAA
		err = add(`SELECT DISTINCT h.id, h.framework_id, h.ref, h.display_title, '', '', 'related', ?, c.ref FROM requirement_mappings m
			JOIN requirement_mappings hm ON hm.to_id = m.to_id JOIN requirements h ON h.id = hm.from_id AND h.framework_id = ?
			JOIN requirements c ON c.id = m.to_id WHERE m.from_id = ? ORDER BY h.ref, c.ref`, "to", true, catalog.DerivedNote, catalog.HIPAA, id)
	case catalog.HIPAA: // HIPAA → CSF 2.0 ← ISO
		err = add(`SELECT DISTINCT i.id, i.framework_id, i.ref, i.display_title, '', '', 'related', ?, c.ref FROM requirement_mappings hm
			JOIN requirement_mappings m ON m.to_id = hm.to_id JOIN requirements i ON i.id = m.from_id AND i.framework_id = ?
			JOIN requirements c ON c.id = hm.to_id WHERE hm.from_id = ? ORDER BY i.ref, c.ref`, "from", true, catalog.DerivedNote, catalog.ISO27001, id)
	}
	return r, err
}

// SearchRequirements finds requirements of every framework whose ref or words match q (each word), frameworks
// in catalog order; at most limit.
func (tx store) SearchRequirements(ctx context.Context, q string, limit int) ([]*Requirement, error) {
	sqlq := `SELECT ` + requirementColumns + ` FROM requirements r JOIN frameworks f ON f.id = r.framework_id`
	var args []any
	for i, word := range strings.Fields(strings.ToLower(q)) {
		sqlq += map[bool]string{true: ` WHERE`, false: ` AND`}[i == 0]
		sqlq += ` (LOWER(r.ref) LIKE ? ESCAPE '\' OR r.search_text LIKE ? ESCAPE '\')`
		like := "%" + sqlstore.EscapeLike(word) + "%"
		args = append(args, like, like)
	}
	rows, err := tx.Query(ctx, sqlq+` ORDER BY f.sort_order, r.sort_order LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("search requirements: %w", err)
	}
	defer rows.Close()
	var out []*Requirement
	for rows.Next() {
		r, _, err := scanRequirement(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Outline is a requirement as the areas above need it to reason over a framework's structure: no text, no
// attributes.
type Outline struct {
	ID, Framework, Ref, Title, Kind, ParentRef string
}

// Outlines lists every requirement of every framework, frameworks in catalog order and each in its own, for
// the areas above.
func Outlines(ctx context.Context, tx *sqlstore.Tx) ([]Outline, error) {
	rows, err := tx.Query(ctx, `SELECT r.id, r.framework_id, r.ref, r.display_title, r.kind, r.parent_ref FROM requirements r
		JOIN frameworks f ON f.id = r.framework_id ORDER BY f.sort_order, r.sort_order`)
	if err != nil {
		return nil, fmt.Errorf("requirements: %w", err)
	}
	defer rows.Close()
	var out []Outline
	for rows.Next() {
		var o Outline
		if err := rows.Scan(&o.ID, &o.Framework, &o.Ref, &o.Title, &o.Kind, &o.ParentRef); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// Lookup returns the framework whose id or slug is key, for the areas above.
func Lookup(ctx context.Context, tx *sqlstore.Tx, key string) (*Framework, error) {
	return store{tx}.Framework(ctx, key)
}

// All lists the catalog's frameworks, for the areas above.
func All(ctx context.Context, tx *sqlstore.Tx) ([]*Framework, error) {
	return store{tx}.Frameworks(ctx)
}

// AttributeOf maps requirement ids to their value of attribute name (the first, when several), for the areas
// above.
func AttributeOf(ctx context.Context, tx *sqlstore.Tx, name string) (map[string]string, error) {
	rows, err := tx.Query(ctx, `SELECT requirement_id, value FROM requirement_attributes WHERE name = ?`, name)
	if err != nil {
		return nil, fmt.Errorf("attribute %s: %w", name, err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, v string
		if err := rows.Scan(&id, &v); err != nil {
			return nil, err
		}
		if _, seen := out[id]; !seen {
			out[id] = v
		}
	}
	return out, rows.Err()
}

package obligations

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/sqlstore"
)

// store is a transaction seen from the obligations area. Every query names the organisation.
type store struct{ *sqlstore.Tx }

type row interface{ Scan(...any) error }

const columns = `o.id, o.ref, o.title, o.source, o.jurisdiction, o.requirement, o.owner_id, o.regime, o.suggestion_key, o.review_date, o.last_reviewed_on, o.status, o.version, o.created_at, o.updated_at, o.archived_at`

func scan(r row) (*Obligation, error) {
	var o Obligation
	var owner, review, reviewed sql.NullString
	var archived sql.NullTime
	err := r.Scan(&o.ID, &o.Ref, &o.Title, &o.Source, &o.Jurisdiction, &o.Requirement, &owner, &o.Regime, &o.SuggestionKey, &review, &reviewed, &o.Status, &o.Version, &o.CreatedAt, &o.UpdatedAt, &archived)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "Obligation not found.")
	} else if err != nil {
		return nil, fmt.Errorf("scan obligation: %w", err)
	}
	o.OwnerID, o.ReviewDate, o.LastReviewedOn = sqlstore.StrPtr(owner), sqlstore.StrPtr(review), sqlstore.StrPtr(reviewed)
	if t := sqlstore.TimePtr(archived); t != nil {
		u := t.UTC()
		o.ArchivedAt = &u
	}
	o.CreatedAt, o.UpdatedAt = o.CreatedAt.UTC(), o.UpdatedAt.UTC()
	o.ControlIDs, o.ControlRefs, o.RequirementIDs = []string{}, []string{}, []string{}
	return &o, nil
}

// Insert stores a new obligation with its links; an empty Ref gets the next OB- number.
func (tx store) Insert(ctx context.Context, orgID string, o *Obligation) error {
	num := bulwark.ParseRefNumber(RefPrefix, o.Ref)
	if o.Ref == "" {
		n, err := tx.NextRef(ctx, orgID, RefPrefix)
		if err != nil {
			return err
		}
		num, o.Ref = n, bulwark.FormatRef(RefPrefix, n)
	} else if num > 0 {
		if err := tx.BumpRef(ctx, orgID, RefPrefix, num); err != nil {
			return err
		}
	}
	o.ID = sqlstore.NewID()
	o.CreatedAt, o.UpdatedAt, o.Version = tx.Now(), tx.Now(), 1
	o.Status = StatusActive
	if o.ArchivedAt != nil {
		o.Status = StatusArchived
	}
	_, err := tx.Exec(ctx, `INSERT INTO obligations (id, org_id, ref, ref_number, title, source, jurisdiction, requirement, owner_id, regime, suggestion_key,
		review_date, last_reviewed_on, status, version, created_at, updated_at, archived_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)`,
		o.ID, orgID, o.Ref, num, o.Title, o.Source, o.Jurisdiction, o.Requirement, o.OwnerID, o.Regime, o.SuggestionKey,
		o.ReviewDate, o.LastReviewedOn, o.Status, tx.Now(), tx.Now(), sqlstore.NullTime(o.ArchivedAt))
	if sqlstore.IsUniqueViolation(err) {
		return bulwark.Errorf(bulwark.ECONFLICT, "An obligation with the reference %s already exists.", o.Ref)
	}
	if err != nil {
		return fmt.Errorf("insert obligation: %w", err)
	}
	return tx.setLinks(ctx, orgID, o, true)
}

// setLinks replaces an obligation's control and requirement links (fresh: it has none yet).
func (tx store) setLinks(ctx context.Context, orgID string, o *Obligation, fresh bool) error {
	if !fresh {
		for _, t := range []string{"obligation_controls", "obligation_requirements"} {
			if _, err := tx.Exec(ctx, `DELETE FROM `+t+` WHERE org_id = ? AND obligation_id = ?`, orgID, o.ID); err != nil {
				return fmt.Errorf("obligation links: %w", err)
			}
		}
	}
	for _, id := range o.ControlIDs {
		if _, err := tx.Exec(ctx, `INSERT INTO obligation_controls (org_id, obligation_id, control_id) VALUES (?, ?, ?)`, orgID, o.ID, id); err != nil {
			return fmt.Errorf("obligation controls: %w", err)
		}
	}
	for _, id := range o.RequirementIDs {
		if _, err := tx.Exec(ctx, `INSERT INTO obligation_requirements (org_id, obligation_id, requirement_id) VALUES (?, ?, ?)`, orgID, o.ID, id); err != nil {
			return fmt.Errorf("obligation requirements: %w", err)
		}
	}
	return nil
}

// Update writes every field of o if its version is still o.Version.
func (tx store) Update(ctx context.Context, orgID string, o *Obligation, linksChanged bool) error {
	o.Status = StatusActive
	if o.ArchivedAt != nil {
		o.Status = StatusArchived
	}
	res, err := tx.Exec(ctx, `UPDATE obligations SET title = ?, source = ?, jurisdiction = ?, requirement = ?, owner_id = ?, regime = ?, review_date = ?,
		last_reviewed_on = ?, status = ?, archived_at = ?, version = version + 1, updated_at = ?
		WHERE org_id = ? AND id = ? AND version = ?`,
		o.Title, o.Source, o.Jurisdiction, o.Requirement, o.OwnerID, o.Regime, o.ReviewDate, o.LastReviewedOn, o.Status, sqlstore.NullTime(o.ArchivedAt), tx.Now(),
		orgID, o.ID, o.Version)
	if err != nil {
		return fmt.Errorf("update obligation: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return bulwark.Errorf(bulwark.ECONFLICT, "The obligation was changed by someone else; reload and try again.")
	}
	o.Version++
	o.UpdatedAt = tx.Now()
	if linksChanged {
		return tx.setLinks(ctx, orgID, o, false)
	}
	return nil
}

// Obligation returns obligation id (or ref) of orgID, archived too, with its links, or ENOTFOUND.
func (tx store) Obligation(ctx context.Context, orgID, id string) (*Obligation, error) {
	o, err := scan(tx.QueryRow(ctx, `SELECT `+columns+` FROM obligations o WHERE o.org_id = ? AND (o.id = ? OR o.ref = ?)`, orgID, id, strings.ToUpper(strings.TrimSpace(id))))
	if err != nil {
		return nil, err
	}
	return o, tx.fillLinks(ctx, orgID, []*Obligation{o})
}

// Filter selects obligations.
type Filter struct {
	Regime, Source, OwnerID string
	PastReview              bool
	IncludeArchived         bool
	Today                   string // for PastReview
	Limit                   int    // a page of at most this many (0 with no cursor: all of them)
	Cursor                  string // the previous page's next cursor
}

// refOrder is the register's one order, by reference number, for its cursor.
var refOrder = map[string]sqlstore.SortField{"ref": {Expr: "o.ref_number", Kind: 'n'}}

// Obligations returns a page of orgID's obligations matching f, in ref order, and the next page's cursor.
func (tx store) Obligations(ctx context.Context, orgID string, f Filter) ([]*Obligation, string, error) {
	k, err := sqlstore.NewKeysetOrAll("ref", f.Cursor, f.Limit, refOrder, "ref", "o.id")
	if err != nil {
		return nil, "", err
	}
	q := `SELECT ` + columns + ` FROM obligations o WHERE o.org_id = ?`
	args := []any{orgID}
	if !f.IncludeArchived {
		q += ` AND o.archived_at IS NULL`
	}
	if f.Regime != "" {
		q, args = q+` AND o.regime = ?`, append(args, f.Regime)
	}
	if f.Source != "" {
		q, args = q+` AND o.source = ?`, append(args, f.Source)
	}
	if f.OwnerID != "" {
		q, args = q+` AND o.owner_id = ?`, append(args, f.OwnerID)
	}
	if f.PastReview {
		q, args = q+` AND o.archived_at IS NULL AND o.review_date < ?`, append(args, f.Today)
	}
	q, args = k.Apply(q, args, "o.id", "o.ref_number, o.ref, o.id")
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, "", fmt.Errorf("list obligations: %w", err)
	}
	defer rows.Close()
	out := []*Obligation{}
	for rows.Next() {
		o, err := scan(rows)
		if err != nil {
			return nil, "", err
		}
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	rows.Close()
	out, next := sqlstore.Cut(k, out, func(o *Obligation) (string, any) { return o.ID, bulwark.ParseRefNumber(RefPrefix, o.Ref) })
	return out, next, tx.fillLinks(ctx, orgID, out)
}

// fillLinks reads the links of os: controls in the control set's order, requirements in the catalog's.
func (tx store) fillLinks(ctx context.Context, orgID string, os []*Obligation) error {
	if len(os) == 0 {
		return nil
	}
	byID := map[string]*Obligation{}
	ids := make([]string, 0, len(os))
	for _, o := range os {
		byID[o.ID], ids = o, append(ids, o.ID)
	}
	in, list := tx.InList("l.obligation_id", ids)
	rows, err := tx.Query(ctx, `SELECT l.obligation_id, c.id, c.ref FROM obligation_controls l JOIN controls c ON c.org_id = l.org_id AND c.id = l.control_id
		WHERE l.org_id = ? AND `+in+` ORDER BY l.obligation_id, c.sort_order, c.ref`, orgID, list)
	if err != nil {
		return fmt.Errorf("obligation controls: %w", err)
	}
	for rows.Next() {
		var oid, id, ref string
		if err := rows.Scan(&oid, &id, &ref); err != nil {
			rows.Close()
			return err
		}
		if o := byID[oid]; o != nil {
			o.ControlIDs, o.ControlRefs = append(o.ControlIDs, id), append(o.ControlRefs, ref)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = tx.Query(ctx, `SELECT l.obligation_id, r.id FROM obligation_requirements l JOIN requirements r ON r.id = l.requirement_id
		WHERE l.org_id = ? AND `+in+` ORDER BY l.obligation_id, r.framework_id, r.sort_order`, orgID, list)
	if err != nil {
		return fmt.Errorf("obligation requirements: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var oid, id string
		if err := rows.Scan(&oid, &id); err != nil {
			return err
		}
		if o := byID[oid]; o != nil {
			o.RequirementIDs = append(o.RequirementIDs, id)
		}
	}
	return rows.Err()
}

// resolveControls maps each of refs (a control id or ref of orgID) to the control's id;
// missing lists those that name no control of the organisation.
func (tx store) resolveControls(ctx context.Context, orgID string, refs []string) (ids, missing []string, err error) {
	if len(refs) == 0 {
		return []string{}, nil, nil
	}
	upper := make([]string, len(refs))
	for i, r := range refs {
		upper[i] = strings.ToUpper(r)
	}
	in1, l1 := tx.InList("id", refs)
	in2, l2 := tx.InList("ref", upper)
	rows, err := tx.Query(ctx, `SELECT id, ref FROM controls WHERE org_id = ? AND archived_at IS NULL AND (`+in1+` OR `+in2+`)`, orgID, l1, l2)
	if err != nil {
		return nil, nil, fmt.Errorf("resolve controls: %w", err)
	}
	defer rows.Close()
	found := map[string]string{}
	for rows.Next() {
		var id, ref string
		if err := rows.Scan(&id, &ref); err != nil {
			return nil, nil, err
		}
		found[id], found[strings.ToUpper(ref)] = id, id
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	seen := map[string]bool{}
	ids = []string{}
	for _, r := range refs {
		id, ok := found[r]
		if !ok {
			id, ok = found[strings.ToUpper(r)]
		}
		if !ok {
			missing = append(missing, r)
			continue
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids, missing, nil
}

// existingRequirements returns those of ids that are catalog requirements.
func (tx store) existingRequirements(ctx context.Context, ids []string) (map[string]bool, error) {
	out := map[string]bool{}
	if len(ids) == 0 {
		return out, nil
	}
	in, list := tx.InList("id", ids)
	rows, err := tx.Query(ctx, `SELECT id FROM requirements WHERE `+in, list)
	if err != nil {
		return nil, fmt.Errorf("check requirements: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}

// adoptedKeys maps each suggestion key orgID has adopted (archived obligations included) to its obligation's id.
func (tx store) adoptedKeys(ctx context.Context, orgID string) (map[string]string, error) {
	rows, err := tx.Query(ctx, `SELECT suggestion_key, id FROM obligations WHERE org_id = ? AND suggestion_key <> '' ORDER BY ref_number`, orgID)
	if err != nil {
		return nil, fmt.Errorf("adopted suggestions: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var key, id string
		if err := rows.Scan(&key, &id); err != nil {
			return nil, err
		}
		if _, ok := out[key]; !ok {
			out[key] = id
		}
	}
	return out, rows.Err()
}

// Regimes returns the sorted distinct non-empty regimes of orgID's active
// obligations: which regulatory regimes (gdpr, hipaa) the organisation is
// under. The incidents area asks it when a personal-data breach is recorded.
// tx may be any transaction, read or write; it reads one organisation only.
func Regimes(ctx context.Context, tx *sqlstore.Tx, orgID string) ([]string, error) {
	rows, err := tx.Query(ctx, `SELECT DISTINCT regime FROM obligations WHERE org_id = ? AND archived_at IS NULL AND regime <> '' ORDER BY regime`, orgID)
	if err != nil {
		return nil, fmt.Errorf("obligation regimes: %w", err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var r string
		if err := rows.Scan(&r); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// ReadinessOf counts orgID's obligations for the readiness page (A.5.31):
// every obligation, the active ones, the active ones reviewed within the year
// before today (an ISO date in the organisation's time zone), and the active
// ones whose review date is before today.
func ReadinessOf(ctx context.Context, tx *sqlstore.Tx, orgID string, today string) (Readiness, error) {
	var r Readiness
	t, err := time.Parse(time.DateOnly, today)
	if err != nil {
		return r, fmt.Errorf("obligations readiness: today %q is not a date", today)
	}
	yearAgo := t.AddDate(-1, 0, 0).Format(time.DateOnly)
	err = tx.QueryRow(ctx, `SELECT COUNT(*),
		COALESCE(SUM(CASE WHEN archived_at IS NULL THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN archived_at IS NULL AND last_reviewed_on >= ? AND last_reviewed_on <= ? THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN archived_at IS NULL AND review_date < ? THEN 1 ELSE 0 END), 0)
		FROM obligations WHERE org_id = ?`, yearAgo, today, today, orgID).Scan(&r.Total, &r.Active, &r.ReviewedInLastYear, &r.PastReview)
	if err != nil {
		return r, fmt.Errorf("obligations readiness: %w", err)
	}
	return r, nil
}

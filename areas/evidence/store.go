package evidence

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/sqlstore"
)

// store is a transaction seen from the evidence area.
type store struct{ *sqlstore.Tx }

const evidenceColumns = `e.id, e.ref, e.ref_number, e.title, e.kind, e.description, e.owner_id, e.revision, e.effective_date, e.valid_until,
	e.url, e.note, e.filename, e.content_type, e.size, e.sha256, e.check_id, e.version, e.created_at, e.updated_at, e.archived_at`

type row interface{ Scan(...any) error }

func scanEvidence(r row) (*Evidence, int, error) {
	var e Evidence
	var num int
	var owner, eff, until, sha, check sql.NullString
	var archived sql.NullTime
	err := r.Scan(&e.ID, &e.Ref, &num, &e.Title, &e.Kind, &e.Description, &owner, &e.Revision, &eff, &until,
		&e.URL, &e.Note, &e.Filename, &e.ContentType, &e.Size, &sha, &check, &e.Version, &e.CreatedAt, &e.UpdatedAt, &archived)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, bulwark.Errorf(bulwark.ENOTFOUND, "Evidence not found.")
	} else if err != nil {
		return nil, 0, fmt.Errorf("scan evidence: %w", err)
	}
	e.OwnerID, e.EffectiveDate, e.ValidUntil, e.SHA256, e.CheckID = sqlstore.StrPtr(owner), sqlstore.StrPtr(eff), sqlstore.StrPtr(until), sqlstore.StrPtr(sha), sqlstore.StrPtr(check)
	e.ArchivedAt = sqlstore.TimePtr(archived)
	if e.ArchivedAt != nil {
		t := e.ArchivedAt.UTC()
		e.ArchivedAt = &t
	}
	e.CreatedAt, e.UpdatedAt = e.CreatedAt.UTC(), e.UpdatedAt.UTC()
	e.ControlIDs, e.RequirementIDs, e.RiskIDs = []string{}, []string{}, []string{}
	return &e, num, nil
}

// InsertEvidence stores a new item and its first revision; an empty Ref gets the next E- number.
func (tx store) InsertEvidence(ctx context.Context, orgID, createdBy string, e *Evidence, comment string) error {
	num := bulwark.ParseRefNumber(RefPrefix, e.Ref)
	if e.Ref == "" {
		n, err := tx.NextRef(ctx, orgID, RefPrefix)
		if err != nil {
			return err
		}
		num, e.Ref = n, bulwark.FormatRef(RefPrefix, n)
	} else if num > 0 {
		if err := tx.BumpRef(ctx, orgID, RefPrefix, num); err != nil {
			return err
		}
	}
	e.ID = sqlstore.NewID()
	e.CreatedAt, e.UpdatedAt, e.Version, e.Revision = tx.Now(), tx.Now(), 1, 1
	creator := nullable(createdBy)
	_, err := tx.Exec(ctx, `INSERT INTO evidence (id, org_id, ref, ref_number, title, kind, description, owner_id, revision, effective_date, valid_until,
		url, note, filename, content_type, size, sha256, check_id, created_by, version, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
		e.ID, orgID, e.Ref, num, e.Title, e.Kind, e.Description, e.OwnerID, e.Revision, e.EffectiveDate, e.ValidUntil,
		e.URL, e.Note, e.Filename, e.ContentType, e.Size, e.SHA256, e.CheckID, creator, tx.Now(), tx.Now())
	if sqlstore.IsUniqueViolation(err) {
		return bulwark.Errorf(bulwark.ECONFLICT, "Evidence with the reference %s already exists.", e.Ref)
	}
	if err != nil {
		return fmt.Errorf("insert evidence: %w", err)
	}
	if err := tx.insertRevision(ctx, orgID, e.ID, revisionOf(e, comment), creator); err != nil {
		return err
	}
	return tx.setLinks(ctx, orgID, e, true)
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (tx store) insertRevision(ctx context.Context, orgID, evidenceID string, r *Revision, createdBy *string) error {
	_, err := tx.Exec(ctx, `INSERT INTO evidence_revisions (org_id, evidence_id, revision, kind, effective_date, valid_until, url, note, filename,
		content_type, size, sha256, comment, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		orgID, evidenceID, r.Revision, r.Kind, r.EffectiveDate, r.ValidUntil, r.URL, r.Note, r.Filename, r.ContentType, r.Size, r.SHA256,
		r.Comment, createdBy, tx.Now())
	if err != nil {
		return fmt.Errorf("insert evidence revision: %w", err)
	}
	return nil
}

// AddRevision records e's current content as its next revision (e.Revision was
// moved on by the caller) and writes e.
func (tx store) AddRevision(ctx context.Context, orgID, memberID string, e *Evidence, comment string) error {
	if err := tx.insertRevision(ctx, orgID, e.ID, revisionOf(e, comment), nullable(memberID)); err != nil {
		return err
	}
	return tx.UpdateEvidence(ctx, orgID, e, false)
}

// setLinks replaces an item's control, requirement and risk links (fresh: it has none yet).
func (tx store) setLinks(ctx context.Context, orgID string, e *Evidence, fresh bool) error {
	links := []struct {
		table, col string
		ids        []string
	}{{"evidence_controls", "control_id", e.ControlIDs}, {"evidence_requirements", "requirement_id", e.RequirementIDs}, {"evidence_risks", "risk_id", e.RiskIDs}}
	for _, l := range links {
		if !fresh {
			if _, err := tx.Exec(ctx, `DELETE FROM `+l.table+` WHERE org_id = ? AND evidence_id = ?`, orgID, e.ID); err != nil {
				return fmt.Errorf("evidence links: %w", err)
			}
		}
		for _, id := range l.ids {
			if _, err := tx.Exec(ctx, `INSERT INTO `+l.table+` (org_id, evidence_id, `+l.col+`) VALUES (?, ?, ?)`, orgID, e.ID, id); err != nil {
				return fmt.Errorf("evidence links: %w", err)
			}
		}
	}
	return nil
}

// UpdateEvidence writes every field of e if its version is still e.Version.
func (tx store) UpdateEvidence(ctx context.Context, orgID string, e *Evidence, linksChanged bool) error {
	res, err := tx.Exec(ctx, `UPDATE evidence SET title = ?, kind = ?, description = ?, owner_id = ?, revision = ?, effective_date = ?, valid_until = ?,
		url = ?, note = ?, filename = ?, content_type = ?, size = ?, sha256 = ?, archived_at = ?, version = version + 1, updated_at = ?
		WHERE org_id = ? AND id = ? AND version = ?`,
		e.Title, e.Kind, e.Description, e.OwnerID, e.Revision, e.EffectiveDate, e.ValidUntil, e.URL, e.Note, e.Filename, e.ContentType, e.Size, e.SHA256,
		sqlstore.NullTime(e.ArchivedAt), tx.Now(), orgID, e.ID, e.Version)
	if err != nil {
		return fmt.Errorf("update evidence: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return bulwark.Errorf(bulwark.ECONFLICT, "The evidence was changed by someone else; reload and try again.")
	}
	e.Version++
	e.UpdatedAt = tx.Now()
	if linksChanged {
		return tx.setLinks(ctx, orgID, e, false)
	}
	return nil
}

// Evidence returns item id (or ref) of orgID, archived too, with its links, or ENOTFOUND.
func (tx store) Evidence(ctx context.Context, orgID, id string) (*Evidence, error) {
	e, _, err := scanEvidence(tx.QueryRow(ctx, `SELECT `+evidenceColumns+` FROM evidence e WHERE e.org_id = ? AND (e.id = ? OR e.ref = ?)`, orgID, id, strings.ToUpper(id)))
	if err != nil {
		return nil, err
	}
	return e, tx.fillLinks(ctx, orgID, []*Evidence{e})
}

// fillLinks reads the links of es, three queries whatever their number.
func (tx store) fillLinks(ctx context.Context, orgID string, es []*Evidence) error {
	if len(es) == 0 {
		return nil
	}
	byID := make(map[string]*Evidence, len(es))
	ids := make([]string, 0, len(es))
	for _, e := range es {
		byID[e.ID], ids = e, append(ids, e.ID)
	}
	in, list := tx.InList("evidence_id", ids)
	for _, l := range []struct {
		table, col string
		dst        func(*Evidence) *[]string
	}{{"evidence_controls", "control_id", func(e *Evidence) *[]string { return &e.ControlIDs }},
		{"evidence_requirements", "requirement_id", func(e *Evidence) *[]string { return &e.RequirementIDs }},
		{"evidence_risks", "risk_id", func(e *Evidence) *[]string { return &e.RiskIDs }}} {
		rows, err := tx.Query(ctx, `SELECT evidence_id, `+l.col+` FROM `+l.table+` WHERE org_id = ? AND `+in+` ORDER BY evidence_id, `+l.col, orgID, list)
		if err != nil {
			return fmt.Errorf("evidence links: %w", err)
		}
		for rows.Next() {
			var eid, id string
			if err := rows.Scan(&eid, &id); err != nil {
				rows.Close()
				return err
			}
			if e := byID[eid]; e != nil {
				*l.dst(e) = append(*l.dst(e), id)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// Filter selects evidence items.
type Filter struct {
	Q, Kind, OwnerID, ControlID, RiskID, RequirementID string
	Stale, ExpiresSoon                                 *bool
	Today                                              string // YYYY-MM-DD in the organisation's zone, for Stale and ExpiresSoon
	IncludeArchived                                    bool
	Sort, Cursor                                       string
	Limit                                              int
}

var sortFields = map[string]sqlstore.SortField{
	"ref": {Expr: "e.ref_number", Kind: 'n'}, "title": {Expr: "e.title", Kind: 's'}, "kind": {Expr: "e.kind", Kind: 's'},
	"valid_until": {Expr: "COALESCE(e.valid_until, '9999-12-31')", Kind: 's'}, "updated_at": {Expr: "e.updated_at", Kind: 't'}, "created_at": {Expr: "e.created_at", Kind: 't'},
}

// List returns one page of orgID's evidence and the cursor of the next page.
func (tx store) List(ctx context.Context, orgID string, f Filter) ([]*Evidence, string, error) {
	var where strings.Builder
	args := []any{orgID}
	where.WriteString(` WHERE e.org_id = ?`)
	add := func(cond string, vs ...any) {
		where.WriteString(" AND " + cond)
		args = append(args, vs...)
	}
	if !f.IncludeArchived {
		add("e.archived_at IS NULL")
	}
	if f.Kind != "" {
		add("e.kind = ?", f.Kind)
	}
	if f.OwnerID != "" {
		add("e.owner_id = ?", f.OwnerID)
	}
	for _, l := range []struct{ table, col, v string }{{"evidence_controls", "control_id", f.ControlID}, {"evidence_risks", "risk_id", f.RiskID},
		{"evidence_requirements", "requirement_id", f.RequirementID}} {
		if l.v != "" {
			add("e.id IN (SELECT evidence_id FROM "+l.table+" WHERE org_id = ? AND "+l.col+" = ?)", orgID, l.v)
		}
	}
	if f.Stale != nil {
		if *f.Stale {
			add("e.valid_until < ?", f.Today)
		} else {
			add("(e.valid_until IS NULL OR e.valid_until >= ?)", f.Today)
		}
	}
	if f.ExpiresSoon != nil {
		soon := "e.valid_until >= ? AND e.valid_until <= ?"
		if *f.ExpiresSoon {
			add(soon, f.Today, addDays(f.Today, ExpiryWindowDays))
		} else {
			add("NOT (e.valid_until IS NOT NULL AND "+soon+")", f.Today, addDays(f.Today, ExpiryWindowDays))
		}
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		// Evidence titles and descriptions are short and an organisation keeps hundreds, not
		// millions: a case-insensitive substring match finds what a full-text index would.
		pat := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(strings.ToLower(q)) + "%"
		add(`(LOWER(e.ref) LIKE ? ESCAPE '\' OR LOWER(e.title) LIKE ? ESCAPE '\' OR LOWER(e.description) LIKE ? ESCAPE '\' OR LOWER(e.filename) LIKE ? ESCAPE '\')`, pat, pat, pat, pat)
	}
	k, err := sqlstore.NewKeyset(f.Sort, f.Cursor, f.Limit, sortFields, "ref", "e.id")
	if err != nil {
		return nil, "", err
	}
	if k.Cond != "" {
		add(k.Cond, k.Args...)
	}
	order, args := k.OrderLimit("e.id", args)
	rows, err := tx.Query(ctx, `SELECT `+evidenceColumns+` FROM evidence e`+where.String()+order, args...)
	if err != nil {
		return nil, "", fmt.Errorf("list evidence: %w", err)
	}
	defer rows.Close()
	var out []*Evidence
	nums := map[string]int{}
	for rows.Next() {
		e, num, err := scanEvidence(rows)
		if err != nil {
			return nil, "", err
		}
		nums[e.ID] = num
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > k.Limit {
		out = out[:k.Limit]
		last := out[k.Limit-1]
		until := "9999-12-31"
		if last.ValidUntil != nil {
			until = *last.ValidUntil
		}
		next = k.Next(last.ID, map[string]any{"ref": nums[last.ID], "title": last.Title, "kind": last.Kind, "valid_until": until,
			"updated_at": last.UpdatedAt, "created_at": last.CreatedAt}[k.Field])
	}
	return out, next, tx.fillLinks(ctx, orgID, out)
}

const revisionColumns = `r.revision, r.kind, r.effective_date, r.valid_until, r.url, r.note, r.filename, r.content_type, r.size, r.sha256, r.comment, r.created_by, r.created_at`

func scanRevision(r row) (*Revision, error) {
	var rev Revision
	var eff, until, sha, by sql.NullString
	err := r.Scan(&rev.Revision, &rev.Kind, &eff, &until, &rev.URL, &rev.Note, &rev.Filename, &rev.ContentType, &rev.Size, &sha, &rev.Comment, &by, &rev.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "No such revision.")
	} else if err != nil {
		return nil, fmt.Errorf("scan evidence revision: %w", err)
	}
	rev.EffectiveDate, rev.ValidUntil, rev.SHA256, rev.CreatedBy = sqlstore.StrPtr(eff), sqlstore.StrPtr(until), sqlstore.StrPtr(sha), sqlstore.StrPtr(by)
	rev.CreatedAt = rev.CreatedAt.UTC()
	return &rev, nil
}

// Revisions lists an item's revisions, newest first, at most limit (0: all).
func (tx store) Revisions(ctx context.Context, orgID, evidenceID string, limit int) ([]*Revision, error) {
	q := `SELECT ` + revisionColumns + ` FROM evidence_revisions r WHERE r.org_id = ? AND r.evidence_id = ? ORDER BY r.revision DESC`
	args := []any{orgID, evidenceID}
	if limit > 0 {
		q += ` LIMIT ?`
		args = append(args, limit)
	}
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("evidence revisions: %w", err)
	}
	defer rows.Close()
	out := []*Revision{}
	for rows.Next() {
		r, err := scanRevision(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Revision returns revision n of an item.
func (tx store) Revision(ctx context.Context, orgID, evidenceID string, n int) (*Revision, error) {
	return scanRevision(tx.QueryRow(ctx, `SELECT `+revisionColumns+` FROM evidence_revisions r WHERE r.org_id = ? AND r.evidence_id = ? AND r.revision = ?`, orgID, evidenceID, n))
}

// ByIDs reads orgID's evidence items among ids (without their links), in reference order: what another
// area shows of the evidence it links to (the incidents' preserved evidence).
func ByIDs(ctx context.Context, tx *sqlstore.Tx, orgID string, ids []string) ([]*Evidence, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	in, list := tx.InList("e.id", ids)
	rows, err := tx.Query(ctx, `SELECT `+evidenceColumns+` FROM evidence e WHERE e.org_id = ? AND `+in+` ORDER BY e.ref_number`, orgID, list)
	if err != nil {
		return nil, fmt.Errorf("evidence by ids: %w", err)
	}
	defer rows.Close()
	var out []*Evidence
	for rows.Next() {
		e, _, err := scanEvidence(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

package controls

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/catalog"
	"github.com/bulwark-isms/bulwark/sqlstore"
)

// SeedControlSet gives organisation orgID one control per Annex A control, linked
// to the requirements of every framework that published mappings reach, and to
// HIPAA through CSF 2.0 (derived). Existing controls are left alone.
func (tx store) SeedControlSet(ctx context.Context, orgID string) error {
	rows, err := tx.Query(ctx, `SELECT r.id, r.ref, r.title, r.sort_order FROM requirements r
		WHERE r.framework_id = ? AND r.kind = 'control' AND NOT EXISTS (SELECT 1 FROM controls c WHERE c.org_id = ? AND c.requirement_id = r.id)
		ORDER BY r.sort_order`, catalog.ISO27001, orgID)
	if err != nil {
		return fmt.Errorf("seed controls: %w", err)
	}
	type req struct {
		id, ref, title string
		order          int
	}
	var reqs []req
	for rows.Next() {
		var r req
		if err := rows.Scan(&r.id, &r.ref, &r.title, &r.order); err != nil {
			rows.Close()
			return err
		}
		reqs = append(reqs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	// One statement per 100 controls: seeding runs for every new organisation.
	for start := 0; start < len(reqs); start += 100 {
		batch := reqs[start:min(start+100, len(reqs))]
		var q strings.Builder
		q.WriteString(`INSERT INTO controls (id, org_id, ref, requirement_id, title, status, sort_order, version, created_at, updated_at) VALUES `)
		args := make([]any, 0, len(batch)*7)
		for i, r := range batch {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString(`(?, ?, ?, ?, ?, 'not_started', ?, 1, ?, ?)`)
			args = append(args, sqlstore.NewID(), orgID, r.ref, r.id, r.title, r.order, tx.Now(), tx.Now())
		}
		if _, err := tx.ExecDynamic(ctx, q.String(), args...); err != nil {
			return fmt.Errorf("seed controls: %w", err)
		}
	}
	if _, err := tx.Exec(ctx, `INSERT INTO control_requirements (org_id, control_id, requirement_id, origin, created_at)
		SELECT DISTINCT c.org_id, c.id, m.to_id, 'mapping', `+tx.TimeParam()+` FROM controls c JOIN requirement_mappings m ON m.from_id = c.requirement_id
		WHERE c.org_id = ? ON CONFLICT DO NOTHING`, tx.Now(), orgID); err != nil {
		return fmt.Errorf("link controls to mapped requirements: %w", err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO control_requirements (org_id, control_id, requirement_id, origin, created_at)
		SELECT DISTINCT c.org_id, c.id, h.from_id, 'derived', `+tx.TimeParam()+` FROM controls c
		JOIN requirement_mappings m ON m.from_id = c.requirement_id
		JOIN requirement_mappings h ON h.to_id = m.to_id
		JOIN requirements hr ON hr.id = h.from_id AND hr.framework_id = ?
		WHERE c.org_id = ? ON CONFLICT DO NOTHING`, tx.Now(), catalog.HIPAA, orgID); err != nil {
		return fmt.Errorf("link controls to derived HIPAA requirements: %w", err)
	}
	return nil
}

const controlColumns = `c.id, c.ref, c.title, c.description, c.requirement_id, c.owner_id, c.status, c.implementation, c.maturity, c.review_date,
	c.inclusion_reasons, c.exclusion_justification, c.needs_attention, c.version, c.created_at, c.updated_at, c.archived_at`

func scanControl(row interface{ Scan(...any) error }) (*Control, error) {
	var c Control
	var req, owner, review sql.NullString
	var maturity sql.NullInt64
	var reasons string
	var archived sql.NullTime
	err := row.Scan(&c.ID, &c.Ref, &c.Title, &c.Description, &req, &owner, &c.Status, &c.Implementation, &maturity, &review,
		&reasons, &c.ExclusionJustification, &c.NeedsAttention, &c.Version, &c.CreatedAt, &c.UpdatedAt, &archived)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "Control not found.")
	} else if err != nil {
		return nil, fmt.Errorf("scan control: %w", err)
	}
	c.RequirementID, c.OwnerID, c.ReviewDate = sqlstore.StrPtr(req), sqlstore.StrPtr(owner), sqlstore.StrPtr(review)
	if maturity.Valid {
		m := int(maturity.Int64)
		c.Maturity = &m
	}
	if reasons != "" {
		c.stated = strings.Split(reasons, ",")
	}
	c.ArchivedAt = sqlstore.TimePtr(archived)
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	c.RiskIDs, c.RequirementIDs, c.EvidenceIDs, c.DocumentIDs = []string{}, []string{}, []string{}, []string{}
	c.derive()
	return &c, nil
}

// loadLinks fills the requirement and risk links of cs (all of orgID's controls, or the one control
// onlyID), two queries whatever their number, and derives what follows from the links.
func (tx store) loadLinks(ctx context.Context, orgID, onlyID string, cs []*Control) error {
	byID := make(map[string]*Control, len(cs))
	for _, c := range cs {
		byID[c.ID] = c
	}
	one, args := "", []any{orgID}
	if onlyID != "" {
		one, args = " AND cr.control_id = ?", append(args, onlyID)
	}
	rows, err := tx.Query(ctx, `SELECT cr.control_id, cr.requirement_id FROM control_requirements cr
		JOIN requirements r ON r.id = cr.requirement_id JOIN frameworks f ON f.id = r.framework_id
		WHERE cr.org_id = ? AND cr.origin <> 'rejected'`+one+` ORDER BY cr.control_id, f.sort_order, r.sort_order`, args...)
	if err != nil {
		return fmt.Errorf("control requirements: %w", err)
	}
	for rows.Next() {
		var cid, rid string
		if err := rows.Scan(&cid, &rid); err != nil {
			rows.Close()
			return err
		}
		if c := byID[cid]; c != nil {
			c.RequirementIDs = append(c.RequirementIDs, rid)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	// Risks are linked from the risk register (an area above); archived risks treat nothing.
	rows, err = tx.Query(ctx, `SELECT cr.control_id, cr.risk_id FROM control_risks cr JOIN risks r ON r.org_id = cr.org_id AND r.id = cr.risk_id
		WHERE cr.org_id = ? AND r.archived_at IS NULL`+one+` ORDER BY cr.control_id, r.ref`, args...)
	if err != nil {
		return fmt.Errorf("control risks: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var cid, rid string
		if err := rows.Scan(&cid, &rid); err != nil {
			return err
		}
		if c := byID[cid]; c != nil {
			c.RiskIDs = append(c.RiskIDs, rid)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows.Close()
	// Documents are linked from the document register (an area above); archived or retired ones describe nothing.
	docRows, err := tx.Query(ctx, `SELECT cr.control_id, cr.document_id FROM document_controls cr JOIN documents d ON d.org_id = cr.org_id AND d.id = cr.document_id
		WHERE cr.org_id = ? AND d.archived_at IS NULL AND d.status <> 'retired'`+one+` ORDER BY cr.control_id, d.ref`, args...)
	if err != nil {
		return fmt.Errorf("control documents: %w", err)
	}
	defer docRows.Close()
	for docRows.Next() {
		var cid, did string
		if err := docRows.Scan(&cid, &did); err != nil {
			return err
		}
		if c := byID[cid]; c != nil {
			c.DocumentIDs = append(c.DocumentIDs, did)
		}
	}
	if err := docRows.Err(); err != nil {
		return err
	}
	// Evidence is linked from the evidence register (an area above); archived items prove nothing.
	var tz string
	if err := tx.QueryRow(ctx, `SELECT time_zone FROM organisations WHERE id = ?`, orgID).Scan(&tz); err != nil {
		return fmt.Errorf("control evidence: %w", err)
	}
	today := bulwark.Today(tx.Now(), tz)
	evRows, err := tx.Query(ctx, `SELECT cr.control_id, cr.evidence_id, CASE WHEN e.valid_until < ? THEN 1 ELSE 0 END FROM evidence_controls cr
		JOIN evidence e ON e.org_id = cr.org_id AND e.id = cr.evidence_id WHERE cr.org_id = ? AND e.archived_at IS NULL`+one+` ORDER BY cr.control_id, e.ref_number`,
		append([]any{today}, args...)...)
	if err != nil {
		return fmt.Errorf("control evidence: %w", err)
	}
	defer evRows.Close()
	for evRows.Next() {
		var cid, eid string
		var stale int
		if err := evRows.Scan(&cid, &eid, &stale); err != nil {
			return err
		}
		if c := byID[cid]; c != nil {
			c.EvidenceIDs = append(c.EvidenceIDs, eid)
			c.staleEvidence += stale
		}
	}
	if err := evRows.Err(); err != nil {
		return err
	}
	for _, c := range cs {
		c.derive()
	}
	return nil
}

// ControlFilter selects controls.
type ControlFilter struct {
	Status          string
	OwnerID         string
	Theme           string // Organizational, People, Physical, Technological, or "custom"
	Q               string
	IncludeArchived bool
}

// Controls lists orgID's controls in catalog order, custom ones last.
func (tx store) Controls(ctx context.Context, orgID string, f ControlFilter) ([]*Control, error) {
	q := `SELECT ` + controlColumns + ` FROM controls c WHERE c.org_id = ?`
	args := []any{orgID}
	if !f.IncludeArchived {
		q += ` AND c.archived_at IS NULL`
	}
	if f.Status != "" {
		q += ` AND c.status = ?`
		args = append(args, f.Status)
	}
	if f.OwnerID != "" {
		q += ` AND c.owner_id = ?`
		args = append(args, f.OwnerID)
	}
	if f.Theme == "custom" {
		q += ` AND c.requirement_id IS NULL`
	} else if f.Theme != "" {
		q += ` AND c.requirement_id IN (SELECT requirement_id FROM requirement_attributes WHERE name = 'theme' AND value = ?)`
		args = append(args, f.Theme)
	}
	if s := strings.TrimSpace(strings.ToLower(f.Q)); s != "" {
		q += ` AND (LOWER(c.ref) LIKE ? OR LOWER(c.title) LIKE ? OR LOWER(c.implementation) LIKE ?)`
		like := "%" + sqlstore.EscapeLike(s) + "%"
		q = strings.ReplaceAll(q, "LIKE ?", "LIKE ? ESCAPE '\\'")
		args = append(args, like, like, like)
	}
	rows, err := tx.Query(ctx, q+` ORDER BY CASE WHEN c.requirement_id IS NULL THEN 1 ELSE 0 END, c.sort_order, c.ref`, args...)
	if err != nil {
		return nil, fmt.Errorf("list controls: %w", err)
	}
	defer rows.Close()
	var out []*Control
	for rows.Next() {
		c, err := scanControl(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	if len(out) == 0 {
		return out, nil
	}
	return out, tx.loadLinks(ctx, orgID, "", out)
}

// Control returns control id of orgID with its requirement links and risks.
func (tx store) Control(ctx context.Context, orgID, id string) (*Control, error) {
	c, err := scanControl(tx.QueryRow(ctx, `SELECT `+controlColumns+` FROM controls c WHERE c.org_id = ? AND c.id = ?`, orgID, id))
	if err != nil {
		return nil, err
	}
	rows, err := tx.Query(ctx, `SELECT cr.requirement_id, r.framework_id, r.ref, r.display_title, cr.origin FROM control_requirements cr
		JOIN requirements r ON r.id = cr.requirement_id JOIN frameworks f ON f.id = r.framework_id
		WHERE cr.org_id = ? AND cr.control_id = ? ORDER BY f.sort_order, r.sort_order`, orgID, id)
	if err != nil {
		return nil, fmt.Errorf("control requirements: %w", err)
	}
	defer rows.Close()
	c.Requirements = []ControlRequirement{}
	for rows.Next() {
		var l ControlRequirement
		if err := rows.Scan(&l.RequirementID, &l.Framework, &l.Ref, &l.Title, &l.Origin); err != nil {
			return nil, err
		}
		c.Requirements = append(c.Requirements, l)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	return c, tx.loadLinks(ctx, orgID, c.ID, []*Control{c})
}

// InsertControl stores a custom control of orgID.
func (tx store) InsertControl(ctx context.Context, orgID string, c *Control) error {
	c.ID = sqlstore.NewID()
	c.CreatedAt, c.UpdatedAt, c.Version = tx.Now(), tx.Now(), 1
	_, err := tx.Exec(ctx, `INSERT INTO controls (id, org_id, ref, requirement_id, title, description, owner_id, status, implementation, maturity, review_date,
		inclusion_reasons, exclusion_justification, sort_order, version, created_at, updated_at)
		VALUES (?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, 100000, 1, ?, ?)`,
		c.ID, orgID, c.Ref, c.Title, c.Description, c.OwnerID, c.Status, c.Implementation, c.Maturity, c.ReviewDate,
		strings.Join(c.stated, ","), c.ExclusionJustification, tx.Now(), tx.Now())
	if sqlstore.IsUniqueViolation(err) {
		return bulwark.Errorf(bulwark.ECONFLICT, "A control with the reference %s already exists.", c.Ref)
	}
	if err != nil {
		return fmt.Errorf("insert control: %w", err)
	}
	return nil
}

// UpdateControl writes a control's editable fields if its version is still expected.
func (tx store) UpdateControl(ctx context.Context, orgID string, c *Control) error {
	res, err := tx.Exec(ctx, `UPDATE controls SET title = ?, description = ?, owner_id = ?, status = ?, implementation = ?, maturity = ?, review_date = ?,
		inclusion_reasons = ?, exclusion_justification = ?, archived_at = ?, version = version + 1, updated_at = ? WHERE org_id = ? AND id = ? AND version = ?`,
		c.Title, c.Description, c.OwnerID, c.Status, c.Implementation, c.Maturity, c.ReviewDate, strings.Join(c.stated, ","), c.ExclusionJustification,
		sqlstore.NullTime(c.ArchivedAt), tx.Now(), orgID, c.ID, c.Version)
	if err != nil {
		return fmt.Errorf("update control: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return bulwark.Errorf(bulwark.ECONFLICT, "The control was changed by someone else; reload and try again.")
	}
	c.Version++
	c.UpdatedAt = tx.Now()
	return nil
}

// SetControlRequirements makes the links a person stated for a control exactly requirementIDs, leaving
// the links of published and derived mappings (an id among them is already linked and stays as it is). It
// returns the stated links before and after, equal when nothing changed.
func (tx store) SetControlRequirements(ctx context.Context, orgID, controlID string, requirementIDs []string) (before, after []string, err error) {
	rows, err := tx.Query(ctx, `SELECT requirement_id, origin FROM control_requirements WHERE org_id = ? AND control_id = ? ORDER BY requirement_id`, orgID, controlID)
	if err != nil {
		return nil, nil, fmt.Errorf("control requirements: %w", err)
	}
	mapped := map[string]bool{}
	before = []string{}
	for rows.Next() {
		var id, origin string
		if err := rows.Scan(&id, &origin); err != nil {
			rows.Close()
			return nil, nil, err
		}
		switch origin {
		case OriginManual:
			before = append(before, id)
		case OriginRejected: // as if absent: stating it makes it the person's link
		default:
			mapped[id] = true
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	after = []string{}
	for _, rid := range requirementIDs {
		if !mapped[rid] && !slices.Contains(after, rid) {
			after = append(after, rid)
		}
	}
	slices.Sort(after)
	if slices.Equal(before, after) {
		return before, after, nil
	}
	for _, rid := range after {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM requirements WHERE id = ?`, rid).Scan(&n); err != nil {
			return nil, nil, err
		}
		if n == 0 {
			return nil, nil, bulwark.Invalid("requirement_ids", fmt.Sprintf("%q is not a requirement of the catalog", rid))
		}
	}
	if _, err := tx.Exec(ctx, `DELETE FROM control_requirements WHERE org_id = ? AND control_id = ? AND origin = 'manual'`, orgID, controlID); err != nil {
		return nil, nil, err
	}
	for _, rid := range after {
		if _, err := tx.Exec(ctx, `INSERT INTO control_requirements (org_id, control_id, requirement_id, origin, created_at) VALUES (?, ?, ?, 'manual', ?)
			ON CONFLICT (org_id, control_id, requirement_id) DO UPDATE SET origin = 'manual'`,
			orgID, controlID, rid, tx.Now()); err != nil {
			return nil, nil, err
		}
	}
	return before, after, nil
}

// CountControls counts orgID's live controls by status.
func (tx store) CountControls(ctx context.Context, orgID string) (map[string]int, error) {
	rows, err := tx.Query(ctx, `SELECT status, COUNT(*) FROM controls WHERE org_id = ? AND archived_at IS NULL GROUP BY status`, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, err
		}
		out[s] = n
	}
	return out, rows.Err()
}

// RiskLink is a live risk a control treats, as the control's page lists it.
type RiskLink struct {
	ID, Ref, Title, Status string
	Level                  *string // the residual level, else the inherent one
}

// linkedRisks lists the live risks control controlID treats, in reference order. The links are the risk
// register's (an area above); the control's page reads them.
func (tx store) linkedRisks(ctx context.Context, orgID, controlID string) ([]RiskLink, error) {
	rows, err := tx.Query(ctx, `SELECT r.id, r.ref, r.title, r.status, COALESCE(r.residual_level, r.inherent_level) FROM control_risks cr
		JOIN risks r ON r.org_id = cr.org_id AND r.id = cr.risk_id WHERE cr.org_id = ? AND cr.control_id = ? AND r.archived_at IS NULL
		ORDER BY LENGTH(r.ref), r.ref`, orgID, controlID)
	if err != nil {
		return nil, fmt.Errorf("linked risks: %w", err)
	}
	defer rows.Close()
	var out []RiskLink
	for rows.Next() {
		var l RiskLink
		var level sql.NullString
		if err := rows.Scan(&l.ID, &l.Ref, &l.Title, &l.Status, &level); err != nil {
			return nil, err
		}
		l.Level = sqlstore.StrPtr(level)
		out = append(out, l)
	}
	return out, rows.Err()
}

// reviewsDue lists memberID's live controls of orgID whose review date is today or past.
func (tx store) reviewsDue(ctx context.Context, orgID, memberID, today string) ([]*Control, error) {
	rows, err := tx.Query(ctx, `SELECT `+controlColumns+` FROM controls c WHERE c.org_id = ? AND c.owner_id = ? AND c.archived_at IS NULL
		AND c.review_date IS NOT NULL AND c.review_date <= ? ORDER BY c.review_date, c.sort_order`, orgID, memberID, today)
	if err != nil {
		return nil, fmt.Errorf("control reviews due: %w", err)
	}
	defer rows.Close()
	var out []*Control
	for rows.Next() {
		c, err := scanControl(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// RequirementLink is a link between one of an organisation's live controls and a requirement of any framework,
// with the control's status: what coverage is computed from. Origin is OriginMapping, OriginDerived,
// OriginManual, or OriginDirect for an Annex A control and the Annex A requirement it is.
type RequirementLink struct {
	ControlID, ControlRef, ControlTitle, Status string
	RequirementID, Origin                       string
}

// OriginDirect links an Annex A control to its own requirement.
const OriginDirect = "direct"

// RequirementLinks lists every link of orgID's live controls to requirements of every framework, Annex A
// controls to themselves included (links a person rejected left out). Two plain scans joined in memory: on
// 1,000 controls with 6,000 links that is several times faster than a join, on both databases.
func RequirementLinks(ctx context.Context, tx *sqlstore.Tx, orgID string) ([]RequirementLink, error) {
	type ctl struct{ ref, title, status string }
	live := map[string]ctl{}
	rows, err := tx.Query(ctx, `SELECT id, ref, title, status, requirement_id FROM controls WHERE org_id = ? AND archived_at IS NULL`, orgID)
	if err != nil {
		return nil, fmt.Errorf("controls: %w", err)
	}
	var out []RequirementLink
	for rows.Next() {
		var id, ref, title, status string
		var req sql.NullString
		if err := rows.Scan(&id, &ref, &title, &status, &req); err != nil {
			rows.Close()
			return nil, err
		}
		live[id] = ctl{ref, title, status}
		if req.Valid {
			out = append(out, RequirementLink{ControlID: id, ControlRef: ref, ControlTitle: title, Status: status, RequirementID: req.String, Origin: OriginDirect})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = tx.Query(ctx, `SELECT control_id, requirement_id, origin FROM control_requirements WHERE org_id = ? AND origin <> 'rejected'`, orgID)
	if err != nil {
		return nil, fmt.Errorf("requirement links: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var l RequirementLink
		if err := rows.Scan(&l.ControlID, &l.RequirementID, &l.Origin); err != nil {
			return nil, err
		}
		c, ok := live[l.ControlID]
		if !ok {
			continue // an archived control covers nothing
		}
		l.ControlRef, l.ControlTitle, l.Status = c.ref, c.title, c.status
		out = append(out, l)
	}
	return out, rows.Err()
}

// decideLink records a person's decision on a suggested link of control controlID to requirement reqID: it
// becomes confirmed or rejected. It returns the link's origin before.
func (tx store) decideLink(ctx context.Context, orgID, controlID, reqID, origin string) (string, error) {
	var before string
	err := tx.QueryRow(ctx, `SELECT origin FROM control_requirements WHERE org_id = ? AND control_id = ? AND requirement_id = ?`, orgID, controlID, reqID).Scan(&before)
	if errors.Is(err, sql.ErrNoRows) {
		return "", bulwark.Errorf(bulwark.ENOTFOUND, "The control has no link to that requirement.")
	}
	if err != nil {
		return "", fmt.Errorf("requirement link: %w", err)
	}
	if before == OriginManual {
		return "", bulwark.Errorf(bulwark.ECONFLICT, "A person stated this link: remove it from the control's requirements instead.")
	}
	if _, err := tx.Exec(ctx, `UPDATE control_requirements SET origin = ? WHERE org_id = ? AND control_id = ? AND requirement_id = ?`, origin, orgID, controlID, reqID); err != nil {
		return "", fmt.Errorf("requirement link: %w", err)
	}
	return before, nil
}

// Readiness counts orgID's live controls for certification readiness: all not started; the applicable ones;
// those without an owner; those with no inclusion reason (none stated and no live risk treated). One query.
func Readiness(ctx context.Context, tx *sqlstore.Tx, orgID string) (notStarted, applicable, noOwner, noReason int, err error) {
	err = tx.QueryRow(ctx, `SELECT COALESCE(SUM(CASE WHEN c.status = 'not_started' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN c.status <> 'not_applicable' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN c.status <> 'not_applicable' AND c.owner_id IS NULL THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN c.status <> 'not_applicable' AND c.inclusion_reasons = '' AND NOT EXISTS (SELECT 1 FROM control_risks cr
			JOIN risks r ON r.org_id = cr.org_id AND r.id = cr.risk_id WHERE cr.org_id = c.org_id AND cr.control_id = c.id AND r.archived_at IS NULL) THEN 1 ELSE 0 END), 0)
		FROM controls c WHERE c.org_id = ? AND c.archived_at IS NULL`, orgID).Scan(&notStarted, &applicable, &noOwner, &noReason)
	if err != nil {
		err = fmt.Errorf("control readiness: %w", err)
	}
	return
}

// SearchSpec is how controls are found by the search across the ISMS.
var SearchSpec = sqlstore.FullTextSpec{Type: "control", Table: "controls", FTS: "controls_fts", Weights: "10, 5, 1, 1", Title: "title",
	PGDoc:    `t.ref || ' ' || t.title || ' ' || t.description || ' ' || t.implementation`,
	PGRanked: `setweight(to_tsvector('simple', t.ref || ' ' || t.title), 'A') || setweight(to_tsvector('simple', t.description || ' ' || t.implementation), 'D')`,
	PGText:   `t.description || ' ' || t.implementation`, Live: `t.archived_at IS NULL`}

// ProgressGroup counts live controls with one status, owned or not, due for review or not.
type ProgressGroup struct {
	Status           string
	Owned, ReviewDue bool
	N                int
}

// ProgressCounts counts the live controls by status, owner and review due on day today, in one grouped
// query: the dashboard needs the figures, not the control set with its links.
func (s *Service) ProgressCounts(ctx context.Context, p *bulwark.Principal, today string) ([]ProgressGroup, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var out []ProgressGroup
	err := s.DB.View(ctx, func(tx *sqlstore.Tx) error {
		rows, err := tx.Query(ctx, `SELECT status, owner_id IS NOT NULL, COALESCE(review_date <= ?, FALSE), COUNT(*) FROM controls
			WHERE org_id = ? AND archived_at IS NULL GROUP BY 1, 2, 3`, today, p.Org.ID)
		if err != nil {
			return fmt.Errorf("control progress: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var g ProgressGroup
			if err := rows.Scan(&g.Status, &g.Owned, &g.ReviewDue, &g.N); err != nil {
				return fmt.Errorf("control progress: %w", err)
			}
			out = append(out, g)
		}
		return rows.Err()
	})
	return out, err
}

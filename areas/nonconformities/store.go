package nonconformities

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/sqlstore"
)

const ncColumns = `id, ref, title, description, severity, source, source_ref, requirement_id, control_id, owner_id, raised_by, raised_on,
	due_date, delay_reason, status, correction, correction_date, root_cause_method, root_cause_analysis, root_cause, occurs_elsewhere,
	no_action_reason, closed_at, closed_by, version, created_at, updated_at`

// analysis is how the root-cause analysis is kept: the method's structure as JSON.
type analysis struct {
	Whys     []string          `json:"whys,omitempty"`
	Fishbone map[string]string `json:"fishbone,omitempty"`
}

func scanNC(row interface{ Scan(...any) error }) (*Nonconformity, error) {
	var n Nonconformity
	var req, ctl, owner, raisedBy, due, corrDate, closedBy sql.NullString
	var closedAt sql.NullTime
	var rca string
	err := row.Scan(&n.ID, &n.Ref, &n.Title, &n.Description, &n.Severity, &n.Source, &n.SourceRef, &req, &ctl, &owner, &raisedBy, &n.RaisedOn,
		&due, &n.DelayReason, &n.Status, &n.Correction, &corrDate, &n.RootCauseMethod, &rca, &n.RootCause, &n.OccursElsewhere,
		&n.NoActionReason, &closedAt, &closedBy, &n.Version, &n.CreatedAt, &n.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "Nonconformity not found.")
	} else if err != nil {
		return nil, fmt.Errorf("scan nonconformity: %w", err)
	}
	n.RequirementID, n.ControlID, n.OwnerID, n.RaisedBy = sqlstore.StrPtr(req), sqlstore.StrPtr(ctl), sqlstore.StrPtr(owner), sqlstore.StrPtr(raisedBy)
	n.DueDate, n.CorrectionDate, n.ClosedBy = sqlstore.StrPtr(due), sqlstore.StrPtr(corrDate), sqlstore.StrPtr(closedBy)
	if closedAt.Valid {
		t := closedAt.Time.UTC()
		n.ClosedAt = &t
	}
	var a analysis
	if err := json.Unmarshal([]byte(rca), &a); err != nil {
		return nil, fmt.Errorf("nonconformity %s: root-cause analysis: %w", n.Ref, err)
	}
	n.RootCauseWhys, n.RootCauseFishbone = a.Whys, a.Fishbone
	if n.RootCauseWhys == nil {
		n.RootCauseWhys = []string{}
	}
	if n.RootCauseFishbone == nil {
		n.RootCauseFishbone = map[string]string{}
	}
	n.CreatedAt, n.UpdatedAt = n.CreatedAt.UTC(), n.UpdatedAt.UTC()
	n.Actions, n.Reviews = []*Action{}, []Review{}
	return &n, nil
}

func analysisJSON(n *Nonconformity) string {
	b, _ := json.Marshal(analysis{Whys: n.RootCauseWhys, Fishbone: n.RootCauseFishbone})
	return string(b)
}

// Filter narrows the register.
type Filter struct {
	Status, Severity, OwnerID string
	Open                      bool // every state but closed
}

// list reads orgID's nonconformities (without their actions), newest first.
func list(ctx context.Context, tx *sqlstore.Tx, orgID string, f Filter) ([]*Nonconformity, error) {
	q, args := `SELECT `+ncColumns+` FROM nonconformities WHERE org_id = ?`, []any{orgID}
	if f.Status != "" {
		q, args = q+` AND status = ?`, append(args, f.Status)
	}
	if f.Open {
		q += ` AND status <> 'closed'`
	}
	if f.Severity != "" {
		q, args = q+` AND severity = ?`, append(args, f.Severity)
	}
	if f.OwnerID != "" {
		q, args = q+` AND owner_id = ?`, append(args, f.OwnerID)
	}
	rows, err := tx.Query(ctx, q+` ORDER BY ref_number DESC LIMIT 1000`, args...)
	if err != nil {
		return nil, fmt.Errorf("nonconformities: %w", err)
	}
	defer rows.Close()
	out := []*Nonconformity{}
	for rows.Next() {
		n, err := scanNC(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// Their actions in one query, for the counts the list shows.
	acts, err := actions(ctx, tx, orgID, "", "")
	if err != nil {
		return nil, err
	}
	byNC := map[string]*Nonconformity{}
	for _, n := range out {
		byNC[n.ID] = n
	}
	for _, a := range acts {
		if n := byNC[a.NonconformityID]; n != nil {
			n.Actions = append(n.Actions, a)
		}
	}
	return out, nil
}

// get reads one nonconformity (by id or ref) with its actions and reviews.
func get(ctx context.Context, tx *sqlstore.Tx, orgID, id string) (*Nonconformity, error) {
	n, err := scanNC(tx.QueryRow(ctx, `SELECT `+ncColumns+` FROM nonconformities WHERE org_id = ? AND (id = ? OR ref = ?)`, orgID, id, strings.ToUpper(id)))
	if err != nil {
		return nil, err
	}
	if n.Actions, err = actions(ctx, tx, orgID, n.ID, ""); err != nil {
		return nil, err
	}
	rows, err := tx.Query(ctx, `SELECT n, reviewed_on, reviewer_id, result, notes, created_at FROM effectiveness_reviews
		WHERE org_id = ? AND nonconformity_id = ? ORDER BY n`, orgID, n.ID)
	if err != nil {
		return nil, fmt.Errorf("effectiveness reviews: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r Review
		var by sql.NullString
		if err := rows.Scan(&r.N, &r.ReviewedOn, &by, &r.Result, &r.Notes, &r.CreatedAt); err != nil {
			return nil, err
		}
		r.ReviewerID, r.CreatedAt = sqlstore.StrPtr(by), r.CreatedAt.UTC()
		n.Reviews = append(n.Reviews, r)
	}
	return n, rows.Err()
}

const actionColumns = `a.id, a.ref, a.nonconformity_id, n.ref, a.title, a.description, a.owner_id, a.due_date, a.status, a.done_on, a.version, a.created_at, a.updated_at`

// actions reads corrective actions: of one nonconformity (ncID), of one owner, or all.
func actions(ctx context.Context, tx *sqlstore.Tx, orgID, ncID, ownerID string) ([]*Action, error) {
	q, args := `SELECT `+actionColumns+` FROM corrective_actions a JOIN nonconformities n ON n.org_id = a.org_id AND n.id = a.nonconformity_id
		WHERE a.org_id = ?`, []any{orgID}
	if ncID != "" {
		q, args = q+` AND a.nonconformity_id = ?`, append(args, ncID)
	}
	if ownerID != "" {
		q, args = q+` AND a.owner_id = ?`, append(args, ownerID)
	}
	rows, err := tx.Query(ctx, q+` ORDER BY a.ref_number`, args...)
	if err != nil {
		return nil, fmt.Errorf("corrective actions: %w", err)
	}
	defer rows.Close()
	out := []*Action{}
	for rows.Next() {
		a, err := scanAction(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

func scanAction(row interface{ Scan(...any) error }) (*Action, error) {
	var a Action
	var owner, due, done sql.NullString
	err := row.Scan(&a.ID, &a.Ref, &a.NonconformityID, &a.NonconformityRef, &a.Title, &a.Description, &owner, &due, &a.Status, &done, &a.Version, &a.CreatedAt, &a.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "Corrective action not found.")
	} else if err != nil {
		return nil, fmt.Errorf("scan corrective action: %w", err)
	}
	a.OwnerID, a.DueDate, a.DoneOn = sqlstore.StrPtr(owner), sqlstore.StrPtr(due), sqlstore.StrPtr(done)
	a.CreatedAt, a.UpdatedAt = a.CreatedAt.UTC(), a.UpdatedAt.UTC()
	return &a, nil
}

func getAction(ctx context.Context, tx *sqlstore.Tx, orgID, ncID, id string) (*Action, error) {
	return scanAction(tx.QueryRow(ctx, `SELECT `+actionColumns+` FROM corrective_actions a JOIN nonconformities n ON n.org_id = a.org_id AND n.id = a.nonconformity_id
		WHERE a.org_id = ? AND a.nonconformity_id = ? AND (a.id = ? OR a.ref = ?)`, orgID, ncID, id, strings.ToUpper(id)))
}

// Insert stores a new nonconformity with the next NC reference, inside tx: the audit
// area opens one from a finding in the finding's own transaction. The caller audits it.
func Insert(ctx context.Context, tx *sqlstore.Tx, orgID string, n *Nonconformity) error {
	num, err := tx.NextRef(ctx, orgID, RefPrefix)
	if err != nil {
		return err
	}
	now := tx.Now()
	n.ID, n.Ref, n.Version, n.CreatedAt, n.UpdatedAt = sqlstore.NewID(), bulwark.FormatRef(RefPrefix, num), 1, now, now
	if n.Status == "" {
		n.Status = StatusOpen
	}
	if n.Actions == nil {
		n.Actions = []*Action{}
	}
	if n.Reviews == nil {
		n.Reviews = []Review{}
	}
	_, err = tx.Exec(ctx, `INSERT INTO nonconformities (id, org_id, ref, ref_number, title, description, severity, source, source_ref, requirement_id,
		control_id, owner_id, raised_by, raised_on, due_date, delay_reason, status, correction, correction_date, root_cause_method, root_cause_analysis,
		root_cause, occurs_elsewhere, no_action_reason, version, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
		n.ID, orgID, n.Ref, num, n.Title, n.Description, n.Severity, n.Source, n.SourceRef, n.RequirementID, n.ControlID, n.OwnerID, n.RaisedBy,
		n.RaisedOn, n.DueDate, n.DelayReason, n.Status, n.Correction, n.CorrectionDate, n.RootCauseMethod, analysisJSON(n), n.RootCause,
		n.OccursElsewhere, n.NoActionReason, now, now)
	if err != nil {
		return fmt.Errorf("store nonconformity: %w", err)
	}
	return nil
}

func update(ctx context.Context, tx *sqlstore.Tx, orgID string, n *Nonconformity) error {
	n.Version++
	n.UpdatedAt = tx.Now()
	res, err := tx.Exec(ctx, `UPDATE nonconformities SET title = ?, description = ?, severity = ?, source = ?, source_ref = ?, requirement_id = ?,
		control_id = ?, owner_id = ?, raised_on = ?, due_date = ?, delay_reason = ?, status = ?, correction = ?, correction_date = ?,
		root_cause_method = ?, root_cause_analysis = ?, root_cause = ?, occurs_elsewhere = ?, no_action_reason = ?, closed_at = ?, closed_by = ?,
		version = ?, updated_at = ? WHERE org_id = ? AND id = ? AND version = ?`,
		n.Title, n.Description, n.Severity, n.Source, n.SourceRef, n.RequirementID, n.ControlID, n.OwnerID, n.RaisedOn, n.DueDate, n.DelayReason,
		n.Status, n.Correction, n.CorrectionDate, n.RootCauseMethod, analysisJSON(n), n.RootCause, n.OccursElsewhere, n.NoActionReason,
		n.ClosedAt, n.ClosedBy, n.Version, n.UpdatedAt, orgID, n.ID, n.Version-1)
	if err != nil {
		return fmt.Errorf("update nonconformity: %w", err)
	}
	if k, _ := res.RowsAffected(); k != 1 {
		return bulwark.Errorf(bulwark.ECONFLICT, "%s changed meanwhile: reload and try again.", n.Ref)
	}
	return nil
}

func insertAction(ctx context.Context, tx *sqlstore.Tx, orgID string, n *Nonconformity, a *Action) error {
	num, err := tx.NextRef(ctx, orgID, ActionRefPrefix)
	if err != nil {
		return err
	}
	now := tx.Now()
	a.ID, a.Ref, a.NonconformityID, a.NonconformityRef, a.Version, a.CreatedAt, a.UpdatedAt = sqlstore.NewID(), bulwark.FormatRef(ActionRefPrefix, num), n.ID, n.Ref, 1, now, now
	_, err = tx.Exec(ctx, `INSERT INTO corrective_actions (id, org_id, nonconformity_id, ref, ref_number, title, description, owner_id, due_date, status, done_on, version, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`, a.ID, orgID, n.ID, a.Ref, num, a.Title, a.Description, a.OwnerID, a.DueDate, a.Status, a.DoneOn, now, now)
	if err != nil {
		return fmt.Errorf("store corrective action: %w", err)
	}
	return nil
}

func updateAction(ctx context.Context, tx *sqlstore.Tx, orgID string, a *Action) error {
	a.Version++
	a.UpdatedAt = tx.Now()
	res, err := tx.Exec(ctx, `UPDATE corrective_actions SET title = ?, description = ?, owner_id = ?, due_date = ?, status = ?, done_on = ?, version = ?, updated_at = ?
		WHERE org_id = ? AND id = ? AND version = ?`, a.Title, a.Description, a.OwnerID, a.DueDate, a.Status, a.DoneOn, a.Version, a.UpdatedAt, orgID, a.ID, a.Version-1)
	if err != nil {
		return fmt.Errorf("update corrective action: %w", err)
	}
	if k, _ := res.RowsAffected(); k != 1 {
		return bulwark.Errorf(bulwark.ECONFLICT, "%s changed meanwhile: reload and try again.", a.Ref)
	}
	return nil
}

func insertReview(ctx context.Context, tx *sqlstore.Tx, orgID string, n *Nonconformity, r *Review) error {
	r.N = len(n.Reviews) + 1
	r.CreatedAt = tx.Now()
	_, err := tx.Exec(ctx, `INSERT INTO effectiveness_reviews (org_id, nonconformity_id, n, reviewed_on, reviewer_id, result, notes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		orgID, n.ID, r.N, r.ReviewedOn, r.ReviewerID, r.Result, r.Notes, r.CreatedAt)
	if err != nil {
		return fmt.Errorf("store effectiveness review: %w", err)
	}
	n.Reviews = append(n.Reviews, *r)
	return nil
}

// Counts is what the register says for measurements and readiness.
type Counts struct {
	Open, Closed int
	// OpenPastDue: open past the due date with no delay reason recorded (10.2 readiness).
	OpenPastDue int
	// MeanDaysToClose is the mean days from raised to closed among closed ones (nil when none is).
	MeanDaysToClose *float64
	// ActionsOverdue are corrective actions not done past their due date.
	ActionsOverdue int
}

// CountsOf counts orgID's nonconformities on day today (YYYY-MM-DD in the organisation's time zone).
func CountsOf(ctx context.Context, tx *sqlstore.Tx, orgID string) (Counts, error) {
	var tz string
	if err := tx.QueryRow(ctx, `SELECT time_zone FROM organisations WHERE id = ?`, orgID).Scan(&tz); err != nil {
		return Counts{}, fmt.Errorf("organisation time zone: %w", err)
	}
	today := bulwark.Today(time.Now(), tz)
	var c Counts
	err := tx.QueryRow(ctx, `SELECT COALESCE(SUM(CASE WHEN status <> 'closed' THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN status = 'closed' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN status <> 'closed' AND due_date < ? AND delay_reason = '' THEN 1 ELSE 0 END), 0)
		FROM nonconformities WHERE org_id = ?`, today, orgID).Scan(&c.Open, &c.Closed, &c.OpenPastDue)
	if err != nil {
		return c, fmt.Errorf("count nonconformities: %w", err)
	}
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM corrective_actions WHERE org_id = ? AND status IN ('open', 'in_progress') AND due_date < ?`, orgID, today).Scan(&c.ActionsOverdue); err != nil {
		return c, fmt.Errorf("count overdue actions: %w", err)
	}
	rows, err := tx.Query(ctx, `SELECT raised_on, closed_at FROM nonconformities WHERE org_id = ? AND status = 'closed' AND closed_at IS NOT NULL`, orgID)
	if err != nil {
		return c, fmt.Errorf("closed nonconformities: %w", err)
	}
	defer rows.Close()
	total, n := 0.0, 0
	for rows.Next() {
		var raised string
		var closed time.Time
		if err := rows.Scan(&raised, &closed); err != nil {
			return c, err
		}
		if d, err := time.Parse(time.DateOnly, raised); err == nil {
			total += closed.Sub(d).Hours() / 24
			n++
		}
	}
	if n > 0 {
		m := total / float64(n)
		c.MeanDaysToClose = &m
	}
	return c, rows.Err()
}

package reviews

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/sqlstore"
)

const reviewColumns = `id, ref, title, held_on, status, summary, inputs_taken_at, approved_by, approved_at, version, created_at, updated_at`

func scanReview(row interface{ Scan(...any) error }) (*Review, error) {
	var r Review
	var held, by sql.NullString
	var at sql.NullTime
	err := row.Scan(&r.ID, &r.Ref, &r.Title, &held, &r.Status, &r.Summary, &r.InputsAt, &by, &at, &r.Version, &r.CreatedAt, &r.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "Management review not found.")
	} else if err != nil {
		return nil, fmt.Errorf("scan management review: %w", err)
	}
	r.HeldOn, r.ApprovedBy = sqlstore.StrPtr(held), sqlstore.StrPtr(by)
	if at.Valid {
		t := at.Time.UTC()
		r.ApprovedAt = &t
	}
	r.InputsAt, r.CreatedAt, r.UpdatedAt = r.InputsAt.UTC(), r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	r.Attendees, r.Sections, r.Decisions = []Attendee{}, []Section{}, []*Decision{}
	return &r, nil
}

func listReviews(ctx context.Context, tx *sqlstore.Tx, orgID string) ([]*Review, error) {
	rows, err := tx.Query(ctx, `SELECT `+reviewColumns+` FROM management_reviews WHERE org_id = ? ORDER BY ref_number DESC`, orgID)
	if err != nil {
		return nil, fmt.Errorf("management reviews: %w", err)
	}
	defer rows.Close()
	out := []*Review{}
	for rows.Next() {
		r, err := scanReview(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// getReview reads one review with its attendees, sections and decisions.
func getReview(ctx context.Context, tx *sqlstore.Tx, orgID, id string) (*Review, error) {
	r, err := scanReview(tx.QueryRow(ctx, `SELECT `+reviewColumns+` FROM management_reviews WHERE org_id = ? AND (id = ? OR ref = ?)`, orgID, id, strings.ToUpper(id)))
	if err != nil {
		return nil, err
	}
	rows, err := tx.Query(ctx, `SELECT member_id, name FROM review_attendees WHERE org_id = ? AND review_id = ? ORDER BY n`, orgID, r.ID)
	if err != nil {
		return nil, fmt.Errorf("attendees: %w", err)
	}
	for rows.Next() {
		var a Attendee
		var m sql.NullString
		if err := rows.Scan(&m, &a.Name); err != nil {
			rows.Close()
			return nil, err
		}
		a.MemberID = sqlstore.StrPtr(m)
		r.Attendees = append(r.Attendees, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = tx.Query(ctx, `SELECT snapshot, notes FROM review_sections WHERE org_id = ? AND review_id = ? ORDER BY position`, orgID, r.ID)
	if err != nil {
		return nil, fmt.Errorf("review sections: %w", err)
	}
	for rows.Next() {
		var snap, notes string
		if err := rows.Scan(&snap, &notes); err != nil {
			rows.Close()
			return nil, err
		}
		var s Section
		if err := json.Unmarshal([]byte(snap), &s); err != nil {
			rows.Close()
			return nil, fmt.Errorf("review %s: section: %w", r.Ref, err)
		}
		s.Notes = notes
		r.Sections = append(r.Sections, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	r.Decisions, err = decisions(ctx, tx, orgID, `AND d.review_id = ?`, r.ID)
	return r, err
}

func writeSections(ctx context.Context, tx *sqlstore.Tx, orgID, reviewID string, sections []Section) error {
	if _, err := tx.Exec(ctx, `DELETE FROM review_sections WHERE org_id = ? AND review_id = ?`, orgID, reviewID); err != nil {
		return fmt.Errorf("replace review sections: %w", err)
	}
	for i, s := range sections {
		notes := s.Notes
		s.Notes = ""
		b, err := json.Marshal(s)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO review_sections (org_id, review_id, position, section, snapshot, notes) VALUES (?, ?, ?, ?, ?, ?)`,
			orgID, reviewID, i+1, s.Key, string(b), notes); err != nil {
			return fmt.Errorf("store review section: %w", err)
		}
	}
	return nil
}

func writeAttendees(ctx context.Context, tx *sqlstore.Tx, orgID, reviewID string, as []Attendee) error {
	if _, err := tx.Exec(ctx, `DELETE FROM review_attendees WHERE org_id = ? AND review_id = ?`, orgID, reviewID); err != nil {
		return fmt.Errorf("replace attendees: %w", err)
	}
	for i, a := range as {
		if _, err := tx.Exec(ctx, `INSERT INTO review_attendees (org_id, review_id, n, member_id, name) VALUES (?, ?, ?, ?, ?)`, orgID, reviewID, i+1, a.MemberID, a.Name); err != nil {
			return fmt.Errorf("store attendee: %w", err)
		}
	}
	return nil
}

func insertReview(ctx context.Context, tx *sqlstore.Tx, orgID string, r *Review) error {
	num, err := tx.NextRef(ctx, orgID, RefPrefix)
	if err != nil {
		return err
	}
	now := tx.Now()
	r.ID, r.Ref, r.Version, r.CreatedAt, r.UpdatedAt = sqlstore.NewID(), bulwark.FormatRef(RefPrefix, num), 1, now, now
	if _, err := tx.Exec(ctx, `INSERT INTO management_reviews (id, org_id, ref, ref_number, title, held_on, status, summary, inputs_taken_at, version, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, 'draft', ?, ?, 1, ?, ?)`, r.ID, orgID, r.Ref, num, r.Title, r.HeldOn, r.Summary, r.InputsAt, now, now); err != nil {
		return fmt.Errorf("store management review: %w", err)
	}
	if err := writeAttendees(ctx, tx, orgID, r.ID, r.Attendees); err != nil {
		return err
	}
	return writeSections(ctx, tx, orgID, r.ID, r.Sections)
}

func updateReview(ctx context.Context, tx *sqlstore.Tx, orgID string, r *Review) error {
	r.Version++
	r.UpdatedAt = tx.Now()
	res, err := tx.Exec(ctx, `UPDATE management_reviews SET title = ?, held_on = ?, status = ?, summary = ?, inputs_taken_at = ?, approved_by = ?, approved_at = ?,
		version = ?, updated_at = ? WHERE org_id = ? AND id = ? AND version = ?`, r.Title, r.HeldOn, r.Status, r.Summary, r.InputsAt, r.ApprovedBy, r.ApprovedAt,
		r.Version, r.UpdatedAt, orgID, r.ID, r.Version-1)
	if err != nil {
		return fmt.Errorf("update management review: %w", err)
	}
	if k, _ := res.RowsAffected(); k != 1 {
		return bulwark.Errorf(bulwark.ECONFLICT, "%s changed meanwhile: reload and try again.", r.Ref)
	}
	return nil
}

const decisionColumns = `d.id, d.ref, d.review_id, r.ref, d.title, d.owner_id, d.due_date, d.status, d.done_on, d.version, d.created_at, d.updated_at`

func decisions(ctx context.Context, tx *sqlstore.Tx, orgID, cond string, args ...any) ([]*Decision, error) {
	rows, err := tx.Query(ctx, `SELECT `+decisionColumns+` FROM review_decisions d JOIN management_reviews r ON r.org_id = d.org_id AND r.id = d.review_id
		WHERE d.org_id = ? `+cond+` ORDER BY d.ref_number`, append([]any{orgID}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("decisions: %w", err)
	}
	defer rows.Close()
	out := []*Decision{}
	for rows.Next() {
		d, err := scanDecision(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

func scanDecision(row interface{ Scan(...any) error }) (*Decision, error) {
	var d Decision
	var owner, due, done sql.NullString
	err := row.Scan(&d.ID, &d.Ref, &d.ReviewID, &d.ReviewRef, &d.Title, &owner, &due, &d.Status, &done, &d.Version, &d.CreatedAt, &d.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "Decision not found.")
	} else if err != nil {
		return nil, fmt.Errorf("scan decision: %w", err)
	}
	d.OwnerID, d.DueDate, d.DoneOn = sqlstore.StrPtr(owner), sqlstore.StrPtr(due), sqlstore.StrPtr(done)
	d.CreatedAt, d.UpdatedAt = d.CreatedAt.UTC(), d.UpdatedAt.UTC()
	return &d, nil
}

func insertDecision(ctx context.Context, tx *sqlstore.Tx, orgID string, r *Review, d *Decision) error {
	num, err := tx.NextRef(ctx, orgID, DecisionRefPrefix)
	if err != nil {
		return err
	}
	now := tx.Now()
	d.ID, d.Ref, d.ReviewID, d.ReviewRef, d.Version, d.CreatedAt, d.UpdatedAt = sqlstore.NewID(), bulwark.FormatRef(DecisionRefPrefix, num), r.ID, r.Ref, 1, now, now
	_, err = tx.Exec(ctx, `INSERT INTO review_decisions (id, org_id, review_id, ref, ref_number, title, owner_id, due_date, status, done_on, version, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`, d.ID, orgID, r.ID, d.Ref, num, d.Title, d.OwnerID, d.DueDate, d.Status, d.DoneOn, now, now)
	if err != nil {
		return fmt.Errorf("store decision: %w", err)
	}
	return nil
}

func updateDecision(ctx context.Context, tx *sqlstore.Tx, orgID string, d *Decision) error {
	d.Version++
	d.UpdatedAt = tx.Now()
	res, err := tx.Exec(ctx, `UPDATE review_decisions SET title = ?, owner_id = ?, due_date = ?, status = ?, done_on = ?, version = ?, updated_at = ?
		WHERE org_id = ? AND id = ? AND version = ?`, d.Title, d.OwnerID, d.DueDate, d.Status, d.DoneOn, d.Version, d.UpdatedAt, orgID, d.ID, d.Version-1)
	if err != nil {
		return fmt.Errorf("update decision: %w", err)
	}
	if k, _ := res.RowsAffected(); k != 1 {
		return bulwark.Errorf(bulwark.ECONFLICT, "%s changed meanwhile: reload and try again.", d.Ref)
	}
	return nil
}

// Readiness is what certification readiness asks of management review (9.3).
type Readiness struct {
	// LastApproved is the day the latest approved review was held ("" when none); Complete says it holds every input.
	LastApproved string
	Complete     bool
}

// ReadinessOf reads orgID's latest approved management review.
func ReadinessOf(ctx context.Context, tx *sqlstore.Tx, orgID string) (Readiness, error) {
	var r Readiness
	var id string
	var held sql.NullString
	err := tx.QueryRow(ctx, `SELECT id, held_on FROM management_reviews WHERE org_id = ? AND status = 'approved' AND held_on IS NOT NULL
		ORDER BY held_on DESC, ref_number DESC LIMIT 1`, orgID).Scan(&id, &held)
	if errors.Is(err, sql.ErrNoRows) {
		return r, nil
	} else if err != nil {
		return r, fmt.Errorf("management review readiness: %w", err)
	}
	r.LastApproved = held.String
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(DISTINCT section) FROM review_sections WHERE org_id = ? AND review_id = ?`, orgID, id).Scan(&n); err != nil {
		return r, fmt.Errorf("management review readiness: %w", err)
	}
	r.Complete = n >= len(SectionTitles)
	return r, nil
}

// markOverdue sets each decision's overdue flag on day today.
func markOverdue(ds []*Decision, today string) {
	for _, d := range ds {
		d.Overdue = (d.Status == "open" || d.Status == "in_progress") && d.DueDate != nil && *d.DueDate < today
	}
}

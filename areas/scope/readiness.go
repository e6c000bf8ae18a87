package scope

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/sqlstore"
)

// Readiness is what certification readiness asks of clauses 4.1–4.3: issues recorded, interested parties and
// their requirements, and an approved scope.
type Readiness struct {
	ContextIssues       int // live context issues
	ExternalIssues      int // of which external
	IssuesReviewDue     int // live issues whose review date has come
	InterestedParties   int // live interested parties
	Requirements        int // their requirements
	RequirementsHandled int // of which the ISMS addresses
	// ScopeStatus is the live statement's state: draft, submitted or approved ("" when never written).
	ScopeStatus string
	// ScopeApproved says whether the scope has an approved revision; ScopeRevision is its number (0: none) and
	// ScopeApprovedOn its date (YYYY-MM-DD, "" when none). A draft after an approval keeps these.
	ScopeApproved   bool
	ScopeRevision   int
	ScopeApprovedOn string
	ScopeExclusions int // exclusions of the last approved revision
}

// ReadinessOf reads orgID's context and scope for the readiness page, inside tx.
func ReadinessOf(ctx context.Context, tx *sqlstore.Tx, orgID string) (Readiness, error) {
	var r Readiness
	var tz string
	if err := tx.QueryRow(ctx, `SELECT time_zone FROM organisations WHERE id = ?`, orgID).Scan(&tz); err != nil {
		return r, fmt.Errorf("organisation time zone: %w", err)
	}
	today := bulwark.Today(time.Now(), tz)
	err := tx.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN kind = 'external' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN review_date <= ? THEN 1 ELSE 0 END), 0)
		FROM context_issues WHERE org_id = ? AND archived_at IS NULL`, today, orgID).Scan(&r.ContextIssues, &r.ExternalIssues, &r.IssuesReviewDue)
	if err != nil {
		return r, fmt.Errorf("context issues readiness: %w", err)
	}
	ps, err := store{tx}.parties(ctx, orgID, false, "")
	if err != nil {
		return r, err
	}
	r.InterestedParties = len(ps)
	for _, p := range ps {
		r.Requirements += len(p.Requirements)
		r.RequirementsHandled += p.Addressed
	}
	var status sql.NullString
	if err := tx.QueryRow(ctx, `SELECT status FROM scope_statements WHERE org_id = ?`, orgID).Scan(&status); err != nil && err != sql.ErrNoRows {
		return r, fmt.Errorf("scope readiness: %w", err)
	}
	r.ScopeStatus = status.String
	n, err := store{tx}.lastRevision(ctx, orgID)
	if err != nil || n == 0 {
		return r, err
	}
	last, err := store{tx}.revision(ctx, orgID, n)
	if err != nil {
		return r, err
	}
	r.ScopeApproved, r.ScopeRevision, r.ScopeExclusions = true, n, len(last.Exclusions)
	if last.ApprovedAt != nil {
		r.ScopeApprovedOn = bulwark.Today(*last.ApprovedAt, tz)
	}
	return r, nil
}

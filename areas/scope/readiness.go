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
	ps, _, err := store{tx}.parties(ctx, orgID, PartyFilter{})
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

// Changes is what changed in the context registers since a moment, for the management review (9.3.2 b, c).
type Changes struct {
	Issues, IssuesReviewDue int      // live issues, and those whose review date has come
	IssuesChanged           []string // "CI-003 title (new)" or "(changed)", or "(archived)", since the moment
	Parties                 int      // live interested parties
	PartiesChanged          []string // as IssuesChanged
}

// ChangesSince reads what changed in orgID's context issues and interested parties since since (UTC); today is
// the organisation's date (YYYY-MM-DD).
func ChangesSince(ctx context.Context, tx *sqlstore.Tx, orgID string, since time.Time, today string) (Changes, error) {
	c := Changes{IssuesChanged: []string{}, PartiesChanged: []string{}}
	if err := tx.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN review_date <= ? THEN 1 ELSE 0 END), 0) FROM context_issues WHERE org_id = ? AND archived_at IS NULL`,
		today, orgID).Scan(&c.Issues, &c.IssuesReviewDue); err != nil {
		return c, fmt.Errorf("context issues: %w", err)
	}
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM interested_parties WHERE org_id = ? AND archived_at IS NULL`, orgID).Scan(&c.Parties); err != nil {
		return c, fmt.Errorf("interested parties: %w", err)
	}
	for _, l := range []struct {
		q   string
		dst *[]string
	}{
		{`SELECT ref, title, created_at, archived_at FROM context_issues WHERE org_id = ? AND updated_at >= ? ORDER BY ref_number LIMIT 200`, &c.IssuesChanged},
		{`SELECT ref, name, created_at, archived_at FROM interested_parties WHERE org_id = ? AND updated_at >= ? ORDER BY ref_number LIMIT 200`, &c.PartiesChanged},
	} {
		rows, err := tx.Query(ctx, l.q, orgID, since)
		if err != nil {
			return c, fmt.Errorf("context changes: %w", err)
		}
		for rows.Next() {
			var ref, title string
			var created time.Time
			var archived sql.NullTime
			if err := rows.Scan(&ref, &title, &created, &archived); err != nil {
				rows.Close()
				return c, fmt.Errorf("context changes: %w", err)
			}
			what := "changed"
			switch {
			case archived.Valid:
				what = "archived"
			case !created.Before(since):
				what = "new"
			}
			*l.dst = append(*l.dst, ref+" "+title+" ("+what+")")
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return c, err
		}
	}
	return c, nil
}

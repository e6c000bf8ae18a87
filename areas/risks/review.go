package risks

import (
	"context"
	"fmt"
	"time"

	"github.com/bulwark-isms/bulwark/sqlstore"
)

// ReviewFigures is what a management review (9.3.2 f) takes from the risk register: the live risks by
// residual level (in the methodology's order), those above the acceptance criteria, overdue treatment
// actions, and the changes since the last review.
type ReviewFigures struct {
	Live                       int
	Levels                     []string       // the current methodology's levels, lowest first
	ByLevel                    map[string]int // residual level (inherent where none) → live risks
	AboveCriteria              int
	ActionsOverdue             int
	CreatedSince, ChangedSince int // since the day given (created ones not counted as changed)
}

// ReviewFiguresOf counts orgID's risk register on day today, with the changes since day since ("" for none).
func ReviewFiguresOf(ctx context.Context, tx *sqlstore.Tx, orgID, since, today string) (ReviewFigures, error) {
	st := store{tx}
	f := ReviewFigures{ByLevel: map[string]int{}}
	// One pass over the live risks: the count per residual level with, per level, those created and changed
	// since the last review (two passes, or RiskCounts' three groupings, cost twice as much on SQLite at 20,000).
	residual := map[string]int{}
	from := time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC) // no previous day: nothing counts as new or changed
	if t, err := time.Parse(time.DateOnly, since); err == nil {
		from = t
	}
	rows, err := tx.Query(ctx, `SELECT COALESCE(residual_level, inherent_level, ''), COUNT(*),
		COALESCE(SUM(CASE WHEN created_at >= ? THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN created_at < ? AND updated_at >= ? THEN 1 ELSE 0 END), 0)
		FROM risks WHERE org_id = ? AND archived_at IS NULL GROUP BY COALESCE(residual_level, inherent_level, '')`, from, from, from, orgID)
	if err != nil {
		return f, fmt.Errorf("risks by level: %w", err)
	}
	for rows.Next() {
		var level string
		var n, created, changed int
		if err := rows.Scan(&level, &n, &created, &changed); err != nil {
			rows.Close()
			return f, err
		}
		residual[level] = n
		f.CreatedSince += created
		f.ChangedSince += changed
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return f, err
	}
	m, err := st.Methodology(ctx, orgID, 0)
	if err != nil {
		return f, fmt.Errorf("review figures: %w", err)
	}
	for _, b := range m.Levels {
		f.Levels = append(f.Levels, b.Label)
	}
	for level, n := range residual {
		f.Live += n
		f.ByLevel[level] += n
		if level != "" && !m.Acceptable(level) {
			f.AboveCriteria += n
		}
	}
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM risk_actions a JOIN risks r ON r.org_id = a.org_id AND r.id = a.risk_id
		WHERE a.org_id = ? AND a.status IN ('open', 'in_progress') AND a.due_date < ? AND r.archived_at IS NULL`, orgID, today).Scan(&f.ActionsOverdue); err != nil {
		return f, fmt.Errorf("overdue treatment actions: %w", err)
	}
	return f, nil
}

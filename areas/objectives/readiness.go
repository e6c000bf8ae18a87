package objectives

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/bulwark-isms/bulwark/sqlstore"
)

// Readiness is what certification readiness asks of objectives (6.2) and their measurement (9.1).
type Readiness struct {
	Objectives, NoOwner, NoMetric int // live objectives, those without an owner, those without a live metric
	Metrics, Measured, Stale      int // live metrics, those with a measurement, those whose latest is older than two periods
}

// ReadinessOf counts orgID's live objectives and metrics on day today (YYYY-MM-DD).
func ReadinessOf(ctx context.Context, tx *sqlstore.Tx, orgID, today string) (Readiness, error) {
	var r Readiness
	err := tx.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN o.owner_id IS NULL THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN NOT EXISTS (SELECT 1 FROM metrics m WHERE m.org_id = o.org_id AND m.objective_id = o.id AND m.archived_at IS NULL) THEN 1 ELSE 0 END), 0)
		FROM objectives o WHERE o.org_id = ? AND o.archived_at IS NULL`, orgID).Scan(&r.Objectives, &r.NoOwner, &r.NoMetric)
	if err != nil {
		return r, fmt.Errorf("objectives readiness: %w", err)
	}
	rows, err := tx.Query(ctx, `SELECT m.frequency, (SELECT MAX(x.measured_on) FROM measurements x WHERE x.org_id = m.org_id AND x.metric_id = m.id)
		FROM metrics m JOIN objectives o ON o.org_id = m.org_id AND o.id = m.objective_id
		WHERE m.org_id = ? AND m.archived_at IS NULL AND o.archived_at IS NULL`, orgID)
	if err != nil {
		return r, fmt.Errorf("metrics readiness: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var freq string
		var latest sql.NullString
		if err := rows.Scan(&freq, &latest); err != nil {
			return r, err
		}
		r.Metrics++
		if !latest.Valid {
			continue
		}
		r.Measured++
		if AddPeriods(latest.String, freq, 2) < today {
			r.Stale++
		}
	}
	return r, rows.Err()
}

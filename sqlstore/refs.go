package sqlstore

import (
	"context"
	"fmt"
)

// NextRef allocates the next number of a reference kind ("A" for assets) in orgID.
// The counter row is locked for the rest of the transaction.
func (tx *Tx) NextRef(ctx context.Context, orgID, kind string) (int, error) {
	if _, err := tx.Exec(ctx, `INSERT INTO ref_counters (org_id, kind, next_number) VALUES (?, ?, 1) ON CONFLICT DO NOTHING`, orgID, kind); err != nil {
		return 0, err
	}
	var n int
	if err := tx.QueryRow(ctx, `UPDATE ref_counters SET next_number = next_number + 1 WHERE org_id = ? AND kind = ? RETURNING next_number - 1`, orgID, kind).Scan(&n); err != nil {
		return 0, fmt.Errorf("allocate reference: %w", err)
	}
	return n, nil
}

// BumpRef makes sure the counter of kind will not hand out n again.
func (tx *Tx) BumpRef(ctx context.Context, orgID, kind string, n int) error {
	if _, err := tx.Exec(ctx, `INSERT INTO ref_counters (org_id, kind, next_number) VALUES (?, ?, ?) ON CONFLICT (org_id, kind) DO UPDATE SET next_number = CASE WHEN ref_counters.next_number > excluded.next_number THEN ref_counters.next_number ELSE excluded.next_number END`, orgID, kind, n+1); err != nil {
		return fmt.Errorf("bump reference counter: %w", err)
	}
	return nil
}

package sqlstore

import (
	"context"
	"fmt"

	"github.com/bulwark-isms/bulwark"
)

// SeedClassificationScheme gives orgID the default classification scheme unless it has one.
func (tx *Tx) SeedClassificationScheme(ctx context.Context, orgID string) error {
	for i, c := range bulwark.DefaultClassification {
		if _, err := tx.Exec(ctx, `INSERT INTO classification_levels (org_id, position, name, description) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			orgID, i+1, c.Name, c.Description); err != nil {
			return fmt.Errorf("seed classification: %w", err)
		}
	}
	return nil
}

// Classifications lists the names of orgID's classification scheme, lowest first.
func (tx *Tx) Classifications(ctx context.Context, orgID string) ([]string, error) {
	rows, err := tx.Query(ctx, `SELECT name FROM classification_levels WHERE org_id = ? ORDER BY position`, orgID)
	if err != nil {
		return nil, fmt.Errorf("list classifications: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// SetClassificationScheme replaces orgID's classification levels, lowest first.
// Removing a level that assets still use is a conflict.
func (tx *Tx) SetClassificationScheme(ctx context.Context, orgID string, names []string) error {
	current, err := tx.Classifications(ctx, orgID)
	if err != nil {
		return err
	}
	keep := map[string]bool{}
	for _, n := range names {
		keep[n] = true
	}
	for _, c := range current {
		if keep[c] {
			continue
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM assets WHERE org_id = ? AND classification = ?`, orgID, c).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return bulwark.Errorf(bulwark.ECONFLICT, "%d asset(s) are classified %s; reclassify them before removing the level.", n, c)
		}
	}
	if _, err := tx.Exec(ctx, `DELETE FROM classification_levels WHERE org_id = ?`, orgID); err != nil {
		return err
	}
	for i, n := range names {
		if _, err := tx.Exec(ctx, `INSERT INTO classification_levels (org_id, position, name, description) VALUES (?, ?, ?, '')`, orgID, i+1, n); err != nil {
			return fmt.Errorf("save classification: %w", err)
		}
	}
	return nil
}

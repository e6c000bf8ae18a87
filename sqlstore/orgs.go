package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/bulwark-isms/bulwark"
)

const orgColumns = `id, slug, name, time_zone, date_order, segregation_of_duties, created_at, version`

func scanOrg(row interface{ Scan(...any) error }) (*bulwark.Organisation, error) {
	var o bulwark.Organisation
	err := row.Scan(&o.ID, &o.Slug, &o.Name, &o.Settings.TimeZone, &o.Settings.DateOrder, &o.Settings.SegregationOfDuties, &o.CreatedAt, &o.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "Organisation not found.")
	} else if err != nil {
		return nil, fmt.Errorf("scan organisation: %w", err)
	}
	o.CreatedAt = o.CreatedAt.UTC()
	return &o, nil
}

// InsertOrganisation stores a new organisation; a taken slug is ECONFLICT.
func (tx *Tx) InsertOrganisation(ctx context.Context, o *bulwark.Organisation) error {
	o.ID = NewID()
	o.CreatedAt = tx.now
	o.Version = 1
	_, err := tx.Exec(ctx, `INSERT INTO organisations (`+orgColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, 1)`,
		o.ID, o.Slug, o.Name, o.Settings.TimeZone, o.Settings.DateOrder, o.Settings.SegregationOfDuties, o.CreatedAt)
	if IsUniqueViolation(err) {
		return bulwark.Errorf(bulwark.ECONFLICT, "An organisation with the slug %q already exists.", o.Slug)
	}
	if err != nil {
		return fmt.Errorf("insert organisation: %w", err)
	}
	return nil
}

// OrganisationBySlug returns the organisation with slug, or ENOTFOUND.
func (tx *Tx) OrganisationBySlug(ctx context.Context, slug string) (*bulwark.Organisation, error) {
	return scanOrg(tx.QueryRow(ctx, `SELECT `+orgColumns+` FROM organisations WHERE slug = ?`, slug))
}

// OrganisationByID returns the organisation with id, or ENOTFOUND.
func (tx *Tx) OrganisationByID(ctx context.Context, id string) (*bulwark.Organisation, error) {
	return scanOrg(tx.QueryRow(ctx, `SELECT `+orgColumns+` FROM organisations WHERE id = ?`, id))
}

// Organisations lists every organisation, by slug. For the CLI and instance tools.
func (tx *Tx) Organisations(ctx context.Context) ([]*bulwark.Organisation, error) {
	rows, err := tx.Query(ctx, `SELECT `+orgColumns+` FROM organisations ORDER BY slug`)
	if err != nil {
		return nil, fmt.Errorf("list organisations: %w", err)
	}
	defer rows.Close()
	var out []*bulwark.Organisation
	for rows.Next() {
		o, err := scanOrg(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// CountOrganisations counts organisations; zero means the instance is fresh.
func (tx *Tx) CountOrganisations(ctx context.Context) (int, error) {
	var n int
	err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM organisations`).Scan(&n)
	return n, err
}

// UpdateOrganisation writes the name and settings of organisation o.
func (tx *Tx) UpdateOrganisation(ctx context.Context, o *bulwark.Organisation) error {
	res, err := tx.Exec(ctx, `UPDATE organisations SET name = ?, time_zone = ?, date_order = ?, segregation_of_duties = ?, version = version + 1 WHERE id = ? AND version = ?`,
		o.Name, o.Settings.TimeZone, o.Settings.DateOrder, o.Settings.SegregationOfDuties, o.ID, o.Version)
	if err != nil {
		return fmt.Errorf("update organisation: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return bulwark.Errorf(bulwark.ECONFLICT, "The settings were changed by someone else; reload and try again.")
	}
	o.Version++
	return nil
}

// SetupCode records the hash of a first-run code.
func (tx *Tx) InsertSetupCode(ctx context.Context, codeHash string) error {
	_, err := tx.Exec(ctx, `INSERT INTO setup_codes (code_hash, created_at) VALUES (?, ?)`, codeHash, tx.now)
	return err
}

// SetupCodeValid reports whether codeHash was issued in the last 24 hours.
func (tx *Tx) SetupCodeValid(ctx context.Context, codeHash string) (bool, error) {
	var n int
	err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM setup_codes WHERE code_hash = ? AND created_at > ?`, codeHash, tx.now.Add(-24*3600e9)).Scan(&n)
	return n > 0, err
}

// DeleteSetupCodes removes every first-run code (once setup is done).
func (tx *Tx) DeleteSetupCodes(ctx context.Context) error {
	_, err := tx.Exec(ctx, `DELETE FROM setup_codes`)
	return err
}

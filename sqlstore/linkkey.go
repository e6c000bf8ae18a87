package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
)

// LinkKey returns organisation orgID's key for personal signed links, creating
// it on first use. Each organisation has its own, so a link of one says nothing
// of another's, and every instance over the database shares it.
func (tx *Tx) LinkKey(ctx context.Context, orgID string) ([]byte, error) {
	var k string
	if err := tx.QueryRow(ctx, `SELECT link_key FROM organisations WHERE id = ?`, orgID).Scan(&k); err != nil {
		return nil, fmt.Errorf("link key: %w", err)
	}
	if k == "" {
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		// Only when still empty: a concurrent first use keeps whichever key won.
		if _, err := tx.Exec(ctx, `UPDATE organisations SET link_key = ? WHERE id = ? AND link_key = ''`, hex.EncodeToString(b), orgID); err != nil {
			return nil, fmt.Errorf("link key: %w", err)
		}
		if err := tx.QueryRow(ctx, `SELECT link_key FROM organisations WHERE id = ?`, orgID).Scan(&k); err != nil {
			return nil, fmt.Errorf("link key: %w", err)
		}
	}
	return hex.DecodeString(k)
}

// ExistingLinkKey returns orgID's link key without creating one (nil when none:
// no link of it can be valid).
func (tx *Tx) ExistingLinkKey(ctx context.Context, orgID string) ([]byte, error) {
	var k string
	err := tx.QueryRow(ctx, `SELECT link_key FROM organisations WHERE id = ?`, orgID).Scan(&k)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil // an unknown organisation: no key
	} else if err != nil {
		return nil, fmt.Errorf("link key: %w", err)
	}
	return hex.DecodeString(k)
}

package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/bulwark-isms/bulwark"
)

// Upload is a file kept between an import's preview and its confirmation.
type Upload struct {
	ID       string
	Kind     string
	Filename string
	Content  []byte
}

// InsertUpload stores an upload of member memberID and removes uploads older than a day.
func (tx *Tx) InsertUpload(ctx context.Context, orgID, memberID string, u *Upload) error {
	if _, err := tx.Exec(ctx, `DELETE FROM import_uploads WHERE created_at < ?`, tx.now.Add(-24*time.Hour)); err != nil {
		return fmt.Errorf("prune uploads: %w", err)
	}
	u.ID = NewID()
	if _, err := tx.Exec(ctx, `INSERT INTO import_uploads (id, org_id, member_id, kind, filename, content, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		u.ID, orgID, memberID, u.Kind, u.Filename, u.Content, tx.now); err != nil {
		return fmt.Errorf("store upload: %w", err)
	}
	return nil
}

// Upload returns upload id of member memberID in orgID, or ENOTFOUND.
func (tx *Tx) Upload(ctx context.Context, orgID, memberID, id string) (*Upload, error) {
	var u Upload
	err := tx.QueryRow(ctx, `SELECT id, kind, filename, content FROM import_uploads WHERE org_id = ? AND member_id = ? AND id = ?`, orgID, memberID, id).
		Scan(&u.ID, &u.Kind, &u.Filename, &u.Content)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "This upload has expired; upload the file again.")
	} else if err != nil {
		return nil, fmt.Errorf("read upload: %w", err)
	}
	return &u, nil
}

// DeleteUpload removes upload id of kind, of member memberID in orgID, once imported.
func (tx *Tx) DeleteUpload(ctx context.Context, orgID, memberID, kind, id string) error {
	_, err := tx.Exec(ctx, `DELETE FROM import_uploads WHERE org_id = ? AND member_id = ? AND kind = ? AND id = ?`, orgID, memberID, kind, id)
	return err
}

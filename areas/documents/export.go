package documents

import (
	"context"
	"fmt"
	"io"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/sqlstore"
)

const ackColumns = `a.id, a.document_id, d.ref, r.title, a.major, a.minor, a.person_id, pe.ref, pe.name, pe.email, a.acknowledged_at, a.via
	FROM acknowledgements a JOIN documents d ON d.org_id = a.org_id AND d.id = a.document_id
	JOIN document_revisions r ON r.org_id = a.org_id AND r.document_id = a.document_id AND r.major = a.major AND r.minor = a.minor
	JOIN people pe ON pe.org_id = a.org_id AND pe.id = a.person_id`

// eachAcknowledgement calls fn for orgID's acknowledgements (of one person when
// personID is set), newest first.
func eachAcknowledgement(ctx context.Context, tx *sqlstore.Tx, orgID, personID string, fn func(*Acknowledgement) error) error {
	q := `SELECT ` + ackColumns + ` WHERE a.org_id = ?`
	args := []any{orgID}
	if personID != "" {
		q += ` AND a.person_id = ?`
		args = append(args, personID)
	}
	rows, err := tx.Query(ctx, q+` ORDER BY a.acknowledged_at DESC, a.id`, args...)
	if err != nil {
		return fmt.Errorf("acknowledgements: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var a Acknowledgement
		var major, minor int
		if err := rows.Scan(&a.ID, &a.DocumentID, &a.DocumentRef, &a.DocumentTitle, &major, &minor, &a.PersonID, &a.PersonRef, &a.PersonName, &a.Email, &a.AcknowledgedAt, &a.Via); err != nil {
			return err
		}
		a.Revision, a.AcknowledgedAt = RevisionLabel(major, minor), a.AcknowledgedAt.UTC()
		if err := fn(&a); err != nil {
			return err
		}
	}
	return rows.Err()
}

// AcknowledgementsOf lists one person's acknowledgements, newest first: their record.
func AcknowledgementsOf(ctx context.Context, tx *sqlstore.Tx, orgID, personID string) ([]*Acknowledgement, error) {
	out := []*Acknowledgement{}
	err := eachAcknowledgement(ctx, tx, orgID, personID, func(a *Acknowledgement) error { out = append(out, a); return nil })
	return out, err
}

// ExportAcknowledgements streams every acknowledgement (who, which revision,
// when, how) as CSV or XLSX: evidence that policies were communicated (7.3).
func (s *Service) ExportAcknowledgements(ctx context.Context, p *bulwark.Principal, format string, w io.Writer) error {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return err
	}
	tw, err := s.BeginExport(ctx, p, format, w, "Acknowledgements", "acknowledgement")
	if err != nil {
		return err
	}
	err = s.read(ctx, func(tx store) error {
		if err := tw.Write([]any{"document_ref", "document_title", "revision", "person_ref", "person_name", "email", "acknowledged_at", "via"}); err != nil {
			return err
		}
		return eachAcknowledgement(ctx, tx.Tx, p.Org.ID, "", func(a *Acknowledgement) error {
			return tw.Write([]any{a.DocumentRef, a.DocumentTitle, a.Revision, a.PersonRef, a.PersonName, a.Email, a.AcknowledgedAt.Format("2006-01-02T15:04:05Z"), a.Via})
		})
	})
	if err != nil {
		return err
	}
	return tw.Close()
}

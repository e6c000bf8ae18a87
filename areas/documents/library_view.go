package documents

import (
	"context"
	"fmt"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/areas/people"
	"github.com/bulwark-isms/bulwark/field"
)

// PublishedDoc is a published document as every member sees it: its published
// revision, and whether they were asked to acknowledge it and did.
type PublishedDoc struct {
	ID           string    `json:"id"`
	Ref          string    `json:"ref"`
	Type         string    `json:"type"`
	Title        string    `json:"title"`
	Revision     string    `json:"revision"`
	PublishedAt  time.Time `json:"published_at"`
	Requested    bool      `json:"acknowledgement_requested"` // asked and not yet acknowledged
	Acknowledged bool      `json:"acknowledged"`              // this revision acknowledged
	Body         string    `json:"body,omitempty"`
	Filename     string    `json:"filename,omitempty"`
}

// PublishedDocEntity declares a published document as the employee API answers it.
var PublishedDocEntity = field.FromStruct("PublishedDocument", PublishedDoc{})

// published lists orgID's published documents, seen by person (nil: nobody in
// the register); only outstanding ones when outstanding is set.
func (tx store) published(ctx context.Context, orgID string, person *people.Person, outstanding bool, docID string) ([]*PublishedDoc, error) {
	pid := ""
	if person != nil {
		pid = person.ID
	}
	q := `SELECT d.id, d.ref, r.type, r.title, d.published_major, d.published_minor, r.published_at, r.file_name,
		EXISTS (SELECT 1 FROM ack_recipients rc WHERE rc.org_id = d.org_id AND rc.document_id = d.id AND rc.person_id = ?
			AND NOT EXISTS (SELECT 1 FROM acknowledgements a WHERE a.org_id = rc.org_id AND a.document_id = rc.document_id AND a.person_id = rc.person_id
				AND (a.major > rc.major OR (a.major = rc.major AND a.minor >= rc.minor)))),
		EXISTS (SELECT 1 FROM acknowledgements a WHERE a.org_id = d.org_id AND a.document_id = d.id AND a.person_id = ? AND a.major = d.published_major AND a.minor = d.published_minor)
		FROM documents d JOIN document_revisions r ON r.org_id = d.org_id AND r.document_id = d.id AND r.major = d.published_major AND r.minor = d.published_minor
		WHERE d.org_id = ? AND d.published_major IS NOT NULL AND d.status <> 'retired' AND d.archived_at IS NULL`
	args := []any{pid, pid, orgID}
	if outstanding {
		q += ` AND d.id IN (SELECT rc.document_id FROM ack_recipients rc WHERE rc.org_id = ? AND rc.person_id = ?)`
		args = append(args, orgID, pid)
	}
	if docID != "" {
		q += ` AND (d.id = ? OR d.ref = ?)`
		args = append(args, docID, docID)
	}
	rows, err := tx.Query(ctx, q+` ORDER BY d.ref`, args...)
	if err != nil {
		return nil, fmt.Errorf("published documents: %w", err)
	}
	defer rows.Close()
	var out []*PublishedDoc
	for rows.Next() {
		var d PublishedDoc
		var major, minor int
		if err := rows.Scan(&d.ID, &d.Ref, &d.Type, &d.Title, &major, &minor, &d.PublishedAt, &d.Filename, &d.Requested, &d.Acknowledged); err != nil {
			return nil, err
		}
		d.Revision, d.PublishedAt = RevisionLabel(major, minor), d.PublishedAt.UTC()
		if !outstanding || d.Requested {
			out = append(out, &d)
		}
	}
	return out, rows.Err()
}

// Published lists the organisation's published documents for any member, with
// what they were asked to acknowledge.
func (s *Service) Published(ctx context.Context, p *bulwark.Principal) ([]*PublishedDoc, error) {
	if err := app.Require(p, bulwark.PermSelfService); err != nil {
		return nil, err
	}
	var out []*PublishedDoc
	err := s.read(ctx, func(tx store) error {
		per, err := people.ForMember(ctx, tx.Tx, p.Org.ID, p.MemberID)
		if err != nil {
			return err
		}
		out, err = tx.published(ctx, p.Org.ID, per, false, "")
		return err
	})
	if out == nil {
		out = []*PublishedDoc{}
	}
	return out, err
}

// PublishedOne returns a published document's revision for reading, with its text.
func (s *Service) PublishedOne(ctx context.Context, p *bulwark.Principal, id string) (*PublishedDoc, error) {
	if err := app.Require(p, bulwark.PermSelfService); err != nil {
		return nil, err
	}
	var out *PublishedDoc
	err := s.read(ctx, func(tx store) error {
		per, err := people.ForMember(ctx, tx.Tx, p.Org.ID, p.MemberID)
		if err != nil {
			return err
		}
		ds, err := tx.published(ctx, p.Org.ID, per, false, id)
		if err != nil {
			return err
		}
		if len(ds) == 0 {
			return bulwark.Errorf(bulwark.ENOTFOUND, "No published document %s.", id)
		}
		out = ds[0]
		major, minor, _ := ParseRevision(out.Revision)
		r, err := tx.Revision(ctx, p.Org.ID, out.ID, major, minor)
		if err != nil {
			return err
		}
		out.Body = r.Body
		return nil
	})
	return out, err
}

// ToAcknowledge lists what the member was asked to acknowledge and has not.
func (s *Service) ToAcknowledge(ctx context.Context, p *bulwark.Principal) ([]*PublishedDoc, error) {
	out := []*PublishedDoc{}
	if p.MemberID == "" {
		return out, nil
	}
	err := s.read(ctx, func(tx store) error {
		per, err := people.ForMember(ctx, tx.Tx, p.Org.ID, p.MemberID)
		if err != nil || per == nil {
			return err
		}
		ds, err := tx.published(ctx, p.Org.ID, per, true, "")
		if ds != nil {
			out = ds
		}
		return err
	})
	return out, err
}

// PublishedFile returns the file of a published document's revision, for any member.
func (s *Service) PublishedFile(ctx context.Context, p *bulwark.Principal, id string) (string, string, []byte, error) {
	d, err := s.PublishedOne(ctx, p, id)
	if err != nil {
		return "", "", nil, err
	}
	var name, ct string
	var b []byte
	err = s.view(ctx, func(tx store) error {
		major, minor, _ := ParseRevision(d.Revision)
		r, err := tx.Revision(ctx, p.Org.ID, d.ID, major, minor)
		if err != nil {
			return err
		}
		if r.SHA256 == nil {
			return bulwark.Errorf(bulwark.ENOTFOUND, "%s has no file; its text is its content.", d.Ref)
		}
		name, ct = r.Filename, r.ContentType
		b, err = tx.File(ctx, p.Org.ID, *r.SHA256)
		return err
	})
	return name, ct, b, err
}

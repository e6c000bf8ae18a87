package documents

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/areas/people"
	"github.com/bulwark-isms/bulwark/field"
	"github.com/bulwark-isms/bulwark/sqlstore"
)

// Audience is whom an acknowledgement request asks: everyone still with the
// organisation, groups, or named people (any mix), and how long their personal
// links work.
type Audience struct {
	Everyone      bool
	GroupIDs      []string
	PersonIDs     []string
	ExpiresInDays int // default 30
}

// AckRequest is a request to acknowledge a document's revision.
type AckRequest struct {
	ID           string    `json:"id"`
	DocumentID   string    `json:"document_id"`
	Revision     string    `json:"revision"`
	Audience     string    `json:"audience"`
	RequestedBy  *string   `json:"requested_by"`
	RequestedAt  time.Time `json:"requested_at"`
	ExpiresAt    time.Time `json:"expires_at"`
	Requested    int       `json:"requested"`
	Acknowledged int       `json:"acknowledged"`
	Links        []AckLink `json:"links,omitempty"`
}

// AckLink is one person's personal link to acknowledge a document: to copy into
// a message while Bulwark sends no mail.
type AckLink struct {
	PersonID     string    `json:"person_id"`
	Ref          string    `json:"ref"`
	Name         string    `json:"name"`
	Email        string    `json:"email"`
	HasAccount   bool      `json:"has_account"`
	Acknowledged bool      `json:"acknowledged"`
	Link         string    `json:"link"`
	ExpiresAt    time.Time `json:"expires_at"`
}

// Acknowledgement records that a person read and accepted an exact revision.
type Acknowledgement struct {
	ID             string    `json:"id"`
	DocumentID     string    `json:"document_id"`
	DocumentRef    string    `json:"document_ref"`
	DocumentTitle  string    `json:"document_title"`
	Revision       string    `json:"revision"`
	PersonID       string    `json:"person_id"`
	PersonRef      string    `json:"person_ref"`
	PersonName     string    `json:"person_name"`
	Email          string    `json:"email"`
	AcknowledgedAt time.Time `json:"acknowledged_at"`
	Via            string    `json:"via"` // "account" or "link"
}

// Progress is how far a document's current major revision is acknowledged.
type Progress struct {
	Revision     string          `json:"revision"`
	Asked        int             `json:"asked"`
	Acknowledged int             `json:"acknowledged"`
	Percent      int             `json:"percent"`
	Outstanding  []OutstandingBy `json:"outstanding"`
}

// OutstandingBy is someone who was asked and has not acknowledged yet.
type OutstandingBy struct {
	PersonID string `json:"person_id"`
	Ref      string `json:"ref"`
	Name     string `json:"name"`
	Email    string `json:"email"`
}

// Entities of the acknowledgement API.
var (
	AudienceEntity = &field.Entity{Name: "AcknowledgementAudience", Fields: []field.Field{
		{Name: "everyone", Kind: field.Bool, Help: "everyone still with the organisation (active or on leave)"},
		{Name: "group_ids", Kind: field.Strings, Help: "the people of these groups"},
		{Name: "person_ids", Kind: field.Strings, Help: "these people"},
		{Name: "expires_in_days", Kind: field.Int, Min: 1, Max: 365, Help: "how long the personal links work (default 30 days)"},
	}}
	AckRequestEntity      = field.FromStruct("AcknowledgementRequest", AckRequest{})
	AcknowledgementEntity = field.FromStruct("Acknowledgement", Acknowledgement{})
	ProgressEntity        = field.FromStruct("AcknowledgementProgress", Progress{})
	LinkTokenEntity       = &field.Entity{Name: "AcknowledgementByLink", Fields: []field.Field{
		{Name: "token", Kind: field.String, Required: true, Help: "the token of the personal link (the part after /l/)"}}}
)

// LinkPath is the path of a personal link (the server prefixes its base URL).
func LinkPath(token string) string { return "/l/" + token }

// RequestAcknowledgement asks an audience to acknowledge the published revision
// of document id, with a personal link for each person (30 days by default).
func (s *Service) RequestAcknowledgement(ctx context.Context, p *bulwark.Principal, id string, a Audience) (*AckRequest, error) {
	if err := app.Require(p, bulwark.PermISMSEditOwn); err != nil {
		return nil, err
	}
	if a.ExpiresInDays == 0 {
		a.ExpiresInDays = 30
	}
	if a.ExpiresInDays < 1 || a.ExpiresInDays > 365 {
		return nil, bulwark.Invalid("expires_in_days", "must be from 1 to 365")
	}
	if !a.Everyone && len(a.GroupIDs) == 0 && len(a.PersonIDs) == 0 {
		return nil, bulwark.Invalid("everyone", "choose everyone, groups or people to ask")
	}
	var out *AckRequest
	err := s.write(ctx, func(tx store) error {
		d, err := tx.Document(ctx, p.Org.ID, id)
		if err != nil {
			return err
		}
		if !app.CanEdit(p, d.OwnerID) {
			return bulwark.Errorf(bulwark.EFORBIDDEN, "Only the document's owner or a manager can ask for acknowledgements.")
		}
		out, err = s.request(ctx, tx, p, d, a, describe(ctx, tx, p.Org.ID, a))
		return err
	})
	return out, err
}

// describe writes an audience for people to read: "everyone", "groups: Sales, IT", "3 people".
func describe(ctx context.Context, tx store, orgID string, a Audience) string {
	var parts []string
	if a.Everyone {
		return "everyone"
	}
	if len(a.GroupIDs) > 0 {
		gs, _ := people.GroupsOf(ctx, tx.Tx, orgID)
		var names []string
		for _, g := range gs {
			for _, id := range a.GroupIDs {
				if g.ID == id {
					names = append(names, g.Name)
				}
			}
		}
		parts = append(parts, "groups: "+strings.Join(names, ", "))
	}
	if n := len(a.PersonIDs); n > 0 {
		parts = append(parts, fmt.Sprintf("%d named %s", n, map[bool]string{true: "person", false: "people"}[n == 1]))
	}
	return strings.Join(parts, "; ")
}

// request stores an acknowledgement request of d's published revision for a.
func (s *Service) request(ctx context.Context, tx store, p *bulwark.Principal, d *Document, a Audience, audience string) (*AckRequest, error) {
	if d.PublishedRevision == nil || d.Status == Retired || d.ArchivedAt != nil {
		return nil, bulwark.Errorf(bulwark.ECONFLICT, "%s has no published revision to acknowledge; publish it first.", d.Ref)
	}
	who, err := people.Audience(ctx, tx.Tx, p.Org.ID, a.Everyone, a.GroupIDs, a.PersonIDs)
	if err != nil {
		return nil, err
	}
	if len(who) == 0 {
		return nil, bulwark.Invalid("everyone", "nobody still with the organisation is in this audience; add people first")
	}
	now := tx.Now()
	r := &AckRequest{ID: sqlstore.NewID(), DocumentID: d.ID, Revision: *d.PublishedRevision, Audience: audience, RequestedBy: memberPtr(p),
		RequestedAt: now, ExpiresAt: now.AddDate(0, 0, a.ExpiresInDays).Truncate(time.Second), Requested: len(who)}
	if _, err := tx.Exec(ctx, `INSERT INTO ack_requests (id, org_id, document_id, major, minor, audience, requested_by, requested_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, p.Org.ID, d.ID, *d.major, *d.minor, audience, r.RequestedBy, now, r.ExpiresAt); err != nil {
		return nil, fmt.Errorf("store acknowledgement request: %w", err)
	}
	for start := 0; start < len(who); start += 200 {
		var q strings.Builder
		q.WriteString(`INSERT INTO ack_recipients (org_id, request_id, person_id, document_id, major, minor) VALUES `)
		var args []any
		for i, per := range who[start:min(start+200, len(who))] {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?, ?, ?, ?, ?)")
			args = append(args, p.Org.ID, r.ID, per.ID, d.ID, *d.major, *d.minor)
		}
		if _, err := tx.ExecDynamic(ctx, q.String(), args...); err != nil {
			return nil, fmt.Errorf("store acknowledgement recipients: %w", err)
		}
	}
	if err := app.Audit(ctx, tx.Tx, p.Org.ID, app.MetaOf(p), "document.acknowledgement_request", "document", d.ID, d.Ref, bulwark.Changes{
		"revision": bulwark.Added(r.Revision), "audience": bulwark.Added(audience), "people": bulwark.Added(len(who)), "expires_at": bulwark.Added(r.ExpiresAt)}); err != nil {
		return nil, err
	}
	key, err := tx.LinkKey(ctx, p.Org.ID)
	if err != nil {
		return nil, err
	}
	for _, per := range who {
		r.Links = append(r.Links, AckLink{PersonID: per.ID, Ref: per.Ref, Name: per.Name, Email: per.Email, HasAccount: per.MemberID != nil, ExpiresAt: r.ExpiresAt,
			Link: LinkPath(bulwark.SignLink(key, bulwark.LinkClaims{Purpose: "ack", OrgID: p.Org.ID, Subject: r.ID, PersonID: per.ID, Expires: r.ExpiresAt}))})
	}
	return r, nil
}

// askAgain asks everyone asked before about document d (still with the
// organisation) to acknowledge its new major revision.
func (s *Service) askAgain(ctx context.Context, tx store, p *bulwark.Principal, d *Document) error {
	rows, err := tx.Query(ctx, `SELECT DISTINCT person_id FROM ack_recipients WHERE org_id = ? AND document_id = ?`, p.Org.ID, d.ID)
	if err != nil {
		return fmt.Errorf("earlier recipients: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(ids) == 0 {
		return err
	}
	who, err := people.Audience(ctx, tx.Tx, p.Org.ID, false, nil, ids)
	if err != nil || len(who) == 0 {
		return err
	}
	_, err = s.request(ctx, tx, p, d, Audience{PersonIDs: ids, ExpiresInDays: 30}, "everyone asked before (new major revision)")
	return err
}

// AckRequests lists a document's acknowledgement requests, newest first, with
// how many of each request's people acknowledged.
func (s *Service) AckRequests(ctx context.Context, p *bulwark.Principal, id string) ([]*AckRequest, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	out := []*AckRequest{}
	err := s.read(ctx, func(tx store) error {
		d, err := tx.Document(ctx, p.Org.ID, id)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT q.id, q.major, q.minor, q.audience, q.requested_by, q.requested_at, q.expires_at,
			(SELECT COUNT(*) FROM ack_recipients rc WHERE rc.org_id = q.org_id AND rc.request_id = q.id),
			(SELECT COUNT(*) FROM ack_recipients rc WHERE rc.org_id = q.org_id AND rc.request_id = q.id AND EXISTS (
				SELECT 1 FROM acknowledgements a WHERE a.org_id = rc.org_id AND a.document_id = rc.document_id AND a.person_id = rc.person_id
				AND (a.major > rc.major OR (a.major = rc.major AND a.minor >= rc.minor))))
			FROM ack_requests q WHERE q.org_id = ? AND q.document_id = ? ORDER BY q.requested_at DESC`, p.Org.ID, d.ID)
		if err != nil {
			return fmt.Errorf("acknowledgement requests: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			r := &AckRequest{DocumentID: d.ID}
			var major, minor int
			var by sql.NullString
			if err := rows.Scan(&r.ID, &major, &minor, &r.Audience, &by, &r.RequestedAt, &r.ExpiresAt, &r.Requested, &r.Acknowledged); err != nil {
				return err
			}
			r.Revision, r.RequestedBy = RevisionLabel(major, minor), sqlstore.StrPtr(by)
			r.RequestedAt, r.ExpiresAt = r.RequestedAt.UTC(), r.ExpiresAt.UTC()
			out = append(out, r)
		}
		return rows.Err()
	})
	return out, err
}

// AckLinks lists the personal links of one request of document id, each person
// with whether they acknowledged already.
func (s *Service) AckLinks(ctx context.Context, p *bulwark.Principal, id, requestID string) (*AckRequest, error) {
	if err := app.Require(p, bulwark.PermISMSEditOwn); err != nil {
		return nil, err
	}
	reqs, err := s.AckRequests(ctx, p, id)
	if err != nil {
		return nil, err
	}
	var r *AckRequest
	for _, q := range reqs {
		if q.ID == requestID {
			r = q
		}
	}
	if r == nil {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "Acknowledgement request not found.")
	}
	r.Links = []AckLink{}
	err = s.read(ctx, func(tx store) error {
		d, err := tx.Document(ctx, p.Org.ID, id)
		if err != nil {
			return err
		}
		if !app.CanEdit(p, d.OwnerID) {
			return bulwark.Errorf(bulwark.EFORBIDDEN, "Only the document's owner or a manager can read the personal links.")
		}
		key, err := tx.LinkKey(ctx, p.Org.ID)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT rc.person_id, EXISTS (SELECT 1 FROM acknowledgements a WHERE a.org_id = rc.org_id AND a.document_id = rc.document_id
			AND a.person_id = rc.person_id AND (a.major > rc.major OR (a.major = rc.major AND a.minor >= rc.minor)))
			FROM ack_recipients rc WHERE rc.org_id = ? AND rc.request_id = ?`, p.Org.ID, r.ID)
		if err != nil {
			return fmt.Errorf("acknowledgement links: %w", err)
		}
		done := map[string]bool{}
		var ids []string
		for rows.Next() {
			var pid string
			var ok bool
			if err := rows.Scan(&pid, &ok); err != nil {
				rows.Close()
				return err
			}
			ids, done[pid] = append(ids, pid), ok
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		ppl, err := people.ByIDs(ctx, tx.Tx, p.Org.ID, ids)
		if err != nil {
			return err
		}
		for _, pid := range ids {
			per := ppl[pid]
			if per == nil {
				continue
			}
			r.Links = append(r.Links, AckLink{PersonID: pid, Ref: per.Ref, Name: per.Name, Email: per.Email, HasAccount: per.MemberID != nil, Acknowledged: done[pid],
				ExpiresAt: r.ExpiresAt, Link: LinkPath(bulwark.SignLink(key, bulwark.LinkClaims{Purpose: "ack", OrgID: p.Org.ID, Subject: r.ID, PersonID: pid, Expires: r.ExpiresAt}))})
		}
		return nil
	})
	return r, err
}

// AckProgress says how far the published major revision of document id is
// acknowledged by the people asked, and who is still to.
func (s *Service) AckProgress(ctx context.Context, p *bulwark.Principal, id string) (*Progress, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	pr := &Progress{Outstanding: []OutstandingBy{}}
	err := s.read(ctx, func(tx store) error {
		d, err := tx.Document(ctx, p.Org.ID, id)
		if err != nil {
			return err
		}
		if d.PublishedRevision == nil {
			return nil
		}
		pr.Revision = *d.PublishedRevision
		rows, err := tx.Query(ctx, `SELECT pe.id, pe.ref, pe.name, pe.email, MIN(CASE WHEN EXISTS (SELECT 1 FROM acknowledgements a WHERE a.org_id = rc.org_id
				AND a.document_id = rc.document_id AND a.person_id = rc.person_id AND (a.major > rc.major OR (a.major = rc.major AND a.minor >= rc.minor))) THEN 1 ELSE 0 END)
			FROM ack_recipients rc JOIN people pe ON pe.org_id = rc.org_id AND pe.id = rc.person_id
			WHERE rc.org_id = ? AND rc.document_id = ? AND rc.major = ? AND pe.archived_at IS NULL AND pe.status <> 'left'
			GROUP BY pe.id, pe.ref, pe.name, pe.email, pe.ref_number ORDER BY pe.ref_number`, p.Org.ID, d.ID, *d.major)
		if err != nil {
			return fmt.Errorf("acknowledgement progress: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var o OutstandingBy
			var done int
			if err := rows.Scan(&o.PersonID, &o.Ref, &o.Name, &o.Email, &done); err != nil {
				return err
			}
			pr.Asked++
			if done == 1 {
				pr.Acknowledged++
			} else {
				pr.Outstanding = append(pr.Outstanding, o)
			}
		}
		return rows.Err()
	})
	if pr.Asked > 0 {
		pr.Percent = pr.Acknowledged * 100 / pr.Asked
	}
	return pr, err
}

// acknowledge records that person per acknowledged d's published revision (once:
// a second time returns the first record).
func (s *Service) acknowledge(ctx context.Context, tx store, orgID string, m app.Meta, d *Document, per *people.Person, via string, memberID *string) (*Acknowledgement, error) {
	if d.PublishedRevision == nil || d.Status == Retired || d.ArchivedAt != nil {
		return nil, bulwark.Errorf(bulwark.ECONFLICT, "%s is not published; there is nothing to acknowledge.", d.Ref)
	}
	a := &Acknowledgement{DocumentID: d.ID, DocumentRef: d.Ref, DocumentTitle: d.Title, Revision: *d.PublishedRevision, PersonID: per.ID, PersonRef: per.Ref,
		PersonName: per.Name, Email: per.Email, Via: via}
	err := tx.QueryRow(ctx, `SELECT id, acknowledged_at, via FROM acknowledgements WHERE org_id = ? AND document_id = ? AND person_id = ? AND major = ? AND minor = ?`,
		orgID, d.ID, per.ID, *d.major, *d.minor).Scan(&a.ID, &a.AcknowledgedAt, &a.Via)
	if err == nil {
		a.AcknowledgedAt = a.AcknowledgedAt.UTC()
		return a, nil
	} else if !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("acknowledgement: %w", err)
	}
	a.ID, a.AcknowledgedAt = sqlstore.NewID(), tx.Now()
	// A double click (or the link and the account at once) may race: the first record stands, the second is no error.
	res, err := tx.Exec(ctx, `INSERT INTO acknowledgements (id, org_id, document_id, person_id, major, minor, acknowledged_at, via, member_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING`, a.ID, orgID, d.ID, per.ID, *d.major, *d.minor, a.AcknowledgedAt, via, memberID)
	if err != nil {
		return nil, fmt.Errorf("store acknowledgement: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if err := tx.QueryRow(ctx, `SELECT id, acknowledged_at, via FROM acknowledgements WHERE org_id = ? AND document_id = ? AND person_id = ? AND major = ? AND minor = ?`,
			orgID, d.ID, per.ID, *d.major, *d.minor).Scan(&a.ID, &a.AcknowledgedAt, &a.Via); err != nil {
			return nil, fmt.Errorf("acknowledgement: %w", err)
		}
		a.AcknowledgedAt = a.AcknowledgedAt.UTC()
		return a, nil
	}
	return a, app.Audit(ctx, tx.Tx, orgID, m, "document.acknowledge", "document", d.ID, d.Ref, bulwark.Changes{
		"person": bulwark.Added(per.Ref), "revision": bulwark.Added(a.Revision), "via": bulwark.Added(via)})
}

// Acknowledge records that the signed-in member (through their entry in the
// people register) read and accepted the published revision of document id.
func (s *Service) Acknowledge(ctx context.Context, p *bulwark.Principal, id string) (*Acknowledgement, error) {
	if err := app.Require(p, bulwark.PermSelfService); err != nil {
		return nil, err
	}
	var out *Acknowledgement
	err := s.write(ctx, func(tx store) error {
		d, err := tx.Document(ctx, p.Org.ID, id)
		if err != nil {
			return err
		}
		if d.PublishedRevision == nil && !p.Can(bulwark.PermISMSRead) {
			return bulwark.Errorf(bulwark.ENOTFOUND, "Document not found.") // drafts are not the employees'
		}
		per, err := people.ForMember(ctx, tx.Tx, p.Org.ID, p.MemberID)
		if err != nil {
			return err
		}
		if per == nil {
			return bulwark.Errorf(bulwark.ECONFLICT, "Your email is not in the organisation's people register, so there is no one to record the acknowledgement for; ask the ISMS manager to add you.")
		}
		out, err = s.acknowledge(ctx, tx, p.Org.ID, app.MetaOf(p), d, per, "account", memberPtr(p))
		return err
	})
	return out, err
}

// LinkTarget is what a personal link reaches: the document's published revision
// for that person, and whether they acknowledged it already.
type LinkTarget struct {
	Org          *bulwark.Organisation
	Document     *Document
	Revision     *Revision
	Person       *people.Person
	Acknowledged *Acknowledgement
	ExpiresAt    time.Time
}

// openLink checks a link and loads what it reaches.
func (s *Service) openLink(ctx context.Context, tx store, token string) (*LinkTarget, error) {
	orgID, err := bulwark.LinkOrg(token)
	if err != nil {
		return nil, err
	}
	key, err := tx.ExistingLinkKey(ctx, orgID)
	if err != nil {
		return nil, err
	}
	c, err := bulwark.VerifyLink(key, token, "ack", time.Now())
	if err != nil {
		return nil, err
	}
	var docID string
	if err := tx.QueryRow(ctx, `SELECT document_id FROM ack_requests WHERE org_id = ? AND id = ?`, c.OrgID, c.Subject).Scan(&docID); err != nil {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "This link is not valid. Ask for a new one.")
	}
	d, err := tx.Document(ctx, c.OrgID, docID)
	if err != nil {
		return nil, err
	}
	if d.PublishedRevision == nil || d.Status == Retired || d.ArchivedAt != nil {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "%s is no longer published.", d.Ref)
	}
	per, err := people.One(ctx, tx.Tx, c.OrgID, c.PersonID)
	if err != nil {
		return nil, err
	}
	if per.ArchivedAt != nil || per.Status == "left" {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "This link is not valid any more.")
	}
	org, err := s.orgOf(ctx, tx, c.OrgID)
	if err != nil {
		return nil, err
	}
	rev, err := tx.Revision(ctx, c.OrgID, d.ID, *d.major, *d.minor)
	if err != nil {
		return nil, err
	}
	t := &LinkTarget{Org: org, Document: d, Revision: rev, Person: per, ExpiresAt: c.Expires}
	var a Acknowledgement
	err = tx.QueryRow(ctx, `SELECT id, acknowledged_at FROM acknowledgements WHERE org_id = ? AND document_id = ? AND person_id = ? AND major = ? AND minor = ?`,
		c.OrgID, d.ID, per.ID, *d.major, *d.minor).Scan(&a.ID, &a.AcknowledgedAt)
	if err == nil {
		a.Revision, a.AcknowledgedAt = *d.PublishedRevision, a.AcknowledgedAt.UTC()
		t.Acknowledged = &a
	}
	return t, nil
}

func (s *Service) orgOf(ctx context.Context, tx store, orgID string) (*bulwark.Organisation, error) {
	var o bulwark.Organisation
	if err := tx.QueryRow(ctx, `SELECT id, slug, name FROM organisations WHERE id = ?`, orgID).Scan(&o.ID, &o.Slug, &o.Name); err != nil {
		return nil, fmt.Errorf("organisation of a link: %w", err)
	}
	return &o, nil
}

// OpenLink returns what a personal acknowledgement link reaches, for its page.
func (s *Service) OpenLink(ctx context.Context, token string) (*LinkTarget, error) {
	var t *LinkTarget
	err := s.view(ctx, func(tx store) error {
		var err error
		t, err = s.openLink(ctx, tx, token)
		return err
	})
	return t, err
}

// AcknowledgeByLink records the acknowledgement a personal link's person gives:
// of the revision published now, once.
func (s *Service) AcknowledgeByLink(ctx context.Context, token string, m app.Meta) (*Acknowledgement, error) {
	var out *Acknowledgement
	err := s.write(ctx, func(tx store) error {
		t, err := s.openLink(ctx, tx, token)
		if err != nil {
			return err
		}
		m.ActorID = "link:" + t.Person.Ref
		out, err = s.acknowledge(ctx, tx, t.Org.ID, m, t.Document, t.Person, "link", nil)
		return err
	})
	return out, err
}

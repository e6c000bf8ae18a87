package documents

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/web"
)

// Tasks is what waits for a member in the document register: documents to
// approve (not their own where duties are segregated), approved documents they
// may publish, and their documents due for review.
type Tasks struct {
	ToAcknowledge []*PublishedDoc `json:"documents_to_acknowledge"`
	Approvals     []*Document     `json:"document_approvals"`
	ToPublish     []*Document     `json:"documents_to_publish"`
	ReviewsDue    []*Document     `json:"document_reviews_due"`
	// Outstanding are the owner's published documents that people were asked to acknowledge and have not.
	Outstanding []AckReminder `json:"acknowledgements_outstanding"`
}

// AckReminder is a document whose acknowledgements are still outstanding.
type AckReminder struct {
	DocumentID  string `json:"document_id"`
	Ref         string `json:"ref"`
	Title       string `json:"title"`
	Asked       int    `json:"asked"`
	Outstanding int    `json:"outstanding"`
}

// outstanding lists orgID's published documents (of owner, unless "") with acknowledgements outstanding.
func (tx store) outstanding(ctx context.Context, orgID, owner string) ([]AckReminder, error) {
	q := `SELECT d.id, d.ref, d.title, COUNT(*), SUM(CASE WHEN x.done = 1 THEN 0 ELSE 1 END) FROM (
		SELECT rc.document_id, rc.person_id, MIN(CASE WHEN EXISTS (SELECT 1 FROM acknowledgements a WHERE a.org_id = rc.org_id AND a.document_id = rc.document_id
			AND a.person_id = rc.person_id AND (a.major > rc.major OR (a.major = rc.major AND a.minor >= rc.minor))) THEN 1 ELSE 0 END) AS done
		FROM ack_recipients rc JOIN documents d ON d.org_id = rc.org_id AND d.id = rc.document_id
		JOIN people pe ON pe.org_id = rc.org_id AND pe.id = rc.person_id
		WHERE rc.org_id = ? AND rc.major = d.published_major AND pe.archived_at IS NULL AND pe.status <> 'left'
		GROUP BY rc.document_id, rc.person_id) x JOIN documents d ON d.org_id = ? AND d.id = x.document_id
		WHERE d.status <> 'retired' AND d.archived_at IS NULL`
	args := []any{orgID, orgID}
	if owner != "" {
		q += ` AND d.owner_id = ?`
		args = append(args, owner)
	}
	rows, err := tx.Query(ctx, q+` GROUP BY d.id, d.ref, d.title HAVING SUM(CASE WHEN x.done = 1 THEN 0 ELSE 1 END) > 0 ORDER BY d.ref`, args...)
	if err != nil {
		return nil, fmt.Errorf("outstanding acknowledgements: %w", err)
	}
	defer rows.Close()
	out := []AckReminder{}
	for rows.Next() {
		var r AckReminder
		if err := rows.Scan(&r.DocumentID, &r.Ref, &r.Title, &r.Asked, &r.Outstanding); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// MyTasks says what waits for the principal in the document register.
func (s *Service) MyTasks(ctx context.Context, p *bulwark.Principal) (*Tasks, error) {
	t := &Tasks{Approvals: []*Document{}, ToPublish: []*Document{}, ReviewsDue: []*Document{}, Outstanding: []AckReminder{}}
	ack, err := s.ToAcknowledge(ctx, p)
	if err != nil {
		return nil, err
	}
	t.ToAcknowledge = ack
	if !p.Can(bulwark.PermISMSRead) || p.MemberID == "" {
		return t, nil
	}
	today := bulwark.Today(time.Now(), p.Org.Settings.TimeZone)
	err = s.read(ctx, func(tx store) error {
		if p.Can(bulwark.PermApprove) {
			ds, _, err := tx.Documents(ctx, p.Org.ID, DocumentFilter{Status: InReview, Limit: 100})
			if err != nil {
				return err
			}
			for _, d := range ds {
				if !(p.Org.Settings.SegregationOfDuties && slices.Contains(d.Authors, p.MemberID)) {
					t.Approvals = append(t.Approvals, d)
				}
			}
		}
		ds, _, err := tx.Documents(ctx, p.Org.ID, DocumentFilter{Status: Approved, Limit: 100})
		if err != nil {
			return err
		}
		for _, d := range ds {
			if p.Can(bulwark.PermISMSEdit) || (d.ApprovedBy != nil && *d.ApprovedBy == p.MemberID) {
				t.ToPublish = append(t.ToPublish, d)
			}
		}
		due, _, err := tx.Documents(ctx, p.Org.ID, DocumentFilter{OwnerID: p.MemberID, ReviewDue: today, Limit: 100, Sort: "next_review_date"})
		if err != nil {
			return err
		}
		for _, d := range due {
			if d.Status != Retired {
				t.ReviewsDue = append(t.ReviewsDue, d)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Who has not acknowledged the owner's documents is counted over every recipient (12 ms on PostgreSQL
	// at the large demo's 200 people): kept until the organisation changes, like the overview.
	t.Outstanding, err = app.Snapshot(ctx, s.Service, p, "ack-outstanding:"+p.MemberID, func(ctx context.Context) ([]AckReminder, error) {
		var out []AckReminder
		err := s.read(ctx, func(tx store) error {
			var err error
			out, err = tx.outstanding(ctx, p.Org.ID, p.MemberID)
			return err
		})
		return out, err
	})
	return t, err
}

func (h *handlers) tasks(r *http.Request) (web.Tasks, error) {
	p := web.PrincipalFrom(r)
	t, err := h.svc.MyTasks(r.Context(), p)
	if err != nil {
		return web.Tasks{}, err
	}
	html, err := h.Partial("documents-tasks", &web.Page{P: p, Data: t})
	if err != nil {
		return web.Tasks{}, err
	}
	return web.Tasks{Count: len(t.ToAcknowledge) + len(t.Approvals) + len(t.ToPublish) + len(t.ReviewsDue) + len(t.Outstanding), HTML: html,
		JSON: map[string]any{"documents_to_acknowledge": t.ToAcknowledge, "document_approvals": t.Approvals, "acknowledgements_outstanding": t.Outstanding, "documents_to_publish": t.ToPublish, "document_reviews_due": t.ReviewsDue}}, nil
}

// Overview is the document register at a glance, for the dashboard.
type Overview struct {
	Published, Drafts, InReview int
	Overdue                     []*Document
	Outstanding                 []AckReminder // documents with acknowledgements outstanding
}

// Overview counts the live documents and lists those overdue for review.
func (s *Service) Overview(ctx context.Context, p *bulwark.Principal) (*Overview, error) {
	if err := requireRead(p); err != nil {
		return nil, err
	}
	// A snapshot until the organisation changes: who has acknowledged what is counted over every recipient.
	return app.Snapshot(ctx, s.Service, p, "document-overview", func(ctx context.Context) (*Overview, error) { return s.overview(ctx, p) })
}

func (s *Service) overview(ctx context.Context, p *bulwark.Principal) (*Overview, error) {
	o := &Overview{}
	today := bulwark.Today(time.Now(), p.Org.Settings.TimeZone)
	err := s.read(ctx, func(tx store) error {
		rows, err := tx.Query(ctx, `SELECT status, published_major IS NOT NULL, COUNT(*) FROM documents WHERE org_id = ? AND archived_at IS NULL GROUP BY status, published_major IS NOT NULL`, p.Org.ID)
		if err != nil {
			return err
		}
		for rows.Next() {
			var st string
			var pub bool
			var n int
			if err := rows.Scan(&st, &pub, &n); err != nil {
				rows.Close()
				return err
			}
			if pub && st != Retired {
				o.Published += n
			}
			switch st {
			case Draft:
				o.Drafts += n
			case InReview:
				o.InReview += n
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if o.Outstanding, err = tx.outstanding(ctx, p.Org.ID, ""); err != nil {
			return err
		}
		yesterday := time.Now().AddDate(0, 0, -1)
		due, _, err := tx.Documents(ctx, p.Org.ID, DocumentFilter{ReviewDue: bulwark.Today(yesterday, p.Org.Settings.TimeZone), Sort: "next_review_date", Limit: 20})
		for _, d := range due {
			d.mark(today)
			if d.ReviewOverdue {
				o.Overdue = append(o.Overdue, d)
			}
		}
		return err
	})
	return o, err
}

func requireRead(p *bulwark.Principal) error {
	if !p.Can(bulwark.PermISMSRead) {
		return bulwark.Errorf(bulwark.EFORBIDDEN, "Your role cannot read the ISMS.")
	}
	return nil
}

func (h *handlers) dashboardPart(r *http.Request) (template.HTML, error) {
	p := web.PrincipalFrom(r)
	if !p.Can(bulwark.PermISMSRead) {
		return "", nil
	}
	o, err := h.svc.Overview(r.Context(), p)
	if err != nil {
		return "", err
	}
	return h.Partial("documents-dashboard", &web.Page{P: p, Data: o})
}

// Readiness is what the document register tells a certification readiness check.
type Readiness struct {
	Published, ReviewOverdue int
	// PublishedFor are the requirement ids (iso27001-2022:5.2 …) some current published document is linked to.
	PublishedFor map[string]bool
	// Acknowledgement of the current major revisions: people asked, and of them who acknowledged.
	AckAsked, AckDone int
}

// ReadinessOf counts orgID's published documents, those overdue for review on
// day today, the clauses they answer, and how far acknowledgements went.
func ReadinessOf(ctx context.Context, tx *sqlstore.Tx, orgID, today string) (*Readiness, error) {
	r := &Readiness{PublishedFor: map[string]bool{}}
	if err := tx.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN next_review_date < ? THEN 1 ELSE 0 END), 0) FROM documents
		WHERE org_id = ? AND published_major IS NOT NULL AND status <> 'retired' AND archived_at IS NULL`, today, orgID).Scan(&r.Published, &r.ReviewOverdue); err != nil {
		return nil, fmt.Errorf("document readiness: %w", err)
	}
	rows, err := tx.Query(ctx, `SELECT DISTINCT l.requirement_id FROM document_requirements l JOIN documents d ON d.org_id = l.org_id AND d.id = l.document_id
		WHERE l.org_id = ? AND d.published_major IS NOT NULL AND d.status <> 'retired' AND d.archived_at IS NULL`, orgID)
	if err != nil {
		return nil, fmt.Errorf("document readiness: %w", err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		r.PublishedFor[id] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	err = tx.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(done), 0) FROM (
		SELECT rc.document_id, rc.person_id, MIN(CASE WHEN EXISTS (SELECT 1 FROM acknowledgements a WHERE a.org_id = rc.org_id AND a.document_id = rc.document_id
			AND a.person_id = rc.person_id AND (a.major > rc.major OR (a.major = rc.major AND a.minor >= rc.minor))) THEN 1 ELSE 0 END) AS done
		FROM ack_recipients rc JOIN documents d ON d.org_id = rc.org_id AND d.id = rc.document_id
		JOIN people pe ON pe.org_id = rc.org_id AND pe.id = rc.person_id
		WHERE rc.org_id = ? AND rc.major = d.published_major AND d.status <> 'retired' AND d.archived_at IS NULL AND pe.archived_at IS NULL AND pe.status <> 'left'
		GROUP BY rc.document_id, rc.person_id) x`, orgID).Scan(&r.AckAsked, &r.AckDone)
	if err != nil {
		return nil, fmt.Errorf("acknowledgement readiness: %w", err)
	}
	return r, nil
}

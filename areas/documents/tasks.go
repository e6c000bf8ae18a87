package documents

import (
	"context"
	"html/template"
	"net/http"
	"slices"
	"time"

	"github.com/bulwark-isms/bulwark"
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
}

// MyTasks says what waits for the principal in the document register.
func (s *Service) MyTasks(ctx context.Context, p *bulwark.Principal) (*Tasks, error) {
	t := &Tasks{Approvals: []*Document{}, ToPublish: []*Document{}, ReviewsDue: []*Document{}}
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
	return web.Tasks{Count: len(t.ToAcknowledge) + len(t.Approvals) + len(t.ToPublish) + len(t.ReviewsDue), HTML: html,
		JSON: map[string]any{"documents_to_acknowledge": t.ToAcknowledge, "document_approvals": t.Approvals, "documents_to_publish": t.ToPublish, "document_reviews_due": t.ReviewsDue}}, nil
}

// Overview is the document register at a glance, for the dashboard.
type Overview struct {
	Published, Drafts, InReview int
	Overdue                     []*Document
}

// Overview counts the live documents and lists those overdue for review.
func (s *Service) Overview(ctx context.Context, p *bulwark.Principal) (*Overview, error) {
	if err := requireRead(p); err != nil {
		return nil, err
	}
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

package evidence

import (
	"context"
	"fmt"
	"html/template"
	"net/http"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/web"
)

// Due is an evidence item that needs a fresh revision: stale, or expiring soon.
type Due struct {
	ID         string  `json:"id"`
	Ref        string  `json:"ref"`
	Title      string  `json:"title"`
	OwnerID    *string `json:"owner_id"`
	ValidUntil string  `json:"valid_until"`
	Stale      bool    `json:"stale"`
}

// due lists orgID's live evidence with valid_until on or before today+window
// (ownerID "": everyone's), stale first, at most limit.
func (tx store) due(ctx context.Context, orgID, ownerID, today string, limit int) ([]Due, error) {
	q := `SELECT id, ref, title, owner_id, valid_until FROM evidence WHERE org_id = ? AND archived_at IS NULL AND valid_until IS NOT NULL AND valid_until <= ?`
	args := []any{orgID, addDays(today, ExpiryWindowDays)}
	if ownerID != "" {
		q += ` AND owner_id = ?`
		args = append(args, ownerID)
	}
	q += ` ORDER BY valid_until, ref_number LIMIT ?`
	args = append(args, limit)
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("evidence due: %w", err)
	}
	defer rows.Close()
	out := []Due{}
	for rows.Next() {
		var d Due
		var owner *string
		if err := rows.Scan(&d.ID, &d.Ref, &d.Title, &owner, &d.ValidUntil); err != nil {
			return nil, err
		}
		d.OwnerID, d.Stale = owner, d.ValidUntil < today
		out = append(out, d)
	}
	return out, rows.Err()
}

// MyTasks lists the principal's evidence that is stale or expires within 30 days.
func (s *Service) MyTasks(ctx context.Context, p *bulwark.Principal) ([]Due, error) {
	if p.MemberID == "" || !p.Can(bulwark.PermISMSRead) {
		return []Due{}, nil
	}
	var out []Due
	err := s.view(ctx, func(tx store) error {
		var err error
		out, err = tx.due(ctx, p.Org.ID, p.MemberID, today(p), 200)
		return err
	})
	return out, err
}

// Overview is the evidence register at a glance, for the dashboard.
type Overview struct {
	Total, Stale, Expiring int
	Due                    []Due // the first of those stale or expiring
}

// Overview counts the live evidence and lists what needs renewing.
func (s *Service) Overview(ctx context.Context, p *bulwark.Principal) (*Overview, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	o := &Overview{}
	day := today(p)
	err := s.view(ctx, func(tx store) error {
		err := tx.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN valid_until < ? THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN valid_until >= ? AND valid_until <= ? THEN 1 ELSE 0 END), 0)
			FROM evidence WHERE org_id = ? AND archived_at IS NULL`, day, day, addDays(day, ExpiryWindowDays), p.Org.ID).Scan(&o.Total, &o.Stale, &o.Expiring)
		if err != nil {
			return fmt.Errorf("evidence overview: %w", err)
		}
		o.Due, err = tx.due(ctx, p.Org.ID, "", day, 10)
		return err
	})
	return o, err
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
	return h.Partial("evidence-dashboard", &web.Page{P: p, Data: o})
}

func (h *handlers) tasks(r *http.Request) (web.Tasks, error) {
	p := web.PrincipalFrom(r)
	due, err := h.svc.MyTasks(r.Context(), p)
	if err != nil {
		return web.Tasks{}, err
	}
	html, err := h.Partial("evidence-tasks", &web.Page{P: p, Data: due})
	if err != nil {
		return web.Tasks{}, err
	}
	return web.Tasks{Count: len(due), HTML: html, JSON: map[string]any{"evidence_due": due}}, nil
}

// Readiness is what the evidence register tells a certification readiness check.
type Readiness struct {
	Items, Stale int
	// Implemented applicable controls, and of them those with no current evidence.
	ImplementedControls, WithoutCurrent int
}

// ReadinessOf counts orgID's live evidence, the stale items, and the implemented
// applicable controls that no current evidence proves, on day today.
func ReadinessOf(ctx context.Context, tx *sqlstore.Tx, orgID, today string) (*Readiness, error) {
	r := &Readiness{}
	if err := tx.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN valid_until < ? THEN 1 ELSE 0 END), 0) FROM evidence
		WHERE org_id = ? AND archived_at IS NULL`, today, orgID).Scan(&r.Items, &r.Stale); err != nil {
		return nil, fmt.Errorf("evidence readiness: %w", err)
	}
	err := tx.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN NOT EXISTS (
			SELECT 1 FROM evidence_controls ec JOIN evidence e ON e.org_id = ec.org_id AND e.id = ec.evidence_id
			WHERE ec.org_id = c.org_id AND ec.control_id = c.id AND e.archived_at IS NULL AND (e.valid_until IS NULL OR e.valid_until >= ?)) THEN 1 ELSE 0 END), 0)
		FROM controls c WHERE c.org_id = ? AND c.archived_at IS NULL AND c.status = 'implemented'`, today, orgID).Scan(&r.ImplementedControls, &r.WithoutCurrent)
	if err != nil {
		return nil, fmt.Errorf("evidence readiness: %w", err)
	}
	return r, nil
}

package monitoring

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/web"
)

// HealthWindowDays is how far back the control health page shows check results.
const HealthWindowDays = 30

// ControlHealth is one applicable control's evidence and checks.
type ControlHealth struct {
	ControlID      string        `json:"control_id"`
	Ref            string        `json:"ref"`
	Title          string        `json:"title"`
	Status         string        `json:"status"`
	Evidence       int           `json:"evidence"`
	StaleEvidence  int           `json:"stale_evidence"`
	Freshness      string        `json:"evidence_freshness"`
	Checks         int           `json:"checks"`
	FailingChecks  int           `json:"failing_checks"`
	NeedsAttention bool          `json:"needs_attention"`
	History        []HealthPoint `json:"history"`
}

// HealthPoint is one run of one of a control's checks.
type HealthPoint struct {
	At     time.Time `json:"at"`
	Check  string    `json:"check"`
	Status string    `json:"status"`
}

// FrameworkHealth is the share of a framework's controls with current evidence.
type FrameworkHealth struct {
	Slug        string `json:"slug"`
	Name        string `json:"name"`
	Controls    int    `json:"controls"`
	WithCurrent int    `json:"with_current_evidence"`
	Percent     int    `json:"percent"`
}

// Health is the control health report.
type Health struct {
	Controls   []*ControlHealth  `json:"controls"`
	Frameworks []FrameworkHealth `json:"frameworks"`
}

var healthSchema = map[string]any{"type": "object", "properties": map[string]any{
	"controls": map[string]any{"type": "array", "items": map[string]any{"type": "object"}}, "frameworks": map[string]any{"type": "array", "items": map[string]any{"type": "object"}}}}

// Health works out, per applicable control, its evidence freshness and its
// checks' results over the last 30 days, and per framework the share of its
// controls with current evidence.
func (s *Service) Health(ctx context.Context, p *bulwark.Principal) (*Health, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	today := bulwark.Today(time.Now(), p.Org.Settings.TimeZone)
	out := &Health{Controls: []*ControlHealth{}, Frameworks: []FrameworkHealth{}}
	err := s.view(ctx, func(tx store) error {
		byID := map[string]*ControlHealth{}
		rows, err := tx.Query(ctx, `SELECT id, ref, title, status, needs_attention FROM controls WHERE org_id = ? AND archived_at IS NULL AND status <> 'not_applicable' ORDER BY sort_order`, p.Org.ID)
		if err != nil {
			return fmt.Errorf("control health: %w", err)
		}
		for rows.Next() {
			c := &ControlHealth{History: []HealthPoint{}}
			if err := rows.Scan(&c.ControlID, &c.Ref, &c.Title, &c.Status, &c.NeedsAttention); err != nil {
				rows.Close()
				return err
			}
			byID[c.ControlID] = c
			out.Controls = append(out.Controls, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if err := scanEach(ctx, tx, `SELECT ec.control_id, COUNT(*), COALESCE(SUM(CASE WHEN e.valid_until < ? THEN 1 ELSE 0 END), 0) FROM evidence_controls ec
			JOIN evidence e ON e.org_id = ec.org_id AND e.id = ec.evidence_id WHERE ec.org_id = ? AND e.archived_at IS NULL GROUP BY ec.control_id`, []any{today, p.Org.ID},
			func(scan func(...any) error) error {
				var id string
				var n, stale int
				if err := scan(&id, &n, &stale); err != nil {
					return err
				}
				if c := byID[id]; c != nil {
					c.Evidence, c.StaleEvidence = n, stale
				}
				return nil
			}); err != nil {
			return err
		}
		if err := scanEach(ctx, tx, `SELECT cc.control_id, COUNT(*), COALESCE(SUM(CASE WHEN k.status IN ('fail', 'error') THEN 1 ELSE 0 END), 0) FROM check_controls cc
			JOIN checks k ON k.org_id = cc.org_id AND k.id = cc.check_id WHERE cc.org_id = ? AND k.enabled AND k.archived_at IS NULL GROUP BY cc.control_id`, []any{p.Org.ID},
			func(scan func(...any) error) error {
				var id string
				var n, failing int
				if err := scan(&id, &n, &failing); err != nil {
					return err
				}
				if c := byID[id]; c != nil {
					c.Checks, c.FailingChecks = n, failing
				}
				return nil
			}); err != nil {
			return err
		}
		since := time.Now().UTC().AddDate(0, 0, -HealthWindowDays)
		if err := scanEach(ctx, tx, `SELECT cc.control_id, r.started_at, k.ref, r.status FROM check_runs r JOIN checks k ON k.org_id = r.org_id AND k.id = r.check_id
			JOIN check_controls cc ON cc.org_id = r.org_id AND cc.check_id = r.check_id WHERE r.org_id = ? AND r.started_at >= ? ORDER BY r.started_at`, []any{p.Org.ID, since},
			func(scan func(...any) error) error {
				var id string
				var pt HealthPoint
				if err := scan(&id, &pt.At, &pt.Check, &pt.Status); err != nil {
					return err
				}
				if c := byID[id]; c != nil {
					pt.At = pt.At.UTC()
					c.History = append(c.History, pt)
				}
				return nil
			}); err != nil {
			return err
		}
		for _, c := range out.Controls {
			switch {
			case c.Evidence == 0:
				c.Freshness = "missing"
			case c.StaleEvidence > 0:
				c.Freshness = "stale"
			default:
				c.Freshness = "current"
			}
		}
		// Frameworks: the controls linked to their requirements (mappings a person did not reject).
		type fw struct{ slug, name string }
		var order []fw
		members := map[string]map[string]bool{}
		// An Annex A control implements its own requirement (controls.requirement_id); the links add the other frameworks.
		if err := scanEach(ctx, tx, `SELECT f.slug, f.name, f.sort_order, c.id FROM controls c JOIN requirements r ON r.id = c.requirement_id
			JOIN frameworks f ON f.id = r.framework_id WHERE c.org_id = ? AND c.archived_at IS NULL
			UNION SELECT f.slug, f.name, f.sort_order, cr.control_id FROM control_requirements cr JOIN requirements r ON r.id = cr.requirement_id
			JOIN frameworks f ON f.id = r.framework_id WHERE cr.org_id = ? AND cr.origin <> 'rejected' ORDER BY 3`, []any{p.Org.ID, p.Org.ID},
			func(scan func(...any) error) error {
				var f fw
				var sort int
				var id string
				if err := scan(&f.slug, &f.name, &sort, &id); err != nil {
					return err
				}
				if members[f.slug] == nil {
					members[f.slug] = map[string]bool{}
					order = append(order, f)
				}
				members[f.slug][id] = true
				return nil
			}); err != nil {
			return err
		}
		for _, f := range order {
			h := FrameworkHealth{Slug: f.slug, Name: f.name}
			for id := range members[f.slug] {
				c := byID[id]
				if c == nil {
					continue // not applicable
				}
				h.Controls++
				if c.Freshness == "current" {
					h.WithCurrent++
				}
			}
			if h.Controls > 0 {
				h.Percent = 100 * h.WithCurrent / h.Controls
			}
			out.Frameworks = append(out.Frameworks, h)
		}
		return nil
	})
	return out, err
}

// scanEach runs q and calls fn with each row's Scan.
func scanEach(ctx context.Context, tx store, q string, args []any, fn func(scan func(...any) error) error) error {
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("control health: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}

// sparkline draws a control's check runs as bars, oldest first: green passes,
// red failures, amber errors; the page states the same numbers in words.
func sparkline(points []HealthPoint) template.HTML {
	if len(points) == 0 {
		return ""
	}
	const w, h, max = 4, 16, 40
	if len(points) > max {
		points = points[len(points)-max:]
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="spark" width="%d" height="%d" viewBox="0 0 %d %d" aria-hidden="true">`, len(points)*(w+1), h, len(points)*(w+1), h)
	for i, pt := range points {
		color, height := "#2e7d32", h/2
		switch pt.Status {
		case StatusFail:
			color, height = "#c62828", h
		case StatusError:
			color, height = "#f9a825", h*3/4
		}
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s"></rect>`, i*(w+1), h-height, w, height, color)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // #nosec G203 -- numbers and fixed colours only
}

// counts says, in words, what the bars show.
func counts(points []HealthPoint) string {
	var pass, fail, errs int
	for _, pt := range points {
		switch pt.Status {
		case StatusPass:
			pass++
		case StatusFail:
			fail++
		default:
			errs++
		}
	}
	return fmt.Sprintf("%d runs in %d days: %d passed, %d failed, %d errors", len(points), HealthWindowDays, pass, fail, errs)
}

func (h *handlers) apiHealth(w http.ResponseWriter, r *http.Request) {
	rep, err := h.svc.Health(r.Context(), web.PrincipalFrom(r))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, rep)
}

// healthRow is a control as the page lists it.
type healthRow struct {
	*ControlHealth
	Chart   template.HTML
	Summary string
}

func (h *handlers) healthPage(w http.ResponseWriter, r *http.Request) {
	rep, err := h.svc.Health(r.Context(), web.PrincipalFrom(r))
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	rows := make([]healthRow, len(rep.Controls))
	missing, stale, attention := 0, 0, 0
	for i, c := range rep.Controls {
		rows[i] = healthRow{ControlHealth: c, Chart: sparkline(c.History), Summary: counts(c.History)}
		switch c.Freshness {
		case "missing":
			missing++
		case "stale":
			stale++
		}
		if c.NeedsAttention {
			attention++
		}
	}
	filter := r.URL.Query().Get("show")
	var shown []healthRow
	for _, row := range rows {
		if filter == "" || (filter == "attention" && row.NeedsAttention) || row.Freshness == filter {
			shown = append(shown, row)
		}
	}
	h.Render(w, r, http.StatusOK, "control-health", &web.Page{Title: "Control health", Nav: "monitoring", Data: map[string]any{
		"Rows": shown, "Frameworks": rep.Frameworks, "Missing": missing, "Stale": stale, "Attention": attention, "Total": len(rows), "Show": filter}})
}

// Package incidents receives reports of information security events and
// weaknesses from every member (A.6.8) into the incident register (A.5.24).
package incidents

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/web"
)

//go:embed templates
var templates embed.FS

// RefPrefix starts incident references (INC-001).
const RefPrefix = "INC"

// Service is the incident register's operations.
type Service struct{ *app.Service }

// New returns the incident area's service.
func New(k *app.Service) *Service { return &Service{Service: k} }

const columns = `id, ref, title, description, status, reported_by, discovered_at, version, created_at, updated_at`

func scan(row interface{ Scan(...any) error }) (*Incident, error) {
	var i Incident
	var by sql.NullString
	var disc sql.NullTime
	err := row.Scan(&i.ID, &i.Ref, &i.Title, &i.Description, &i.Status, &by, &disc, &i.Version, &i.CreatedAt, &i.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "Incident not found.")
	} else if err != nil {
		return nil, fmt.Errorf("scan incident: %w", err)
	}
	i.ReportedBy, i.DiscoveredAt = sqlstore.StrPtr(by), sqlstore.TimePtr(disc)
	if i.DiscoveredAt != nil {
		u := i.DiscoveredAt.UTC()
		i.DiscoveredAt = &u
	}
	i.CreatedAt, i.UpdatedAt = i.CreatedAt.UTC(), i.UpdatedAt.UTC()
	return &i, nil
}

// ReportIncident stores what a member reports, as an incident in status reported.
func (s *Service) ReportIncident(ctx context.Context, p *bulwark.Principal, r Report) (*Incident, error) {
	if err := app.Require(p, bulwark.PermSelfService); err != nil {
		return nil, err
	}
	if err := r.Validate(time.Now()); err != nil {
		return nil, err
	}
	var out *Incident
	err := s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
		n, err := tx.NextRef(ctx, p.Org.ID, RefPrefix)
		if err != nil {
			return err
		}
		i := &Incident{ID: sqlstore.NewID(), Ref: bulwark.FormatRef(RefPrefix, n), Title: r.Title, Description: r.Description, Status: "reported",
			DiscoveredAt: r.DiscoveredAt, Version: 1, CreatedAt: tx.Now(), UpdatedAt: tx.Now()}
		if i.DiscoveredAt == nil {
			now := tx.Now()
			i.DiscoveredAt = &now
		}
		if p.MemberID != "" {
			id := p.MemberID
			i.ReportedBy = &id
		}
		if _, err := tx.Exec(ctx, `INSERT INTO incidents (id, org_id, ref, ref_number, title, description, status, reported_by, discovered_at, version, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, 'reported', ?, ?, 1, ?, ?)`, i.ID, p.Org.ID, i.Ref, n, i.Title, i.Description, i.ReportedBy, i.DiscoveredAt, tx.Now(), tx.Now()); err != nil {
			return fmt.Errorf("store incident report: %w", err)
		}
		out = i
		return app.Audit(ctx, tx, p.Org.ID, app.MetaOf(p), "incident.report", "incident", i.ID, i.Ref, bulwark.Changes{"title": bulwark.Added(i.Title), "status": bulwark.Added("reported")})
	})
	return out, err
}

// MyReports lists what the member reported, newest first.
func (s *Service) MyReports(ctx context.Context, p *bulwark.Principal) ([]*Incident, error) {
	if err := app.Require(p, bulwark.PermSelfService); err != nil {
		return nil, err
	}
	return s.list(ctx, p.Org.ID, `AND reported_by = ?`, p.MemberID)
}

// Incidents lists the incident register, newest first.
func (s *Service) Incidents(ctx context.Context, p *bulwark.Principal) ([]*Incident, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	return s.list(ctx, p.Org.ID, "")
}

func (s *Service) list(ctx context.Context, orgID, cond string, args ...any) ([]*Incident, error) {
	out := []*Incident{}
	err := s.DB.Read(ctx, func(tx *sqlstore.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+columns+` FROM incidents WHERE org_id = ? `+cond+` ORDER BY ref_number DESC LIMIT 500`, append([]any{orgID}, args...)...)
		if err != nil {
			return fmt.Errorf("incidents: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			i, err := scan(rows)
			if err != nil {
				return err
			}
			out = append(out, i)
		}
		return rows.Err()
	})
	return out, err
}

// Incident returns one incident (by id or ref).
func (s *Service) Incident(ctx context.Context, p *bulwark.Principal, id string) (*Incident, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var out *Incident
	err := s.DB.View(ctx, func(tx *sqlstore.Tx) error {
		var err error
		out, err = scan(tx.QueryRow(ctx, `SELECT `+columns+` FROM incidents WHERE org_id = ? AND (id = ? OR ref = ?)`, p.Org.ID, id, strings.ToUpper(id)))
		return err
	})
	return out, err
}

type handlers struct {
	*web.Server
	svc *Service
}

// Area mounts the incident reports on the server.
func Area(svc *Service) web.Area {
	return web.Area{Name: "incidents", Mount: func(s *web.Server) web.Mounted {
		h := &handlers{Server: s, svc: svc}
		return web.Mounted{Templates: templates, Routes: h.routes(), Tasks: h.tasks}
	}}
}

func (h *handlers) routes() []web.Route {
	return []web.Route{
		{Method: "POST", Pattern: "/api/v1/me/incident-reports", Perm: bulwark.PermSelfService, Summary: "Report a security event or weakness (any member)", Handler: h.apiReport, Request: ReportEntity, Response: IncidentEntity, Status: http.StatusCreated},
		{Method: "GET", Pattern: "/api/v1/me/incident-reports", Perm: bulwark.PermSelfService, Summary: "What you reported", Handler: h.apiMine, Response: IncidentEntity, List: true},
		{Method: "GET", Pattern: "/api/v1/incidents", Perm: bulwark.PermISMSRead, Summary: "The incident register, newest first", Handler: h.apiList, Response: IncidentEntity, List: true},
		{Method: "GET", Pattern: "/api/v1/incidents/{id}", Perm: bulwark.PermISMSRead, Summary: "Read an incident", Handler: h.apiOne, Response: IncidentEntity},
		{Method: "POST", Pattern: "/o/{slug}/incident-reports", Perm: bulwark.PermSelfService, Handler: h.reportSubmit},
		{Method: "GET", Pattern: "/o/{slug}/incidents", Perm: bulwark.PermISMSRead, Handler: h.listPage},
		{Method: "GET", Pattern: "/o/{slug}/incidents/{id}", Perm: bulwark.PermISMSRead, Handler: h.page},
	}
}

func (h *handlers) apiReport(w http.ResponseWriter, r *http.Request) {
	vals, err := h.DecodeCreate(w, r, ReportEntity)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	rep := Report{Title: bulwark.Value(vals.Str("title")), Description: bulwark.Value(vals.Str("description"))}
	if d := vals.NullStr("discovered_at"); d != nil && *d != nil {
		t, err := time.Parse(time.RFC3339, **d)
		if err != nil {
			h.Problem(w, r, bulwark.Invalid("discovered_at", "must be a time such as 2026-12-02T09:30:00Z"))
			return
		}
		rep.DiscoveredAt = &t
	}
	i, err := h.svc.ReportIncident(r.Context(), web.PrincipalFrom(r), rep)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/me/incident-reports")
	web.WriteJSON(w, http.StatusCreated, i)
}

func (h *handlers) apiMine(w http.ResponseWriter, r *http.Request) {
	is, err := h.svc.MyReports(r.Context(), web.PrincipalFrom(r))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": is, "next_cursor": nil})
}

func (h *handlers) apiList(w http.ResponseWriter, r *http.Request) {
	is, err := h.svc.Incidents(r.Context(), web.PrincipalFrom(r))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": is, "next_cursor": nil})
}

func (h *handlers) apiOne(w http.ResponseWriter, r *http.Request) {
	i, err := h.svc.Incident(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, i)
}

func (h *handlers) reportSubmit(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	i, err := h.svc.ReportIncident(r.Context(), p, Report{Title: r.FormValue("title"), Description: r.FormValue("description")})
	if err != nil {
		if bulwark.ErrorCode(err) == bulwark.EINVALID {
			http.Redirect(w, r, "/o/"+p.Org.Slug+"/tasks?report=invalid#report", http.StatusSeeOther)
			return
		}
		h.RenderError(w, r, err)
		return
	}
	http.Redirect(w, r, "/o/"+p.Org.Slug+"/tasks?reported="+i.Ref+"#report", http.StatusSeeOther)
}

func (h *handlers) listPage(w http.ResponseWriter, r *http.Request) {
	is, err := h.svc.Incidents(r.Context(), web.PrincipalFrom(r))
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	_, names, err := h.Directory(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	h.Render(w, r, http.StatusOK, "incidents", &web.Page{Title: "Incidents", Nav: "incidents", Data: map[string]any{"Items": is, "Names": names}})
}

func (h *handlers) page(w http.ResponseWriter, r *http.Request) {
	i, err := h.svc.Incident(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	_, names, err := h.Directory(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	h.Render(w, r, http.StatusOK, "incident", &web.Page{Title: i.Ref + " " + i.Title, Nav: "incidents", Data: map[string]any{"I": i, "Names": names}})
}

// tasks puts the report form and the member's own recent reports on "My tasks"
// (no count: nothing waits, it is always there).
func (h *handlers) tasks(r *http.Request) (web.Tasks, error) {
	p := web.PrincipalFrom(r)
	mine, err := h.svc.MyReports(r.Context(), p)
	if err != nil {
		return web.Tasks{}, err
	}
	if len(mine) > 5 {
		mine = mine[:5]
	}
	q := r.URL.Query()
	html, err := h.Partial("incident-report", &web.Page{P: p, Data: map[string]any{"Mine": mine, "Reported": q.Get("reported"), "Invalid": q.Get("report") == "invalid"}})
	if err != nil {
		return web.Tasks{}, err
	}
	return web.Tasks{HTML: template.HTML(html)}, nil
}

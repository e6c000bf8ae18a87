package controls

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/areas/frameworks"
	"github.com/bulwark-isms/bulwark/web"
)

// statusChart draws the share of controls in each status as a horizontal bar.
func statusChart(counts map[string]int) template.HTML {
	colors := map[string]string{"implemented": "#2e7d32", "partial": "#f9a825", "planned": "#1565c0", "not_started": "#9e9e9e", "not_applicable": "#6d4c41"}
	total := 0
	for _, st := range ControlStatuses {
		total += counts[st]
	}
	var b strings.Builder
	b.WriteString(`<svg role="img" aria-label="Controls by status" viewBox="0 0 1000 40" width="100%" height="40" xmlns="http://www.w3.org/2000/svg">`)
	x := 0.0
	for _, st := range ControlStatuses {
		if total == 0 || counts[st] == 0 {
			continue
		}
		wdt := float64(counts[st]) / float64(total) * 1000
		fmt.Fprintf(&b, `<rect x="%.1f" y="0" width="%.1f" height="40" fill="%s"><title>%s: %d</title></rect>`, x, wdt, colors[st], template.HTMLEscapeString(st), counts[st])
		x += wdt
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // built from constants and numbers only
}

func (s *handlers) controlsPage(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	f := controlFilter(r)
	items, err := s.svc.Controls(r.Context(), p, f)
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	all, err := s.svc.Controls(r.Context(), p, ControlFilter{})
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	counts := map[string]int{}
	for _, c := range all {
		counts[c.Status]++
	}
	type st struct {
		Name, Label string
		Count       int
	}
	var statuses []st
	for _, name := range ControlStatuses {
		statuses = append(statuses, st{name, StatusLabel(name), counts[name]})
	}
	members, names, err := s.Directory(r)
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	q := map[string]string{}
	for _, k := range []string{"q", "theme", "status", "owner_id"} {
		q[k] = r.URL.Query().Get(k)
	}
	s.Render(w, r, http.StatusOK, "controls", &web.Page{Title: "Controls", Nav: "controls", Data: map[string]any{
		"Items": items, "Chart": statusChart(counts), "Statuses": statuses, "StatusNames": ControlStatuses, "Members": members, "Names": names,
		"Themes": []string{"Organizational", "People", "Physical", "Technological", "custom"}, "Q": q,
	}})
}

func (s *handlers) controlPage(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	c := &Control{Status: "not_started"}
	if id := r.PathValue("id"); id != "" {
		var err error
		if c, err = s.svc.Control(r.Context(), p, id); err != nil {
			s.RenderError(w, r, err)
			return
		}
	}
	s.renderControl(w, r, http.StatusOK, c, &web.Page{})
}

func (s *handlers) renderControl(w http.ResponseWriter, r *http.Request, status int, c *Control, pg *web.Page) {
	p := web.PrincipalFrom(r)
	members, _, err := s.Directory(r)
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	var req *frameworks.Requirement
	if c.RequirementID != nil {
		req = &frameworks.Requirement{ID: *c.RequirementID, Ref: c.Ref}
	}
	canEdit := p.Can(bulwark.PermISMSEdit) || (c.ID == "" && p.Can(bulwark.PermISMSCreate)) ||
		(p.Can(bulwark.PermISMSEditOwn) && c.OwnerID != nil && *c.OwnerID == p.MemberID)
	title := "New custom control"
	if c.ID != "" {
		title = c.Ref + " " + c.Title
	}
	pg.Title, pg.Nav = title, "controls"
	pg.Data = map[string]any{"Control": c, "Members": members, "StatusNames": ControlStatuses, "Requirement": req, "CanEdit": canEdit}
	s.Render(w, r, status, "control", pg)
}

func (s *handlers) controlSubmit(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if err := web.ParseForm(w, r); err != nil {
		s.RenderError(w, r, err)
		return
	}
	// A catalog control's form has no title and description: they stay the catalog's.
	names := []string{"owner_id", "review_date", "status", "implementation_description"}
	if r.Form.Has("title") {
		names = append(names, "title", "description")
	}
	vals, err := ControlEntity.DecodeForm(r.Form, names...)
	in := controlInputOf(vals)
	var c *Control
	if id := r.PathValue("id"); id != "" {
		var expect *int
		if v, err := strconv.Atoi(r.FormValue("version")); err == nil {
			expect = &v
		}
		if err == nil {
			c, err = s.svc.UpdateControl(r.Context(), p, id, in, expect, nil)
		}
		if err != nil {
			if cur, cerr := s.svc.Control(r.Context(), p, id); cerr == nil && bulwark.ErrorCode(err) != bulwark.EINTERNAL {
				s.FormError(w, r, "control", s.controlPageFor(r, cur), err)
				return
			}
			s.RenderError(w, r, err)
			return
		}
	} else {
		if err == nil {
			c, err = s.svc.CreateControl(r.Context(), p, in)
		}
		if err != nil {
			draft := &Control{}
			draft.Status, draft.Implementation = bulwark.Value(in.Status), bulwark.Value(in.Implementation)
			draft.Title, draft.Description = bulwark.Value(in.Title), bulwark.Value(in.Description)
			if in.OwnerID != nil {
				draft.OwnerID = *in.OwnerID
			}
			if in.ReviewDate != nil {
				draft.ReviewDate = *in.ReviewDate
			}
			s.FormError(w, r, "control", s.controlPageFor(r, draft), err)
			return
		}
	}
	http.Redirect(w, r, "/o/"+p.Org.Slug+"/controls/"+c.ID+"?saved=1", http.StatusSeeOther)
}

// controlPageFor prepares the control page's data for re-display with an error.
func (s *handlers) controlPageFor(r *http.Request, c *Control) *web.Page {
	members, _, err := s.Directory(r)
	if err != nil {
		// The owner pick-list is empty then; the error being re-displayed matters more.
		s.Log().Warn("read the member directory", "err", err, "request_id", web.RequestID(r))
	}
	p := web.PrincipalFrom(r)
	canEdit := p.Can(bulwark.PermISMSEdit) || p.Can(bulwark.PermISMSCreate) || (c.OwnerID != nil && *c.OwnerID == p.MemberID)
	return &web.Page{Title: "Control", Nav: "controls", Data: map[string]any{"Control": c, "Members": members, "StatusNames": ControlStatuses, "CanEdit": canEdit}}
}

// progress is the programme's progress over the control set, for the dashboard.
type progress struct {
	Chart                            template.HTML
	Statuses                         []statusCount
	Applicable, Implemented, Percent int
	WithOwner, OwnerPercent          int
	ReviewsDue                       int
	Today                            string
}

// statusCount is how many controls are in one status.
type statusCount struct {
	Name, Label string
	Count       int
}

// dashboardPart renders the programme's progress on the dashboard for those who read the ISMS: controls by
// status, how many applicable ones have an owner, and reviews due.
func (h *handlers) dashboardPart(r *http.Request) (template.HTML, error) {
	p := web.PrincipalFrom(r)
	if !p.Can(bulwark.PermISMSRead) {
		return "", nil
	}
	cs, err := h.svc.Controls(r.Context(), p, ControlFilter{})
	if err != nil {
		return "", err
	}
	today := bulwark.Today(time.Now(), p.Org.Settings.TimeZone)
	pr := &progress{Today: today}
	counts := map[string]int{}
	for _, c := range cs {
		counts[c.Status]++
		if c.Status == "not_applicable" {
			continue
		}
		pr.Applicable++
		if c.Status == "implemented" {
			pr.Implemented++
		}
		if c.OwnerID != nil {
			pr.WithOwner++
		}
		if c.ReviewDate != nil && *c.ReviewDate < today {
			pr.ReviewsDue++
		}
	}
	if pr.Applicable > 0 {
		pr.Percent, pr.OwnerPercent = 100*pr.Implemented/pr.Applicable, 100*pr.WithOwner/pr.Applicable
	}
	for _, st := range ControlStatuses {
		pr.Statuses = append(pr.Statuses, statusCount{Name: st, Label: StatusLabel(st), Count: counts[st]})
	}
	pr.Chart = statusChart(counts)
	return h.Partial("controls-dashboard", &web.Page{P: p, Data: pr})
}

// PickItem is how a picker offers a control: its ref and title.
func PickItem(c *Control) web.PickItem { return web.PickItem{ID: c.ID, Label: c.Ref + " " + c.Title} }

// pickSource lets pickers find controls by ref or words.
func (h *handlers) pickSource() web.PickSource {
	return web.PickSource{Field: "control_ids",
		Search: func(ctx context.Context, p *bulwark.Principal, q string) ([]web.PickItem, error) {
			cs, err := h.svc.Controls(ctx, p, ControlFilter{Q: q})
			items := make([]web.PickItem, 0, len(cs))
			for _, c := range cs {
				items = append(items, PickItem(c))
			}
			return items, err
		},
		One: func(ctx context.Context, p *bulwark.Principal, id string) (web.PickItem, error) {
			c, err := h.svc.Control(ctx, p, id)
			if err != nil {
				return web.PickItem{}, err
			}
			return PickItem(c), nil
		}}
}

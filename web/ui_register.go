package web

import (
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/catalog"
	"github.com/bulwark-isms/bulwark/sqlstore"
)

func (s *Server) frameworksPage(w http.ResponseWriter, r *http.Request) {
	fs, err := s.svc.Frameworks(r.Context(), PrincipalFrom(r))
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	s.Render(w, r, http.StatusOK, "frameworks", &Page{Title: "Frameworks", Nav: "frameworks", Data: fs})
}

type facet struct {
	Name, Label string
	Values      []string
}

// facetsOf lists the attribute filters that make sense for a framework.
var facetsOf = map[string][]string{
	catalog.ISO27001: {"theme", "control_type", "security_properties", "cybersecurity_concepts", "operational_capabilities", "security_domains"},
	catalog.SOC2:     {"category"},
	catalog.HIPAA:    {"section"},
}

func (s *Server) requirementsPage(w http.ResponseWriter, r *http.Request) {
	p := PrincipalFrom(r)
	f, err := requirementFilter(r)
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	fw, items, next, err := s.svc.Requirements(r.Context(), p, r.PathValue("key"), f)
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	q := map[string]string{"q": r.URL.Query().Get("q")}
	var facets []facet
	for _, name := range facetsOf[fw.Slug] {
		vals, err := s.svc.AttributeValues(r.Context(), p, fw.ID, name)
		if err != nil {
			s.RenderError(w, r, err)
			return
		}
		facets = append(facets, facet{Name: name, Label: strings.ReplaceAll(strings.ToUpper(name[:1])+name[1:], "_", " "), Values: vals})
		q[name] = r.URL.Query().Get(name)
	}
	data := map[string]any{"Framework": fw, "Items": items, "Facets": facets, "Q": q}
	if next >= 0 {
		v := r.URL.Query()
		v.Set("cursor", strconv.Itoa(next))
		data["NextURL"] = "?" + v.Encode()
	}
	s.Render(w, r, http.StatusOK, "requirements", &Page{Title: fw.Name, Nav: "frameworks", Data: data})
}

func (s *Server) requirementPage(w http.ResponseWriter, r *http.Request) {
	req, err := s.svc.Requirement(r.Context(), PrincipalFrom(r), r.PathValue("id"))
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	s.Render(w, r, http.StatusOK, "requirement", &Page{Title: req.Ref + " " + req.DisplayTitle, Nav: "frameworks", Data: req})
}

// Directory returns active members and a name lookup for owner columns.
func (s *Server) Directory(r *http.Request) ([]app.MemberRef, map[string]string, error) {
	ms, err := s.svc.Directory(r.Context(), PrincipalFrom(r))
	names := map[string]string{}
	for _, m := range ms {
		names[m.ID], names[m.UserID] = m.Name, m.Name
	}
	return ms, names, err
}

// statusChart draws the share of controls in each status as a horizontal bar.
func statusChart(counts map[string]int) template.HTML {
	colors := map[string]string{"implemented": "#2e7d32", "partial": "#f9a825", "planned": "#1565c0", "not_started": "#9e9e9e", "not_applicable": "#6d4c41"}
	total := 0
	for _, st := range bulwark.ControlStatuses {
		total += counts[st]
	}
	var b strings.Builder
	b.WriteString(`<svg role="img" aria-label="Controls by status" viewBox="0 0 1000 40" width="100%" height="40" xmlns="http://www.w3.org/2000/svg">`)
	x := 0.0
	for _, st := range bulwark.ControlStatuses {
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

func (s *Server) controlsPage(w http.ResponseWriter, r *http.Request) {
	p := PrincipalFrom(r)
	f := controlFilter(r)
	items, err := s.svc.Controls(r.Context(), p, f)
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	all, err := s.svc.Controls(r.Context(), p, sqlstore.ControlFilter{})
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
	for _, name := range bulwark.ControlStatuses {
		statuses = append(statuses, st{name, strings.ReplaceAll(name, "_", " "), counts[name]})
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
	s.Render(w, r, http.StatusOK, "controls", &Page{Title: "Controls", Nav: "controls", Data: map[string]any{
		"Items": items, "Chart": statusChart(counts), "Statuses": statuses, "StatusNames": bulwark.ControlStatuses, "Members": members, "Names": names,
		"Themes": []string{"Organizational", "People", "Physical", "Technological", "custom"}, "Q": q,
	}})
}

func (s *Server) controlPage(w http.ResponseWriter, r *http.Request) {
	p := PrincipalFrom(r)
	c := &bulwark.Control{Status: "not_started"}
	if id := r.PathValue("id"); id != "" {
		var err error
		if c, err = s.svc.Control(r.Context(), p, id); err != nil {
			s.RenderError(w, r, err)
			return
		}
	}
	s.renderControl(w, r, http.StatusOK, c, &Page{})
}

func (s *Server) renderControl(w http.ResponseWriter, r *http.Request, status int, c *bulwark.Control, pg *Page) {
	p := PrincipalFrom(r)
	members, _, err := s.Directory(r)
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	var req *bulwark.Requirement
	if c.RequirementID != nil {
		req = &bulwark.Requirement{ID: *c.RequirementID, Ref: c.Ref}
	}
	canEdit := p.Can(bulwark.PermISMSEdit) || (c.ID == "" && p.Can(bulwark.PermISMSCreate)) ||
		(p.Can(bulwark.PermISMSEditOwn) && c.OwnerID != nil && *c.OwnerID == p.MemberID)
	title := "New custom control"
	if c.ID != "" {
		title = c.Ref + " " + c.Title
	}
	pg.Title, pg.Nav = title, "controls"
	pg.Data = map[string]any{"Control": c, "Members": members, "StatusNames": bulwark.ControlStatuses, "Requirement": req, "CanEdit": canEdit}
	s.Render(w, r, status, "control", pg)
}

// FormPtr returns nil for an empty form value, else a pointer to it.
func FormPtr(r *http.Request, name string) *string {
	v := strings.TrimSpace(r.FormValue(name))
	if v == "" {
		return nil
	}
	return &v
}

func (s *Server) controlSubmit(w http.ResponseWriter, r *http.Request) {
	p := PrincipalFrom(r)
	if err := ParseForm(w, r); err != nil {
		s.RenderError(w, r, err)
		return
	}
	owner, review := FormPtr(r, "owner_id"), FormPtr(r, "review_date")
	status, impl := r.FormValue("status"), r.FormValue("implementation_description")
	in := app.ControlInput{OwnerID: &owner, ReviewDate: &review, Status: &status, Implementation: &impl}
	if r.Form.Has("title") {
		t, d := r.FormValue("title"), r.FormValue("description")
		in.Title, in.Description = &t, &d
	}
	var c *bulwark.Control
	var err error
	if id := r.PathValue("id"); id != "" {
		var expect *int
		if v, err := strconv.Atoi(r.FormValue("version")); err == nil {
			expect = &v
		}
		c, err = s.svc.UpdateControl(r.Context(), p, id, in, expect, nil)
		if err != nil {
			if cur, cerr := s.svc.Control(r.Context(), p, id); cerr == nil && bulwark.ErrorCode(err) != bulwark.EINTERNAL {
				s.FormError(w, r, "control", s.controlPageFor(r, cur), err)
				return
			}
			s.RenderError(w, r, err)
			return
		}
	} else {
		c, err = s.svc.CreateControl(r.Context(), p, in)
		if err != nil {
			draft := &bulwark.Control{Status: status, Implementation: impl, OwnerID: owner, ReviewDate: review}
			if in.Title != nil {
				draft.Title, draft.Description = *in.Title, *in.Description
			}
			s.FormError(w, r, "control", s.controlPageFor(r, draft), err)
			return
		}
	}
	http.Redirect(w, r, "/o/"+p.Org.Slug+"/controls/"+c.ID+"?saved=1", http.StatusSeeOther)
}

// controlPageFor prepares the control page's data for re-display with an error.
func (s *Server) controlPageFor(r *http.Request, c *bulwark.Control) *Page {
	members, _, err := s.Directory(r)
	if err != nil {
		// The owner pick-list is empty then; the error being re-displayed matters more.
		s.log.Warn("read the member directory", "err", err, "request_id", requestID(r))
	}
	p := PrincipalFrom(r)
	canEdit := p.Can(bulwark.PermISMSEdit) || p.Can(bulwark.PermISMSCreate) || (c.OwnerID != nil && *c.OwnerID == p.MemberID)
	return &Page{Title: "Control", Nav: "controls", Data: map[string]any{"Control": c, "Members": members, "StatusNames": bulwark.ControlStatuses, "CanEdit": canEdit}}
}

// SortColumn is a sortable column header of a register table.
type SortColumn struct {
	Label, URL, Dir string
	Sort, Active    bool
}

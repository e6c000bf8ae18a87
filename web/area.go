package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"slices"
	"strings"
)

// Area is one ISMS area's part of the server. Areas are mounted in order at
// start-up; the kernel imports none of them, so what gathers from every area (the
// dashboard, my tasks) asks the providers the areas register here.
type Area struct {
	// Name is the area's folder, for messages.
	Name string
	// Mount is called once with the server, whose exported helpers the area's
	// handlers use, and returns what the area adds.
	Mount func(s *Server) Mounted
}

// Mounted is what an area adds to the server.
type Mounted struct {
	// Templates holds the area's pages in a folder templates/, one file a page
	// named after it ("risk.html" is the page "risk"), each defining "content"
	// inside the layout; templates/partials/*.html are parsed with every page.
	Templates fs.FS
	// Routes are the area's routes, each with the permission it needs.
	Routes []Route
	// Dashboard, when set, renders the area's part of the dashboard.
	Dashboard func(r *http.Request) (template.HTML, error)
	// Alerts, when set, renders what cannot wait (a regulatory deadline counting down): the
	// dashboard shows it first, above what waits for the person.
	Alerts func(r *http.Request) (template.HTML, error)
	// Tasks, when set, says what the area has waiting for the principal.
	Tasks func(r *http.Request) (Tasks, error)
}

// Tasks is what an area has waiting for someone: the fields it adds to
// GET /api/v1/me/tasks, the HTML it adds to the "My tasks" page, and how many
// items wait (none: the page says nothing is waiting).
type Tasks struct {
	Count int
	JSON  map[string]any
	HTML  template.HTML
}

// mount adds every area's templates, routes and providers.
func (s *Server) mount(areas []Area) error {
	for _, a := range areas {
		m := a.Mount(s)
		if m.Templates != nil {
			if err := s.parseAreaPages(a.Name, m.Templates); err != nil {
				return err
			}
		}
		s.routes = append(s.routes, m.Routes...)
		if m.Dashboard != nil {
			s.dashboards = append(s.dashboards, m.Dashboard)
		}
		if m.Alerts != nil {
			s.alerts = append(s.alerts, m.Alerts)
		}
		if m.Tasks != nil {
			s.tasks = append(s.tasks, m.Tasks)
		}
	}
	return nil
}

// parseAreaPages parses an area's page templates, each inside the layout.
func (s *Server) parseAreaPages(area string, fsys fs.FS) error {
	files, err := fs.Glob(fsys, "templates/*.html")
	if err != nil {
		return err
	}
	// templates/partials/*.html define parts several of the area's pages share (a form).
	partials, err := fs.Glob(fsys, "templates/partials/*.html")
	if err != nil {
		return err
	}
	for _, f := range files {
		name := strings.TrimSuffix(strings.TrimPrefix(f, "templates/"), ".html")
		if _, dup := s.pages[name]; dup {
			return fmt.Errorf("area %s: template %s is already defined", area, name)
		}
		t, err := template.New(name).Funcs(funcs).ParseFS(assets, sharedTemplates...)
		if err == nil {
			t, err = t.ParseFS(fsys, append(slices.Clone(partials), f)...)
		}
		if err != nil {
			return fmt.Errorf("area %s: parse template %s: %w", area, name, err)
		}
		s.pages[name] = t
	}
	return nil
}

// Partial renders the "content" of page name with pg, for a part of a page that
// gathers from several areas.
func (s *Server) Partial(name string, pg *Page) (template.HTML, error) {
	t, ok := s.pages[name]
	if !ok {
		return "", fmt.Errorf("no such template %s", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "content", pg); err != nil {
		return "", fmt.Errorf("render %s: %w", name, err)
	}
	return template.HTML(buf.String()), nil // #nosec G203 -- html/template output, escaped
}

// myTasks gathers what every area has waiting for the principal of r.
func (s *Server) myTasks(r *http.Request, slots partSlots) (count int, fields map[string]any, parts []template.HTML, err error) {
	fields = map[string]any{}
	all, err := gather(r, slots, s.tasks)
	if err != nil {
		return 0, nil, nil, err
	}
	for _, t := range all {
		count += t.Count
		for k, v := range t.JSON {
			fields[k] = v
		}
		if t.HTML != "" {
			parts = append(parts, t.HTML)
		}
	}
	return count, fields, parts, nil
}

func (s *Server) apiMyTasks(w http.ResponseWriter, r *http.Request) {
	_, fields, _, err := s.myTasks(r, newPartSlots())
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, fields)
}

func (s *Server) tasksPage(w http.ResponseWriter, r *http.Request) {
	count, _, parts, err := s.myTasks(r, newPartSlots())
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	s.Render(w, r, http.StatusOK, "tasks", &Page{Title: "My tasks", Nav: "tasks", Data: map[string]any{"Count": count, "Parts": parts}})
}

package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/bulwark-isms/bulwark"
)

// Page is what every template receives.
type Page struct {
	Title    string
	Nav      string
	User     *bulwark.User
	P        *bulwark.Principal
	Orgs     []bulwark.Membership
	Sections []Section
	Notice   string
	Error    string
	Fields   []bulwark.FieldError
	Form     map[string]string
	Data     any
}

type fieldErr struct{ ID, Msg string }

// FieldErr returns the error of one form field, for the "ferr" template.
func (p *Page) FieldErr(name string) *fieldErr {
	for _, f := range p.Fields {
		if f.Field == name {
			return &fieldErr{ID: name, Msg: f.Message}
		}
	}
	return nil
}

// FieldList lists field errors not shown next to a field.
func (p *Page) FieldList() []bulwark.FieldError { return p.Fields }

var funcs = template.FuncMap{
	"date": func(t any) string {
		switch v := t.(type) {
		case time.Time:
			return v.UTC().Format("2006-01-02")
		case *time.Time:
			if v != nil {
				return v.UTC().Format("2006-01-02")
			}
		}
		return ""
	},
	"datetime": func(t any) string {
		switch v := t.(type) {
		case time.Time:
			return v.UTC().Format("2006-01-02T15:04Z")
		case *time.Time:
			if v != nil {
				return v.UTC().Format("2006-01-02T15:04Z")
			}
		}
		return ""
	},
	"status":    func(m *bulwark.Member) string { return m.Status(time.Now()) },
	"invstatus": func(i *bulwark.Invitation) string { return i.Status(time.Now()) },
	"changes":   changesText,
	"label": func(s string) string {
		s = strings.ReplaceAll(s, "_", " ")
		if s == "" {
			return ""
		}
		return strings.ToUpper(s[:1]) + s[1:]
	},
	"deref": func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	},
	"cia": func(p *int) string {
		if p == nil {
			return "–"
		}
		return fmt.Sprint(*p)
	},
	"join": func(v []string) string { return strings.Join(v, " | ") },
	"ideref": func(p *int) int {
		if p == nil {
			return 0
		}
		return *p
	},
	"owner": func(names map[string]string, id *string) string {
		if id == nil {
			return "—"
		}
		if n, ok := names[*id]; ok {
			return n
		}
		return "former member"
	},
	"actor": func(names map[string]string, id string) string {
		if n, ok := names[id]; ok {
			return n
		}
		return id
	},
}

// changesText renders an audit entry's changes as "field: before → after" lines.
func changesText(raw json.RawMessage) []string {
	var ch map[string]struct {
		Before any `json:"before"`
		After  any `json:"after"`
	}
	if err := json.Unmarshal(raw, &ch); err != nil {
		return []string{string(raw)}
	}
	keys := make([]string, 0, len(ch))
	for k := range ch {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]string, 0, len(keys))
	show := func(v any) string {
		if v == nil {
			return "∅"
		}
		return fmt.Sprint(v)
	}
	for _, k := range keys {
		c := ch[k]
		if c.Before == nil {
			out = append(out, k+": "+show(c.After))
		} else {
			out = append(out, k+": "+show(c.Before)+" → "+show(c.After))
		}
	}
	return out
}

func parsePages() (map[string]*template.Template, error) {
	files, err := fs.Glob(assets, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, f := range files {
		name := strings.TrimSuffix(strings.TrimPrefix(f, "templates/"), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.New(name).Funcs(funcs).ParseFS(assets, "templates/layout.html", f)
		if err != nil {
			return nil, fmt.Errorf("parse template %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

// Render writes a page with status. Signed-in pages get the organisation switcher.
func (s *Server) Render(w http.ResponseWriter, r *http.Request, status int, name string, pg *Page) {
	t, ok := s.pages[name]
	if !ok {
		s.log.Error("no such template", "name", name)
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	if pg.User == nil {
		pg.User = userFrom(r)
	}
	if pg.P == nil {
		pg.P = PrincipalFrom(r)
	}
	if pg.Form == nil {
		pg.Form = map[string]string{}
	}
	pg.Sections = s.sections
	if pg.User != nil && pg.Orgs == nil {
		var err error
		if pg.Orgs, err = s.svc.Memberships(r.Context(), pg.User.ID); err != nil {
			// The organisation switcher is a convenience: the page still renders without it.
			s.log.Warn("read memberships for the switcher", "err", err, "request_id", RequestID(r))
		}
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", pg); err != nil {
		s.log.Error("render template", "name", name, "err", err, "request_id", RequestID(r))
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// RenderError shows err as a page with the matching status.
func (s *Server) RenderError(w http.ResponseWriter, r *http.Request, err error) {
	status := s.ErrorStatus(r, err)
	RetryAfter(w, err)
	title := map[int]string{401: "Please sign in", 403: "Not allowed", 404: "Not found", 409: "Conflict", 429: "Too many attempts"}[status]
	if title == "" {
		title = http.StatusText(status)
	}
	s.Render(w, r, status, "error", &Page{Title: title, Data: bulwark.ErrorMessage(err)})
}

// FormError re-renders a form page with the error of err; internal errors become
// an error page.
func (s *Server) FormError(w http.ResponseWriter, r *http.Request, name string, pg *Page, err error) {
	var e *bulwark.Error
	if !errors.As(err, &e) || e.Code == bulwark.EINTERNAL {
		s.RenderError(w, r, err)
		return
	}
	RetryAfter(w, err)
	pg.Error = e.Message
	pg.Fields = e.Fields
	s.Render(w, r, s.ErrorStatus(r, err), name, pg)
}

// FormValues copies the named form fields (never passwords) for re-display with an error.
func FormValues(r *http.Request, names ...string) map[string]string {
	m := map[string]string{}
	for _, n := range names {
		m[n] = r.FormValue(n)
	}
	return m
}

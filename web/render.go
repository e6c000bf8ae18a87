package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"regexp"
	"slices"
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

	loc *time.Location // the organisation's time zone, once looked up
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

// When formats a moment for reading, in the organisation's time zone: "1 Dec 2026, 14:05". Exports and the
// API keep ISO 8601.
func (p *Page) When(t any) string {
	var v time.Time
	switch x := t.(type) {
	case time.Time:
		v = x
	case *time.Time:
		if x == nil {
			return ""
		}
		v = *x
	case string:
		var err error
		if v, err = time.Parse(time.RFC3339Nano, x); err != nil {
			return x
		}
	default:
		return ""
	}
	if p.loc == nil {
		p.loc = time.UTC
		if p.P != nil {
			p.loc = bulwark.Location(p.P.Org.Settings.TimeZone)
		}
	}
	v = v.In(p.loc)
	s := v.Format("2 Jan 2006, 15:04")
	if p.loc == time.UTC {
		s += " UTC"
	}
	return s
}

// Day formats a calendar date for reading ("1 Dec 2026"): a time (its UTC date), or a YYYY-MM-DD string as
// stored for review and due dates. Anything else is shown as it is.
func Day(t any) string {
	switch v := t.(type) {
	case time.Time:
		return v.UTC().Format("2 Jan 2006")
	case *time.Time:
		if v != nil {
			return v.UTC().Format("2 Jan 2006")
		}
	case string:
		if d, err := time.Parse("2006-01-02", v); err == nil {
			return d.Format("2 Jan 2006")
		}
		return v
	case *string:
		if v != nil {
			return Day(*v)
		}
	}
	return ""
}

// FieldList lists field errors not shown next to a field.
func (p *Page) FieldList() []bulwark.FieldError { return p.Fields }

var funcs = template.FuncMap{
	// isodate is for form values (input type=date); day and Page.When are for reading.
	"inc":      func(i int) int { return i + 1 },
	"anchorid": AnchorID,
	"isodate": func(t any) string {
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
	"day":        Day,
	"plural":     bulwark.Plural,
	"status":     func(m *bulwark.Member) string { return m.Status(time.Now()) },
	"invstatus":  func(i *bulwark.Invitation) string { return i.Status(time.Now()) },
	"changes":    Changes,
	"fieldlabel": FieldLabel,
	"label":      FieldLabel,
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
	// dict passes several values to a nested template: dict "Key" value ….
	"dict": func(kv ...any) (map[string]any, error) {
		if len(kv)%2 != 0 {
			return nil, errors.New("dict needs key and value pairs")
		}
		m := make(map[string]any, len(kv)/2)
		for i := 0; i < len(kv); i += 2 {
			k, ok := kv[i].(string)
			if !ok {
				return nil, errors.New("dict keys are strings")
			}
			m[k] = kv[i+1]
		}
		return m, nil
	},
	"has":    func(list []string, v string) bool { return slices.Contains(list, v) },
	"bderef": func(p *bool) bool { return p != nil && *p },
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
		if how, ok := strings.CutPrefix(id, "cli:"); ok {
			return "Command line (" + how + ")"
		}
		if id == "" || id == "system" {
			return "Bulwark"
		}
		return "former member"
	},
}

// Change is one field of an audit entry or a reassessment, as people read it.
type Change struct{ Field, Before, After string }

// FieldLabel turns a stored field name into words: owner_id → Owner, control_ids → Controls,
// inherent_likelihood → Inherent likelihood.
func FieldLabel(name string) string {
	switch {
	case strings.HasSuffix(name, "_ids"):
		name = strings.TrimSuffix(name, "_ids") + "s"
	case strings.HasSuffix(name, "_id"):
		name = strings.TrimSuffix(name, "_id")
	}
	name = strings.NewReplacer("_", " ", ".", " ").Replace(name)
	if name == "" {
		return ""
	}
	return strings.ToUpper(name[:1]) + name[1:]
}

// AnchorID makes any text (a requirement id such as "gdpr:Art. 5") usable in an element id and a URL
// fragment: every character outside letters, digits and "-" becomes "-".
func AnchorID(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return '-'
	}, s)
}

// enumFields are the fields, across the areas, whose values are enumerations: their values read as words in
// the audit log; any other text is shown as it was written.
var enumFields = map[string]bool{"status": true, "answer": true, "origin": true, "treatment": true, "type": true, "role": true,
	"inclusion_reasons": true, "decision": true, "kind": true, "score_rule": true, "severity": true, "classification": true, "root_cause_method": true,
	"result": true, "source": true}

// enumValue matches a stored enumerated value (not_applicable, in_progress): lowercase words joined by
// underscores.
var enumValue = regexp.MustCompile(`^[a-z]+(_[a-z0-9]+)+$`)

// isID reports whether s looks like one of Bulwark's record ids (a UUID).
func isID(s string) bool {
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return false
	}
	for _, r := range s {
		if !(r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'f') {
			return false
		}
	}
	return true
}

// Changes reads a changes document ({"field": {"before": …, "after": …}}) into labelled lines, naming the
// members whose ids it holds (names: id → name); another document is shown as it is.
func Changes(names map[string]string, raw json.RawMessage) []Change {
	return ChangesLabelled(FieldLabel, names, raw)
}

// Labeller gives the label of a stored field name.
type Labeller func(name string) string

// FieldLabeller gives the labels an entity type declares (entityType as audit entries name it: "risk",
// "asset"), falling back to FieldLabel for a field the declaration does not describe.
func (s *Server) FieldLabeller(entityType string) Labeller {
	e := s.entities[strings.ToLower(strings.ReplaceAll(entityType, "_", ""))]
	return func(name string) string {
		if e != nil {
			if f := e.Field(name); f != nil && f.Label != "" {
				return f.Label
			}
		}
		return FieldLabel(name)
	}
}

// ChangesLabelled is Changes with the field labels of label.
func ChangesLabelled(label Labeller, names map[string]string, raw json.RawMessage) []Change {
	var ch map[string]struct {
		Before any `json:"before"`
		After  any `json:"after"`
	}
	if err := json.Unmarshal(raw, &ch); err != nil || len(ch) == 0 {
		if len(raw) == 0 || string(raw) == "null" || string(raw) == "{}" {
			return nil
		}
		return []Change{{Field: "Details", After: string(raw)}}
	}
	keys := make([]string, 0, len(ch))
	for k := range ch {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	enumField := false // the field being shown holds enumerated values, never free text
	var show func(v any) string
	show = func(v any) string {
		switch x := v.(type) {
		case nil:
			return "(none)"
		case string:
			if n, ok := names[x]; ok {
				return n
			}
			if x == "" {
				return "(empty)"
			}
			if isID(x) {
				return "a linked record"
			}
			if enumField && enumValue.MatchString(x) { // a stored value such as not_applicable reads as words
				return strings.ReplaceAll(x, "_", " ")
			}
			return x
		case bool:
			if x {
				return "yes"
			}
			return "no"
		case []any:
			if len(x) == 0 {
				return "(none)"
			}
			parts := make([]string, 0, len(x))
			unnamed := 0
			for _, e := range x {
				if id, ok := e.(string); ok && isID(id) && names[id] == "" {
					unnamed++
					continue
				}
				parts = append(parts, show(e))
			}
			if unnamed > 0 { // links to records of other registers: their refs are on the record's page
				parts = append(parts, bulwark.Plural(unnamed, "linked record"))
			}
			return strings.Join(parts, ", ")
		}
		return fmt.Sprint(v)
	}
	out := make([]Change, 0, len(keys))
	for _, k := range keys {
		c := ch[k]
		enumField = enumFields[k]
		line := Change{Field: label(k), After: show(c.After)}
		if c.Before != nil {
			line.Before = show(c.Before)
		}
		out = append(out, line)
	}
	return out
}

// sharedTemplates are parsed with every page: the layout and the parts pages reuse (the picker).
var sharedTemplates = []string{"templates/layout.html", "templates/picker.html"}

func parsePages() (map[string]*template.Template, error) {
	files, err := fs.Glob(assets, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, f := range files {
		name := strings.TrimSuffix(strings.TrimPrefix(f, "templates/"), ".html")
		if name == "layout" || name == "picker" {
			continue
		}
		t, err := template.New(name).Funcs(funcs).ParseFS(assets, append(slices.Clone(sharedTemplates), f)...)
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

// FormFailure puts err on the form page pg (message and field errors) and
// returns the status to render it with; an internal error renders the error
// page instead and ok is false. For forms whose page needs its data rebuilt,
// where FormError cannot render directly.
func (s *Server) FormFailure(w http.ResponseWriter, r *http.Request, pg *Page, err error) (status int, ok bool) {
	var e *bulwark.Error
	if !errors.As(err, &e) || e.Code == bulwark.EINTERNAL {
		s.RenderError(w, r, err)
		return 0, false
	}
	RetryAfter(w, err)
	pg.Error, pg.Fields = e.Message, e.Fields
	return s.ErrorStatus(r, err), true
}

// FormValues copies the named form fields (never passwords) for re-display with an error.
func FormValues(r *http.Request, names ...string) map[string]string {
	m := map[string]string{}
	for _, n := range names {
		m[n] = r.FormValue(n)
	}
	return m
}

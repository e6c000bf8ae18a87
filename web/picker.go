package web

import (
	"bytes"
	"context"

	"github.com/bulwark-isms/bulwark"
	"net/http"
	"strings"
)

// Picker is the searchable multi-picker that links records to a record (controls and assets to a risk; later
// evidence, documents, people). Pages show it with {{template "picker" .}}; Name is the form field that
// carries the chosen ids.
type Picker struct {
	Name, Label string
	Placeholder string     // what to type, in the search box
	SearchURL   string     // GET ?q=… answers PickResults (htmx); empty: the full list only
	Chosen      []PickItem // shown as ticked chips
	Suggested   []PickItem // shown as unticked chips: a click adds one
	Options     []PickItem // everything that can be chosen and is not yet: the list that works without JavaScript
}

// PickItem is one record a picker offers.
type PickItem struct{ ID, Label string }

// NewPicker builds a picker over every item, with chosen (ids) ticked and suggested (ids) offered; the full
// list leaves out what is chosen.
func NewPicker(name, label string, all []PickItem, chosen, suggested []string) *Picker {
	p := &Picker{Name: name, Label: label}
	in := func(ids []string) map[string]bool {
		m := map[string]bool{}
		for _, id := range ids {
			m[id] = true
		}
		return m
	}
	isChosen, isSuggested := in(chosen), in(suggested)
	for _, it := range all {
		switch {
		case isChosen[it.ID]:
			p.Chosen = append(p.Chosen, it)
		case isSuggested[it.ID]:
			p.Suggested = append(p.Suggested, it)
		default:
			p.Options = append(p.Options, it)
		}
	}
	return p
}

// PickField is the picker's form field named by a search or add request (?field=), checked against the
// names the area uses: it becomes part of element ids.
func PickField(r *http.Request, allowed ...string) (string, bool) {
	f := r.URL.Query().Get("field")
	for _, a := range allowed {
		if f == a {
			return f, true
		}
	}
	return "", false
}

// PickQuery is what was typed into a picker's search box (htmx sends the box under its own name,
// pick_q_FIELD; ?q= works too).
func PickQuery(r *http.Request, field string) string {
	q := r.URL.Query().Get("pick_q_" + field)
	if q == "" {
		q = r.URL.Query().Get("q")
	}
	return strings.TrimSpace(q)
}

// PickResults answers a picker's search: the items found, each with a button that adds it (as a chip
// fetched from chipURL).
func (s *Server) PickResults(w http.ResponseWriter, r *http.Request, name, chipURL, query string, items []PickItem) {
	s.fragment(w, r, "pickresults", map[string]any{"Name": name, "ChipURL": chipURL, "Query": query, "Items": items})
}

// PickAdded answers a picker's add button: the chip to append, and the search result removed.
func (s *Server) PickAdded(w http.ResponseWriter, r *http.Request, name string, item PickItem) {
	s.fragment(w, r, "pickadded", map[string]any{"Name": name, "Item": item})
}

// fragment writes one template of the shared parts, for htmx.
func (s *Server) fragment(w http.ResponseWriter, r *http.Request, name string, data any) {
	t, ok := s.pages["dashboard"] // every page set holds the shared parts
	if !ok {
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, data); err != nil {
		s.log.Error("render a fragment", "template", name, "err", err, "request_id", RequestID(r))
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(buf.Bytes())
}

// PickSource is what an area gives a picker of its records: a search (what is typed; at most a screenful)
// and one record by id, both in the principal's organisation.
type PickSource struct {
	Field  string // the form field the picker fills (control_ids)
	Search func(ctx context.Context, p *bulwark.Principal, q string) ([]PickItem, error)
	One    func(ctx context.Context, p *bulwark.Principal, id string) (PickItem, error)
}

// PickRoutes returns the two routes of a picker over src at /o/{slug}/pick/KIND: the search, which leaves
// out what is already chosen, and the add button's chip. Reading the ISMS is enough for both.
func (s *Server) PickRoutes(kind string, src PickSource) []Route {
	chipURL := func(p *bulwark.Principal) string { return "/o/" + p.Org.Slug + "/pick/" + kind + "/chip" }
	field := func(w http.ResponseWriter, r *http.Request) bool {
		if _, ok := PickField(r, src.Field); !ok {
			s.RenderError(w, r, bulwark.Invalid("field", "is not a picker of "+kind))
			return false
		}
		return true
	}
	search := func(w http.ResponseWriter, r *http.Request) {
		if !field(w, r) {
			return
		}
		p := PrincipalFrom(r)
		q := PickQuery(r, src.Field)
		var items []PickItem
		if q != "" {
			found, err := src.Search(r.Context(), p, q)
			if err != nil {
				s.RenderError(w, r, err)
				return
			}
			chosen := map[string]bool{}
			for _, id := range r.URL.Query()[src.Field] {
				chosen[id] = true
			}
			for _, it := range found {
				if !chosen[it.ID] && len(items) < 20 {
					items = append(items, it)
				}
			}
		}
		s.PickResults(w, r, src.Field, chipURL(p), q, items)
	}
	chip := func(w http.ResponseWriter, r *http.Request) {
		if !field(w, r) {
			return
		}
		it, err := src.One(r.Context(), PrincipalFrom(r), r.URL.Query().Get("id"))
		if err != nil {
			s.RenderError(w, r, err)
			return
		}
		s.PickAdded(w, r, src.Field, it)
	}
	return []Route{
		{Method: "GET", Pattern: "/o/{slug}/pick/" + kind, Perm: bulwark.PermISMSRead, Handler: search},
		{Method: "GET", Pattern: "/o/{slug}/pick/" + kind + "/chip", Perm: bulwark.PermISMSRead, Handler: chip},
	}
}

// RecordPicker is the PickSource of an area's register: search finds records by what was typed (the
// area's list filter), one reads a record by id, item says how a picker shows one.
func RecordPicker[T any](field string, search func(ctx context.Context, p *bulwark.Principal, q string) ([]T, error),
	one func(ctx context.Context, p *bulwark.Principal, id string) (T, error), item func(T) PickItem) PickSource {
	return PickSource{Field: field,
		Search: func(ctx context.Context, p *bulwark.Principal, q string) ([]PickItem, error) {
			found, err := search(ctx, p, q)
			items := make([]PickItem, 0, len(found))
			for _, r := range found {
				items = append(items, item(r))
			}
			return items, err
		},
		One: func(ctx context.Context, p *bulwark.Principal, id string) (PickItem, error) {
			r, err := one(ctx, p, id)
			if err != nil {
				return PickItem{}, err
			}
			return item(r), nil
		}}
}

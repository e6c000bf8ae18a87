package evidence

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/web"
)

// LinkView is a record an evidence item is linked to, as a page shows it.
type LinkView struct {
	Kind, ID, Ref, Title, URL string
}

// Links names what e links to: its controls, risks and requirements, in that order.
func (s *Service) Links(ctx context.Context, p *bulwark.Principal, e *Evidence) ([]LinkView, error) {
	var out []LinkView
	err := s.view(ctx, func(tx store) error {
		for _, l := range []struct {
			kind string
			ids  []string
			q    string
			url  string
		}{
			{"control", e.ControlIDs, `SELECT id, ref, title FROM controls WHERE org_id = ? AND %s ORDER BY sort_order`, "/controls/"},
			{"risk", e.RiskIDs, `SELECT id, ref, title FROM risks WHERE org_id = ? AND %s ORDER BY ref`, "/risks/"},
			{"requirement", e.RequirementIDs, `SELECT r.id, r.ref, r.title FROM requirements r WHERE ? <> '' AND %s ORDER BY r.framework_id, r.sort_order`, ""},
		} {
			if len(l.ids) == 0 {
				continue
			}
			col := "id"
			if l.kind == "requirement" {
				col = "r.id"
			}
			in, list := tx.InList(col, l.ids)
			rows, err := tx.Query(ctx, strings.Replace(l.q, "%s", in, 1), p.Org.ID, list)
			if err != nil {
				return err
			}
			for rows.Next() {
				v := LinkView{Kind: l.kind}
				if err := rows.Scan(&v.ID, &v.Ref, &v.Title); err != nil {
					rows.Close()
					return err
				}
				if l.url != "" {
					v.URL = "/o/" + p.Org.Slug + l.url + v.ID
				} else {
					fw, _, _ := strings.Cut(v.ID, ":")
					v.URL = "/o/" + p.Org.Slug + "/frameworks/" + fw + "#" + web.AnchorID(v.Ref)
				}
				out = append(out, v)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

func (h *handlers) listPage(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	f, err := filterOf(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	state := r.URL.Query().Get("state")
	yes := true
	switch state {
	case "stale":
		f.Stale = &yes
	case "expiring":
		f.ExpiresSoon = &yes
	}
	items, next, err := h.svc.List(r.Context(), p, f)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	_, names, err := h.Directory(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	q := map[string]string{"state": state}
	filtered := state != ""
	for _, k := range []string{"q", "kind", "control_id"} {
		q[k] = r.URL.Query().Get(k)
		filtered = filtered || q[k] != ""
	}
	data := map[string]any{"Items": items, "Names": names, "Kinds": Kinds, "Q": q, "Filtered": filtered}
	if next != "" {
		v := r.URL.Query()
		v.Set("cursor", next)
		data["NextURL"] = "?" + v.Encode()
	}
	h.Render(w, r, http.StatusOK, "evidence-list", &web.Page{Title: "Evidence", Nav: "evidence", Data: data})
}

// pickers builds the control, risk and requirement pickers over the links chosen.
func (h *handlers) pickers(p *bulwark.Principal, links []LinkView) map[string]*web.Picker {
	items := map[string][]web.PickItem{}
	for _, l := range links {
		items[l.Kind] = append(items[l.Kind], web.PickItem{ID: l.ID, Label: l.Ref + " " + l.Title})
	}
	picker := func(name, label, placeholder, kind, source string) *web.Picker {
		var ids []string
		for _, it := range items[kind] {
			ids = append(ids, it.ID)
		}
		pk := web.NewPicker(name, label, items[kind], ids, nil)
		pk.Placeholder, pk.SearchURL = placeholder, "/o/"+p.Org.Slug+"/pick/"+source
		return pk
	}
	return map[string]*web.Picker{
		"Controls":     picker("control_ids", "Controls it proves", "A.8.13, backup, or words", "control", "controls"),
		"Risks":        picker("risk_ids", "Risks it concerns", "R-001 or words", "risk", "risks"),
		"Requirements": picker("requirement_ids", "Requirements it meets", "9.1, Art. 32, or words", "requirement", "requirements"),
	}
}

func (h *handlers) newPage(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	e := &Evidence{}
	if c := r.URL.Query().Get("control"); c != "" {
		e.ControlIDs = []string{c}
	}
	h.renderNew(w, r, http.StatusOK, e, &web.Page{Form: map[string]string{"owner_id": p.MemberID}})
}

func (h *handlers) renderNew(w http.ResponseWriter, r *http.Request, status int, e *Evidence, pg *web.Page) {
	p := web.PrincipalFrom(r)
	members, _, err := h.Directory(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	links, err := h.svc.Links(r.Context(), p, e)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	pg.Title, pg.Nav = "Add evidence", "evidence"
	if pg.Form == nil {
		pg.Form = map[string]string{}
	}
	pg.Data = map[string]any{"Members": members, "Pickers": h.pickers(p, links), "MaxMB": h.MaxUpload() >> 20}
	h.Render(w, r, status, "evidence-new", pg)
}

// formFields are what the add and edit forms carry besides the content.
var formFields = []string{"title", "description", "owner_id", "effective_date", "valid_until", "control_ids", "requirement_ids", "risk_ids"}

func (h *handlers) createSubmit(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	fields := append(slices.Clone(formFields), "url", "note")
	form, file, err := h.readUpload(w, r, fields)
	if form == nil {
		form = url.Values{}
	}
	var e *Evidence
	if err == nil {
		vals, derr := EvidenceEntity.DecodeForm(form, presentFields(form, fields)...)
		in := inputOf(vals)
		if derr != nil {
			err = derr
		} else {
			e, err = h.svc.Create(r.Context(), p, in, Content{File: file})
		}
	}
	if err != nil {
		keep := &Evidence{ControlIDs: form["control_ids"], RiskIDs: form["risk_ids"], RequirementIDs: form["requirement_ids"]}
		pg := &web.Page{Form: map[string]string{}}
		for _, n := range fields {
			pg.Form[n] = form.Get(n)
		}
		if file != nil {
			err = withFileNote(err, file.Filename)
		}
		if status, ok := h.FormFailure(w, r, pg, err); ok {
			h.renderNew(w, r, status, keep, pg)
		}
		return
	}
	http.Redirect(w, r, "/o/"+p.Org.Slug+"/evidence/"+e.ID+"?notice=added", http.StatusSeeOther)
}

// withFileNote reminds the person that a file must be chosen again: a browser
// never keeps a file input across a page that shows errors.
func withFileNote(err error, name string) error {
	var be *bulwark.Error
	if errors.As(err, &be) && be.Code == bulwark.EINVALID {
		be.Message = strings.TrimSuffix(be.Message, ".") + ". Choose the file " + name + " again."
		return be
	}
	return err
}

func (h *handlers) page(w http.ResponseWriter, r *http.Request) {
	h.renderPage(w, r, http.StatusOK, nil, &web.Page{})
}

func (h *handlers) renderPage(w http.ResponseWriter, r *http.Request, status int, edited *Evidence, pg *web.Page) {
	p := web.PrincipalFrom(r)
	e, revs, err := h.svc.Revisions(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	shown := e
	if edited != nil {
		shown = edited
	}
	links, err := h.svc.Links(r.Context(), p, shown)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	members, names, err := h.Directory(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	switch r.URL.Query().Get("notice") {
	case "added":
		pg.Notice = e.Ref + " is added."
	case "saved":
		pg.Notice = "Saved."
	case "revised":
		pg.Notice = "Revision " + strconv.Itoa(e.Revision) + " is now the current one; the earlier ones are kept below."
	}
	pg.Title, pg.Nav = e.Ref+" "+e.Title, "evidence"
	pg.Data = map[string]any{"E": e, "Shown": shown, "Revisions": revs, "Links": links, "Names": names, "Members": members,
		"Pickers": h.pickers(p, links), "CanEdit": p.Can(bulwark.PermISMSEdit) || (p.Can(bulwark.PermISMSEditOwn) && e.OwnerID != nil && *e.OwnerID == p.MemberID),
		"MaxMB": h.MaxUpload() >> 20}
	h.Render(w, r, status, "evidence-item", pg)
}

func (h *handlers) editSubmit(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	cur, err := h.svc.Get(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	vals, err := EvidenceEntity.DecodeForm(r.Form, formFields...)
	if err == nil {
		var expect *int
		if v, perr := strconv.Atoi(r.FormValue("version")); perr == nil {
			expect = &v
		}
		if _, err = h.svc.Update(r.Context(), p, cur.ID, inputOf(vals), expect, nil); err == nil {
			http.Redirect(w, r, "/o/"+p.Org.Slug+"/evidence/"+cur.ID+"?notice=saved", http.StatusSeeOther)
			return
		}
	}
	edited := *cur
	edited.ControlIDs, edited.RiskIDs, edited.RequirementIDs = r.Form["control_ids"], r.Form["risk_ids"], r.Form["requirement_ids"]
	pg := &web.Page{Form: map[string]string{"open": "edit"}}
	for _, n := range formFields {
		pg.Form[n] = r.FormValue(n)
	}
	if status, ok := h.FormFailure(w, r, pg, err); ok {
		h.renderPage(w, r, status, &edited, pg)
	}
}

func (h *handlers) reviseSubmit(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	cur, err := h.svc.Get(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	c, err := h.revisionContent(w, r)
	if err == nil {
		if _, err = h.svc.AddRevision(r.Context(), p, cur.ID, c); err == nil {
			http.Redirect(w, r, "/o/"+p.Org.Slug+"/evidence/"+cur.ID+"?notice=revised", http.StatusSeeOther)
			return
		}
	}
	if c.File != nil {
		err = withFileNote(err, c.File.Filename)
	}
	pg := &web.Page{Form: map[string]string{"open": "revise", "url": bulwark.Value(c.URL), "note": bulwark.Value(c.Note), "comment": c.Comment}}
	if status, ok := h.FormFailure(w, r, pg, err); ok {
		h.renderPage(w, r, status, nil, pg)
	}
}

func (h *handlers) archiveSubmit(archive bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := web.PrincipalFrom(r)
		e, err := h.svc.Update(r.Context(), p, r.PathValue("id"), Input{}, nil, &archive)
		if err != nil {
			h.RenderError(w, r, err)
			return
		}
		http.Redirect(w, r, "/o/"+p.Org.Slug+"/evidence/"+e.ID+"?notice=saved", http.StatusSeeOther)
	}
}

// PickItem is how a picker shows an evidence item: its reference and title.
func PickItem(e *Evidence) web.PickItem { return web.PickItem{ID: e.ID, Label: e.Ref + " " + e.Title} }

// pickSource is the evidence picker other areas show (an incident's preserved evidence): live items found by
// reference or words.
func (h *handlers) pickSource() web.PickSource {
	return web.RecordPicker("evidence_ids", func(ctx context.Context, p *bulwark.Principal, q string) ([]*Evidence, error) {
		es, _, err := h.svc.List(ctx, p, Filter{Q: q, Limit: 40})
		return es, err
	}, h.svc.Get, PickItem)
}

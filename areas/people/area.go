// Package people is the workforce register (7.2): the people of the
// organisation, whether or not they sign in, and the groups they belong to —
// whom policies are communicated to and who is trained.
package people

import (
	"embed"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/field"
	"github.com/bulwark-isms/bulwark/web"
)

//go:embed templates
var templates embed.FS

// handlers serve the area's pages and API over the kernel's server.
type handlers struct {
	*web.Server
	svc *Service
}

// Area mounts the people register on the server.
func Area(svc *Service) web.Area {
	return web.Area{Name: "people", Mount: func(s *web.Server) web.Mounted {
		h := &handlers{Server: s, svc: svc}
		return web.Mounted{Templates: templates, Routes: h.routes()}
	}}
}

// personListParams are the query parameters of the people list.
var personListParams = field.ListParams([]string{"ref", "name", "department", "status", "start_date", "created_at"},
	field.Param{Name: "status", Enum: PersonStatuses}, field.Param{Name: "department"}, field.Param{Name: "group_id"}, field.Param{Name: "manager_id"})

func (h *handlers) routes() []web.Route {
	s := h.Server
	reg := web.Register{Kind: "people", Title: "people", Fields: PersonFields, Import: h.svc.ImportPeople, Export: h.svc.ExportPeople}
	return []web.Route{
		{Method: "GET", Pattern: "/api/v1/people", Perm: bulwark.PermISMSRead, Summary: "List the organisation's people", Handler: h.apiPeople, Response: PersonEntity, List: true, Query: personListParams},
		{Method: "POST", Pattern: "/api/v1/people", Perm: bulwark.PermISMSCreate, Summary: "Add a person (P-001 …)", Handler: h.apiCreate, Request: PersonEntity, Response: PersonEntity, Status: http.StatusCreated},
		s.ImportRoute(reg, PermImport),
		s.ExportRoute(reg, bulwark.PermISMSRead),
		{Method: "GET", Pattern: "/api/v1/people/{id}", Perm: bulwark.PermISMSRead, Summary: "Read a person", Handler: h.apiPerson, Response: PersonEntity},
		{Method: "PATCH", Pattern: "/api/v1/people/{id}", Perm: bulwark.PermISMSEdit, Summary: "Change a person", Handler: h.apiPatch, Request: PersonEntity, Response: PersonEntity},
		{Method: "DELETE", Pattern: "/api/v1/people/{id}", Perm: bulwark.PermISMSEdit, Summary: "Archive a person", Handler: h.apiArchive, Status: http.StatusNoContent},
		{Method: "GET", Pattern: "/api/v1/groups", Perm: bulwark.PermISMSRead, Summary: "List the groups of people", Handler: h.apiGroups, Response: GroupEntity, List: true},
		{Method: "POST", Pattern: "/api/v1/groups", Perm: bulwark.PermISMSCreate, Summary: "Add a group", Handler: h.apiGroupCreate, Request: GroupEntity, Response: GroupEntity, Status: http.StatusCreated},
		{Method: "GET", Pattern: "/api/v1/groups/{id}", Perm: bulwark.PermISMSRead, Summary: "Read a group", Handler: h.apiGroup, Response: GroupEntity},
		{Method: "PATCH", Pattern: "/api/v1/groups/{id}", Perm: bulwark.PermISMSEdit, Summary: "Rename or describe a group", Handler: h.apiGroupPatch, Request: GroupEntity, Response: GroupEntity},
		{Method: "DELETE", Pattern: "/api/v1/groups/{id}", Perm: bulwark.PermISMSEdit, Summary: "Delete a group (its people stay)", Handler: h.apiGroupDelete, Status: http.StatusNoContent},
		{Method: "GET", Pattern: "/o/{slug}/people", Perm: bulwark.PermISMSRead, Handler: h.peoplePage},
		{Method: "GET", Pattern: "/o/{slug}/people/new", Perm: bulwark.PermISMSCreate, Handler: h.personPage},
		{Method: "POST", Pattern: "/o/{slug}/people", Perm: bulwark.PermISMSCreate, Handler: h.personSubmit},
		{Method: "GET", Pattern: "/o/{slug}/import/people", Perm: PermImport, Handler: s.ImportPage(reg)},
		{Method: "POST", Pattern: "/o/{slug}/import/people", Perm: PermImport, Handler: s.ImportUpload(reg)},
		{Method: "GET", Pattern: "/o/{slug}/import/people/{id}", Perm: PermImport, Handler: s.ImportPreview(reg)},
		{Method: "POST", Pattern: "/o/{slug}/import/people/{id}/confirm", Perm: PermImport, Handler: s.ImportConfirm(reg)},
		{Method: "POST", Pattern: "/o/{slug}/people/export", Perm: bulwark.PermISMSRead, Handler: s.Export(reg)},
		{Method: "GET", Pattern: "/o/{slug}/groups", Perm: bulwark.PermISMSRead, Handler: h.groupsPage},
		{Method: "POST", Pattern: "/o/{slug}/groups", Perm: bulwark.PermISMSCreate, Handler: h.groupSubmit},
		{Method: "POST", Pattern: "/o/{slug}/groups/{id}/delete", Perm: bulwark.PermISMSEdit, Handler: h.groupDelete},
		{Method: "GET", Pattern: "/o/{slug}/people/{id}", Perm: bulwark.PermISMSRead, Handler: h.personPage},
		{Method: "POST", Pattern: "/o/{slug}/people/{id}", Perm: bulwark.PermISMSEdit, Handler: h.personSubmit},
		{Method: "POST", Pattern: "/o/{slug}/people/{id}/archive", Perm: bulwark.PermISMSEdit, Handler: h.personArchive(true)},
		{Method: "POST", Pattern: "/o/{slug}/people/{id}/restore", Perm: bulwark.PermISMSEdit, Handler: h.personArchive(false)},
	}
}

func personFilter(r *http.Request) (PersonFilter, error) {
	q := r.URL.Query()
	f := PersonFilter{Q: q.Get("q"), Status: q.Get("status"), Department: q.Get("department"), GroupID: q.Get("group_id"), ManagerID: q.Get("manager_id"),
		IncludeArchived: q.Get("include_archived") == "true", Sort: q.Get("sort"), Cursor: q.Get("cursor")}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 500 {
			return f, bulwark.Invalid("limit", "must be a number from 1 to 500")
		}
		f.Limit = n
	}
	return f, nil
}

func (h *handlers) apiPeople(w http.ResponseWriter, r *http.Request) {
	f, err := personFilter(r)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	ps, next, err := h.svc.People(r.Context(), web.PrincipalFrom(r), f)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	if ps == nil {
		ps = []*Person{}
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": ps, "next_cursor": web.NextCursor(next)})
}

func (h *handlers) apiPerson(w http.ResponseWriter, r *http.Request) {
	p, err := h.svc.Person(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	w.Header().Set("ETag", fmt.Sprintf(`"%d"`, p.Version))
	web.WriteJSON(w, http.StatusOK, p)
}

func (h *handlers) apiCreate(w http.ResponseWriter, r *http.Request) {
	vals, _, err := h.Decode(w, r, PersonEntity)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	p, err := h.svc.CreatePerson(r.Context(), web.PrincipalFrom(r), personInputOf(vals))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/people/"+p.ID)
	w.Header().Set("ETag", fmt.Sprintf(`"%d"`, p.Version))
	web.WriteJSON(w, http.StatusCreated, p)
}

func (h *handlers) apiPatch(w http.ResponseWriter, r *http.Request) {
	if _, err := h.svc.Person(r.Context(), web.PrincipalFrom(r), r.PathValue("id")); err != nil {
		h.Problem(w, r, err)
		return
	}
	vals, expect, err := h.Decode(w, r, PersonEntity)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	p, err := h.svc.UpdatePerson(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), personInputOf(vals), expect, nil)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	w.Header().Set("ETag", fmt.Sprintf(`"%d"`, p.Version))
	web.WriteJSON(w, http.StatusOK, p)
}

func (h *handlers) apiArchive(w http.ResponseWriter, r *http.Request) {
	yes := true
	expect, err := web.IfMatch(r)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	if _, err := h.svc.UpdatePerson(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), PersonInput{}, expect, &yes); err != nil {
		h.Problem(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *handlers) apiGroups(w http.ResponseWriter, r *http.Request) {
	gs, err := h.svc.Groups(r.Context(), web.PrincipalFrom(r))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": gs, "next_cursor": nil})
}

func (h *handlers) apiGroup(w http.ResponseWriter, r *http.Request) {
	g, err := h.svc.Group(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, g)
}

func (h *handlers) apiGroupCreate(w http.ResponseWriter, r *http.Request) {
	vals, err := h.DecodeCreate(w, r, GroupEntity)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	g, err := h.svc.CreateGroup(r.Context(), web.PrincipalFrom(r), bulwark.Value(vals.Str("name")), bulwark.Value(vals.Str("description")))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/groups/"+g.ID)
	web.WriteJSON(w, http.StatusCreated, g)
}

func (h *handlers) apiGroupPatch(w http.ResponseWriter, r *http.Request) {
	if _, err := h.svc.Group(r.Context(), web.PrincipalFrom(r), r.PathValue("id")); err != nil {
		h.Problem(w, r, err)
		return
	}
	vals, expect, err := h.Decode(w, r, GroupEntity)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	g, err := h.svc.UpdateGroup(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), vals.Str("name"), vals.Str("description"), expect)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, g)
}

func (h *handlers) apiGroupDelete(w http.ResponseWriter, r *http.Request) {
	if err := h.svc.DeleteGroup(r.Context(), web.PrincipalFrom(r), r.PathValue("id")); err != nil {
		h.Problem(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *handlers) peoplePage(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	f, err := personFilter(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	items, next, err := h.svc.People(r.Context(), p, f)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	groups, err := h.svc.Groups(r.Context(), p)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	q := map[string]string{}
	filtered := false
	for _, k := range []string{"q", "status", "group_id"} {
		q[k] = r.URL.Query().Get(k)
		filtered = filtered || q[k] != ""
	}
	data := map[string]any{"Items": items, "Groups": groups, "GroupNames": groupNames(groups), "Statuses": PersonStatuses, "Q": q, "Filtered": filtered, "CanImport": p.Can(PermImport)}
	if next != "" {
		v := r.URL.Query()
		v.Set("cursor", next)
		data["NextURL"] = "?" + v.Encode()
	}
	h.Render(w, r, http.StatusOK, "people", &web.Page{Title: "People", Nav: "people", Data: data})
}

func groupNames(gs []*Group) map[string]string {
	out := map[string]string{}
	for _, g := range gs {
		out[g.ID] = g.Name
	}
	return out
}

func (h *handlers) personPage(w http.ResponseWriter, r *http.Request) {
	per := &Person{Status: "active", GroupIDs: []string{}}
	if id := r.PathValue("id"); id != "" {
		var err error
		if per, err = h.svc.Person(r.Context(), web.PrincipalFrom(r), id); err != nil {
			h.RenderError(w, r, err)
			return
		}
	}
	pg := &web.Page{}
	if r.URL.Query().Get("saved") == "1" {
		pg.Notice = "Saved."
	}
	h.renderPerson(w, r, http.StatusOK, per, pg)
}

func (h *handlers) renderPerson(w http.ResponseWriter, r *http.Request, status int, per *Person, pg *web.Page) {
	p := web.PrincipalFrom(r)
	groups, err := h.svc.Groups(r.Context(), p)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	managers, _, err := h.svc.People(r.Context(), p, PersonFilter{Limit: 500, Sort: "name"})
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	in := map[string]bool{}
	for _, g := range per.GroupIDs {
		in[g] = true
	}
	pg.Title, pg.Nav = "New person", "people"
	if per.ID != "" {
		pg.Title = per.Ref + " " + per.Name
	}
	canEdit := p.Can(bulwark.PermISMSEdit) || (per.ID == "" && p.Can(bulwark.PermISMSCreate))
	pg.Data = map[string]any{"Person": per, "Groups": groups, "InGroup": in, "Managers": managers, "Statuses": PersonStatuses, "CanEdit": canEdit}
	h.Render(w, r, status, "person", pg)
}

func (h *handlers) personSubmit(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	vals, err := PersonEntity.DecodeForm(r.Form, "name", "email", "department", "manager_id", "start_date", "status", "group_ids")
	in := personInputOf(vals)
	draft := &Person{Status: "active", GroupIDs: []string{}}
	if id := r.PathValue("id"); id != "" {
		cur, cerr := h.svc.Person(r.Context(), p, id)
		if cerr != nil {
			h.RenderError(w, r, cerr)
			return
		}
		draft = cur
	}
	if err == nil {
		var per *Person
		if draft.ID != "" {
			var expect *int
			if v, perr := strconv.Atoi(r.FormValue("version")); perr == nil {
				expect = &v
			}
			per, err = h.svc.UpdatePerson(r.Context(), p, draft.ID, in, expect, nil)
		} else {
			per, err = h.svc.CreatePerson(r.Context(), p, in)
		}
		if err == nil {
			http.Redirect(w, r, "/o/"+p.Org.Slug+"/people/"+per.ID+"?saved=1", http.StatusSeeOther)
			return
		}
	}
	if c := bulwark.ErrorCode(err); c == bulwark.EINTERNAL || c == bulwark.EFORBIDDEN || c == bulwark.ENOTFOUND {
		h.RenderError(w, r, err)
		return
	}
	d := *draft
	in.apply(&d)
	h.renderPerson(w, r, h.ErrorStatus(r, err), &d, &web.Page{Error: bulwark.ErrorMessage(err), Fields: web.FieldsOf(err)})
}

func (h *handlers) personArchive(archive bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := web.PrincipalFrom(r)
		if _, err := h.svc.UpdatePerson(r.Context(), p, r.PathValue("id"), PersonInput{}, nil, &archive); err != nil {
			h.RenderError(w, r, err)
			return
		}
		http.Redirect(w, r, "/o/"+p.Org.Slug+"/people/"+url.PathEscape(r.PathValue("id")), http.StatusSeeOther)
	}
}

func (h *handlers) groupsPage(w http.ResponseWriter, r *http.Request) {
	h.renderGroups(w, r, http.StatusOK, &web.Page{})
}

func (h *handlers) renderGroups(w http.ResponseWriter, r *http.Request, status int, pg *web.Page) {
	gs, err := h.svc.Groups(r.Context(), web.PrincipalFrom(r))
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	pg.Title, pg.Nav, pg.Data = "Groups", "people", map[string]any{"Groups": gs}
	h.Render(w, r, status, "groups", pg)
}

func (h *handlers) groupSubmit(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	if _, err := h.svc.CreateGroup(r.Context(), p, r.FormValue("name"), r.FormValue("description")); err != nil {
		if bulwark.ErrorCode(err) == bulwark.EINVALID {
			h.renderGroups(w, r, http.StatusUnprocessableEntity, &web.Page{Error: bulwark.ErrorMessage(err), Fields: web.FieldsOf(err), Form: map[string]string{"name": r.FormValue("name"), "description": r.FormValue("description")}})
			return
		}
		h.RenderError(w, r, err)
		return
	}
	http.Redirect(w, r, "/o/"+p.Org.Slug+"/groups", http.StatusSeeOther)
}

func (h *handlers) groupDelete(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if err := h.svc.DeleteGroup(r.Context(), p, r.PathValue("id")); err != nil {
		h.RenderError(w, r, err)
		return
	}
	http.Redirect(w, r, "/o/"+p.Org.Slug+"/groups", http.StatusSeeOther)
}

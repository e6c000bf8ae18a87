package obligations

import (
	"cmp"
	"embed"
	"net/http"
	"slices"
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

// Area mounts the obligations register on the server.
func Area(svc *Service) web.Area {
	return web.Area{Name: "obligations", Mount: func(s *web.Server) web.Mounted {
		h := &handlers{Server: s, svc: svc}
		return web.Mounted{Templates: templates, Routes: h.routes(), Dashboard: h.dashboardPart, Tasks: h.tasks}
	}}
}

// listParams are the query parameters of the obligations list.
var listParams = []field.Param{
	{Name: "regime", Enum: KnownRegimes, Help: "only obligations under this regime"},
	{Name: "source", Enum: Sources, Help: "only obligations from this kind of source"},
	{Name: "owner_id", Help: "only obligations this member owns"},
	{Name: "past_review", Kind: field.Bool, Help: "only active obligations past their review date (true)"},
	{Name: "include_archived", Kind: field.Bool, Help: "archived obligations too"},
	{Name: "limit", Kind: field.Int, Help: "at most this many, in reference order (default 500)"},
	{Name: "cursor", Help: "next_cursor of the previous page"},
}

func (h *handlers) routes() []web.Route {
	read, create, edit := bulwark.PermISMSRead, bulwark.PermISMSCreate, bulwark.PermISMSEditOwn
	return []web.Route{
		{Method: "GET", Pattern: "/api/v1/obligations", Perm: read, Summary: "List the legal, regulatory and contractual obligations, in ref order", Handler: h.apiList, Response: ObligationEntity, List: true, Query: listParams},
		{Method: "POST", Pattern: "/api/v1/obligations", Perm: create, Summary: "Record an obligation (OB-001 …)", Handler: h.apiCreate, Request: ObligationEntity, Response: ObligationEntity, Status: http.StatusCreated},
		{Method: "GET", Pattern: "/api/v1/obligations/{id}", Perm: read, Summary: "Read an obligation (by id or ref)", Handler: h.apiOne, Response: ObligationEntity},
		{Method: "PATCH", Pattern: "/api/v1/obligations/{id}", Perm: edit, Summary: "Change an obligation", Handler: h.apiPatch, Request: ObligationEntity, Response: ObligationEntity},
		{Method: "DELETE", Pattern: "/api/v1/obligations/{id}", Perm: edit, Summary: "Archive an obligation that no longer applies", Handler: h.apiArchive, Status: http.StatusNoContent},
		{Method: "POST", Pattern: "/api/v1/obligations/{id}/review", Perm: edit, Summary: "Mark an obligation reviewed today: its next review moves a year on", Handler: h.apiReview, Body: web.Props(), Response: ObligationEntity},
		{Method: "GET", Pattern: "/api/v1/obligation-suggestions", Perm: read, Summary: "The GDPR and HIPAA obligations Bulwark suggests, each marked when adopted", Handler: h.apiSuggestions, Response: SuggestionEntity, List: true,
			Query: []field.Param{{Name: "regime", Enum: KnownRegimes, Help: "only this regime's suggestions"}}},
		{Method: "POST", Pattern: "/api/v1/obligation-suggestions/adopt", Perm: create, Summary: "Adopt suggestions, a regime's or some by key; those adopted already are skipped", Handler: h.apiAdopt, Request: AdoptEntity, Response: AdoptResultEntity},

		{Method: "GET", Pattern: "/o/{slug}/obligations", Perm: read, Handler: h.listPage},
		{Method: "GET", Pattern: "/o/{slug}/obligations/new", Perm: create, Handler: h.newPage},
		{Method: "POST", Pattern: "/o/{slug}/obligations", Perm: create, Handler: h.createSubmit},
		{Method: "POST", Pattern: "/o/{slug}/obligations/adopt", Perm: create, Handler: h.adoptSubmit},
		{Method: "GET", Pattern: "/o/{slug}/obligations/{id}", Perm: read, Handler: h.page},
		{Method: "POST", Pattern: "/o/{slug}/obligations/{id}", Perm: edit, Handler: h.editSubmit},
		{Method: "POST", Pattern: "/o/{slug}/obligations/{id}/review", Perm: edit, Handler: h.reviewSubmit},
		{Method: "POST", Pattern: "/o/{slug}/obligations/{id}/archive", Perm: edit, Handler: h.archiveSubmit(true)},
		{Method: "POST", Pattern: "/o/{slug}/obligations/{id}/restore", Perm: edit, Handler: h.archiveSubmit(false)},
	}
}

// filterOf reads the list's query parameters.
func filterOf(r *http.Request) (Filter, error) {
	q := r.URL.Query()
	f := Filter{Regime: q.Get("regime"), Source: q.Get("source"), OwnerID: q.Get("owner_id")}
	var v bulwark.Validation
	if f.Regime != "" && !slices.Contains(KnownRegimes, f.Regime) {
		v.Add("regime", "must be gdpr or hipaa")
	}
	if f.Source != "" && !slices.Contains(Sources, f.Source) {
		v.Add("source", "must be law, regulation, contract or standard")
	}
	for name, dst := range map[string]*bool{"past_review": &f.PastReview, "include_archived": &f.IncludeArchived} {
		if s := q.Get(name); s != "" {
			b, err := strconv.ParseBool(s)
			if err != nil {
				v.Add(name, "must be true or false")
			}
			*dst = b
		}
	}
	return f, v.Err()
}

// inputOf reads an obligation's fields from decoded values.
func inputOf(v field.Values) Input {
	return Input{Ref: v.Str("ref"), Title: v.Str("title"), Source: v.Str("source"), Jurisdiction: v.Str("jurisdiction"), Requirement: v.Str("requirement"),
		Regime: v.Str("regime"), OwnerID: v.NullStr("owner_id"), ReviewDate: v.NullStr("review_date"), LastReviewedOn: v.NullStr("last_reviewed_on"),
		ControlIDs: v.List("control_ids"), RequirementIDs: v.List("requirement_ids")}
}

func (h *handlers) apiList(w http.ResponseWriter, r *http.Request) {
	f, err := filterOf(r)
	var v bulwark.Validation
	f.Limit, f.Cursor = cmp.Or(web.PageLimit(r.URL.Query(), &v), 500), r.URL.Query().Get("cursor")
	if err = cmp.Or(err, v.Err()); err != nil {
		h.Problem(w, r, err)
		return
	}
	items, next, err := h.svc.List(r.Context(), web.PrincipalFrom(r), f)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": items, "next_cursor": web.NextCursor(next)})
}

func (h *handlers) apiCreate(w http.ResponseWriter, r *http.Request) {
	vals, _, err := h.Decode(w, r, ObligationEntity)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	o, err := h.svc.Create(r.Context(), web.PrincipalFrom(r), inputOf(vals))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/obligations/"+o.ID)
	web.SetETag(w, o.Version)
	web.WriteJSON(w, http.StatusCreated, o)
}

func (h *handlers) apiOne(w http.ResponseWriter, r *http.Request) {
	o, err := h.svc.Get(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.SetETag(w, o.Version)
	web.WriteJSON(w, http.StatusOK, o)
}

func (h *handlers) apiPatch(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if _, err := h.svc.Get(r.Context(), p, r.PathValue("id")); err != nil { // another organisation's: 404 before reading the body
		h.Problem(w, r, err)
		return
	}
	vals, expect, err := h.Decode(w, r, ObligationEntity)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	o, err := h.svc.Update(r.Context(), p, r.PathValue("id"), inputOf(vals), expect, nil)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.SetETag(w, o.Version)
	web.WriteJSON(w, http.StatusOK, o)
}

func (h *handlers) apiArchive(w http.ResponseWriter, r *http.Request) {
	yes := true
	expect, err := web.IfMatch(r)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	if _, err := h.svc.Update(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), Input{}, expect, &yes); err != nil {
		h.Problem(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *handlers) apiReview(w http.ResponseWriter, r *http.Request) {
	expect, err := web.IfMatch(r)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	o, err := h.svc.MarkReviewed(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), expect)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.SetETag(w, o.Version)
	web.WriteJSON(w, http.StatusOK, o)
}

func (h *handlers) apiSuggestions(w http.ResponseWriter, r *http.Request) {
	items, err := h.svc.Suggestions(r.Context(), web.PrincipalFrom(r), r.URL.Query().Get("regime"))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": items, "next_cursor": nil})
}

func (h *handlers) apiAdopt(w http.ResponseWriter, r *http.Request) {
	vals, err := h.DecodeCreate(w, r, AdoptEntity)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	res, err := h.svc.Adopt(r.Context(), web.PrincipalFrom(r), bulwark.Value(vals.Str("regime")), bulwark.Value(vals.List("keys")))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, res)
}

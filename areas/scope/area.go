package scope

import (
	"cmp"
	"context"
	"embed"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

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

// Area mounts context issues, interested parties and the scope statement on the server.
func Area(svc *Service) web.Area {
	return web.Area{Name: "scope", Mount: func(s *web.Server) web.Mounted {
		h := &handlers{Server: s, svc: svc}
		return web.Mounted{Templates: templates, Routes: h.routes(), Tasks: h.tasks}
	}}
}

var issueParams = []field.Param{
	{Name: "kind", Enum: Kinds, Help: "only external or only internal issues"},
	{Name: "category", Enum: Categories, Help: "only issues of this category"},
	{Name: "owner_id", Help: "only issues this member owns"},
	{Name: "include_archived", Kind: field.Bool, Help: "archived issues too"},
	{Name: "limit", Kind: field.Int, Help: "at most this many, in reference order (default 500)"},
	{Name: "cursor", Help: "next_cursor of the previous page"},
}

var partyParams = []field.Param{{Name: "include_archived", Kind: field.Bool, Help: "archived parties too"},
	{Name: "limit", Kind: field.Int, Help: "at most this many, in reference order (default 500)"},
	{Name: "cursor", Help: "next_cursor of the previous page"}}

func (h *handlers) routes() []web.Route {
	read, create, edit, editAll := bulwark.PermISMSRead, bulwark.PermISMSCreate, bulwark.PermISMSEditOwn, bulwark.PermISMSEdit
	exportParams := []field.Param{{Name: "format", Enum: ExportFormats, Help: "pdf (the default)"},
		{Name: "revision", Kind: field.Int, Help: "an approved revision; the live statement when left out"}}
	return []web.Route{
		{Method: "GET", Pattern: "/api/v1/context-issues", Perm: read, Summary: "List the internal and external issues (4.1)", Handler: h.apiIssues, Response: IssueEntity, List: true, Query: issueParams},
		{Method: "POST", Pattern: "/api/v1/context-issues", Perm: create, Summary: "Record a context issue (CI-001 …)", Handler: h.apiCreateIssue, Request: IssueEntity, Response: IssueEntity, Status: http.StatusCreated},
		{Method: "GET", Pattern: "/api/v1/context-issues/{id}", Perm: read, Summary: "Read a context issue (by id or ref)", Handler: h.apiIssue, Response: IssueEntity},
		{Method: "PATCH", Pattern: "/api/v1/context-issues/{id}", Perm: edit, Summary: "Change a context issue (its owner or a manager)", Handler: h.apiPatchIssue, Request: IssueEntity, Response: IssueEntity},
		{Method: "DELETE", Pattern: "/api/v1/context-issues/{id}", Perm: edit, Summary: "Archive a context issue", Handler: h.apiArchiveIssue, Status: http.StatusNoContent},
		{Method: "GET", Pattern: "/api/v1/interested-parties", Perm: read, Summary: "List the interested parties and their requirements (4.2)", Handler: h.apiParties, Response: PartyEntity, List: true, Query: partyParams},
		{Method: "POST", Pattern: "/api/v1/interested-parties", Perm: create, Summary: "Record an interested party (IP-001 …)", Handler: h.apiCreateParty, Request: PartyEntity, Response: PartyEntity, Status: http.StatusCreated},
		{Method: "GET", Pattern: "/api/v1/interested-parties/{id}", Perm: read, Summary: "Read an interested party (by id or ref)", Handler: h.apiParty, Response: PartyEntity},
		{Method: "PATCH", Pattern: "/api/v1/interested-parties/{id}", Perm: edit, Summary: "Change an interested party (its owner or a manager)", Handler: h.apiPatchParty, Request: PartyEntity, Response: PartyEntity},
		{Method: "DELETE", Pattern: "/api/v1/interested-parties/{id}", Perm: edit, Summary: "Archive an interested party", Handler: h.apiArchiveParty, Status: http.StatusNoContent},
		{Method: "GET", Pattern: "/api/v1/scope", Perm: read, Summary: "The live scope statement (4.3) with its state and last approval", Handler: h.apiScope, Response: ScopeEntity},
		{Method: "PUT", Pattern: "/api/v1/scope", Perm: editAll, Summary: "Write the scope statement: the body replaces it whole (a list left out is emptied); a change to an approved or submitted scope makes a new draft", Handler: h.apiPutScope, Request: ScopeEntity, Response: ScopeEntity},
		{Method: "POST", Pattern: "/api/v1/scope/submit", Perm: editAll, Summary: "Submit the draft scope for approval", Handler: h.apiStep(h.svc.SubmitScope), Body: web.Props(), Response: ScopeEntity},
		{Method: "POST", Pattern: "/api/v1/scope/approve", Perm: bulwark.PermApprove, Summary: "Approve the submitted scope as its next revision (not by whoever submitted or last changed it where duties are segregated)", Handler: h.apiStep(h.svc.ApproveScope), Body: web.Props(), Response: ScopeEntity},
		{Method: "GET", Pattern: "/api/v1/scope/revisions", Perm: read, Summary: "The scope's approved revisions, newest first", Handler: h.apiRevisions, Response: RevisionEntity, List: true},
		{Method: "GET", Pattern: "/api/v1/scope/revisions/{n}", Perm: read, Summary: "An approved revision of the scope, as it was approved", Handler: h.apiRevision, Response: ScopeEntity},
		{Method: "GET", Pattern: "/api/v1/scope/export", Perm: read, Summary: "The scope statement as a PDF (?revision=N for an approved revision)", Handler: h.export, Query: exportParams, Produces: []string{"application/pdf"}},

		{Method: "GET", Pattern: "/o/{slug}/context", Perm: read, Handler: h.contextPage},
		{Method: "GET", Pattern: "/o/{slug}/context-issues/new", Perm: create, Handler: h.newIssuePage},
		{Method: "POST", Pattern: "/o/{slug}/context-issues", Perm: create, Handler: h.createIssueSubmit},
		{Method: "GET", Pattern: "/o/{slug}/context-issues/{id}", Perm: read, Handler: h.issuePage},
		{Method: "POST", Pattern: "/o/{slug}/context-issues/{id}", Perm: edit, Handler: h.editIssueSubmit},
		{Method: "POST", Pattern: "/o/{slug}/context-issues/{id}/archive", Perm: edit, Handler: h.archiveIssueSubmit},
		{Method: "GET", Pattern: "/o/{slug}/interested-parties/new", Perm: create, Handler: h.newPartyPage},
		{Method: "POST", Pattern: "/o/{slug}/interested-parties", Perm: create, Handler: h.createPartySubmit},
		{Method: "GET", Pattern: "/o/{slug}/interested-parties/{id}", Perm: read, Handler: h.partyPage},
		{Method: "POST", Pattern: "/o/{slug}/interested-parties/{id}", Perm: edit, Handler: h.editPartySubmit},
		{Method: "POST", Pattern: "/o/{slug}/interested-parties/{id}/archive", Perm: edit, Handler: h.archivePartySubmit},
		{Method: "GET", Pattern: "/o/{slug}/scope", Perm: read, Handler: h.scopePage},
		{Method: "POST", Pattern: "/o/{slug}/scope", Perm: editAll, Handler: h.scopeSubmit},
		{Method: "POST", Pattern: "/o/{slug}/scope/submit", Perm: editAll, Handler: h.stepSubmit("submitted", h.svc.SubmitScope)},
		{Method: "POST", Pattern: "/o/{slug}/scope/approve", Perm: bulwark.PermApprove, Handler: h.stepSubmit("approved", h.svc.ApproveScope)},
		{Method: "POST", Pattern: "/o/{slug}/scope/export", Perm: read, Handler: h.export},
		{Method: "GET", Pattern: "/o/{slug}/scope/revisions/{n}", Perm: read, Handler: h.scopePage},
	}
}

func issueInputOf(v field.Values) IssueInput {
	return IssueInput{Title: v.Str("title"), Kind: v.Str("kind"), Category: v.Str("category"), Description: v.Str("description"), Effect: v.Str("effect"),
		OwnerID: v.NullStr("owner_id"), ReviewDate: v.NullStr("review_date"), RiskIDs: v.List("risk_ids")}
}

func partyInputOf(v field.Values) (PartyInput, error) {
	in := PartyInput{Name: v.Str("name"), Kind: v.Str("kind"), Description: v.Str("description"), OwnerID: v.NullStr("owner_id"),
		ObligationIDs: v.List("obligation_ids"), ControlIDs: v.List("control_ids")}
	var rs []Requirement
	if ok, err := v.Into("requirements", &rs); err != nil {
		return in, bulwark.Invalid("requirements", "must be a list of {requirement, addressed, how}")
	} else if ok {
		if rs == nil {
			rs = []Requirement{}
		}
		in.Requirements = &rs
	}
	return in, nil
}

// scopeInputOf reads a PUT of the scope: the body replaces the statement, so a field left out is emptied.
// A boundary may be sent as a plain text.
func scopeInputOf(v field.Values) (ScopeInput, error) {
	empty := ""
	in := ScopeInput{Summary: v.Str("summary")}
	if in.Summary == nil {
		in.Summary = &empty
	}
	var verr bulwark.Validation
	for _, l := range BoundaryLists {
		var raw []json.RawMessage
		if _, err := v.Into(l, &raw); err != nil {
			verr.Add(l, "must be a list of {name, asset_id} or of texts")
			continue
		}
		bs := []Boundary{}
		for i, item := range raw {
			var b Boundary
			var s string
			if json.Unmarshal(item, &s) == nil {
				b.Name = s
			} else if err := json.Unmarshal(item, &b); err != nil {
				verr.Add(l+"["+strconv.Itoa(i)+"]", "must be a text or {name, asset_id}")
				continue
			}
			b.AssetRef = ""
			bs = append(bs, b)
		}
		switch l {
		case "org_units":
			in.OrgUnits = &bs
		case "locations":
			in.Locations = &bs
		case "processes":
			in.Processes = &bs
		case "systems":
			in.Systems = &bs
		}
	}
	ifs, deps := []string{}, []string{}
	if l := v.List("interfaces"); l != nil {
		ifs = *l
	}
	if l := v.List("dependencies"); l != nil {
		deps = *l
	}
	in.Interfaces, in.Dependencies = &ifs, &deps
	ex := []Exclusion{}
	if _, err := v.Into("exclusions", &ex); err != nil {
		verr.Add("exclusions", "must be a list of {what, justification}")
	}
	if ex == nil {
		ex = []Exclusion{}
	}
	in.Exclusions = &ex
	return in, verr.Err()
}

func (h *handlers) apiIssues(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := IssueFilter{Kind: q.Get("kind"), Category: q.Get("category"), OwnerID: q.Get("owner_id"), IncludeArchived: q.Get("include_archived") == "true", Cursor: q.Get("cursor")}
	var v bulwark.Validation
	f.Limit = cmp.Or(web.PageLimit(q, &v), 500)
	if f.Kind != "" && !slices.Contains(Kinds, f.Kind) {
		v.Add("kind", "must be external or internal")
	}
	if f.Category != "" && !slices.Contains(Categories, f.Category) {
		v.Add("category", "must be one of "+strings.Join(Categories, ", "))
	}
	if err := v.Err(); err != nil {
		h.Problem(w, r, err)
		return
	}
	items, next, err := h.svc.Issues(r.Context(), web.PrincipalFrom(r), f)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": items, "next_cursor": web.NextCursor(next)})
}

func (h *handlers) apiCreateIssue(w http.ResponseWriter, r *http.Request) {
	vals, _, err := h.Decode(w, r, IssueEntity)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	is, err := h.svc.CreateIssue(r.Context(), web.PrincipalFrom(r), issueInputOf(vals))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/context-issues/"+is.ID)
	web.SetETag(w, is.Version)
	web.WriteJSON(w, http.StatusCreated, is)
}

func (h *handlers) apiIssue(w http.ResponseWriter, r *http.Request) {
	is, err := h.svc.Issue(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.SetETag(w, is.Version)
	web.WriteJSON(w, http.StatusOK, is)
}

func (h *handlers) apiPatchIssue(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if _, err := h.svc.Issue(r.Context(), p, r.PathValue("id")); err != nil { // another organisation's: 404 before reading the body
		h.Problem(w, r, err)
		return
	}
	vals, expect, err := h.Decode(w, r, IssueEntity)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	is, err := h.svc.UpdateIssue(r.Context(), p, r.PathValue("id"), issueInputOf(vals), expect, nil)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.SetETag(w, is.Version)
	web.WriteJSON(w, http.StatusOK, is)
}

func (h *handlers) apiArchiveIssue(w http.ResponseWriter, r *http.Request) {
	yes := true
	expect, err := web.IfMatch(r)
	if err == nil {
		_, err = h.svc.UpdateIssue(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), IssueInput{}, expect, &yes)
	}
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *handlers) apiParties(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var v bulwark.Validation
	f := PartyFilter{IncludeArchived: q.Get("include_archived") == "true", Limit: cmp.Or(web.PageLimit(q, &v), 500), Cursor: q.Get("cursor")}
	if err := v.Err(); err != nil {
		h.Problem(w, r, err)
		return
	}
	items, next, err := h.svc.Parties(r.Context(), web.PrincipalFrom(r), f)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": items, "next_cursor": web.NextCursor(next)})
}

func (h *handlers) apiCreateParty(w http.ResponseWriter, r *http.Request) {
	vals, _, err := h.Decode(w, r, PartyEntity)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	in, err := partyInputOf(vals)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	p, err := h.svc.CreateParty(r.Context(), web.PrincipalFrom(r), in)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/interested-parties/"+p.ID)
	web.SetETag(w, p.Version)
	web.WriteJSON(w, http.StatusCreated, p)
}

func (h *handlers) apiParty(w http.ResponseWriter, r *http.Request) {
	p, err := h.svc.Party(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.SetETag(w, p.Version)
	web.WriteJSON(w, http.StatusOK, p)
}

func (h *handlers) apiPatchParty(w http.ResponseWriter, r *http.Request) {
	pr := web.PrincipalFrom(r)
	if _, err := h.svc.Party(r.Context(), pr, r.PathValue("id")); err != nil {
		h.Problem(w, r, err)
		return
	}
	vals, expect, err := h.Decode(w, r, PartyEntity)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	in, err := partyInputOf(vals)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	p, err := h.svc.UpdateParty(r.Context(), pr, r.PathValue("id"), in, expect, nil)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.SetETag(w, p.Version)
	web.WriteJSON(w, http.StatusOK, p)
}

func (h *handlers) apiArchiveParty(w http.ResponseWriter, r *http.Request) {
	yes := true
	expect, err := web.IfMatch(r)
	if err == nil {
		_, err = h.svc.UpdateParty(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), PartyInput{}, expect, &yes)
	}
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *handlers) apiScope(w http.ResponseWriter, r *http.Request) {
	sc, err := h.svc.Scope(r.Context(), web.PrincipalFrom(r))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.SetETag(w, sc.Version)
	web.WriteJSON(w, http.StatusOK, sc)
}

func (h *handlers) apiPutScope(w http.ResponseWriter, r *http.Request) {
	vals, expect, err := h.Decode(w, r, ScopeEntity)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	in, err := scopeInputOf(vals)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	sc, err := h.svc.SaveScope(r.Context(), web.PrincipalFrom(r), in, expect)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.SetETag(w, sc.Version)
	web.WriteJSON(w, http.StatusOK, sc)
}

// stepFunc is a step of the scope's approval: submit or approve.
type stepFunc = func(ctx context.Context, p *bulwark.Principal) (*Scope, error)

func (h *handlers) apiStep(step stepFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sc, err := step(r.Context(), web.PrincipalFrom(r))
		if err != nil {
			h.Problem(w, r, err)
			return
		}
		web.SetETag(w, sc.Version)
		web.WriteJSON(w, http.StatusOK, sc)
	}
}

func (h *handlers) apiRevisions(w http.ResponseWriter, r *http.Request) {
	revs, err := h.svc.Revisions(r.Context(), web.PrincipalFrom(r))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": revs, "next_cursor": nil})
}

// revisionParam reads {n}: a revision number, or a 404.
func revisionParam(r *http.Request) (int, error) {
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 1 || n > 1<<31-1 {
		return 0, bulwark.Errorf(bulwark.ENOTFOUND, "The scope has no such revision.")
	}
	return n, nil
}

func (h *handlers) apiRevision(w http.ResponseWriter, r *http.Request) {
	n, err := revisionParam(r)
	if err == nil {
		var sc *Scope
		if sc, err = h.svc.Revision(r.Context(), web.PrincipalFrom(r), n); err == nil {
			web.WriteJSON(w, http.StatusOK, sc)
			return
		}
	}
	h.Problem(w, r, err)
}

// export downloads the statement as a PDF, from the API (GET) or the page's form (POST).
func (h *handlers) export(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	format := r.FormValue("format")
	if format == "" {
		format = "pdf"
	}
	if format != "pdf" {
		h.ProblemOrPage(w, r, bulwark.Invalid("format", "must be pdf"))
		return
	}
	n := 0
	if v := r.FormValue("revision"); v != "" && v != "live" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 || n > 1<<31-1 {
			h.ProblemOrPage(w, r, bulwark.Invalid("revision", "must be an approved revision number such as 2"))
			return
		}
	}
	name := "scope-" + p.Org.Slug
	if n > 0 {
		name += "-revision-" + strconv.Itoa(n)
	} else {
		name += "-live"
	}
	h.Download(w, r, name+".pdf", "application/pdf", func(out io.Writer) error { return h.svc.ExportScope(r.Context(), p, format, n, out) })
}

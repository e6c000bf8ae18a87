package reviews

import (
	"embed"
	"html/template"
	"net/http"
	"strings"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/field"
	"github.com/bulwark-isms/bulwark/web"
)

//go:embed templates
var templates embed.FS

type handlers struct {
	*web.Server
	svc *Service
}

// Area mounts management review on the server.
func Area(svc *Service) web.Area {
	return web.Area{Name: "reviews", Mount: func(s *web.Server) web.Mounted {
		h := &handlers{Server: s, svc: svc}
		return web.Mounted{Templates: templates, Routes: h.routes(), Tasks: h.tasks}
	}}
}

func (h *handlers) routes() []web.Route {
	return []web.Route{
		{Method: "GET", Pattern: "/api/v1/management-reviews", Perm: bulwark.PermISMSRead, Summary: "List management reviews, newest first", Handler: h.apiList, Response: ReviewEntity, List: true},
		{Method: "POST", Pattern: "/api/v1/management-reviews", Perm: bulwark.PermISMSCreate, Summary: "Prepare a management review: its agenda is filled from the registers as they stand now, one section per input of 9.3.2", Handler: h.apiCreate, Request: ReviewEntity, Response: ReviewEntity, Status: http.StatusCreated},
		{Method: "GET", Pattern: "/api/v1/management-reviews/{id}", Perm: bulwark.PermISMSRead, Summary: "Read a management review: inputs, attendees, notes, decisions", Handler: h.apiOne, Response: ReviewEntity},
		{Method: "PATCH", Pattern: "/api/v1/management-reviews/{id}", Perm: bulwark.PermISMSEdit, Summary: "Change a draft review's title, date, attendees or summary", Handler: h.apiPatch, Request: ReviewEntity, Response: ReviewEntity},
		{Method: "PUT", Pattern: "/api/v1/management-reviews/{id}/sections/{section}/notes", Perm: bulwark.PermISMSEdit, Summary: "Record the discussion on one input of a draft review", Handler: h.apiNotes, Request: SectionNotesInput, Response: ReviewEntity},
		{Method: "POST", Pattern: "/api/v1/management-reviews/{id}/refresh", Perm: bulwark.PermISMSEdit, Summary: "Take a draft review's inputs again from the registers (notes kept)", Handler: h.apiRefresh, Body: web.Props(), Response: ReviewEntity},
		{Method: "POST", Pattern: "/api/v1/management-reviews/{id}/approve", Perm: bulwark.PermApprove, Summary: "Approve the minutes (owners and admins); from then on they do not change", Handler: h.apiApprove, Body: web.Props(), Response: ReviewEntity},
		{Method: "POST", Pattern: "/api/v1/management-reviews/{id}/decisions", Perm: bulwark.PermISMSEdit, Summary: "Record a decision of a draft review, as an action with an owner and a due date", Handler: h.apiAddDecision, Request: DecisionEntity, Response: DecisionEntity, Status: http.StatusCreated},
		{Method: "PATCH", Pattern: "/api/v1/management-reviews/{id}/decisions/{decision}", Perm: bulwark.PermISMSEditOwn, Summary: "Record a decision's progress (its owner or a manager)", Handler: h.apiPatchDecision, Request: DecisionEntity, Response: DecisionEntity},
		{Method: "GET", Pattern: "/api/v1/management-reviews/{id}/minutes", Perm: bulwark.PermISMSRead, Summary: "The minutes as a PDF: attendees, every input with its figures and notes, the decisions", Handler: h.minutes, Produces: []string{"application/pdf"}},

		{Method: "GET", Pattern: "/o/{slug}/management-reviews", Perm: bulwark.PermISMSRead, Handler: h.listPage},
		{Method: "POST", Pattern: "/o/{slug}/management-reviews", Perm: bulwark.PermISMSCreate, Handler: h.createSubmit},
		{Method: "GET", Pattern: "/o/{slug}/management-reviews/{id}", Perm: bulwark.PermISMSRead, Handler: h.page},
		{Method: "POST", Pattern: "/o/{slug}/management-reviews/{id}", Perm: bulwark.PermISMSEdit, Handler: h.editSubmit},
		{Method: "POST", Pattern: "/o/{slug}/management-reviews/{id}/sections/{section}", Perm: bulwark.PermISMSEdit, Handler: h.notesSubmit},
		{Method: "POST", Pattern: "/o/{slug}/management-reviews/{id}/refresh", Perm: bulwark.PermISMSEdit, Handler: h.refreshSubmit},
		{Method: "POST", Pattern: "/o/{slug}/management-reviews/{id}/approve", Perm: bulwark.PermApprove, Handler: h.approveSubmit},
		{Method: "POST", Pattern: "/o/{slug}/management-reviews/{id}/decisions", Perm: bulwark.PermISMSEdit, Handler: h.decisionSubmit},
		{Method: "POST", Pattern: "/o/{slug}/management-reviews/{id}/decisions/{decision}", Perm: bulwark.PermISMSEditOwn, Handler: h.decisionUpdateSubmit},
		{Method: "GET", Pattern: "/o/{slug}/management-reviews/{id}/minutes", Perm: bulwark.PermISMSRead, Handler: h.minutes},
	}
}

func inputOf(v field.Values) (Input, error) {
	in := Input{Title: v.Str("title"), Summary: v.Str("summary"), HeldOn: v.NullStr("held_on")}
	var as []Attendee
	if ok, err := v.Into("attendees", &as); err != nil {
		return in, bulwark.Invalid("attendees", `must be a list of {"member_id": …} or {"name": …}`)
	} else if ok {
		in.Attendees = &as
	}
	return in, nil
}

func decisionInputOf(v field.Values) DecisionInput {
	return DecisionInput{Title: v.Str("title"), Status: v.Str("status"), OwnerID: v.NullStr("owner_id"), DueDate: v.NullStr("due_date"), DoneOn: v.NullStr("done_on")}
}

func (h *handlers) apiList(w http.ResponseWriter, r *http.Request) {
	rs, err := h.svc.List(r.Context(), web.PrincipalFrom(r))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": rs, "next_cursor": nil})
}

func (h *handlers) apiCreate(w http.ResponseWriter, r *http.Request) {
	vals, _, err := h.Decode(w, r, ReviewEntity)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	in, err := inputOf(vals)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	rv, err := h.svc.Create(r.Context(), web.PrincipalFrom(r), in)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/management-reviews/"+rv.ID)
	web.SetETag(w, rv.Version)
	web.WriteJSON(w, http.StatusCreated, rv)
}

func (h *handlers) apiOne(w http.ResponseWriter, r *http.Request) {
	rv, err := h.svc.Get(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.SetETag(w, rv.Version)
	web.WriteJSON(w, http.StatusOK, rv)
}

// exists answers 404 before anything else when the review is not the organisation's.
func (h *handlers) exists(w http.ResponseWriter, r *http.Request) bool {
	if _, err := h.svc.Get(r.Context(), web.PrincipalFrom(r), r.PathValue("id")); err != nil {
		h.Problem(w, r, err)
		return false
	}
	return true
}

func (h *handlers) apiPatch(w http.ResponseWriter, r *http.Request) {
	if !h.exists(w, r) {
		return
	}
	vals, expect, err := h.Decode(w, r, ReviewEntity)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	in, err := inputOf(vals)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	rv, err := h.svc.Update(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), in, expect)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.SetETag(w, rv.Version)
	web.WriteJSON(w, http.StatusOK, rv)
}

func (h *handlers) apiNotes(w http.ResponseWriter, r *http.Request) {
	if !h.exists(w, r) {
		return
	}
	vals, err := h.DecodeCreate(w, r, SectionNotesInput)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	rv, err := h.svc.SetNotes(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), r.PathValue("section"), bulwark.Value(vals.Str("notes")))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, rv)
}

func (h *handlers) apiRefresh(w http.ResponseWriter, r *http.Request) {
	if !h.exists(w, r) {
		return
	}
	rv, err := h.svc.Refresh(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, rv)
}

func (h *handlers) apiApprove(w http.ResponseWriter, r *http.Request) {
	if !h.exists(w, r) {
		return
	}
	expect, err := web.IfMatch(r)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	rv, err := h.svc.Approve(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), expect)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, rv)
}

func (h *handlers) apiAddDecision(w http.ResponseWriter, r *http.Request) {
	if !h.exists(w, r) {
		return
	}
	vals, _, err := h.Decode(w, r, DecisionEntity)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	d, err := h.svc.AddDecision(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), decisionInputOf(vals))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.SetETag(w, d.Version)
	web.WriteJSON(w, http.StatusCreated, d)
}

func (h *handlers) apiPatchDecision(w http.ResponseWriter, r *http.Request) {
	if !h.exists(w, r) {
		return
	}
	vals, expect, err := h.Decode(w, r, DecisionEntity)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	d, err := h.svc.UpdateDecision(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), r.PathValue("decision"), decisionInputOf(vals), expect)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.SetETag(w, d.Version)
	web.WriteJSON(w, http.StatusOK, d)
}

// tasks lists the member's decisions due within a week or overdue.
func (h *handlers) tasks(r *http.Request) (web.Tasks, error) {
	p := web.PrincipalFrom(r)
	if p.MemberID == "" || !p.Can(bulwark.PermISMSRead) {
		return web.Tasks{}, nil
	}
	mine, err := h.svc.MyDecisions(r.Context(), p)
	if err != nil || len(mine) == 0 {
		return web.Tasks{}, err
	}
	html, err := h.Partial("reviews-tasks", &web.Page{P: p, Data: mine})
	if err != nil {
		return web.Tasks{}, err
	}
	return web.Tasks{Count: len(mine), HTML: template.HTML(html), JSON: map[string]any{"review_decisions_due": mine}}, nil
}

// attendeesOf reads the attendees a form lists: members ticked, and guests one per line.
func attendeesOf(r *http.Request) []Attendee {
	var out []Attendee
	for _, id := range r.PostForm["attendee_ids"] {
		id := id
		out = append(out, Attendee{MemberID: &id})
	}
	for _, l := range strings.Split(r.PostFormValue("guests"), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, Attendee{Name: l})
		}
	}
	return out
}

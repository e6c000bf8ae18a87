package nonconformities

import (
	"embed"
	"html/template"
	"net/http"
	"slices"
	"strconv"

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

// Area mounts the nonconformity register on the server.
func Area(svc *Service) web.Area {
	return web.Area{Name: "nonconformities", Mount: func(s *web.Server) web.Mounted {
		h := &handlers{Server: s, svc: svc}
		return web.Mounted{Templates: templates, Routes: h.routes(), Dashboard: h.dashboardPart, Tasks: h.tasks}
	}}
}

var listParams = []field.Param{
	{Name: "status", Enum: Statuses}, {Name: "severity", Enum: Severities}, {Name: "owner_id"},
	{Name: "open", Kind: field.Bool, Help: "only those not closed (true)"},
}

func (h *handlers) routes() []web.Route {
	return []web.Route{
		{Method: "GET", Pattern: "/api/v1/nonconformities", Perm: bulwark.PermISMSRead, Summary: "List nonconformities, newest first", Handler: h.apiList, Response: NonconformityEntity, List: true, Query: listParams},
		{Method: "POST", Pattern: "/api/v1/nonconformities", Perm: bulwark.PermISMSCreateOwn, Summary: "Raise a nonconformity", Handler: h.apiCreate, Request: NonconformityEntity, Response: NonconformityEntity, Status: http.StatusCreated},
		h.ExportRoute(h.ncRegister(), bulwark.PermISMSRead),
		{Method: "GET", Pattern: "/api/v1/nonconformities/{id}", Perm: bulwark.PermISMSRead, Summary: "Read a nonconformity with its corrective actions and effectiveness reviews", Handler: h.apiOne, Response: NonconformityEntity},
		{Method: "PATCH", Pattern: "/api/v1/nonconformities/{id}", Perm: bulwark.PermISMSEditOwn, Summary: "Change a nonconformity: details, correction, root-cause analysis", Handler: h.apiPatch, Request: NonconformityEntity, Response: NonconformityEntity},
		{Method: "POST", Pattern: "/api/v1/nonconformities/{id}/status", Perm: bulwark.PermISMSEditOwn, Summary: "Move a nonconformity forward (422 naming what is missing), or reopen a closed one", Handler: h.apiStatus, Request: StatusInput, Response: NonconformityEntity},
		{Method: "POST", Pattern: "/api/v1/nonconformities/{id}/reviews", Perm: bulwark.PermISMSEditOwn, Summary: "Record an effectiveness review: effective verifies, ineffective sends it back to analysed", Handler: h.apiReview, Request: ReviewEntity, Response: NonconformityEntity, Status: http.StatusCreated},
		{Method: "GET", Pattern: "/api/v1/nonconformities/{id}/actions", Perm: bulwark.PermISMSRead, Summary: "A nonconformity's corrective actions", Handler: h.apiActions, Response: ActionEntity, List: true},
		{Method: "POST", Pattern: "/api/v1/nonconformities/{id}/actions", Perm: bulwark.PermISMSEditOwn, Summary: "Add a corrective action", Handler: h.apiAddAction, Request: ActionEntity, Response: ActionEntity, Status: http.StatusCreated},
		{Method: "PATCH", Pattern: "/api/v1/nonconformities/{id}/actions/{action}", Perm: bulwark.PermISMSEditOwn, Summary: "Change a corrective action (its status, owner, due date)", Handler: h.apiPatchAction, Request: ActionEntity, Response: ActionEntity},
		{Method: "GET", Pattern: "/api/v1/corrective-actions", Perm: bulwark.PermISMSRead, Summary: "Corrective actions across every nonconformity", Handler: h.apiAllActions, Response: ActionEntity, List: true,
			Query: []field.Param{{Name: "owner_id"}, {Name: "overdue", Kind: field.Bool, Help: "only actions past their due date and not done (true)"}}},

		{Method: "GET", Pattern: "/o/{slug}/nonconformities", Perm: bulwark.PermISMSRead, Handler: h.listPage},
		{Method: "GET", Pattern: "/o/{slug}/nonconformities/new", Perm: bulwark.PermISMSCreateOwn, Handler: h.newPage},
		{Method: "POST", Pattern: "/o/{slug}/nonconformities/export", Perm: bulwark.PermISMSRead, Handler: h.Export(h.ncRegister())},
		{Method: "POST", Pattern: "/o/{slug}/nonconformities", Perm: bulwark.PermISMSCreateOwn, Handler: h.createSubmit},
		{Method: "GET", Pattern: "/o/{slug}/nonconformities/{id}", Perm: bulwark.PermISMSRead, Handler: h.page},
		{Method: "POST", Pattern: "/o/{slug}/nonconformities/{id}", Perm: bulwark.PermISMSEditOwn, Handler: h.editSubmit},
		{Method: "POST", Pattern: "/o/{slug}/nonconformities/{id}/status", Perm: bulwark.PermISMSEditOwn, Handler: h.statusSubmit},
		{Method: "POST", Pattern: "/o/{slug}/nonconformities/{id}/reviews", Perm: bulwark.PermISMSEditOwn, Handler: h.reviewSubmit},
		{Method: "POST", Pattern: "/o/{slug}/nonconformities/{id}/actions", Perm: bulwark.PermISMSEditOwn, Handler: h.addActionSubmit},
		{Method: "POST", Pattern: "/o/{slug}/nonconformities/{id}/actions/{action}", Perm: bulwark.PermISMSEditOwn, Handler: h.actionSubmit},
	}
}

// inputOf reads a nonconformity's fields from decoded values.
func inputOf(v field.Values) (Input, error) {
	in := Input{Title: v.Str("title"), Description: v.Str("description"), Severity: v.Str("severity"), Source: v.Str("source"), SourceRef: v.Str("source_ref"),
		RaisedOn: v.Str("raised_on"), RequirementID: v.NullStr("requirement_id"), ControlID: v.NullStr("control_id"), OwnerID: v.NullStr("owner_id"),
		DueDate: v.NullStr("due_date"), CorrectionDate: v.NullStr("correction_date"), DelayReason: v.Str("delay_reason"), Correction: v.Str("correction"),
		RootCauseMethod: v.Str("root_cause_method"), RootCause: v.Str("root_cause"), OccursElsewhere: v.Str("occurs_elsewhere"),
		NoActionReason: v.Str("no_action_reason"), RootCauseWhys: v.List("root_cause_whys")}
	var fb map[string]string
	if ok, err := v.Into("root_cause_fishbone", &fb); err != nil {
		return in, bulwark.Invalid("root_cause_fishbone", "must be an object of category → cause")
	} else if ok {
		if fb == nil {
			fb = map[string]string{}
		}
		in.RootCauseFishbone = &fb
	}
	return in, nil
}

func actionInputOf(v field.Values) ActionInput {
	return ActionInput{Title: v.Str("title"), Description: v.Str("description"), Status: v.Str("status"), OwnerID: v.NullStr("owner_id"), DueDate: v.NullStr("due_date"), DoneOn: v.NullStr("done_on")}
}

func filterOf(r *http.Request) (Filter, error) {
	q := r.URL.Query()
	f := Filter{Status: q.Get("status"), Severity: q.Get("severity"), OwnerID: q.Get("owner_id")}
	var v bulwark.Validation
	if f.Status != "" && !slices.Contains(Statuses, f.Status) {
		v.Add("status", "must be one of open, analysed, actions_done, verified, closed")
	}
	if f.Severity != "" && !slices.Contains(Severities, f.Severity) {
		v.Add("severity", "must be major or minor")
	}
	if s := q.Get("open"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			v.Add("open", "must be true or false")
		}
		f.Open = b
	}
	return f, v.Err()
}

func (h *handlers) apiList(w http.ResponseWriter, r *http.Request) {
	f, err := filterOf(r)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	items, err := h.svc.List(r.Context(), web.PrincipalFrom(r), f)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": items, "next_cursor": nil})
}

func (h *handlers) apiCreate(w http.ResponseWriter, r *http.Request) {
	vals, _, err := h.Decode(w, r, NonconformityEntity)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	in, err := inputOf(vals)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	n, err := h.svc.Create(r.Context(), web.PrincipalFrom(r), in)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/nonconformities/"+n.ID)
	web.SetETag(w, n.Version)
	web.WriteJSON(w, http.StatusCreated, n)
}

func (h *handlers) apiOne(w http.ResponseWriter, r *http.Request) {
	n, err := h.svc.Get(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.SetETag(w, n.Version)
	web.WriteJSON(w, http.StatusOK, n)
}

func (h *handlers) apiPatch(w http.ResponseWriter, r *http.Request) {
	if _, err := h.svc.Get(r.Context(), web.PrincipalFrom(r), r.PathValue("id")); err != nil {
		h.Problem(w, r, err)
		return
	}
	vals, expect, err := h.Decode(w, r, NonconformityEntity)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	in, err := inputOf(vals)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	n, err := h.svc.Update(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), in, expect)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.SetETag(w, n.Version)
	web.WriteJSON(w, http.StatusOK, n)
}

func (h *handlers) apiStatus(w http.ResponseWriter, r *http.Request) {
	if _, err := h.svc.Get(r.Context(), web.PrincipalFrom(r), r.PathValue("id")); err != nil {
		h.Problem(w, r, err)
		return
	}
	vals, err := h.DecodeCreate(w, r, StatusInput)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	expect, err := web.IfMatch(r)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	n, err := h.svc.SetStatus(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), bulwark.Value(vals.Str("status")), bulwark.Value(vals.Str("reason")), expect)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.SetETag(w, n.Version)
	web.WriteJSON(w, http.StatusOK, n)
}

func (h *handlers) apiReview(w http.ResponseWriter, r *http.Request) {
	if _, err := h.svc.Get(r.Context(), web.PrincipalFrom(r), r.PathValue("id")); err != nil {
		h.Problem(w, r, err)
		return
	}
	vals, err := h.DecodeCreate(w, r, ReviewEntity)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	rv := Review{Result: bulwark.Value(vals.Str("result")), ReviewedOn: bulwark.Value(vals.Str("reviewed_on")), Notes: bulwark.Value(vals.Str("notes"))}
	if by := vals.NullStr("reviewer_id"); by != nil {
		rv.ReviewerID = *by
	}
	n, err := h.svc.RecordReview(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), rv)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.SetETag(w, n.Version)
	web.WriteJSON(w, http.StatusCreated, n)
}

func (h *handlers) apiActions(w http.ResponseWriter, r *http.Request) {
	n, err := h.svc.Get(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": n.Actions, "next_cursor": nil})
}

func (h *handlers) apiAddAction(w http.ResponseWriter, r *http.Request) {
	if _, err := h.svc.Get(r.Context(), web.PrincipalFrom(r), r.PathValue("id")); err != nil {
		h.Problem(w, r, err)
		return
	}
	vals, _, err := h.Decode(w, r, ActionEntity)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	a, err := h.svc.AddAction(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), actionInputOf(vals))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.SetETag(w, a.Version)
	web.WriteJSON(w, http.StatusCreated, a)
}

func (h *handlers) apiPatchAction(w http.ResponseWriter, r *http.Request) {
	if _, err := h.svc.Get(r.Context(), web.PrincipalFrom(r), r.PathValue("id")); err != nil {
		h.Problem(w, r, err)
		return
	}
	vals, expect, err := h.Decode(w, r, ActionEntity)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	a, err := h.svc.UpdateAction(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), r.PathValue("action"), actionInputOf(vals), expect)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.SetETag(w, a.Version)
	web.WriteJSON(w, http.StatusOK, a)
}

func (h *handlers) apiAllActions(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	overdue := false
	if s := q.Get("overdue"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			h.Problem(w, r, bulwark.Invalid("overdue", "must be true or false"))
			return
		}
		overdue = b
	}
	items, err := h.svc.Actions(r.Context(), web.PrincipalFrom(r), q.Get("owner_id"), overdue)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": items, "next_cursor": nil})
}

// dashboardPart shows open nonconformities and overdue corrective actions.
func (h *handlers) dashboardPart(r *http.Request) (template.HTML, error) {
	p := web.PrincipalFrom(r)
	if !p.Can(bulwark.PermISMSRead) {
		return "", nil
	}
	c, err := h.svc.Counts(r.Context(), p)
	if err != nil {
		return "", err
	}
	if c.Open == 0 && c.Closed == 0 {
		return "", nil // nothing raised yet: the dashboard stays quiet
	}
	overdue, err := h.svc.Actions(r.Context(), p, "", true)
	if err != nil {
		return "", err
	}
	if len(overdue) > 10 {
		overdue = overdue[:10]
	}
	return h.Partial("nonconformities-dashboard", &web.Page{P: p, Data: map[string]any{"C": c, "Overdue": overdue}})
}

// tasks lists the member's corrective actions that are due within a week or overdue.
func (h *handlers) tasks(r *http.Request) (web.Tasks, error) {
	p := web.PrincipalFrom(r)
	if p.MemberID == "" || !p.Can(bulwark.PermISMSRead) {
		return web.Tasks{}, nil
	}
	mine, err := h.svc.Actions(r.Context(), p, p.MemberID, false)
	if err != nil {
		return web.Tasks{}, err
	}
	soon := addDays(today(p), 7)
	due := []*Action{}
	for _, a := range mine {
		if (a.Status == ActionOpen || a.Status == ActionInProgress) && a.DueDate != nil && *a.DueDate <= soon {
			due = append(due, a)
		}
	}
	html, err := h.Partial("nonconformities-tasks", &web.Page{P: p, Data: due})
	if err != nil {
		return web.Tasks{}, err
	}
	return web.Tasks{Count: len(due), HTML: html, JSON: map[string]any{"corrective_actions_due": due}}, nil
}

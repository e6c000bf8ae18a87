package nonconformities

import (
	"net/http"
	"slices"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/web"
)

// notices are the messages a page shows after a form succeeded (?done=…).
var notices = map[string]string{
	"created": "Nonconformity raised. Record the correction made at once, then the root cause.",
	"saved":   "Saved.",
	"status":  "Status changed.",
	"review":  "Effectiveness review recorded.",
	"action":  "Corrective action saved.",
}

func (h *handlers) listPage(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	f, err := filterOf(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	items, err := h.svc.List(r.Context(), p, f)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	_, names, err := h.Directory(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	counts := map[string]int{}
	for _, n := range items {
		counts[n.Status]++
	}
	h.Render(w, r, http.StatusOK, "nonconformities-list", &web.Page{Title: "Nonconformities", Nav: "nonconformities", Data: map[string]any{
		"Items": items, "Names": names, "Statuses": Statuses, "Q": map[string]string{"status": f.Status, "severity": f.Severity}, "Filtered": f.Status != "" || f.Severity != "", "Counts": counts}})
}

func (h *handlers) formData(r *http.Request) (map[string]any, error) {
	members, names, err := h.Directory(r)
	if err != nil {
		return nil, err
	}
	return map[string]any{"Members": members, "Names": names, "Severities": Severities, "Sources": Sources, "Methods": Methods,
		"Fishbone": FishboneCategories, "ActionStatuses": ActionStatuses, "Statuses": Statuses}, nil
}

func (h *handlers) newPage(w http.ResponseWriter, r *http.Request) {
	data, err := h.formData(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	h.Render(w, r, http.StatusOK, "nonconformity-new", &web.Page{Title: "Raise a nonconformity", Nav: "nonconformities", Data: data,
		Form: prefill(r)})
}

// prefill starts a new nonconformity from what the page linking here knows (an incident: ?source=incident&source_ref=INC-004&title=…).
func prefill(r *http.Request) map[string]string {
	q := r.URL.Query()
	f := map[string]string{"severity": "minor", "source": "other", "raised_on": today(web.PrincipalFrom(r)), "title": q.Get("title"), "source_ref": q.Get("source_ref")}
	if s := q.Get("source"); slices.Contains(Sources, s) {
		f["source"] = s
	}
	return f
}

// formInput reads a nonconformity form: only the fields the form holds change.
func formInput(r *http.Request) Input {
	var in Input
	in.Title, in.Description, in.Severity, in.Source, in.SourceRef, in.RaisedOn = web.FormField(r, "title"), web.FormField(r, "description"), web.FormField(r, "severity"), web.FormField(r, "source"), web.FormField(r, "source_ref"), web.FormField(r, "raised_on")
	in.OwnerID, in.DueDate, in.CorrectionDate, in.ControlID, in.RequirementID = web.FormOptional(r, "owner_id"), web.FormOptional(r, "due_date"), web.FormOptional(r, "correction_date"), web.FormOptional(r, "control_id"), web.FormOptional(r, "requirement_id")
	in.DelayReason, in.Correction, in.RootCauseMethod, in.RootCause = web.FormField(r, "delay_reason"), web.FormField(r, "correction"), web.FormField(r, "root_cause_method"), web.FormField(r, "root_cause")
	in.OccursElsewhere, in.NoActionReason = web.FormField(r, "occurs_elsewhere"), web.FormField(r, "no_action_reason")
	if whys, ok := r.PostForm["root_cause_whys"]; ok {
		in.RootCauseWhys = &whys
	}
	if _, ok := r.PostForm["fishbone_people"]; ok {
		fb := map[string]string{}
		for _, c := range FishboneCategories {
			fb[c] = r.PostFormValue("fishbone_" + c)
		}
		in.RootCauseFishbone = &fb
	}
	return in
}

func (h *handlers) createSubmit(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	n, err := h.svc.Create(r.Context(), p, formInput(r))
	if err != nil {
		data, derr := h.formData(r)
		if derr != nil {
			h.RenderError(w, r, derr)
			return
		}
		pg := &web.Page{Title: "Raise a nonconformity", Nav: "nonconformities", Data: data,
			Form: web.FormValues(r, "title", "description", "severity", "source", "source_ref", "raised_on", "owner_id", "due_date", "correction")}
		if status, ok := h.FormFailure(w, r, pg, err); ok {
			h.Render(w, r, status, "nonconformity-new", pg)
		}
		return
	}
	http.Redirect(w, r, "/o/"+p.Org.Slug+"/nonconformities/"+n.ID+"?done=created", http.StatusSeeOther)
}

// renderPage shows a nonconformity; pg carries a failed form's error, or nil.
func (h *handlers) renderPage(w http.ResponseWriter, r *http.Request, status int, pg *web.Page) {
	p := web.PrincipalFrom(r)
	n, err := h.svc.Get(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	data, err := h.formData(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	if pg == nil {
		pg = &web.Page{Notice: notices[r.URL.Query().Get("done")]}
	}
	whys := append([]string{}, n.RootCauseWhys...)
	for len(whys) < 5 {
		whys = append(whys, "")
	}
	next := ""
	switch n.Status {
	case StatusOpen:
		next = StatusAnalysed
	case StatusAnalysed:
		next = StatusActionsDone
	case StatusVerified:
		next = StatusClosed
	}
	data["N"], data["Whys"], data["Next"] = n, whys, next
	data["CanEdit"] = p.Can(bulwark.PermISMSEdit) || (p.Can(bulwark.PermISMSEditOwn) && n.OwnerID != nil && *n.OwnerID == p.MemberID)
	data["MissingToClose"] = Missing(n, StatusClosed)
	if next != "" {
		data["MissingNext"] = Missing(n, next)
	}
	pg.Title, pg.Nav, pg.Data = n.Ref+" "+n.Title, "nonconformities", data
	h.Render(w, r, status, "nonconformity", pg)
}

func (h *handlers) page(w http.ResponseWriter, r *http.Request) {
	h.renderPage(w, r, http.StatusOK, nil)
}

// done redirects to the record's page after a form, or shows it again with the form's error.
func (h *handlers) done(w http.ResponseWriter, r *http.Request, err error, notice, anchor string, form ...string) {
	h.FormDone(w, r, err, "nonconformities", notice, anchor, h.renderPage, form...)
}

func (h *handlers) editSubmit(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	_, err := h.svc.Update(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), formInput(r), web.FormVersion(r))
	h.done(w, r, err, "saved", r.PostFormValue("section"), "title", "description", "correction", "root_cause", "occurs_elsewhere", "no_action_reason", "delay_reason")
}

func (h *handlers) statusSubmit(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	_, err := h.svc.SetStatus(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), r.PostFormValue("status"), r.PostFormValue("reason"), web.FormVersion(r))
	h.done(w, r, err, "status", "status", "reason")
}

func (h *handlers) reviewSubmit(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	_, err := h.svc.RecordReview(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), Review{Result: r.PostFormValue("result"), ReviewedOn: r.PostFormValue("reviewed_on"), Notes: r.PostFormValue("notes")})
	h.done(w, r, err, "review", "review", "result", "reviewed_on", "notes")
}

func (h *handlers) addActionSubmit(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	in := actionForm(r)
	_, err := h.svc.AddAction(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), in)
	h.done(w, r, err, "action", "actions", "title", "description", "owner_id", "due_date")
}

func (h *handlers) actionSubmit(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	_, err := h.svc.UpdateAction(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), r.PathValue("action"), actionForm(r), web.FormVersion(r))
	h.done(w, r, err, "action", "actions")
}

func actionForm(r *http.Request) ActionInput {
	var in ActionInput
	in.Title, in.Description, in.Status = web.FormField(r, "title"), web.FormField(r, "description"), web.FormField(r, "status")
	in.OwnerID, in.DueDate, in.DoneOn = web.FormOptional(r, "owner_id"), web.FormOptional(r, "due_date"), web.FormOptional(r, "done_on")
	return in
}

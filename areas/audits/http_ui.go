package audits

import (
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/web"
)

var notices = map[string]string{
	"created":   "Audit planned. Build its checklist from the scope when you are ready to start.",
	"saved":     "Saved.",
	"checklist": "Checklist built from the scope.",
	"recorded":  "Result recorded.",
	"finding":   "Finding raised.",
}

// clauseHeadings are the scope checkboxes for clauses 4–10 and the Annex A themes.
var clauseHeadings = []struct{ Value, Label string }{
	{"iso27001-2022:4", "4 Context of the organisation"}, {"iso27001-2022:5", "5 Leadership"}, {"iso27001-2022:6", "6 Planning"},
	{"iso27001-2022:7", "7 Support"}, {"iso27001-2022:8", "8 Operation"}, {"iso27001-2022:9", "9 Performance evaluation"}, {"iso27001-2022:10", "10 Improvement"},
	{"theme:5", "Annex A 5 Organisational controls"}, {"theme:6", "Annex A 6 People controls"}, {"theme:7", "Annex A 7 Physical controls"}, {"theme:8", "Annex A 8 Technological controls"},
}

func (h *handlers) programmePage(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	year, err := yearOf(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	prog, err := h.svc.Programme(r.Context(), p, year)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	_, names, err := h.Directory(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	h.Render(w, r, http.StatusOK, "audits", &web.Page{Title: "Audit programme " + strconv.Itoa(year), Nav: "audits", Data: map[string]any{
		"Prog": prog, "Names": names, "Prev": year - 1, "Next": year + 1}})
}

func (h *handlers) formData(r *http.Request) (map[string]any, error) {
	members, names, err := h.Directory(r)
	if err != nil {
		return nil, err
	}
	return map[string]any{"Members": members, "Names": names, "Types": Types, "Statuses": Statuses, "Headings": clauseHeadings, "Results": Results, "Classifications": Classifications,
		"Parts": map[string]bool{}, "TeamSet": map[string]bool{}}, nil
}

func (h *handlers) newPage(w http.ResponseWriter, r *http.Request) {
	data, err := h.formData(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	h.Render(w, r, http.StatusOK, "audit-new", &web.Page{Title: "Plan an audit", Nav: "audits", Data: data,
		Form: map[string]string{"type": "internal", "criteria": "ISO/IEC 27001:2022 clauses 4–10 and the Annex A controls in scope; the organisation's own policies"}})
}

// formInput reads an audit form; only the fields the form holds change.
func (h *handlers) formInput(r *http.Request) (Input, error) {
	var in Input
	in.Title, in.Type, in.Criteria, in.Scope, in.LeadExternal, in.Status, in.Conclusion = web.FormField(r, "title"), web.FormField(r, "type"), web.FormField(r, "criteria"), web.FormField(r, "scope"), web.FormField(r, "lead_external"), web.FormField(r, "status"), web.FormField(r, "conclusion")
	in.PlannedStart, in.PlannedEnd, in.ActualStart, in.ActualEnd, in.LeadID = web.FormOptional(r, "planned_start"), web.FormOptional(r, "planned_end"), web.FormOptional(r, "actual_start"), web.FormOptional(r, "actual_end"), web.FormOptional(r, "lead_id")
	if r.PostFormValue("plan") == "1" { // the planning form: lists absent from it are emptied
		team := r.PostForm["team_ids"]
		in.TeamIDs = &team
		var ext []string
		for _, l := range strings.Split(r.PostFormValue("team_external"), "\n") {
			if l = strings.TrimSpace(l); l != "" {
				ext = append(ext, l)
			}
		}
		in.TeamExternal = &ext
		fws := []string{"iso27001-2022"}
		in.FrameworkIDs = &fws
		var reqs []string
		for _, part := range r.PostForm["scope_parts"] {
			if theme, ok := strings.CutPrefix(part, "theme:"); ok {
				ids, err := h.svc.ThemeRequirements(r.Context(), theme)
				if err != nil {
					return in, err
				}
				reqs = append(reqs, ids...)
			} else {
				reqs = append(reqs, part)
			}
		}
		in.RequirementIDs = &reqs
	}
	return in, nil
}

func (h *handlers) createSubmit(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	in, err := h.formInput(r)
	var a *Audit
	if err == nil {
		a, err = h.svc.Create(r.Context(), p, in)
	}
	if err != nil {
		data, derr := h.formData(r)
		if derr != nil {
			h.RenderError(w, r, derr)
			return
		}
		pg := &web.Page{Title: "Plan an audit", Nav: "audits", Data: data, Form: web.FormValues(r, "title", "type", "criteria", "scope", "planned_start", "planned_end", "lead_id", "lead_external", "team_external")}
		if status, ok := h.FormFailure(w, r, pg, err); ok {
			h.Render(w, r, status, "audit-new", pg)
		}
		return
	}
	http.Redirect(w, r, "/o/"+p.Org.Slug+"/audits/"+a.ID+"?done=created", http.StatusSeeOther)
}

// scopeParts says which scope checkboxes an audit's requirements fill.
func scopeParts(a *Audit) map[string]bool {
	on := map[string]bool{}
	for _, id := range a.RequirementIDs {
		on[id] = true
		if ref, ok := strings.CutPrefix(id, "iso27001-2022:A."); ok {
			theme, _, _ := strings.Cut(ref, ".")
			on["theme:"+theme] = true
		}
	}
	return on
}

func (h *handlers) renderPage(w http.ResponseWriter, r *http.Request, status int, pg *web.Page) {
	p := web.PrincipalFrom(r)
	a, err := h.svc.Audit(r.Context(), p, r.PathValue("id"))
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
	planner := p.Can(bulwark.PermISMSEdit)
	lead := a.LeadID != nil && *a.LeadID == p.MemberID
	next := ""
	if i := slices.Index(Statuses, a.Status); i >= 0 && i+1 < len(Statuses) {
		next = Statuses[i+1]
	}
	data["A"], data["Planner"], data["CanMove"], data["Next"] = a, planner && a.Status != StatusClosed, (planner || lead) && a.Status != StatusClosed, next
	data["Recording"] = a.OnTeam(p.MemberID) && Recording(a.Status)
	data["Progress"] = ProgressOf(a.Checklist)
	data["Parts"] = scopeParts(a)
	data["TeamSet"] = map[string]bool{}
	for _, id := range a.TeamIDs {
		data["TeamSet"].(map[string]bool)[id] = true
	}
	if pg.Form == nil || pg.Form["open"] != "plan" {
		// The planning form shows the audit as it is (after a failed submit, what was sent).
		form := map[string]string{"title": a.Title, "type": a.Type, "criteria": a.Criteria, "scope": a.Scope, "planned_start": bulwark.Value(a.PlannedStart),
			"planned_end": bulwark.Value(a.PlannedEnd), "lead_id": bulwark.Value(a.LeadID), "lead_external": a.LeadExternal, "team_external": strings.Join(a.TeamExternal, "\n"),
			"conclusion": a.Conclusion}
		for k, v := range pg.Form {
			form[k] = v
		}
		pg.Form = form
	}
	pg.Title, pg.Nav, pg.Data = a.Ref+" "+a.Title, "audits", data
	h.Render(w, r, status, "audit", pg)
}

func (h *handlers) page(w http.ResponseWriter, r *http.Request) {
	h.renderPage(w, r, http.StatusOK, nil)
}

// done redirects to the record's page after a form, or shows it again with the form's error.
func (h *handlers) done(w http.ResponseWriter, r *http.Request, err error, notice, anchor string, form ...string) {
	h.FormDone(w, r, err, "audits", notice, anchor, h.renderPage, form...)
}

func (h *handlers) editSubmit(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	in, err := h.formInput(r)
	if err == nil {
		_, err = h.svc.Update(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), in, web.FormVersion(r))
	}
	h.done(w, r, err, "saved", r.PostFormValue("section"), "title", "criteria", "scope", "conclusion")
}

func (h *handlers) generateSubmit(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	_, err := h.svc.GenerateChecklist(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
	h.done(w, r, err, "checklist", "checklist")
}

func (h *handlers) recordSubmit(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	n, err := lineNumber(r)
	if err == nil {
		result, notes := r.PostFormValue("result"), r.PostFormValue("notes")
		_, err = h.svc.RecordLine(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), n, LineInput{Result: &result, Notes: &notes})
	}
	h.done(w, r, err, "recorded", "line-"+r.PathValue("line"), "notes")
}

func findingForm(r *http.Request) FindingInput {
	in := FindingInput{Classification: web.FormField(r, "classification"), Title: web.FormField(r, "title"), Description: web.FormField(r, "description"), EvidenceSeen: web.FormField(r, "evidence_seen"),
		ControlID: web.FormOptional(r, "control_id"), IncidentID: web.FormOptional(r, "incident_id"), CheckID: web.FormOptional(r, "check_id"), RequirementID: web.FormOptional(r, "requirement_id")}
	if n, err := strconv.Atoi(r.PostFormValue("checklist_line")); err == nil {
		np := &n
		in.ChecklistLine = &np
	}
	return in
}

func (h *handlers) findingSubmit(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	in := findingForm(r)
	id := r.PathValue("id")
	in.AuditID = &id
	_, err := h.svc.RaiseFinding(r.Context(), web.PrincipalFrom(r), in)
	h.done(w, r, err, "finding", "findings", "title", "description", "evidence_seen")
}

func (h *handlers) findingsPage(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	fs, err := h.svc.Findings(r.Context(), p, FindingFilter{Classification: r.URL.Query().Get("classification")})
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	data, err := h.formData(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	data["Items"] = fs
	h.Render(w, r, http.StatusOK, "findings", &web.Page{Title: "Findings", Nav: "audits", Data: data, Notice: map[string]string{"raised": "Finding raised."}[r.URL.Query().Get("done")]})
}

func (h *handlers) directFindingSubmit(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	_, err := h.svc.RaiseFinding(r.Context(), p, findingForm(r))
	if err != nil {
		fs, ferr := h.svc.Findings(r.Context(), p, FindingFilter{})
		data, derr := h.formData(r)
		if ferr != nil || derr != nil {
			h.RenderError(w, r, err)
			return
		}
		data["Items"] = fs
		pg := &web.Page{Title: "Findings", Nav: "audits", Data: data, Form: web.FormValues(r, "title", "description", "evidence_seen", "classification")}
		if status, ok := h.FormFailure(w, r, pg, err); ok {
			h.Render(w, r, status, "findings", pg)
		}
		return
	}
	http.Redirect(w, r, "/o/"+p.Org.Slug+"/findings?done=raised", http.StatusSeeOther)
}

// tasks lists the audits whose team the member is on while they run, with lines left to audit.
func (h *handlers) tasks(r *http.Request) (web.Tasks, error) {
	p := web.PrincipalFrom(r)
	mine, err := h.svc.MyAudits(r.Context(), p)
	if err != nil || len(mine) == 0 {
		return web.Tasks{}, err
	}
	html, err := h.Partial("audits-tasks", &web.Page{P: p, Data: mine})
	if err != nil {
		return web.Tasks{}, err
	}
	return web.Tasks{Count: len(mine), HTML: template.HTML(html), JSON: map[string]any{"audits_to_record": mine}}, nil
}

package incidents

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/areas/assets"
	"github.com/bulwark-isms/bulwark/areas/evidence"
	"github.com/bulwark-isms/bulwark/web"
)

// notices are the messages a page shows after a form succeeded (?done=…).
var notices = map[string]string{
	"created": "Incident recorded. Set its severity and handler, then work through containment and recovery.",
	"saved":   "Saved.",
	"status":  "Status changed.",
	"note":    "Added to the timeline.",
	"breach":  "Personal-data breach recorded: the regulatory clocks below are running.",
	"cleared": "No longer treated as a personal-data breach.",
	"clock":   "Recorded.",
	"risk":    "Risk created from this incident and linked.",
	"levels":  "Severity scale saved.",
}

// localTime reads a datetime-local form value ("2026-12-02T09:30") in the organisation's time zone.
func localTime(p *bulwark.Principal, name, s string) (*time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", time.RFC3339} {
		if t, err := time.ParseInLocation(layout, s, loc(p)); err == nil {
			return &t, nil
		}
	}
	return nil, bulwark.Invalid(name, "must be a date and time such as 2026-12-02 09:30")
}

// formTime reads an optional time field of a form: nil when the form does not hold it.
func formTime(r *http.Request, name string) (**time.Time, error) {
	if _, ok := r.PostForm[name]; !ok {
		return nil, nil
	}
	t, err := localTime(web.PrincipalFrom(r), name, r.PostFormValue(name))
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// formInput reads an incident form: only the fields the form holds change.
func formInput(r *http.Request) (Input, error) {
	var in Input
	in.Title, in.Description, in.Category, in.Severity, in.LessonsLearned = web.FormField(r, "title"), web.FormField(r, "description"), web.FormField(r, "category"), web.FormField(r, "severity"), web.FormField(r, "lessons_learned")
	in.HandlerID = web.FormOptional(r, "handler_id")
	if _, ok := r.PostForm["assets_shown"]; ok {
		ids := r.PostForm["asset_ids"]
		in.AssetIDs = &ids
	}
	if _, ok := r.PostForm["evidence_shown"]; ok {
		ids := r.PostForm["evidence_ids"]
		in.EvidenceIDs = &ids
	}
	var err error
	if in.DiscoveredAt, err = formTime(r, "discovered_at"); err != nil {
		return in, err
	}
	if in.BecameAwareAt, err = formTime(r, "became_aware_at"); err != nil {
		return in, err
	}
	return in, nil
}

func (h *handlers) reportSubmit(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	i, err := h.svc.ReportIncident(r.Context(), p, Report{Title: r.FormValue("title"), Description: r.FormValue("description")})
	if err != nil {
		if bulwark.ErrorCode(err) == bulwark.EINVALID {
			http.Redirect(w, r, "/o/"+p.Org.Slug+"/tasks?report=invalid#report", http.StatusSeeOther)
			return
		}
		h.RenderError(w, r, err)
		return
	}
	http.Redirect(w, r, "/o/"+p.Org.Slug+"/tasks?reported="+i.Ref+"#report", http.StatusSeeOther)
}

func (h *handlers) formData(r *http.Request) (map[string]any, error) {
	members, names, err := h.Directory(r)
	if err != nil {
		return nil, err
	}
	levels, err := h.svc.Levels(r.Context(), web.PrincipalFrom(r))
	if err != nil {
		return nil, err
	}
	return map[string]any{"Members": members, "Names": names, "Levels": levels, "Categories": Categories, "Statuses": Statuses}, nil
}

func (h *handlers) listPage(w http.ResponseWriter, r *http.Request) {
	h.renderList(w, r, http.StatusOK, nil)
}

func (h *handlers) renderList(w http.ResponseWriter, r *http.Request, status int, pg *web.Page) {
	p := web.PrincipalFrom(r)
	f, err := filterOf(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	items, next, err := h.svc.IncidentsPage(r.Context(), p, f)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	data, err := h.formData(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	rows := make([]Level, 0, 6)
	rows = append(rows, data["Levels"].([]Level)...)
	for len(rows) < 6 {
		rows = append(rows, Level{})
	}
	data["Items"], data["LevelRows"] = items, rows
	data["Q"] = map[string]string{"status": f.Status, "severity": f.Severity, "open": r.URL.Query().Get("open"), "breach": r.URL.Query().Get("breach")}
	data["Filtered"] = f.Status != "" || f.Severity != "" || f.Open || f.Breach
	if next != "" {
		v := r.URL.Query()
		v.Set("cursor", next)
		data["NextURL"] = "?" + v.Encode()
	}
	if pg == nil {
		pg = &web.Page{Notice: notices[r.URL.Query().Get("done")]}
	}
	pg.Title, pg.Nav, pg.Data = "Incidents", "incidents", data
	h.Render(w, r, status, "incidents", pg)
}

func (h *handlers) newPage(w http.ResponseWriter, r *http.Request) {
	data, err := h.formData(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	h.Render(w, r, http.StatusOK, "incident-new", &web.Page{Title: "Record an incident", Nav: "incidents", Data: data, Form: map[string]string{}})
}

func (h *handlers) createSubmit(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	in, err := formInput(r)
	var i *Incident
	if err == nil {
		i, err = h.svc.Create(r.Context(), p, in)
	}
	if err != nil {
		data, derr := h.formData(r)
		if derr != nil {
			h.RenderError(w, r, derr)
			return
		}
		pg := &web.Page{Title: "Record an incident", Nav: "incidents", Data: data,
			Form: web.FormValues(r, "title", "description", "category", "severity", "handler_id", "discovered_at", "became_aware_at")}
		if status, ok := h.FormFailure(w, r, pg, err); ok {
			h.Render(w, r, status, "incident-new", pg)
		}
		return
	}
	http.Redirect(w, r, "/o/"+p.Org.Slug+"/incidents/"+i.ID+"?done=created", http.StatusSeeOther)
}

// renderPage shows an incident; pg carries a failed form's error, or nil.
func (h *handlers) renderPage(w http.ResponseWriter, r *http.Request, status int, pg *web.Page) {
	p := web.PrincipalFrom(r)
	i, err := h.svc.Incident(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	entries, err := h.svc.Timeline(r.Context(), p, i.ID)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	data, err := h.formData(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	picked, small, err := h.svc.assetChoices(r.Context(), p, i.AssetIDs)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	var all []web.PickItem
	for _, a := range append(picked, small...) {
		all = append(all, assets.PickItem(a))
	}
	ap := web.NewPicker("asset_ids", "Assets affected", all, i.AssetIDs, nil)
	ap.Placeholder, ap.SearchURL = "A-014, laptop, or refs separated by commas", "/o/"+p.Org.Slug+"/pick/assets"
	preserved, err := h.svc.preservedEvidence(r.Context(), p, i.EvidenceIDs)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	var kept []web.PickItem
	for _, e := range preserved {
		kept = append(kept, evidence.PickItem(e))
	}
	ep := web.NewPicker("evidence_ids", "Evidence preserved (logs, screenshots, images)", kept, i.EvidenceIDs, nil)
	ep.Placeholder, ep.SearchURL = "E-012 or words", "/o/"+p.Org.Slug+"/pick/evidence"
	if pg == nil {
		pg = &web.Page{Notice: notices[r.URL.Query().Get("done")]}
	}
	levels := data["Levels"].([]Level)
	next := []string{}
	if k := index(i.Status); k >= 0 {
		next = append(next, Handling[k+1:]...)
	}
	data["I"], data["Timeline"], data["Next"], data["AssetPicker"] = i, entries, next, ap
	data["EvidencePicker"], data["Evidence"] = ep, preserved
	data["CanEdit"] = p.Can(bulwark.PermISMSEdit) || (p.Can(bulwark.PermISMSEditOwn) && i.HandlerID != nil && *i.HandlerID == p.MemberID)
	data["MissingToClose"] = MissingToClose(i, levels)
	data["Open"] = i.Status != StatusClosed && i.Status != StatusNotAnIncident
	data["Local"] = func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.In(loc(p)).Format("2006-01-02T15:04")
	}
	data["Zone"] = loc(p).String()
	pg.Title, pg.Nav, pg.Data = i.Ref+" "+i.Title, "incidents", data
	h.Render(w, r, status, "incident", pg)
}

func (h *handlers) page(w http.ResponseWriter, r *http.Request) {
	h.renderPage(w, r, http.StatusOK, nil)
}

// done redirects to the record's page after a form, or shows it again with the form's error.
func (h *handlers) done(w http.ResponseWriter, r *http.Request, err error, notice, anchor string, form ...string) {
	h.FormDone(w, r, err, "incidents", notice, anchor, h.renderPage, form...)
}

func (h *handlers) editSubmit(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	in, err := formInput(r)
	if err == nil {
		_, err = h.svc.Update(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), in, web.FormVersion(r))
	}
	h.done(w, r, err, "saved", "edit", "title", "description", "lessons_learned")
}

func (h *handlers) statusSubmit(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	_, err := h.svc.SetStatus(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), r.PostFormValue("status"), r.PostFormValue("reason"), web.FormVersion(r))
	h.done(w, r, err, "status", "status", "reason")
}

func (h *handlers) entrySubmit(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	_, err := h.svc.AddEntry(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), r.PostFormValue("text"))
	h.done(w, r, err, "note", "timeline", "text")
}

func (h *handlers) breachSubmit(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	m := BreachMark{PersonalDataBreach: r.PostFormValue("personal_data_breach") == "true", Reason: r.PostFormValue("reason")}
	if m.PersonalDataBreach {
		regimes := r.PostForm["regimes"]
		m.Regimes = &regimes
		var v bulwark.Validation
		for name, dst := range map[string]**int{"individuals_affected": &m.IndividualsAffected, "most_in_one_state": &m.MostInOneState} {
			if s := strings.TrimSpace(r.PostFormValue(name)); s != "" {
				n, err := strconv.Atoi(s)
				if err != nil || n < 0 {
					v.Add(name, "must be a whole number (0 or more)")
				}
				*dst = &n
			}
		}
		ba := r.PostFormValue("business_associate") == "true"
		m.BusinessAssociate = &ba
		if err := v.Err(); err != nil {
			h.done(w, r, err, "breach", "breach", "individuals_affected", "most_in_one_state")
			return
		}
	}
	_, err := h.svc.MarkBreach(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), m)
	notice := "breach"
	if !m.PersonalDataBreach {
		notice = "cleared"
	}
	h.done(w, r, err, notice, "breach", "individuals_affected", "most_in_one_state", "reason")
}

func (h *handlers) clockSubmit(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	u := ClockUpdate{NotifiedTo: web.FormField(r, "notified_to"), Reference: web.FormField(r, "reference"), LateReason: web.FormField(r, "late_reason"),
		DecisionReason: web.FormField(r, "decision_reason"), NotRequiredReason: web.FormField(r, "not_required_reason")}
	var err error
	if u.NotifiedAt, err = formTime(r, "notified_at"); err == nil {
		if s, ok := r.PostForm["high_risk"]; ok && len(s) > 0 && s[0] != "" {
			b := s[0] == "true"
			bp := &b
			u.HighRisk = &bp
		}
		_, err = h.svc.UpdateClock(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), r.PathValue("clock"), u)
	}
	h.done(w, r, err, "clock", "clock-"+r.PathValue("clock"), "notified_at", "notified_to", "reference", "late_reason", "decision_reason", "not_required_reason")
}

func (h *handlers) riskSubmit(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	_, err := h.svc.RaiseRisk(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
	h.done(w, r, err, "risk", "links")
}

func (h *handlers) levelsSubmit(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	keys, labels := r.PostForm["key"], r.PostForm["label"]
	lessons := map[string]bool{}
	for _, k := range r.PostForm["requires_lessons"] {
		lessons[k] = true
	}
	var ls []Level
	for k := range keys {
		if strings.TrimSpace(keys[k]) == "" && (k >= len(labels) || strings.TrimSpace(labels[k]) == "") {
			continue
		}
		l := Level{Key: keys[k], RequiresLessons: lessons[strconv.Itoa(k)]}
		if k < len(labels) {
			l.Label = labels[k]
		}
		ls = append(ls, l)
	}
	if _, err := h.svc.SetLevels(r.Context(), p, ls); err != nil {
		pg := &web.Page{Form: map[string]string{"open": "levels"}}
		if status, ok := h.FormFailure(w, r, pg, err); ok {
			h.renderList(w, r, status, pg)
		}
		return
	}
	http.Redirect(w, r, "/o/"+p.Org.Slug+"/incidents?done=levels#levels", http.StatusSeeOther)
}

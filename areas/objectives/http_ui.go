package objectives

import (
	"context"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/web"
)

// Links names the risks and controls an objective is linked to, risks first.
func (s *Service) Links(ctx context.Context, p *bulwark.Principal, o *Objective) ([]LinkView, error) {
	if err := requireRead(p); err != nil {
		return nil, err
	}
	var out []LinkView
	err := s.read(ctx, func(tx store) error {
		var err error
		out, err = tx.links(ctx, p.Org.ID, o.RiskIDs, o.ControlIDs)
		return err
	})
	return out, err
}

func requireRead(p *bulwark.Principal) error {
	if !p.Can(bulwark.PermISMSRead) {
		return bulwark.Errorf(bulwark.EFORBIDDEN, "Your role does not allow this.")
	}
	return nil
}

// statusLabels are the statuses as pages show them.
var statusLabels = map[string]string{StatusOnTrack: "On track", StatusOffTrack: "Off track", StatusNoData: "No data yet", StatusAchieved: "Achieved"}

// sourceLabels are the sources as pages show them.
var sourceLabels = func() map[string]string {
	out := map[string]string{SourceManual: "Recorded by hand or imported"}
	for _, c := range ComputedSources {
		out[c.Name] = "Computed: " + strings.ToLower(c.Label[:1]) + c.Label[1:]
	}
	return out
}()

func (h *handlers) listPage(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	f, err := filterOf(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	items, err := h.svc.Objectives(r.Context(), p, f)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	_, names, err := h.Directory(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	h.Render(w, r, http.StatusOK, "objectives-list", &web.Page{Title: "Objectives", Nav: "objectives", Data: map[string]any{
		"Items": items, "Names": names, "Status": f.Status, "Statuses": Statuses, "Labels": statusLabels, "Filtered": f.Status != "" || f.IncludeArchived}})
}

// pickers builds the risk and control pickers over the links chosen.
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
		"Risks":    picker("risk_ids", "Risks it addresses", "R-001 or words", "risk", "risks"),
		"Controls": picker("control_ids", "Controls it concerns", "A.5.15, access, or words", "control", "controls"),
	}
}

func (h *handlers) newPage(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	h.renderNew(w, r, http.StatusOK, &Objective{}, &web.Page{Form: map[string]string{"owner_id": p.MemberID}})
}

func (h *handlers) renderNew(w http.ResponseWriter, r *http.Request, status int, o *Objective, pg *web.Page) {
	p := web.PrincipalFrom(r)
	members, _, err := h.Directory(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	links, err := h.svc.Links(r.Context(), p, o)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	pg.Title, pg.Nav = "Set an objective", "objectives"
	if pg.Form == nil {
		pg.Form = map[string]string{}
	}
	pg.Data = map[string]any{"Members": members, "Pickers": h.pickers(p, links)}
	h.Render(w, r, status, "objectives-new", pg)
}

// objectiveFormFields are what the objective forms carry.
var objectiveFormFields = []string{"title", "description", "owner_id", "target", "deadline", "risk_ids", "control_ids"}

func (h *handlers) createSubmit(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	vals, err := ObjectiveEntity.DecodeForm(r.Form, objectiveFormFields...)
	if err == nil {
		var o *Objective
		if o, err = h.svc.CreateObjective(r.Context(), p, objectiveInputOf(vals)); err == nil {
			http.Redirect(w, r, "/o/"+p.Org.Slug+"/objectives/"+o.ID+"?notice=added", http.StatusSeeOther)
			return
		}
	}
	pg := &web.Page{Form: map[string]string{}}
	for _, n := range objectiveFormFields {
		pg.Form[n] = r.FormValue(n)
	}
	if status, ok := h.FormFailure(w, r, pg, err); ok {
		h.renderNew(w, r, status, &Objective{RiskIDs: r.Form["risk_ids"], ControlIDs: r.Form["control_ids"]}, pg)
	}
}

// metricView is a metric as the objective's page shows it: with its measurements, chart and what the viewer may do.
type metricView struct {
	M                        *Metric
	Measurements             []*Measurement
	Rows                     []measurementRow
	Chart                    template.HTML
	CanMeasure, Computed     bool
	Source                   string
	TargetText, TargetNumber string
}

// measurementRow is a measurement as the table shows it.
type measurementRow struct {
	X     *Measurement
	Value string
	Meets bool
}

func (h *handlers) page(w http.ResponseWriter, r *http.Request) {
	h.renderPage(w, r, http.StatusOK, nil, &web.Page{})
}

func (h *handlers) renderPage(w http.ResponseWriter, r *http.Request, status int, edited *Objective, pg *web.Page) {
	p := web.PrincipalFrom(r)
	o, err := h.svc.Objective(r.Context(), p, r.PathValue("id"))
	if bulwark.ErrorCode(err) == bulwark.ENOTFOUND && strings.Contains(r.URL.Path, "/metrics/") {
		err = bulwark.Errorf(bulwark.ENOTFOUND, "Metric not found.")
	}
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	shown := o
	if edited != nil {
		shown = edited
	}
	var views []metricView
	for _, m := range o.Metrics {
		m, xs, err := h.svc.MetricMeasurements(r.Context(), p, m.ID)
		if err != nil {
			h.RenderError(w, r, err)
			return
		}
		v := metricView{M: m, Measurements: xs, Chart: chart(m, xs), CanMeasure: canMeasure(p, o, m) && o.ArchivedAt == nil,
			Computed: m.Source != SourceManual, Source: sourceLabels[m.Source], TargetText: formatValue(m.Target, m.Unit), TargetNumber: FormatNumber(m.Target)}
		for _, x := range xs {
			v.Rows = append(v.Rows, measurementRow{X: x, Value: formatValue(x.Value, m.Unit), Meets: Meets(m.Direction, x.Value, m.Target)})
		}
		views = append(views, v)
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
		pg.Notice = o.Ref + " is set. Add the metrics that will show whether it is achieved."
	case "saved":
		pg.Notice = "Saved."
	case "metric":
		pg.Notice = "The metric is added."
	case "recorded":
		pg.Notice = "The measurement is recorded."
	case "computed":
		pg.Notice = "Computed from today's data and recorded."
	case "deleted":
		pg.Notice = "The measurement is deleted."
	}
	if pg.Form == nil {
		pg.Form = map[string]string{}
	}
	pg.Title, pg.Nav = o.Ref+" "+o.Title, "objectives"
	pg.Data = map[string]any{"O": o, "Shown": shown, "Metrics": views, "Links": links, "Names": names, "Members": members, "Pickers": h.pickers(p, links),
		"CanEdit": (p.Can(bulwark.PermISMSEdit) || (p.Can(bulwark.PermISMSEditOwn) && o.OwnerID != nil && *o.OwnerID == p.MemberID)),
		"Labels":  statusLabels, "Sources": ComputedSources, "Directions": Directions, "Frequencies": Frequencies, "Today": today(p)}
	h.Render(w, r, status, "objectives-item", pg)
}

func (h *handlers) editSubmit(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	cur, err := h.svc.Objective(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	vals, err := ObjectiveEntity.DecodeForm(r.Form, objectiveFormFields...)
	if err == nil {
		if _, err = h.svc.UpdateObjective(r.Context(), p, cur.ID, objectiveInputOf(vals), formVersion(r), nil); err == nil {
			http.Redirect(w, r, "/o/"+p.Org.Slug+"/objectives/"+cur.ID+"?notice=saved", http.StatusSeeOther)
			return
		}
	}
	edited := *cur
	edited.RiskIDs, edited.ControlIDs = r.Form["risk_ids"], r.Form["control_ids"]
	pg := &web.Page{Form: map[string]string{"open": "edit"}}
	for _, n := range objectiveFormFields {
		pg.Form[n] = r.FormValue(n)
	}
	if status, ok := h.FormFailure(w, r, pg, err); ok {
		h.renderPage(w, r, status, &edited, pg)
	}
}

// formVersion reads the version a form was rendered at, if it carries one.
func formVersion(r *http.Request) *int {
	v, err := strconv.Atoi(r.FormValue("version"))
	if err != nil {
		return nil
	}
	return &v
}

func (h *handlers) archiveSubmit(archive bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := web.PrincipalFrom(r)
		o, err := h.svc.UpdateObjective(r.Context(), p, r.PathValue("id"), ObjectiveInput{}, nil, &archive)
		if err != nil {
			h.RenderError(w, r, err)
			return
		}
		http.Redirect(w, r, "/o/"+p.Org.Slug+"/objectives/"+o.ID+"?notice=saved", http.StatusSeeOther)
	}
}

// metricFormFields are what the metric forms carry besides the target.
var metricFormFields = []string{"name", "unit", "direction", "frequency", "source", "owner_id"}

// metricFormInput reads a metric form; the target is required when adding.
func metricFormInput(r *http.Request, adding bool) (MetricInput, error) {
	vals, err := MetricEntity.DecodeForm(r.Form, metricFormFields...)
	if err != nil {
		return MetricInput{}, err
	}
	in := MetricInput{Name: vals.Str("name"), Unit: vals.Str("unit"), Direction: vals.Str("direction"), Frequency: vals.Str("frequency"), Source: vals.Str("source"), OwnerID: vals.NullStr("owner_id")}
	if !r.Form.Has("unit") || (adding && strings.TrimSpace(r.FormValue("unit")) == "") {
		in.Unit = nil // a computed source gives its unit
	}
	if adding && strings.TrimSpace(r.FormValue("owner_id")) == "" {
		in.OwnerID = nil // the objective's owner
	}
	switch t := strings.TrimSpace(r.FormValue("target")); {
	case t == "" && adding:
		return in, bulwark.Invalid("target", "is required: the value that means the objective is met")
	case t != "":
		f, ok := parseNumber(t)
		if !ok {
			return in, bulwark.Invalid("target", "must be a number such as 95 or 2.5")
		}
		in.Target = &f
	}
	return in, nil
}

// failOn re-renders the objective's page with the form named open showing err.
func (h *handlers) failOn(w http.ResponseWriter, r *http.Request, open string, fields []string, err error) {
	pg := &web.Page{Form: map[string]string{"open": open}}
	for _, n := range fields {
		pg.Form[n] = r.FormValue(n)
	}
	if status, ok := h.FormFailure(w, r, pg, err); ok {
		h.renderPage(w, r, status, nil, pg)
	}
}

func (h *handlers) metricSubmit(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	in, err := metricFormInput(r, true)
	if err == nil {
		if _, err = h.svc.AddMetric(r.Context(), p, r.PathValue("id"), in); err == nil {
			http.Redirect(w, r, "/o/"+p.Org.Slug+"/objectives/"+r.PathValue("id")+"?notice=metric", http.StatusSeeOther)
			return
		}
	}
	h.failOn(w, r, "metric", append([]string{"target"}, metricFormFields...), err)
}

// objectiveOf is the objective page of metric id, for redirects and forms that fail.
func (h *handlers) objectiveOf(r *http.Request) (*Metric, error) {
	return h.svc.Metric(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
}

// onObjective serves a metric's form with the objective page's path value set, so a failure renders that page.
func (h *handlers) onObjective(w http.ResponseWriter, r *http.Request, fn func(m *Metric) (notice string, open string, fields []string, err error)) {
	p := web.PrincipalFrom(r)
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	m, err := h.objectiveOf(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	notice, open, fields, err := fn(m)
	if err == nil {
		http.Redirect(w, r, "/o/"+p.Org.Slug+"/objectives/"+m.ObjectiveID+"?notice="+notice+"#"+m.Ref, http.StatusSeeOther)
		return
	}
	r.SetPathValue("id", m.ObjectiveID)
	h.failOn(w, r, open, fields, err)
}

func (h *handlers) metricEditSubmit(w http.ResponseWriter, r *http.Request) {
	h.onObjective(w, r, func(m *Metric) (string, string, []string, error) {
		in, err := metricFormInput(r, false)
		if err == nil {
			_, err = h.svc.UpdateMetric(r.Context(), web.PrincipalFrom(r), m.ID, in, formVersion(r), nil)
		}
		return "saved", "metric-" + m.ID, nil, err
	})
}

func (h *handlers) metricArchiveSubmit(w http.ResponseWriter, r *http.Request) {
	h.onObjective(w, r, func(m *Metric) (string, string, []string, error) {
		yes := true
		_, err := h.svc.UpdateMetric(r.Context(), web.PrincipalFrom(r), m.ID, MetricInput{}, nil, &yes)
		return "saved", "", nil, err
	})
}

func (h *handlers) measurementSubmit(w http.ResponseWriter, r *http.Request) {
	h.onObjective(w, r, func(m *Metric) (string, string, []string, error) {
		vals, err := MeasurementEntity.DecodeForm(r.Form, "date", "note")
		if err != nil {
			return "", "measure-" + m.ID, []string{"date", "value", "note"}, err
		}
		in := MeasurementInput{Date: vals.Str("date"), Note: vals.Str("note")}
		v, ok := parseNumber(r.FormValue("value"))
		if !ok {
			return "", "measure-" + m.ID, []string{"date", "value", "note"}, bulwark.Invalid("value", "must be a number such as 95 or 2.5")
		}
		in.Value = &v
		_, err = h.svc.RecordMeasurement(r.Context(), web.PrincipalFrom(r), m.ID, in)
		return "recorded", "measure-" + m.ID, []string{"date", "value", "note"}, err
	})
}

func (h *handlers) computeSubmit(w http.ResponseWriter, r *http.Request) {
	h.onObjective(w, r, func(m *Metric) (string, string, []string, error) {
		_, err := h.svc.Compute(r.Context(), web.PrincipalFrom(r), m.ID)
		return "computed", "", nil, err
	})
}

func (h *handlers) measurementDelete(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	x, err := h.svc.measurement(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	m, err := h.svc.Metric(r.Context(), p, x.MetricID)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	if err := h.svc.DeleteMeasurement(r.Context(), p, x.ID); err != nil {
		h.RenderError(w, r, err)
		return
	}
	http.Redirect(w, r, "/o/"+p.Org.Slug+"/objectives/"+m.ObjectiveID+"?notice=deleted#"+m.Ref, http.StatusSeeOther)
}

// measurement returns one measurement of the principal's organisation.
func (s *Service) measurement(ctx context.Context, p *bulwark.Principal, id string) (*Measurement, error) {
	if err := requireRead(p); err != nil {
		return nil, err
	}
	var out *Measurement
	err := s.read(ctx, func(tx store) error {
		var err error
		out, err = tx.Measurement(ctx, p.Org.ID, id)
		return err
	})
	return out, err
}

func (h *handlers) dashboardPart(r *http.Request) (template.HTML, error) {
	p := web.PrincipalFrom(r)
	if !p.Can(bulwark.PermISMSRead) {
		return "", nil
	}
	ov, err := h.svc.Overview(r.Context(), p)
	if err != nil {
		return "", err
	}
	return h.Partial("objectives-dashboard", &web.Page{P: p, Data: map[string]any{"O": ov, "Labels": statusLabels, "Statuses": Statuses}})
}

func (h *handlers) tasks(r *http.Request) (web.Tasks, error) {
	p := web.PrincipalFrom(r)
	due, err := h.svc.MyTasks(r.Context(), p)
	if err != nil {
		return web.Tasks{}, err
	}
	html, err := h.Partial("objectives-tasks", &web.Page{P: p, Data: due})
	if err != nil {
		return web.Tasks{}, err
	}
	return web.Tasks{Count: len(due), HTML: html, JSON: map[string]any{"measurements_due": due}}, nil
}

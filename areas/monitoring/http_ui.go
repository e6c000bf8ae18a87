package monitoring

import (
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"strconv"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/collect"
	"github.com/bulwark-isms/bulwark/web"
)

func (h *handlers) monitoringPage(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	cols, err := h.svc.Collectors(r.Context(), p, "", false)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	checks, err := h.svc.Checks(r.Context(), p, CheckFilter{})
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	byStatus := map[string]int{}
	enabled := 0
	for _, c := range checks {
		if c.Enabled {
			enabled++
			byStatus[c.Status]++
		}
	}
	h.Render(w, r, http.StatusOK, "monitoring", &web.Page{Title: "Monitoring", Nav: "monitoring", Data: map[string]any{
		"Collectors": cols, "Checks": checks, "Enabled": enabled, "ByStatus": byStatus, "Kinds": KindChoices(), "Builtins": len(collect.Builtins())}})
}

// checkForm is what the check form shows: the check, the choices, a test's results.
func (h *handlers) renderCheckForm(w http.ResponseWriter, r *http.Request, status int, name string, c *Check, pg *web.Page, test *TestResult) {
	p := web.PrincipalFrom(r)
	cols, err := h.svc.Collectors(r.Context(), p, "", false)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	controlItems, err := h.controlItems(r, c.ControlIDs)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	picker := web.NewPicker("control_ids", "Controls it gives evidence for", controlItems, c.ControlIDs, nil)
	picker.Placeholder, picker.SearchURL = "A.8.5, access, or words", "/o/"+p.Org.Slug+"/pick/controls"
	data := map[string]any{"C": c, "Kinds": KindChoices(), "Schedules": Schedules, "Collectors": cols, "Picker": picker, "Test": test}
	if name == "check" {
		_, runs, err := h.svc.Runs(r.Context(), p, c.ID, 30)
		if err != nil {
			h.RenderError(w, r, err)
			return
		}
		data["Runs"] = runs
		if len(runs) > 0 {
			last, err := h.svc.RunResults(r.Context(), p, c.ID, runs[0].ID)
			if err != nil {
				h.RenderError(w, r, err)
				return
			}
			data["Last"] = last
			views := make([]resultView, len(last.Results))
			for i, r := range last.Results {
				views[i] = resultView{Result: r, JSON: prettyJSON(r.Facts)}
			}
			data["LastResults"] = views
		}
	}
	pg.Nav, pg.Data = "monitoring", data
	if pg.Title == "" {
		pg.Title = c.Ref + " " + c.Name
		if c.ID == "" {
			pg.Title = "New check"
		}
	}
	h.Render(w, r, status, name, pg)
}

// controlItems are the chosen controls as picker items.
func (h *handlers) controlItems(r *http.Request, ids []string) ([]web.PickItem, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	rep, err := h.svc.Health(r.Context(), web.PrincipalFrom(r))
	if err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	var out []web.PickItem
	for _, c := range rep.Controls {
		if want[c.ControlID] {
			out = append(out, web.PickItem{ID: c.ControlID, Label: c.Ref + " " + c.Title})
		}
	}
	return out, nil
}

func (h *handlers) checkNewPage(w http.ResponseWriter, r *http.Request) {
	c := &Check{Kind: r.URL.Query().Get("kind"), Schedule: "daily", Enabled: true, ControlIDs: []string{}}
	if from := r.URL.Query().Get("from"); from != "" { // start from another check's rule
		if src, err := h.svc.Check(r.Context(), web.PrincipalFrom(r), from); err == nil {
			c.Name, c.Description, c.Kind, c.ResourceType, c.Rule, c.ControlIDs = src.Name+" (own)", src.Description, src.Kind, src.ResourceType, src.Rule, src.ControlIDs
		}
	}
	h.renderCheckForm(w, r, http.StatusOK, "check-new", c, &web.Page{}, nil)
}

// checkFromForm reads the check form onto c.
func checkFromForm(form url.Values, c *Check) CheckInput {
	get := func(n string) *string {
		if _, ok := form[n]; !ok {
			return nil
		}
		v := form.Get(n)
		return &v
	}
	enabled := form.Get("enabled") == "on"
	ids := form["control_ids"]
	var collector *string
	if v := form.Get("collector_id"); v != "" {
		collector = &v
	}
	in := CheckInput{Name: get("name"), Description: get("description"), Schedule: get("schedule"), Enabled: &enabled, ControlIDs: &ids, CollectorID: &collector}
	if !c.Builtin {
		in.Kind, in.ResourceType, in.Rule = get("kind"), get("resource_type"), get("rule")
	}
	return in
}

func (h *handlers) checkCreateSubmit(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	c := &Check{ControlIDs: []string{}}
	in := checkFromForm(r.Form, c)
	saved, err := h.svc.CreateCheck(r.Context(), p, in)
	if err == nil {
		http.Redirect(w, r, "/o/"+p.Org.Slug+"/checks/"+saved.ID+"?notice=created", http.StatusSeeOther)
		return
	}
	in.apply(c)
	pg := &web.Page{}
	if status, ok := h.FormFailure(w, r, pg, err); ok {
		h.renderCheckForm(w, r, status, "check-new", c, pg, nil)
	}
}

// checkTestSubmit tries the form's rule on the last collected facts and shows
// the form again with the results: nothing is saved.
func (h *handlers) checkTestSubmit(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	c := &Check{ControlIDs: []string{}}
	name := "check-new"
	if id := r.FormValue("check_id"); id != "" {
		cur, err := h.svc.Check(r.Context(), p, id)
		if err != nil {
			h.RenderError(w, r, err)
			return
		}
		c, name = cur, "check"
	}
	checkFromForm(r.Form, c).apply(c)
	res, err := h.svc.TestRule(r.Context(), p, c.Kind, c.ResourceType, c.Rule, bulwark.Value(c.CollectorID))
	pg := &web.Page{Form: map[string]string{"open": "edit"}}
	status := http.StatusOK
	if err != nil {
		var ok bool
		if status, ok = h.FormFailure(w, r, pg, err); !ok {
			return
		}
	} else {
		pg.Notice = "Tried on the last collected facts: nothing was saved."
	}
	h.renderCheckForm(w, r, status, name, c, pg, res)
}

func (h *handlers) checkPage(w http.ResponseWriter, r *http.Request) {
	c, err := h.svc.Check(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	pg := &web.Page{}
	switch r.URL.Query().Get("notice") {
	case "created":
		pg.Notice = c.Ref + " is saved; it runs " + c.Schedule + " (or run it now)."
	case "saved":
		pg.Notice = "Saved."
	case "ran":
		pg.Notice = "Ran just now: " + c.Status + "."
	case "accepted":
		pg.Notice = "The failure is accepted with your reason: its controls no longer need attention until the check passes again."
	}
	h.renderCheckForm(w, r, http.StatusOK, "check", c, pg, nil)
}

func (h *handlers) checkEditSubmit(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	c, err := h.svc.Check(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	var expect *int
	if v, perr := strconv.Atoi(r.FormValue("version")); perr == nil {
		expect = &v
	}
	var archive *bool
	switch r.FormValue("action") {
	case "archive":
		yes := true
		archive = &yes
	case "restore":
		no := false
		archive = &no
	}
	in := checkFromForm(r.Form, c)
	if archive != nil {
		in = CheckInput{}
	}
	if _, err = h.svc.UpdateCheck(r.Context(), p, c.ID, in, expect, archive); err == nil {
		http.Redirect(w, r, "/o/"+p.Org.Slug+"/checks/"+c.ID+"?notice=saved", http.StatusSeeOther)
		return
	}
	in.apply(c)
	pg := &web.Page{Form: map[string]string{"open": "edit"}}
	if status, ok := h.FormFailure(w, r, pg, err); ok {
		h.renderCheckForm(w, r, status, "check", c, pg, nil)
	}
}

func (h *handlers) checkRunSubmit(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if _, err := h.svc.RunCheck(r.Context(), p, r.PathValue("id")); err != nil {
		h.RenderError(w, r, err)
		return
	}
	http.Redirect(w, r, "/o/"+p.Org.Slug+"/checks/"+r.PathValue("id")+"?notice=ran", http.StatusSeeOther)
}

func (h *handlers) checkAcceptSubmit(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	c, err := h.svc.Accept(r.Context(), p, r.PathValue("id"), r.FormValue("reason"))
	if err != nil {
		cur, gerr := h.svc.Check(r.Context(), p, r.PathValue("id"))
		if gerr != nil {
			h.RenderError(w, r, gerr)
			return
		}
		pg := &web.Page{}
		if status, ok := h.FormFailure(w, r, pg, err); ok {
			h.renderCheckForm(w, r, status, "check", cur, pg, nil)
		}
		return
	}
	http.Redirect(w, r, "/o/"+p.Org.Slug+"/checks/"+c.ID+"?notice=accepted", http.StatusSeeOther)
}

func (h *handlers) collectorNewPage(w http.ResponseWriter, r *http.Request) {
	h.Render(w, r, http.StatusOK, "collector-new", &web.Page{Title: "New collector", Nav: "monitoring",
		Form: map[string]string{"kind": r.URL.Query().Get("kind")}, Data: map[string]any{"Kinds": KindChoices()}})
}

func (h *handlers) collectorCreateSubmit(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	kind, name, dsn := r.FormValue("kind"), r.FormValue("name"), r.FormValue("connection_string")
	cfg := map[string]string{}
	switch kind {
	case collect.KindTLS:
		cfg["target"] = r.FormValue("target")
	case collect.KindGit, collect.KindTerraform:
		if v := r.FormValue("path"); v != "" {
			cfg["path"] = v
		}
	}
	in := CollectorInput{Kind: &kind, Name: &name, Config: &cfg}
	if dsn != "" {
		in.ConnectionString = &dsn
	}
	c, err := h.svc.CreateCollector(r.Context(), p, in)
	if err == nil {
		http.Redirect(w, r, "/o/"+p.Org.Slug+"/collectors/"+c.ID+"?notice=created", http.StatusSeeOther)
		return
	}
	pg := &web.Page{Title: "New collector", Nav: "monitoring", Form: web.FormValues(r, "kind", "name", "target", "path"), Data: map[string]any{"Kinds": KindChoices()}}
	if status, ok := h.FormFailure(w, r, pg, err); ok {
		h.Render(w, r, status, "collector-new", pg)
	}
}

func (h *handlers) renderCollector(w http.ResponseWriter, r *http.Request, status int, pg *web.Page, token *bulwark.APIToken) {
	p := web.PrincipalFrom(r)
	c, rs, err := h.svc.Facts(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	checks, err := h.svc.Checks(r.Context(), p, CheckFilter{Kind: c.Kind, CollectorID: c.ID})
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	facts := make([]factsView, len(rs))
	for i, res := range rs {
		facts[i] = factsView{Type: res.Type, ID: res.ID, JSON: prettyJSON(res.Facts)}
	}
	pg.Title, pg.Nav = c.Ref+" "+c.Name, "monitoring"
	pg.Data = map[string]any{"C": c, "Facts": facts, "Checks": checks, "Token": token, "BaseURL": h.AbsoluteURL(r, "")}
	h.Render(w, r, status, "collector", pg)
}

// resultView is a result with the facts it read, as the check page shows them.
type resultView struct {
	Result
	JSON string
}

// factsView is a resource as the collector page shows it.
type factsView struct {
	Type, ID string
	JSON     string
}

func (h *handlers) collectorPage(w http.ResponseWriter, r *http.Request) {
	pg := &web.Page{}
	switch r.URL.Query().Get("notice") {
	case "created":
		pg.Notice = "Saved. Collect now to see what it finds; the built-in checks of this kind are turned on."
	case "collected":
		pg.Notice = "Collected, and its checks ran."
	case "plan":
		pg.Notice = "The plan is stored; collect now to check it."
	}
	h.renderCollector(w, r, http.StatusOK, pg, nil)
}

func (h *handlers) collectorCollectSubmit(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if _, _, err := h.svc.Collect(r.Context(), p, r.PathValue("id")); err != nil {
		pg := &web.Page{}
		if status, ok := h.FormFailure(w, r, pg, err); ok {
			h.renderCollector(w, r, status, pg, nil)
		}
		return
	}
	http.Redirect(w, r, "/o/"+p.Org.Slug+"/collectors/"+r.PathValue("id")+"?notice=collected", http.StatusSeeOther)
}

func (h *handlers) collectorTokenSubmit(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	t, err := h.svc.AgentToken(r.Context(), p, "", r.PathValue("id"), "")
	pg := &web.Page{}
	if err != nil {
		if status, ok := h.FormFailure(w, r, pg, err); ok {
			h.renderCollector(w, r, status, pg, nil)
		}
		return
	}
	pg.Notice = "The agent token is shown once, below: copy it now."
	h.renderCollector(w, r, http.StatusOK, pg, t)
}

func (h *handlers) collectorPlanSubmit(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	f, err := h.planUpload(w, r)
	if err == nil {
		_, err = h.svc.SetPlan(r.Context(), p, r.PathValue("id"), f)
	}
	if err != nil {
		pg := &web.Page{}
		if status, ok := h.FormFailure(w, r, pg, err); ok {
			h.renderCollector(w, r, status, pg, nil)
		}
		return
	}
	http.Redirect(w, r, "/o/"+p.Org.Slug+"/collectors/"+r.PathValue("id")+"?notice=plan", http.StatusSeeOther)
}

func (h *handlers) dashboardPart(r *http.Request) (template.HTML, error) {
	p := web.PrincipalFrom(r)
	if !p.Can(bulwark.PermISMSRead) {
		return "", nil
	}
	yes := true
	checks, err := h.svc.Checks(r.Context(), p, CheckFilter{Enabled: &yes})
	if err != nil {
		return "", err
	}
	var failing []*Check
	for _, c := range checks {
		if c.NeedsAttention() {
			failing = append(failing, c)
		}
	}
	if len(checks) == 0 {
		return "", nil
	}
	return h.Partial("monitoring-dashboard", &web.Page{P: p, Data: map[string]any{"Enabled": len(checks), "Failing": failing}})
}

// prettyJSON writes facts for reading.
func prettyJSON(v any) string {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return ""
	}
	return string(b)
}

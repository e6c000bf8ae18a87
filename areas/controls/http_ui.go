package controls

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/areas/frameworks"
	"github.com/bulwark-isms/bulwark/web"
)

// statusChart draws the share of controls in each status as a horizontal bar.
func statusChart(counts map[string]int) template.HTML {
	colors := map[string]string{"implemented": "#2e7d32", "partial": "#f9a825", "planned": "#1565c0", "not_started": "#9e9e9e", "not_applicable": "#6d4c41"}
	total := 0
	for _, st := range ControlStatuses {
		total += counts[st]
	}
	var b strings.Builder
	b.WriteString(`<svg role="img" aria-label="Controls by status" viewBox="0 0 1000 40" width="100%" height="40" xmlns="http://www.w3.org/2000/svg">`)
	x := 0.0
	for _, st := range ControlStatuses {
		if total == 0 || counts[st] == 0 {
			continue
		}
		wdt := float64(counts[st]) / float64(total) * 1000
		fmt.Fprintf(&b, `<rect x="%.1f" y="0" width="%.1f" height="40" fill="%s"><title>%s: %d</title></rect>`, x, wdt, colors[st], template.HTMLEscapeString(st), counts[st])
		x += wdt
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // built from constants and numbers only
}

func (s *handlers) controlsPage(w http.ResponseWriter, r *http.Request) {
	notice := ""
	if n := r.URL.Query().Get("bulk"); n != "" {
		notice = n + " controls changed."
		if n == "1" {
			notice = "1 control changed."
		}
	}
	s.renderControls(w, r, http.StatusOK, notice)
}

// renderControls shows the control list with its filters; a message starting "Nothing was changed" is an
// error of the bulk form, any other a notice.
func (s *handlers) renderControls(w http.ResponseWriter, r *http.Request, status int, message string) {
	p := web.PrincipalFrom(r)
	f := controlFilter(r)
	items, err := s.svc.Controls(r.Context(), p, f)
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	all, err := s.svc.Controls(r.Context(), p, ControlFilter{})
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	counts := map[string]int{}
	for _, c := range all {
		counts[c.Status]++
	}
	type st struct {
		Name, Label string
		Count       int
	}
	var statuses []st
	for _, name := range ControlStatuses {
		statuses = append(statuses, st{name, StatusLabel(name), counts[name]})
	}
	members, names, err := s.Directory(r)
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	q := map[string]string{}
	for _, k := range []string{"q", "theme", "status", "owner_id"} {
		q[k] = r.URL.Query().Get(k)
	}
	pg := &web.Page{Title: "Controls", Nav: "controls", Data: map[string]any{
		"Items": items, "Chart": statusChart(counts), "Statuses": statuses, "StatusNames": ControlStatuses, "Members": members, "Names": names,
		"Themes": []string{"Organizational", "People", "Physical", "Technological", "custom"}, "Q": q,
		"CanBulk": p.Can(bulwark.PermISMSEditOwn), "Back": r.URL.Query().Encode(),
	}}
	if strings.HasPrefix(message, "Nothing was changed") {
		pg.Error = message
	} else {
		pg.Notice = message
	}
	s.Render(w, r, status, "controls", pg)
}

func (s *handlers) controlPage(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	c := &Control{Status: "not_started"}
	if id := r.PathValue("id"); id != "" {
		var err error
		if c, err = s.svc.Control(r.Context(), p, id); err != nil {
			s.RenderError(w, r, err)
			return
		}
	}
	pg := &web.Page{}
	switch q := r.URL.Query(); {
	case q.Get("saved") != "":
		pg.Notice = "Saved."
	case q.Get("risks") != "":
		added, removed, _ := strings.Cut(q.Get("risks"), "-")
		pg.Notice = "Risks linked: " + added + " added, " + removed + " removed."
	}
	s.renderControl(w, r, http.StatusOK, c, pg)
}

// reasonChoice is an inclusion reason as the form offers it.
type reasonChoice struct {
	Name, Label string
	Checked     bool
}

// reasonLabels are the stated inclusion reasons as people read them.
var reasonLabels = map[string]string{ReasonLegal: "Legal or regulatory requirement", ReasonContractual: "Contractual obligation",
	ReasonBusiness: "Business need or good practice"}

func (s *handlers) renderControl(w http.ResponseWriter, r *http.Request, status int, c *Control, pg *web.Page) {
	data, err := s.controlData(r, c)
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	pg.Title, pg.Nav, pg.Data = "New custom control", "controls", data
	if c.ID != "" {
		pg.Title = c.Ref + " " + c.Title
	}
	s.Render(w, r, status, "control", pg)
}

// controlData gathers what the control page shows: the form's choices, the catalog's guidance, the requirement
// links (a picker over the ones people state) and the risks the control treats (a picker whose form the risk
// register serves).
func (s *handlers) controlData(r *http.Request, c *Control) (map[string]any, error) {
	ctx, p := r.Context(), web.PrincipalFrom(r)
	members, _, err := s.Directory(r)
	if err != nil {
		return nil, err
	}
	canEdit := p.Can(bulwark.PermISMSEdit) || (c.ID == "" && p.Can(bulwark.PermISMSCreate)) ||
		(p.Can(bulwark.PermISMSEditOwn) && c.OwnerID != nil && *c.OwnerID == p.MemberID)
	data := map[string]any{"Control": c, "Members": members, "StatusNames": ControlStatuses, "CanEdit": canEdit,
		"Maturities": MaturityLabels, "RiskTreatment": slices.Contains(c.InclusionReasons, ReasonRiskTreatment),
		"CanLinkRisks": c.ID != "" && p.Can(bulwark.PermISMSEditOwn)}
	data["Maturity"] = -1
	if c.Maturity != nil {
		data["Maturity"] = *c.Maturity
	}
	var reasons []reasonChoice
	for _, name := range StatedReasons {
		reasons = append(reasons, reasonChoice{Name: name, Label: reasonLabels[name], Checked: slices.Contains(c.StatedReasons(), name)})
	}
	data["Reasons"] = reasons
	if c.ID != "" {
		ev, err := s.svc.EvidenceOf(ctx, p, c)
		if err != nil {
			return nil, err
		}
		data["Evidence"] = ev
	}
	if c.RequirementID != nil {
		req, err := s.fw.Requirement(ctx, p, *c.RequirementID)
		if err != nil {
			return nil, err
		}
		data["Requirement"] = req
	}
	names, err := s.fw.FrameworkNames(ctx, p)
	if err != nil {
		return nil, err
	}
	var stated, mapped []ControlRequirement
	var chosen []web.PickItem
	for _, l := range c.Requirements {
		if l.Origin == OriginManual {
			stated = append(stated, l)
			chosen = append(chosen, frameworks.PickItem(names, &frameworks.Requirement{ID: l.RequirementID, Framework: l.Framework, Ref: l.Ref, DisplayTitle: l.Title}))
		} else {
			mapped = append(mapped, l)
		}
	}
	ids := make([]string, len(chosen))
	for i, it := range chosen {
		ids[i] = it.ID
	}
	rp := web.NewPicker("requirement_ids", "Requirements you state it meets", chosen, ids, nil)
	rp.Placeholder, rp.SearchURL = "PR.AT-01, CC6.1, Art. 32, or words", "/o/"+p.Org.Slug+"/pick/requirements"
	data["RequirementPicker"], data["Mapped"], data["Stated"], data["FrameworkNames"] = rp, mapped, stated, names
	if c.ID != "" {
		linked, err := s.svc.LinkedRisks(ctx, p, c.ID)
		if err != nil {
			return nil, err
		}
		var items []web.PickItem
		var riskIDs []string
		for _, l := range linked {
			items = append(items, web.PickItem{ID: l.ID, Label: l.Ref + " " + l.Title})
			riskIDs = append(riskIDs, l.ID)
		}
		kp := web.NewPicker("risk_ids", "Risks it treats", items, riskIDs, nil)
		kp.Placeholder, kp.SearchURL = "R-004, phishing, or words", "/o/"+p.Org.Slug+"/pick/risks"
		data["Risks"], data["RiskPicker"] = linked, kp
	}
	return data, nil
}

func (s *handlers) controlSubmit(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if err := web.ParseForm(w, r); err != nil {
		s.RenderError(w, r, err)
		return
	}
	// A catalog control's form has no title and description: they stay the catalog's.
	names := []string{"owner_id", "review_date", "status", "implementation_description", "maturity", "inclusion_reasons", "exclusion_justification"}
	if r.Form.Has("title") {
		names = append(names, "title", "description")
	}
	if r.Form.Has("has_requirement_ids") { // the picker was on the form: what is ticked is the whole list
		names = append(names, "requirement_ids")
	}
	vals, err := ControlEntity.DecodeForm(r.Form, names...)
	in := controlInputOf(vals)
	var c *Control
	if id := r.PathValue("id"); id != "" {
		var expect *int
		if v, err := strconv.Atoi(r.FormValue("version")); err == nil {
			expect = &v
		}
		if err == nil {
			c, err = s.svc.UpdateControl(r.Context(), p, id, in, expect, nil)
		}
		if err != nil {
			cur, cerr := s.svc.Control(r.Context(), p, id)
			if cerr != nil || bulwark.ErrorCode(err) == bulwark.EINTERNAL {
				s.RenderError(w, r, err)
				return
			}
			in.apply(cur) // show what was typed, with the reason it was refused
			s.formError(w, r, cur, err)
			return
		}
	} else {
		if err == nil {
			c, err = s.svc.CreateControl(r.Context(), p, in)
		}
		if err != nil {
			draft := &Control{Status: "not_started"}
			in.apply(draft)
			s.formError(w, r, draft, err)
			return
		}
	}
	http.Redirect(w, r, "/o/"+p.Org.Slug+"/controls/"+c.ID+"?saved=1", http.StatusSeeOther)
}

// formError shows the control page again with what was typed and why it was refused.
func (s *handlers) formError(w http.ResponseWriter, r *http.Request, c *Control, err error) {
	data, derr := s.controlData(r, c)
	if derr != nil {
		s.RenderError(w, r, derr)
		return
	}
	title := "New custom control"
	if c.ID != "" {
		title = c.Ref + " " + c.Title
	}
	s.FormError(w, r, "control", &web.Page{Title: title, Nav: "controls", Data: data}, err)
}

// progress is the programme's progress over the control set, for the dashboard.
type progress struct {
	Chart                            template.HTML
	Statuses                         []statusCount
	Applicable, Implemented, Percent int
	WithOwner, OwnerPercent          int
	ReviewsDue                       int
	Today                            string
}

// statusCount is how many controls are in one status.
type statusCount struct {
	Name, Label string
	Count       int
}

// dashboardPart renders the programme's progress on the dashboard for those who read the ISMS: controls by
// status, how many applicable ones have an owner, and reviews due.
func (h *handlers) dashboardPart(r *http.Request) (template.HTML, error) {
	p := web.PrincipalFrom(r)
	if !p.Can(bulwark.PermISMSRead) {
		return "", nil
	}
	today := bulwark.Today(time.Now(), p.Org.Settings.TimeZone)
	pr := &progress{Today: today}
	counts := map[string]int{}
	groups, err := h.svc.ProgressCounts(r.Context(), p, today)
	if err != nil {
		return "", err
	}
	for _, g := range groups {
		counts[g.Status] += g.N
		if g.Status == "not_applicable" {
			continue
		}
		pr.Applicable += g.N
		if g.Status == "implemented" {
			pr.Implemented += g.N
		}
		if g.Owned {
			pr.WithOwner += g.N
		}
		if g.ReviewDue { // due today counts, as in My tasks
			pr.ReviewsDue += g.N
		}
	}
	if err != nil {
		return "", err
	}
	if pr.Applicable > 0 {
		pr.Percent, pr.OwnerPercent = 100*pr.Implemented/pr.Applicable, 100*pr.WithOwner/pr.Applicable
	}
	for _, st := range ControlStatuses {
		pr.Statuses = append(pr.Statuses, statusCount{Name: st, Label: StatusLabel(st), Count: counts[st]})
	}
	pr.Chart = statusChart(counts)
	return h.Partial("controls-dashboard", &web.Page{P: p, Data: pr})
}

// PickItem is how a picker offers a control: its ref and title.
func PickItem(c *Control) web.PickItem { return web.PickItem{ID: c.ID, Label: c.Ref + " " + c.Title} }

// pickSource lets pickers find controls by ref or words.
func (h *handlers) pickSource() web.PickSource {
	return web.RecordPicker("control_ids", func(ctx context.Context, p *bulwark.Principal, q string) ([]*Control, error) {
		return h.svc.Controls(ctx, p, ControlFilter{Q: q})
	}, h.svc.Control, PickItem)
}

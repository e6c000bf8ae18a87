package risks

import (
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/areas/assets"
	"github.com/bulwark-isms/bulwark/areas/controls"
	"github.com/bulwark-isms/bulwark/web"
)

type heatRow struct {
	Label string
	Cells []heatCell
}

type heatCell struct {
	Count      int
	Level, URL string
}

type heatView struct {
	Title string
	Map   *Heatmap
	SVG   template.HTML
	Rows  []heatRow
}

func heatViewOf(h *Heatmap, slug, title string) heatView {
	counts := map[[2]int]int{}
	for _, c := range h.Cells {
		counts[[2]int{c.Likelihood, c.Impact}] = c.Count
	}
	v := heatView{Title: title, Map: h, SVG: heatmapSVG(h, slug)}
	m := h.Methodology
	for li := len(m.Likelihood); li >= 1; li-- {
		row := heatRow{Label: fmt.Sprintf("%d %s", li, m.Likelihood[li-1].Label)}
		for ii := 1; ii <= len(m.Impact); ii++ {
			score, _ := m.Score(li, ii)
			b, _ := m.Level(score)
			row.Cells = append(row.Cells, heatCell{Count: counts[[2]int{li, ii}], Level: b.Label,
				URL: "/o/" + url.PathEscape(slug) + "/risks?" + url.Values{"kind": {h.Kind}, "likelihood": {strconv.Itoa(li)}, "impact": {strconv.Itoa(ii)}, "methodology_version": {strconv.Itoa(m.Version)}}.Encode()})
		}
		v.Rows = append(v.Rows, row)
	}
	return v
}

func (s *handlers) risksPage(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	f, err := riskFilter(r)
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	items, next, err := s.svc.Risks(r.Context(), p, f)
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	var maps []heatView
	for _, k := range []struct{ kind, title string }{{"inherent", "Inherent risk"}, {"residual", "Residual risk"}} {
		h, err := s.svc.RiskHeatmap(r.Context(), p, k.kind)
		if err != nil {
			s.RenderError(w, r, err)
			return
		}
		maps = append(maps, heatViewOf(h, p.Org.Slug, k.title))
	}
	members, names, err := s.Directory(r)
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	q := map[string]string{}
	filtered := false
	for _, k := range []string{"q", "status", "level", "owner_id"} {
		q[k] = r.URL.Query().Get(k)
		filtered = filtered || q[k] != ""
	}
	cell := ""
	if f.Likelihood > 0 && f.Impact > 0 {
		kind := f.Kind
		if kind == "" {
			kind = "inherent"
		}
		cell = fmt.Sprintf("%s likelihood %d × impact %d", kind, f.Likelihood, f.Impact)
		filtered = true
	}
	data := map[string]any{"Items": items, "Maps": maps, "Methodology": maps[0].Map.Methodology, "Members": members, "Names": names,
		"Statuses": RiskStatuses, "Q": q, "Filtered": filtered, "Cell": cell, "CanImport": p.Can(PermImport)}
	if next != "" {
		v := r.URL.Query()
		v.Set("cursor", next)
		data["NextURL"] = "?" + v.Encode()
	}
	s.Render(w, r, http.StatusOK, "risks", &web.Page{Title: "Risks", Nav: "risks", Data: data})
}

func (s *handlers) riskPage(w http.ResponseWriter, r *http.Request) {
	me := web.PrincipalFrom(r).MemberID
	rk := &Risk{Status: "draft", AssetIDs: []string{}, ControlIDs: []string{}, OwnerID: &me} // the author owns a new risk unless they pick someone
	if id := r.PathValue("id"); id != "" {
		var err error
		if rk, err = s.svc.Risk(r.Context(), web.PrincipalFrom(r), id); err != nil {
			s.RenderError(w, r, err)
			return
		}
	}
	pg := &web.Page{Notice: map[string]string{
		"signed": "Signed off.",
		"voided": "The likelihood or impact changed: earlier sign-offs were voided and the risk is assessed again.",
		"saved":  "Saved.",
	}[r.URL.Query().Get("notice")]}
	s.renderRisk(w, r, http.StatusOK, rk, pg)
}

func (s *handlers) renderRisk(w http.ResponseWriter, r *http.Request, status int, rk *Risk, pg *web.Page) {
	p := web.PrincipalFrom(r)
	ctx := r.Context()
	members, names, err := s.Directory(r)
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	current, err := s.svc.Methodology(ctx, p, 0)
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	m := current
	if rk.ID != "" && rk.MethodologyVersion != current.Version && pg.Error == "" {
		if m, err = s.svc.Methodology(ctx, p, rk.MethodologyVersion); err != nil {
			s.RenderError(w, r, err)
			return
		}
	}
	threats, err := s.svc.Library(ctx, p, "threat")
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	vulns, err := s.svc.Library(ctx, p, "vulnerability")
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	ctrls, err := s.svc.controlSet(ctx, p)
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	linked := map[string]bool{}
	for _, id := range rk.ControlIDs {
		linked[id] = true
	}
	own := rk.OwnerID != nil && *rk.OwnerID == p.MemberID
	data := map[string]any{"Risk": rk, "Members": members, "Names": names, "Methodology": m, "Current": current.Version, "Threats": threats, "Vulns": vulns,
		"Controls": ctrls, "Linked": linked, "Treatments": RiskTreatments, "Statuses": RiskStatuses,
		"CanEdit": p.Can(bulwark.PermISMSEdit) || (rk.ID == "" && p.Can(bulwark.PermISMSCreateOwn)) || (p.Can(bulwark.PermISMSEditOwn) && own),
		"CanSign": rk.ID != "" && (p.Can(bulwark.PermRiskSignOffAny) || (own && p.Can(bulwark.PermRiskSignOffOwn)))}
	if rk.ID != "" {
		if data["SignOffs"], err = s.svc.SignOffs(ctx, p, rk.ID); err != nil {
			s.RenderError(w, r, err)
			return
		}
		if data["Reviews"], err = s.svc.RiskReviews(ctx, p, rk.ID); err != nil {
			s.RenderError(w, r, err)
			return
		}
		if data["Actions"], err = s.svc.Actions(ctx, p, rk.ID); err != nil {
			s.RenderError(w, r, err)
			return
		}
		data["ActionStatuses"] = ActionStatuses
		if data["Suggested"], err = s.svc.SuggestedControls(ctx, p, rk); err != nil {
			s.RenderError(w, r, err)
			return
		}
	}
	// The pickers: controls (the set is small enough to list whole), assets (listed whole while the
	// register is small; otherwise found by search or typed refs).
	var suggested []string
	if sc, ok := data["Suggested"].([]*controls.Control); ok {
		for _, c := range sc {
			suggested = append(suggested, c.ID)
		}
	}
	allControls := make([]web.PickItem, len(ctrls))
	for i, c := range ctrls {
		allControls[i] = controls.PickItem(c)
	}
	cp := web.NewPicker("control_ids", "Controls that treat it", allControls, rk.ControlIDs, suggested)
	cp.Placeholder, cp.SearchURL = "A.8.13, backup, or refs separated by commas", "/o/"+p.Org.Slug+"/pick/controls"
	chosenAssets, smallRegister, err := s.svc.assetChoices(ctx, p, rk.AssetIDs)
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	var allAssets []web.PickItem
	for _, a := range append(chosenAssets, smallRegister...) {
		allAssets = append(allAssets, assets.PickItem(a))
	}
	ap := web.NewPicker("asset_ids", "Assets it affects", allAssets, rk.AssetIDs, nil)
	ap.Placeholder, ap.SearchURL = "A-014, patient, or refs separated by commas", "/o/"+p.Org.Slug+"/pick/assets"
	data["ControlPicker"], data["AssetPicker"] = cp, ap
	pg.Title, pg.Nav, pg.Data = "New risk", "risks", data
	if rk.ID != "" {
		pg.Title = rk.Ref + " " + rk.Title
	}
	s.Render(w, r, status, "risk", pg)
}

// riskFromForm reads the risk form into an input through the risk's declaration, as the API reads JSON.
func riskFromForm(r *http.Request) (RiskInput, error) {
	v, err := RiskEntity.DecodeForm(r.Form, "title", "description", "threat_id", "vulnerability_id", "owner_id", "treatment",
		"target_date", "review_date", "control_ids", "asset_ids", "affects_confidentiality", "affects_integrity", "affects_availability",
		"status", "review_reason", "inherent_likelihood", "inherent_impact", "residual_likelihood", "residual_impact")
	return riskInputOf(v), err
}

func (s *handlers) riskSubmit(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if err := web.ParseForm(w, r); err != nil {
		s.RenderError(w, r, err)
		return
	}
	in, err := riskFromForm(r)
	if err == nil {
		err = s.svc.addTypedRefs(r.Context(), p, &in, r.FormValue("pick_q_control_ids"), r.FormValue("pick_q_asset_ids"))
	}
	id := r.PathValue("id")
	notice := ""
	var saved *Risk
	if err == nil {
		if id == "" {
			saved, err = s.svc.CreateRisk(r.Context(), p, in)
		} else {
			var expect *int
			if v, perr := strconv.Atoi(r.FormValue("version")); perr == nil {
				expect = &v
			}
			var out *RiskOutcome
			if out, err = s.svc.UpdateRisk(r.Context(), p, id, in, expect, nil); err == nil {
				saved, notice = out.Risk, out.Notice
			}
		}
	}
	if err == nil {
		target := "/o/" + p.Org.Slug + "/risks/" + saved.ID + "?notice=saved"
		if notice != "" {
			target = "/o/" + p.Org.Slug + "/risks/" + saved.ID + "?notice=voided"
		}
		http.Redirect(w, r, target, http.StatusSeeOther)
		return
	}
	if c := bulwark.ErrorCode(err); c == bulwark.EINTERNAL || c == bulwark.EFORBIDDEN || c == bulwark.ENOTFOUND {
		s.RenderError(w, r, err)
		return
	}
	draft := &Risk{Status: "draft", AssetIDs: []string{}, ControlIDs: []string{}}
	if id != "" {
		if cur, cerr := s.svc.Risk(r.Context(), p, id); cerr == nil {
			draft = cur
		}
	}
	if in.Title != nil {
		draft.Title = *in.Title
	}
	web.RetryAfter(w, err)
	s.renderRisk(w, r, s.ErrorStatus(r, err), draft, &web.Page{Error: bulwark.ErrorMessage(err), Fields: web.FieldsOf(err)})
}

func (s *handlers) riskSignOff(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if err := web.ParseForm(w, r); err != nil {
		s.RenderError(w, r, err)
		return
	}
	if _, err := s.svc.SignOff(r.Context(), p, r.PathValue("id"), r.FormValue("comment")); err != nil {
		s.RenderError(w, r, err)
		return
	}
	http.Redirect(w, r, "/o/"+p.Org.Slug+"/risks/"+url.PathEscape(r.PathValue("id"))+"?notice=signed", http.StatusSeeOther)
}

func (s *handlers) riskActionSubmit(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if err := web.ParseForm(w, r); err != nil {
		s.RenderError(w, r, err)
		return
	}
	in := ActionInput{}
	if r.Form.Has("title") {
		t := r.FormValue("title")
		in.Title = &t
	}
	if r.Form.Has("owner_id") {
		o := web.FormPtr(r, "owner_id")
		in.OwnerID = &o
	}
	if r.Form.Has("due_date") {
		d := web.FormPtr(r, "due_date")
		in.DueDate = &d
	}
	if st := r.FormValue("status"); st != "" {
		in.Status = &st
	}
	if _, err := s.svc.SaveAction(r.Context(), p, r.PathValue("id"), r.PathValue("action"), in, nil); err != nil {
		if c := bulwark.ErrorCode(err); c == bulwark.EINVALID || c == bulwark.ECONFLICT {
			rk, rerr := s.svc.Risk(r.Context(), p, r.PathValue("id"))
			if rerr == nil {
				s.renderRisk(w, r, s.ErrorStatus(r, err), rk, &web.Page{Error: bulwark.ErrorMessage(err), Fields: web.FieldsOf(err)})
				return
			}
		}
		s.RenderError(w, r, err)
		return
	}
	http.Redirect(w, r, "/o/"+p.Org.Slug+"/risks/"+url.PathEscape(r.PathValue("id"))+"?notice=saved#actions", http.StatusSeeOther)
}

func (s *handlers) treatmentPlanPage(w http.ResponseWriter, r *http.Request) {
	plan, err := s.svc.TreatmentPlan(r.Context(), web.PrincipalFrom(r))
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	s.Render(w, r, http.StatusOK, "plan", &web.Page{Title: "Risk treatment plan", Nav: "risks", Data: plan})
}

func (s *handlers) treatmentPlanExport(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	format := r.FormValue("format")
	if format == "" {
		format = "pdf"
	}
	ct := map[string]string{"pdf": "application/pdf", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}[format]
	if ct == "" {
		s.ProblemOrPage(w, r, bulwark.Invalid("format", "must be pdf or xlsx"))
		return
	}
	s.Download(w, r, fmt.Sprintf("risk-treatment-plan-%s.%s", p.Org.Slug, format), ct,
		func(out io.Writer) error { return s.svc.ExportTreatmentPlan(r.Context(), p, format, out) })
}

func (s *handlers) methodologyPage(w http.ResponseWriter, r *http.Request) {
	s.renderMethodology(w, r, http.StatusOK, &web.Page{}, nil)
}

// methodologyForm is the methodology as its form shows it: every scale step and band as a row, two empty
// rows to add more, and the matrix as lines of numbers.
type methodologyForm struct {
	Likelihood, Impact []ScaleLevel
	Levels             []Band
	ScoreRule          string
	Matrix             string // one line per likelihood, scores separated by spaces
	AcceptableUpTo     string
}

func formOf(m *Methodology) *methodologyForm {
	f := &methodologyForm{ScoreRule: m.ScoreRule, AcceptableUpTo: m.AcceptableUpTo}
	f.Likelihood = append(append(f.Likelihood, m.Likelihood...), ScaleLevel{}, ScaleLevel{})
	f.Impact = append(append(f.Impact, m.Impact...), ScaleLevel{}, ScaleLevel{})
	f.Levels = append(append(f.Levels, m.Levels...), Band{}, Band{})
	var lines []string
	for _, row := range m.Matrix {
		cells := make([]string, len(row))
		for i, v := range row {
			cells[i] = strconv.Itoa(v)
		}
		lines = append(lines, strings.Join(cells, " "))
	}
	f.Matrix = strings.Join(lines, "\n")
	return f
}

func (s *handlers) renderMethodology(w http.ResponseWriter, r *http.Request, status int, pg *web.Page, draft *methodologyForm) {
	p := web.PrincipalFrom(r)
	ctx := r.Context()
	current, err := s.svc.Methodology(ctx, p, 0)
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	versions, err := s.svc.Methodologies(ctx, p)
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	preview, err := s.svc.RescorePreview(ctx, p)
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	if draft == nil {
		draft = formOf(current)
	}
	pg.Title, pg.Nav = "Risk methodology", "risks"
	pg.Data = map[string]any{"Current": current, "Versions": versions, "Preview": preview, "Draft": draft}
	s.Render(w, r, status, "methodology", pg)
}

// methodologyFromForm reads the form's rows: a row with neither label nor description is an empty one left
// for adding; scale values follow the rows' order.
func methodologyFromForm(r *http.Request) (*Methodology, *methodologyForm, error) {
	var v bulwark.Validation
	f := &methodologyForm{ScoreRule: r.FormValue("score_rule"), AcceptableUpTo: strings.TrimSpace(r.FormValue("acceptable_up_to")), Matrix: r.FormValue("matrix")}
	m := &Methodology{ScoreRule: f.ScoreRule, AcceptableUpTo: f.AcceptableUpTo}
	at := func(name string, i int) string {
		if vs := r.Form[name]; i < len(vs) {
			return strings.TrimSpace(vs[i])
		}
		return ""
	}
	for _, scale := range []struct {
		name string
		dst  *[]ScaleLevel
		form *[]ScaleLevel
	}{{"likelihood", &m.Likelihood, &f.Likelihood}, {"impact", &m.Impact, &f.Impact}} {
		for i := range r.Form[scale.name+"_label"] {
			l := ScaleLevel{Label: at(scale.name+"_label", i), Description: at(scale.name+"_description", i)}
			*scale.form = append(*scale.form, l)
			if l.Label == "" && l.Description == "" {
				continue
			}
			l.Value = len(*scale.dst) + 1
			*scale.dst = append(*scale.dst, l)
		}
	}
	for i := range r.Form["level_label"] {
		b := Band{Label: at("level_label", i), Color: at("level_color", i)}
		minS, maxS := at("level_min", i), at("level_max", i)
		var err1, err2 error
		b.Min, err1 = strconv.Atoi(minS)
		b.Max, err2 = strconv.Atoi(maxS)
		f.Levels = append(f.Levels, b)
		if b.Label == "" && minS == "" && maxS == "" {
			continue
		}
		if err1 != nil || err2 != nil {
			v.Add("levels", fmt.Sprintf("level %q needs whole numbers for its lowest and highest score", b.Label))
			continue
		}
		m.Levels = append(m.Levels, b)
	}
	if m.ScoreRule == ScoreMatrix {
		for n, line := range strings.Split(strings.TrimSpace(f.Matrix), "\n") {
			var row []int
			for _, cell := range strings.Fields(line) {
				x, err := strconv.Atoi(cell)
				if err != nil {
					v.Add("matrix", fmt.Sprintf("line %d: %q is not a whole number", n+1, cell))
				}
				row = append(row, x)
			}
			if len(row) > 0 {
				m.Matrix = append(m.Matrix, row)
			}
		}
	}
	// Keep two empty rows to add more, as the first rendering has.
	for _, rows := range []*[]ScaleLevel{&f.Likelihood, &f.Impact} {
		for len(*rows) < 2 || (*rows)[len(*rows)-1] != (ScaleLevel{}) || (*rows)[len(*rows)-2] != (ScaleLevel{}) {
			*rows = append(*rows, ScaleLevel{})
		}
	}
	for len(f.Levels) < 2 || f.Levels[len(f.Levels)-1] != (Band{}) || f.Levels[len(f.Levels)-2] != (Band{}) {
		f.Levels = append(f.Levels, Band{})
	}
	return m, f, v.Err()
}

func (s *handlers) methodologySubmit(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(w, r); err != nil {
		s.RenderError(w, r, err)
		return
	}
	m, form, err := methodologyFromForm(r)
	if err == nil {
		_, err = s.svc.SaveMethodology(r.Context(), web.PrincipalFrom(r), m)
	}
	if err != nil {
		if c := bulwark.ErrorCode(err); c != bulwark.EINVALID {
			s.RenderError(w, r, err)
			return
		}
		s.renderMethodology(w, r, http.StatusUnprocessableEntity, &web.Page{Error: bulwark.ErrorMessage(err), Fields: web.FieldsOf(err)}, form)
		return
	}
	http.Redirect(w, r, "/o/"+web.PrincipalFrom(r).Org.Slug+"/risk-methodology", http.StatusSeeOther)
}

func (s *handlers) methodologyApprove(w http.ResponseWriter, r *http.Request) {
	v, err := strconv.Atoi(r.PathValue("version"))
	if err == nil && v > 0 && v <= 1<<31-1 {
		_, err = s.svc.ApproveMethodology(r.Context(), web.PrincipalFrom(r), v)
	} else {
		err = bulwark.Errorf(bulwark.ENOTFOUND, "Methodology version not found.")
	}
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	http.Redirect(w, r, "/o/"+web.PrincipalFrom(r).Org.Slug+"/risk-methodology", http.StatusSeeOther)
}

func (s *handlers) libraryPage(w http.ResponseWriter, r *http.Request) {
	s.renderLibrary(w, r, http.StatusOK, &web.Page{})
}

func (s *handlers) renderLibrary(w http.ResponseWriter, r *http.Request, status int, pg *web.Page) {
	p := web.PrincipalFrom(r)
	type group struct {
		Kind, Title string
		Items       []LibraryItem
	}
	var groups []group
	for _, g := range []struct{ kind, title string }{{"threat", "Threats"}, {"vulnerability", "Vulnerabilities"}} {
		items, err := s.svc.Library(r.Context(), p, g.kind)
		if err != nil {
			s.RenderError(w, r, err)
			return
		}
		groups = append(groups, group{g.kind, g.title, items})
	}
	pg.Title, pg.Nav, pg.Data = "Threat and vulnerability library", "risks", map[string]any{"Groups": groups}
	s.Render(w, r, status, "library", pg)
}

func (s *handlers) librarySubmit(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	kind := r.PathValue("kind")
	if kind != "threat" && kind != "vulnerability" {
		s.RenderError(w, r, bulwark.Errorf(bulwark.ENOTFOUND, "No such library."))
		return
	}
	if err := web.ParseForm(w, r); err != nil {
		s.RenderError(w, r, err)
		return
	}
	name, cat, desc := r.FormValue("name"), r.FormValue("category"), r.FormValue("description")
	controls := tabularSplit(r.FormValue("controls"))
	in := LibraryInput{Name: &name, Category: &cat, Controls: &controls}
	if r.Form.Has("description") {
		in.Description = &desc
	}
	if _, err := s.svc.SaveLibraryItem(r.Context(), p, kind, r.PathValue("id"), in); err != nil {
		if bulwark.ErrorCode(err) == bulwark.EINVALID {
			s.renderLibrary(w, r, http.StatusUnprocessableEntity, &web.Page{Error: bulwark.ErrorMessage(err), Fields: web.FieldsOf(err)})
			return
		}
		s.RenderError(w, r, err)
		return
	}
	http.Redirect(w, r, "/o/"+p.Org.Slug+"/risk-library", http.StatusSeeOther)
}

// tabularSplit splits "A.5.1 | A.8.7" into refs.
func tabularSplit(s string) []string {
	out := []string{}
	for _, part := range strings.Split(s, "|") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

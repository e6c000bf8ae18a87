package coverage

import (
	"context"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"strings"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/areas/controls"
	"github.com/bulwark-isms/bulwark/areas/frameworks"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/web"
)

//go:embed templates
var templates embed.FS

// Service is the coverage of every framework by the organisation's controls: it reads, inside the
// principal's organisation and with their permission, and writes nothing.
type Service struct {
	*app.Service
}

// New returns the area's service over the kernel's.
func New(k *app.Service) *Service { return &Service{Service: k} }

// Coverage works out how far the organisation's live controls cover framework key (an id or a slug).
func (s *Service) Coverage(ctx context.Context, p *bulwark.Principal, key string) (*Report, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var rep *Report
	err := s.DB.Read(ctx, func(tx *sqlstore.Tx) error {
		fw, err := frameworks.Lookup(ctx, tx, key)
		if err != nil {
			return err
		}
		reps, err := reports(ctx, tx, p.Org.ID, []*frameworks.Framework{fw})
		if err == nil {
			rep = reps[0]
		}
		return err
	})
	return rep, err
}

// Summary works out every framework's coverage, in catalog order.
func (s *Service) Summary(ctx context.Context, p *bulwark.Principal) ([]*Report, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var out []*Report
	err := s.DB.Read(ctx, func(tx *sqlstore.Tx) error {
		fws, err := frameworks.All(ctx, tx)
		if err != nil {
			return err
		}
		out, err = reports(ctx, tx, p.Org.ID, fws)
		return err
	})
	return out, err
}

// reports computes the coverage of frameworks fws inside a transaction: the catalog and the links are read
// once, whatever the number of frameworks.
func reports(ctx context.Context, tx *sqlstore.Tx, orgID string, fws []*frameworks.Framework) ([]*Report, error) {
	outlines, err := frameworks.Outlines(ctx, tx)
	if err != nil {
		return nil, err
	}
	links, err := controls.RequirementLinks(ctx, tx, orgID)
	if err != nil {
		return nil, err
	}
	reqs := map[string][]Requirement{}
	frameworkOf := map[string]string{}
	for _, o := range outlines {
		reqs[o.Framework] = append(reqs[o.Framework], Requirement{ID: o.ID, Ref: o.Ref, Title: o.Title, Kind: o.Kind, ParentRef: o.ParentRef})
		frameworkOf[o.ID] = o.Framework
	}
	ls := map[string][]Link{}
	for _, l := range links {
		fw := frameworkOf[l.RequirementID]
		ls[fw] = append(ls[fw], Link{RequirementID: l.RequirementID, Origin: l.Origin, ControlID: l.ControlID, ControlRef: l.ControlRef, ControlName: l.ControlTitle, Status: l.Status})
	}
	var clauseState map[string]string // ISO's clauses, from certification readiness
	for _, fw := range fws {
		if FrameworkRules[fw.ID].ClausesOf != "" {
			rd, err := readinessOf(ctx, tx, orgID, outlines)
			if err != nil {
				return nil, err
			}
			clauseState = rd.ClauseState
		}
	}
	out := make([]*Report, 0, len(fws))
	for _, fw := range fws {
		rules, ok := FrameworkRules[fw.ID]
		if !ok {
			rules = Rules{AllKinds: true, Label: "requirements"}
		}
		rep := Compute(rules, reqs[fw.ID], ls[fw.ID])
		for i := range rep.Clauses {
			switch clauseState[rep.Clauses[i].Ref] {
			case Ready:
				rep.Clauses[i].State = Covered
			case Missing:
				rep.Clauses[i].State = NotCovered
			}
		}
		rep.Framework, rep.Name = fw.Slug, fw.Name
		switch {
		case fw.ID == "hipaa-security":
			rep.Note = "HIPAA is reached through NIST CSF 2.0 only: every link is derived, so a requirement is at most partly covered until a person confirms a link."
		case rules.Inherit:
			rep.Note = "A mapping made at a function or category is inherited by the subcategories it holds and counts at most as partly covering them."
		case rules.ClausesOf != "":
			rep.Note = "Clauses 4 to 10 are met by running the ISMS, not by controls: their state comes from certification readiness, listed apart."
		}
		out = append(out, rep)
	}
	return out, nil
}

// handlers serve the area's pages and API over the kernel's server.
type handlers struct {
	*web.Server
	svc *Service
}

// Area mounts coverage on the server.
func Area(svc *Service) web.Area {
	return web.Area{Name: "coverage", Mount: func(s *web.Server) web.Mounted {
		h := &handlers{Server: s, svc: svc}
		return web.Mounted{Templates: templates, Routes: h.routes(), Dashboard: h.dashboardPart}
	}}
}

func (h *handlers) routes() []web.Route {
	return []web.Route{
		{Method: "GET", Pattern: "/api/v1/frameworks/{key}/coverage", Perm: bulwark.PermISMSRead, Summary: "How far the organisation's controls cover a framework, requirement by requirement", Handler: h.apiCoverage, Response: ReportEntity},
		{Method: "GET", Pattern: "/api/v1/coverage", Perm: bulwark.PermISMSRead, Summary: "Every framework's coverage, counts per state", Handler: h.apiSummary, Response: ReportEntity, List: true},
		{Method: "GET", Pattern: "/api/v1/readiness", Perm: bulwark.PermISMSRead, Summary: "ISO/IEC 27001 certification readiness: each line an auditor checks, ok, missing or not assessed yet", Handler: h.apiReadiness, Response: ReadinessEntity},
		{Method: "GET", Pattern: "/o/{slug}/readiness", Perm: bulwark.PermISMSRead, Handler: h.readinessPage},
		{Method: "GET", Pattern: "/o/{slug}/coverage", Perm: bulwark.PermISMSRead, Handler: h.summaryPage},
		{Method: "GET", Pattern: "/o/{slug}/coverage/{key}", Perm: bulwark.PermISMSRead, Handler: h.coveragePage},
	}
}

func (h *handlers) apiCoverage(w http.ResponseWriter, r *http.Request) {
	rep, err := h.svc.Coverage(r.Context(), web.PrincipalFrom(r), r.PathValue("key"))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, rep)
}

func (h *handlers) apiSummary(w http.ResponseWriter, r *http.Request) {
	reps, err := h.svc.Summary(r.Context(), web.PrincipalFrom(r))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	for _, rep := range reps {
		rep.Items, rep.Clauses = []Item{}, nil // the counts; each framework's own route has the detail
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": reps, "next_cursor": nil})
}

// stateColours are the chart's colours, the same on every page that shows coverage.
var stateColours = map[string]string{Covered: "#2e7d32", PartlyCovered: "#f9a825", NotCovered: "#c62828", NotApplicable: "#6d4c41", NoMapping: "#9e9e9e"}

// StateLabels are the states as people read them.
var StateLabels = map[string]string{Covered: "Covered", PartlyCovered: "Partly covered", NotCovered: "Not covered", NotApplicable: "Not applicable",
	NoMapping: "No mapping", NotAssessed: "Not assessed yet"}

// chart draws a report's counts as one horizontal bar, a segment per state, each with its count as a title.
func chart(rep *Report) template.HTML {
	var b strings.Builder
	fmt.Fprintf(&b, `<svg role="img" aria-label="%s: %d covered, %d partly, %d not covered, %d not applicable, %d without mapping" viewBox="0 0 1000 36" width="100%%" height="36" xmlns="http://www.w3.org/2000/svg">`,
		template.HTMLEscapeString(rep.Name), rep.Counts[Covered], rep.Counts[PartlyCovered], rep.Counts[NotCovered], rep.Counts[NotApplicable], rep.Counts[NoMapping])
	x := 0.0
	for _, st := range States {
		if rep.Total == 0 || rep.Counts[st] == 0 {
			continue
		}
		w := float64(rep.Counts[st]) / float64(rep.Total) * 1000
		fmt.Fprintf(&b, `<rect x="%.1f" y="0" width="%.1f" height="36" fill="%s"><title>%s: %d</title></rect>`, x, w, stateColours[st], StateLabels[st], rep.Counts[st])
		x += w
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // built from constants, numbers and escaped names
}

// view is a report with its chart and legend, for the pages.
type view struct {
	*Report
	Chart  template.HTML
	Legend []legendItem
}

type legendItem struct {
	State, Label string
	Count        int
}

func viewOf(rep *Report) view {
	v := view{Report: rep, Chart: chart(rep)}
	for _, st := range States {
		v.Legend = append(v.Legend, legendItem{State: st, Label: StateLabels[st], Count: rep.Counts[st]})
	}
	return v
}

func (h *handlers) summaryPage(w http.ResponseWriter, r *http.Request) {
	reps, err := h.svc.Summary(r.Context(), web.PrincipalFrom(r))
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	views := make([]view, len(reps))
	for i, rep := range reps {
		views[i] = viewOf(rep)
	}
	h.Render(w, r, http.StatusOK, "coverage-summary", &web.Page{Title: "Framework coverage", Nav: "frameworks", Data: views})
}

func (h *handlers) coveragePage(w http.ResponseWriter, r *http.Request) {
	rep, err := h.svc.Coverage(r.Context(), web.PrincipalFrom(r), r.PathValue("key"))
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	show := r.URL.Query().Get("state")
	if show == "" {
		show = "gaps"
	}
	var items []Item
	for _, it := range rep.Items {
		if show == "all" || it.State == show || (show == "gaps" && (it.State == NotCovered || it.State == PartlyCovered)) {
			items = append(items, it)
		}
	}
	h.Render(w, r, http.StatusOK, "coverage", &web.Page{Title: rep.Name + " coverage", Nav: "frameworks", Data: map[string]any{
		"Report": viewOf(rep), "Items": items, "Show": show, "Labels": StateLabels, "States": States}})
}

// dashboardPart shows certification readiness on the dashboard of those who read the ISMS.
func (h *handlers) dashboardPart(r *http.Request) (template.HTML, error) {
	p := web.PrincipalFrom(r)
	if !p.Can(bulwark.PermISMSRead) {
		return "", nil
	}
	rep, err := h.svc.Readiness(r.Context(), p)
	if err != nil {
		return "", err
	}
	return h.Partial("coverage-dashboard", &web.Page{P: p, Data: rep})
}

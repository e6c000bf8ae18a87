package gaps

import (
	"context"
	"embed"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"strings"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/field"
	"github.com/bulwark-isms/bulwark/web"
)

//go:embed templates
var templates embed.FS

// handlers serve the area's pages and API over the kernel's server.
type handlers struct {
	*web.Server
	svc *Service
}

// Area mounts the gap assessments on the server.
func Area(svc *Service) web.Area {
	return web.Area{Name: "gaps", Mount: func(s *web.Server) web.Mounted {
		h := &handlers{Server: s, svc: svc}
		return web.Mounted{Templates: templates, Routes: h.routes()}
	}}
}

func (h *handlers) routes() []web.Route {
	return []web.Route{
		{Method: "GET", Pattern: "/api/v1/gap-assessments", Perm: bulwark.PermISMSRead, Summary: "List gap assessments, newest first, with progress and scores", Handler: h.apiList, Response: AssessmentEntity, List: true},
		{Method: "POST", Pattern: "/api/v1/gap-assessments", Perm: bulwark.PermISMSCreate, Summary: "Start a gap assessment (GA-001 …; ISO/IEC 27001 by default)", Handler: h.apiCreate, Request: AssessmentEntity, Response: AssessmentEntity, Status: http.StatusCreated},
		{Method: "GET", Pattern: "/api/v1/gap-assessments/compare", Perm: bulwark.PermISMSRead, Summary: "What improved and what regressed between two assessments (?from=GA-001&to=GA-002)", Handler: h.apiCompare, Response: ComparisonEntity,
			Query: []field.Param{{Name: "from", Help: "an assessment ref or id"}, {Name: "to", Help: "an assessment ref or id"}}},
		{Method: "GET", Pattern: "/api/v1/gap-assessments/{id}", Perm: bulwark.PermISMSRead, Summary: "A gap assessment (by id or ref) with every requirement, its answer, the scores and the ranked gaps", Handler: h.apiOne, Response: AssessmentEntity},
		{Method: "POST", Pattern: "/api/v1/gap-assessments/{id}/answers", Perm: bulwark.PermISMSEdit, Summary: "Answer one requirement of an assessment in progress", Handler: h.apiAnswer, Request: AnswerEntity, Response: AssessmentEntity},
		{Method: "POST", Pattern: "/api/v1/gap-assessments/{id}/finish", Perm: bulwark.PermISMSEdit, Summary: "Finish an assessment whose every requirement is answered", Handler: h.apiStep(h.svc.Finish), Body: web.Props(), Response: AssessmentEntity},
		{Method: "POST", Pattern: "/api/v1/gap-assessments/{id}/seed-controls", Perm: bulwark.PermISMSEdit, Summary: "Set the Annex A controls' statuses from the answers (one audited step)", Handler: h.apiSeed, Body: web.Props(),
			Reply: map[string]any{"type": "object", "properties": web.Props("controls_changed", "integer"), "required": []string{"controls_changed"}}},
		{Method: "GET", Pattern: "/api/v1/gap-assessments/{id}/export", Perm: bulwark.PermISMSRead, Summary: "Export an assessment (?format=xlsx|pdf)", Handler: h.export,
			Query: []field.Param{{Name: "format", Enum: []string{"xlsx", "pdf"}, Help: "default xlsx"}}, Produces: []string{web.SpreadsheetTypes[1], "application/pdf"}},
		{Method: "GET", Pattern: "/o/{slug}/gap-assessments", Perm: bulwark.PermISMSRead, Handler: h.listPage},
		{Method: "POST", Pattern: "/o/{slug}/gap-assessments", Perm: bulwark.PermISMSCreate, Handler: h.createSubmit},
		{Method: "GET", Pattern: "/o/{slug}/gap-assessments/compare", Perm: bulwark.PermISMSRead, Handler: h.comparePage},
		{Method: "GET", Pattern: "/o/{slug}/gap-assessments/{id}", Perm: bulwark.PermISMSRead, Handler: h.page},
		{Method: "POST", Pattern: "/o/{slug}/gap-assessments/{id}/answers", Perm: bulwark.PermISMSEdit, Handler: h.answerSubmit},
		{Method: "POST", Pattern: "/o/{slug}/gap-assessments/{id}/finish", Perm: bulwark.PermISMSEdit, Handler: h.stepSubmit("finished", func(r *http.Request) error {
			_, err := h.svc.Finish(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
			return err
		})},
		{Method: "POST", Pattern: "/o/{slug}/gap-assessments/{id}/seed-controls", Perm: bulwark.PermISMSEdit, Handler: h.stepSubmit("seeded", func(r *http.Request) error {
			_, err := h.svc.SeedControls(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
			return err
		})},
		{Method: "POST", Pattern: "/o/{slug}/gap-assessments/{id}/export", Perm: bulwark.PermISMSRead, Handler: h.export},
	}
}

func (h *handlers) apiList(w http.ResponseWriter, r *http.Request) {
	list, err := h.svc.Assessments(r.Context(), web.PrincipalFrom(r))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	if list == nil {
		list = []*Assessment{}
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": list, "next_cursor": nil})
}

func (h *handlers) apiCreate(w http.ResponseWriter, r *http.Request) {
	vals, err := h.DecodeCreate(w, r, AssessmentEntity)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	a, err := h.svc.CreateAssessment(r.Context(), web.PrincipalFrom(r), bulwark.Value(vals.Str("title")), bulwark.Value(vals.Str("framework")))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/gap-assessments/"+a.ID)
	web.WriteJSON(w, http.StatusCreated, a)
}

func (h *handlers) apiOne(w http.ResponseWriter, r *http.Request) {
	a, err := h.svc.Assessment(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, a)
}

func (h *handlers) apiAnswer(w http.ResponseWriter, r *http.Request) {
	if _, err := h.svc.Assessment(r.Context(), web.PrincipalFrom(r), r.PathValue("id")); err != nil { // another organisation's: 404 first
		h.Problem(w, r, err)
		return
	}
	vals, err := h.DecodeCreate(w, r, AnswerEntity)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	a, err := h.svc.Answer(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), Item{RequirementID: bulwark.Value(vals.Str("requirement_id")),
		Answer: bulwark.Value(vals.Str("answer")), Notes: bulwark.Value(vals.Str("notes")), EvidenceURL: bulwark.Value(vals.Str("evidence_url"))})
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, a)
}

func (h *handlers) apiStep(step func(ctx context.Context, p *bulwark.Principal, key string) (*Assessment, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a, err := step(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
		if err != nil {
			h.Problem(w, r, err)
			return
		}
		web.WriteJSON(w, http.StatusOK, a)
	}
}

func (h *handlers) apiSeed(w http.ResponseWriter, r *http.Request) {
	n, err := h.svc.SeedControls(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"controls_changed": n})
}

func (h *handlers) apiCompare(w http.ResponseWriter, r *http.Request) {
	c, err := h.svc.CompareAssessments(r.Context(), web.PrincipalFrom(r), r.URL.Query().Get("from"), r.URL.Query().Get("to"))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, c)
}

// export downloads an assessment, from the API (GET) or the page's form (POST).
func (h *handlers) export(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	format := r.FormValue("format")
	if format == "" {
		format = "xlsx"
	}
	ct := map[string]string{"xlsx": web.SpreadsheetTypes[1], "pdf": "application/pdf"}[format]
	if ct == "" {
		h.ProblemOrPage(w, r, bulwark.Invalid("format", "must be xlsx or pdf"))
		return
	}
	a, err := h.svc.Assessment(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.ProblemOrPage(w, r, err)
		return
	}
	h.Download(w, r, fmt.Sprintf("%s-%s.%s", strings.ToLower(a.Ref), p.Org.Slug, format), ct,
		func(out io.Writer) error { return h.svc.ExportAssessment(r.Context(), p, a.ID, format, out) })
}

// assessable are the frameworks the start form offers, ISO/IEC 27001 first.
var assessable = []struct{ Slug, Name string }{{"iso27001-2022", "ISO/IEC 27001:2022 (clauses 4–10 and Annex A)"},
	{"nist-csf-2.0", "NIST CSF 2.0"}, {"soc2-2017", "SOC 2"}, {"gdpr", "GDPR"}, {"hipaa-security", "HIPAA Security Rule"}}

func (h *handlers) listPage(w http.ResponseWriter, r *http.Request) {
	h.renderList(w, r, http.StatusOK, &web.Page{})
}

func (h *handlers) renderList(w http.ResponseWriter, r *http.Request, status int, pg *web.Page) {
	p := web.PrincipalFrom(r)
	list, err := h.svc.Assessments(r.Context(), p)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	pg.Title, pg.Nav = "Gap assessments", "controls"
	pg.Data = map[string]any{"Items": list, "Frameworks": assessable}
	h.Render(w, r, status, "gaps", pg)
}

func (h *handlers) createSubmit(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	a, err := h.svc.CreateAssessment(r.Context(), p, r.FormValue("title"), r.FormValue("framework"))
	if err != nil {
		h.FormError(w, r, "gaps", h.listPageFor(r), err)
		return
	}
	http.Redirect(w, r, "/o/"+p.Org.Slug+"/gap-assessments/"+a.ID, http.StatusSeeOther)
}

// listPageFor is the list page's data, for showing it again with an error.
func (h *handlers) listPageFor(r *http.Request) *web.Page {
	list, _ := h.svc.Assessments(r.Context(), web.PrincipalFrom(r))
	return &web.Page{Title: "Gap assessments", Nav: "controls", Data: map[string]any{"Items": list, "Frameworks": assessable}}
}

// scoreChart draws each group's score as a horizontal bar.
func scoreChart(a *Assessment) template.HTML {
	var b strings.Builder
	height := 28*len(a.Groups) + 4
	fmt.Fprintf(&b, `<svg role="img" aria-label="Scores per group" viewBox="0 0 1000 %d" width="100%%" xmlns="http://www.w3.org/2000/svg">`, height)
	for i, g := range a.Groups {
		y := 4 + 28*i
		fmt.Fprintf(&b, `<text x="0" y="%d" font-size="14" fill="#333">%s</text>`, y+16, template.HTMLEscapeString(g.Name))
		fmt.Fprintf(&b, `<rect x="420" y="%d" width="500" height="20" fill="#e0e0e0"></rect>`, y)
		if g.Score > 0 {
			fmt.Fprintf(&b, `<rect x="420" y="%d" width="%d" height="20" fill="#2e7d32"></rect>`, y, 5*g.Score)
		}
		label := "not answered"
		if g.Score >= 0 {
			label = fmt.Sprintf("%d%%", g.Score)
		}
		fmt.Fprintf(&b, `<text x="930" y="%d" font-size="14" fill="#333">%s</text>`, y+16, label)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // numbers and escaped names
}

func (h *handlers) page(w http.ResponseWriter, r *http.Request) {
	h.renderPage(w, r, http.StatusOK, &web.Page{})
}

func (h *handlers) renderPage(w http.ResponseWriter, r *http.Request, status int, pg *web.Page) {
	p := web.PrincipalFrom(r)
	a, err := h.svc.Assessment(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	others, err := h.svc.Assessments(r.Context(), p)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	var comparable []*Assessment
	for _, o := range others {
		if o.ID != a.ID && o.Framework == a.Framework {
			comparable = append(comparable, o)
		}
	}
	switch r.URL.Query().Get("done") {
	case "finished":
		pg.Notice = a.Ref + " is finished: its answers are kept as they are."
	case "seeded":
		pg.Notice = "The Annex A controls' statuses now follow the answers."
	case "answered":
		pg.Notice = "Answer saved."
	}
	pg.Title, pg.Nav = a.Ref+" "+a.Title, "controls"
	pg.Data = map[string]any{"A": a, "Chart": scoreChart(a), "Answers": AnswerValues, "Labels": AnswerLabels, "Comparable": comparable,
		"CanAnswer": a.Status == InProgress && p.Can(bulwark.PermISMSEdit), "CanSeed": a.Framework == "iso27001-2022" && p.Can(bulwark.PermISMSEdit)}
	h.Render(w, r, status, "gap", pg)
}

func (h *handlers) answerSubmit(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	req := r.FormValue("requirement_id")
	_, err := h.svc.Answer(r.Context(), p, r.PathValue("id"), Item{RequirementID: req, Answer: r.FormValue("answer"), Notes: r.FormValue("notes"), EvidenceURL: r.FormValue("evidence_url")})
	if err != nil {
		if code := bulwark.ErrorCode(err); code == bulwark.EINVALID || code == bulwark.ECONFLICT {
			h.renderPage(w, r, statusOf(code), &web.Page{Error: "The answer was not saved: " + bulwark.ErrorMessage(err) + web.FieldsText(err)})
			return
		}
		h.RenderError(w, r, err)
		return
	}
	http.Redirect(w, r, "/o/"+p.Org.Slug+"/gap-assessments/"+r.PathValue("id")+"?done=answered#q-"+web.AnchorID(req), http.StatusSeeOther)
}

// stepSubmit runs finish or seed from the page: back with a notice, or the page with why it was refused.
func (h *handlers) stepSubmit(done string, step func(r *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := web.ParseForm(w, r); err != nil {
			h.RenderError(w, r, err)
			return
		}
		if err := step(r); err != nil {
			if code := bulwark.ErrorCode(err); code == bulwark.EINVALID || code == bulwark.ECONFLICT {
				h.renderPage(w, r, statusOf(code), &web.Page{Error: bulwark.ErrorMessage(err) + web.FieldsText(err)})
				return
			}
			h.RenderError(w, r, err)
			return
		}
		http.Redirect(w, r, "/o/"+web.PrincipalFrom(r).Org.Slug+"/gap-assessments/"+r.PathValue("id")+"?done="+done, http.StatusSeeOther)
	}
}

// statusOf is the HTTP status of a refusal shown on the page: 409 for a state that stands in the way, 422 for input.
func statusOf(code string) int {
	if code == bulwark.ECONFLICT {
		return http.StatusConflict
	}
	return http.StatusUnprocessableEntity
}

func (h *handlers) comparePage(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	list, err := h.svc.Assessments(r.Context(), p)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	from, to := r.URL.Query().Get("from"), r.URL.Query().Get("to")
	pg := &web.Page{Title: "Compare gap assessments", Nav: "controls"}
	data := map[string]any{"Items": list, "From": from, "To": to, "Labels": AnswerLabels}
	if from != "" && to != "" {
		c, err := h.svc.CompareAssessments(r.Context(), p, from, to)
		if err != nil {
			if bulwark.ErrorCode(err) == bulwark.EINTERNAL {
				h.RenderError(w, r, err)
				return
			}
			pg.Error = bulwark.ErrorMessage(err) + web.FieldsText(err)
		} else {
			data["Comparison"] = c
		}
	}
	pg.Data = data
	h.Render(w, r, http.StatusOK, "gap-compare", pg)
}

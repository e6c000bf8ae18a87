package controls

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/field"
	"github.com/bulwark-isms/bulwark/web"
)

// soaRoutes are the Statement of Applicability's API and pages.
func (h *handlers) soaRoutes() []web.Route {
	exportParams := []field.Param{{Name: "format", Enum: SoAFormats, Help: "default xlsx"},
		{Name: "revision", Kind: field.Int, Help: "an approved revision; the live statement when left out"}}
	compareParams := []field.Param{{Name: "from", Help: "an approved revision number (required)"}, {Name: "to", Help: "an approved revision number, or live (the default)"}}
	return []web.Route{
		{Method: "GET", Pattern: "/api/v1/soa", Perm: bulwark.PermISMSRead, Summary: "The live Statement of Applicability: every Annex A control, then the organisation's own", Handler: h.apiSoA, Response: SoAEntity},
		{Method: "POST", Pattern: "/api/v1/soa/submit", Perm: bulwark.PermISMSEdit, Summary: "Submit the draft SoA for approval", Handler: h.apiSoAStep(h.svc.SubmitSoA), Body: web.Props(), Response: SoAEntity},
		{Method: "POST", Pattern: "/api/v1/soa/approve", Perm: bulwark.PermApprove, Summary: "Approve the submitted SoA as its next revision (not one's own submission where duties are segregated)", Handler: h.apiSoAStep(h.svc.ApproveSoA), Body: web.Props(), Response: SoAEntity},
		{Method: "GET", Pattern: "/api/v1/soa/revisions", Perm: bulwark.PermISMSRead, Summary: "The SoA's approved revisions, newest first", Handler: h.apiSoARevisions, Response: SoARevisionEntity, List: true},
		{Method: "GET", Pattern: "/api/v1/soa/revisions/{n}", Perm: bulwark.PermISMSRead, Summary: "An approved revision of the SoA, as it was approved", Handler: h.apiSoARevision, Response: SoAEntity},
		{Method: "GET", Pattern: "/api/v1/soa/compare", Perm: bulwark.PermISMSRead, Summary: "What changed, control by control, between two revisions (or a revision and the live SoA)", Handler: h.apiSoACompare, Response: SoAComparisonEntity, Query: compareParams},
		{Method: "GET", Pattern: "/api/v1/soa/export", Perm: bulwark.PermISMSRead, Summary: "Export the SoA (?format=xlsx|csv|pdf|json&revision=N)", Handler: h.soaExport, Query: exportParams, Response: SoAEntity,
			Produces: []string{SoAExportContentType["xlsx"], "text/csv", "application/pdf"}},
		{Method: "GET", Pattern: "/o/{slug}/soa", Perm: bulwark.PermISMSRead, Handler: h.soaPage},
		{Method: "POST", Pattern: "/o/{slug}/soa/submit", Perm: bulwark.PermISMSEdit, Handler: h.soaStep("submitted", h.svc.SubmitSoA)},
		{Method: "POST", Pattern: "/o/{slug}/soa/approve", Perm: bulwark.PermApprove, Handler: h.soaStep("approved", h.svc.ApproveSoA)},
		{Method: "POST", Pattern: "/o/{slug}/soa/export", Perm: bulwark.PermISMSRead, Handler: h.soaExport},
		{Method: "GET", Pattern: "/o/{slug}/soa/revisions/{n}", Perm: bulwark.PermISMSRead, Handler: h.soaPage},
		{Method: "GET", Pattern: "/o/{slug}/soa/compare", Perm: bulwark.PermISMSRead, Handler: h.soaComparePage},
	}
}

func (h *handlers) apiSoA(w http.ResponseWriter, r *http.Request) {
	soa, err := h.svc.SoA(r.Context(), web.PrincipalFrom(r))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, soa)
}

// soaStepFunc is a step of the SoA's approval: submit or approve.
type soaStepFunc = func(ctx context.Context, p *bulwark.Principal) (*SoA, error)

func (h *handlers) apiSoAStep(step soaStepFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		soa, err := step(r.Context(), web.PrincipalFrom(r))
		if err != nil {
			h.Problem(w, r, err)
			return
		}
		web.WriteJSON(w, http.StatusOK, soa)
	}
}

func (h *handlers) apiSoARevisions(w http.ResponseWriter, r *http.Request) {
	revs, err := h.svc.SoARevisions(r.Context(), web.PrincipalFrom(r))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": revs, "next_cursor": nil})
}

// revisionParam reads {n}: a revision number, or a 404.
func revisionParam(r *http.Request) (int, error) {
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 1 || n > 1<<31-1 {
		return 0, bulwark.Errorf(bulwark.ENOTFOUND, "The SoA has no such revision.")
	}
	return n, nil
}

func (h *handlers) apiSoARevision(w http.ResponseWriter, r *http.Request) {
	n, err := revisionParam(r)
	if err == nil {
		var soa *SoA
		if soa, err = h.svc.SoARevision(r.Context(), web.PrincipalFrom(r), n); err == nil {
			web.WriteJSON(w, http.StatusOK, soa)
			return
		}
	}
	h.Problem(w, r, err)
}

func (h *handlers) apiSoACompare(w http.ResponseWriter, r *http.Request) {
	c, err := h.svc.CompareSoA(r.Context(), web.PrincipalFrom(r), r.URL.Query().Get("from"), r.URL.Query().Get("to"))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, c)
}

// soaExport downloads the statement, from the API (GET) or the page's export form (POST).
func (h *handlers) soaExport(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	format := r.FormValue("format")
	if format == "" {
		format = "xlsx"
	}
	ct := SoAExportContentType[format]
	if ct == "" {
		h.ProblemOrPage(w, r, bulwark.Invalid("format", "must be one of xlsx, csv, pdf, json"))
		return
	}
	n := 0
	if v := r.FormValue("revision"); v != "" && v != "live" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 || n > 1<<31-1 {
			h.ProblemOrPage(w, r, bulwark.Invalid("revision", "must be an approved revision number such as 2"))
			return
		}
	}
	name := "soa-" + p.Org.Slug
	if n > 0 {
		name += fmt.Sprintf("-revision-%d", n)
	} else {
		name += "-live"
	}
	h.Download(w, r, name+"."+format, ct, func(out io.Writer) error { return h.svc.ExportSoA(r.Context(), p, format, n, out) })
}

// soaPage shows the live statement (with its approval steps) or, at /soa/revisions/{n}, an approved revision.
func (h *handlers) soaPage(w http.ResponseWriter, r *http.Request) {
	h.renderSoA(w, r, http.StatusOK, &web.Page{})
}

func (h *handlers) renderSoA(w http.ResponseWriter, r *http.Request, status int, pg *web.Page) {
	p := web.PrincipalFrom(r)
	var soa *SoA
	var err error
	live := r.PathValue("n") == ""
	if live {
		soa, err = h.svc.SoA(r.Context(), p)
	} else {
		var n int
		if n, err = revisionParam(r); err == nil {
			soa, err = h.svc.SoARevision(r.Context(), p, n)
		}
	}
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	revs, err := h.svc.SoARevisions(r.Context(), p)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	_, names, err := h.Directory(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	all, applicable, implemented := soa.Summary()
	ownSubmission := soa.SubmittedBy != nil && *soa.SubmittedBy == p.MemberID && p.Org.Settings.SegregationOfDuties
	switch r.URL.Query().Get("done") {
	case "submitted":
		pg.Notice = "The SoA is submitted: an owner or admin approves it next."
	case "approved":
		pg.Notice = fmt.Sprintf("The SoA is approved as revision %d.", bulwark.Value(soa.Revision))
	}
	pg.Title, pg.Nav = "Statement of Applicability", "controls"
	if !live {
		pg.Title = fmt.Sprintf("Statement of Applicability, revision %d", bulwark.Value(soa.Revision))
	}
	pg.Data = map[string]any{"SoA": soa, "Live": live, "Revisions": revs, "Names": names, "All": all, "Applicable": applicable,
		"Implemented": implemented, "Excluded": all - applicable, "OwnSubmission": ownSubmission,
		"CanSubmit":  live && soa.Status == SoADraft && p.Can(bulwark.PermISMSEdit),
		"CanApprove": live && soa.Status == SoASubmitted && p.Can(bulwark.PermApprove) && !ownSubmission,
		"RevisionN":  bulwark.Value(soa.Revision)}
	h.Render(w, r, status, "soa", pg)
}

// soaStep runs submit or approve from the page: back to the page with a notice, or the page with the reason
// it was refused.
func (h *handlers) soaStep(done string, step soaStepFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := web.ParseForm(w, r); err != nil {
			h.RenderError(w, r, err)
			return
		}
		p := web.PrincipalFrom(r)
		if _, err := step(r.Context(), p); err != nil {
			if bulwark.ErrorCode(err) == bulwark.ECONFLICT {
				h.renderSoA(w, r, http.StatusConflict, &web.Page{Error: bulwark.ErrorMessage(err)})
				return
			}
			h.RenderError(w, r, err)
			return
		}
		http.Redirect(w, r, "/o/"+p.Org.Slug+"/soa?done="+done, http.StatusSeeOther)
	}
}

func (h *handlers) soaComparePage(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	revs, err := h.svc.SoARevisions(r.Context(), p)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	q := r.URL.Query()
	from, to := q.Get("from"), q.Get("to")
	if to == "" {
		to = "live"
	}
	if from == "" && len(revs) > 0 {
		from = strconv.Itoa(revs[0].Revision)
	}
	pg := &web.Page{Title: "Compare SoA revisions", Nav: "controls"}
	data := map[string]any{"Revisions": revs, "From": from, "To": to}
	if from != "" {
		c, err := h.svc.CompareSoA(r.Context(), p, from, to)
		if err != nil {
			if bulwark.ErrorCode(err) == bulwark.EINTERNAL {
				h.RenderError(w, r, err)
				return
			}
			pg.Error = bulwark.ErrorMessage(err)
		} else {
			data["Comparison"] = c
		}
	}
	pg.Data = data
	h.Render(w, r, http.StatusOK, "soa-compare", pg)
}

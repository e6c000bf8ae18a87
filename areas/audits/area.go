package audits

import (
	"embed"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/field"
	"github.com/bulwark-isms/bulwark/web"
)

//go:embed templates
var templates embed.FS

type handlers struct {
	*web.Server
	svc *Service
}

// Area mounts the audit programme, audits and findings on the server.
func Area(svc *Service) web.Area {
	return web.Area{Name: "audits", Mount: func(s *web.Server) web.Mounted {
		h := &handlers{Server: s, svc: svc}
		return web.Mounted{Templates: templates, Routes: h.routes(), Tasks: h.tasks}
	}}
}

// ProgrammeEntity declares the audit programme's answer.
var ProgrammeEntity = field.FromStruct("AuditProgramme", Programme{})

func (h *handlers) routes() []web.Route {
	yearParam := []field.Param{{Name: "year", Kind: field.Int, Help: "the year, such as 2027 (default: this year)"}}
	return []web.Route{
		{Method: "GET", Pattern: "/api/v1/audits", Perm: bulwark.PermISMSRead, Summary: "List audits, by date", Handler: h.apiList, Response: AuditEntity, List: true, Query: yearParam},
		{Method: "POST", Pattern: "/api/v1/audits", Perm: bulwark.PermISMSCreate, Summary: "Plan an audit (owners, admins, managers)", Handler: h.apiCreate, Request: AuditEntity, Response: AuditEntity, Status: http.StatusCreated},
		{Method: "GET", Pattern: "/api/v1/audits/{id}", Perm: bulwark.PermSelfService, Summary: "Read an audit with its checklist and findings", Handler: h.apiOne, Response: AuditEntity},
		{Method: "PATCH", Pattern: "/api/v1/audits/{id}", Perm: bulwark.PermSelfService, Summary: "Change an audit: planners change its plan, its lead moves its status and writes its conclusion", Handler: h.apiPatch, Request: AuditEntity, Response: AuditEntity},
		{Method: "POST", Pattern: "/api/v1/audits/{id}/checklist", Perm: bulwark.PermSelfService, Summary: "Build the audit's checklist from its scope (planners and its lead); results on lines still in scope are kept", Handler: h.apiGenerate, Body: web.Props(), Response: AuditEntity},
		{Method: "GET", Pattern: "/api/v1/audits/{id}/checklist", Perm: bulwark.PermSelfService, Summary: "The audit's checklist", Handler: h.apiChecklist, Response: LineEntity, List: true},
		{Method: "PATCH", Pattern: "/api/v1/audits/{id}/checklist/{line}", Perm: bulwark.PermSelfService, Summary: "Record a checklist line's result (the audit's lead and team, while it runs)", Handler: h.apiRecord, Request: LineEntity, Response: LineEntity},
		{Method: "GET", Pattern: "/api/v1/audit-programme", Perm: bulwark.PermISMSRead, Summary: "A year's audits, what they cover, and the clauses no audit of the three-year cycle covers", Handler: h.apiProgramme, Response: ProgrammeEntity, Query: yearParam},
		{Method: "GET", Pattern: "/api/v1/findings", Perm: bulwark.PermISMSRead, Summary: "List findings", Handler: h.apiFindings, Response: FindingEntity, List: true,
			Query: []field.Param{{Name: "audit_id"}, {Name: "classification", Enum: Classifications}}},
		{Method: "POST", Pattern: "/api/v1/findings", Perm: bulwark.PermSelfService, Summary: "Raise a finding: in an audit by its team, or directly (from an incident or a failing check); a major or minor nonconformity opens a nonconformity", Handler: h.apiRaise, Request: FindingEntity, Response: FindingEntity, Status: http.StatusCreated},
		{Method: "GET", Pattern: "/api/v1/audits/{id}/export", Perm: bulwark.PermISMSRead, Summary: "The audit report as a PDF: scope, criteria, team, dates, conclusion, checklist results and findings (a draft until the audit is closed)",
			Handler: h.exportReport, Query: []field.Param{{Name: "format", Enum: []string{"pdf"}, Help: "default pdf"}}, Produces: []string{"application/pdf"}},
		h.ExportRoute(h.findingsRegister(), bulwark.PermISMSRead),
		{Method: "GET", Pattern: "/api/v1/findings/{id}", Perm: bulwark.PermSelfService, Summary: "Read a finding", Handler: h.apiFinding, Response: FindingEntity},
		{Method: "PATCH", Pattern: "/api/v1/findings/{id}", Perm: bulwark.PermSelfService, Summary: "Change a finding", Handler: h.apiPatchFinding, Request: FindingEntity, Response: FindingEntity},

		{Method: "GET", Pattern: "/o/{slug}/audits", Perm: bulwark.PermISMSRead, Handler: h.programmePage},
		{Method: "GET", Pattern: "/o/{slug}/audits/new", Perm: bulwark.PermISMSCreate, Handler: h.newPage},
		{Method: "POST", Pattern: "/o/{slug}/audits", Perm: bulwark.PermISMSCreate, Handler: h.createSubmit},
		{Method: "GET", Pattern: "/o/{slug}/audits/{id}", Perm: bulwark.PermSelfService, Handler: h.page},
		{Method: "POST", Pattern: "/o/{slug}/audits/{id}", Perm: bulwark.PermSelfService, Handler: h.editSubmit},
		{Method: "POST", Pattern: "/o/{slug}/audits/{id}/checklist", Perm: bulwark.PermSelfService, Handler: h.generateSubmit},
		{Method: "POST", Pattern: "/o/{slug}/audits/{id}/checklist/{line}", Perm: bulwark.PermSelfService, Handler: h.recordSubmit},
		{Method: "POST", Pattern: "/o/{slug}/audits/{id}/findings", Perm: bulwark.PermSelfService, Handler: h.findingSubmit},
		{Method: "GET", Pattern: "/o/{slug}/findings", Perm: bulwark.PermISMSRead, Handler: h.findingsPage},
		{Method: "POST", Pattern: "/o/{slug}/findings", Perm: bulwark.PermISMSCreateOwn, Handler: h.directFindingSubmit},
		{Method: "POST", Pattern: "/o/{slug}/audits/{id}/export", Perm: bulwark.PermISMSRead, Handler: h.exportReport},
		{Method: "POST", Pattern: "/o/{slug}/findings/export", Perm: bulwark.PermISMSRead, Handler: h.Export(h.findingsRegister())},
	}
}

func inputOf(v field.Values) Input {
	return Input{Title: v.Str("title"), Type: v.Str("type"), Criteria: v.Str("criteria"), Scope: v.Str("scope"), LeadExternal: v.Str("lead_external"),
		Status: v.Str("status"), Conclusion: v.Str("conclusion"), PlannedStart: v.NullStr("planned_start"), PlannedEnd: v.NullStr("planned_end"),
		ActualStart: v.NullStr("actual_start"), ActualEnd: v.NullStr("actual_end"), LeadID: v.NullStr("lead_id"), FrameworkIDs: v.List("framework_ids"),
		RequirementIDs: v.List("requirement_ids"), ControlIDs: v.List("control_ids"), TeamIDs: v.List("team_ids"), TeamExternal: v.List("team_external")}
}

func findingInputOf(v field.Values) FindingInput {
	in := FindingInput{AuditID: v.Str("audit_id"), ChecklistLine: v.NullInt("checklist_line"), Classification: v.Str("classification"), Title: v.Str("title"),
		Description: v.Str("description"), EvidenceSeen: v.Str("evidence_seen"), RaisedOn: v.Str("raised_on"), RequirementID: v.NullStr("requirement_id"),
		ControlID: v.NullStr("control_id"), IncidentID: v.NullStr("incident_id"), CheckID: v.NullStr("check_id")}
	return in
}

func yearOf(r *http.Request) (int, error) {
	s := r.URL.Query().Get("year")
	if s == "" {
		return time.Now().Year(), nil
	}
	y, err := strconv.Atoi(s)
	if err != nil || y < 1900 || y > 9999 {
		return 0, bulwark.Invalid("year", "must be a year such as 2027")
	}
	return y, nil
}

func (h *handlers) apiList(w http.ResponseWriter, r *http.Request) {
	year := 0
	if r.URL.Query().Get("year") != "" {
		var err error
		if year, err = yearOf(r); err != nil {
			h.Problem(w, r, err)
			return
		}
	}
	items, err := h.svc.Audits(r.Context(), web.PrincipalFrom(r), year)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": items, "next_cursor": nil})
}

func (h *handlers) apiCreate(w http.ResponseWriter, r *http.Request) {
	vals, _, err := h.Decode(w, r, AuditEntity)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	a, err := h.svc.Create(r.Context(), web.PrincipalFrom(r), inputOf(vals))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/audits/"+a.ID)
	web.SetETag(w, a.Version)
	web.WriteJSON(w, http.StatusCreated, a)
}

func (h *handlers) apiOne(w http.ResponseWriter, r *http.Request) {
	a, err := h.svc.Audit(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.SetETag(w, a.Version)
	web.WriteJSON(w, http.StatusOK, a)
}

func (h *handlers) apiPatch(w http.ResponseWriter, r *http.Request) {
	if _, err := h.svc.Audit(r.Context(), web.PrincipalFrom(r), r.PathValue("id")); err != nil {
		h.Problem(w, r, err)
		return
	}
	vals, expect, err := h.Decode(w, r, AuditEntity)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	a, err := h.svc.Update(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), inputOf(vals), expect)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.SetETag(w, a.Version)
	web.WriteJSON(w, http.StatusOK, a)
}

func (h *handlers) apiGenerate(w http.ResponseWriter, r *http.Request) {
	a, err := h.svc.GenerateChecklist(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, a)
}

func (h *handlers) apiChecklist(w http.ResponseWriter, r *http.Request) {
	a, err := h.svc.Audit(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": a.Checklist, "next_cursor": nil})
}

func lineNumber(r *http.Request) (int, error) {
	n, err := strconv.Atoi(r.PathValue("line"))
	if err != nil || n < 1 {
		return 0, bulwark.Errorf(bulwark.ENOTFOUND, "Checklist line not found.")
	}
	return n, nil
}

func (h *handlers) apiRecord(w http.ResponseWriter, r *http.Request) {
	n, err := lineNumber(r)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	if _, err := h.svc.Audit(r.Context(), web.PrincipalFrom(r), r.PathValue("id")); err != nil {
		h.Problem(w, r, err)
		return
	}
	vals, _, err := h.Decode(w, r, LineEntity)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	l, err := h.svc.RecordLine(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), n, LineInput{Result: vals.Str("result"), Notes: vals.Str("notes"), EvidenceIDs: vals.List("evidence_ids")})
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, l)
}

func (h *handlers) apiProgramme(w http.ResponseWriter, r *http.Request) {
	year, err := yearOf(r)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	prog, err := h.svc.Programme(r.Context(), web.PrincipalFrom(r), year)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, prog)
}

func (h *handlers) apiFindings(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := FindingFilter{AuditID: q.Get("audit_id"), Classification: q.Get("classification")}
	if f.Classification != "" && !slices.Contains(Classifications, f.Classification) {
		h.Problem(w, r, bulwark.Invalid("classification", "must be one of major_nc, minor_nc, observation, ofi"))
		return
	}
	items, err := h.svc.Findings(r.Context(), web.PrincipalFrom(r), f)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": items, "next_cursor": nil})
}

func (h *handlers) apiRaise(w http.ResponseWriter, r *http.Request) {
	vals, _, err := h.Decode(w, r, FindingEntity)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	f, err := h.svc.RaiseFinding(r.Context(), web.PrincipalFrom(r), findingInputOf(vals))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/findings/"+f.ID)
	web.SetETag(w, f.Version)
	web.WriteJSON(w, http.StatusCreated, f)
}

func (h *handlers) apiFinding(w http.ResponseWriter, r *http.Request) {
	f, err := h.svc.Finding(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.SetETag(w, f.Version)
	web.WriteJSON(w, http.StatusOK, f)
}

func (h *handlers) apiPatchFinding(w http.ResponseWriter, r *http.Request) {
	if _, err := h.svc.Finding(r.Context(), web.PrincipalFrom(r), r.PathValue("id")); err != nil {
		h.Problem(w, r, err)
		return
	}
	vals, expect, err := h.Decode(w, r, FindingEntity)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	f, err := h.svc.UpdateFinding(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), findingInputOf(vals), expect)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.SetETag(w, f.Version)
	web.WriteJSON(w, http.StatusOK, f)
}

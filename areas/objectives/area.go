package objectives

import (
	"embed"
	"fmt"
	"net/http"
	"slices"

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

// Area mounts objectives and their measurements on the server.
func Area(svc *Service) web.Area {
	return web.Area{Name: "objectives", Mount: func(s *web.Server) web.Mounted {
		h := &handlers{Server: s, svc: svc}
		return web.Mounted{Templates: templates, Routes: h.routes(), Dashboard: h.dashboardPart, Tasks: h.tasks}
	}}
}

// listParams are the query parameters of the objectives list.
var listParams = []field.Param{
	{Name: "status", Enum: Statuses, Help: "only objectives in this state"},
	{Name: "owner_id", Help: "only objectives this member owns"},
	{Name: "include_archived", Kind: field.Bool, Help: "archived objectives too"},
}

func (h *handlers) routes() []web.Route {
	reg := web.Register{Kind: "measurements", Title: "measurements", Fields: MeasurementFields, Import: h.svc.ImportMeasurements}
	read, create, edit := bulwark.PermISMSRead, bulwark.PermISMSCreateOwn, bulwark.PermISMSEditOwn
	return []web.Route{
		{Method: "GET", Pattern: "/api/v1/objectives", Perm: read, Summary: "List the security objectives with their metrics and status", Handler: h.apiList, Response: ObjectiveEntity, List: true, Query: listParams},
		{Method: "POST", Pattern: "/api/v1/objectives", Perm: create, Summary: "Set an objective (OBJ-001 …)", Handler: h.apiCreate, Request: ObjectiveEntity, Response: ObjectiveEntity, Status: http.StatusCreated},
		{Method: "GET", Pattern: "/api/v1/objectives/{id}", Perm: read, Summary: "Read an objective (by id or ref) with its metrics and status", Handler: h.apiOne, Response: ObjectiveEntity},
		{Method: "PATCH", Pattern: "/api/v1/objectives/{id}", Perm: edit, Summary: "Change an objective", Handler: h.apiPatch, Request: ObjectiveEntity, Response: ObjectiveEntity},
		{Method: "DELETE", Pattern: "/api/v1/objectives/{id}", Perm: edit, Summary: "Archive an objective (its metrics stop being computed)", Handler: h.apiArchive, Status: http.StatusNoContent},
		{Method: "GET", Pattern: "/api/v1/objectives/{id}/metrics", Perm: read, Summary: "An objective's live metrics with their status", Handler: h.apiMetrics, Response: MetricEntity, List: true},
		{Method: "POST", Pattern: "/api/v1/objectives/{id}/metrics", Perm: edit, Summary: "Add a metric to an objective (MET-001 …)", Handler: h.apiAddMetric, Request: MetricEntity, Response: MetricEntity, Status: http.StatusCreated},
		{Method: "GET", Pattern: "/api/v1/metrics/{id}", Perm: read, Summary: "Read a metric (by id or ref) with its latest measurement and status", Handler: h.apiMetric, Response: MetricEntity},
		{Method: "PATCH", Pattern: "/api/v1/metrics/{id}", Perm: edit, Summary: "Change a metric", Handler: h.apiPatchMetric, Request: MetricEntity, Response: MetricEntity},
		{Method: "DELETE", Pattern: "/api/v1/metrics/{id}", Perm: edit, Summary: "Archive a metric (its measurements are kept)", Handler: h.apiArchiveMetric, Status: http.StatusNoContent},
		{Method: "GET", Pattern: "/api/v1/metrics/{id}/measurements", Perm: read, Summary: "A metric's measurements, oldest first", Handler: h.apiMeasurements, Response: MeasurementEntity, List: true},
		{Method: "POST", Pattern: "/api/v1/metrics/{id}/measurements", Perm: edit, Summary: "Record a manual metric's value on a day (default today); the same day again replaces it", Handler: h.apiRecord, Request: MeasurementEntity, Response: MeasurementEntity, Status: http.StatusCreated},
		{Method: "POST", Pattern: "/api/v1/metrics/{id}/compute", Perm: edit, Summary: "Compute a computed metric from Bulwark's data now, as today's measurement", Handler: h.apiCompute, Body: web.Props(), Response: MeasurementEntity, Status: http.StatusCreated},
		{Method: "DELETE", Pattern: "/api/v1/measurements/{id}", Perm: edit, Summary: "Delete a measurement recorded in error", Handler: h.apiDeleteMeasurement, Status: http.StatusNoContent},
		h.ImportRoute(reg, PermImport),

		{Method: "GET", Pattern: "/o/{slug}/objectives", Perm: read, Handler: h.listPage},
		{Method: "GET", Pattern: "/o/{slug}/objectives/new", Perm: create, Handler: h.newPage},
		{Method: "POST", Pattern: "/o/{slug}/objectives", Perm: create, Handler: h.createSubmit},
		{Method: "GET", Pattern: "/o/{slug}/objectives/{id}", Perm: read, Handler: h.page},
		{Method: "POST", Pattern: "/o/{slug}/objectives/{id}", Perm: edit, Handler: h.editSubmit},
		{Method: "POST", Pattern: "/o/{slug}/objectives/{id}/archive", Perm: edit, Handler: h.archiveSubmit(true)},
		{Method: "POST", Pattern: "/o/{slug}/objectives/{id}/restore", Perm: edit, Handler: h.archiveSubmit(false)},
		{Method: "POST", Pattern: "/o/{slug}/objectives/{id}/metrics", Perm: edit, Handler: h.metricSubmit},
		{Method: "POST", Pattern: "/o/{slug}/metrics/{id}", Perm: edit, Handler: h.metricEditSubmit},
		{Method: "POST", Pattern: "/o/{slug}/metrics/{id}/archive", Perm: edit, Handler: h.metricArchiveSubmit},
		{Method: "POST", Pattern: "/o/{slug}/metrics/{id}/measurements", Perm: edit, Handler: h.measurementSubmit},
		{Method: "POST", Pattern: "/o/{slug}/metrics/{id}/compute", Perm: edit, Handler: h.computeSubmit},
		{Method: "POST", Pattern: "/o/{slug}/measurements/{id}/delete", Perm: edit, Handler: h.measurementDelete},
	}
}

// filterOf reads the list's query parameters.
func filterOf(r *http.Request) (Filter, error) {
	q := r.URL.Query()
	f := Filter{Status: q.Get("status"), OwnerID: q.Get("owner_id"), IncludeArchived: q.Get("include_archived") == "true"}
	if f.Status != "" && !slices.Contains(Statuses, f.Status) {
		return f, bulwark.Invalid("status", "must be on_track, off_track, no_data or achieved")
	}
	return f, nil
}

func objectiveInputOf(v field.Values) ObjectiveInput {
	return ObjectiveInput{Title: v.Str("title"), Description: v.Str("description"), Target: v.Str("target"), Deadline: v.Str("deadline"),
		OwnerID: v.NullStr("owner_id"), RiskIDs: v.List("risk_ids"), ControlIDs: v.List("control_ids")}
}

// numberOf reads a number field of a JSON body (nil when not given).
func numberOf(v field.Values, name string) (*float64, error) {
	if !v.Has(name) {
		return nil, nil
	}
	var f float64
	if _, err := v.Into(name, &f); err != nil || !finite(f) {
		return nil, bulwark.Invalid(name, "must be a number")
	}
	return &f, nil
}

func metricInputOf(v field.Values) (MetricInput, error) {
	in := MetricInput{Name: v.Str("name"), Unit: v.Str("unit"), Direction: v.Str("direction"), Frequency: v.Str("frequency"), Source: v.Str("source"), OwnerID: v.NullStr("owner_id")}
	var err error
	in.Target, err = numberOf(v, "target")
	return in, err
}

func (h *handlers) apiList(w http.ResponseWriter, r *http.Request) {
	f, err := filterOf(r)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	os, err := h.svc.Objectives(r.Context(), web.PrincipalFrom(r), f)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": os, "next_cursor": nil})
}

func (h *handlers) apiCreate(w http.ResponseWriter, r *http.Request) {
	vals, _, err := h.Decode(w, r, ObjectiveEntity)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	o, err := h.svc.CreateObjective(r.Context(), web.PrincipalFrom(r), objectiveInputOf(vals))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/objectives/"+o.ID)
	w.Header().Set("ETag", fmt.Sprintf(`"%d"`, o.Version))
	web.WriteJSON(w, http.StatusCreated, o)
}

func (h *handlers) apiOne(w http.ResponseWriter, r *http.Request) {
	o, err := h.svc.Objective(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	w.Header().Set("ETag", fmt.Sprintf(`"%d"`, o.Version))
	web.WriteJSON(w, http.StatusOK, o)
}

func (h *handlers) apiPatch(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if _, err := h.svc.Objective(r.Context(), p, r.PathValue("id")); err != nil { // another organisation's: 404 before reading the body
		h.Problem(w, r, err)
		return
	}
	vals, expect, err := h.Decode(w, r, ObjectiveEntity)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	o, err := h.svc.UpdateObjective(r.Context(), p, r.PathValue("id"), objectiveInputOf(vals), expect, nil)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	w.Header().Set("ETag", fmt.Sprintf(`"%d"`, o.Version))
	web.WriteJSON(w, http.StatusOK, o)
}

func (h *handlers) apiArchive(w http.ResponseWriter, r *http.Request) {
	yes := true
	expect, err := web.IfMatch(r)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	if _, err := h.svc.UpdateObjective(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), ObjectiveInput{}, expect, &yes); err != nil {
		h.Problem(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *handlers) apiMetrics(w http.ResponseWriter, r *http.Request) {
	ms, err := h.svc.Metrics(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": ms, "next_cursor": nil})
}

func (h *handlers) apiAddMetric(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if _, err := h.svc.Objective(r.Context(), p, r.PathValue("id")); err != nil {
		h.Problem(w, r, err)
		return
	}
	vals, _, err := h.Decode(w, r, MetricEntity)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	in, err := metricInputOf(vals)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	m, err := h.svc.AddMetric(r.Context(), p, r.PathValue("id"), in)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/metrics/"+m.ID)
	w.Header().Set("ETag", fmt.Sprintf(`"%d"`, m.Version))
	web.WriteJSON(w, http.StatusCreated, m)
}

func (h *handlers) apiMetric(w http.ResponseWriter, r *http.Request) {
	m, err := h.svc.Metric(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	w.Header().Set("ETag", fmt.Sprintf(`"%d"`, m.Version))
	web.WriteJSON(w, http.StatusOK, m)
}

func (h *handlers) apiPatchMetric(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if _, err := h.svc.Metric(r.Context(), p, r.PathValue("id")); err != nil {
		h.Problem(w, r, err)
		return
	}
	vals, expect, err := h.Decode(w, r, MetricEntity)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	in, err := metricInputOf(vals)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	m, err := h.svc.UpdateMetric(r.Context(), p, r.PathValue("id"), in, expect, nil)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	w.Header().Set("ETag", fmt.Sprintf(`"%d"`, m.Version))
	web.WriteJSON(w, http.StatusOK, m)
}

func (h *handlers) apiArchiveMetric(w http.ResponseWriter, r *http.Request) {
	yes := true
	expect, err := web.IfMatch(r)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	if _, err := h.svc.UpdateMetric(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), MetricInput{}, expect, &yes); err != nil {
		h.Problem(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *handlers) apiMeasurements(w http.ResponseWriter, r *http.Request) {
	_, xs, err := h.svc.MetricMeasurements(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": xs, "next_cursor": nil})
}

func (h *handlers) apiRecord(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if _, err := h.svc.Metric(r.Context(), p, r.PathValue("id")); err != nil {
		h.Problem(w, r, err)
		return
	}
	vals, err := h.DecodeCreate(w, r, MeasurementEntity)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	value, err := numberOf(vals, "value")
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	x, err := h.svc.RecordMeasurement(r.Context(), p, r.PathValue("id"), MeasurementInput{Date: vals.Str("date"), Value: value, Note: vals.Str("note")})
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, x)
}

func (h *handlers) apiCompute(w http.ResponseWriter, r *http.Request) {
	x, err := h.svc.Compute(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, x)
}

func (h *handlers) apiDeleteMeasurement(w http.ResponseWriter, r *http.Request) {
	if err := h.svc.DeleteMeasurement(r.Context(), web.PrincipalFrom(r), r.PathValue("id")); err != nil {
		h.Problem(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

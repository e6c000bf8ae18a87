package web

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/sqlstore"
)

func (s *Server) apiMethodology(w http.ResponseWriter, r *http.Request) {
	m, err := s.svc.Methodology(r.Context(), principalFrom(r), 0)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, m)
}

func (s *Server) apiMethodologies(w http.ResponseWriter, r *http.Request) {
	ms, err := s.svc.Methodologies(r.Context(), principalFrom(r))
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": ms, "next_cursor": nil})
}

func (s *Server) apiMethodologyPut(w http.ResponseWriter, r *http.Request) {
	fields, err := s.decodeJSON(w, r)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	fr := newFieldReader(fields)
	var m bulwark.Methodology
	fr.get("likelihood", &m.Likelihood)
	fr.get("impact", &m.Impact)
	fr.get("score_rule", &m.ScoreRule)
	fr.get("matrix", &m.Matrix)
	fr.get("levels", &m.Levels)
	fr.get("acceptable_up_to", &m.AcceptableUpTo)
	fr.readOnly("version", "status", "created_by", "approved_by", "approved_at")
	if err := fr.err(); err != nil {
		s.problem(w, r, err)
		return
	}
	saved, err := s.svc.SaveMethodology(r.Context(), principalFrom(r), &m)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, saved)
}

func (s *Server) apiMethodologyApprove(w http.ResponseWriter, r *http.Request) {
	v, err := strconv.Atoi(r.PathValue("version"))
	if err != nil || v < 1 || v > 1<<31-1 {
		s.problem(w, r, bulwark.Errorf(bulwark.ENOTFOUND, "Methodology version not found."))
		return
	}
	m, err := s.svc.ApproveMethodology(r.Context(), principalFrom(r), v)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, m)
}

// riskInput reads a risk body; create requires a title.
func riskInput(fr *fieldReader, create bool) app.RiskInput {
	in := app.RiskInput{
		Ref: fr.str("ref", false), Title: fr.str("title", true), Description: fr.str("description", false), Category: fr.str("category", false),
		Threat: fr.str("threat", false), Vulnerability: fr.str("vulnerability", false), ThreatID: fr.nullableStr("threat_id"),
		VulnerabilityID: fr.nullableStr("vulnerability_id"), OwnerID: fr.nullableStr("owner_id"), Treatment: fr.nullableStr("treatment"),
		TargetDate: fr.nullableStr("target_date"), ReviewDate: fr.nullableStr("review_date"), AssetIDs: fr.strings("asset_ids"), ControlIDs: fr.strings("control_ids"),
		AffectsConfidentiality: fr.boolean("affects_confidentiality"), AffectsIntegrity: fr.boolean("affects_integrity"), AffectsAvailability: fr.boolean("affects_availability"),
		InherentLikelihood: fr.nullableInt("inherent_likelihood"), InherentImpact: fr.nullableInt("inherent_impact"),
		ResidualLikelihood: fr.nullableInt("residual_likelihood"), ResidualImpact: fr.nullableInt("residual_impact"), Status: fr.str("status", true),
	}
	var reason string
	if fr.get("review_reason", &reason) {
		in.Reason = reason
	}
	if create && in.Title == nil && !fr.has("title") {
		fr.v.Add("title", "is required")
	}
	fr.readOnly("id", "inherent_score", "inherent_level", "residual_score", "residual_level", "methodology_version", "created_at", "updated_at", "archived_at")
	return in
}

func riskFilter(r *http.Request) (sqlstore.RiskFilter, error) {
	q := r.URL.Query()
	f := sqlstore.RiskFilter{Q: q.Get("q"), Status: q.Get("status"), OwnerID: q.Get("owner_id"), Treatment: q.Get("treatment"), Level: q.Get("level"),
		Category: q.Get("category"), Kind: q.Get("kind"), ReviewBefore: q.Get("review_before"), IncludeArchived: q.Get("include_archived") == "true",
		Sort: q.Get("sort"), Cursor: q.Get("cursor")}
	var v bulwark.Validation
	for _, n := range []struct {
		name string
		dst  *int
	}{{"limit", &f.Limit}, {"likelihood", &f.Likelihood}, {"impact", &f.Impact}, {"methodology_version", &f.MethodologyVersion}} {
		if s := q.Get(n.name); s != "" {
			x, err := strconv.Atoi(s)
			if err != nil || x < 1 || x > 500 {
				v.Add(n.name, "must be a number from 1 to 500")
			}
			*n.dst = x
		}
	}
	if f.ReviewBefore != "" && !bulwark.ValidDate(f.ReviewBefore) {
		v.Add("review_before", "must be a date such as 2026-12-31")
	}
	return f, v.Err()
}

func (s *Server) apiRisks(w http.ResponseWriter, r *http.Request) {
	f, err := riskFilter(r)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	rs, next, err := s.svc.Risks(r.Context(), principalFrom(r), f)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	if rs == nil {
		rs = []*bulwark.Risk{}
	}
	var nc any
	if next != "" {
		nc = next
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": rs, "next_cursor": nc})
}

func (s *Server) apiRisk(w http.ResponseWriter, r *http.Request) {
	rk, err := s.svc.Risk(r.Context(), principalFrom(r), r.PathValue("id"))
	if err != nil {
		s.problem(w, r, err)
		return
	}
	w.Header().Set("ETag", fmt.Sprintf(`"%d"`, rk.Version))
	writeJSON(w, http.StatusOK, rk)
}

func (s *Server) apiRiskCreate(w http.ResponseWriter, r *http.Request) {
	fields, err := s.decodeJSON(w, r)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	fr := newFieldReader(fields)
	in := riskInput(fr, true)
	fr.used["version"] = true
	if err := fr.err(); err != nil {
		s.problem(w, r, err)
		return
	}
	rk, err := s.svc.CreateRisk(r.Context(), principalFrom(r), in)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/risks/"+rk.ID)
	w.Header().Set("ETag", fmt.Sprintf(`"%d"`, rk.Version))
	writeJSON(w, http.StatusCreated, rk)
}

func (s *Server) apiRiskPatch(w http.ResponseWriter, r *http.Request) {
	fields, err := s.decodeJSON(w, r)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	fr := newFieldReader(fields)
	in := riskInput(fr, false)
	expect, err := fr.version(r)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	if err := fr.err(); err != nil {
		s.problem(w, r, err)
		return
	}
	out, err := s.svc.UpdateRisk(r.Context(), principalFrom(r), r.PathValue("id"), in, expect, nil)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	if out.Notice != "" {
		w.Header().Set("Bulwark-Notice", out.Notice)
	}
	w.Header().Set("ETag", fmt.Sprintf(`"%d"`, out.Risk.Version))
	writeJSON(w, http.StatusOK, out.Risk)
}

func (s *Server) apiRiskArchive(w http.ResponseWriter, r *http.Request) {
	yes := true
	if _, err := s.svc.UpdateRisk(r.Context(), principalFrom(r), r.PathValue("id"), app.RiskInput{}, nil, &yes); err != nil {
		s.problem(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiSignOffs(w http.ResponseWriter, r *http.Request) {
	so, err := s.svc.SignOffs(r.Context(), principalFrom(r), r.PathValue("id"))
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": so, "next_cursor": nil})
}

func (s *Server) apiSignOff(w http.ResponseWriter, r *http.Request) {
	fields, err := s.decodeJSON(w, r)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	fr := newFieldReader(fields)
	var comment string
	fr.get("comment", &comment)
	if err := fr.err(); err != nil {
		s.problem(w, r, err)
		return
	}
	so, err := s.svc.SignOff(r.Context(), principalFrom(r), r.PathValue("id"), comment)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, so)
}

func (s *Server) apiRiskReviews(w http.ResponseWriter, r *http.Request) {
	rv, err := s.svc.RiskReviews(r.Context(), principalFrom(r), r.PathValue("id"))
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": rv, "next_cursor": nil})
}

func (s *Server) apiHeatmap(w http.ResponseWriter, r *http.Request) {
	h, err := s.svc.RiskHeatmap(r.Context(), principalFrom(r), r.URL.Query().Get("kind"))
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, h)
}

func (s *Server) apiLibrary(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		items, err := s.svc.Library(r.Context(), principalFrom(r), kind)
		if err != nil {
			s.problem(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"items": items, "next_cursor": nil})
	}
}

// methodologySchema documents the methodology body in the OpenAPI document.
var methodologySchema = map[string]any{
	"likelihood": map[string]any{"type": "array", "minItems": 3, "maxItems": 10, "items": scaleLevelSchema},
	"impact":     map[string]any{"type": "array", "minItems": 3, "maxItems": 10, "items": scaleLevelSchema},
	"score_rule": map[string]any{"type": "string", "enum": []string{"product", "matrix"}},
	"matrix":     map[string]any{"type": "array", "description": "rows per likelihood, cells per impact; for score_rule matrix", "items": map[string]any{"type": "array", "items": map[string]any{"type": "integer"}}},
	"levels": map[string]any{"type": "array", "minItems": 2, "maxItems": 10, "items": map[string]any{"type": "object", "required": []string{"label", "min", "max"},
		"properties": map[string]any{"label": map[string]any{"type": "string"}, "min": map[string]any{"type": "integer"}, "max": map[string]any{"type": "integer"}, "color": map[string]any{"type": "string", "pattern": "^#[0-9a-fA-F]{6}$"}}}},
	"acceptable_up_to": map[string]any{"type": "string", "description": "label of the highest level whose residual risk is acceptable"},
}

var scaleLevelSchema = map[string]any{"type": "object", "required": []string{"value", "label"}, "properties": map[string]any{
	"value": map[string]any{"type": "integer"}, "label": map[string]any{"type": "string"}, "description": map[string]any{"type": "string"}}}

var riskBody = props("ref", "string", "title", "string", "description", "string", "category", "string", "threat", "string", "vulnerability", "string",
	"threat_id", "string", "vulnerability_id", "string", "asset_ids", "array", "owner_id", "string", "affects_confidentiality", "boolean",
	"affects_integrity", "boolean", "affects_availability", "boolean", "inherent_likelihood", "integer", "inherent_impact", "integer",
	"treatment", "string", "control_ids", "array", "residual_likelihood", "integer", "residual_impact", "integer", "target_date", "string",
	"status", "string", "review_date", "string", "review_reason", "string", "version", "integer")

func actionInput(fr *fieldReader) app.ActionInput {
	in := app.ActionInput{Title: fr.str("title", true), OwnerID: fr.nullableStr("owner_id"), DueDate: fr.nullableStr("due_date"), Status: fr.str("status", true)}
	fr.readOnly("id", "risk_id", "risk_ref", "created_at", "updated_at")
	return in
}

func (s *Server) apiActions(w http.ResponseWriter, r *http.Request) {
	as, err := s.svc.Actions(r.Context(), principalFrom(r), r.PathValue("id"))
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": as, "next_cursor": nil})
}

func (s *Server) apiActionSave(w http.ResponseWriter, r *http.Request) {
	fields, err := s.decodeJSON(w, r)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	fr := newFieldReader(fields)
	in := actionInput(fr)
	expect, err := fr.version(r)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	create := r.PathValue("action") == ""
	if create && in.Title == nil {
		fr.v.Add("title", "is required")
	}
	if err := fr.err(); err != nil {
		s.problem(w, r, err)
		return
	}
	a, err := s.svc.SaveAction(r.Context(), principalFrom(r), r.PathValue("id"), r.PathValue("action"), in, expect)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	if create {
		w.Header().Set("Location", "/api/v1/risks/"+a.RiskID+"/actions/"+a.ID)
		writeJSON(w, http.StatusCreated, a)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

func (s *Server) apiMyTasks(w http.ResponseWriter, r *http.Request) {
	t, err := s.svc.MyTasks(r.Context(), principalFrom(r))
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

func (s *Server) apiRescorePreview(w http.ResponseWriter, r *http.Request) {
	items, err := s.svc.RescorePreview(r.Context(), principalFrom(r))
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "next_cursor": nil})
}

func (s *Server) apiSuggestedControls(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r)
	rk, err := s.svc.Risk(r.Context(), p, r.PathValue("id"))
	if err != nil {
		s.problem(w, r, err)
		return
	}
	cs, err := s.svc.SuggestedControls(r.Context(), p, rk)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	if cs == nil {
		cs = []*bulwark.Control{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": cs, "next_cursor": nil})
}

func (s *Server) apiLibrarySave(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		fields, err := s.decodeJSON(w, r)
		if err != nil {
			s.problem(w, r, err)
			return
		}
		fr := newFieldReader(fields)
		in := app.LibraryInput{Name: fr.str("name", true), Category: fr.str("category", false), Description: fr.str("description", false), Controls: fr.strings("controls")}
		fr.readOnly("id", "kind", "ref", "affects")
		if r.PathValue("id") == "" && in.Name == nil {
			fr.v.Add("name", "is required")
		}
		if err := fr.err(); err != nil {
			s.problem(w, r, err)
			return
		}
		it, err := s.svc.SaveLibraryItem(r.Context(), principalFrom(r), kind, r.PathValue("id"), in)
		if err != nil {
			s.problem(w, r, err)
			return
		}
		status := http.StatusOK
		if r.PathValue("id") == "" {
			status = http.StatusCreated
			w.Header().Set("Location", r.URL.Path+"/"+it.ID)
		}
		writeJSON(w, status, it)
	}
}

package risks

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/areas/controls"
	"github.com/bulwark-isms/bulwark/web"
)

func (s *handlers) apiMethodology(w http.ResponseWriter, r *http.Request) {
	m, err := s.svc.Methodology(r.Context(), web.PrincipalFrom(r), 0)
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, m)
}

func (s *handlers) apiMethodologies(w http.ResponseWriter, r *http.Request) {
	ms, err := s.svc.Methodologies(r.Context(), web.PrincipalFrom(r))
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": ms, "next_cursor": nil})
}

func (s *handlers) apiMethodologyPut(w http.ResponseWriter, r *http.Request) {
	vals, err := s.DecodeCreate(w, r, MethodologyEntity)
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	var m Methodology
	var v bulwark.Validation
	for name, dst := range map[string]any{"likelihood": &m.Likelihood, "impact": &m.Impact, "matrix": &m.Matrix, "levels": &m.Levels} {
		if _, err := vals.Into(name, dst); err != nil {
			v.Add(name, "has the wrong shape")
		}
	}
	if err := v.Err(); err != nil {
		s.Problem(w, r, err)
		return
	}
	m.ScoreRule, m.AcceptableUpTo = *vals.Str("score_rule"), *vals.Str("acceptable_up_to")
	saved, err := s.svc.SaveMethodology(r.Context(), web.PrincipalFrom(r), &m)
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, saved)
}

func (s *handlers) apiMethodologyApprove(w http.ResponseWriter, r *http.Request) {
	v, err := strconv.Atoi(r.PathValue("version"))
	if err != nil || v < 1 || v > 1<<31-1 {
		s.Problem(w, r, bulwark.Errorf(bulwark.ENOTFOUND, "Methodology version not found."))
		return
	}
	m, err := s.svc.ApproveMethodology(r.Context(), web.PrincipalFrom(r), v)
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, m)
}

// riskInput reads a risk body; create requires a title.

func riskFilter(r *http.Request) (RiskFilter, error) {
	q := r.URL.Query()
	f := RiskFilter{Q: q.Get("q"), Status: q.Get("status"), OwnerID: q.Get("owner_id"), Treatment: q.Get("treatment"), Level: q.Get("level"),
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

func (s *handlers) apiRisks(w http.ResponseWriter, r *http.Request) {
	f, err := riskFilter(r)
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	rs, next, err := s.svc.Risks(r.Context(), web.PrincipalFrom(r), f)
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	if rs == nil {
		rs = []*Risk{}
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": rs, "next_cursor": web.NextCursor(next)})
}

func (s *handlers) apiRisk(w http.ResponseWriter, r *http.Request) {
	rk, err := s.svc.Risk(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	w.Header().Set("ETag", fmt.Sprintf(`"%d"`, rk.Version))
	web.WriteJSON(w, http.StatusOK, rk)
}

func (s *handlers) apiRiskCreate(w http.ResponseWriter, r *http.Request) {
	vals, _, err := s.Decode(w, r, RiskEntity)
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	rk, err := s.svc.CreateRisk(r.Context(), web.PrincipalFrom(r), riskInputOf(vals))
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/risks/"+rk.ID)
	w.Header().Set("ETag", fmt.Sprintf(`"%d"`, rk.Version))
	web.WriteJSON(w, http.StatusCreated, rk)
}

func (s *handlers) apiRiskPatch(w http.ResponseWriter, r *http.Request) {
	if err := s.found(r); err != nil { // the row first: another organisation's id is a 404 whatever the body
		s.Problem(w, r, err)
		return
	}
	vals, expect, err := s.Decode(w, r, RiskEntity)
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	out, err := s.svc.UpdateRisk(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), riskInputOf(vals), expect, nil)
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	if out.Notice != "" {
		w.Header().Set("Bulwark-Notice", out.Notice)
	}
	w.Header().Set("ETag", fmt.Sprintf(`"%d"`, out.Risk.Version))
	web.WriteJSON(w, http.StatusOK, out.Risk)
}

func (s *handlers) apiRiskArchive(w http.ResponseWriter, r *http.Request) {
	yes := true
	if _, err := s.svc.UpdateRisk(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), RiskInput{}, nil, &yes); err != nil {
		s.Problem(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *handlers) apiSignOffs(w http.ResponseWriter, r *http.Request) {
	so, err := s.svc.SignOffs(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": so, "next_cursor": nil})
}

func (s *handlers) apiSignOff(w http.ResponseWriter, r *http.Request) {
	if err := s.found(r); err != nil { // the row first: another organisation's id is a 404 whatever the body
		s.Problem(w, r, err)
		return
	}
	vals, _, err := s.Decode(w, r, SignOffEntity)
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	var comment string
	if c := vals.Str("comment"); c != nil {
		comment = *c
	}
	so, err := s.svc.SignOff(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), comment)
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, so)
}

func (s *handlers) apiRiskReviews(w http.ResponseWriter, r *http.Request) {
	rv, err := s.svc.RiskReviews(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": rv, "next_cursor": nil})
}

func (s *handlers) apiHeatmap(w http.ResponseWriter, r *http.Request) {
	h, err := s.svc.RiskHeatmap(r.Context(), web.PrincipalFrom(r), r.URL.Query().Get("kind"))
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, h)
}

func (s *handlers) apiLibrary(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		items, err := s.svc.Library(r.Context(), web.PrincipalFrom(r), kind)
		if err != nil {
			s.Problem(w, r, err)
			return
		}
		web.WriteJSON(w, http.StatusOK, map[string]any{"items": items, "next_cursor": nil})
	}
}

// methodologySchema documents the methodology body in the OpenAPI document.

func (s *handlers) apiActions(w http.ResponseWriter, r *http.Request) {
	as, err := s.svc.Actions(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": as, "next_cursor": nil})
}

func (s *handlers) apiActionSave(w http.ResponseWriter, r *http.Request) {
	if err := s.found(r); err != nil { // the row first: another organisation's id is a 404 whatever the body
		s.Problem(w, r, err)
		return
	}
	vals, expect, err := s.Decode(w, r, ActionEntity)
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	create := r.PathValue("action") == ""
	in := ActionInput{Title: vals.Str("title"), OwnerID: vals.NullStr("owner_id"), DueDate: vals.NullStr("due_date"), Status: vals.Str("status")}
	a, err := s.svc.SaveAction(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), r.PathValue("action"), in, expect)
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	if create {
		w.Header().Set("Location", "/api/v1/risks/"+a.RiskID+"/actions/"+a.ID)
		web.WriteJSON(w, http.StatusCreated, a)
		return
	}
	web.WriteJSON(w, http.StatusOK, a)
}

func (s *handlers) apiMyTasks(w http.ResponseWriter, r *http.Request) {
	t, err := s.svc.MyTasks(r.Context(), web.PrincipalFrom(r))
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, t)
}

func (s *handlers) apiRescorePreview(w http.ResponseWriter, r *http.Request) {
	items, err := s.svc.RescorePreview(r.Context(), web.PrincipalFrom(r))
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": items, "next_cursor": nil})
}

func (s *handlers) apiSuggestedControls(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	rk, err := s.svc.Risk(r.Context(), p, r.PathValue("id"))
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	cs, err := s.svc.SuggestedControls(r.Context(), p, rk)
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	if cs == nil {
		cs = []*controls.Control{}
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": cs, "next_cursor": nil})
}

func (s *handlers) apiLibrarySave(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := s.foundInLibrary(r, kind); err != nil { // as found, for the library's entries
			s.Problem(w, r, err)
			return
		}
		vals, _, err := s.Decode(w, r, LibraryItemEntity)
		if err != nil {
			s.Problem(w, r, err)
			return
		}
		in := LibraryInput{Name: vals.Str("name"), Category: vals.Str("category"), Description: vals.Str("description"), Controls: vals.List("controls")}
		it, err := s.svc.SaveLibraryItem(r.Context(), web.PrincipalFrom(r), kind, r.PathValue("id"), in)
		if err != nil {
			s.Problem(w, r, err)
			return
		}
		status := http.StatusOK
		if r.PathValue("id") == "" {
			status = http.StatusCreated
			w.Header().Set("Location", r.URL.Path+"/"+it.ID)
		}
		web.WriteJSON(w, status, it)
	}
}

// found answers ENOTFOUND unless the path's risk (and its action, for an
// action's path) is of the principal's organisation. Handlers that read a body
// call it first, so that another organisation's id is a 404 before the body is
// validated.
func (s *handlers) found(r *http.Request) error {
	ctx, orgID, riskID := r.Context(), web.PrincipalFrom(r).Org.ID, r.PathValue("id")
	return s.svc.view(ctx, func(tx store) error {
		if _, err := tx.Risk(ctx, orgID, riskID); err != nil {
			return err
		}
		if action := r.PathValue("action"); action != "" {
			_, err := tx.Action(ctx, orgID, riskID, action)
			return err
		}
		return nil
	})
}

// foundInLibrary is found for an entry of kind of the library (none to find
// when the path names none: a new entry).
func (s *handlers) foundInLibrary(r *http.Request, kind string) error {
	id := r.PathValue("id")
	if id == "" {
		return nil
	}
	return s.svc.view(r.Context(), func(tx store) error {
		it, err := tx.LibraryItem(r.Context(), web.PrincipalFrom(r).Org.ID, id)
		if err == nil && it.Kind != kind {
			err = bulwark.Errorf(bulwark.ENOTFOUND, "Library entry not found.")
		}
		return err
	})
}

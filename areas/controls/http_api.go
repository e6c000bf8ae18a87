package controls

import (
	"fmt"
	"net/http"

	"github.com/bulwark-isms/bulwark/web"
)

func controlFilter(r *http.Request) ControlFilter {
	q := r.URL.Query()
	return ControlFilter{Status: q.Get("status"), OwnerID: q.Get("owner_id"), Theme: q.Get("theme"), Q: q.Get("q"), IncludeArchived: q.Get("include_archived") == "true"}
}

func (s *handlers) apiControls(w http.ResponseWriter, r *http.Request) {
	cs, err := s.svc.Controls(r.Context(), web.PrincipalFrom(r), controlFilter(r))
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	if cs == nil {
		cs = []*Control{}
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": cs, "next_cursor": nil})
}

func (s *handlers) apiControl(w http.ResponseWriter, r *http.Request) {
	c, err := s.svc.Control(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	w.Header().Set("ETag", fmt.Sprintf(`"%d"`, c.Version))
	web.WriteJSON(w, http.StatusOK, c)
}

func controlInput(fr *web.FieldReader, create bool) ControlInput {
	in := ControlInput{
		Title: fr.Str("title", true), Description: fr.Str("description", false), OwnerID: fr.NullableStr("owner_id"),
		Status: fr.Str("status", true), Implementation: fr.Str("implementation_description", false), ReviewDate: fr.NullableStr("review_date"),
		RequirementIDs: fr.Strings("requirement_ids"), RiskIDs: fr.Strings("risk_ids"),
	}
	if create && in.Title == nil {
		fr.Invalid("title", "is required")
	}
	fr.ReadOnly("id", "ref", "requirement_id", "requirements", "created_at", "updated_at", "archived_at")
	return in
}

func (s *handlers) apiControlCreate(w http.ResponseWriter, r *http.Request) {
	fields, err := s.DecodeJSON(w, r)
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	fr := web.NewFieldReader(fields)
	in := controlInput(fr, true)
	if err := fr.Err(); err != nil {
		s.Problem(w, r, err)
		return
	}
	c, err := s.svc.CreateControl(r.Context(), web.PrincipalFrom(r), in)
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/controls/"+c.ID)
	w.Header().Set("ETag", fmt.Sprintf(`"%d"`, c.Version))
	web.WriteJSON(w, http.StatusCreated, c)
}

func (s *handlers) apiControlPatch(w http.ResponseWriter, r *http.Request) {
	fields, err := s.DecodeJSON(w, r)
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	fr := web.NewFieldReader(fields)
	in := controlInput(fr, false)
	expect, err := fr.Version(r)
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	if err := fr.Err(); err != nil {
		s.Problem(w, r, err)
		return
	}
	c, err := s.svc.UpdateControl(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), in, expect, nil)
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	w.Header().Set("ETag", fmt.Sprintf(`"%d"`, c.Version))
	web.WriteJSON(w, http.StatusOK, c)
}

func (s *handlers) apiControlArchive(w http.ResponseWriter, r *http.Request) {
	yes := true
	if _, err := s.svc.UpdateControl(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), ControlInput{}, nil, &yes); err != nil {
		s.Problem(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

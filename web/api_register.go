package web

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/sqlstore"
)

func (s *Server) apiFrameworks(w http.ResponseWriter, r *http.Request) {
	fs, err := s.svc.Frameworks(r.Context(), PrincipalFrom(r))
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, map[string]any{"items": fs, "next_cursor": nil})
}

func (s *Server) apiFramework(w http.ResponseWriter, r *http.Request) {
	f, err := s.svc.Framework(r.Context(), PrincipalFrom(r), r.PathValue("key"))
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, f)
}

// requirementFilter reads search, kind and attribute filters from the query.
func requirementFilter(r *http.Request) (bulwark.RequirementFilter, error) {
	q := r.URL.Query()
	f := bulwark.RequirementFilter{Q: q.Get("q"), Kind: q.Get("kind"), Attributes: map[string]string{}, After: -1}
	for _, a := range bulwark.FilterAttributes {
		if v := q.Get(a); v != "" {
			f.Attributes[a] = v
		}
	}
	var v bulwark.Validation
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 500 {
			v.Add("limit", "must be a number from 1 to 500")
		}
		f.Limit = n
	}
	if c := q.Get("cursor"); c != "" {
		n, err := strconv.Atoi(c)
		if err != nil || n < 0 {
			v.Add("cursor", "is not a cursor returned by this list")
		}
		f.After = n
	}
	return f, v.Err()
}

func (s *Server) apiRequirements(w http.ResponseWriter, r *http.Request) {
	f, err := requirementFilter(r)
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	_, rs, next, err := s.svc.Requirements(r.Context(), PrincipalFrom(r), r.PathValue("key"), f)
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	var nc any
	if next >= 0 {
		nc = strconv.Itoa(next)
	}
	if rs == nil {
		rs = []*bulwark.Requirement{}
	}
	WriteJSON(w, http.StatusOK, map[string]any{"items": rs, "next_cursor": nc})
}

func (s *Server) apiRequirement(w http.ResponseWriter, r *http.Request) {
	req, err := s.svc.Requirement(r.Context(), PrincipalFrom(r), r.PathValue("id"))
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, req)
}

func controlFilter(r *http.Request) sqlstore.ControlFilter {
	q := r.URL.Query()
	return sqlstore.ControlFilter{Status: q.Get("status"), OwnerID: q.Get("owner_id"), Theme: q.Get("theme"), Q: q.Get("q"), IncludeArchived: q.Get("include_archived") == "true"}
}

func (s *Server) apiControls(w http.ResponseWriter, r *http.Request) {
	cs, err := s.svc.Controls(r.Context(), PrincipalFrom(r), controlFilter(r))
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	if cs == nil {
		cs = []*bulwark.Control{}
	}
	WriteJSON(w, http.StatusOK, map[string]any{"items": cs, "next_cursor": nil})
}

func (s *Server) apiControl(w http.ResponseWriter, r *http.Request) {
	c, err := s.svc.Control(r.Context(), PrincipalFrom(r), r.PathValue("id"))
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	w.Header().Set("ETag", fmt.Sprintf(`"%d"`, c.Version))
	WriteJSON(w, http.StatusOK, c)
}

func controlInput(fr *FieldReader, create bool) app.ControlInput {
	in := app.ControlInput{
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

func (s *Server) apiControlCreate(w http.ResponseWriter, r *http.Request) {
	fields, err := s.DecodeJSON(w, r)
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	fr := NewFieldReader(fields)
	in := controlInput(fr, true)
	if err := fr.Err(); err != nil {
		s.Problem(w, r, err)
		return
	}
	c, err := s.svc.CreateControl(r.Context(), PrincipalFrom(r), in)
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/controls/"+c.ID)
	w.Header().Set("ETag", fmt.Sprintf(`"%d"`, c.Version))
	WriteJSON(w, http.StatusCreated, c)
}

func (s *Server) apiControlPatch(w http.ResponseWriter, r *http.Request) {
	fields, err := s.DecodeJSON(w, r)
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	fr := NewFieldReader(fields)
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
	c, err := s.svc.UpdateControl(r.Context(), PrincipalFrom(r), r.PathValue("id"), in, expect, nil)
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	w.Header().Set("ETag", fmt.Sprintf(`"%d"`, c.Version))
	WriteJSON(w, http.StatusOK, c)
}

func (s *Server) apiControlArchive(w http.ResponseWriter, r *http.Request) {
	yes := true
	if _, err := s.svc.UpdateControl(r.Context(), PrincipalFrom(r), r.PathValue("id"), app.ControlInput{}, nil, &yes); err != nil {
		s.Problem(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

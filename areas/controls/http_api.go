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

func (s *handlers) apiControlCreate(w http.ResponseWriter, r *http.Request) {
	vals, _, err := s.Decode(w, r, ControlEntity)
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	c, err := s.svc.CreateControl(r.Context(), web.PrincipalFrom(r), controlInputOf(vals))
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/controls/"+c.ID)
	w.Header().Set("ETag", fmt.Sprintf(`"%d"`, c.Version))
	web.WriteJSON(w, http.StatusCreated, c)
}

func (s *handlers) apiControlPatch(w http.ResponseWriter, r *http.Request) {
	if err := s.found(r); err != nil { // the row first: another organisation's id is a 404 whatever the body
		s.Problem(w, r, err)
		return
	}
	vals, expect, err := s.Decode(w, r, ControlEntity)
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	c, err := s.svc.UpdateControl(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), controlInputOf(vals), expect, nil)
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

// found answers ENOTFOUND unless the path's control is of the principal's
// organisation. Handlers that read a body call it first, so that another
// organisation's id is a 404 before the body is validated.
func (s *handlers) found(r *http.Request) error {
	return s.svc.view(r.Context(), func(tx store) error {
		_, err := tx.Control(r.Context(), web.PrincipalFrom(r).Org.ID, r.PathValue("id"))
		return err
	})
}

package frameworks

import (
	"net/http"
	"strconv"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/web"
)

func (s *handlers) apiFrameworks(w http.ResponseWriter, r *http.Request) {
	fs, err := s.svc.Frameworks(r.Context(), web.PrincipalFrom(r))
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": fs, "next_cursor": nil})
}

func (s *handlers) apiFramework(w http.ResponseWriter, r *http.Request) {
	f, err := s.svc.Framework(r.Context(), web.PrincipalFrom(r), r.PathValue("key"))
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, f)
}

// requirementFilter reads search, kind and attribute filters from the query.
func requirementFilter(r *http.Request) (RequirementFilter, error) {
	q := r.URL.Query()
	f := RequirementFilter{Q: q.Get("q"), Kind: q.Get("kind"), Attributes: map[string]string{}, After: -1}
	for _, a := range FilterAttributes {
		if v := q.Get(a); v != "" {
			f.Attributes[a] = v
		}
	}
	var v bulwark.Validation
	f.Limit = web.PageLimit(q, &v)
	if c := q.Get("cursor"); c != "" {
		n, err := strconv.Atoi(c)
		if err != nil || n < 0 {
			v.Add("cursor", "is not a cursor returned by this list")
		}
		f.After = n
	}
	return f, v.Err()
}

func (s *handlers) apiRequirements(w http.ResponseWriter, r *http.Request) {
	f, err := requirementFilter(r)
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	_, rs, next, err := s.svc.Requirements(r.Context(), web.PrincipalFrom(r), r.PathValue("key"), f)
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	var nc any
	if next >= 0 {
		nc = strconv.Itoa(next)
	}
	if rs == nil {
		rs = []*Requirement{}
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": rs, "next_cursor": nc})
}

func (s *handlers) apiRequirement(w http.ResponseWriter, r *http.Request) {
	req, err := s.svc.Requirement(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, req)
}

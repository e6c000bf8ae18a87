package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/bulwark-isms/bulwark"
)

func (s *Server) apiMe(w http.ResponseWriter, r *http.Request) {
	p := PrincipalFrom(r)
	WriteJSON(w, http.StatusOK, map[string]any{
		"user":         map[string]string{"id": p.User.ID, "email": p.User.Email, "name": p.User.Name},
		"member":       map[string]string{"id": p.MemberID},
		"organisation": map[string]string{"id": p.Org.ID, "slug": p.Org.Slug, "name": p.Org.Name},
		"role":         p.Role,
	})
}

// IfMatch reads the version of an If-Match header (nil without one).
func IfMatch(r *http.Request) (*int, error) {
	h := strings.TrimSpace(r.Header.Get("If-Match"))
	if h == "" {
		return nil, nil
	}
	h = strings.Trim(strings.TrimPrefix(h, "W/"), `"`)
	n, err := strconv.Atoi(h)
	if err != nil {
		return nil, bulwark.Errorf(bulwark.EMALFORMED, `If-Match must be a version such as "3".`)
	}
	return &n, nil
}

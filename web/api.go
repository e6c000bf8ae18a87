package web

import (
	"net/http"
	"net/url"
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

// PageLimit reads a list's limit parameter (1 to 500; 0 when it is absent, for the list's default)
// and adds a problem to v when it is not such a number.
func PageLimit(q url.Values, v *bulwark.Validation) int {
	s := q.Get("limit")
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 500 {
		v.Add("limit", "must be a number from 1 to 500")
		return 0
	}
	return n
}

// NextCursor is a list's next_cursor: the cursor of the next page, or null on the last one.
func NextCursor(next string) any {
	if next == "" {
		return nil
	}
	return next
}

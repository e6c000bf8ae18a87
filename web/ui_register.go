package web

import (
	"net/http"
	"strings"

	"github.com/bulwark-isms/bulwark/app"
)

// Directory returns active members and a name lookup for owner columns.
func (s *Server) Directory(r *http.Request) ([]app.MemberRef, map[string]string, error) {
	ms, err := s.svc.Directory(r.Context(), PrincipalFrom(r))
	names := map[string]string{}
	for _, m := range ms {
		names[m.ID], names[m.UserID] = m.Name, m.Name
	}
	return ms, names, err
}

// FormPtr returns nil for an empty form value, else a pointer to it.
func FormPtr(r *http.Request, name string) *string {
	v := strings.TrimSpace(r.FormValue(name))
	if v == "" {
		return nil
	}
	return &v
}

// SortColumn is a sortable column header of a register table.
type SortColumn struct {
	Label, URL, Dir string
	Sort, Active    bool
}

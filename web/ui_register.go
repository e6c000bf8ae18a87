package web

import (
	"fmt"
	"net/http"
	"strconv"
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

// FormField returns the value of a form field the form sent, nil when it sent none: a form changes only the
// fields it holds.
func FormField(r *http.Request, name string) *string {
	if _, ok := r.PostForm[name]; !ok {
		return nil
	}
	v := r.PostFormValue(name)
	return &v
}

// FormOptional reads an optional form field for a change: nil when the form does not hold it, a nil value
// when it was left empty (clear it), the value otherwise.
func FormOptional(r *http.Request, name string) **string {
	s := FormField(r, name)
	if s == nil {
		return nil
	}
	if strings.TrimSpace(*s) == "" {
		var none *string
		return &none
	}
	return &s
}

// FormVersion reads the version a form was rendered with, for optimistic concurrency (nil: not sent).
func FormVersion(r *http.Request) *int {
	n, err := strconv.Atoi(r.PostFormValue("version"))
	if err != nil {
		return nil
	}
	return &n
}

// SetETag sets the ETag of a record at version, for If-Match on its next change.
func SetETag(w http.ResponseWriter, version int) {
	w.Header().Set("ETag", fmt.Sprintf(`"%d"`, version))
}

// FormDone ends a form posted from a record's page (/o/{slug}/SECTION/{id}): on success it redirects back to the
// page with ?done=notice#anchor; on failure it shows the page again through rerender, with the named form values
// kept and the form's section (anchor) open, its error next to its fields.
func (s *Server) FormDone(w http.ResponseWriter, r *http.Request, err error, section, notice, anchor string, rerender func(http.ResponseWriter, *http.Request, int, *Page), form ...string) {
	if err == nil {
		http.Redirect(w, r, "/o/"+PrincipalFrom(r).Org.Slug+"/"+section+"/"+r.PathValue("id")+"?done="+notice+"#"+anchor, http.StatusSeeOther)
		return
	}
	pg := &Page{Form: FormValues(r, form...)}
	pg.Form["open"] = anchor
	if status, ok := s.FormFailure(w, r, pg, err); ok {
		rerender(w, r, status, pg)
	}
}

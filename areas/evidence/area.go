package evidence

import (
	"embed"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/field"
	"github.com/bulwark-isms/bulwark/web"
)

//go:embed templates
var templates embed.FS

// handlers serve the area's pages and API over the kernel's server.
type handlers struct {
	*web.Server
	svc *Service
}

// Area mounts the evidence register on the server.
func Area(svc *Service) web.Area {
	return web.Area{Name: "evidence", Mount: func(s *web.Server) web.Mounted {
		h := &handlers{Server: s, svc: svc}
		return web.Mounted{Templates: templates, Routes: h.routes(), Dashboard: h.dashboardPart, Tasks: h.tasks}
	}}
}

// listParams are the query parameters of the evidence list.
var listParams = field.ListParams([]string{"ref", "title", "kind", "valid_until", "updated_at", "created_at"},
	field.Param{Name: "kind", Enum: Kinds}, field.Param{Name: "owner_id"}, field.Param{Name: "control_id"}, field.Param{Name: "risk_id"},
	field.Param{Name: "requirement_id", Help: "a framework requirement such as iso27001-2022:9.1"},
	field.Param{Name: "stale", Kind: field.Bool, Help: "only items past (true) or within (false) their valid_until"},
	field.Param{Name: "expires_soon", Kind: field.Bool, Help: "only items whose valid_until falls within the next 30 days (true), or the others (false)"})

// uploadFields are the fields a multipart upload may carry besides the file.
var uploadFields = []string{"title", "description", "owner_id", "effective_date", "valid_until", "control_ids", "requirement_ids", "risk_ids"}

// multipartBody documents an upload: the file and the item's fields.
func multipartBody(extra ...string) map[string]any {
	props := map[string]any{"file": map[string]any{"type": "string", "format": "binary", "description": "the evidence file, any type, up to the instance's upload limit (--max-upload)"}}
	for _, n := range append(slices.Clone(uploadFields), extra...) {
		f := EvidenceEntity.Field(n)
		if f == nil {
			props[n] = map[string]any{"type": "string"}
			continue
		}
		props[n] = map[string]any{"type": "string"}
		if f.Kind == field.Strings {
			props[n] = map[string]any{"type": "array", "items": map[string]any{"type": "string"}}
		}
	}
	return props
}

// downloadTypes: an evidence file is of any type, served as the type its bytes showed on upload.
var downloadTypes = []string{"*/*"}

func (h *handlers) routes() []web.Route {
	return append([]web.Route{
		{Method: "GET", Pattern: "/api/v1/evidence", Perm: bulwark.PermISMSRead, Summary: "List evidence", Handler: h.apiList, Response: EvidenceEntity, List: true, Query: listParams},
		{Method: "POST", Pattern: "/api/v1/evidence", Perm: bulwark.PermISMSCreateOwn, Summary: "Add evidence: a file (multipart/form-data with the field file), or a link (url) or note as JSON",
			Handler: h.apiCreate, Request: EvidenceEntity, Response: EvidenceEntity, Status: http.StatusCreated, Multipart: multipartBody("ref", "kind")},
		{Method: "GET", Pattern: "/api/v1/evidence/{id}", Perm: bulwark.PermISMSRead, Summary: "Read an evidence item (by id or ref)", Handler: h.apiOne, Response: EvidenceEntity},
		{Method: "PATCH", Pattern: "/api/v1/evidence/{id}", Perm: bulwark.PermISMSEditOwn, Summary: "Change an evidence item's title, owner, period or links (its content changes by a new revision)",
			Handler: h.apiPatch, Request: EvidenceEntity, Response: EvidenceEntity},
		{Method: "DELETE", Pattern: "/api/v1/evidence/{id}", Perm: bulwark.PermISMSEditOwn, Summary: "Archive an evidence item", Handler: h.apiArchive, Status: http.StatusNoContent},
		{Method: "GET", Pattern: "/api/v1/evidence/{id}/file", Perm: bulwark.PermISMSRead, Summary: "Download the current revision's file", Handler: h.download, Produces: downloadTypes},
		{Method: "GET", Pattern: "/api/v1/evidence/{id}/revisions", Perm: bulwark.PermISMSRead, Summary: "An evidence item's revisions, newest first", Handler: h.apiRevisions, Response: RevisionEntity, List: true},
		{Method: "POST", Pattern: "/api/v1/evidence/{id}/revisions", Perm: bulwark.PermISMSEditOwn, Summary: "Add a revision: a new file (multipart/form-data), link or note; the earlier ones are kept",
			Handler: h.apiRevise, Request: RevisionInput, Response: EvidenceEntity, Status: http.StatusCreated, Multipart: map[string]any{
				"file": map[string]any{"type": "string", "format": "binary"}, "effective_date": map[string]any{"type": "string"}, "valid_until": map[string]any{"type": "string"}, "comment": map[string]any{"type": "string"}}},
		{Method: "GET", Pattern: "/api/v1/evidence/{id}/revisions/{rev}", Perm: bulwark.PermISMSRead, Summary: "One revision of an evidence item", Handler: h.apiRevision, Response: RevisionEntity},
		{Method: "GET", Pattern: "/api/v1/evidence/{id}/revisions/{rev}/file", Perm: bulwark.PermISMSRead, Summary: "Download a revision's file", Handler: h.download, Produces: downloadTypes},

		{Method: "GET", Pattern: "/o/{slug}/evidence", Perm: bulwark.PermISMSRead, Handler: h.listPage},
		{Method: "GET", Pattern: "/o/{slug}/evidence/new", Perm: bulwark.PermISMSCreateOwn, Handler: h.newPage},
		{Method: "POST", Pattern: "/o/{slug}/evidence", Perm: bulwark.PermISMSCreateOwn, Handler: h.createSubmit},
		{Method: "GET", Pattern: "/o/{slug}/evidence/{id}", Perm: bulwark.PermISMSRead, Handler: h.page},
		{Method: "POST", Pattern: "/o/{slug}/evidence/{id}", Perm: bulwark.PermISMSEditOwn, Handler: h.editSubmit},
		{Method: "POST", Pattern: "/o/{slug}/evidence/{id}/revisions", Perm: bulwark.PermISMSEditOwn, Handler: h.reviseSubmit},
		{Method: "POST", Pattern: "/o/{slug}/evidence/{id}/archive", Perm: bulwark.PermISMSEditOwn, Handler: h.archiveSubmit(true)},
		{Method: "POST", Pattern: "/o/{slug}/evidence/{id}/restore", Perm: bulwark.PermISMSEditOwn, Handler: h.archiveSubmit(false)},
		{Method: "GET", Pattern: "/o/{slug}/evidence/{id}/file", Perm: bulwark.PermISMSRead, Handler: h.download},
		{Method: "GET", Pattern: "/o/{slug}/evidence/{id}/revisions/{rev}/file", Perm: bulwark.PermISMSRead, Handler: h.download},
	}, h.PickRoutes("evidence", h.pickSource())...)
}

// filterOf reads the list's query parameters.
func filterOf(r *http.Request) (Filter, error) {
	q := r.URL.Query()
	f := Filter{Q: q.Get("q"), Kind: q.Get("kind"), OwnerID: q.Get("owner_id"), ControlID: q.Get("control_id"), RiskID: q.Get("risk_id"),
		RequirementID: q.Get("requirement_id"), IncludeArchived: q.Get("include_archived") == "true", Sort: q.Get("sort"), Cursor: q.Get("cursor")}
	var v bulwark.Validation
	if f.Kind != "" && !slices.Contains(Kinds, f.Kind) {
		v.Add("kind", "must be file, link or note")
	}
	for name, dst := range map[string]**bool{"stale": &f.Stale, "expires_soon": &f.ExpiresSoon} {
		if s := q.Get(name); s != "" {
			b, err := strconv.ParseBool(s)
			if err != nil {
				v.Add(name, "must be true or false")
			}
			*dst = &b
		}
	}
	f.Limit = web.PageLimit(q, &v)
	return f, v.Err()
}

func inputOf(v field.Values) Input {
	return Input{Ref: v.Str("ref"), Title: v.Str("title"), Description: v.Str("description"), Kind: v.Str("kind"), OwnerID: v.NullStr("owner_id"),
		EffectiveDate: v.NullStr("effective_date"), ValidUntil: v.NullStr("valid_until"), ControlIDs: v.List("control_ids"),
		RequirementIDs: v.List("requirement_ids"), RiskIDs: v.List("risk_ids"), URL: v.Str("url"), Note: v.Str("note")}
}

// isMultipart says whether r carries a multipart/form-data body.
func isMultipart(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "multipart/form-data"
}

// readUpload streams a multipart/form-data body: the part "file" goes straight
// into the blob store (never whole in memory, capped at the upload limit while
// it streams), the other parts are fields. fields lists the names accepted.
func (h *handlers) readUpload(w http.ResponseWriter, r *http.Request, fields []string) (url.Values, *File, error) {
	max := h.MaxUpload()
	r.Body = http.MaxBytesReader(w, r.Body, max+1<<20) // the file plus room for the other fields
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, nil, bulwark.Errorf(bulwark.EMALFORMED, "The upload is not a multipart/form-data body.")
	}
	form := url.Values{}
	var file *File
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, nil, bulwark.Errorf(bulwark.ETOOLARGE, "The upload is larger than the %d MB allowed.", max>>20)
			}
			return nil, nil, bulwark.Errorf(bulwark.EMALFORMED, "The upload could not be read.")
		}
		name := part.FormName()
		switch {
		case name == "file" && part.FileName() != "":
			if file != nil {
				part.Close()
				return nil, nil, bulwark.Invalid("file", "send one file per item")
			}
			file, err = h.svc.StoreFile(r.Context(), web.PrincipalFrom(r), part.FileName(), part, max)
			part.Close()
			if err != nil {
				return nil, nil, err
			}
		case name == "file":
			part.Close() // a form's empty file input
		case strings.HasPrefix(name, "pick_q_"), name == "version":
			part.Close() // a picker's search box, the form's version: not the item's fields
		default:
			if !slices.Contains(fields, name) {
				part.Close()
				return nil, nil, bulwark.Invalid(name, "is not a field of an evidence upload")
			}
			b, err := io.ReadAll(io.LimitReader(part, 1<<20+1))
			part.Close()
			if err != nil {
				return nil, nil, bulwark.Errorf(bulwark.EMALFORMED, "The upload could not be read.")
			}
			if len(b) > 1<<20 {
				return nil, nil, bulwark.Invalid(name, "is longer than 1 MB")
			}
			form.Add(name, string(b))
		}
	}
	return form, file, nil
}

// presentFields are the names of fields among names that form holds.
func presentFields(form url.Values, names []string) []string {
	var out []string
	for _, n := range names {
		if _, ok := form[n]; ok {
			out = append(out, n)
		}
	}
	return out
}

func (h *handlers) apiList(w http.ResponseWriter, r *http.Request) {
	f, err := filterOf(r)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	items, next, err := h.svc.List(r.Context(), web.PrincipalFrom(r), f)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	if items == nil {
		items = []*Evidence{}
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": items, "next_cursor": web.NextCursor(next)})
}

func (h *handlers) apiCreate(w http.ResponseWriter, r *http.Request) {
	var in Input
	var c Content
	if isMultipart(r) {
		fields := append(slices.Clone(uploadFields), "ref", "kind")
		form, file, err := h.readUpload(w, r, fields)
		if err != nil {
			h.Problem(w, r, err)
			return
		}
		vals, err := EvidenceEntity.DecodeForm(form, presentFields(form, fields)...)
		if err != nil {
			h.Problem(w, r, err)
			return
		}
		if file == nil {
			h.Problem(w, r, bulwark.Invalid("file", "is required in a multipart upload; send a link or a note as JSON"))
			return
		}
		in, c.File = inputOf(vals), file
	} else {
		vals, _, err := h.Decode(w, r, EvidenceEntity)
		if err != nil {
			h.Problem(w, r, err)
			return
		}
		in = inputOf(vals)
	}
	e, err := h.svc.Create(r.Context(), web.PrincipalFrom(r), in, c)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/evidence/"+e.ID)
	w.Header().Set("ETag", fmt.Sprintf(`"%d"`, e.Version))
	web.WriteJSON(w, http.StatusCreated, e)
}

func (h *handlers) apiOne(w http.ResponseWriter, r *http.Request) {
	e, err := h.svc.Get(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	w.Header().Set("ETag", fmt.Sprintf(`"%d"`, e.Version))
	web.WriteJSON(w, http.StatusOK, e)
}

func (h *handlers) apiPatch(w http.ResponseWriter, r *http.Request) {
	if _, err := h.svc.Get(r.Context(), web.PrincipalFrom(r), r.PathValue("id")); err != nil {
		h.Problem(w, r, err)
		return
	}
	vals, expect, err := h.Decode(w, r, EvidenceEntity)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	e, err := h.svc.Update(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), inputOf(vals), expect, nil)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	w.Header().Set("ETag", fmt.Sprintf(`"%d"`, e.Version))
	web.WriteJSON(w, http.StatusOK, e)
}

func (h *handlers) apiArchive(w http.ResponseWriter, r *http.Request) {
	yes := true
	expect, err := web.IfMatch(r)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	if _, err := h.svc.Update(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), Input{}, expect, &yes); err != nil {
		h.Problem(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// revisionContent reads a new revision from r: multipart with a file, or JSON.
func (h *handlers) revisionContent(w http.ResponseWriter, r *http.Request) (Content, error) {
	var c Content
	var vals field.Values
	if isMultipart(r) {
		fields := []string{"effective_date", "valid_until", "comment", "url", "note"}
		form, file, err := h.readUpload(w, r, fields)
		if err != nil {
			return c, err
		}
		if vals, err = RevisionInput.DecodeForm(form, presentFields(form, fields)...); err != nil {
			return c, err
		}
		c.File = file
	} else {
		var err error
		if vals, err = h.DecodeCreate(w, r, RevisionInput); err != nil {
			return c, err
		}
	}
	c.URL, c.Note, c.EffectiveDate, c.ValidUntil, c.Comment = vals.Str("url"), vals.Str("note"), vals.NullStr("effective_date"), vals.NullStr("valid_until"), bulwark.Value(vals.Str("comment"))
	return c, nil
}

func (h *handlers) apiRevise(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if _, err := h.svc.Get(r.Context(), p, r.PathValue("id")); err != nil { // another organisation's: 404 before reading the body
		h.Problem(w, r, err)
		return
	}
	c, err := h.revisionContent(w, r)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	e, err := h.svc.AddRevision(r.Context(), p, r.PathValue("id"), c)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/evidence/%s/revisions/%d", e.ID, e.Revision))
	w.Header().Set("ETag", fmt.Sprintf(`"%d"`, e.Version))
	web.WriteJSON(w, http.StatusCreated, e)
}

func (h *handlers) apiRevisions(w http.ResponseWriter, r *http.Request) {
	_, revs, err := h.svc.Revisions(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": revs, "next_cursor": nil})
}

// revisionNumber reads {rev}: a positive number.
func revisionNumber(r *http.Request) (int, error) {
	s := r.PathValue("rev")
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, bulwark.Errorf(bulwark.ENOTFOUND, "No such revision.")
	}
	return n, nil
}

func (h *handlers) apiRevision(w http.ResponseWriter, r *http.Request) {
	n, err := revisionNumber(r)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	rev, err := h.svc.Revision(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), n)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, rev)
}

// download sends a revision's file as an attachment a browser never runs: the
// type the bytes showed on upload, nosniff (the server's default) and a sandbox.
func (h *handlers) download(w http.ResponseWriter, r *http.Request) {
	n, err := revisionNumber(r)
	if err != nil {
		h.ProblemOrPage(w, r, err)
		return
	}
	rev, body, err := h.svc.OpenFile(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), n)
	if err != nil {
		h.ProblemOrPage(w, r, err)
		return
	}
	defer body.Close()
	w.Header().Set("Content-Security-Policy", "sandbox")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("ETag", `"`+*rev.SHA256+`"`)
	h.Download(w, r, rev.Filename, rev.ContentType, func(out io.Writer) error { _, err := io.Copy(out, body); return err })
}

// Package documents is the register of documented information (7.5): policies,
// procedures, standards, plans and records, each a working copy that goes
// through review and approval and is published as immutable revisions, from
// templates Bulwark ships or from an organisation's own Word or PDF files.
package documents

import (
	"embed"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"

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

// Area mounts the document register on the server.
func Area(svc *Service) web.Area {
	return web.Area{Name: "documents", Mount: func(s *web.Server) web.Mounted {
		h := &handlers{Server: s, svc: svc}
		return web.Mounted{Templates: templates, Routes: h.routes(), Dashboard: h.dashboardPart, Tasks: h.tasks}
	}}
}

// documentListParams are the query parameters of the document list.
var documentListParams = field.ListParams([]string{"ref", "title", "type", "status", "next_review_date", "updated_at", "created_at"},
	field.Param{Name: "type", Enum: Types}, field.Param{Name: "status", Enum: Statuses}, field.Param{Name: "owner_id"}, field.Param{Name: "control_id"},
	field.Param{Name: "published", Kind: field.Bool, Help: "only documents with (true) or without (false) a published revision"},
	field.Param{Name: "review_due", Kind: field.Date, Help: "next review on or before this date"})

// TemplateEntity declares a document template as the API lists it.
var TemplateEntity = field.FromStruct("DocumentTemplate", Template{})

var fileBody = map[string]any{"file": map[string]any{"type": "string", "format": "binary",
	"description": "a PDF, Word (.docx, .doc) or OpenDocument (.odt) file, at most 20 MB"}}

func (h *handlers) routes() []web.Route {
	step := func(name, summary string, perm bulwark.Permission, body *field.Entity) web.Route {
		rt := web.Route{Method: "POST", Pattern: "/api/v1/documents/{id}/" + name, Perm: perm, Summary: summary, Handler: h.apiStep(name), Request: body, Response: DocumentEntity}
		if body == nil {
			rt.Body = web.Props()
		}
		return rt
	}
	fileTypes := []string{"application/pdf", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "application/msword", "application/vnd.oasis.opendocument.text"}
	return append([]web.Route{
		{Method: "GET", Pattern: "/api/v1/documents", Perm: bulwark.PermISMSRead, Summary: "List documents (policies, procedures, standards, plans, records)", Handler: h.apiList, Response: DocumentEntity, List: true, Query: documentListParams},
		{Method: "POST", Pattern: "/api/v1/documents", Perm: bulwark.PermISMSCreate, Summary: "Create a document in draft, blank or from a template", Handler: h.apiCreate, Request: DocumentEntity, Response: DocumentEntity, Status: http.StatusCreated},
		{Method: "GET", Pattern: "/api/v1/document-templates", Perm: bulwark.PermISMSRead, Summary: "The document templates Bulwark ships", Handler: h.apiTemplates, Response: TemplateEntity, List: true},
		{Method: "GET", Pattern: "/api/v1/documents/{id}", Perm: bulwark.PermISMSRead, Summary: "Read a document's working copy (by id or ref)", Handler: h.apiOne, Response: DocumentEntity},
		{Method: "PATCH", Pattern: "/api/v1/documents/{id}", Perm: bulwark.PermISMSEditOwn, Summary: "Change the working copy (a change to an approved or published document starts a new draft)", Handler: h.apiPatch, Request: DocumentEntity, Response: DocumentEntity},
		{Method: "DELETE", Pattern: "/api/v1/documents/{id}", Perm: bulwark.PermISMSEditOwn, Summary: "Archive a document", Handler: h.apiArchive, Status: http.StatusNoContent},
		step("submit", "Submit the draft for approval", bulwark.PermISMSEditOwn, nil),
		step("approve", "Approve the document in review (not its authors', with segregation of duties)", bulwark.PermApprove, nil),
		step("return", "Return the document to draft with a comment", bulwark.PermApprove, StepEntity),
		step("publish", "Publish the approved document as its next revision (the approver or a manager)", bulwark.PermISMSEditOwn, StepEntity),
		step("retire", "Retire the document: readers no longer see it", bulwark.PermISMSEdit, nil),
		step("review", "Record a review that found the document still right: the next review moves one cycle on", bulwark.PermISMSEditOwn, nil),
		{Method: "PUT", Pattern: "/api/v1/documents/{id}/file", Perm: bulwark.PermISMSEditOwn, Summary: "Upload the document's file (an existing Word or PDF document kept as its content)", Handler: h.apiFile,
			Body: fileBody, BodyType: "multipart/form-data", Response: DocumentEntity},
		{Method: "GET", Pattern: "/api/v1/documents/{id}/file", Perm: bulwark.PermISMSRead, Summary: "Download the working copy's file", Handler: h.download, Produces: fileTypes},
		{Method: "GET", Pattern: "/api/v1/documents/{id}/revisions", Perm: bulwark.PermISMSRead, Summary: "The document's published revisions, newest first", Handler: h.apiRevisions, Response: RevisionEntity, List: true},
		{Method: "GET", Pattern: "/api/v1/documents/{id}/revisions/{rev}", Perm: bulwark.PermISMSRead, Summary: "One published revision with its diff to the previous one", Handler: h.apiRevision, Response: RevisionEntity},
		{Method: "GET", Pattern: "/api/v1/documents/{id}/revisions/{rev}/file", Perm: bulwark.PermISMSRead, Summary: "Download a published revision's file", Handler: h.download, Produces: fileTypes},
		{Method: "GET", Pattern: "/o/{slug}/policies", Perm: bulwark.PermISMSRead, Handler: h.listPage},
		{Method: "GET", Pattern: "/o/{slug}/policies/new", Perm: bulwark.PermISMSCreate, Handler: h.newPage},
		{Method: "POST", Pattern: "/o/{slug}/policies", Perm: bulwark.PermISMSCreate, Handler: h.createSubmit},
		{Method: "GET", Pattern: "/o/{slug}/policies/{id}", Perm: bulwark.PermISMSRead, Handler: h.page},
		{Method: "GET", Pattern: "/o/{slug}/policies/{id}/edit", Perm: bulwark.PermISMSEditOwn, Handler: h.editPage},
		{Method: "POST", Pattern: "/o/{slug}/policies/{id}", Perm: bulwark.PermISMSEditOwn, Handler: h.editSubmit},
		{Method: "POST", Pattern: "/o/{slug}/policies/{id}/file", Perm: bulwark.PermISMSEditOwn, Handler: h.fileSubmit},
		{Method: "GET", Pattern: "/o/{slug}/policies/{id}/file", Perm: bulwark.PermISMSRead, Handler: h.download},
		{Method: "POST", Pattern: "/o/{slug}/policies/{id}/steps/{step}", Perm: bulwark.PermISMSEditOwn, Handler: h.stepSubmit},
		{Method: "POST", Pattern: "/o/{slug}/policies/{id}/archive", Perm: bulwark.PermISMSEditOwn, Handler: h.archiveSubmit(true)},
		{Method: "POST", Pattern: "/o/{slug}/policies/{id}/restore", Perm: bulwark.PermISMSEditOwn, Handler: h.archiveSubmit(false)},
		{Method: "GET", Pattern: "/o/{slug}/policies/{id}/revisions/{rev}", Perm: bulwark.PermISMSRead, Handler: h.revisionPage},
		{Method: "GET", Pattern: "/o/{slug}/policies/{id}/revisions/{rev}/file", Perm: bulwark.PermISMSRead, Handler: h.download},
	}, h.ackRoutes()...)
}

func documentFilter(r *http.Request) (DocumentFilter, error) {
	q := r.URL.Query()
	f := DocumentFilter{Q: q.Get("q"), Type: q.Get("type"), Status: q.Get("status"), OwnerID: q.Get("owner_id"), ControlID: q.Get("control_id"),
		ReviewDue: q.Get("review_due"), IncludeArchived: q.Get("include_archived") == "true", Sort: q.Get("sort"), Cursor: q.Get("cursor")}
	var v bulwark.Validation
	if s := q.Get("published"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			v.Add("published", "must be true or false")
		}
		f.Published = &b
	}
	if f.ReviewDue != "" && !bulwark.ValidDate(f.ReviewDue) {
		v.Add("review_due", "must be a date such as 2026-12-31")
	}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 500 {
			v.Add("limit", "must be a number from 1 to 500")
		}
		f.Limit = n
	}
	return f, v.Err()
}

func inputOf(v field.Values) Input {
	return Input{Ref: v.Str("ref"), Type: v.Str("type"), Title: v.Str("title"), Body: v.Str("body"), Classification: v.Str("classification"),
		OwnerID: v.NullStr("owner_id"), NextReviewDate: v.NullStr("next_review_date"), ReviewMonths: v.Int("review_months"),
		ControlIDs: v.List("control_ids"), RequirementIDs: v.List("requirement_ids"), TemplateID: v.Str("template_id"), Scope: v.Str("scope")}
}

func (h *handlers) apiList(w http.ResponseWriter, r *http.Request) {
	f, err := documentFilter(r)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	ds, next, err := h.svc.Documents(r.Context(), web.PrincipalFrom(r), f)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	if ds == nil {
		ds = []*Document{}
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": ds, "next_cursor": web.NextCursor(next)})
}

func (h *handlers) apiCreate(w http.ResponseWriter, r *http.Request) {
	vals, _, err := h.Decode(w, r, DocumentEntity)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	d, err := h.svc.Create(r.Context(), web.PrincipalFrom(r), inputOf(vals))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/documents/"+d.ID)
	w.Header().Set("ETag", fmt.Sprintf(`"%d"`, d.Version))
	web.WriteJSON(w, http.StatusCreated, d)
}

func (h *handlers) apiTemplates(w http.ResponseWriter, r *http.Request) {
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": h.svc.Library.All(), "next_cursor": nil})
}

func (h *handlers) apiOne(w http.ResponseWriter, r *http.Request) {
	d, err := h.svc.Document(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	w.Header().Set("ETag", fmt.Sprintf(`"%d"`, d.Version))
	web.WriteJSON(w, http.StatusOK, d)
}

func (h *handlers) apiPatch(w http.ResponseWriter, r *http.Request) {
	if _, err := h.svc.Document(r.Context(), web.PrincipalFrom(r), r.PathValue("id")); err != nil {
		h.Problem(w, r, err)
		return
	}
	vals, expect, err := h.Decode(w, r, DocumentEntity)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	d, err := h.svc.Update(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), inputOf(vals), expect, nil)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	w.Header().Set("ETag", fmt.Sprintf(`"%d"`, d.Version))
	web.WriteJSON(w, http.StatusOK, d)
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

// runStep runs workflow step name on the path's document.
func (h *handlers) runStep(r *http.Request, name string, st Step) (*Document, error) {
	p, id := web.PrincipalFrom(r), r.PathValue("id")
	switch name {
	case "submit":
		return h.svc.Submit(r.Context(), p, id)
	case "approve":
		return h.svc.Approve(r.Context(), p, id)
	case "return":
		return h.svc.Return(r.Context(), p, id, st.Comment)
	case "publish":
		d, _, err := h.svc.Publish(r.Context(), p, id, st)
		return d, err
	case "retire":
		return h.svc.Retire(r.Context(), p, id)
	case "review":
		return h.svc.Reviewed(r.Context(), p, id)
	}
	return nil, bulwark.Errorf(bulwark.ENOTFOUND, "No such step.")
}

func (h *handlers) apiStep(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if _, err := h.svc.Document(r.Context(), web.PrincipalFrom(r), r.PathValue("id")); err != nil { // another organisation's: 404 first
			h.Problem(w, r, err)
			return
		}
		var st Step
		if name == "return" || name == "publish" {
			vals, err := h.DecodeCreate(w, r, StepEntity)
			if err != nil {
				h.Problem(w, r, err)
				return
			}
			st = Step{Comment: bulwark.Value(vals.Str("comment")), Bump: bulwark.Value(vals.Str("bump")), ChangeSummary: bulwark.Value(vals.Str("change_summary"))}
		}
		d, err := h.runStep(r, name, st)
		if err != nil {
			h.Problem(w, r, err)
			return
		}
		w.Header().Set("ETag", fmt.Sprintf(`"%d"`, d.Version))
		web.WriteJSON(w, http.StatusOK, d)
	}
}

// readFile reads the multipart field "file" of r, capped while reading (413).
func readFile(w http.ResponseWriter, r *http.Request) (string, []byte, error) {
	r.Body = http.MaxBytesReader(w, r.Body, MaxFileSize+1<<20)
	f, hdr, err := r.FormFile("file")
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return "", nil, bulwark.Errorf(bulwark.ETOOLARGE, "The file is larger than %d MB.", MaxFileSize>>20)
		}
		if errors.Is(err, http.ErrMissingFile) || errors.Is(err, http.ErrNotMultipart) || errors.Is(err, multipart.ErrMessageTooLarge) {
			return "", nil, bulwark.Invalid("file", "is required: send the document as the multipart field file")
		}
		return "", nil, bulwark.Errorf(bulwark.EMALFORMED, "The upload could not be read.")
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return "", nil, bulwark.Errorf(bulwark.EMALFORMED, "The upload could not be read.")
	}
	return hdr.Filename, b, nil
}

func (h *handlers) apiFile(w http.ResponseWriter, r *http.Request) {
	if _, err := h.svc.Document(r.Context(), web.PrincipalFrom(r), r.PathValue("id")); err != nil {
		h.Problem(w, r, err)
		return
	}
	name, b, err := readFile(w, r)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	d, err := h.svc.SetFile(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), name, b)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, d)
}

// download sends a document's file as an attachment that a browser never runs:
// the stored type (checked against the bytes on upload), nosniff, and a sandbox.
func (h *handlers) download(w http.ResponseWriter, r *http.Request) {
	name, ct, b, err := h.svc.File(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), r.PathValue("rev"))
	if err != nil {
		h.ProblemOrPage(w, r, err)
		return
	}
	w.Header().Set("Content-Security-Policy", "sandbox")
	h.Download(w, r, name, ct, func(out io.Writer) error { _, err := out.Write(b); return err })
}

func (h *handlers) apiRevisions(w http.ResponseWriter, r *http.Request) {
	_, revs, err := h.svc.Revisions(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": revs, "next_cursor": nil})
}

func (h *handlers) apiRevision(w http.ResponseWriter, r *http.Request) {
	_, rev, err := h.svc.Revision(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), r.PathValue("rev"))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, rev)
}

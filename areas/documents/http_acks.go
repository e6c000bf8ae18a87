package documents

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/field"
	"github.com/bulwark-isms/bulwark/markdown"
	"github.com/bulwark-isms/bulwark/tabular"
	"github.com/bulwark-isms/bulwark/web"
)

// ackRoutes are the acknowledgement routes: requests and progress for the ISMS,
// the published library for every member, and the public personal links.
func (h *handlers) ackRoutes() []web.Route {
	return []web.Route{
		{Method: "POST", Pattern: "/api/v1/documents/{id}/acknowledgement-requests", Perm: bulwark.PermISMSEditOwn, Summary: "Ask everyone, groups or people to acknowledge the published revision; answers each person's personal link",
			Handler: h.apiAckRequest, Request: AudienceEntity, Response: AckRequestEntity, Status: http.StatusCreated},
		{Method: "GET", Pattern: "/api/v1/documents/{id}/acknowledgement-requests", Perm: bulwark.PermISMSRead, Summary: "The document's acknowledgement requests with their progress", Handler: h.apiAckRequests, Response: AckRequestEntity, List: true},
		{Method: "GET", Pattern: "/api/v1/documents/{id}/acknowledgement-requests/{request}/links", Perm: bulwark.PermISMSEditOwn, Summary: "The personal links of a request (?format=csv: person, email, link, expiry)",
			Handler: h.apiAckLinks, Response: AckRequestEntity, Query: []field.Param{{Name: "format", Enum: []string{"json", "csv"}, Help: "default json"}}, Produces: []string{"text/csv"}},
		{Method: "GET", Pattern: "/api/v1/documents/{id}/acknowledgements", Perm: bulwark.PermISMSRead, Summary: "How far the published major revision is acknowledged, and who is still to", Handler: h.apiAckProgress, Response: ProgressEntity},
		{Method: "POST", Pattern: "/api/v1/documents/{id}/acknowledge", Perm: bulwark.PermSelfService, Summary: "Acknowledge the published revision you read (as the person of the register with your email)",
			Handler: h.apiAcknowledge, Body: web.Props(), Response: AcknowledgementEntity, Status: http.StatusCreated},
		{Method: "POST", Pattern: "/api/v1/acknowledgements", Perm: bulwark.PermPublic, Summary: "Acknowledge through a personal link (no sign-in: the link's token says who and what)",
			Handler: h.apiAckByLink, Request: LinkTokenEntity, Response: AcknowledgementEntity, Status: http.StatusCreated},
		{Method: "GET", Pattern: "/api/v1/published-documents", Perm: bulwark.PermSelfService, Summary: "The published policies and documents every member may read, with what you were asked to acknowledge", Handler: h.apiPublished, Response: PublishedDocEntity, List: true},
		{Method: "GET", Pattern: "/api/v1/published-documents/{id}", Perm: bulwark.PermSelfService, Summary: "A published document's revision, with its text", Handler: h.apiPublishedOne, Response: PublishedDocEntity},
		{Method: "GET", Pattern: "/o/{slug}/library", Perm: bulwark.PermSelfService, Handler: h.libraryPage},
		{Method: "GET", Pattern: "/o/{slug}/library/{id}", Perm: bulwark.PermSelfService, Handler: h.libraryDocPage},
		{Method: "GET", Pattern: "/o/{slug}/library/{id}/file", Perm: bulwark.PermSelfService, Handler: h.libraryFile},
		{Method: "POST", Pattern: "/o/{slug}/library/{id}/acknowledge", Perm: bulwark.PermSelfService, Handler: h.acknowledgeSubmit},
		{Method: "POST", Pattern: "/o/{slug}/policies/{id}/acknowledgement-requests", Perm: bulwark.PermISMSEditOwn, Handler: h.ackRequestSubmit},
		{Method: "GET", Pattern: "/o/{slug}/policies/{id}/acknowledgement-requests/{request}", Perm: bulwark.PermISMSEditOwn, Handler: h.ackLinksPage},
		{Method: "GET", Pattern: "/api/v1/documents/{id}/export", Perm: bulwark.PermISMSRead, Summary: "A published revision as a PDF: title page (ref, revision, approver, dates), then the text (?revision=1.0, default the current)",
			Handler: h.exportPDF, Query: []field.Param{{Name: "format", Enum: []string{"pdf"}}, {Name: "revision", Help: "a published revision such as 1.0; default the current one"}}, Produces: []string{"application/pdf"}},
		{Method: "GET", Pattern: "/api/v1/documents/export", Perm: bulwark.PermISMSRead, Summary: "The published policy set as one PDF", Handler: h.exportSet,
			Query: []field.Param{{Name: "format", Enum: []string{"pdf"}}}, Produces: []string{"application/pdf"}},
		{Method: "GET", Pattern: "/api/v1/acknowledgements/export", Perm: bulwark.PermISMSRead, Summary: "Every acknowledgement (who, which revision, when, how) as CSV or XLSX", Handler: h.exportAcks,
			Query: []field.Param{{Name: "format", Enum: []string{"csv", "xlsx"}}}, Produces: web.SpreadsheetTypes},
		{Method: "POST", Pattern: "/o/{slug}/policies/{id}/export", Perm: bulwark.PermISMSRead, Handler: h.exportPDF},
		{Method: "POST", Pattern: "/o/{slug}/policies/export", Perm: bulwark.PermISMSRead, Handler: h.exportSet},
		{Method: "POST", Pattern: "/o/{slug}/acknowledgements/export", Perm: bulwark.PermISMSRead, Handler: h.exportAcks},
		{Method: "GET", Pattern: "/l/{token}", Perm: bulwark.PermPublic, Handler: h.linkPage},
		{Method: "POST", Pattern: "/l/{token}", Perm: bulwark.PermPublic, Handler: h.linkSubmit},
	}
}

func audienceOf(v field.Values) Audience {
	a := Audience{Everyone: bulwark.Value(v.Bool("everyone")), ExpiresInDays: bulwark.Value(v.Int("expires_in_days"))}
	if l := v.List("group_ids"); l != nil {
		a.GroupIDs = *l
	}
	if l := v.List("person_ids"); l != nil {
		a.PersonIDs = *l
	}
	return a
}

func (h *handlers) withAbsoluteLinks(r *http.Request, q *AckRequest) {
	for i := range q.Links {
		q.Links[i].Link = h.AbsoluteURL(r, q.Links[i].Link)
	}
}

func (h *handlers) apiAckRequest(w http.ResponseWriter, r *http.Request) {
	if _, err := h.svc.Document(r.Context(), web.PrincipalFrom(r), r.PathValue("id")); err != nil {
		h.Problem(w, r, err)
		return
	}
	vals, err := h.DecodeCreate(w, r, AudienceEntity)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	q, err := h.svc.RequestAcknowledgement(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), audienceOf(vals))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	h.withAbsoluteLinks(r, q)
	w.Header().Set("Location", fmt.Sprintf("/api/v1/documents/%s/acknowledgement-requests/%s/links", q.DocumentID, q.ID))
	web.WriteJSON(w, http.StatusCreated, q)
}

func (h *handlers) apiAckRequests(w http.ResponseWriter, r *http.Request) {
	qs, err := h.svc.AckRequests(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": qs, "next_cursor": nil})
}

func (h *handlers) apiAckLinks(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	q, err := h.svc.AckLinks(r.Context(), p, r.PathValue("id"), r.PathValue("request"))
	if err != nil {
		h.ProblemOrPage(w, r, err)
		return
	}
	h.withAbsoluteLinks(r, q)
	switch r.URL.Query().Get("format") {
	case "", "json":
		if !strings.HasPrefix(r.URL.Path, "/api/") {
			break
		}
		web.WriteJSON(w, http.StatusOK, q)
		return
	case "csv":
	default:
		h.ProblemOrPage(w, r, bulwark.Invalid("format", "must be json or csv"))
		return
	}
	d, err := h.svc.Document(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.ProblemOrPage(w, r, err)
		return
	}
	h.Download(w, r, fmt.Sprintf("%s-acknowledgement-links-%s.csv", strings.ToLower(d.Ref), q.RequestedAt.Format("2006-01-02")), "text/csv; charset=utf-8", func(out io.Writer) error {
		cw, err := tabular.NewCSVWriter(out), error(nil)
		if err != nil {
			return err
		}
		if err := cw.Write([]any{"person", "email", "link", "expires_at", "acknowledged"}); err != nil {
			return err
		}
		for _, l := range q.Links {
			if err := cw.Write([]any{l.Name, l.Email, l.Link, l.ExpiresAt.Format("2006-01-02T15:04:05Z"), l.Acknowledged}); err != nil {
				return err
			}
		}
		return cw.Close()
	})
}

func (h *handlers) exportPDF(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if f := r.FormValue("format"); f != "" && f != "pdf" {
		h.ProblemOrPage(w, r, bulwark.Invalid("format", "must be pdf"))
		return
	}
	d, err := h.svc.Document(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.ProblemOrPage(w, r, err)
		return
	}
	rev := r.FormValue("revision")
	name := strings.ToLower(d.Ref)
	if rev != "" {
		name += "-" + rev
	} else if d.PublishedRevision != nil {
		name += "-" + *d.PublishedRevision
	}
	h.Download(w, r, name+".pdf", "application/pdf", func(out io.Writer) error { return h.svc.ExportPDF(r.Context(), p, d.ID, rev, out) })
}

func (h *handlers) exportSet(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if f := r.FormValue("format"); f != "" && f != "pdf" {
		h.ProblemOrPage(w, r, bulwark.Invalid("format", "must be pdf"))
		return
	}
	h.Download(w, r, "policy-set-"+p.Org.Slug+".pdf", "application/pdf", func(out io.Writer) error { return h.svc.ExportPolicySet(r.Context(), p, out) })
}

func (h *handlers) exportAcks(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	format := r.FormValue("format")
	if format == "" {
		format = "xlsx"
	}
	ct := map[string]string{"csv": web.SpreadsheetTypes[0], "xlsx": web.SpreadsheetTypes[1]}[format]
	if ct == "" {
		h.ProblemOrPage(w, r, bulwark.Invalid("format", "must be csv or xlsx"))
		return
	}
	h.Download(w, r, "acknowledgements-"+p.Org.Slug+"."+format, ct, func(out io.Writer) error { return h.svc.ExportAcknowledgements(r.Context(), p, format, out) })
}

func (h *handlers) apiAckProgress(w http.ResponseWriter, r *http.Request) {
	pr, err := h.svc.AckProgress(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, pr)
}

func (h *handlers) apiAcknowledge(w http.ResponseWriter, r *http.Request) {
	a, err := h.svc.Acknowledge(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, a)
}

func (h *handlers) apiAckByLink(w http.ResponseWriter, r *http.Request) {
	vals, err := h.DecodeCreate(w, r, LinkTokenEntity)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	token := strings.TrimSpace(bulwark.Value(vals.Str("token")))
	if token == "" {
		h.Problem(w, r, bulwark.Invalid("token", "is required: the part of the personal link after /l/"))
		return
	}
	a, err := h.svc.AcknowledgeByLink(r.Context(), token, h.Meta(r))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, a)
}

func (h *handlers) apiPublished(w http.ResponseWriter, r *http.Request) {
	ds, err := h.svc.Published(r.Context(), web.PrincipalFrom(r))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": ds, "next_cursor": nil})
}

func (h *handlers) apiPublishedOne(w http.ResponseWriter, r *http.Request) {
	d, err := h.svc.PublishedOne(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, d)
}

func (h *handlers) libraryPage(w http.ResponseWriter, r *http.Request) {
	ds, err := h.svc.Published(r.Context(), web.PrincipalFrom(r))
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	h.Render(w, r, http.StatusOK, "policy-library", &web.Page{Title: "Policies to read", Nav: "library", Data: ds})
}

func (h *handlers) libraryDocPage(w http.ResponseWriter, r *http.Request) {
	h.renderLibraryDoc(w, r, http.StatusOK, &web.Page{})
}

func (h *handlers) renderLibraryDoc(w http.ResponseWriter, r *http.Request, status int, pg *web.Page) {
	d, err := h.svc.PublishedOne(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	body, err := markdown.Render(d.Body)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	if r.URL.Query().Get("done") == "acknowledged" {
		pg.Notice = "Thank you: your acknowledgement of revision " + d.Revision + " is recorded."
	}
	pg.Title, pg.Nav, pg.Data = d.Ref+" "+d.Title, "library", map[string]any{"D": d, "Body": body}
	h.Render(w, r, status, "policy-library-doc", pg)
}

func (h *handlers) libraryFile(w http.ResponseWriter, r *http.Request) {
	name, ct, b, err := h.svc.PublishedFile(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	w.Header().Set("Content-Security-Policy", "sandbox")
	h.Download(w, r, name, ct, func(out io.Writer) error { _, err := out.Write(b); return err })
}

func (h *handlers) acknowledgeSubmit(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	if _, err := h.svc.Acknowledge(r.Context(), p, r.PathValue("id")); err != nil {
		if bulwark.ErrorCode(err) == bulwark.ECONFLICT {
			h.renderLibraryDoc(w, r, http.StatusConflict, &web.Page{Error: bulwark.ErrorMessage(err)})
			return
		}
		h.RenderError(w, r, err)
		return
	}
	http.Redirect(w, r, "/o/"+p.Org.Slug+"/library/"+url.PathEscape(r.PathValue("id"))+"?done=acknowledged", http.StatusSeeOther)
}

func (h *handlers) ackRequestSubmit(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	a := Audience{Everyone: r.FormValue("audience") == "everyone", GroupIDs: r.Form["group_ids"]}
	if r.FormValue("audience") != "groups" {
		a.GroupIDs = nil
	}
	if days := r.FormValue("expires_in_days"); days != "" {
		fmt.Sscanf(days, "%d", &a.ExpiresInDays)
	}
	q, err := h.svc.RequestAcknowledgement(r.Context(), p, r.PathValue("id"), a)
	if err != nil {
		if c := bulwark.ErrorCode(err); c == bulwark.EINVALID || c == bulwark.ECONFLICT {
			h.renderPage(w, r, h.ErrorStatus(r, err), &web.Page{Error: "Nobody was asked: " + bulwark.ErrorMessage(err) + web.FieldsText(err)})
			return
		}
		h.RenderError(w, r, err)
		return
	}
	http.Redirect(w, r, "/o/"+p.Org.Slug+"/policies/"+url.PathEscape(r.PathValue("id"))+"/acknowledgement-requests/"+q.ID+"?done=requested", http.StatusSeeOther)
}

func (h *handlers) ackLinksPage(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("format") == "csv" {
		h.apiAckLinks(w, r)
		return
	}
	p := web.PrincipalFrom(r)
	d, err := h.svc.Document(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	q, err := h.svc.AckLinks(r.Context(), p, d.ID, r.PathValue("request"))
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	h.withAbsoluteLinks(r, q)
	pg := &web.Page{Title: d.Ref + " acknowledgement links", Nav: "policies", Data: map[string]any{"D": d, "Q": q}}
	if r.URL.Query().Get("done") == "requested" {
		pg.Notice = fmt.Sprintf("%d people were asked to acknowledge revision %s. Members see it in their tasks; send the others their personal link below.", q.Requested, q.Revision)
	}
	h.Render(w, r, http.StatusOK, "ack-links", pg)
}

// linkPage is what a personal link shows: the revision to read and the button to
// acknowledge it, or why the link no longer works.
func (h *handlers) linkPage(w http.ResponseWriter, r *http.Request) {
	h.renderLink(w, r, http.StatusOK, "")
}

func (h *handlers) renderLink(w http.ResponseWriter, r *http.Request, status int, notice string) {
	w.Header().Set("Referrer-Policy", "no-referrer") // the token is in the URL
	t, err := h.svc.OpenLink(r.Context(), r.PathValue("token"))
	if err != nil {
		h.Render(w, r, h.ErrorStatus(r, err), "ack-link", &web.Page{Title: "Link not valid", Error: bulwark.ErrorMessage(err)})
		return
	}
	body, err := markdown.Render(t.Revision.Body)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	h.Render(w, r, status, "ack-link", &web.Page{Title: t.Document.Ref + " " + t.Revision.Title, Notice: notice, Data: map[string]any{"T": t, "Body": body}})
}

func (h *handlers) linkSubmit(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	a, err := h.svc.AcknowledgeByLink(r.Context(), r.PathValue("token"), h.Meta(r))
	if err != nil {
		h.Render(w, r, h.ErrorStatus(r, err), "ack-link", &web.Page{Title: "Link not valid", Error: bulwark.ErrorMessage(err)})
		return
	}
	h.renderLink(w, r, http.StatusOK, "Thank you: your acknowledgement of revision "+a.Revision+" is recorded on "+a.AcknowledgedAt.Format("2006-01-02")+".")
}

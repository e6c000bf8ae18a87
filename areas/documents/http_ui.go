package documents

import (
	"context"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/areas/people"
	"github.com/bulwark-isms/bulwark/markdown"
	"github.com/bulwark-isms/bulwark/web"
)

func (h *handlers) listPage(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	f, err := documentFilter(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	items, next, err := h.svc.Documents(r.Context(), p, f)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	_, names, err := h.Directory(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	q := map[string]string{}
	filtered := false
	for _, k := range []string{"q", "type", "status"} {
		q[k] = r.URL.Query().Get(k)
		filtered = filtered || q[k] != ""
	}
	data := map[string]any{"Items": items, "Names": names, "Types": Types, "Statuses": Statuses, "Q": q, "Filtered": filtered}
	if next != "" {
		v := r.URL.Query()
		v.Set("cursor", next)
		data["NextURL"] = "?" + v.Encode()
	}
	h.Render(w, r, http.StatusOK, "policies", &web.Page{Title: "Policies and documents", Nav: "policies", Data: data})
}

func (h *handlers) newPage(w http.ResponseWriter, r *http.Request) {
	h.renderNew(w, r, http.StatusOK, &web.Page{Form: map[string]string{"template_id": r.URL.Query().Get("template"), "type": "policy"}})
}

func (h *handlers) renderNew(w http.ResponseWriter, r *http.Request, status int, pg *web.Page) {
	members, _, err := h.Directory(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	pg.Title, pg.Nav = "New document", "policies"
	pg.Data = map[string]any{"Templates": h.svc.Library.All(), "Types": Types, "Members": members}
	h.Render(w, r, status, "policy-new", pg)
}

func (h *handlers) createSubmit(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	vals, err := DocumentEntity.DecodeForm(r.Form, "title", "type", "owner_id", "template_id", "scope")
	if err == nil {
		in := inputOf(vals)
		if strings.TrimSpace(r.FormValue("title")) == "" && r.FormValue("template_id") != "" {
			in.Title = nil // the template's title
		}
		if r.FormValue("template_id") != "" {
			in.Type = nil
		}
		if r.FormValue("scope") == "" || r.FormValue("template_id") == "" {
			in.Scope = nil
		}
		var d *Document
		if d, err = h.svc.Create(r.Context(), p, in); err == nil {
			http.Redirect(w, r, "/o/"+p.Org.Slug+"/policies/"+d.ID+"?done=created", http.StatusSeeOther)
			return
		}
	}
	if c := bulwark.ErrorCode(err); c == bulwark.EINTERNAL || c == bulwark.EFORBIDDEN {
		h.RenderError(w, r, err)
		return
	}
	form := map[string]string{}
	for _, k := range []string{"title", "type", "owner_id", "template_id", "scope"} {
		form[k] = r.FormValue(k)
	}
	h.renderNew(w, r, h.ErrorStatus(r, err), &web.Page{Error: bulwark.ErrorMessage(err), Fields: web.FieldsOf(err), Form: form})
}

// notices are what a page says after a step.
var notices = map[string]string{
	"created": "Created as a draft. Write or adjust the text, then submit it for approval.", "saved": "Saved.", "file": "File uploaded.",
	"submit": "Submitted for approval.", "approve": "Approved. It can now be published.", "return": "Returned to draft with your comment.",
	"publish": "Published. Ask people to acknowledge it below.", "retire": "Retired: readers no longer see it.", "review": "Review recorded: the next review moves one cycle on.",
}

func (h *handlers) page(w http.ResponseWriter, r *http.Request) {
	h.renderPage(w, r, http.StatusOK, &web.Page{Notice: notices[r.URL.Query().Get("done")]})
}

func (h *handlers) renderPage(w http.ResponseWriter, r *http.Request, status int, pg *web.Page) {
	p := web.PrincipalFrom(r)
	d, revs, err := h.svc.Revisions(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	d.mark(bulwark.Today(time.Now(), p.Org.Settings.TimeZone))
	_, names, err := h.Directory(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	body, err := markdown.Render(d.Body)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	links, err := h.svc.Links(r.Context(), p, d)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	progress, err := h.svc.AckProgress(r.Context(), p, d.ID)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	requests, err := h.svc.AckRequests(r.Context(), p, d.ID)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	groups, err := h.svc.Groups(r.Context(), p)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	own := d.OwnerID != nil && *d.OwnerID == p.MemberID
	canEdit := p.Can(bulwark.PermISMSEdit) || (p.Can(bulwark.PermISMSEditOwn) && own)
	authored := false
	for _, a := range d.Authors {
		authored = authored || a == p.MemberID
	}
	live := d.ArchivedAt == nil
	pg.Title, pg.Nav = d.Ref+" "+d.Title, "policies"
	pg.Data = map[string]any{"D": d, "Body": body, "Revisions": revs, "Names": names, "Links": links, "CanEdit": canEdit && live && d.Status != Retired,
		"CanSubmit": canEdit && live && d.Status == Draft, "CanApprove": live && p.Can(bulwark.PermApprove) && d.Status == InReview,
		"SoDBlocked": p.Org.Settings.SegregationOfDuties && authored, "CanReturn": live && p.Can(bulwark.PermApprove) && (d.Status == InReview || d.Status == Approved),
		"CanPublish": live && d.Status == Approved && (p.Can(bulwark.PermISMSEdit) || (d.ApprovedBy != nil && *d.ApprovedBy == p.MemberID)),
		"CanRetire":  live && p.Can(bulwark.PermISMSEdit) && d.Status != Retired, "CanArchive": canEdit,
		"CanReview": canEdit && live && d.Status != Retired && d.PublishedRevision != nil, "Bumps": Bumps,
		"Progress": progress, "Requests": requests, "Groups": groups, "CanAsk": canEdit && live && d.PublishedRevision != nil && d.Status != Retired}
	h.Render(w, r, status, "policy", pg)
}

// Groups lists the organisation's groups of people, for addressing a request.
func (s *Service) Groups(ctx context.Context, p *bulwark.Principal) ([]*people.Group, error) {
	var out []*people.Group
	err := s.view(ctx, func(tx store) error {
		var err error
		out, err = people.GroupsOf(ctx, tx.Tx, p.Org.ID)
		return err
	})
	return out, err
}

// LinkView is a control or requirement a document is linked to, as a page shows it.
type LinkView struct{ ID, Ref, Title, URL string }

// Links names the controls and requirements d is linked to.
func (s *Service) Links(ctx context.Context, p *bulwark.Principal, d *Document) ([]LinkView, error) {
	var out []LinkView
	err := s.view(ctx, func(tx store) error {
		if len(d.ControlIDs) > 0 {
			in, list := tx.InList("id", d.ControlIDs)
			rows, err := tx.Query(ctx, `SELECT id, ref, title FROM controls WHERE org_id = ? AND `+in+` ORDER BY sort_order`, p.Org.ID, list)
			if err != nil {
				return err
			}
			for rows.Next() {
				var l LinkView
				if err := rows.Scan(&l.ID, &l.Ref, &l.Title); err != nil {
					rows.Close()
					return err
				}
				l.URL = "/o/" + p.Org.Slug + "/controls/" + l.ID
				out = append(out, l)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		if len(d.RequirementIDs) > 0 {
			in, list := tx.InList("r.id", d.RequirementIDs)
			rows, err := tx.Query(ctx, `SELECT r.id, r.ref, r.title, f.slug FROM requirements r JOIN frameworks f ON f.id = r.framework_id WHERE `+in+` ORDER BY r.framework_id, r.sort_order`, list)
			if err != nil {
				return err
			}
			for rows.Next() {
				var l LinkView
				var fw string
				if err := rows.Scan(&l.ID, &l.Ref, &l.Title, &fw); err != nil {
					rows.Close()
					return err
				}
				l.URL = "/o/" + p.Org.Slug + "/frameworks/" + fw + "#" + web.AnchorID(l.Ref)
				out = append(out, l)
			}
			rows.Close()
			return rows.Err()
		}
		return nil
	})
	return out, err
}

func (h *handlers) editPage(w http.ResponseWriter, r *http.Request) {
	d, err := h.svc.Document(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	h.renderEdit(w, r, http.StatusOK, d, &web.Page{})
}

func (h *handlers) renderEdit(w http.ResponseWriter, r *http.Request, status int, d *Document, pg *web.Page) {
	p := web.PrincipalFrom(r)
	members, _, err := h.Directory(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	classes, err := h.svc.Classifications(r.Context(), p)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	links, err := h.svc.Links(r.Context(), p, d)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	var controls, reqs []web.PickItem
	for _, l := range links {
		item := web.PickItem{ID: l.ID, Label: l.Ref + " " + l.Title}
		if strings.Contains(l.ID, ":") {
			reqs = append(reqs, item)
		} else {
			controls = append(controls, item)
		}
	}
	picker := func(name, label, placeholder, kind string, items []web.PickItem) *web.Picker {
		ids := make([]string, len(items))
		for i, it := range items {
			ids[i] = it.ID
		}
		pk := web.NewPicker(name, label, items, ids, nil)
		pk.Placeholder, pk.SearchURL = placeholder, "/o/"+p.Org.Slug+"/pick/"+kind
		return pk
	}
	pg.Title, pg.Nav = "Edit "+d.Ref, "policies"
	pg.Data = map[string]any{"D": d, "Members": members, "Classes": classes, "Types": Types,
		"ControlPicker":     picker("control_ids", "Controls this document supports", "A.5.1, access, or words", "controls", controls),
		"RequirementPicker": picker("requirement_ids", "Requirements it meets", "5.2, Art. 32, or words", "requirements", reqs)}
	h.Render(w, r, status, "policy-edit", pg)
}

func (h *handlers) editSubmit(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	cur, err := h.svc.Document(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	names := []string{"title", "type", "body", "owner_id", "classification", "review_months", "next_review_date", "control_ids", "requirement_ids"}
	vals, err := DocumentEntity.DecodeForm(r.Form, names...)
	in := inputOf(vals)
	in.TemplateID, in.Scope = nil, nil
	if err == nil {
		var expect *int
		if v, perr := strconv.Atoi(r.FormValue("version")); perr == nil {
			expect = &v
		}
		if _, err = h.svc.Update(r.Context(), p, cur.ID, in, expect, nil); err == nil {
			http.Redirect(w, r, "/o/"+p.Org.Slug+"/policies/"+cur.ID+"?done=saved", http.StatusSeeOther)
			return
		}
	}
	if c := bulwark.ErrorCode(err); c == bulwark.EINTERNAL || c == bulwark.EFORBIDDEN || c == bulwark.ENOTFOUND {
		h.RenderError(w, r, err)
		return
	}
	d := *cur
	in.apply(&d)
	h.renderEdit(w, r, h.ErrorStatus(r, err), &d, &web.Page{Error: bulwark.ErrorMessage(err), Fields: web.FieldsOf(err)})
}

func (h *handlers) fileSubmit(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	name, b, err := readFile(w, r)
	if err == nil {
		_, err = h.svc.SetFile(r.Context(), p, r.PathValue("id"), name, b)
	}
	if err != nil {
		if c := bulwark.ErrorCode(err); c == bulwark.EINVALID || c == bulwark.ETOOLARGE || c == bulwark.ECONFLICT {
			h.renderPage(w, r, h.ErrorStatus(r, err), &web.Page{Error: "The file was not uploaded: " + bulwark.ErrorMessage(err) + web.FieldsText(err)})
			return
		}
		h.RenderError(w, r, err)
		return
	}
	http.Redirect(w, r, "/o/"+p.Org.Slug+"/policies/"+url.PathEscape(r.PathValue("id"))+"?done=file", http.StatusSeeOther)
}

func (h *handlers) stepSubmit(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	name := r.PathValue("step")
	if _, ok := notices[name]; !ok || name == "saved" || name == "file" || name == "created" {
		h.RenderError(w, r, bulwark.Errorf(bulwark.ENOTFOUND, "No such step."))
		return
	}
	_, err := h.runStep(r, name, Step{Comment: r.FormValue("comment"), Bump: r.FormValue("bump"), ChangeSummary: r.FormValue("change_summary")})
	if err != nil {
		if c := bulwark.ErrorCode(err); c == bulwark.EINVALID || c == bulwark.ECONFLICT || c == bulwark.EFORBIDDEN {
			h.renderPage(w, r, h.ErrorStatus(r, err), &web.Page{Error: bulwark.ErrorMessage(err) + web.FieldsText(err)})
			return
		}
		h.RenderError(w, r, err)
		return
	}
	http.Redirect(w, r, "/o/"+p.Org.Slug+"/policies/"+url.PathEscape(r.PathValue("id"))+"?done="+name, http.StatusSeeOther)
}

func (h *handlers) archiveSubmit(archive bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := web.PrincipalFrom(r)
		if _, err := h.svc.Update(r.Context(), p, r.PathValue("id"), Input{}, nil, &archive); err != nil {
			h.RenderError(w, r, err)
			return
		}
		http.Redirect(w, r, "/o/"+p.Org.Slug+"/policies/"+url.PathEscape(r.PathValue("id")), http.StatusSeeOther)
	}
}

func (h *handlers) revisionPage(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	d, rev, err := h.svc.Revision(r.Context(), p, r.PathValue("id"), r.PathValue("rev"))
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	body, err := markdown.Render(rev.Body)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	_, names, err := h.Directory(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	added, removed := DiffStats(rev.Diff)
	h.Render(w, r, http.StatusOK, "policy-revision", &web.Page{Title: d.Ref + " revision " + rev.Revision, Nav: "policies",
		Data: map[string]any{"D": d, "R": rev, "Body": body, "Names": names, "Added": added, "Removed": removed, "Diff": template.HTML("")}})
}

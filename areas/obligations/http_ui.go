package obligations

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/web"
)

// sourceLabels and regimeLabels are the values as pages show them.
var (
	sourceLabels = map[string]string{SourceLaw: "Law", SourceRegulation: "Regulation", SourceContract: "Contract", SourceStandard: "Standard"}
	regimeLabels = map[string]string{"": "—", RegimeGDPR: "GDPR", RegimeHIPAA: "HIPAA"}
)

// Link is a control or framework requirement an obligation is linked to, as pages show it.
type Link struct {
	ID, Ref, Title, URL string
}

// Links names the controls (ids of the organisation's) and catalog requirements (ids) for a page, in the
// control set's and the catalog's order.
func (s *Service) Links(ctx context.Context, p *bulwark.Principal, controlIDs, requirementIDs []string) (controls, requirements []Link, err error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, nil, err
	}
	err = s.read(ctx, func(tx store) error {
		if len(controlIDs) > 0 {
			in, list := tx.InList("id", controlIDs)
			rows, err := tx.Query(ctx, `SELECT id, ref, title FROM controls WHERE org_id = ? AND `+in+` ORDER BY sort_order, ref`, p.Org.ID, list)
			if err != nil {
				return fmt.Errorf("control labels: %w", err)
			}
			for rows.Next() {
				var l Link
				if err := rows.Scan(&l.ID, &l.Ref, &l.Title); err != nil {
					rows.Close()
					return err
				}
				l.URL = "/o/" + p.Org.Slug + "/controls/" + l.ID
				controls = append(controls, l)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		if len(requirementIDs) > 0 {
			in, list := tx.InList("r.id", requirementIDs)
			rows, err := tx.Query(ctx, `SELECT r.id, f.name || ' ' || r.ref, r.display_title FROM requirements r JOIN frameworks f ON f.id = r.framework_id
				WHERE `+in+` ORDER BY f.sort_order, r.sort_order`, list)
			if err != nil {
				return fmt.Errorf("requirement labels: %w", err)
			}
			defer rows.Close()
			for rows.Next() {
				var l Link
				if err := rows.Scan(&l.ID, &l.Ref, &l.Title); err != nil {
					return err
				}
				l.URL = "/o/" + p.Org.Slug + "/requirements/" + l.ID
				requirements = append(requirements, l)
			}
			return rows.Err()
		}
		return nil
	})
	return controls, requirements, err
}

// pickers builds the control and requirement pickers over the links chosen.
func pickers(p *bulwark.Principal, controls, requirements []Link) map[string]*web.Picker {
	picker := func(name, label, placeholder, source string, links []Link) *web.Picker {
		var items []web.PickItem
		var ids []string
		for _, l := range links {
			items, ids = append(items, web.PickItem{ID: l.ID, Label: l.Ref + " " + l.Title}), append(ids, l.ID)
		}
		pk := web.NewPicker(name, label, items, ids, nil)
		pk.Placeholder, pk.SearchURL = placeholder, "/o/"+p.Org.Slug+"/pick/"+source
		return pk
	}
	return map[string]*web.Picker{
		"Controls":     picker("control_ids", "Controls that meet it", "A.5.31, privacy, or words", "controls", controls),
		"Requirements": picker("requirement_ids", "Framework requirements", "Art. 32, 164.312(b), or words", "requirements", requirements),
	}
}

func (h *handlers) listPage(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	f, err := filterOf(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	items, _, err := h.svc.List(r.Context(), p, f)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	_, names, err := h.Directory(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	suggestions, err := h.svc.Suggestions(r.Context(), p, "")
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	left := map[string]int{}
	for _, s := range suggestions {
		if !s.Adopted {
			left[s.Regime]++
		}
	}
	pg := &web.Page{Title: "Obligations", Nav: "obligations"}
	switch r.URL.Query().Get("notice") {
	case "adopted":
		pg.Notice = "The suggestions are adopted: each is yours to adjust, link and review."
	case "none":
		pg.Notice = "Those suggestions were adopted already: nothing new was added."
	}
	pg.Data = map[string]any{
		"Items": items, "Names": names, "F": f, "Sources": Sources, "Regimes": KnownRegimes, "SourceLabels": sourceLabels, "RegimeLabels": regimeLabels,
		"Filtered": f.Regime != "" || f.Source != "" || f.OwnerID != "" || f.PastReview || f.IncludeArchived, "Left": left, "Suggestions": suggestions, "Today": today(p)}
	h.Render(w, r, http.StatusOK, "obligations-list", pg)
}

func (h *handlers) newPage(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	h.renderNew(w, r, http.StatusOK, nil, nil, &web.Page{Form: map[string]string{"owner_id": p.MemberID, "review_date": NextReview(today(p))}})
}

func (h *handlers) renderNew(w http.ResponseWriter, r *http.Request, status int, controlIDs, requirementIDs []string, pg *web.Page) {
	p := web.PrincipalFrom(r)
	members, _, err := h.Directory(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	controls, requirements, err := h.svc.Links(r.Context(), p, controlIDs, requirementIDs)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	pg.Title, pg.Nav = "Record an obligation", "obligations"
	if pg.Form == nil {
		pg.Form = map[string]string{}
	}
	pg.Data = map[string]any{"Members": members, "Pickers": pickers(p, controls, requirements), "Sources": Sources, "Regimes": KnownRegimes,
		"SourceLabels": sourceLabels, "RegimeLabels": regimeLabels}
	h.Render(w, r, status, "obligations-new", pg)
}

// formFields are what the obligation forms carry.
var formFields = []string{"title", "source", "jurisdiction", "requirement", "owner_id", "regime", "review_date", "control_ids", "requirement_ids"}

func (h *handlers) createSubmit(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	vals, err := ObligationEntity.DecodeForm(r.Form, formFields...)
	if err == nil {
		var o *Obligation
		if o, err = h.svc.Create(r.Context(), p, inputOf(vals)); err == nil {
			http.Redirect(w, r, "/o/"+p.Org.Slug+"/obligations/"+o.ID+"?notice=added", http.StatusSeeOther)
			return
		}
	}
	pg := &web.Page{Form: map[string]string{}}
	for _, n := range formFields {
		pg.Form[n] = r.FormValue(n)
	}
	if status, ok := h.FormFailure(w, r, pg, err); ok {
		h.renderNew(w, r, status, known(r.Form["control_ids"]), r.Form["requirement_ids"], pg)
	}
}

// known keeps the non-empty values of a form list.
func known(ids []string) []string {
	var out []string
	for _, id := range ids {
		if id != "" {
			out = append(out, id)
		}
	}
	return out
}

func (h *handlers) adoptSubmit(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	res, err := h.svc.Adopt(r.Context(), p, r.PostFormValue("regime"), known(r.PostForm["keys"]))
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	notice := "adopted"
	if len(res.Created) == 0 {
		notice = "none"
	}
	http.Redirect(w, r, "/o/"+p.Org.Slug+"/obligations?notice="+notice, http.StatusSeeOther)
}

func (h *handlers) page(w http.ResponseWriter, r *http.Request) {
	h.renderPage(w, r, http.StatusOK, nil, &web.Page{})
}

func (h *handlers) renderPage(w http.ResponseWriter, r *http.Request, status int, edited *Obligation, pg *web.Page) {
	p := web.PrincipalFrom(r)
	o, err := h.svc.Get(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	shown := o
	if edited != nil {
		shown = edited
	}
	controls, requirements, err := h.svc.Links(r.Context(), p, o.ControlIDs, o.RequirementIDs)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	pickControls, pickRequirements := controls, requirements
	if edited != nil {
		if pickControls, pickRequirements, err = h.svc.Links(r.Context(), p, edited.ControlIDs, edited.RequirementIDs); err != nil {
			h.RenderError(w, r, err)
			return
		}
	}
	members, names, err := h.Directory(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	switch r.URL.Query().Get("notice") {
	case "added":
		pg.Notice = o.Ref + " is recorded. Link the controls that meet it, and review it by its review date."
	case "saved":
		pg.Notice = "Saved."
	case "reviewed":
		pg.Notice = "Marked reviewed today; the next review is on " + web.Day(o.ReviewDate) + "."
	}
	if pg.Form == nil {
		pg.Form = map[string]string{}
	}
	var suggestion *Suggestion
	if o.SuggestionKey != "" {
		suggestion = SuggestionByKey(o.SuggestionKey)
	}
	pg.Title, pg.Nav = o.Ref+" "+o.Title, "obligations"
	pg.Data = map[string]any{"O": o, "Shown": shown, "Controls": controls, "Requirements": requirements, "Names": names, "Members": members,
		"Pickers": pickers(p, pickControls, pickRequirements), "CanEdit": app.CanEdit(p, o.OwnerID), "Sources": Sources, "Regimes": KnownRegimes,
		"SourceLabels": sourceLabels, "RegimeLabels": regimeLabels, "Suggestion": suggestion}
	h.Render(w, r, status, "obligations-item", pg)
}

func (h *handlers) editSubmit(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	cur, err := h.svc.Get(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	vals, err := ObligationEntity.DecodeForm(r.Form, formFields...)
	if err == nil {
		if _, err = h.svc.Update(r.Context(), p, cur.ID, inputOf(vals), web.FormVersion(r), nil); err == nil {
			http.Redirect(w, r, "/o/"+p.Org.Slug+"/obligations/"+cur.ID+"?notice=saved", http.StatusSeeOther)
			return
		}
	}
	edited := *cur
	edited.ControlIDs, edited.RequirementIDs = known(r.Form["control_ids"]), known(r.Form["requirement_ids"])
	pg := &web.Page{Form: map[string]string{"open": "edit"}}
	for _, n := range formFields {
		pg.Form[n] = r.FormValue(n)
	}
	if status, ok := h.FormFailure(w, r, pg, err); ok {
		h.renderPage(w, r, status, &edited, pg)
	}
}

func (h *handlers) reviewSubmit(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	o, err := h.svc.MarkReviewed(r.Context(), p, r.PathValue("id"), web.FormVersion(r))
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	http.Redirect(w, r, "/o/"+p.Org.Slug+"/obligations/"+o.ID+"?notice=reviewed", http.StatusSeeOther)
}

func (h *handlers) archiveSubmit(archive bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := web.PrincipalFrom(r)
		if err := web.ParseForm(w, r); err != nil {
			h.RenderError(w, r, err)
			return
		}
		o, err := h.svc.Update(r.Context(), p, r.PathValue("id"), Input{}, nil, &archive)
		if err != nil {
			h.RenderError(w, r, err)
			return
		}
		http.Redirect(w, r, "/o/"+p.Org.Slug+"/obligations/"+o.ID+"?notice=saved", http.StatusSeeOther)
	}
}

func (h *handlers) dashboardPart(r *http.Request) (template.HTML, error) {
	p := web.PrincipalFrom(r)
	if !p.Can(bulwark.PermISMSRead) {
		return "", nil
	}
	c, err := h.svc.Counts(r.Context(), p)
	if err != nil {
		return "", err
	}
	return h.Partial("obligations-dashboard", &web.Page{P: p, Data: map[string]any{"C": c, "RegimeLabels": regimeLabels}})
}

// taskWindow is how many days before its review date an obligation shows in its owner's tasks.
const taskWindow = 14

func (h *handlers) tasks(r *http.Request) (web.Tasks, error) {
	p := web.PrincipalFrom(r)
	if p.MemberID == "" || !p.Can(bulwark.PermISMSRead) {
		return web.Tasks{}, nil
	}
	mine, _, err := h.svc.List(r.Context(), p, Filter{OwnerID: p.MemberID})
	if err != nil {
		return web.Tasks{}, err
	}
	day := today(p)
	soon := day
	if t, err := time.Parse(time.DateOnly, day); err == nil {
		soon = t.AddDate(0, 0, taskWindow).Format(time.DateOnly)
	}
	due := []*Obligation{}
	for _, o := range mine {
		if o.ReviewDate != nil && *o.ReviewDate <= soon {
			due = append(due, o)
		}
	}
	html, err := h.Partial("obligations-tasks", &web.Page{P: p, Data: due})
	if err != nil {
		return web.Tasks{}, err
	}
	return web.Tasks{Count: len(due), HTML: html, JSON: map[string]any{"obligations_to_review": due}}, nil
}

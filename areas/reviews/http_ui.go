package reviews

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/report"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/web"
)

var notices = map[string]string{
	"created":  "Review prepared: its inputs are the registers as they stand now. Record who attends, the discussion and the decisions.",
	"saved":    "Saved.",
	"notes":    "Notes saved.",
	"refresh":  "Inputs taken again from the registers.",
	"approved": "Minutes approved: they no longer change.",
	"decision": "Decision recorded.",
}

// MyDecisions lists p's open decisions due within a week or overdue, from approved reviews.
func (s *Service) MyDecisions(ctx context.Context, p *bulwark.Principal) ([]*Decision, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	day := today(p)
	t, _ := time.Parse(time.DateOnly, day)
	var out []*Decision
	err := s.DB.View(ctx, func(tx *sqlstore.Tx) error {
		var err error
		out, err = decisions(ctx, tx, p.Org.ID, `AND d.owner_id = ? AND d.status IN ('open', 'in_progress') AND d.due_date <= ?`, p.MemberID, t.AddDate(0, 0, 7).Format(time.DateOnly))
		return err
	})
	markOverdue(out, day)
	return out, err
}

func (h *handlers) listPage(w http.ResponseWriter, r *http.Request) {
	rs, err := h.svc.List(r.Context(), web.PrincipalFrom(r))
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	h.Render(w, r, http.StatusOK, "reviews", &web.Page{Title: "Management review", Nav: "management-reviews", Data: map[string]any{"Items": rs}})
}

func (h *handlers) createSubmit(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	title := strings.TrimSpace(r.PostFormValue("title"))
	if title == "" {
		title = "Management review " + today(p)[:4]
	}
	held := r.PostFormValue("held_on")
	hp := &held
	rv, err := h.svc.Create(r.Context(), p, Input{Title: &title, HeldOn: &hp})
	if err != nil {
		rs, lerr := h.svc.List(r.Context(), p)
		if lerr != nil {
			h.RenderError(w, r, err)
			return
		}
		pg := &web.Page{Title: "Management review", Nav: "management-reviews", Data: map[string]any{"Items": rs}, Form: web.FormValues(r, "title", "held_on")}
		if status, ok := h.FormFailure(w, r, pg, err); ok {
			h.Render(w, r, status, "reviews", pg)
		}
		return
	}
	http.Redirect(w, r, "/o/"+p.Org.Slug+"/management-reviews/"+rv.ID+"?done=created", http.StatusSeeOther)
}

func (h *handlers) renderPage(w http.ResponseWriter, r *http.Request, status int, pg *web.Page) {
	p := web.PrincipalFrom(r)
	rv, err := h.svc.Get(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	members, names, err := h.Directory(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	if pg == nil {
		pg = &web.Page{Notice: notices[r.URL.Query().Get("done")]}
	}
	attending := map[string]bool{}
	var guests []string
	for _, a := range rv.Attendees {
		if a.MemberID != nil {
			attending[*a.MemberID] = true
		} else {
			guests = append(guests, a.Name)
		}
	}
	draft := rv.Status == StatusDraft
	pg.Title, pg.Nav = rv.Ref+" "+rv.Title, "management-reviews"
	pg.Data = map[string]any{"R": rv, "Members": members, "Names": names, "Attending": attending, "Guests": strings.Join(guests, "\n"),
		"CanEdit": draft && p.Can(bulwark.PermISMSEdit), "CanApprove": draft && p.Can(bulwark.PermApprove), "Missing": ApprovalMissing(rv),
		"Statuses": DecisionStatuses}
	h.Render(w, r, status, "review", pg)
}

func (h *handlers) page(w http.ResponseWriter, r *http.Request) {
	h.renderPage(w, r, http.StatusOK, nil)
}

// done redirects to the record's page after a form, or shows it again with the form's error.
func (h *handlers) done(w http.ResponseWriter, r *http.Request, err error, notice, anchor string, form ...string) {
	h.FormDone(w, r, err, "management-reviews", notice, anchor, h.renderPage, form...)
}

func (h *handlers) editSubmit(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	title, summary, held := r.PostFormValue("title"), r.PostFormValue("summary"), r.PostFormValue("held_on")
	hp := &held
	as := attendeesOf(r)
	_, err := h.svc.Update(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), Input{Title: &title, Summary: &summary, HeldOn: &hp, Attendees: &as}, web.FormVersion(r))
	h.done(w, r, err, "saved", "meeting", "title", "summary", "held_on")
}

func (h *handlers) notesSubmit(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	_, err := h.svc.SetNotes(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), r.PathValue("section"), r.PostFormValue("notes"))
	h.done(w, r, err, "notes", "sec-"+r.PathValue("section"), "notes")
}

func (h *handlers) refreshSubmit(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	_, err := h.svc.Refresh(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
	h.done(w, r, err, "refresh", "inputs")
}

func (h *handlers) approveSubmit(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	_, err := h.svc.Approve(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), web.FormVersion(r))
	h.done(w, r, err, "approved", "approval")
}

func (h *handlers) decisionSubmit(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	title, owner, due := r.PostFormValue("title"), r.PostFormValue("owner_id"), r.PostFormValue("due_date")
	op, dp := &owner, &due
	_, err := h.svc.AddDecision(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), DecisionInput{Title: &title, OwnerID: &op, DueDate: &dp})
	h.done(w, r, err, "decision", "decisions", "title", "owner_id", "due_date")
}

func (h *handlers) decisionUpdateSubmit(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	status := r.PostFormValue("status")
	_, err := h.svc.UpdateDecision(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), r.PathValue("decision"), DecisionInput{Status: &status}, web.FormVersion(r))
	h.done(w, r, err, "decision", "decisions")
}

// minutes downloads a review's minutes as a PDF.
func (h *handlers) minutes(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	rv, err := h.svc.Get(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.ProblemOrPage(w, r, err)
		return
	}
	h.Download(w, r, "management-review-"+strings.ToLower(rv.Ref)+"-"+p.Org.Slug+".pdf", "application/pdf",
		func(out io.Writer) error { return h.svc.ExportMinutes(r.Context(), p, rv.ID, out) })
}

// ExportMinutes writes review id's minutes (an id or a ref) as a PDF, marked DRAFT until
// approved. The export is audited.
func (s *Service) ExportMinutes(ctx context.Context, p *bulwark.Principal, id string, w io.Writer) error {
	rv, err := s.Get(ctx, p, id)
	if err != nil {
		return err
	}
	names := map[string]string{}
	if err := s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
		ms, err := tx.Members(ctx, p.Org.ID)
		if err != nil {
			return err
		}
		for _, m := range ms {
			names[m.ID] = m.Name
		}
		return app.Audit(ctx, tx, p.Org.ID, app.MetaOf(p), "management_review.export", "management_review", rv.ID, rv.Ref, bulwark.Changes{"format": bulwark.Added("pdf")})
	}); err != nil {
		return err
	}
	return WriteMinutes(rv, names, p.Org.Name, time.Now().UTC(), w)
}

// WriteMinutes lays out a review's minutes: the meeting, every input with its figures, records and
// notes, the summary and the decisions.
func WriteMinutes(rv *Review, names map[string]string, org string, now time.Time, w io.Writer) error {
	d, err := report.New(report.Meta{Title: "Management review " + rv.Ref, Organisation: org, Draft: rv.Status != StatusApproved, Generated: now})
	if err != nil {
		return err
	}
	name := func(id *string) string {
		if id == nil {
			return ""
		}
		if n := names[*id]; n != "" {
			return n
		}
		return "a former member"
	}
	var attendees []string
	for _, a := range rv.Attendees {
		if a.MemberID != nil {
			attendees = append(attendees, name(a.MemberID))
		} else {
			attendees = append(attendees, a.Name+" (guest)")
		}
	}
	approved := "not yet"
	if rv.ApprovedAt != nil {
		approved = rv.ApprovedAt.Format(time.DateOnly) + " by " + name(rv.ApprovedBy)
	}
	d.Fields([2]string{"Review", rv.Title}, [2]string{"Held on", bulwark.Value(rv.HeldOn)}, [2]string{"Attendees", strings.Join(attendees, ", ")},
		[2]string{"Inputs taken", rv.InputsAt.Format("2006-01-02 15:04 UTC")}, [2]string{"Approved", approved})
	for _, s := range rv.Sections {
		d.Heading(s.Clause + " " + s.Title)
		if len(s.Figures) > 0 {
			var rows [][]string
			for _, f := range s.Figures {
				rows = append(rows, []string{f.Label, fmt.Sprint(f.Value)})
			}
			if err := d.Table([]report.Column{{Title: "Figure", Width: 95}, {Title: "Value", Width: 25}}, rows); err != nil {
				return err
			}
		}
		for _, it := range s.Items {
			d.Paragraph("• " + it)
		}
		if s.Remark != "" {
			d.Paragraph(s.Remark)
		}
		if s.Notes != "" {
			d.Subheading("Discussion")
			d.Paragraph(s.Notes)
		}
	}
	d.Heading("Conclusion")
	if rv.Summary != "" {
		d.Paragraph(rv.Summary)
	} else {
		d.Paragraph("No conclusion recorded.")
	}
	d.Heading("Decisions")
	if len(rv.Decisions) == 0 {
		d.Paragraph("No decisions recorded.")
	} else {
		var rows [][]string
		for _, x := range rv.Decisions {
			rows = append(rows, []string{x.Ref, x.Title, name(x.OwnerID), bulwark.Value(x.DueDate), strings.ReplaceAll(x.Status, "_", " ")})
		}
		if err := d.Table([]report.Column{{Title: "Ref", Width: 14}, {Title: "Decision", Width: 54}, {Title: "Owner", Width: 22}, {Title: "Due", Width: 16}, {Title: "Status", Width: 14}}, rows); err != nil {
			return err
		}
	}
	return d.Write(w)
}

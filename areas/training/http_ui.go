package training

import (
	"context"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/areas/documents"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/web"
)

func (h *handlers) trainingsPage(w http.ResponseWriter, r *http.Request) {
	h.renderTrainings(w, r, http.StatusOK, &web.Page{})
}

func (h *handlers) renderTrainings(w http.ResponseWriter, r *http.Request, status int, pg *web.Page) {
	p := web.PrincipalFrom(r)
	ts, err := h.svc.Trainings(r.Context(), p, false)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	cs, err := h.svc.Campaigns(r.Context(), p)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	gs, err := h.docs.Groups(r.Context(), p)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	if pg.Form == nil {
		pg.Form = map[string]string{"due_date": bulwark.Today(time.Now().AddDate(0, 1, 0), p.Org.Settings.TimeZone)}
	}
	pg.Title, pg.Nav = "Training and awareness", "people"
	pg.Data = map[string]any{"Trainings": ts, "Campaigns": cs, "Groups": gs, "Recurrences": Recurrences}
	h.Render(w, r, status, "trainings", pg)
}

func (h *handlers) trainingPage(w http.ResponseWriter, r *http.Request) {
	t := &Training{Quiz: []Question{}}
	if id := r.PathValue("id"); id != "" {
		var err error
		if t, err = h.svc.Training(r.Context(), web.PrincipalFrom(r), id); err != nil {
			h.RenderError(w, r, err)
			return
		}
	}
	pg := &web.Page{}
	if r.URL.Query().Get("saved") == "1" {
		pg.Notice = "Saved."
	}
	h.renderTraining(w, r, http.StatusOK, t, QuizText(t.Quiz), pg)
}

func (h *handlers) renderTraining(w http.ResponseWriter, r *http.Request, status int, t *Training, quiz string, pg *web.Page) {
	p := web.PrincipalFrom(r)
	pg.Title, pg.Nav = "New training module", "people"
	if t.ID != "" {
		pg.Title = t.Ref + " " + t.Title
	}
	pass := ""
	if t.PassMark != nil {
		pass = strconv.Itoa(*t.PassMark)
	}
	pg.Data = map[string]any{"T": t, "Quiz": quiz, "PassMark": pass, "Content": renderMarkdown(t.Content),
		"CanEdit": p.Can(bulwark.PermISMSEdit) || (t.ID == "" && p.Can(bulwark.PermISMSCreate))}
	h.Render(w, r, status, "training", pg)
}

func (h *handlers) trainingSubmit(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	title, desc, content := r.FormValue("title"), r.FormValue("description"), r.FormValue("content")
	minutes, _ := strconv.Atoi(r.FormValue("minutes"))
	var pass *int
	if s := r.FormValue("pass_mark"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			n = -1
		}
		pass = &n
	}
	in := TrainingInput{Title: &title, Description: &desc, Content: &content, Minutes: &minutes, PassMark: &pass}
	quiz, err := ParseQuiz(r.FormValue("quiz"))
	if err == nil {
		in.Quiz = &quiz
		var t *Training
		if id := r.PathValue("id"); id != "" {
			var expect *int
			if v, perr := strconv.Atoi(r.FormValue("version")); perr == nil {
				expect = &v
			}
			t, err = h.svc.UpdateTraining(r.Context(), p, id, in, expect, nil)
		} else {
			t, err = h.svc.CreateTraining(r.Context(), p, in)
		}
		if err == nil {
			http.Redirect(w, r, "/o/"+p.Org.Slug+"/trainings/"+t.ID+"?saved=1", http.StatusSeeOther)
			return
		}
	}
	if c := bulwark.ErrorCode(err); c != bulwark.EINVALID && c != bulwark.ECONFLICT {
		h.RenderError(w, r, err)
		return
	}
	draft := &Training{Quiz: []Question{}}
	if id := r.PathValue("id"); id != "" {
		cur, cerr := h.svc.Training(r.Context(), p, id)
		if cerr != nil {
			h.RenderError(w, r, cerr)
			return
		}
		draft = cur
	}
	in.Quiz = nil
	in.apply(draft)
	h.renderTraining(w, r, h.ErrorStatus(r, err), draft, r.FormValue("quiz"), &web.Page{Error: bulwark.ErrorMessage(err), Fields: web.FieldsOf(err)})
}

func (h *handlers) campaignSubmit(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	title, due, rec := r.FormValue("title"), r.FormValue("due_date"), r.FormValue("recurrence")
	everyone := r.FormValue("audience") == "everyone"
	trainings, groups := r.Form["training_ids"], []string{}
	if r.FormValue("audience") == "groups" {
		groups = r.Form["group_ids"]
	}
	in := CampaignInput{Title: &title, DueDate: &due, Recurrence: &rec, Everyone: &everyone, TrainingIDs: &trainings, GroupIDs: &groups}
	if start := r.FormValue("start_date"); start != "" {
		in.StartDate = &start
	}
	c, err := h.svc.CreateCampaign(r.Context(), p, in)
	if err != nil {
		if bulwark.ErrorCode(err) == bulwark.EINVALID {
			form := map[string]string{}
			for _, k := range []string{"title", "due_date", "start_date", "recurrence", "audience"} {
				form[k] = r.FormValue(k)
			}
			h.renderTrainings(w, r, http.StatusUnprocessableEntity, &web.Page{Error: "The campaign was not started: " + bulwark.ErrorMessage(err), Fields: web.FieldsOf(err), Form: form})
			return
		}
		h.RenderError(w, r, err)
		return
	}
	http.Redirect(w, r, "/o/"+p.Org.Slug+"/training-campaigns/"+c.ID+"?done=started", http.StatusSeeOther)
}

func (h *handlers) campaignPage(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	c, as, err := h.svc.Campaign(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	ts, err := h.svc.Trainings(r.Context(), p, true)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	titles := map[string]string{}
	for _, t := range ts {
		titles[t.ID] = t.Ref + " " + t.Title
	}
	var links []CampaignLink
	if p.Can(bulwark.PermISMSEdit) && r.URL.Query().Get("links") == "1" {
		if links, err = h.svc.CampaignLinks(r.Context(), p, c.ID, 0); err != nil {
			h.RenderError(w, r, err)
			return
		}
		for i := range links {
			links[i].Link = h.AbsoluteURL(r, links[i].Link)
		}
	}
	var overdue, pending []Assignment
	for _, a := range as {
		if a.Overdue {
			overdue = append(overdue, a)
		} else if !a.Completed {
			pending = append(pending, a)
		}
	}
	pct := 0
	if c.Assigned > 0 {
		pct = c.Completed * 100 / c.Assigned
	}
	pg := &web.Page{Title: c.Ref + " " + c.Title, Nav: "people", Data: map[string]any{"C": c, "Titles": titles, "Overdue": overdue, "Pending": pending,
		"Percent": pct, "Links": links, "CanEdit": p.Can(bulwark.PermISMSEdit)}}
	if r.URL.Query().Get("done") == "started" {
		pg.Notice = "Campaign started. Members see it in their tasks; people without an account need their personal link (below)."
	}
	h.Render(w, r, http.StatusOK, "campaign", pg)
}

func (h *handlers) campaignClose(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	closed := "closed"
	if _, err := h.svc.UpdateCampaign(r.Context(), p, r.PathValue("id"), CampaignInput{Status: &closed}, nil); err != nil {
		h.RenderError(w, r, err)
		return
	}
	http.Redirect(w, r, "/o/"+p.Org.Slug+"/training-campaigns/"+url.PathEscape(r.PathValue("id")), http.StatusSeeOther)
}

func (h *handlers) personRecordPage(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	pr, err := h.svc.RecordOf(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	acks, err := h.acknowledgementsOf(r.Context(), p, pr.Person.ID)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	h.Render(w, r, http.StatusOK, "person-record", &web.Page{Title: pr.Person.Ref + " " + pr.Person.Name + ": record", Nav: "people",
		Data: map[string]any{"R": pr, "Acks": acks}})
}

func (h *handlers) acknowledgementsOf(ctx context.Context, p *bulwark.Principal, personID string) ([]*documents.Acknowledgement, error) {
	var out []*documents.Acknowledgement
	err := h.svc.DB.View(ctx, func(tx *sqlstore.Tx) error {
		var err error
		out, err = documents.AcknowledgementsOf(ctx, tx, p.Org.ID, personID)
		return err
	})
	return out, err
}

func (h *handlers) takePage(w http.ResponseWriter, r *http.Request) {
	h.renderTake(w, r, http.StatusOK, &web.Page{}, nil)
}

func (h *handlers) renderTake(w http.ResponseWriter, r *http.Request, status int, pg *web.Page, result *Record) {
	p := web.PrincipalFrom(r)
	t, err := h.svc.Module(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	pg.Title, pg.Nav = t.Title, "tasks"
	pg.Data = map[string]any{"T": t, "Content": renderMarkdown(t.Content), "Result": result, "Action": "/o/" + p.Org.Slug + "/my-training/" + t.ID}
	h.Render(w, r, status, "take", pg)
}

// formAnswers reads the quiz answers of a form: q0, q1 … as option numbers.
func formAnswers(r *http.Request, n int) []int {
	out := make([]int, n)
	for i := range out {
		v, err := strconv.Atoi(r.FormValue("q" + strconv.Itoa(i)))
		if err != nil {
			v = -1
		}
		out[i] = v
	}
	return out
}

func (h *handlers) takeSubmit(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	t, err := h.svc.Module(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	rec, err := h.svc.Attempt(r.Context(), p, t.ID, formAnswers(r, len(t.Quiz)))
	if err != nil {
		if c := bulwark.ErrorCode(err); c == bulwark.EINVALID || c == bulwark.ECONFLICT {
			h.renderTake(w, r, h.ErrorStatus(r, err), &web.Page{Error: bulwark.ErrorMessage(err) + web.FieldsText(err)}, nil)
			return
		}
		h.RenderError(w, r, err)
		return
	}
	h.renderTake(w, r, http.StatusOK, &web.Page{}, rec)
}

func (h *handlers) linkPage(w http.ResponseWriter, r *http.Request) {
	h.renderLink(w, r, http.StatusOK, nil, "")
}

func (h *handlers) renderLink(w http.ResponseWriter, r *http.Request, status int, result *Record, errText string) {
	w.Header().Set("Referrer-Policy", "no-referrer")
	lt, err := h.svc.OpenLink(r.Context(), r.PathValue("token"))
	if err != nil {
		h.Render(w, r, h.ErrorStatus(r, err), "training-link", &web.Page{Title: "Link not valid", Error: bulwark.ErrorMessage(err)})
		return
	}
	content := map[string]template.HTML{}
	for _, m := range lt.Modules {
		content[m.ID] = renderMarkdown(m.Content)
	}
	h.Render(w, r, status, "training-link", &web.Page{Title: lt.Campaign.Title, Error: errText, Data: map[string]any{"L": lt, "Content": content, "Result": result}})
}

func (h *handlers) linkSubmit(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	lt, err := h.svc.OpenLink(r.Context(), r.PathValue("token"))
	if err != nil {
		h.Render(w, r, h.ErrorStatus(r, err), "training-link", &web.Page{Title: "Link not valid", Error: bulwark.ErrorMessage(err)})
		return
	}
	n := 0
	for _, m := range lt.Modules {
		if m.ID == r.FormValue("training_id") {
			n = len(m.Quiz)
		}
	}
	rec, err := h.svc.AttemptByLink(r.Context(), r.PathValue("token"), r.FormValue("training_id"), formAnswers(r, n), h.Meta(r))
	if err != nil {
		if c := bulwark.ErrorCode(err); c == bulwark.EINVALID {
			h.renderLink(w, r, http.StatusUnprocessableEntity, nil, bulwark.ErrorMessage(err)+web.FieldsText(err))
			return
		}
		h.Render(w, r, h.ErrorStatus(r, err), "training-link", &web.Page{Title: "Link not valid", Error: bulwark.ErrorMessage(err)})
		return
	}
	h.renderLink(w, r, http.StatusOK, rec, "")
}

// tasks says what training waits for the principal.
func (h *handlers) tasks(r *http.Request) (web.Tasks, error) {
	p := web.PrincipalFrom(r)
	due, err := h.svc.MyTrainings(r.Context(), p)
	if err != nil {
		return web.Tasks{}, err
	}
	html, err := h.Partial("training-tasks", &web.Page{P: p, Data: due})
	if err != nil {
		return web.Tasks{}, err
	}
	return web.Tasks{Count: len(due), JSON: map[string]any{"trainings_due": due}, HTML: html}, nil
}

func (h *handlers) dashboardPart(r *http.Request) (template.HTML, error) {
	p := web.PrincipalFrom(r)
	if !p.Can(bulwark.PermISMSRead) {
		return "", nil
	}
	cs, err := h.svc.Campaigns(r.Context(), p)
	if err != nil {
		return "", err
	}
	var active []*Campaign
	for _, c := range cs {
		if c.Status == "active" {
			active = append(active, c)
		}
	}
	return h.Partial("training-dashboard", &web.Page{P: p, Data: active})
}

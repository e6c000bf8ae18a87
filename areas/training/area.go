// Package training is training and awareness (7.2, 7.3, A.6.3): modules with a
// quiz, campaigns that assign them with a due date (once or every year), the
// records of who completed what, and each person's record an auditor samples.
package training

import (
	"embed"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/areas/documents"
	"github.com/bulwark-isms/bulwark/field"
	"github.com/bulwark-isms/bulwark/markdown"
	"github.com/bulwark-isms/bulwark/tabular"
	"github.com/bulwark-isms/bulwark/web"
)

//go:embed templates
var templates embed.FS

type handlers struct {
	*web.Server
	svc  *Service
	docs *documents.Service
}

// Area mounts training on the server; the person's record page shows their
// acknowledgements from the document register too.
func Area(svc *Service, docs *documents.Service) web.Area {
	return web.Area{Name: "training", Mount: func(s *web.Server) web.Mounted {
		h := &handlers{Server: s, svc: svc, docs: docs}
		return web.Mounted{Templates: templates, Routes: h.routes(), Tasks: h.tasks, Dashboard: h.dashboardPart}
	}}
}

// AssignmentEntity declares one person's state in a campaign.
var (
	AssignmentEntity   = field.FromStruct("TrainingAssignment", Assignment{})
	DueEntity          = field.FromStruct("TrainingDue", Due{})
	CampaignLinkEntity = field.FromStruct("TrainingLink", CampaignLink{})
	PersonRecordEntity = field.FromStruct("PersonTrainingRecord", PersonRecord{})
	campaignDetail     = map[string]any{"type": "object", "properties": map[string]any{"campaign": map[string]any{"type": "object"}, "assignments": map[string]any{"type": "array", "items": map[string]any{"type": "object"}}}, "required": []string{"campaign", "assignments"}}
)

func (h *handlers) routes() []web.Route {
	recordsQuery := []field.Param{{Name: "person_id"}, {Name: "training_id"}, {Name: "campaign_id"}, {Name: "limit", Kind: field.Int}}
	return []web.Route{
		{Method: "GET", Pattern: "/api/v1/trainings", Perm: bulwark.PermISMSRead, Summary: "List training and awareness modules", Handler: h.apiTrainings, Response: TrainingEntity, List: true,
			Query: []field.Param{{Name: "include_archived", Kind: field.Bool}}},
		{Method: "POST", Pattern: "/api/v1/trainings", Perm: bulwark.PermISMSCreate, Summary: "Create a module (Markdown content, optional quiz with a pass mark)", Handler: h.apiTrainingCreate, Request: TrainingEntity, Response: TrainingEntity, Status: http.StatusCreated},
		{Method: "GET", Pattern: "/api/v1/trainings/{id}", Perm: bulwark.PermISMSRead, Summary: "Read a module with its quiz and answers", Handler: h.apiTraining, Response: TrainingEntity},
		{Method: "PATCH", Pattern: "/api/v1/trainings/{id}", Perm: bulwark.PermISMSEdit, Summary: "Change a module", Handler: h.apiTrainingPatch, Request: TrainingEntity, Response: TrainingEntity},
		{Method: "DELETE", Pattern: "/api/v1/trainings/{id}", Perm: bulwark.PermISMSEdit, Summary: "Archive a module", Handler: h.apiTrainingArchive, Status: http.StatusNoContent},
		{Method: "GET", Pattern: "/api/v1/training-campaigns", Perm: bulwark.PermISMSRead, Summary: "List campaigns with their current cycle's progress", Handler: h.apiCampaigns, Response: CampaignEntity, List: true},
		{Method: "POST", Pattern: "/api/v1/training-campaigns", Perm: bulwark.PermISMSCreate, Summary: "Assign modules to everyone, groups or people by a due date, once or yearly", Handler: h.apiCampaignCreate, Request: CampaignEntity, Response: CampaignEntity, Status: http.StatusCreated},
		{Method: "GET", Pattern: "/api/v1/training-campaigns/{id}", Perm: bulwark.PermISMSRead, Summary: "A campaign with every assignee's state (done, pending, overdue)", Handler: h.apiCampaign, Reply: campaignDetail},
		{Method: "PATCH", Pattern: "/api/v1/training-campaigns/{id}", Perm: bulwark.PermISMSEdit, Summary: "Change a campaign, or close it (status closed)", Handler: h.apiCampaignPatch, Request: CampaignEntity, Response: CampaignEntity},
		{Method: "GET", Pattern: "/api/v1/training-campaigns/{id}/links", Perm: bulwark.PermISMSEdit, Summary: "Every assignee's personal link (?format=csv: person, email, link, expiry)", Handler: h.apiCampaignLinks,
			Response: CampaignLinkEntity, List: true, Query: []field.Param{{Name: "format", Enum: []string{"json", "csv"}}, {Name: "days", Kind: field.Int, Help: "how long the links work (default 30)"}}, Produces: []string{"text/csv"}},
		{Method: "GET", Pattern: "/api/v1/training-records", Perm: bulwark.PermISMSRead, Summary: "Training records, newest first", Handler: h.apiRecords, Response: RecordEntity, List: true, Query: recordsQuery},
		{Method: "POST", Pattern: "/api/v1/training-records", Perm: bulwark.PermISMSEdit, Summary: "Record by hand that a person completed a module (classroom, external course)", Handler: h.apiRecordCreate, Request: RecordEntity, Response: RecordEntity, Status: http.StatusCreated},
		{Method: "GET", Pattern: "/api/v1/training-records/export", Perm: bulwark.PermISMSRead, Summary: "Export the training records as CSV or XLSX", Handler: h.exportRecords,
			Query: []field.Param{{Name: "format", Enum: []string{"csv", "xlsx"}}}, Produces: web.SpreadsheetTypes},
		{Method: "GET", Pattern: "/api/v1/people/{id}/training-record", Perm: bulwark.PermISMSRead, Summary: "One person's training record: completions and what is still due", Handler: h.apiPersonRecord, Response: PersonRecordEntity},
		{Method: "GET", Pattern: "/api/v1/me/trainings", Perm: bulwark.PermSelfService, Summary: "The modules you have to complete", Handler: h.apiMyTrainings, Response: DueEntity, List: true},
		{Method: "GET", Pattern: "/api/v1/me/trainings/{id}", Perm: bulwark.PermSelfService, Summary: "A module to take: its content and quiz, without the answers", Handler: h.apiModule, Response: TrainingEntity},
		{Method: "POST", Pattern: "/api/v1/me/trainings/{id}/attempts", Perm: bulwark.PermSelfService, Summary: "Complete a module with your quiz answers; answers the score and whether you passed", Handler: h.apiAttempt, Request: AttemptEntity, Response: RecordEntity, Status: http.StatusCreated},
		{Method: "POST", Pattern: "/api/v1/training-attempts", Perm: bulwark.PermPublic, Summary: "Complete a module through a personal link (token, training_id, answers)", Handler: h.apiAttemptByLink, Request: AttemptEntity, Response: RecordEntity, Status: http.StatusCreated},
		{Method: "GET", Pattern: "/o/{slug}/trainings", Perm: bulwark.PermISMSRead, Handler: h.trainingsPage},
		{Method: "GET", Pattern: "/o/{slug}/trainings/new", Perm: bulwark.PermISMSCreate, Handler: h.trainingPage},
		{Method: "POST", Pattern: "/o/{slug}/trainings", Perm: bulwark.PermISMSCreate, Handler: h.trainingSubmit},
		{Method: "GET", Pattern: "/o/{slug}/trainings/{id}", Perm: bulwark.PermISMSRead, Handler: h.trainingPage},
		{Method: "POST", Pattern: "/o/{slug}/trainings/{id}", Perm: bulwark.PermISMSEdit, Handler: h.trainingSubmit},
		{Method: "POST", Pattern: "/o/{slug}/training-campaigns", Perm: bulwark.PermISMSCreate, Handler: h.campaignSubmit},
		{Method: "GET", Pattern: "/o/{slug}/training-campaigns/{id}", Perm: bulwark.PermISMSRead, Handler: h.campaignPage},
		{Method: "POST", Pattern: "/o/{slug}/training-campaigns/{id}/close", Perm: bulwark.PermISMSEdit, Handler: h.campaignClose},
		{Method: "POST", Pattern: "/o/{slug}/training-records/export", Perm: bulwark.PermISMSRead, Handler: h.exportRecords},
		{Method: "GET", Pattern: "/o/{slug}/people/{id}/record", Perm: bulwark.PermISMSRead, Handler: h.personRecordPage},
		{Method: "GET", Pattern: "/o/{slug}/my-training/{id}", Perm: bulwark.PermSelfService, Handler: h.takePage},
		{Method: "POST", Pattern: "/o/{slug}/my-training/{id}", Perm: bulwark.PermSelfService, Handler: h.takeSubmit},
		{Method: "GET", Pattern: "/t/{token}", Perm: bulwark.PermPublic, Handler: h.linkPage},
		{Method: "POST", Pattern: "/t/{token}", Perm: bulwark.PermPublic, Handler: h.linkSubmit},
	}
}

func trainingInputOf(v field.Values) (TrainingInput, error) {
	in := TrainingInput{Title: v.Str("title"), Description: v.Str("description"), Content: v.Str("content"), Minutes: v.Int("minutes"), PassMark: v.NullInt("pass_mark")}
	var quiz []Question
	if ok, err := v.Into("quiz", &quiz); err != nil {
		return in, bulwark.Invalid("quiz", "must be a list of questions with options and the index of the right one")
	} else if ok {
		if quiz == nil {
			quiz = []Question{}
		}
		in.Quiz = &quiz
	}
	return in, nil
}

func (h *handlers) apiTrainings(w http.ResponseWriter, r *http.Request) {
	ts, err := h.svc.Trainings(r.Context(), web.PrincipalFrom(r), r.URL.Query().Get("include_archived") == "true")
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": ts, "next_cursor": nil})
}

func (h *handlers) apiTraining(w http.ResponseWriter, r *http.Request) {
	t, err := h.svc.Training(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	w.Header().Set("ETag", fmt.Sprintf(`"%d"`, t.Version))
	web.WriteJSON(w, http.StatusOK, t)
}

func (h *handlers) apiTrainingCreate(w http.ResponseWriter, r *http.Request) {
	vals, _, err := h.Decode(w, r, TrainingEntity)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	in, err := trainingInputOf(vals)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	t, err := h.svc.CreateTraining(r.Context(), web.PrincipalFrom(r), in)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/trainings/"+t.ID)
	web.WriteJSON(w, http.StatusCreated, t)
}

func (h *handlers) apiTrainingPatch(w http.ResponseWriter, r *http.Request) {
	if _, err := h.svc.Training(r.Context(), web.PrincipalFrom(r), r.PathValue("id")); err != nil {
		h.Problem(w, r, err)
		return
	}
	vals, expect, err := h.Decode(w, r, TrainingEntity)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	in, err := trainingInputOf(vals)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	t, err := h.svc.UpdateTraining(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), in, expect, nil)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, t)
}

func (h *handlers) apiTrainingArchive(w http.ResponseWriter, r *http.Request) {
	yes := true
	if _, err := h.svc.UpdateTraining(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), TrainingInput{}, nil, &yes); err != nil {
		h.Problem(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func campaignInputOf(v field.Values) CampaignInput {
	return CampaignInput{Title: v.Str("title"), StartDate: v.Str("start_date"), DueDate: v.Str("due_date"), Recurrence: v.Str("recurrence"), Status: v.Str("status"),
		Everyone: v.Bool("everyone"), TrainingIDs: v.List("training_ids"), GroupIDs: v.List("group_ids"), PersonIDs: v.List("person_ids")}
}

func (h *handlers) apiCampaigns(w http.ResponseWriter, r *http.Request) {
	cs, err := h.svc.Campaigns(r.Context(), web.PrincipalFrom(r))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": cs, "next_cursor": nil})
}

func (h *handlers) apiCampaignCreate(w http.ResponseWriter, r *http.Request) {
	vals, _, err := h.Decode(w, r, CampaignEntity)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	c, err := h.svc.CreateCampaign(r.Context(), web.PrincipalFrom(r), campaignInputOf(vals))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/training-campaigns/"+c.ID)
	web.WriteJSON(w, http.StatusCreated, c)
}

func (h *handlers) apiCampaign(w http.ResponseWriter, r *http.Request) {
	c, as, err := h.svc.Campaign(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"campaign": c, "assignments": as})
}

func (h *handlers) apiCampaignPatch(w http.ResponseWriter, r *http.Request) {
	if _, _, err := h.svc.Campaign(r.Context(), web.PrincipalFrom(r), r.PathValue("id")); err != nil {
		h.Problem(w, r, err)
		return
	}
	vals, expect, err := h.Decode(w, r, CampaignEntity)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	c, err := h.svc.UpdateCampaign(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), campaignInputOf(vals), expect)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, c)
}

func (h *handlers) apiCampaignLinks(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	days, _ := strconv.Atoi(r.URL.Query().Get("days"))
	if days < 0 || days > 365 {
		h.ProblemOrPage(w, r, bulwark.Invalid("days", "must be from 1 to 365"))
		return
	}
	links, err := h.svc.CampaignLinks(r.Context(), p, r.PathValue("id"), days)
	if err != nil {
		h.ProblemOrPage(w, r, err)
		return
	}
	for i := range links {
		links[i].Link = h.AbsoluteURL(r, links[i].Link)
	}
	if r.URL.Query().Get("format") != "csv" {
		web.WriteJSON(w, http.StatusOK, map[string]any{"items": links, "next_cursor": nil})
		return
	}
	h.Download(w, r, "training-links-"+strings.ToLower(r.PathValue("id"))+".csv", "text/csv; charset=utf-8", func(out io.Writer) error {
		cw := tabular.NewCSVWriter(out)
		if err := cw.Write([]any{"person", "email", "link", "expires_at", "completed"}); err != nil {
			return err
		}
		for _, l := range links {
			if err := cw.Write([]any{l.Name, l.Email, l.Link, l.ExpiresAt.Format("2006-01-02T15:04:05Z"), l.Completed}); err != nil {
				return err
			}
		}
		return cw.Close()
	})
}

func recordFilter(r *http.Request) RecordFilter {
	q := r.URL.Query()
	f := RecordFilter{PersonID: q.Get("person_id"), TrainingID: q.Get("training_id"), CampaignID: q.Get("campaign_id"), Limit: 500}
	if n, err := strconv.Atoi(q.Get("limit")); err == nil && n > 0 && n <= 500 {
		f.Limit = n
	}
	return f
}

func (h *handlers) apiRecords(w http.ResponseWriter, r *http.Request) {
	rs, err := h.svc.Records(r.Context(), web.PrincipalFrom(r), recordFilter(r))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": rs, "next_cursor": nil})
}

func (h *handlers) apiRecordCreate(w http.ResponseWriter, r *http.Request) {
	vals, err := h.DecodeCreate(w, r, RecordEntity)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	var score *int
	if s := vals.NullInt("score"); s != nil {
		score = *s
	}
	rec, err := h.svc.RecordCompletion(r.Context(), web.PrincipalFrom(r), bulwark.Value(vals.Str("training_id")), bulwark.Value(vals.Str("person_id")),
		bulwark.Value(vals.Str("completed_on")), score, bulwark.Value(vals.Str("notes")))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, rec)
}

func (h *handlers) exportRecords(w http.ResponseWriter, r *http.Request) {
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
	h.Download(w, r, "training-records-"+p.Org.Slug+"."+format, ct, func(out io.Writer) error { return h.svc.ExportRecords(r.Context(), p, format, out) })
}

func (h *handlers) apiPersonRecord(w http.ResponseWriter, r *http.Request) {
	pr, err := h.svc.RecordOf(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, pr)
}

func (h *handlers) apiMyTrainings(w http.ResponseWriter, r *http.Request) {
	ds, err := h.svc.MyTrainings(r.Context(), web.PrincipalFrom(r))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": ds, "next_cursor": nil})
}

func (h *handlers) apiModule(w http.ResponseWriter, r *http.Request) {
	t, err := h.svc.Module(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, t)
}

func answersOf(vals field.Values) ([]int, error) {
	var answers []int
	if _, err := vals.Into("answers", &answers); err != nil {
		return nil, bulwark.Invalid("answers", "must be a list of option numbers, one per question")
	}
	return answers, nil
}

func (h *handlers) apiAttempt(w http.ResponseWriter, r *http.Request) {
	if _, err := h.svc.Module(r.Context(), web.PrincipalFrom(r), r.PathValue("id")); err != nil {
		h.Problem(w, r, err)
		return
	}
	vals, err := h.DecodeCreate(w, r, AttemptEntity)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	answers, err := answersOf(vals)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	rec, err := h.svc.Attempt(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), answers)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, rec)
}

func (h *handlers) apiAttemptByLink(w http.ResponseWriter, r *http.Request) {
	vals, err := h.DecodeCreate(w, r, AttemptEntity)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	answers, err := answersOf(vals)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	token := strings.TrimSpace(bulwark.Value(vals.Str("token")))
	if token == "" {
		h.Problem(w, r, bulwark.Invalid("token", "is required: the part of the personal link after /t/"))
		return
	}
	rec, err := h.svc.AttemptByLink(r.Context(), token, bulwark.Value(vals.Str("training_id")), answers, h.Meta(r))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, rec)
}

// renderMarkdown renders a module's content for a page.
func renderMarkdown(src string) template.HTML {
	out, err := markdown.Render(src)
	if err != nil {
		return template.HTML(template.HTMLEscapeString(src)) // #nosec G203 -- escaped
	}
	return out
}

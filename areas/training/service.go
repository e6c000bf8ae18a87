package training

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/areas/people"
	"github.com/bulwark-isms/bulwark/sqlstore"
)

//go:embed library
var library embed.FS

// Service is the training area's operations (7.2, 7.3, A.6.3).
type Service struct {
	*app.Service
}

// New returns the training area's service; every new organisation gets the
// starter awareness module.
func New(k *app.Service) *Service {
	k.AddSeeder(seed)
	k.AddDue(dueTrainings)
	return &Service{Service: k}
}

// dueTrainings tells the daily outbox which members have training due within a
// week, or overdue, in the current cycle of an active campaign (people without
// an account get their personal link from the campaign's page instead).
func dueTrainings(ctx context.Context, tx *sqlstore.Tx, orgID, today string) ([]app.DueItem, error) {
	st := store{tx}
	cs, err := st.campaignsWhere(ctx, orgID, `AND c.status = 'active'`)
	if err != nil {
		return nil, err
	}
	horizon := today
	if t, err := time.Parse(time.DateOnly, today); err == nil {
		horizon = t.AddDate(0, 0, app.DueWindowDays).Format(time.DateOnly)
	}
	var members map[string]string // email → member id, read once
	var out []app.DueItem
	for _, c := range cs {
		as, err := evaluate(ctx, st, orgID, today, c)
		if err != nil {
			return nil, err
		}
		if c.CycleDue > horizon {
			continue
		}
		for _, a := range as {
			if a.Completed || a.Email == "" {
				continue
			}
			if members == nil {
				if members, err = memberEmails(ctx, tx, orgID); err != nil {
					return nil, err
				}
			}
			if id := members[strings.ToLower(a.Email)]; id != "" {
				out = append(out, app.DueItem{MemberID: id, Kind: "training_due", SubjectID: c.ID, SubjectRef: c.Ref, Title: c.Title, DueDate: c.CycleDue,
					Overdue: c.CycleDue < today, Link: "/tasks"})
			}
		}
	}
	return out, nil
}

// memberEmails maps orgID's members' emails to their ids.
func memberEmails(ctx context.Context, tx *sqlstore.Tx, orgID string) (map[string]string, error) {
	rows, err := tx.Query(ctx, `SELECT u.email, m.id FROM members m JOIN users u ON u.id = m.user_id WHERE m.org_id = ?`, orgID)
	if err != nil {
		return nil, fmt.Errorf("member emails: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var email, id string
		if err := rows.Scan(&email, &id); err != nil {
			return nil, err
		}
		out[strings.ToLower(email)] = id
	}
	return out, rows.Err()
}

type store struct{ *sqlstore.Tx }

func (s *Service) write(ctx context.Context, fn func(tx store) error) error {
	return s.DB.Write(ctx, func(tx *sqlstore.Tx) error { return fn(store{tx}) })
}

func (s *Service) read(ctx context.Context, fn func(tx store) error) error {
	return s.DB.Read(ctx, func(tx *sqlstore.Tx) error { return fn(store{tx}) })
}

// Starter returns the awareness module Bulwark ships, for orgName.
func Starter(orgName string) (*Training, error) {
	raw, err := library.ReadFile("library/security-awareness.md")
	if err != nil {
		return nil, err
	}
	quiz, err := library.ReadFile("library/security-awareness-quiz.json")
	if err != nil {
		return nil, err
	}
	text := strings.ReplaceAll(string(raw), "\r\n", "\n")
	head, body, ok := strings.Cut(strings.TrimPrefix(text, "---\n"), "\n---\n")
	if !ok {
		return nil, fmt.Errorf("starter module: no front matter")
	}
	t := &Training{BuiltinID: "security-awareness", Content: strings.TrimSpace(strings.ReplaceAll(body, "{{organisation}}", orgName)) + "\n"}
	for _, line := range strings.Split(head, "\n") {
		k, v, _ := strings.Cut(line, ":")
		v = strings.TrimSpace(v)
		switch strings.TrimSpace(k) {
		case "title":
			t.Title = v
		case "minutes":
			t.Minutes, _ = strconv.Atoi(v)
		case "pass_mark":
			n, _ := strconv.Atoi(v)
			t.PassMark = &n
		}
	}
	t.Description = "Bulwark's starter awareness module: phishing, passwords and MFA, clean desk, reporting incidents, handling personal data."
	if err := json.Unmarshal(quiz, &t.Quiz); err != nil {
		return nil, fmt.Errorf("starter quiz: %w", err)
	}
	return t, t.Validate()
}

// seed gives organisation orgID the starter module, unless it has it.
func seed(ctx context.Context, tx *sqlstore.Tx, orgID string) error {
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM trainings WHERE org_id = ? AND builtin_id = 'security-awareness'`, orgID).Scan(&n); err != nil || n > 0 {
		return err
	}
	var name string
	if err := tx.QueryRow(ctx, `SELECT name FROM organisations WHERE id = ?`, orgID).Scan(&name); err != nil {
		return err
	}
	t, err := Starter(name)
	if err != nil {
		return err
	}
	return store{tx}.insertTraining(ctx, orgID, t)
}

// BackfillSeeds gives organisations created before training existed the starter module.
var BackfillSeeds = sqlstore.Migration{Version: 20261203100100, Name: "backfill_starter_training", Go: func(ctx context.Context, tx *sqlstore.Tx) error {
	orgs, err := tx.Organisations(ctx)
	if err != nil {
		return err
	}
	for _, o := range orgs {
		if err := seed(ctx, tx, o.ID); err != nil {
			return err
		}
	}
	return nil
}}

// Trainings lists the modules.
func (s *Service) Trainings(ctx context.Context, p *bulwark.Principal, archived bool) ([]*Training, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var out []*Training
	err := s.read(ctx, func(tx store) error {
		var err error
		out, err = tx.trainings(ctx, p.Org.ID, archived)
		return err
	})
	return out, err
}

// Training returns one module (by id or ref).
func (s *Service) Training(ctx context.Context, p *bulwark.Principal, id string) (*Training, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var out *Training
	err := s.read(ctx, func(tx store) error {
		var err error
		out, err = tx.training(ctx, p.Org.ID, id)
		return err
	})
	return out, err
}

// TrainingInput is what a person may set on a module; nil stays as it is.
type TrainingInput struct {
	Title, Description, Content *string
	Minutes                     *int
	PassMark                    **int
	Quiz                        *[]Question
}

func (in TrainingInput) apply(t *Training) bulwark.Changes {
	ch := bulwark.Changes{}
	app.Set(ch, "title", &t.Title, in.Title)
	app.Set(ch, "description", &t.Description, in.Description)
	if in.Content != nil {
		c := strings.ReplaceAll(*in.Content, "\r\n", "\n")
		in.Content = &c
	}
	if in.Content != nil && *in.Content != t.Content {
		ch["content"] = bulwark.Change{Before: fmt.Sprintf("%d characters", len(t.Content)), After: fmt.Sprintf("%d characters", len(*in.Content))}
		t.Content = *in.Content
	}
	app.Set(ch, "minutes", &t.Minutes, in.Minutes)
	app.SetOpt(ch, "pass_mark", &t.PassMark, in.PassMark)
	if in.Quiz != nil {
		ch["quiz"] = bulwark.Change{Before: fmt.Sprintf("%d questions", len(t.Quiz)), After: fmt.Sprintf("%d questions", len(*in.Quiz))}
		t.Quiz = *in.Quiz
	}
	return ch
}

// CreateTraining adds a module (TRN-001 …).
func (s *Service) CreateTraining(ctx context.Context, p *bulwark.Principal, in TrainingInput) (*Training, error) {
	if err := app.Require(p, bulwark.PermISMSCreate); err != nil {
		return nil, err
	}
	t := &Training{Quiz: []Question{}}
	ch := in.apply(t)
	if err := t.Validate(); err != nil {
		return nil, err
	}
	err := s.write(ctx, func(tx store) error {
		if err := tx.insertTraining(ctx, p.Org.ID, t); err != nil {
			return err
		}
		return app.Audit(ctx, tx.Tx, p.Org.ID, app.MetaOf(p), "training.create", "training", t.ID, t.Ref, ch)
	})
	return t, err
}

// UpdateTraining changes a module; archive true withdraws it.
func (s *Service) UpdateTraining(ctx context.Context, p *bulwark.Principal, id string, in TrainingInput, expect *int, archive *bool) (*Training, error) {
	if err := app.Require(p, bulwark.PermISMSEdit); err != nil {
		return nil, err
	}
	var out *Training
	err := s.write(ctx, func(tx store) error {
		t, err := tx.training(ctx, p.Org.ID, id)
		if err != nil {
			return err
		}
		if expect != nil && *expect != t.Version {
			return bulwark.Errorf(bulwark.ECONFLICT, "The module was changed by someone else (version %d, not %d); reload and try again.", t.Version, *expect)
		}
		ch := in.apply(t)
		if err := t.Validate(); err != nil {
			return err
		}
		action := "training.update"
		if archive != nil && *archive != (t.ArchivedAt != nil) {
			if *archive {
				now := tx.Now()
				t.ArchivedAt, action = &now, "training.archive"
			} else {
				t.ArchivedAt, action = nil, "training.restore"
			}
			ch["archived_at"] = bulwark.Change{After: t.ArchivedAt}
		}
		out = t
		if len(ch) == 0 {
			return nil
		}
		if err := tx.updateTraining(ctx, p.Org.ID, t); err != nil {
			return err
		}
		return app.Audit(ctx, tx.Tx, p.Org.ID, app.MetaOf(p), action, "training", t.ID, t.Ref, ch)
	})
	return out, err
}

// today is the organisation's date.
func today(p *bulwark.Principal) string { return bulwark.Today(time.Now(), p.Org.Settings.TimeZone) }

// assignees returns the people a campaign addresses now.
func assignees(ctx context.Context, tx store, orgID string, c *Campaign) ([]*people.Person, error) {
	return people.Audience(ctx, tx.Tx, orgID, c.Everyone, c.GroupIDs, c.PersonIDs)
}

// Assignment is one person's state in a campaign's current cycle.
type Assignment struct {
	PersonID  string   `json:"person_id"`
	Ref       string   `json:"ref"`
	Name      string   `json:"name"`
	Email     string   `json:"email"`
	Done      []string `json:"done"`    // modules passed this cycle
	Pending   []string `json:"pending"` // modules still to pass
	Completed bool     `json:"completed"`
	Overdue   bool     `json:"overdue"`
}

// evaluate fills c's cycle and counts, and returns each assignee's state.
func evaluate(ctx context.Context, tx store, orgID, day string, c *Campaign) ([]Assignment, error) {
	c.CycleStart, c.CycleDue = Cycle(c.StartDate, c.DueDate, c.Recurrence, day)
	who, err := assignees(ctx, tx, orgID, c)
	if err != nil {
		return nil, err
	}
	done, err := tx.passedSince(ctx, orgID, c.TrainingIDs, c.CycleStart, "")
	if err != nil {
		return nil, err
	}
	c.Assigned, c.Completed, c.Overdue = len(who), 0, 0
	out := make([]Assignment, 0, len(who))
	for _, per := range who {
		a := Assignment{PersonID: per.ID, Ref: per.Ref, Name: per.Name, Email: per.Email, Done: []string{}, Pending: []string{}}
		for _, t := range c.TrainingIDs {
			if done[per.ID][t] {
				a.Done = append(a.Done, t)
			} else {
				a.Pending = append(a.Pending, t)
			}
		}
		a.Completed = len(a.Pending) == 0
		a.Overdue = !a.Completed && c.Status == "active" && day > c.CycleDue
		if a.Completed {
			c.Completed++
		}
		if a.Overdue {
			c.Overdue++
		}
		out = append(out, a)
	}
	return out, nil
}

// Campaigns lists the campaigns, newest first, with their current cycle's counts.
func (s *Service) Campaigns(ctx context.Context, p *bulwark.Principal) ([]*Campaign, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	out := []*Campaign{}
	err := s.read(ctx, func(tx store) error {
		cs, err := tx.campaignsWhere(ctx, p.Org.ID, "")
		if err != nil {
			return err
		}
		for _, c := range cs {
			if _, err := evaluate(ctx, tx, p.Org.ID, today(p), c); err != nil {
				return err
			}
			out = append(out, c)
		}
		return nil
	})
	return out, err
}

// Campaign returns a campaign with every assignee's state.
func (s *Service) Campaign(ctx context.Context, p *bulwark.Principal, id string) (*Campaign, []Assignment, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, nil, err
	}
	var c *Campaign
	var as []Assignment
	err := s.read(ctx, func(tx store) error {
		var err error
		if c, err = tx.campaign(ctx, p.Org.ID, id); err != nil {
			return err
		}
		as, err = evaluate(ctx, tx, p.Org.ID, today(p), c)
		return err
	})
	return c, as, err
}

// CampaignInput is what a person sets on a campaign; nil stays as it is.
type CampaignInput struct {
	Title, StartDate, DueDate, Recurrence, Status *string
	Everyone                                      *bool
	TrainingIDs, GroupIDs, PersonIDs              *[]string
}

func (in CampaignInput) apply(c *Campaign) bulwark.Changes {
	ch := bulwark.Changes{}
	app.Set(ch, "title", &c.Title, in.Title)
	app.Set(ch, "start_date", &c.StartDate, in.StartDate)
	app.Set(ch, "due_date", &c.DueDate, in.DueDate)
	app.Set(ch, "recurrence", &c.Recurrence, in.Recurrence)
	app.Set(ch, "status", &c.Status, in.Status)
	app.Set(ch, "everyone", &c.Everyone, in.Everyone)
	for _, l := range []struct {
		name    string
		dst, in *[]string
	}{{"training_ids", &c.TrainingIDs, in.TrainingIDs}, {"group_ids", &c.GroupIDs, in.GroupIDs}, {"person_ids", &c.PersonIDs, in.PersonIDs}} {
		if l.in == nil {
			continue
		}
		ids := []string{}
		for _, id := range *l.in {
			if id = strings.TrimSpace(id); id != "" && !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
		if strings.Join(ids, "|") != strings.Join(*l.dst, "|") {
			ch[l.name] = bulwark.Change{Before: *l.dst, After: ids}
			*l.dst = ids
		}
	}
	return ch
}

// checkCampaign checks that what a campaign names is the organisation's.
func checkCampaign(ctx context.Context, tx store, orgID string, c *Campaign) error {
	if err := c.Validate(); err != nil {
		return err
	}
	ts, err := tx.trainings(ctx, orgID, false)
	if err != nil {
		return err
	}
	for _, id := range c.TrainingIDs {
		if !slices.ContainsFunc(ts, func(t *Training) bool { return t.ID == id }) {
			return bulwark.Invalid("training_ids", "names a module that is not this organisation's (or is archived): "+id)
		}
	}
	gs, err := people.GroupsOf(ctx, tx.Tx, orgID)
	if err != nil {
		return err
	}
	for _, id := range c.GroupIDs {
		if !slices.ContainsFunc(gs, func(g *people.Group) bool { return g.ID == id }) {
			return bulwark.Invalid("group_ids", "names a group that is not this organisation's: "+id)
		}
	}
	ppl, err := people.ByIDs(ctx, tx.Tx, orgID, c.PersonIDs)
	if err != nil {
		return err
	}
	if len(ppl) != len(c.PersonIDs) {
		return bulwark.Invalid("person_ids", "names someone who is not in this organisation's people register")
	}
	return nil
}

// CreateCampaign assigns modules to an audience (CMP-001 …), starting today unless told.
func (s *Service) CreateCampaign(ctx context.Context, p *bulwark.Principal, in CampaignInput) (*Campaign, error) {
	if err := app.Require(p, bulwark.PermISMSCreate); err != nil {
		return nil, err
	}
	c := &Campaign{StartDate: today(p), Recurrence: "none", Status: "active", TrainingIDs: []string{}, GroupIDs: []string{}, PersonIDs: []string{}}
	ch := in.apply(c)
	err := s.write(ctx, func(tx store) error {
		if err := checkCampaign(ctx, tx, p.Org.ID, c); err != nil {
			return err
		}
		var by *string
		if p.MemberID != "" {
			by = &p.MemberID
		}
		if err := tx.insertCampaign(ctx, p.Org.ID, by, c); err != nil {
			return err
		}
		if _, err := evaluate(ctx, tx, p.Org.ID, today(p), c); err != nil {
			return err
		}
		return app.Audit(ctx, tx.Tx, p.Org.ID, app.MetaOf(p), "training_campaign.create", "training_campaign", c.ID, c.Ref, ch)
	})
	return c, err
}

// UpdateCampaign changes a campaign (its audience, dates, modules, or closes it).
func (s *Service) UpdateCampaign(ctx context.Context, p *bulwark.Principal, id string, in CampaignInput, expect *int) (*Campaign, error) {
	if err := app.Require(p, bulwark.PermISMSEdit); err != nil {
		return nil, err
	}
	var out *Campaign
	err := s.write(ctx, func(tx store) error {
		c, err := tx.campaign(ctx, p.Org.ID, id)
		if err != nil {
			return err
		}
		if expect != nil && *expect != c.Version {
			return bulwark.Errorf(bulwark.ECONFLICT, "The campaign was changed by someone else; reload and try again.")
		}
		ch := in.apply(c)
		if err := checkCampaign(ctx, tx, p.Org.ID, c); err != nil {
			return err
		}
		out = c
		if len(ch) > 0 {
			if err := tx.updateCampaign(ctx, p.Org.ID, c); err != nil {
				return err
			}
			if err := app.Audit(ctx, tx.Tx, p.Org.ID, app.MetaOf(p), "training_campaign.update", "training_campaign", c.ID, c.Ref, ch); err != nil {
				return err
			}
		}
		_, err = evaluate(ctx, tx, p.Org.ID, today(p), c)
		return err
	})
	return out, err
}

// Records lists training records, newest first.
func (s *Service) Records(ctx context.Context, p *bulwark.Principal, f RecordFilter) ([]*Record, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	out := []*Record{}
	err := s.read(ctx, func(tx store) error {
		return tx.records(ctx, p.Org.ID, f, func(r *Record) error { out = append(out, r); return nil })
	})
	return out, err
}

// RecordCompletion records by hand that a person completed a module (a classroom
// session, an external course) on a day, with an optional score.
func (s *Service) RecordCompletion(ctx context.Context, p *bulwark.Principal, trainingID, personID, completedOn string, score *int, notes string) (*Record, error) {
	if err := app.Require(p, bulwark.PermISMSEdit); err != nil {
		return nil, err
	}
	if completedOn == "" {
		completedOn = today(p)
	}
	day, err := time.Parse("2006-01-02", completedOn)
	if err != nil {
		return nil, bulwark.Invalid("completed_on", "must be a date such as 2026-12-31")
	}
	if completedOn > today(p) {
		return nil, bulwark.Invalid("completed_on", "cannot be in the future")
	}
	var out *Record
	err = s.write(ctx, func(tx store) error {
		t, err := tx.training(ctx, p.Org.ID, trainingID)
		if err != nil {
			return bulwark.Invalid("training_id", "is not a module of this organisation")
		}
		per, err := people.One(ctx, tx.Tx, p.Org.ID, personID)
		if err != nil {
			return bulwark.Invalid("person_id", "is not in this organisation's people register")
		}
		r := &Record{TrainingID: t.ID, TrainingRef: t.Ref, TrainingTitle: t.Title, PersonID: per.ID, PersonRef: per.Ref, PersonName: per.Name, Email: per.Email,
			CompletedAt: day.Add(12 * time.Hour), Score: score, Passed: score == nil || t.Passed(score), Via: "manual", Notes: strings.TrimSpace(notes)}
		if err := tx.insertRecord(ctx, p.Org.ID, r, nil); err != nil {
			return err
		}
		out = r
		return app.Audit(ctx, tx.Tx, p.Org.ID, app.MetaOf(p), "training.record", "training", t.ID, t.Ref, bulwark.Changes{
			"person": bulwark.Added(per.Ref), "completed_on": bulwark.Added(completedOn), "passed": bulwark.Added(r.Passed)})
	})
	return out, err
}

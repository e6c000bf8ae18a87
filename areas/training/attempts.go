package training

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/areas/people"
	"github.com/bulwark-isms/bulwark/sqlstore"
)

// Due is a module a person has to pass in a campaign's current cycle.
type Due struct {
	TrainingID    string `json:"training_id"`
	TrainingRef   string `json:"training_ref"`
	TrainingTitle string `json:"training_title"`
	Minutes       int    `json:"minutes"`
	CampaignID    string `json:"campaign_id"`
	CampaignRef   string `json:"campaign_ref"`
	CampaignTitle string `json:"campaign_title"`
	DueDate       string `json:"due_date"`
	Overdue       bool   `json:"overdue"`
}

// campaignsOf returns the active campaigns that address person per.
func campaignsOf(ctx context.Context, tx store, orgID string, per *people.Person) ([]*Campaign, error) {
	return tx.campaignsWhere(ctx, orgID, `AND c.status = 'active' AND (c.everyone
		OR EXISTS (SELECT 1 FROM campaign_people cp WHERE cp.org_id = c.org_id AND cp.campaign_id = c.id AND cp.person_id = ?)
		OR EXISTS (SELECT 1 FROM campaign_groups cg JOIN group_members gm ON gm.org_id = cg.org_id AND gm.group_id = cg.group_id
			WHERE cg.org_id = c.org_id AND cg.campaign_id = c.id AND gm.person_id = ?))`, per.ID, per.ID)
}

// dueFor lists what person per still has to pass, soonest due first.
func dueFor(ctx context.Context, tx store, orgID, day string, per *people.Person) ([]Due, error) {
	out := []Due{}
	if per == nil || per.ArchivedAt != nil || per.Status == "left" {
		return out, nil
	}
	cs, err := campaignsOf(ctx, tx, orgID, per)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, c := range cs {
		c.CycleStart, c.CycleDue = Cycle(c.StartDate, c.DueDate, c.Recurrence, day)
		if c.CycleStart > day {
			continue // not started yet
		}
		done, err := tx.passedSince(ctx, orgID, c.TrainingIDs, c.CycleStart, per.ID)
		if err != nil {
			return nil, err
		}
		for _, tid := range c.TrainingIDs {
			if done[per.ID][tid] || seen[tid] {
				continue
			}
			t, err := tx.training(ctx, orgID, tid)
			if err != nil {
				return nil, err
			}
			if t.ArchivedAt != nil {
				continue
			}
			seen[tid] = true
			out = append(out, Due{TrainingID: t.ID, TrainingRef: t.Ref, TrainingTitle: t.Title, Minutes: t.Minutes, CampaignID: c.ID, CampaignRef: c.Ref,
				CampaignTitle: c.Title, DueDate: c.CycleDue, Overdue: day > c.CycleDue})
		}
	}
	return out, nil
}

// MyTrainings lists what the signed-in member has to complete.
func (s *Service) MyTrainings(ctx context.Context, p *bulwark.Principal) ([]Due, error) {
	if err := app.Require(p, bulwark.PermSelfService); err != nil {
		return nil, err
	}
	out := []Due{}
	if p.MemberID == "" {
		return out, nil
	}
	err := s.read(ctx, func(tx store) error {
		per, err := people.ForMember(ctx, tx.Tx, p.Org.ID, p.MemberID)
		if err != nil || per == nil {
			return err
		}
		out, err = dueFor(ctx, tx, p.Org.ID, today(p), per)
		return err
	})
	return out, err
}

// Module returns a module for someone taking it: its content and quiz without the answers.
func (s *Service) Module(ctx context.Context, p *bulwark.Principal, id string) (*Training, error) {
	if err := app.Require(p, bulwark.PermSelfService); err != nil {
		return nil, err
	}
	var out *Training
	err := s.read(ctx, func(tx store) error {
		t, err := tx.training(ctx, p.Org.ID, id)
		if err != nil {
			return err
		}
		if t.ArchivedAt != nil {
			return bulwark.Errorf(bulwark.ENOTFOUND, "This module was withdrawn.")
		}
		out = t.ForTaker()
		return nil
	})
	return out, err
}

// attempt marks answers for module t taken by per and records the result,
// in the campaign that asked for it if any.
func attempt(ctx context.Context, tx store, orgID, day string, m app.Meta, t *Training, per *people.Person, answers []int, via string, memberID *string) (*Record, error) {
	if t.ArchivedAt != nil {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "This module was withdrawn.")
	}
	var score *int
	if len(t.Quiz) > 0 {
		n, err := Score(t.Quiz, answers)
		if err != nil {
			return nil, err
		}
		score = &n
	} else if len(answers) > 0 {
		return nil, bulwark.Invalid("answers", "this module has no quiz")
	}
	r := &Record{TrainingID: t.ID, TrainingRef: t.Ref, TrainingTitle: t.Title, PersonID: per.ID, PersonRef: per.Ref, PersonName: per.Name, Email: per.Email,
		CompletedAt: tx.Now(), Score: score, Passed: t.Passed(score), Via: via}
	due, err := dueFor(ctx, tx, orgID, day, per)
	if err != nil {
		return nil, err
	}
	for _, d := range due {
		if d.TrainingID == t.ID {
			id := d.CampaignID
			r.CampaignID = &id
			break
		}
	}
	if err := tx.insertRecord(ctx, orgID, r, memberID); err != nil {
		return nil, err
	}
	ch := bulwark.Changes{"person": bulwark.Added(per.Ref), "passed": bulwark.Added(r.Passed), "via": bulwark.Added(via)}
	if score != nil {
		ch["score"] = bulwark.Added(*score)
	}
	return r, app.Audit(ctx, tx.Tx, orgID, m, "training.attempt", "training", t.ID, t.Ref, ch)
}

// Attempt records the signed-in member's completion of module id with their
// quiz answers (one option index per question).
func (s *Service) Attempt(ctx context.Context, p *bulwark.Principal, id string, answers []int) (*Record, error) {
	if err := app.Require(p, bulwark.PermSelfService); err != nil {
		return nil, err
	}
	var out *Record
	err := s.write(ctx, func(tx store) error {
		t, err := tx.training(ctx, p.Org.ID, id)
		if err != nil {
			return err
		}
		per, err := people.ForMember(ctx, tx.Tx, p.Org.ID, p.MemberID)
		if err != nil {
			return err
		}
		if per == nil {
			return bulwark.Errorf(bulwark.ECONFLICT, "Your email is not in the organisation's people register, so there is no one to record the training for; ask the ISMS manager to add you.")
		}
		mid := p.MemberID
		out, err = attempt(ctx, tx, p.Org.ID, today(p), app.MetaOf(p), t, per, answers, "account", &mid)
		return err
	})
	return out, err
}

// LinkTarget is what a personal training link reaches: the campaign's modules
// for one person, with what they still have to pass.
type LinkTarget struct {
	Org       *bulwark.Organisation
	Campaign  *Campaign
	Person    *people.Person
	Modules   []*Training // for the taker: no answers
	Pending   map[string]bool
	ExpiresAt time.Time
}

func (s *Service) openLink(ctx context.Context, tx store, token string) (*LinkTarget, error) {
	orgID, err := bulwark.LinkOrg(token)
	if err != nil {
		return nil, err
	}
	key, err := tx.ExistingLinkKey(ctx, orgID)
	if err != nil {
		return nil, err
	}
	c, err := bulwark.VerifyLink(key, token, "training", time.Now())
	if err != nil {
		return nil, err
	}
	camp, err := tx.campaign(ctx, c.OrgID, c.Subject)
	if err != nil || camp.Status != "active" {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "This training campaign is closed.")
	}
	per, err := people.One(ctx, tx.Tx, c.OrgID, c.PersonID)
	if err != nil || per.ArchivedAt != nil || per.Status == "left" {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "This link is not valid any more.")
	}
	who, err := assignees(ctx, tx, c.OrgID, camp)
	if err != nil {
		return nil, err
	}
	if !slices.ContainsFunc(who, func(p *people.Person) bool { return p.ID == per.ID }) {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "This campaign no longer asks you for this training.")
	}
	var org bulwark.Organisation
	var tz string
	if err := tx.QueryRow(ctx, `SELECT id, slug, name, time_zone FROM organisations WHERE id = ?`, c.OrgID).Scan(&org.ID, &org.Slug, &org.Name, &tz); err != nil {
		return nil, fmt.Errorf("organisation of a link: %w", err)
	}
	org.Settings.TimeZone = tz
	lt := &LinkTarget{Org: &org, Campaign: camp, Person: per, Pending: map[string]bool{}, ExpiresAt: c.Expires}
	day := bulwark.Today(time.Now(), tz)
	camp.CycleStart, camp.CycleDue = Cycle(camp.StartDate, camp.DueDate, camp.Recurrence, day)
	done, err := tx.passedSince(ctx, c.OrgID, camp.TrainingIDs, camp.CycleStart, per.ID)
	if err != nil {
		return nil, err
	}
	for _, tid := range camp.TrainingIDs {
		t, err := tx.training(ctx, c.OrgID, tid)
		if err != nil {
			return nil, err
		}
		if t.ArchivedAt != nil {
			continue
		}
		lt.Modules = append(lt.Modules, t.ForTaker())
		lt.Pending[t.ID] = !done[per.ID][t.ID]
	}
	return lt, nil
}

// OpenLink returns what a personal training link reaches.
func (s *Service) OpenLink(ctx context.Context, token string) (*LinkTarget, error) {
	var t *LinkTarget
	err := s.read(ctx, func(tx store) error {
		var err error
		t, err = s.openLink(ctx, tx, token)
		return err
	})
	return t, err
}

// AttemptByLink records a module taken through a personal link; only a module of
// the link's campaign.
func (s *Service) AttemptByLink(ctx context.Context, token, trainingID string, answers []int, m app.Meta) (*Record, error) {
	var out *Record
	err := s.write(ctx, func(tx store) error {
		lt, err := s.openLink(ctx, tx, token)
		if err != nil {
			return err
		}
		var t *Training
		for _, mod := range lt.Modules {
			if mod.ID == trainingID {
				t, err = tx.training(ctx, lt.Org.ID, trainingID)
				if err != nil {
					return err
				}
			}
		}
		if t == nil {
			return bulwark.Invalid("training_id", "is not a module of this link's campaign")
		}
		m.ActorID = "link:" + lt.Person.Ref
		out, err = attempt(ctx, tx, lt.Org.ID, bulwark.Today(time.Now(), lt.Org.Settings.TimeZone), m, t, lt.Person, answers, "link", nil)
		return err
	})
	return out, err
}

// CampaignLink is a person's personal link to a campaign's modules.
type CampaignLink struct {
	PersonID   string    `json:"person_id"`
	Ref        string    `json:"ref"`
	Name       string    `json:"name"`
	Email      string    `json:"email"`
	HasAccount bool      `json:"has_account"`
	Completed  bool      `json:"completed"`
	Link       string    `json:"link"`
	ExpiresAt  time.Time `json:"expires_at"`
}

// LinkPath is the path of a personal training link.
func LinkPath(token string) string { return "/t/" + token }

// CampaignLinks returns every assignee's personal link to the campaign, valid
// for days (30 by default) from now.
func (s *Service) CampaignLinks(ctx context.Context, p *bulwark.Principal, id string, days int) ([]CampaignLink, error) {
	if err := app.Require(p, bulwark.PermISMSEdit); err != nil {
		return nil, err
	}
	if days == 0 {
		days = 30
	}
	out := []CampaignLink{}
	err := s.write(ctx, func(tx store) error {
		c, err := tx.campaign(ctx, p.Org.ID, id)
		if err != nil {
			return err
		}
		as, err := evaluate(ctx, tx, p.Org.ID, today(p), c)
		if err != nil {
			return err
		}
		key, err := tx.LinkKey(ctx, p.Org.ID)
		if err != nil {
			return err
		}
		ids := make([]string, len(as))
		for i, a := range as {
			ids[i] = a.PersonID
		}
		ppl, err := people.ByIDs(ctx, tx.Tx, p.Org.ID, ids)
		if err != nil {
			return err
		}
		exp := time.Now().AddDate(0, 0, days).UTC().Truncate(time.Second)
		for _, a := range as {
			out = append(out, CampaignLink{PersonID: a.PersonID, Ref: a.Ref, Name: a.Name, Email: a.Email, HasAccount: ppl[a.PersonID] != nil && ppl[a.PersonID].MemberID != nil,
				Completed: a.Completed, ExpiresAt: exp, Link: LinkPath(bulwark.SignLink(key, bulwark.LinkClaims{Purpose: "training", OrgID: p.Org.ID, Subject: c.ID, PersonID: a.PersonID, Expires: exp}))})
		}
		return nil
	})
	return out, err
}

// PersonRecord is what an auditor samples for one person: their training records
// and what they still owe.
type PersonRecord struct {
	Person  *people.Person `json:"person"`
	Records []*Record      `json:"records"`
	Due     []Due          `json:"due"`
}

// RecordOf returns one person's training record.
func (s *Service) RecordOf(ctx context.Context, p *bulwark.Principal, personID string) (*PersonRecord, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	pr := &PersonRecord{Records: []*Record{}}
	err := s.read(ctx, func(tx store) error {
		per, err := people.One(ctx, tx.Tx, p.Org.ID, personID)
		if err != nil {
			return err
		}
		pr.Person = per
		if err := tx.records(ctx, p.Org.ID, RecordFilter{PersonID: per.ID}, func(r *Record) error { pr.Records = append(pr.Records, r); return nil }); err != nil {
			return err
		}
		pr.Due, err = dueFor(ctx, tx, p.Org.ID, today(p), per)
		return err
	})
	return pr, err
}

// Readiness is what training tells a certification readiness check (7.2).
type Readiness struct {
	Campaigns, Assigned, Completed, Overdue int // active campaigns' current cycles
	PeopleTrained                           int // people with a passed record
}

// ReadinessOf counts orgID's active campaigns and their completions on day today.
func ReadinessOf(ctx context.Context, tx *sqlstore.Tx, orgID, today string) (*Readiness, error) {
	st := store{tx}
	r := &Readiness{}
	cs, err := st.campaignsWhere(ctx, orgID, `AND c.status = 'active'`)
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		if _, err := evaluate(ctx, st, orgID, today, c); err != nil {
			return nil, err
		}
		r.Campaigns++
		r.Assigned += c.Assigned
		r.Completed += c.Completed
		r.Overdue += c.Overdue
	}
	err = tx.QueryRow(ctx, `SELECT COUNT(DISTINCT person_id) FROM training_records WHERE org_id = ? AND passed`, orgID).Scan(&r.PeopleTrained)
	return r, err
}

package demo

import (
	"context"
	"fmt"
	mrand "math/rand/v2"
	"strings"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/areas"
	"github.com/bulwark-isms/bulwark/areas/documents"
	"github.com/bulwark-isms/bulwark/areas/incidents"
	"github.com/bulwark-isms/bulwark/areas/people"
	"github.com/bulwark-isms/bulwark/areas/training"
)

// Departments are Northwind's departments, each also a group.
var Departments = []string{"Clinical", "Engineering", "Operations", "Finance", "People", "Sales", "IT"}

var firstNames = []string{"Aisha", "Ben", "Carla", "Daniel", "Elif", "Farid", "Grace", "Hugo", "Ines", "Jonas", "Kemi", "Liam", "Mei", "Noah", "Olga", "Pedro",
	"Quinn", "Rosa", "Sven", "Tara", "Umar", "Vera", "Wei", "Xavier", "Yasmin", "Zoe", "Amir", "Bea", "Cyril", "Dana"}
var lastNames = []string{"Adams", "Brennan", "Costa", "Dubois", "Evans", "Fernandes", "Gallagher", "Hughes", "Ibrahim", "Jensen", "Khan", "Larsen", "Moreau",
	"Novak", "O'Brien", "Petrov", "Quaresma", "Rossi", "Schmidt", "Turner", "Ueda", "Varga", "Walsh", "Yilmaz", "Zielinski"}

// DemoPeople is how many people the demo's workforce register holds.
const DemoPeople = 200

// seedPeople registers 200 people: the members first (linked to their accounts by email), then staff
// without accounts, each in a department group and the groups of their work.
func seedPeople(ctx context.Context, svc *areas.ISMS, sys *bulwark.Principal, rng *mrand.Rand) ([]*people.Person, error) {
	groups := map[string]string{}
	for _, name := range append(append([]string{}, Departments...), "Managers", "Handles patient data") {
		g, err := svc.People.CreateGroup(ctx, sys, name, "")
		if err != nil {
			return nil, fmt.Errorf("demo group %s: %w", name, err)
		}
		groups[name] = g.ID
	}
	var out []*people.Person
	add := func(name, email, dept string, extra ...string) error {
		start := fmt.Sprintf("20%02d-%02d-%02d", 18+rng.IntN(8), 1+rng.IntN(12), 1+rng.IntN(28))
		sp := &start
		gs := []string{groups[dept]}
		for _, e := range extra {
			gs = append(gs, groups[e])
		}
		if dept == "Clinical" || (dept == "IT" && rng.IntN(2) == 0) {
			gs = append(gs, groups["Handles patient data"])
		}
		var mgr *string
		if len(out) > 0 {
			mgr = &out[rng.IntN(min(len(out), 10))].ID // the members lead the teams
		}
		status := "active"
		if rng.IntN(40) == 0 {
			status = "on_leave"
		}
		p, err := svc.People.CreatePerson(ctx, sys, people.PersonInput{Name: &name, Email: &email, Department: &dept, StartDate: &sp, GroupIDs: &gs, ManagerID: &mgr, Status: &status})
		if err != nil {
			return fmt.Errorf("demo person %s: %w", name, err)
		}
		out = append(out, p)
		return nil
	}
	memberDept := []string{"Operations", "IT", "IT", "Engineering", "Clinical", "Engineering", "Operations", "", "Clinical", "Sales"}
	for i, m := range People {
		if memberDept[i] == "" {
			continue // the external auditor is no employee
		}
		if err := add(m.Name, m.Email, memberDept[i], "Managers"); err != nil {
			return nil, err
		}
	}
	for i := 0; len(out) < DemoPeople; i++ {
		first, last := firstNames[i%len(firstNames)], lastNames[(i/len(firstNames)+i)%len(lastNames)]
		name := first + " " + last
		email := fmt.Sprintf("%s.%s%d@northwind.example", strings.ToLower(first), strings.ToLower(strings.ReplaceAll(last, "'", "")), i)
		if err := add(name, email, Departments[rng.IntN(len(Departments))]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// policySet are the templates Northwind has published, in the order it wrote them.
var policySet = []string{"information-security-policy", "isms-scope-statement", "risk-methodology", "security-objectives", "access-control-policy",
	"acceptable-use-policy", "information-classification-policy", "supplier-security-policy", "incident-management-procedure", "business-continuity-plan",
	"backup-policy", "cryptography-policy", "secure-development-policy", "hr-security-procedure", "internal-audit-procedure",
	"management-review-procedure", "corrective-action-procedure"}

// overdueReviews are the two documents whose review Northwind let slip.
var overdueReviews = map[string]string{"backup-policy": "2026-09-30", "supplier-security-policy": "2026-11-15"}

// seedDocuments writes the policy set from Bulwark's templates: the ISMS manager drafts and submits each,
// the CEO approves, the manager publishes; the acceptable use policy has a second, minor revision, and two
// documents are overdue for review.
func seedDocuments(ctx context.Context, svc *areas.ISMS, manager, ceo *bulwark.Principal) ([]*documents.Document, error) {
	var out []*documents.Document
	scope := "the clinical software, patient services and supporting IT of Northwind Health Ltd at its Leeds office, Manchester clinic and Leeds data centre"
	for _, id := range policySet {
		tid := id
		d, err := svc.Documents.Create(ctx, manager, documents.Input{TemplateID: &tid, Scope: &scope})
		if err != nil {
			return nil, fmt.Errorf("demo document %s: %w", id, err)
		}
		if d, err = publish(ctx, svc, manager, ceo, d.ID, "minor", ""); err != nil {
			return nil, fmt.Errorf("demo document %s: %w", id, err)
		}
		if id == "acceptable-use-policy" {
			body := d.Body + "\n\nLost or stolen devices are reported to the service desk within one hour, day or night.\n"
			if _, err := svc.Documents.Update(ctx, manager, d.ID, documents.Input{Body: &body}, nil, nil); err != nil {
				return nil, err
			}
			if d, err = publish(ctx, svc, manager, ceo, d.ID, "minor", "Lost devices are reported within one hour."); err != nil {
				return nil, err
			}
		}
		if due, ok := overdueReviews[id]; ok {
			dp := &due
			if d, err = svc.Documents.Update(ctx, manager, d.ID, documents.Input{NextReviewDate: &dp}, nil, nil); err != nil {
				return nil, err
			}
		}
		out = append(out, d)
	}
	return out, nil
}

func publish(ctx context.Context, svc *areas.ISMS, manager, ceo *bulwark.Principal, id, bump, summary string) (*documents.Document, error) {
	if _, err := svc.Documents.Submit(ctx, manager, id); err != nil {
		return nil, err
	}
	if _, err := svc.Documents.Approve(ctx, ceo, id); err != nil {
		return nil, err
	}
	d, _, err := svc.Documents.Publish(ctx, manager, id, documents.Step{Bump: bump, ChangeSummary: summary})
	return d, err
}

// acknowledgedPolicies are the policies Northwind asked everyone to acknowledge.
var acknowledgedPolicies = []string{"information-security-policy", "acceptable-use-policy", "access-control-policy", "information-classification-policy", "incident-management-procedure"}

// seedAcknowledgements asks everyone to acknowledge the core policies; most did,
// members from their tasks and the others through their personal links.
func seedAcknowledgements(ctx context.Context, svc *areas.ISMS, manager *bulwark.Principal, docs []*documents.Document, rng *mrand.Rand) error {
	byTemplate := map[string]*documents.Document{}
	for _, d := range docs {
		byTemplate[d.TemplateID] = d
	}
	for _, tid := range acknowledgedPolicies {
		d := byTemplate[tid]
		q, err := svc.Documents.RequestAcknowledgement(ctx, manager, d.ID, documents.Audience{Everyone: true})
		if err != nil {
			return fmt.Errorf("demo acknowledgement request %s: %w", d.Ref, err)
		}
		share := 80 + rng.IntN(16) // 80–95 % acknowledged
		for _, l := range q.Links {
			if rng.IntN(100) >= share {
				continue
			}
			if l.HasAccount {
				if p := principalOf(ctx, svc, &manager.Org, l.Email); p != nil {
					if _, err := svc.Documents.Acknowledge(ctx, p, d.ID); err != nil {
						return fmt.Errorf("demo acknowledgement %s by %s: %w", d.Ref, l.Email, err)
					}
					continue
				}
			}
			if _, err := svc.Documents.AcknowledgeByLink(ctx, l.Link[strings.LastIndex(l.Link, "/")+1:], app.Meta{ActorID: "demo"}); err != nil {
				return fmt.Errorf("demo acknowledgement %s by link: %w", d.Ref, err)
			}
		}
	}
	return nil
}

// seedTraining runs this year's awareness campaign: the starter module to everyone, started two weeks ago,
// due in three weeks, yearly; a little over half have passed, a few failed once first.
func seedTraining(ctx context.Context, svc *areas.ISMS, manager *bulwark.Principal, rng *mrand.Rand) error {
	mods, err := svc.Training.Trainings(ctx, manager, false)
	if err != nil || len(mods) == 0 {
		return fmt.Errorf("demo training: the starter module is missing (%v)", err)
	}
	starter := mods[0]
	now := time.Now()
	title, start, due, yearly, everyone := "Security awareness "+now.Format("2006"), now.AddDate(0, 0, -14).Format("2006-01-02"), now.AddDate(0, 0, 21).Format("2006-01-02"), "yearly", true
	ids := []string{starter.ID}
	c, err := svc.Training.CreateCampaign(ctx, manager, training.CampaignInput{Title: &title, StartDate: &start, DueDate: &due, Recurrence: &yearly, Everyone: &everyone, TrainingIDs: &ids})
	if err != nil {
		return fmt.Errorf("demo campaign: %w", err)
	}
	links, err := svc.Training.CampaignLinks(ctx, manager, c.ID, 30)
	if err != nil {
		return err
	}
	right := make([]int, len(starter.Quiz))
	for i, q := range starter.Quiz {
		right[i] = q.Answer
	}
	for _, l := range links {
		if rng.IntN(100) >= 58 {
			continue
		}
		token := l.Link[strings.LastIndex(l.Link, "/")+1:]
		if rng.IntN(8) == 0 { // a first attempt below the pass mark
			wrong := make([]int, len(right))
			for i, a := range right {
				wrong[i] = (a + 1) % len(starter.Quiz[i].Options)
			}
			if _, err := svc.Training.AttemptByLink(ctx, token, starter.ID, wrong, app.Meta{ActorID: "demo"}); err != nil {
				return fmt.Errorf("demo training attempt: %w", err)
			}
		}
		if _, err := svc.Training.AttemptByLink(ctx, token, starter.ID, right, app.Meta{ActorID: "demo"}); err != nil {
			return fmt.Errorf("demo training attempt: %w", err)
		}
	}
	return nil
}

// seedIncidentReports are two events employees reported.
func seedIncidentReports(ctx context.Context, svc *areas.ISMS, org *bulwark.Organisation) error {
	for _, r := range []struct{ email, title, desc string }{
		{People[8].Email, "Email asking me to confirm my payroll details", "It came from an outside address that looks like our payroll bureau's; I did not click the link."},
		{People[9].Email, "Clinic back door left unlocked overnight", "Found it unlocked at 07:30 when opening the Manchester clinic."},
	} {
		p := principalOf(ctx, svc, org, r.email)
		if p == nil {
			return fmt.Errorf("demo: %s is missing", r.email)
		}
		if _, err := svc.Incidents.ReportIncident(ctx, p, incidents.Report{Title: r.title, Description: r.desc}); err != nil {
			return fmt.Errorf("demo incident report: %w", err)
		}
	}
	return nil
}

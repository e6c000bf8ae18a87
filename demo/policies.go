package demo

import (
	"context"
	"fmt"
	mrand "math/rand/v2"
	"strings"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/areas"
	"github.com/bulwark-isms/bulwark/areas/documents"
	"github.com/bulwark-isms/bulwark/areas/people"
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

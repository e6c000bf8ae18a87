package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/areas"
	"github.com/bulwark-isms/bulwark/areas/obligations"
)

// demoContractual are Northwind's obligations beyond the GDPR and HIPAA suggestions: a customer contract and a
// sector standard, in Bulwark's own words.
var demoContractual = []struct {
	title, source, jurisdiction, requirement string
	controls                                 []string
}{
	{"Tell hospital customers about incidents affecting their data within 24 hours", obligations.SourceContract, "Hospital services agreements",
		"Our service agreements with hospital trusts ask us to tell their information governance lead within 24 hours of confirming an incident that touches their patients' data, and to share the investigation report when it closes.",
		[]string{"A.5.24", "A.5.26", "A.5.20"}},
	{"Meet the NHS data security standards each year", obligations.SourceStandard, "England",
		"As a supplier handling NHS patient data we publish a yearly self-assessment against the NHS data security standards, signed off by the board, and keep the evidence behind each answer.",
		[]string{"A.5.31", "A.5.36", "A.5.35"}},
}

// seedObligations adopts the GDPR and HIPAA suggestions for Northwind (a UK health-tech company with EU patients
// and US clinic customers), gives them owners and review dates spread over the year — one reviewed today, one
// past its review date — and adds two contractual obligations.
func seedObligations(ctx context.Context, svc *areas.ISMS, org *bulwark.Organisation) error {
	manager := principalOf(ctx, svc, org, People[2].Email)
	if manager == nil {
		return fmt.Errorf("demo obligations: the manager is missing")
	}
	owners := map[string]string{}
	for _, i := range []int{1, 2, 6} {
		m, _, err := svc.MemberByEmail(ctx, org.ID, People[i].Email)
		if err != nil {
			return err
		}
		owners[People[i].Email] = m.ID
	}
	var adopted []*obligations.Obligation
	for _, regime := range []string{obligations.RegimeGDPR, obligations.RegimeHIPAA} {
		res, err := svc.Obligations.Adopt(ctx, manager, regime, nil)
		if err != nil {
			return fmt.Errorf("demo obligations: adopt %s: %w", regime, err)
		}
		adopted = append(adopted, res.Created...)
	}
	today, err := time.Parse(time.DateOnly, bulwark.Today(time.Now(), org.Settings.TimeZone))
	if err != nil {
		return err
	}
	for i, o := range adopted {
		// Privacy duties to Priya (the privacy lead), HIPAA's to Samir, the business associate agreements to Maria.
		owner := owners[People[6].Email]
		if o.Regime == obligations.RegimeHIPAA {
			owner = owners[People[1].Email]
		}
		review := today.AddDate(0, 1+i%11, 0).Format(time.DateOnly)
		if o.SuggestionKey == "hipaa-business-associates" {
			owner, review = owners[People[2].Email], today.AddDate(0, 0, -12).Format(time.DateOnly) // overdue: in Maria's tasks
		}
		ownerPtr, reviewPtr := &owner, &review
		if _, err := svc.Obligations.Update(ctx, manager, o.ID, obligations.Input{OwnerID: &ownerPtr, ReviewDate: &reviewPtr}, nil, nil); err != nil {
			return fmt.Errorf("demo obligation %s: %w", o.Ref, err)
		}
		if o.SuggestionKey == "gdpr-breach-notification-authority" {
			if _, err := svc.Obligations.MarkReviewed(ctx, manager, o.ID, nil); err != nil {
				return fmt.Errorf("demo obligation %s: review: %w", o.Ref, err)
			}
		}
	}
	for i, c := range demoContractual {
		title, source, jurisdiction, requirement, controls := c.title, c.source, c.jurisdiction, c.requirement, c.controls
		owner := owners[People[2].Email]
		review := today.AddDate(0, 4+3*i, 0).Format(time.DateOnly)
		ownerPtr, reviewPtr := &owner, &review
		if _, err := svc.Obligations.Create(ctx, manager, obligations.Input{Title: &title, Source: &source, Jurisdiction: &jurisdiction, Requirement: &requirement,
			OwnerID: &ownerPtr, ReviewDate: &reviewPtr, ControlIDs: &controls}); err != nil {
			return fmt.Errorf("demo obligation %q: %w", title, err)
		}
	}
	return nil
}

package demo

import (
	"context"
	"fmt"
	mrand "math/rand/v2"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/areas"
	"github.com/bulwark-isms/bulwark/areas/incidents"
)

// seedIncidents handles what employees reported and records a breach: the payroll email
// turned out to be genuine (not an incident), the unlocked clinic door was a High incident
// closed with its lessons learned, and appointment letters sent to the wrong patients are a
// personal-data breach whose GDPR clock is running (the organisation became aware 20 hours
// ago) under the regimes of the obligations register.
func seedIncidents(ctx context.Context, svc *areas.ISMS, manager *bulwark.Principal) error {
	reported, err := svc.Incidents.Incidents(ctx, manager, incidents.Filter{})
	if err != nil {
		return fmt.Errorf("demo incidents: %w", err)
	}
	byTitle := map[string]*incidents.Incident{}
	for _, i := range reported {
		byTitle[i.Title] = i
	}
	email, door := byTitle["Email asking me to confirm my payroll details"], byTitle["Clinic back door left unlocked overnight"]
	if email == nil || door == nil {
		return fmt.Errorf("demo incidents: the employees' reports are missing")
	}
	str := func(s string) *string { return &s }
	me := &manager.MemberID
	if _, err := svc.Incidents.Update(ctx, manager, email.ID, incidents.Input{Category: str("phishing"), HandlerID: &me}, nil); err != nil {
		return fmt.Errorf("demo incident %s: %w", email.Ref, err)
	}
	if _, err := svc.Incidents.SetStatus(ctx, manager, email.ID, incidents.StatusNotAnIncident, "The payroll bureau confirmed it sent the email from its new address; the link was genuine.", nil); err != nil {
		return fmt.Errorf("demo incident %s: %w", email.Ref, err)
	}
	if _, err := svc.Incidents.Update(ctx, manager, door.ID, incidents.Input{Category: str("physical"), Severity: str("high"), HandlerID: &me}, nil); err != nil {
		return fmt.Errorf("demo incident %s: %w", door.Ref, err)
	}
	for _, step := range []struct{ status, note string }{
		{incidents.StatusTriaged, "Patient records room is behind that door: rated High."},
		{incidents.StatusContained, "Door locked; CCTV reviewed for the night: nobody entered."},
		{incidents.StatusRecovered, "Records room inventory checked against the register: complete."},
	} {
		if _, err := svc.Incidents.AddEntry(ctx, manager, door.ID, step.note); err != nil {
			return fmt.Errorf("demo incident note: %w", err)
		}
		if _, err := svc.Incidents.SetStatus(ctx, manager, door.ID, step.status, "", nil); err != nil {
			return fmt.Errorf("demo incident %s → %s: %w", door.Ref, step.status, err)
		}
	}
	lessons := "The last person out had no closing checklist. A closing checklist now hangs by the door, and the alarm panel warns when the back door is open at arming."
	if _, err := svc.Incidents.Update(ctx, manager, door.ID, incidents.Input{LessonsLearned: &lessons}, nil); err != nil {
		return fmt.Errorf("demo incident lessons: %w", err)
	}
	if _, err := svc.Incidents.SetStatus(ctx, manager, door.ID, incidents.StatusClosed, "", nil); err != nil {
		return fmt.Errorf("demo incident close: %w", err)
	}

	now := time.Now().UTC().Truncate(time.Minute)
	discovered, aware := now.Add(-30*time.Hour), now.Add(-20*time.Hour)
	dp, ap := &discovered, &aware
	breach, err := svc.Incidents.Create(ctx, manager, incidents.Input{Title: str("Appointment letters sent to the wrong patients"),
		Description: str("A mail-merge error in the booking system paired 38 letters with the addresses of other patients; each letter names the patient, the clinic and the appointment type."),
		Category:    str("data_disclosure"), Severity: str("high"), DiscoveredAt: &dp, BecameAwareAt: &ap})
	if err != nil {
		return fmt.Errorf("demo breach: %w", err)
	}
	if _, err := svc.Incidents.AddEntry(ctx, manager, breach.ID, "Booking system's letter run stopped; the print supplier asked to hold the next batch."); err != nil {
		return fmt.Errorf("demo breach note: %w", err)
	}
	n := 38
	if _, err := svc.Incidents.MarkBreach(ctx, manager, breach.ID, incidents.BreachMark{PersonalDataBreach: true, IndividualsAffected: &n, MostInOneState: &n}); err != nil {
		return fmt.Errorf("demo breach clocks: %w", err)
	}
	if _, err := svc.Incidents.SetStatus(ctx, manager, breach.ID, incidents.StatusContained, "", nil); err != nil {
		return fmt.Errorf("demo breach contained: %w", err)
	}
	return nil
}

// growIncidents records n incidents as the manager, most closed, some open with a severity, and one in a
// hundred a personal-data breach with its clocks: the register the dashboard reads at the large size.
func growIncidents(ctx context.Context, svc *areas.ISMS, org *bulwark.Organisation, n int, rng *mrand.Rand) error {
	manager := principalOf(ctx, svc, org, People[2].Email)
	if manager == nil {
		return fmt.Errorf("the manager is missing")
	}
	titles := []string{"Phishing email reported", "Laptop left on a train", "Suspicious login from abroad", "Misdirected email", "Malware blocked on a workstation",
		"Badge lost", "Shared password found in a ticket", "Printer output left unattended"}
	levels := []string{"low", "low", "medium", "medium", "high", "critical"}
	str := func(s string) *string { return &s }
	start := time.Now().UTC().Add(-3 * 365 * 24 * time.Hour)
	for k := 0; k < n; k++ {
		at := start.Add(time.Duration(k) * (3 * 365 * 24 * time.Hour / time.Duration(n)))
		ap := &at
		sev := levels[rng.IntN(len(levels))]
		i, err := svc.Incidents.Create(ctx, manager, incidents.Input{Title: str(fmt.Sprintf("%s (%05d)", titles[k%len(titles)], k+1)), Severity: &sev,
			Category: str(incidents.Categories[rng.IntN(len(incidents.Categories))]), DiscoveredAt: &ap})
		if err != nil {
			return err
		}
		switch {
		case k%100 == 99:
			m := 12 + rng.IntN(900)
			if _, err := svc.Incidents.MarkBreach(ctx, manager, i.ID, incidents.BreachMark{PersonalDataBreach: true, IndividualsAffected: &m, MostInOneState: &m}); err != nil {
				return err
			}
		case k < n-50:
			lessons := "Checked and closed; the lesson went to the quarterly awareness note."
			if _, err := svc.Incidents.Update(ctx, manager, i.ID, incidents.Input{LessonsLearned: &lessons}, nil); err != nil {
				return err
			}
			if _, err := svc.Incidents.SetStatus(ctx, manager, i.ID, incidents.StatusClosed, "", nil); err != nil {
				return err
			}
		}
	}
	return nil
}

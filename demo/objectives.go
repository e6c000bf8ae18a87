package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/areas"
	"github.com/bulwark-isms/bulwark/areas/controls"
	"github.com/bulwark-isms/bulwark/areas/objectives"
	"github.com/bulwark-isms/bulwark/areas/risks"
)

// demoMetric is a metric of a demo objective with its last twelve monthly values, oldest first; a computed
// metric has none and is computed once.
type demoMetric struct {
	name, unit, direction, source string
	target                        float64
	values                        []float64
}

// demoObjectives are Northwind's information security objectives (6.2): who owns each (an index into People),
// how many months ahead its deadline is, the risks it answers (by words of their threat) and the controls it
// relies on, and its metrics. The leavers' objective is off track: its metric has moved away from the target
// for the last three months (the internal audit found the same).
var demoObjectives = []struct {
	title, description, target string
	owner, months              int
	riskWords, controls        []string
	metrics                    []demoMetric
}{
	{"Patch critical vulnerabilities within 14 days", "Critical vulnerabilities in internet-facing and clinical systems are patched, or mitigated, within 14 days of the vendor's fix.",
		"95% of critical vulnerabilities patched within 14 days, and a mean time to patch under 10 days", 5, 12,
		[]string{"unpatched vulnerability", "ransomware"}, []string{"A.8.8", "A.8.19", "A.8.7"},
		[]demoMetric{
			{"Critical vulnerabilities patched within 14 days", "%", objectives.DirectionIncrease, objectives.SourceManual, 95,
				[]float64{78, 80, 83, 82, 85, 87, 88, 90, 89, 91, 92, 93}},
			{"Mean days to patch a critical vulnerability", "days", objectives.DirectionDecrease, objectives.SourceManual, 10,
				[]float64{21, 20, 19, 19, 17, 16, 15, 14, 14, 13, 12, 11}},
		}},
	{"Every member of staff trained in information security", "All staff complete the yearly awareness module, and fewer of them click on simulated phishing.",
		"95% of staff trained each year; under 5% clicking on a phishing simulation", 6, 9,
		[]string{"phishing email", "social engineering"}, []string{"A.6.3", "A.8.7"},
		[]demoMetric{
			{"Staff who completed the awareness module", "%", objectives.DirectionIncrease, objectives.SourceManual, 95,
				[]float64{40, 52, 61, 70, 76, 81, 85, 88, 91, 93, 95, 97}},
			{"Staff clicking on a phishing simulation", "%", objectives.DirectionDecrease, objectives.SourceManual, 5,
				[]float64{18, 16, 15, 13, 12, 11, 10, 9, 8, 8, 7, 6}},
		}},
	{"Remove leavers' access within one working day", "Every account of a leaver, employee or contractor, is disabled by the end of the next working day.",
		"100% of leavers' accounts disabled within one working day", 1, 6,
		[]string{"former staff", "privileged access"}, []string{"A.5.18", "A.5.15", "A.6.5"},
		[]demoMetric{
			{"Leavers' accounts disabled within one working day", "%", objectives.DirectionIncrease, objectives.SourceManual, 100,
				[]float64{70, 74, 79, 83, 86, 88, 91, 92, 92, 90, 86, 81}},
		}},
	{"Implement the controls of the Statement of Applicability", "The applicable Annex A controls are in place and reviewed by their review date, ahead of the certification audit.",
		"90% of applicable controls implemented, and 90% reviewed on schedule", 2, 15,
		nil, []string{"A.5.1", "A.5.36"},
		[]demoMetric{
			{"Applicable controls implemented", "", "", objectives.SourceControlsImplementedPct, 90, nil},
			{"Controls reviewed by their review date", "%", objectives.DirectionIncrease, objectives.SourceManual, 90,
				[]float64{55, 58, 60, 63, 65, 66, 70, 72, 75, 77, 80, 82}},
		}},
}

// monthEnds are the last days of the n months before today's, oldest first.
func monthEnds(today time.Time, n int) []string {
	out := make([]string, n)
	for i := 0; i < n; i++ {
		// Day 0 of a month is the last day of the month before.
		out[n-1-i] = time.Date(today.Year(), today.Month()-time.Month(i), 0, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
	}
	return out
}

// seedObjectives sets Northwind's objectives, owned by its members, linked to risks and controls, each with
// its metrics and twelve months of monthly measurements, and computes the computed metric once. The ISMS
// manager records them all, as the person who reports them to management.
func seedObjectives(ctx context.Context, svc *areas.ISMS, manager *bulwark.Principal) error {
	rs, _, err := svc.Risks.Risks(ctx, manager, risks.RiskFilter{Limit: 500})
	if err != nil {
		return err
	}
	cs, err := svc.Controls.Controls(ctx, manager, controls.ControlFilter{})
	if err != nil {
		return err
	}
	controlByRef := map[string]string{}
	for _, c := range cs {
		controlByRef[c.Ref] = c.ID
	}
	today, err := time.Parse(time.DateOnly, bulwark.Today(time.Now(), manager.Org.Settings.TimeZone))
	if err != nil {
		return err
	}
	days := monthEnds(today, 12)
	text := func(s string) *string { return &s }
	for _, o := range demoObjectives {
		m, _, err := svc.MemberByEmail(ctx, manager.Org.ID, People[o.owner].Email)
		if err != nil {
			return err
		}
		owner := &m.ID
		// Two risks per threat named, the first the register holds.
		var riskIDs []string
		for _, w := range o.riskWords {
			n := 0
			for _, r := range rs {
				if n < 2 && strings.Contains(strings.ToLower(r.Title), w) {
					riskIDs, n = append(riskIDs, r.ID), n+1
				}
			}
		}
		var controlIDs []string
		for _, ref := range o.controls {
			if id, ok := controlByRef[ref]; ok {
				controlIDs = append(controlIDs, id)
			}
		}
		deadline := time.Date(today.Year(), today.Month()+time.Month(o.months)+1, 0, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
		obj, err := svc.Objectives.CreateObjective(ctx, manager, objectives.ObjectiveInput{Title: text(o.title), Description: text(o.description),
			Target: text(o.target), Deadline: &deadline, OwnerID: &owner, RiskIDs: &riskIDs, ControlIDs: &controlIDs})
		if err != nil {
			return fmt.Errorf("demo objective %q: %w", o.title, err)
		}
		for _, dm := range o.metrics {
			in := objectives.MetricInput{Name: text(dm.name), Source: text(dm.source), Target: &dm.target, OwnerID: &owner}
			if dm.unit != "" {
				in.Unit = text(dm.unit)
			}
			if dm.direction != "" {
				in.Direction = text(dm.direction)
			}
			met, err := svc.Objectives.AddMetric(ctx, manager, obj.ID, in)
			if err != nil {
				return fmt.Errorf("demo metric %q: %w", dm.name, err)
			}
			if dm.source != objectives.SourceManual {
				if _, err := svc.Objectives.Compute(ctx, manager, met.ID); err != nil {
					return fmt.Errorf("demo metric %q: %w", dm.name, err)
				}
				continue
			}
			for i, v := range dm.values {
				v := v
				note := ""
				if i == len(dm.values)-1 {
					note = "From the monthly ISMS report."
				}
				if _, err := svc.Objectives.RecordMeasurement(ctx, manager, met.ID, objectives.MeasurementInput{Date: &days[i], Value: &v, Note: &note}); err != nil {
					return fmt.Errorf("demo measurement of %q on %s: %w", dm.name, days[i], err)
				}
			}
		}
	}
	return nil
}

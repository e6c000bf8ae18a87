package objectives_test

import (
	"testing"

	"github.com/bulwark-isms/bulwark/areas/objectives"
)

// series builds measurements from dates and values.
func series(pairs ...any) []*objectives.Measurement {
	var out []*objectives.Measurement
	for i := 0; i < len(pairs); i += 2 {
		out = append(out, &objectives.Measurement{Date: pairs[i].(string), Value: float64(pairs[i+1].(int))})
	}
	return out
}

// TestEvaluate states the rules of a metric's status, one case per rule and its edges.
func TestEvaluate(t *testing.T) {
	up := &objectives.Metric{Direction: objectives.DirectionIncrease, Target: 90, Frequency: objectives.FrequencyMonthly, Unit: "%"}
	down := &objectives.Metric{Direction: objectives.DirectionDecrease, Target: 5, Frequency: objectives.FrequencyQuarterly, Unit: "days"}
	cases := []struct {
		name              string
		m                 *objectives.Metric
		ms                []*objectives.Measurement
		deadline, today   string
		status, nextDue   string
		overdue           bool
		created           string
		reasonMustContain string
	}{
		{"nothing measured yet", up, nil, "2027-12-31", "2027-01-20", objectives.StatusNoData, "2027-02-10", false, "2027-01-10", "Not measured yet"},
		{"nothing measured, one period gone: overdue but not off track", up, nil, "2027-12-31", "2027-02-11", objectives.StatusNoData, "2027-02-10", true, "2027-01-10", ""},
		{"nothing measured for two periods", up, nil, "2027-12-31", "2027-03-11", objectives.StatusOffTrack, "2027-02-10", true, "2027-01-10", "two months"},
		{"nothing measured and the deadline passed", up, nil, "2027-01-31", "2027-02-01", objectives.StatusOffTrack, "2027-02-10", false, "2027-01-10", "deadline"},
		{"latest meets the target (at it exactly)", up, series("2027-01-31", 80, "2027-02-28", 90), "2027-12-31", "2027-03-01", objectives.StatusAchieved, "2027-03-28", false, "2027-01-10", "Meets"},
		{"lower is better: at or below the target", down, series("2027-01-31", 8, "2027-04-30", 4), "2027-12-31", "2027-05-01", objectives.StatusAchieved, "2027-07-30", false, "2027-01-10", ""},
		{"met long ago, deadline ahead: not measured", up, series("2027-01-31", 95), "2027-12-31", "2027-04-01", objectives.StatusOffTrack, "2027-03-03", true, "2027-01-10", "not measured"},
		{"met, deadline passed: achieved for good", up, series("2027-01-31", 95), "2027-02-28", "2028-06-01", objectives.StatusAchieved, "2027-03-03", false, "2027-01-10", ""},
		{"missed by the deadline", up, series("2027-01-31", 70, "2027-02-27", 85), "2027-02-28", "2027-03-01", objectives.StatusOffTrack, "2027-03-27", false, "2027-01-10", "by the deadline"},
		{"on the deadline itself it still counts as ahead", up, series("2027-02-27", 85), "2027-02-28", "2027-02-28", objectives.StatusOnTrack, "2027-03-27", false, "2027-01-10", ""},
		{"short of the target, measured within two periods", up, series("2027-01-31", 70, "2027-02-28", 75), "2027-12-31", "2027-04-27", objectives.StatusOnTrack, "2027-03-28", true, "2027-01-10", "Short of"},
		{"short of the target, not measured for two periods", up, series("2027-01-31", 70), "2027-12-31", "2027-04-01", objectives.StatusOffTrack, "2027-03-03", true, "2027-01-10", "Not measured"},
		{"three measurements moving away (higher is better)", up, series("2027-01-31", 80, "2027-02-28", 78, "2027-03-31", 75), "2027-12-31", "2027-04-01", objectives.StatusOffTrack, "2027-05-01", false, "2027-01-10", "Moving away"},
		{"three measurements moving away (lower is better)", down, series("2027-01-31", 6, "2027-04-30", 7, "2027-07-31", 9), "2027-12-31", "2027-08-01", objectives.StatusOffTrack, "2027-10-31", false, "2027-01-10", "Moving away"},
		{"a flat step is not moving away", up, series("2027-01-31", 80, "2027-02-28", 78, "2027-03-31", 78), "2027-12-31", "2027-04-01", objectives.StatusOnTrack, "2027-05-01", false, "2027-01-10", ""},
		{"two steps away then back: on track", up, series("2027-01-31", 80, "2027-02-28", 78, "2027-03-31", 75, "2027-04-30", 79), "2027-12-31", "2027-05-01", objectives.StatusOnTrack, "2027-05-30", false, "2027-01-10", ""},
		{"measurements in any order: the latest by date counts", up, series("2027-03-31", 92, "2027-01-31", 10, "2027-02-28", 50), "2027-12-31", "2027-04-01", objectives.StatusAchieved, "2027-05-01", false, "2027-01-10", ""},
		{"quarterly: two quarters before off track", down, series("2027-01-31", 9), "2027-12-31", "2027-07-31", objectives.StatusOnTrack, "2027-05-01", true, "2027-01-10", ""},
		{"yearly", &objectives.Metric{Direction: objectives.DirectionIncrease, Target: 1, Frequency: objectives.FrequencyYearly}, series("2027-01-31", 0), "2030-12-31", "2029-02-01", objectives.StatusOffTrack, "2028-01-31", true, "2027-01-10", "two years"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := objectives.Evaluate(c.m, c.ms, c.deadline, c.created, c.today)
			if v.Status != c.status || v.NextDue != c.nextDue || v.Overdue != c.overdue {
				t.Errorf("got %s, next due %s, overdue %v (%s); want %s, %s, %v", v.Status, v.NextDue, v.Overdue, v.Reason, c.status, c.nextDue, c.overdue)
			}
			if c.reasonMustContain != "" && !contains(v.Reason, c.reasonMustContain) {
				t.Errorf("reason %q does not say %q", v.Reason, c.reasonMustContain)
			}
		})
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

// TestSummarise: an objective's status from its metrics'.
func TestSummarise(t *testing.T) {
	m := func(statuses ...string) []*objectives.Metric {
		var out []*objectives.Metric
		for i, s := range statuses {
			out = append(out, &objectives.Metric{Ref: "MET-00" + string(rune('1'+i)), Name: "m", Status: s})
		}
		return out
	}
	const on, off, none, done = objectives.StatusOnTrack, objectives.StatusOffTrack, objectives.StatusNoData, objectives.StatusAchieved
	for _, c := range []struct {
		name    string
		metrics []*objectives.Metric
		want    string
	}{
		{"no metrics", nil, none},
		{"none measured", m(none, none), none},
		{"every metric achieved", m(done, done), done},
		{"one off track wins", m(done, on, off), off},
		{"one off track beside no data", m(none, off), off},
		{"achieved and no data", m(done, none), on},
		{"on track", m(on, done), on},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got, reason := objectives.Summarise(c.metrics); got != c.want {
				t.Errorf("got %s (%s), want %s", got, reason, c.want)
			}
		})
	}
}

// TestCompute: each computed source from the registers' counts, and shares of nothing.
func TestCompute(t *testing.T) {
	mean := 12.34
	c := objectives.Counts{ApplicableControls: 89, ImplementedControls: 60, ImplementedWithoutCurrentEvidence: 15, TrainingAssigned: 200, TrainingCompleted: 183,
		AckAsked: 3, AckDone: 2, RisksAboveCriteria: 7, OpenNonconformities: 2, MeanDaysToCloseNC: &mean}
	for _, tc := range []struct {
		source string
		counts objectives.Counts
		want   float64
		ok     bool
	}{
		{objectives.SourceControlsImplementedPct, c, 67.4, true},
		{objectives.SourceEvidenceCurrentPct, c, 75, true},
		{objectives.SourceTrainingCompletePct, c, 91.5, true},
		{objectives.SourceAcknowledgementsPct, c, 66.7, true},
		{objectives.SourceRisksAboveCriteria, c, 7, true},
		{objectives.SourceOpenNonconformities, c, 2, true},
		{objectives.SourceMeanDaysToCloseNC, c, 12.3, true},
		{objectives.SourceRisksAboveCriteria, objectives.Counts{}, 0, true},
		{objectives.SourceTrainingCompletePct, objectives.Counts{}, 0, false},
		{objectives.SourceEvidenceCurrentPct, objectives.Counts{}, 0, false},
		{objectives.SourceMeanDaysToCloseNC, objectives.Counts{}, 0, false},
		{objectives.SourceManual, c, 0, false},
	} {
		t.Run(tc.source, func(t *testing.T) {
			got, ok, why := objectives.Compute(tc.source, tc.counts)
			if got != tc.want || ok != tc.ok || (!ok && why == "") {
				t.Errorf("got %v %v %q, want %v %v", got, ok, why, tc.want, tc.ok)
			}
		})
	}
}

// TestAddPeriods: months, quarters and years, with Go's calendar arithmetic.
func TestAddPeriods(t *testing.T) {
	for _, c := range []struct {
		day, freq string
		n         int
		want      string
	}{
		{"2027-01-15", objectives.FrequencyMonthly, 1, "2027-02-15"},
		{"2027-01-31", objectives.FrequencyMonthly, 1, "2027-03-03"},
		{"2027-11-30", objectives.FrequencyQuarterly, 2, "2028-05-30"},
		{"2028-02-29", objectives.FrequencyYearly, 1, "2029-03-01"},
		{"not a day", objectives.FrequencyYearly, 1, "not a day"},
	} {
		if got := objectives.AddPeriods(c.day, c.freq, c.n); got != c.want {
			t.Errorf("AddPeriods(%s, %s, %d) = %s, want %s", c.day, c.freq, c.n, got, c.want)
		}
	}
}

// TestValidate: a metric's and a measurement's own fields.
func TestValidate(t *testing.T) {
	for _, c := range []struct {
		name string
		m    objectives.Metric
		ok   bool
	}{
		{"complete", objectives.Metric{Name: "x", Direction: "increase", Frequency: "monthly", Source: "manual"}, true},
		{"no name", objectives.Metric{Direction: "increase", Frequency: "monthly", Source: "manual"}, false},
		{"unknown direction", objectives.Metric{Name: "x", Direction: "up", Frequency: "monthly", Source: "manual"}, false},
		{"unknown frequency", objectives.Metric{Name: "x", Direction: "increase", Frequency: "weekly", Source: "manual"}, false},
		{"unknown source", objectives.Metric{Name: "x", Direction: "increase", Frequency: "monthly", Source: "guess"}, false},
	} {
		if err := c.m.Validate(); (err == nil) != c.ok {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	if err := (&objectives.Measurement{Date: "2027-02-30", Value: 1}).Validate(); err == nil {
		t.Error("30 February accepted")
	}
}

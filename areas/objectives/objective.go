package objectives

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/field"
)

// RefPrefix starts every objective's reference: OBJ-001.
const RefPrefix = "OBJ"

// MetricRefPrefix starts every metric's reference: MET-001. Imports name metrics by it.
const MetricRefPrefix = "MET"

// The state of an objective or of one of its metrics, derived from its measurements (see Evaluate).
const (
	StatusOnTrack  = "on_track"  // measured recently, short of its target, not moving away from it
	StatusOffTrack = "off_track" // missed by the deadline, moving away from the target, or not measured for two periods
	StatusNoData   = "no_data"   // nothing measured yet, and not for long enough to be off track
	StatusAchieved = "achieved"  // the latest measurement meets the target
)

// Statuses lists the states, in the order a list shows them.
var Statuses = []string{StatusOffTrack, StatusOnTrack, StatusNoData, StatusAchieved}

// Directions: which way is better for a metric's value.
const (
	DirectionIncrease = "increase" // higher is better: the target is met at or above it
	DirectionDecrease = "decrease" // lower is better: the target is met at or below it
)

// Directions lists the directions.
var Directions = []string{DirectionIncrease, DirectionDecrease}

// Frequencies: how often a metric is measured.
const (
	FrequencyMonthly   = "monthly"
	FrequencyQuarterly = "quarterly"
	FrequencyYearly    = "yearly"
)

// Frequencies lists the frequencies.
var Frequencies = []string{FrequencyMonthly, FrequencyQuarterly, FrequencyYearly}

// Where a metric's values come from: SourceManual (recorded by hand or imported)
// or one of the computed sources, worked out from Bulwark's own registers.
const (
	SourceManual                 = "manual"
	SourceControlsImplementedPct = "controls_implemented_pct"
	SourceEvidenceCurrentPct     = "evidence_current_pct"
	SourceTrainingCompletePct    = "training_complete_pct"
	SourceAcknowledgementsPct    = "acknowledgements_pct"
	SourceRisksAboveCriteria     = "risks_above_criteria"
	SourceOpenNonconformities    = "open_nonconformities"
	SourceMeanDaysToCloseNC      = "mean_days_to_close_nc"
)

// ComputedSource describes a source Bulwark computes: what it counts, its unit
// and the direction that is better.
type ComputedSource struct {
	Name, Label, Unit, Direction string
}

// ComputedSources are the sources Bulwark computes, in the order forms offer them.
var ComputedSources = []ComputedSource{
	{SourceControlsImplementedPct, "Share of applicable controls implemented", "%", DirectionIncrease},
	{SourceEvidenceCurrentPct, "Share of implemented controls with current evidence", "%", DirectionIncrease},
	{SourceTrainingCompletePct, "Share of assigned training completed (active campaigns)", "%", DirectionIncrease},
	{SourceAcknowledgementsPct, "Share of requested policy acknowledgements given", "%", DirectionIncrease},
	{SourceRisksAboveCriteria, "Risks above the acceptance criteria", "count", DirectionDecrease},
	{SourceOpenNonconformities, "Nonconformities not closed", "count", DirectionDecrease},
	{SourceMeanDaysToCloseNC, "Mean days from raising a nonconformity to closing it", "days", DirectionDecrease},
}

// Sources lists every source: manual first, then the computed ones.
var Sources = func() []string {
	out := []string{SourceManual}
	for _, c := range ComputedSources {
		out = append(out, c.Name)
	}
	return out
}()

// computedSource returns the description of a computed source, or nil (manual or unknown).
func computedSource(name string) *ComputedSource {
	for i := range ComputedSources {
		if ComputedSources[i].Name == name {
			return &ComputedSources[i]
		}
	}
	return nil
}

// How a measurement was recorded.
const (
	RecordedManual   = "manual"
	RecordedImport   = "import"
	RecordedComputed = "computed"
)

// Objective is an information security objective (6.2): what is to be achieved,
// by whom and by when, measured by its metrics.
type Objective struct {
	ID           string     `json:"id"`
	Ref          string     `json:"ref"`
	Title        string     `json:"title"`
	Description  string     `json:"description"`
	OwnerID      *string    `json:"owner_id"`
	Target       string     `json:"target"`
	Deadline     string     `json:"deadline"`
	RiskIDs      []string   `json:"risk_ids"`
	ControlIDs   []string   `json:"control_ids"`
	Status       string     `json:"status"`
	StatusReason string     `json:"status_reason"`
	Metrics      []*Metric  `json:"metrics"`
	Version      int        `json:"version"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
	ArchivedAt   *time.Time `json:"archived_at"`
}

// Metric is one measure of an objective: a number with a unit, a target, the
// direction that is better and how often it is measured.
type Metric struct {
	ID           string       `json:"id"`
	Ref          string       `json:"ref"`
	ObjectiveID  string       `json:"objective_id"`
	Name         string       `json:"name"`
	Unit         string       `json:"unit"`
	Direction    string       `json:"direction"`
	Target       float64      `json:"target"`
	Frequency    string       `json:"frequency"`
	Source       string       `json:"source"`
	OwnerID      *string      `json:"owner_id"`
	Status       string       `json:"status"`
	StatusReason string       `json:"status_reason"`
	Latest       *Measurement `json:"latest"`
	NextDue      string       `json:"next_due"`
	Overdue      bool         `json:"overdue"`
	Version      int          `json:"version"`
	CreatedAt    time.Time    `json:"created_at"`
	UpdatedAt    time.Time    `json:"updated_at"`
	ArchivedAt   *time.Time   `json:"archived_at"`
}

// Measurement is one value of a metric on a day.
type Measurement struct {
	ID         string    `json:"id"`
	MetricID   string    `json:"metric_id"`
	Date       string    `json:"date"`
	Value      float64   `json:"value"`
	Note       string    `json:"note"`
	Source     string    `json:"source"`
	RecordedBy *string   `json:"recorded_by"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// Validate checks an objective's own fields.
func (o *Objective) Validate() error {
	var v bulwark.Validation
	switch n := utf8.RuneCountInString(o.Title); {
	case strings.TrimSpace(o.Title) == "":
		v.Add("title", "is required")
	case n > 200:
		v.Add("title", "must be at most 200 characters")
	}
	if utf8.RuneCountInString(o.Description) > 20000 {
		v.Add("description", "must be at most 20,000 characters")
	}
	if utf8.RuneCountInString(o.Target) > 2000 {
		v.Add("target", "must be at most 2,000 characters")
	}
	if !bulwark.ValidDate(o.Deadline) {
		v.Add("deadline", "must be a date such as 2027-12-31")
	}
	return v.Err()
}

// Validate checks a metric's own fields.
func (m *Metric) Validate() error {
	var v bulwark.Validation
	switch n := utf8.RuneCountInString(m.Name); {
	case strings.TrimSpace(m.Name) == "":
		v.Add("name", "is required")
	case n > 200:
		v.Add("name", "must be at most 200 characters")
	}
	if utf8.RuneCountInString(m.Unit) > 20 {
		v.Add("unit", "must be at most 20 characters, such as %, days or count")
	}
	if !slices.Contains(Directions, m.Direction) {
		v.Add("direction", "must be increase (higher is better) or decrease (lower is better)")
	}
	if !slices.Contains(Frequencies, m.Frequency) {
		v.Add("frequency", "must be monthly, quarterly or yearly")
	}
	if !slices.Contains(Sources, m.Source) {
		v.Add("source", "must be manual or one of "+strings.Join(Sources[1:], ", "))
	}
	if !finite(m.Target) {
		v.Add("target", "must be a number")
	}
	return v.Err()
}

// Validate checks a measurement's own fields.
func (ms *Measurement) Validate() error {
	var v bulwark.Validation
	if !bulwark.ValidDate(ms.Date) {
		v.Add("date", "must be a date such as 2027-01-31")
	}
	if !finite(ms.Value) {
		v.Add("value", "must be a number")
	}
	if utf8.RuneCountInString(ms.Note) > 2000 {
		v.Add("note", "must be at most 2,000 characters")
	}
	return v.Err()
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// Meets says whether value meets target in direction: at or above it for
// increase, at or below it for decrease.
func Meets(direction string, value, target float64) bool {
	if direction == DirectionDecrease {
		return value <= target
	}
	return value >= target
}

// AddPeriods returns the date n periods of frequency after day (YYYY-MM-DD):
// n months, n×3 months or n years, with Go's calendar arithmetic (31 January
// plus a month is 3 March, or 2 March in a leap year). A day that does not
// parse is returned as it is.
func AddPeriods(day, frequency string, n int) string {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return day
	}
	switch frequency {
	case FrequencyQuarterly:
		t = t.AddDate(0, 3*n, 0)
	case FrequencyYearly:
		t = t.AddDate(n, 0, 0)
	default:
		t = t.AddDate(0, n, 0)
	}
	return t.Format(time.DateOnly)
}

// Verdict is what Evaluate says of a metric.
type Verdict struct {
	Status string
	Reason string // one sentence, for people
	// NextDue is the day the next measurement is due: one period after the latest
	// one (after the metric was created, before any).
	NextDue string
	// Overdue: today is past NextDue and the deadline has not passed (after the
	// deadline no more measurements are asked for).
	Overdue bool
}

// Evaluate works out a metric's status on day today (YYYY-MM-DD in the
// organisation's time zone) from its measurements (any order), the objective's
// deadline and the day the metric was created. The rules, in order:
//
//  1. No measurement: off_track when the deadline has passed or two periods of
//     the metric's frequency have gone by since it was created; no_data before.
//  2. The latest measurement (by date) meets the target in the metric's
//     direction (Meets): achieved — unless the deadline is still ahead and that
//     measurement is older than two periods, which is off_track (not measured).
//  3. The latest measurement misses the target and the deadline has passed:
//     off_track (missed).
//  4. The latest measurement is older than two periods: off_track (not measured).
//  5. The last three measurements move away from the target — each strictly
//     lower than the one before for increase, strictly higher for decrease:
//     off_track (moving away).
//  6. Otherwise on_track.
//
// "The deadline has passed" means today is after it; "older than two periods"
// means today is after AddPeriods(its date, frequency, 2).
func Evaluate(m *Metric, ms []*Measurement, deadline, createdDay, today string) Verdict {
	sorted := slices.Clone(ms)
	slices.SortStableFunc(sorted, func(a, b *Measurement) int { return strings.Compare(a.Date, b.Date) })
	past := deadline != "" && today > deadline
	from := createdDay
	if len(sorted) > 0 {
		from = sorted[len(sorted)-1].Date
	}
	v := Verdict{NextDue: AddPeriods(from, m.Frequency, 1)}
	v.Overdue = !past && today > v.NextDue
	stale := today > AddPeriods(from, m.Frequency, 2)
	if len(sorted) == 0 {
		switch {
		case past:
			v.Status, v.Reason = StatusOffTrack, "Never measured, and the deadline "+deadline+" has passed."
		case stale:
			v.Status, v.Reason = StatusOffTrack, "Not measured in the two "+periodWord(m.Frequency)+" since it was set up."
		default:
			v.Status, v.Reason = StatusNoData, "Not measured yet; the first measurement is due by "+v.NextDue+"."
		}
		return v
	}
	latest := sorted[len(sorted)-1]
	at := fmt.Sprintf("%s on %s", formatValue(latest.Value, m.Unit), latest.Date)
	switch {
	case Meets(m.Direction, latest.Value, m.Target) && (past || !stale):
		v.Status, v.Reason = StatusAchieved, "Meets the target of "+formatValue(m.Target, m.Unit)+": "+at+"."
	case Meets(m.Direction, latest.Value, m.Target):
		v.Status, v.Reason = StatusOffTrack, "Met the target at "+at+", but not measured in the two "+periodWord(m.Frequency)+" since."
	case past:
		v.Status, v.Reason = StatusOffTrack, "Missed the target of "+formatValue(m.Target, m.Unit)+" by the deadline "+deadline+": "+at+"."
	case stale:
		v.Status, v.Reason = StatusOffTrack, "Not measured in the two "+periodWord(m.Frequency)+" since "+latest.Date+"."
	case movingAway(m.Direction, sorted):
		v.Status, v.Reason = StatusOffTrack, "Moving away from the target of "+formatValue(m.Target, m.Unit)+" over the last three measurements: "+at+"."
	default:
		v.Status, v.Reason = StatusOnTrack, "Short of the target of "+formatValue(m.Target, m.Unit)+" but not moving away from it: "+at+"."
	}
	return v
}

// movingAway says whether the last three of sorted each move strictly away from
// the better direction.
func movingAway(direction string, sorted []*Measurement) bool {
	n := len(sorted)
	if n < 3 {
		return false
	}
	a, b, c := sorted[n-3].Value, sorted[n-2].Value, sorted[n-1].Value
	if direction == DirectionDecrease {
		return a < b && b < c
	}
	return a > b && b > c
}

func periodWord(frequency string) string {
	switch frequency {
	case FrequencyQuarterly:
		return "quarters"
	case FrequencyYearly:
		return "years"
	}
	return "months"
}

// formatValue writes a value with its unit: 92.5 %, 3 days, 12.
func formatValue(v float64, unit string) string {
	s := FormatNumber(v)
	switch unit {
	case "":
		return s
	case "%":
		return s + "%"
	}
	return s + " " + unit
}

// FormatNumber writes a number without trailing zeros: 92.5, 3, 0.25.
func FormatNumber(v float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.4f", v), "0"), ".")
}

// Summarise derives an objective's status from its metrics' statuses:
// no_data without metrics or when every metric has none; achieved when every
// metric is achieved; off_track when any metric is; on_track otherwise.
func Summarise(metrics []*Metric) (status, reason string) {
	if len(metrics) == 0 {
		return StatusNoData, "No metrics yet: add one to measure this objective."
	}
	counts := map[string]int{}
	var off []string
	for _, m := range metrics {
		counts[m.Status]++
		if m.Status == StatusOffTrack {
			off = append(off, m.Ref+" "+m.Name)
		}
	}
	switch {
	case counts[StatusAchieved] == len(metrics):
		return StatusAchieved, "Every metric meets its target."
	case len(off) > 0:
		return StatusOffTrack, "Off track: " + strings.Join(off, "; ") + "."
	case counts[StatusNoData] == len(metrics):
		return StatusNoData, "No metric has been measured yet."
	}
	return StatusOnTrack, fmt.Sprintf("%d of %d metrics meet their target; none is off track.", counts[StatusAchieved], len(metrics))
}

// Counts are the figures of Bulwark's registers that computed sources read.
type Counts struct {
	ApplicableControls, ImplementedControls int      // applicable (not excluded) controls, of them implemented
	ImplementedWithoutCurrentEvidence       int      // implemented controls no current evidence proves
	TrainingAssigned, TrainingCompleted     int      // active campaigns' current cycles
	AckAsked, AckDone                       int      // acknowledgements of current major revisions
	RisksAboveCriteria                      int      // live risks above the acceptance criteria
	OpenNonconformities                     int      // nonconformities not closed
	MeanDaysToCloseNC                       *float64 // mean days from raised to closed; nil when none is closed
}

// Compute works out source's value from c. ok is false when there is nothing to
// measure (a share of nothing, such as training when none is assigned); why
// then says so.
func Compute(source string, c Counts) (value float64, ok bool, why string) {
	pct := func(n, d int, what string) (float64, bool, string) {
		if d <= 0 {
			return 0, false, "Nothing to measure yet: no " + what + "."
		}
		return math.Round(1000*float64(n)/float64(d)) / 10, true, ""
	}
	switch source {
	case SourceControlsImplementedPct:
		return pct(c.ImplementedControls, c.ApplicableControls, "applicable controls")
	case SourceEvidenceCurrentPct:
		return pct(c.ImplementedControls-c.ImplementedWithoutCurrentEvidence, c.ImplementedControls, "implemented controls")
	case SourceTrainingCompletePct:
		return pct(c.TrainingCompleted, c.TrainingAssigned, "training assigned in active campaigns")
	case SourceAcknowledgementsPct:
		return pct(c.AckDone, c.AckAsked, "acknowledgements requested")
	case SourceRisksAboveCriteria:
		return float64(c.RisksAboveCriteria), true, ""
	case SourceOpenNonconformities:
		return float64(c.OpenNonconformities), true, ""
	case SourceMeanDaysToCloseNC:
		if c.MeanDaysToCloseNC == nil {
			return 0, false, "Nothing to measure yet: no nonconformity has been closed."
		}
		return math.Round(10**c.MeanDaysToCloseNC) / 10, true, ""
	}
	return 0, false, "A manual metric is not computed: record its measurements."
}

// ObjectiveEntity declares an objective's fields: the API decodes and documents them from this one declaration.
var ObjectiveEntity = field.FromStruct("Objective", Objective{}).
	Writable("title", "description", "owner_id", "target", "deadline", "risk_ids", "control_ids", "version").
	Require("title", "deadline").Dates("deadline").OneOf("status", Statuses).
	Describe("title", "Objective", "what is to be achieved, in a line").
	Describe("target", "Target", "what success looks like, in words (the metrics hold the numbers)").
	Describe("owner_id", "Owner", "the member responsible for the objective (default: whoever creates it)").
	Describe("deadline", "Deadline", "when the objective is to be achieved").
	Describe("status", "Status", "derived from the metrics: on_track, off_track, no_data or achieved").
	Describe("status_reason", "Why", "the status in one sentence").
	Describe("metrics", "Metrics", "the objective's live metrics, each with its latest measurement and status")

// MetricEntity declares a metric's fields.
var MetricEntity = field.FromStruct("Metric", Metric{}).
	Writable("name", "unit", "direction", "target", "frequency", "source", "owner_id", "version").
	Require("name", "target").OneOf("direction", Directions).OneOf("frequency", Frequencies).OneOf("source", Sources).OneOf("status", Statuses).
	Dates("next_due").
	Shape("target", map[string]any{"type": "number", "description": "the value to reach, in the unit"}).
	Describe("name", "Metric", "what is measured").
	Describe("unit", "Unit", "the unit of the values: %, days, count …").
	Describe("direction", "Direction", "increase (higher is better) or decrease (lower is better); default increase").
	Describe("frequency", "Frequency", "how often it is measured: monthly (default), quarterly or yearly").
	Describe("source", "Source", "manual (recorded by hand or imported; the default) or a source Bulwark computes").
	Describe("owner_id", "Owner", "the member who records the measurements (default: the objective's owner)").
	Describe("next_due", "Next due", "when the next measurement is due: one period after the latest").
	Describe("overdue", "Overdue", "the next measurement is past due and the deadline has not passed").
	Shape("latest", map[string]any{"type": []string{"object", "null"}, "description": "the latest measurement, or null"})

// MeasurementEntity declares a measurement's fields.
var MeasurementEntity = field.FromStruct("Measurement", Measurement{}).
	Writable("date", "value", "note").Require("value").Dates("date").
	Shape("value", map[string]any{"type": "number", "description": "the measured value, in the metric's unit"}).
	Describe("date", "Date", "the day the value was measured (default on create: today)").
	Describe("value", "Value", "the measured value, in the metric's unit").
	Describe("note", "Note", "where the value comes from, or what explains it").
	Describe("source", "Recorded", "manual, import or computed")

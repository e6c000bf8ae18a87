package reviews

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/field"
)

// References: MR-001 for a management review, DEC-001 for a decision.
const (
	RefPrefix         = "MR"
	DecisionRefPrefix = "DEC"
)

// Review states: a draft is prepared and held; once an owner or admin approves its minutes, nothing
// in them changes (the decisions' own progress is tracked on the decisions).
const (
	StatusDraft    = "draft"
	StatusApproved = "approved"
)

// Decision states.
var DecisionStatuses = []string{"open", "in_progress", "done", "cancelled"}

// Section keys: one per input clause 9.3.2 lists, in its order.
const (
	SecPreviousActions = "previous_actions"
	SecContext         = "context_changes"
	SecParties         = "interested_parties"
	SecNonconformities = "nonconformities"
	SecMonitoring      = "monitoring"
	SecAudits          = "audit_results"
	SecObjectives      = "objectives"
	SecFeedback        = "feedback"
	SecRisks           = "risks"
	SecImprovement     = "improvement"
)

// SectionTitles are the inputs of 9.3.2 in order, each with the clause item it answers.
var SectionTitles = []struct{ Key, Title, Clause string }{
	{SecPreviousActions, "Status of actions from previous management reviews", "9.3.2 a"},
	{SecContext, "Changes in external and internal issues", "9.3.2 b"},
	{SecParties, "Changes in the needs and expectations of interested parties", "9.3.2 c"},
	{SecNonconformities, "Nonconformities and corrective actions", "9.3.2 d 1"},
	{SecMonitoring, "Monitoring and measurement results", "9.3.2 d 2"},
	{SecAudits, "Audit results", "9.3.2 d 3"},
	{SecObjectives, "Fulfilment of information security objectives", "9.3.2 d 4"},
	{SecFeedback, "Feedback from interested parties", "9.3.2 e"},
	{SecRisks, "Results of risk assessment and status of the risk treatment plan", "9.3.2 f"},
	{SecImprovement, "Opportunities for continual improvement", "9.3.2 g"},
}

// Figure is one number of a section, with what it counts.
type Figure struct {
	Label string `json:"label"`
	Value int    `json:"value"`
}

// Section is one input of a review as it stood when the inputs were taken: its figures and the records
// behind them are a snapshot, so the minutes say what management saw even after the data moves on.
type Section struct {
	Key     string    `json:"key"`
	Title   string    `json:"title"`
	Clause  string    `json:"clause"`
	TakenAt time.Time `json:"taken_at"`
	Figures []Figure  `json:"figures"`
	Items   []string  `json:"items"`
	Remark  string    `json:"remark"` // what Bulwark could not gather, in words
	Notes   string    `json:"notes"`  // the discussion, written by people
}

// Attendee is someone at the review: a member, or a named guest.
type Attendee struct {
	MemberID *string `json:"member_id"`
	Name     string  `json:"name"`
}

// Decision is what management decided, as an action with an owner and a date (9.3.3).
type Decision struct {
	ID        string    `json:"id"`
	Ref       string    `json:"ref"`
	ReviewID  string    `json:"review_id"`
	ReviewRef string    `json:"review_ref"`
	Title     string    `json:"title"`
	OwnerID   *string   `json:"owner_id"`
	DueDate   *string   `json:"due_date"`
	Status    string    `json:"status"`
	DoneOn    *string   `json:"done_on"`
	Overdue   bool      `json:"overdue"`
	Version   int       `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Review is a management review (9.3).
type Review struct {
	ID         string      `json:"id"`
	Ref        string      `json:"ref"`
	Title      string      `json:"title"`
	HeldOn     *string     `json:"held_on"`
	Status     string      `json:"status"`
	Summary    string      `json:"summary"`
	Attendees  []Attendee  `json:"attendees"`
	Sections   []Section   `json:"sections"`
	Decisions  []*Decision `json:"decisions"`
	InputsAt   time.Time   `json:"inputs_taken_at"`
	ApprovedBy *string     `json:"approved_by"`
	ApprovedAt *time.Time  `json:"approved_at"`
	Version    int         `json:"version"`
	CreatedAt  time.Time   `json:"created_at"`
	UpdatedAt  time.Time   `json:"updated_at"`
}

// ReviewEntity declares a review's fields for the API.
var ReviewEntity = field.FromStruct("ManagementReview", Review{}).
	Writable("title", "held_on", "summary", "attendees", "version").Require("title").Dates("held_on").
	Describe("held_on", "Held on", "the day management met").
	Describe("summary", "Summary", "the overall conclusion on the ISMS's suitability, adequacy and effectiveness").
	Describe("attendees", "Attendees", "members ({\"member_id\": …}) and guests ({\"name\": …})").
	Describe("sections", "Inputs", "one per input of 9.3.2, each a snapshot taken when the review was prepared, with the discussion notes").
	Describe("decisions", "Decisions", "what management decided, each an action with an owner and a due date")

// SectionNotesInput declares a change of one section's discussion notes.
var SectionNotesInput = &field.Entity{Name: "ManagementReviewNotes", Fields: []field.Field{
	{Name: "notes", Label: "Notes", Kind: field.String, Required: true, Help: "what was discussed on this input"},
}}

// DecisionEntity declares a decision's fields.
var DecisionEntity = field.FromStruct("ManagementReviewDecision", Decision{}).
	Writable("title", "owner_id", "due_date", "status", "done_on", "version").Require("title").OneOf("status", DecisionStatuses).Dates("due_date", "done_on")

// Validate checks a review's own fields.
func (r *Review) Validate() error {
	var v bulwark.Validation
	switch n := utf8.RuneCountInString(r.Title); {
	case strings.TrimSpace(r.Title) == "":
		v.Add("title", "is required")
	case n > 200:
		v.Add("title", "is too long (at most 200 characters)")
	}
	if utf8.RuneCountInString(r.Summary) > 20000 {
		v.Add("summary", "is too long (at most 20,000 characters)")
	}
	if r.HeldOn != nil && !bulwark.ValidDate(*r.HeldOn) {
		v.Add("held_on", "must be a date such as 2026-12-31")
	}
	if len(r.Attendees) > 100 {
		v.Add("attendees", "lists at most 100 people")
	}
	for _, a := range r.Attendees {
		if a.MemberID == nil && strings.TrimSpace(a.Name) == "" {
			v.Add("attendees", "each attendee is a member_id or a name")
			break
		}
	}
	return v.Err()
}

// ApprovalMissing lists what a review lacks to be approved.
func ApprovalMissing(r *Review) []string {
	var out []string
	if r.HeldOn == nil {
		out = append(out, "the day it was held")
	}
	if len(r.Attendees) == 0 {
		out = append(out, "its attendees")
	}
	if len(r.Sections) < len(SectionTitles) {
		out = append(out, fmt.Sprintf("all %d inputs of 9.3.2 (it has %d)", len(SectionTitles), len(r.Sections)))
	}
	return out
}

// Inputs is what the registers say when a review is prepared, gathered by the service.
type Inputs struct {
	TakenAt time.Time
	Since   string // the previous approved review's day ("" for the first review)
	// Decisions of earlier reviews: those not settled, and every one of the previous review.
	PreviousDecisions []*Decision
	// Nonconformities.
	NCOpen, NCClosedSince, NCPastDue, NCActionsOverdue int
	NCOpenList                                         []string // the open ones, then those closed in the period
	// Monitoring: automated checks by status, and metrics measured.
	ChecksPassing, ChecksFailing, ChecksError, MetricsMeasured int
	FailingChecks                                              []string
	// Audits held since the previous review (or in the last 12 months) and their findings.
	Audits                                                 []string
	FindingsMajor, FindingsMinor, FindingsObs, FindingsOFI int
	// Objectives by status, and those off track.
	Objectives, ObjOnTrack, ObjOffTrack, ObjAchieved, ObjNoData int
	OffTrack                                                    []string
	// Feedback: incidents and events reported since the previous review.
	IncidentReports int
	// Context (9.3.2 b, c): live issues and those due for review, interested parties, and what changed in the period.
	ContextIssues, ContextReviewDue, Parties int
	ContextChanged, PartiesChanged           []string
	// Risks.
	RiskLevels                                                  []string
	RiskByLevel                                                 map[string]int
	Risks, RisksAbove, TreatmentOverdue, RisksNew, RisksChanged int
	// Improvement: observations and opportunities raised since the previous review.
	Improvements []string
}

// BuildSections turns the gathered inputs into the review's sections, one per input of 9.3.2.
func BuildSections(in Inputs) []Section {
	since := "since the previous review"
	if in.Since == "" {
		since = "in the last 12 months"
	}
	sec := func(key string) Section {
		for _, t := range SectionTitles {
			if t.Key == key {
				return Section{Key: key, Title: t.Title, Clause: t.Clause, TakenAt: in.TakenAt, Figures: []Figure{}, Items: []string{}}
			}
		}
		return Section{Key: key, Title: key, TakenAt: in.TakenAt, Figures: []Figure{}, Items: []string{}}
	}
	var out []Section

	s := sec(SecPreviousActions)
	done, open := 0, 0
	for _, d := range in.PreviousDecisions {
		line := d.Ref + " " + d.Title + " (" + d.ReviewRef + "): " + strings.ReplaceAll(d.Status, "_", " ")
		if d.Overdue {
			line += ", overdue since " + bulwark.Value(d.DueDate)
		}
		s.Items = append(s.Items, line)
		if d.Status == "done" || d.Status == "cancelled" {
			done++
		} else {
			open++
		}
	}
	s.Figures = append(s.Figures, Figure{"Decisions settled", done}, Figure{"Decisions still open", open})
	if len(in.PreviousDecisions) == 0 {
		s.Remark = "No earlier management review recorded decisions."
	}
	out = append(out, s)

	s = sec(SecContext)
	s.Figures = append(s.Figures, Figure{"Issues recorded", in.ContextIssues}, Figure{"Changed " + since, len(in.ContextChanged)}, Figure{"Due for review", in.ContextReviewDue})
	s.Items = append(s.Items, in.ContextChanged...)
	if in.ContextIssues == 0 {
		s.Remark = "No internal or external issue is recorded (4.1): record those discussed, then the changes appear here."
	}
	out = append(out, s)
	s = sec(SecParties)
	s.Figures = append(s.Figures, Figure{"Interested parties", in.Parties}, Figure{"Changed " + since, len(in.PartiesChanged)})
	s.Items = append(s.Items, in.PartiesChanged...)
	if in.Parties == 0 {
		s.Remark = "No interested party is recorded (4.2): record those discussed, then the changes appear here."
	}
	out = append(out, s)

	s = sec(SecNonconformities)
	s.Figures = append(s.Figures, Figure{"Open", in.NCOpen}, Figure{"Closed " + since, in.NCClosedSince}, Figure{"Open past their due date without a reason", in.NCPastDue},
		Figure{"Corrective actions overdue", in.NCActionsOverdue})
	s.Items = append(s.Items, in.NCOpenList...)
	out = append(out, s)

	s = sec(SecMonitoring)
	s.Figures = append(s.Figures, Figure{"Automated checks passing", in.ChecksPassing}, Figure{"Automated checks failing", in.ChecksFailing},
		Figure{"Automated checks in error", in.ChecksError}, Figure{"Metrics with measurements", in.MetricsMeasured})
	s.Items = append(s.Items, in.FailingChecks...)
	out = append(out, s)

	s = sec(SecAudits)
	s.Figures = append(s.Figures, Figure{"Audits held " + since, len(in.Audits)}, Figure{"Major nonconformities", in.FindingsMajor}, Figure{"Minor nonconformities", in.FindingsMinor},
		Figure{"Observations", in.FindingsObs}, Figure{"Opportunities for improvement", in.FindingsOFI})
	s.Items = append(s.Items, in.Audits...)
	out = append(out, s)

	s = sec(SecObjectives)
	s.Figures = append(s.Figures, Figure{"Objectives", in.Objectives}, Figure{"On track", in.ObjOnTrack}, Figure{"Off track", in.ObjOffTrack},
		Figure{"Achieved", in.ObjAchieved}, Figure{"Not measured yet", in.ObjNoData})
	s.Items = append(s.Items, in.OffTrack...)
	out = append(out, s)

	s = sec(SecFeedback)
	s.Figures = append(s.Figures, Figure{"Security events and weaknesses reported " + since, in.IncidentReports})
	s.Remark = "Add feedback from clients, regulators, suppliers and staff in the notes."
	out = append(out, s)

	s = sec(SecRisks)
	s.Figures = append(s.Figures, Figure{"Live risks", in.Risks})
	for _, l := range in.RiskLevels {
		s.Figures = append(s.Figures, Figure{"Level " + l, in.RiskByLevel[l]})
	}
	if n := in.RiskByLevel[""]; n > 0 {
		s.Figures = append(s.Figures, Figure{"Not scored", n})
	}
	s.Figures = append(s.Figures, Figure{"Above the acceptance criteria", in.RisksAbove}, Figure{"Treatment actions overdue", in.TreatmentOverdue},
		Figure{"Risks added " + since, in.RisksNew}, Figure{"Risks changed " + since, in.RisksChanged})
	out = append(out, s)

	s = sec(SecImprovement)
	s.Figures = append(s.Figures, Figure{"Observations and opportunities raised " + since, len(in.Improvements)})
	s.Items = append(s.Items, in.Improvements...)
	out = append(out, s)
	return out
}

// Figure returns the value of the figure labelled label in s (and whether there is one).
func (s Section) Figure(label string) (int, bool) {
	for _, f := range s.Figures {
		if f.Label == label {
			return f.Value, true
		}
	}
	return 0, false
}

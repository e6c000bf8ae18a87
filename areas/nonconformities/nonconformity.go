package nonconformities

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/field"
)

// References: NC-001 for a nonconformity, ACT-001 for a corrective action.
const (
	RefPrefix       = "NC"
	ActionRefPrefix = "ACT"
)

// The states of a nonconformity, in order. A nonconformity moves forward when what
// the next state needs is recorded; it goes back only when an effectiveness review
// finds the actions did not work (to analysed) or when a closed one is reopened.
const (
	StatusOpen        = "open"         // raised; a correction may be recorded at once
	StatusAnalysed    = "analysed"     // the root cause is known
	StatusActionsDone = "actions_done" // every corrective action is done (or none is needed, with the reason)
	StatusVerified    = "verified"     // an effectiveness review found the actions worked
	StatusClosed      = "closed"
)

// Statuses lists the states in order.
var Statuses = []string{StatusOpen, StatusAnalysed, StatusActionsDone, StatusVerified, StatusClosed}

// Severities: a major nonconformity puts certification at risk (a requirement not met at all, or a
// systemic failure); a minor one is a single lapse.
var Severities = []string{"major", "minor"}

// Sources say where a nonconformity was found.
var Sources = []string{"audit", "incident", "check", "review", "complaint", "other"}

// Root-cause methods: five whys keeps the chain of answers; fishbone keeps a cause per category.
const (
	MethodFiveWhys = "five_whys"
	MethodFishbone = "fishbone"
	MethodOther    = "other"
)

// Methods lists the root-cause methods.
var Methods = []string{MethodFiveWhys, MethodFishbone, MethodOther}

// FishboneCategories are the bones of an information-security fishbone diagram.
var FishboneCategories = []string{"people", "process", "technology", "suppliers", "environment", "management"}

// Corrective action states.
const (
	ActionOpen       = "open"
	ActionInProgress = "in_progress"
	ActionDone       = "done"
	ActionCancelled  = "cancelled"
)

// ActionStatuses lists the corrective action states.
var ActionStatuses = []string{ActionOpen, ActionInProgress, ActionDone, ActionCancelled}

// Review results.
const (
	ReviewEffective   = "effective"
	ReviewIneffective = "ineffective"
)

// Nonconformity is a requirement not met, with what was done about it (10.2).
type Nonconformity struct {
	ID                string            `json:"id"`
	Ref               string            `json:"ref"`
	Title             string            `json:"title"`
	Description       string            `json:"description"`
	Severity          string            `json:"severity"`
	Source            string            `json:"source"`
	SourceRef         string            `json:"source_ref"`
	RequirementID     *string           `json:"requirement_id"`
	ControlID         *string           `json:"control_id"`
	OwnerID           *string           `json:"owner_id"`
	RaisedBy          *string           `json:"raised_by"`
	RaisedOn          string            `json:"raised_on"`
	DueDate           *string           `json:"due_date"`
	DelayReason       string            `json:"delay_reason"`
	Status            string            `json:"status"`
	Correction        string            `json:"correction"`
	CorrectionDate    *string           `json:"correction_date"`
	RootCauseMethod   string            `json:"root_cause_method"`
	RootCauseWhys     []string          `json:"root_cause_whys"`
	RootCauseFishbone map[string]string `json:"root_cause_fishbone"`
	RootCause         string            `json:"root_cause"`
	OccursElsewhere   string            `json:"occurs_elsewhere"`
	NoActionReason    string            `json:"no_action_reason"`
	Actions           []*Action         `json:"actions"`
	Reviews           []Review          `json:"reviews"`
	Overdue           bool              `json:"overdue"`
	ClosedAt          *time.Time        `json:"closed_at"`
	ClosedBy          *string           `json:"closed_by"`
	Version           int               `json:"version"`
	CreatedAt         time.Time         `json:"created_at"`
	UpdatedAt         time.Time         `json:"updated_at"`
}

// Action is a corrective action: it removes a cause so the nonconformity does not recur.
type Action struct {
	ID               string    `json:"id"`
	Ref              string    `json:"ref"`
	NonconformityID  string    `json:"nonconformity_id"`
	NonconformityRef string    `json:"nonconformity_ref"`
	Title            string    `json:"title"`
	Description      string    `json:"description"`
	OwnerID          *string   `json:"owner_id"`
	DueDate          *string   `json:"due_date"`
	Status           string    `json:"status"`
	DoneOn           *string   `json:"done_on"`
	Overdue          bool      `json:"overdue"`
	Version          int       `json:"version"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
}

// Review is an effectiveness review: did the actions remove the cause?
type Review struct {
	N          int       `json:"n"`
	ReviewedOn string    `json:"reviewed_on"`
	ReviewerID *string   `json:"reviewer_id"`
	Result     string    `json:"result"`
	Notes      string    `json:"notes"`
	CreatedAt  time.Time `json:"created_at"`
}

// NonconformityEntity declares a nonconformity's fields for the API.
var NonconformityEntity = field.FromStruct("Nonconformity", Nonconformity{}).
	Writable("title", "description", "severity", "source", "source_ref", "requirement_id", "control_id", "owner_id", "raised_on", "due_date",
		"delay_reason", "correction", "correction_date", "root_cause_method", "root_cause_whys", "root_cause_fishbone", "root_cause",
		"occurs_elsewhere", "no_action_reason", "version").
	Require("title", "severity").
	OneOf("severity", Severities).OneOf("source", Sources).OneOf("status", Statuses).
	Dates("raised_on", "due_date", "correction_date").
	Describe("severity", "Severity", "major (a requirement not met at all, or a systemic failure) or minor (a single lapse)").
	Describe("source", "Source", "where it was found: audit, incident, check, review, complaint or other").
	Describe("source_ref", "Found in", "the reference of what it came from, such as F-003 or INC-012").
	Describe("correction", "Correction", "what was done at once to contain it, before any root cause is known").
	Describe("root_cause_method", "Root-cause method", "five_whys, fishbone or other").
	Describe("root_cause_whys", "Five whys", "each answer to \"why?\", in order, for five_whys").
	Describe("root_cause_fishbone", "Fishbone", "a contributing cause per category (people, process, technology, suppliers, environment, management), for fishbone").
	Describe("root_cause", "Root cause", "the cause the corrective actions remove").
	Describe("occurs_elsewhere", "Could it occur elsewhere?", "where else the same cause could produce the same nonconformity, and what was checked").
	Describe("no_action_reason", "Why no action", "why no corrective action is needed, when none is").
	Describe("due_date", "Due", "when it should be closed; past it, an open nonconformity needs a delay reason").
	Describe("delay_reason", "Delay reason", "why it is still open past its due date").
	Describe("overdue", "Overdue", "open past its due date with no delay reason recorded").
	Shape("root_cause_fishbone", map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "string"}})

// ActionEntity declares a corrective action's fields.
var ActionEntity = field.FromStruct("CorrectiveAction", Action{}).
	Writable("title", "description", "owner_id", "due_date", "status", "done_on", "version").
	Require("title").OneOf("status", ActionStatuses).Dates("due_date", "done_on")

// ReviewEntity declares an effectiveness review.
var ReviewEntity = field.FromStruct("EffectivenessReview", Review{}).
	Writable("reviewed_on", "reviewer_id", "result", "notes").Require("result").
	OneOf("result", []string{ReviewEffective, ReviewIneffective}).Dates("reviewed_on").
	Describe("result", "Result", "effective verifies the nonconformity; ineffective sends it back to analysed for new actions")

// StatusInput is a move of a nonconformity's state.
var StatusInput = &field.Entity{Name: "NonconformityStatus", Fields: []field.Field{
	{Name: "status", Label: "Status", Kind: field.String, Required: true, Enum: Statuses, Help: "the state to move to: forward when what it needs is recorded, or analysed to reopen a closed one"},
	{Name: "reason", Label: "Reason", Kind: field.String, Help: "why a closed nonconformity is reopened"},
}}

// Validate checks a nonconformity's own fields.
func (n *Nonconformity) Validate() error {
	var v bulwark.Validation
	text(&v, "title", n.Title, 200, true)
	text(&v, "description", n.Description, 20000, false)
	for name, s := range map[string]string{"correction": n.Correction, "root_cause": n.RootCause, "occurs_elsewhere": n.OccursElsewhere,
		"no_action_reason": n.NoActionReason, "delay_reason": n.DelayReason} {
		text(&v, name, s, 10000, false)
	}
	oneOf(&v, "severity", n.Severity, Severities)
	oneOf(&v, "source", n.Source, Sources)
	if n.RootCauseMethod != "" {
		oneOf(&v, "root_cause_method", n.RootCauseMethod, Methods)
	}
	if len(n.RootCauseWhys) > 10 {
		v.Add("root_cause_whys", "holds at most 10 answers")
	}
	for _, w := range n.RootCauseWhys {
		if utf8.RuneCountInString(w) > 2000 {
			v.Add("root_cause_whys", "each answer is at most 2,000 characters")
			break
		}
	}
	for k, c := range n.RootCauseFishbone {
		if !contains(FishboneCategories, k) {
			v.Add("root_cause_fishbone", "categories are "+strings.Join(FishboneCategories, ", "))
			break
		}
		if utf8.RuneCountInString(c) > 2000 {
			v.Add("root_cause_fishbone", "each cause is at most 2,000 characters")
			break
		}
	}
	dates(&v, map[string]*string{"raised_on": &n.RaisedOn, "due_date": n.DueDate, "correction_date": n.CorrectionDate})
	return v.Err()
}

// Validate checks a corrective action's own fields.
func (a *Action) Validate() error {
	var v bulwark.Validation
	text(&v, "title", a.Title, 200, true)
	text(&v, "description", a.Description, 20000, false)
	oneOf(&v, "status", a.Status, ActionStatuses)
	dates(&v, map[string]*string{"due_date": a.DueDate, "done_on": a.DoneOn})
	return v.Err()
}

// Missing lists what a nonconformity lacks to reach state to, in words (none: it may).
// Closing needs all three of 10.2: a root cause, corrective actions done (or a
// recorded reason none are needed), and an effectiveness review that found them effective.
func Missing(n *Nonconformity, to string) []string {
	var out []string
	need := index(to)
	if need >= index(StatusAnalysed) {
		switch {
		case n.RootCauseMethod == "" && strings.TrimSpace(n.RootCause) == "":
			out = append(out, "a root-cause analysis (method and cause)")
		case n.RootCauseMethod == "":
			out = append(out, "the root-cause method (five whys, fishbone or other)")
		case strings.TrimSpace(n.RootCause) == "":
			out = append(out, "the root cause")
		case n.RootCauseMethod == MethodFiveWhys && nonEmpty(n.RootCauseWhys) == 0:
			out = append(out, "at least one answer of the five whys")
		case n.RootCauseMethod == MethodFishbone && nonEmptyMap(n.RootCauseFishbone) == 0:
			out = append(out, "at least one cause on the fishbone")
		}
	}
	if need >= index(StatusActionsDone) {
		done, pending := 0, 0
		for _, a := range n.Actions {
			switch a.Status {
			case ActionDone:
				done++
			case ActionOpen, ActionInProgress:
				pending++
			}
		}
		switch {
		case done == 0 && pending == 0 && strings.TrimSpace(n.NoActionReason) == "":
			out = append(out, "corrective actions (or a recorded reason none are needed)")
		case pending > 0:
			out = append(out, bulwark.Plural(pending, "corrective action")+" not done yet")
		}
	}
	if need >= index(StatusVerified) {
		if last := n.LastReview(); last == nil || last.Result != ReviewEffective {
			out = append(out, "an effectiveness review that found the actions effective")
		}
	}
	return out
}

// CanMove says whether n may move from its state to to, and if not why (a 422 naming what is missing).
func CanMove(n *Nonconformity, to string, reason string) error {
	if !contains(Statuses, to) {
		return bulwark.Invalid("status", "must be one of "+strings.Join(Statuses, ", "))
	}
	from := n.Status
	switch {
	case to == from:
		return bulwark.Invalid("status", n.Ref+" is already "+to)
	case from == StatusClosed && to == StatusAnalysed:
		if strings.TrimSpace(reason) == "" {
			return bulwark.Invalid("reason", "is required to reopen a closed nonconformity")
		}
		return nil
	case from == StatusClosed:
		return bulwark.Invalid("status", n.Ref+" is closed: reopen it (to analysed, with a reason) first")
	case index(to) < index(from):
		return bulwark.Invalid("status", "a nonconformity goes back only when an effectiveness review finds the actions ineffective")
	case to == StatusVerified:
		return bulwark.Invalid("status", "becomes verified by recording an effective review (POST …/reviews)")
	}
	if m := Missing(n, to); len(m) > 0 {
		state := to
		if to == StatusActionsDone {
			state = "marked actions done"
		}
		return bulwark.Invalid("status", "cannot be "+state+" without "+strings.Join(m, "; "))
	}
	return nil
}

// AfterReview is the state an effectiveness review with result leaves n in: verified
// when effective, back to analysed (new actions needed) when not.
func AfterReview(n *Nonconformity, result string) (string, error) {
	if n.Status != StatusActionsDone && n.Status != StatusVerified {
		return "", bulwark.Invalid("result", "an effectiveness review follows the corrective actions: "+n.Ref+" is "+n.Status)
	}
	if result == ReviewEffective {
		return StatusVerified, nil
	}
	return StatusAnalysed, nil
}

// LastReview is n's latest effectiveness review, nil when none.
func (n *Nonconformity) LastReview() *Review {
	if len(n.Reviews) == 0 {
		return nil
	}
	return &n.Reviews[len(n.Reviews)-1]
}

// Mark sets what follows from today (YYYY-MM-DD in the organisation's time zone).
func (n *Nonconformity) Mark(today string) {
	n.Overdue = n.Status != StatusClosed && n.DueDate != nil && *n.DueDate < today && strings.TrimSpace(n.DelayReason) == ""
	for _, a := range n.Actions {
		a.Mark(today)
	}
}

// Mark sets whether a is overdue on today.
func (a *Action) Mark(today string) {
	a.Overdue = (a.Status == ActionOpen || a.Status == ActionInProgress) && a.DueDate != nil && *a.DueDate < today
}

func index(status string) int {
	for i, s := range Statuses {
		if s == status {
			return i
		}
	}
	return -1
}

func text(v *bulwark.Validation, name, s string, max int, required bool) {
	switch {
	case required && strings.TrimSpace(s) == "":
		v.Add(name, "is required")
	case utf8.RuneCountInString(s) > max:
		v.Add(name, fmt.Sprintf("is too long (at most %d characters)", max))
	}
}

func oneOf(v *bulwark.Validation, name, s string, values []string) {
	if !contains(values, s) {
		v.Add(name, "must be one of "+strings.Join(values, ", "))
	}
}

func dates(v *bulwark.Validation, ds map[string]*string) {
	for name, d := range ds {
		if d != nil && !bulwark.ValidDate(*d) {
			v.Add(name, "must be a date such as 2026-12-31")
		}
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func nonEmpty(ss []string) int {
	n := 0
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			n++
		}
	}
	return n
}

func nonEmptyMap(m map[string]string) int {
	n := 0
	for _, s := range m {
		if strings.TrimSpace(s) != "" {
			n++
		}
	}
	return n
}

// addDays returns the date n days after day (YYYY-MM-DD).
func addDays(day string, n int) string {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return day
	}
	return t.AddDate(0, 0, n).Format(time.DateOnly)
}

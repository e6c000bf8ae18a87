package audits

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/field"
)

// References: AUD-001 for an audit, F-001 for a finding.
const (
	RefPrefix        = "AUD"
	FindingRefPrefix = "F"
)

// Types of audit: first-party (internal), the certification body's two stages and
// its yearly surveillance, and audits of a supplier.
var Types = []string{"internal", "external_stage1", "external_stage2", "surveillance", "supplier"}

// Audit states. The team records results and findings only while the audit is in
// progress or reporting.
const (
	StatusPlanned    = "planned"
	StatusInProgress = "in_progress"
	StatusReporting  = "reporting"
	StatusClosed     = "closed"
)

// Statuses lists the audit states in order.
var Statuses = []string{StatusPlanned, StatusInProgress, StatusReporting, StatusClosed}

// Checklist results.
const (
	ResultConforming    = "conforming"
	ResultNonconforming = "nonconforming"
	ResultObservation   = "observation"
	ResultNotAudited    = "not_audited"
)

// Results lists the checklist results.
var Results = []string{ResultConforming, ResultNonconforming, ResultObservation, ResultNotAudited}

// Finding classifications: a major or minor nonconformity opens a nonconformity;
// an observation or an opportunity for improvement does not.
var Classifications = []string{"major_nc", "minor_nc", "observation", "ofi"}

// OpensNonconformity says whether a finding of classification c opens a nonconformity, and its severity.
func OpensNonconformity(c string) (severity string, ok bool) {
	switch c {
	case "major_nc":
		return "major", true
	case "minor_nc":
		return "minor", true
	}
	return "", false
}

// Audit is one audit of the programme (9.2).
type Audit struct {
	ID             string     `json:"id"`
	Ref            string     `json:"ref"`
	Title          string     `json:"title"`
	Type           string     `json:"type"`
	Criteria       string     `json:"criteria"`
	FrameworkIDs   []string   `json:"framework_ids"`
	Scope          string     `json:"scope"`
	RequirementIDs []string   `json:"requirement_ids"`
	ControlIDs     []string   `json:"control_ids"`
	PlannedStart   *string    `json:"planned_start"`
	PlannedEnd     *string    `json:"planned_end"`
	ActualStart    *string    `json:"actual_start"`
	ActualEnd      *string    `json:"actual_end"`
	LeadID         *string    `json:"lead_id"`
	LeadExternal   string     `json:"lead_external"`
	TeamIDs        []string   `json:"team_ids"`
	TeamExternal   []string   `json:"team_external"`
	Status         string     `json:"status"`
	Conclusion     string     `json:"conclusion"`
	Progress       Progress   `json:"progress"`
	Findings       int        `json:"findings"`
	Version        int        `json:"version"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
	Checklist      []*Line    `json:"checklist,omitempty"`
	FindingList    []*Finding `json:"finding_list,omitempty"`
}

// Progress counts an audit's checklist by result.
type Progress struct {
	Lines         int `json:"lines"`
	Audited       int `json:"audited"`
	Conforming    int `json:"conforming"`
	Nonconforming int `json:"nonconforming"`
	Observations  int `json:"observations"`
	Percent       int `json:"percent"`
}

// Line is one line of an audit's checklist: a requirement or control in scope, the
// question to ask, the records to sample, and what the auditor found.
type Line struct {
	Line          int        `json:"line"`
	RequirementID *string    `json:"requirement_id"`
	ControlID     *string    `json:"control_id"`
	Label         string     `json:"label"`
	Question      string     `json:"question"`
	Records       string     `json:"records"`
	Result        string     `json:"result"`
	Notes         string     `json:"notes"`
	EvidenceIDs   []string   `json:"evidence_ids"`
	AuditedBy     *string    `json:"audited_by"`
	AuditedAt     *time.Time `json:"audited_at"`
}

// Finding is what an audit (or anyone, from an incident or a failing check) found.
type Finding struct {
	ID               string    `json:"id"`
	Ref              string    `json:"ref"`
	AuditID          *string   `json:"audit_id"`
	AuditRef         string    `json:"audit_ref"`
	ChecklistLine    *int      `json:"checklist_line"`
	Classification   string    `json:"classification"`
	Title            string    `json:"title"`
	Description      string    `json:"description"`
	RequirementID    *string   `json:"requirement_id"`
	ControlID        *string   `json:"control_id"`
	EvidenceSeen     string    `json:"evidence_seen"`
	RaisedBy         *string   `json:"raised_by"`
	RaisedOn         string    `json:"raised_on"`
	IncidentID       *string   `json:"incident_id"`
	CheckID          *string   `json:"check_id"`
	NonconformityID  *string   `json:"nonconformity_id"`
	NonconformityRef string    `json:"nonconformity_ref"`
	Version          int       `json:"version"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
}

// AuditEntity declares an audit's fields for the API.
var AuditEntity = field.FromStruct("Audit", Audit{}).
	Writable("title", "type", "criteria", "framework_ids", "scope", "requirement_ids", "control_ids", "planned_start", "planned_end",
		"actual_start", "actual_end", "lead_id", "lead_external", "team_ids", "team_external", "status", "conclusion", "version").
	Require("title", "type").OneOf("type", Types).OneOf("status", Statuses).
	Dates("planned_start", "planned_end", "actual_start", "actual_end").
	Describe("criteria", "Criteria", "what the audit checks against, in words (the frameworks are in framework_ids)").
	Describe("framework_ids", "Frameworks", "the frameworks whose requirements are the criteria, such as iso27001-2022").
	Describe("scope", "Scope", "processes, sites and systems audited, in words").
	Describe("requirement_ids", "Requirements in scope", "clauses (a heading such as iso27001-2022:9 takes its sub-clauses) and Annex A controls; the checklist has one line for each").
	Describe("control_ids", "Controls in scope", "the organisation's own controls to audit besides the requirements").
	Describe("lead_id", "Lead auditor", "a member; or name an external lead in lead_external").
	Describe("team_ids", "Team", "members who audit with the lead; they record results and findings while the audit runs").
	Describe("team_external", "External auditors", "names of auditors from outside the organisation").
	Describe("status", "Status", "planned, in_progress, reporting or closed; the team records results only in progress or reporting")

// LineEntity declares a checklist line's fields.
var LineEntity = field.FromStruct("ChecklistLine", Line{}).Writable("result", "notes", "evidence_ids").Require("result").OneOf("result", Results)

// FindingEntity declares a finding's fields.
var FindingEntity = field.FromStruct("Finding", Finding{}).
	Writable("audit_id", "checklist_line", "classification", "title", "description", "requirement_id", "control_id", "evidence_seen", "raised_on",
		"incident_id", "check_id", "version").
	Require("title", "classification").OneOf("classification", Classifications).Dates("raised_on").
	Describe("classification", "Classification", "major_nc or minor_nc (each opens a nonconformity), observation, or ofi (an opportunity for improvement)").
	Describe("evidence_seen", "Evidence seen", "what the auditor looked at: records, interviews, systems").
	Describe("checklist_line", "Checklist line", "the line of the audit's checklist it comes from")

// Validate checks an audit's own fields.
func (a *Audit) Validate() error {
	var v bulwark.Validation
	text(&v, "title", a.Title, 200, true)
	text(&v, "criteria", a.Criteria, 5000, false)
	text(&v, "scope", a.Scope, 20000, false)
	text(&v, "conclusion", a.Conclusion, 20000, false)
	text(&v, "lead_external", a.LeadExternal, 200, false)
	if !slices.Contains(Types, a.Type) {
		v.Add("type", "must be one of "+strings.Join(Types, ", "))
	}
	if !slices.Contains(Statuses, a.Status) {
		v.Add("status", "must be one of "+strings.Join(Statuses, ", "))
	}
	for _, d := range []struct {
		name string
		v    *string
	}{{"planned_start", a.PlannedStart}, {"planned_end", a.PlannedEnd}, {"actual_start", a.ActualStart}, {"actual_end", a.ActualEnd}} {
		if d.v != nil && !bulwark.ValidDate(*d.v) {
			v.Add(d.name, "must be a date such as 2026-12-31")
		}
	}
	if a.PlannedStart != nil && a.PlannedEnd != nil && *a.PlannedEnd < *a.PlannedStart {
		v.Add("planned_end", "must not be before the planned start")
	}
	if a.ActualStart != nil && a.ActualEnd != nil && *a.ActualEnd < *a.ActualStart {
		v.Add("actual_end", "must not be before the actual start")
	}
	if len(a.TeamExternal) > 20 {
		v.Add("team_external", "names at most 20 external auditors")
	}
	return v.Err()
}

// CanMove says whether an audit may go from its status to to: forward one step at a time, or
// back from reporting to in progress when more auditing is needed. A closed audit stays closed.
func CanMove(from, to string) error {
	if from == to {
		return nil
	}
	i, j := slices.Index(Statuses, from), slices.Index(Statuses, to)
	switch {
	case j < 0:
		return bulwark.Invalid("status", "must be one of "+strings.Join(Statuses, ", "))
	case from == StatusClosed:
		return bulwark.Invalid("status", "a closed audit stays closed; plan a follow-up audit instead")
	case j == i+1, from == StatusReporting && to == StatusInProgress:
		return nil
	}
	return bulwark.Invalid("status", fmt.Sprintf("goes from %s to %s one step at a time", from, Statuses[min(i+1, len(Statuses)-1)]))
}

// Recording says whether the team may record results and findings in an audit of status s.
func Recording(s string) bool { return s == StatusInProgress || s == StatusReporting }

// OnTeam says whether member id is the audit's lead or in its team.
func (a *Audit) OnTeam(id string) bool {
	return id != "" && (a.LeadID != nil && *a.LeadID == id || slices.Contains(a.TeamIDs, id))
}

// Validate checks a finding's own fields.
func (f *Finding) Validate() error {
	var v bulwark.Validation
	text(&v, "title", f.Title, 200, true)
	text(&v, "description", f.Description, 20000, false)
	text(&v, "evidence_seen", f.EvidenceSeen, 20000, false)
	if !slices.Contains(Classifications, f.Classification) {
		v.Add("classification", "must be one of "+strings.Join(Classifications, ", "))
	}
	if !bulwark.ValidDate(f.RaisedOn) {
		v.Add("raised_on", "must be a date such as 2026-12-31")
	}
	return v.Err()
}

// Requirement is a catalog requirement, as checklists and the programme need it.
type Requirement struct {
	ID, Framework, Ref, Title, Kind, ParentRef string
	Guidance                                   string
	Evidence                                   []string
}

// ControlInfo is one of the organisation's controls, as checklists need it.
type ControlInfo struct {
	ID, Ref, Title, RequirementID string
	OwnerID                       *string
}

// BuildChecklist gives one line per requirement in scope — a clause heading stands for each
// of its sub-clauses that has none of its own — and one per control in scope that no requirement
// line already covers. catalog is every requirement in catalog order; controls the organisation's.
func BuildChecklist(catalog []Requirement, scope []string, controls []ControlInfo, scopeControls []string) []*Line {
	inScope := map[string]bool{}
	for _, id := range scope {
		inScope[id] = true
	}
	hasChildren := map[string]bool{}
	for _, r := range catalog {
		if r.ParentRef != "" {
			hasChildren[r.Framework+":"+r.ParentRef] = true
		}
	}
	// A requirement is in scope when it, or one of its ancestors, is named.
	covered := func(r Requirement) bool {
		ref := r.Ref
		for {
			if inScope[r.Framework+":"+ref] {
				return true
			}
			i := strings.LastIndex(ref, ".")
			if i < 0 {
				return false
			}
			ref = ref[:i]
		}
	}
	byRequirement := map[string]ControlInfo{}
	for _, c := range controls {
		if c.RequirementID != "" {
			if _, seen := byRequirement[c.RequirementID]; !seen {
				byRequirement[c.RequirementID] = c
			}
		}
	}
	var out []*Line
	seenControl := map[string]bool{}
	for _, r := range catalog {
		if hasChildren[r.ID] || !covered(r) {
			continue
		}
		id := r.ID
		l := &Line{Line: len(out) + 1, RequirementID: &id, Label: r.Ref + " " + r.Title, Result: ResultNotAudited, EvidenceIDs: []string{}}
		switch {
		case r.Kind == "clause":
			q := ClauseQuestions[r.Ref]
			l.Question, l.Records = q.Question, q.Records
		case r.Kind == "control":
			l.Question = "Is \"" + r.Title + "\" in place, and does it work as described? " + firstSentence(r.Guidance)
			l.Records = strings.Join(r.Evidence, "; ")
		}
		if l.Question == "" {
			l.Question = "How does the organisation meet " + r.Ref + " (" + r.Title + "), and what shows it works?"
		}
		if c, ok := byRequirement[r.ID]; ok {
			cid := c.ID
			l.ControlID = &cid
			seenControl[c.ID] = true
		}
		out = append(out, l)
	}
	for _, c := range controls {
		if !slices.Contains(scopeControls, c.ID) || seenControl[c.ID] {
			continue
		}
		cid := c.ID
		out = append(out, &Line{Line: len(out) + 1, ControlID: &cid, Label: c.Ref + " " + c.Title, Result: ResultNotAudited, EvidenceIDs: []string{},
			Question: "Is \"" + c.Title + "\" in place, and does it work as the organisation describes it?", Records: "the control's implementation notes and linked evidence"})
		seenControl[c.ID] = true
	}
	return out
}

// ProgressOf counts a checklist.
func ProgressOf(lines []*Line) Progress {
	p := Progress{Lines: len(lines)}
	for _, l := range lines {
		switch l.Result {
		case ResultConforming:
			p.Conforming++
		case ResultNonconforming:
			p.Nonconforming++
		case ResultObservation:
			p.Observations++
		}
	}
	p.Audited = p.Conforming + p.Nonconforming + p.Observations
	if p.Lines > 0 {
		p.Percent = p.Audited * 100 / p.Lines
	}
	return p
}

// Conflict is a reason a member cannot audit a line objectively: they own the control, or
// authored a document linked to what is audited.
type Conflict struct {
	MemberID, What string
}

func firstSentence(s string) string {
	if i := strings.Index(s, ". "); i > 0 {
		return s[:i+1]
	}
	return s
}

func text(v *bulwark.Validation, name, s string, max int, required bool) {
	switch {
	case required && strings.TrimSpace(s) == "":
		v.Add(name, "is required")
	case utf8.RuneCountInString(s) > max:
		v.Add(name, fmt.Sprintf("is too long (at most %d characters)", max))
	}
}

// ProgrammeYears is the length of the audit cycle: every clause should be audited within it.
const ProgrammeYears = 3

// Programme is a year's audits and what they cover, with the clauses no audit of the cycle covers.
type Programme struct {
	Year   int      `json:"year"`
	Audits []*Audit `json:"audits"`
	// Clauses covered this year and in the cycle (this year and the two before), by ref.
	ClausesCovered  []string `json:"clauses_covered"`
	ControlsCovered []string `json:"controls_covered"`
	// Uncovered are the clauses (4–10, those without sub-clauses) no audit of the cycle covers.
	Uncovered []string `json:"uncovered_in_cycle"`
	CycleFrom int      `json:"cycle_from"`
}

// Coverage works out which ISO/IEC 27001 clauses and Annex A controls a set of audits covers,
// by the same rule as the checklist: a heading stands for its sub-clauses.
func Coverage(catalog []Requirement, audits []*Audit) (clauses, controls []string) {
	seen := map[string]bool{}
	for _, a := range audits {
		for _, l := range BuildChecklist(catalog, a.RequirementIDs, nil, nil) {
			id := bulwark.Value(l.RequirementID)
			if seen[id] {
				continue
			}
			seen[id] = true
			ref, ok := strings.CutPrefix(id, "iso27001-2022:")
			if !ok {
				continue
			}
			if strings.HasPrefix(ref, "A.") {
				controls = append(controls, ref)
			} else {
				clauses = append(clauses, ref)
			}
		}
	}
	return clauses, controls
}

// LeafClauses are the ISO/IEC 27001 clauses without sub-clauses, in catalog order.
func LeafClauses(catalog []Requirement) []string {
	parent := map[string]bool{}
	for _, r := range catalog {
		if r.Framework == "iso27001-2022" && r.ParentRef != "" {
			parent[r.ParentRef] = true
		}
	}
	var out []string
	for _, r := range catalog {
		if r.Framework == "iso27001-2022" && r.Kind == "clause" && !parent[r.Ref] {
			out = append(out, r.Ref)
		}
	}
	return out
}

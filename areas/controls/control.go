package controls

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bulwark-isms/bulwark/field"

	"github.com/bulwark-isms/bulwark"
)

// Control statuses.
var ControlStatuses = []string{"not_started", "planned", "partial", "implemented", "not_applicable"}

// statusLabels are the statuses as people read them.
var statusLabels = map[string]string{"not_started": "Not started", "planned": "Planned", "partial": "Partly implemented",
	"implemented": "Implemented", "not_applicable": "Not applicable"}

// StatusLabel is what people read for a control status.
func StatusLabel(status string) string {
	if l, ok := statusLabels[status]; ok {
		return l
	}
	return status
}

// Link origins of a control↔requirement link.
const (
	OriginMapping = "mapping" // a published mapping between frameworks
	OriginDerived = "derived" // derived through another framework, not published
	OriginManual  = "manual"  // stated by a person
	// A person's decision on a suggested link (one from a mapping, published or derived): confirmed links count
	// as stated, rejected ones count for nothing and stay out of requirement_ids.
	OriginConfirmed = "confirmed"
	OriginRejected  = "rejected"
)

// Control is one of an organisation's controls: one per Annex A control (ref A.5.1)
// plus custom ones (C-001).
type Control struct {
	ID             string  `json:"id"`
	Ref            string  `json:"ref"`
	Title          string  `json:"title"`
	Description    string  `json:"description"`
	RequirementID  *string `json:"requirement_id"` // the Annex A control it implements, nil for custom controls
	OwnerID        *string `json:"owner_id"`
	Status         string  `json:"status"`
	Implementation string  `json:"implementation_description"`
	Maturity       *int    `json:"maturity"` // 0 none … 5 optimised
	ReviewDate     *string `json:"review_date"`
	// InclusionReasons are the stated reasons (legal, contractual, business) and risk_treatment while a
	// live risk is treated by the control.
	InclusionReasons       []string             `json:"inclusion_reasons"`
	ExclusionJustification string               `json:"exclusion_justification"`
	Applicable             bool                 `json:"applicable"`
	Requirements           []ControlRequirement `json:"requirements,omitempty"`
	RequirementIDs         []string             `json:"requirement_ids"`
	RiskIDs                []string             `json:"risk_ids"`
	EvidenceIDs            []string             `json:"evidence_ids"`
	DocumentIDs            []string             `json:"document_ids"`
	NeedsAttention         bool                 `json:"needs_attention"`
	// EvidenceFreshness says whether the evidence linked to an applicable control is current,
	// stale (some of it expired) or missing; "" for a control that does not apply.
	EvidenceFreshness string     `json:"evidence_freshness"`
	Version           int        `json:"version"`
	CreatedAt         time.Time  `json:"created_at"`
	UpdatedAt         time.Time  `json:"updated_at"`
	ArchivedAt        *time.Time `json:"archived_at"`

	stated        []string // the inclusion reasons a person gave, as stored
	staleEvidence int      // linked evidence past its valid_until
}

// Inclusion reasons of a control in the Statement of Applicability. ReasonRiskTreatment is derived from the
// linked risks; people state the others.
const (
	ReasonRiskTreatment = "risk_treatment"
	ReasonLegal         = "legal"
	ReasonContractual   = "contractual"
	ReasonBusiness      = "business"
)

// InclusionReasons lists every inclusion reason, in the order they are shown.
var InclusionReasons = []string{ReasonRiskTreatment, ReasonLegal, ReasonContractual, ReasonBusiness}

// StatedReasons are the inclusion reasons a person may state.
var StatedReasons = []string{ReasonLegal, ReasonContractual, ReasonBusiness}

// MaturityLabels name the maturity levels 0 to 5.
var MaturityLabels = []string{"0 none", "1 initial", "2 repeatable", "3 defined", "4 managed", "5 optimised"}

// derive fills the fields that follow from others: applicability, and risk treatment as an inclusion
// reason while risks are linked.
func (c *Control) derive() {
	c.Applicable = c.Status != "not_applicable"
	switch {
	case !c.Applicable:
		c.EvidenceFreshness = ""
	case len(c.EvidenceIDs) == 0:
		c.EvidenceFreshness = "missing"
	case c.staleEvidence > 0:
		c.EvidenceFreshness = "stale"
	default:
		c.EvidenceFreshness = "current"
	}
	c.InclusionReasons = make([]string, 0, len(c.stated)+1)
	if len(c.RiskIDs) > 0 {
		c.InclusionReasons = append(c.InclusionReasons, ReasonRiskTreatment)
	}
	for _, r := range StatedReasons {
		if slices.Contains(c.stated, r) {
			c.InclusionReasons = append(c.InclusionReasons, r)
		}
	}
}

// StatedReasons returns the inclusion reasons a person stated (risk treatment left out: it is derived).
func (c *Control) StatedReasons() []string { return c.stated }

// IsCustom reports whether the control is the organisation's own rather than an Annex A control.
func (c *Control) IsCustom() bool { return c.RequirementID == nil }

// ControlRequirement links a control to a requirement of a framework.
type ControlRequirement struct {
	RequirementID string `json:"requirement_id"`
	Framework     string `json:"framework"`
	Ref           string `json:"ref"`
	Title         string `json:"title"`
	Origin        string `json:"origin"` // mapping, derived or manual
}

// Validate checks a control.
func (c *Control) Validate() error {
	var v bulwark.Validation
	c.Title = strings.TrimSpace(c.Title)
	if c.Title == "" {
		v.Add("title", "is required")
	} else if utf8.RuneCountInString(c.Title) > 300 {
		v.Add("title", "must be at most 300 characters")
	}
	if !slices.Contains(ControlStatuses, c.Status) {
		v.Add("status", "must be one of "+strings.Join(ControlStatuses, ", "))
	}
	if c.ReviewDate != nil && !bulwark.ValidDate(*c.ReviewDate) {
		v.Add("review_date", "must be a date such as 2026-12-31")
	}
	if c.Maturity != nil && (*c.Maturity < 0 || *c.Maturity > 5) {
		v.Add("maturity", "must be from 0 (none) to 5 (optimised)")
	}
	c.ExclusionJustification = strings.TrimSpace(c.ExclusionJustification)
	if c.Status == "not_applicable" && c.ExclusionJustification == "" {
		v.Add("exclusion_justification", "is required to mark the control not applicable: say why the organisation does not need it")
	}
	for _, r := range c.stated {
		if !slices.Contains(StatedReasons, r) {
			v.Add("inclusion_reasons", "must be among "+strings.Join(InclusionReasons, ", "))
			break
		}
	}
	return v.Err()
}

// ControlEntity declares the control's fields once, for the API, forms and the
// OpenAPI document. A control's risks are linked from the risk (its control_ids),
// so risk_ids is read-only here, on create as on change.
var ControlEntity = field.FromStruct("Control", Control{}).
	Writable("title", "description", "owner_id", "status", "implementation_description", "maturity", "review_date",
		"inclusion_reasons", "exclusion_justification", "requirement_ids", "version").
	Require("title").OneOf("status", ControlStatuses).OneOf("inclusion_reasons", InclusionReasons).Range("maturity", 0, 5).
	Describe("ref", "Ref", "A.5.1 … for Annex A controls, C-001 … for the organisation's own", "Control", "Control ref", "ID").
	Describe("title", "Title", "", "Control title", "Name").
	Describe("owner_id", "Owner", "the member accountable for the control", "Control owner").
	Describe("status", "Status", "how far the control is implemented; not_applicable needs an exclusion justification", "Implementation status").
	Describe("implementation_description", "Implementation", "how the control is implemented", "Implementation description", "How it is implemented").
	Describe("maturity", "Maturity", "0 none, 1 initial, 2 repeatable, 3 defined, 4 managed, 5 optimised").
	Describe("review_date", "Review date", "when the owner next reviews the control", "Next review").
	Describe("inclusion_reasons", "Inclusion reasons", "why the control is included: legal, contractual, business; risk_treatment follows the linked risks", "Reasons for inclusion", "Justification for inclusion").
	Describe("exclusion_justification", "Exclusion justification", "why the organisation does not need the control (required when not applicable)", "Justification for exclusion", "Reason for exclusion").
	Describe("applicable", "Applicable", "derived: every status but not_applicable").
	Describe("requirement_ids", "Requirements", "requirements of any framework the control meets; what is sent replaces the links stated by a person, links from published mappings stay").
	Describe("risk_ids", "Risks", "the live risks the control treats; link them from the risk").
	Describe("evidence_ids", "Evidence", "the evidence that shows the control works").
	Describe("document_ids", "Documents", "the policies and procedures that describe the control").
	Describe("needs_attention", "Needs attention", "set while an automated check of the control fails").
	Describe("evidence_ids", "Evidence", "the evidence items that prove the control works (archived ones left out)").
	Describe("evidence_freshness", "Evidence freshness", "current, stale (some linked evidence is past its valid_until) or missing (none linked); empty for a control that does not apply")

// controlInputOf turns decoded values (JSON or form) into a control input.
func controlInputOf(v field.Values) ControlInput {
	return ControlInput{Title: v.Str("title"), Description: v.Str("description"), OwnerID: v.NullStr("owner_id"), Status: v.Str("status"),
		Implementation: v.Str("implementation_description"), Maturity: v.NullInt("maturity"), ReviewDate: v.NullStr("review_date"),
		InclusionReasons: v.List("inclusion_reasons"), ExclusionJustification: v.Str("exclusion_justification"), RequirementIDs: v.List("requirement_ids")}
}

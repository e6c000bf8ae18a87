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
)

// Control is one of an organisation's controls: one per Annex A control (ref A.5.1)
// plus custom ones (C-001).
type Control struct {
	ID             string               `json:"id"`
	Ref            string               `json:"ref"`
	Title          string               `json:"title"`
	Description    string               `json:"description"`
	RequirementID  *string              `json:"requirement_id"` // the Annex A control it implements, nil for custom controls
	OwnerID        *string              `json:"owner_id"`
	Status         string               `json:"status"`
	Implementation string               `json:"implementation_description"`
	ReviewDate     *string              `json:"review_date"`
	Requirements   []ControlRequirement `json:"requirements,omitempty"`
	RiskIDs        []string             `json:"risk_ids"`
	Version        int                  `json:"version"`
	CreatedAt      time.Time            `json:"created_at"`
	UpdatedAt      time.Time            `json:"updated_at"`
	ArchivedAt     *time.Time           `json:"archived_at"`
}

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
	return v.Err()
}

// ControlEntity declares the control's fields once, for the API, forms and the
// OpenAPI document. A control's risks are linked from the risk (its control_ids),
// so risk_ids is read-only here, on create as on change.
var ControlEntity = field.FromStruct("Control", Control{}).
	Writable("title", "description", "owner_id", "status", "implementation_description", "review_date", "version").
	Require("title").OneOf("status", ControlStatuses).
	Describe("owner_id", "Owner", "the member accountable for the control").
	Describe("risk_ids", "Risks", "the risks the control treats; link them from the risk").
	Add(field.Field{Name: "requirement_ids", Label: "Requirements", Kind: field.Strings, Input: true,
		Help: "requirements of any framework the control meets, stated by a person; links from published mappings stay"})

// controlInputOf turns decoded values (JSON or form) into a control input.
func controlInputOf(v field.Values) ControlInput {
	return ControlInput{Title: v.Str("title"), Description: v.Str("description"), OwnerID: v.NullStr("owner_id"), Status: v.Str("status"),
		Implementation: v.Str("implementation_description"), ReviewDate: v.NullStr("review_date"), RequirementIDs: v.List("requirement_ids")}
}

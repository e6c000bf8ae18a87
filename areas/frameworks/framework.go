package frameworks

import "github.com/bulwark-isms/bulwark/field"

// Framework is a standard, regulation or criteria set of the catalog.
type Framework struct {
	ID               string `json:"id"`
	Slug             string `json:"slug"`
	Name             string `json:"name"`
	Version          string `json:"version"`
	Publisher        string `json:"publisher"`
	Description      string `json:"description"`
	RequirementCount int    `json:"requirement_count"`
}

// Requirement is a clause, control, criterion, article … of a framework.
type Requirement struct {
	ID           string              `json:"id"`
	Framework    string              `json:"framework"`
	Ref          string              `json:"ref"`
	Title        string              `json:"title"`
	DisplayTitle string              `json:"display_title"`
	Kind         string              `json:"kind"`
	ParentRef    string              `json:"parent_ref"`
	OfficialText string              `json:"official_text,omitempty"`
	Attributes   map[string][]string `json:"attributes"`
	Guidance     string              `json:"guidance,omitempty"`
	Evidence     []string            `json:"evidence,omitempty"`
	Links        []RequirementLink   `json:"mappings,omitempty"`
}

// RequirementLink is a mapping seen from one requirement: to another framework's
// requirement ("to"), from one ("from"), or derived through a third framework.
type RequirementLink struct {
	Direction     string `json:"direction"` // to, from
	RequirementID string `json:"requirement_id"`
	Framework     string `json:"framework"`
	Ref           string `json:"ref"`
	Title         string `json:"title"`
	DetailRef     string `json:"detail_ref,omitempty"`
	DetailTitle   string `json:"detail_title,omitempty"`
	Relationship  string `json:"relationship"`
	Source        string `json:"source"`
	Derived       bool   `json:"derived"` // derived, not published
	Via           string `json:"via,omitempty"`
}

// RequirementFilter selects requirements of one framework.
type RequirementFilter struct {
	Q          string
	Kind       string
	Attributes map[string]string // attribute name → value (theme, control_type, security_properties …)
	After      int               // cursor: sort order of the last row seen, -1 for none
	Limit      int
}

// FilterAttributes are the attribute filters offered when browsing requirements.
var FilterAttributes = []string{"theme", "control_type", "security_properties", "cybersecurity_concepts", "operational_capabilities", "security_domains", "category", "section"}

// The catalog's entities, as the API answers with them.
var (
	FrameworkEntity   = field.FromStruct("Framework", Framework{})
	RequirementEntity = field.FromStruct("Requirement", Requirement{})
)

package frameworks

import (
	"cmp"
	"slices"
	"strings"

	"github.com/bulwark-isms/bulwark/field"
)

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

// MappingGroup is a requirement's links into one other framework: the published ones, then those Bulwark
// derived through NIST CSF, which readers check before relying on.
type MappingGroup struct {
	Framework string // its name
	Published []RequirementLink
	Derived   []RequirementLink
}

// GroupMappings groups links by framework, in the order of fws; frameworks with published links come first,
// so that a handful of published mappings is not lost under dozens of derived ones.
func GroupMappings(links []RequirementLink, fws []*Framework) []MappingGroup {
	var out []MappingGroup
	at := map[string]int{}
	for _, fw := range fws {
		at[fw.Slug] = len(out)
		out = append(out, MappingGroup{Framework: fw.Name})
	}
	for _, l := range links {
		i, ok := at[l.Framework]
		if !ok {
			at[l.Framework] = len(out)
			i = len(out)
			out = append(out, MappingGroup{Framework: l.Framework})
		}
		if l.Derived {
			out[i].Derived = append(out[i].Derived, l)
		} else {
			out[i].Published = append(out[i].Published, l)
		}
	}
	kept := out[:0]
	for _, g := range out {
		if len(g.Published)+len(g.Derived) > 0 {
			kept = append(kept, g)
		}
	}
	slices.SortStableFunc(kept, func(a, b MappingGroup) int {
		return cmp.Compare(min(len(b.Published), 1), min(len(a.Published), 1))
	})
	return kept
}

// attributeLabels name the catalog's attributes where their key does not read well as words.
var attributeLabels = map[string]string{
	"iso27001_2013_ids":                "ISO/IEC 27001:2013 controls",
	"coso_principle":                   "COSO principle",
	"new_in_2022":                      "New in 2022",
	"mandatory_documented_information": "Mandatory documented information",
	"required_or_addressable":          "Required or addressable",
}

// AttributeLabel is what people read for an attribute of the catalog: control_type → Control type.
func AttributeLabel(name string) string {
	if l, ok := attributeLabels[name]; ok {
		return l
	}
	return words(name)
}

// AttributeValue is what people read for an attribute's value: Threat_and_vulnerability_management →
// Threat and vulnerability management; refs such as A.12.6.1 stay as they are.
func AttributeValue(v string) string { return words(v) }

// words replaces underscores with spaces and capitalises the first letter.
func words(s string) string {
	s = strings.ReplaceAll(s, "_", " ")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// Attribute is one attribute of a requirement, ready to read.
type Attribute struct{ Label, Values string }

// ReadableAttributes lists a requirement's attributes by label.
func ReadableAttributes(attrs map[string][]string) []Attribute {
	out := make([]Attribute, 0, len(attrs))
	for k, vs := range attrs {
		vals := make([]string, len(vs))
		for i, v := range vs {
			vals[i] = AttributeValue(v)
		}
		out = append(out, Attribute{Label: AttributeLabel(k), Values: strings.Join(vals, ", ")})
	}
	slices.SortFunc(out, func(a, b Attribute) int { return cmp.Compare(a.Label, b.Label) })
	return out
}

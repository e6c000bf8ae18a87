package scope

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/field"
)

// References: CI-001 for a context issue, IP-001 for an interested party.
const (
	IssueRefPrefix = "CI"
	PartyRefPrefix = "IP"
)

// Kinds say whether an issue arises inside the organisation or around it, and whether a party belongs to it.
var Kinds = []string{"external", "internal"}

// ExternalCategories are the PESTLE headings of the world around the organisation.
var ExternalCategories = []string{"political", "economic", "social", "technological", "legal", "environmental"}

// InternalCategories are the headings of the organisation's own circumstances.
var InternalCategories = []string{"governance", "culture", "people", "processes", "technology", "information", "resources"}

// Categories lists every category, external first.
var Categories = append(slices.Clone(ExternalCategories), InternalCategories...)

// KindOf is the kind a category belongs to, "" for an unknown one.
func KindOf(category string) string {
	switch {
	case slices.Contains(ExternalCategories, category):
		return "external"
	case slices.Contains(InternalCategories, category):
		return "internal"
	}
	return ""
}

// States of the scope statement, as of the SoA: a draft is being written; submitted waits for an owner's or
// admin's approval; approved equals its last approved revision. A change after approval makes a new draft.
const (
	StatusDraft     = "draft"
	StatusSubmitted = "submitted"
	StatusApproved  = "approved"
)

// Statuses lists the statement's states in order.
var Statuses = []string{StatusDraft, StatusSubmitted, StatusApproved}

// Issue is an internal or external issue (4.1): something that bears on the ISMS's ability to achieve what it
// is for, with its effect and the risks it gives rise to.
type Issue struct {
	ID          string     `json:"id"`
	Ref         string     `json:"ref"`
	Title       string     `json:"title"`
	Kind        string     `json:"kind"`
	Category    string     `json:"category"`
	Description string     `json:"description"`
	Effect      string     `json:"effect"`
	RiskIDs     []string   `json:"risk_ids"`
	OwnerID     *string    `json:"owner_id"`
	ReviewDate  *string    `json:"review_date"`
	ReviewDue   bool       `json:"review_due"`
	ArchivedAt  *time.Time `json:"archived_at"`
	Version     int        `json:"version"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

// Requirement is one need or expectation of an interested party, whether the ISMS addresses it and how.
type Requirement struct {
	Requirement string `json:"requirement"`
	Addressed   bool   `json:"addressed"`
	How         string `json:"how"`
}

// Party is an interested party (4.2) with its requirements and the obligations and controls that answer them.
type Party struct {
	ID            string        `json:"id"`
	Ref           string        `json:"ref"`
	Name          string        `json:"name"`
	Kind          string        `json:"kind"`
	Description   string        `json:"description"`
	Requirements  []Requirement `json:"requirements"`
	Addressed     int           `json:"addressed"`
	ObligationIDs []string      `json:"obligation_ids"`
	ControlIDs    []string      `json:"control_ids"`
	OwnerID       *string       `json:"owner_id"`
	ArchivedAt    *time.Time    `json:"archived_at"`
	Version       int           `json:"version"`
	CreatedAt     time.Time     `json:"created_at"`
	UpdatedAt     time.Time     `json:"updated_at"`
}

// Boundary is one item inside the scope: an organisational unit, a location, a process or a system, linked to
// the asset register where the item is an asset.
type Boundary struct {
	Name     string  `json:"name"`
	AssetID  *string `json:"asset_id"`
	AssetRef string  `json:"asset_ref,omitempty"` // set by Bulwark from the asset register
}

// Exclusion is something left out of the scope, with why leaving it out does not weaken the ISMS.
type Exclusion struct {
	What          string `json:"what"`
	Justification string `json:"justification"`
}

// Scope is the scope statement (4.3): what the ISMS covers, where it meets what it does not, and what is left
// out and why. The live statement changes with every save; approving it keeps a numbered revision that never
// changes.
type Scope struct {
	Status       string      `json:"status"`
	Revision     *int        `json:"revision"` // the last approved revision; the live statement is it while approved
	ApprovedBy   *string     `json:"approved_by"`
	ApproverName string      `json:"approved_by_name"`
	ApprovedAt   *time.Time  `json:"approved_at"`
	SubmittedBy  *string     `json:"submitted_by"`
	SubmittedAt  *time.Time  `json:"submitted_at"`
	UpdatedBy    *string     `json:"updated_by"`
	UpdatedAt    *time.Time  `json:"updated_at"`
	Version      int         `json:"version"` // 0 until the statement is first saved
	Summary      string      `json:"summary"`
	OrgUnits     []Boundary  `json:"org_units"`
	Locations    []Boundary  `json:"locations"`
	Processes    []Boundary  `json:"processes"`
	Systems      []Boundary  `json:"systems"`
	Interfaces   []string    `json:"interfaces"`
	Dependencies []string    `json:"dependencies"`
	Exclusions   []Exclusion `json:"exclusions"`
}

// Revision is an approved revision as listed: who approved it and when.
type Revision struct {
	Revision     int        `json:"revision"`
	ApprovedBy   string     `json:"approved_by"`
	ApproverName string     `json:"approved_by_name"`
	ApprovedAt   time.Time  `json:"approved_at"`
	SubmittedBy  *string    `json:"submitted_by"`
	SubmittedAt  *time.Time `json:"submitted_at"`
	Exclusions   int        `json:"exclusions"`
}

// BoundaryLists names the statement's four lists of boundaries, in the order the statement shows them.
var BoundaryLists = []string{"org_units", "locations", "processes", "systems"}

// Boundaries returns the list of boundaries called name.
func (s *Scope) Boundaries(name string) *[]Boundary {
	switch name {
	case "org_units":
		return &s.OrgUnits
	case "locations":
		return &s.Locations
	case "processes":
		return &s.Processes
	case "systems":
		return &s.Systems
	}
	return nil
}

// Draft reports whether the statement is not an approved revision.
func (s *Scope) Draft() bool { return s.Status != StatusApproved }

// Empty reports whether nothing has been written into the statement.
func (s *Scope) Empty() bool {
	if strings.TrimSpace(s.Summary) != "" || len(s.Interfaces)+len(s.Dependencies)+len(s.Exclusions) > 0 {
		return false
	}
	for _, l := range BoundaryLists {
		if len(*s.Boundaries(l)) > 0 {
			return false
		}
	}
	return true
}

// AssetIDs lists the assets the boundaries link, each once, sorted.
func (s *Scope) AssetIDs() []string {
	var out []string
	for _, l := range BoundaryLists {
		for _, b := range *s.Boundaries(l) {
			if b.AssetID != nil && !slices.Contains(out, *b.AssetID) {
				out = append(out, *b.AssetID)
			}
		}
	}
	slices.Sort(out)
	return out
}

// Normalise trims every text, drops empty items and turns nil lists into empty ones.
func (s *Scope) Normalise() {
	s.Summary = clean(s.Summary)
	for _, l := range BoundaryLists {
		bs := s.Boundaries(l)
		out := []Boundary{}
		for _, b := range *bs {
			b.Name = clean(b.Name)
			if b.AssetID != nil && strings.TrimSpace(*b.AssetID) == "" {
				b.AssetID = nil
			}
			if b.Name == "" && b.AssetID == nil {
				continue
			}
			out = append(out, b)
		}
		*bs = out
	}
	s.Interfaces, s.Dependencies = cleanList(s.Interfaces), cleanList(s.Dependencies)
	ex := []Exclusion{}
	for _, e := range s.Exclusions {
		e.What, e.Justification = clean(e.What), clean(e.Justification)
		if e.What == "" && e.Justification == "" {
			continue
		}
		ex = append(ex, e)
	}
	s.Exclusions = ex
}

// Validate checks the statement's own content: every boundary named, every exclusion with its justification.
// A refusal names the item: exclusions[2].justification says which exclusion lacks one.
func (s *Scope) Validate() error {
	var v bulwark.Validation
	text(&v, "summary", s.Summary, 20000, false)
	for _, l := range BoundaryLists {
		bs := *s.Boundaries(l)
		if len(bs) > 200 {
			v.Add(l, "holds at most 200 items")
		}
		for i, b := range bs {
			name := fmt.Sprintf("%s[%d].name", l, i)
			if b.Name == "" && b.AssetID == nil {
				v.Add(name, "is required: name the item, or link an asset")
			}
			text(&v, name, b.Name, 500, false)
		}
	}
	for _, l := range []struct {
		name  string
		items []string
	}{{"interfaces", s.Interfaces}, {"dependencies", s.Dependencies}} {
		if len(l.items) > 200 {
			v.Add(l.name, "holds at most 200 items")
		}
		for i, it := range l.items {
			text(&v, fmt.Sprintf("%s[%d]", l.name, i), it, 2000, false)
		}
	}
	if len(s.Exclusions) > 100 {
		v.Add("exclusions", "holds at most 100 items")
	}
	for i, e := range s.Exclusions {
		switch {
		case e.What == "":
			v.Add(fmt.Sprintf("exclusions[%d].what", i), "is required: say what is left out of the scope")
		case e.Justification == "":
			v.Add(fmt.Sprintf("exclusions[%d].justification", i), fmt.Sprintf("is required: say why %q is left out of the scope", e.What))
		}
		text(&v, fmt.Sprintf("exclusions[%d].what", i), e.What, 500, false)
		text(&v, fmt.Sprintf("exclusions[%d].justification", i), e.Justification, 5000, false)
	}
	return v.Err()
}

// Validate checks an issue's own fields; a kind left out follows from the category.
func (is *Issue) Validate() error {
	var v bulwark.Validation
	text(&v, "title", is.Title, 200, true)
	text(&v, "description", is.Description, 20000, false)
	text(&v, "effect", is.Effect, 20000, false)
	if is.Kind == "" {
		is.Kind = KindOf(is.Category)
	}
	switch {
	case is.Category == "":
		v.Add("category", "is required")
	case KindOf(is.Category) == "":
		v.Add("category", "must be one of "+strings.Join(Categories, ", "))
	case !slices.Contains(Kinds, is.Kind):
		v.Add("kind", "must be external or internal")
	case KindOf(is.Category) != is.Kind:
		want := ExternalCategories
		if is.Kind == "internal" {
			want = InternalCategories
		}
		v.Add("category", fmt.Sprintf("%s is an %s category; %s issues take %s", is.Category, KindOf(is.Category), is.Kind, strings.Join(want, ", ")))
	}
	if is.ReviewDate != nil && !bulwark.ValidDate(*is.ReviewDate) {
		v.Add("review_date", "must be a date such as 2026-12-31")
	}
	if len(is.RiskIDs) > 200 {
		v.Add("risk_ids", "holds at most 200 risks")
	}
	return v.Err()
}

// Mark sets what follows from today (YYYY-MM-DD in the organisation's time zone): a live issue whose review
// date has come is due for review.
func (is *Issue) Mark(today string) {
	is.ReviewDue = is.ArchivedAt == nil && is.ReviewDate != nil && *is.ReviewDate <= today
}

// Validate checks a party's own fields: each requirement written, and how the ISMS addresses each it addresses.
func (p *Party) Validate() error {
	var v bulwark.Validation
	text(&v, "name", p.Name, 200, true)
	text(&v, "description", p.Description, 20000, false)
	if !slices.Contains(Kinds, p.Kind) {
		v.Add("kind", "must be external or internal")
	}
	if len(p.Requirements) > 100 {
		v.Add("requirements", "holds at most 100 requirements")
	}
	for i, r := range p.Requirements {
		name := fmt.Sprintf("requirements[%d]", i)
		switch {
		case r.Requirement == "":
			v.Add(name+".requirement", "is required: say what the party needs or expects")
		case r.Addressed && r.How == "":
			v.Add(name+".how", fmt.Sprintf("say how the ISMS addresses %q", r.Requirement))
		}
		text(&v, name+".requirement", r.Requirement, 2000, false)
		text(&v, name+".how", r.How, 5000, false)
	}
	for _, l := range []struct {
		name string
		ids  []string
	}{{"obligation_ids", p.ObligationIDs}, {"control_ids", p.ControlIDs}} {
		if len(l.ids) > 200 {
			v.Add(l.name, "holds at most 200 links")
		}
	}
	return v.Err()
}

// Count sets how many of the party's requirements the ISMS addresses.
func (p *Party) Count() {
	p.Addressed = 0
	for _, r := range p.Requirements {
		if r.Addressed {
			p.Addressed++
		}
	}
}

// NormaliseRequirements trims the requirements and drops empty ones.
func NormaliseRequirements(rs []Requirement) []Requirement {
	out := []Requirement{}
	for _, r := range rs {
		r.Requirement, r.How = clean(r.Requirement), clean(r.How)
		if r.Requirement == "" && r.How == "" && !r.Addressed {
			continue
		}
		out = append(out, r)
	}
	return out
}

// boundarySchema is a boundary as JSON: a name, and an asset's id where the item is an asset. A request may
// send a plain text instead of the object.
var boundarySchema = map[string]any{"type": "object", "additionalProperties": false, "required": []string{"name"}, "properties": map[string]any{
	"name":      map[string]any{"type": "string"},
	"asset_id":  map[string]any{"type": []string{"string", "null"}, "description": "the asset this item is, from the asset register"},
	"asset_ref": map[string]any{"type": "string", "description": "the asset's reference (set by Bulwark)"},
}}

func boundaries(help string) map[string]any {
	return map[string]any{"type": "array", "description": help, "items": map[string]any{"anyOf": []any{boundarySchema, map[string]any{"type": "string"}}}}
}

// The area's entities, as the API reads and answers them.
var (
	IssueEntity = field.FromStruct("ContextIssue", Issue{}).
			Writable("title", "kind", "category", "description", "effect", "risk_ids", "owner_id", "review_date", "version").
			Require("title", "category").OneOf("kind", Kinds).OneOf("category", Categories).
			Describe("kind", "Kind", "external (the world around the organisation) or internal; follows from the category when left out").
			Describe("category", "Category", "external: "+strings.Join(ExternalCategories, ", ")+"; internal: "+strings.Join(InternalCategories, ", ")).
			Describe("effect", "Effect on the ISMS", "how the issue bears on what the ISMS must achieve").
			Describe("risk_ids", "Risks", "the risks the issue gives rise to, from the risk register").
			Describe("review_date", "Review by", "when the issue is next looked at again").
			Describe("review_due", "Review due", "live and its review date has come")

	PartyEntity = field.FromStruct("InterestedParty", Party{}).
			Writable("name", "kind", "description", "requirements", "obligation_ids", "control_ids", "owner_id", "version").
			Require("name").OneOf("kind", Kinds).
			Describe("name", "Party", "who has a stake in the ISMS: patients, clients, a regulator, staff, a supplier").
			Describe("requirements", "Requirements", "what the party needs or expects, each with whether the ISMS addresses it and how").
			Describe("addressed", "Addressed", "how many of the requirements the ISMS addresses").
			Describe("obligation_ids", "Obligations", "the legal, regulatory and contractual obligations behind the requirements").
			Describe("control_ids", "Controls", "the controls that answer the requirements").
			Shape("requirements", map[string]any{"type": "array", "items": map[string]any{"type": "object", "additionalProperties": false, "required": []string{"requirement"},
			"properties": map[string]any{"requirement": map[string]any{"type": "string"}, "addressed": map[string]any{"type": "boolean"}, "how": map[string]any{"type": "string"}}}})

	ScopeEntity = field.FromStruct("Scope", Scope{}).
			Writable("summary", "org_units", "locations", "processes", "systems", "interfaces", "dependencies", "exclusions", "version").
			Describe("summary", "Scope statement", "the scope in a few sentences, as the certificate would state it").
			Describe("version", "Version", "the statement's optimistic-lock counter; 0 until first saved").
			Shape("org_units", boundaries("organisational units inside the scope")).
			Shape("locations", boundaries("sites and locations inside the scope; an item may link an asset")).
			Shape("processes", boundaries("business processes inside the scope")).
			Shape("systems", boundaries("systems and services inside the scope; an item may link an asset")).
			Shape("exclusions", map[string]any{"type": "array", "description": "what is left out of the scope, each with its justification (required)",
			"items": map[string]any{"type": "object", "additionalProperties": false, "required": []string{"what", "justification"},
				"properties": map[string]any{"what": map[string]any{"type": "string"}, "justification": map[string]any{"type": "string"}}}})

	RevisionEntity = field.FromStruct("ScopeRevision", Revision{})
)

func clean(s string) string { return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n")) }

func cleanList(ss []string) []string {
	out := []string{}
	for _, s := range ss {
		if s = clean(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func text(v *bulwark.Validation, name, s string, max int, required bool) {
	switch {
	case required && strings.TrimSpace(s) == "":
		v.Add(name, "is required")
	case utf8.RuneCountInString(s) > max:
		v.Add(name, fmt.Sprintf("is too long (at most %d characters)", max))
	}
}

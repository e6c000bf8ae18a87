// Package coverage is how far the organisation's controls cover each framework of the catalog: per
// requirement, a state computed from the controls linked to it and their implementation status, with the
// requirements nothing links to reported apart. It reads the control set (the area below) and the catalog.
package coverage

import (
	"github.com/bulwark-isms/bulwark/field"
)

// Coverage states of a requirement.
const (
	Covered       = "covered"        // a linked control is implemented and every linked control is implemented or not applicable
	PartlyCovered = "partly_covered" // a linked control is partly implemented or implemented, but not all are
	NotApplicable = "not_applicable" // every linked control is not applicable
	NotCovered    = "not_covered"    // controls are linked, none of them implemented even in part
	NoMapping     = "no_mapping"     // nothing links to it: reported apart, never counted as not covered
	NotAssessed   = "not_assessed"   // an ISO clause while certification readiness does not assess it
)

// States lists the states in the order reports show them.
var States = []string{Covered, PartlyCovered, NotCovered, NotApplicable, NoMapping}

// How a control reaches a requirement, weakest last. Inherited and derived links count at most as partly.
const (
	LinkDirect    = "direct"    // the Annex A control itself
	LinkMapping   = "mapping"   // a published mapping
	LinkManual    = "manual"    // stated by a person
	LinkInherited = "inherited" // a mapping made at a function or category level, inherited by what it holds
	LinkDerived   = "derived"   // through another framework (HIPAA through NIST CSF), not published
)

// Requirement is a requirement of the framework as coverage sees it.
type Requirement struct {
	ID, Ref, Title, Kind, ParentRef string
}

// Link is a control linked to a requirement, with the control's implementation status.
type Link struct {
	RequirementID, Origin              string
	ControlID, ControlRef, ControlName string
	Status                             string
}

// ControlLink is a control as a requirement's coverage lists it.
type ControlLink struct {
	ID     string `json:"id"`
	Ref    string `json:"ref"`
	Title  string `json:"title"`
	Status string `json:"status"`
	Link   string `json:"link"` // direct, mapping, manual, inherited, derived
}

// Item is one requirement's coverage.
type Item struct {
	RequirementID string        `json:"requirement_id"`
	Ref           string        `json:"ref"`
	Title         string        `json:"title"`
	State         string        `json:"state"`
	Capped        bool          `json:"capped"` // would be covered but for inherited or derived links
	Controls      []ControlLink `json:"controls"`
	// ToCover are the linked controls not yet implemented (nor excluded): implementing them covers the
	// requirement.
	ToCover []ControlLink `json:"to_cover"`
}

// Report is a framework's coverage.
type Report struct {
	Framework string         `json:"framework"`
	Name      string         `json:"name"`
	Counted   string         `json:"counted"` // what is counted: "Annex A controls", "subcategories" …
	Total     int            `json:"total"`
	Counts    map[string]int `json:"counts"` // per state, no_mapping included
	Percent   int            `json:"percent"`
	Items     []Item         `json:"items"`
	// Clauses are ISO/IEC 27001's clauses 4 to 10, assessed by certification readiness rather than by controls.
	Clauses []Item `json:"clauses,omitempty"`
	Note    string `json:"note,omitempty"`
}

// ReportEntity is the report as the API answers with it.
var ReportEntity = field.FromStruct("Coverage", Report{})

// Rules says, per framework, which requirements count and how links reach them.
type Rules struct {
	Counted   string // the kind of requirement counted ("subcategory")
	Label     string // what they are called in reports
	Inherit   bool   // a link to an ancestor (parent_ref chain) reaches the counted requirement, as inherited
	AllKinds  bool   // every requirement counts, whatever its kind (HIPAA's standards and specifications)
	ClausesOf string // the kind assessed apart, by readiness (ISO's clauses)
}

// FrameworkRules are the rules of the catalog's frameworks, by id.
var FrameworkRules = map[string]Rules{
	"iso27001-2022":  {Counted: "control", Label: "Annex A controls", ClausesOf: "clause"},
	"nist-csf-2.0":   {Counted: "subcategory", Label: "subcategories", Inherit: true},
	"soc2-2017":      {Counted: "criterion", Label: "criteria"},
	"gdpr":           {Counted: "article", Label: "articles"},
	"hipaa-security": {AllKinds: true, Label: "standards and implementation specifications"},
}

// Compute works out the coverage of every counted requirement of one framework from the links of the
// organisation's controls. A published mapping or a person's link is strong; a link inherited from a
// function or category, or derived through another framework, is weak and counts at most as partly.
func Compute(rules Rules, reqs []Requirement, links []Link) *Report {
	byReq := map[string][]Link{}
	for _, l := range links {
		byReq[l.RequirementID] = append(byReq[l.RequirementID], l)
	}
	byRef := map[string]Requirement{}
	for _, r := range reqs {
		byRef[r.Ref] = r
	}
	parents := map[string]bool{} // refs that hold others: headings
	for _, r := range reqs {
		if r.ParentRef != "" {
			parents[r.ParentRef] = true
		}
	}
	rep := &Report{Counted: rules.Label, Counts: map[string]int{}, Items: []Item{}}
	for _, s := range States {
		rep.Counts[s] = 0
	}
	for _, r := range reqs {
		if rules.ClausesOf != "" && r.Kind == rules.ClausesOf {
			if parents[r.Ref] {
				continue // a heading: its sub-clauses are what is assessed
			}
			rep.Clauses = append(rep.Clauses, Item{RequirementID: r.ID, Ref: r.Ref, Title: r.Title, State: NotAssessed, Controls: []ControlLink{}, ToCover: []ControlLink{}})
			continue
		}
		if !rules.AllKinds && r.Kind != rules.Counted {
			continue
		}
		var ls []ControlLink
		seen := map[string]int{} // control id → index in ls: one entry per control, its strongest link
		add := func(l Link, how string) {
			cl := ControlLink{ID: l.ControlID, Ref: l.ControlRef, Title: l.ControlName, Status: l.Status, Link: how}
			if i, ok := seen[l.ControlID]; ok {
				if weak(ls[i].Link) && !weak(how) {
					ls[i] = cl
				}
				return
			}
			seen[l.ControlID] = len(ls)
			ls = append(ls, cl)
		}
		for _, l := range byReq[r.ID] {
			how := l.Origin
			if how == "confirmed" { // a suggested link a person confirmed counts as theirs
				how = LinkManual
			}
			if how != LinkDirect && how != LinkMapping && how != LinkManual && how != LinkDerived {
				how = LinkMapping
			}
			add(l, how)
		}
		if rules.Inherit {
			for p, hops := r.ParentRef, 0; p != "" && hops < 10; hops++ {
				parent, ok := byRef[p]
				if !ok {
					break
				}
				for _, l := range byReq[parent.ID] {
					add(l, LinkInherited)
				}
				p = parent.ParentRef
			}
		}
		it := state(r, ls)
		rep.Items = append(rep.Items, it)
		rep.Counts[it.State]++
		rep.Total++
	}
	if mapped := rep.Total - rep.Counts[NoMapping] - rep.Counts[NotApplicable]; mapped > 0 {
		// Half a point for a requirement partly covered: the figure the chart shows.
		rep.Percent = (200*rep.Counts[Covered] + 100*rep.Counts[PartlyCovered]) / (2 * mapped)
	}
	return rep
}

func weak(link string) bool { return link == LinkInherited || link == LinkDerived }

// state applies the rules to one requirement's linked controls.
func state(r Requirement, ls []ControlLink) Item {
	it := Item{RequirementID: r.ID, Ref: r.Ref, Title: r.Title, Controls: ls, ToCover: []ControlLink{}}
	if it.Controls == nil {
		it.Controls = []ControlLink{}
	}
	if len(ls) == 0 {
		it.State = NoMapping
		return it
	}
	allNA, allDone, strongImplemented, anyProgress := true, true, false, false
	for _, c := range ls {
		switch c.Status {
		case "not_applicable":
			continue
		case "implemented":
			anyProgress = true
			if !weak(c.Link) {
				strongImplemented = true
			}
		case "partial":
			anyProgress, allDone = true, false
		default:
			allDone = false
		}
		allNA = false
		if c.Status != "implemented" {
			it.ToCover = append(it.ToCover, c)
		}
	}
	switch {
	case allNA:
		it.State = NotApplicable
	case allDone && strongImplemented:
		it.State = Covered
	case anyProgress:
		it.State = PartlyCovered
		it.Capped = allDone // implemented through weak links only
	default:
		it.State = NotCovered
	}
	return it
}

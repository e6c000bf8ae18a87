package coverage_test

import (
	"testing"

	"github.com/bulwark-isms/bulwark/areas/coverage"
)

// A hand-built framework: function F holds category F.C, which holds subcategories F.C-1 … F.C-9.
var handBuilt = []coverage.Requirement{
	{ID: "f", Ref: "F", Kind: "function"},
	{ID: "c", Ref: "F.C", Kind: "category", ParentRef: "F"},
	{ID: "s1", Ref: "F.C-1", Kind: "subcategory", ParentRef: "F.C"},
	{ID: "s2", Ref: "F.C-2", Kind: "subcategory", ParentRef: "F.C"},
	{ID: "s3", Ref: "F.C-3", Kind: "subcategory", ParentRef: "F.C"},
	{ID: "s4", Ref: "F.C-4", Kind: "subcategory", ParentRef: "F.C"},
	{ID: "s5", Ref: "F.C-5", Kind: "subcategory", ParentRef: "F.C"},
	{ID: "s6", Ref: "F.C-6", Kind: "subcategory", ParentRef: "F.C"},
	{ID: "s7", Ref: "F.C-7", Kind: "subcategory", ParentRef: "F.C"},
}

func link(req, control, status, origin string) coverage.Link {
	return coverage.Link{RequirementID: req, ControlID: control, ControlRef: control, Status: status, Origin: origin}
}

func TestCoverageRules(t *testing.T) {
	tests := []struct {
		name   string
		rules  coverage.Rules
		links  []coverage.Link
		want   map[string]string // ref → state
		capped map[string]bool
	}{
		{"each rule on direct links", coverage.Rules{Counted: "subcategory"}, []coverage.Link{
			link("s1", "a", "implemented", "mapping"), link("s1", "b", "not_applicable", "mapping"), // covered: implemented, the rest excluded
			link("s2", "a", "implemented", "mapping"), link("s2", "c", "planned", "manual"), // partly: one implemented, one planned
			link("s3", "d", "partial", "mapping"),                                                     // partly: partial
			link("s4", "b", "not_applicable", "mapping"), link("s4", "e", "not_applicable", "manual"), // not applicable: all excluded
			link("s5", "c", "planned", "mapping"), link("s5", "f", "not_started", "mapping"), // not covered
			link("s6", "b", "not_applicable", "mapping"), link("s6", "f", "not_started", "mapping"), // not covered: excluded plus not started
			// s7: nothing links to it
		}, map[string]string{"F.C-1": "covered", "F.C-2": "partly_covered", "F.C-3": "partly_covered", "F.C-4": "not_applicable",
			"F.C-5": "not_covered", "F.C-6": "not_covered", "F.C-7": "no_mapping"}, nil},
		{"links to the category and the function are inherited, at most partly", coverage.Rules{Counted: "subcategory", Inherit: true}, []coverage.Link{
			link("c", "a", "implemented", "mapping"),  // inherited by every subcategory
			link("s1", "g", "implemented", "mapping"), // s1: a direct implemented control makes it covered
			link("f", "h", "not_started", "mapping"),  // inherited too: s2 … s7 hold a not-started control
		}, map[string]string{"F.C-1": "partly_covered", "F.C-2": "partly_covered", "F.C-7": "partly_covered"}, nil},
		{"inherited only, all implemented: capped at partly", coverage.Rules{Counted: "subcategory", Inherit: true}, []coverage.Link{
			link("c", "a", "implemented", "mapping"), link("s1", "g", "implemented", "mapping"),
		}, map[string]string{"F.C-1": "covered", "F.C-2": "partly_covered"}, map[string]bool{"F.C-2": true}},
		{"without inheritance a category's link reaches no subcategory", coverage.Rules{Counted: "subcategory"}, []coverage.Link{
			link("c", "a", "implemented", "mapping"),
		}, map[string]string{"F.C-1": "no_mapping"}, nil},
		{"derived links count at most as partly; a strong link of the same control wins", coverage.Rules{AllKinds: true}, []coverage.Link{
			link("s1", "a", "implemented", "derived"),
			link("s2", "a", "implemented", "derived"), link("s2", "a", "implemented", "manual"),
			link("s3", "b", "not_applicable", "derived"),
		}, map[string]string{"F.C-1": "partly_covered", "F.C-2": "covered", "F.C-3": "not_applicable", "F": "no_mapping"}, map[string]bool{"F.C-1": true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := coverage.Compute(tt.rules, handBuilt, tt.links)
			got := map[string]coverage.Item{}
			for _, it := range rep.Items {
				got[it.Ref] = it
			}
			for ref, want := range tt.want {
				if got[ref].State != want {
					t.Errorf("%s: %s, want %s (%+v)", ref, got[ref].State, want, got[ref].Controls)
				}
				if got[ref].Capped != tt.capped[ref] {
					t.Errorf("%s: capped %v", ref, got[ref].Capped)
				}
			}
			sum := 0
			for _, n := range rep.Counts {
				sum += n
			}
			if sum != rep.Total || rep.Total != len(rep.Items) {
				t.Errorf("counts %v add up to %d, total %d, %d items", rep.Counts, sum, rep.Total, len(rep.Items))
			}
		})
	}
}

func TestCoverageDrillDownAndPercent(t *testing.T) {
	rep := coverage.Compute(coverage.Rules{Counted: "subcategory"}, handBuilt, []coverage.Link{
		link("s1", "a", "implemented", "mapping"),
		link("s2", "a", "implemented", "mapping"), link("s2", "c", "planned", "mapping"), link("s2", "b", "not_applicable", "mapping"),
		link("s4", "b", "not_applicable", "mapping"),
	})
	// Of 7: 1 covered, 1 partly, 1 excluded, 4 with no mapping: the percentage is over the 2 mapped and applicable.
	if rep.Counts["covered"] != 1 || rep.Counts["partly_covered"] != 1 || rep.Counts["no_mapping"] != 4 || rep.Percent != 75 {
		t.Errorf("counts %v, percent %d", rep.Counts, rep.Percent)
	}
	for _, it := range rep.Items {
		if it.Ref == "F.C-2" && (len(it.ToCover) != 1 || it.ToCover[0].ID != "c") {
			t.Errorf("what would cover F.C-2: %+v", it.ToCover)
		}
	}
	iso := coverage.Compute(coverage.FrameworkRules["iso27001-2022"], []coverage.Requirement{
		{ID: "4", Ref: "4", Kind: "clause"}, {ID: "4.1", Ref: "4.1", Kind: "clause", ParentRef: "4"},
		{ID: "a1", Ref: "A.5.1", Kind: "control"},
	}, []coverage.Link{link("a1", "x", "implemented", "direct")})
	if iso.Total != 1 || len(iso.Clauses) != 1 || iso.Clauses[0].Ref != "4.1" || iso.Clauses[0].State != "not_assessed" || iso.Items[0].State != "covered" {
		t.Errorf("ISO: %+v", iso)
	}
}

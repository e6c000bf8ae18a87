package catalog_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/bulwark-isms/bulwark/catalog"
)

func load(t *testing.T) *catalog.Catalog {
	t.Helper()
	c, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCounts(t *testing.T) {
	c := load(t)
	kinds := map[string]int{}
	themes := map[string]int{}
	newIn2022 := 0
	for _, r := range c.Framework(catalog.ISO27001).Requirements {
		kinds[r.Kind]++
		if r.Kind == "control" {
			themes[r.Attributes["theme"][0]]++
			if r.Attributes["new_in_2022"][0] == "yes" {
				newIn2022++
			}
		}
	}
	if kinds["clause"] != 41 || kinds["control"] != 93 {
		t.Errorf("ISO 27001: %d clause rows, %d controls", kinds["clause"], kinds["control"])
	}
	if themes["Organizational"] != 37 || themes["People"] != 8 || themes["Physical"] != 14 || themes["Technological"] != 34 || newIn2022 != 11 {
		t.Errorf("themes %v, new in 2022 %d", themes, newIn2022)
	}
	for slug, want := range map[string]int{catalog.NISTCSF: 134, catalog.SOC2: 61, catalog.GDPR: 99, catalog.HIPAA: 68} {
		if got := len(c.Framework(slug).Requirements); got != want {
			t.Errorf("%s: %d rows, want %d", slug, got, want)
		}
	}
	mappings := map[string]int{}
	for _, m := range c.Mappings {
		mappings[m.FromFramework+"→"+m.ToFramework]++
	}
	for k, want := range map[string]int{"iso27001-2022→nist-csf-2.0": 412, "iso27001-2022→soc2-2017": 1405, "iso27001-2022→gdpr": 57, "hipaa-security→nist-csf-2.0": 953} {
		if mappings[k] != want {
			t.Errorf("%s: %d mapping rows, want %d", k, mappings[k], want)
		}
	}
	if d := c.DerivedHIPAA(); len(d["A.5.1"]) == 0 {
		t.Error("no HIPAA requirement derived for A.5.1 through CSF 2.0")
	}
}

func TestRefsAndTitles(t *testing.T) {
	c := load(t)
	if r := c.Requirement(catalog.ISO27001, "A.5.1"); r == nil || r.Title != "Policies for information security" {
		t.Errorf("A.5.1: %+v", r)
	}
	if r := c.Requirement(catalog.ISO27001, "5.1"); r == nil || r.Title != "Leadership and commitment" {
		t.Errorf("clause 5.1: %+v", r)
	}
	for _, f := range c.Frameworks {
		for _, r := range f.Requirements {
			if r.DisplayTitle == "" {
				t.Errorf("%s %s has nothing to show as a title", f.Slug, r.Ref)
			}
		}
	}
	if r := c.Requirement(catalog.SOC2, "CC6.1"); r.DisplayTitle != "Logical and Physical Access Controls" {
		t.Errorf("SOC 2 criterion shows %q", r.DisplayTitle)
	}
}

var sentenceSplit = regexp.MustCompile(`[.!?]+\s+`)

// TestGuidance enforces the minimums of Bulwark's own guidance: at least 60 words
// and three kinds of evidence per control, and no sentence shared by two controls.
func TestGuidance(t *testing.T) {
	c := load(t)
	seen := map[string]string{}
	n := 0
	for _, r := range c.Framework(catalog.ISO27001).Requirements {
		if r.Kind != "control" {
			continue
		}
		n++
		if w := len(strings.Fields(r.Guidance)); w < 60 {
			t.Errorf("%s: guidance has %d words, want at least 60", r.Ref, w)
		}
		if len(r.Evidence) < 3 {
			t.Errorf("%s: %d kinds of evidence, want at least 3", r.Ref, len(r.Evidence))
		}
		sentences := append(sentenceSplit.Split(r.Guidance, -1), r.Evidence...)
		for _, s := range sentences {
			key := strings.ToLower(strings.Join(strings.Fields(strings.Trim(s, " .")), " "))
			if len(key) < 12 {
				continue
			}
			if other, ok := seen[key]; ok && other != r.Ref {
				t.Errorf("%s and %s share the sentence %q", other, r.Ref, s)
			}
			seen[key] = r.Ref
		}
	}
	if n != 93 {
		t.Fatalf("%d controls", n)
	}
}

func TestLibrary(t *testing.T) {
	c := load(t)
	threats, vulns, err := catalog.Library()
	if err != nil {
		t.Fatal(err)
	}
	if len(threats) < 40 || len(vulns) < 40 {
		t.Fatalf("%d threats, %d vulnerabilities", len(threats), len(vulns))
	}
	for _, e := range append(threats, vulns...) {
		if len(strings.Fields(e.Description)) < 8 || len(e.Controls) == 0 {
			t.Errorf("%s: thin entry", e.Ref)
		}
		for _, ref := range e.Controls {
			if r := c.Requirement(catalog.ISO27001, ref); r == nil || r.Kind != "control" {
				t.Errorf("%s names %s, which is not an Annex A control", e.Ref, ref)
			}
		}
	}
}

package suppliers_test

import (
	"testing"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/areas/suppliers"
)

// TestTier: the default tiering on the answers a health-tech company gives its suppliers.
func TestTier(t *testing.T) {
	def := suppliers.DefaultTiering()
	cases := []struct {
		name                 string
		data, access, replac string
		want, points         int
	}{
		{"cloud hosting of patient records", "special_category", "privileged", "hard", 1, 9},
		{"EHR integration partner", "special_category", "limited", "moderate", 1, 6},
		{"exactly the tier 1 threshold", "personal", "privileged", "easy", 1, 5},
		{"just below tier 1", "personal", "limited", "moderate", 2, 4},
		{"payroll bureau", "personal", "none", "moderate", 2, 3},
		{"exactly the tier 2 threshold", "internal", "limited", "easy", 2, 2},
		{"just below tier 2", "internal", "none", "easy", 3, 1},
		{"courier", "none", "none", "easy", 3, 0},
		{"an unknown answer counts nothing", "secret", "none", "easy", 3, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := def.Score(c.data, c.access, c.replac); got != c.points {
				t.Errorf("points %d, want %d", got, c.points)
			}
			if got := def.Tier(c.data, c.access, c.replac); got != c.want {
				t.Errorf("tier %d, want %d", got, c.want)
			}
		})
	}
	// The organisation's own weights: data counts for everything, the thresholds move.
	own := def
	own.DataProcessed = map[string]int{"none": 0, "internal": 0, "personal": 6, "special_category": 10}
	own.Tier1From, own.Tier2From = 8, 6
	for _, c := range []struct {
		data string
		want int
	}{{"special_category", 1}, {"personal", 2}, {"internal", 3}} {
		if got := own.Tier(c.data, "none", "easy"); got != c.want {
			t.Errorf("own weights, %s: tier %d, want %d", c.data, got, c.want)
		}
	}
	if got := suppliers.EffectiveTier(3, nil); got != 3 {
		t.Errorf("without an override: %d", got)
	}
	one := 1
	if got := suppliers.EffectiveTier(3, &one); got != 1 {
		t.Errorf("with an override: %d", got)
	}
}

// TestNextReview: the review interval follows the tier, across a leap day.
func TestNextReview(t *testing.T) {
	def := suppliers.DefaultTiering()
	d := func(s string) *string { return &s }
	cases := []struct {
		name string
		tier int
		last *string
		want string
	}{
		{"tier 1 every year", 1, d("2026-03-15"), "2027-03-15"},
		{"tier 2 every two years", 2, d("2026-03-15"), "2028-03-15"},
		{"tier 3 every three years", 3, d("2026-03-15"), "2029-03-15"},
		{"a leap day into a common year", 1, d("2028-02-29"), "2029-02-28"},
		{"a leap day, three years on", 3, d("2024-02-29"), "2027-02-28"},
		{"never reviewed", 1, nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := def.NextReview(c.tier, c.last)
			if (got == nil) != (c.want == "") || got != nil && *got != c.want {
				t.Errorf("got %v, want %q", got, c.want)
			}
		})
	}
	own := def
	own.ReviewYears1 = 2
	if got := own.NextReview(1, d("2026-01-10")); got == nil || *got != "2028-01-10" {
		t.Errorf("adjusted interval: %v", got)
	}
}

// TestTieringValidate: what an organisation may not set.
func TestTieringValidate(t *testing.T) {
	cases := []struct {
		name   string
		change func(t *suppliers.Tiering)
		field  string
	}{
		{"defaults", func(*suppliers.Tiering) {}, ""},
		{"a level missing", func(t *suppliers.Tiering) { t.SystemAccess = map[string]int{"none": 0, "limited": 1} }, "system_access"},
		{"a level unknown", func(t *suppliers.Tiering) { t.SystemAccess = map[string]int{"none": 0, "limited": 1, "root": 3} }, "system_access"},
		{"negative points", func(t *suppliers.Tiering) { t.Replaceability["hard"] = -1 }, "replaceability"},
		{"thresholds crossed", func(t *suppliers.Tiering) { t.Tier1From, t.Tier2From = 2, 5 }, "tier1_from"},
		{"no tier 3", func(t *suppliers.Tiering) { t.Tier2From = 0 }, "tier1_from"},
		{"review every 0 years", func(t *suppliers.Tiering) { t.ReviewYears2 = 0 }, "review_years_tier2"},
		{"review every 11 years", func(t *suppliers.Tiering) { t.ReviewYears3 = 11 }, "review_years_tier3"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tg := suppliers.DefaultTiering()
			c.change(&tg)
			err := tg.Validate()
			if c.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			found := false
			for _, f := range bulwark.FieldErrors(err) {
				found = found || f.Field == c.field
			}
			if !found {
				t.Errorf("want an error on %s, got %v %v", c.field, err, bulwark.FieldErrors(err))
			}
		})
	}
}

// TestContactCells: a contact written in a spreadsheet cell reads back as it was.
func TestContactCells(t *testing.T) {
	for _, c := range []suppliers.Contact{{Name: "Ana Silva", Email: "ana@host.example", Role: "Account manager"}, {Name: "Ben"}, {Email: "sec@host.example"},
		{Name: "Chris (Jr)", Email: "c@x.example"}} {
		if got := suppliers.ParseContact(suppliers.FormatContact(c)); got != c {
			t.Errorf("%+v → %q → %+v", c, suppliers.FormatContact(c), got)
		}
	}
}

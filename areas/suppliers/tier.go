package suppliers

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/field"
)

// The answers a supplier's tier is computed from (A.5.19): what data it handles,
// how far it reaches into the organisation's systems, and how hard it would be to
// replace.
var (
	DataProcessedLevels  = []string{"none", "internal", "personal", "special_category"}
	SystemAccessLevels   = []string{"none", "limited", "privileged"}
	ReplaceabilityLevels = []string{"easy", "moderate", "hard"}
)

// Tiering is an organisation's way of tiering its suppliers: points for each
// answer, the totals from which a supplier is tier 1 or tier 2 (below both, tier
// 3), and how many years may pass between reviews of a supplier of each tier.
type Tiering struct {
	DataProcessed  map[string]int `json:"data_processed"`
	SystemAccess   map[string]int `json:"system_access"`
	Replaceability map[string]int `json:"replaceability"`
	Tier1From      int            `json:"tier1_from"`
	Tier2From      int            `json:"tier2_from"`
	ReviewYears1   int            `json:"review_years_tier1"`
	ReviewYears2   int            `json:"review_years_tier2"`
	ReviewYears3   int            `json:"review_years_tier3"`
	Version        int            `json:"version"`
}

// DefaultTiering is the tiering an organisation starts with: special-category
// data, privileged access and a supplier that is hard to replace weigh most;
// tier 1 suppliers are reviewed every year, tier 2 every two, tier 3 every three.
func DefaultTiering() Tiering {
	return Tiering{
		DataProcessed:  map[string]int{"none": 0, "internal": 1, "personal": 2, "special_category": 4},
		SystemAccess:   map[string]int{"none": 0, "limited": 1, "privileged": 3},
		Replaceability: map[string]int{"easy": 0, "moderate": 1, "hard": 2},
		Tier1From:      5, Tier2From: 2,
		ReviewYears1: 1, ReviewYears2: 2, ReviewYears3: 3,
		Version: 1,
	}
}

// Validate checks that every answer has points from 0 to 10, that the tier 1
// threshold is above the tier 2 one, and that review intervals run from 1 to 10 years.
func (t *Tiering) Validate() error {
	var v bulwark.Validation
	for _, q := range []struct {
		name   string
		points map[string]int
		levels []string
	}{{"data_processed", t.DataProcessed, DataProcessedLevels}, {"system_access", t.SystemAccess, SystemAccessLevels}, {"replaceability", t.Replaceability, ReplaceabilityLevels}} {
		if len(q.points) != len(q.levels) {
			v.Add(q.name, "must give points to each of "+strings.Join(q.levels, ", "))
			continue
		}
		for _, l := range q.levels {
			p, ok := q.points[l]
			if !ok || p < 0 || p > 10 {
				v.Add(q.name, "must give each of "+strings.Join(q.levels, ", ")+" from 0 to 10 points")
				break
			}
		}
	}
	if t.Tier2From < 1 || t.Tier1From <= t.Tier2From || t.Tier1From > 30 {
		v.Add("tier1_from", "must be above tier2_from, which must be at least 1 (both at most 30)")
	}
	for _, y := range []struct {
		name string
		n    int
	}{{"review_years_tier1", t.ReviewYears1}, {"review_years_tier2", t.ReviewYears2}, {"review_years_tier3", t.ReviewYears3}} {
		if y.n < 1 || y.n > 10 {
			v.Add(y.name, "must be from 1 to 10 years")
		}
	}
	return v.Err()
}

// Score adds the points of a supplier's three answers. An answer outside the
// known levels counts nothing (validation refuses it before).
func (t *Tiering) Score(dataProcessed, systemAccess, replaceability string) int {
	return t.DataProcessed[dataProcessed] + t.SystemAccess[systemAccess] + t.Replaceability[replaceability]
}

// Tier computes the tier of a supplier from its answers: 1 (most critical) when
// its points reach Tier1From, 2 when they reach Tier2From, else 3.
func (t *Tiering) Tier(dataProcessed, systemAccess, replaceability string) int {
	switch s := t.Score(dataProcessed, systemAccess, replaceability); {
	case s >= t.Tier1From:
		return 1
	case s >= t.Tier2From:
		return 2
	default:
		return 3
	}
}

// ReviewYears is how many years may pass between two reviews of a supplier of tier.
func (t *Tiering) ReviewYears(tier int) int {
	switch tier {
	case 1:
		return t.ReviewYears1
	case 2:
		return t.ReviewYears2
	default:
		return t.ReviewYears3
	}
}

// NextReview is the date (YYYY-MM-DD) a supplier of tier last reviewed on
// lastReview is due for its next review; nil when it was never reviewed. A review
// on 29 February is next due on 28 February (or 29 in a leap year).
func (t *Tiering) NextReview(tier int, lastReview *string) *string {
	if lastReview == nil {
		return nil
	}
	d, err := time.Parse(time.DateOnly, *lastReview)
	if err != nil {
		return nil
	}
	years := t.ReviewYears(tier)
	next := time.Date(d.Year()+years, d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)
	if next.Month() != d.Month() { // 29 February into a common year
		next = time.Date(d.Year()+years, d.Month()+1, 0, 0, 0, 0, 0, time.UTC)
	}
	s := next.Format(time.DateOnly)
	return &s
}

// EffectiveTier is the tier that counts: the override when one is set, else the computed one.
func EffectiveTier(computed int, override *int) int {
	if override != nil {
		return *override
	}
	return computed
}

// validLevel checks one answer against its levels.
func validLevel(v *bulwark.Validation, name, value string, levels []string) {
	if !slices.Contains(levels, value) {
		v.Add(name, fmt.Sprintf("must be one of %s", strings.Join(levels, ", ")))
	}
}

// pointsSchema is the JSON schema of one answer's points: each level with 0 to 10.
func pointsSchema(levels []string) map[string]any {
	props := map[string]any{}
	for _, l := range levels {
		props[l] = map[string]any{"type": "integer", "minimum": 0, "maximum": 10}
	}
	return map[string]any{"type": "object", "properties": props, "required": levels, "additionalProperties": false}
}

// TieringEntity declares the tiering settings for the API.
var TieringEntity = field.FromStruct("SupplierTiering", Tiering{}).
	Writable("data_processed", "system_access", "replaceability", "tier1_from", "tier2_from", "review_years_tier1", "review_years_tier2", "review_years_tier3", "version").
	Shape("data_processed", pointsSchema(DataProcessedLevels)).Shape("system_access", pointsSchema(SystemAccessLevels)).Shape("replaceability", pointsSchema(ReplaceabilityLevels)).
	Describe("tier1_from", "Tier 1 from", "the points from which a supplier is tier 1").
	Describe("tier2_from", "Tier 2 from", "the points from which a supplier is tier 2 (below: tier 3)").
	Describe("review_years_tier1", "Tier 1 review every (years)", "").
	Describe("review_years_tier2", "Tier 2 review every (years)", "").
	Describe("review_years_tier3", "Tier 3 review every (years)", "").
	Range("review_years_tier1", 1, 10).Range("review_years_tier2", 1, 10).Range("review_years_tier3", 1, 10)

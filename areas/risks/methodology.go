package risks

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/bulwark-isms/bulwark"
)

// ScaleLevel is one step of a likelihood or impact scale.
type ScaleLevel struct {
	Value       int    `json:"value"`
	Label       string `json:"label"`
	Description string `json:"description"`
}

// Band maps a range of scores to a risk level.
type Band struct {
	Label string `json:"label"`
	Min   int    `json:"min"`
	Max   int    `json:"max"`
	Color string `json:"color"` // #rrggbb
}

// Score rules of a methodology.
const (
	ScoreProduct = "product" // score = likelihood × impact
	ScoreMatrix  = "matrix"  // score read from a matrix filled cell by cell
)

// Methodology is an organisation's documented risk method (6.1.2 a–b): the
// scales, how a score is derived, the level bands and the acceptance criteria.
// Versions are kept: risks record the version they were scored with.
type Methodology struct {
	Version        int          `json:"version"`
	Likelihood     []ScaleLevel `json:"likelihood"`
	Impact         []ScaleLevel `json:"impact"`
	ScoreRule      string       `json:"score_rule"`
	Matrix         [][]int      `json:"matrix,omitempty"` // [likelihood-1][impact-1], for the matrix rule
	Levels         []Band       `json:"levels"`
	AcceptableUpTo string       `json:"acceptable_up_to"` // the highest level whose residual risk is acceptable
	Status         string       `json:"status"`           // draft, approved
	CreatedBy      string       `json:"created_by,omitempty"`
	Contributors   []string     `json:"contributors,omitempty"` // everyone who saved the draft
	ApprovedBy     *string      `json:"approved_by"`
	ApprovedAt     *time.Time   `json:"approved_at"`
}

// DefaultMethodology is version 1 of every organisation: 5×5, score = L × I, Low
// 1–4, Medium 5–9, High 10–16, Critical 17–25, residual risk acceptable up to Medium.
func DefaultMethodology() Methodology {
	return Methodology{
		Version: 1,
		Likelihood: []ScaleLevel{
			{1, "Rare", "Not expected in the next five years; no known occurrence here or at peers."},
			{2, "Unlikely", "Could happen within five years; has happened at peers."},
			{3, "Possible", "Could happen within a year or two; has happened here before."},
			{4, "Likely", "Expected within the year; warning signs are present."},
			{5, "Almost certain", "Happening now or expected within months."},
		},
		Impact: []ScaleLevel{
			{1, "Negligible", "No lasting effect; handled in normal work."},
			{2, "Minor", "Short disruption or small cost; no customer or legal effect."},
			{3, "Moderate", "Noticeable disruption, complaints or cost; a reportable incident is possible."},
			{4, "Major", "Serious disruption, regulator interest, loss of important customers or data."},
			{5, "Severe", "Threatens the organisation: long outage, large fines, breach of many records."},
		},
		ScoreRule: ScoreProduct,
		Levels: []Band{
			{"Low", 1, 4, "#2e7d32"}, {"Medium", 5, 9, "#f9a825"}, {"High", 10, 16, "#ef6c00"}, {"Critical", 17, 25, "#c62828"},
		},
		AcceptableUpTo: "Medium",
		Status:         "approved",
	}
}

// Score derives the score of a likelihood and an impact.
func (m *Methodology) Score(likelihood, impact int) (int, error) {
	if likelihood < 1 || likelihood > len(m.Likelihood) {
		return 0, fmt.Errorf("likelihood must be from 1 to %d", len(m.Likelihood))
	}
	if impact < 1 || impact > len(m.Impact) {
		return 0, fmt.Errorf("impact must be from 1 to %d", len(m.Impact))
	}
	if m.ScoreRule == ScoreMatrix {
		return m.Matrix[likelihood-1][impact-1], nil
	}
	return likelihood * impact, nil
}

// Level returns the band a score falls in.
func (m *Methodology) Level(score int) (Band, bool) {
	for _, b := range m.Levels {
		if score >= b.Min && score <= b.Max {
			return b, true
		}
	}
	return Band{}, false
}

// levelRank is a band's position, lowest first.
func (m *Methodology) levelRank(label string) int {
	for i, b := range m.Levels {
		if b.Label == label {
			return i
		}
	}
	return -1
}

// Acceptable reports whether a residual level is within the acceptance criteria.
func (m *Methodology) Acceptable(level string) bool {
	r := m.levelRank(level)
	return r >= 0 && r <= m.levelRank(m.AcceptableUpTo)
}

// MaxScore is the highest score the methodology can give.
func (m *Methodology) MaxScore() int {
	best := 0
	for l := 1; l <= len(m.Likelihood); l++ {
		for i := 1; i <= len(m.Impact); i++ {
			if s, err := m.Score(l, i); err == nil && s > best {
				best = s
			}
		}
	}
	return best
}

// Validate checks the methodology: 3 to 10 levels per scale with values 1…n,
// a complete matrix for the matrix rule, contiguous bands covering every
// possible score, distinct band labels, and acceptance criteria naming a band.
func (m *Methodology) Validate() error {
	var v bulwark.Validation
	for _, sc := range []struct {
		field  string
		levels []ScaleLevel
	}{{"likelihood", m.Likelihood}, {"impact", m.Impact}} {
		if len(sc.levels) < 3 || len(sc.levels) > 10 {
			v.Add(sc.field, "must have 3 to 10 levels")
			continue
		}
		for i, l := range sc.levels {
			if l.Value != i+1 {
				v.Add(sc.field, "level values must be 1, 2, 3 … in order")
				break
			}
			if strings.TrimSpace(l.Label) == "" {
				v.Add(sc.field, fmt.Sprintf("level %d needs a label", i+1))
				break
			}
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	switch m.ScoreRule {
	case ScoreProduct:
		m.Matrix = nil
	case ScoreMatrix:
		if len(m.Matrix) != len(m.Likelihood) {
			v.Add("matrix", fmt.Sprintf("needs %d rows, one per likelihood level", len(m.Likelihood)))
			return v.Err()
		}
		for _, row := range m.Matrix {
			if len(row) != len(m.Impact) {
				v.Add("matrix", fmt.Sprintf("every row needs %d cells, one per impact level", len(m.Impact)))
				return v.Err()
			}
			for _, c := range row {
				if c < 1 || c > 1000 {
					v.Add("matrix", "cells must be scores from 1 to 1000")
					return v.Err()
				}
			}
		}
	default:
		v.Add("score_rule", `must be "product" or "matrix"`)
		return v.Err()
	}
	if len(m.Levels) < 2 || len(m.Levels) > 10 {
		v.Add("levels", "must have 2 to 10 bands")
		return v.Err()
	}
	bands := slices.Clone(m.Levels)
	slices.SortFunc(bands, func(a, b Band) int { return a.Min - b.Min })
	labels := map[string]bool{}
	next := 1
	for _, b := range bands {
		if strings.TrimSpace(b.Label) == "" || labels[strings.ToLower(b.Label)] {
			v.Add("levels", "every band needs a distinct label")
			return v.Err()
		}
		labels[strings.ToLower(b.Label)] = true
		if b.Min != next || b.Max < b.Min {
			v.Add("levels", fmt.Sprintf("bands must cover scores without gaps or overlaps; the band %q should start at %d", b.Label, next))
			return v.Err()
		}
		if b.Color != "" && !validColor(b.Color) {
			v.Add("levels", fmt.Sprintf("the colour of %q must be written #rrggbb", b.Label))
		}
		next = b.Max + 1
	}
	m.Levels = bands
	if max := m.MaxScore(); next-1 < max {
		v.Add("levels", fmt.Sprintf("bands stop at %d but scores reach %d", next-1, max))
	}
	if m.levelRank(m.AcceptableUpTo) < 0 {
		v.Add("acceptable_up_to", "must name one of the bands")
	}
	return v.Err()
}

func validColor(c string) bool {
	if len(c) != 7 || c[0] != '#' {
		return false
	}
	for _, r := range c[1:] {
		if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
			return false
		}
	}
	return true
}

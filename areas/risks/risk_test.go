package risks_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-isms/bulwark/areas/risks"
)

func ip(n int) *int       { return &n }
func sp(s string) *string { return &s }

func TestDefaultMethodology(t *testing.T) {
	m := risks.DefaultMethodology()
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		l, i  int
		score int
		level string
	}{{1, 1, 1, "Low"}, {2, 2, 4, "Low"}, {1, 5, 5, "Medium"}, {3, 3, 9, "Medium"}, {2, 5, 10, "High"}, {4, 4, 16, "High"}, {3, 6, 0, ""}, {5, 4, 20, "Critical"}, {5, 5, 25, "Critical"}}
	for _, tt := range tests {
		s, err := m.Score(tt.l, tt.i)
		if tt.level == "" {
			if err == nil {
				t.Errorf("%d×%d outside the scale gave %d", tt.l, tt.i, s)
			}
			continue
		}
		b, _ := m.Level(s)
		if s != tt.score || b.Label != tt.level {
			t.Errorf("%d×%d = %d %s, want %d %s", tt.l, tt.i, s, b.Label, tt.score, tt.level)
		}
	}
	if !m.Acceptable("Medium") || m.Acceptable("High") || m.Acceptable("nonsense") {
		t.Error("acceptance criteria: up to Medium")
	}
}

func TestMethodologyOnOtherScales(t *testing.T) {
	// A 3×4 matrix filled cell by cell, with three bands.
	m := risks.Methodology{
		Likelihood:     []risks.ScaleLevel{{1, "Low", ""}, {2, "Medium", ""}, {3, "High", ""}},
		Impact:         []risks.ScaleLevel{{1, "A", ""}, {2, "B", ""}, {3, "C", ""}, {4, "D", ""}},
		ScoreRule:      risks.ScoreMatrix,
		Matrix:         [][]int{{1, 1, 2, 3}, {1, 2, 3, 4}, {2, 3, 4, 5}},
		Levels:         []risks.Band{{"Green", 1, 2, "#00aa00"}, {"Amber", 3, 3, "#ffaa00"}, {"Red", 4, 5, "#aa0000"}},
		AcceptableUpTo: "Amber",
	}
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	if s, _ := m.Score(3, 4); s != 5 {
		t.Errorf("matrix cell (3,4) = %d", s)
	}
	if b, _ := m.Level(3); b.Label != "Amber" {
		t.Errorf("level of 3: %s", b.Label)
	}
	broken := []struct {
		name  string
		edit  func(m *risks.Methodology)
		field string
	}{
		{"two levels", func(m *risks.Methodology) { m.Likelihood = m.Likelihood[:2] }, "likelihood"},
		{"eleven levels", func(m *risks.Methodology) {
			for i := 4; i <= 11; i++ {
				m.Impact = append(m.Impact, risks.ScaleLevel{Value: i, Label: "x"})
			}
		}, "impact"},
		{"short matrix row", func(m *risks.Methodology) { m.Matrix = [][]int{{1, 1, 2}, {1, 2, 3, 4}, {2, 3, 4, 5}} }, "matrix"},
		{"gap between bands", func(m *risks.Methodology) { m.Levels[1].Min = 4 }, "levels"},
		{"bands stop short", func(m *risks.Methodology) { m.Levels[2].Max = 4 }, "levels"},
		{"unknown acceptance", func(m *risks.Methodology) { m.AcceptableUpTo = "Blue" }, "acceptable_up_to"},
		{"unknown rule", func(m *risks.Methodology) { m.ScoreRule = "sum" }, "score_rule"},
		{"bad colour", func(m *risks.Methodology) { m.Levels[0].Color = "green" }, "levels"},
	}
	for _, tt := range broken {
		c := m
		c.Likelihood = append([]risks.ScaleLevel(nil), m.Likelihood...)
		c.Impact = append([]risks.ScaleLevel(nil), m.Impact...)
		c.Levels = append([]risks.Band(nil), m.Levels...)
		tt.edit(&c)
		if err := c.Validate(); err == nil || !strings.Contains(toJSON(err), `"field":"`+tt.field+`"`) {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
}

func TestRiskDerive(t *testing.T) {
	m := risks.DefaultMethodology()
	r := risks.Risk{Title: "x", Status: "draft", InherentLikelihood: ip(4), InherentImpact: ip(5)}
	if err := r.Derive(&m); err != nil || *r.InherentScore != 20 || *r.InherentLevel != "Critical" || r.ResidualScore != nil {
		t.Fatalf("derive: %v %+v", err, r)
	}
	r.ResidualLikelihood, r.ResidualImpact = ip(6), ip(2)
	if err := r.Derive(&m); err == nil || !strings.Contains(toJSON(err), "residual_likelihood") {
		t.Errorf("a likelihood outside the scale: %v", err)
	}
	r.ResidualLikelihood, r.ResidualImpact = ip(2), nil
	if err := r.Derive(&m); err == nil || !strings.Contains(toJSON(err), "residual_likelihood") {
		t.Errorf("half a pair: %v", err)
	}
}

func TestCanAccept(t *testing.T) {
	m := risks.DefaultMethodology()
	owner, boss := "m-owner", "m-boss"
	high := risks.Risk{OwnerID: &owner, ResidualLevel: sp("High")}
	medium := risks.Risk{OwnerID: &owner, ResidualLevel: sp("Medium")}
	ownerSign := risks.SignOff{SignerID: owner, AsOwner: true}
	bossSign := risks.SignOff{SignerID: boss, AsApprover: true}
	both := risks.SignOff{SignerID: owner, AsOwner: true, AsApprover: true}
	tests := []struct {
		name       string
		r          risks.Risk
		s          []risks.SignOff
		segregated bool
		ok         bool
	}{
		{"within criteria, owner signed", medium, []risks.SignOff{ownerSign}, true, true},
		{"within criteria, nobody signed", medium, nil, true, false},
		{"within criteria, only an admin signed", medium, []risks.SignOff{bossSign}, true, false},
		{"above criteria, owner only", high, []risks.SignOff{ownerSign}, true, false},
		{"above criteria, owner and admin", high, []risks.SignOff{ownerSign, bossSign}, true, true},
		{"above criteria, one person who is both, segregation off", high, []risks.SignOff{both}, false, true},
		{"above criteria, one person who is both, segregation on", high, []risks.SignOff{both}, true, false},
		{"above criteria, owner who is admin and another admin, segregation on", high, []risks.SignOff{both, bossSign}, true, true},
		{"voided sign-off", medium, []risks.SignOff{{SignerID: owner, AsOwner: true, VoidedAt: timeNow()}}, true, false},
	}
	for _, tt := range tests {
		if err := risks.CanAccept(&tt.r, &m, tt.s, tt.segregated); (err == nil) != tt.ok {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
}

func timeNow() *time.Time { t := time.Now(); return &t }

func toJSON(err error) string {
	b, _ := json.Marshal(err)
	return string(b)
}

// TestHeatmapTextReadsOnEveryBand checks the counts' colour on the heat map: at least 4.5:1 (WCAG AA) on the
// default bands and on any colour a methodology may give a band.
func TestHeatmapTextReadsOnEveryBand(t *testing.T) {
	colours := []string{"#9e9e9e"}
	for _, b := range risks.DefaultMethodology().Levels {
		colours = append(colours, b.Color)
	}
	for r := 0; r < 256; r += 17 {
		for g := 0; g < 256; g += 17 {
			for b := 0; b < 256; b += 17 {
				colours = append(colours, fmt.Sprintf("#%02x%02x%02x", r, g, b))
			}
		}
	}
	for _, c := range colours {
		if got := risks.Contrast(c, risks.TextOn(c)); got < 4.5 {
			t.Errorf("text %s on %s: contrast %.2f", risks.TextOn(c), c, got)
		}
	}
	if risks.TextOn("#f9a825") != "#000000" || risks.TextOn("#c62828") != "#ffffff" {
		t.Errorf("yellow gets %s, red %s", risks.TextOn("#f9a825"), risks.TextOn("#c62828"))
	}
}

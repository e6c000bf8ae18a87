package suppliers_test

import (
	"regexp"
	"testing"

	"github.com/bulwark-isms/bulwark/areas/suppliers"
)

// TestStarterTemplate: at least 30 questions, each with an id of its own, a weight and real Annex A references.
func TestStarterTemplate(t *testing.T) {
	qs := suppliers.StarterTemplate.Questions
	if len(qs) < 30 {
		t.Fatalf("%d questions, want at least 30", len(qs))
	}
	annex := regexp.MustCompile(`^A\.(5\.([1-9]|[12][0-9]|3[0-7])|6\.[1-8]|7\.([1-9]|1[0-4])|8\.([1-9]|[12][0-9]|3[0-4]))$`)
	seen := map[string]bool{}
	for _, q := range qs {
		if seen[q.ID] || q.Text == "" || q.Weight < 1 || q.Weight > 5 || len(q.Annex) == 0 {
			t.Errorf("%s: duplicate, empty or unweighted", q.ID)
		}
		seen[q.ID] = true
		for _, r := range q.Annex {
			if !annex.MatchString(r) {
				t.Errorf("%s: %q is not an Annex A control of ISO/IEC 27001:2022", q.ID, r)
			}
		}
	}
}

// TestScore: yes earns the weight, partial half, no nothing; not applicable leaves the score.
func TestScore(t *testing.T) {
	qs := []suppliers.Question{{ID: "Q1", Weight: 4}, {ID: "Q2", Weight: 2}, {ID: "Q3", Weight: 2}}
	a := func(vs ...string) map[string]suppliers.Answer {
		out := map[string]suppliers.Answer{}
		for i, v := range vs {
			if v != "" {
				out[qs[i].ID] = suppliers.Answer{Value: v}
			}
		}
		return out
	}
	cases := []struct {
		name    string
		answers map[string]suppliers.Answer
		want    int // -1: no score
	}{
		{"all yes", a("yes", "yes", "yes"), 100},
		{"all no", a("no", "no", "no"), 0},
		{"heavy yes, light no", a("yes", "no", "no"), 50},
		{"partial halves", a("partial", "partial", "partial"), 50},
		{"not applicable leaves the score", a("yes", "na", "no"), 67},
		{"unanswered counts as no", a("yes", "", ""), 50},
		{"all not applicable", a("na", "na", "na"), -1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := suppliers.Score(qs, c.answers)
			if c.want < 0 {
				if got != nil {
					t.Errorf("got %d, want no score", *got)
				}
				return
			}
			if got == nil || *got != c.want {
				t.Errorf("got %v, want %d", got, c.want)
			}
		})
	}
}

// TestCheckAnswers: drafts may be partial; a submission answers every question, explaining each gap.
func TestCheckAnswers(t *testing.T) {
	qs := []suppliers.Question{{ID: "Q1", Weight: 1}, {ID: "Q2", Weight: 1}}
	cases := []struct {
		name     string
		answers  map[string]suppliers.Answer
		complete bool
		ok       bool
	}{
		{"a partial draft", map[string]suppliers.Answer{"Q1": {Value: "yes"}}, false, true},
		{"an unknown question", map[string]suppliers.Answer{"Q9": {Value: "yes"}}, false, false},
		{"an unknown value", map[string]suppliers.Answer{"Q1": {Value: "maybe"}}, false, false},
		{"submitted incomplete", map[string]suppliers.Answer{"Q1": {Value: "yes"}}, true, false},
		{"a no without a comment", map[string]suppliers.Answer{"Q1": {Value: "yes"}, "Q2": {Value: "no"}}, true, false},
		{"a no explained", map[string]suppliers.Answer{"Q1": {Value: "na"}, "Q2": {Value: "no", Comment: "planned for Q3"}}, true, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := suppliers.CheckAnswers(qs, c.answers, c.complete); (err == nil) != c.ok {
				t.Errorf("ok=%v, got %v", c.ok, err)
			}
		})
	}
}

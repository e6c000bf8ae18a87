// Package gaps is the gap assessment: a framework's requirements answered one by one (ISO/IEC 27001 by
// default: the 30 clauses of 4 to 10 and the 93 Annex A controls), scored per clause and per Annex A theme,
// the gaps ranked, kept so that two assessments can be compared, and able to seed the control set's statuses.
package gaps

import (
	"cmp"
	"slices"
	"time"

	"github.com/bulwark-isms/bulwark/field"
)

// Answers a requirement may get.
const (
	NotImplemented = "not_implemented"
	Partial        = "partial"
	Implemented    = "implemented"
	NotApplicable  = "not_applicable"
)

// AnswerValues lists the answers, weakest first.
var AnswerValues = []string{NotImplemented, Partial, Implemented, NotApplicable}

// AnswerLabels are the answers as people read them.
var AnswerLabels = map[string]string{NotImplemented: "Not implemented", Partial: "Partly implemented", Implemented: "Implemented", NotApplicable: "Not applicable", "": "Not answered"}

// Assessment states.
const (
	InProgress = "in_progress"
	Finished   = "finished"
)

// Assessment is a gap assessment with its answers and scores.
type Assessment struct {
	ID            string     `json:"id"`
	Ref           string     `json:"ref"`
	Title         string     `json:"title"`
	Framework     string     `json:"framework"` // slug
	FrameworkName string     `json:"framework_name"`
	Status        string     `json:"status"`
	CreatedBy     *string    `json:"created_by"`
	CreatedAt     time.Time  `json:"created_at"`
	FinishedAt    *time.Time `json:"finished_at"`
	Version       int        `json:"version"`
	Progress      Progress   `json:"progress"`
	Score         int        `json:"score"` // 0–100 over the applicable answers
	Groups        []Group    `json:"groups"`
	Items         []Item     `json:"items,omitempty"`
	Gaps          []Item     `json:"gaps,omitempty"` // ranked, worst first
}

// Progress is how many requirements are answered.
type Progress struct {
	Answered int `json:"answered"`
	Total    int `json:"total"`
	Percent  int `json:"percent"`
}

// Item is a requirement with its answer.
type Item struct {
	RequirementID string `json:"requirement_id"`
	Ref           string `json:"ref"`
	Title         string `json:"title"`
	Group         string `json:"group"`  // clause 4 … 10, an Annex A theme, a function …
	Answer        string `json:"answer"` // "" while not answered
	Notes         string `json:"notes"`
	EvidenceURL   string `json:"evidence_url"`
}

// Group is the score of one clause, theme or function.
type Group struct {
	Name     string `json:"name"`
	Answered int    `json:"answered"`
	Total    int    `json:"total"`
	Score    int    `json:"score"` // 0–100 over its applicable answers; -1 when none is answered yet
}

// Change is how one requirement's answer moved between two assessments.
type Change struct {
	Ref    string `json:"ref"`
	Title  string `json:"title"`
	Before string `json:"before"`
	After  string `json:"after"`
}

// Comparison lists what improved and what regressed from one assessment to another of the same framework.
type Comparison struct {
	From      string   `json:"from"`
	To        string   `json:"to"`
	Improved  []Change `json:"improved"`
	Regressed []Change `json:"regressed"`
	Unchanged int      `json:"unchanged"`
}

// The area's entities, as the API decodes and answers with them.
var (
	AssessmentEntity = field.FromStruct("GapAssessment", Assessment{}).Writable("title", "framework").
				Describe("title", "Title", "a name for the assessment; default: the framework and the date").
				Describe("framework", "Framework", "the framework assessed, by slug or id (default iso27001-2022)")
	AnswerEntity = field.FromStruct("GapAnswer", Item{}).Writable("requirement_id", "answer", "notes", "evidence_url").
			Require("requirement_id", "answer").OneOf("answer", AnswerValues).
			Describe("evidence_url", "Evidence link", "a link to what shows the answer (a document, a ticket, a file share)")
	ComparisonEntity = field.FromStruct("GapComparison", Comparison{})
)

// points is an answer's weight in a score: implemented 2, partial 1, not implemented 0 (halves of a point).
func points(answer string) (int, bool) {
	switch answer {
	case Implemented:
		return 2, true
	case Partial:
		return 1, true
	case NotImplemented:
		return 0, true
	}
	return 0, false // not applicable or not answered: outside the score
}

// rank orders answers from weakest to strongest, for comparisons: not answered counts as not implemented.
func rank(answer string) int {
	switch answer {
	case Implemented:
		return 2
	case Partial:
		return 1
	}
	return 0
}

// Rescore fills the progress, the overall score, the groups' scores (in the order their first item appears)
// and the ranked gaps from the items.
func (a *Assessment) Rescore() {
	a.Progress = Progress{Total: len(a.Items)}
	var sum, total int
	groups := map[string]*Group{}
	var order []string
	for _, it := range a.Items {
		g := groups[it.Group]
		if g == nil {
			g = &Group{Name: it.Group}
			groups[it.Group] = g
			order = append(order, it.Group)
		}
		g.Total++
		if it.Answer == "" {
			continue
		}
		a.Progress.Answered++
		g.Answered++
	}
	a.Groups = make([]Group, 0, len(order))
	for _, name := range order {
		g := groups[name]
		var gs, gm int
		for _, it := range a.Items {
			if it.Group != name {
				continue
			}
			if p, ok := points(it.Answer); ok {
				gs, gm = gs+p, gm+2
			}
		}
		g.Score = -1
		if gm > 0 {
			g.Score = 100 * gs / gm
		}
		sum, total = sum+gs, total+gm
		a.Groups = append(a.Groups, *g)
	}
	if total > 0 {
		a.Score = 100 * sum / total
	}
	if a.Progress.Total > 0 {
		a.Progress.Percent = 100 * a.Progress.Answered / a.Progress.Total
	}
	score := map[string]int{}
	for _, g := range a.Groups {
		score[g.Name] = g.Score
	}
	a.Gaps = nil
	for _, it := range a.Items {
		if it.Answer == NotImplemented || it.Answer == Partial {
			a.Gaps = append(a.Gaps, it)
		}
	}
	// Worst first: not implemented before partial, then the weakest group, then the catalog's order.
	slices.SortStableFunc(a.Gaps, func(x, y Item) int {
		return cmp.Or(cmp.Compare(rank(x.Answer), rank(y.Answer)), cmp.Compare(score[x.Group], score[y.Group]))
	})
}

// Compare lists, requirement by requirement, what improved and regressed from a to b.
func Compare(a, b *Assessment) *Comparison {
	before := map[string]string{}
	for _, it := range a.Items {
		before[it.RequirementID] = it.Answer
	}
	c := &Comparison{From: a.Ref, To: b.Ref, Improved: []Change{}, Regressed: []Change{}}
	for _, it := range b.Items {
		was, ok := before[it.RequirementID]
		if !ok || was == it.Answer || it.Answer == "" {
			c.Unchanged++
			continue
		}
		ch := Change{Ref: it.Ref, Title: it.Title, Before: was, After: it.Answer}
		switch {
		case it.Answer == NotApplicable || was == NotApplicable:
			c.Unchanged++ // in or out of scope: neither better nor worse
		case rank(it.Answer) > rank(was):
			c.Improved = append(c.Improved, ch)
		case rank(it.Answer) < rank(was):
			c.Regressed = append(c.Regressed, ch)
		default:
			c.Unchanged++
		}
	}
	return c
}

// ControlStatus is the control status an answer seeds.
func ControlStatus(answer string) string {
	return map[string]string{NotImplemented: "not_started", Partial: "partial", Implemented: "implemented", NotApplicable: "not_applicable"}[answer]
}

package training

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/field"
)

// Question is one question of a module's quiz: the options and which is right.
type Question struct {
	Question    string   `json:"question"`
	Options     []string `json:"options"`
	Answer      int      `json:"answer"` // the zero-based index of the right option
	Explanation string   `json:"explanation"`
}

// Training is a training or awareness module (A.6.3): Markdown content and an
// optional quiz with a pass mark.
type Training struct {
	ID          string     `json:"id"`
	Ref         string     `json:"ref"`
	Title       string     `json:"title"`
	Description string     `json:"description"`
	Content     string     `json:"content"`
	Minutes     int        `json:"minutes"`
	PassMark    *int       `json:"pass_mark"`
	Quiz        []Question `json:"quiz"`
	BuiltinID   string     `json:"builtin_id"`
	Version     int        `json:"version"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	ArchivedAt  *time.Time `json:"archived_at"`
}

// Validate checks a module and its quiz.
func (t *Training) Validate() error {
	var v bulwark.Validation
	t.Title = strings.TrimSpace(t.Title)
	if t.Title == "" || utf8.RuneCountInString(t.Title) > 200 {
		v.Add("title", "is required, at most 200 characters")
	}
	if len(t.Content) > 300_000 {
		v.Add("content", "must be at most 300,000 characters")
	}
	if t.Minutes < 0 || t.Minutes > 600 {
		v.Add("minutes", "must be from 0 to 600")
	}
	if t.PassMark != nil && (*t.PassMark < 1 || *t.PassMark > 100) {
		v.Add("pass_mark", "must be a percentage from 1 to 100")
	}
	if t.PassMark != nil && len(t.Quiz) == 0 {
		v.Add("pass_mark", "needs a quiz to mark")
	}
	if len(t.Quiz) > 100 {
		v.Add("quiz", "at most 100 questions")
	}
	for i, q := range t.Quiz {
		if strings.TrimSpace(q.Question) == "" || len(q.Options) < 2 || len(q.Options) > 6 || q.Answer < 0 || q.Answer >= len(q.Options) {
			v.Add("quiz", fmt.Sprintf("question %d needs its text, 2 to 6 options and the index of the right one", i+1))
			break
		}
	}
	return v.Err()
}

// Score marks answers (an option index per question) against the quiz, in percent.
func Score(quiz []Question, answers []int) (int, error) {
	if len(answers) != len(quiz) {
		return 0, bulwark.Invalid("answers", fmt.Sprintf("answer each of the %d questions (got %d answers)", len(quiz), len(answers)))
	}
	right := 0
	for i, q := range quiz {
		if answers[i] < 0 || answers[i] >= len(q.Options) {
			return 0, bulwark.Invalid("answers", fmt.Sprintf("answer %d is not one of the question's options", i+1))
		}
		if answers[i] == q.Answer {
			right++
		}
	}
	return right * 100 / len(quiz), nil
}

// Passed says whether score passes t (a module without a quiz is passed by completing it).
func (t *Training) Passed(score *int) bool {
	if len(t.Quiz) == 0 || t.PassMark == nil {
		return true
	}
	return score != nil && *score >= *t.PassMark
}

// ForTaker is the module as a person taking it sees it: the quiz without answers.
func (t *Training) ForTaker() *Training {
	c := *t
	c.Quiz = make([]Question, len(t.Quiz))
	for i, q := range t.Quiz {
		c.Quiz[i] = Question{Question: q.Question, Options: q.Options, Answer: -1}
	}
	return &c
}

// Recurrences of a campaign.
var Recurrences = []string{"none", "yearly"}

// Campaign assigns modules to everyone, groups or named people by a due date,
// once or every year.
type Campaign struct {
	ID          string    `json:"id"`
	Ref         string    `json:"ref"`
	Title       string    `json:"title"`
	TrainingIDs []string  `json:"training_ids"`
	Everyone    bool      `json:"everyone"`
	GroupIDs    []string  `json:"group_ids"`
	PersonIDs   []string  `json:"person_ids"`
	StartDate   string    `json:"start_date"`
	DueDate     string    `json:"due_date"`
	Recurrence  string    `json:"recurrence"`
	Status      string    `json:"status"` // active, closed
	CycleStart  string    `json:"cycle_start"`
	CycleDue    string    `json:"cycle_due"`
	Assigned    int       `json:"assigned"`
	Completed   int       `json:"completed"`
	Overdue     int       `json:"overdue"`
	Version     int       `json:"version"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Validate checks a campaign's own fields.
func (c *Campaign) Validate() error {
	var v bulwark.Validation
	c.Title = strings.TrimSpace(c.Title)
	if c.Title == "" || utf8.RuneCountInString(c.Title) > 200 {
		v.Add("title", "is required, at most 200 characters")
	}
	if len(c.TrainingIDs) == 0 {
		v.Add("training_ids", "choose at least one module")
	}
	if !c.Everyone && len(c.GroupIDs) == 0 && len(c.PersonIDs) == 0 {
		v.Add("everyone", "choose everyone, groups or people")
	}
	if !bulwark.ValidDate(c.StartDate) {
		v.Add("start_date", "must be a date such as 2026-12-31")
	}
	if !bulwark.ValidDate(c.DueDate) {
		v.Add("due_date", "must be a date such as 2026-12-31")
	} else if bulwark.ValidDate(c.StartDate) && c.DueDate < c.StartDate {
		v.Add("due_date", "must be on or after the start date")
	}
	if !slices.Contains(Recurrences, c.Recurrence) {
		v.Add("recurrence", "must be none or yearly")
	}
	return v.Err()
}

// Cycle returns the current cycle of a campaign on day today: its start and due
// dates. A yearly campaign starts again each anniversary of its start date, so a
// completion counts for the cycle it falls in; a one-off campaign has one cycle.
func Cycle(start, due, recurrence, today string) (cycleStart, cycleDue string) {
	if recurrence != "yearly" {
		return start, due
	}
	s, err1 := time.Parse("2006-01-02", start)
	d, err2 := time.Parse("2006-01-02", due)
	t, err3 := time.Parse("2006-01-02", today)
	if err1 != nil || err2 != nil || err3 != nil || t.Before(s) {
		return start, due
	}
	years := t.Year() - s.Year()
	if s.AddDate(years, 0, 0).After(t) {
		years--
	}
	return s.AddDate(years, 0, 0).Format("2006-01-02"), d.AddDate(years, 0, 0).Format("2006-01-02")
}

// Record is one completion (or failed attempt) of a module by a person.
type Record struct {
	ID            string    `json:"id"`
	TrainingID    string    `json:"training_id"`
	TrainingRef   string    `json:"training_ref"`
	TrainingTitle string    `json:"training_title"`
	PersonID      string    `json:"person_id"`
	PersonRef     string    `json:"person_ref"`
	PersonName    string    `json:"person_name"`
	Email         string    `json:"email"`
	CampaignID    *string   `json:"campaign_id"`
	CompletedAt   time.Time `json:"completed_at"`
	Score         *int      `json:"score"`
	Passed        bool      `json:"passed"`
	Via           string    `json:"via"` // account, link, manual
	Notes         string    `json:"notes"`
}

// Entities of the training API.
var (
	TrainingEntity = field.FromStruct("Training", Training{}).Writable("title", "description", "content", "minutes", "pass_mark", "quiz", "version").
			Require("title").Range("minutes", 0, 600).Range("pass_mark", 1, 100).Shape("quiz", map[string]any{"type": "array", "items": map[string]any{"type": "object",
		"properties": map[string]any{"question": map[string]any{"type": "string"}, "options": map[string]any{"type": "array", "items": map[string]any{"type": "string"}},
			"answer": map[string]any{"type": "integer"}, "explanation": map[string]any{"type": "string"}}, "required": []string{"question", "options", "answer"}}})
	CampaignEntity = field.FromStruct("TrainingCampaign", Campaign{}).Writable("title", "training_ids", "everyone", "group_ids", "person_ids", "start_date", "due_date", "recurrence", "status", "version").
			Require("title", "training_ids", "due_date").OneOf("recurrence", Recurrences).OneOf("status", []string{"active", "closed"})
	RecordEntity = field.FromStruct("TrainingRecord", Record{}).Writable("training_id", "person_id", "notes", "score").Require("training_id", "person_id").
			Range("score", 0, 100).Add(field.Field{Name: "completed_on", Kind: field.Date, Input: true, Help: "the day the person completed it (default today)"})
	AttemptEntity = &field.Entity{Name: "TrainingAttempt", Fields: []field.Field{
		{Name: "answers", Kind: field.Objects, Help: "the index of the chosen option for each question, in order (an array of integers)", Schema: map[string]any{"type": "array", "items": map[string]any{"type": "integer"}}},
		{Name: "token", Kind: field.String, Help: "through a personal link: its token"},
		{Name: "training_id", Kind: field.String, Help: "through a personal link: the module taken"},
	}}
)

// QuizText writes a quiz in the plain form people edit it in: a question per
// block, its options on lines starting "- ", the right one starting "* ".
func QuizText(quiz []Question) string {
	var b strings.Builder
	for i, q := range quiz {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(q.Question + "\n")
		for j, o := range q.Options {
			mark := "- "
			if j == q.Answer {
				mark = "* "
			}
			b.WriteString(mark + o + "\n")
		}
		if q.Explanation != "" {
			b.WriteString("Why: " + q.Explanation + "\n")
		}
	}
	return b.String()
}

// ParseQuiz reads the plain form QuizText writes; a block without exactly one
// right option is an error naming it.
func ParseQuiz(s string) ([]Question, error) {
	out := []Question{}
	var cur *Question
	right := 0
	finish := func() error {
		if cur == nil {
			return nil
		}
		if right != 1 || len(cur.Options) < 2 {
			return bulwark.Invalid("quiz", fmt.Sprintf("question %d (%q) needs at least two options (lines starting - ) and exactly one right one (starting * )", len(out)+1, cur.Question))
		}
		out = append(out, *cur)
		cur, right = nil, 0
		return nil
	}
	for _, line := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "":
			if err := finish(); err != nil {
				return nil, err
			}
		case cur == nil:
			cur = &Question{Question: line, Options: []string{}}
		case strings.HasPrefix(line, "- "):
			cur.Options = append(cur.Options, strings.TrimSpace(line[2:]))
		case strings.HasPrefix(line, "* "):
			cur.Answer = len(cur.Options)
			cur.Options = append(cur.Options, strings.TrimSpace(line[2:]))
			right++
		case strings.HasPrefix(line, "Why: "):
			cur.Explanation = strings.TrimSpace(line[5:])
		default:
			cur.Question += " " + line
		}
	}
	if err := finish(); err != nil {
		return nil, err
	}
	return out, nil
}

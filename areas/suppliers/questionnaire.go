package suppliers

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/field"
)

// Answers a supplier may give to a question.
const (
	AnswerYes     = "yes"
	AnswerNo      = "no"
	AnswerPartial = "partial"
	AnswerNA      = "na"
)

// AnswerValues are the answers a question takes.
var AnswerValues = []string{AnswerYes, AnswerNo, AnswerPartial, AnswerNA}

// Questionnaire statuses: sent and not opened for writing yet, a draft saved by
// the supplier, submitted (the link is used up), then accepted by a reviewer or
// sent back with follow-ups.
const (
	QSent      = "sent"
	QDraft     = "draft"
	QSubmitted = "submitted"
	QAccepted  = "accepted"
	QFollowUp  = "follow_up"
)

// QuestionnaireStatuses are a questionnaire's statuses.
var QuestionnaireStatuses = []string{QSent, QDraft, QSubmitted, QAccepted, QFollowUp}

// QuestionnaireRefPrefix starts questionnaire references (SQ-001).
const QuestionnaireRefPrefix = "SQ"

// LinkDays is how long a questionnaire link works unless the sender says otherwise.
const LinkDays = 30

// Question is one question of a questionnaire: what is asked, the Annex A
// controls it gives assurance on, and how much it weighs in the score.
type Question struct {
	ID     string   `json:"id"`
	Text   string   `json:"text"`
	Annex  []string `json:"annex_refs"`
	Weight int      `json:"weight"`
}

// Template is a questionnaire as the organisation sends it.
type Template struct {
	ID        string     `json:"id"`
	Title     string     `json:"title"`
	Questions []Question `json:"questions"`
}

// Answer is a supplier's answer to one question.
type Answer struct {
	Value   string `json:"value"`
	Comment string `json:"comment"`
}

// QuestionnaireFile is a file a supplier attached to its answers.
type QuestionnaireFile struct {
	N           int       `json:"n"`
	Question    string    `json:"question"`
	Filename    string    `json:"filename"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	CreatedAt   time.Time `json:"created_at"`
}

// Questionnaire is a security questionnaire sent to a supplier contact.
type Questionnaire struct {
	ID           string              `json:"id"`
	Ref          string              `json:"ref"`
	SupplierID   string              `json:"supplier_id"`
	SupplierRef  string              `json:"supplier_ref"`
	SupplierName string              `json:"supplier_name"`
	Template     string              `json:"template"`
	Questions    []Question          `json:"questions"`
	ContactName  string              `json:"contact_name"`
	ContactEmail string              `json:"contact_email"`
	Status       string              `json:"status"`
	Answers      map[string]Answer   `json:"answers"`
	Score        *int                `json:"score"`
	SentBy       *string             `json:"sent_by"`
	SentAt       time.Time           `json:"sent_at"`
	ExpiresAt    time.Time           `json:"expires_at"`
	SubmittedAt  *time.Time          `json:"submitted_at"`
	ReviewedBy   *string             `json:"reviewed_by"`
	ReviewedAt   *time.Time          `json:"reviewed_at"`
	ReviewNote   string              `json:"review_note"`
	Files        []QuestionnaireFile `json:"files"`
	Link         string              `json:"link,omitempty"`
	Version      int                 `json:"version"`
	CreatedAt    time.Time           `json:"created_at"`
	UpdatedAt    time.Time           `json:"updated_at"`
}

// Open reports whether the supplier may still write answers (not yet submitted).
func (q *Questionnaire) Open() bool { return q.Status == QSent || q.Status == QDraft }

// Score is the weighted share of assurance the answers give, from 0 to 100: a yes
// earns a question's whole weight, a partial half of it, a no nothing; a question
// answered "not applicable" leaves the score, and one not answered counts as a no.
// nil when every question is not applicable.
func Score(questions []Question, answers map[string]Answer) *int {
	earned, possible := 0.0, 0
	for _, q := range questions {
		a := answers[q.ID]
		switch a.Value {
		case AnswerNA:
			continue
		case AnswerYes:
			earned += float64(q.Weight)
		case AnswerPartial:
			earned += float64(q.Weight) / 2
		}
		possible += q.Weight
	}
	if possible == 0 {
		return nil
	}
	s := int(math.Round(100 * earned / float64(possible)))
	return &s
}

// CheckAnswers validates answers against the questions: known questions and
// values, comments of at most 5,000 characters; complete also requires every
// question answered, and a comment for every no and partial (how the gap is covered).
func CheckAnswers(questions []Question, answers map[string]Answer, complete bool) error {
	var v bulwark.Validation
	known := map[string]bool{}
	for _, q := range questions {
		known[q.ID] = true
	}
	ids := make([]string, 0, len(answers))
	for id := range answers {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		a := answers[id]
		switch {
		case !known[id]:
			v.Add("answers", fmt.Sprintf("%s is not a question of this questionnaire", id))
		case a.Value != "" && !slices.Contains(AnswerValues, a.Value):
			v.Add(id, "must be yes, no, partial or na")
		case utf8.RuneCountInString(a.Comment) > 5000:
			v.Add(id, "the comment must be at most 5,000 characters")
		}
	}
	if complete {
		for _, q := range questions {
			a := answers[q.ID]
			switch {
			case a.Value == "":
				v.Add(q.ID, "needs an answer")
			case (a.Value == AnswerNo || a.Value == AnswerPartial) && strings.TrimSpace(a.Comment) == "":
				v.Add(q.ID, "needs a comment: say what is missing and what covers it meanwhile")
			}
		}
	}
	return v.Err()
}

// StarterTemplate is Bulwark's own security questionnaire for suppliers: what an
// organisation asks before it trusts a supplier with its data or systems, each
// question tied to the Annex A controls it gives assurance on.
var StarterTemplate = Template{ID: "starter-v1", Title: "Supplier security questionnaire", Questions: []Question{
	{"Q01", "Do you hold a written information security policy, approved by your management and reviewed at least once a year?", []string{"A.5.1"}, 3},
	{"Q02", "Is a named person or team accountable for information security, with responsibilities written down?", []string{"A.5.2", "A.5.4"}, 2},
	{"Q03", "Do you keep an inventory of the systems and information assets that would hold or process our data?", []string{"A.5.9"}, 2},
	{"Q04", "Do you classify information and handle ours according to its classification?", []string{"A.5.12", "A.5.13"}, 2},
	{"Q05", "Is access to our data granted on a need-to-know basis and removed promptly when people change role or leave?", []string{"A.5.15", "A.5.18"}, 4},
	{"Q06", "Do all accounts with access to our data or to production use multi-factor authentication?", []string{"A.5.17", "A.8.5"}, 4},
	{"Q07", "Are privileged accounts limited, named to individuals, and their use logged?", []string{"A.8.2", "A.8.15"}, 4},
	{"Q08", "Are access rights reviewed at planned intervals, at least twice a year for privileged access?", []string{"A.5.18"}, 3},
	{"Q09", "Do you assess your own suppliers (sub-processors) for security before using them, and can you list those that touch our data?", []string{"A.5.19", "A.5.21"}, 3},
	{"Q10", "Will you tell us before adding or replacing a sub-processor that handles our data?", []string{"A.5.20", "A.5.22"}, 2},
	{"Q11", "If you provide a cloud service, is the split of security responsibilities between you and your customers documented?", []string{"A.5.23"}, 3},
	{"Q12", "Do you have a documented incident response process, tested at least once a year?", []string{"A.5.24", "A.5.26"}, 4},
	{"Q13", "Will you notify us of a security incident affecting our data within 24 hours of becoming aware of it?", []string{"A.5.24", "A.6.8"}, 4},
	{"Q14", "Do you collect and preserve evidence when investigating an incident?", []string{"A.5.28"}, 2},
	{"Q15", "Do you have business continuity and disaster recovery plans covering the service you provide us, tested in the last year?", []string{"A.5.29", "A.5.30"}, 3},
	{"Q16", "Do you know the legal and contractual requirements (data protection law among them) that apply to the service, and meet them?", []string{"A.5.31", "A.5.34"}, 3},
	{"Q17", "Has your security been independently assessed (certification, attestation report or penetration test) in the last 12 months?", []string{"A.5.35"}, 3},
	{"Q18", "Are staff screened before they are given access to customer data, as the law allows?", []string{"A.6.1"}, 2},
	{"Q19", "Do staff sign confidentiality terms and receive security awareness training at least once a year?", []string{"A.6.2", "A.6.3", "A.6.6"}, 2},
	{"Q20", "Is remote working covered by rules that protect the data staff handle away from the office?", []string{"A.6.7"}, 1},
	{"Q21", "Are the premises and data centres that hold our data protected against unauthorised physical entry?", []string{"A.7.1", "A.7.2"}, 2},
	{"Q22", "Are storage media and equipment wiped or destroyed securely when they are disposed of?", []string{"A.7.10", "A.7.14"}, 2},
	{"Q23", "Are laptops and other user devices encrypted, managed centrally and protected against malware?", []string{"A.8.1", "A.8.7"}, 3},
	{"Q24", "Do you scan for technical vulnerabilities and fix critical ones within a defined time, such as 14 days?", []string{"A.8.8"}, 4},
	{"Q25", "Are systems built from hardened, documented configurations?", []string{"A.8.9"}, 2},
	{"Q26", "Is our data backed up, the backups protected from tampering, and restores tested?", []string{"A.8.13"}, 3},
	{"Q27", "Are security events logged centrally, kept for at least a year, and monitored for anything unusual?", []string{"A.8.15", "A.8.16"}, 3},
	{"Q28", "Are networks segmented so that systems holding our data are separated from others?", []string{"A.8.20", "A.8.22"}, 2},
	{"Q29", "Is our data encrypted in transit and at rest, with keys managed under a documented process?", []string{"A.8.24"}, 4},
	{"Q30", "Do you follow a secure development process, with code review and security testing before release?", []string{"A.8.25", "A.8.28", "A.8.29"}, 3},
	{"Q31", "Are development, test and production environments kept apart, with no real customer data in test?", []string{"A.8.31", "A.8.33"}, 2},
	{"Q32", "Do changes to production go through a controlled change process?", []string{"A.8.32"}, 2},
	{"Q33", "Will you return or securely delete our data at the end of the contract, and confirm it in writing?", []string{"A.5.14", "A.8.10"}, 3},
	{"Q34", "Do you process and store our data only in the countries agreed with us?", []string{"A.5.34", "A.5.14"}, 3},
}}

// Templates are the questionnaires an organisation can send.
var Templates = []Template{StarterTemplate}

// TemplateByID returns the template id, or nil.
func TemplateByID(id string) *Template {
	for i := range Templates {
		if Templates[i].ID == id {
			return &Templates[i]
		}
	}
	return nil
}

// TemplateEntity declares a questionnaire template for the API.
var TemplateEntity = field.FromStruct("QuestionnaireTemplate", Template{}).
	Shape("questions", map[string]any{"type": "array", "items": map[string]any{"type": "object", "properties": map[string]any{
		"id": map[string]any{"type": "string"}, "text": map[string]any{"type": "string"}, "weight": map[string]any{"type": "integer"},
		"annex_refs": map[string]any{"type": "array", "items": map[string]any{"type": "string"}}}}})

// QuestionnaireEntity declares a questionnaire for the API.
var QuestionnaireEntity = field.FromStruct("SupplierQuestionnaire", Questionnaire{}).
	OneOf("status", QuestionnaireStatuses).
	Describe("link", "Personal link", "the supplier contact's personal link (only in the answer to sending)").
	Describe("score", "Score", "0 to 100: the weighted share of assurance the answers give").
	Shape("questions", TemplateEntity.Field("questions").Schema).
	Shape("answers", map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "object", "properties": map[string]any{
		"value": map[string]any{"type": "string", "enum": AnswerValues}, "comment": map[string]any{"type": "string"}}}})

// SendEntity declares sending a questionnaire to a supplier contact.
var SendEntity = &field.Entity{Name: "SupplierQuestionnaireSend", Fields: []field.Field{
	{Name: "contact_email", Label: "Contact email", Kind: field.String, Required: true, Help: "who answers: usually one of the supplier's contacts"},
	{Name: "contact_name", Label: "Contact name", Kind: field.String},
	{Name: "template", Label: "Template", Kind: field.String, Help: "a template id; the starter questionnaire when not given"},
	{Name: "expires_in_days", Label: "Link works for (days)", Kind: field.Int, Min: 1, Max: 90, Help: "30 when not given"},
}}

// ReviewEntity declares a reviewer's decision on a submitted questionnaire.
var ReviewEntity = &field.Entity{Name: "SupplierQuestionnaireReview", Fields: []field.Field{
	{Name: "note", Label: "Note", Kind: field.String, Help: "for a follow-up, what the supplier must still answer or do (required)"},
	{Name: "reviewed_on", Label: "Reviewed on", Kind: field.Date, Help: "the day of the review; today when not given"},
}}

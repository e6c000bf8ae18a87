package obligations

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/field"
)

// RefPrefix starts every obligation's reference: OB-001.
const RefPrefix = "OB"

// Where an obligation comes from.
const (
	SourceLaw        = "law"        // a statute, such as a data protection act
	SourceRegulation = "regulation" // a regulation or a regulator's rule, such as the GDPR or the HIPAA rules
	SourceContract   = "contract"   // an agreement with a customer, supplier or partner
	SourceStandard   = "standard"   // a standard the organisation has committed to, such as PCI DSS
)

// Sources lists where obligations come from, in the order forms offer them.
var Sources = []string{SourceLaw, SourceRegulation, SourceContract, SourceStandard}

// Regimes that other areas recognise: the incident area starts regulatory clocks
// for them. Any other obligation has no regime ("").
const (
	RegimeGDPR  = "gdpr"
	RegimeHIPAA = "hipaa"
)

// KnownRegimes lists the regimes an obligation may name besides none.
var KnownRegimes = []string{RegimeGDPR, RegimeHIPAA}

// regimeValues are the values the regime field accepts: none, or a known regime.
var regimeValues = []string{"", RegimeGDPR, RegimeHIPAA}

// An obligation is active, or archived (no longer applies; kept, readable by id).
const (
	StatusActive   = "active"
	StatusArchived = "archived"
)

// Statuses lists an obligation's states.
var Statuses = []string{StatusActive, StatusArchived}

// Obligation is one legal, statutory, regulatory or contractual requirement the
// organisation must meet (A.5.31), with who answers for it, the controls and
// framework requirements that meet it, and when it is next reviewed.
type Obligation struct {
	ID             string     `json:"id"`
	Ref            string     `json:"ref"`
	Title          string     `json:"title"`
	Source         string     `json:"source"`
	Jurisdiction   string     `json:"jurisdiction"`
	Requirement    string     `json:"requirement"`
	OwnerID        *string    `json:"owner_id"`
	Regime         string     `json:"regime"`
	ControlIDs     []string   `json:"control_ids"`
	ControlRefs    []string   `json:"control_refs"`
	RequirementIDs []string   `json:"requirement_ids"`
	SuggestionKey  string     `json:"suggestion_key"`
	ReviewDate     *string    `json:"review_date"`
	LastReviewedOn *string    `json:"last_reviewed_on"`
	PastReview     bool       `json:"past_review"`
	Status         string     `json:"status"`
	Version        int        `json:"version"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
	ArchivedAt     *time.Time `json:"archived_at"`
}

// ObligationEntity declares an obligation's fields: the API decodes and documents them from this one declaration.
var ObligationEntity = field.FromStruct("Obligation", Obligation{}).
	Writable("ref", "title", "source", "jurisdiction", "requirement", "owner_id", "regime", "control_ids", "requirement_ids", "review_date", "last_reviewed_on", "version").
	Require("title", "source").
	OneOf("source", Sources).OneOf("regime", regimeValues).OneOf("status", Statuses).
	Dates("review_date", "last_reviewed_on").
	Describe("ref", "Reference", "OB-001; given on create when left out").
	Describe("title", "Obligation", "the duty in a line").
	Describe("source", "Source", "law, regulation, contract or standard").
	Describe("jurisdiction", "Jurisdiction", "where it applies, such as EU, US or a customer's name for a contract").
	Describe("requirement", "What must be done", "the requirement in the organisation's own words").
	Describe("owner_id", "Owner", "the member who answers for meeting it (default: whoever records it)").
	Describe("regime", "Regime", "gdpr or hipaa when the obligation puts the organisation under that regime (incidents use it), else empty").
	Describe("control_ids", "Controls", "the organisation's controls that meet it: ids or refs such as A.5.31").
	Describe("control_refs", "Control refs", "the refs of the linked controls, in the order of control_ids").
	Describe("requirement_ids", "Framework requirements", "catalog requirement ids, such as gdpr:Art. 32 or hipaa-security:164.312(b)").
	Describe("suggestion_key", "Adopted from", "the key of the suggestion it was adopted from, if any").
	Describe("review_date", "Next review", "when it is next reviewed; marking it reviewed moves it a year on").
	Describe("last_reviewed_on", "Last reviewed", "the day it was last reviewed").
	Describe("past_review", "Past review", "active and its review date has passed").
	Describe("status", "Status", "active, or archived when it no longer applies")

// Validate checks an obligation's own fields.
func (o *Obligation) Validate() error {
	var v bulwark.Validation
	switch n := utf8.RuneCountInString(o.Title); {
	case strings.TrimSpace(o.Title) == "":
		v.Add("title", "is required")
	case n > 200:
		v.Add("title", "must be at most 200 characters")
	}
	if !slices.Contains(Sources, o.Source) {
		v.Add("source", "must be law, regulation, contract or standard")
	}
	if utf8.RuneCountInString(o.Jurisdiction) > 100 {
		v.Add("jurisdiction", "must be at most 100 characters")
	}
	if utf8.RuneCountInString(o.Requirement) > 20000 {
		v.Add("requirement", "must be at most 20,000 characters")
	}
	if !slices.Contains(regimeValues, o.Regime) {
		v.Add("regime", "must be gdpr, hipaa or empty")
	}
	if o.ReviewDate != nil && !bulwark.ValidDate(*o.ReviewDate) {
		v.Add("review_date", "must be a date such as 2027-06-30")
	}
	if o.LastReviewedOn != nil && !bulwark.ValidDate(*o.LastReviewedOn) {
		v.Add("last_reviewed_on", "must be a date such as 2026-12-01")
	}
	if len(o.ControlIDs) > 200 {
		v.Add("control_ids", "must name at most 200 controls")
	}
	if len(o.RequirementIDs) > 200 {
		v.Add("requirement_ids", "must name at most 200 requirements")
	}
	return v.Err()
}

// IsPastReview reports whether an active obligation's review date is before today.
func (o *Obligation) IsPastReview(today string) bool {
	return o.ArchivedAt == nil && o.ReviewDate != nil && *o.ReviewDate < today
}

// NextReview is the review date a year after day (an ISO date); 29 February
// moves to 28 February.
func NextReview(day string) string {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return day
	}
	next := t.AddDate(1, 0, 0)
	if next.Day() != t.Day() { // 29 February + 1 year rolls into March: stay in February
		next = next.AddDate(0, 0, -next.Day())
	}
	return next.Format(time.DateOnly)
}

// Readiness is how the obligations register stands for A.5.31: how many
// obligations there are, how many apply, how many of those were reviewed in
// the last year, and how many are past their review date.
type Readiness struct {
	Total              int `json:"total"`
	Active             int `json:"active"`
	ReviewedInLastYear int `json:"reviewed_in_last_year"`
	PastReview         int `json:"past_review"`
}

// Suggestion is an obligation an organisation can adopt: a common duty under
// GDPR or HIPAA, described in Bulwark's own words, with the Annex A controls
// and the catalog requirements that usually answer it.
type Suggestion struct {
	Key            string   `json:"key"`
	Regime         string   `json:"regime"`
	Title          string   `json:"title"`
	Source         string   `json:"source"`
	Jurisdiction   string   `json:"jurisdiction"`
	Requirement    string   `json:"requirement"`
	ControlRefs    []string `json:"control_refs"`
	RequirementIDs []string `json:"requirement_ids"`
	Adopted        bool     `json:"adopted"`
	ObligationID   *string  `json:"obligation_id"`
}

// SuggestionEntity declares a suggestion as the API lists it.
var SuggestionEntity = field.FromStruct("ObligationSuggestion", Suggestion{}).
	OneOf("regime", KnownRegimes).OneOf("source", Sources).
	Describe("adopted", "Adopted", "the organisation already holds an obligation adopted from it").
	Describe("obligation_id", "Obligation", "the obligation adopted from it, if any")

// AdoptEntity declares what an adoption names: a whole regime's suggestions, or some by key.
var AdoptEntity = &field.Entity{Name: "ObligationAdoption", Fields: []field.Field{
	{Name: "regime", Label: "Regime", Kind: field.String, Enum: KnownRegimes, Help: "adopt every suggestion of this regime"},
	{Name: "keys", Label: "Suggestions", Kind: field.Strings, Help: "adopt these suggestions, by key"},
}}

// AdoptResult is what an adoption did: the obligations it created, and the
// keys it skipped because they were adopted already.
type AdoptResult struct {
	Created []*Obligation `json:"created"`
	Skipped []string      `json:"skipped"`
}

// AdoptResultEntity declares an adoption's answer.
var AdoptResultEntity = field.FromStruct("ObligationAdoptionResult", AdoptResult{})

func gdprReq(arts ...string) []string {
	out := make([]string, len(arts))
	for i, a := range arts {
		out[i] = "gdpr:Art. " + a
	}
	return out
}

func hipaaReq(refs ...string) []string {
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i] = "hipaa-security:" + r
	}
	return out
}

// Suggestions are the obligations Bulwark offers to adopt, GDPR first. The
// texts are Bulwark's summaries, not the legal text: read the regulation itself
// before relying on them.
var Suggestions = []Suggestion{
	{Key: "gdpr-records-of-processing", Regime: RegimeGDPR, Source: SourceRegulation, Jurisdiction: "EU",
		Title:       "Know and record what personal data we process and why",
		Requirement: "Keep an up-to-date inventory of our processing of personal data: the purposes, the kinds of people and data involved, who receives the data, transfers outside the EU, how long we keep it and how it is protected. Each purpose rests on a lawful basis we have identified and written down.",
		ControlRefs: []string{"A.5.34", "A.5.9", "A.5.31"}, RequirementIDs: gdprReq("6", "30")},
	{Key: "gdpr-security-of-processing", Regime: RegimeGDPR, Source: SourceRegulation, Jurisdiction: "EU",
		Title:       "Protect personal data with measures that fit the risk",
		Requirement: "Choose technical and organisational safeguards for personal data in proportion to the risk to the people concerned — for example encryption or pseudonymisation, keeping systems available and recoverable, and testing regularly that the safeguards still work.",
		ControlRefs: []string{"A.5.34", "A.8.24", "A.5.15", "A.8.13"}, RequirementIDs: gdprReq("32")},
	{Key: "gdpr-breach-notification-authority", Regime: RegimeGDPR, Source: SourceRegulation, Jurisdiction: "EU",
		Title:       "Tell the supervisory authority about personal-data breaches within 72 hours",
		Requirement: "When a breach of personal data is likely to put people's rights at risk, report it to the lead supervisory authority no later than 72 hours after we become aware of it, explaining any delay. Record every breach, reported or not, with its facts, effects and what we did.",
		ControlRefs: []string{"A.5.24", "A.5.26", "A.6.8"}, RequirementIDs: gdprReq("33")},
	{Key: "gdpr-breach-communication-subjects", Regime: RegimeGDPR, Source: SourceRegulation, Jurisdiction: "EU",
		Title:       "Inform the people affected by a high-risk breach without undue delay",
		Requirement: "When a breach is likely to cause a high risk to the people whose data is involved, tell them promptly and in plain language what happened, what it may mean for them and what they and we are doing about it — unless, for example, the data was unreadable to the attacker.",
		ControlRefs: []string{"A.5.26", "A.5.24"}, RequirementIDs: gdprReq("34")},
	{Key: "gdpr-dpia", Regime: RegimeGDPR, Source: SourceRegulation, Jurisdiction: "EU",
		Title:       "Assess the impact of high-risk processing before it starts",
		Requirement: "Before starting processing that is likely to pose a high risk to people — new technology, large-scale health data, systematic monitoring — carry out a data protection impact assessment, and consult the supervisory authority when the remaining risk stays high.",
		ControlRefs: []string{"A.5.34", "A.5.8"}, RequirementIDs: gdprReq("35")},
	{Key: "gdpr-processors", Regime: RegimeGDPR, Source: SourceRegulation, Jurisdiction: "EU",
		Title:       "Use only processors that give sufficient guarantees, under a written contract",
		Requirement: "Engage processors only when they can show adequate protection of personal data, and bind each one by a contract that limits them to our instructions and covers confidentiality, security, sub-processors, help with people's rights, deletion at the end and audits.",
		ControlRefs: []string{"A.5.19", "A.5.20", "A.5.34"}, RequirementIDs: gdprReq("28")},
	{Key: "gdpr-dpo", Regime: RegimeGDPR, Source: SourceRegulation, Jurisdiction: "EU",
		Title:       "Appoint a data protection officer where the law requires one",
		Requirement: "Decide, and record why, whether we must have a data protection officer (for example because our core activity involves large-scale processing of health data). If so, appoint one with the right expertise, publish their contact details and tell the supervisory authority.",
		ControlRefs: []string{"A.5.2", "A.5.34"}, RequirementIDs: gdprReq("37")},
	{Key: "gdpr-data-subject-rights", Regime: RegimeGDPR, Source: SourceRegulation, Jurisdiction: "EU",
		Title:       "Answer people's requests about their data within a month",
		Requirement: "Have a way to receive, verify and answer requests from people to see, correct, erase, restrict, move or object to the use of their personal data, and to challenge purely automated decisions — normally within one month, free of charge.",
		ControlRefs: []string{"A.5.34", "A.8.10"}, RequirementIDs: gdprReq("12", "15", "16", "17", "18", "20", "21", "22")},

	{Key: "hipaa-risk-analysis", Regime: RegimeHIPAA, Source: SourceRegulation, Jurisdiction: "US",
		Title:       "Analyse the risks to electronic protected health information",
		Requirement: "Carry out, and keep current, an accurate and thorough assessment of the risks and weaknesses that could affect the confidentiality, integrity and availability of the ePHI we create, receive, keep or send, and reduce them to a reasonable level.",
		ControlRefs: []string{"A.5.34", "A.8.8"}, RequirementIDs: hipaaReq("164.308(a)(1)(ii)(A)", "164.308(a)(1)(ii)(B)")},
	{Key: "hipaa-workforce-training", Regime: RegimeHIPAA, Source: SourceRegulation, Jurisdiction: "US",
		Title:       "Train every member of the workforce in security",
		Requirement: "Run a security awareness and training programme for everyone who works with us, management included, with periodic reminders, and keep a record of who was trained and when.",
		ControlRefs: []string{"A.6.3"}, RequirementIDs: hipaaReq("164.308(a)(5)(i)", "164.308(a)(5)(ii)(A)")},
	{Key: "hipaa-business-associates", Regime: RegimeHIPAA, Source: SourceRegulation, Jurisdiction: "US",
		Title:       "Sign business associate agreements before sharing ePHI",
		Requirement: "Let a business associate create, receive, keep or send ePHI on our behalf only under a written agreement in which they promise to safeguard it and to report security incidents and breaches to us.",
		ControlRefs: []string{"A.5.19", "A.5.20"}, RequirementIDs: hipaaReq("164.308(b)(1)")},
	{Key: "hipaa-breach-notification", Regime: RegimeHIPAA, Source: SourceRegulation, Jurisdiction: "US",
		Title:       "Notify individuals, HHS and, for large breaches, the media of breaches of unsecured PHI",
		Requirement: "Under the Breach Notification Rule (45 CFR 164.404–164.408): tell each affected person without unreasonable delay and within 60 days of discovering a breach; tell HHS within the same 60 days when 500 or more people are affected, otherwise in a yearly log; tell prominent media when more than 500 residents of one state are affected. As a business associate, tell the covered entity instead.",
		ControlRefs: []string{"A.5.24", "A.5.26"}, RequirementIDs: nil},
	{Key: "hipaa-access-control", Regime: RegimeHIPAA, Source: SourceRegulation, Jurisdiction: "US",
		Title:       "Allow access to ePHI only to those who need it",
		Requirement: "Configure the systems that hold ePHI so that only authorised people and programs can reach it, each user with their own identifier, with an emergency access procedure, automatic log-off and encryption where reasonable.",
		ControlRefs: []string{"A.5.15", "A.5.18", "A.8.5"}, RequirementIDs: hipaaReq("164.312(a)(1)", "164.312(a)(2)(i)")},
	{Key: "hipaa-audit-controls", Regime: RegimeHIPAA, Source: SourceRegulation, Jurisdiction: "US",
		Title:       "Record and examine activity in systems that hold ePHI",
		Requirement: "Use hardware, software or procedures that record what happens in systems containing ePHI, and review those records regularly for inappropriate access or use.",
		ControlRefs: []string{"A.8.15", "A.8.16"}, RequirementIDs: hipaaReq("164.312(b)")},
}

// SuggestionsFor returns the suggestions of a regime (all of them for "").
func SuggestionsFor(regime string) []Suggestion {
	var out []Suggestion
	for _, s := range Suggestions {
		if regime == "" || s.Regime == regime {
			out = append(out, s)
		}
	}
	return out
}

// SuggestionByKey returns the suggestion of key, or nil.
func SuggestionByKey(key string) *Suggestion {
	for i := range Suggestions {
		if Suggestions[i].Key == key {
			return &Suggestions[i]
		}
	}
	return nil
}

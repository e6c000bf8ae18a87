package documents

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/field"
)

// Document types and the reference prefix each starts with.
var (
	Types    = []string{"policy", "procedure", "standard", "plan", "record"}
	Prefixes = map[string]string{"policy": "POL", "procedure": "PRO", "standard": "STD", "plan": "PLN", "record": "REC"}
)

// The states of a document's working copy.
const (
	Draft     = "draft"
	InReview  = "in_review"
	Approved  = "approved"
	Published = "published"
	Retired   = "retired"
)

// Statuses lists the working copy's states in their order.
var Statuses = []string{Draft, InReview, Approved, Published, Retired}

// Bumps are how far publishing moves the revision: 1.0 → 1.1 or 1.1 → 2.0.
var Bumps = []string{"minor", "major"}

// Document is an entry of the document register (7.5): its working copy, and the
// revision last published.
type Document struct {
	ID                string     `json:"id"`
	Ref               string     `json:"ref"`
	Type              string     `json:"type"`
	Title             string     `json:"title"`
	Body              string     `json:"body"`
	OwnerID           *string    `json:"owner_id"`
	Classification    string     `json:"classification"`
	ControlIDs        []string   `json:"control_ids"`
	RequirementIDs    []string   `json:"requirement_ids"`
	ReviewMonths      int        `json:"review_months"`
	NextReviewDate    *string    `json:"next_review_date"`
	ReviewOverdue     bool       `json:"review_overdue"`
	Status            string     `json:"status"`
	PublishedRevision *string    `json:"published_revision"`
	Revision          *string    `json:"revision"` // the same, under the name CONTRACT.md gives a document's published revision
	Filename          string     `json:"filename"`
	ContentType       string     `json:"content_type"`
	Size              int64      `json:"size"`
	SHA256            *string    `json:"sha256"`
	Authors           []string   `json:"authors"`
	SubmittedBy       *string    `json:"submitted_by"`
	SubmittedAt       *time.Time `json:"submitted_at"`
	ApprovedBy        *string    `json:"approved_by"`
	ApprovedAt        *time.Time `json:"approved_at"`
	ReturnComment     string     `json:"return_comment"`
	TemplateID        string     `json:"template_id"`
	Version           int        `json:"version"`
	CreatedAt         time.Time  `json:"created_at"`
	UpdatedAt         time.Time  `json:"updated_at"`
	ArchivedAt        *time.Time `json:"archived_at"`

	major, minor *int // the published revision's numbers
}

// Revision is a published revision of a document: what was approved and
// published, never changed afterwards.
type Revision struct {
	Revision       string     `json:"revision"`
	Title          string     `json:"title"`
	Type           string     `json:"type"`
	Body           string     `json:"body"`
	Classification string     `json:"classification"`
	Filename       string     `json:"filename"`
	ContentType    string     `json:"content_type"`
	Size           int64      `json:"size"`
	SHA256         *string    `json:"sha256"`
	ChangeSummary  string     `json:"change_summary"`
	Authors        []string   `json:"authors"`
	ApprovedBy     string     `json:"approved_by"`
	ApprovedAt     time.Time  `json:"approved_at"`
	PublishedBy    string     `json:"published_by"`
	PublishedAt    time.Time  `json:"published_at"`
	Diff           []DiffLine `json:"diff,omitempty"` // against the previous revision, on a single revision

	Major, Minor int `json:"-"`
}

// RevisionLabel writes a revision number as people read it: "1.0".
func RevisionLabel(major, minor int) string { return fmt.Sprintf("%d.%d", major, minor) }

// ParseRevision reads "1.2" into its numbers.
func ParseRevision(s string) (major, minor int, ok bool) {
	a, b, found := strings.Cut(strings.TrimSpace(s), ".")
	if !found {
		return 0, 0, false
	}
	if _, err := fmt.Sscanf(a+" "+b, "%d %d", &major, &minor); err != nil || major < 1 || minor < 0 || fmt.Sprintf("%d.%d", major, minor) != strings.TrimSpace(s) {
		return 0, 0, false
	}
	return major, minor, true
}

// NextRevision is the revision publishing makes after major.minor (nil: never
// published, so 1.0).
func NextRevision(major, minor *int, bump string) (int, int) {
	if major == nil {
		return 1, 0
	}
	if bump == "major" {
		return *major + 1, 0
	}
	return *major, *minor + 1
}

// Validate checks a document's own fields.
func (d *Document) Validate(classifications []string) error {
	var v bulwark.Validation
	d.Title = strings.TrimSpace(d.Title)
	if d.Title == "" {
		v.Add("title", "is required")
	} else if utf8.RuneCountInString(d.Title) > 200 {
		v.Add("title", "must be at most 200 characters")
	}
	if !slices.Contains(Types, d.Type) {
		v.Add("type", "must be one of "+strings.Join(Types, ", "))
	}
	if len(d.Body) > 500_000 {
		v.Add("body", "must be at most 500,000 characters")
	}
	if d.Classification != "" && !slices.Contains(classifications, d.Classification) {
		v.Add("classification", "must be one of the organisation's classifications: "+strings.Join(classifications, ", "))
	}
	if d.ReviewMonths < 1 || d.ReviewMonths > 60 {
		v.Add("review_months", "must be from 1 to 60 months")
	}
	if d.NextReviewDate != nil && !bulwark.ValidDate(*d.NextReviewDate) {
		v.Add("next_review_date", "must be a date such as 2026-12-31")
	}
	return v.Err()
}

// hasContent says whether the working copy holds something to approve.
func (d *Document) hasContent() bool { return strings.TrimSpace(d.Body) != "" || d.SHA256 != nil }

// DocumentEntity declares the document's fields once for the API and the form.
var DocumentEntity = field.FromStruct("Document", Document{}).
	Writable("ref", "type", "title", "body", "owner_id", "classification", "control_ids", "requirement_ids", "review_months", "next_review_date", "version").
	OneOf("type", Types).Range("review_months", 1, 60).
	Describe("title", "Title", "required, unless the document starts from a template (then the template's title)").
	Describe("ref", "Ref", "POL-001 for policies (PRO-, STD-, PLN-, REC- for the other types); the next free one when not given").
	Describe("body", "Body", "the text in Markdown; raw HTML is shown as text, never run").
	Describe("owner_id", "Owner", "the member accountable for the document (default: whoever creates it)").
	Describe("review_months", "Review cycle (months)", "how often the document is reviewed; publishing sets the next review date from it (default 12)").
	Describe("status", "Status", "the working copy's state: draft, in_review, approved, published or retired; changed by the workflow steps").
	Describe("published_revision", "Published revision", `the revision readers see ("1.0", "1.1", "2.0"); null until first published`).
	Describe("revision", "Revision", "the published revision again, as CONTRACT.md names it").
	Describe("authors", "Authors", "the members who edited or submitted the working copy since the last publication: with segregation of duties none of them may approve it").
	Writable("template_id").Describe("template_id", "Template", "on create: start from one of GET /api/v1/document-templates, its text with the organisation's details filled in").
	Add(field.Field{Name: "scope", Kind: field.String, Input: true, Help: "with template_id: the ISMS scope as the template should state it (default: the whole organisation)"})

// StepEntity is the body of a workflow step.
var StepEntity = &field.Entity{Name: "DocumentStep", Fields: []field.Field{
	{Name: "comment", Label: "Comment", Kind: field.String, Help: "why the document is returned (required to return it)"},
	{Name: "bump", Label: "Revision", Kind: field.String, Enum: Bumps, Help: "publishing: minor (1.0 → 1.1, the default) or major (1.1 → 2.0, asks for acknowledgement again)"},
	{Name: "change_summary", Label: "Change summary", Kind: field.String, Help: "publishing: what changed since the previous revision (required after the first)"},
}}

// RevisionEntity declares a published revision.
var RevisionEntity = field.FromStruct("DocumentRevision", Revision{})

package incidents

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/field"
)

// Incident is a reported information security event or weakness (A.6.8), the
// start of incident management (A.5.24–5.28).
type Incident struct {
	ID           string     `json:"id"`
	Ref          string     `json:"ref"`
	Title        string     `json:"title"`
	Description  string     `json:"description"`
	Status       string     `json:"status"`
	ReportedBy   *string    `json:"reported_by"`
	DiscoveredAt *time.Time `json:"discovered_at"`
	Version      int        `json:"version"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
}

// Report is what an employee tells: what happened or what is weak, and when they noticed.
type Report struct {
	Title        string
	Description  string
	DiscoveredAt *time.Time
}

// Validate checks a report.
func (r *Report) Validate(now time.Time) error {
	var v bulwark.Validation
	r.Title, r.Description = strings.TrimSpace(r.Title), strings.TrimSpace(r.Description)
	if r.Title == "" || utf8.RuneCountInString(r.Title) > 200 {
		v.Add("title", "is required: say in a few words what happened or what is weak (at most 200 characters)")
	}
	if utf8.RuneCountInString(r.Description) > 20000 {
		v.Add("description", "must be at most 20,000 characters")
	}
	if r.DiscoveredAt != nil && r.DiscoveredAt.After(now.Add(5*time.Minute)) {
		v.Add("discovered_at", "cannot be in the future")
	}
	return v.Err()
}

// Entities of the incident API.
var (
	IncidentEntity = field.FromStruct("Incident", Incident{})
	ReportEntity   = &field.Entity{Name: "IncidentReport", Fields: []field.Field{
		{Name: "title", Label: "What happened", Kind: field.String, Required: true, Help: "a few words: a suspicious email, a lost laptop, a door left open"},
		{Name: "description", Label: "Details", Kind: field.String, Help: "what you saw, when, who or what is affected"},
		{Name: "discovered_at", Label: "Noticed at", Kind: field.DateTime, Nullable: true, Help: "when you noticed it (RFC 3339; default now)"},
	}}
)

package bulwark

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// ValidDate reports whether s is a calendar date written YYYY-MM-DD.
func ValidDate(s string) bool {
	_, err := time.Parse("2006-01-02", s)
	return err == nil
}

// FormatRef writes a register reference: prefix, dash, at least three digits.
func FormatRef(prefix string, n int) string { return fmt.Sprintf("%s-%03d", prefix, n) }

var refPattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]{0,9}-\d{1,9}$`)

// ParseRefNumber returns the number of a reference written PREFIX-N with the given
// prefix, or 0 when it has another form (imported references are kept as written).
func ParseRefNumber(prefix, ref string) int {
	if !strings.HasPrefix(ref, prefix+"-") {
		return 0
	}
	n := 0
	for _, c := range ref[len(prefix)+1:] {
		if c < '0' || c > '9' || n > 1e8 {
			return 0
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// ValidRef reports whether ref is a usable reference: letters and digits, a dash, digits.
func ValidRef(ref string) bool { return refPattern.MatchString(ref) }

// Control statuses.
var ControlStatuses = []string{"not_started", "planned", "partial", "implemented", "not_applicable"}

// Link origins of a control↔requirement link.
const (
	OriginMapping = "mapping" // a published mapping between frameworks
	OriginDerived = "derived" // derived through another framework, not published
	OriginManual  = "manual"  // stated by a person
)

// Control is one of an organisation's controls: one per Annex A control (ref A.5.1)
// plus custom ones (C-001).
type Control struct {
	ID             string               `json:"id"`
	Ref            string               `json:"ref"`
	Title          string               `json:"title"`
	Description    string               `json:"description"`
	RequirementID  *string              `json:"requirement_id"` // the Annex A control it implements, nil for custom controls
	OwnerID        *string              `json:"owner_id"`
	Status         string               `json:"status"`
	Implementation string               `json:"implementation_description"`
	ReviewDate     *string              `json:"review_date"`
	Requirements   []ControlRequirement `json:"requirements,omitempty"`
	RiskIDs        []string             `json:"risk_ids"`
	Version        int                  `json:"version"`
	CreatedAt      time.Time            `json:"created_at"`
	UpdatedAt      time.Time            `json:"updated_at"`
	ArchivedAt     *time.Time           `json:"archived_at"`
}

// ControlRequirement links a control to a requirement of a framework.
type ControlRequirement struct {
	RequirementID string `json:"requirement_id"`
	Framework     string `json:"framework"`
	Ref           string `json:"ref"`
	Title         string `json:"title"`
	Origin        string `json:"origin"` // mapping, derived or manual
}

// DefaultClassification is a new organisation's classification scheme, lowest first.
var DefaultClassification = []struct{ Name, Description string }{
	{"Public", "May be shared with anyone; disclosure causes no harm."},
	{"Internal", "For staff and trusted partners; disclosure causes minor harm."},
	{"Confidential", "For named groups; disclosure harms the organisation, customers or staff."},
	{"Restricted", "For named people only; disclosure causes serious harm or breaks the law."},
}

// Validate checks a control.
func (c *Control) Validate() error {
	var v Validation
	c.Title = strings.TrimSpace(c.Title)
	if c.Title == "" {
		v.Add("title", "is required")
	} else if utf8.RuneCountInString(c.Title) > 300 {
		v.Add("title", "must be at most 300 characters")
	}
	if !slices.Contains(ControlStatuses, c.Status) {
		v.Add("status", "must be one of "+strings.Join(ControlStatuses, ", "))
	}
	if c.ReviewDate != nil && !ValidDate(*c.ReviewDate) {
		v.Add("review_date", "must be a date such as 2026-12-31")
	}
	return v.Err()
}

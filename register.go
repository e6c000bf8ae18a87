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

// Asset types and statuses (CONTRACT.md).
var (
	AssetTypes    = []string{"information", "software", "hardware", "service", "people", "site"}
	AssetStatuses = []string{"planned", "in_use", "retired"}
)

// DefaultClassification is a new organisation's classification scheme, lowest first.
var DefaultClassification = []struct{ Name, Description string }{
	{"Public", "May be shared with anyone; disclosure causes no harm."},
	{"Internal", "For staff and trusted partners; disclosure causes minor harm."},
	{"Confidential", "For named groups; disclosure harms the organisation, customers or staff."},
	{"Restricted", "For named people only; disclosure causes serious harm or breaks the law."},
}

// Asset is an entry of the asset register (A.5.9, A.5.12).
type Asset struct {
	ID              string     `json:"id"`
	Ref             string     `json:"ref"`
	Name            string     `json:"name"`
	Type            string     `json:"type"`
	Description     string     `json:"description"`
	OwnerID         *string    `json:"owner_id"`
	CustodianID     *string    `json:"custodian_id"`
	Location        string     `json:"location"`
	Classification  string     `json:"classification"`
	Confidentiality *int       `json:"confidentiality"`
	Integrity       *int       `json:"integrity"`
	Availability    *int       `json:"availability"`
	PersonalData    bool       `json:"personal_data"`
	Status          string     `json:"status"`
	ReviewDate      *string    `json:"review_date"`
	Tags            []string   `json:"tags"`
	Version         int        `json:"version"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
	ArchivedAt      *time.Time `json:"archived_at"`
}

// Validate checks an asset against the rules and the organisation's classification scheme.
func (a *Asset) Validate(classifications []string) error {
	var v Validation
	a.Name = strings.TrimSpace(a.Name)
	if a.Name == "" {
		v.Add("name", "is required")
	} else if utf8.RuneCountInString(a.Name) > 200 {
		v.Add("name", "must be at most 200 characters")
	}
	if !slices.Contains(AssetTypes, a.Type) {
		v.Add("type", "must be one of "+strings.Join(AssetTypes, ", "))
	}
	if !slices.Contains(AssetStatuses, a.Status) {
		v.Add("status", "must be one of "+strings.Join(AssetStatuses, ", "))
	}
	if a.Classification != "" && !slices.Contains(classifications, a.Classification) {
		v.Add("classification", "must be one of the organisation's classifications: "+strings.Join(classifications, ", "))
	}
	for _, c := range []struct {
		field string
		v     *int
	}{{"confidentiality", a.Confidentiality}, {"integrity", a.Integrity}, {"availability", a.Availability}} {
		if c.v != nil && (*c.v < 1 || *c.v > 4) {
			v.Add(c.field, "must be from 1 to 4")
		}
	}
	if a.ReviewDate != nil && !ValidDate(*a.ReviewDate) {
		v.Add("review_date", "must be a date such as 2026-12-31")
	}
	if utf8.RuneCountInString(a.Description) > 20000 {
		v.Add("description", "must be at most 20,000 characters")
	}
	if utf8.RuneCountInString(a.Location) > 200 {
		v.Add("location", "must be at most 200 characters")
	}
	for _, t := range a.Tags {
		if t == "" || utf8.RuneCountInString(t) > 50 || strings.Contains(t, "|") {
			v.Add("tags", "each tag must be 1 to 50 characters without |")
			break
		}
	}
	if len(a.Tags) > 30 {
		v.Add("tags", "at most 30 tags")
	}
	return v.Err()
}

// NormalizeTags trims, drops empty and duplicate tags, keeping the first spelling.
func NormalizeTags(tags []string) []string {
	out := []string{}
	seen := map[string]bool{}
	for _, t := range tags {
		t = strings.TrimSpace(t)
		k := strings.ToLower(t)
		if t == "" || seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, t)
	}
	return out
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

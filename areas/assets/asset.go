package assets

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bulwark-isms/bulwark"
)

// Asset types and statuses (CONTRACT.md).
var (
	AssetTypes    = []string{"information", "software", "hardware", "service", "people", "site"}
	AssetStatuses = []string{"planned", "in_use", "retired"}
)

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
	var v bulwark.Validation
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
	if a.ReviewDate != nil && !bulwark.ValidDate(*a.ReviewDate) {
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

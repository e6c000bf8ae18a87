package assets

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bulwark-isms/bulwark/field"

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

// AssetEntity declares the asset's fields once: the API decodes and documents
// them, the form reads them, and the spreadsheet columns are its Sheet fields in
// this order.
var AssetEntity = &field.Entity{Name: "Asset", Fields: []field.Field{
	{Name: "id", Kind: field.String, ReadOnly: true},
	{Name: "ref", Label: "Ref", Kind: field.String, Sheet: true, Aliases: []string{"Reference", "Asset ID", "ID"}, Help: "A-001 …; the next free one when not given"},
	{Name: "name", Label: "Name", Kind: field.String, Required: true, Sheet: true, Aliases: []string{"Asset", "Asset name"}},
	{Name: "type", Label: "Type", Kind: field.String, Enum: AssetTypes, Required: true, Sheet: true, Aliases: []string{"Asset type", "Category"}},
	{Name: "description", Label: "Description", Kind: field.String, Sheet: true},
	{Name: "owner_id", Label: "Owner", Kind: field.String, Nullable: true, Sheet: true, Aliases: []string{"Asset owner", "Owner email"}, Help: "the member accountable for the asset (a member id; a spreadsheet may give an email or a name)"},
	{Name: "custodian_id", Label: "Custodian", Kind: field.String, Nullable: true, Sheet: true, Aliases: []string{"Custodian email"}, Help: "the member who looks after it day to day"},
	{Name: "location", Label: "Location", Kind: field.String, Sheet: true},
	{Name: "classification", Label: "Classification", Kind: field.String, Sheet: true, Aliases: []string{"Class"}, Help: "one of the organisation's classification levels"},
	{Name: "confidentiality", Label: "Confidentiality", Kind: field.Int, Nullable: true, Min: 1, Max: 4, Sheet: true, Aliases: []string{"C"}},
	{Name: "integrity", Label: "Integrity", Kind: field.Int, Nullable: true, Min: 1, Max: 4, Sheet: true, Aliases: []string{"I"}},
	{Name: "availability", Label: "Availability", Kind: field.Int, Nullable: true, Min: 1, Max: 4, Sheet: true, Aliases: []string{"A"}},
	{Name: "personal_data", Label: "Personal data", Kind: field.Bool, Sheet: true, Aliases: []string{"PII", "Personal information"}},
	{Name: "status", Label: "Status", Kind: field.String, Enum: AssetStatuses, Sheet: true},
	{Name: "review_date", Label: "Review date", Kind: field.Date, Nullable: true, Sheet: true, Aliases: []string{"Next review", "Review"}},
	{Name: "tags", Label: "Tags", Kind: field.Strings, Sheet: true},
	{Name: "version", Kind: field.Int, Help: "the optimistic-lock counter: send it back (or If-Match) and a stale change is refused with 409"},
	{Name: "created_at", Kind: field.DateTime, ReadOnly: true},
	{Name: "updated_at", Kind: field.DateTime, ReadOnly: true},
	{Name: "archived_at", Kind: field.DateTime, Nullable: true, ReadOnly: true},
}}

// assetInputOf turns decoded values (JSON or form) into an asset input.
func assetInputOf(v field.Values) AssetInput {
	return AssetInput{
		Ref: v.Str("ref"), Name: v.Str("name"), Type: v.Str("type"), Description: v.Str("description"),
		OwnerID: v.NullStr("owner_id"), CustodianID: v.NullStr("custodian_id"), Location: v.Str("location"),
		Classification: v.Str("classification"), Confidentiality: v.NullInt("confidentiality"), Integrity: v.NullInt("integrity"),
		Availability: v.NullInt("availability"), PersonalData: v.Bool("personal_data"), Status: v.Str("status"),
		ReviewDate: v.NullStr("review_date"), Tags: v.List("tags"),
	}
}

// Package suppliers is supplier relationships (A.5.19–A.5.23): the register of
// suppliers with a criticality tier computed from what they handle, their
// certificates and attestation reports with the dates they expire, and security
// questionnaires a supplier contact answers through a personal signed link,
// without an account.
package suppliers

import (
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/field"
)

// Supplier statuses, in the order a relationship goes through them.
const (
	StatusOnboarding  = "onboarding"
	StatusActive      = "active"
	StatusOffboarding = "offboarding"
	StatusEnded       = "ended"
)

// Statuses are a supplier's statuses.
var Statuses = []string{StatusOnboarding, StatusActive, StatusOffboarding, StatusEnded}

// RefPrefix starts supplier references (S-001).
const RefPrefix = "S"

// Contact is a person at the supplier.
type Contact struct {
	Name  string `json:"name"`
	Email string `json:"email"`
	Role  string `json:"role"`
}

// Supplier is an entry of the supplier register.
type Supplier struct {
	ID                 string     `json:"id"`
	Ref                string     `json:"ref"`
	Name               string     `json:"name"`
	Services           string     `json:"services"`
	OwnerID            *string    `json:"owner_id"`
	Status             string     `json:"status"`
	DataProcessed      string     `json:"data_processed"`
	SystemAccess       string     `json:"system_access"`
	Replaceability     string     `json:"replaceability"`
	Tier               int        `json:"tier"`
	ComputedTier       int        `json:"computed_tier"`
	TierOverride       *int       `json:"tier_override"`
	TierOverrideReason string     `json:"tier_override_reason"`
	PersonalData       bool       `json:"personal_data"`
	DataLocations      []string   `json:"data_locations"`
	ContractStart      *string    `json:"contract_start"`
	ContractEnd        *string    `json:"contract_end"`
	DPASigned          *string    `json:"dpa_signed"`
	LastReviewDate     *string    `json:"last_review_date"`
	NextReviewDate     *string    `json:"next_review_date"`
	Contacts           []Contact  `json:"contacts"`
	AssetIDs           []string   `json:"asset_ids"`
	RiskIDs            []string   `json:"risk_ids"`
	ControlIDs         []string   `json:"control_ids"`
	CertificateState   string     `json:"certificate_state"`
	Version            int        `json:"version"`
	CreatedAt          time.Time  `json:"created_at"`
	UpdatedAt          time.Time  `json:"updated_at"`
	ArchivedAt         *time.Time `json:"archived_at"`
}

// Validate checks a supplier against the register's rules.
func (s *Supplier) Validate() error {
	var v bulwark.Validation
	s.Name = strings.TrimSpace(s.Name)
	if s.Name == "" {
		v.Add("name", "is required")
	} else if utf8.RuneCountInString(s.Name) > 200 {
		v.Add("name", "must be at most 200 characters")
	}
	if utf8.RuneCountInString(s.Services) > 5000 {
		v.Add("services", "must be at most 5,000 characters")
	}
	if !slices.Contains(Statuses, s.Status) {
		v.Add("status", "must be one of "+strings.Join(Statuses, ", "))
	}
	validLevel(&v, "data_processed", s.DataProcessed, DataProcessedLevels)
	validLevel(&v, "system_access", s.SystemAccess, SystemAccessLevels)
	validLevel(&v, "replaceability", s.Replaceability, ReplaceabilityLevels)
	if s.TierOverride != nil {
		if *s.TierOverride < 1 || *s.TierOverride > 3 {
			v.Add("tier_override", "must be 1, 2 or 3")
		} else if strings.TrimSpace(s.TierOverrideReason) == "" {
			v.Add("tier_override_reason", "is required when the tier is set by hand: say why the computed tier does not fit")
		}
	}
	for _, d := range []struct {
		name string
		v    *string
	}{{"contract_start", s.ContractStart}, {"contract_end", s.ContractEnd}, {"dpa_signed", s.DPASigned}, {"last_review_date", s.LastReviewDate}} {
		if d.v != nil && !bulwark.ValidDate(*d.v) {
			v.Add(d.name, "must be a date such as 2026-12-31")
		}
	}
	if s.ContractStart != nil && s.ContractEnd != nil && *s.ContractEnd < *s.ContractStart {
		v.Add("contract_end", "must not be before the contract's start")
	}
	for _, c := range s.DataLocations {
		if !CountryCode(c) {
			v.Add("data_locations", fmt.Sprintf("%q is not a two-letter country code such as DE or US", c))
			break
		}
	}
	if len(s.DataLocations) > 50 {
		v.Add("data_locations", "lists at most 50 countries")
	}
	if len(s.Contacts) > 20 {
		v.Add("contacts", "lists at most 20 people")
	}
	for _, c := range s.Contacts {
		if strings.TrimSpace(c.Name) == "" && strings.TrimSpace(c.Email) == "" {
			v.Add("contacts", "each contact needs a name or an email")
			break
		}
		if c.Email != "" && !ValidEmail(c.Email) {
			v.Add("contacts", fmt.Sprintf("%q is not an email address", c.Email))
			break
		}
		if utf8.RuneCountInString(c.Name) > 200 || utf8.RuneCountInString(c.Role) > 200 {
			v.Add("contacts", "names and roles are at most 200 characters")
			break
		}
	}
	return v.Err()
}

// CountryCode reports whether c is written as an ISO 3166-1 alpha-2 code: two capital letters.
func CountryCode(c string) bool {
	return len(c) == 2 && c[0] >= 'A' && c[0] <= 'Z' && c[1] >= 'A' && c[1] <= 'Z'
}

// ValidEmail reports whether s is a plain email address (no display name).
func ValidEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && a.Name == ""
}

// NormalizeCountries upper-cases, trims and de-duplicates country codes, keeping their order.
func NormalizeCountries(cs []string) []string {
	out := []string{}
	for _, c := range cs {
		c = strings.ToUpper(strings.TrimSpace(c))
		if c != "" && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

// NormalizeContacts trims each contact's fields and drops empty ones.
func NormalizeContacts(cs []Contact) []Contact {
	out := []Contact{}
	for _, c := range cs {
		c = Contact{Name: strings.TrimSpace(c.Name), Email: strings.TrimSpace(c.Email), Role: strings.TrimSpace(c.Role)}
		if c.Name != "" || c.Email != "" || c.Role != "" {
			out = append(out, c)
		}
	}
	return out
}

// FormatContact writes a contact as one spreadsheet value: "Name <email> (role)".
func FormatContact(c Contact) string {
	s := c.Name
	if c.Email != "" {
		s = strings.TrimSpace(s + " <" + c.Email + ">")
	}
	if c.Role != "" {
		s += " (" + c.Role + ")"
	}
	return s
}

// ParseContact reads what FormatContact writes; the email and the role may be left out.
func ParseContact(s string) Contact {
	var c Contact
	s = strings.TrimSpace(s)
	if strings.HasSuffix(s, ")") {
		if i := strings.LastIndex(s, " ("); i >= 0 {
			c.Role, s = s[i+2:len(s)-1], s[:i]
		}
	}
	if strings.HasSuffix(s, ">") {
		if i := strings.LastIndex(s, "<"); i >= 0 {
			c.Email, s = s[i+1:len(s)-1], s[:i]
		}
	} else if strings.Contains(s, "@") && !strings.Contains(s, " ") {
		c.Email, s = s, ""
	}
	c.Name = strings.TrimSpace(s)
	return c
}

// contactSchema is the JSON schema of a contact.
var contactSchema = map[string]any{"type": "array", "items": map[string]any{"type": "object", "additionalProperties": false,
	"properties": map[string]any{"name": map[string]any{"type": "string"}, "email": map[string]any{"type": "string"}, "role": map[string]any{"type": "string"}}}}

// SupplierEntity declares the supplier's fields once: the API decodes and documents
// them, and the spreadsheet columns are its Sheet fields in the order Columns gives.
var SupplierEntity = field.FromStruct("Supplier", Supplier{}).
	Writable("ref", "name", "services", "owner_id", "status", "data_processed", "system_access", "replaceability", "tier_override", "tier_override_reason",
		"personal_data", "data_locations", "contract_start", "contract_end", "dpa_signed", "last_review_date", "contacts", "asset_ids", "risk_ids", "control_ids", "version").
	Require("name").Dates("contract_start", "contract_end", "dpa_signed").Range("tier_override", 1, 3).
	OneOf("status", Statuses).OneOf("data_processed", DataProcessedLevels).OneOf("system_access", SystemAccessLevels).OneOf("replaceability", ReplaceabilityLevels).
	OneOf("certificate_state", CertificateStates).
	Describe("ref", "Ref", "S-001 …; the next free one when not given", "Reference", "Supplier ID", "ID").
	Describe("name", "Name", "", "Supplier", "Supplier name", "Company").
	Describe("services", "Services", "what the supplier provides", "Service", "Description").
	Describe("owner_id", "Owner", "the member who manages the relationship (a member id; a spreadsheet may give an email or a name)", "Supplier owner", "Relationship owner").
	Describe("status", "Status", "onboarding, active, offboarding or ended").
	Describe("data_processed", "Data processed", "the most sensitive data the supplier handles: none, internal, personal or special_category").
	Describe("system_access", "Access to systems", "none, limited or privileged", "Access").
	Describe("replaceability", "Replaceability", "how hard the supplier is to replace: easy, moderate or hard").
	Describe("tier", "Tier", "1 (most critical) to 3: the override when set, else computed from the answers by the organisation's tiering").
	Describe("computed_tier", "Computed tier", "the tier the answers give").
	Describe("tier_override", "Tier override", "a tier set by hand (1 to 3), with a reason", "Manual tier").
	Describe("tier_override_reason", "Tier override reason", "why the computed tier does not fit").
	Describe("personal_data", "Personal data", "whether the supplier processes personal data for the organisation", "PII", "Processes personal data").
	Describe("data_locations", "Data locations", "where the data is processed: two-letter country codes", "Countries", "Where").
	Describe("contract_start", "Contract start", "").
	Describe("contract_end", "Contract end", "").
	Describe("dpa_signed", "DPA signed", "the day the data processing agreement was signed", "DPA").
	Describe("last_review_date", "Last review", "the day the supplier was last reviewed (set when a questionnaire is accepted)", "Last reviewed").
	Describe("next_review_date", "Next review", "the last review plus the tier's interval").
	Describe("contacts", "Contacts", "people at the supplier: {name, email, role}; in a spreadsheet \"Name <email> (role)\" joined with |").
	Describe("asset_ids", "Assets", "assets the supplier provides or reaches").
	Describe("risk_ids", "Risks", "risks the supplier brings").
	Describe("control_ids", "Controls", "controls that cover the supplier").
	Describe("certificate_state", "Certificates", "the best certificate's state: current, expiring (within 60 days), expired, or none").
	Describe("version", "", "the optimistic-lock counter: send it back (or If-Match) and a stale change is refused with 409").
	Shape("contacts", contactSchema).
	Columns("ref", "name", "services", "owner_id", "status", "data_processed", "system_access", "replaceability", "tier", "tier_override", "tier_override_reason",
		"personal_data", "data_locations", "contract_start", "contract_end", "dpa_signed", "contacts", "last_review_date", "next_review_date")

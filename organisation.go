package bulwark

import (
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"
)

// Organisation is one tenant: everything else belongs to exactly one.
type Organisation struct {
	ID        string    `json:"id"`
	Slug      string    `json:"slug"`
	Name      string    `json:"name"`
	Settings  Settings  `json:"settings"`
	CreatedAt time.Time `json:"created_at"`
	Version   int       `json:"version"`
}

// Settings are an organisation's preferences (CONTRACT.md, "Organisations").
type Settings struct {
	TimeZone            string `json:"time_zone"`  // IANA name; due dates and "overdue" follow it
	DateOrder           string `json:"date_order"` // "DMY", "MDY" or "" for imports
	SegregationOfDuties bool   `json:"segregation_of_duties"`
}

// DefaultSettings are a new organisation's settings.
func DefaultSettings() Settings { return Settings{TimeZone: "UTC", SegregationOfDuties: true} }

// Validate checks the settings.
func (s Settings) Validate() error {
	var v Validation
	if _, err := time.LoadLocation(s.TimeZone); err != nil || s.TimeZone == "" || s.TimeZone == "Local" {
		v.Add("time_zone", "must be an IANA time zone such as UTC or Europe/Paris")
	}
	if s.DateOrder != "" && s.DateOrder != "DMY" && s.DateOrder != "MDY" {
		v.Add("date_order", "must be DMY, MDY or empty")
	}
	return v.Err()
}

// User is a person who can sign in. A user may be a member of several organisations.
type User struct {
	ID        string    `json:"id"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// Member is a user's membership of one organisation, with its role.
type Member struct {
	ID            string     `json:"id"`
	OrgID         string     `json:"-"`
	UserID        string     `json:"user_id"`
	Email         string     `json:"email"`
	Name          string     `json:"name"`
	Role          Role       `json:"role"`
	ExpiresAt     *time.Time `json:"expires_at"`
	DeactivatedAt *time.Time `json:"deactivated_at"`
	CreatedAt     time.Time  `json:"created_at"`
	Version       int        `json:"version"`
}

// Active reports whether the membership grants access at now.
func (m *Member) Active(now time.Time) bool {
	return m.DeactivatedAt == nil && (m.ExpiresAt == nil || now.Before(*m.ExpiresAt))
}

// Status is "active", "expired" or "deactivated".
func (m *Member) Status(now time.Time) string {
	switch {
	case m.DeactivatedAt != nil:
		return "deactivated"
	case m.ExpiresAt != nil && !now.Before(*m.ExpiresAt):
		return "expired"
	}
	return "active"
}

// Principal is who is acting: a signed-in member (or token) in one organisation,
// or the CLI. Every service call takes one; storage calls take its OrgID.
type Principal struct {
	User        User
	Org         Organisation
	MemberID    string
	Role        Role
	Permissions PermissionSet
	TokenID     string // set when acting through an API token
	TokenScope  string // "" or "agent"
	ActorID     string // what the audit log records: the user id, or "cli:NAME"
	System      bool   // the CLI acting for the operator, not as a member
	IP          string
	RequestID   string
}

// Can reports whether the principal holds p.
func (p *Principal) Can(p2 Permission) bool { return p != nil && p.Permissions.Has(p2) }

// NormalizeEmail lowercases and trims an email address.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// ValidateEmail checks that s is a plain email address.
func ValidateEmail(field, s string) error {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || len(s) > 254 {
		return Invalid(field, "must be an email address such as name@example.com")
	}
	return nil
}

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 12

// ValidatePassword checks a new password: 12 to 1024 characters.
func ValidatePassword(field, pw string) error {
	n := utf8.RuneCountInString(pw)
	if n < MinPasswordLength {
		return Invalid(field, "must be at least 12 characters")
	}
	if n > 1024 {
		return Invalid(field, "must be at most 1024 characters")
	}
	return nil
}

// ValidateOrgName checks an organisation name.
func ValidateOrgName(name string) error {
	n := utf8.RuneCountInString(strings.TrimSpace(name))
	if n == 0 {
		return Invalid("name", "is required")
	}
	if n > 200 {
		return Invalid("name", "must be at most 200 characters")
	}
	return nil
}

// Invitation invites an email address to join an organisation with a role.
type Invitation struct {
	ID         string     `json:"id"`
	Email      string     `json:"email"`
	Role       Role       `json:"role"`
	CreatedBy  string     `json:"created_by"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  time.Time  `json:"expires_at"`
	AcceptedAt *time.Time `json:"accepted_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
	Link       string     `json:"link,omitempty"` // only when just created
}

// Status is "pending", "accepted", "revoked" or "expired".
func (i *Invitation) Status(now time.Time) string {
	switch {
	case i.AcceptedAt != nil:
		return "accepted"
	case i.RevokedAt != nil:
		return "revoked"
	case !now.Before(i.ExpiresAt):
		return "expired"
	}
	return "pending"
}

// APIToken is a bearer token acting as one member of one organisation.
type APIToken struct {
	ID         string     `json:"id"`
	MemberID   string     `json:"member_id"`
	UserEmail  string     `json:"user_email"`
	Name       string     `json:"name"`
	Scope      string     `json:"scope"`
	Prefix     string     `json:"prefix"` // first characters, to recognise it
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
	Token      string     `json:"token,omitempty"` // the secret, only when just created
}

// TokenScopeAgent limits a token to posting host facts.
const TokenScopeAgent = "agent"

// Today returns the date in the organisation's time zone, which decides what is overdue.
func Today(now time.Time, tz string) string {
	return now.In(Location(tz)).Format("2006-01-02")
}

// Location is the organisation's time zone tz (an IANA name), UTC when unset or unknown.
func Location(tz string) *time.Location {
	if loc, err := time.LoadLocation(tz); err == nil && tz != "" {
		return loc
	}
	return time.UTC
}

// Membership is one organisation a user belongs to, for the switcher.
type Membership struct {
	Org    Organisation
	Member Member
}

package people

import (
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/field"
)

// PersonStatuses are a person's states in the workforce.
var PersonStatuses = []string{"active", "on_leave", "left"}

// Person is someone of the organisation's workforce (7.2), whether or not they
// sign in: whom policies are communicated to and who is trained.
type Person struct {
	ID         string     `json:"id"`
	Ref        string     `json:"ref"`
	Name       string     `json:"name"`
	Email      string     `json:"email"`
	Department string     `json:"department"`
	ManagerID  *string    `json:"manager_id"`
	StartDate  *string    `json:"start_date"`
	Status     string     `json:"status"`
	GroupIDs   []string   `json:"group_ids"`
	MemberID   *string    `json:"member_id"` // the member with the same email, when they have an account
	Version    int        `json:"version"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
	ArchivedAt *time.Time `json:"archived_at"`
}

// Validate checks a person's own fields.
func (p *Person) Validate() error {
	var v bulwark.Validation
	p.Name = strings.TrimSpace(p.Name)
	p.Email = strings.ToLower(strings.TrimSpace(p.Email))
	p.Department = strings.TrimSpace(p.Department)
	if p.Name == "" {
		v.Add("name", "is required")
	} else if utf8.RuneCountInString(p.Name) > 200 {
		v.Add("name", "must be at most 200 characters")
	}
	if p.Email != "" {
		if a, err := mail.ParseAddress(p.Email); err != nil || a.Address != p.Email || utf8.RuneCountInString(p.Email) > 254 {
			v.Add("email", "must be an email address such as ana@example.com")
		}
	}
	if utf8.RuneCountInString(p.Department) > 200 {
		v.Add("department", "must be at most 200 characters")
	}
	if !slices.Contains(PersonStatuses, p.Status) {
		v.Add("status", "must be one of "+strings.Join(PersonStatuses, ", "))
	}
	if p.StartDate != nil && !bulwark.ValidDate(*p.StartDate) {
		v.Add("start_date", "must be a date such as 2026-12-31")
	}
	if p.ManagerID != nil && *p.ManagerID == p.ID && p.ID != "" {
		v.Add("manager_id", "cannot be the person themselves")
	}
	return v.Err()
}

// Group is a named set of people (a department, a site, the developers), to
// address acknowledgement requests and training campaigns.
type Group struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Size        int       `json:"size"`
	Version     int       `json:"version"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// PersonEntity declares a person's fields for the API, the form and the spreadsheet.
var PersonEntity = &field.Entity{Name: "Person", Fields: []field.Field{
	{Name: "id", Kind: field.String, ReadOnly: true},
	{Name: "ref", Label: "Ref", Kind: field.String, Sheet: true, Aliases: []string{"Reference", "Employee ID", "ID"}, Help: "P-001 …; the next free one when not given"},
	{Name: "name", Label: "Name", Kind: field.String, Required: true, Sheet: true, Aliases: []string{"Full name", "Employee", "Person"}},
	{Name: "email", Label: "Email", Kind: field.String, Sheet: true, Aliases: []string{"E-mail", "Email address", "Work email"}, Help: "links the person to the member with the same email"},
	{Name: "department", Label: "Department", Kind: field.String, Sheet: true, Aliases: []string{"Team", "Unit"}},
	{Name: "manager_id", Label: "Manager", Kind: field.String, Nullable: true, Sheet: true, Aliases: []string{"Line manager", "Manager email"}, Help: "another person (an id; a spreadsheet may give their email, ref or name)"},
	{Name: "start_date", Label: "Start date", Kind: field.Date, Nullable: true, Sheet: true, Aliases: []string{"Joined", "Hire date", "Start"}},
	{Name: "status", Label: "Status", Kind: field.String, Enum: PersonStatuses, Sheet: true},
	{Name: "group_ids", Label: "Groups", Kind: field.Strings, Sheet: true, Help: "group ids (a spreadsheet gives group names, separated by |; missing groups are created)"},
	{Name: "member_id", Kind: field.String, Nullable: true, ReadOnly: true, Help: "the member with the same email, when the person has an account"},
	{Name: "version", Kind: field.Int, Help: "the optimistic-lock counter: send it back (or If-Match) and a stale change is refused with 409"},
	{Name: "created_at", Kind: field.DateTime, ReadOnly: true},
	{Name: "updated_at", Kind: field.DateTime, ReadOnly: true},
	{Name: "archived_at", Kind: field.DateTime, Nullable: true, ReadOnly: true},
}}

// GroupEntity declares a group's fields.
var GroupEntity = field.FromStruct("Group", Group{}).Writable("name", "description", "version").Require("name")

// PersonInput lists what a person may set on a person; nil fields stay as they are.
type PersonInput struct {
	Ref, Name, Email, Department, Status *string
	ManagerID, StartDate                 **string
	GroupIDs                             *[]string
}

func personInputOf(v field.Values) PersonInput {
	return PersonInput{Ref: v.Str("ref"), Name: v.Str("name"), Email: v.Str("email"), Department: v.Str("department"), Status: v.Str("status"),
		ManagerID: v.NullStr("manager_id"), StartDate: v.NullStr("start_date"), GroupIDs: v.List("group_ids")}
}

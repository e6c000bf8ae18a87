package incidents

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/field"
)

// The states of an incident, in the order it is handled. A handler may skip
// states forward but never goes back, except to reopen a closed incident (or one
// found not to be an incident).
const (
	StatusReported      = "reported"   // someone told; nobody has looked yet
	StatusTriaged       = "triaged"    // assessed: severity and handler known
	StatusContained     = "contained"  // the harm stopped spreading
	StatusEradicated    = "eradicated" // the cause removed
	StatusRecovered     = "recovered"  // services and data back to normal
	StatusClosed        = "closed"     // lessons learned recorded where the level needs them
	StatusNotAnIncident = "not_an_incident"
)

// Handling lists the handling states in order (not_an_incident stands aside).
var Handling = []string{StatusReported, StatusTriaged, StatusContained, StatusEradicated, StatusRecovered, StatusClosed}

// Statuses lists every state.
var Statuses = append(slices.Clone(Handling), StatusNotAnIncident)

// Categories say what kind of incident it is.
var Categories = []string{"phishing", "malware", "unauthorised_access", "account_compromise", "data_disclosure", "lost_or_stolen_device",
	"denial_of_service", "misconfiguration", "supplier", "physical", "insider", "other"}

// Incident is an information security event or weakness someone reported (A.6.8)
// and its handling (A.5.24–5.28).
type Incident struct {
	ID                  string     `json:"id"`
	Ref                 string     `json:"ref"`
	Title               string     `json:"title"`
	Description         string     `json:"description"`
	Status              string     `json:"status"`
	ReportedBy          *string    `json:"reported_by"`
	DiscoveredAt        *time.Time `json:"discovered_at"`
	BecameAwareAt       *time.Time `json:"became_aware_at"`
	Category            string     `json:"category"`
	Severity            string     `json:"severity"`
	HandlerID           *string    `json:"handler_id"`
	NotIncidentReason   string     `json:"not_incident_reason"`
	LessonsLearned      string     `json:"lessons_learned"`
	AssetIDs            []string   `json:"asset_ids"`
	RiskIDs             []string   `json:"risk_ids"`
	EvidenceIDs         []string   `json:"evidence_ids"`
	PersonalDataBreach  bool       `json:"personal_data_breach"`
	BreachRegimes       []string   `json:"breach_regimes"`
	IndividualsAffected int        `json:"individuals_affected"`
	MostInOneState      int        `json:"most_in_one_state"`
	BusinessAssociate   bool       `json:"business_associate"`
	Clocks              []*Clock   `json:"clocks"`
	ClosedAt            *time.Time `json:"closed_at"`
	Version             int        `json:"version"`
	CreatedAt           time.Time  `json:"created_at"`
	UpdatedAt           time.Time  `json:"updated_at"`
}

// Entry is one line of an incident's timeline: who wrote what, when. Entries are never changed.
type Entry struct {
	ID       string    `json:"id"`
	At       time.Time `json:"at"`
	MemberID *string   `json:"member_id"`
	Kind     string    `json:"kind"`
	Text     string    `json:"text"`
}

// EntryKinds: notes are written by people; the rest by Bulwark when the incident changes.
var EntryKinds = []string{"note", "status", "breach", "notification", "assignment"}

// Level is one step of the organisation's severity scale.
type Level struct {
	Key             string `json:"key"`
	Label           string `json:"label"`
	Rank            int    `json:"rank"`
	RequiresLessons bool   `json:"requires_lessons"`
}

// DefaultLevels is the scale an organisation has until it sets its own: lessons
// learned are required before closing a High or Critical incident.
var DefaultLevels = []Level{
	{Key: "low", Label: "Low", Rank: 1},
	{Key: "medium", Label: "Medium", Rank: 2},
	{Key: "high", Label: "High", Rank: 3, RequiresLessons: true},
	{Key: "critical", Label: "Critical", Rank: 4, RequiresLessons: true},
}

// LevelOf finds key in the scale.
func LevelOf(levels []Level, key string) (Level, bool) {
	for _, l := range levels {
		if l.Key == key {
			return l, true
		}
	}
	return Level{}, false
}

// ValidateLevels checks a severity scale: 1 to 10 levels, keys lower-case words, unique.
func ValidateLevels(levels []Level) error {
	var v bulwark.Validation
	if len(levels) == 0 || len(levels) > 10 {
		v.Add("levels", "must hold between 1 and 10 levels")
	}
	seen := map[string]bool{}
	for i, l := range levels {
		if l.Key == "" || len(l.Key) > 30 || strings.Trim(l.Key, "abcdefghijklmnopqrstuvwxyz_0123456789") != "" {
			v.Add("levels", "each key is a short lower-case word (letters, digits, _): level "+itoa(i+1)+" is not")
		} else if seen[l.Key] {
			v.Add("levels", "the key "+l.Key+" appears twice")
		}
		seen[l.Key] = true
		if strings.TrimSpace(l.Label) == "" || utf8.RuneCountInString(l.Label) > 60 {
			v.Add("levels", "each level has a label of at most 60 characters")
		}
	}
	return v.Err()
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

func index(status string) int { return slices.Index(Handling, status) }

// CanMove says whether i may move to status to with reason, given the severity scale:
// forward (skipping is allowed), to not_an_incident with a reason, or back from closed
// (or not_an_incident) to reopen, with a reason. Closing needs a severity, lessons
// learned where the level requires them, and every regulatory clock settled.
func CanMove(i *Incident, to, reason string, levels []Level) error {
	reason = strings.TrimSpace(reason)
	if !slices.Contains(Statuses, to) {
		return bulwark.Invalid("status", "must be one of "+strings.Join(Statuses, ", "))
	}
	if to == i.Status {
		return bulwark.Errorf(bulwark.ECONFLICT, "%s is already %s.", i.Ref, strings.ReplaceAll(to, "_", " "))
	}
	switch {
	case i.Status == StatusClosed || i.Status == StatusNotAnIncident:
		if to == StatusReported || to == StatusClosed || to == StatusNotAnIncident {
			return bulwark.Errorf(bulwark.ECONFLICT, "%s is %s: reopen it to triaged or a later handling state.", i.Ref, strings.ReplaceAll(i.Status, "_", " "))
		}
		if reason == "" {
			return bulwark.Invalid("reason", "say why "+i.Ref+" is reopened")
		}
		return nil
	case to == StatusNotAnIncident:
		if reason == "" {
			return bulwark.Invalid("reason", "say why this is not an incident")
		}
		if i.PersonalDataBreach {
			return bulwark.Errorf(bulwark.ECONFLICT, "%s is marked a personal-data breach: clear that first, with the reason.", i.Ref)
		}
		return nil
	case index(to) < index(i.Status):
		return bulwark.Errorf(bulwark.ECONFLICT, "%s is %s: an incident never goes back to %s (only a closed one is reopened).", i.Ref, i.Status, to)
	}
	if to == StatusClosed {
		if m := MissingToClose(i, levels); len(m) > 0 {
			return bulwark.Invalid("status", i.Ref+" cannot be closed: "+strings.Join(m, "; "))
		}
	}
	return nil
}

// MissingToClose names what closing i still needs.
func MissingToClose(i *Incident, levels []Level) []string {
	var m []string
	if i.Severity == "" {
		m = append(m, "a severity")
	} else if l, ok := LevelOf(levels, i.Severity); ok && l.RequiresLessons && strings.TrimSpace(i.LessonsLearned) == "" {
		m = append(m, "lessons learned (a "+l.Label+" incident needs them)")
	}
	for _, c := range i.Clocks {
		if !c.Settled() {
			m = append(m, c.Label+": "+c.Pending())
		}
	}
	return m
}

// Validate checks an incident's own fields against the severity scale.
func (i *Incident) Validate(levels []Level, now time.Time) error {
	var v bulwark.Validation
	if i.Title == "" || utf8.RuneCountInString(i.Title) > 200 {
		v.Add("title", "is required: a few words saying what happened (at most 200 characters)")
	}
	for name, s := range map[string]string{"description": i.Description, "lessons_learned": i.LessonsLearned, "not_incident_reason": i.NotIncidentReason} {
		if utf8.RuneCountInString(s) > 20000 {
			v.Add(name, "must be at most 20,000 characters")
		}
	}
	if i.Category != "" && !slices.Contains(Categories, i.Category) {
		v.Add("category", "must be one of "+strings.Join(Categories, ", "))
	}
	if i.Severity != "" {
		if _, ok := LevelOf(levels, i.Severity); !ok {
			keys := []string{}
			for _, l := range levels {
				keys = append(keys, l.Key)
			}
			v.Add("severity", "must be one of the organisation's levels: "+strings.Join(keys, ", "))
		}
	}
	soon := now.Add(5 * time.Minute)
	if i.DiscoveredAt != nil && i.DiscoveredAt.After(soon) {
		v.Add("discovered_at", "cannot be in the future")
	}
	if i.BecameAwareAt != nil && i.BecameAwareAt.After(soon) {
		v.Add("became_aware_at", "cannot be in the future")
	}
	if i.DiscoveredAt != nil && i.BecameAwareAt != nil && i.BecameAwareAt.Before(*i.DiscoveredAt) {
		v.Add("became_aware_at", "cannot be before discovered_at: the organisation becomes aware of a breach once someone has discovered it")
	}
	if i.IndividualsAffected < 0 || i.MostInOneState < 0 {
		v.Add("individuals_affected", "cannot be negative")
	}
	if i.MostInOneState > i.IndividualsAffected && i.IndividualsAffected > 0 {
		v.Add("most_in_one_state", "cannot be more than the individuals affected in total")
	}
	return v.Err()
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
	IncidentEntity = field.FromStruct("Incident", Incident{}).
			Writable("title", "description", "discovered_at", "became_aware_at", "category", "severity", "handler_id", "lessons_learned", "asset_ids", "risk_ids", "evidence_ids", "version").
			Require("title").OneOf("status", Statuses).
			Describe("category", "Category", "empty until known, or one of "+strings.Join(Categories, ", ")).
			Describe("discovered_at", "Discovered at", "when someone first noticed it (RFC 3339 with its offset); HIPAA's 60 days count from here").
			Describe("became_aware_at", "Became aware at", "when the organisation was reasonably certain it was a breach (RFC 3339); GDPR's 72 hours count from here").
			Describe("severity", "Severity", "a level of the organisation's scale (GET /api/v1/incident-levels); default low, medium, high, critical").
			Describe("handler_id", "Handler", "the member handling it").
			Describe("lessons_learned", "Lessons learned", "what will change so it does not happen again (A.5.27); needed to close a level that requires it").
			Describe("evidence_ids", "Evidence preserved", "items of the evidence register kept for this incident (A.5.28)")
	ReportEntity = &field.Entity{Name: "IncidentReport", Fields: []field.Field{
		{Name: "title", Label: "What happened", Kind: field.String, Required: true, Help: "a few words: a suspicious email, a lost laptop, a door left open"},
		{Name: "description", Label: "Details", Kind: field.String, Help: "what you saw, when, who or what is affected"},
		{Name: "discovered_at", Label: "Noticed at", Kind: field.DateTime, Nullable: true, Help: "when you noticed it (RFC 3339; default now)"},
	}}
	// StatusInput moves an incident.
	StatusInput = &field.Entity{Name: "IncidentStatus", Fields: []field.Field{
		{Name: "status", Label: "Status", Kind: field.String, Required: true, Enum: Statuses, Help: "forward (skipping is allowed), not_an_incident with a reason, or a handling state to reopen a closed one"},
		{Name: "reason", Label: "Reason", Kind: field.String, Help: "why it is not an incident, or why it is reopened"},
	}}
	// EntryInput adds a note to the timeline.
	EntryInput = &field.Entity{Name: "IncidentTimelineEntry", Fields: []field.Field{
		{Name: "text", Label: "Entry", Kind: field.String, Required: true, Help: "what was seen or done; entries are never changed"},
	}}
	// EntryEntity is a timeline entry.
	EntryEntity = field.FromStruct("IncidentTimelineEntryRead", Entry{})
	// LevelsEntity is the severity scale.
	LevelsEntity = &field.Entity{Name: "IncidentLevels", Fields: []field.Field{
		{Name: "levels", Label: "Levels", Kind: field.Objects, Required: true, Help: "the scale, lowest first: objects {key, label, requires_lessons}"},
	}}
	// BreachInput marks an incident a personal-data breach (or clears the mark).
	BreachInput = &field.Entity{Name: "IncidentBreach", Fields: []field.Field{
		{Name: "personal_data_breach", Label: "Personal-data breach", Kind: field.Bool, Required: true, Help: "true starts the regulatory clocks; false stops them (with a reason)"},
		{Name: "regimes", Label: "Regimes", Kind: field.Strings, Enum: Regimes, Help: "gdpr, hipaa; default: those of the organisation's obligations register"},
		{Name: "individuals_affected", Label: "Individuals affected", Kind: field.Int, Help: "in total (HIPAA: 500 or more → HHS within 60 days)"},
		{Name: "most_in_one_state", Label: "Most in one state", Kind: field.Int, Help: "the most residents of one state or jurisdiction (HIPAA: more than 500 → media notice)"},
		{Name: "business_associate", Label: "We are a business associate", Kind: field.Bool, Help: "HIPAA: notify the covered entity within 60 days instead"},
		{Name: "reason", Label: "Reason", Kind: field.String, Help: "why the mark is cleared"},
	}}
	// ClockInput records a notification, a late reason, the Art. 34 decision, or that a notice is not required.
	ClockInput = &field.Entity{Name: "IncidentClockUpdate", Fields: []field.Field{
		{Name: "notified_at", Label: "Notified at", Kind: field.DateTime, Nullable: true, Help: "when the notification was made (RFC 3339); stops the clock"},
		{Name: "notified_to", Label: "Notified", Kind: field.String, Help: "to whom: the authority, the covered entity, the individuals"},
		{Name: "reference", Label: "Reference", Kind: field.String, Help: "the case or filing reference"},
		{Name: "late_reason", Label: "Reason for the delay", Kind: field.String, Help: "required when the deadline was missed"},
		{Name: "high_risk", Label: "High risk to individuals", Kind: field.Bool, Nullable: true, Help: "GDPR Art. 34: is the breach likely to result in a high risk to people's rights and freedoms?"},
		{Name: "decision_reason", Label: "Why", Kind: field.String, Help: "the reasoning behind the Art. 34 decision"},
		{Name: "not_required_reason", Label: "Not required because", Kind: field.String, Help: "why this notice is not needed (for example, the data was encrypted and the key safe)"},
	}}
	// ClockEntity is a regulatory clock.
	ClockEntity = field.FromStruct("IncidentClock", Clock{})
)

package evidence

import (
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/field"
)

// The kinds of evidence: an uploaded file, a link to where the proof lives, or a
// note written in Bulwark (who checked what, when, and what they saw).
const (
	KindFile = "file"
	KindLink = "link"
	KindNote = "note"
)

// Kinds lists the kinds of evidence.
var Kinds = []string{KindFile, KindLink, KindNote}

// RefPrefix starts every evidence reference: E-001.
const RefPrefix = "E"

// ExpiryWindowDays is how far ahead expiring evidence shows on the dashboard and
// in its owner's tasks.
const ExpiryWindowDays = 30

// Evidence is an item of the evidence register: the proof that a control works,
// with the period it covers. Its content (file, link or note) is kept as
// numbered revisions; the fields here are the current one's.
type Evidence struct {
	ID             string     `json:"id"`
	Ref            string     `json:"ref"`
	Title          string     `json:"title"`
	Kind           string     `json:"kind"`
	Description    string     `json:"description"`
	OwnerID        *string    `json:"owner_id"`
	EffectiveDate  *string    `json:"effective_date"`
	ValidUntil     *string    `json:"valid_until"`
	URL            string     `json:"url"`
	Note           string     `json:"note"`
	Filename       string     `json:"filename"`
	ContentType    string     `json:"content_type"`
	Size           int64      `json:"size"`
	SHA256         *string    `json:"sha256"`
	ControlIDs     []string   `json:"control_ids"`
	RequirementIDs []string   `json:"requirement_ids"`
	RiskIDs        []string   `json:"risk_ids"`
	Revision       int        `json:"revision"`
	Stale          bool       `json:"stale"`
	ExpiresSoon    bool       `json:"expires_soon"`
	CheckID        *string    `json:"check_id"`
	Version        int        `json:"version"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
	ArchivedAt     *time.Time `json:"archived_at"`
}

// Revision is one version of an evidence item's content, never changed once
// written: a new file, link or note makes the next one.
type Revision struct {
	Revision      int       `json:"revision"`
	Kind          string    `json:"kind"`
	EffectiveDate *string   `json:"effective_date"`
	ValidUntil    *string   `json:"valid_until"`
	URL           string    `json:"url"`
	Note          string    `json:"note"`
	Filename      string    `json:"filename"`
	ContentType   string    `json:"content_type"`
	Size          int64     `json:"size"`
	SHA256        *string   `json:"sha256"`
	Comment       string    `json:"comment"`
	CreatedBy     *string   `json:"created_by"`
	CreatedAt     time.Time `json:"created_at"`
}

// File is an uploaded file already in the blob store, ready to become an item's
// content.
type File struct {
	Filename    string
	ContentType string
	Size        int64
	SHA256      string
}

// Content is what one revision holds: a file, a link or a note, and the period it proves.
type Content struct {
	File          *File
	URL           *string
	Note          *string
	EffectiveDate **string
	ValidUntil    **string
	Comment       string
}

// kind says which kind of content c is, and whether it names exactly one.
func (c Content) kind() (string, bool) {
	var kinds []string
	if c.File != nil {
		kinds = append(kinds, KindFile)
	}
	if c.URL != nil && strings.TrimSpace(*c.URL) != "" {
		kinds = append(kinds, KindLink)
	}
	if c.Note != nil && strings.TrimSpace(*c.Note) != "" {
		kinds = append(kinds, KindNote)
	}
	if len(kinds) != 1 {
		return "", false
	}
	return kinds[0], true
}

// apply makes c the current content of e.
func (c Content) apply(e *Evidence) bulwark.Changes {
	ch := bulwark.Changes{}
	kind, _ := c.kind()
	if kind != e.Kind {
		ch["kind"] = bulwark.Change{Before: e.Kind, After: kind}
	}
	e.Kind, e.URL, e.Note, e.Filename, e.ContentType, e.Size, e.SHA256 = kind, "", "", "", "", 0, nil
	switch kind {
	case KindFile:
		sha := c.File.SHA256
		e.Filename, e.ContentType, e.Size, e.SHA256 = c.File.Filename, c.File.ContentType, c.File.Size, &sha
		ch["file"] = bulwark.Change{After: map[string]any{"filename": c.File.Filename, "sha256": sha, "size": c.File.Size}}
	case KindLink:
		e.URL = strings.TrimSpace(*c.URL)
		ch["url"] = bulwark.Change{After: e.URL}
	case KindNote:
		e.Note = strings.ReplaceAll(*c.Note, "\r\n", "\n")
		ch["note"] = bulwark.Change{After: utf8.RuneCountInString(e.Note)}
	}
	if c.EffectiveDate != nil {
		setDate(ch, "effective_date", &e.EffectiveDate, *c.EffectiveDate)
	}
	if c.ValidUntil != nil {
		setDate(ch, "valid_until", &e.ValidUntil, *c.ValidUntil)
	}
	return ch
}

func setDate(ch bulwark.Changes, name string, dst **string, v *string) {
	if v != nil {
		t := strings.TrimSpace(*v)
		if t == "" {
			v = nil
		} else {
			v = &t
		}
	}
	if bulwark.Value(*dst) != bulwark.Value(v) || (*dst == nil) != (v == nil) {
		ch[name] = bulwark.Change{Before: *dst, After: v}
		*dst = v
	}
}

// revisionOf is the revision that records e's current content.
func revisionOf(e *Evidence, comment string) *Revision {
	return &Revision{Revision: e.Revision, Kind: e.Kind, EffectiveDate: e.EffectiveDate, ValidUntil: e.ValidUntil, URL: e.URL, Note: e.Note,
		Filename: e.Filename, ContentType: e.ContentType, Size: e.Size, SHA256: e.SHA256, Comment: comment}
}

// Validate checks an evidence item's own fields.
func (e *Evidence) Validate() error {
	var v bulwark.Validation
	switch n := utf8.RuneCountInString(e.Title); {
	case strings.TrimSpace(e.Title) == "":
		v.Add("title", "is required")
	case n > 200:
		v.Add("title", "must be at most 200 characters")
	}
	if utf8.RuneCountInString(e.Description) > 20000 {
		v.Add("description", "must be at most 20,000 characters")
	}
	switch e.Kind {
	case KindLink:
		if msg := checkURL(e.URL); msg != "" {
			v.Add("url", msg)
		}
	case KindNote:
		if utf8.RuneCountInString(e.Note) > 100000 {
			v.Add("note", "must be at most 100,000 characters")
		}
	case KindFile:
	default:
		v.Add("kind", "must be file, link or note")
	}
	for name, d := range map[string]*string{"effective_date": e.EffectiveDate, "valid_until": e.ValidUntil} {
		if d != nil && !bulwark.ValidDate(*d) {
			v.Add(name, "must be a date such as 2026-12-31")
		}
	}
	if e.EffectiveDate != nil && e.ValidUntil != nil && bulwark.ValidDate(*e.EffectiveDate) && bulwark.ValidDate(*e.ValidUntil) && *e.ValidUntil < *e.EffectiveDate {
		v.Add("valid_until", "must not be before the effective date")
	}
	return v.Err()
}

// checkURL says what is wrong with a link, or "".
func checkURL(s string) string {
	if len(s) > 2000 {
		return "must be at most 2,000 characters"
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		// Only web links: a javascript: or data: URL would run in the reader's browser.
		return "must be a web address starting with https:// or http://"
	}
	return ""
}

// mark sets what is derived from today (YYYY-MM-DD in the organisation's time
// zone): stale once valid_until has passed, expiring within the window.
func (e *Evidence) mark(today string) {
	e.Stale, e.ExpiresSoon = false, false
	if e.ValidUntil == nil || e.ArchivedAt != nil {
		return
	}
	e.Stale = *e.ValidUntil < today
	e.ExpiresSoon = !e.Stale && *e.ValidUntil <= addDays(today, ExpiryWindowDays)
}

// addDays returns the date n days after day (YYYY-MM-DD).
func addDays(day string, n int) string {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return day
	}
	return t.AddDate(0, 0, n).Format(time.DateOnly)
}

// Freshness of a control's evidence.
const (
	FreshnessMissing = "missing" // no evidence linked
	FreshnessStale   = "stale"   // some linked evidence has expired
	FreshnessCurrent = "current" // every linked evidence item is within its period
)

// EvidenceEntity declares the evidence item's fields: the API decodes and
// documents them from this one declaration.
var EvidenceEntity = field.FromStruct("Evidence", Evidence{}).
	Writable("title", "kind", "description", "owner_id", "effective_date", "valid_until", "url", "note", "control_ids", "requirement_ids", "risk_ids", "version").
	OneOf("kind", Kinds).Dates("valid_until").
	Describe("title", "Title", "what the evidence shows; default: the file name").
	Describe("kind", "Kind", "file (an upload, sent as multipart/form-data), link (url) or note; follows from what is sent").
	Describe("url", "Link", "where the proof lives (https://…), for a link").
	Describe("note", "Note", "the proof written down, for a note: who checked what, when, and what they saw").
	Describe("owner_id", "Owner", "the member who keeps the evidence current (default: whoever adds it)").
	Describe("effective_date", "Effective from", "when the period the evidence proves begins").
	Describe("valid_until", "Valid until", "the last day the evidence proves anything; after it the evidence is stale").
	Describe("stale", "Stale", "valid_until has passed, in the organisation's time zone").
	Describe("expires_soon", "Expires soon", "valid_until falls within the next 30 days").
	Describe("revision", "Revision", "the number of the current revision of the content; older ones stay readable").
	Describe("sha256", "SHA-256", "the digest of the file's bytes, as stored").
	Describe("check_id", "Check", "the automated check whose runs this item keeps as its revisions")

// RevisionEntity declares an evidence revision's fields.
var RevisionEntity = field.FromStruct("EvidenceRevision", Revision{}).Dates("valid_until")

// RevisionInput declares what a new revision of a link or a note carries as JSON.
var RevisionInput = &field.Entity{Name: "EvidenceRevisionInput", Fields: []field.Field{
	{Name: "url", Label: "Link", Kind: field.String, Help: "the new link, for a link"},
	{Name: "note", Label: "Note", Kind: field.String, Help: "the new text, for a note"},
	{Name: "effective_date", Label: "Effective from", Kind: field.Date, Nullable: true},
	{Name: "valid_until", Label: "Valid until", Kind: field.Date, Nullable: true},
	{Name: "comment", Label: "Comment", Kind: field.String, Help: "what changed and why"},
}}

package controls

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/bulwark-isms/bulwark/field"
)

// States of the live Statement of Applicability.
const (
	SoADraft     = "draft"     // being worked on: some control changed since the last approval, or never approved
	SoASubmitted = "submitted" // waiting for an owner's or admin's approval
	SoAApproved  = "approved"  // equal to its last approved revision
)

// SoA is the Statement of Applicability (6.1.3 d): every Annex A control, then the organisation's own, with
// whether it applies and why, and how far it is implemented. The live statement is built from the controls
// on every read; approving it keeps a numbered revision that never changes.
type SoA struct {
	Status       string     `json:"status"`
	Revision     *int       `json:"revision"` // the last approved revision; the live statement is it while approved
	ApprovedBy   *string    `json:"approved_by"`
	ApproverName string     `json:"approved_by_name,omitempty"`
	ApprovedAt   *time.Time `json:"approved_at"`
	SubmittedBy  *string    `json:"submitted_by"`
	SubmittedAt  *time.Time `json:"submitted_at"`
	Entries      []SoAEntry `json:"entries"`
}

// SoAEntry is one control of the statement.
type SoAEntry struct {
	ControlID              string   `json:"control_id"`
	Ref                    string   `json:"ref"`
	Title                  string   `json:"title"`
	Theme                  string   `json:"theme"` // the Annex A theme, or "Own control"
	Custom                 bool     `json:"custom"`
	Applicable             bool     `json:"applicable"`
	InclusionReasons       []string `json:"inclusion_reasons"`
	ExclusionJustification string   `json:"exclusion_justification"`
	Status                 string   `json:"status"`
	Implementation         string   `json:"implementation_description"`
	Maturity               *int     `json:"maturity"`
	OwnerID                *string  `json:"owner_id"`
	Owner                  string   `json:"owner"` // the owner's name, as the statement was read
	RiskRefs               []string `json:"risk_refs"`
	DocumentRefs           []string `json:"document_refs"`
	EvidenceIDs            []string `json:"evidence_ids"`
	EvidenceCount          int      `json:"evidence_count"`
}

// SoARevision is an approved revision as listed: who approved it and when.
type SoARevision struct {
	Revision     int        `json:"revision"`
	ApprovedBy   string     `json:"approved_by"`
	ApproverName string     `json:"approved_by_name"`
	ApprovedAt   time.Time  `json:"approved_at"`
	SubmittedBy  *string    `json:"submitted_by"`
	SubmittedAt  *time.Time `json:"submitted_at"`
	Controls     int        `json:"controls"`
	Applicable   int        `json:"applicable"`
}

// SoAChange is what changed for one control between two statements.
type SoAChange struct {
	Ref    string                    `json:"ref"`
	Title  string                    `json:"title"`
	Change string                    `json:"change"` // added, removed, changed
	Fields map[string]SoAFieldChange `json:"fields,omitempty"`
}

// SoAFieldChange is one field's value before and after.
type SoAFieldChange struct {
	Before any `json:"before"`
	After  any `json:"after"`
}

// SoAComparison lists what changed from one statement to another, control by control, in statement order.
type SoAComparison struct {
	From    string      `json:"from"` // a revision number, or "live"
	To      string      `json:"to"`
	Changes []SoAChange `json:"changes"`
}

// The SoA's entities, as the API answers with them.
var (
	SoAEntity           = field.FromStruct("SoA", SoA{})
	SoARevisionEntity   = field.FromStruct("SoARevision", SoARevision{})
	SoAComparisonEntity = field.FromStruct("SoAComparison", SoAComparison{})
)

// CompareSoA lists, control by control, what differs from a to b: controls only in b are added, only in a
// removed, and in both with other values changed (each field with its two values). The order is b's, then
// what a alone holds.
func CompareSoA(a, b *SoA) []SoAChange {
	before := map[string]SoAEntry{}
	for _, e := range a.Entries {
		before[e.Ref] = e
	}
	out := []SoAChange{}
	seen := map[string]bool{}
	for _, e := range b.Entries {
		seen[e.Ref] = true
		old, ok := before[e.Ref]
		if !ok {
			out = append(out, SoAChange{Ref: e.Ref, Title: e.Title, Change: "added"})
			continue
		}
		if f := entryDiff(old, e); len(f) > 0 {
			out = append(out, SoAChange{Ref: e.Ref, Title: e.Title, Change: "changed", Fields: f})
		}
	}
	for _, e := range a.Entries {
		if !seen[e.Ref] {
			out = append(out, SoAChange{Ref: e.Ref, Title: e.Title, Change: "removed"})
		}
	}
	return out
}

// entryDiff compares what an auditor reads in an entry; the owner is compared by name, as printed.
func entryDiff(a, b SoAEntry) map[string]SoAFieldChange {
	f := map[string]SoAFieldChange{}
	add := func(name string, x, y any, same bool) {
		if !same {
			f[name] = SoAFieldChange{Before: x, After: y}
		}
	}
	add("title", a.Title, b.Title, a.Title == b.Title)
	add("applicable", a.Applicable, b.Applicable, a.Applicable == b.Applicable)
	add("inclusion_reasons", a.InclusionReasons, b.InclusionReasons, slices.Equal(a.InclusionReasons, b.InclusionReasons))
	add("exclusion_justification", a.ExclusionJustification, b.ExclusionJustification, a.ExclusionJustification == b.ExclusionJustification)
	add("status", a.Status, b.Status, a.Status == b.Status)
	add("implementation_description", a.Implementation, b.Implementation, a.Implementation == b.Implementation)
	add("maturity", a.Maturity, b.Maturity, (a.Maturity == nil) == (b.Maturity == nil) && (a.Maturity == nil || *a.Maturity == *b.Maturity))
	add("owner", a.Owner, b.Owner, a.Owner == b.Owner)
	add("risk_refs", a.RiskRefs, b.RiskRefs, slices.Equal(a.RiskRefs, b.RiskRefs))
	add("document_refs", a.DocumentRefs, b.DocumentRefs, slices.Equal(a.DocumentRefs, b.DocumentRefs))
	// Evidence is not compared: it is the living proof that the controls work, renewed
	// as it expires, not part of what the statement's approver decided.
	return f
}

// SoAColumns are the statement's columns in its exports, in order: the JSON names, so that an exported
// statement edited in a spreadsheet imports back as controls.
var SoAColumns = []string{"ref", "title", "theme", "applicable", "inclusion_reasons", "exclusion_justification", "status",
	"implementation_description", "maturity", "owner_id", "risk_refs", "document_refs", "evidence_count"}

// ownerCell is how an export writes an entry's owner: their email when known (imports resolve it), else the name.
func ownerCell(e SoAEntry, emails map[string]string) string {
	if e.OwnerID != nil && emails[*e.OwnerID] != "" {
		return emails[*e.OwnerID]
	}
	return e.Owner
}

// Row is the entry as an export row, in SoAColumns order.
func (e SoAEntry) Row(emails map[string]string) []any {
	var maturity any
	if e.Maturity != nil {
		maturity = *e.Maturity
	}
	return []any{e.Ref, e.Title, e.Theme, e.Applicable, e.InclusionReasons, e.ExclusionJustification, e.Status, e.Implementation,
		maturity, ownerCell(e, emails), e.RiskRefs, e.DocumentRefs, e.EvidenceCount}
}

// Summary counts the statement's controls: all, applicable, implemented among the applicable.
func (s *SoA) Summary() (all, applicable, implemented int) {
	for _, e := range s.Entries {
		all++
		if e.Applicable {
			applicable++
			if e.Status == "implemented" {
				implemented++
			}
		}
	}
	return
}

// Why is the entry's reason as people read it: the inclusion reasons of an applicable control, the
// exclusion justification of another.
func (e SoAEntry) Why() string {
	if !e.Applicable {
		return e.ExclusionJustification
	}
	return ReasonsText(e.InclusionReasons)
}

// BeforeText is the value before, as people read it.
func (c SoAFieldChange) BeforeText() string { return valueText(c.Before) }

// AfterText is the value after, as people read it.
func (c SoAFieldChange) AfterText() string { return valueText(c.After) }

// valueText writes a compared value: lists joined, statuses and reasons in words, empty as a dash. Values
// read back from a stored revision come as JSON's types.
func valueText(v any) string {
	switch x := v.(type) {
	case nil:
		return "—"
	case *int:
		if x == nil {
			return "—"
		}
		return fmt.Sprint(*x)
	case bool:
		if x {
			return "yes"
		}
		return "no"
	case []string:
		if len(x) == 0 {
			return "—"
		}
		return ReasonsText(x)
	case []any:
		var ss []string
		for _, s := range x {
			ss = append(ss, fmt.Sprint(s))
		}
		return valueText(ss)
	case string:
		if x == "" {
			return "—"
		}
		if _, ok := statusLabels[x]; ok {
			return StatusLabel(x)
		}
		return x
	}
	return fmt.Sprint(v)
}

// ReasonsText writes inclusion reasons as people read them.
func ReasonsText(reasons []string) string {
	out := make([]string, len(reasons))
	for i, r := range reasons {
		out[i] = strings.ReplaceAll(r, "_", " ")
	}
	return strings.Join(out, ", ")
}

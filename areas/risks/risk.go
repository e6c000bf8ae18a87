package risks

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bulwark-isms/bulwark"
)

// Risk treatments and statuses (6.1.3).
var (
	RiskTreatments = []string{"mitigate", "accept", "transfer", "avoid"}
	RiskStatuses   = []string{"draft", "assessed", "in_treatment", "accepted", "closed"}
)

// Risk is an entry of the risk register. Scores and levels are derived from the
// likelihoods and impacts with the methodology version the risk was scored with;
// they are never written by people.
type Risk struct {
	ID                     string     `json:"id"`
	Ref                    string     `json:"ref"`
	Title                  string     `json:"title"`
	Description            string     `json:"description"`
	Category               string     `json:"category"`
	Threat                 string     `json:"threat"`
	Vulnerability          string     `json:"vulnerability"`
	ThreatID               *string    `json:"threat_id"`
	VulnerabilityID        *string    `json:"vulnerability_id"`
	AssetIDs               []string   `json:"asset_ids"`
	OwnerID                *string    `json:"owner_id"`
	AffectsConfidentiality bool       `json:"affects_confidentiality"`
	AffectsIntegrity       bool       `json:"affects_integrity"`
	AffectsAvailability    bool       `json:"affects_availability"`
	InherentLikelihood     *int       `json:"inherent_likelihood"`
	InherentImpact         *int       `json:"inherent_impact"`
	InherentScore          *int       `json:"inherent_score"`
	InherentLevel          *string    `json:"inherent_level"`
	Treatment              *string    `json:"treatment"`
	ControlIDs             []string   `json:"control_ids"`
	ResidualLikelihood     *int       `json:"residual_likelihood"`
	ResidualImpact         *int       `json:"residual_impact"`
	ResidualScore          *int       `json:"residual_score"`
	ResidualLevel          *string    `json:"residual_level"`
	TargetDate             *string    `json:"target_date"`
	Status                 string     `json:"status"`
	ReviewDate             *string    `json:"review_date"`
	MethodologyVersion     int        `json:"methodology_version"`
	Version                int        `json:"version"`
	CreatedAt              time.Time  `json:"created_at"`
	UpdatedAt              time.Time  `json:"updated_at"`
	ArchivedAt             *time.Time `json:"archived_at"`
}

// Derive fills the scores and levels from the likelihoods and impacts with m; a
// value outside m's scales is a field error naming it.
func (r *Risk) Derive(m *Methodology) error {
	var v bulwark.Validation
	pair := func(prefix string, l, i *int, score **int, level **string) {
		*score, *level = nil, nil
		if l == nil && i == nil {
			return
		}
		if l == nil || i == nil {
			v.Add(prefix+"_likelihood", "and "+prefix+"_impact must be given together")
			return
		}
		ok := true
		if *l < 1 || *l > len(m.Likelihood) {
			v.Add(prefix+"_likelihood", "must be from 1 to "+itoa(len(m.Likelihood))+" on methodology version "+itoa(m.Version))
			ok = false
		}
		if *i < 1 || *i > len(m.Impact) {
			v.Add(prefix+"_impact", "must be from 1 to "+itoa(len(m.Impact))+" on methodology version "+itoa(m.Version))
			ok = false
		}
		if !ok {
			return
		}
		s, _ := m.Score(*l, *i)
		b, _ := m.Level(s)
		*score, *level = &s, &b.Label
	}
	pair("inherent", r.InherentLikelihood, r.InherentImpact, &r.InherentScore, &r.InherentLevel)
	pair("residual", r.ResidualLikelihood, r.ResidualImpact, &r.ResidualScore, &r.ResidualLevel)
	return v.Err()
}

func itoa(n int) string { return strconv.Itoa(n) }

// Validate checks the fields people write.
func (r *Risk) Validate() error {
	var v bulwark.Validation
	r.Title = strings.TrimSpace(r.Title)
	if r.Title == "" {
		v.Add("title", "is required")
	} else if utf8.RuneCountInString(r.Title) > 300 {
		v.Add("title", "must be at most 300 characters")
	}
	if r.Treatment != nil && !slices.Contains(RiskTreatments, *r.Treatment) {
		v.Add("treatment", "must be one of "+strings.Join(RiskTreatments, ", "))
	}
	if !slices.Contains(RiskStatuses, r.Status) {
		v.Add("status", "must be one of "+strings.Join(RiskStatuses, ", "))
	}
	for _, d := range []struct {
		field string
		v     *string
	}{{"target_date", r.TargetDate}, {"review_date", r.ReviewDate}} {
		if d.v != nil && !bulwark.ValidDate(*d.v) {
			v.Add(d.field, "must be a date such as 2026-12-31")
		}
	}
	return v.Err()
}

// SignOff records a risk owner's approval of the treatment plan and acceptance of
// the residual risk (6.1.3 f), or an owner's or admin's approval above the criteria.
type SignOff struct {
	ID         string     `json:"id"`
	RiskID     string     `json:"risk_id"`
	SignerID   string     `json:"signer_id"` // member id
	AsOwner    bool       `json:"as_risk_owner"`
	AsApprover bool       `json:"as_approver"` // signer was an owner or admin of the organisation
	Comment    string     `json:"comment"`
	Residual   *string    `json:"residual_level"` // the level signed for
	At         time.Time  `json:"at"`
	VoidedAt   *time.Time `json:"voided_at"`
}

// CanAccept says whether r may become accepted with the current (unvoided)
// sign-offs: always the risk owner's, and, when the residual level is above the
// acceptance criteria, also an owner's or admin's. With segregation of duties
// (A.5.3) that approval must come from someone other than the risk owner;
// without it, one person may be both.
func CanAccept(r *Risk, m *Methodology, signOffs []SignOff, segregated bool) error {
	owner, approver := false, false
	for _, s := range signOffs {
		if s.VoidedAt != nil {
			continue
		}
		isOwner := r.OwnerID != nil && s.SignerID == *r.OwnerID
		if s.AsOwner && isOwner {
			owner = true
		}
		if s.AsApprover && (!segregated || !isOwner) {
			approver = true
		}
	}
	if r.OwnerID == nil {
		return bulwark.Invalid("status", "a risk needs an owner before it can be accepted")
	}
	if !owner {
		return bulwark.Invalid("status", "can become accepted only after the risk owner signs off the treatment plan and residual risk")
	}
	level := r.ResidualLevel
	if level == nil {
		level = r.InherentLevel
	}
	if level == nil {
		return bulwark.Invalid("status", "needs a likelihood and an impact before it can be accepted")
	}
	if !m.Acceptable(*level) && !approver {
		who := "an owner or admin of the organisation"
		if segregated {
			who = "an owner or admin of the organisation other than the risk owner (segregation of duties)"
		}
		return bulwark.Invalid("status", "the residual level "+*level+" is above the acceptance criteria ("+m.AcceptableUpTo+"): "+who+" must sign off too")
	}
	return nil
}

// Action statuses of a risk treatment action.
var ActionStatuses = []string{"open", "in_progress", "done", "cancelled"}

// Action is one step of a risk's treatment plan (6.1.3 e, 8.3).
type Action struct {
	ID        string    `json:"id"`
	RiskID    string    `json:"risk_id"`
	RiskRef   string    `json:"risk_ref,omitempty"`
	Title     string    `json:"title"`
	OwnerID   *string   `json:"owner_id"`
	DueDate   *string   `json:"due_date"`
	Status    string    `json:"status"`
	Version   int       `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Validate checks an action.
func (a *Action) Validate() error {
	var v bulwark.Validation
	a.Title = strings.TrimSpace(a.Title)
	if a.Title == "" {
		v.Add("title", "is required")
	} else if utf8.RuneCountInString(a.Title) > 300 {
		v.Add("title", "must be at most 300 characters")
	}
	if !slices.Contains(ActionStatuses, a.Status) {
		v.Add("status", "must be one of "+strings.Join(ActionStatuses, ", "))
	}
	if a.DueDate != nil && !bulwark.ValidDate(*a.DueDate) {
		v.Add("due_date", "must be a date such as 2026-12-31")
	}
	return v.Err()
}

// Overdue reports whether an open action's due date is before today (YYYY-MM-DD
// in the organisation's time zone).
func (a *Action) Overdue(today string) bool {
	return (a.Status == "open" || a.Status == "in_progress") && a.DueDate != nil && *a.DueDate < today
}

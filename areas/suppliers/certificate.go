package suppliers

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/field"
)

// Certificate kinds: an ISO/IEC 27001 certificate, a SOC 2 report, or another attestation.
var CertificateKinds = []string{"iso27001", "soc2", "other"}

// SOC 2 report types.
var ReportTypes = []string{"type1", "type2"}

// Certificate states, from the expiry date and the day it is read on.
const (
	CertExpired  = "expired"
	CertExpiring = "expiring"
	CertCurrent  = "current"
	CertNone     = "none" // a supplier with no certificate (or none with an expiry date)
)

// CertificateStates are the states of a certificate, and "none" for a supplier without one.
var CertificateStates = []string{CertCurrent, CertExpiring, CertExpired, CertNone}

// ExpiringWithinDays is how close to its expiry a certificate counts as expiring.
const ExpiringWithinDays = 60

// Certificate is a supplier's certificate or attestation report.
type Certificate struct {
	ID          string     `json:"id"`
	SupplierID  string     `json:"supplier_id"`
	Kind        string     `json:"kind"`
	Name        string     `json:"name"`
	Number      string     `json:"number"`
	Body        string     `json:"body"`
	Scope       string     `json:"scope"`
	IssuedOn    *string    `json:"issued_on"`
	ExpiresOn   *string    `json:"expires_on"`
	ReportType  *string    `json:"report_type"`
	PeriodStart *string    `json:"period_start"`
	PeriodEnd   *string    `json:"period_end"`
	EvidenceID  *string    `json:"evidence_id"`
	State       string     `json:"state"`
	DaysLeft    *int       `json:"days_left"`
	Version     int        `json:"version"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	ArchivedAt  *time.Time `json:"archived_at"`
}

// Validate checks a certificate: a known kind, dates in order, and a SOC 2
// report's type and period only on SOC 2 reports.
func (c *Certificate) Validate() error {
	var v bulwark.Validation
	if !slices.Contains(CertificateKinds, c.Kind) {
		v.Add("kind", "must be one of "+strings.Join(CertificateKinds, ", "))
	}
	for _, t := range []struct{ name, v string }{{"name", c.Name}, {"number", c.Number}, {"body", c.Body}} {
		if utf8.RuneCountInString(t.v) > 200 {
			v.Add(t.name, "must be at most 200 characters")
		}
	}
	if utf8.RuneCountInString(c.Scope) > 5000 {
		v.Add("scope", "must be at most 5,000 characters")
	}
	for _, d := range []struct {
		name string
		v    *string
	}{{"issued_on", c.IssuedOn}, {"expires_on", c.ExpiresOn}, {"period_start", c.PeriodStart}, {"period_end", c.PeriodEnd}} {
		if d.v != nil && !bulwark.ValidDate(*d.v) {
			v.Add(d.name, "must be a date such as 2026-12-31")
		}
	}
	if c.IssuedOn != nil && c.ExpiresOn != nil && *c.ExpiresOn < *c.IssuedOn {
		v.Add("expires_on", "must not be before the issue date")
	}
	if c.Kind == "soc2" {
		if c.ReportType != nil && !slices.Contains(ReportTypes, *c.ReportType) {
			v.Add("report_type", "must be type1 or type2")
		}
		if c.PeriodStart != nil && c.PeriodEnd != nil && *c.PeriodEnd < *c.PeriodStart {
			v.Add("period_end", "must not be before the period's start")
		}
		if c.ReportType != nil && *c.ReportType == "type1" && c.PeriodStart != nil && c.PeriodEnd != nil && *c.PeriodStart != *c.PeriodEnd {
			v.Add("period_end", "a type 1 report is as of one day: give the same day as the start, or leave the end out")
		}
	} else if c.ReportType != nil || c.PeriodStart != nil || c.PeriodEnd != nil {
		v.Add("report_type", "a report type and period belong to SOC 2 reports only")
	}
	return v.Err()
}

// Window says where a certificate expiring on expiresOn stands on day today
// (both YYYY-MM-DD): expired from its expiry day on, expiring when at most 60 days
// remain, current otherwise; none without an expiry date. days is the days left
// (negative once expired).
func Window(expiresOn *string, today string) (state string, days *int) {
	if expiresOn == nil {
		return CertNone, nil
	}
	e, err1 := time.Parse(time.DateOnly, *expiresOn)
	t, err2 := time.Parse(time.DateOnly, today)
	if err1 != nil || err2 != nil {
		return CertNone, nil
	}
	n := int(e.Sub(t).Hours() / 24)
	switch {
	case n <= 0:
		return CertExpired, &n
	case n <= ExpiringWithinDays:
		return CertExpiring, &n
	default:
		return CertCurrent, &n
	}
}

// Mark sets the certificate's state and days left on day today.
func (c *Certificate) Mark(today string) {
	c.State, c.DaysLeft = Window(c.ExpiresOn, today)
}

// BestState is the state of a supplier's certificates taken together: current when
// any is current, else expiring when any is, else expired when any is, else none.
func BestState(certs []*Certificate) string {
	best := CertNone
	rank := map[string]int{CertNone: 0, CertExpired: 1, CertExpiring: 2, CertCurrent: 3}
	for _, c := range certs {
		if c.ArchivedAt == nil && rank[c.State] > rank[best] {
			best = c.State
		}
	}
	return best
}

// CertificateEntity declares a certificate's fields.
var CertificateEntity = field.FromStruct("SupplierCertificate", Certificate{}).
	Writable("kind", "name", "number", "body", "scope", "issued_on", "expires_on", "report_type", "period_start", "period_end", "evidence_id", "version").
	Require("kind").OneOf("kind", CertificateKinds).OneOf("report_type", ReportTypes).OneOf("state", CertificateStates).
	Dates("issued_on", "expires_on", "period_start", "period_end").
	Describe("kind", "Kind", "iso27001, soc2 or other").
	Describe("name", "Name", "what the certificate is called (for other kinds)").
	Describe("number", "Certificate number", "").
	Describe("body", "Certification body", "who issued it (for SOC 2, the audit firm)").
	Describe("scope", "Scope", "what the certificate or report covers").
	Describe("issued_on", "Issued on", "").
	Describe("expires_on", "Expires on", "from this day the certificate no longer counts").
	Describe("report_type", "Report type", "SOC 2 only: type1 (design, as of a day) or type2 (operation over a period)").
	Describe("period_start", "Period start", "SOC 2 only").
	Describe("period_end", "Period end", "SOC 2 only").
	Describe("evidence_id", "Evidence", "the evidence item holding the certificate's file").
	Describe("state", "State", "current, expiring (within 60 days), expired, or none without an expiry date").
	Describe("days_left", "Days left", "until the expiry date (negative once past)")

package incidents

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// Regimes are the breach-notification laws Bulwark keeps clocks for.
var Regimes = []string{"gdpr", "hipaa"}

// Clock kinds: one per notification a regime requires after a personal-data breach.
const (
	// GDPR Art. 33: the supervisory authority, 72 hours after the controller became aware.
	ClockGDPRAuthority = "gdpr_authority"
	// GDPR Art. 34: the people concerned, without undue delay, when the breach is likely to
	// result in a high risk to them: a decision first, then a notice with no fixed hour.
	ClockGDPRIndividuals = "gdpr_individuals"
	// HIPAA §164.404: each individual, within 60 calendar days of discovery.
	ClockHIPAAIndividuals = "hipaa_individuals"
	// HIPAA §164.408: HHS within 60 days when 500 or more people are affected; otherwise
	// on the yearly log, within 60 days after the calendar year ends.
	ClockHIPAAHHS = "hipaa_hhs"
	// HIPAA §164.406: prominent media in a state or jurisdiction where more than 500 residents are affected.
	ClockHIPAAMedia = "hipaa_media"
	// HIPAA §164.410: a business associate tells the covered entity within 60 days instead.
	ClockHIPAACoveredEntity = "hipaa_covered_entity"
)

// The states a clock is in.
const (
	ClockRunning          = "running"           // counting down
	ClockOverdue          = "overdue"           // the deadline passed with no notification recorded
	ClockAwaitingDecision = "awaiting_decision" // Art. 34: is the risk to people high?
	ClockNotified         = "notified"          // recorded in time (or with the reason it was late)
	ClockNotRequired      = "not_required"      // a recorded reason says this notice is not needed
)

// Clock is one regulatory deadline of a personal-data breach.
type Clock struct {
	ID                string     `json:"id"`
	Kind              string     `json:"kind"`
	Regime            string     `json:"regime"`
	Label             string     `json:"label"`
	StartsAt          time.Time  `json:"starts_at"`
	DueAt             *time.Time `json:"due_at"`
	HighRisk          *bool      `json:"high_risk"`
	DecisionReason    string     `json:"decision_reason"`
	NotifiedAt        *time.Time `json:"notified_at"`
	NotifiedTo        string     `json:"notified_to"`
	Reference         string     `json:"reference"`
	LateReason        string     `json:"late_reason"`
	NotRequiredReason string     `json:"not_required_reason"`
	// Derived when read: the state, the seconds left (negative once past), and the
	// deadline written in the organisation's time zone.
	State       string `json:"state"`
	SecondsLeft *int64 `json:"seconds_left"`
	DueLocal    string `json:"due_local"`
}

// Breach is what decides which clocks run and from when.
type Breach struct {
	Regimes             []string
	DiscoveredAt        time.Time // HIPAA counts from discovery
	BecameAwareAt       time.Time // GDPR counts from awareness
	IndividualsAffected int
	MostInOneState      int
	BusinessAssociate   bool
}

// AddCalendarDays adds days on the calendar of loc: the deadline is the same wall-clock
// time on the last day, so across a daylight-saving change the span is an hour more or less.
func AddCalendarDays(t time.Time, days int, loc *time.Location) time.Time {
	l := t.In(loc)
	return time.Date(l.Year(), l.Month(), l.Day()+days, l.Hour(), l.Minute(), l.Second(), l.Nanosecond(), loc)
}

// Clocks returns the clocks a breach starts, with their deadlines, in a fixed order.
// GDPR's 72 hours are elapsed hours (an exact duration, whatever the clocks on the
// wall do); HIPAA's 60 days are calendar days in the organisation's time zone loc.
func Clocks(b Breach, loc *time.Location) []*Clock {
	if loc == nil {
		loc = time.UTC
	}
	var out []*Clock
	if slices.Contains(b.Regimes, "gdpr") {
		due := b.BecameAwareAt.Add(72 * time.Hour)
		out = append(out,
			&Clock{Kind: ClockGDPRAuthority, Regime: "gdpr", StartsAt: b.BecameAwareAt, DueAt: &due},
			&Clock{Kind: ClockGDPRIndividuals, Regime: "gdpr", StartsAt: b.BecameAwareAt})
	}
	if slices.Contains(b.Regimes, "hipaa") {
		sixty := AddCalendarDays(b.DiscoveredAt, 60, loc)
		if b.BusinessAssociate {
			out = append(out, &Clock{Kind: ClockHIPAACoveredEntity, Regime: "hipaa", StartsAt: b.DiscoveredAt, DueAt: &sixty})
		} else {
			out = append(out, &Clock{Kind: ClockHIPAAIndividuals, Regime: "hipaa", StartsAt: b.DiscoveredAt, DueAt: &sixty})
			hhs := sixty
			if b.IndividualsAffected < 500 {
				hhs = YearlyLogDue(b.DiscoveredAt, loc)
			}
			out = append(out, &Clock{Kind: ClockHIPAAHHS, Regime: "hipaa", StartsAt: b.DiscoveredAt, DueAt: &hhs})
			if b.MostInOneState > 500 {
				media := sixty
				out = append(out, &Clock{Kind: ClockHIPAAMedia, Regime: "hipaa", StartsAt: b.DiscoveredAt, DueAt: &media})
			}
		}
	}
	for _, c := range out {
		c.Label = ClockLabel(c.Kind, b.IndividualsAffected)
	}
	return out
}

// YearlyLogDue is when a breach of fewer than 500 people, discovered at t, is due on
// HHS's yearly log: 60 days after the end of its calendar year in loc (the end of the
// year is midnight starting 1 January; 60 days on is the start of 2 March, or of
// 1 March in a leap year).
func YearlyLogDue(t time.Time, loc *time.Location) time.Time {
	y := t.In(loc).Year()
	return time.Date(y+1, time.January, 1+60, 0, 0, 0, 0, loc)
}

// ClockLabel names a clock for people.
func ClockLabel(kind string, individuals int) string {
	switch kind {
	case ClockGDPRAuthority:
		return "GDPR Art. 33: notify the supervisory authority"
	case ClockGDPRIndividuals:
		return "GDPR Art. 34: tell the people concerned"
	case ClockHIPAAIndividuals:
		return "HIPAA: notify each individual"
	case ClockHIPAAHHS:
		if individuals >= 500 {
			return "HIPAA: notify HHS (500 or more affected)"
		}
		return "HIPAA: report to HHS on the yearly log"
	case ClockHIPAAMedia:
		return "HIPAA: notify prominent media"
	case ClockHIPAACoveredEntity:
		return "HIPAA: notify the covered entity"
	}
	return kind
}

// Settled reports whether the clock needs nothing more: notified (late only with a
// reason), not required with a reason, or an Art. 34 decision of no high risk.
func (c *Clock) Settled() bool {
	switch {
	case c.NotRequiredReason != "":
		return true
	case c.NotifiedAt != nil:
		return c.DueAt == nil || !c.NotifiedAt.After(*c.DueAt) || c.LateReason != ""
	case c.Kind == ClockGDPRIndividuals && c.HighRisk != nil && !*c.HighRisk:
		return true
	}
	return false
}

// Pending says what a clock that is not settled waits for.
func (c *Clock) Pending() string {
	switch {
	case c.NotifiedAt != nil:
		return "the reason the notification was late"
	case c.Kind == ClockGDPRIndividuals && c.HighRisk == nil:
		return "the decision whether the risk to people is high"
	}
	return "the notification, or why it is not required"
}

// Mark derives the clock's state, seconds left and local deadline at now, in loc.
func (c *Clock) Mark(now time.Time, loc *time.Location) {
	if loc == nil {
		loc = time.UTC
	}
	c.SecondsLeft, c.DueLocal = nil, ""
	if c.DueAt != nil {
		c.DueLocal = c.DueAt.In(loc).Format("2006-01-02 15:04 MST")
	}
	switch {
	case c.NotRequiredReason != "" || (c.Kind == ClockGDPRIndividuals && c.HighRisk != nil && !*c.HighRisk && c.NotifiedAt == nil):
		c.State = ClockNotRequired
		return
	case c.NotifiedAt != nil:
		c.State = ClockNotified
		return
	case c.Kind == ClockGDPRIndividuals && c.HighRisk == nil:
		c.State = ClockAwaitingDecision
		return
	}
	c.State = ClockRunning
	if c.DueAt != nil {
		left := int64(math.Floor(c.DueAt.Sub(now).Seconds()))
		c.SecondsLeft = &left
		if left < 0 {
			c.State = ClockOverdue
		}
	}
}

// Countdown writes the time left (or past) for people: "2 d 3 h left", "41 h 12 min left",
// "5 h 2 min overdue"; a clock with no fixed deadline says so.
func (c *Clock) Countdown() string {
	switch c.State {
	case ClockNotified:
		return "notified"
	case ClockNotRequired:
		return "not required"
	case ClockAwaitingDecision:
		return "decision needed"
	}
	if c.SecondsLeft == nil {
		return "without undue delay"
	}
	s := *c.SecondsLeft
	suffix := " left"
	if s < 0 {
		s, suffix = -s, " overdue"
	}
	d, h, m := s/86400, s%86400/3600, s%3600/60
	switch {
	case d >= 3:
		return fmt.Sprintf("%d d %d h", d, h) + suffix
	case s >= 3600:
		return fmt.Sprintf("%d h %d min", d*24+h, m) + suffix
	}
	return fmt.Sprintf("%d min", m) + suffix
}

// Urgent reports whether the clock still needs someone (running, overdue or awaiting a decision).
func (c *Clock) Urgent() bool {
	return c.State == ClockRunning || c.State == ClockOverdue || c.State == ClockAwaitingDecision
}

package incidents

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/bulwark-isms/bulwark"
)

func at(t *testing.T, s, tz string) (time.Time, *time.Location) {
	t.Helper()
	loc, err := time.LoadLocation(tz)
	if err != nil {
		t.Fatal(err)
	}
	v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v, loc
}

// TestClockDeadlines: GDPR's 72 hours are elapsed hours from awareness; HIPAA's 60
// days are calendar days from discovery, same wall-clock time, in the
// organisation's zone — checked across the spring and autumn changes in Berlin and
// New York (EU: 28 March and 31 October 2027; US: 14 March and 7 November 2027).
func TestClockDeadlines(t *testing.T) {
	for _, tc := range []struct {
		name, tz, from, kind string
		breach               Breach
		wantLocal            string  // the deadline on the organisation's wall clock
		wantHours            float64 // the span in elapsed hours
	}{
		{"GDPR over the EU spring change", "Europe/Berlin", "2027-03-26 10:00", ClockGDPRAuthority, Breach{Regimes: []string{"gdpr"}}, "2027-03-29 11:00", 72},
		{"GDPR over the EU autumn change", "Europe/Berlin", "2027-10-29 10:00", ClockGDPRAuthority, Breach{Regimes: []string{"gdpr"}}, "2027-11-01 09:00", 72},
		{"GDPR in New York, no change", "America/New_York", "2027-06-01 23:30", ClockGDPRAuthority, Breach{Regimes: []string{"gdpr"}}, "2027-06-04 23:30", 72},
		{"GDPR in New York over the US spring change", "America/New_York", "2027-03-12 09:00", ClockGDPRAuthority, Breach{Regimes: []string{"gdpr"}}, "2027-03-15 10:00", 72},
		{"HIPAA individuals over the US spring change", "America/New_York", "2027-03-10 09:00", ClockHIPAAIndividuals, Breach{Regimes: []string{"hipaa"}}, "2027-05-09 09:00", 60*24 - 1},
		{"HIPAA individuals over the US autumn change", "America/New_York", "2027-10-01 16:45", ClockHIPAAIndividuals, Breach{Regimes: []string{"hipaa"}}, "2027-11-30 16:45", 60*24 + 1},
		{"HIPAA individuals in Berlin over the EU spring change", "Europe/Berlin", "2027-03-01 08:00", ClockHIPAAIndividuals, Breach{Regimes: []string{"hipaa"}}, "2027-04-30 08:00", 60*24 - 1},
		{"HIPAA HHS at 500 people: within the 60 days", "America/New_York", "2027-03-10 09:00", ClockHIPAAHHS, Breach{Regimes: []string{"hipaa"}, IndividualsAffected: 500}, "2027-05-09 09:00", 60*24 - 1},
		{"HIPAA HHS under 500: the yearly log", "America/New_York", "2027-03-10 09:00", ClockHIPAAHHS, Breach{Regimes: []string{"hipaa"}, IndividualsAffected: 499}, "2028-03-01 00:00", -1},
		{"HIPAA yearly log in a year before a leap year's end", "America/New_York", "2026-12-31 23:59", ClockHIPAAHHS, Breach{Regimes: []string{"hipaa"}, IndividualsAffected: 3}, "2027-03-02 00:00", -1},
		{"HIPAA media over 500 in one state", "America/Chicago", "2027-03-10 09:00", ClockHIPAAMedia, Breach{Regimes: []string{"hipaa"}, IndividualsAffected: 900, MostInOneState: 501}, "2027-05-09 09:00", 60*24 - 1},
		{"HIPAA business associate", "America/New_York", "2027-03-10 09:00", ClockHIPAACoveredEntity, Breach{Regimes: []string{"hipaa"}, BusinessAssociate: true}, "2027-05-09 09:00", 60*24 - 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start, loc := at(t, tc.from, tc.tz)
			b := tc.breach
			// The clocks start from different moments: awareness is a day after discovery.
			if b.Regimes[0] == "gdpr" {
				b.DiscoveredAt, b.BecameAwareAt = start.Add(-24*time.Hour), start
			} else {
				b.DiscoveredAt, b.BecameAwareAt = start, start.Add(24*time.Hour)
			}
			var got *Clock
			for _, c := range Clocks(b, loc) {
				if c.Kind == tc.kind {
					got = c
				}
			}
			if got == nil || got.DueAt == nil {
				t.Fatalf("no %s clock with a deadline in %+v", tc.kind, Clocks(b, loc))
			}
			if s := got.DueAt.In(loc).Format("2006-01-02 15:04"); s != tc.wantLocal {
				t.Errorf("due %s (local), want %s", s, tc.wantLocal)
			}
			if !got.StartsAt.Equal(start) {
				t.Errorf("starts at %v, want %v (the right timestamp)", got.StartsAt, start)
			}
			if tc.wantHours > 0 {
				if h := got.DueAt.Sub(start).Hours(); h != tc.wantHours {
					t.Errorf("span %v h, want %v h", h, tc.wantHours)
				}
			}
		})
	}
}

func TestClocksByBreach(t *testing.T) {
	now := time.Date(2027, 3, 10, 9, 0, 0, 0, time.UTC)
	kinds := func(b Breach) []string {
		b.DiscoveredAt, b.BecameAwareAt = now, now
		var out []string
		for _, c := range Clocks(b, time.UTC) {
			out = append(out, c.Kind)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		b    Breach
		want []string
	}{
		{"none", Breach{}, nil},
		{"gdpr", Breach{Regimes: []string{"gdpr"}}, []string{ClockGDPRAuthority, ClockGDPRIndividuals}},
		{"hipaa small", Breach{Regimes: []string{"hipaa"}, IndividualsAffected: 20}, []string{ClockHIPAAIndividuals, ClockHIPAAHHS}},
		{"hipaa 500 in one state is not more than 500", Breach{Regimes: []string{"hipaa"}, IndividualsAffected: 800, MostInOneState: 500}, []string{ClockHIPAAIndividuals, ClockHIPAAHHS}},
		{"hipaa large", Breach{Regimes: []string{"hipaa"}, IndividualsAffected: 800, MostInOneState: 600}, []string{ClockHIPAAIndividuals, ClockHIPAAHHS, ClockHIPAAMedia}},
		{"business associate", Breach{Regimes: []string{"hipaa"}, IndividualsAffected: 800, MostInOneState: 600, BusinessAssociate: true}, []string{ClockHIPAACoveredEntity}},
		{"both", Breach{Regimes: []string{"gdpr", "hipaa"}}, []string{ClockGDPRAuthority, ClockGDPRIndividuals, ClockHIPAAIndividuals, ClockHIPAAHHS}},
	} {
		if got := kinds(tc.b); len(got) != len(tc.want) || (len(got) > 0 && !equal(got, tc.want)) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func equal(a, b []string) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return len(a) == len(b)
}

func TestClockStates(t *testing.T) {
	aware := time.Date(2027, 3, 26, 9, 0, 0, 0, time.UTC)
	due := aware.Add(72 * time.Hour)
	yes, no := true, false
	late := due.Add(time.Hour)
	early := due.Add(-time.Hour)
	for _, tc := range []struct {
		name      string
		c         Clock
		now       time.Time
		state     string
		settled   bool
		countdown string
	}{
		{"running", Clock{Kind: ClockGDPRAuthority, DueAt: &due}, aware.Add(30*time.Hour + 48*time.Minute), ClockRunning, false, "41 h 12 min left"},
		{"days left", Clock{Kind: ClockHIPAAIndividuals, DueAt: &due}, aware.Add(-96 * time.Hour), ClockRunning, false, "7 d 0 h left"},
		{"overdue", Clock{Kind: ClockGDPRAuthority, DueAt: &due}, due.Add(5*time.Hour + 2*time.Minute), ClockOverdue, false, "5 h 2 min overdue"},
		{"notified in time", Clock{Kind: ClockGDPRAuthority, DueAt: &due, NotifiedAt: &early}, due.Add(time.Hour), ClockNotified, true, "notified"},
		{"notified late without a reason", Clock{Kind: ClockGDPRAuthority, DueAt: &due, NotifiedAt: &late}, due.Add(2 * time.Hour), ClockNotified, false, "notified"},
		{"notified late with a reason", Clock{Kind: ClockGDPRAuthority, DueAt: &due, NotifiedAt: &late, LateReason: "the authority's portal was down"}, due.Add(2 * time.Hour), ClockNotified, true, "notified"},
		{"art 34 awaiting decision", Clock{Kind: ClockGDPRIndividuals}, aware, ClockAwaitingDecision, false, "decision needed"},
		{"art 34 high risk", Clock{Kind: ClockGDPRIndividuals, HighRisk: &yes}, aware, ClockRunning, false, "without undue delay"},
		{"art 34 no high risk", Clock{Kind: ClockGDPRIndividuals, HighRisk: &no}, aware, ClockNotRequired, true, "not required"},
		{"not required", Clock{Kind: ClockHIPAAMedia, DueAt: &due, NotRequiredReason: "encrypted, key safe"}, due.Add(time.Hour), ClockNotRequired, true, "not required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.c
			c.Mark(tc.now, time.UTC)
			if c.State != tc.state || c.Settled() != tc.settled || c.Countdown() != tc.countdown {
				t.Errorf("state %s settled %v countdown %q; want %s %v %q", c.State, c.Settled(), c.Countdown(), tc.state, tc.settled, tc.countdown)
			}
		})
	}
}

func TestCanMove(t *testing.T) {
	levels := DefaultLevels
	open := func(status, severity, lessons string, clocks ...*Clock) *Incident {
		return &Incident{Ref: "INC-001", Status: status, Severity: severity, LessonsLearned: lessons, Clocks: clocks}
	}
	due := time.Date(2027, 3, 29, 9, 0, 0, 0, time.UTC)
	running := &Clock{Kind: ClockGDPRAuthority, Label: "GDPR Art. 33", DueAt: &due}
	for _, tc := range []struct {
		name   string
		i      *Incident
		to     string
		reason string
		want   string // "" allowed, else a part of the error
	}{
		{"triage", open(StatusReported, "", ""), StatusTriaged, "", ""},
		{"skip forward", open(StatusTriaged, "low", ""), StatusRecovered, "", ""},
		{"back is refused", open(StatusEradicated, "low", ""), StatusContained, "", "never goes back"},
		{"same state", open(StatusTriaged, "low", ""), StatusTriaged, "", "already"},
		{"close low without lessons", open(StatusRecovered, "low", ""), StatusClosed, "", ""},
		{"close without severity", open(StatusRecovered, "", ""), StatusClosed, "", "a severity"},
		{"close high without lessons", open(StatusRecovered, "high", ""), StatusClosed, "", "lessons learned"},
		{"close critical with lessons", open(StatusRecovered, "critical", "Block macros."), StatusClosed, "", ""},
		{"close with a clock running", open(StatusRecovered, "low", "", running), StatusClosed, "", "GDPR Art. 33"},
		{"not an incident without reason", open(StatusReported, "", ""), StatusNotAnIncident, "", "reason"},
		{"not an incident", open(StatusTriaged, "", ""), StatusNotAnIncident, "a test email from IT", ""},
		{"reopen without reason", open(StatusClosed, "low", ""), StatusTriaged, "", "reason"},
		{"reopen", open(StatusClosed, "low", ""), StatusContained, "it came back", ""},
		{"reopen to reported", open(StatusClosed, "low", ""), StatusReported, "again", "reopen it to triaged"},
		{"reopen not an incident", open(StatusNotAnIncident, "", ""), StatusTriaged, "it was real after all", ""},
		{"unknown", open(StatusReported, "", ""), "done", "", "must be one of"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CanMove(tc.i, tc.to, tc.reason, levels)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.want != "" && (err == nil || !contains(describe(err), tc.want)):
				t.Errorf("got %v, want an error with %q", err, tc.want)
			}
		})
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

// describe writes an error with its field messages.
func describe(err error) string {
	var e *bulwark.Error
	if errors.As(err, &e) {
		return fmt.Sprintf("%s %v", e.Message, e.Fields)
	}
	return err.Error()
}

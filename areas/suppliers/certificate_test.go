package suppliers_test

import (
	"testing"

	"github.com/bulwark-isms/bulwark/areas/suppliers"
)

// TestWindow: a certificate's state at the edges of the 60-day window and on its expiry day.
func TestWindow(t *testing.T) {
	const today = "2026-12-03"
	cases := []struct {
		name, expires, want string
		days                int
	}{
		{"61 days left", "2027-02-02", "current", 61},
		{"60 days left", "2027-02-01", "expiring", 60},
		{"one day left", "2026-12-04", "expiring", 1},
		{"its expiry day", "2026-12-03", "expired", 0},
		{"the day after its expiry", "2026-12-02", "expired", -1},
		{"a year left", "2027-12-03", "current", 365},
		{"across a leap day", "2028-03-01", "current", 454},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := c.expires
			state, days := suppliers.Window(&e, today)
			if state != c.want || days == nil || *days != c.days {
				t.Errorf("got %s %v, want %s %d", state, days, c.want, c.days)
			}
		})
	}
	if state, days := suppliers.Window(nil, today); state != "none" || days != nil {
		t.Errorf("no expiry date: %s %v", state, days)
	}
}

// TestBestState: the supplier's certificates taken together.
func TestBestState(t *testing.T) {
	c := func(s string) *suppliers.Certificate { return &suppliers.Certificate{State: s} }
	cases := []struct {
		certs []*suppliers.Certificate
		want  string
	}{
		{nil, "none"},
		{[]*suppliers.Certificate{c("expired")}, "expired"},
		{[]*suppliers.Certificate{c("expired"), c("expiring")}, "expiring"},
		{[]*suppliers.Certificate{c("expiring"), c("current"), c("expired")}, "current"},
		{[]*suppliers.Certificate{c("none")}, "none"},
	}
	for _, x := range cases {
		if got := suppliers.BestState(x.certs); got != x.want {
			t.Errorf("%d certificates: %s, want %s", len(x.certs), got, x.want)
		}
	}
}

// TestCertificateValidate: SOC 2 fields belong to SOC 2 reports, dates in order.
func TestCertificateValidate(t *testing.T) {
	s := func(v string) *string { return &v }
	cases := []struct {
		name string
		c    suppliers.Certificate
		ok   bool
	}{
		{"ISO 27001", suppliers.Certificate{Kind: "iso27001", Number: "IS 123", IssuedOn: s("2025-01-01"), ExpiresOn: s("2028-01-01")}, true},
		{"SOC 2 type 2", suppliers.Certificate{Kind: "soc2", ReportType: s("type2"), PeriodStart: s("2025-01-01"), PeriodEnd: s("2025-12-31")}, true},
		{"unknown kind", suppliers.Certificate{Kind: "pci"}, false},
		{"expires before issue", suppliers.Certificate{Kind: "iso27001", IssuedOn: s("2025-01-01"), ExpiresOn: s("2024-01-01")}, false},
		{"report type on ISO", suppliers.Certificate{Kind: "iso27001", ReportType: s("type2")}, false},
		{"SOC 2 period reversed", suppliers.Certificate{Kind: "soc2", ReportType: s("type2"), PeriodStart: s("2025-12-31"), PeriodEnd: s("2025-01-01")}, false},
		{"type 1 over a period", suppliers.Certificate{Kind: "soc2", ReportType: s("type1"), PeriodStart: s("2025-01-01"), PeriodEnd: s("2025-06-30")}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := c.c.Validate(); (err == nil) != c.ok {
				t.Errorf("valid=%v, err %v", c.ok, err)
			}
		})
	}
}

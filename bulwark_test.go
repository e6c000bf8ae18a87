package bulwark_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-isms/bulwark"
)

func TestSlugify(t *testing.T) {
	tests := map[string]string{
		"Acme Ltd":                "acme-ltd",
		"Müller & Söhne":          "muller-sohne",
		"  --Hello__World-- ":     "hello-world",
		"ÉCOLE Polytechnique":     "ecole-polytechnique",
		"!!!":                     "",
		"日本":                      "",
		strings.Repeat("ab ", 40): strings.TrimRight(strings.Repeat("ab-", 21), "-"),
	}
	for in, want := range tests {
		if got := bulwark.Slugify(in); got != want {
			t.Errorf("Slugify(%q) = %q, want %q", in, got, want)
		}
		if got := bulwark.Slugify(in); len(got) > bulwark.MaxSlugLength {
			t.Errorf("Slugify(%q) is %d characters long", in, len(got))
		}
	}
}

func TestCanAssignRole(t *testing.T) {
	tests := []struct {
		actor, current, target bulwark.Role
		want                   bool
	}{
		{bulwark.RoleOwner, bulwark.RoleEmployee, bulwark.RoleOwner, true},
		{bulwark.RoleAdmin, bulwark.RoleEmployee, bulwark.RoleManager, true},
		{bulwark.RoleAdmin, bulwark.RoleEmployee, bulwark.RoleOwner, false},
		{bulwark.RoleAdmin, bulwark.RoleOwner, bulwark.RoleEmployee, false},
		{bulwark.RoleManager, bulwark.RoleEmployee, bulwark.RoleAuditor, false},
	}
	for _, tt := range tests {
		if got := bulwark.CanAssignRole(tt.actor, tt.current, tt.target); got != tt.want {
			t.Errorf("CanAssignRole(%s, %s→%s) = %v", tt.actor, tt.current, tt.target, got)
		}
	}
}

func TestSettingsValidate(t *testing.T) {
	tests := []struct {
		s     bulwark.Settings
		field string
	}{
		{bulwark.DefaultSettings(), ""},
		{bulwark.Settings{TimeZone: "Europe/Paris", DateOrder: "DMY"}, ""},
		{bulwark.Settings{TimeZone: "Mars/Olympus"}, "time_zone"},
		{bulwark.Settings{TimeZone: "UTC", DateOrder: "YMD"}, "date_order"},
	}
	for _, tt := range tests {
		err := tt.s.Validate()
		if tt.field == "" && err != nil || tt.field != "" && (err == nil || !strings.Contains(toJSON(err), tt.field)) {
			t.Errorf("%+v: got %v, want error on %q", tt.s, err, tt.field)
		}
	}
}

func toJSON(err error) string {
	b, _ := json.Marshal(err)
	return string(b)
}

func TestMemberStatus(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	past, future := now.Add(-time.Hour), now.Add(time.Hour)
	tests := []struct {
		m    bulwark.Member
		want string
	}{
		{bulwark.Member{}, "active"},
		{bulwark.Member{ExpiresAt: &future}, "active"},
		{bulwark.Member{ExpiresAt: &past}, "expired"},
		{bulwark.Member{DeactivatedAt: &past, ExpiresAt: &future}, "deactivated"},
	}
	for _, tt := range tests {
		if got := tt.m.Status(now); got != tt.want || tt.m.Active(now) != (tt.want == "active") {
			t.Errorf("status %q, want %q", got, tt.want)
		}
	}
}

func TestAuditHashCoversEveryField(t *testing.T) {
	base := bulwark.AuditEntry{OrgID: "o", Seq: 1, At: time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC), ActorID: "a", IP: "ip",
		RequestID: "r", Action: "x.y", EntityType: "t", EntityID: "i", EntityRef: "ref", Changes: json.RawMessage(`{}`), PrevHash: bulwark.GenesisHash}
	h := base.ComputeHash()
	mutations := []func(e *bulwark.AuditEntry){
		func(e *bulwark.AuditEntry) { e.OrgID = "p" },
		func(e *bulwark.AuditEntry) { e.Seq = 2 },
		func(e *bulwark.AuditEntry) { e.At = e.At.Add(time.Microsecond) },
		func(e *bulwark.AuditEntry) { e.ActorID = "b" },
		func(e *bulwark.AuditEntry) { e.IP = "ip2" },
		func(e *bulwark.AuditEntry) { e.RequestID = "r2" },
		func(e *bulwark.AuditEntry) { e.Action = "x.z" },
		func(e *bulwark.AuditEntry) { e.EntityType = "u" },
		func(e *bulwark.AuditEntry) { e.EntityID = "j" },
		func(e *bulwark.AuditEntry) { e.EntityRef = "ref2" },
		func(e *bulwark.AuditEntry) { e.Changes = json.RawMessage(`{"a":1}`) },
		func(e *bulwark.AuditEntry) { e.PrevHash = strings.Repeat("1", 64) },
		// moving text between adjacent fields must not collide
		func(e *bulwark.AuditEntry) { e.EntityType, e.EntityID = "ti", "" },
	}
	for i, mut := range mutations {
		e := base
		mut(&e)
		if e.ComputeHash() == h {
			t.Errorf("mutation %d does not change the hash", i)
		}
	}
}

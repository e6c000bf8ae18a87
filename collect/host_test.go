package collect_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/bulwark-isms/bulwark/collect"
)

func TestHostFixture(t *testing.T) {
	res, err := collect.Host("collecttest/hostroot")
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0].Type != "host" || res[0].ID != "web-01" {
		t.Fatalf("resources = %+v, want one host web-01", res)
	}
	want := map[string]any{
		"hostname": "web-01",
		"os":       "Debian GNU/Linux 12 (bookworm)",
		"ssh": map[string]any{
			"present":                        true,
			"permit_root_login":              "yes", // main file; the Match block's "no" is conditional
			"password_authentication":        "no",  // 10-hardening.conf is read first and wins
			"permit_empty_passwords":         "no",  // default; "yes" only inside Match
			"x11_forwarding":                 "yes",
			"pubkey_authentication":          "yes", // "Yes" in 50-cloud-init.conf, lower-cased
			"kbd_interactive_authentication": "no",
			"protocol":                       "2",
			"max_auth_tries":                 int64(4),
			"client_alive_interval":          int64(300),
		},
		"login_defs": map[string]any{
			"present": true, "pass_max_days": int64(99999), "pass_min_days": int64(0),
			"pass_warn_age": int64(7), "pass_min_len": int64(-1),
		},
		"firewall":        map[string]any{"enabled": true, "tool": "nftables"},
		"auto_updates":    map[string]any{"enabled": true, "tool": "unattended-upgrades"},
		"time_sync":       map[string]any{"enabled": true, "tool": "systemd-timesyncd"},
		"disk_encryption": map[string]any{"enabled": true, "volumes": int64(1)},
		"listening": []any{
			map[string]any{"address": "0.0.0.0", "port": int64(22), "proto": "tcp"},
			map[string]any{"address": "::", "port": int64(22), "proto": "tcp6"},
			map[string]any{"address": "::1", "port": int64(631), "proto": "tcp6"},
			map[string]any{"address": "127.0.0.1", "port": int64(5432), "proto": "tcp"},
		},
		"listening_ports":         []any{int64(22), int64(631), int64(5432)},
		"shadow_readable":         true,
		"empty_password_accounts": []any{"guest"},
	}
	if !reflect.DeepEqual(res[0].Facts, want) {
		got, _ := json.MarshalIndent(res[0].Facts, "", "  ")
		t.Errorf("facts differ; got\n%s", got)
	}
}

// An empty root is a host with nothing configured: every feature absent, no error.
func TestHostEmptyRoot(t *testing.T) {
	res, err := collect.Host(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"hostname": "host",
		"os":       "",
		"ssh":      map[string]any{"present": false},
		"login_defs": map[string]any{
			"present": false, "pass_max_days": int64(-1), "pass_min_days": int64(-1),
			"pass_warn_age": int64(-1), "pass_min_len": int64(-1),
		},
		"firewall":                map[string]any{"enabled": false, "tool": ""},
		"auto_updates":            map[string]any{"enabled": false, "tool": ""},
		"time_sync":               map[string]any{"enabled": false, "tool": ""},
		"disk_encryption":         map[string]any{"enabled": false, "volumes": int64(0)},
		"listening":               []any{},
		"listening_ports":         []any{},
		"shadow_readable":         false,
		"empty_password_accounts": []any{},
	}
	if !reflect.DeepEqual(res[0].Facts, want) {
		got, _ := json.MarshalIndent(res[0].Facts, "", "  ")
		t.Errorf("facts differ; got\n%s", got)
	}
}

// Each firewall, update and time tool is recognised from its own files.
func TestHostTools(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		key   string
		want  map[string]any
	}{
		{"ufw enabled", map[string]string{"etc/ufw/ufw.conf": "ENABLED=yes\nLOGLEVEL=low\n"},
			"firewall", map[string]any{"enabled": true, "tool": "ufw"}},
		{"ufw disabled", map[string]string{"etc/ufw/ufw.conf": "ENABLED=no\n"},
			"firewall", map[string]any{"enabled": false, "tool": ""}},
		{"debian's empty nftables.conf filters nothing", map[string]string{"etc/nftables.conf": "table inet filter {\n chain input {\n  type filter hook input priority filter;\n }\n}\n"},
			"firewall", map[string]any{"enabled": false, "tool": ""}},
		{"nftables one-line drop policy", map[string]string{"etc/nftables.conf": "table inet f { chain input { type filter hook input priority 0; policy drop; } }"},
			"firewall", map[string]any{"enabled": true, "tool": "nftables"}},
		{"firewalld unit", map[string]string{"etc/systemd/system/multi-user.target.wants/firewalld.service": ""},
			"firewall", map[string]any{"enabled": true, "tool": "firewalld"}},
		{"iptables-persistent", map[string]string{"etc/iptables/rules.v4": "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n"},
			"firewall", map[string]any{"enabled": true, "tool": "iptables"}},
		{"unattended upgrades switched off later", map[string]string{
			"etc/apt/apt.conf.d/20auto-upgrades": `APT::Periodic::Unattended-Upgrade "1";`,
			"etc/apt/apt.conf.d/99local":         `APT::Periodic::Unattended-Upgrade "0";`},
			"auto_updates", map[string]any{"enabled": false, "tool": "unattended-upgrades"}},
		{"dnf-automatic applying", map[string]string{
			"etc/dnf/automatic.conf":                                     "[commands]\napply_updates = yes\n",
			"etc/systemd/system/timers.target.wants/dnf-automatic.timer": ""},
			"auto_updates", map[string]any{"enabled": true, "tool": "dnf-automatic"}},
		{"dnf-automatic downloading only", map[string]string{
			"etc/dnf/automatic.conf":                                     "[commands]\napply_updates = no\n",
			"etc/systemd/system/timers.target.wants/dnf-automatic.timer": ""},
			"auto_updates", map[string]any{"enabled": false, "tool": "dnf-automatic"}},
		{"chrony", map[string]string{"etc/chrony/chrony.conf": "pool 2.debian.pool.ntp.org iburst\n"},
			"time_sync", map[string]any{"enabled": true, "tool": "chrony"}},
		{"ntpd unit", map[string]string{"etc/systemd/system/multi-user.target.wants/ntpsec.service": ""},
			"time_sync", map[string]any{"enabled": true, "tool": "ntp"}},
		{"crypttab with comments only", map[string]string{"etc/crypttab": "# none\n\n"},
			"disk_encryption", map[string]any{"enabled": false, "volumes": int64(0)}},
		{"sshd without config lines uses defaults", map[string]string{"etc/ssh/sshd_config": "# nothing\n"},
			"ssh", map[string]any{"present": true, "permit_root_login": "prohibit-password", "password_authentication": "yes",
				"permit_empty_passwords": "no", "x11_forwarding": "no", "pubkey_authentication": "yes",
				"kbd_interactive_authentication": "yes", "protocol": "2", "max_auth_tries": int64(6), "client_alive_interval": int64(0)}},
		{"sshd deprecated spellings", map[string]string{"etc/ssh/sshd_config": "PermitRootLogin without-password\nChallengeResponseAuthentication no\nInclude missing/*.conf\n"},
			"ssh", map[string]any{"present": true, "permit_root_login": "prohibit-password", "password_authentication": "yes",
				"permit_empty_passwords": "no", "x11_forwarding": "no", "pubkey_authentication": "yes",
				"kbd_interactive_authentication": "no", "protocol": "2", "max_auth_tries": int64(6), "client_alive_interval": int64(0)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			for name, body := range tt.files {
				p := filepath.Join(root, name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			res, err := collect.Host(root)
			if err != nil {
				t.Fatal(err)
			}
			if got := res[0].Facts[tt.key]; !reflect.DeepEqual(got, tt.want) {
				t.Errorf("%s = %#v, want %#v", tt.key, got, tt.want)
			}
		})
	}
}

// An sshd_config that includes itself must end, not loop.
func TestHostSSHDIncludeLoop(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "etc/ssh"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "etc/ssh/sshd_config"), []byte("Include sshd_config\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := collect.Host(root); err == nil {
		t.Fatal("want an error for endless includes")
	}
}

// A symbolic link inside the root may not lead the collector out of it.
func TestHostSymlinkCannotEscape(t *testing.T) {
	root := t.TempDir()
	outside := filepath.Join(t.TempDir(), "shadow")
	if err := os.WriteFile(outside, []byte("victim::1:0:99999:7:::\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(root, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(root, "etc/shadow")); err != nil {
		t.Fatal(err)
	}
	res, err := collect.Host(root)
	if err == nil && len(res[0].Facts["empty_password_accounts"].([]any)) > 0 {
		t.Fatalf("read a file outside the root: %v", res[0].Facts["empty_password_accounts"])
	}
}

func TestHostUnreadableShadow(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads any file; run unprivileged to test an unreadable etc/shadow")
	}
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "etc/shadow"), []byte("guest::1:0:99999:7:::\n"), 0); err != nil {
		t.Fatal(err)
	}
	res, err := collect.Host(root)
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Facts["shadow_readable"] != false {
		t.Errorf("shadow_readable = %v, want false", res[0].Facts["shadow_readable"])
	}
}

// The live system: whatever it looks like, the collector must not fail.
func TestHostLive(t *testing.T) {
	res, err := collect.Host("/")
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0].Type != "host" {
		t.Fatalf("resources = %+v, want one host", res)
	}
}

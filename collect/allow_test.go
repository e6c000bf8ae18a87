package collect_test

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/bulwark-isms/bulwark/collect"
)

func TestParseAllow(t *testing.T) {
	tests := []struct {
		spec    string
		want    string // canonical String(); "" with wantErr
		wantErr string
	}{
		{spec: "", want: ""},
		{spec: " , ,", want: ""},
		{spec: "db.internal", want: "db.internal"},
		{spec: "DB.Internal.:5432", want: "db.internal:5432"},
		{spec: "*.example.com", want: "*.example.com"},
		{spec: "10.0.0.0/8, 192.168.1.7:443", want: "10.0.0.0/8,192.168.1.7:443"},
		{spec: "10.1.2.3/8", want: "10.0.0.0/8"},
		{spec: "2001:db8::1", want: "2001:db8::1"},
		{spec: "[2001:db8::/32]:443", want: "[2001:db8::/32]:443"},
		{spec: "/srv/repos/, /srv/../opt/x", want: "/srv/repos,/opt/x"},
		{spec: "db:0", wantErr: "port"},
		{spec: "db:99999", wantErr: "port"},
		{spec: "db:ssh", wantErr: "port"},
		{spec: "10.0.0.0/33", wantErr: "CIDR"},
		{spec: "exa mple.com", wantErr: "not a host name"},
		{spec: "foo.*.com", wantErr: "not a host name"},
		{spec: "[::1", wantErr: "missing ]"},
		{spec: "repos", want: "repos"}, // a single-label name, not a path
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			a, err := collect.ParseAllow(tt.spec)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to mention %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := a.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestAllowDialer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	tests := []struct {
		name, spec, addr string
		refused          string // "" means the connection must succeed
	}{
		{"empty spec denies everything", "", "127.0.0.1:" + port, "collector-allow does not permit 127.0.0.1:" + port},
		{"listed IP", "127.0.0.1", "127.0.0.1:" + port, ""},
		{"listed IP and port", "127.0.0.1:" + port, "127.0.0.1:" + port, ""},
		{"listed IP, other port", "127.0.0.1:1", "127.0.0.1:" + port, "collector-allow does not permit 127.0.0.1:" + port},
		{"CIDR", "127.0.0.0/8", "127.0.0.1:" + port, ""},
		{"other CIDR", "10.0.0.0/8", "127.0.0.1:" + port, "collector-allow does not permit 127.0.0.1:" + port},
		{"listed name", "localhost", "localhost:" + port, ""},
		{"listed name is not its address", "localhost", "127.0.0.1:" + port, "collector-allow does not permit 127.0.0.1:" + port},
		{"wildcard does not match the bare name", "*.localhost", "localhost:" + port, "collector-allow does not permit localhost:" + port},
		// The name is not listed; what it resolves to is checked on the address
		// actually dialled, and the message names that address.
		{"unlisted name resolving outside the CIDR", "10.0.0.0/8", "localhost:" + port, "collector-allow does not permit 127.0.0.1:" + port},
		{"unlisted name resolving inside the CIDR", "127.0.0.0/8", "localhost:" + port, ""},
		{"path entries do not open the network", "/srv", "127.0.0.1:" + port, "collector-allow does not permit 127.0.0.1:" + port},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := collect.ParseAllow(tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			network := "tcp4" // localhost may also resolve to ::1, where nothing listens
			conn, err := a.Dialer()(context.Background(), network, tt.addr)
			if tt.refused == "" {
				if err != nil {
					t.Fatalf("dial refused: %v", err)
				}
				conn.Close()
				return
			}
			if err == nil {
				conn.Close()
				t.Fatal("dial succeeded, want a refusal")
			}
			if err.Error() != tt.refused || !errors.Is(err, collect.ErrNotAllowed) {
				t.Errorf("err = %q, want %q wrapping ErrNotAllowed", err, tt.refused)
			}
		})
	}
}

func TestAllowPath(t *testing.T) {
	base := t.TempDir()
	mkdir := func(p string) string {
		p = filepath.Join(base, p)
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	repos := mkdir("srv/repos")
	app := mkdir("srv/repos/app")
	repos2 := mkdir("srv/repos2")
	secret := mkdir("etc")
	link := filepath.Join(repos, "escape")
	if err := os.Symlink(secret, link); err != nil {
		t.Fatal(err)
	}
	// The listed directory reached through a link still counts.
	alias := filepath.Join(base, "alias")
	if err := os.Symlink(repos, alias); err != nil {
		t.Fatal(err)
	}
	a, err := collect.ParseAllow(repos + "," + alias)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, want, wantErr string
	}{
		{"the directory itself", repos, repos, ""},
		{"below it", app, app, ""},
		{"cleaned", repos + "/x/../app/", app, ""},
		{"sibling with the same prefix", repos2, "", "collector-allow does not permit " + repos2},
		{"dot-dot out", repos + "/../repos2", "", "collector-allow does not permit"},
		{"symlink out", link, "", "collector-allow does not permit " + link},
		{"through a listed link", alias + "/app", app, ""},
		{"relative", "srv/repos", "", "must be absolute"},
		{"missing", repos + "/nope", "", "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := a.Path(tt.path)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Path(%q) = %q, %v; want error containing %q", tt.path, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Path(%q) = %q, %v; want %q", tt.path, got, err, tt.want)
			}
		})
	}
	var none *collect.Allow
	if _, err := none.Path(repos); !errors.Is(err, collect.ErrNotAllowed) {
		t.Errorf("nil Allow: err = %v, want a refusal", err)
	}
}

func FuzzParseAllow(f *testing.F) {
	for _, s := range []string{"db.internal:5432,*.example.com", "10.0.0.0/8,[2001:db8::/32]:443", "/srv/repos", "[::1", "a:b:c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		a, err := collect.ParseAllow(spec)
		if err != nil {
			return
		}
		// What parses must parse again to the same setting.
		b, err := collect.ParseAllow(a.String())
		if err != nil || b.String() != a.String() {
			t.Fatalf("%q: String() = %q does not parse back (%v, %q)", spec, a.String(), err, b)
		}
	})
}

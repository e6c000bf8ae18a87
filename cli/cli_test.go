package cli_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-isms/bulwark/cli"
)

// run runs the command line in-process with a clean environment and returns its
// exit code, standard output and the message main would print.
func run(t *testing.T, stdin string, args ...string) (code int, stdout, msg string) {
	t.Helper()
	var out, errb bytes.Buffer
	err := cli.Run(context.Background(), args, strings.NewReader(stdin), &out, &errb, func(string) string { return "" })
	if err != nil {
		msg = cli.Message(err)
	}
	return cli.ExitCode(err), out.String(), msg + errb.String()
}

// TestOrganisationRules checks the CONTRACT's --org rule and exit codes: with one
// organisation --org may be left out; with two it is needed (exit 2, listing the
// slugs); an unknown slug is a usage error; a failure is exit 1.
func TestOrganisationRules(t *testing.T) {
	dir := t.TempDir()
	db := "--db=sqlite:" + filepath.Join(dir, "b.db")
	data := "--data-dir=" + filepath.Join(dir, "data")
	pw := "correct horse battery staple\n"
	if code, out, msg := run(t, pw, "setup", db, data, "--org", "Acme Ltd", "--email", "ciso@acme.test", "--password-file", "-"); code != 0 || strings.TrimSpace(out) != "acme-ltd" {
		t.Fatalf("setup: %d %q %s", code, out, msg)
	}
	tests := []struct {
		name  string
		args  []string
		code  int
		out   string // in stdout
		msg   string // in the message
		stdin string
	}{
		{"one organisation, no --org", []string{"token", "create", db, data, "--email", "ciso@acme.test"}, 0, "bwk_", "", ""},
		{"unknown member", []string{"token", "create", db, data, "--email", "nobody@acme.test"}, 1, "", "nobody@acme.test", ""},
		{"unknown organisation", []string{"token", "create", db, data, "--email", "ciso@acme.test", "--org", "nope"}, 2, "", "nope", ""},
		{"second organisation", []string{"setup", db, data, "--org", "Beta", "--email", "ciso@acme.test", "--password-file", "-"}, 0, "beta", "", pw},
		{"two organisations, no --org", []string{"token", "create", db, data, "--email", "ciso@acme.test"}, 2, "", "acme-ltd, beta", ""},
		{"two organisations, --org", []string{"token", "create", db, data, "--email", "ciso@acme.test", "--org", "beta"}, 0, "bwk_", "", ""},
		{"verify both and the instance chain", []string{"audit-log", "verify", db, data}, 0, "ok: organisation beta", "", ""},
		{"usage error", []string{"export", "assets", db, data, "--format", "pdf", "-o", "-", "--org", "beta"}, 2, "", "", ""},
		{"existing slug, wrong password", []string{"setup", db, data, "--org", "Gamma", "--email", "ciso@acme.test", "--password-file", "-"}, 1, "", "does not match", "wrong one\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, msg := run(t, tt.stdin, tt.args...)
			if code != tt.code || !strings.Contains(out, tt.out) || !strings.Contains(msg, tt.msg) {
				t.Fatalf("exit %d, stdout %q, message %q; want exit %d, %q, %q", code, out, msg, tt.code, tt.out, tt.msg)
			}
		})
	}
}

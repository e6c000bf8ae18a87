package collect_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/bulwark-isms/bulwark/collect"
)

// testRepo is a real git repository in a temporary directory, driven by the
// git command line with the tester's own configuration kept out.
type testRepo struct {
	t    *testing.T
	dir  string
	home string
}

func newTestRepo(t *testing.T) *testRepo {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	r := &testRepo{t: t, dir: t.TempDir(), home: t.TempDir()}
	r.git("init", "-q", "-b", "main")
	return r
}

// git runs a git command in the repository and returns its output.
func (r *testRepo) git(args ...string) string {
	r.t.Helper()
	return r.gitIn(nil, args...)
}

func (r *testRepo) gitIn(stdin []byte, args ...string) string {
	r.t.Helper()
	base := []string{"-C", r.dir, "-c", "user.name=Test Author", "-c", "user.email=author@example.com", "-c", "commit.gpgsign=false"}
	cmd := exec.Command("git", append(base, args...)...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + r.home, "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null",
		"GIT_AUTHOR_DATE=2026-01-02T03:04:05Z", "GIT_COMMITTER_DATE=2026-01-02T03:04:05Z"}
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		r.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// commit writes files (path → content) and commits them.
func (r *testRepo) commit(msg string, files map[string]string) {
	r.t.Helper()
	for name, body := range files {
		p := filepath.Join(r.dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			r.t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			r.t.Fatal(err)
		}
	}
	r.git("add", "-A")
	r.git("commit", "-q", "--allow-empty", "-m", msg)
}

// commitSigned adds a commit object carrying a gpgsig header on top of main,
// as `git commit -S` would, without needing a key: the collector counts
// signatures, it does not verify them.
func (r *testRepo) commitSigned(msg string) {
	r.t.Helper()
	parent := r.git("rev-parse", "HEAD")
	tree := r.git("rev-parse", "HEAD^{tree}")
	obj := "tree " + tree + "\nparent " + parent + "\n" +
		"author Test Author <author@example.com> 1767322800 +0000\n" +
		"committer Test Author <author@example.com> 1767322800 +0000\n" +
		"gpgsig -----BEGIN PGP SIGNATURE-----\n \n iHUEABYKAB0WIQRzZXJpYWwtc2lnbmF0dXJlLWZpeHR1cmU=\n =abcd\n -----END PGP SIGNATURE-----\n" +
		"\n" + msg + "\n"
	oid := r.gitIn([]byte(obj), "hash-object", "-t", "commit", "-w", "--stdin")
	r.git("update-ref", "-m", "commit: "+msg, "refs/heads/main", oid, parent)
}

// newFixtureRepo builds the repository the git tests and the built-in checks
// use: three commits (the last signed), a CODEOWNERS file and two planted
// secrets among files the scan must skip.
func newFixtureRepo(t *testing.T) *testRepo {
	t.Helper()
	r := newTestRepo(t)
	r.commit("initial", map[string]string{
		"README.md":          "# demo\n",
		".github/CODEOWNERS": "* @acme/security\n",
	})
	r.commit("configuration", map[string]string{
		"config/app.env": "# deployment settings\nREGION=eu-west-1\nAWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n",
		"deploy/values.yaml": "db_password: \"${DB_PASSWORD}\"\n" + // a reference, not a secret
			"api_key: 'sup3rs3cretvalue'\n",
		"assets/logo.bin": "\x00\x01AKIAIOSFODNN7EXAMPLE\x00", // binary: not scanned
		"big.txt":         strings.Repeat("x", 1<<20) + "\nAKIAIOSFODNN7EXAMPLE\n",
	})
	r.commitSigned("signed change")
	return r
}

func TestGitFacts(t *testing.T) {
	r := newFixtureRepo(t)
	res, err := collect.Git(context.Background(), r.dir, collect.GitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0].Type != "git_repository" || res[0].ID != r.dir {
		t.Fatalf("resources = %+v", res)
	}
	f := res[0].Facts
	want := map[string]any{
		"default_branch":   "main",
		"head_commit":      r.git("rev-parse", "HEAD"),
		"commits":          int64(3),
		"commits_examined": int64(3),
		"signed_commits":   int64(1),
		"signed_share":     int64(33),
		"codeowners":       true,
		"history_rewrites": int64(0),
		"reflog_entries":   int64(3),
		"secrets": []any{
			map[string]any{"file": "config/app.env", "line": int64(3), "rule": "aws_access_key_id", "match": "AKIA****"},
			map[string]any{"file": "deploy/values.yaml", "line": int64(2), "rule": "generic_secret", "match": "sup3****"},
		},
		"secrets_found": int64(2),
		"files_scanned": int64(4), // README, CODEOWNERS, app.env, values.yaml
	}
	if !reflect.DeepEqual(f, want) {
		t.Errorf("facts = %#v\nwant    %#v", f, want)
	}

	// The examined window is capped and says so.
	res, err = collect.Git(context.Background(), r.dir, collect.GitOptions{MaxCommits: 2})
	if err != nil {
		t.Fatal(err)
	}
	if got := res[0].Facts; got["commits"] != int64(3) || got["commits_examined"] != int64(2) || got["signed_share"] != int64(50) {
		t.Errorf("with MaxCommits 2: commits %v, examined %v, share %v", got["commits"], got["commits_examined"], got["signed_share"])
	}
}

func TestGitHistoryRewrite(t *testing.T) {
	r := newTestRepo(t)
	r.commit("one", map[string]string{"a.txt": "1\n"})
	r.commit("two", map[string]string{"a.txt": "2\n"})
	r.git("reset", "-q", "--hard", "HEAD~1") // main moves to a commit that is not a descendant
	r.commit("three", map[string]string{"a.txt": "3\n"})
	r.git("commit", "-q", "--amend", "-m", "three, amended") // a second rewrite

	res, err := collect.Git(context.Background(), r.dir, collect.GitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f := res[0].Facts
	if f["history_rewrites"] != int64(2) || f["reflog_entries"] != int64(5) {
		t.Errorf("history_rewrites = %v, reflog_entries = %v; want 2 and 5", f["history_rewrites"], f["reflog_entries"])
	}
	if f["codeowners"] != false || f["commits"] != int64(2) {
		t.Errorf("codeowners = %v, commits = %v; want false, 2", f["codeowners"], f["commits"])
	}
}

// A repository's own configuration must not make the collector run programs.
func TestGitIgnoresHostileConfig(t *testing.T) {
	r := newTestRepo(t)
	r.commit("one", map[string]string{"a.txt": "1\n"})
	marker := filepath.Join(t.TempDir(), "pwned")
	script := filepath.Join(t.TempDir(), "evil.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\ntouch "+marker+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, kv := range [][2]string{
		{"core.fsmonitor", script}, {"core.hooksPath", filepath.Dir(script)}, {"gpg.program", script},
		{"core.pager", script}, {"core.sshCommand", script}, {"diff.external", script},
	} {
		r.git("config", kv[0], kv[1])
	}
	if err := os.Symlink(script, filepath.Join(r.dir, ".git/hooks/post-checkout")); err != nil {
		t.Fatal(err)
	}
	if _, err := collect.Git(context.Background(), r.dir, collect.GitOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("the repository's configuration ran a program")
	}
}

func TestGitErrors(t *testing.T) {
	r := newTestRepo(t)
	r.commit("one", map[string]string{"sub/a.txt": "1\n"})
	tests := []struct {
		name string
		path string
		opts collect.GitOptions
		want string
	}{
		{"not a repository", t.TempDir(), collect.GitOptions{}, "is not a git repository"},
		{"a directory inside a repository", filepath.Join(r.dir, "sub"), collect.GitOptions{}, "is not a git repository"},
		{"unknown branch", r.dir, collect.GitOptions{Branch: "release"}, `branch "release" not found`},
		{"option-like branch", r.dir, collect.GitOptions{Branch: "--output=/tmp/x"}, "must not start with -"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := collect.Git(context.Background(), tt.path, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestGitEmptyRepository(t *testing.T) {
	r := newTestRepo(t)
	res, err := collect.Git(context.Background(), r.dir, collect.GitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if f := res[0].Facts; f["commits"] != int64(0) || f["default_branch"] != "main" || f["secrets_found"] != int64(0) {
		t.Errorf("facts = %v", f)
	}
}

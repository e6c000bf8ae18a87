package collect

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// GitOptions adjusts the git collector.
type GitOptions struct {
	// Branch is the branch to examine; by default the one HEAD names (the
	// default branch of a bare or freshly cloned repository).
	Branch string
	// MaxCommits caps how many of the branch's latest commits are examined
	// for signatures (default 1000), and how many reflog entries for rewrites.
	MaxCommits int
	// Git is the git executable (default "git" on PATH).
	Git string
}

const (
	defaultMaxCommits = 1000
	maxScannedFile    = 1 << 20   // files above 1 MB are not scanned for secrets
	maxScannedTotal   = 256 << 20 // nor anything once this much has been read
	maxSecretsListed  = 100       // secrets_found still counts the rest
	maxReflogFile     = 16 << 20
)

// Git examines the local git repository at path (a work tree or a bare
// repository; the caller checks path with Allow.Path) and returns one
// resource of type "git_repository" with ID path.
//
// git runs with no system or user configuration, a fresh empty HOME, hooks and
// fsmonitor switched off and every transport forbidden, and only plumbing
// commands that never consult the configuration options that run programs
// (no diff, no checkout, no signature verification): a hostile repository's own
// .git/config cannot make Bulwark execute anything.
//
// Facts:
//
//	default_branch    string
//	head_commit       string  the branch's tip, "" for an empty repository
//	commits           int64   commits reachable from the branch
//	commits_examined  int64   the latest MaxCommits of them, looked at for signatures
//	signed_commits    int64   examined commits carrying a signature (gpgsig header)
//	signed_share      int64   signed_commits as a whole percentage of commits_examined
//	codeowners        bool    CODEOWNERS, .github/CODEOWNERS or docs/CODEOWNERS at the tip
//	history_rewrites  int64   reflog entries of the branch that moved it to a commit not
//	                          descending from the previous one (reset, amend, rebase, forced push)
//	reflog_entries    int64   reflog entries examined
//	secrets           list    {file, line int64, rule, match (first 4 characters, then ****)},
//	                          at most 100
//	secrets_found     int64   all matches, listed or not
//	files_scanned     int64   text files at the tip that were scanned
func Git(ctx context.Context, path string, opts GitOptions) ([]Resource, error) {
	if opts.MaxCommits <= 0 {
		opts.MaxCommits = defaultMaxCommits
	}
	if opts.Git == "" {
		opts.Git = "git"
	}
	if strings.HasPrefix(opts.Branch, "-") {
		return nil, fmt.Errorf("git collector: branch %q: must not start with -", opts.Branch)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("git collector: %s: %w", path, err)
	}
	home, err := os.MkdirTemp("", "bulwark-git-home-")
	if err != nil {
		return nil, fmt.Errorf("git collector: %w", err)
	}
	defer os.RemoveAll(home)
	g := &gitRunner{bin: opts.Git, dir: abs, home: home}

	if _, err := g.run(ctx, nil, "rev-parse", "--git-dir"); err != nil {
		return nil, fmt.Errorf("git collector: %s is not a git repository: %w", path, err)
	}
	branch := opts.Branch
	if branch == "" {
		out, err := g.run(ctx, nil, "symbolic-ref", "--quiet", "--short", "HEAD")
		if err != nil {
			return nil, fmt.Errorf("git collector: %s: HEAD names no branch (detached?); set the branch: %w", path, err)
		}
		branch = strings.TrimSpace(string(out))
	}
	ref := "refs/heads/" + branch
	facts := map[string]any{
		"default_branch": branch, "head_commit": "", "commits": int64(0), "commits_examined": int64(0),
		"signed_commits": int64(0), "signed_share": int64(0), "codeowners": false,
		"history_rewrites": int64(0), "reflog_entries": int64(0),
		"secrets": []any{}, "secrets_found": int64(0), "files_scanned": int64(0),
	}
	head, err := g.run(ctx, nil, "rev-parse", "--verify", "--quiet", "--end-of-options", ref+"^{commit}")
	if err != nil {
		// A branch without commits yet (a new repository) has nothing to examine.
		if opts.Branch != "" {
			return nil, fmt.Errorf("git collector: %s: branch %q not found", path, branch)
		}
		return []Resource{{Type: "git_repository", ID: path, Facts: facts}}, nil
	}
	tip := strings.TrimSpace(string(head))
	facts["head_commit"] = tip

	steps := []func(context.Context, *gitRunner, string, GitOptions, map[string]any) error{
		gitCommits, gitCodeowners, gitSecrets,
	}
	for _, step := range steps {
		if err := step(ctx, g, tip, opts, facts); err != nil {
			return nil, fmt.Errorf("git collector: %s: %w", path, err)
		}
	}
	// The reflog is kept per ref name, not per commit.
	if err := gitRewrites(ctx, g, ref, opts, facts); err != nil {
		return nil, fmt.Errorf("git collector: %s: %w", path, err)
	}
	return []Resource{{Type: "git_repository", ID: path, Facts: facts}}, nil
}

// gitRunner runs git in one repository with a neutral environment.
type gitRunner struct {
	bin, dir, home string
}

// run runs a git command and returns its standard output.
func (g *gitRunner) run(ctx context.Context, stdin io.Reader, args ...string) ([]byte, error) {
	cmd := g.command(ctx, args...)
	cmd.Stdin = stdin
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			return stdout.Bytes(), fmt.Errorf("git %s: %w", args[0], err)
		}
		return stdout.Bytes(), fmt.Errorf("git %s: %w: %s", args[0], err, msg)
	}
	return stdout.Bytes(), nil
}

func (g *gitRunner) command(ctx context.Context, args ...string) *exec.Cmd {
	base := []string{
		"-C", g.dir,
		"-c", "core.fsmonitor=false",
		"-c", "core.hooksPath=/dev/null",
		"-c", "protocol.allow=never", // no lazy fetch of a partial clone's objects, no transport helpers
		"-c", "safe.directory=*", // repositories belong to other users; nothing run here reads risky config
	}
	cmd := exec.CommandContext(ctx, g.bin, append(base, args...)...)
	// A fresh environment: nothing inherited (GIT_DIR, GIT_EXTERNAL_DIFF …)
	// but PATH, which finds git's own helpers.
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + g.home,
		"XDG_CONFIG_HOME=" + g.home,
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL=/dev/null",
		"GIT_ATTR_NOSYSTEM=1",
		"GIT_TERMINAL_PROMPT=0",
		"GIT_OPTIONAL_LOCKS=0", // read-only: do not refresh the index
		"GIT_NO_REPLACE_OBJECTS=1",
		"GIT_PAGER=cat",
		"LC_ALL=C",
		// Only the given directory: never a repository further up.
		"GIT_CEILING_DIRECTORIES=" + filepath.Dir(g.dir),
	}
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// gitCommits counts the branch's commits and the signed ones among the latest.
// A signature is counted when present (a gpgsig or gpgsig-sha256 header);
// verifying it would need the signers' keys and running gpg or ssh-keygen,
// which a repository's configuration could redirect.
func gitCommits(ctx context.Context, g *gitRunner, tip string, opts GitOptions, facts map[string]any) error {
	out, err := g.run(ctx, nil, "rev-list", "--count", tip)
	if err != nil {
		return err
	}
	total, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
	if err != nil {
		return fmt.Errorf("git rev-list --count: %q: %w", out, err)
	}
	out, err = g.run(ctx, nil, "rev-list", "--header", "--max-count="+strconv.Itoa(opts.MaxCommits), tip)
	if err != nil {
		return err
	}
	var examined, signed int64
	for rec := range bytes.SplitSeq(out, []byte{0}) {
		if len(bytes.TrimSpace(rec)) == 0 {
			continue
		}
		examined++
		header, _, _ := bytes.Cut(rec, []byte("\n\n"))
		for line := range bytes.SplitSeq(header, []byte("\n")) {
			if bytes.HasPrefix(line, []byte("gpgsig ")) || bytes.HasPrefix(line, []byte("gpgsig-sha256 ")) {
				signed++
				break
			}
		}
	}
	facts["commits"] = total
	facts["commits_examined"] = examined
	facts["signed_commits"] = signed
	if examined > 0 {
		facts["signed_share"] = signed * 100 / examined
	}
	return nil
}

func gitCodeowners(ctx context.Context, g *gitRunner, tip string, _ GitOptions, facts map[string]any) error {
	out, err := g.run(ctx, nil, "ls-tree", "--name-only", tip, "--", "CODEOWNERS", ".github/CODEOWNERS", "docs/CODEOWNERS")
	if err != nil {
		return err
	}
	facts["codeowners"] = len(bytes.TrimSpace(out)) > 0
	return nil
}

// gitRewrites counts reflog entries of the branch whose new value does not
// descend from the old one. Its limits: the reflog exists only where the
// branch was moved (a fresh clone has one entry; a bare server repository
// only with core.logAllRefUpdates), it expires (90 days by default), and an
// entry whose commits were garbage-collected cannot be judged and is not
// counted. It is evidence that history was rewritten here, not proof that it
// never was.
func gitRewrites(ctx context.Context, g *gitRunner, ref string, opts GitOptions, facts map[string]any) error {
	out, err := g.run(ctx, nil, "rev-parse", "--git-path", "logs/"+ref)
	if err != nil {
		return err
	}
	logPath := strings.TrimSpace(string(out))
	if !filepath.IsAbs(logPath) {
		logPath = filepath.Join(g.dir, logPath)
	}
	f, err := os.Open(logPath)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reflog: %w", err)
	}
	defer f.Close()
	type entry struct{ old, new, msg string }
	var entries []entry
	sc := bufio.NewScanner(io.LimitReader(f, maxReflogFile))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		meta, msg, _ := strings.Cut(line, "\t")
		fields := strings.Fields(meta)
		if len(fields) < 2 || len(fields[0]) < 40 || len(fields[1]) < 40 {
			continue
		}
		entries = append(entries, entry{fields[0], fields[1], msg})
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reflog: %w", err)
	}
	if len(entries) > opts.MaxCommits {
		entries = entries[len(entries)-opts.MaxCommits:]
	}
	var rewrites int64
	for _, e := range entries {
		if isZeroOID(e.old) || isZeroOID(e.new) || e.old == e.new {
			continue // creation, deletion, no move
		}
		// An ordinary commit or merge on the branch adds a child of the old
		// tip; git writes these messages only then, so the check is skipped
		// for them (amend and rebase have their own messages and are checked).
		if strings.HasPrefix(e.msg, "commit:") || strings.HasPrefix(e.msg, "commit (merge):") {
			continue
		}
		cmd := g.command(ctx, "merge-base", "--is-ancestor", e.old, e.new)
		err := cmd.Run()
		var exit *exec.ExitError
		switch {
		case err == nil:
		case errors.As(err, &exit) && exit.ExitCode() == 1:
			rewrites++
		case ctx.Err() != nil:
			return ctx.Err()
		default:
			// 128: an object is gone; the entry cannot be judged.
		}
	}
	facts["history_rewrites"] = rewrites
	facts["reflog_entries"] = int64(len(entries))
	return nil
}

func isZeroOID(s string) bool { return strings.Trim(s, "0") == "" }

// secretRule is one pattern the secret scan looks for.
type secretRule struct {
	name string
	re   *regexp.Regexp
	// group is the submatch holding the secret itself (0: the whole match),
	// so a masked generic assignment shows the value, not "pass****".
	group int
}

// secretRules are deliberately few and specific: each match is worth a
// person's attention.
var secretRules = []secretRule{
	{"aws_access_key_id", regexp.MustCompile(`\b(?:AKIA|ASIA)[0-9A-Z]{16}\b`), 0},
	{"private_key", regexp.MustCompile(`-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----`), 0},
	{"github_token", regexp.MustCompile(`\b(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{82})\b`), 0},
	{"slack_token", regexp.MustCompile(`\bxox[baprs]-[A-Za-z0-9-]{10,}`), 0},
	{"bulwark_token", regexp.MustCompile(`\bbwk_[A-Za-z0-9_-]{43}`), 0},
	{"generic_secret", regexp.MustCompile(`(?i)(?:password|passwd|secret|api[_-]?key)["']?\s*[:=]\s*["']([^"'\s]{8,})["']`), 1},
}

// placeholder reports values that are references to a secret, not one:
// "${DB_PASSWORD}", "{{ .Values.x }}", "<your key>".
func placeholder(v string) bool {
	return strings.ContainsAny(v[:1], "${<%")
}

// gitSecrets scans the text files at the tip for secretRules, reading them
// with one cat-file process.
func gitSecrets(ctx context.Context, g *gitRunner, tip string, _ GitOptions, facts map[string]any) error {
	out, err := g.run(ctx, nil, "ls-tree", "-r", "-l", "-z", "--full-tree", tip)
	if err != nil {
		return err
	}
	type blob struct{ oid, path string }
	var blobs []blob
	var total int64
	for rec := range bytes.SplitSeq(out, []byte{0}) {
		meta, name, ok := bytes.Cut(rec, []byte("\t"))
		if !ok {
			continue
		}
		f := strings.Fields(string(meta)) // mode type oid size
		if len(f) != 4 || f[1] != "blob" || f[0] == "120000" {
			continue // submodules, symbolic links
		}
		size, err := strconv.ParseInt(f[3], 10, 64)
		if err != nil || size > maxScannedFile || total+size > maxScannedTotal {
			continue
		}
		total += size
		blobs = append(blobs, blob{f[2], string(name)})
	}
	if len(blobs) == 0 {
		return nil
	}
	var input bytes.Buffer
	for _, b := range blobs {
		input.WriteString(b.oid + "\n")
	}
	cmd := g.command(ctx, "cat-file", "--batch")
	cmd.Stdin = &input
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("git cat-file: %w", err)
	}
	r := bufio.NewReader(stdout)
	var found []map[string]any
	var count, scanned int64
	var readErr error
	for _, b := range blobs {
		header, err := r.ReadString('\n')
		if err != nil {
			readErr = fmt.Errorf("git cat-file: %w", err)
			break
		}
		f := strings.Fields(header) // oid type size
		if len(f) != 3 {
			continue // "<oid> missing"
		}
		size, err := strconv.ParseInt(f[2], 10, 64)
		if err != nil || size > maxScannedFile {
			readErr = fmt.Errorf("git cat-file: unexpected header %q", header)
			break
		}
		data := make([]byte, size+1) // contents and a newline
		if _, err := io.ReadFull(r, data); err != nil {
			readErr = fmt.Errorf("git cat-file: %w", err)
			break
		}
		data = data[:size]
		if bytes.IndexByte(data[:min(len(data), 8000)], 0) >= 0 {
			continue // binary, by git's own test
		}
		scanned++
		for _, s := range scanSecrets(data) {
			count++
			if len(found) < maxSecretsListed {
				s["file"] = b.path
				found = append(found, s)
			}
		}
	}
	if readErr != nil {
		_ = cmd.Process.Kill()
	}
	waitErr := cmd.Wait()
	if readErr != nil {
		return readErr
	}
	if waitErr != nil {
		return fmt.Errorf("git cat-file: %w: %s", waitErr, strings.TrimSpace(stderr.String()))
	}
	list := make([]any, len(found))
	for i, s := range found {
		list[i] = s
	}
	facts["secrets"] = list
	facts["secrets_found"] = count
	facts["files_scanned"] = scanned
	return nil
}

// scanSecrets returns the matches in one file, in line order.
func scanSecrets(data []byte) []map[string]any {
	var out []map[string]any
	for _, rule := range secretRules {
		for _, m := range rule.re.FindAllSubmatchIndex(data, -1) {
			start, end := m[2*rule.group], m[2*rule.group+1]
			value := string(data[start:end])
			if rule.group > 0 && placeholder(value) {
				continue
			}
			out = append(out, map[string]any{
				"line":  int64(bytes.Count(data[:m[0]], []byte("\n")) + 1),
				"rule":  rule.name,
				"match": mask(value),
			})
		}
	}
	slices.SortStableFunc(out, func(a, b map[string]any) int {
		return int(a["line"].(int64) - b["line"].(int64))
	})
	return out
}

// mask keeps the first four characters of a secret: enough to find it, too
// little to use it.
func mask(s string) string {
	r := []rune(s)
	if len(r) > 4 {
		r = r[:4]
	}
	return string(r) + "****"
}

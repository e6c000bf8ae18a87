// Package cli is Bulwark's command line: serve, migrate, setup, tokens, the audit
// log and exports, over the same app service as the web server.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/user"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/areas"
	"github.com/bulwark-isms/bulwark/blobstore"
	"github.com/bulwark-isms/bulwark/password"
	"github.com/bulwark-isms/bulwark/sqlstore"
)

// Build information, set with -ldflags "-X github.com/bulwark-isms/bulwark/cli.Version=…".
var (
	Version   = "dev"
	Commit    = "unknown"
	BuildDate = "unknown"
)

// UsageError makes the process exit with status 2.
type UsageError struct{ msg string }

func (e *UsageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &UsageError{fmt.Sprintf(format, args...)} }

// ExitCode maps an error to the exit status of CONTRACT.md: 0 ok, 1 failure, 2 usage.
func ExitCode(err error) int {
	var ue *UsageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue):
		return 2
	}
	return 1
}

// Message turns an error into the sentence shown on stderr.
func Message(err error) string {
	var be *bulwark.Error
	if errors.As(err, &be) {
		msg := be.Message
		for _, f := range be.Fields {
			msg += fmt.Sprintf("\n  %s: %s", f.Field, f.Message)
		}
		return msg
	}
	return err.Error()
}

// env is the process environment, injectable for tests.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
}

// options are the flags shared by every command that touches data.
type options struct {
	db, dataDir, blobURL, logFormat string
	keyFile                         string
	as                              string
}

// Run executes the command line args and returns the error to report.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv}
	root := newRoot(e)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	cmd, err := root.ExecuteContextC(ctx)
	if err != nil && cmd != nil && !errors.As(err, new(*UsageError)) && isCobraUsageError(err) {
		return &UsageError{err.Error() + "\nRun '" + cmd.CommandPath() + " --help' for usage."}
	}
	return err
}

// isCobraUsageError recognises the two usage errors cobra reports without a hook:
// an unknown subcommand and a missing required flag. Flag parsing and argument
// counts go through SetFlagErrorFunc and usageArgs.
func isCobraUsageError(err error) bool {
	s := err.Error()
	return strings.HasPrefix(s, "unknown command ") || strings.HasPrefix(s, "required flag(s) ")
}

// usageArgs makes an argument validator's error a usage error (exit 2).
func usageArgs(v cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := v(cmd, args); err != nil {
			return &UsageError{err.Error() + "\nRun '" + cmd.CommandPath() + " --help' for usage."}
		}
		return nil
	}
}

func (e *env) or(name, def string) string {
	if v := e.getenv(name); v != "" {
		return v
	}
	return def
}

func newRoot(e *env) *cobra.Command {
	o := &options{}
	root := &cobra.Command{
		Use:   "bulwark",
		Short: "Bulwark: an ISO/IEC 27001:2022 information security management system in one binary",
		Long: `Bulwark runs the whole ISO/IEC 27001 management cycle — scope, assets, risks, the Statement of
Applicability, policies, evidence, audits and improvement — as a web UI, a JSON API and this CLI.

Start with:
  bulwark serve                    # SQLite in ./bulwark.db, UI on http://127.0.0.1:8080
  bulwark setup --org "Acme Ltd" --email you@acme.example --password-file -

Every flag can also be set through its BULWARK_* environment variable; flags win.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.CompletionOptions.DisableDefaultCmd = true
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return &UsageError{err.Error() + "\nRun '" + cmd.CommandPath() + " --help' for usage."}
	})
	pf := root.PersistentFlags()
	pf.StringVar(&o.db, "db", e.or("BULWARK_DB", "sqlite:bulwark.db"), "database: sqlite:PATH or a postgres:// URL (BULWARK_DB)")
	pf.StringVar(&o.dataDir, "data-dir", e.or("BULWARK_DATA_DIR", "bulwark-data"), "directory for local files: blobs, keys (BULWARK_DATA_DIR)")
	pf.StringVar(&o.blobURL, "blob-url", e.or("BULWARK_BLOB_URL", ""), "evidence store, file://… or s3://… (default file://DATA-DIR/blobs) (BULWARK_BLOB_URL)")
	pf.StringVar(&o.keyFile, "secret-key-file", e.or("BULWARK_SECRET_KEY_FILE", ""), "the instance's secret key: it signs audit checkpoints and encrypts stored secrets; keep it out of the database's backups (default DATA-DIR/secret.key, created 0600) (BULWARK_SECRET_KEY_FILE)")
	pf.StringVar(&o.logFormat, "log-format", e.or("BULWARK_LOG_FORMAT", ""), "text or json (default text on a terminal, else json) (BULWARK_LOG_FORMAT)")
	root.AddCommand(serveCmd(e, o), agentCmd(e), migrateCmd(e, o), setupCmd(e, o), tokenCmd(e, o), auditLogCmd(e, o), importCmd(e, o), exportCmd(e, o), demoCmd(e, o), backupCmd(e, o), versionCmd(e))
	return root
}

// isTerminal reports whether w is a terminal, where progress and text logs go.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// logger builds the slog logger of the chosen format.
func (o *options) logger(w io.Writer) *slog.Logger {
	format := o.logFormat
	if format == "" {
		format = "json"
		if isTerminal(w) {
			format = "text"
		}
	}
	if format == "text" {
		return slog.New(slog.NewTextHandler(w, nil))
	}
	return slog.New(slog.NewJSONHandler(w, nil))
}

// open opens and migrates the database and builds the service.
func (o *options) open(ctx context.Context, log *slog.Logger, cfg app.Config) (*areas.ISMS, func(), error) {
	secret, err := o.secretKey()
	if err != nil {
		return nil, nil, err
	}
	cfg.CheckpointKey, cfg.SecretKey = bulwark.CheckpointKey(secret), secret
	blobs, err := o.openBlobs(ctx)
	if err != nil {
		return nil, nil, err
	}
	cfg.Blobs = blobs
	db, err := sqlstore.Open(ctx, o.db)
	if err != nil {
		blobs.Close()
		return nil, nil, fmt.Errorf("cannot open the database %s: %w", redact(o.db), err)
	}
	// Before migrating: the migration that adopts chains written before checkpoints signs with it.
	db.Checkpoints = &bulwark.CheckpointSigner{Key: cfg.CheckpointKey, Every: max(cfg.CheckpointEvery, app.DefaultCheckpointEvery)}
	if applied, err := db.Migrate(ctx, areas.Migrations()...); err != nil {
		db.Close()
		blobs.Close()
		return nil, nil, fmt.Errorf("cannot migrate the database; it was left as it was: %w", err)
	} else if len(applied) > 0 {
		log.Info("database migrated", "applied", len(applied), "dialect", db.Dialect)
	}
	svc := areas.New(app.New(db, password.NewHasher(password.DefaultParams, 0), log, cfg))
	return svc, func() { db.Close(); blobs.Close() }, nil
}

// openBlobs opens the evidence store: --blob-url, or a directory in the data directory.
func (o *options) openBlobs(ctx context.Context) (*blobstore.Store, error) {
	u := o.blobURL
	if u == "" {
		if err := ensureDir(o.dataDir); err != nil {
			return nil, err
		}
		u = blobstore.FileURL(filepath.Join(o.dataDir, "blobs"))
	}
	s, err := blobstore.Open(ctx, u, "")
	if err != nil {
		return nil, fmt.Errorf("cannot open the evidence store (--blob-url): %w", err)
	}
	return s, nil
}

// secretKey reads the instance's secret key file, creating it (0600, in the data
// directory unless --secret-key-file names it) on first use.
func (o *options) secretKey() ([]byte, error) {
	path := o.keyFile
	if path == "" {
		if err := ensureDir(o.dataDir); err != nil {
			return nil, err
		}
		path = filepath.Join(o.dataDir, "secret.key")
	}
	if err := ensureSecretKey(path); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the secret key file %s: %w", path, err)
	}
	if len(b) < 32 {
		return nil, fmt.Errorf("the secret key file %s holds %d bytes; it needs at least 32", path, len(b))
	}
	return b, nil
}

// redact hides a password in a database URL.
func redact(dsn string) string {
	if i := strings.Index(dsn, "://"); i >= 0 {
		if at := strings.Index(dsn[i+3:], "@"); at >= 0 {
			cred := dsn[i+3 : i+3+at]
			if c := strings.Index(cred, ":"); c >= 0 {
				return dsn[:i+3] + cred[:c] + ":***" + dsn[i+3+at:]
			}
		}
	}
	return dsn
}

// osUser names the operating-system user for "cli:OS-USER" audit actors.
func osUser(e *env) string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return e.or("USER", "unknown")
}

// resolveOrg returns the organisation named by slug, or the only one.
func resolveOrg(ctx context.Context, svc *areas.ISMS, slug string) (*bulwark.Organisation, error) {
	if slug != "" {
		o, err := svc.OrganisationBySlug(ctx, slug)
		if err != nil {
			return nil, usagef("no organisation has the slug %q", slug)
		}
		return o, nil
	}
	orgs, err := svc.Organisations(ctx)
	if err != nil {
		return nil, err
	}
	switch len(orgs) {
	case 0:
		return nil, fmt.Errorf("the database holds no organisation yet; create one with 'bulwark setup'")
	case 1:
		return orgs[0], nil
	}
	slugs := make([]string, len(orgs))
	for i, o := range orgs {
		slugs[i] = o.Slug
	}
	return nil, usagef("the database holds several organisations; choose one with --org: %s", strings.Join(slugs, ", "))
}

// principal is who a CLI write acts as: the member named by --as, else "cli:OS-USER".
func (o *options) principal(ctx context.Context, e *env, svc *areas.ISMS, org *bulwark.Organisation) (*bulwark.Principal, error) {
	if o.as == "" {
		return svc.CLIPrincipal(org, osUser(e)), nil
	}
	m, u, err := svc.MemberByEmail(ctx, org.ID, o.as)
	if err != nil {
		return nil, err
	}
	return svc.PrincipalForMember(org, m, u), nil
}

func ensureDir(dir string) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("cannot create the data directory %s: %w", dir, err)
	}
	return nil
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

package cli

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/areas"
	"github.com/bulwark-isms/bulwark/areas/assets"
	"github.com/bulwark-isms/bulwark/areas/controls"
	"github.com/bulwark-isms/bulwark/areas/objectives"
	"github.com/bulwark-isms/bulwark/areas/people"
	"github.com/bulwark-isms/bulwark/areas/risks"
	"github.com/bulwark-isms/bulwark/areas/suppliers"
	"github.com/bulwark-isms/bulwark/collect"
	"github.com/bulwark-isms/bulwark/demo"
	"github.com/bulwark-isms/bulwark/schedule"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/tabular"
	"github.com/bulwark-isms/bulwark/web"
)

func serveCmd(e *env, o *options) *cobra.Command {
	var addr, baseURL, maxUpload, idle, maxAge, proxies, collectorAllow, metricsAddr string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the web UI and the JSON API",
		Long: `Run the web UI and the JSON API. The schema is migrated on start; a fresh instance prints a
one-time setup code in its log for the first-run page at /setup.

Several instances may share one PostgreSQL database behind a load balancer: sessions, throttling and
the audit chain live in the database.`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			log := o.logger(e.stderr)
			cfg := app.Config{}
			var err error
			if cfg.SessionIdle, err = time.ParseDuration(idle); err != nil || cfg.SessionIdle <= 0 {
				return usagef("--session-idle must be a duration such as 30m")
			}
			if cfg.SessionMax, err = time.ParseDuration(maxAge); err != nil || cfg.SessionMax <= 0 {
				return usagef("--session-max must be a duration such as 12h")
			}
			upload, err := parseSize(maxUpload)
			if err != nil {
				return usagef("--max-upload must be a size such as 50MB")
			}
			var trusted []netip.Prefix
			for _, p := range strings.FieldsFunc(proxies, func(r rune) bool { return r == ',' || r == ' ' }) {
				pr, err := netip.ParsePrefix(p)
				if err != nil {
					a, err2 := netip.ParseAddr(p)
					if err2 != nil {
						return usagef("--trusted-proxies: %q is not a CIDR such as 10.0.0.0/8", p)
					}
					pr = netip.PrefixFrom(a, a.BitLen())
				}
				trusted = append(trusted, pr)
			}
			if baseURL == "" {
				baseURL = "http://" + addr
			}
			cfg.BaseURL = strings.TrimRight(baseURL, "/")
			if err := ensureDir(o.dataDir); err != nil {
				return err
			}
			if _, err := collect.ParseAllow(collectorAllow); err != nil {
				return usagef("--collector-allow: %v", err)
			}
			cfg.CollectorAllow = collectorAllow
			svc, closeDB, err := o.open(ctx, log, cfg)
			if err != nil {
				return err
			}
			defer closeDB()
			if err := startScheduler(ctx, svc, log); err != nil {
				return err
			}
			srv, err := svc.NewServer(web.Config{BaseURL: cfg.BaseURL, TrustedProxies: trusted, MaxUpload: upload, Version: Version, MetricsElsewhere: metricsAddr != ""}, log)
			if err != nil {
				return err
			}
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return fmt.Errorf("cannot listen on %s: %w", addr, err)
			}
			if need, err := svc.NeedsSetup(ctx); err == nil && need {
				code, err := svc.IssueSetupCode(ctx)
				if err != nil {
					return err
				}
				log.Warn("first-run setup: open "+cfg.BaseURL+"/setup and enter the setup code", "setup_code", code)
			}
			hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 5 * time.Minute, IdleTimeout: 2 * time.Minute,
				MaxHeaderBytes: 64 << 10, ErrorLog: nil}
			go sweepSessions(ctx, svc)
			errc := make(chan error, 2)
			go func() { errc <- hs.Serve(ln) }()
			if metricsAddr != "" {
				mln, err := net.Listen("tcp", metricsAddr)
				if err != nil {
					return fmt.Errorf("cannot listen on %s for metrics: %w", metricsAddr, err)
				}
				mux := http.NewServeMux()
				mux.Handle("GET /metrics", srv.MetricsHandler())
				// The metrics listener is the operator's, never the public one: Go's profiles live there too.
				mux.HandleFunc("GET /debug/pprof/", pprof.Index)
				mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
				mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
				ms := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
				go func() { errc <- ms.Serve(mln) }()
				defer ms.Close()
				log.Info("metrics listening", "addr", mln.Addr().String())
			}
			log.Info("bulwark listening", "addr", ln.Addr().String(), "url", cfg.BaseURL, "db", redact(o.db), "version", Version)
			select {
			case err := <-errc:
				return fmt.Errorf("server stopped: %w", err)
			case <-ctx.Done():
			}
			log.Info("shutting down: finishing requests in flight")
			sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			if err := hs.Shutdown(sctx); err != nil {
				return fmt.Errorf("graceful shutdown: %w", err)
			}
			log.Info("stopped")
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&addr, "addr", e.or("BULWARK_ADDR", "127.0.0.1:8080"), "listen address (BULWARK_ADDR)")
	f.StringVar(&baseURL, "base-url", e.or("BULWARK_BASE_URL", ""), "public URL; https makes cookies Secure (default http://ADDR) (BULWARK_BASE_URL)")
	f.StringVar(&maxUpload, "max-upload", e.or("BULWARK_MAX_UPLOAD", "50MB"), "largest upload (BULWARK_MAX_UPLOAD)")
	f.StringVar(&idle, "session-idle", e.or("BULWARK_SESSION_IDLE", "30m"), "sign out after this much inactivity (BULWARK_SESSION_IDLE)")
	f.StringVar(&maxAge, "session-max", e.or("BULWARK_SESSION_MAX", "12h"), "sign out this long after sign-in, whatever happens (BULWARK_SESSION_MAX)")
	f.StringVar(&proxies, "trusted-proxies", e.or("BULWARK_TRUSTED_PROXIES", ""), "comma-separated CIDRs whose X-Forwarded-For is believed (BULWARK_TRUSTED_PROXIES)")
	f.StringVar(&metricsAddr, "metrics-addr", e.or("BULWARK_METRICS_ADDR", ""), "serve /metrics, and Go's profiles at /debug/pprof/, on this address instead of --addr, e.g. 127.0.0.1:9090 (BULWARK_METRICS_ADDR)")
	f.StringVar(&collectorAllow, "collector-allow", e.or("BULWARK_COLLECTOR_ALLOW", ""), "hosts, CIDRs and path prefixes server-side collectors may reach (default: none) (BULWARK_COLLECTOR_ALLOW)")
	return cmd
}

// sweepSessions deletes expired sessions every ten minutes.
// startScheduler runs the background jobs (due checks, the daily outbox, audit
// checkpoints) in this instance; with several instances each job runs in one
// of them at a time, under a lease in the database.
func startScheduler(ctx context.Context, svc *areas.ISMS, log *slog.Logger) error {
	sched := schedule.New(svc.DB, log, schedule.Options{})
	for kind, h := range svc.Jobs() {
		sched.Handle(kind, h)
	}
	if err := svc.DB.Write(ctx, func(tx *sqlstore.Tx) error { return app.EnsureInstanceJobs(ctx, tx) }); err != nil {
		return fmt.Errorf("cannot schedule the instance's jobs: %w", err)
	}
	go sched.Run(ctx)
	log.Info("scheduler started", "instance", sched.Instance())
	return nil
}

func sweepSessions(ctx context.Context, svc *areas.ISMS) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			cfg := svc.Config()
			err := svc.DB.Write(ctx, func(tx *sqlstore.Tx) error {
				return tx.DeleteExpiredSessions(ctx, tx.Now().Add(-cfg.SessionIdle), tx.Now().Add(-cfg.SessionMax))
			})
			if err != nil && ctx.Err() == nil {
				svc.Log.Warn("session sweep failed", "err", err)
			}
		}
	}
}

// ensureSecretKey creates a 32-byte random key file readable only by its owner.
func ensureSecretKey(path string) error {
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("cannot create the secret key file %s: %w", path, err)
	}
	defer f.Close()
	_, err = f.Write(key)
	return err
}

func parseSize(s string) (int64, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		m      int64
	}{{"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.m
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("bad size")
	}
	return n * mult, nil
}

func migrateCmd(e *env, o *options) *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Apply database migrations and exit",
		Long:  "Apply every pending migration in one transaction under a lock, then exit. A failure leaves the database as it was.",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := sqlstore.Open(cmd.Context(), o.db)
			if err != nil {
				return fmt.Errorf("cannot open the database %s: %w", redact(o.db), err)
			}
			defer db.Close()
			applied, err := db.Migrate(cmd.Context(), areas.Migrations()...)
			if err != nil {
				return fmt.Errorf("cannot migrate the database; it was left as it was: %w", err)
			}
			fmt.Fprintf(e.stdout, "applied %s\n", bulwark.Plural(len(applied), "migration"))
			return nil
		},
	}
}

// session opens the database and resolves the organisation and the principal a
// command acts as: the common start of every command that works in one organisation.
func (o *options) session(ctx context.Context, e *env, orgSlug string) (*areas.ISMS, *bulwark.Organisation, *bulwark.Principal, func(), error) {
	svc, closeDB, err := o.open(ctx, o.logger(e.stderr), app.Config{})
	if err != nil {
		return nil, nil, nil, nil, err
	}
	org, err := resolveOrg(ctx, svc, orgSlug)
	if err == nil {
		var p *bulwark.Principal
		if p, err = o.principal(ctx, e, svc, org); err == nil {
			return svc, org, p, closeDB, nil
		}
	}
	closeDB()
	return nil, nil, nil, nil, err
}

func readPassword(e *env, file string) (string, error) {
	var r io.Reader
	if file == "-" {
		r = e.stdin
	} else {
		f, err := os.Open(file)
		if err != nil {
			return "", fmt.Errorf("cannot read the password file: %w", err)
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, 4096))
	if err != nil {
		return "", fmt.Errorf("cannot read the password: %w", err)
	}
	s := strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
	return s, nil
}

func setupCmd(e *env, o *options) *cobra.Command {
	var org, slug, email, name, pwFile string
	cmd := &cobra.Command{
		Use:   "setup --org NAME --email EMAIL --password-file FILE|-",
		Short: "Create an organisation and its owner; prints the slug",
		Long: `Create an organisation and make EMAIL its owner. The slug is derived from the name
("Acme Ltd" → acme-ltd) unless --slug is given. For an existing user the password must be theirs,
else nothing is created. The password is read from a file, or from standard input with "-".

Example:
  printf '%s\n' 'a long passphrase' | bulwark setup --org "Acme Ltd" --email ciso@acme.example --password-file -`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			pw, err := readPassword(e, pwFile)
			if err != nil {
				return err
			}
			log := o.logger(e.stderr)
			svc, closeDB, err := o.open(cmd.Context(), log, app.Config{})
			if err != nil {
				return err
			}
			defer closeDB()
			created, _, err := svc.CreateOrganisation(cmd.Context(), app.NewOrganisation{Name: org, Slug: slug, OwnerEmail: email, OwnerName: name, Password: pw},
				app.Meta{ActorID: "cli:" + osUser(e)})
			if err != nil {
				var be *bulwark.Error
				if errors.As(err, &be) && len(be.Fields) > 0 && be.Fields[0].Field == "slug" {
					if slug != "" {
						return usagef("--slug %q must be lowercase letters, digits and single dashes, at most 63 characters", slug)
					}
					return usagef("cannot derive a slug from %q; give one with --slug", org)
				}
				return err
			}
			fmt.Fprintln(e.stdout, created.Slug)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&org, "org", "", "organisation name (required)")
	f.StringVar(&slug, "slug", "", "slug for URLs (default: derived from the name)")
	f.StringVar(&email, "email", "", "owner's email (required)")
	f.StringVar(&name, "name", "", "owner's name, for a new user (default: the email's local part)")
	f.StringVar(&pwFile, "password-file", "", `file holding the password, or "-" for standard input (required)`)
	for _, r := range []string{"org", "email", "password-file"} {
		_ = cmd.MarkFlagRequired(r)
	}
	return cmd
}

func tokenCmd(e *env, o *options) *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: "Create, list and revoke API tokens"}
	var email, orgSlug, name, scope, collector string
	create := &cobra.Command{
		Use:   "create --email EMAIL [--org SLUG] [--name N] [--scope agent --collector REF]",
		Short: "Print a new API token, and nothing else, on stdout",
		Long: `Create an API token acting as the member EMAIL with their role, and print it (only it) on stdout.
The token is shown once; Bulwark stores only its SHA-256.

Example:
  TOKEN=$(bulwark token create --email ciso@acme.example --name nightly-export)
  curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8080/api/v1/me

An agent token (--scope agent --collector COL-001) can only post the facts of that host collector:
  bulwark agent --server https://isms.example.com --token "$(bulwark token create --email ciso@acme.example --scope agent --collector COL-001)"`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if scope != "" && scope != bulwark.TokenScopeAgent {
				return usagef(`--scope must be "agent" or left out`)
			}
			if (scope == bulwark.TokenScopeAgent) != (collector != "") {
				return usagef("an agent token is bound to one host collector: give --scope agent with --collector REF (see the collectors at /o/SLUG/monitoring)")
			}
			ctx := cmd.Context()
			svc, org, p, closeDB, err := o.session(ctx, e, orgSlug)
			if err != nil {
				return err
			}
			defer closeDB()
			m, _, err := svc.MemberByEmail(ctx, org.ID, email)
			if err != nil {
				return err
			}
			var t *bulwark.APIToken
			if scope == bulwark.TokenScopeAgent {
				if m.Role != bulwark.RoleOwner && m.Role != bulwark.RoleAdmin && m.Role != bulwark.RoleManager {
					return fmt.Errorf("%s is a %s: only owners, admins and managers hold agent tokens", email, m.Role)
				}
				if name == "cli" {
					name = ""
				}
				t, err = svc.Monitoring.AgentToken(ctx, p, m.ID, collector, name)
			} else {
				t, err = svc.CreateToken(ctx, p, m.ID, name, scope)
			}
			if err != nil {
				return err
			}
			fmt.Fprintln(e.stdout, t.Token)
			return nil
		},
	}
	create.Flags().StringVar(&email, "email", "", "the member the token acts as (required)")
	create.Flags().StringVar(&name, "name", "cli", "a name to recognise the token by")
	create.Flags().StringVar(&scope, "scope", "", `"agent" limits the token to posting the facts of one host (with --collector)`)
	create.Flags().StringVar(&collector, "collector", "", "the host collector (COL-001) an agent token is bound to")
	_ = create.MarkFlagRequired("email")

	list := &cobra.Command{
		Use:   "list [--org SLUG]",
		Short: "List the organisation's tokens (never their secrets)",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			svc, _, p, closeDB, err := o.session(ctx, e, orgSlug)
			if err != nil {
				return err
			}
			defer closeDB()
			ts, err := svc.Tokens(ctx, p, true)
			if err != nil {
				return err
			}
			w := bufio.NewWriter(e.stdout)
			fmt.Fprintf(w, "%-36s  %-12s  %-30s  %-20s  %-17s  %s\n", "ID", "PREFIX", "MEMBER", "NAME", "LAST USED", "STATUS")
			for _, t := range ts {
				last, status := "never", "active"
				if t.LastUsedAt != nil {
					last = t.LastUsedAt.Format("2006-01-02T15:04Z")
				}
				if t.RevokedAt != nil {
					status = "revoked " + t.RevokedAt.Format("2006-01-02")
				}
				fmt.Fprintf(w, "%-36s  %-12s  %-30s  %-20s  %-17s  %s\n", t.ID, t.Prefix, t.UserEmail, t.Name, last, status)
			}
			return w.Flush()
		},
	}
	revoke := &cobra.Command{
		Use:   "revoke ID [--org SLUG]",
		Short: "Revoke a token by its id (see 'token list')",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			svc, _, p, closeDB, err := o.session(ctx, e, orgSlug)
			if err != nil {
				return err
			}
			defer closeDB()
			if err := svc.RevokeToken(ctx, p, args[0]); err != nil {
				return err
			}
			fmt.Fprintln(e.stdout, "revoked", args[0])
			return nil
		},
	}
	cmd.PersistentFlags().StringVar(&orgSlug, "org", "", "organisation slug (optional when there is only one)")
	cmd.PersistentFlags().StringVar(&o.as, "as", "", "act as this member (default: cli:OS-USER with owner rights)")
	cmd.AddCommand(create, list, revoke)
	return cmd
}

func auditLogCmd(e *env, o *options) *cobra.Command {
	cmd := &cobra.Command{Use: "audit-log", Short: "Check the tamper-evident audit trail"}
	var orgSlug string
	verify := &cobra.Command{
		Use:   "verify [--org SLUG]",
		Short: "Recompute the hash chains and report the first broken entry",
		Long: `Recompute every audit chain from its first entry: sequence numbers without gaps, each entry's
previous-hash equal to the hash before it, each hash equal to the SHA-256 of its content, and the
chain head equal to the last entry. Every 100 entries the chain must also run through a checkpoint
signed with the instance's key (see 'audit-log public-key'): someone who rewrites the database can
recompute hashes, not signatures. Without --org every organisation and the instance chain are checked.
Exit 1 when a chain is broken; the first line then names it:
  audit log broken: organisation SLUG entry SEQ: REASON`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			svc, closeDB, err := o.open(ctx, o.logger(e.stderr), app.Config{})
			if err != nil {
				return err
			}
			defer closeDB()
			type chain struct{ id, label string }
			var chains []chain
			if orgSlug != "" {
				org, err := svc.OrganisationBySlug(ctx, orgSlug)
				if err != nil {
					return usagef("no organisation has the slug %q", orgSlug)
				}
				chains = append(chains, chain{org.ID, "organisation " + org.Slug})
			} else {
				orgs, err := svc.Organisations(ctx)
				if err != nil {
					return err
				}
				for _, org := range orgs {
					chains = append(chains, chain{org.ID, "organisation " + org.Slug})
				}
				chains = append(chains, chain{bulwark.InstanceChain, "instance chain"})
			}
			var broken, ok []string
			tty := isTerminal(e.stderr)
			for _, c := range chains {
				var progress func(int64)
				if tty {
					progress = func(n int64) { fmt.Fprintf(e.stderr, "\rverifying %s: %d entries…", c.label, n) }
				}
				n, brk, err := svc.VerifyChainProgress(ctx, c.id, progress)
				if tty && n >= 10000 {
					fmt.Fprint(e.stderr, "\r\033[K")
				}
				if err != nil {
					return err
				}
				if brk != nil {
					broken = append(broken, fmt.Sprintf("audit log broken: %s entry %d: %s", c.label, brk.Seq, brk.Reason))
				} else {
					ok = append(ok, fmt.Sprintf("ok: %s, %d entries", c.label, n))
				}
			}
			for _, l := range append(broken, ok...) {
				fmt.Fprintln(e.stdout, l)
			}
			if len(broken) > 0 {
				return errors.New(broken[0])
			}
			return nil
		},
	}
	verify.Flags().StringVar(&orgSlug, "org", "", "check only this organisation")
	publicKey := &cobra.Command{
		Use:   "public-key",
		Short: "Print the Ed25519 public key that verifies the audit checkpoints",
		Long: `Print, in base64, the Ed25519 public key that verifies the signed audit checkpoints. The key pair is
derived from the instance's secret key file (--secret-key-file, default DATA-DIR/secret.key), which never
enters the database. Give the public key to your auditor with an export of the audit log.`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			secret, err := o.secretKey()
			if err != nil {
				return err
			}
			pub := bulwark.CheckpointKey(secret).Public().(ed25519.PublicKey)
			fmt.Fprintln(e.stdout, base64.StdEncoding.EncodeToString(pub))
			return nil
		},
	}
	cmd.AddCommand(verify, publicKey)
	return cmd
}

// exportKinds lists the kinds of CONTRACT.md available so far, with their formats.
var exportKinds = map[string][]string{"audit-log": {"csv", "json"}, "assets": {"csv", "xlsx"}, "risks": {"csv", "xlsx"}, "risk-treatment-plan": {"xlsx", "pdf"},
	"controls": {"csv", "xlsx"}, "soa": {"xlsx", "csv", "pdf", "json"}, "gap-assessment": {"xlsx", "pdf"}, "policies": {"pdf"}, "scope": {"pdf"},
	"acknowledgements": {"csv", "xlsx"}, "training-records": {"csv", "xlsx"}, "people": {"csv", "xlsx"},
	"audit-report": {"pdf"}, "findings": {"csv", "xlsx"}, "nonconformities": {"csv", "xlsx"}, "management-review": {"pdf"}, "incidents": {"csv", "xlsx"}, "suppliers": {"csv", "xlsx"}}

func exportCmd(e *env, o *options) *cobra.Command {
	var format, out, orgSlug string
	var revision int
	var assessment string
	var audit, review string
	cmd := &cobra.Command{
		Use:   "export KIND --format FMT -o FILE|- [--org SLUG] [--revision N] [--assessment REF] [--audit REF] [--review REF]",
		Short: "Export a register or log (audit-log: csv, json)",
		Long: `Export data to a file, or to standard output with "-o -".
  audit-log          csv, json: the whole hash chain, oldest first; the export is itself audited,
                     so the last entry is the chain head at the time of export.
  assets, risks, controls, people   csv, xlsx: the register, re-importable as it is.
  risk-treatment-plan  xlsx, pdf.   soa  xlsx, csv, pdf, json [--revision N].
  gap-assessment     xlsx, pdf with --assessment REF.
  policies           pdf: every published policy and procedure at its current revision, one PDF.
  acknowledgements   csv, xlsx: who acknowledged which revision of which document, when and how.
  training-records   csv, xlsx: every completion and attempt with its score.
  audit-report       pdf with --audit REF: scope, criteria, team, checklist results and findings.
  findings, nonconformities   csv, xlsx: the registers of 9.2 and 10.2, oldest first.
  suppliers          csv, xlsx: the supplier register, re-importable as it is.
  scope              pdf [--revision N]: the ISMS scope statement, marked DRAFT unless approved.
  management-review  pdf with --review REF: the minutes (DRAFT until approved).
  incidents          csv, xlsx: the incident register with its regulatory clocks, oldest first.

Example:
  bulwark export policies --format pdf -o policy-set.pdf`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			formats, ok := exportKinds[args[0]]
			if !ok {
				return usagef("cannot export %q yet; available: assets, risks, risk-treatment-plan, controls, soa, scope, gap-assessment, policies, acknowledgements, training-records, people, audit-report, findings, nonconformities, management-review, incidents, suppliers, audit-log", args[0])
			}
			if (assessment != "") != (args[0] == "gap-assessment") {
				return usagef("--assessment REF goes with gap-assessment, and only with it")
			}
			if (audit != "") != (args[0] == "audit-report") {
				return usagef("--audit REF goes with audit-report, and only with it")
			}
			if (review != "") != (args[0] == "management-review") {
				return usagef("--review REF goes with management-review, and only with it")
			}
			if revision != 0 && args[0] != "soa" && args[0] != "scope" {
				return usagef("--revision is for soa and scope only")
			}
			if revision < 0 {
				return usagef("--revision must be an approved revision number such as 2")
			}
			if !contains(formats, format) {
				return usagef("--format must be one of %s for %s", strings.Join(formats, ", "), args[0])
			}
			if out == "" {
				return usagef("give -o FILE, or -o - for standard output")
			}
			ctx := cmd.Context()
			svc, _, p, closeDB, err := o.session(ctx, e, orgSlug)
			if err != nil {
				return err
			}
			defer closeDB()
			var w io.Writer = e.stdout
			var f *os.File
			if out != "-" {
				if f, err = os.Create(out); err != nil {
					return fmt.Errorf("cannot create %s: %w", out, err)
				}
				defer f.Close()
				w = f
			}
			bw := bufio.NewWriterSize(w, 64<<10)
			summary := ""
			switch args[0] {
			case "audit-log":
				head, err := svc.ExportAuditLog(ctx, p, format, bw)
				if err != nil {
					return err
				}
				summary = fmt.Sprintf("exported %d audit entries; chain head %d %s", head.Seq, head.Seq, head.Hash)
			case "assets":
				if err := svc.Assets.ExportAssets(ctx, p, format, bw); err != nil {
					return err
				}
				summary = "exported the asset register"
			case "risks":
				if err := svc.Risks.ExportRisks(ctx, p, format, bw); err != nil {
					return err
				}
				summary = "exported the risk register"
			case "risk-treatment-plan":
				if err := svc.Risks.ExportTreatmentPlan(ctx, p, format, bw); err != nil {
					return err
				}
				summary = "exported the risk treatment plan"
			case "controls":
				if err := svc.Controls.ExportControls(ctx, p, format, bw); err != nil {
					return err
				}
				summary = "exported the control set"
			case "gap-assessment":
				if err := svc.Gaps.ExportAssessment(ctx, p, assessment, format, bw); err != nil {
					return err
				}
				summary = "exported gap assessment " + assessment
			case "policies":
				if err := svc.Documents.ExportPolicySet(ctx, p, bw); err != nil {
					return err
				}
				summary = "exported the published policy set"
			case "acknowledgements":
				if err := svc.Documents.ExportAcknowledgements(ctx, p, format, bw); err != nil {
					return err
				}
				summary = "exported the acknowledgement records"
			case "training-records":
				if err := svc.Training.ExportRecords(ctx, p, format, bw); err != nil {
					return err
				}
				summary = "exported the training records"
			case "people":
				if err := svc.People.ExportPeople(ctx, p, format, bw); err != nil {
					return err
				}
				summary = "exported the people register"
			case "audit-report":
				if err := svc.Audits.ExportReport(ctx, p, audit, bw); err != nil {
					return err
				}
				summary = "exported the report of audit " + audit
			case "findings":
				if err := svc.Audits.ExportFindings(ctx, p, format, bw); err != nil {
					return err
				}
				summary = "exported the findings register"
			case "suppliers":
				if err := svc.Suppliers.Export(ctx, p, format, bw); err != nil {
					return err
				}
				summary = "exported the supplier register"
			case "nonconformities":
				if err := svc.NCs.ExportRegister(ctx, p, format, bw); err != nil {
					return err
				}
				summary = "exported the nonconformity register"
			case "management-review":
				if err := svc.Reviews.ExportMinutes(ctx, p, review, bw); err != nil {
					return err
				}
				summary = "exported the minutes of management review " + review
			case "incidents":
				if err := svc.Incidents.ExportRegister(ctx, p, format, bw); err != nil {
					return err
				}
				summary = "exported the incident register"
			case "scope":
				if err := svc.Scope.ExportScope(ctx, p, format, revision, bw); err != nil {
					return err
				}
				summary = "exported the live ISMS scope statement (marked DRAFT unless it is approved)"
				if revision > 0 {
					summary = fmt.Sprintf("exported revision %d of the ISMS scope statement", revision)
				}
			case "soa":
				if err := svc.Controls.ExportSoA(ctx, p, format, revision, bw); err != nil {
					return err
				}
				summary = "exported the live Statement of Applicability (marked DRAFT unless it is approved)"
				if revision > 0 {
					summary = fmt.Sprintf("exported revision %d of the Statement of Applicability", revision)
				}
			}
			if err := bw.Flush(); err != nil {
				return err
			}
			if f != nil {
				if err := f.Close(); err != nil {
					return err
				}
				fmt.Fprintf(e.stderr, "%s to %s\n", summary, absPath(out))
			}
			return nil
		},
	}
	cmd.Long += `
  assets      csv, xlsx: the live asset register in reference order, owners as emails;
              re-importing an unchanged export changes nothing.
  risks       csv, xlsx: the risk register, assets and controls by ref, owners by email.
  risk-treatment-plan  xlsx, pdf: every risk's treatment, controls, actions and sign-off.
  controls    csv, xlsx: the control set in the SoA's columns plus review_date, owners as emails;
              edit it in a spreadsheet and bring it back with "bulwark import controls".
  soa         xlsx, csv, pdf, json: the Statement of Applicability; the live one, marked
              "DRAFT — not approved" unless it is the approved one, or --revision N.
  gap-assessment  xlsx, pdf: one assessment (--assessment GA-001): scores, ranked gaps, every answer.
  audit-report  pdf: one audit (--audit AUD-001): its criteria, scope, team and dates, status and
              conclusion, every checklist line's result and notes, every finding with the evidence
              seen and the nonconformity it opened; marked DRAFT until the audit is closed.
  findings    csv, xlsx: every finding with its audit, classification, requirement, control, evidence
              seen, who raised it and when, and the nonconformity it opened with its status.
  nonconformities  csv, xlsx: every nonconformity with its severity, status, owner, dates, root cause,
              its corrective actions counted (all, open, overdue) and its latest effectiveness review.`
	cmd.Flags().StringVar(&format, "format", "", "output format (required)")
	cmd.Flags().StringVarP(&out, "output", "o", "", `output file, or "-" for standard output (required)`)
	cmd.Flags().StringVar(&orgSlug, "org", "", "organisation slug (optional when there is only one)")
	cmd.Flags().StringVar(&o.as, "as", "", "act as this member (default: cli:OS-USER)")
	cmd.Flags().IntVar(&revision, "revision", 0, "soa, scope: an approved revision (default: the live statement)")
	cmd.Flags().StringVar(&assessment, "assessment", "", "gap-assessment: the assessment's ref, such as GA-001")
	cmd.Flags().StringVar(&audit, "audit", "", "audit-report: the audit's ref, such as AUD-001")
	cmd.Flags().StringVar(&review, "review", "", "management-review: the review's ref, such as MR-001")
	return cmd
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func versionCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print version, commit and build date",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			commit, date := Commit, BuildDate
			if info, ok := debug.ReadBuildInfo(); ok {
				modified := false
				for _, s := range info.Settings {
					switch {
					case s.Key == "vcs.revision" && commit == "unknown":
						commit = s.Value
					case s.Key == "vcs.time" && date == "unknown":
						date = s.Value
					case s.Key == "vcs.modified":
						modified = s.Value == "true"
					}
				}
				if modified && commit != "unknown" {
					commit += " (with uncommitted changes)"
				}
			}
			fmt.Fprintf(e.stdout, "bulwark %s\ncommit %s\nbuilt %s\n", Version, commit, date)
			return nil
		},
	}
}

// importKinds lists the registers that can be imported so far.
var importKinds = []string{"assets", "risks", "controls", "people", "suppliers", "measurements"}

func importCmd(e *env, o *options) *cobra.Command {
	var orgSlug, sheet string
	var dryRun bool
	var headerRow int
	var maps []string
	cmd := &cobra.Command{
		Use:   "import KIND FILE [--org SLUG] [--dry-run] [--sheet NAME] [--header-row N] [--map 'Header=field' …]",
		Short: "Import a register from an XLSX or CSV file (assets, risks, controls, people, suppliers, measurements)",
		Long: `Import a spreadsheet into a register. The header row is found by itself (the first row holding two
known column names) unless --header-row is given; columns match field names or labels, ignoring case
and spaces; --map 'Header=field' overrides a column ('Header=' ignores it). A row whose ref exists
updates that item, other rows create items. All or nothing: one bad row and nothing is written; every
bad row is listed with its row number as the spreadsheet shows it.

Example:
  bulwark import assets register.xlsx --dry-run
  bulwark import assets register.xlsx --map 'Asset owner (email)=owner_id'
  bulwark export soa --format xlsx -o soa.xlsx    # edit status, owners, justifications…
  bulwark import controls soa.xlsx --dry-run      # …and bring them back, by ref
  bulwark import people staff.csv                 # the HR export: Name, Email, Department, Manager, Groups
  bulwark import measurements kpis.xlsx           # Metric (MET-001 or its name), Date, Value, Note: a day
                                                  # a metric already has gets the file's value`,
		Args: usageArgs(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !contains(importKinds, args[0]) {
				return usagef("cannot import %q yet; available: %s", args[0], strings.Join(importKinds, ", "))
			}
			opts := tabular.Options{Sheet: sheet, HeaderRow: headerRow, Mapping: map[string]string{}}
			for _, m := range maps {
				h, f, ok := strings.Cut(m, "=")
				if !ok || strings.TrimSpace(h) == "" {
					return usagef("--map %q must be written 'Header=field'", m)
				}
				opts.Mapping[h] = f
			}
			file, err := os.Open(args[1])
			if err != nil {
				return fmt.Errorf("cannot open %s: %w", args[1], err)
			}
			defer file.Close()
			tty := isTerminal(e.stderr)
			if tty {
				fmt.Fprintf(e.stderr, "reading %s…\n", args[1])
			}
			fields := map[string][]tabular.Field{"assets": assets.AssetFields, "risks": risks.RiskFields, "controls": controls.ControlFields, "people": people.PersonFields, "suppliers": suppliers.Fields, "measurements": objectives.MeasurementFields}[args[0]]
			t, err := tabular.Read(file, filepath.Base(args[1]), fields, opts)
			if err != nil {
				var fe *tabular.FormatError
				if errors.As(err, &fe) {
					return fmt.Errorf("%s: %s", args[1], fe.Error())
				}
				return err
			}
			ctx := cmd.Context()
			svc, _, p, closeDB, err := o.session(ctx, e, orgSlug)
			if err != nil {
				return err
			}
			defer closeDB()
			if tty {
				fmt.Fprintf(e.stderr, "checking %s…\n", bulwark.Plural(len(t.Rows), "row"))
			}
			importer := map[string]func(context.Context, *bulwark.Principal, *tabular.Table, bool) (*app.ImportResult, error){
				"assets": svc.Assets.ImportAssets, "risks": svc.Risks.ImportRisks, "controls": svc.Controls.ImportControls, "people": svc.People.ImportPeople, "suppliers": svc.Suppliers.Import, "measurements": svc.Objectives.ImportMeasurements}[args[0]]
			res, err := importer(ctx, p, t, dryRun)
			if err != nil {
				return err
			}
			if len(t.Unmapped) > 0 {
				fmt.Fprintf(e.stderr, "ignored %s: %s\n", map[bool]string{true: "column", false: "columns"}[len(t.Unmapped) == 1], strings.Join(t.Unmapped, ", "))
			}
			if len(res.Errors) > 0 {
				fmt.Fprintf(e.stderr, "%s has %s; nothing was imported:\n", args[1], bulwark.Plural(len(res.Errors), "problem"))
				for _, re := range res.Errors {
					fmt.Fprintf(e.stderr, "  %s\n", rowProblem(re))
				}
				return fmt.Errorf("import refused")
			}
			for _, w := range res.Warnings {
				fmt.Fprintf(e.stderr, "note: %s\n", rowProblem(w))
			}
			verb := "imported"
			if dryRun {
				verb = "dry run, nothing written: would import"
			}
			fmt.Fprintf(e.stdout, "%s %d new, %d updated, %d unchanged (header on row %d, %s skipped)\n",
				verb, res.Created, res.Updated, res.Unchanged, t.HeaderRow, bulwark.Plural(t.BlankRows, "blank row"))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&orgSlug, "org", "", "organisation slug (optional when there is only one)")
	f.BoolVar(&dryRun, "dry-run", false, "check the file and report what would change, writing nothing")
	f.StringVar(&sheet, "sheet", "", "XLSX sheet to read (default: the first)")
	f.IntVar(&headerRow, "header-row", 0, "row number of the header (default: found by itself)")
	f.StringArrayVar(&maps, "map", nil, "'Header=field' reads a column as a field; 'Header=' ignores it (repeatable)")
	f.StringVar(&o.as, "as", "", "act as this member (default: cli:OS-USER)")
	return cmd
}

// rowProblem writes an import error or warning as the person sees their file: row number and column header.
func rowProblem(re app.RowError) string {
	if re.Column == "" {
		return fmt.Sprintf("row %d: %s", re.Row, re.Message)
	}
	return fmt.Sprintf("row %d, %s: %s", re.Row, re.Column, re.Message)
}

func demoCmd(e *env, o *options) *cobra.Command {
	var addr, size string
	var noServe bool
	cmd := &cobra.Command{
		Use:   "demo [--addr A] [--db D] [--no-serve] [--size normal|large]",
		Short: "Seed a realistic demo organisation and serve it",
		Long: `Create Northwind Health Ltd, a fictional company with ten members across the six roles, 150 assets,
60 risks and a control set half way through implementation, then serve it on --addr (default
127.0.0.1:8081, beside a 'bulwark serve' on 8080) and print where to sign in. Without --db the demo
lives in a temporary directory (database, secret key) that nothing else uses and that is removed when
the demo stops (Ctrl-C). A database that already holds organisations is refused.

--size large grows it to the scale the benchmarks use: 200 members, 10,000 assets, 20,000 risks and
1,000,000 audit entries (a few minutes; progress on stderr). For example, to keep it for the load tool:
  bulwark demo --size large --no-serve --db sqlite:/tmp/large.db`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if size != "normal" && size != "large" {
				return usagef("--size: %q is not a size; use normal or large", size)
			}
			where := "database " + redact(o.db)
			if !cmd.Flags().Changed("db") && e.getenv("BULWARK_DB") == "" {
				dir, err := os.MkdirTemp("", "bulwark-demo-")
				if err != nil {
					return err
				}
				if !noServe {
					defer os.RemoveAll(dir)
				}
				o.db, o.dataDir = "sqlite:"+filepath.Join(dir, "demo.db"), filepath.Join(dir, "data")
				if !cmd.Flags().Changed("secret-key-file") {
					o.keyFile = ""
				}
				where = "data in " + dir + ", removed when the demo stops"
				if noServe {
					where = "data in " + dir + " (kept: --no-serve)"
				}
			}
			log := o.logger(e.stderr)
			svc, closeDB, err := o.open(ctx, log, app.Config{})
			if err != nil {
				return err
			}
			if isTerminal(e.stderr) {
				fmt.Fprintln(e.stderr, "seeding Northwind Health Ltd: members, 150 assets, the control set…")
			}
			res, err := demo.Seed(ctx, svc)
			if err == nil && size == "large" {
				fmt.Fprintln(e.stderr, "growing the demo to the large size:")
				err = demo.SeedLarge(ctx, svc, res, demo.LargeSize, e.stderr)
			}
			closeDB()
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "Bulwark demo: http://%s/o/%s/\nsign in as %s with the password %s\n(every demo member shares that password; %s)\n",
				addr, res.Org.Slug, res.Email, res.Password, where)
			if noServe {
				return nil
			}
			serve := serveCmd(e, o)
			serve.SetContext(ctx)
			if err := serve.Flags().Set("addr", addr); err != nil {
				return err
			}
			return serve.RunE(serve, nil)
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8081", "listen address (8081, so that it runs beside a 'bulwark serve' on 8080)")
	cmd.Flags().BoolVar(&noServe, "no-serve", false, "seed and exit")
	cmd.Flags().StringVar(&size, "size", "normal", "normal, or large: 200 members, 10,000 assets, 20,000 risks, 1,000,000 audit entries")
	return cmd
}

func backupCmd(e *env, o *options) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "backup -o FILE",
		Short: "Copy the database consistently while it is in use",
		Long: `Write a consistent copy of the database to FILE while Bulwark keeps running.
SQLite: one read transaction copies every page (VACUUM INTO); 'bulwark serve --db sqlite:FILE' opens
the copy and 'bulwark audit-log verify --db sqlite:FILE' checks it. PostgreSQL: runs pg_dump in its
custom format (restore with pg_restore). The secret key file is not in the copy: back it up
separately, and keep it apart from the database backups.`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return usagef("give the file to write with -o FILE")
			}
			ctx := cmd.Context()
			if strings.HasPrefix(o.db, "postgres://") || strings.HasPrefix(o.db, "postgresql://") {
				bin, err := exec.LookPath("pg_dump")
				if err != nil {
					return fmt.Errorf("pg_dump is not installed; install the PostgreSQL client tools, or run pg_dump where they are")
				}
				c := exec.CommandContext(ctx, bin, "--format=custom", "--file="+out, o.db)
				c.Stderr = e.stderr
				if err := c.Run(); err != nil {
					return fmt.Errorf("pg_dump failed: %w", err)
				}
				fmt.Fprintf(e.stdout, "backed up %s to %s (restore with pg_restore)\n", redact(o.db), out)
				return nil
			}
			db, err := sqlstore.Open(ctx, o.db)
			if err != nil {
				return fmt.Errorf("cannot open the database %s: %w", redact(o.db), err)
			}
			defer db.Close()
			if err := db.BackupSQLite(ctx, out); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "backed up %s to %s\n", redact(o.db), out)
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "the file to write (must not exist)")
	return cmd
}

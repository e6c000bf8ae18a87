package demo

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/areas"
	"github.com/bulwark-isms/bulwark/areas/monitoring"
	"github.com/bulwark-isms/bulwark/collect"
	"github.com/bulwark-isms/bulwark/collect/collecttest"
	"github.com/bulwark-isms/bulwark/sqlstore"
)

// seedMonitoring gives the demo a collector of each kind and check results
// produced by running the real collectors against real things made here: the
// agent's host collector on a fixture Linux root (posted through an agent
// token, as the agent does), a TLS server on loopback whose certificate expires
// in twelve days, a Git repository with a committed key, a Terraform plan, and
// the demo's own PostgreSQL when it runs on one.
func seedMonitoring(ctx context.Context, svc *areas.ISMS, manager *bulwark.Principal) error {
	tmp, err := os.MkdirTemp("", "bulwark-demo-fixtures-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	mon := svc.Monitoring
	add := func(kind, name string, config map[string]string, dsn string) (string, error) {
		in := monitoringInput(kind, name, config, dsn)
		c, err := mon.CreateCollector(ctx, manager, in)
		if err != nil {
			return "", fmt.Errorf("demo collector %s: %w", name, err)
		}
		return c.ID, nil
	}

	// The host, as its agent would post it.
	host, err := add(collect.KindHost, "web-01 (patient portal)", nil, "")
	if err != nil {
		return err
	}
	tok, err := mon.AgentToken(ctx, manager, "", host, "agent on web-01")
	if err != nil {
		return err
	}
	root := filepath.Join(tmp, "web-01")
	if err := collecttest.WriteHostRoot(root); err != nil {
		return err
	}
	facts, err := collect.Host(root)
	if err != nil {
		return err
	}
	agent, err := svc.TokenPrincipal(ctx, tok.Token, app.Meta{ActorID: "cli:demo"})
	if err != nil {
		return err
	}
	if _, _, err := mon.PostFacts(ctx, agent, facts); err != nil {
		return fmt.Errorf("demo host facts: %w", err)
	}

	// A TLS endpoint whose certificate runs out in twelve days.
	pki, err := collecttest.NewPKI([]string{"127.0.0.1"}, time.Now().Add(-80*24*time.Hour), time.Now().Add(12*24*time.Hour))
	if err != nil {
		return err
	}
	ln, err := collecttest.ServeTLS(&tls.Config{Certificates: []tls.Certificate{pki.Leaf}, MinVersion: tls.VersionTLS12})
	if err != nil {
		return err
	}
	defer ln.Close()
	portal, err := add(collect.KindTLS, "Patient portal", map[string]string{"target": ln.Addr().String()}, "")
	if err != nil {
		return err
	}
	var d net.Dialer
	if err := record(ctx, svc, manager, portal, func() ([]collect.Resource, error) {
		return collect.TLS(ctx, ln.Addr().String(), d.DialContext, collect.TLSExtraRoots(pki.Roots))
	}); err != nil {
		return err
	}

	// A Git repository where someone committed a cloud key.
	if _, err := exec.LookPath("git"); err == nil {
		repo := filepath.Join(tmp, "patient-portal")
		if err := demoRepository(ctx, repo); err != nil {
			return err
		}
		id, err := add(collect.KindGit, "patient-portal repository", map[string]string{"path": "/srv/git/patient-portal"}, "")
		if err != nil {
			return err
		}
		if err := record(ctx, svc, manager, id, func() ([]collect.Resource, error) { return collect.Git(ctx, repo, collect.GitOptions{}) }); err != nil {
			return err
		}
	}

	// The infrastructure's Terraform plan, uploaded.
	tf, err := add(collect.KindTerraform, "Production infrastructure (Terraform)", nil, "")
	if err != nil {
		return err
	}
	plan := collecttest.TerraformPlan()
	f, err := svc.Evidence.StoreFile(ctx, manager, "production-plan.json", strings.NewReader(string(plan)), int64(len(plan)))
	if err != nil {
		return err
	}
	if _, err := mon.SetPlan(ctx, manager, tf, f); err != nil {
		return err
	}
	if _, _, err := mon.Collect(ctx, manager, tf); err != nil {
		return fmt.Errorf("demo terraform: %w", err)
	}

	// The demo's own database, when it is PostgreSQL reached with a password (a collector never borrows the
	// server's own credentials from its environment or ~/.pgpass).
	if svc.DB.Dialect == sqlstore.Postgres && dsnHasPassword(svc.DB.DSN) {
		id, err := add(collect.KindPostgres, "Bulwark's database", nil, svc.DB.DSN)
		if err != nil {
			return err
		}
		if err := record(ctx, svc, manager, id, func() ([]collect.Resource, error) { return collect.Postgres(ctx, svc.DB.DSN) }); err != nil {
			return err
		}
	}
	return nil
}

// record runs a collector here and stores its facts, running its checks.
func record(ctx context.Context, svc *areas.ISMS, p *bulwark.Principal, collectorID string, collectFn func() ([]collect.Resource, error)) error {
	rs, err := collectFn()
	if err != nil {
		return fmt.Errorf("demo collection: %w", err)
	}
	_, err = svc.Monitoring.RecordFacts(ctx, p, collectorID, rs)
	return err
}

// demoRepository builds a small repository: unsigned commits, no CODEOWNERS, and
// an AWS access key committed in a configuration file.
func demoRepository(ctx context.Context, dir string) error {
	if err := os.MkdirAll(filepath.Join(dir, "config"), 0o755); err != nil {
		return err
	}
	git := func(args ...string) error {
		cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir, "-c", "user.name=Demo Developer", "-c", "user.email=dev@northwind.example",
			"-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main"}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("git %s: %v: %s", args[0], err, out)
		}
		return nil
	}
	files := map[string]string{
		"README.md":           "# Patient portal\n\nThe web front end of Northwind's patient portal.\n",
		"config/storage.yaml": "bucket: northwind-portal-uploads\nregion: eu-west-2\naws_access_key_id: AKIA" + "Q3EXAMPLE7NWDEMO1\n",
	}
	if err := git("init", "-q"); err != nil {
		return err
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			return err
		}
		if err := git("add", name); err != nil {
			return err
		}
		if err := git("commit", "-q", "-m", "Add "+name); err != nil {
			return err
		}
	}
	return nil
}

func monitoringInput(kind, name string, config map[string]string, dsn string) monitoring.CollectorInput {
	in := monitoring.CollectorInput{Kind: &kind, Name: &name}
	if config != nil {
		in.Config = &config
	}
	if dsn != "" {
		in.ConnectionString = &dsn
	}
	return in
}

func dsnHasPassword(dsn string) bool {
	u, err := url.Parse(dsn)
	if err != nil {
		return false
	}
	pw, ok := u.User.Password()
	return ok && pw != ""
}

package collect_test

import (
	"context"
	"crypto/tls"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-isms/bulwark/catalog"
	"github.com/bulwark-isms/bulwark/checkrule"
	"github.com/bulwark-isms/bulwark/collect"
)

func TestBuiltinsCatalog(t *testing.T) {
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	minimum := map[string]int{
		collect.KindHost: 8, collect.KindTLS: 4, collect.KindGit: 4, collect.KindTerraform: 8, collect.KindPostgres: 4,
	}
	count := map[string]int{}
	seen := map[string]bool{}
	keyFormat := regexp.MustCompile(`^[a-z0-9_]+(\.[a-z0-9_]+)+$`)
	for _, b := range collect.Builtins() {
		count[b.Kind]++
		if seen[b.Key] {
			t.Errorf("duplicate key %s", b.Key)
		}
		seen[b.Key] = true
		if !keyFormat.MatchString(b.Key) || !strings.HasPrefix(b.Key, b.Kind+".") {
			t.Errorf("%s: key must be lower-case dotted and start with its kind %q", b.Key, b.Kind)
		}
		if _, ok := minimum[b.Kind]; !ok {
			t.Errorf("%s: unknown kind %q", b.Key, b.Kind)
		}
		if b.Name == "" || len(b.Description) < 40 {
			t.Errorf("%s: needs a name and a description", b.Key)
		}
		if _, err := checkrule.Compile(b.Rule); err != nil {
			t.Errorf("%s: %v", b.Key, err)
		}
		if len(b.Controls) == 0 {
			t.Errorf("%s: no Annex A control", b.Key)
		}
		for _, ref := range b.Controls {
			if r := cat.Requirement(catalog.ISO27001, ref); r == nil || r.Kind != "control" {
				t.Errorf("%s: %s is not an Annex A control in the catalog", b.Key, ref)
			}
		}
	}
	for kind, n := range minimum {
		if count[kind] < n {
			t.Errorf("%d %s checks, want at least %d", count[kind], kind, n)
		}
	}
	// Builtins hands out copies.
	collect.Builtins()[0].Controls[0] = "changed"
	if collect.Builtins()[0].Controls[0] == "changed" {
		t.Error("Builtins shares its slices with callers")
	}
}

// Every built-in check, run on the collectors' fixtures, passes or fails —
// never errors — and each kind has a failing check to show.
func TestBuiltinsOnFixtures(t *testing.T) {
	fixtures := map[string]func(t *testing.T) []collect.Resource{
		collect.KindHost: func(t *testing.T) []collect.Resource {
			res, err := collect.Host("collecttest/hostroot")
			if err != nil {
				t.Fatal(err)
			}
			// A bare host must not make any rule error either.
			empty, err := collect.Host(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			return append(res, empty...)
		},
		collect.KindTLS: func(t *testing.T) []collect.Resource {
			pki := newTestPKI(t, []string{"127.0.0.1"}, time.Now().Add(-time.Hour), time.Now().Add(10*24*time.Hour))
			addr := serveTLS(t, &tls.Config{Certificates: []tls.Certificate{pki.leaf}})
			res, err := collect.TLS(context.Background(), addr, nil, collect.TLSExtraRoots(pki.roots))
			if err != nil {
				t.Fatal(err)
			}
			return res
		},
		collect.KindGit: func(t *testing.T) []collect.Resource {
			r := newFixtureRepo(t)
			res, err := collect.Git(context.Background(), r.dir, collect.GitOptions{})
			if err != nil {
				t.Fatal(err)
			}
			return res
		},
		collect.KindTerraform: func(t *testing.T) []collect.Resource {
			var all []collect.Resource
			for _, name := range []string{"collecttest/terraform/plan.json", "collecttest/terraform/state.json"} {
				b, err := os.ReadFile(name)
				if err != nil {
					t.Fatal(err)
				}
				res, err := collect.Terraform(b)
				if err != nil {
					t.Fatal(err)
				}
				all = append(all, res...)
			}
			return all
		},
		collect.KindPostgres: func(t *testing.T) []collect.Resource {
			res, err := collect.Postgres(context.Background(), testPostgresDSN(t))
			if err != nil {
				t.Fatal(err)
			}
			return res
		},
	}
	for kind, load := range fixtures {
		t.Run(kind, func(t *testing.T) {
			resources := load(t)
			failing := 0
			for _, b := range collect.Builtins() {
				if b.Kind != kind {
					continue
				}
				rule, err := checkrule.Compile(b.Rule)
				if err != nil {
					t.Fatalf("%s: %v", b.Key, err)
				}
				applied := 0
				for _, res := range resources {
					if b.ResourceType != "" && res.Type != b.ResourceType {
						continue
					}
					applied++
					switch got := rule.Eval(context.Background(), res); got.Outcome {
					case checkrule.Fail:
						failing++
					case checkrule.Error:
						t.Errorf("%s on %s: error %s", b.Key, res.ID, got.Message)
					}
				}
				if applied == 0 {
					t.Errorf("%s: no fixture resource of type %q to run on", b.Key, b.ResourceType)
				}
			}
			if failing == 0 {
				t.Errorf("no %s check fails on the fixtures; the demo needs one", kind)
			}
		})
	}
}

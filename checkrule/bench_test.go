package checkrule_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/bulwark-isms/bulwark/checkrule"
	"github.com/bulwark-isms/bulwark/collect"
)

// benchRules are 50 rules of the kind people write about hosts: the built-in
// host checks and variations on the same facts.
func benchRules(b *testing.B) []*checkrule.Rule {
	exprs := []string{}
	for _, bi := range collect.Builtins() {
		if bi.Kind == collect.KindHost {
			exprs = append(exprs, bi.Rule)
		}
	}
	exprs = append(exprs,
		`resource.ssh.present`,
		`resource.ssh.pubkey_authentication == "yes"`,
		`resource.ssh.kbd_interactive_authentication == "no"`,
		`resource.ssh.client_alive_interval > 0 && resource.ssh.client_alive_interval <= 900`,
		`resource.ssh.protocol == "2"`,
		`resource.login_defs.pass_min_days >= 1`,
		`resource.login_defs.pass_warn_age >= 7`,
		`resource.login_defs.pass_min_len == -1 || resource.login_defs.pass_min_len >= 12`,
		`resource.firewall.tool in ["nftables", "ufw", "firewalld"]`,
		`resource.auto_updates.tool != ""`,
		`resource.time_sync.tool == "chrony" || resource.time_sync.tool == "systemd-timesyncd"`,
		`resource.disk_encryption.volumes >= 1`,
		`size(resource.listening_ports) <= 10`,
		`!(3389 in resource.listening_ports)`,
		`!(5900 in resource.listening_ports)`,
		`resource.listening.all(l, l.port != 111)`,
		`resource.listening.exists(l, l.port == 22)`,
		`resource.listening.filter(l, !ip(l.address).isLoopback()).size() <= 5`,
		`resource.os.startsWith("Debian") || resource.os.startsWith("Ubuntu")`,
		`!resource.os.contains("buster")`,
		`id.matches("^[a-z]+-[0-9]+$")`,
		`type == "host"`,
		`has(resource.hostname) && resource.hostname == id`,
		`resource.?ssh.?max_auth_tries.orValue(6) <= 6`,
		`!has(resource.tls)`,
		`resource.empty_password_accounts.all(a, a != "root")`,
		`!("guest" in resource.empty_password_accounts)`,
		`resource.shadow_readable`,
		`resource.listening.all(l, l.proto in ["tcp", "tcp6"])`,
		`resource.ssh.permit_root_login != "yes"`,
		`resource.ssh.password_authentication == "no" || !(22 in resource.listening_ports)`,
		`resource.firewall.enabled || size(resource.listening_ports) == 0`,
		`resource.auto_updates.enabled && resource.time_sync.enabled`,
		`resource.login_defs.present`,
		`resource.ssh.max_auth_tries >= 1`,
		`resource.listening_ports.all(p, p < 1024 || p in [5432, 8080, 8443])`,
		`int(resource.login_defs.pass_max_days) < 100000`,
	)
	if len(exprs) < 50 {
		b.Fatalf("only %d rules", len(exprs))
	}
	rules := make([]*checkrule.Rule, 50)
	for i := range rules {
		rules[i] = checkrule.MustCompile(exprs[i])
	}
	return rules
}

// benchResources makes n hosts. Their facts come from 64 variants of the host
// fixture (so the data stays small), but each resource is converted for CEL
// on its own, as real, distinct resources would be.
func benchResources(b *testing.B, n int) []collect.Resource {
	base, err := collect.Host("../collect/collecttest/hostroot")
	if err != nil {
		b.Fatal(err)
	}
	variants := make([]map[string]any, 64)
	for v := range variants {
		f := map[string]any{}
		for k, x := range base[0].Facts {
			f[k] = x
		}
		ssh := map[string]any{}
		for k, x := range base[0].Facts["ssh"].(map[string]any) {
			ssh[k] = x
		}
		ssh["max_auth_tries"] = int64(3 + v%5)
		if v%3 == 0 {
			ssh["permit_root_login"] = "no"
		}
		f["ssh"] = ssh
		f["hostname"] = fmt.Sprintf("web-%d", v)
		variants[v] = f
	}
	res := make([]collect.Resource, n)
	for i := range res {
		res[i] = collect.Resource{Type: "host", ID: fmt.Sprintf("web-%d", i%64), Facts: variants[i%64]}
	}
	return res
}

// BenchmarkCheckEval runs 50 rules over 100,000 resources: 5 million
// evaluations per operation.
func BenchmarkCheckEval(b *testing.B) {
	const nRules, nResources = 50, 100_000
	b.Run(fmt.Sprintf("rules=%d/resources=%d", nRules, nResources), func(b *testing.B) {
		rules := benchRules(b)
		resources := benchResources(b, nResources)
		ctx := context.Background()
		var counts [3]int
		b.ResetTimer()
		for b.Loop() {
			counts = [3]int{}
			err := checkrule.EvalAll(ctx, rules, resources, func(_, _ int, r checkrule.Result) {
				switch r.Outcome {
				case checkrule.Pass:
					counts[0]++
				case checkrule.Fail:
					counts[1]++
				default:
					counts[2]++
				}
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		if counts[2] != 0 {
			b.Fatalf("%d evaluations errored", counts[2])
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*nRules*nResources), "ns/eval")
	})
}

package checkrule_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulwark-isms/bulwark/checkrule"
	"github.com/bulwark-isms/bulwark/collect"
)

var web = collect.Resource{Type: "host", ID: "web-01", Facts: map[string]any{
	"ssh":             map[string]any{"present": true, "permit_root_login": "no", "max_auth_tries": int64(4)},
	"firewall":        map[string]any{"enabled": false, "tool": ""},
	"listening_ports": []any{int64(22), int64(443)},
	"listening": []any{
		map[string]any{"address": "0.0.0.0", "port": int64(22), "proto": "tcp"},
		map[string]any{"address": "127.0.0.1", "port": int64(5432), "proto": "tcp"},
	},
	"os":    "Debian GNU/Linux 12 (bookworm)",
	"empty": []any{},
}}

func TestEval(t *testing.T) {
	tests := []struct {
		name, expr string
		want       checkrule.Result
	}{
		{"nested fact", `resource.ssh.permit_root_login == "no"`, checkrule.Result{Outcome: "pass"}},
		{"false is fail", `resource.firewall.enabled`, checkrule.Result{Outcome: "fail"}},
		{"type and id", `type == "host" && id.startsWith("web-")`, checkrule.Result{Outcome: "pass"}},
		{"list membership", `!(23 in resource.listening_ports)`, checkrule.Result{Outcome: "pass"}},
		{"comprehension over maps", `resource.listening.all(l, l.port != 5432 || ip(l.address).isLoopback())`, checkrule.Result{Outcome: "pass"}},
		{"size", `size(resource.empty) == 0`, checkrule.Result{Outcome: "pass"}},
		{"string extension", `resource.os.lowerAscii().contains("debian")`, checkrule.Result{Outcome: "pass"}},
		{"int against double", `resource.ssh.max_auth_tries <= 4.5`, checkrule.Result{Outcome: "pass"}},
		{"+ with a typed operand", `resource.ssh.max_auth_tries + 1 == 5 && resource.os + "!" == "Debian GNU/Linux 12 (bookworm)!"`, checkrule.Result{Outcome: "pass"}},
		{"missing key", `resource.tls.valid`, checkrule.Result{Outcome: "error", Message: "no such key: tls"}},
		{"has() guards a missing key", `!has(resource.tls) || resource.tls.valid`, checkrule.Result{Outcome: "pass"}},
		{"has() on a nested map", `has(resource.ssh.max_auth_tries)`, checkrule.Result{Outcome: "pass"}},
		{"optional with default", `resource.?ssh.?x11_forwarding.orValue("no") == "no"`, checkrule.Result{Outcome: "pass"}},
		{"error absorbed by ||", `resource.nope || true`, checkrule.Result{Outcome: "pass"}},
		{"dyn rule producing a string", `resource.os`, checkrule.Result{Outcome: "error", Message: "rule produced string, not a bool"}},
		{"wrong types", `resource.os > 3`, checkrule.Result{Outcome: "error", Message: "no such overload"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := checkrule.Compile(tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			got := r.Eval(context.Background(), web)
			if got.Outcome != tt.want.Outcome || !strings.Contains(got.Message, tt.want.Message) || (tt.want.Message == "" && got.Message != "") {
				t.Errorf("Eval = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		name, expr, want string
	}{
		{"syntax", `resource.ssh ==`, "Syntax error"},
		{"unknown variable", `host.ssh`, "undeclared reference to 'host'"},
		{"not a bool", `size(resource)`, "rule must produce a bool (true = pass), not int"},
		{"string result", `id + "x"`, "not string"},
		{"too long", "true && " + strings.Repeat("true && ", checkrule.MaxExprLen/8) + "true", "the limit is 4096"},
		{"too deep", strings.Repeat("(", 200) + "true" + strings.Repeat(")", 200), "recursion"},
		// CEL charges + on dyn values as one unit whatever their size.
		{"+ on facts of unknown type", `resource.listening.map(l, l.address + l.address).size() > 0`, "+ needs operands of known type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := checkrule.Compile(tt.expr)
			var ce *checkrule.CompileError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v (%T), want a *CompileError", err, err)
			}
			if !strings.Contains(ce.Message, tt.want) || ce.Error() != ce.Message {
				t.Errorf("message = %q, want it to contain %q", ce.Message, tt.want)
			}
		})
	}
}

// big has a long list and a long string, as a hostile Terraform plan could.
var big = func() collect.Resource {
	ports := make([]any, 100_000)
	for i := range ports {
		ports[i] = int64(i % 65536)
	}
	return collect.Resource{Facts: map[string]any{"ports": ports, "big": strings.Repeat("x", 100_000)}}
}()

// Rules built to run for ever, or to fill memory, stop at the cost limit; a
// cancelled context stops a rule with loops.
func TestHostileRules(t *testing.T) {
	ten := "[1,2,3,4,5,6,7,8,9,10]"
	nested := ten + ".all(a, " + ten + ".all(b, " + ten + ".all(c, " + ten + ".all(d, " + ten + ".all(e, " + ten + ".all(f, " + ten + ".all(g, a+b+c+d+e+f+g > 0)))))))"
	// Growing text is refused when the rule compiles: CEL would charge it only after building it.
	for _, grow := range []string{`"a".replace("a", "bbbb").replace("b", "cccc") == ""`, `["a"].join("x") == ""`, `"%s".format(["a"]) == ""`} {
		if _, err := checkrule.Compile(grow); err == nil || !strings.Contains(err.Error(), "not available in check rules") {
			t.Errorf("Compile(%s) = %v, want a refusal", grow, err)
		}
	}
	tests := []struct{ name, expr, want string }{
		{"nested loops", nested, "cost limit"},
		{"split in a loop", `resource.ports.map(p, string(resource.big).split("")).size() > 0`, "cost limit"},
		{"concatenation in a loop", `resource.ports.map(p, string(resource.big) + string(resource.big)).size() > 0`, "cost limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := checkrule.Compile(tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			got := r.Eval(context.Background(), big)
			if got.Outcome != "error" || !strings.Contains(got.Message, tt.want) {
				t.Errorf("Eval = %+v, want an error mentioning %q", got, tt.want)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	got := checkrule.MustCompile(nested).Eval(ctx, web)
	if got.Outcome != "error" || !strings.Contains(got.Message, "cancel") {
		t.Errorf("cancelled Eval = %+v, want an interruption", got)
	}
}

// The cost limit leaves room for loops over facts far larger than collectors
// produce.
func TestLargeFacts(t *testing.T) {
	ports := make([]any, 20_000)
	for i := range ports {
		ports[i] = int64(i)
	}
	res := collect.Resource{Facts: map[string]any{"ports": ports, "big": strings.Repeat("x", 100_000)}}
	for _, expr := range []string{
		`resource.ports.all(p, p < 65536) && resource.ports.exists(p, p == 22)`,
		`resource.ports.map(p, p * 2).size() == 20000`,
		`resource.ports.filter(p, p == 443).size() == 1`,
		`resource.big.size() == 100000 && resource.big.contains("xxx")`,
	} {
		if got := checkrule.MustCompile(expr).Eval(context.Background(), res); got.Outcome != "pass" {
			t.Errorf("%s: Eval = %+v", expr, got)
		}
	}
}

func TestFactsFromJSON(t *testing.T) {
	// Facts stored as JSON come back as float64 or json.Number; rules written
	// against int64 facts still work.
	var facts map[string]any
	if err := json.Unmarshal([]byte(`{"ssh":{"max_auth_tries":4},"ports":[22,443]}`), &facts); err != nil {
		t.Fatal(err)
	}
	r := checkrule.MustCompile(`resource.ssh.max_auth_tries <= 4 && resource.ssh.max_auth_tries == 4 && 443 in resource.ports`)
	if got := r.Eval(context.Background(), collect.Resource{Facts: facts}); got.Outcome != "pass" {
		t.Errorf("float64 facts: %+v", got)
	}
	dec := json.NewDecoder(strings.NewReader(`{"ssh":{"max_auth_tries":4},"ports":[22,443]}`))
	dec.UseNumber()
	if err := dec.Decode(&facts); err != nil {
		t.Fatal(err)
	}
	if got := r.Eval(context.Background(), collect.Resource{Facts: facts}); got.Outcome != "pass" {
		t.Errorf("json.Number facts: %+v", got)
	}
}

func TestEvalAll(t *testing.T) {
	rules := []*checkrule.Rule{
		checkrule.MustCompile(`resource.ssh.permit_root_login == "no"`),
		checkrule.MustCompile(`resource.firewall.enabled`),
		checkrule.MustCompile(`resource.tls.valid`),
	}
	other := collect.Resource{Type: "host", ID: "db-01", Facts: map[string]any{
		"ssh": map[string]any{"permit_root_login": "yes"}, "firewall": map[string]any{"enabled": true},
	}}
	got := map[[2]int]string{}
	err := checkrule.EvalAll(context.Background(), rules, []collect.Resource{web, other}, func(i, j int, r checkrule.Result) {
		got[[2]int{i, j}] = r.Outcome
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[[2]int]string{
		{0, 0}: "pass", {1, 0}: "fail", {2, 0}: "error",
		{0, 1}: "fail", {1, 1}: "pass", {2, 1}: "error",
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("rule %d on resource %d: %s, want %s", k[0], k[1], got[k], w)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := checkrule.EvalAll(ctx, rules, []collect.Resource{web}, func(int, int, checkrule.Result) {}); !errors.Is(err, context.Canceled) {
		t.Errorf("EvalAll with a cancelled context = %v", err)
	}
}

// One compiled rule serves many goroutines (run with -race).
func TestConcurrentEval(t *testing.T) {
	r := checkrule.MustCompile(`resource.listening.exists(l, l.port == 22) && resource.ssh.max_auth_tries < 6`)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 200 {
				if got := r.Eval(context.Background(), web); got.Outcome != "pass" {
					t.Errorf("Eval = %+v", got)
					return
				}
			}
		})
	}
	wg.Wait()
}

func FuzzCompile(f *testing.F) {
	for _, s := range []string{`resource.ssh.permit_root_login == "no"`, `resource.listening.all(l, l.port != 23)`,
		`resource.?ssh.?x.orValue(1) > 0`, `ip(resource.os).isLoopback()`, `size(resource.empty) == 0 || id.matches("^w")`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		r, err := checkrule.Compile(expr)
		if err != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		switch got := r.Eval(ctx, web); got.Outcome {
		case "pass", "fail", "error":
		default:
			t.Fatalf("%q: outcome %q", expr, got.Outcome)
		}
	})
}

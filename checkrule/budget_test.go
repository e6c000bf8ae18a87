package checkrule

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-isms/bulwark/collect"
)

// How each rule is guarded: not at all when cheap by construction, by time
// when it loops, by cost as well when it could grow or nest.
func TestClassify(t *testing.T) {
	tests := []struct {
		expr string
		want budget
	}{
		{`resource.ssh.permit_root_login == "no"`, budgetNone},
		{`!has(resource.tls) || resource.tls.valid && resource.tls.days_to_expiry > 30`, budgetNone},
		{`resource.os.lowerAscii().matches("^debian") && 22 in resource.listening_ports`, budgetNone},
		{`resource.os.matches(resource.pattern)`, budgetCost},
		{`resource.?ssh.?max_auth_tries.orValue(6) <= 4`, budgetNone},
		{`resource.listening.all(l, l.port != 23)`, budgetTime},
		{`resource.listening.map(l, l.port).exists(p, p == 22)`, budgetTime}, // chained, not nested
		{`resource.listening.exists_one(l, l.port == 22)`, budgetTime},
		{`resource.listening.all(l, resource.listening.all(m, l.port != m.port || l == m))`, budgetCost}, // nested
		{`string(resource.os) + "x" == "y"`, budgetCost},
		{`resource.os.split(" ").size() > 1`, budgetCost},
		{`sets.contains(resource.listening_ports, [22])`, budgetCost},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			e, err := env()
			if err != nil {
				t.Fatal(err)
			}
			ast, iss := e.Compile(tt.expr)
			if iss.Err() != nil {
				t.Fatal(iss.Err())
			}
			if got := classify(ast.NativeRep()); got != tt.want {
				t.Errorf("classify = %v, want %v", got, tt.want)
			}
		})
	}
}

// A loop that is quadratic in a huge fact stops when the resource's time is up.
func TestResourceTimeLimit(t *testing.T) {
	defer func(d time.Duration) { maxResourceTime = d }(maxResourceTime)
	maxResourceTime = 100 * time.Millisecond
	ports := make([]any, 200_000)
	for i := range ports {
		ports[i] = int64(i)
	}
	res := collect.Resource{Facts: map[string]any{"ports": ports}}
	r := MustCompile(`resource.ports.all(p, p in resource.ports)`) // 4·10¹⁰ comparisons
	start := time.Now()
	got := r.Eval(context.Background(), res)
	if got.Outcome != Error || !strings.Contains(got.Message, "took too long") {
		t.Errorf("Eval = %+v, want a time-limit error", got)
	}
	var results []Result
	if err := EvalAll(context.Background(), []*Rule{r}, []collect.Resource{res}, func(_, _ int, r Result) { results = append(results, r) }); err != nil {
		t.Fatal(err)
	}
	if len(results) != 1 || results[0].Outcome != Error {
		t.Errorf("EvalAll results = %+v", results)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
}

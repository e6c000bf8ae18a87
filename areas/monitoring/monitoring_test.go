package monitoring_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/areas/areastest"
	"github.com/bulwark-isms/bulwark/areas/controls"
	"github.com/bulwark-isms/bulwark/areas/evidence"
	"github.com/bulwark-isms/bulwark/areas/monitoring"
	"github.com/bulwark-isms/bulwark/collect"
	"github.com/bulwark-isms/bulwark/collect/collecttest"
	"github.com/bulwark-isms/bulwark/schedule"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
	"github.com/bulwark-isms/bulwark/web"
)

// expiringTLS serves a certificate for 127.0.0.1 that expires in 10 days.
func expiringTLS(t *testing.T) string {
	t.Helper()
	pki, err := collecttest.NewPKI([]string{"127.0.0.1"}, time.Now().Add(-time.Hour), time.Now().Add(10*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := collecttest.ServeTLS(&tls.Config{Certificates: []tls.Certificate{pki.Leaf}, MinVersion: tls.VersionTLS12})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln.Addr().String()
}

func allow(spec string) areastest.Option {
	return func(a *app.Config, _ *web.Config) {
		a.CollectorAllow, a.SecretKey = spec, []byte(strings.Repeat("s", 32))
	}
}

// TestBuiltinChecksSeeded: every organisation starts with the built-in checks,
// each mapped to Annex A controls it has, off until a collector of its kind exists.
func TestBuiltinChecksSeeded(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		mgr := f.Accounts[bulwark.RoleManager].Token
		checks := areastest.Decode[areastest.List](t, f.Do("GET", "/api/v1/checks", areastest.Req{Token: mgr}))
		if len(checks.Items) < 25 || len(checks.Items) != len(collect.Builtins()) {
			t.Fatalf("%d checks seeded, %d built in", len(checks.Items), len(collect.Builtins()))
		}
		kinds := map[string]int{}
		for _, c := range checks.Items {
			kinds[c["kind"].(string)]++
			if c["builtin"] != true || c["enabled"] != false || len(c["control_ids"].([]any)) == 0 {
				t.Errorf("%s %s: builtin %v enabled %v controls %v", c["ref"], c["name"], c["builtin"], c["enabled"], c["control_ids"])
			}
		}
		if len(kinds) != 5 {
			t.Errorf("kinds: %v", kinds)
		}
	})
}

// TestTLSCheckFlagsControlsAndKeepsEvidence: a TLS collector against a real
// loopback server whose certificate expires in 10 days; the built-in checks turn
// on, the expiry check fails, its controls need attention until a person
// accepts why; every run is a revision of the check's one evidence item; the
// scheduler runs a due check; what the allow-list does not name is refused.
func TestTLSCheckFlagsControlsAndKeepsEvidence(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		target := expiringTLS(t)
		f := areastest.New(t, db, allow("127.0.0.1"))
		mgr, contributor := f.Accounts[bulwark.RoleManager].Token, f.Accounts[bulwark.RoleContributor].Token
		if res := f.Do("POST", "/api/v1/collectors", areastest.Req{Token: contributor, JSON: `{"kind":"tls","name":"Portal","config":{"target":"` + target + `"}}`}); res.StatusCode != 403 {
			t.Fatalf("contributor adds a collector: %d", res.StatusCode)
		}
		res := f.Do("POST", "/api/v1/collectors", areastest.Req{Token: mgr, JSON: `{"kind":"tls","name":"Customer portal","config":{"target":"` + target + `"}}`})
		if res.StatusCode != 201 {
			t.Fatalf("collector: %d %s", res.StatusCode, res.Text)
		}
		col := areastest.Decode[monitoring.Collector](t, res)
		runs := areastest.Decode[areastest.List](t, f.Do("POST", "/api/v1/collectors/"+col.ID+"/collect", areastest.Req{Token: mgr, JSON: `{}`}))
		if len(runs.Items) < 4 {
			t.Fatalf("%d checks ran on collect", len(runs.Items))
		}
		checks := areastest.Decode[[]monitoring.Check](t, &areastest.Resp{Text: itemsOf(t, f.Do("GET", "/api/v1/checks?kind=tls", areastest.Req{Token: mgr}))})
		var expiry *monitoring.Check
		for i := range checks {
			if !checks[i].Enabled {
				t.Errorf("%s stayed off after its collector was added", checks[i].Ref)
			}
			if checks[i].BuiltinKey == "tls.certificate.not_expiring" {
				expiry = &checks[i]
			}
		}
		if expiry == nil || expiry.Status != "fail" || expiry.Failed != 1 || expiry.EvidenceID == nil {
			t.Fatalf("expiry check: %+v", expiry)
		}
		run := areastest.Decode[areastest.List](t, f.Do("GET", "/api/v1/checks/"+expiry.ID+"/runs", areastest.Req{Token: mgr})).Items[0]
		one := areastest.Decode[monitoring.Run](t, f.Do("GET", "/api/v1/checks/"+expiry.ID+"/runs/"+run["id"].(string), areastest.Req{Token: mgr}))
		if len(one.Results) != 1 || one.Results[0].Outcome != "fail" || one.Results[0].Facts["days_to_expiry"] == nil {
			t.Fatalf("run results: %+v", one.Results)
		}
		ctl := expiry.ControlIDs[0]
		c := areastest.Decode[controls.Control](t, f.Do("GET", "/api/v1/controls/"+ctl, areastest.Req{Token: mgr}))
		if !c.NeedsAttention || c.Status == "" {
			t.Fatalf("control after a failing check: needs attention %v", c.NeedsAttention)
		}
		statusBefore := c.Status
		// The check's evidence: one item, a revision per run, the results as a JSON file.
		ev := areastest.Decode[evidence.Evidence](t, f.Do("GET", "/api/v1/evidence/"+*expiry.EvidenceID, areastest.Req{Token: mgr}))
		if ev.CheckID == nil || ev.Kind != "file" || ev.ContentType != "application/json" || len(ev.ControlIDs) == 0 {
			t.Fatalf("check evidence: %+v", ev)
		}
		if res := f.Do("POST", "/api/v1/checks/"+expiry.ID+"/run", areastest.Req{Token: mgr, JSON: `{}`}); res.StatusCode != 201 {
			t.Fatalf("run now: %d %s", res.StatusCode, res.Text)
		}
		ev = areastest.Decode[evidence.Evidence](t, f.Do("GET", "/api/v1/evidence/"+*expiry.EvidenceID, areastest.Req{Token: mgr}))
		if ev.Revision != 2 {
			t.Fatalf("evidence after two runs: revision %d", ev.Revision)
		}
		file := f.Do("GET", "/api/v1/evidence/"+ev.ID+"/file", areastest.Req{Token: mgr})
		var doc map[string]any
		if err := json.Unmarshal([]byte(file.Text), &doc); err != nil || doc["status"] != "fail" {
			t.Fatalf("run file: %v %.200s", err, file.Text)
		}
		// Accepting with a reason clears the attention, never the status.
		if res := f.Do("POST", "/api/v1/checks/"+expiry.ID+"/accept", areastest.Req{Token: mgr, JSON: `{"reason":""}`}); res.StatusCode != 422 {
			t.Fatalf("accept without a reason: %d", res.StatusCode)
		}
		if res := f.Do("POST", "/api/v1/checks/"+expiry.ID+"/accept", areastest.Req{Token: mgr, JSON: `{"reason":"Renewal ordered on 2026-12-01; the CA issues within a week."}`}); res.StatusCode != 200 {
			t.Fatalf("accept: %d %s", res.StatusCode, res.Text)
		}
		c = areastest.Decode[controls.Control](t, f.Do("GET", "/api/v1/controls/"+ctl, areastest.Req{Token: mgr}))
		others := 0
		for _, k := range checks {
			if k.ID != expiry.ID && k.Status == "fail" && contains(k.ControlIDs, ctl) {
				others++
			}
		}
		if c.NeedsAttention != (others > 0) || c.Status != statusBefore {
			t.Fatalf("after accepting: needs attention %v (other failing checks %d), status %s → %s", c.NeedsAttention, others, statusBefore, c.Status)
		}
		// The scheduler runs due checks: each run put its check's next one a day on; a day passes.
		var due time.Time
		if err := db.View(context.Background(), func(tx *sqlstore.Tx) error {
			return tx.QueryRow(context.Background(), `SELECT due_at FROM jobs WHERE kind = 'check' ORDER BY due_at LIMIT 1`).Scan(&due)
		}); err != nil || time.Until(due) < 23*time.Hour {
			t.Fatalf("next run due %v (%v), want a day after the last", due, err)
		}
		if err := db.Write(context.Background(), func(tx *sqlstore.Tx) error {
			_, err := tx.Exec(context.Background(), `UPDATE jobs SET due_at = ? WHERE kind = 'check'`, time.Now().Add(-time.Minute))
			return err
		}); err != nil {
			t.Fatal(err)
		}
		s := schedule.New(db, nil, schedule.Options{Instance: "test"})
		for kind, h := range f.Svc.Jobs() {
			s.Handle(kind, h)
		}
		if n, err := s.RunDue(context.Background()); err != nil || n < len(checks) {
			t.Fatalf("scheduler ran %d jobs (%v), want at least %d", n, err, len(checks))
		}
		sched := areastest.Decode[areastest.List](t, f.Do("GET", "/api/v1/checks/"+expiry.ID+"/runs", areastest.Req{Token: mgr}))
		if sched.Items[0]["trigger"] != "schedule" || len(sched.Items) != 3 {
			t.Fatalf("runs after the scheduler: %v", sched.Items)
		}
		// A target outside --collector-allow is never reached.
		res = f.Do("POST", "/api/v1/collectors", areastest.Req{Token: mgr, JSON: `{"kind":"git","name":"Server files","config":{"path":"/etc"}}`})
		gitCol := areastest.Decode[monitoring.Collector](t, res)
		f.Do("POST", "/api/v1/collectors/"+gitCol.ID+"/collect", areastest.Req{Token: mgr, JSON: `{}`})
		gitCol = areastest.Decode[monitoring.Collector](t, f.Do("GET", "/api/v1/collectors/"+gitCol.ID, areastest.Req{Token: mgr}))
		if !strings.Contains(gitCol.LastError, "collector-allow") || gitCol.Resources != 0 {
			t.Fatalf("a path outside the allow-list: %+v", gitCol)
		}
	})
}

func contains(ids []string, id string) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// itemsOf returns a list response's items as JSON.
func itemsOf(t *testing.T, res *areastest.Resp) string {
	t.Helper()
	var l struct {
		Items json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal([]byte(res.Text), &l); err != nil {
		t.Fatalf("%d %s", res.StatusCode, res.Text)
	}
	return string(l.Items)
}

// TestCustomCheckAndRuleErrors: a rule that does not compile is a 422 with the
// compiler's message; a rule is tried on the last facts without saving; a
// built-in rule cannot be changed.
func TestCustomCheckAndRuleErrors(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		target := expiringTLS(t)
		f := areastest.New(t, db, allow("127.0.0.1"))
		mgr := f.Accounts[bulwark.RoleManager].Token
		col := areastest.Decode[monitoring.Collector](t, f.Do("POST", "/api/v1/collectors", areastest.Req{Token: mgr, JSON: `{"kind":"tls","name":"Portal","config":{"target":"` + target + `"}}`}))
		f.Do("POST", "/api/v1/collectors/"+col.ID+"/collect", areastest.Req{Token: mgr, JSON: `{}`})
		res := f.Do("POST", "/api/v1/checks", areastest.Req{Token: mgr, JSON: `{"name":"Broken","kind":"tls","rule":"resource.days_to_expiry >"}`})
		if res.StatusCode != 422 || !strings.Contains(res.Text, `"field":"rule"`) || !strings.Contains(res.Text, "Syntax error") {
			t.Fatalf("a rule that does not compile: %d %s", res.StatusCode, res.Text)
		}
		if res := f.Do("POST", "/api/v1/checks/test", areastest.Req{Token: f.Accounts[bulwark.RoleAuditor].Token, JSON: `{"kind":"tls","rule":"true"}`}); res.StatusCode != 403 {
			t.Fatalf("an auditor trying a rule: %d", res.StatusCode)
		}
		res = f.Do("POST", "/api/v1/checks/test", areastest.Req{Token: mgr, JSON: `{"kind":"tls","rule":"resource.days_to_expiry >= 7"}`})
		tr := areastest.Decode[monitoring.TestResult](t, res)
		if tr.Collectors != 1 || tr.Passed != 1 || tr.Failed != 0 {
			t.Fatalf("test: %+v", tr)
		}
		res = f.Do("POST", "/api/v1/checks", areastest.Req{Token: mgr, JSON: `{"name":"A week's notice","kind":"tls","rule":"resource.days_to_expiry >= 7","schedule":"hourly"}`})
		if res.StatusCode != 201 {
			t.Fatalf("create: %d %s", res.StatusCode, res.Text)
		}
		own := areastest.Decode[monitoring.Check](t, res)
		if own.Builtin || !own.Enabled || own.Schedule != "hourly" || own.NextRunAt == nil || !strings.HasPrefix(own.Ref, "CHK-") {
			t.Fatalf("own check: %+v", own)
		}
		run := areastest.Decode[monitoring.Run](t, f.Do("POST", "/api/v1/checks/"+own.ID+"/run", areastest.Req{Token: mgr, JSON: `{}`}))
		if run.Status != "pass" || run.Passed != 1 {
			t.Fatalf("own run: %+v", run)
		}
		builtin := areastest.Decode[[]monitoring.Check](t, &areastest.Resp{Text: itemsOf(t, f.Do("GET", "/api/v1/checks?kind=tls", areastest.Req{Token: mgr}))})[0]
		if res := f.Do("PATCH", "/api/v1/checks/"+builtin.ID, areastest.Req{Token: mgr, JSON: `{"rule":"true"}`}); res.StatusCode != 422 {
			t.Fatalf("changing a built-in rule: %d", res.StatusCode)
		}
		if res := f.Do("PATCH", "/api/v1/checks/"+builtin.ID, areastest.Req{Token: mgr, JSON: `{"enabled":false}`}); res.StatusCode != 200 {
			t.Fatalf("turning a built-in check off: %d %s", res.StatusCode, res.Text)
		}
	})
}

// TestAgentFacts: a host collector's agent token posts that host's facts (read
// by the real host collector from a fixture root) and does nothing else; the
// host's checks run; a postgres connection string is stored sealed.
func TestAgentFacts(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db, allow(""))
		mgr, contributor := f.Accounts[bulwark.RoleManager].Token, f.Accounts[bulwark.RoleContributor].Token
		col := areastest.Decode[monitoring.Collector](t, f.Do("POST", "/api/v1/collectors", areastest.Req{Token: mgr, JSON: `{"kind":"host","name":"web-01"}`}))
		if res := f.Do("POST", "/api/v1/collectors/"+col.ID+"/agent-token", areastest.Req{Token: contributor, JSON: `{}`}); res.StatusCode != 403 {
			t.Fatalf("a contributor's agent token: %d", res.StatusCode)
		}
		if res := f.Do("POST", "/api/v1/tokens", areastest.Req{Token: mgr, JSON: `{"name":"x","scope":"agent"}`}); res.StatusCode != 422 {
			t.Fatalf("an unbound agent token: %d %s", res.StatusCode, res.Text)
		}
		res := f.Do("POST", "/api/v1/collectors/"+col.ID+"/agent-token", areastest.Req{Token: mgr, JSON: `{}`})
		if res.StatusCode != 201 {
			t.Fatalf("agent token: %d %s", res.StatusCode, res.Text)
		}
		agent := areastest.Decode[bulwark.APIToken](t, res).Token
		rs, err := collect.Host("../../collect/collecttest/hostroot")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := json.Marshal(map[string]any{"resources": rs})
		res = f.Do("POST", "/api/v1/agent/facts", areastest.Req{Token: agent, JSON: string(body)})
		if res.StatusCode != 200 {
			t.Fatalf("facts: %d %s", res.StatusCode, res.Text)
		}
		runs := areastest.Decode[areastest.List](t, res)
		failing := 0
		for _, r := range runs.Items {
			if r["status"] != "pass" {
				failing++
			}
		}
		if len(runs.Items) < 8 || failing == 0 {
			t.Fatalf("host checks: %d ran, %d failing", len(runs.Items), failing)
		}
		// A second host posting: checks over every host judge both, so one host cannot hide another's failure.
		col2 := areastest.Decode[monitoring.Collector](t, f.Do("POST", "/api/v1/collectors", areastest.Req{Token: mgr, JSON: `{"kind":"host","name":"web-02"}`}))
		agent2 := areastest.Decode[bulwark.APIToken](t, f.Do("POST", "/api/v1/collectors/"+col2.ID+"/agent-token", areastest.Req{Token: mgr, JSON: `{}`})).Token
		res = f.Do("POST", "/api/v1/agent/facts", areastest.Req{Token: agent2, JSON: string(body)})
		for _, r := range areastest.Decode[areastest.List](t, res).Items {
			if r["status"] == "fail" && r["failed"].(float64) != 2 {
				t.Errorf("a failing check over both hosts counted %v failures, want 2", r["failed"])
			}
		}
		for _, path := range []string{"/api/v1/me", "/api/v1/checks", "/api/v1/collectors/" + col.ID} {
			if res := f.Do("GET", path, areastest.Req{Token: agent}); res.StatusCode != 403 {
				t.Errorf("agent token on GET %s: %d", path, res.StatusCode)
			}
		}
		if res := f.Do("POST", "/api/v1/agent/facts", areastest.Req{Token: mgr, JSON: string(body)}); res.StatusCode != 403 {
			t.Fatalf("a manager's token posting facts: %d", res.StatusCode)
		}
		if res := f.Do("POST", "/api/v1/agent/facts", areastest.Req{Token: agent, JSON: `{"resources":[]}`}); res.StatusCode != 422 {
			t.Fatalf("no resources: %d", res.StatusCode)
		}
		// A new token replaces the old one.
		f.Do("POST", "/api/v1/collectors/"+col.ID+"/agent-token", areastest.Req{Token: mgr, JSON: `{}`})
		if res := f.Do("POST", "/api/v1/agent/facts", areastest.Req{Token: agent, JSON: string(body)}); res.StatusCode != 401 {
			t.Fatalf("a replaced agent token: %d", res.StatusCode)
		}
		// A connection string is sealed at rest and never answered.
		for _, dsn := range []string{"postgres://db.internal/app", "postgres://u:p@db.internal/app?sslrootcert=/etc/shadow", "host=db user=u password=p"} {
			if res := f.Do("POST", "/api/v1/collectors", areastest.Req{Token: mgr, JSON: `{"kind":"postgres","name":"x","connection_string":"` + dsn + `"}`}); res.StatusCode != 422 {
				t.Errorf("connection string %s: %d", dsn, res.StatusCode)
			}
		}
		res = f.Do("POST", "/api/v1/collectors", areastest.Req{Token: mgr, JSON: `{"kind":"postgres","name":"App database","connection_string":"postgres://auditor:hunter2@secret@db.internal:5432/app?sslmode=require"}`})
		if res.StatusCode != 201 || strings.Contains(res.Text, "hunter2") || strings.Contains(res.Text, "secret@") {
			t.Fatalf("postgres collector: %d %s", res.StatusCode, res.Text)
		}
		var stored string
		if err := db.View(context.Background(), func(tx *sqlstore.Tx) error {
			return tx.QueryRow(context.Background(), `SELECT secret FROM collectors WHERE kind = 'postgres'`).Scan(&stored)
		}); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(stored, "hunter2") || !strings.HasPrefix(stored, "v1:") {
			t.Fatalf("stored secret: %q", stored)
		}
	})
}

func TestMain(m *testing.M) { os.Exit(m.Run()) }

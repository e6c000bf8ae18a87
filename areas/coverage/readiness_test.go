package coverage_test

import (
	"strings"
	"testing"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/areas/areastest"
	"github.com/bulwark-isms/bulwark/areas/coverage"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
)

func TestBuildReadiness(t *testing.T) {
	clauses := []coverage.ClauseInfo{{Ref: "6.1", Heading: true, Mandates: "no (heading)"}, {Ref: "6.1.2", Title: "Risk assessment", Mandates: "yes: the process"},
		{Ref: "6.1.3", Title: "Risk treatment", Mandates: "yes: the SoA"}, {Ref: "6.2", Title: "Objectives", Mandates: "yes: the objectives"}, {Ref: "7.3", Mandates: "no"}}
	state := func(rep *coverage.ReadinessReport, title string) coverage.Line {
		for _, l := range rep.Lines {
			if strings.Contains(l.Title, title) {
				return l
			}
		}
		t.Fatalf("no line %q", title)
		return coverage.Line{}
	}
	bad := coverage.BuildReadiness(coverage.ReadinessInput{Clauses: clauses, Controls: 93, NotStarted: 5, NoOwner: 2, NoReason: 93, SoAStatus: "draft", SoARevision: 1,
		Risks: 10, RiskNoOwner: 1, RiskNoTreatment: 3, RiskAwaitingSignOff: 4, Tier1Suppliers: 1})
	for title, want := range map[string]string{"the process": "missing", "the SoA": "missing", "the objectives": "missing", "acknowledged the policies": "missing", "decided status": "missing",
		"has an owner": "missing", "says why": "missing", "Every risk has an owner": "missing", "has a treatment": "missing", "signed off": "missing", "is approved": "missing"} {
		if l := state(bad, title); l.State != want {
			t.Errorf("%s: %s, want %s (%s)", title, l.State, want, l.Detail)
		}
	}
	if d := state(bad, "The Statement of Applicability is approved").Detail; !strings.Contains(d, "since revision 1") {
		t.Errorf("SoA detail: %s", d)
	}
	if len(bad.Lines) != 18 || bad.ClauseState["6.1.3"] != "missing" || bad.ClauseState["6.2"] != "missing" || bad.Percent != 0 {
		t.Errorf("%d lines, clause states %v, %d%%", len(bad.Lines), bad.ClauseState, bad.Percent)
	}
	good := coverage.BuildReadiness(coverage.ReadinessInput{Clauses: clauses, Controls: 93, SoAStatus: "approved", SoARevision: 2, Risks: 10, MethodologyApproved: true,
		Objectives: 3, Metrics: 4, MetricsMeasured: 4, AckAsked: 40, AckDone: 40, Evidence: 30, ImplementedControls: 20,
		ContextIssues: 3, InterestedParties: 2, PartyRequirements: 5, Obligations: 4, Incidents: 2})
	if good.Counts["missing"] != 0 || good.Counts["ok"] != 18 || good.Percent != 100 || good.ClauseState["6.1.3"] != "ok" {
		t.Errorf("all in order: %v, %d%%, %v", good.Counts, good.Percent, good.ClauseState)
	}
}

// TestPerformanceLines: the lines of 6.2, 9.1 (measurements), 9.2, 9.3 and 10.2, each from its inputs.
func TestPerformanceLines(t *testing.T) {
	clauses := []coverage.ClauseInfo{{Ref: "6.2", Mandates: "yes: the objectives"}, {Ref: "9.2.2", Mandates: "yes: the audit programme"},
		{Ref: "9.3.3", Mandates: "yes: review results"}, {Ref: "10.2", Mandates: "yes: nonconformities"}}
	base := coverage.ReadinessInput{Clauses: clauses, Today: "2026-12-02", Objectives: 2, Metrics: 3, MetricsMeasured: 3, AuditsCompleted: 1,
		ReviewLast: "2026-06-30", ReviewComplete: true, NCOpen: 2}
	cases := []struct {
		name   string
		change func(in *coverage.ReadinessInput)
		clause string
		want   string
		detail string
	}{
		{"objectives in order", func(in *coverage.ReadinessInput) {}, "6.2", "ok", "2 security objectives"},
		{"no objective", func(in *coverage.ReadinessInput) { in.Objectives = 0 }, "6.2", "missing", "No security objective"},
		{"an objective without a metric", func(in *coverage.ReadinessInput) { in.ObjectivesNoMetric = 1 }, "6.2", "missing", "without a metric"},
		{"metrics measured", func(in *coverage.ReadinessInput) {}, "9.1", "ok", "recent measurements"},
		{"a metric never measured", func(in *coverage.ReadinessInput) { in.MetricsMeasured = 2 }, "9.1", "missing", "never been measured"},
		{"a metric stale", func(in *coverage.ReadinessInput) { in.MetricsStale = 1 }, "9.1", "missing", "two of its periods"},
		{"an audit covering the ISMS", func(in *coverage.ReadinessInput) {}, "9.2.2", "ok", "cover every clause"},
		{"no audit", func(in *coverage.ReadinessInput) { in.AuditsCompleted = 0 }, "9.2.2", "missing", "No internal audit"},
		{"an audit missing clauses", func(in *coverage.ReadinessInput) { in.AuditUncovered = []string{"7.4", "8.1"} }, "9.2.2", "missing", "7.4, 8.1"},
		{"a recent complete review", func(in *coverage.ReadinessInput) {}, "9.3.3", "ok", "2026-06-30"},
		{"no review", func(in *coverage.ReadinessInput) { in.ReviewLast = "" }, "9.3.3", "missing", "No management review"},
		{"an old review", func(in *coverage.ReadinessInput) { in.ReviewLast = "2025-11-30" }, "9.3.3", "missing", "more than 12 months"},
		{"an incomplete review", func(in *coverage.ReadinessInput) { in.ReviewComplete = false }, "9.3.3", "missing", "lacks some of the inputs"},
		{"nonconformities on time", func(in *coverage.ReadinessInput) {}, "10.2", "ok", "2 open nonconformities"},
		{"a nonconformity late without reason", func(in *coverage.ReadinessInput) { in.NCPastDue = 1 }, "10.2", "missing", "no reason recorded"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := base
			c.change(&in)
			rep := coverage.BuildReadiness(in)
			for _, l := range rep.Lines {
				if l.Clause == c.clause && (c.clause != "9.1" || l.Section == "Performance evaluation") {
					if l.State != c.want || !strings.Contains(l.Detail, c.detail) {
						t.Errorf("%s: %s %q, want %s naming %q", c.clause, l.State, l.Detail, c.want, c.detail)
					}
					return
				}
			}
			t.Fatalf("no line for %s", c.clause)
		})
	}
}

func TestReadinessOfTheOrganisation(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		mgr := f.Accounts[bulwark.RoleManager].Token
		get := func() *coverage.ReadinessReport {
			res := f.Do("GET", "/api/v1/readiness", areastest.Req{Token: mgr})
			if res.StatusCode != 200 {
				t.Fatalf("readiness: %d %s", res.StatusCode, res.Text)
			}
			return areastest.Decode[*coverage.ReadinessReport](t, res)
		}
		line := func(rep *coverage.ReadinessReport, title string) coverage.Line {
			for _, l := range rep.Lines {
				if strings.Contains(l.Title, title) {
					return l
				}
			}
			t.Fatalf("no line %q in %+v", title, rep.Lines)
			return coverage.Line{}
		}
		rep := get()
		// 14 clauses mandate documented information, then awareness, context issues, interested parties, obligations,
		// incidents, suppliers, 4 control lines, measurements, 3 risk lines and the SoA.
		if len(rep.Lines) != 29 || line(rep, "Statement of Applicability is approved").State != "missing" || line(rep, "6.1.2").State != "ok" {
			t.Fatalf("a fresh organisation: %d lines, %+v", len(rep.Lines), rep.Counts)
		}
		if l := line(rep, "decided status"); l.State != "missing" || !strings.Contains(l.Detail, "93 controls") || l.Link != "/controls?status=not_started" {
			t.Errorf("controls not started: %+v", l)
		}
		f.Do("POST", "/api/v1/soa/submit", areastest.Req{Token: mgr, JSON: `{}`})
		f.Do("POST", "/api/v1/soa/approve", areastest.Req{Token: f.Accounts[bulwark.RoleOwner].Token, JSON: `{}`})
		if l := line(get(), "Statement of Applicability is approved"); l.State != "ok" {
			t.Errorf("after approval: %+v", l)
		}
		f.Do("POST", "/api/v1/risks", areastest.Req{Token: mgr, JSON: `{"title":"Unowned risk","inherent_likelihood":3,"inherent_impact":3}`})
		rep = get()
		if l := line(rep, "Every risk has an owner"); l.State != "missing" || !strings.Contains(l.Detail, "1 risk without an owner") {
			t.Errorf("an unowned risk: %+v", l)
		}
		if l := line(rep, "Every assessed risk has a treatment"); l.State != "missing" {
			t.Errorf("an untreated risk: %+v", l)
		}
		// The information security policy, published and acknowledged, answers 5.2, 7.5.1 and 7.3.
		for _, want := range []string{"5.2 ", "7.5.1", "7.2 ", "acknowledged the policies"} {
			if l := line(rep, want); l.State != "missing" {
				t.Errorf("%s before any document or training: %+v", want, l)
			}
		}
		doc := areastest.Decode[struct{ ID string }](t, f.Do("POST", "/api/v1/documents", areastest.Req{Token: mgr, JSON: `{"template_id":"information-security-policy"}`}))
		f.Do("POST", "/api/v1/documents/"+doc.ID+"/submit", areastest.Req{Token: mgr, JSON: `{}`})
		f.Do("POST", "/api/v1/documents/"+doc.ID+"/approve", areastest.Req{Token: f.Accounts[bulwark.RoleOwner].Token, JSON: `{}`})
		f.Do("POST", "/api/v1/documents/"+doc.ID+"/publish", areastest.Req{Token: mgr, JSON: `{}`})
		f.Do("POST", "/api/v1/people", areastest.Req{Token: mgr, JSON: `{"name":"Eve","email":"` + f.Accounts[bulwark.RoleEmployee].Email + `"}`})
		f.Do("POST", "/api/v1/documents/"+doc.ID+"/acknowledgement-requests", areastest.Req{Token: mgr, JSON: `{"everyone":true}`})
		rep = get()
		if l := line(rep, "5.2 "); l.State != "ok" {
			t.Errorf("5.2 with the policy published: %+v", l)
		}
		if l := line(rep, "7.5.1"); l.State != "ok" {
			t.Errorf("7.5.1 with a document in its review cycle: %+v", l)
		}
		if l := line(rep, "acknowledged the policies"); l.State != "missing" || !strings.Contains(l.Detail, "0 of 1") {
			t.Errorf("7.3 before the acknowledgement: %+v", l)
		}
		f.Do("POST", "/api/v1/documents/"+doc.ID+"/acknowledge", areastest.Req{Token: f.Accounts[bulwark.RoleEmployee].Token, JSON: `{}`})
		if l := line(get(), "acknowledged the policies"); l.State != "ok" {
			t.Errorf("7.3 after the acknowledgement: %+v", l)
		}
		// ISO coverage takes the clauses' state from readiness.
		iso := areastest.Decode[*coverage.Report](t, f.Do("GET", "/api/v1/frameworks/iso27001-2022/coverage", areastest.Req{Token: mgr}))
		states := map[string]string{}
		for _, c := range iso.Clauses {
			states[c.Ref] = c.State
		}
		if states["6.1.2"] != "not_covered" || states["4.1"] != "not_covered" || states["4.4"] != "not_assessed" || len(states) != 30 {
			t.Errorf("ISO clauses: %v", states)
		}
		if res := f.Do("GET", "/api/v1/readiness", areastest.Req{Token: f.Accounts[bulwark.RoleEmployee].Token}); res.StatusCode != 403 {
			t.Errorf("an employee reads readiness: %d", res.StatusCode)
		}
	})
}

// TestContextAndOperationsLines: the lines of 4.1–4.3, A.5.31, A.5.27 and A.5.22, each from its inputs.
func TestContextAndOperationsLines(t *testing.T) {
	base := coverage.ReadinessInput{Clauses: []coverage.ClauseInfo{{Ref: "4.3", Title: "Scope", Mandates: "yes: the scope"}}, ScopeStatus: "approved", ScopeRevision: 2,
		ContextIssues: 4, InterestedParties: 3, PartyRequirements: 7, Obligations: 10, Incidents: 3, ClosedNeedingLessons: 1, ClosedWithLessons: 1, Tier1Suppliers: 2, Tier1Assured: 2}
	cases := []struct {
		name   string
		change func(in *coverage.ReadinessInput)
		clause string
		want   string
		detail string
	}{
		{"scope approved", func(in *coverage.ReadinessInput) {}, "4.3", "ok", "revision 2"},
		{"scope never approved", func(in *coverage.ReadinessInput) { in.ScopeStatus, in.ScopeRevision = "draft", 0 }, "4.3", "missing", "never been approved"},
		{"scope changed since", func(in *coverage.ReadinessInput) { in.ScopeStatus = "draft" }, "4.3", "missing", "since revision 2"},
		{"issues", func(in *coverage.ReadinessInput) {}, "4.1", "ok", "4 issues"},
		{"no issue", func(in *coverage.ReadinessInput) { in.ContextIssues = 0 }, "4.1", "missing", "No internal or external issue"},
		{"issue review due", func(in *coverage.ReadinessInput) { in.IssuesReviewDue = 1 }, "4.1", "missing", "1 issue past its review date"},
		{"parties", func(in *coverage.ReadinessInput) {}, "4.2", "ok", "7 requirements"},
		{"parties without requirements", func(in *coverage.ReadinessInput) { in.PartyRequirements = 0 }, "4.2", "missing", "No interested party"},
		{"obligations", func(in *coverage.ReadinessInput) {}, "A.5.31", "ok", "10 obligations"},
		{"no obligations", func(in *coverage.ReadinessInput) { in.Obligations = 0 }, "A.5.31", "missing", "adopt the GDPR or HIPAA"},
		{"obligations past review", func(in *coverage.ReadinessInput) { in.ObligationsPastReview = 2 }, "A.5.31", "missing", "2 obligations past"},
		{"incidents", func(in *coverage.ReadinessInput) {}, "A.5.27", "ok", "3 incidents"},
		{"no incidents", func(in *coverage.ReadinessInput) { in.Incidents = 0 }, "A.5.27", "missing", "No incident"},
		{"lessons missing", func(in *coverage.ReadinessInput) { in.ClosedNeedingLessons = 3 }, "A.5.27", "missing", "2 of 3 closed"},
		{"suppliers assured", func(in *coverage.ReadinessInput) {}, "A.5.22", "ok", "2 tier-1 suppliers"},
		{"supplier not assured", func(in *coverage.ReadinessInput) { in.Tier1Assured = 1 }, "A.5.22", "missing", "1 of 2 tier-1"},
		{"no tier-1 supplier", func(in *coverage.ReadinessInput) { in.Tier1Suppliers, in.Tier1Assured = 0, 0 }, "A.5.22", "ok", "nothing to assure"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := base
			c.change(&in)
			rep := coverage.BuildReadiness(in)
			for _, l := range rep.Lines {
				if l.Clause == c.clause {
					if l.State != c.want || !strings.Contains(l.Detail, c.detail) {
						t.Errorf("%s: %s %q, want %s with %q", c.clause, l.State, l.Detail, c.want, c.detail)
					}
					return
				}
			}
			t.Fatalf("no line for %s", c.clause)
		})
	}
}

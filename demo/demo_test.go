package demo_test

import (
	"context"
	"github.com/bulwark-isms/bulwark/areas/audits"
	"github.com/bulwark-isms/bulwark/areas/nonconformities"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/areas/areastest"
	"github.com/bulwark-isms/bulwark/areas/assets"
	"github.com/bulwark-isms/bulwark/areas/controls"
	"github.com/bulwark-isms/bulwark/areas/evidence"
	"github.com/bulwark-isms/bulwark/areas/incidents"
	"github.com/bulwark-isms/bulwark/areas/monitoring"
	"github.com/bulwark-isms/bulwark/areas/objectives"
	"github.com/bulwark-isms/bulwark/areas/obligations"
	"github.com/bulwark-isms/bulwark/areas/risks"
	"github.com/bulwark-isms/bulwark/areas/scope"
	"github.com/bulwark-isms/bulwark/areas/suppliers"
	"github.com/bulwark-isms/bulwark/demo"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
)

// TestSeed seeds the demo and checks what a first visitor meets: every member in
// their role and able to sign in with the printed password, 150 assets, 60 risks
// with owners and scores, a control set half implemented, an intact audit chain;
// and a second seed refused.
func TestSeed(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		svc := areastest.NewService(t, db)
		res, err := demo.Seed(ctx, svc)
		if err != nil {
			t.Fatal(err)
		}
		if res.Org.Slug != "northwind-health-ltd" || res.Email != demo.People[0].Email || !strings.HasPrefix(res.Password, "demo-") {
			t.Fatalf("result: %+v", res)
		}
		p := svc.CLIPrincipal(res.Org, "test")
		ms, err := svc.Members(ctx, p)
		if err != nil || len(ms) != len(demo.People) {
			t.Fatalf("members: %d %v", len(ms), err)
		}
		roles := map[string]bulwark.Role{}
		for _, m := range ms {
			roles[m.Email] = m.Role
		}
		for _, person := range demo.People {
			if roles[person.Email] != person.Role {
				t.Errorf("%s is %q, want %q", person.Email, roles[person.Email], person.Role)
			}
			if _, _, err := svc.SignIn(ctx, person.Email, res.Password, "127.0.0.1", "test", ""); err != nil {
				t.Errorf("%s cannot sign in with the printed password: %v", person.Email, err)
			}
		}
		as, _, err := svc.Assets.Assets(ctx, p, assets.AssetFilter{Limit: 500})
		if err != nil || len(as) != 150 {
			t.Errorf("assets: %d %v", len(as), err)
		}
		rs, _, err := svc.Risks.Risks(ctx, p, risks.RiskFilter{Limit: 500})
		if err != nil || len(rs) != 60 {
			t.Fatalf("risks: %d %v", len(rs), err)
		}
		for _, r := range rs {
			if r.OwnerID == nil || r.InherentScore == nil {
				t.Errorf("%s has no owner or score", r.Ref)
				break
			}
		}
		cs, err := svc.Controls.Controls(ctx, p, controls.ControlFilter{})
		if err != nil {
			t.Fatal(err)
		}
		implemented := 0
		for _, c := range cs {
			if c.Status == "implemented" {
				implemented++
			}
		}
		if len(cs) != 93 || implemented < 20 || implemented > 73 {
			t.Errorf("%d controls, %d implemented: want 93, about half implemented", len(cs), implemented)
		}
		// The SoA: approved as revision 2, revision 1 kept, what changed between them listed.
		soa, err := svc.Controls.SoA(ctx, p)
		if err != nil || soa.Status != "approved" || soa.Revision == nil || *soa.Revision != 2 || soa.ApproverName != "Olivia Hart" {
			t.Fatalf("demo SoA: %+v, %v", soa, err)
		}
		if cmp, err := svc.Controls.CompareSoA(ctx, p, "1", "2"); err != nil || len(cmp.Changes) != 2 {
			t.Errorf("demo SoA revisions 1 → 2: %+v, %v", cmp, err)
		}
		if ga, err := svc.Gaps.Assessment(ctx, p, "GA-001"); err != nil || ga.Status != "finished" || ga.Progress.Answered != 123 || len(ga.Gaps) == 0 {
			t.Errorf("demo gap assessment: %v", err)
		}
		// Four objectives, each owned, with one or two metrics: a year of monthly measurements for each manual
		// metric, the computed one computed once, and only the leavers' objective off track.
		objs, err := svc.Objectives.Objectives(ctx, p, objectives.Filter{})
		if err != nil || len(objs) != 4 {
			t.Fatalf("demo objectives: %d %v", len(objs), err)
		}
		var offTrack []string
		for _, o := range objs {
			if o.Status == objectives.StatusOffTrack {
				offTrack = append(offTrack, o.Title)
			}
			if o.OwnerID == nil || len(o.Metrics) < 1 || len(o.Metrics) > 2 || len(o.ControlIDs) == 0 {
				t.Errorf("%s %s: owner %v, %d metrics, %d controls", o.Ref, o.Title, o.OwnerID, len(o.Metrics), len(o.ControlIDs))
			}
			for _, m := range o.Metrics {
				_, ms, err := svc.Objectives.MetricMeasurements(ctx, p, m.ID)
				want := 12
				if m.Source != objectives.SourceManual {
					want = 1
				}
				if err != nil || len(ms) != want {
					t.Errorf("%s %s: %d measurements, want %d; %v", m.Ref, m.Name, len(ms), want, err)
				}
			}
		}
		if len(offTrack) != 1 || !strings.Contains(offTrack[0], "leavers") {
			t.Errorf("objectives off track: %q, want the leavers' one alone", offTrack)
		}
		// The GDPR and HIPAA suggestions adopted and two contractual obligations: every one owned, linked to
		// controls and due for review; one reviewed today, one past its review date; both regimes apply.
		obls, _, err := svc.Obligations.List(ctx, p, obligations.Filter{})
		if err != nil || len(obls) != len(obligations.Suggestions)+2 {
			t.Fatalf("demo obligations: %d %v", len(obls), err)
		}
		reviewed, past := 0, 0
		for _, o := range obls {
			if o.OwnerID == nil || o.ReviewDate == nil || len(o.ControlIDs) == 0 {
				t.Errorf("%s %s: owner %v, review %v, %d controls", o.Ref, o.Title, o.OwnerID, o.ReviewDate, len(o.ControlIDs))
			}
			if o.LastReviewedOn != nil {
				reviewed++
			}
			if o.PastReview {
				past++
			}
		}
		if reviewed != 1 || past != 1 {
			t.Errorf("demo obligations: %d reviewed, %d past review; want 1 and 1", reviewed, past)
		}
		if regs, err := svc.Obligations.RegimesOf(ctx, p); err != nil || strings.Join(regs, ",") != "gdpr,hipaa" {
			t.Errorf("demo regimes: %v %v", regs, err)
		}
		// Context and scope: issues of both kinds with risks and one overdue for review, parties whose
		// requirements link obligations and controls, and the scope approved as revision 1 by the CEO with one
		// justified exclusion and its boundaries linked to assets.
		issues, _, err := svc.Scope.Issues(ctx, p, scope.IssueFilter{})
		if err != nil || len(issues) < 6 {
			t.Fatalf("demo context issues: %d %v", len(issues), err)
		}
		kinds, due, withRisks := map[string]int{}, 0, 0
		for _, is := range issues {
			kinds[is.Kind]++
			if is.ReviewDue {
				due++
			}
			if len(is.RiskIDs) > 0 {
				withRisks++
			}
		}
		if kinds["external"] == 0 || kinds["internal"] == 0 || due != 1 || withRisks == 0 {
			t.Errorf("demo context issues: kinds %v, %d due for review, %d with risks", kinds, due, withRisks)
		}
		parties, _, err := svc.Scope.Parties(ctx, p, scope.PartyFilter{})
		if err != nil || len(parties) < 5 {
			t.Fatalf("demo parties: %d %v", len(parties), err)
		}
		linked := 0
		for _, pt := range parties {
			if len(pt.ObligationIDs) > 0 {
				linked++
			}
		}
		if linked < 2 {
			t.Errorf("demo parties: %d linked to obligations", linked)
		}
		sc, err := svc.Scope.Scope(ctx, p)
		if err != nil || sc.Status != scope.StatusApproved || sc.Revision == nil || *sc.Revision != 1 || sc.ApproverName != demo.People[0].Name ||
			len(sc.Exclusions) != 1 || sc.Exclusions[0].Justification == "" || len(sc.AssetIDs()) == 0 {
			t.Errorf("demo scope: %+v %v", sc, err)
		}
		// A health-tech CISO's first checks: patient data classified as such, Annex A applicable unless
		// justified, risk titles that read as scenarios.
		byName := map[string]*assets.Asset{}
		for _, a := range as {
			byName[a.Name] = a
		}
		for _, name := range []string{"Patient records", "Electronic health record system"} {
			a := byName[name]
			if a == nil || a.Classification != "Restricted" || !a.PersonalData || !slices.Contains(a.Tags, "phi") {
				t.Errorf("%s: %+v, want Restricted, personal data, tagged phi", name, a)
			}
		}
		if a := byName["Payroll data"]; a == nil || slices.Contains(a.Tags, "clinical") || slices.Contains(a.Tags, "phi") {
			t.Errorf("payroll data tagged as clinical: %+v", a)
		}
		for _, c := range cs {
			if _, excluded := demo.Exclusions[c.Ref]; (c.Status == "not_applicable") != excluded || (excluded && (c.ExclusionJustification == "" || len(c.RiskIDs) > 0)) {
				t.Errorf("%s: %s, justification %q, %d risks", c.Ref, c.Status, c.ExclusionJustification, len(c.RiskIDs))
			}
			if c.Ref == "A.5.9" && c.Status != "implemented" {
				t.Errorf("A.5.9 (the asset inventory the demo shows) is %s", c.Status)
			}
		}
		for _, r := range rs {
			if strings.Contains(r.Title, " affecting ") || regexp.MustCompile(`\d+$`).MatchString(r.Title) {
				t.Errorf("%s: %q does not read as a scenario", r.Ref, r.Title)
			}
		}
		// Evidence for most implemented controls, a few stale, every file readable from the store.
		all, _, err := svc.Evidence.List(ctx, p, evidence.Filter{Limit: 500})
		var evs []*evidence.Evidence
		for _, e := range all {
			if e.CheckID == nil { // a check's runs are its own item
				evs = append(evs, e)
			}
		}
		if err != nil || len(evs) < implemented/2 || len(evs) > implemented {
			t.Fatalf("evidence: %d items for %d implemented controls, %v", len(evs), implemented, err)
		}
		stale, files := 0, 0
		for _, e := range evs {
			if e.Stale {
				stale++
			}
			if e.Kind == "file" {
				files++
				if _, body, err := svc.Evidence.OpenFile(ctx, p, e.ID, 0); err != nil {
					t.Errorf("%s: %v", e.Ref, err)
				} else {
					body.Close()
				}
			}
		}
		if stale == 0 || stale > len(evs)/5 || files == 0 {
			t.Errorf("evidence: %d stale, %d files of %d", stale, files, len(evs))
		}
		// Check results from each collector, produced by the real collectors, a few failing.
		checks, err := svc.Monitoring.Checks(ctx, p, monitoring.CheckFilter{})
		if err != nil {
			t.Fatal(err)
		}
		ran, failing := map[string]int{}, map[string]int{}
		for _, c := range checks {
			if c.LastRunAt != nil {
				ran[c.Kind]++
			}
			if c.Status == "fail" {
				failing[c.Kind]++
			}
		}
		for _, kind := range []string{"host", "tls", "git", "terraform"} {
			if ran[kind] == 0 || failing[kind] == 0 {
				t.Errorf("%s checks: %d ran, %d failing", kind, ran[kind], failing[kind])
			}
		}
		if db.Dialect == sqlstore.Postgres {
			// scripts/pg-start gives the test cluster a password, so under CI the demo's PostgreSQL collector must run.
			pw := ""
			if u, err := url.Parse(db.DSN); err == nil && u.User != nil {
				pw, _ = u.User.Password()
			}
			if (pw != "" || os.Getenv("CI") != "") && (ran["postgres"] == 0 || failing["postgres"] == 0) {
				t.Errorf("postgres checks on PostgreSQL (password set: %t): %d ran, %d failing", pw != "", ran["postgres"], failing["postgres"])
			}
		}
		// The internal audit: closed, two minor nonconformities (one closed, one with an overdue action), three
		// observations; next year planned.
		auds, err := svc.Audits.Audits(ctx, p, 0)
		if err != nil || len(auds) != 3 || auds[0].Status != "closed" || auds[0].Findings != 5 || auds[0].Progress.Audited != auds[0].Progress.Lines {
			t.Errorf("audits: %d %v", len(auds), err)
		}
		obs, err := svc.Audits.Findings(ctx, p, audits.FindingFilter{Classification: "observation"})
		if err != nil || len(obs) != 3 {
			t.Errorf("observations: %d %v", len(obs), err)
		}
		ncs, err := svc.NCs.List(ctx, p, nonconformities.Filter{})
		if err != nil || len(ncs) != 2 {
			t.Fatalf("nonconformities: %d %v", len(ncs), err)
		}
		if st := []string{ncs[0].Status, ncs[1].Status}; st[0] != "analysed" || st[1] != "closed" {
			t.Errorf("nonconformity states %v", st)
		}
		if overdue, err := svc.NCs.Actions(ctx, p, "", true); err != nil || len(overdue) != 1 {
			t.Errorf("overdue corrective actions: %d %v", len(overdue), err)
		}
		if mrs, err := svc.Reviews.List(ctx, p); err != nil || len(mrs) != 1 || mrs[0].Status != "approved" {
			t.Errorf("management reviews: %d %v", len(mrs), err)
		}
		// Incidents: one not an incident, one High closed with its lessons, one breach with the GDPR clock running.
		incs, err := svc.Incidents.Incidents(ctx, p, incidents.Filter{})
		if err != nil || len(incs) != 3 {
			t.Fatalf("incidents: %d %v", len(incs), err)
		}
		states := map[string]*incidents.Incident{}
		for _, i := range incs {
			states[i.Status] = i
		}
		if states["not_an_incident"] == nil || states["closed"] == nil || states["closed"].LessonsLearned == "" || states["contained"] == nil {
			t.Errorf("incident states: %v", states)
		} else if b := states["contained"]; !b.PersonalDataBreach || len(b.Clocks) < 2 || b.Clocks[0].Kind != incidents.ClockGDPRAuthority || b.Clocks[0].State != incidents.ClockRunning {
			t.Errorf("the breach's clocks: %+v", b.Clocks)
		}
		// 25 suppliers across the three tiers, two certificates expiring within 60 days, one questionnaire
		// submitted and one waiting for its answers.
		sups, _, err := svc.Suppliers.List(ctx, p, suppliers.Filter{Limit: 100})
		if err != nil || len(sups) != 25 {
			t.Fatalf("suppliers: %d %v", len(sups), err)
		}
		tiers := map[int]int{}
		for _, s := range sups {
			tiers[s.Tier]++
		}
		if tiers[1] == 0 || tiers[2] == 0 || tiers[3] == 0 {
			t.Errorf("suppliers by tier: %v", tiers)
		}
		if due, err := svc.Suppliers.CertificatesDue(ctx, p, ""); err != nil || len(due) != 2 || due[0].State != suppliers.CertExpiring || due[1].State != suppliers.CertExpiring {
			t.Errorf("certificates due: %+v %v", due, err)
		}
		qstatus := map[string]int{}
		for _, s := range sups {
			qs, err := svc.Suppliers.Questionnaires(ctx, p, s.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, q := range qs {
				qstatus[q.Status]++
			}
		}
		if qstatus[suppliers.QSubmitted] != 1 || qstatus[suppliers.QSent] != 1 || len(qstatus) != 2 {
			t.Errorf("questionnaires: %v", qstatus)
		}
		// With the audit and the review, the readiness lines of 9.2 and 9.3 are ready.
		rep, err := svc.Coverage.Readiness(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range rep.Lines {
			if (l.Clause == "9.2.2" || l.Clause == "9.3.3" || l.Clause == "6.2") && l.State != "ok" {
				t.Errorf("readiness %s: %s %s", l.Clause, l.State, l.Detail)
			}
		}
		if n, brk, err := svc.VerifyChain(ctx, res.Org.ID); err != nil || brk != nil || n < 300 {
			t.Errorf("audit chain: %d entries, %+v %v", n, brk, err)
		}
		if _, err := demo.Seed(ctx, svc); err == nil || !strings.Contains(err.Error(), "already holds organisations") {
			t.Errorf("second seed: %v", err)
		}
	})
}

// TestSeedLarge grows the demo at a small size through the same path as `demo --size large`: the members
// join, the registers gain the imported rows, and the audit chain reaches the size and still verifies.
func TestSeedLarge(t *testing.T) {
	sqltest.SkipUnderRace(t)
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		svc := areastest.NewService(t, db)
		res, err := demo.Seed(ctx, svc)
		if err != nil {
			t.Fatal(err)
		}
		size := demo.Large{Members: len(demo.People) + 4, Assets: 30, Risks: 45, AuditEntries: 25000}
		var progress strings.Builder
		if err := demo.SeedLarge(ctx, svc, res, size, &progress); err != nil {
			t.Fatal(err)
		}
		for _, step := range []string{"members: 4 more", "assets: 30", "risks: 45", "audit history"} {
			if !strings.Contains(progress.String(), step) {
				t.Errorf("progress lacks %q:\n%s", step, progress.String())
			}
		}
		p := svc.CLIPrincipal(res.Org, "test")
		if ms, err := svc.Members(ctx, p); err != nil || len(ms) != size.Members {
			t.Errorf("members: %d %v", len(ms), err)
		}
		if as, _, err := svc.Assets.Assets(ctx, p, assets.AssetFilter{Limit: 500}); err != nil || len(as) != 150+size.Assets {
			t.Errorf("assets: %d %v", len(as), err)
		}
		if rs, _, err := svc.Risks.Risks(ctx, p, risks.RiskFilter{Limit: 500}); err != nil || len(rs) != 60+size.Risks {
			t.Errorf("risks: %d %v", len(rs), err)
		}
		if n, brk, err := svc.VerifyChain(ctx, res.Org.ID); err != nil || brk != nil || n != size.AuditEntries {
			t.Errorf("audit chain: %d entries, want %d; %+v %v", n, size.AuditEntries, brk, err)
		}
	})
}

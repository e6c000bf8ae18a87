package demo_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/areas/areastest"
	"github.com/bulwark-isms/bulwark/areas/assets"
	"github.com/bulwark-isms/bulwark/areas/controls"
	"github.com/bulwark-isms/bulwark/areas/documents"
	"github.com/bulwark-isms/bulwark/areas/evidence"
	"github.com/bulwark-isms/bulwark/areas/frameworks"
	"github.com/bulwark-isms/bulwark/areas/incidents"
	"github.com/bulwark-isms/bulwark/areas/monitoring"
	"github.com/bulwark-isms/bulwark/areas/nonconformities"
	"github.com/bulwark-isms/bulwark/areas/objectives"
	"github.com/bulwark-isms/bulwark/areas/obligations"
	"github.com/bulwark-isms/bulwark/areas/people"
	"github.com/bulwark-isms/bulwark/areas/risks"
	"github.com/bulwark-isms/bulwark/areas/scope"
	"github.com/bulwark-isms/bulwark/areas/suppliers"
	"github.com/bulwark-isms/bulwark/demo"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
	"github.com/bulwark-isms/bulwark/web"
)

// pageChecks runs in the page: what overflows the viewport outside a scrolling box, which form fields have
// no label, and the visible text.
const pageChecks = `(() => {
  const wide = [];
  if (document.documentElement.scrollWidth > innerWidth) {
    for (const e of document.querySelectorAll('body *')) {
      const r = e.getBoundingClientRect();
      if (r.right <= innerWidth + 1) continue;
      let scrolls = false;
      for (let p = e.parentElement; p; p = p.parentElement) if (getComputedStyle(p).overflowX === 'auto') { scrolls = true; break; }
      if (!scrolls) wide.push(e.tagName.toLowerCase() + (e.className ? '.' + e.className : '') + ' ends at ' + Math.round(r.right) + 'px');
    }
  }
  const unlabelled = [];
  for (const e of document.querySelectorAll('input, select, textarea')) {
    if (['hidden', 'submit', 'button', 'reset'].includes(e.type)) continue;
    const named = e.getAttribute('aria-label') || e.getAttribute('aria-labelledby') || e.closest('label') ||
      (e.id && document.querySelector('label[for="' + CSS.escape(e.id) + '"]'));
    if (!named) unlabelled.push(e.outerHTML.slice(0, 120));
  }
  // Code is shown as code (a check's rule, the facts a collector found): the plain-language test reads the rest.
  let text = document.body.innerText;
  const codes = [...document.querySelectorAll('code, pre, textarea')].map(e => e.innerText).filter(t => t).sort((a, b) => b.length - a.length);
  for (const t of codes) text = text.split(t).join(' '); // longest first: a short snippet may sit inside a longer one
  return JSON.stringify({scrollWidth: document.documentElement.scrollWidth, innerWidth, wide: wide.slice(0, 5), unlabelled, text, h1: document.querySelectorAll('h1').length});
})()`

// TestEveryPageFitsAndSpeaksPlainly opens every page of the UI's route table on the demo, as its owner, at a
// phone's width (390 × 844) and a desktop's (1400 × 900): no page is wider than the viewport (wide tables
// scroll inside their own box), every form field has a label, and no declared field name with an underscore
// (owner_id, inherent_likelihood …) shows in the visible text. The browser checks layout and wording; the
// storage behind the pages runs on both databases in the areas' tests, so this runs on SQLite.
func TestEveryPageFitsAndSpeaksPlainly(t *testing.T) {
	if raceEnabled {
		t.Skip("the page walk runs in scripts/test's second pass, without the race detector")
	}
	db := sqltest.New(t, sqlstore.SQLite)
	f := areastest.Start(t, db, app.Config{CheckpointKey: areastest.TestCheckpointKey}, web.Config{Version: "test"})
	ctx := context.Background()
	res, err := demo.Seed(ctx, f.Svc)
	if err != nil {
		t.Fatal(err)
	}
	p := f.Svc.CLIPrincipal(res.Org, "test")
	rs, _, err := f.Svc.Risks.Risks(ctx, p, risks.RiskFilter{Limit: 1})
	if err != nil || len(rs) == 0 {
		t.Fatalf("risks: %v", err)
	}
	as, _, err := f.Svc.Assets.Assets(ctx, p, assets.AssetFilter{Limit: 1})
	if err != nil || len(as) == 0 {
		t.Fatalf("assets: %v", err)
	}
	cs, err := f.Svc.Controls.Controls(ctx, p, controls.ControlFilter{})
	if err != nil || len(cs) == 0 {
		t.Fatalf("controls: %v", err)
	}
	_, reqs, _, err := f.Svc.Frameworks.Requirements(ctx, p, "iso27001-2022", frameworks.RequirementFilter{After: -1, Limit: 1})
	if err != nil || len(reqs) == 0 {
		t.Fatalf("requirements: %v", err)
	}
	params := map[string]string{"{slug}": res.Org.Slug, "{key}": "iso27001-2022", "{$}": "", "{n}": "1"}
	ga, err := f.Svc.Gaps.Assessment(ctx, p, "GA-001")
	if err != nil {
		t.Fatalf("gap assessment: %v", err)
	}
	ppl, _, err := f.Svc.People.People(ctx, p, people.PersonFilter{Limit: 1})
	if err != nil || len(ppl) == 0 {
		t.Fatalf("people: %v", err)
	}
	docs, _, err := f.Svc.Documents.Documents(ctx, p, documents.DocumentFilter{Limit: 1, Q: "acceptable use"})
	if err != nil || len(docs) == 0 {
		t.Fatalf("documents: %v", err)
	}
	params["{rev}"] = "1.1" // the acceptable use policy's second revision: a diff to show
	reqsAck, err := f.Svc.Documents.AckRequests(ctx, p, docs[0].ID)
	if err != nil || len(reqsAck) == 0 {
		t.Fatalf("acknowledgement requests: %v", err)
	}
	params["{request}"] = reqsAck[0].ID
	mods, err := f.Svc.Training.Trainings(ctx, p, false)
	if err != nil || len(mods) == 0 {
		t.Fatalf("trainings: %v", err)
	}
	camps, err := f.Svc.Training.Campaigns(ctx, p)
	if err != nil || len(camps) == 0 {
		t.Fatalf("campaigns: %v", err)
	}
	incs, err := f.Svc.Incidents.Incidents(ctx, p, incidents.Filter{})
	if err != nil || len(incs) == 0 {
		t.Fatalf("incidents: %v", err)
	}
	evs, _, err := f.Svc.Evidence.List(ctx, p, evidence.Filter{Limit: 1, Kind: "file"})
	if err != nil || len(evs) == 0 {
		t.Fatalf("evidence: %v", err)
	}
	chks, err := f.Svc.Monitoring.Checks(ctx, p, monitoring.CheckFilter{Status: "fail"})
	if err != nil || len(chks) == 0 {
		t.Fatalf("checks: %v", err)
	}
	cols, err := f.Svc.Monitoring.Collectors(ctx, p, "tls", false)
	if err != nil || len(cols) == 0 {
		t.Fatalf("collectors: %v", err)
	}
	// An objective with a metric and a few measurements, unless the demo seeds some: its page draws the chart.
	objs, err := f.Svc.Objectives.Objectives(ctx, p, objectives.Filter{})
	if err != nil {
		t.Fatalf("objectives: %v", err)
	}
	if len(objs) == 0 {
		text := func(s string) *string { return &s }
		o, err := f.Svc.Objectives.CreateObjective(ctx, p, objectives.ObjectiveInput{Title: text("Every applicable control implemented"), Target: text("All applicable Annex A controls in place"), Deadline: text("2030-12-31")})
		if err != nil {
			t.Fatalf("objective: %v", err)
		}
		target := 95.0
		m, err := f.Svc.Objectives.AddMetric(ctx, p, o.ID, objectives.MetricInput{Name: text("Controls implemented"), Unit: text("%"), Target: &target})
		if err != nil {
			t.Fatalf("metric: %v", err)
		}
		for i, v := range []float64{41, 55, 63} {
			day := time.Now().UTC().AddDate(0, i-2, -1).Format(time.DateOnly)
			if _, err := f.Svc.Objectives.RecordMeasurement(ctx, p, m.ID, objectives.MeasurementInput{Date: &day, Value: &v}); err != nil {
				t.Fatalf("measurement: %v", err)
			}
		}
		objs = []*objectives.Objective{o}
	}
	auds, err := f.Svc.Audits.Audits(ctx, p, 0)
	if err != nil || len(auds) == 0 {
		t.Fatalf("audits: %v", err)
	}
	ncs, err := f.Svc.NCs.List(ctx, p, nonconformities.Filter{})
	if err != nil || len(ncs) == 0 {
		t.Fatalf("nonconformities: %v", err)
	}
	mrs, err := f.Svc.Reviews.List(ctx, p)
	if err != nil || len(mrs) == 0 {
		t.Fatalf("management reviews: %v", err)
	}
	ids := map[string]string{"management-reviews": mrs[0].ID, "audits": auds[0].ID, "nonconformities": ncs[0].ID, "objectives": objs[0].ID, "evidence": evs[0].ID, "checks": chks[0].ID, "collectors": cols[0].ID, "risks": rs[0].ID, "assets": as[0].ID, "controls": cs[0].ID, "requirements": reqs[0].ID, "gap-assessments": ga.ID,
		"people": ppl[0].ID, "policies": docs[0].ID, "library": docs[0].ID, "trainings": mods[0].ID, "training-campaigns": camps[0].ID,
		"incidents": incs[0].ID, "my-training": mods[0].ID}
	obls, _, err := f.Svc.Obligations.List(ctx, p, obligations.Filter{})
	if err != nil || len(obls) == 0 {
		t.Fatalf("obligations: %v", err)
	}
	ids["obligations"] = obls[0].ID
	cis, _, err := f.Svc.Scope.Issues(ctx, p, scope.IssueFilter{})
	if err != nil || len(cis) == 0 {
		t.Fatalf("context issues: %v", err)
	}
	ips, _, err := f.Svc.Scope.Parties(ctx, p, scope.PartyFilter{})
	if err != nil || len(ips) == 0 {
		t.Fatalf("interested parties: %v", err)
	}
	ids["context-issues"], ids["interested-parties"] = cis[0].ID, ips[0].ID
	sups, _, err := f.Svc.Suppliers.List(ctx, p, suppliers.Filter{Q: "CareCall"})
	if err != nil || len(sups) == 0 {
		t.Fatalf("suppliers: %v", err)
	}
	sqs, err := f.Svc.Suppliers.Questionnaires(ctx, p, sups[0].ID)
	if err != nil || len(sqs) == 0 {
		t.Fatalf("questionnaires: %v", err)
	}
	ids["suppliers"], ids["questionnaires"] = sups[0].ID, sqs[0].ID

	var paths []string
	for _, r := range f.Srv.Routes() {
		if r.Method != "GET" || !(strings.HasPrefix(r.Pattern, "/o/{slug}/") || r.Pattern == "/account" || r.Pattern == "/orgs/new") {
			continue
		}
		if strings.Contains(r.Pattern, "/import/") && strings.HasSuffix(r.Pattern, "{id}") {
			continue // an upload's preview: the import tests open it
		}
		if strings.HasSuffix(r.Pattern, "/file") || strings.HasSuffix(r.Pattern, "/minutes") || strings.HasSuffix(r.Pattern, "/files/{file}") {
			continue // a download, not a page
		}
		if strings.Contains(r.Pattern, "/pick/") {
			continue // a picker's search and add answers: parts of a page, which the picker's own test drives
		}
		path := r.Pattern
		for k, v := range params {
			path = strings.ReplaceAll(path, k, v)
		}
		if strings.Contains(path, "{id}") {
			section := strings.Split(strings.TrimPrefix(path, "/o/"+res.Org.Slug+"/"), "/")[0]
			id, ok := ids[section]
			if !ok {
				t.Errorf("route %s: the test has no id for %q; add one", r.Pattern, section)
				continue
			}
			path = strings.ReplaceAll(path, "{id}", id)
		}
		if strings.Contains(path, "{") {
			t.Errorf("route %s: the test cannot fill %s; add it", r.Pattern, path)
			continue
		}
		paths = append(paths, path)
		if r.Pattern == "/o/{slug}/soa/compare" {
			paths = append(paths, path+"?from=1&to=live") // the demo's first revision against today's statement
		}
	}
	// Beyond one page per route: every framework, and a control requirement with attributes and mappings.
	fws, err := f.Svc.Frameworks.Frameworks(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	for _, fw := range fws {
		paths = append(paths, "/o/"+res.Org.Slug+"/frameworks/"+fw.Slug)
	}
	_, a88, _, err := f.Svc.Frameworks.Requirements(ctx, p, "iso27001-2022", frameworks.RequirementFilter{Q: "A.8.8", After: -1, Limit: 1})
	if err != nil || len(a88) == 0 {
		t.Fatalf("A.8.8: %v", err)
	}
	paths = append(paths, "/o/"+res.Org.Slug+"/requirements/"+a88[0].ID)
	slices.Sort(paths)
	paths = slices.Compact(paths)
	if len(paths) < 20 {
		t.Fatalf("only %d pages found in the route table: %v", len(paths), paths)
	}

	rawKeys := declaredKeys(t, f.TS.URL)
	browser := areastest.BrowserWithin(t, 10*time.Minute)
	base := f.TS.URL
	areastest.Do(t, browser, chromedp.Navigate(base+"/signin"),
		chromedp.SendKeys(chromedp.CSS(`input[name=email]`), res.Email),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), res.Password),
		chromedp.Submit(chromedp.CSS(`input[name=password]`)))
	areastest.WaitURL(t, browser, "/o/"+res.Org.Slug)
	// axe-core checks accessibility. It is vendored for this test only and never served: the test browser
	// bypasses the page's CSP to inject it.
	axe, err := os.ReadFile("testdata/axe-4.14.1.min.js")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(browser, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, page.SetBypassCSP, page.SetBypassCSPParams{Enabled: true})
		return err
	})); err != nil {
		t.Fatal(err)
	}
	shots := os.Getenv("BULWARK_SCREENSHOTS")
	for _, size := range []struct{ w, h int64 }{{390, 844}, {1400, 900}} {
		areastest.Do(t, browser, chromedp.EmulateViewport(size.w, size.h))
		for _, path := range paths {
			areastest.Do(t, browser, chromedp.Navigate(base+path), chromedp.WaitReady(chromedp.CSS("body")))
			var got struct {
				ScrollWidth, InnerWidth int
				Wide, Unlabelled        []string
				Text                    string
				H1                      int
			}
			if err := json.Unmarshal([]byte(areastest.Must(t, browser, chromedp.Evaluate[string](pageChecks))), &got); err != nil {
				t.Fatal(err)
			}
			where := fmt.Sprintf("%s at %d px", path, size.w)
			if got.H1 != 1 {
				t.Errorf("%s: %d h1 headings, want one", where, got.H1)
			}
			if got.ScrollWidth > got.InnerWidth {
				t.Errorf("%s: the page is %d px wide: %s", where, got.ScrollWidth, strings.Join(got.Wide, "; "))
			}
			for _, u := range got.Unlabelled {
				t.Errorf("%s: a field without a label: %s", where, u)
			}
			areastest.Must(t, browser, chromedp.Evaluate[bool](string(axe)+";true"))
			var violations []struct {
				ID, Impact, Help string
				Nodes            []struct{ Target []any }
			}
			found := areastest.Must(t, browser, chromedp.Evaluate[string](`axe.run(document, {resultTypes: ['violations']}).then(r => JSON.stringify(r.violations))`, chromedp.EvalAwaitPromise))
			if err := json.Unmarshal([]byte(found), &violations); err != nil {
				t.Fatal(err)
			}
			for _, v := range violations {
				if v.Impact == "serious" || v.Impact == "critical" {
					var nodes []string
					for _, n := range v.Nodes[:min(3, len(v.Nodes))] {
						nodes = append(nodes, fmt.Sprint(n.Target...))
					}
					t.Errorf("%s: axe %s (%s): %s at %s", where, v.ID, v.Impact, v.Help, strings.Join(nodes, ", "))
				}
			}
			for _, k := range rawKeys.FindAllString(got.Text, 5) {
				t.Errorf("%s: the field name %q shows in the text", where, k)
			}
			for _, k := range snakeCase.FindAllString(got.Text, 5) {
				if !rawKeys.MatchString(k) && !strings.HasPrefix(k, "bwk_") { // an API token's prefix is what people compare
					t.Errorf("%s: developer text %q shows", where, k)
				}
			}
			if shots != "" {
				png := areastest.Must(t, browser, chromedp.CaptureScreenshot())
				name := strings.Trim(strings.NewReplacer("/", "-", "?", "-").Replace(strings.TrimPrefix(path, "/o/"+res.Org.Slug)), "-")
				_ = os.WriteFile(fmt.Sprintf("%s/page-%d-%s.png", shots, size.w, name), png, 0o644)
			}
		}
	}
}

// snakeCase matches words joined by underscores (catalog attribute names and values such as control_type or
// Threat_and_vulnerability_management) that no reader should meet.
var snakeCase = regexp.MustCompile(`\b[A-Za-z][A-Za-z0-9]*(_[A-Za-z0-9]+)+\b`)

// declaredKeys returns a pattern matching, as whole words, every property name with an underscore that the
// server's OpenAPI document declares: the names people should never read on a page.
func declaredKeys(t *testing.T, base string) *regexp.Regexp {
	t.Helper()
	res, err := http.Get(base + "/api/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]json.RawMessage `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, s := range doc.Components.Schemas {
		for k := range s.Properties {
			if strings.Contains(k, "_") {
				keys = append(keys, regexp.QuoteMeta(k))
			}
		}
	}
	if len(keys) < 10 {
		t.Fatalf("only %d declared field names with an underscore", len(keys))
	}
	slices.Sort(keys)
	return regexp.MustCompile(`\b(` + strings.Join(slices.Compact(keys), "|") + `)\b`)
}

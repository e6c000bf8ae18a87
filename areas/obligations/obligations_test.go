package obligations_test

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/areas/areastest"
	"github.com/bulwark-isms/bulwark/areas/obligations"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
)

func today() string { return time.Now().UTC().Format(time.DateOnly) }

func mustStatus(t *testing.T, res *areastest.Resp, status int, what string) *areastest.Resp {
	t.Helper()
	if res.StatusCode != status {
		t.Fatalf("%s: %d %s, want %d", what, res.StatusCode, res.Text, status)
	}
	return res
}

// regimes asks the function the incidents area calls.
func regimes(t *testing.T, f *areastest.Fixture) []string {
	t.Helper()
	var out []string
	if err := f.DB.Read(context.Background(), func(tx *sqlstore.Tx) error {
		var err error
		out, err = obligations.Regimes(context.Background(), tx, f.Org.ID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func readiness(t *testing.T, f *areastest.Fixture, day string) obligations.Readiness {
	t.Helper()
	var out obligations.Readiness
	if err := f.DB.Read(context.Background(), func(tx *sqlstore.Tx) error {
		var err error
		out, err = obligations.ReadinessOf(context.Background(), tx, f.Org.ID, day)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestObligationsRegister: create, read, list with filters, change with
// versions, who may do what, mark reviewed, archive, and bad input refused
// naming the field, through the API on both databases.
func TestObligationsRegister(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		mgr, contributor, auditor, employee := f.Accounts[bulwark.RoleManager], f.Accounts[bulwark.RoleContributor], f.Accounts[bulwark.RoleAuditor], f.Accounts[bulwark.RoleEmployee]
		do := func(method, path, token, body string) *areastest.Resp {
			return f.Do(method, path, areastest.Req{Token: token, JSON: body})
		}
		for _, c := range []struct{ name, body, field string }{
			{"no title", `{"source":"law"}`, "title"},
			{"blank title", `{"title":"  ","source":"law"}`, "title"},
			{"no source", `{"title":"x"}`, "source"},
			{"unknown source", `{"title":"x","source":"rumour"}`, "source"},
			{"unknown regime", `{"title":"x","source":"law","regime":"ccpa"}`, "regime"},
			{"bad review date", `{"title":"x","source":"law","review_date":"2027-02-30"}`, "review_date"},
			{"another's control", `{"title":"x","source":"law","control_ids":["` + areastest.MissingID + `"]}`, "control_ids"},
			{"unknown requirement", `{"title":"x","source":"law","requirement_ids":["gdpr:Art. 999"]}`, "requirement_ids"},
			{"owner not a member", `{"title":"x","source":"law","owner_id":"` + areastest.MissingID + `"}`, "owner_id"},
			{"read-only status", `{"title":"x","source":"law","status":"archived"}`, "status"},
			{"bad ref", `{"title":"x","source":"law","ref":"not a ref"}`, "ref"},
		} {
			t.Run(c.name, func(t *testing.T) {
				if res := do("POST", "/api/v1/obligations", mgr.Token, c.body); res.StatusCode != 422 || !strings.Contains(res.Text, `"field":"`+c.field+`"`) {
					t.Errorf("%s: %d %s, want 422 naming %s", c.body, res.StatusCode, res.Text, c.field)
				}
			})
		}
		for _, c := range []struct {
			who  *areastest.Account
			want int
		}{{contributor, 403}, {auditor, 403}, {employee, 403}} {
			if res := do("POST", "/api/v1/obligations", c.who.Token, `{"title":"x","source":"law"}`); res.StatusCode != c.want {
				t.Errorf("create as %s: %d, want %d", c.who.Email, res.StatusCode, c.want)
			}
		}

		res := mustStatus(t, do("POST", "/api/v1/obligations", mgr.Token, `{"title":"Keep customer data in the EU","source":"contract","jurisdiction":"Contoso MSA",
			"requirement":"Host and back up Contoso's data only in EU regions.","control_ids":["A.5.31","a.5.34"],"requirement_ids":["gdpr:Art. 28"]}`), 201, "create")
		o := areastest.Decode[obligations.Obligation](t, res)
		if res.Header.Get("Location") != "/api/v1/obligations/"+o.ID || res.Header.Get("ETag") != `"1"` {
			t.Errorf("Location %q, ETag %q", res.Header.Get("Location"), res.Header.Get("ETag"))
		}
		if o.Ref != "OB-001" || bulwark.Value(o.OwnerID) != mgr.MemberID || o.Status != "active" || o.Regime != "" || o.Version != 1 ||
			!slices.Equal(o.ControlRefs, []string{"A.5.31", "A.5.34"}) || !slices.Equal(o.RequirementIDs, []string{"gdpr:Art. 28"}) ||
			bulwark.Value(o.ReviewDate) != obligations.NextReview(today()) || o.LastReviewedOn != nil {
			t.Fatalf("created: %+v", o)
		}
		gdpr := areastest.Decode[obligations.Obligation](t, mustStatus(t, do("POST", "/api/v1/obligations", mgr.Token,
			`{"title":"Data protection law","source":"regulation","regime":"gdpr","review_date":"2020-01-31"}`), 201, "create gdpr"))
		if !gdpr.PastReview {
			t.Errorf("a review date in 2020 is past: %+v", gdpr)
		}

		// Reading, by id and by ref; the list and its filters.
		if got := areastest.Decode[obligations.Obligation](t, mustStatus(t, do("GET", "/api/v1/obligations/ob-001", auditor.Token, ""), 200, "by ref")); got.ID != o.ID {
			t.Errorf("by ref: %+v", got)
		}
		mustStatus(t, do("GET", "/api/v1/obligations/"+o.ID, employee.Token, ""), 403, "employee reads")
		for _, c := range []struct {
			query string
			want  []string
		}{
			{"", []string{"OB-001", "OB-002"}},
			{"?regime=gdpr", []string{"OB-002"}},
			{"?source=contract", []string{"OB-001"}},
			{"?past_review=true", []string{"OB-002"}},
			{"?owner_id=" + contributor.MemberID, nil},
		} {
			l := areastest.Decode[areastest.List](t, mustStatus(t, do("GET", "/api/v1/obligations"+c.query, auditor.Token, ""), 200, c.query))
			var refs []string
			for _, it := range l.Items {
				refs = append(refs, it["ref"].(string))
			}
			if !slices.Equal(refs, c.want) {
				t.Errorf("list%s: %v, want %v", c.query, refs, c.want)
			}
		}
		if res := do("GET", "/api/v1/obligations?regime=ccpa", auditor.Token, ""); res.StatusCode != 422 || !strings.Contains(res.Text, `"field":"regime"`) {
			t.Errorf("list with an unknown regime: %d %s", res.StatusCode, res.Text)
		}
		if got := regimes(t, f); !slices.Equal(got, []string{"gdpr"}) {
			t.Errorf("regimes: %v", got)
		}

		// Changes: versions, owners, links cleared.
		stale := f.Do("PATCH", "/api/v1/obligations/"+o.ID, areastest.Req{Token: mgr.Token, JSON: `{"title":"x"}`, Headers: map[string]string{"If-Match": `"7"`}})
		mustStatus(t, stale, 409, "stale If-Match")
		mustStatus(t, do("PATCH", "/api/v1/obligations/"+o.ID, mgr.Token, `{"version":7,"title":"x"}`), 409, "stale version")
		mustStatus(t, do("PATCH", "/api/v1/obligations/"+o.ID, contributor.Token, `{"title":"mine"}`), 403, "contributor changes another's")
		mustStatus(t, do("PATCH", "/api/v1/obligations/"+o.ID, mgr.Token, `{"past_review":true}`), 422, "read-only field")
		got := areastest.Decode[obligations.Obligation](t, mustStatus(t, f.Do("PATCH", "/api/v1/obligations/"+o.ID, areastest.Req{Token: mgr.Token,
			JSON: `{"owner_id":"` + contributor.MemberID + `","control_ids":["A.5.31"],"requirement_ids":[]}`, Headers: map[string]string{"If-Match": `"1"`}}), 200, "patch"))
		if got.Version != 2 || bulwark.Value(got.OwnerID) != contributor.MemberID || !slices.Equal(got.ControlRefs, []string{"A.5.31"}) || len(got.RequirementIDs) != 0 || got.Title != o.Title {
			t.Fatalf("patched: %+v", got)
		}
		got = areastest.Decode[obligations.Obligation](t, mustStatus(t, do("PATCH", "/api/v1/obligations/"+o.ID, contributor.Token, `{"jurisdiction":"EU"}`), 200, "the owner changes it"))
		if got.Jurisdiction != "EU" || got.Version != 3 {
			t.Fatalf("owner's change: %+v", got)
		}
		mustStatus(t, do("PATCH", "/api/v1/obligations/"+o.ID, contributor.Token, `{"ref":"OB-009"}`), 422, "ref changed")

		// Mark reviewed: today, and a year on.
		mustStatus(t, do("POST", "/api/v1/obligations/"+gdpr.ID+"/review", contributor.Token, `{}`), 403, "contributor reviews another's")
		rev := areastest.Decode[obligations.Obligation](t, mustStatus(t, do("POST", "/api/v1/obligations/"+gdpr.ID+"/review", mgr.Token, `{}`), 200, "review"))
		if bulwark.Value(rev.LastReviewedOn) != today() || bulwark.Value(rev.ReviewDate) != obligations.NextReview(today()) || rev.PastReview {
			t.Fatalf("reviewed: %+v", rev)
		}
		if r := readiness(t, f, today()); r != (obligations.Readiness{Total: 2, Active: 2, ReviewedInLastYear: 1, PastReview: 0}) {
			t.Errorf("readiness: %+v", r)
		}

		// Archive: out of the list and the regimes, readable by id, not reviewable; restored through the page.
		mustStatus(t, do("DELETE", "/api/v1/obligations/"+gdpr.ID, auditor.Token, ""), 403, "auditor archives")
		mustStatus(t, do("DELETE", "/api/v1/obligations/"+gdpr.ID, mgr.Token, ""), 204, "archive")
		if l := areastest.Decode[areastest.List](t, do("GET", "/api/v1/obligations", mgr.Token, "")); len(l.Items) != 1 {
			t.Errorf("list after archiving: %v", l.Items)
		}
		if l := areastest.Decode[areastest.List](t, do("GET", "/api/v1/obligations?include_archived=true", mgr.Token, "")); len(l.Items) != 2 {
			t.Errorf("list with archived: %v", l.Items)
		}
		if a := areastest.Decode[obligations.Obligation](t, do("GET", "/api/v1/obligations/"+gdpr.ID, mgr.Token, "")); a.Status != "archived" || a.ArchivedAt == nil {
			t.Errorf("archived: %+v", a)
		}
		mustStatus(t, do("POST", "/api/v1/obligations/"+gdpr.ID+"/review", mgr.Token, `{}`), 409, "review an archived one")
		if got := regimes(t, f); len(got) != 0 {
			t.Errorf("regimes after archiving: %v", got)
		}
		if r := readiness(t, f, today()); r != (obligations.Readiness{Total: 2, Active: 1, ReviewedInLastYear: 0, PastReview: 0}) {
			t.Errorf("readiness after archiving: %+v", r)
		}
		cookie := f.SignIn(mgr.Email)
		mustStatus(t, f.Do("POST", "/o/acme-ltd/obligations/"+gdpr.ID+"/restore", areastest.Req{Cookie: cookie, Form: url.Values{}}), 303, "restore")
		if got := regimes(t, f); !slices.Equal(got, []string{"gdpr"}) {
			t.Errorf("regimes after restoring: %v", got)
		}

		// The audit trail holds every change.
		var actions []string
		if err := f.DB.Read(context.Background(), func(tx *sqlstore.Tx) error {
			rows, err := tx.Query(context.Background(), `SELECT action FROM audit_log WHERE org_id = ? AND entity_type = 'obligation' ORDER BY seq`, f.Org.ID)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var a string
				if err := rows.Scan(&a); err != nil {
					return err
				}
				actions = append(actions, a)
			}
			return rows.Err()
		}); err != nil {
			t.Fatal(err)
		}
		want := []string{"obligation.create", "obligation.create", "obligation.update", "obligation.update", "obligation.review", "obligation.archive", "obligation.restore"}
		if !slices.Equal(actions, want) {
			t.Errorf("audit trail: %v, want %v", actions, want)
		}
	})
}

// TestAdoptSuggestions: the GDPR and HIPAA suggestions, adopted by regime and
// by key, linked to controls and catalog requirements that exist, never twice.
func TestAdoptSuggestions(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		mgr, contributor := f.Accounts[bulwark.RoleManager], f.Accounts[bulwark.RoleContributor]
		do := func(method, path, token, body string) *areastest.Resp {
			return f.Do(method, path, areastest.Req{Token: token, JSON: body})
		}
		l := areastest.Decode[areastest.List](t, mustStatus(t, do("GET", "/api/v1/obligation-suggestions?regime=gdpr", contributor.Token, ""), 200, "suggestions"))
		if len(l.Items) != 8 || l.Items[0]["adopted"] != false {
			t.Fatalf("GDPR suggestions: %v", l.Items)
		}
		for _, c := range []struct{ name, body, field string }{
			{"nothing named", `{}`, "regime"},
			{"unknown regime", `{"regime":"ccpa"}`, "regime"},
			{"unknown key", `{"keys":["gdpr-dpo","no-such-thing"]}`, "keys"},
			{"both", `{"regime":"gdpr","keys":["gdpr-dpo"]}`, "keys"},
		} {
			if res := do("POST", "/api/v1/obligation-suggestions/adopt", mgr.Token, c.body); res.StatusCode != 422 || !strings.Contains(res.Text, `"field":"`+c.field+`"`) {
				t.Errorf("%s: %d %s, want 422 naming %s", c.name, res.StatusCode, res.Text, c.field)
			}
		}
		mustStatus(t, do("POST", "/api/v1/obligation-suggestions/adopt", contributor.Token, `{"regime":"gdpr"}`), 403, "contributor adopts")

		res := areastest.Decode[obligations.AdoptResult](t, mustStatus(t, do("POST", "/api/v1/obligation-suggestions/adopt", mgr.Token, `{"regime":"gdpr"}`), 200, "adopt gdpr"))
		if len(res.Created) != 8 || len(res.Skipped) != 0 {
			t.Fatalf("adopt gdpr: %d created, skipped %v", len(res.Created), res.Skipped)
		}
		// Every suggested control and requirement exists: each link was made.
		for _, o := range res.Created {
			sg := obligations.SuggestionByKey(o.SuggestionKey)
			if sg == nil || o.Regime != "gdpr" || o.Source != "regulation" || bulwark.Value(o.OwnerID) != mgr.MemberID || o.ReviewDate == nil {
				t.Fatalf("adopted: %+v", o)
			}
			if !slices.Equal(sorted(o.ControlRefs), sorted(sg.ControlRefs)) || !slices.Equal(sorted(o.RequirementIDs), sorted(sg.RequirementIDs)) {
				t.Errorf("%s links: controls %v requirements %v, want %v %v", sg.Key, o.ControlRefs, o.RequirementIDs, sg.ControlRefs, sg.RequirementIDs)
			}
		}
		again := areastest.Decode[obligations.AdoptResult](t, mustStatus(t, do("POST", "/api/v1/obligation-suggestions/adopt", mgr.Token, `{"regime":"gdpr"}`), 200, "adopt gdpr again"))
		if len(again.Created) != 0 || len(again.Skipped) != 8 {
			t.Fatalf("adopting again: %d created, skipped %v", len(again.Created), again.Skipped)
		}
		one := areastest.Decode[obligations.AdoptResult](t, mustStatus(t, do("POST", "/api/v1/obligation-suggestions/adopt", mgr.Token, `{"keys":["hipaa-audit-controls","gdpr-dpo"]}`), 200, "adopt by key"))
		if len(one.Created) != 1 || one.Created[0].SuggestionKey != "hipaa-audit-controls" || !slices.Equal(one.Skipped, []string{"gdpr-dpo"}) {
			t.Fatalf("adopt by key: %+v", one)
		}
		hipaa := areastest.Decode[obligations.AdoptResult](t, mustStatus(t, do("POST", "/api/v1/obligation-suggestions/adopt", mgr.Token, `{"regime":"hipaa"}`), 200, "adopt hipaa"))
		if len(hipaa.Created) != 5 || !slices.Equal(hipaa.Skipped, []string{"hipaa-audit-controls"}) {
			t.Fatalf("adopt hipaa: %d created, skipped %v", len(hipaa.Created), hipaa.Skipped)
		}
		for _, o := range append(hipaa.Created, one.Created...) {
			sg := obligations.SuggestionByKey(o.SuggestionKey)
			if !slices.Equal(sorted(o.ControlRefs), sorted(sg.ControlRefs)) || !slices.Equal(sorted(o.RequirementIDs), sorted(sg.RequirementIDs)) {
				t.Errorf("%s links: controls %v requirements %v, want %v %v", sg.Key, o.ControlRefs, o.RequirementIDs, sg.ControlRefs, sg.RequirementIDs)
			}
		}
		l = areastest.Decode[areastest.List](t, do("GET", "/api/v1/obligation-suggestions", mgr.Token, ""))
		for _, it := range l.Items {
			if it["adopted"] != true || it["obligation_id"] == nil {
				t.Errorf("after adopting everything: %v", it)
			}
		}
		if got := regimes(t, f); !slices.Equal(got, []string{"gdpr", "hipaa"}) {
			t.Errorf("regimes: %v", got)
		}
		if r := readiness(t, f, today()); r.Total != 14 || r.Active != 14 || r.ReviewedInLastYear != 0 || r.PastReview != 0 {
			t.Errorf("readiness: %+v", r)
		}
		if r := readiness(t, f, "2099-01-01"); r.PastReview != 14 {
			t.Errorf("readiness long after: %+v", r)
		}
		// Archiving every HIPAA obligation takes HIPAA off the regimes; archived ones still count as adopted.
		for _, o := range append(hipaa.Created, one.Created...) {
			mustStatus(t, do("DELETE", "/api/v1/obligations/"+o.ID, mgr.Token, ""), 204, "archive")
		}
		if got := regimes(t, f); !slices.Equal(got, []string{"gdpr"}) {
			t.Errorf("regimes after archiving HIPAA: %v", got)
		}
		if res := areastest.Decode[obligations.AdoptResult](t, do("POST", "/api/v1/obligation-suggestions/adopt", mgr.Token, `{"regime":"hipaa"}`)); len(res.Created) != 0 {
			t.Errorf("adopting archived suggestions again created %d", len(res.Created))
		}
		// The page offers nothing more to adopt, and the other organisation none of this.
		cookie := f.SignIn(mgr.Email)
		page := mustStatus(t, f.Do("GET", "/o/acme-ltd/obligations", areastest.Req{Cookie: cookie}), 200, "list page")
		if strings.Contains(page.Text, "Adopt GDPR suggestions") || !strings.Contains(page.Text, "OB-008") {
			t.Errorf("list page after adopting: %s", page.Text)
		}
		b := f.SecondOrg("Globex", "globex.test")
		if l := areastest.Decode[areastest.List](t, do("GET", "/api/v1/obligations", b[bulwark.RoleOwner].Token, "")); len(l.Items) != 0 {
			t.Errorf("the other organisation sees %d obligations", len(l.Items))
		}
		mustStatus(t, do("GET", "/api/v1/obligations/"+res.Created[0].ID, b[bulwark.RoleOwner].Token, ""), 404, "another organisation's obligation")
	})
}

// TestObligationPages: the register's pages — empty state with the adopt panel,
// the form with its errors, the item page, marking reviewed, tasks and dashboard.
func TestObligationPages(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		mgr := f.Accounts[bulwark.RoleManager]
		cookie := f.SignIn(mgr.Email)
		page := mustStatus(t, f.Do("GET", "/o/acme-ltd/obligations", areastest.Req{Cookie: cookie}), 200, "empty list")
		for _, want := range []string{"No obligations yet", "Adopt GDPR suggestions (8)", "Adopt HIPAA suggestions (6)"} {
			if !strings.Contains(page.Text, want) {
				t.Errorf("empty list page lacks %q", want)
			}
		}
		mustStatus(t, f.Do("GET", "/o/acme-ltd/obligations/new", areastest.Req{Cookie: cookie}), 200, "new page")
		bad := f.Do("POST", "/o/acme-ltd/obligations", areastest.Req{Cookie: cookie, Form: url.Values{"title": {""}, "source": {"law"}}})
		if bad.StatusCode != 422 || !strings.Contains(bad.Text, "is required") {
			t.Errorf("form without a title: %d", bad.StatusCode)
		}
		res := mustStatus(t, f.Do("POST", "/o/acme-ltd/obligations", areastest.Req{Cookie: cookie, Form: url.Values{"title": {"State breach law"}, "source": {"law"},
			"jurisdiction": {"California"}, "review_date": {"2020-05-01"}, "owner_id": {mgr.MemberID}, "control_ids": {"A.5.31"}, "requirement_ids": {"gdpr:Art. 33"}}}), 303, "create by form")
		loc := res.Header.Get("Location")
		item := mustStatus(t, f.Do("GET", loc, areastest.Req{Cookie: cookie}), 200, "item page")
		for _, want := range []string{"OB-001", "State breach law", "A.5.31", "Art. 33", "Past its review date", "Mark reviewed today"} {
			if !strings.Contains(item.Text, want) {
				t.Errorf("item page lacks %q", want)
			}
		}
		tasks := areastest.Decode[map[string]any](t, mustStatus(t, f.Do("GET", "/api/v1/me/tasks", areastest.Req{Token: mgr.Token}), 200, "tasks"))
		if due, _ := tasks["obligations_to_review"].([]any); len(due) != 1 {
			t.Errorf("tasks: %v", tasks["obligations_to_review"])
		}
		dash := mustStatus(t, f.Do("GET", "/o/acme-ltd/", areastest.Req{Cookie: cookie}), 200, "dashboard")
		if !strings.Contains(dash.Text, "Past their review date") {
			t.Errorf("the dashboard does not count obligations past review")
		}
		id := strings.TrimPrefix(strings.SplitN(loc, "?", 2)[0], "/o/acme-ltd/obligations/")
		mustStatus(t, f.Do("POST", "/o/acme-ltd/obligations/"+id+"/review", areastest.Req{Cookie: cookie, Form: url.Values{"version": {"1"}}}), 303, "mark reviewed")
		o := areastest.Decode[obligations.Obligation](t, f.Do("GET", "/api/v1/obligations/"+id, areastest.Req{Token: mgr.Token}))
		if bulwark.Value(o.LastReviewedOn) != today() || o.PastReview {
			t.Errorf("after marking reviewed: %+v", o)
		}
		mustStatus(t, f.Do("POST", "/o/acme-ltd/obligations/"+id, areastest.Req{Cookie: cookie, Form: url.Values{"version": {"2"}, "title": {"State breach notification law"}, "source": {"law"}, "regime": {""}}}), 303, "edit by form")
		mustStatus(t, f.Do("POST", "/o/acme-ltd/obligations/adopt", areastest.Req{Cookie: cookie, Form: url.Values{"regime": {"hipaa"}}}), 303, "adopt by form")
		if got := regimes(t, f); !slices.Equal(got, []string{"hipaa"}) {
			t.Errorf("regimes after adopting HIPAA: %v", got)
		}
		if res := f.Do("POST", "/o/acme-ltd/obligations/adopt", areastest.Req{Cookie: cookie, Form: url.Values{}}); res.StatusCode != 422 {
			t.Errorf("adopting nothing ticked: %d", res.StatusCode)
		}
		mustStatus(t, f.Do("POST", "/o/acme-ltd/obligations/adopt", areastest.Req{Cookie: cookie, Form: url.Values{"keys": {"gdpr-dpo", "hipaa-workforce-training"}}}), 303, "adopt ticked")
		if got := regimes(t, f); !slices.Equal(got, []string{"gdpr", "hipaa"}) {
			t.Errorf("regimes after adopting the DPO suggestion: %v", got)
		}
		page = mustStatus(t, f.Do("GET", "/o/acme-ltd/obligations", areastest.Req{Cookie: cookie}), 200, "list after adopting")
		if !strings.Contains(page.Text, "Adopt GDPR suggestions (7)") || strings.Contains(page.Text, "Adopt HIPAA suggestions") || strings.Contains(page.Text, `value="gdpr-dpo"`) {
			t.Errorf("the adopt panel after adopting HIPAA and the DPO suggestion is wrong")
		}
	})
}

func sorted(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}

// TestNextReview: a year on, 29 February falling back to 28.
func TestNextReview(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"2026-12-03", "2027-12-03"},
		{"2028-02-29", "2029-02-28"},
		{"2027-01-31", "2028-01-31"},
	} {
		if got := obligations.NextReview(c.in); got != c.want {
			t.Errorf("NextReview(%s) = %s, want %s", c.in, got, c.want)
		}
	}
}

// TestRegisterPaging: the register read four at a time gives what one page gives, in reference order,
// each obligation once with its own controls and requirements; a cursor that is not one is refused.
func TestRegisterPaging(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		mgr := f.Accounts[bulwark.RoleManager].Token
		for _, regime := range []string{"gdpr", "hipaa"} {
			mustStatus(t, f.Do("POST", "/api/v1/obligation-suggestions/adopt", areastest.Req{Token: mgr, JSON: `{"regime":"` + regime + `"}`}), 200, "adopt "+regime)
		}
		whole := areastest.Decode[areastest.List](t, f.Do("GET", "/api/v1/obligations", areastest.Req{Token: mgr}))
		if len(whole.Items) != len(obligations.Suggestions) || whole.NextCursor != nil {
			t.Fatalf("one page: %d items, cursor %v", len(whole.Items), whole.NextCursor)
		}
		paged := f.Pages(mgr, "/api/v1/obligations?limit=4")
		if len(paged) != len(whole.Items) {
			t.Fatalf("pages gave %d, one page %d", len(paged), len(whole.Items))
		}
		for i, o := range paged {
			w := whole.Items[i]
			if o["ref"] != w["ref"] || fmt.Sprint(o["control_ids"]) != fmt.Sprint(w["control_ids"]) || fmt.Sprint(o["requirement_ids"]) != fmt.Sprint(w["requirement_ids"]) {
				t.Errorf("item %d: paged %v %v %v, whole %v %v %v", i, o["ref"], o["control_ids"], o["requirement_ids"], w["ref"], w["control_ids"], w["requirement_ids"])
			}
			if i > 0 && bulwark.ParseRefNumber(obligations.RefPrefix, o["ref"].(string)) <= bulwark.ParseRefNumber(obligations.RefPrefix, paged[i-1]["ref"].(string)) {
				t.Errorf("out of order: %v after %v", o["ref"], paged[i-1]["ref"])
			}
		}
		if len(paged[0]["control_ids"].([]any)) == 0 {
			t.Errorf("a suggestion without its controls: %v", paged[0])
		}
		res := f.Do("GET", "/api/v1/obligations?regime=gdpr&cursor=nonsense", areastest.Req{Token: mgr})
		if res.StatusCode != 422 || !strings.Contains(res.Text, `"field":"cursor"`) {
			t.Errorf("bad cursor: %d %s", res.StatusCode, res.Text)
		}
	})
}

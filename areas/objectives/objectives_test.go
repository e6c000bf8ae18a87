package objectives_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/areas/areastest"
	"github.com/bulwark-isms/bulwark/areas/objectives"
	"github.com/bulwark-isms/bulwark/schedule"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
	"github.com/bulwark-isms/bulwark/tabular"
)

// day is the date n days from today (UTC, the fixture organisation's zone).
func day(n int) string { return time.Now().UTC().AddDate(0, 0, n).Format(time.DateOnly) }

func mustStatus(t *testing.T, res *areastest.Resp, status int, what string) *areastest.Resp {
	t.Helper()
	if res.StatusCode != status {
		t.Fatalf("%s: %d %s, want %d", what, res.StatusCode, res.Text, status)
	}
	return res
}

// TestObjectivesMetricsAndMeasurements: objectives and metrics through the API,
// bad input refused naming the field, who may change what, the status derived
// from the measurements, computed metrics by request and by the daily job,
// tasks, the dashboard, the page's chart and table, isolation, and the audit trail.
func TestObjectivesMetricsAndMeasurements(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		ctx := context.Background()
		mgr, contributor, auditor := f.Accounts[bulwark.RoleManager], f.Accounts[bulwark.RoleContributor], f.Accounts[bulwark.RoleAuditor]
		do := func(method, path, token, body string) *areastest.Resp {
			return f.Do(method, path, areastest.Req{Token: token, JSON: body})
		}
		for _, c := range []struct{ body, field string }{
			{`{"deadline":"2030-12-31"}`, "title"},
			{`{"title":"x"}`, "deadline"},
			{`{"title":"x","deadline":"2030-02-30"}`, "deadline"},
			{`{"title":"x","deadline":"2030-12-31","risk_ids":["` + areastest.MissingID + `"]}`, "risk_ids"},
			{`{"title":"x","deadline":"2030-12-31","status":"achieved"}`, "status"},
		} {
			if res := do("POST", "/api/v1/objectives", mgr.Token, c.body); res.StatusCode != 422 || !strings.Contains(res.Text, `"field":"`+c.field+`"`) {
				t.Errorf("%s: %d %s, want 422 naming %s", c.body, res.StatusCode, res.Text, c.field)
			}
		}
		ctl := areastest.Decode[areastest.List](t, do("GET", "/api/v1/controls?q=A.5.15", mgr.Token, "")).Items[0]["id"].(string)
		res := mustStatus(t, do("POST", "/api/v1/objectives", mgr.Token, `{"title":"Access under control","target":"Every access reviewed each quarter","deadline":"2030-12-31","control_ids":["`+ctl+`"]}`), 201, "create")
		o := areastest.Decode[objectives.Objective](t, res)
		if o.Ref != "OBJ-001" || *o.OwnerID != mgr.MemberID || o.Status != objectives.StatusNoData || len(o.ControlIDs) != 1 || len(o.Metrics) != 0 {
			t.Fatalf("created: %+v", o)
		}
		if res := do("POST", "/api/v1/objectives", auditor.Token, `{"title":"x","deadline":"2030-12-31"}`); res.StatusCode != 403 {
			t.Fatalf("auditor creates: %d", res.StatusCode)
		}
		// Metrics: bad input, then a manual one.
		for _, c := range []struct{ body, field string }{
			{`{"name":"x"}`, "target"},
			{`{"name":"x","target":"ninety"}`, "target"},
			{`{"name":"x","target":90,"direction":"up"}`, "direction"},
			{`{"name":"x","target":90,"frequency":"weekly"}`, "frequency"},
			{`{"name":"x","target":90,"source":"guesswork"}`, "source"},
		} {
			if res := do("POST", "/api/v1/objectives/"+o.ID+"/metrics", mgr.Token, c.body); res.StatusCode != 422 || !strings.Contains(res.Text, `"field":"`+c.field+`"`) {
				t.Errorf("metric %s: %d %s, want 422 naming %s", c.body, res.StatusCode, res.Text, c.field)
			}
		}
		res = mustStatus(t, do("POST", "/api/v1/objectives/"+o.ID+"/metrics", mgr.Token, `{"name":"Access reviews on time","unit":"%","target":90}`), 201, "metric")
		m := areastest.Decode[objectives.Metric](t, res)
		if m.Ref != "MET-001" || m.Direction != "increase" || m.Frequency != "monthly" || m.Source != "manual" || *m.OwnerID != mgr.MemberID || m.Status != objectives.StatusNoData {
			t.Fatalf("metric: %+v", m)
		}
		// Measurements: two months ago, last month, and moving away from the target.
		for _, x := range []struct {
			date  string
			value float64
		}{{day(-60), 80}, {day(-30), 78}, {day(-1), 75}} {
			mustStatus(t, do("POST", "/api/v1/metrics/"+m.ID+"/measurements", mgr.Token, fmt.Sprintf(`{"date":%q,"value":%v,"note":"from the IAM report"}`, x.date, x.value)), 201, "measurement")
		}
		if res := do("POST", "/api/v1/metrics/"+m.ID+"/measurements", mgr.Token, `{"date":"`+day(3)+`","value":1}`); res.StatusCode != 422 {
			t.Errorf("a measurement in the future: %d %s", res.StatusCode, res.Text)
		}
		if res := do("POST", "/api/v1/metrics/"+m.ID+"/measurements", mgr.Token, `{"value":"high"}`); res.StatusCode != 422 || !strings.Contains(res.Text, `"field":"value"`) {
			t.Errorf("a value that is not a number: %d %s", res.StatusCode, res.Text)
		}
		got := areastest.Decode[objectives.Objective](t, do("GET", "/api/v1/objectives/OBJ-001", auditor.Token, ""))
		if got.Status != objectives.StatusOffTrack || len(got.Metrics) != 1 || got.Metrics[0].Latest == nil || got.Metrics[0].Latest.Value != 75 {
			t.Fatalf("after moving away: %s %s %+v", got.Status, got.StatusReason, got.Metrics)
		}
		if l := areastest.Decode[areastest.List](t, do("GET", "/api/v1/objectives?status=off_track", auditor.Token, "")); len(l.Items) != 1 {
			t.Fatalf("status=off_track: %v", l.Items)
		}
		// The same day again replaces its value: now it meets the target.
		mustStatus(t, do("POST", "/api/v1/metrics/"+m.ID+"/measurements", mgr.Token, `{"date":"`+day(-1)+`","value":93}`), 201, "replace")
		xs := areastest.Decode[areastest.List](t, do("GET", "/api/v1/metrics/"+m.ID+"/measurements", auditor.Token, ""))
		if len(xs.Items) != 3 || xs.Items[2]["value"] != 93.0 {
			t.Fatalf("measurements after replacing: %v", xs.Items)
		}
		if got := areastest.Decode[objectives.Objective](t, do("GET", "/api/v1/objectives/"+o.ID, mgr.Token, "")); got.Status != objectives.StatusAchieved {
			t.Fatalf("after meeting the target: %s %s", got.Status, got.StatusReason)
		}
		// Who may change what: a contributor neither the objective's nor the metric's owner.
		if res := do("PATCH", "/api/v1/objectives/"+o.ID, contributor.Token, `{"title":"mine"}`); res.StatusCode != 403 {
			t.Fatalf("contributor changes another's objective: %d", res.StatusCode)
		}
		if res := do("POST", "/api/v1/metrics/"+m.ID+"/measurements", contributor.Token, `{"value":1}`); res.StatusCode != 403 {
			t.Fatalf("contributor measures another's metric: %d", res.StatusCode)
		}
		// ...until the metric is theirs.
		mustStatus(t, do("PATCH", "/api/v1/metrics/"+m.ID, mgr.Token, `{"owner_id":"`+contributor.MemberID+`"}`), 200, "metric owner")
		mustStatus(t, do("POST", "/api/v1/metrics/"+m.ID+"/measurements", contributor.Token, `{"date":"`+day(0)+`","value":95}`), 201, "the metric owner measures")
		if res := do("PATCH", "/api/v1/objectives/"+o.ID, mgr.Token, `{"title":"Access under control","version":1}`); res.StatusCode != 409 && res.StatusCode != 200 {
			t.Fatalf("patch at version 1: %d %s", res.StatusCode, res.Text)
		}
		if res := do("PATCH", "/api/v1/objectives/"+o.ID, mgr.Token, `{"description":"d","version":99}`); res.StatusCode != 409 {
			t.Fatalf("stale version: %d %s", res.StatusCode, res.Text)
		}

		// A computed metric: by request, then by the daily job, each run audited.
		res = mustStatus(t, do("POST", "/api/v1/objectives/"+o.ID+"/metrics", mgr.Token, `{"name":"Controls implemented","source":"controls_implemented_pct","target":80}`), 201, "computed metric")
		cm := areastest.Decode[objectives.Metric](t, res)
		if cm.Unit != "%" || cm.Direction != "increase" {
			t.Fatalf("a computed metric's defaults: %+v", cm)
		}
		if res := do("POST", "/api/v1/metrics/"+cm.ID+"/measurements", mgr.Token, `{"value":50}`); res.StatusCode != 409 {
			t.Fatalf("recording a computed metric by hand: %d", res.StatusCode)
		}
		if res := do("POST", "/api/v1/metrics/"+m.ID+"/compute", mgr.Token, `{}`); res.StatusCode != 409 {
			t.Fatalf("computing a manual metric: %d", res.StatusCode)
		}
		x := areastest.Decode[objectives.Measurement](t, mustStatus(t, do("POST", "/api/v1/metrics/"+cm.ID+"/compute", mgr.Token, `{}`), 201, "compute"))
		if x.Source != "computed" || x.Date != day(0) || x.Value != 0 {
			t.Fatalf("computed with no control implemented: %+v", x)
		}
		mustStatus(t, do("PATCH", "/api/v1/controls/"+ctl, mgr.Token, `{"status":"implemented","implementation_description":"Quarterly reviews"}`), 200, "implement a control")
		var jobs int
		if err := db.View(ctx, func(tx *sqlstore.Tx) error {
			return tx.QueryRow(ctx, `SELECT COUNT(*) FROM jobs WHERE kind = ? AND org_id = ? AND subject = ?`, objectives.JobKind, f.Org.ID, cm.ID).Scan(&jobs)
		}); err != nil || jobs != 1 {
			t.Fatalf("the computed metric's job: %d (%v)", jobs, err)
		}
		next, err := f.Svc.Jobs()[objectives.JobKind](ctx, schedule.Job{Key: "metric:" + cm.ID, Kind: objectives.JobKind, OrgID: f.Org.ID, Subject: cm.ID})
		if err != nil || !next.After(time.Now()) {
			t.Fatalf("daily job: %v, next %v", err, next)
		}
		after := areastest.Decode[objectives.Metric](t, do("GET", "/api/v1/metrics/"+cm.ID, mgr.Token, ""))
		if after.Latest == nil || after.Latest.Value <= 0 || after.Latest.Value >= 100 {
			t.Fatalf("after the job: %+v", after.Latest)
		}
		rac := areastest.Decode[objectives.Metric](t, mustStatus(t, do("POST", "/api/v1/objectives/"+o.ID+"/metrics", mgr.Token, `{"name":"Risks above criteria","source":"risks_above_criteria","target":0,"frequency":"quarterly"}`), 201, "risk metric"))
		mustStatus(t, do("POST", "/api/v1/risks", mgr.Token, `{"title":"Ransomware","inherent_likelihood":5,"inherent_impact":5}`), 201, "a high risk")
		if x := areastest.Decode[objectives.Measurement](t, mustStatus(t, do("POST", "/api/v1/metrics/"+rac.ID+"/compute", mgr.Token, `{}`), 201, "compute risks")); x.Value != 1 {
			t.Fatalf("risks above the criteria: %v", x.Value)
		}
		// Archiving a computed metric takes its job away.
		mustStatus(t, do("DELETE", "/api/v1/metrics/"+rac.ID, mgr.Token, ""), 204, "archive metric")
		if err := db.View(ctx, func(tx *sqlstore.Tx) error {
			return tx.QueryRow(ctx, `SELECT COUNT(*) FROM jobs WHERE subject = ?`, rac.ID).Scan(&jobs)
		}); err != nil || jobs != 0 {
			t.Fatalf("an archived metric's job: %d (%v)", jobs, err)
		}

		// A second objective off track with an overdue measurement: the dashboard and the owner's tasks show it.
		o2 := areastest.Decode[objectives.Objective](t, mustStatus(t, do("POST", "/api/v1/objectives", mgr.Token, `{"title":"Phishing reports answered within a day","deadline":"2030-06-30"}`), 201, "second objective"))
		m2 := areastest.Decode[objectives.Metric](t, mustStatus(t, do("POST", "/api/v1/objectives/"+o2.ID+"/metrics", mgr.Token, `{"name":"Mean hours to answer","unit":"hours","direction":"decrease","target":24}`), 201, "second metric"))
		mustStatus(t, do("POST", "/api/v1/metrics/"+m2.ID+"/measurements", mgr.Token, `{"date":"`+day(-90)+`","value":30}`), 201, "old measurement")
		tasks := areastest.Decode[map[string][]map[string]any](t, do("GET", "/api/v1/me/tasks", mgr.Token, ""))
		if due := tasks["measurements_due"]; len(due) != 1 || due[0]["metric_id"] != m2.ID {
			t.Fatalf("manager's measurements due: %v", due)
		}
		cookie := f.SignIn(mgr.Email)
		dash := f.Do("GET", "/o/acme-ltd/", areastest.Req{Cookie: cookie})
		if dash.StatusCode != 200 || !strings.Contains(dash.Text, "Phishing reports answered within a day") || !strings.Contains(dash.Text, "Off track") {
			t.Fatalf("dashboard: %d, off-track objective missing", dash.StatusCode)
		}
		page := f.Do("GET", "/o/acme-ltd/objectives/"+o.ID, areastest.Req{Cookie: cookie})
		if page.StatusCode != 200 || !strings.Contains(page.Text, "<svg") || !strings.Contains(page.Text, "target 90%") || !strings.Contains(page.Text, "<td>93%</td>") {
			t.Fatalf("objective page: %d, chart or table missing", page.StatusCode)
		}
		if list := f.Do("GET", "/o/acme-ltd/objectives", areastest.Req{Cookie: cookie}); list.StatusCode != 200 || !strings.Contains(list.Text, "OBJ-002") {
			t.Fatalf("list page: %d", list.StatusCode)
		}
		// The form records a measurement; a bad value shows the form again with the field named.
		form := func(path string, vals map[string]string) *areastest.Resp {
			v := map[string][]string{}
			for k, s := range vals {
				v[k] = []string{s}
			}
			return f.Do("POST", path, areastest.Req{Cookie: cookie, Form: v})
		}
		if res := form("/o/acme-ltd/metrics/"+m2.ID+"/measurements", map[string]string{"date": day(0), "value": "twelve"}); res.StatusCode != 422 || !strings.Contains(res.Text, "must be a number") {
			t.Fatalf("form with a bad value: %d", res.StatusCode)
		}
		if res := form("/o/acme-ltd/metrics/"+m2.ID+"/measurements", map[string]string{"date": day(0), "value": "12,5"}); res.StatusCode != 303 {
			t.Fatalf("form: %d %s", res.StatusCode, res.Text)
		}
		if got := areastest.Decode[objectives.Metric](t, do("GET", "/api/v1/metrics/"+m2.ID, mgr.Token, "")); got.Latest.Value != 12.5 || got.Status != objectives.StatusAchieved {
			t.Fatalf("after the form: %+v", got)
		}

		// Another organisation sees none of it.
		other := f.SecondOrg("Globex", "globex.test")[bulwark.RoleOwner].Token
		for _, path := range []string{"/api/v1/objectives/" + o.ID, "/api/v1/metrics/" + m.ID, "/api/v1/metrics/" + m.ID + "/measurements"} {
			if res := do("GET", path, other, ""); res.StatusCode != 404 {
				t.Errorf("another organisation reads %s: %d", path, res.StatusCode)
			}
		}
		if res := do("POST", "/api/v1/metrics/"+m.ID+"/measurements", other, `{"value":1}`); res.StatusCode != 404 {
			t.Errorf("another organisation measures: %d", res.StatusCode)
		}
		if l := areastest.Decode[areastest.List](t, do("GET", "/api/v1/objectives", other, "")); len(l.Items) != 0 {
			t.Errorf("another organisation's list: %v", l.Items)
		}

		// Every change is audited, the scheduler's run too.
		counts := map[string]int{}
		if err := db.View(ctx, func(tx *sqlstore.Tx) error {
			rows, err := tx.Query(ctx, `SELECT action, actor_id FROM audit_log WHERE org_id = ? AND entity_type IN ('objective', 'metric', 'measurement')`, f.Org.ID)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var action, actor string
				if err := rows.Scan(&action, &actor); err != nil {
					return err
				}
				counts[action]++
				if actor == objectives.SchedulerActor {
					counts["by the scheduler"]++
				}
			}
			return rows.Err()
		}); err != nil {
			t.Fatal(err)
		}
		want := map[string]int{"objective.create": 2, "metric.create": 4, "metric.update": 1, "metric.archive": 1, "measurement.record": 7, "measurement.compute": 3, "by the scheduler": 1}
		for k, n := range want {
			if counts[k] != n {
				t.Errorf("audit %s: %d, want %d (all: %v)", k, counts[k], n, counts)
			}
		}
	})
}

// TestImportMeasurements: a file with a bad row is refused whole, each problem
// with its row number and column; a good one records, and the same file again
// changes nothing. CSV and XLSX through the same engine.
func TestImportMeasurements(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		ctx := context.Background()
		mgr := f.Accounts[bulwark.RoleManager]
		do := func(method, path, body string) *areastest.Resp {
			return f.Do(method, path, areastest.Req{Token: mgr.Token, JSON: body})
		}
		o := areastest.Decode[objectives.Objective](t, mustStatus(t, do("POST", "/api/v1/objectives", `{"title":"Patching","deadline":"2030-12-31"}`), 201, "objective"))
		m := areastest.Decode[objectives.Metric](t, mustStatus(t, do("POST", "/api/v1/objectives/"+o.ID+"/metrics", `{"name":"Critical patches within 14 days","unit":"%","target":95}`), 201, "metric"))
		c := areastest.Decode[objectives.Metric](t, mustStatus(t, do("POST", "/api/v1/objectives/"+o.ID+"/metrics", `{"name":"Controls","source":"controls_implemented_pct","target":95}`), 201, "computed metric"))
		p := f.OwnerPrincipal(f.Org, mgr.Email)
		read := func(name string, content []byte) *tabular.Table {
			tb, err := tabular.Read(bytes.NewReader(content), name, objectives.MeasurementFields, tabular.Options{})
			if err != nil {
				t.Fatalf("read %s: %v", name, err)
			}
			return tb
		}
		bad := "Metric,Date,Value,Note\n" +
			"MET-001,2026-01-31,91.5,January\n" + // row 2: good
			"MET-404,2026-02-28,90,\n" + // row 3: no such metric
			"Critical patches within 14 days,2026-03-31,lots,\n" + // row 4: not a number
			m.Ref + ",2026-01-31,92,\n" + // row 5: the same day twice
			c.Ref + ",2026-01-31,50,\n" + // row 6: a computed metric
			"MET-001,2099-01-31,50,\n" // row 7: the future
		res, err := f.Svc.Objectives.ImportMeasurements(ctx, p, read("bad.csv", []byte(bad)), false)
		if err != nil {
			t.Fatal(err)
		}
		rows := map[int]string{}
		for _, e := range res.Errors {
			rows[e.Row] = e.Column + ": " + e.Message
		}
		for row, col := range map[int]string{3: "Metric", 4: "Value", 5: "Date", 6: "Metric", 7: "Date"} {
			if !strings.HasPrefix(rows[row], col+":") {
				t.Errorf("row %d: %q, want a problem in %s", row, rows[row], col)
			}
		}
		if _, ok := rows[2]; ok || len(res.Errors) != 5 {
			t.Errorf("errors: %v", res.Errors)
		}
		if xs := areastest.Decode[areastest.List](t, do("GET", "/api/v1/metrics/"+m.ID+"/measurements", "")); len(xs.Items) != 0 {
			t.Fatalf("a refused file wrote %v", xs.Items)
		}
		good := "Metric,Date,Value,Note\nMET-001,2026-01-31,91.5,January\ncritical patches within 14 days,2026-02-28,96 %,February\n"
		for _, dry := range []bool{true, false} {
			res, err = f.Svc.Objectives.ImportMeasurements(ctx, p, read("good.csv", []byte(good)), dry)
			if err != nil || len(res.Errors) != 0 || res.Created != 2 {
				t.Fatalf("good file (dry run %v): %v %+v", dry, err, res)
			}
		}
		xs := areastest.Decode[areastest.List](t, do("GET", "/api/v1/metrics/"+m.ID+"/measurements", ""))
		if len(xs.Items) != 2 || xs.Items[1]["value"] != 96.0 || xs.Items[1]["date"] != "2026-02-28" || xs.Items[0]["source"] != "import" {
			t.Fatalf("imported: %v", xs.Items)
		}
		// The same values as XLSX: unchanged.
		var buf bytes.Buffer
		w := tabular.NewXLSXWriter(&buf, "Measurements")
		for _, r := range [][]any{{"Metric", "Date", "Value", "Note"}, {"MET-001", "2026-01-31", 91.5, "January"}, {"MET-001", "2026-02-28", 96.0, "February"}} {
			if err := w.Write(r); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		res, err = f.Svc.Objectives.ImportMeasurements(ctx, p, read("again.xlsx", buf.Bytes()), false)
		if err != nil || len(res.Errors) != 0 || res.Unchanged != 2 || res.Created != 0 {
			t.Fatalf("the same values again: %v %+v", err, res)
		}
		var n int
		if err := db.View(ctx, func(tx *sqlstore.Tx) error {
			return tx.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE org_id = ? AND action = 'measurement.import'`, f.Org.ID).Scan(&n)
		}); err != nil || n != 2 {
			t.Fatalf("%d import audit entries (%v), want 2", n, err)
		}
		// An auditor may not import.
		if _, err := f.Svc.Objectives.ImportMeasurements(ctx, f.OwnerPrincipal(f.Org, f.Accounts[bulwark.RoleAuditor].Email), read("good.csv", []byte(good)), true); bulwark.ErrorCode(err) != bulwark.EFORBIDDEN {
			t.Fatalf("auditor import: %v", err)
		}
	})
}

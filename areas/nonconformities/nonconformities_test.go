package nonconformities_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/areas/areastest"
	"github.com/bulwark-isms/bulwark/areas/nonconformities"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
)

// TestMissing: what each state needs, as the domain rules say it.
func TestMissing(t *testing.T) {
	done := &nonconformities.Action{Status: nonconformities.ActionDone}
	open := &nonconformities.Action{Status: nonconformities.ActionOpen}
	effective := []nonconformities.Review{{Result: nonconformities.ReviewEffective}}
	ineffective := []nonconformities.Review{{Result: nonconformities.ReviewEffective}, {Result: nonconformities.ReviewIneffective}}
	full := func() *nonconformities.Nonconformity {
		return &nonconformities.Nonconformity{Ref: "NC-001", Status: "verified", RootCauseMethod: "five_whys", RootCauseWhys: []string{"no checklist"},
			RootCause: "no leaver checklist", Actions: []*nonconformities.Action{done}, Reviews: effective}
	}
	cases := []struct {
		name   string
		change func(n *nonconformities.Nonconformity)
		to     string
		want   []string // substrings of the refusal, none: allowed
	}{
		{"complete closes", func(n *nonconformities.Nonconformity) {}, "closed", nil},
		{"no root cause", func(n *nonconformities.Nonconformity) { n.RootCause, n.RootCauseMethod = "", "" }, "closed", []string{"root-cause analysis"}},
		{"five whys without answers", func(n *nonconformities.Nonconformity) { n.RootCauseWhys = nil }, "closed", []string{"five whys"}},
		{"fishbone without a cause", func(n *nonconformities.Nonconformity) { n.RootCauseMethod = "fishbone" }, "closed", []string{"fishbone"}},
		{"no actions", func(n *nonconformities.Nonconformity) { n.Actions = nil }, "closed", []string{"corrective actions (or a recorded reason"}},
		{"no actions with a reason", func(n *nonconformities.Nonconformity) { n.Actions, n.NoActionReason = nil, "a one-off typo" }, "closed", nil},
		{"an action pending", func(n *nonconformities.Nonconformity) { n.Actions = append(n.Actions, open) }, "closed", []string{"1 corrective action not done"}},
		{"no review", func(n *nonconformities.Nonconformity) { n.Reviews = nil }, "closed", []string{"effectiveness review"}},
		{"last review ineffective", func(n *nonconformities.Nonconformity) { n.Reviews = ineffective }, "closed", []string{"effectiveness review"}},
		{"everything missing", func(n *nonconformities.Nonconformity) {
			n.Status, n.RootCause, n.RootCauseMethod, n.Actions, n.Reviews = "open", "", "", nil, nil
		}, "closed", []string{"root-cause analysis", "corrective actions", "effectiveness review"}},
		{"analysed needs only the cause", func(n *nonconformities.Nonconformity) { n.Status, n.Actions, n.Reviews = "open", nil, nil }, "analysed", nil},
		{"verified only by a review", func(n *nonconformities.Nonconformity) { n.Status = "actions_done" }, "verified", []string{"effective review"}},
		{"no going back", func(n *nonconformities.Nonconformity) {}, "open", []string{"goes back only"}},
		{"reopen needs a reason", func(n *nonconformities.Nonconformity) { n.Status = "closed" }, "analysed", []string{"reason"}},
		{"closed stays closed", func(n *nonconformities.Nonconformity) { n.Status = "closed" }, "verified", []string{"reopen it"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n := full()
			c.change(n)
			err := nonconformities.CanMove(n, c.to, "")
			if len(c.want) == 0 {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("allowed; want a refusal naming %q", c.want)
			}
			if bulwark.ErrorCode(err) != bulwark.EINVALID {
				t.Errorf("code %s, want invalid (422)", bulwark.ErrorCode(err))
			}
			msg := fmt.Sprint(err, bulwark.FieldErrors(err))
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Errorf("%q does not name %q", msg, w)
				}
			}
		})
	}
}

// TestStateMachine walks a nonconformity through the API on both databases: every refusal on the
// way, the ineffective review that sends it back, closing, and reopening.
func TestStateMachine(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		mgr := f.Accounts[bulwark.RoleManager]
		do := func(method, path, body string, want int) map[string]any {
			t.Helper()
			res := f.Do(method, path, areastest.Req{Token: mgr.Token, JSON: body})
			if res.StatusCode != want {
				t.Fatalf("%s %s %s: %d, want %d: %s", method, path, body, res.StatusCode, want, res.Text)
			}
			if want >= 400 {
				return map[string]any{"text": res.Text}
			}
			return areastest.Decode[map[string]any](t, res)
		}
		refused := func(path, body string, names ...string) {
			t.Helper()
			text := do("POST", path, body, 422)["text"].(string)
			for _, n := range names {
				if !strings.Contains(text, n) {
					t.Errorf("POST %s %s: the refusal does not name %q: %s", path, body, n, text)
				}
			}
		}
		nc := do("POST", "/api/v1/nonconformities", `{"title":"Leavers keep access for a week","severity":"minor","source":"audit","source_ref":"F-001","due_date":"2020-01-31"}`, 201)
		id := nc["id"].(string)
		if nc["ref"] != "NC-001" || nc["status"] != "open" || nc["overdue"] != true {
			t.Fatalf("created: %v", nc)
		}
		base := "/api/v1/nonconformities/" + id
		refused(base+"/status", `{"status":"closed"}`, "root-cause analysis", "corrective actions", "effectiveness review")
		refused(base+"/status", `{"status":"analysed"}`, "root-cause analysis")
		refused(base+"/actions", `{"title":"Leaver checklist"}`, "root cause")
		do("PATCH", base, `{"correction":"Removed the three accounts found.","root_cause_method":"five_whys","root_cause_whys":["HR told IT late","no step in the leaver process"],"root_cause":"The leaver process has no IT step.","delay_reason":"waiting for HR"}`, 200)
		do("POST", base+"/status", `{"status":"analysed"}`, 200)
		refused(base+"/status", `{"status":"actions_done"}`, "corrective actions")
		act := do("POST", base+"/actions", `{"title":"Add IT to the leaver checklist","due_date":"2020-02-15","owner_id":"`+mgr.MemberID+`"}`, 201)
		if act["ref"] != "ACT-001" || act["overdue"] != true {
			t.Fatalf("action: %v", act)
		}
		refused(base+"/status", `{"status":"actions_done"}`, "1 corrective action not done")
		do("PATCH", base+"/actions/"+act["id"].(string), `{"status":"done"}`, 200)
		do("POST", base+"/status", `{"status":"actions_done"}`, 200)
		refused(base+"/status", `{"status":"verified"}`, "effective review")
		refused(base+"/status", `{"status":"closed"}`, "effectiveness review")
		refused(base+"/reviews", `{"result":"ineffective"}`, "notes")
		back := do("POST", base+"/reviews", `{"result":"ineffective","notes":"Two leavers in March still had VPN access."}`, 201)
		if back["status"] != "analysed" {
			t.Fatalf("after an ineffective review: %v", back["status"])
		}
		refused(base+"/status", `{"status":"closed"}`, "effectiveness review")
		act2 := do("POST", base+"/actions", `{"title":"Disable VPN from the directory"}`, 201)
		do("PATCH", base+"/actions/"+act2["id"].(string), `{"status":"done"}`, 200)
		do("POST", base+"/status", `{"status":"actions_done"}`, 200)
		if v := do("POST", base+"/reviews", `{"result":"effective","notes":"No leaver kept access in May."}`, 201); v["status"] != "verified" {
			t.Fatalf("after an effective review: %v", v["status"])
		}
		closed := do("POST", base+"/status", `{"status":"closed"}`, 200)
		if closed["status"] != "closed" || closed["closed_at"] == nil || closed["overdue"] != false {
			t.Fatalf("closed: %v", closed)
		}
		if res := f.Do("PATCH", base, areastest.Req{Token: mgr.Token, JSON: `{"title":"x"}`}); res.StatusCode != 409 {
			t.Errorf("changing a closed one: %d", res.StatusCode)
		}
		refused(base+"/status", `{"status":"analysed"}`, "reason")
		re := do("POST", base+"/status", `{"status":"analysed","reason":"It happened again in June."}`, 200)
		if re["status"] != "analysed" || re["closed_at"] != nil {
			t.Fatalf("reopened: %v", re)
		}
		// Every step is in the audit log.
		var actions []string
		err := db.View(context.Background(), func(tx *sqlstore.Tx) error {
			rows, err := tx.Query(context.Background(), `SELECT action FROM audit_log WHERE org_id = ? AND entity_id = ? ORDER BY seq`, f.Org.ID, id)
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
		})
		if err != nil {
			t.Fatal(err)
		}
		got := strings.Join(actions, " ")
		for _, want := range []string{"nonconformity.create", "nonconformity.update", "nonconformity.status", "nonconformity.review", "nonconformity.close", "nonconformity.reopen"} {
			if !strings.Contains(got, want) {
				t.Errorf("audit log %q lacks %s", got, want)
			}
		}
		// The overdue action reached its owner's tasks and the list of overdue actions, until done.
		list := areastest.Decode[areastest.List](t, f.Do("GET", "/api/v1/corrective-actions?overdue=true", areastest.Req{Token: mgr.Token}))
		if len(list.Items) != 0 {
			t.Errorf("overdue actions after both were done: %v", list.Items)
		}
		// Who may: an employee cannot read the register, a contributor raises one and owns it.
		if res := f.Do("GET", "/api/v1/nonconformities", areastest.Req{Token: f.Accounts[bulwark.RoleEmployee].Token}); res.StatusCode != 403 {
			t.Errorf("employee reads: %d", res.StatusCode)
		}
		con := f.Accounts[bulwark.RoleContributor]
		res := f.Do("POST", "/api/v1/nonconformities", areastest.Req{Token: con.Token, JSON: `{"title":"Visitor log not kept","severity":"minor"}`})
		if res.StatusCode != 201 {
			t.Fatalf("contributor raises: %d %s", res.StatusCode, res.Text)
		}
		if res := f.Do("PATCH", base, areastest.Req{Token: con.Token, JSON: `{"title":"x"}`}); res.StatusCode != 403 {
			t.Errorf("contributor changes someone else's: %d", res.StatusCode)
		}
	})
}

// TestOverdueActionsInTasks: a corrective action past its due date is in its owner's tasks and on the dashboard.
func TestOverdueActionsInTasks(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		mgr := f.Accounts[bulwark.RoleManager]
		res := f.Do("POST", "/api/v1/nonconformities", areastest.Req{Token: mgr.Token, JSON: `{"title":"Backups not tested","severity":"major","root_cause_method":"other","root_cause":"Nobody owns restore tests."}`})
		id := areastest.Decode[map[string]any](t, res)["id"].(string)
		if res := f.Do("POST", "/api/v1/nonconformities/"+id+"/status", areastest.Req{Token: mgr.Token, JSON: `{"status":"analysed"}`}); res.StatusCode != 200 {
			t.Fatalf("analysed: %d %s", res.StatusCode, res.Text)
		}
		f.Do("POST", "/api/v1/nonconformities/"+id+"/actions", areastest.Req{Token: mgr.Token, JSON: `{"title":"Quarterly restore test","due_date":"2021-03-01","owner_id":"` + mgr.MemberID + `"}`})
		tasks := f.Do("GET", "/api/v1/me/tasks", areastest.Req{Token: mgr.Token})
		if !strings.Contains(tasks.Text, "Quarterly restore test") {
			t.Errorf("my tasks lack the overdue action: %s", tasks.Text)
		}
		page := f.Do("GET", "/o/"+f.Org.Slug+"/", areastest.Req{Cookie: f.SignIn(mgr.Email)})
		if !strings.Contains(page.Text, "Overdue corrective actions") || !strings.Contains(page.Text, "ACT-001") {
			t.Errorf("dashboard lacks the overdue action")
		}
	})
}

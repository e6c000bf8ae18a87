package training_test

import (
	"strings"
	"testing"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/areas/areastest"
	"github.com/bulwark-isms/bulwark/areas/training"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
)

func TestScore(t *testing.T) {
	quiz := []training.Question{{Question: "a", Options: []string{"x", "y"}, Answer: 1}, {Question: "b", Options: []string{"x", "y", "z"}, Answer: 0},
		{Question: "c", Options: []string{"x", "y"}, Answer: 0}, {Question: "d", Options: []string{"x", "y"}, Answer: 1}}
	for _, tc := range []struct {
		answers []int
		score   int
		err     bool
	}{{[]int{1, 0, 0, 1}, 100, false}, {[]int{1, 0, 1, 0}, 50, false}, {[]int{0, 1, 1, 0}, 0, false}, {[]int{1, 0, 0}, 0, true}, {[]int{1, 0, 0, 7}, 0, true}} {
		got, err := training.Score(quiz, tc.answers)
		if (err != nil) != tc.err || (!tc.err && got != tc.score) {
			t.Errorf("Score(%v) = %d, %v; want %d (error %v)", tc.answers, got, err, tc.score, tc.err)
		}
	}
}

func TestCycle(t *testing.T) {
	for _, tc := range []struct{ start, due, rec, today, cs, cd string }{
		{"2026-01-10", "2026-02-10", "none", "2027-05-01", "2026-01-10", "2026-02-10"},
		{"2024-03-01", "2024-03-31", "yearly", "2026-12-02", "2026-03-01", "2026-03-31"},
		{"2024-03-01", "2024-03-31", "yearly", "2026-02-28", "2025-03-01", "2025-03-31"},
		{"2024-03-01", "2024-03-31", "yearly", "2024-03-01", "2024-03-01", "2024-03-31"},
		{"2027-01-01", "2027-02-01", "yearly", "2026-12-02", "2027-01-01", "2027-02-01"},
	} {
		cs, cd := training.Cycle(tc.start, tc.due, tc.rec, tc.today)
		if cs != tc.cs || cd != tc.cd {
			t.Errorf("Cycle(%s, %s, %s, %s) = %s, %s; want %s, %s", tc.start, tc.due, tc.rec, tc.today, cs, cd, tc.cs, tc.cd)
		}
	}
}

func TestQuizText(t *testing.T) {
	starter, err := training.Starter("Acme Ltd")
	if err != nil {
		t.Fatal(err)
	}
	if len(starter.Quiz) < 10 || starter.PassMark == nil || len(strings.Fields(starter.Content)) < 800 || strings.Contains(starter.Content, "{{") {
		t.Fatalf("starter module: %d questions, %d words", len(starter.Quiz), len(strings.Fields(starter.Content)))
	}
	back, err := training.ParseQuiz(training.QuizText(starter.Quiz))
	if err != nil || len(back) != len(starter.Quiz) {
		t.Fatalf("round trip: %v, %d questions", err, len(back))
	}
	for i := range back {
		if back[i].Answer != starter.Quiz[i].Answer || back[i].Question != starter.Quiz[i].Question || len(back[i].Options) != len(starter.Quiz[i].Options) {
			t.Errorf("question %d changed in the round trip: %+v", i+1, back[i])
		}
	}
	if _, err := training.ParseQuiz("Which?\n- a\n- b\n"); err == nil {
		t.Error("a question without a right option was accepted")
	}
}

// TestTraining: the starter module in every organisation; a campaign to
// everyone; a member fails then passes the quiz, a person without an account
// passes through their link; an altered link is refused; yearly recurrence counts
// only this cycle's completions.
func TestTraining(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		mgr, emp := f.Accounts[bulwark.RoleManager].Token, f.Accounts[bulwark.RoleEmployee].Token
		do := func(method, path, token, body string, status int) *areastest.Resp {
			t.Helper()
			res := f.Do(method, path, areastest.Req{Token: token, JSON: body})
			if res.StatusCode != status {
				t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, res.Text)
			}
			return res
		}
		mods := areastest.Decode[struct{ Items []training.Training }](t, do("GET", "/api/v1/trainings", mgr, "", 200))
		if len(mods.Items) != 1 || mods.Items[0].BuiltinID != "security-awareness" || len(mods.Items[0].Quiz) < 10 {
			t.Fatalf("seeded modules: %+v", mods.Items)
		}
		starter := mods.Items[0]
		for _, tc := range []struct{ body, field string }{
			{`{"title":"X","pass_mark":80}`, "pass_mark"},
			{`{"title":"X","quiz":[{"question":"Q","options":["a"],"answer":0}]}`, "quiz"},
			{`{"title":"X","quiz":[{"question":"Q","options":["a","b"],"answer":5}]}`, "quiz"},
			{`{"description":"no title"}`, "title"},
		} {
			if res := f.Do("POST", "/api/v1/trainings", areastest.Req{Token: mgr, JSON: tc.body}); res.StatusCode != 422 || !strings.Contains(res.Text, `"field":"`+tc.field+`"`) {
				t.Errorf("%s: %d %s", tc.body, res.StatusCode, res.Text)
			}
		}
		do("POST", "/api/v1/people", mgr, `{"name":"Eve","email":"`+f.Accounts[bulwark.RoleEmployee].Email+`"}`, 201)
		cleo := areastest.Decode[struct{ ID string }](t, do("POST", "/api/v1/people", mgr, `{"name":"Cleo","email":"cleo@example.com"}`, 201))
		due := time.Now().AddDate(0, 1, 0).Format("2006-01-02")
		c := areastest.Decode[training.Campaign](t, do("POST", "/api/v1/training-campaigns", mgr, `{"title":"Awareness","training_ids":["`+starter.ID+`"],"everyone":true,"due_date":"`+due+`"}`, 201))
		if c.Ref != "CMP-001" || c.Assigned != 2 || c.Completed != 0 {
			t.Fatalf("campaign: %+v", c)
		}
		tasks := do("GET", "/api/v1/me/tasks", emp, "", 200)
		if !strings.Contains(tasks.Text, `"trainings_due":[{`) {
			t.Fatalf("employee's tasks: %s", tasks.Text)
		}
		// The module as the employee sees it: no answers.
		mod := do("GET", "/api/v1/me/trainings/"+starter.ID, emp, "", 200)
		if !strings.Contains(mod.Text, `"answer":-1`) || strings.Contains(mod.Text, `"answer":0`) || strings.Contains(mod.Text, `"answer":1,`) {
			t.Errorf("the taker's module shows the answers")
		}
		if res := f.Do("GET", "/api/v1/trainings/"+starter.ID, areastest.Req{Token: emp}); res.StatusCode != 403 {
			t.Errorf("employee reads the module with answers: %d", res.StatusCode)
		}
		right := make([]string, len(starter.Quiz))
		wrong := make([]string, len(starter.Quiz))
		for i, q := range starter.Quiz {
			right[i] = itoa(q.Answer)
			wrong[i] = itoa((q.Answer + 1) % len(q.Options))
		}
		rec := areastest.Decode[training.Record](t, do("POST", "/api/v1/me/trainings/"+starter.ID+"/attempts", emp, `{"answers":[`+strings.Join(wrong, ",")+`]}`, 201))
		if rec.Passed || rec.Score == nil || *rec.Score != 0 {
			t.Errorf("all wrong: %+v", rec)
		}
		if res := f.Do("POST", "/api/v1/me/trainings/"+starter.ID+"/attempts", areastest.Req{Token: emp, JSON: `{"answers":[0]}`}); res.StatusCode != 422 {
			t.Errorf("too few answers: %d %s", res.StatusCode, res.Text)
		}
		rec = areastest.Decode[training.Record](t, do("POST", "/api/v1/me/trainings/"+starter.ID+"/attempts", emp, `{"answers":[`+strings.Join(right, ",")+`]}`, 201))
		if !rec.Passed || *rec.Score != 100 || rec.CampaignID == nil || *rec.CampaignID != c.ID {
			t.Errorf("all right: %+v", rec)
		}
		if tasks := do("GET", "/api/v1/me/tasks", emp, "", 200); !strings.Contains(tasks.Text, `"trainings_due":[]`) {
			t.Errorf("passed, still due: %s", tasks.Text)
		}
		// Cleo, without an account, through her personal link.
		links := areastest.Decode[struct{ Items []training.CampaignLink }](t, do("GET", "/api/v1/training-campaigns/"+c.ID+"/links", mgr, "", 200))
		var token string
		for _, l := range links.Items {
			if l.PersonID == cleo.ID {
				token = l.Link[strings.LastIndex(l.Link, "/t/")+3:]
			}
		}
		if page := f.Do("GET", "/t/"+token, areastest.Req{}); page.StatusCode != 200 || !strings.Contains(page.Text, starter.Title) {
			t.Fatalf("link page: %d", page.StatusCode)
		}
		if res := f.Do("POST", "/api/v1/training-attempts", areastest.Req{JSON: `{"token":"` + token + `x","training_id":"` + starter.ID + `","answers":[` + strings.Join(right, ",") + `]}`}); res.StatusCode != 404 {
			t.Errorf("altered link: %d", res.StatusCode)
		}
		rec = areastest.Decode[training.Record](t, do("POST", "/api/v1/training-attempts", "", `{"token":"`+token+`","training_id":"`+starter.ID+`","answers":[`+strings.Join(right, ",")+`]}`, 201))
		if !rec.Passed || rec.Via != "link" || rec.PersonID != cleo.ID {
			t.Errorf("link attempt: %+v", rec)
		}
		detail := do("GET", "/api/v1/training-campaigns/"+c.ID, mgr, "", 200)
		if !strings.Contains(detail.Text, `"completed":2`) {
			t.Errorf("campaign after both passed: %s", detail.Text)
		}
		// Yearly recurrence: only this cycle's completions count.
		y := areastest.Decode[training.Campaign](t, do("POST", "/api/v1/training-campaigns", mgr, `{"title":"Yearly refresher","training_ids":["`+starter.ID+`"],"person_ids":["`+cleo.ID+`"],"start_date":"2024-03-01","due_date":"2024-03-31","recurrence":"yearly"}`, 201))
		cycleStart, _ := training.Cycle("2024-03-01", "2024-03-31", "yearly", bulwark.Today(time.Now(), "UTC"))
		if y.CycleStart != cycleStart || y.Completed != 1 {
			t.Errorf("yearly campaign: cycle %s (want %s), %d completed (Cleo passed today)", y.CycleStart, cycleStart, y.Completed)
		}
		start, _ := time.Parse("2006-01-02", cycleStart)
		before := start.AddDate(0, 0, -10).Format("2006-01-02")
		do("POST", "/api/v1/training-records", mgr, `{"training_id":"`+starter.ID+`","person_id":"`+cleo.ID+`","completed_on":"`+before+`","notes":"classroom"}`, 201)
		pr := areastest.Decode[training.PersonRecord](t, do("GET", "/api/v1/people/"+cleo.ID+"/training-record", f.Accounts[bulwark.RoleAuditor].Token, "", 200))
		if len(pr.Records) != 2 || len(pr.Due) != 0 {
			t.Errorf("Cleo's record: %d records, %d due", len(pr.Records), len(pr.Due))
		}
		if res := f.Do("POST", "/api/v1/training-records", areastest.Req{Token: mgr, JSON: `{"training_id":"` + starter.ID + `","person_id":"` + cleo.ID + `","completed_on":"2999-01-01"}`}); res.StatusCode != 422 {
			t.Errorf("a completion in the future: %d", res.StatusCode)
		}
		exp := do("GET", "/api/v1/training-records/export?format=csv", mgr, "", 200)
		if !strings.HasPrefix(exp.Text, "training_ref,training_title,person_ref") || strings.Count(exp.Text, "\n") != 5 {
			t.Errorf("records export:\n%s", exp.Text)
		}
	})
}

func itoa(n int) string { return string(rune('0' + n)) }

package documents_test

import (
	"context"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/areas/areastest"
	"github.com/bulwark-isms/bulwark/areas/documents"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
)

// TestAcknowledgements: a published policy asked of everyone; a member
// acknowledges from their tasks, a person without an account through a signed
// link; altered and expired links are refused; each record names the exact
// revision; a minor revision keeps acknowledgements, a major one asks again.
func TestAcknowledgements(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		mgr, admin, emp := f.Accounts[bulwark.RoleManager].Token, f.Accounts[bulwark.RoleAdmin].Token, f.Accounts[bulwark.RoleEmployee].Token
		do := func(method, path, token, body string, status int) *areastest.Resp {
			t.Helper()
			res := f.Do(method, path, areastest.Req{Token: token, JSON: body})
			if res.StatusCode != status {
				t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, res.Text)
			}
			return res
		}
		do("POST", "/api/v1/people", mgr, `{"name":"Eve Employee","email":"`+f.Accounts[bulwark.RoleEmployee].Email+`"}`, 201)
		ext := areastest.Decode[struct{ ID string }](t, do("POST", "/api/v1/people", mgr, `{"name":"Cleo Contractor","email":"cleo@example.com"}`, 201))
		do("POST", "/api/v1/people", mgr, `{"name":"Lou Leaver","status":"left"}`, 201)
		d := areastest.Decode[documents.Document](t, do("POST", "/api/v1/documents", mgr, `{"title":"Clean desk","body":"Clear your desk."}`, 201))
		if res := f.Do("POST", "/api/v1/documents/"+d.ID+"/acknowledgement-requests", areastest.Req{Token: mgr, JSON: `{"everyone":true}`}); res.StatusCode != 409 {
			t.Errorf("asking before publication: %d %s", res.StatusCode, res.Text)
		}
		publish := func(bump, summary string) {
			t.Helper()
			do("POST", "/api/v1/documents/"+d.ID+"/submit", mgr, `{}`, 200)
			do("POST", "/api/v1/documents/"+d.ID+"/approve", admin, `{}`, 200)
			do("POST", "/api/v1/documents/"+d.ID+"/publish", mgr, `{"bump":"`+bump+`","change_summary":"`+summary+`"}`, 200)
		}
		publish("minor", "")
		if res := f.Do("POST", "/api/v1/documents/"+d.ID+"/acknowledgement-requests", areastest.Req{Token: mgr, JSON: `{}`}); res.StatusCode != 422 {
			t.Errorf("asking nobody: %d %s", res.StatusCode, res.Text)
		}
		q := areastest.Decode[documents.AckRequest](t, do("POST", "/api/v1/documents/"+d.ID+"/acknowledgement-requests", mgr, `{"everyone":true}`, 201))
		if q.Requested != 2 || len(q.Links) != 2 || q.Revision != "1.0" || q.ExpiresAt.Sub(q.RequestedAt) < 29*24*time.Hour {
			t.Fatalf("request: %+v", q)
		}
		var cleoLink string
		for _, l := range q.Links {
			if l.PersonID == ext.ID {
				cleoLink = l.Link
			}
		}
		token := cleoLink[strings.LastIndex(cleoLink, "/l/")+3:]
		// The employee sees it in their tasks and acknowledges it.
		tasks := do("GET", "/api/v1/me/tasks", emp, "", 200)
		if !strings.Contains(tasks.Text, `"documents_to_acknowledge":[{`) || !strings.Contains(tasks.Text, d.Ref) {
			t.Fatalf("employee's tasks: %s", tasks.Text)
		}
		a := areastest.Decode[documents.Acknowledgement](t, do("POST", "/api/v1/documents/"+d.ID+"/acknowledge", emp, `{}`, 201))
		if a.Revision != "1.0" || a.Via != "account" {
			t.Errorf("member acknowledgement: %+v", a)
		}
		if tasks := do("GET", "/api/v1/me/tasks", emp, "", 200); !strings.Contains(tasks.Text, `"documents_to_acknowledge":[]`) {
			t.Errorf("acknowledged, still in tasks: %s", tasks.Text)
		}
		// Links: altered, foreign and expired ones are refused.
		altered := token[:len(token)-2] + map[bool]string{true: "AA", false: "BB"}[!strings.HasSuffix(token, "AA")]
		for _, tc := range []struct {
			name, token string
			status      int
		}{{"altered", altered, 404}, {"garbage", "not-a-token", 404}, {"empty", "", 422}} {
			if res := f.Do("POST", "/api/v1/acknowledgements", areastest.Req{JSON: `{"token":"` + tc.token + `"}`}); res.StatusCode != tc.status {
				t.Errorf("%s link: %d %s", tc.name, res.StatusCode, res.Text)
			}
		}
		var hexKey string
		if err := db.SQL().QueryRowContext(context.Background(), rebind(db, `SELECT link_key FROM organisations WHERE id = ?`), f.Org.ID).Scan(&hexKey); err != nil {
			t.Fatal(err)
		}
		key, _ := hex.DecodeString(hexKey)
		expired := bulwark.SignLink(key, bulwark.LinkClaims{Purpose: "ack", OrgID: f.Org.ID, Subject: q.ID, PersonID: ext.ID, Expires: time.Now().Add(-time.Hour)})
		if res := f.Do("POST", "/api/v1/acknowledgements", areastest.Req{JSON: `{"token":"` + expired + `"}`}); res.StatusCode != 403 || !strings.Contains(res.Text, "expired") {
			t.Errorf("expired link: %d %s", res.StatusCode, res.Text)
		}
		page := f.Do("GET", "/l/"+expired, areastest.Req{})
		if page.StatusCode != 403 || !strings.Contains(page.Text, "expired") {
			t.Errorf("expired link page: %d", page.StatusCode)
		}
		wrongPurpose := bulwark.SignLink(key, bulwark.LinkClaims{Purpose: "training", OrgID: f.Org.ID, Subject: q.ID, PersonID: ext.ID, Expires: time.Now().Add(time.Hour)})
		if res := f.Do("POST", "/api/v1/acknowledgements", areastest.Req{JSON: `{"token":"` + wrongPurpose + `"}`}); res.StatusCode != 404 {
			t.Errorf("a link for another purpose: %d", res.StatusCode)
		}
		// The real link: its page shows the text, the form acknowledges, once.
		if page := f.Do("GET", "/l/"+token, areastest.Req{}); page.StatusCode != 200 || !strings.Contains(page.Text, "Clear your desk.") || !strings.Contains(page.Text, "I have read and understood revision 1.0") {
			t.Fatalf("link page: %d", page.StatusCode)
		}
		if res := f.Do("POST", "/l/"+token, areastest.Req{Form: map[string][]string{}}); res.StatusCode != 200 || !strings.Contains(res.Text, "this link has been used") {
			t.Errorf("acknowledging through the page: %d", res.StatusCode)
		}
		again := areastest.Decode[documents.Acknowledgement](t, do("POST", "/api/v1/acknowledgements", "", `{"token":"`+token+`"}`, 201))
		if again.Revision != "1.0" || again.Via != "link" {
			t.Errorf("second use: %+v", again)
		}
		pr := areastest.Decode[documents.Progress](t, do("GET", "/api/v1/documents/"+d.ID+"/acknowledgements", mgr, "", 200))
		if pr.Asked != 2 || pr.Acknowledged != 2 || pr.Percent != 100 {
			t.Errorf("progress at 1.0: %+v", pr)
		}
		// A minor revision keeps the acknowledgements; a major one asks again.
		do("PATCH", "/api/v1/documents/"+d.ID, mgr, `{"body":"Clear your desk every evening."}`, 200)
		publish("minor", "Every evening.")
		if pr := areastest.Decode[documents.Progress](t, do("GET", "/api/v1/documents/"+d.ID+"/acknowledgements", mgr, "", 200)); pr.Acknowledged != 2 || pr.Revision != "1.1" {
			t.Errorf("progress at 1.1: %+v", pr)
		}
		do("PATCH", "/api/v1/documents/"+d.ID, mgr, `{"body":"Lock your screen and clear your desk."}`, 200)
		publish("major", "Screens too.")
		pr = areastest.Decode[documents.Progress](t, do("GET", "/api/v1/documents/"+d.ID+"/acknowledgements", mgr, "", 200))
		if pr.Revision != "2.0" || pr.Asked != 2 || pr.Acknowledged != 0 {
			t.Errorf("progress at 2.0: %+v", pr)
		}
		if tasks := do("GET", "/api/v1/me/tasks", emp, "", 200); !strings.Contains(tasks.Text, `"revision":"2.0"`) {
			t.Errorf("asked again at 2.0: %s", tasks.Text)
		}
		a = areastest.Decode[documents.Acknowledgement](t, do("POST", "/api/v1/documents/"+d.ID+"/acknowledge", emp, `{}`, 201))
		if a.Revision != "2.0" {
			t.Errorf("acknowledged %s, want 2.0", a.Revision)
		}
		// The employee reads published policies and nothing else of the ISMS.
		pub := do("GET", "/api/v1/published-documents/"+d.ID, emp, "", 200)
		if !strings.Contains(pub.Text, "Lock your screen") || !strings.Contains(pub.Text, `"acknowledged":true`) {
			t.Errorf("published document: %s", pub.Text)
		}
		for _, path := range []string{"/api/v1/documents/" + d.ID, "/api/v1/documents/" + d.ID + "/acknowledgements", "/api/v1/people", "/api/v1/risks"} {
			if res := f.Do("GET", path, areastest.Req{Token: emp}); res.StatusCode != 403 {
				t.Errorf("employee GET %s: %d", path, res.StatusCode)
			}
		}
		links := f.Do("GET", "/api/v1/documents/"+d.ID+"/acknowledgement-requests/"+q.ID+"/links?format=csv", areastest.Req{Token: mgr})
		if links.StatusCode != 200 || !strings.HasPrefix(links.Text, "person,email,link,expires_at") || !strings.Contains(links.Text, "/l/") {
			t.Errorf("links CSV: %d %s", links.StatusCode, links.Text)
		}
	})
}

package incidents_test

import (
	"strings"
	"testing"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/areas/areastest"
	"github.com/bulwark-isms/bulwark/areas/incidents"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
)

// TestReport: any member reports an event or weakness; it lands in the incident
// register as reported; the reporter sees their own reports, only ISMS readers the register.
func TestReport(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		emp, aud := f.Accounts[bulwark.RoleEmployee].Token, f.Accounts[bulwark.RoleAuditor].Token
		for _, tc := range []struct {
			body, field string
		}{{`{"title":"  "}`, "title"}, {`{"title":"x","discovered_at":"2999-01-01T00:00:00Z"}`, "discovered_at"}, {`{"title":"x","discovered_at":"yesterday"}`, "discovered_at"}} {
			if res := f.Do("POST", "/api/v1/me/incident-reports", areastest.Req{Token: emp, JSON: tc.body}); res.StatusCode != 422 || !strings.Contains(res.Text, `"field":"`+tc.field+`"`) {
				t.Errorf("%s: %d %s", tc.body, res.StatusCode, res.Text)
			}
		}
		res := f.Do("POST", "/api/v1/me/incident-reports", areastest.Req{Token: emp, JSON: `{"title":"Phishing email <script>alert(1)</script>","description":"Asked for my password.","discovered_at":"2026-12-01T08:30:00Z"}`})
		i := areastest.Decode[incidents.Incident](t, res)
		if res.StatusCode != 201 || i.Ref != "INC-001" || i.Status != "reported" || i.ReportedBy == nil || *i.ReportedBy != f.Accounts[bulwark.RoleEmployee].MemberID {
			t.Fatalf("report: %d %s", res.StatusCode, res.Text)
		}
		mine := areastest.Decode[struct{ Items []incidents.Incident }](t, f.Do("GET", "/api/v1/me/incident-reports", areastest.Req{Token: emp}))
		if len(mine.Items) != 1 {
			t.Errorf("my reports: %d", len(mine.Items))
		}
		if others := areastest.Decode[struct{ Items []incidents.Incident }](t, f.Do("GET", "/api/v1/me/incident-reports", areastest.Req{Token: aud})); len(others.Items) != 0 {
			t.Errorf("someone else's reports: %d", len(others.Items))
		}
		if res := f.Do("GET", "/api/v1/incidents", areastest.Req{Token: emp}); res.StatusCode != 403 {
			t.Errorf("an employee reads the register: %d", res.StatusCode)
		}
		all := areastest.Decode[struct{ Items []incidents.Incident }](t, f.Do("GET", "/api/v1/incidents", areastest.Req{Token: aud}))
		if len(all.Items) != 1 || all.Items[0].Title != "Phishing email <script>alert(1)</script>" {
			t.Errorf("the register: %+v", all.Items)
		}
		// The form on My tasks, and the register page showing the text inert.
		cookie := f.SignIn(f.Accounts[bulwark.RoleEmployee].Email)
		post := f.Do("POST", "/o/acme-ltd/incident-reports", areastest.Req{Cookie: cookie, Form: map[string][]string{"title": {"Door left open"}}})
		if post.StatusCode != 303 || !strings.Contains(post.Header.Get("Location"), "reported=INC-002") {
			t.Errorf("form report: %d %s", post.StatusCode, post.Header.Get("Location"))
		}
		page := f.Do("GET", "/o/acme-ltd/incidents", areastest.Req{Cookie: f.SignIn(f.Accounts[bulwark.RoleManager].Email)})
		if page.StatusCode != 200 || strings.Contains(page.Text, "<script>alert(1)") || !strings.Contains(page.Text, "Door left open") {
			t.Errorf("incident list page: %d", page.StatusCode)
		}
	})
}

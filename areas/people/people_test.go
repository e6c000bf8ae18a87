package people_test

import (
	"bytes"
	"mime/multipart"
	"strings"
	"testing"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/areas/areastest"
	"github.com/bulwark-isms/bulwark/areas/people"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
)

// TestPeople: the workforce register with groups and managers, linked to members by email.
func TestPeople(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		mgr := f.Accounts[bulwark.RoleManager].Token
		g := areastest.Decode[people.Group](t, f.Do("POST", "/api/v1/groups", areastest.Req{Token: mgr, JSON: `{"name":"Developers"}`}))
		if res := f.Do("POST", "/api/v1/groups", areastest.Req{Token: mgr, JSON: `{"name":"developers"}`}); res.StatusCode != 422 {
			t.Errorf("duplicate group name: %d %s", res.StatusCode, res.Text)
		}
		boss := areastest.Decode[people.Person](t, f.Do("POST", "/api/v1/people", areastest.Req{Token: mgr,
			JSON: `{"name":"Ana Lima","email":"` + f.Accounts[bulwark.RoleEmployee].Email + `","department":"Engineering"}`}))
		if boss.Ref != "P-001" || boss.MemberID == nil || *boss.MemberID != f.Accounts[bulwark.RoleEmployee].MemberID || boss.Status != "active" {
			t.Fatalf("a person with a member's email: %+v", boss)
		}
		res := f.Do("POST", "/api/v1/people", areastest.Req{Token: mgr, JSON: `{"name":"Bo Chen","email":"BO@example.com","manager_id":"` + boss.ID + `","group_ids":["` + g.ID + `"],"start_date":"2025-03-01"}`})
		bo := areastest.Decode[people.Person](t, res)
		if res.StatusCode != 201 || bo.Email != "bo@example.com" || bo.MemberID != nil || len(bo.GroupIDs) != 1 || bo.ManagerID == nil {
			t.Fatalf("create: %d %s", res.StatusCode, res.Text)
		}
		for _, tc := range []struct {
			name, method, path, body, token string
			status                          int
			field                           string
		}{
			{"no name", "POST", "/api/v1/people", `{"email":"x@example.com"}`, mgr, 422, "name"},
			{"bad email", "POST", "/api/v1/people", `{"name":"X","email":"not an email"}`, mgr, 422, "email"},
			{"taken email", "POST", "/api/v1/people", `{"name":"X","email":"bo@example.com"}`, mgr, 409, ""},
			{"unknown status", "POST", "/api/v1/people", `{"name":"X","status":"fired"}`, mgr, 422, "status"},
			{"unknown group", "POST", "/api/v1/people", `{"name":"X","group_ids":["nope"]}`, mgr, 422, "group_ids"},
			{"manager loop", "PATCH", "/api/v1/people/" + boss.ID, `{"manager_id":"` + bo.ID + `"}`, mgr, 422, "manager_id"},
			{"own manager", "PATCH", "/api/v1/people/" + bo.ID, `{"manager_id":"` + bo.ID + `"}`, mgr, 422, "manager_id"},
			{"a contributor adds people", "POST", "/api/v1/people", `{"name":"X"}`, f.Accounts[bulwark.RoleContributor].Token, 403, ""},
			{"an employee reads people", "GET", "/api/v1/people", ``, f.Accounts[bulwark.RoleEmployee].Token, 403, ""},
		} {
			res := f.Do(tc.method, tc.path, areastest.Req{Token: tc.token, JSON: tc.body})
			if res.StatusCode != tc.status || (tc.field != "" && !strings.Contains(res.Text, `"field":"`+tc.field+`"`)) {
				t.Errorf("%s: %d %s", tc.name, res.StatusCode, res.Text)
			}
		}
		list := areastest.Decode[areastest.List](t, f.Do("GET", "/api/v1/people?group_id="+g.ID, areastest.Req{Token: f.Accounts[bulwark.RoleAuditor].Token}))
		if len(list.Items) != 1 {
			t.Errorf("people in the group: %d", len(list.Items))
		}
		gs := areastest.Decode[areastest.List](t, f.Do("GET", "/api/v1/groups", areastest.Req{Token: mgr}))
		if len(gs.Items) != 1 || gs.Items[0]["size"] != float64(1) {
			t.Errorf("groups: %s", gs.Items)
		}
		// Leaving: status left, and archived people drop out of lists.
		if res := f.Do("PATCH", "/api/v1/people/"+bo.ID, areastest.Req{Token: mgr, JSON: `{"status":"left"}`}); res.StatusCode != 200 {
			t.Errorf("leave: %d %s", res.StatusCode, res.Text)
		}
		if res := f.Do("DELETE", "/api/v1/people/"+bo.ID, areastest.Req{Token: mgr}); res.StatusCode != 204 {
			t.Errorf("archive: %d", res.StatusCode)
		}
		if list := areastest.Decode[areastest.List](t, f.Do("GET", "/api/v1/people", areastest.Req{Token: mgr})); len(list.Items) != 1 {
			t.Errorf("after archiving: %d people listed", len(list.Items))
		}
	})
}

// TestImportPeople: an HR export with managers named by email (some further down
// the file), groups by name (created when missing); a bad row writes nothing.
func TestImportPeople(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		mgr := f.Accounts[bulwark.RoleManager].Token
		upload := func(csv string, dry bool) *areastest.Resp {
			var b bytes.Buffer
			mw := multipart.NewWriter(&b)
			fw, _ := mw.CreateFormFile("file", "staff.csv")
			fw.Write([]byte(csv))
			mw.Close()
			q := ""
			if dry {
				q = "?dry_run=true"
			}
			return f.Do("POST", "/api/v1/people/import"+q, areastest.Req{Token: mgr, Body: b.String(), Headers: map[string]string{"Content-Type": mw.FormDataContentType()}})
		}
		bad := "Full name,Work email,Team,Line manager,Groups,Start\nAna Lima,ana@example.com,Engineering,carl@example.com,Developers | London,2024-01-15\nBo Chen,bo@example.com,Engineering,nobody@example.com,,2024-02-01\nCarl Diaz,not-an-email,Management,,,\n"
		res := upload(bad, false)
		if res.StatusCode != 422 || !strings.Contains(res.Text, `row 3: Line manager`) || !strings.Contains(res.Text, `row 4: Work email`) {
			t.Fatalf("bad file: %d %s", res.StatusCode, res.Text)
		}
		if list := areastest.Decode[areastest.List](t, f.Do("GET", "/api/v1/people", areastest.Req{Token: mgr})); len(list.Items) != 0 {
			t.Fatalf("a refused import wrote %d people", len(list.Items))
		}
		good := "Full name,Work email,Team,Line manager,Groups,Start\nAna Lima,ana@example.com,Engineering,carl@example.com,Developers | London,2024-01-15\nBo Chen,bo@example.com,Engineering,Ana Lima,London,2024-02-01\nCarl Diaz,carl@example.com,Management,,,\n"
		res = upload(good, false)
		if res.StatusCode != 200 || !strings.Contains(res.Text, `"created":3`) {
			t.Fatalf("import: %d %s", res.StatusCode, res.Text)
		}
		list := areastest.Decode[struct{ Items []people.Person }](t, f.Do("GET", "/api/v1/people?sort=name", areastest.Req{Token: mgr}))
		byEmail := map[string]people.Person{}
		for _, p := range list.Items {
			byEmail[p.Email] = p
		}
		ana, bo, carl := byEmail["ana@example.com"], byEmail["bo@example.com"], byEmail["carl@example.com"]
		if ana.ManagerID == nil || *ana.ManagerID != carl.ID || bo.ManagerID == nil || *bo.ManagerID != ana.ID || len(ana.GroupIDs) != 2 || ana.StartDate == nil || *ana.StartDate != "2024-01-15" {
			t.Errorf("imported: ana %+v bo %+v", ana, bo)
		}
		// The same file again changes nothing; the export comes back unchanged.
		if res := upload(good, false); !strings.Contains(res.Text, `"unchanged":3`) {
			t.Errorf("re-import: %s", res.Text)
		}
		exp := f.Do("GET", "/api/v1/people/export?format=csv", areastest.Req{Token: mgr})
		if exp.StatusCode != 200 || !strings.Contains(exp.Text, "ana@example.com") {
			t.Fatalf("export: %d %s", exp.StatusCode, exp.Text)
		}
		if res := upload(exp.Text, false); !strings.Contains(res.Text, `"unchanged":3`) {
			t.Errorf("export re-imported: %s", res.Text)
		}
	})
}

// TestImportRefusesManagerLoops: two rows naming each other as manager are refused, naming the rows.
func TestImportRefusesManagerLoops(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		fw, _ := mw.CreateFormFile("file", "staff.csv")
		fw.Write([]byte("Name,Email,Manager\nAna,ana@example.com,bo@example.com\nBo,bo@example.com,ana@example.com\n"))
		mw.Close()
		res := f.Do("POST", "/api/v1/people/import", areastest.Req{Token: f.Accounts[bulwark.RoleManager].Token, Body: b.String(), Headers: map[string]string{"Content-Type": mw.FormDataContentType()}})
		if res.StatusCode != 422 || !strings.Contains(res.Text, "loop of managers") {
			t.Errorf("a loop of managers: %d %s", res.StatusCode, res.Text)
		}
	})
}

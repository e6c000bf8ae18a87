package web_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/areas/areastest"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
)

func TestCatalogAPI(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		tok := f.Accounts[bulwark.RoleAuditor].Token
		fws := areastest.Decode[areastest.List](t, f.Do("GET", "/api/v1/frameworks", areastest.Req{Token: tok}))
		if len(fws.Items) != 5 {
			t.Fatalf("%d frameworks", len(fws.Items))
		}
		for path, want := range map[string]int{
			"/api/v1/frameworks/iso27001-2022/requirements?theme=People&limit=500":                               8,
			"/api/v1/frameworks/iso27001-2022/requirements?kind=clause&limit=500":                                41,
			"/api/v1/frameworks/iso27001-2022/requirements?control_type=Corrective&limit=500":                    14,
			"/api/v1/frameworks/nist-csf-2.0/requirements?kind=function":                                         6,
			"/api/v1/frameworks/soc2-2017/requirements?limit=500":                                                61,
			"/api/v1/frameworks/gdpr/requirements?q=security%20processing":                                       1,
			"/api/v1/frameworks/iso27001-2022/requirements?theme=Physical&security_domains=Protection&limit=500": 14,
		} {
			res := f.Do("GET", path, areastest.Req{Token: tok})
			if got := len(areastest.Decode[areastest.List](t, res).Items); res.StatusCode != 200 || got != want {
				t.Errorf("%s: %d items (status %d), want %d", path, got, res.StatusCode, want)
			}
		}
		page1 := areastest.Decode[areastest.List](t, f.Do("GET", "/api/v1/frameworks/iso27001-2022/requirements?limit=100", areastest.Req{Token: tok}))
		page2 := areastest.Decode[areastest.List](t, f.Do("GET", "/api/v1/frameworks/iso27001-2022/requirements?limit=100&cursor="+*page1.NextCursor, areastest.Req{Token: tok}))
		if len(page1.Items)+len(page2.Items) != 134 || page2.NextCursor != nil {
			t.Errorf("pages: %d + %d", len(page1.Items), len(page2.Items))
		}
		res := f.Do("GET", "/api/v1/requirements/iso27001-2022:A.8.13", areastest.Req{Token: tok})
		var r bulwark.Requirement
		if err := json.Unmarshal([]byte(res.Text), &r); err != nil || r.Title != "Information backup" || len(strings.Fields(r.Guidance)) < 60 || len(r.Evidence) < 3 {
			t.Fatalf("A.8.13: %d %s", res.StatusCode, res.Text)
		}
		seen := map[string]bool{}
		for _, l := range r.Links {
			seen[l.Framework+map[bool]string{true: "/derived"}[l.Derived]] = true
			if l.Framework == "hipaa-security" && (!l.Derived || l.Source != "derived, not published") {
				t.Errorf("a HIPAA link that is not labelled derived: %+v", l)
			}
		}
		if !seen["nist-csf-2.0"] || !seen["soc2-2017"] || !seen["hipaa-security/derived"] {
			t.Errorf("A.8.13 mappings: %v", seen)
		}
		hipaa := areastest.Decode[bulwark.Requirement](t, f.Do("GET", "/api/v1/requirements/hipaa-security:164.308(a)(7)(ii)(A)", areastest.Req{Token: tok}))
		derivedISO := false
		for _, l := range hipaa.Links {
			derivedISO = derivedISO || (l.Framework == "iso27001-2022" && l.Derived)
		}
		if !derivedISO {
			t.Errorf("HIPAA requirement shows no derived ISO link: %+v", hipaa.Links)
		}
		if res := f.Do("GET", "/api/v1/frameworks/nope", areastest.Req{Token: tok}); res.StatusCode != 404 {
			t.Errorf("unknown framework: %d", res.StatusCode)
		}
		if res := f.Do("GET", "/api/v1/frameworks/gdpr", areastest.Req{Token: tok}); !strings.Contains(res.Text, `"requirement_count":99`) {
			t.Errorf("gdpr by slug: %s", res.Text)
		}
		// The UI pages render.
		cookie := f.SignIn("auditor@acme.test")
		for _, p := range []string{"/o/acme-ltd/frameworks", "/o/acme-ltd/frameworks/iso27001-2022?theme=People", "/o/acme-ltd/requirements/iso27001-2022:A.8.13"} {
			if res := f.Do("GET", p, areastest.Req{Cookie: cookie}); res.StatusCode != 200 {
				t.Errorf("%s: %d", p, res.StatusCode)
			}
		}
		if res := f.Do("GET", "/o/acme-ltd/requirements/iso27001-2022:A.8.13", areastest.Req{Cookie: cookie}); !strings.Contains(res.Text, "derived, not published") {
			t.Error("the requirement page does not label derived links")
		}
	})
}

func TestControlsAPI(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		mgr := f.Accounts[bulwark.RoleManager].Token
		all := areastest.Decode[areastest.List](t, f.Do("GET", "/api/v1/controls", areastest.Req{Token: mgr}))
		if len(all.Items) != 93 || all.Items[0]["ref"] != "A.5.1" {
			t.Fatalf("control set: %d, first %v", len(all.Items), all.Items[0]["ref"])
		}
		people := areastest.Decode[areastest.List](t, f.Do("GET", "/api/v1/controls?theme=People", areastest.Req{Token: mgr}))
		if len(people.Items) != 8 {
			t.Errorf("people controls: %d", len(people.Items))
		}
		var a515 string
		for _, it := range all.Items {
			if it["ref"] == "A.5.15" {
				a515 = it["id"].(string)
			}
		}
		c := areastest.Decode[bulwark.Control](t, f.Do("GET", "/api/v1/controls/"+a515, areastest.Req{Token: mgr}))
		id := all.Items[0]["id"].(string)
		frameworks := map[string]int{}
		for _, l := range c.Requirements {
			frameworks[l.Framework+"/"+l.Origin]++
		}
		if frameworks["nist-csf-2.0/mapping"] == 0 || frameworks["soc2-2017/mapping"] == 0 || frameworks["gdpr/mapping"] == 0 || frameworks["hipaa-security/derived"] == 0 {
			t.Errorf("A.5.15 links: %v", frameworks)
		}
		contributor := f.Accounts[bulwark.RoleContributor]
		tests := []struct {
			name, method, path, body, token string
			status                          int
			contains                        string
		}{
			{"set owner and status", "PATCH", "/api/v1/controls/" + id, `{"owner_id":"` + contributor.MemberID + `","status":"partial","implementation_description":"Policy approved 2026-01"}`, mgr, 200, `"status":"partial"`},
			{"bad status", "PATCH", "/api/v1/controls/" + id, `{"status":"done"}`, mgr, 422, `"field":"status"`},
			{"owner outside the organisation", "PATCH", "/api/v1/controls/" + id, `{"owner_id":"` + areastest.MissingID + `"}`, mgr, 422, `"field":"owner_id"`},
			{"stale version", "PATCH", "/api/v1/controls/" + id, `{"status":"planned","version":1}`, mgr, 409, "changed by someone else"},
			{"read-only ref", "PATCH", "/api/v1/controls/" + id, `{"ref":"X"}`, mgr, 422, `"field":"ref"`},
			{"contributor edits the control they own", "PATCH", "/api/v1/controls/" + id, `{"status":"implemented"}`, contributor.Token, 200, `"status":"implemented"`},
			{"contributor edits another control", "PATCH", "/api/v1/controls/" + all.Items[1]["id"].(string), `{"status":"implemented"}`, contributor.Token, 403, "own"},
			{"annex A controls are not archived", "DELETE", "/api/v1/controls/" + id, "", mgr, 409, "not applicable"},
			{"custom control needs a title", "POST", "/api/v1/controls", `{"status":"planned"}`, mgr, 422, `"field":"title"`},
			{"contributor cannot create controls", "POST", "/api/v1/controls", `{"title":"x"}`, contributor.Token, 403, ""},
			{"absent control", "GET", "/api/v1/controls/" + areastest.MissingID, "", mgr, 404, ""},
		}
		for _, tt := range tests {
			res := f.Do(tt.method, tt.path, areastest.Req{Token: tt.token, JSON: tt.body})
			if res.StatusCode != tt.status || !strings.Contains(res.Text, tt.contains) {
				t.Errorf("%s: %d %s", tt.name, res.StatusCode, res.Text)
			}
		}
		res := f.Do("POST", "/api/v1/controls", areastest.Req{Token: mgr, JSON: `{"title":"Quarterly phishing simulation","requirement_ids":["nist-csf-2.0:PR.AT-01"]}`})
		if res.StatusCode != 201 || !strings.Contains(res.Text, `"ref":"C-001"`) || !strings.Contains(res.Text, `"origin":"manual"`) {
			t.Fatalf("custom control: %d %s", res.StatusCode, res.Text)
		}
		custom := areastest.Decode[bulwark.Control](t, res)
		if res := f.Do("DELETE", "/api/v1/controls/"+custom.ID, areastest.Req{Token: mgr}); res.StatusCode != 204 {
			t.Fatalf("archive custom: %d", res.StatusCode)
		}
		if len(areastest.Decode[areastest.List](t, f.Do("GET", "/api/v1/controls", areastest.Req{Token: mgr})).Items) != 93 {
			t.Error("an archived control is still listed")
		}
		if res := f.Do("GET", "/api/v1/controls/"+custom.ID, areastest.Req{Token: mgr}); res.StatusCode != 200 || !strings.Contains(res.Text, `"archived_at":"`) {
			t.Errorf("archived control by id: %d", res.StatusCode)
		}
		if len(areastest.Decode[areastest.List](t, f.Do("GET", "/api/v1/controls?include_archived=true", areastest.Req{Token: mgr})).Items) != 94 {
			t.Error("include_archived does not show the archived control")
		}
	})
}

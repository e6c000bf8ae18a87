package frameworks_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/areas/areastest"
	"github.com/bulwark-isms/bulwark/areas/frameworks"
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
		var r frameworks.Requirement
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
		hipaa := areastest.Decode[frameworks.Requirement](t, f.Do("GET", "/api/v1/requirements/hipaa-security:164.308(a)(7)(ii)(A)", areastest.Req{Token: tok}))
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
		if res := f.Do("GET", "/o/acme-ltd/requirements/iso27001-2022:A.8.13", areastest.Req{Cookie: cookie}); !strings.Contains(res.Text, "not published by either framework") {
			t.Error("the requirement page does not label derived links")
		}
	})
}

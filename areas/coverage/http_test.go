package coverage_test

import (
	"strings"
	"testing"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/areas/areastest"
	"github.com/bulwark-isms/bulwark/areas/coverage"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
)

func TestCoverageOfTheCatalog(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		mgr := f.Accounts[bulwark.RoleManager].Token
		get := func(key string) *coverage.Report {
			t.Helper()
			res := f.Do("GET", "/api/v1/frameworks/"+key+"/coverage", areastest.Req{Token: mgr})
			if res.StatusCode != 200 {
				t.Fatalf("%s: %d %s", key, res.StatusCode, res.Text)
			}
			return areastest.Decode[*coverage.Report](t, res)
		}
		totals := map[string]int{"iso27001-2022": 93, "nist-csf-2.0": 106, "soc2-2017": 61, "gdpr": 99, "hipaa-security": 68}
		for key, n := range totals {
			rep := get(key)
			if rep.Total != n || rep.Counts["covered"] != 0 {
				t.Errorf("%s, nothing implemented: %d counted, %v", key, rep.Total, rep.Counts)
			}
		}
		if iso := get("iso27001-2022"); iso.Counts["not_covered"] != 93 || len(iso.Clauses) != 30 {
			t.Errorf("ISO, nothing implemented: %v, %d clauses", iso.Counts, len(iso.Clauses))
		}
		// Every control implemented but A.8.30, excluded.
		var ids []string
		var a830 string
		for _, it := range areastest.Decode[areastest.List](t, f.Do("GET", "/api/v1/controls", areastest.Req{Token: mgr})).Items {
			if it["ref"] == "A.8.30" {
				a830 = it["id"].(string)
				continue
			}
			ids = append(ids, `"`+it["id"].(string)+`"`)
		}
		if res := f.Do("POST", "/api/v1/controls/bulk", areastest.Req{Token: mgr, JSON: `{"ids":[` + strings.Join(ids, ",") + `],"status":"implemented"}`}); res.StatusCode != 200 {
			t.Fatal(res.Text)
		}
		f.Do("PATCH", "/api/v1/controls/"+a830, areastest.Req{Token: mgr, JSON: `{"status":"not_applicable","exclusion_justification":"No outsourced development."}`})
		iso := get("iso27001-2022")
		if iso.Counts["covered"] != 92 || iso.Counts["not_applicable"] != 1 || iso.Percent != 100 {
			t.Errorf("ISO, all implemented: %v %d%%", iso.Counts, iso.Percent)
		}
		csf := get("nist-csf-2.0")
		if csf.Counts["covered"] == 0 || csf.Counts["partly_covered"] == 0 || csf.Counts["no_mapping"] == 0 || csf.Counts["not_covered"] != 0 {
			t.Errorf("CSF, all implemented: %v (some subcategories reached through their category only, some not at all)", csf.Counts)
		}
		for _, it := range csf.Items {
			for _, c := range it.Controls {
				if c.Link == "inherited" && it.State == "covered" {
					hasStrong := false
					for _, c2 := range it.Controls {
						hasStrong = hasStrong || (c2.Link != "inherited" && c2.Status == "implemented")
					}
					if !hasStrong {
						t.Errorf("%s covered through inherited links only", it.Ref)
					}
				}
			}
		}
		hipaa := get("hipaa-security")
		if hipaa.Counts["covered"] != 0 || hipaa.Counts["partly_covered"] == 0 {
			t.Errorf("HIPAA is derived only, at most partly covered: %v", hipaa.Counts)
		}
		// A person confirms a derived link: the requirement is covered; they reject every link: nothing maps to it.
		var capped coverage.Item
		for _, it := range hipaa.Items {
			if it.Capped {
				capped = it
				break
			}
		}
		if capped.Ref == "" {
			t.Fatal("no HIPAA requirement capped at partly covered")
		}
		decide := func(controlID, decision string) *areastest.Resp {
			return f.Do("POST", "/api/v1/controls/"+controlID+"/requirement-links", areastest.Req{Token: mgr, JSON: `{"requirement_id":"` + capped.RequirementID + `","decision":"` + decision + `"}`})
		}
		if res := decide(capped.Controls[0].ID, "confirm"); res.StatusCode != 200 || !strings.Contains(res.Text, `"origin":"confirmed"`) {
			t.Fatalf("confirm: %d %s", res.StatusCode, res.Text)
		}
		stateOf := func(ref string) string {
			for _, it := range get("hipaa-security").Items {
				if it.Ref == ref {
					return it.State
				}
			}
			return ""
		}
		if st := stateOf(capped.Ref); st != "covered" {
			t.Errorf("%s after a person confirmed a link: %s", capped.Ref, st)
		}
		for _, c := range capped.Controls {
			if res := decide(c.ID, "reject"); res.StatusCode != 200 || strings.Contains(res.Text, `"`+capped.RequirementID+`"],`) {
				t.Fatalf("reject: %d", res.StatusCode)
			}
		}
		if st := stateOf(capped.Ref); st != "no_mapping" {
			t.Errorf("%s after every link was rejected: %s", capped.Ref, st)
		}
		if res := decide(capped.Controls[0].ID, "maybe"); res.StatusCode != 422 {
			t.Errorf("a decision that is neither: %d", res.StatusCode)
		}
		if res := f.Do("POST", "/api/v1/controls/"+capped.Controls[0].ID+"/requirement-links", areastest.Req{Token: mgr, JSON: `{"requirement_id":"gdpr:Art. 99","decision":"reject"}`}); res.StatusCode != 404 {
			t.Errorf("a link that does not exist: %d", res.StatusCode)
		}
		if soc2 := get("soc2-2017"); soc2.Counts["covered"] == 0 || soc2.Total != 61 {
			t.Errorf("SOC 2: %v", soc2.Counts)
		}
		sum := areastest.Decode[areastest.List](t, f.Do("GET", "/api/v1/coverage", areastest.Req{Token: mgr}))
		if len(sum.Items) != 5 {
			t.Errorf("summary: %d frameworks", len(sum.Items))
		}
		for _, tc := range []struct {
			path, token string
			status      int
		}{{"/api/v1/frameworks/nope/coverage", mgr, 404}, {"/api/v1/frameworks/gdpr/coverage", f.Accounts[bulwark.RoleEmployee].Token, 403},
			{"/api/v1/frameworks/gdpr/coverage", f.Accounts[bulwark.RoleAuditor].Token, 200}} {
			if res := f.Do("GET", tc.path, areastest.Req{Token: tc.token}); res.StatusCode != tc.status {
				t.Errorf("%s: %d, want %d", tc.path, res.StatusCode, tc.status)
			}
		}
		// Another organisation's coverage is its own: nothing implemented there.
		globex := areastest.MustOrg(t, f.Svc, "Globex", "owner@globex.test")
		other := f.AddMembers(&globex.Org, "globex.test")
		res := f.Do("GET", "/api/v1/frameworks/iso27001-2022/coverage", areastest.Req{Token: other[bulwark.RoleManager].Token})
		if rep := areastest.Decode[*coverage.Report](t, res); rep.Counts["covered"] != 0 {
			t.Errorf("another organisation sees this one's coverage: %v", rep.Counts)
		}
	})
}

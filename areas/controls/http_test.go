package controls_test

import (
	"strings"
	"testing"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/areas/areastest"
	"github.com/bulwark-isms/bulwark/areas/controls"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
)

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
		c := areastest.Decode[controls.Control](t, f.Do("GET", "/api/v1/controls/"+a515, areastest.Req{Token: mgr}))
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
		custom := areastest.Decode[controls.Control](t, res)
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

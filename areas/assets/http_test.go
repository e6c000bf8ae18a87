package assets_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/areas/areastest"
	"github.com/bulwark-isms/bulwark/areas/assets"
	"github.com/bulwark-isms/bulwark/areas/controls"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
)

func TestAssetsAPI(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		mgr := f.Accounts[bulwark.RoleManager].Token
		owner := f.Accounts[bulwark.RoleContributor].MemberID
		body := fmt.Sprintf(`{"name":"CRM database","type":"information","owner_id":%q,"classification":"confidential","confidentiality":4,"integrity":3,"availability":2,"personal_data":true,"review_date":"2027-01-31","tags":["crm","Customers","crm"],"description":"<script>alert(1)</script>"}`, owner)
		res := f.Do("POST", "/api/v1/assets", areastest.Req{Token: mgr, JSON: body})
		if res.StatusCode != 201 || res.Header.Get("Location") == "" || res.Header.Get("ETag") != `"1"` {
			t.Fatalf("create: %d %s", res.StatusCode, res.Text)
		}
		a := areastest.Decode[assets.Asset](t, res)
		if a.Ref != "A-001" || a.Classification != "Confidential" || len(a.Tags) != 2 || a.Description != "<script>alert(1)</script>" {
			t.Fatalf("created asset: %+v", a)
		}
		tests := []struct {
			name, method, path, body string
			headers                  map[string]string
			token                    string
			status                   int
			contains                 string
		}{
			{"missing name and type", "POST", "/api/v1/assets", `{"description":"x"}`, nil, mgr, 422, `"field":"type"`},
			{"bad type", "POST", "/api/v1/assets", `{"name":"x","type":"car"}`, nil, mgr, 422, `"field":"type"`},
			{"CIA out of range", "POST", "/api/v1/assets", `{"name":"x","type":"site","confidentiality":5}`, nil, mgr, 422, `"field":"confidentiality"`},
			{"unknown classification", "POST", "/api/v1/assets", `{"name":"x","type":"site","classification":"Top secret"}`, nil, mgr, 422, `"field":"classification"`},
			{"owner not a member", "POST", "/api/v1/assets", `{"name":"x","type":"site","owner_id":"` + areastest.MissingID + `"}`, nil, mgr, 422, `"field":"owner_id"`},
			{"bad date", "POST", "/api/v1/assets", `{"name":"x","type":"site","review_date":"31/01/2027"}`, nil, mgr, 422, `"field":"review_date"`},
			{"duplicate ref", "POST", "/api/v1/assets", `{"ref":"A-001","name":"x","type":"site"}`, nil, mgr, 409, "already exists"},
			{"stale If-Match", "PATCH", "/api/v1/assets/" + a.ID, `{"location":"Paris"}`, map[string]string{"If-Match": `"9"`}, mgr, 409, "changed by someone else"},
			{"clear a required field", "PATCH", "/api/v1/assets/" + a.ID, `{"name":null}`, nil, mgr, 422, `"field":"name"`},
			{"change the ref", "PATCH", "/api/v1/assets/" + a.ID, `{"ref":"A-999"}`, nil, mgr, 422, `"field":"ref"`},
			{"merge patch", "PATCH", "/api/v1/assets/" + a.ID, `{"location":"Paris DC","review_date":null,"tags":["crm"]}`, map[string]string{"If-Match": `"1"`, "Content-Type": "application/merge-patch+json"}, mgr, 200, `"review_date":null`},
			{"owner edits own asset", "PATCH", "/api/v1/assets/" + a.ID, `{"status":"retired"}`, nil, f.Accounts[bulwark.RoleContributor].Token, 200, `"status":"retired"`},
			{"auditor cannot edit", "PATCH", "/api/v1/assets/" + a.ID, `{"status":"in_use"}`, nil, f.Accounts[bulwark.RoleAuditor].Token, 403, ""},
			{"employee cannot read", "GET", "/api/v1/assets", "", nil, f.Accounts[bulwark.RoleEmployee].Token, 403, ""},
			{"absent asset", "GET", "/api/v1/assets/" + areastest.MissingID, "", nil, mgr, 404, ""},
			{"bad sort", "GET", "/api/v1/assets?sort=colour", "", nil, mgr, 422, `"field":"sort"`},
		}
		for _, tt := range tests {
			r := areastest.Req{Token: tt.token, JSON: tt.body, Headers: tt.headers}
			res := f.Do(tt.method, tt.path, r)
			if res.StatusCode != tt.status || !strings.Contains(res.Text, tt.contains) {
				t.Errorf("%s: %d %s", tt.name, res.StatusCode, res.Text)
			}
		}
		// Many assets: filters, search, sort and cursor pages.
		p := f.Svc.CLIPrincipal(f.Org, "test")
		for i := range 120 {
			typ := assets.AssetTypes[i%len(assets.AssetTypes)]
			name := fmt.Sprintf("Server %03d", i)
			if i%10 == 0 {
				name = fmt.Sprintf("Laptop fleet %d", i)
			}
			tags := []string{"batch"}
			if _, err := f.Svc.Assets.CreateAsset(context.Background(), p, assets.AssetInput{Name: &name, Type: &typ, Tags: &tags}); err != nil {
				t.Fatal(err)
			}
		}
		seen := map[string]bool{}
		cursor := ""
		pages := 0
		for {
			res := f.Do("GET", "/api/v1/assets?limit=50&sort=-name&cursor="+cursor, areastest.Req{Token: mgr})
			l := areastest.Decode[areastest.List](t, res)
			pages++
			for _, it := range l.Items {
				seen[it["id"].(string)] = true
			}
			if l.NextCursor == nil {
				break
			}
			cursor = *l.NextCursor
		}
		if len(seen) != 121 || pages != 3 {
			t.Errorf("paging by -name saw %d assets in %d pages", len(seen), pages)
		}
		for path, want := range map[string]int{
			"/api/v1/assets?q=lapt&limit=500":        12,
			"/api/v1/assets?q=laptop%20fleet%2010":   2, // prefix match: 10 and 100
			"/api/v1/assets?type=site&limit=500":     20,
			"/api/v1/assets?tag=BATCH&limit=500":     120,
			"/api/v1/assets?personal_data=true":      1,
			"/api/v1/assets?q=%22%3B%20DROP%20TABLE": 0,
			"/api/v1/assets?owner_id=" + owner:       1,
		} {
			if got := len(areastest.Decode[areastest.List](t, f.Do("GET", path, areastest.Req{Token: mgr})).Items); got != want {
				t.Errorf("%s: %d, want %d", path, got, want)
			}
		}
		if res := f.Do("DELETE", "/api/v1/assets/"+a.ID, areastest.Req{Token: mgr}); res.StatusCode != 204 {
			t.Fatalf("archive: %d", res.StatusCode)
		}
		if got := len(areastest.Decode[areastest.List](t, f.Do("GET", "/api/v1/assets?personal_data=true", areastest.Req{Token: mgr})).Items); got != 0 {
			t.Error("archived asset still listed")
		}
		if res := f.Do("GET", "/api/v1/assets/"+a.ID, areastest.Req{Token: mgr}); res.StatusCode != 200 {
			t.Error("archived asset not readable by id")
		}
		if got := len(areastest.Decode[areastest.List](t, f.Do("GET", "/api/v1/assets?personal_data=true&include_archived=true", areastest.Req{Token: mgr})).Items); got != 1 {
			t.Error("include_archived does not show it")
		}
		// The UI renders the list, the form and escapes hostile text.
		cookie := f.SignIn("manager@acme.test")
		if res := f.Do("GET", "/o/acme-ltd/assets?q=laptop&sort=-name", areastest.Req{Cookie: cookie}); res.StatusCode != 200 || !strings.Contains(res.Text, "Laptop fleet 90") {
			t.Errorf("assets page: %d", res.StatusCode)
		}
		if res := f.Do("GET", "/o/acme-ltd/assets/"+a.ID, areastest.Req{Cookie: cookie}); strings.Contains(res.Text, "<script>alert(1)</script>") {
			t.Error("hostile description rendered as HTML")
		}
	})
}

func TestRegistersNeverMix(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		ctx := context.Background()
		orgB, _, err := f.Svc.CreateOrganisation(ctx, app.NewOrganisation{Name: "Beta", OwnerEmail: "owner@beta.test", Password: areastest.Password}, app.Meta{})
		if err != nil {
			t.Fatal(err)
		}
		pb := f.Svc.CLIPrincipal(orgB, "test")
		name, typ := "Beta secret asset", "information"
		assetB, err := f.Svc.Assets.CreateAsset(ctx, pb, assets.AssetInput{Name: &name, Type: &typ})
		if err != nil {
			t.Fatal(err)
		}
		controlsB, _ := f.Svc.Controls.Controls(ctx, pb, controls.ControlFilter{})
		tok := f.Accounts[bulwark.RoleOwner].Token
		for _, path := range []string{"/api/v1/assets?q=beta", "/api/v1/assets?include_archived=true&limit=500", "/api/v1/controls?include_archived=true"} {
			res := f.Do("GET", path, areastest.Req{Token: tok})
			if strings.Contains(res.Text, assetB.ID) || strings.Contains(res.Text, controlsB[0].ID) || strings.Contains(res.Text, "Beta secret") {
				t.Errorf("%s shows B's data", path)
			}
		}
		for _, at := range []struct{ method, path, body string }{
			{"GET", "/api/v1/assets/" + assetB.ID, ""}, {"PATCH", "/api/v1/assets/" + assetB.ID, `{"name":"mine"}`}, {"DELETE", "/api/v1/assets/" + assetB.ID, ""},
			{"GET", "/api/v1/controls/" + controlsB[0].ID, ""}, {"PATCH", "/api/v1/controls/" + controlsB[0].ID, `{"status":"implemented"}`},
		} {
			if res := f.Do(at.method, at.path, areastest.Req{Token: tok, JSON: at.body}); res.StatusCode != 404 {
				t.Errorf("%s %s from A: %d", at.method, at.path, res.StatusCode)
			}
		}
		cookie := f.SignIn("owner@acme.test")
		if res := f.Do("POST", "/o/acme-ltd/assets/"+assetB.ID+"/archive", areastest.Req{Cookie: cookie}); res.StatusCode != 404 {
			t.Errorf("UI archive of B's asset: %d", res.StatusCode)
		}
		if got, _ := f.Svc.Assets.Asset(ctx, pb, assetB.ID); got.Name != name || got.ArchivedAt != nil {
			t.Errorf("B's asset changed: %+v", got)
		}
	})
}

func TestClassificationSchemeAndAssetExport(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		owner := f.Accounts[bulwark.RoleOwner].Token
		res := f.Do("GET", "/api/v1/organisation", areastest.Req{Token: owner})
		if !strings.Contains(res.Text, `"classification_scheme":["Public","Internal","Confidential","Restricted"]`) {
			t.Fatalf("default scheme: %s", res.Text)
		}
		if res := f.Do("POST", "/api/v1/assets", areastest.Req{Token: owner, JSON: `{"name":"Vault","type":"site","classification":"Confidential"}`}); res.StatusCode != 201 {
			t.Fatal(res.Text)
		}
		for _, tt := range []struct {
			body     string
			status   int
			contains string
		}{
			{`{"classification_scheme":["Only one"]}`, 422, "2 to 10 levels"},
			{`{"classification_scheme":["Open","Secret"]}`, 409, "classified Confidential"},
			{`{"classification_scheme":["Open","Confidential","Secret"]}`, 200, `"classification_scheme":["Open","Confidential","Secret"]`},
		} {
			res := f.Do("PATCH", "/api/v1/organisation", areastest.Req{Token: owner, JSON: tt.body})
			if res.StatusCode != tt.status || !strings.Contains(res.Text, tt.contains) {
				t.Errorf("%s: %d %s", tt.body, res.StatusCode, res.Text)
			}
		}
		if res := f.Do("POST", "/api/v1/assets", areastest.Req{Token: owner, JSON: `{"name":"Doc","type":"information","classification":"secret"}`}); res.StatusCode != 201 || !strings.Contains(res.Text, `"classification":"Secret"`) {
			t.Errorf("new scheme not used: %d %s", res.StatusCode, res.Text)
		}
		res = f.Do("GET", "/api/v1/assets/export?format=xlsx", areastest.Req{Token: f.Accounts[bulwark.RoleAuditor].Token})
		if res.StatusCode != 200 || !strings.HasPrefix(res.Text, "PK") || !strings.Contains(res.Header.Get("Content-Disposition"), "assets-acme-ltd") {
			t.Fatalf("xlsx export: %d %q", res.StatusCode, res.Header)
		}
		if res := f.Do("GET", "/api/v1/assets/export?format=pdf", areastest.Req{Token: owner}); res.StatusCode != 422 {
			t.Errorf("bad format: %d", res.StatusCode)
		}
		if res := f.Do("GET", "/api/v1/audit-log?action=asset.export", areastest.Req{Token: owner}); !strings.Contains(res.Text, `"format":{"before":null,"after":"xlsx"}`) {
			t.Errorf("export not audited: %s", res.Text)
		}
	})
}

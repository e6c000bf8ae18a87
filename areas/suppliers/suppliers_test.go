package suppliers_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/areas/areastest"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
)

// caller sends API requests as one account and checks their status.
type caller struct {
	t     *testing.T
	f     *areastest.Fixture
	token string
}

func (c caller) do(method, path, body string, want int, headers ...string) map[string]any {
	c.t.Helper()
	r := areastest.Req{Token: c.token, JSON: body}
	if len(headers) == 2 {
		r.Headers = map[string]string{headers[0]: headers[1]}
	}
	res := c.f.Do(method, path, r)
	if res.StatusCode != want {
		c.t.Fatalf("%s %s %s: %d, want %d: %s", method, path, body, res.StatusCode, want, res.Text)
	}
	if want >= 300 || res.Text == "" {
		return map[string]any{"text": res.Text, "location": res.Header.Get("Location")}
	}
	out := areastest.Decode[map[string]any](c.t, res)
	out["location"] = res.Header.Get("Location")
	return out
}

// auditActions lists the audit log's actions on entity id of orgID, oldest first.
func auditActions(t *testing.T, db *sqlstore.DB, orgID, id string) string {
	t.Helper()
	var actions []string
	err := db.View(context.Background(), func(tx *sqlstore.Tx) error {
		rows, err := tx.Query(context.Background(), `SELECT action FROM audit_log WHERE org_id = ? AND entity_id = ? ORDER BY seq`, orgID, id)
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
	return strings.Join(actions, " ")
}

// TestRegister: the register through the API on both databases: the computed tier and its override, the
// tiering an organisation adjusts, optimistic locking, who may change what, archiving, and the audit trail.
func TestRegister(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		mgr := caller{t, f, f.Accounts[bulwark.RoleManager].Token}
		con := f.Accounts[bulwark.RoleContributor]
		var asset string
		asset = mgr.do("POST", "/api/v1/assets", `{"name":"Patient portal","type":"software"}`, 201)["id"].(string)
		s := mgr.do("POST", "/api/v1/suppliers", `{"name":"Cloudy Hosting","services":"Hosting of the patient portal","data_processed":"special_category",
			"system_access":"privileged","replaceability":"hard","personal_data":true,"data_locations":["ie","DE","ie"],"contract_start":"2025-01-01","contract_end":"2027-12-31",
			"contacts":[{"name":"Ana Silva","email":"ana@cloudy.example","role":"Account manager"}],"asset_ids":["`+asset+`"]}`, 201)
		id := s["id"].(string)
		if s["ref"] != "S-001" || s["tier"] != 1.0 || s["computed_tier"] != 1.0 || s["status"] != "onboarding" || s["location"] != "/api/v1/suppliers/"+id ||
			fmt.Sprint(s["data_locations"]) != "[IE DE]" || s["owner_id"] != f.Accounts[bulwark.RoleManager].MemberID || s["certificate_state"] != "none" || s["next_review_date"] != nil {
			t.Fatalf("created: %v", s)
		}
		base := "/api/v1/suppliers/" + id
		mgr.do("PATCH", base, `{"name":"x","version":7}`, 409)
		mgr.do("PATCH", base, `{"name":"x"}`, 409, "If-Match", `"7"`)
		mgr.do("PATCH", base, `{"tier_override":3}`, 422)
		mgr.do("PATCH", base, `{"contract_end":"2020-01-01"}`, 422)
		mgr.do("PATCH", base, `{"data_locations":["Germany"]}`, 422)
		mgr.do("PATCH", base, `{"contacts":[{"name":"x","email":"not-an-email"}]}`, 422)
		mgr.do("PATCH", base, `{"asset_ids":["`+areastest.MissingID+`"]}`, 422)
		mgr.do("PATCH", base, `{"tier":2}`, 422) // derived
		s = mgr.do("PATCH", base, `{"tier_override":2,"tier_override_reason":"Only hosts the marketing site's mirror","last_review_date":"2026-01-15"}`, 200, "If-Match", `"1"`)
		if s["tier"] != 2.0 || s["computed_tier"] != 1.0 || s["next_review_date"] != "2028-01-15" || s["version"] != 2.0 {
			t.Fatalf("override: %v", s)
		}
		s = mgr.do("PATCH", base, `{"tier_override":null}`, 200)
		if s["tier"] != 1.0 || s["next_review_date"] != "2027-01-15" || s["tier_override_reason"] != "" {
			t.Fatalf("override cleared: %v", s)
		}
		// The organisation makes every review yearly, and special-category data alone tier 1... for a courier it changes nothing.
		courier := mgr.do("POST", "/api/v1/suppliers", `{"name":"Fast Courier","data_processed":"internal","last_review_date":"2026-02-01"}`, 201)
		if courier["tier"] != 3.0 || courier["next_review_date"] != "2029-02-01" {
			t.Fatalf("courier: %v", courier)
		}
		tg := mgr.do("GET", "/api/v1/supplier-tiering", "", 200)
		if tg["tier1_from"] != 5.0 || tg["review_years_tier3"] != 3.0 {
			t.Fatalf("default tiering: %v", tg)
		}
		caller{t, f, con.Token}.do("PUT", "/api/v1/supplier-tiering", `{"tier2_from":1}`, 403)
		mgr.do("PUT", "/api/v1/supplier-tiering", `{"tier2_from":9}`, 422)
		tg = mgr.do("PUT", "/api/v1/supplier-tiering", `{"tier2_from":1,"review_years_tier2":1,"data_processed":{"none":0,"internal":1,"personal":2,"special_category":5}}`, 200)
		if tg["version"] != 2.0 {
			t.Fatalf("tiering: %v", tg)
		}
		mgr.do("PUT", "/api/v1/supplier-tiering", `{"tier2_from":1,"version":1}`, 409)
		if c := mgr.do("GET", "/api/v1/suppliers/"+courier["id"].(string), "", 200); c["tier"] != 2.0 || c["next_review_date"] != "2027-02-01" {
			t.Fatalf("courier after retiering: %v", c)
		}
		// Lists: filters, search and cursors.
		list := areastest.Decode[areastest.List](t, f.Do("GET", "/api/v1/suppliers?tier=1", areastest.Req{Token: mgr.token}))
		if len(list.Items) != 1 || list.Items[0]["ref"] != "S-001" || len(list.Items[0]["asset_ids"].([]any)) != 1 {
			t.Fatalf("tier 1: %v", list.Items)
		}
		if l := areastest.Decode[areastest.List](t, f.Do("GET", "/api/v1/suppliers?q=courier", areastest.Req{Token: mgr.token})); len(l.Items) != 1 || l.Items[0]["name"] != "Fast Courier" {
			t.Errorf("search: %v", l.Items)
		}
		page := areastest.Decode[areastest.List](t, f.Do("GET", "/api/v1/suppliers?limit=1&sort=-name", areastest.Req{Token: mgr.token}))
		if len(page.Items) != 1 || page.Items[0]["name"] != "Fast Courier" || page.NextCursor == nil {
			t.Fatalf("first page: %v", page)
		}
		page = areastest.Decode[areastest.List](t, f.Do("GET", "/api/v1/suppliers?limit=1&sort=-name&cursor="+*page.NextCursor, areastest.Req{Token: mgr.token}))
		if len(page.Items) != 1 || page.Items[0]["name"] != "Cloudy Hosting" {
			t.Fatalf("second page: %v", page)
		}
		mgr.do("GET", "/api/v1/suppliers?tier=4", "", 422)
		// Who may: an employee reads nothing, a contributor neither adds nor changes another's supplier, but changes its own.
		if res := f.Do("GET", "/api/v1/suppliers", areastest.Req{Token: f.Accounts[bulwark.RoleEmployee].Token}); res.StatusCode != 403 {
			t.Errorf("employee reads: %d", res.StatusCode)
		}
		conc := caller{t, f, con.Token}
		conc.do("POST", "/api/v1/suppliers", `{"name":"Mine"}`, 403)
		conc.do("PATCH", base, `{"name":"Theirs"}`, 403)
		mgr.do("PATCH", base, `{"owner_id":"`+con.MemberID+`"}`, 200)
		conc.do("PATCH", base, `{"status":"active"}`, 200)
		// Archiving hides it from the list; it stays readable.
		mgr.do("DELETE", "/api/v1/suppliers/"+courier["id"].(string), "", 204)
		if l := areastest.Decode[areastest.List](t, f.Do("GET", "/api/v1/suppliers", areastest.Req{Token: mgr.token})); len(l.Items) != 1 {
			t.Errorf("after archiving: %d items", len(l.Items))
		}
		if c := mgr.do("GET", "/api/v1/suppliers/"+courier["id"].(string), "", 200); c["archived_at"] == nil {
			t.Errorf("archived: %v", c)
		}
		got := auditActions(t, db, f.Org.ID, id)
		for _, want := range []string{"supplier.create", "supplier.update"} {
			if !strings.Contains(got, want) {
				t.Errorf("audit log %q lacks %s", got, want)
			}
		}
		if got := auditActions(t, db, f.Org.ID, courier["id"].(string)); !strings.Contains(got, "supplier.retier") || !strings.Contains(got, "supplier.archive") {
			t.Errorf("courier's audit log: %q", got)
		}
		// The pages: the register, a supplier, the form and the tiering.
		cookie := f.SignIn(f.Accounts[bulwark.RoleManager].Email)
		for path, want := range map[string]string{"/o/acme-ltd/suppliers": "Cloudy Hosting", "/o/acme-ltd/suppliers/" + id: "Ana Silva", "/o/acme-ltd/suppliers/new": "Add a supplier",
			"/o/acme-ltd/suppliers/tiering": "Review every", "/o/acme-ltd/suppliers?certificate=expired": "No supplier matches"} {
			if res := f.Do("GET", path, areastest.Req{Cookie: cookie}); res.StatusCode != 200 || !strings.Contains(res.Text, want) {
				t.Errorf("%s: %d, lacks %q", path, res.StatusCode, want)
			}
		}
	})
}

// TestRegisterPages: the empty register says what to do; the forms create, change and archive.
func TestRegisterPages(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		cookie := f.SignIn(f.Accounts[bulwark.RoleManager].Email)
		if res := f.Do("GET", "/o/acme-ltd/suppliers", areastest.Req{Cookie: cookie}); !strings.Contains(res.Text, "No suppliers yet") || !strings.Contains(res.Text, "Add the first supplier") {
			t.Errorf("empty register: %s", res.Text)
		}
		res := f.Do("POST", "/o/acme-ltd/suppliers", areastest.Req{Cookie: cookie, Form: map[string][]string{"name": {""}, "data_processed": {"personal"}}})
		if res.StatusCode != 422 || !strings.Contains(res.Text, "is required") {
			t.Fatalf("empty name: %d", res.StatusCode)
		}
		res = f.Do("POST", "/o/acme-ltd/suppliers", areastest.Req{Cookie: cookie, Form: map[string][]string{"name": {"Payroll Bureau"}, "data_processed": {"personal"},
			"system_access": {"none"}, "replaceability": {"moderate"}, "status": {"active"}, "personal_data_sent": {"1"}, "personal_data": {"on"}, "data_locations": {"gb, ie"},
			"contact_name": {"Pat"}, "contact_email": {"pat@payroll.example"}, "contact_role": {""}}})
		if res.StatusCode != 303 {
			t.Fatalf("create: %d %s", res.StatusCode, res.Text)
		}
		loc := res.Header.Get("Location")
		page := f.Do("GET", loc, areastest.Req{Cookie: cookie})
		if !strings.Contains(page.Text, "Tier 2") || !strings.Contains(page.Text, "GB, IE") || !strings.Contains(page.Text, "pat@payroll.example") {
			t.Fatalf("supplier page: %s", page.Text)
		}
		id := strings.TrimPrefix(strings.Split(loc, "?")[0], "/o/acme-ltd/suppliers/")
		form := map[string][]string{"version": {"1"}, "tier_override": {"1"}, "tier_override_reason": {"Pays every clinician"}}
		res = f.Do("POST", "/o/acme-ltd/suppliers/"+id, areastest.Req{Cookie: cookie, Form: form})
		if res.StatusCode != 303 {
			t.Fatalf("override: %d %s", res.StatusCode, res.Text)
		}
		mgr := caller{t, f, f.Accounts[bulwark.RoleManager].Token}
		if s := mgr.do("GET", "/api/v1/suppliers/"+id, "", 200); s["tier"] != 1.0 || len(s["contacts"].([]any)) != 1 {
			t.Errorf("after the form: %v", s)
		}
		res = f.Do("POST", "/o/acme-ltd/suppliers/"+id+"/archive", areastest.Req{Cookie: cookie, Form: url.Values{"version": {"2"}}})
		if res.StatusCode != 303 {
			t.Fatalf("archive: %d %s", res.StatusCode, res.Text)
		}
	})
}

// TestCertificates: certificates and their windows through the API, on the dashboard and in the owner's tasks.
func TestCertificates(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		mgr := caller{t, f, f.Accounts[bulwark.RoleManager].Token}
		today := time.Now().UTC()
		day := func(n int) string { return today.AddDate(0, 0, n).Format(time.DateOnly) }
		s := mgr.do("POST", "/api/v1/suppliers", `{"name":"Cloudy Hosting","data_processed":"special_category","system_access":"privileged","replaceability":"hard"}`, 201)
		other := mgr.do("POST", "/api/v1/suppliers", `{"name":"Mail Co"}`, 201)
		base := "/api/v1/suppliers/" + s["id"].(string) + "/certificates"
		mgr.do("POST", base, `{"kind":"pci"}`, 422)
		mgr.do("POST", base, `{"kind":"iso27001","report_type":"type2"}`, 422)
		mgr.do("POST", base, `{"kind":"iso27001","evidence_id":"`+areastest.MissingID+`"}`, 422)
		// The file in the evidence register, named by the reference people see there; the id is kept.
		file := mgr.do("POST", "/api/v1/evidence", `{"title":"Cloudy Hosting ISO certificate","note":"PDF received by email."}`, 201)
		byRef := mgr.do("POST", base, `{"kind":"other","name":"Cyber Essentials","evidence_id":"`+strings.ToLower(file["ref"].(string))+`"}`, 201)
		if byRef["evidence_id"] != file["id"] {
			t.Fatalf("evidence by reference: %v, want %v", byRef["evidence_id"], file["id"])
		}
		mgr.do("DELETE", base+"/"+byRef["id"].(string), "", 204)
		iso := mgr.do("POST", base, `{"kind":"iso27001","number":"IS 555","body":"BSI","scope":"Hosting","issued_on":"2024-01-01","expires_on":"`+day(30)+`"}`, 201)
		if iso["state"] != "expiring" || iso["days_left"] != 30.0 {
			t.Fatalf("iso: %v", iso)
		}
		soc := mgr.do("POST", base, `{"kind":"soc2","report_type":"type2","period_start":"2025-01-01","period_end":"2025-12-31","expires_on":"`+day(61)+`"}`, 201)
		if soc["state"] != "current" {
			t.Fatalf("soc2: %v", soc)
		}
		if got := mgr.do("GET", "/api/v1/suppliers/"+s["id"].(string), "", 200); got["certificate_state"] != "current" {
			t.Errorf("best state: %v", got["certificate_state"])
		}
		mgr.do("PATCH", base+"/"+soc["id"].(string), `{"expires_on":"`+day(0)+`"}`, 200)
		if got := mgr.do("GET", "/api/v1/suppliers/"+s["id"].(string), "", 200); got["certificate_state"] != "expiring" {
			t.Errorf("best state after the report expired: %v", got["certificate_state"])
		}
		// A certificate is reached through its own supplier only.
		mgr.do("PATCH", "/api/v1/suppliers/"+other["id"].(string)+"/certificates/"+iso["id"].(string), `{"number":"x"}`, 404)
		mgr.do("DELETE", "/api/v1/suppliers/"+other["id"].(string)+"/certificates/"+iso["id"].(string), "", 404)
		// On the dashboard and in the owner's tasks; the filter finds it.
		tasks := f.Do("GET", "/api/v1/me/tasks", areastest.Req{Token: mgr.token})
		if !strings.Contains(tasks.Text, `"supplier_certificates_due"`) || !strings.Contains(tasks.Text, iso["id"].(string)) || !strings.Contains(tasks.Text, soc["id"].(string)) {
			t.Errorf("my tasks: %s", tasks.Text)
		}
		if other := f.Do("GET", "/api/v1/me/tasks", areastest.Req{Token: f.Accounts[bulwark.RoleAdmin].Token}); strings.Contains(other.Text, iso["id"].(string)) {
			t.Errorf("another member's tasks hold the certificate")
		}
		cookie := f.SignIn(f.Accounts[bulwark.RoleManager].Email)
		dash := f.Do("GET", "/o/acme-ltd/", areastest.Req{Cookie: cookie})
		if !strings.Contains(dash.Text, "Certificates to renew") || !strings.Contains(dash.Text, "ISO/IEC 27001") {
			t.Errorf("dashboard lacks the certificates")
		}
		if l := areastest.Decode[areastest.List](t, f.Do("GET", "/api/v1/suppliers?certificate=expiring", areastest.Req{Token: mgr.token})); len(l.Items) != 1 {
			t.Errorf("certificate=expiring: %d", len(l.Items))
		}
		if l := areastest.Decode[areastest.List](t, f.Do("GET", "/api/v1/suppliers?certificate=none", areastest.Req{Token: mgr.token})); len(l.Items) != 1 || l.Items[0]["name"] != "Mail Co" {
			t.Errorf("certificate=none: %v", l.Items)
		}
		mgr.do("DELETE", base+"/"+iso["id"].(string), "", 204)
		mgr.do("DELETE", base+"/"+soc["id"].(string), "", 204)
		if l := areastest.Decode[areastest.List](t, f.Do("GET", base, areastest.Req{Token: mgr.token})); len(l.Items) != 0 {
			t.Errorf("archived certificates listed: %v", l.Items)
		}
		if tasks := f.Do("GET", "/api/v1/me/tasks", areastest.Req{Token: mgr.token}); strings.Contains(tasks.Text, iso["id"].(string)) {
			t.Errorf("an archived certificate is still a task")
		}
	})
}

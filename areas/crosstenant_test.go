package areas_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/areas/areastest"
	"github.com/bulwark-isms/bulwark/areas/suppliers"
	"github.com/bulwark-isms/bulwark/schedule"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
	"github.com/bulwark-isms/bulwark/web"
)

// Cross-tenant isolation, generated from the route table: organisation B's owner
// calls every route that names a row, with every id organisation A has (every id
// of every table with an id and an org_id column, found from the schema, so a new
// area's tables count without a change here), and must get 404 every time:
// before any validation of the body. Afterwards A's rows are as they were. Changes
// (every method but GET) and routes with two row slots take the first and last id
// of each table instead of every id, and a second slot only B's rows: a missing
// organisation condition lets any of a table's ids through, so these still find
// it, and 238,000 requests became 73,000 (both databases: three minutes to one).
//
// Path parameters are classified by name. A route with a parameter this table
// does not know fails the test, so a new kind of parameter is classified when it
// is added, never skipped silently. (The names suffice: only {id} means two
// things, a tenant row or a catalog requirement, and the catalog's routes are
// few and declared below. Should that change, web.Route could declare the kind
// of each parameter; today it would only repeat the names.)
var pathParams = map[string]string{
	"slug":        "organisation: B's own slug (the middleware resolves it among B's memberships)",
	"id":          "row id of a tenant table (except on catalog routes, below)",
	"action":      "row id of a tenant table",
	"kind":        "enumerated: the risk library's kinds, not an id",
	"version":     "per-organisation number: resolved inside B's organisation (exempt, below)",
	"n":           "per-organisation number: an approved SoA or scope revision; A has 1 and 2 of the SoA and 1 of the scope, B none, so B gets 404",
	"key":         "framework id or slug of the global catalog (exempt, below)",
	"token":       "secret of a public link (exempt, below)",
	"step":        "enumerated: a document's workflow steps, not an id",
	"rev":         "revision number of the document or evidence item {id} names: tried as 1.0 and 1 with each id",
	"request":     "row id of a tenant table (an acknowledgement request)",
	"run":         "row id of a tenant table (a check's run)",
	"line":        "line number of the checklist of the audit {id} names: tried as 1 with each id",
	"section":     "enumerated: an input of a management review, not an id",
	"decision":    "row id of a tenant table (a management review's decision)",
	"certificate": "row id of a tenant table (a supplier's certificate)",
	"file":        "number of a file attached to the questionnaire {id} names: tried as 1 with each id",
	"clock":       "enumerated: a regulatory clock of the incident {id} names, by kind: tried as gdpr_authority with each id",
}

// enumValues are the values of enumerated parameters; each is tried with each id.
var enumValues = map[string][]string{"kind": {"threat", "vulnerability"}, "step": {"submit", "approve", "return", "publish", "retire", "review"}, "rev": {"1.0", "1"}, "line": {"1"}, "section": {"risks"}, "file": {"1"}, "clock": {"gdpr_authority"}}

// crossTenantExempt are the routes whose parameters do not name a tenant row, and
// what the test checks instead of 404.
var crossTenantExempt = []exempt{
	{"/api/v1/frameworks/", false, "global catalog: framework keys are shared by every organisation"},
	{"/api/v1/requirements/", false, "global catalog: requirement ids are shared by every organisation"},
	{"/o/{slug}/frameworks/", false, "global catalog"},
	{"/o/{slug}/requirements/", false, "global catalog"},
	{"/o/{slug}/coverage/", false, "global catalog key: each organisation's coverage of a framework every organisation shares"},
	{"{version}", true, "per-organisation methodology version: called with A's version numbers, it resolves in B; must not answer 5xx, show A's data or change A"},
	{"{n}", true, "per-organisation SoA or scope revision: called with A's revision numbers (1, 2); B has approved none, so each must answer 404 and show nothing of A's"},
	{"{token}", true, "public link secret: called anonymously (GET) with A's ids, which are never secrets: must answer 404"},
}

type exempt struct {
	match  string // part of the pattern
	called bool   // called anyway, with the checks why says
	why    string
}

func exemption(pattern string) *exempt {
	for i, e := range crossTenantExempt {
		if strings.Contains(pattern, e.match) {
			return &crossTenantExempt[i]
		}
	}
	return nil
}

var paramRE = regexp.MustCompile(`\{([a-z_]+)(\.\.\.)?\}`)

// params returns the names of pattern's parameters, {$} excluded.
func params(pattern string) []string {
	var out []string
	for _, m := range paramRE.FindAllStringSubmatch(pattern, -1) {
		out = append(out, m[1])
	}
	return out
}

func isRowParam(name, pattern string) bool {
	return (name == "id" || name == "action" || name == "request" || name == "certificate") && exemption(pattern) == nil
}

// tenantTables returns every table with an org_id column, and whether it has an id column.
func tenantTables(t *testing.T, db *sqlstore.DB) map[string]bool {
	t.Helper()
	q := `SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'`
	if db.Dialect == sqlstore.Postgres {
		q = `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()`
	}
	cols := map[string]map[string]bool{}
	err := db.Read(context.Background(), func(tx *sqlstore.Tx) error {
		rows, err := tx.Query(context.Background(), q)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var table, col string
			if err := rows.Scan(&table, &col); err != nil {
				return err
			}
			if cols[table] == nil {
				cols[table] = map[string]bool{}
			}
			cols[table][col] = true
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for table, c := range cols {
		if c["org_id"] {
			out[table] = c["id"]
		}
	}
	if len(out) < 10 {
		t.Fatalf("found only %d tenant tables: %v", len(out), out)
	}
	return out
}

// queryStrings runs q and returns each row as one string, sorted.
func queryStrings(t *testing.T, db *sqlstore.DB, q string, args ...any) []string {
	t.Helper()
	var out []string
	err := db.Read(context.Background(), func(tx *sqlstore.Tx) error {
		rows, err := tx.Query(context.Background(), q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				return err
			}
			parts := make([]string, len(cols))
			for i, v := range vals {
				switch v := v.(type) {
				case []byte:
					parts[i] = cols[i] + "=" + hex.EncodeToString(v)
				case time.Time:
					parts[i] = cols[i] + "=" + v.UTC().Format(time.RFC3339Nano)
				default:
					parts[i] = fmt.Sprintf("%s=%v", cols[i], v)
				}
			}
			out = append(out, strings.Join(parts, "|"))
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	sort.Strings(out)
	return out
}

// orgIDs returns every id of orgID's rows, per table with an id column.
func orgIDs(t *testing.T, db *sqlstore.DB, tables map[string]bool, orgID string) map[string][]string {
	ids := map[string][]string{}
	for table, hasID := range tables {
		if !hasID {
			continue
		}
		for _, r := range queryStrings(t, db, `SELECT id FROM `+table+` WHERE org_id = ?`, orgID) {
			ids[table] = append(ids[table], strings.TrimPrefix(r, "id="))
		}
	}
	return ids
}

// snapshot holds every row of orgID in every tenant table, and the rows of its
// members' users and sessions, sorted: what no request from another organisation
// may change.
func snapshot(t *testing.T, db *sqlstore.DB, tables map[string]bool, orgID string) map[string][]string {
	snap := map[string][]string{}
	for table := range tables {
		snap[table] = queryStrings(t, db, `SELECT * FROM `+table+` WHERE org_id = ?`, orgID)
	}
	snap["users"] = queryStrings(t, db, `SELECT * FROM users WHERE id IN (SELECT user_id FROM members WHERE org_id = ?)`, orgID)
	snap["sessions"] = queryStrings(t, db, `SELECT * FROM sessions WHERE user_id IN (SELECT user_id FROM members WHERE org_id = ?)`, orgID)
	return snap
}

func digest(rows []string) string {
	h := sha256.New()
	for _, r := range rows {
		h.Write([]byte(r))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

func compareSnapshots(t *testing.T, before, after map[string][]string) {
	t.Helper()
	for table, rows := range before {
		if digest(rows) == digest(after[table]) {
			continue
		}
		var gone, added []string
		for _, r := range rows {
			if !slices.Contains(after[table], r) {
				gone = append(gone, r)
			}
		}
		for _, r := range after[table] {
			if !slices.Contains(rows, r) {
				added = append(added, r)
			}
		}
		if len(gone) == len(added) { // the same rows, changed: name the columns
			for i := range gone {
				b, a := strings.Split(gone[i], "|"), strings.Split(added[i], "|")
				var diffs []string
				for j := range min(len(a), len(b)) {
					if a[j] != b[j] {
						diffs = append(diffs, b[j]+" → "+a[j])
					}
				}
				t.Errorf("A's row of %s changed (%s): %s", table, b[0], strings.Join(diffs, ", "))
			}
			continue
		}
		t.Errorf("A's rows of %s changed:\n  before: %s\n  after:  %s", table, clip(strings.Join(gone, "\n          "), 1500), clip(strings.Join(added, "\n          "), 1500))
	}
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// uploadForm is a multipart body holding one CSV file.
func uploadForm(t *testing.T, name, content string) (string, string) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write([]byte(content))
	mw.Close()
	return b.String(), mw.FormDataContentType()
}

func must(t *testing.T, what string, res *areastest.Resp, status int) *areastest.Resp {
	t.Helper()
	if res.StatusCode != status {
		t.Fatalf("%s: status %d, want %d: %s", what, res.StatusCode, status, clip(res.Text, 500))
	}
	return res
}

func idOf(t *testing.T, res *areastest.Resp) string {
	t.Helper()
	var v struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal([]byte(res.Text), &v); err != nil || v.ID == "" {
		t.Fatalf("no id in %s", clip(res.Text, 300))
	}
	return v.ID
}

// seedA gives the fixture's organisation at least one row of every kind a path
// can name, through the API and the UI as its people would.
func seedA(t *testing.T, f *areastest.Fixture) {
	owner, admin := f.Accounts[bulwark.RoleOwner], f.Accounts[bulwark.RoleAdmin]
	api := func(method, path, body string, status int) *areastest.Resp {
		t.Helper()
		return must(t, method+" "+path, f.Do(method, path, areastest.Req{Token: owner.Token, JSON: body}), status)
	}
	asset := idOf(t, api("POST", "/api/v1/assets", fmt.Sprintf(`{"name":"Acme CRM","type":"software","owner_id":%q,"tags":["crm"]}`, owner.MemberID), 201))
	api("POST", "/api/v1/assets", `{"name":"Acme laptop fleet","type":"hardware","classification":"Internal"}`, 201)
	control := idOf(t, api("POST", "/api/v1/controls", `{"title":"Acme custom control","description":"ours"}`, 201))
	threat := idOf(t, api("POST", "/api/v1/threats", `{"name":"Acme drone","category":"deliberate","controls":["A.7.4"]}`, 201))
	api("POST", "/api/v1/vulnerabilities", `{"name":"Acme open window","category":"physical"}`, 201)
	risk := idOf(t, api("POST", "/api/v1/risks", fmt.Sprintf(`{"title":"Acme ransomware","inherent_likelihood":4,"inherent_impact":5,"treatment":"mitigate","asset_ids":[%q],"control_ids":[%q],"threat_id":%q}`, asset, control, threat), 201))
	api("POST", "/api/v1/risks", `{"title":"Acme phishing","inherent_likelihood":2,"inherent_impact":2}`, 201)
	api("PATCH", "/api/v1/risks/"+risk, `{"residual_likelihood":2,"residual_impact":3,"review_reason":"Acme reassessment"}`, 200)
	api("POST", "/api/v1/risks/"+risk+"/actions", fmt.Sprintf(`{"title":"Acme MFA rollout","owner_id":%q,"due_date":"2030-06-30"}`, owner.MemberID), 201)
	api("POST", "/api/v1/risks/"+risk+"/sign-offs", `{"comment":"Acme sign-off"}`, 201)
	api("POST", "/api/v1/invitations", `{"email":"pending@acme.test","role":"employee"}`, 201)
	revoked := idOf(t, api("POST", "/api/v1/invitations", `{"email":"revoked@acme.test","role":"auditor"}`, 201))
	api("DELETE", "/api/v1/invitations/"+revoked, "", 204)
	api("POST", "/api/v1/tokens", `{"name":"Acme CI"}`, 201)
	api("POST", "/api/v1/members/"+f.Accounts[bulwark.RoleEmployee].MemberID+"/password-reset", `{}`, 201)
	api("PATCH", "/api/v1/members/"+f.Accounts[bulwark.RoleAuditor].MemberID, `{"expires_at":"2031-01-01T00:00:00Z"}`, 200)
	// Methodology: version 2 approved, version 3 a draft (B has version 1 only).
	m := `{"likelihood":[{"value":1,"label":"Acme low"},{"value":2,"label":"Acme mid"},{"value":3,"label":"Acme high"}],"impact":[{"value":1,"label":"a"},{"value":2,"label":"b"},{"value":3,"label":"c"}],"score_rule":"product","levels":[{"label":"AcmeLow","min":1,"max":4},{"label":"AcmeHigh","min":5,"max":9}],"acceptable_up_to":"AcmeLow"}`
	must(t, "methodology v2", f.Do("PUT", "/api/v1/risk-methodology", areastest.Req{Token: admin.Token, JSON: m}), 200)
	api("POST", "/api/v1/risk-methodology/versions/2/approve", `{}`, 200)
	must(t, "methodology v3", f.Do("PUT", "/api/v1/risk-methodology", areastest.Req{Token: admin.Token, JSON: strings.ReplaceAll(m, "AcmeHigh", "AcmeVeryHigh")}), 200)
	// A gap assessment with an answer.
	gap := idOf(t, api("POST", "/api/v1/gap-assessments", `{"title":"Acme baseline"}`, 201))
	api("POST", "/api/v1/gap-assessments/"+gap+"/answers", `{"requirement_id":"iso27001-2022:A.5.1","answer":"partial","notes":"Acme note"}`, 200)
	// People in a group; a document published at 1.0 with a file, its next revision in draft.
	group := idOf(t, api("POST", "/api/v1/groups", `{"name":"Acme developers"}`, 201))
	boss := idOf(t, api("POST", "/api/v1/people", `{"name":"Acme boss","email":"boss@acme.test"}`, 201))
	api("POST", "/api/v1/people", fmt.Sprintf(`{"name":"Acme developer","email":"dev@acme.test","manager_id":%q,"group_ids":[%q]}`, boss, group), 201)
	doc := idOf(t, api("POST", "/api/v1/documents", fmt.Sprintf(`{"title":"Acme policy","body":"# Acme\n\nAcme text.","control_ids":[%q],"requirement_ids":["iso27001-2022:5.2"]}`, control), 201))
	body, ct := uploadForm(t, "acme.pdf", "%PDF-1.4 acme")
	must(t, "document file", f.Do("PUT", "/api/v1/documents/"+doc+"/file", areastest.Req{Token: owner.Token, JSON: body, Headers: map[string]string{"Content-Type": ct}}), 200)
	api("POST", "/api/v1/documents/"+doc+"/submit", `{}`, 200)
	must(t, "document approval", f.Do("POST", "/api/v1/documents/"+doc+"/approve", areastest.Req{Token: admin.Token, JSON: `{}`}), 200)
	api("POST", "/api/v1/documents/"+doc+"/publish", `{}`, 200)
	api("POST", "/api/v1/people", fmt.Sprintf(`{"name":"Acme employee","email":%q}`, f.Accounts[bulwark.RoleEmployee].Email), 201)
	api("POST", "/api/v1/documents/"+doc+"/acknowledgement-requests", `{"everyone":true}`, 201)
	trn := idOf(t, api("POST", "/api/v1/trainings", `{"title":"Acme module","content":"Acme","pass_mark":50,"quiz":[{"question":"Acme?","options":["a","b"],"answer":1}]}`, 201))
	cmp := idOf(t, api("POST", "/api/v1/training-campaigns", fmt.Sprintf(`{"title":"Acme campaign","training_ids":[%q],"group_ids":[%q],"due_date":"2030-01-01"}`, trn, group), 201))
	_ = cmp
	incident := idOf(t, must(t, "incident report", f.Do("POST", "/api/v1/me/incident-reports", areastest.Req{Token: f.Accounts[bulwark.RoleEmployee].Token, JSON: `{"title":"Acme phishing email"}`}), 201))
	// The incident handled: an asset and the risk linked, a GDPR breach with its clocks, a note, a second one recorded directly.
	api("PATCH", "/api/v1/incidents/"+incident, fmt.Sprintf(`{"severity":"high","asset_ids":[%q],"risk_ids":[%q]}`, asset, risk), 200)
	api("POST", "/api/v1/incidents/"+incident+"/breach", `{"personal_data_breach":true,"regimes":["gdpr","hipaa"],"individuals_affected":12}`, 200)
	api("PATCH", "/api/v1/incidents/"+incident+"/clocks/gdpr_individuals", `{"high_risk":true,"decision_reason":"Acme health data"}`, 200)
	api("POST", "/api/v1/incidents/"+incident+"/timeline", `{"text":"Acme note"}`, 201)
	api("POST", "/api/v1/incidents", `{"title":"Acme lost laptop","severity":"low"}`, 201)
	must(t, "training attempt", f.Do("POST", "/api/v1/me/trainings/"+trn+"/attempts", areastest.Req{Token: f.Accounts[bulwark.RoleEmployee].Token, JSON: `{"answers":[1]}`}), 201)
	must(t, "acknowledgement", f.Do("POST", "/api/v1/documents/"+doc+"/acknowledge", areastest.Req{Token: f.Accounts[bulwark.RoleEmployee].Token, JSON: `{}`}), 201)
	api("PATCH", "/api/v1/documents/"+doc, `{"body":"# Acme\n\nAcme text, revised."}`, 200)
	// Evidence: a file with two revisions linked to the control and the risk, and a note.
	body, ct = uploadForm(t, "acme-review.pdf", "%PDF-1.4 acme review")
	ev := idOf(t, must(t, "evidence file", f.Do("POST", "/api/v1/evidence", areastest.Req{Token: owner.Token, JSON: body, Headers: map[string]string{"Content-Type": ct}}), 201))
	body, ct = uploadForm(t, "acme-review-2.pdf", "%PDF-1.4 acme review 2")
	must(t, "evidence revision", f.Do("POST", "/api/v1/evidence/"+ev+"/revisions", areastest.Req{Token: owner.Token, JSON: body, Headers: map[string]string{"Content-Type": ct}}), 201)
	api("PATCH", "/api/v1/evidence/"+ev, fmt.Sprintf(`{"control_ids":[%q],"risk_ids":[%q],"requirement_ids":["iso27001-2022:9.1"]}`, control, risk), 200)
	api("POST", "/api/v1/evidence", `{"title":"Acme note","note":"Acme checked the logs.","valid_until":"2020-01-01"}`, 201)
	// Monitoring: a TLS collector (unreachable: nothing is allowed), a check that ran, a host with an agent token.
	col := idOf(t, api("POST", "/api/v1/collectors", `{"kind":"tls","name":"Acme portal","config":{"target":"acme.invalid:443"}}`, 201))
	api("POST", "/api/v1/collectors/"+col+"/collect", `{}`, 200)
	chk := idOf(t, api("POST", "/api/v1/checks", fmt.Sprintf(`{"name":"Acme check","kind":"tls","rule":"resource.days_to_expiry > 30","control_ids":[%q],"collector_id":%q}`, control, col), 201))
	api("POST", "/api/v1/checks/"+chk+"/run", `{}`, 201)
	host := idOf(t, api("POST", "/api/v1/collectors", `{"kind":"host","name":"Acme web-01"}`, 201))
	api("POST", "/api/v1/collectors/"+host+"/agent-token", `{}`, 201)
	// Objectives: one linked to the risk and the control, a manual metric with a measurement, a computed one computed.
	obj := idOf(t, api("POST", "/api/v1/objectives", fmt.Sprintf(`{"title":"Acme objective","deadline":"2030-12-31","risk_ids":[%q],"control_ids":[%q]}`, risk, control), 201))
	metric := idOf(t, api("POST", "/api/v1/objectives/"+obj+"/metrics", `{"name":"Acme metric","unit":"%","target":90}`, 201))
	api("POST", "/api/v1/metrics/"+metric+"/measurements", `{"date":"2026-01-31","value":80,"note":"Acme note"}`, 201)
	computed := idOf(t, api("POST", "/api/v1/objectives/"+obj+"/metrics", `{"name":"Acme controls","source":"controls_implemented_pct","target":80}`, 201))
	api("POST", "/api/v1/metrics/"+computed+"/compute", `{}`, 201)
	// An internal audit with its team, scope and checklist, a line recorded and a minor finding that opened
	// a nonconformity carried through to an effectiveness review; a finding raised directly from the incident and the check.
	aud := idOf(t, api("POST", "/api/v1/audits", fmt.Sprintf(`{"title":"Acme internal audit","type":"internal","framework_ids":["iso27001-2022"],"requirement_ids":["iso27001-2022:9.2"],
		"control_ids":[%q],"lead_id":%q,"team_ids":[%q],"team_external":["Acme consultant"],"planned_start":"2026-03-01"}`, control, admin.MemberID, owner.MemberID), 201))
	api("POST", "/api/v1/audits/"+aud+"/checklist", `{}`, 200)
	must(t, "audit start", f.Do("PATCH", "/api/v1/audits/"+aud, areastest.Req{Token: admin.Token, JSON: `{"status":"in_progress"}`}), 200)
	must(t, "audit line", f.Do("PATCH", "/api/v1/audits/"+aud+"/checklist/1", areastest.Req{Token: admin.Token, JSON: `{"result":"nonconforming","notes":"Acme programme missing"}`}), 200)
	fnd := must(t, "finding", f.Do("POST", "/api/v1/findings", areastest.Req{Token: admin.Token, JSON: `{"audit_id":"` + aud + `","checklist_line":1,"classification":"minor_nc","title":"Acme has no audit programme"}`}), 201)
	nc := areastest.Decode[map[string]any](t, fnd)["nonconformity_id"].(string)
	api("POST", "/api/v1/findings", fmt.Sprintf(`{"classification":"observation","title":"Acme phishing lesson","incident_id":%q,"check_id":%q}`, incident, chk), 201)
	api("PATCH", "/api/v1/nonconformities/"+nc, `{"root_cause_method":"five_whys","root_cause_whys":["nobody planned it"],"root_cause":"No owner for audits"}`, 200)
	api("POST", "/api/v1/nonconformities/"+nc+"/status", `{"status":"analysed"}`, 200)
	ncAction := idOf(t, api("POST", "/api/v1/nonconformities/"+nc+"/actions", fmt.Sprintf(`{"title":"Acme audit programme","owner_id":%q,"due_date":"2030-01-31"}`, owner.MemberID), 201))
	api("PATCH", "/api/v1/nonconformities/"+nc+"/actions/"+ncAction, `{"status":"done"}`, 200)
	api("POST", "/api/v1/nonconformities/"+nc+"/status", `{"status":"actions_done"}`, 200)
	api("POST", "/api/v1/nonconformities/"+nc+"/reviews", `{"result":"ineffective","notes":"Acme still has none"}`, 201)
	// A management review with an attendee, notes and a decision, approved.
	mr := idOf(t, api("POST", "/api/v1/management-reviews", fmt.Sprintf(`{"title":"Acme review","held_on":"2026-11-30","attendees":[{"member_id":%q},{"name":"Acme adviser"}]}`, owner.MemberID), 201))
	must(t, "review notes", f.Do("PUT", "/api/v1/management-reviews/"+mr+"/sections/risks/notes", areastest.Req{Token: owner.Token, JSON: `{"notes":"Acme risks discussed"}`}), 200)
	api("POST", "/api/v1/management-reviews/"+mr+"/decisions", fmt.Sprintf(`{"title":"Acme decision","owner_id":%q,"due_date":"2030-01-31"}`, owner.MemberID), 201)
	api("POST", "/api/v1/management-reviews/"+mr+"/approve", `{}`, 200)
	// An obligation linked to the control and a GDPR article, reviewed once.
	ob := idOf(t, api("POST", "/api/v1/obligations", fmt.Sprintf(`{"title":"Acme customer contract","source":"contract","regime":"gdpr","control_ids":[%q],"requirement_ids":["gdpr:Art. 32"]}`, control), 201))
	api("POST", "/api/v1/obligations/"+ob+"/review", `{}`, 200)
	// Context and scope: an issue linked to the risk, a party linked to the obligation and the control, and the
	// scope (a system linked to the asset) approved as revision 1, then changed into a draft.
	api("POST", "/api/v1/context-issues", fmt.Sprintf(`{"title":"Acme regulation","category":"legal","risk_ids":[%q]}`, risk), 201)
	api("POST", "/api/v1/interested-parties", fmt.Sprintf(`{"name":"Acme clients","requirements":[{"requirement":"Acme uptime","addressed":true,"how":"Acme backups"}],"obligation_ids":[%q],"control_ids":[%q]}`, ob, control), 201)
	scopeBody := fmt.Sprintf(`{"summary":"Acme scope","systems":[{"name":"Acme CRM","asset_id":%q}],"exclusions":[{"what":"Acme lab","justification":"Acme reason"}]}`, asset)
	must(t, "scope", f.Do("PUT", "/api/v1/scope", areastest.Req{Token: owner.Token, JSON: scopeBody}), 200)
	api("POST", "/api/v1/scope/submit", `{}`, 200)
	must(t, "scope approval", f.Do("POST", "/api/v1/scope/approve", areastest.Req{Token: admin.Token, JSON: `{}`}), 200)
	must(t, "scope draft", f.Do("PUT", "/api/v1/scope", areastest.Req{Token: owner.Token, JSON: strings.Replace(scopeBody, "Acme scope", "Acme scope, revised", 1)}), 200)
	// A tier-1 supplier linked to the asset, the risk and the control, with a certificate filed as the evidence item,
	// a questionnaire answered through its link (a draft, a file, then submitted) and accepted, and one still waiting.
	sup := idOf(t, api("POST", "/api/v1/suppliers", fmt.Sprintf(`{"name":"Acme hosting","data_processed":"special_category","system_access":"privileged","replaceability":"hard",
		"owner_id":%q,"asset_ids":[%q],"risk_ids":[%q],"control_ids":[%q],"contacts":[{"name":"Acme contact","email":"contact@host.test"}]}`, owner.MemberID, asset, risk, control), 201))
	api("POST", "/api/v1/suppliers/"+sup+"/certificates", fmt.Sprintf(`{"kind":"iso27001","number":"Acme 27001","expires_on":"2030-01-01","evidence_id":%q}`, ev), 201)
	sq := areastest.Decode[map[string]any](t, api("POST", "/api/v1/suppliers/"+sup+"/questionnaires", `{"contact_email":"contact@host.test"}`, 201))
	sqLink := sq["link"].(string)
	must(t, "questionnaire draft", f.Do("POST", sqLink, areastest.Req{Form: url.Values{"action": {"draft"}, "a.Q01": {"yes"}}}), http.StatusSeeOther)
	body, ct = uploadForm(t, "acme-soc2.pdf", "%PDF-1.4 acme soc2")
	must(t, "questionnaire file", f.Do("POST", sqLink+"/files", areastest.Req{JSON: body, Headers: map[string]string{"Content-Type": ct}}), http.StatusSeeOther)
	answers := url.Values{"action": {"submit"}}
	for _, q := range suppliers.StarterTemplate.Questions {
		answers.Set("a."+q.ID, "yes")
	}
	must(t, "questionnaire submitted", f.Do("POST", sqLink, areastest.Req{Form: answers}), 200)
	api("POST", "/api/v1/questionnaires/"+sq["id"].(string)+"/accept", `{}`, 200)
	api("POST", "/api/v1/suppliers/"+sup+"/questionnaires", `{"contact_email":"contact@host.test"}`, 201)
	// The daily outbox: the stale note above is its owner's to renew.
	if _, err := f.Svc.Jobs()[app.JobOutbox](context.Background(), schedule.Job{Key: app.JobOutbox, Kind: app.JobOutbox}); err != nil {
		t.Fatal(err)
	}
	// The Statement of Applicability: revisions 1 and 2 approved (B has none).
	for _, status := range []string{"implemented", "planned"} {
		api("PATCH", "/api/v1/controls/"+control, `{"status":"`+status+`","implementation_description":"Acme implementation"}`, 200)
		api("POST", "/api/v1/soa/submit", `{}`, 200)
		must(t, "SoA approval", f.Do("POST", "/api/v1/soa/approve", areastest.Req{Token: admin.Token, JSON: `{}`}), 200)
	}
	// Spreadsheets waiting between upload and confirmation.
	cookie := f.SignIn(owner.Email)
	for kind, csv := range map[string]string{"assets": "Name,Type\nAcme printer,hardware\n", "risks": "Title,Category\nAcme imported risk,people\n"} {
		body, ct := uploadForm(t, kind+".csv", csv)
		res := f.Do("POST", "/o/acme-ltd/import/"+kind, areastest.Req{Cookie: cookie, JSON: body, Headers: map[string]string{"Content-Type": ct}})
		if res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "/import/"+kind+"/") {
			t.Fatalf("upload %s: %d %s", kind, res.StatusCode, clip(res.Text, 300))
		}
	}
}

type probe struct {
	method, pattern, path, body string
	api, exempt                 bool
	pathIDs                     []string // A's ids in the path: an answer may echo them
}

func TestCrossTenantRoutes(t *testing.T) {
	sqltest.SkipUnderRace(t)
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		start := time.Now()
		f := areastest.New(t, db)
		seedA(t, f)
		ctx := context.Background()
		orgB, _, err := f.Svc.CreateOrganisation(ctx, app.NewOrganisation{Name: "Beta", OwnerEmail: "owner@beta.test", OwnerName: "Bea Owner", Password: areastest.Password}, app.Meta{ActorID: "cli:test"})
		if err != nil {
			t.Fatal(err)
		}
		b := f.AddMembers(orgB, "beta.test")
		bOwner := b[bulwark.RoleOwner]
		bRisk := idOf(t, must(t, "B's risk", f.Do("POST", "/api/v1/risks", areastest.Req{Token: bOwner.Token, JSON: `{"title":"Beta risk"}`}), 201))
		bAction := idOf(t, must(t, "B's action", f.Do("POST", "/api/v1/risks/"+bRisk+"/actions", areastest.Req{Token: bOwner.Token, JSON: `{"title":"Beta action"}`}), 201))
		bCookie := f.SignIn(bOwner.Email)
		tables := tenantTables(t, db)

		aIDs := orgIDs(t, db, tables, f.Org.ID)
		bIDs := orgIDs(t, db, tables, orgB.ID)
		var all, kinds []string
		isA := map[string]bool{}
		for table, ids := range aIDs {
			all = append(all, ids...)
			kinds = append(kinds, fmt.Sprintf("%s %d", table, len(ids)))
			for _, id := range ids {
				isA[id] = true
			}
		}
		sort.Strings(all)
		sort.Strings(kinds)
		t.Logf("A's ids: %d (%s)", len(all), strings.Join(kinds, ", "))
		for table, hasID := range tables {
			if hasID && len(aIDs[table]) == 0 {
				t.Errorf("A has no row in %s: seed one, so its ids are tried", table)
			}
		}
		// A route with several row slots tries a sample of A's ids (the first and
		// last of each table) in each slot in turn, with each of others (the first
		// id of each of B's tables: B's own parent row, whichever table it is in) in
		// the other slots.
		var sample, others []string
		for _, ids := range aIDs {
			if len(ids) > 0 {
				sample = append(sample, ids[0], ids[len(ids)-1])
			}
		}
		sample = slices.Compact(slices.Sorted(slices.Values(sample)))
		for _, ids := range []map[string][]string{bIDs} {
			for _, idsOf := range ids {
				if len(idsOf) > 0 {
					others = append(others, idsOf[0])
				}
			}
		}
		others = append(others, bRisk, bAction)
		sort.Strings(others)
		others = slices.Compact(others)
		var aVersions []string
		for _, v := range queryStrings(t, db, `SELECT version FROM risk_methodologies WHERE org_id = ?`, f.Org.ID) {
			aVersions = append(aVersions, strings.TrimPrefix(v, "version="))
		}

		// The probes, from the route table.
		byPattern := map[string][]web.Route{}
		var patterns []string
		for _, rt := range f.Srv.Routes() {
			if len(byPattern[rt.Pattern]) == 0 {
				patterns = append(patterns, rt.Pattern)
			}
			byPattern[rt.Pattern] = append(byPattern[rt.Pattern], rt)
		}
		var probes []probe
		covered := 0
		for _, pattern := range patterns {
			ps := params(pattern)
			if len(ps) == 0 || (len(ps) == 1 && ps[0] == "slug") {
				continue
			}
			for _, p := range ps {
				if _, ok := pathParams[p]; !ok {
					t.Errorf("%s: path parameter {%s} is not classified in pathParams", pattern, p)
				}
				if (p == "key" || p == "version" || p == "token") && exemption(pattern) == nil {
					t.Errorf("%s: {%s} outside the declared exemptions", pattern, p)
				}
			}
			ex := exemption(pattern)
			if ex == nil && len(rowSlotsOf(pattern)) == 0 {
				t.Logf("no row in the path: %s (%v)", pattern, ps)
				continue
			}
			if ex != nil {
				t.Logf("exempt: %s (called: %v): %s", pattern, ex.called, ex.why)
				if !ex.called {
					continue
				}
			}
			covered++
			for _, rt := range byPattern[pattern] {
				api, ui := rt.API(), strings.HasPrefix(pattern, "/o/{slug}/")
				if slices.Contains(ps, "token") {
					if rt.Method == "GET" {
						for _, id := range all {
							probes = append(probes, probe{method: "GET", pattern: pattern, path: strings.Replace(pattern, "{token}", id, 1), exempt: true, pathIDs: []string{id}})
						}
					}
					continue
				}
				if !api && !ui {
					t.Errorf("%s %s: neither API nor organisation page; classify it", rt.Method, pattern)
					continue
				}
				bodies := []string{""} // none, or an empty form (UI POST)
				if api && rt.Method != "GET" && rt.Method != "DELETE" {
					bodies = []string{`{}`, `{"title":"x","name":"x"}`}
					props := rt.Body
					if rt.Request != nil {
						props, _ = rt.Request.RequestSchema(rt.Method == "POST")["properties"].(map[string]any)
					}
					if b := schemaBody(props); b != "" {
						bodies = append(bodies, b)
					}
				}
				ids := all
				if len(rowSlotsOf(pattern)) > 1 || rt.Method != "GET" {
					// Several slots: each in turn, with each of others in the other. A change: A's rows are
					// compared before and after. Either way the first and last id of every table keep the
					// product small; a missing organisation condition lets any of a table's ids through, so
					// these find it.
					ids = sample
				}
				for _, path := range expand(pattern, orgB.Slug, ids, others, aVersions) {
					for _, body := range bodies {
						probes = append(probes, probe{method: rt.Method, pattern: pattern, path: path.path, body: body, api: api, exempt: ex != nil, pathIDs: path.ids})
					}
				}
			}
		}

		before := snapshot(t, db, tables, f.Org.ID)

		// Two rows in one path, one of each organisation: the explicit case.
		aRisk, aAction := aIDs["risks"][0], aIDs["risk_actions"][0]
		for _, path := range []string{"/api/v1/risks/" + bRisk + "/actions/" + aAction, "/api/v1/risks/" + aRisk + "/actions/" + bAction} {
			res := f.Do("PATCH", path, areastest.Req{Token: bOwner.Token, JSON: `{"status":"done"}`})
			if res.StatusCode != http.StatusNotFound {
				t.Errorf("PATCH %s (one row of each organisation): %d, want 404: %s", path, res.StatusCode, clip(res.Text, 300))
			}
		}
		for _, path := range []string{"/o/" + orgB.Slug + "/risks/" + bRisk + "/actions/" + aAction, "/o/" + orgB.Slug + "/risks/" + aRisk + "/actions/" + bAction} {
			res := f.Do("POST", path, areastest.Req{Cookie: bCookie, Form: url.Values{"status": {"done"}}})
			if res.StatusCode != http.StatusNotFound {
				t.Errorf("POST %s (one row of each organisation): %d, want 404", path, res.StatusCode)
			}
		}

		sent := time.Now()
		failures := map[string][]string{}
		var failKeys []string
		fail := func(p probe, res *areastest.Resp, why string) {
			key := fmt.Sprintf("%s %s → %d", p.method, p.pattern, res.StatusCode)
			if why != "" {
				key += " (" + why + ")"
			}
			if failures[key] == nil {
				failKeys = append(failKeys, key)
			}
			failures[key] = append(failures[key], fmt.Sprintf("%s %s body %q: %s", p.method, p.path, p.body, brief(res.Text)))
		}
		// A few requests at a time; the answers are judged in order afterwards.
		answers := make([]*areastest.Resp, len(probes))
		next := make(chan int)
		var wg sync.WaitGroup
		for range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range next {
					p := probes[i]
					r := areastest.Req{}
					switch {
					case strings.Contains(p.pattern, "{token}"): // anonymous
					case p.api:
						r.Token, r.JSON = bOwner.Token, p.body
					default:
						r.Cookie = bCookie
						if p.method == "POST" {
							r.Form = url.Values{}
						}
					}
					answers[i] = f.Do(p.method, p.path, r)
				}
			}()
		}
		for i := range probes {
			next <- i
		}
		close(next)
		wg.Wait()
		exempted := map[string]map[int]int{}
		for i, p := range probes {
			res := answers[i]
			if p.exempt {
				if exempted[p.method+" "+p.pattern] == nil {
					exempted[p.method+" "+p.pattern] = map[int]int{}
				}
				exempted[p.method+" "+p.pattern][res.StatusCode]++
			}
			if res.StatusCode >= 500 {
				fail(p, res, "server error")
				continue
			}
			if leaked := leaks(res.Text, isA, p.pathIDs); leaked != "" {
				fail(p, res, "shows A's "+leaked)
			}
			if strings.Contains(p.pattern, "{version}") {
				continue // B's own version of that number may exist; what counts is A, checked below
			}
			if res.StatusCode != http.StatusNotFound {
				fail(p, res, "")
			}
		}
		for k, statuses := range exempted {
			t.Logf("exempt %s answered (status: count) %v", k, statuses)
		}
		elapsed := time.Since(sent)
		for _, k := range failKeys {
			ex := failures[k]
			t.Errorf("%s: %d request(s), e.g.\n    %s", k, len(ex), strings.Join(ex[:min(2, len(ex))], "\n    "))
		}
		compareSnapshots(t, before, snapshot(t, db, tables, f.Org.ID))
		t.Logf("%d routes with ids, %d probes in %s (%.0f/s); whole test %s", covered, len(probes), elapsed.Round(time.Millisecond),
			float64(len(probes))/elapsed.Seconds(), time.Since(start).Round(time.Millisecond))
	})
}

type filled struct {
	path string
	ids  []string
}

// expand fills pattern's parameters: B's slug; every id of A in each row slot in
// turn, the other row slots taking each of others; each enumerated value; A's
// version numbers.
func expand(pattern, slug string, ids, others, versions []string) []filled {
	ps := params(pattern)
	rowSlots := rowSlotsOf(pattern)
	// Each assignment gives a value to every parameter, by index.
	assignments := [][]string{make([]string, len(ps))}
	set := func(i int, values []string) {
		var next [][]string
		for _, a := range assignments {
			for _, v := range values {
				c := slices.Clone(a)
				c[i] = v
				next = append(next, c)
			}
		}
		assignments = next
	}
	for i, p := range ps {
		switch {
		case p == "slug":
			set(i, []string{slug})
		case p == "version" || p == "n":
			set(i, versions)
		case enumValues[p] != nil:
			set(i, enumValues[p])
		}
	}
	base := assignments
	var out []filled
	for _, slot := range rowSlots {
		assignments = base
		set(slot, ids)
		for _, other := range rowSlots {
			if other != slot {
				set(other, others)
			}
		}
		for _, a := range assignments {
			out = append(out, fill(pattern, ps, a, slot))
		}
	}
	if len(rowSlots) == 0 {
		for _, a := range base {
			out = append(out, fill(pattern, ps, a, -1))
		}
	}
	return out
}

func rowSlotsOf(pattern string) []int {
	var slots []int
	for i, p := range params(pattern) {
		if isRowParam(p, pattern) {
			slots = append(slots, i)
		}
	}
	return slots
}

func fill(pattern string, ps, values []string, slot int) filled {
	i := 0
	path := paramRE.ReplaceAllStringFunc(pattern, func(string) string {
		v := values[i]
		i++
		return url.PathEscape(v)
	})
	path = strings.ReplaceAll(path, "{$}", "")
	f := filled{path: path}
	if slot >= 0 {
		f.ids = values[slot : slot+1]
	}
	for j, p := range ps {
		if isRowParam(p, pattern) && j != slot {
			f.ids = append(f.ids, values[j])
		}
	}
	return f
}

// schemaBody is a body of the route's declared fields with plausible values.
func schemaBody(props map[string]any) string {
	if len(props) == 0 {
		return ""
	}
	body := map[string]any{}
	for name, p := range props {
		typ, _ := p.(map[string]any)["type"].(string)
		if types, ok := p.(map[string]any)["type"].([]string); ok && len(types) > 0 {
			typ = types[0] // nullable: ["string", "null"]
		}
		switch typ {
		case "string":
			body[name] = "x"
		case "boolean":
			body[name] = false
		case "integer":
			body[name] = 1
		case "array":
			body[name] = []string{}
		}
	}
	b, _ := json.Marshal(body)
	return string(b)
}

var (
	titleRE = regexp.MustCompile(`<title>([^<]*)</title>`)
	alertRE = regexp.MustCompile(`role="alert"><strong>([^<]*)</strong>`)
)

// brief is an answer shortened for a message: a page's title and alert, or the start of a JSON body.
func brief(text string) string {
	if t := titleRE.FindStringSubmatch(text); t != nil {
		s := "page " + strings.TrimSpace(t[1])
		if a := alertRE.FindStringSubmatch(text); a != nil {
			s += ": " + a[1]
		}
		return s
	}
	return clip(text, 300)
}

var uuidRE = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// leaks returns what of A the text shows: an id of A's rows other than those
// the request named, or A's name, slug or domain.
func leaks(text string, isA map[string]bool, named []string) string {
	for _, id := range uuidRE.FindAllString(text, -1) {
		if isA[id] && !slices.Contains(named, id) {
			return "id " + id
		}
	}
	for _, s := range []string{"Acme", "acme-ltd", "@acme.test"} {
		if strings.Contains(text, s) {
			return "marker " + s
		}
	}
	return ""
}

package web_test

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/areas/areastest"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
	"github.com/bulwark-isms/bulwark/web"
)

func TestSignInThrottling(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db, func(a *app.Config, _ *web.Config) { a.MaxFailuresAccount = 5; a.MaxFailuresIP = 8 })
		wrong := url.Values{"email": {"employee@acme.test"}, "password": {"not the password"}}
		for i := range 5 {
			if res := f.Do("POST", "/signin", areastest.Req{Form: wrong}); res.StatusCode != http.StatusUnauthorized {
				t.Fatalf("attempt %d: %d", i+1, res.StatusCode)
			}
		}
		right := url.Values{"email": {"employee@acme.test"}, "password": {areastest.Password}}
		res := f.Do("POST", "/signin", areastest.Req{Form: right})
		ra, _ := strconv.Atoi(res.Header.Get("Retry-After"))
		if res.StatusCode != http.StatusTooManyRequests || ra < 1 || ra > 15*60 {
			t.Fatalf("after 5 failures: status %d, Retry-After %q", res.StatusCode, res.Header.Get("Retry-After"))
		}
		if !strings.Contains(res.Text, "Too many failed sign-ins") {
			t.Errorf("the page does not say why: %s", res.Text)
		}
		// Other accounts from the same IP: the IP limit (8) trips after 3 more failures.
		for i := range 3 {
			f.Do("POST", "/signin", areastest.Req{Form: url.Values{"email": {fmt.Sprintf("nobody%d@acme.test", i)}, "password": {"wrong password"}}})
		}
		if res := f.Do("POST", "/signin", areastest.Req{Form: url.Values{"email": {"auditor@acme.test"}, "password": {areastest.Password}}}); res.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("IP throttling: %d", res.StatusCode)
		}
		// Failed sign-ins are audited: known users in their organisation, unknown emails in the instance chain.
		n, brk, err := f.Svc.VerifyChain(t.Context(), bulwark.InstanceChain)
		if err != nil || brk != nil || n != 3 {
			t.Fatalf("instance chain: %d entries, %v %v", n, brk, err)
		}
	})
}

func TestCrossSitePostIsRefused(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		cookie := f.SignIn("owner@acme.test")
		form := url.Values{"email": {"x@evil.test"}, "role": {"owner"}}
		for name, h := range map[string]map[string]string{
			"Sec-Fetch-Site cross-site": {"Sec-Fetch-Site": "cross-site"},
			"foreign Origin":            {"Sec-Fetch-Site": "", "Origin": "https://evil.example"},
		} {
			res := f.Do("POST", "/o/acme-ltd/invitations", areastest.Req{Cookie: cookie, Form: form, Headers: h})
			if res.StatusCode != http.StatusForbidden {
				t.Errorf("%s: status %d, want 403", name, res.StatusCode)
			}
		}
		invs, _ := f.Svc.Invitations(t.Context(), f.OwnerPrincipal(f.Org, "owner@acme.test"))
		for _, i := range invs {
			if i.Email == "x@evil.test" {
				t.Fatal("a cross-site POST created an invitation")
			}
		}
		if res := f.Do("POST", "/o/acme-ltd/invitations", areastest.Req{Cookie: cookie, Form: form}); res.StatusCode != http.StatusCreated {
			t.Fatalf("same-origin POST: %d", res.StatusCode)
		}
	})
}

func TestSecurityHeadersAndCookies(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		cookie := f.SignIn("owner@acme.test")
		for _, path := range []string{"/signin", "/healthz", "/api/v1/openapi.json", "/no-such-page", "/o/acme-ltd/", "/api/v1/me"} {
			res := f.Do("GET", path, areastest.Req{Cookie: cookie, Token: map[bool]string{true: f.Accounts["owner"].Token}[strings.HasPrefix(path, "/api/v1/me")]})
			h := res.Header
			csp := h.Get("Content-Security-Policy")
			for _, want := range []string{"script-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
				if !strings.Contains(csp, want) {
					t.Errorf("%s: CSP %q lacks %q", path, csp, want)
				}
			}
			if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
				t.Errorf("%s: CSP allows inline script or eval", path)
			}
			if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "no-referrer" || h.Get("X-Request-Id") == "" {
				t.Errorf("%s: headers %v", path, h)
			}
		}
		if cc := f.Do("GET", "/o/acme-ltd/", areastest.Req{Cookie: cookie}).Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("signed-in page Cache-Control %q", cc)
		}
		if !strings.HasPrefix(f.Do("GET", "/static/app.css", areastest.Req{}).Header.Get("Content-Type"), "text/css") {
			t.Error("static CSS not served as text/css")
		}
		if !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.Secure {
			t.Errorf("http cookie flags: %+v", cookie)
		}
		// Over https the cookie is __Host- prefixed and Secure.
		g := areastest.New(t, sqltest.New(t, db.Dialect), func(a *app.Config, w *web.Config) {
			a.BaseURL = "https://isms.example"
			w.BaseURL = "https://isms.example"
		})
		res := g.Do("POST", "/signin", areastest.Req{Form: url.Values{"email": {"owner@acme.test"}, "password": {areastest.Password}}})
		sc := res.Header.Get("Set-Cookie")
		for _, want := range []string{"__Host-bulwark_session=", "Path=/", "HttpOnly", "Secure", "SameSite=Lax"} {
			if !strings.Contains(sc, want) {
				t.Errorf("https cookie %q lacks %q", sc, want)
			}
		}
		if strings.Contains(sc, "Domain=") {
			t.Errorf("__Host- cookie must not set a domain: %q", sc)
		}
		if res.Header.Get("Strict-Transport-Security") == "" {
			t.Error("no HSTS over https")
		}
	})
}

func TestAPIErrors(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		owner := f.Accounts[bulwark.RoleOwner].Token
		emp := f.Accounts[bulwark.RoleEmployee].MemberID
		tests := []struct {
			name, method, path, body string
			headers                  map[string]string
			status                   int
			contains                 string
		}{
			{"unknown field", "PATCH", "/api/v1/members/" + emp, `{"rolee":"admin"}`, nil, 422, `"field":"rolee"`},
			{"read-only field", "PATCH", "/api/v1/members/" + emp, `{"email":"x@y.z"}`, nil, 422, `"field":"email"`},
			{"bad role", "PATCH", "/api/v1/members/" + emp, `{"role":"king"}`, nil, 422, `"field":"role"`},
			{"wrong type", "PATCH", "/api/v1/members/" + emp, `{"active":"yes"}`, nil, 422, `"field":"active"`},
			{"malformed JSON", "PATCH", "/api/v1/members/" + emp, `{"role":`, nil, 400, "not a JSON object"},
			{"stale If-Match", "PATCH", "/api/v1/members/" + emp, `{"role":"manager"}`, map[string]string{"If-Match": `"7"`}, 409, "changed by someone else"},
			{"stale version", "PATCH", "/api/v1/members/" + emp, `{"role":"manager","version":9}`, nil, 409, "version"},
			{"absent member", "GET", "/api/v1/members/" + areastest.MissingID, "", nil, 404, "not found"},
			{"bad invitation", "POST", "/api/v1/invitations", `{"email":"nope","role":"employee"}`, nil, 422, `"field":"email"`},
			{"bad audit filter", "GET", "/api/v1/audit-log?from=yesterday", "", nil, 422, `"field":"from"`},
			{"bad cursor", "GET", "/api/v1/audit-log?cursor=zzz", "", nil, 422, `"field":"cursor"`},
			{"unknown endpoint", "GET", "/api/v1/nothing-here", "", nil, 404, "No such endpoint"},
			{"token for someone else", "POST", "/api/v1/tokens", `{"name":"x","member_id":"` + emp + `"}`, nil, 422, `"field":"member_id"`},
			{"stale organisation version", "PATCH", "/api/v1/organisation", `{"name":"Acme","version":99}`, nil, 409, "changed by someone else"},
			{"absent invitation", "GET", "/api/v1/invitations/" + areastest.MissingID, "", nil, 404, "not found"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				res := f.Do(tt.method, tt.path, areastest.Req{Token: owner, JSON: tt.body, Headers: tt.headers})
				if res.StatusCode != tt.status || !strings.Contains(res.Text, tt.contains) {
					t.Fatalf("status %d body %s; want %d containing %q", res.StatusCode, res.Text, tt.status, tt.contains)
				}
				if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
					t.Fatalf("content type %q", ct)
				}
			})
		}
		t.Run("unsupported media type", func(t *testing.T) {
			res := f.Do("PATCH", "/api/v1/members/"+emp, areastest.Req{Token: owner, JSON: `{}`, Headers: map[string]string{"Content-Type": "text/plain"}})
			if res.StatusCode != http.StatusUnsupportedMediaType {
				t.Fatalf("status %d", res.StatusCode)
			}
		})
		t.Run("ETag and If-Match", func(t *testing.T) {
			res := f.Do("GET", "/api/v1/members/"+emp, areastest.Req{Token: owner})
			etag := res.Header.Get("ETag")
			res = f.Do("PATCH", "/api/v1/members/"+emp, areastest.Req{Token: owner, JSON: `{"role":"manager"}`, Headers: map[string]string{"If-Match": etag}})
			if res.StatusCode != http.StatusOK || res.Header.Get("ETag") == etag {
				t.Fatalf("PATCH with current ETag: %d %s", res.StatusCode, res.Text)
			}
		})
		t.Run("invite and list", func(t *testing.T) {
			res := f.Do("POST", "/api/v1/invitations", areastest.Req{Token: owner, JSON: `{"email":"New.Person@Acme.test","role":"auditor"}`})
			if res.StatusCode != http.StatusCreated || res.Header.Get("Location") == "" || !strings.Contains(res.Text, `"link":"`+f.TS.URL+`/invitations/`) {
				t.Fatalf("invite: %d %s", res.StatusCode, res.Text)
			}
			if got := f.Do("GET", res.Header.Get("Location"), areastest.Req{Token: owner}); got.StatusCode != http.StatusOK || !strings.Contains(got.Text, `"role":"auditor"`) {
				t.Fatalf("GET Location: %d %s", got.StatusCode, got.Text)
			}
			if res := f.Do("POST", "/api/v1/invitations", areastest.Req{Token: owner, JSON: `{"email":"employee@acme.test","role":"auditor"}`}); res.StatusCode != http.StatusConflict {
				t.Fatalf("inviting a member: %d", res.StatusCode)
			}
		})
	})
}

// TestOpenAPIDocument loads the served document with an independent library
// (pb33f/libopenapi) and validates it against the OpenAPI 3.1 schema; then checks
// what the contract asks of it: every API route documented, every JSON body with
// a schema, creates answering 201, lists, exports and imports with their query
// parameters. That requests and responses match it is checked on every API call
// the tests make (areastest.Fixture.Do).
func TestOpenAPIDocument(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		res := f.Do("GET", "/api/v1/openapi.json", areastest.Req{})
		d, err := libopenapi.NewDocument([]byte(res.Text))
		if err != nil {
			t.Fatal(err)
		}
		v, errs := validator.NewValidator(d)
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		if ok, verrs := v.ValidateDocument(); !ok {
			for _, e := range verrs {
				t.Errorf("invalid OpenAPI document: %s: %s", e.Message, e.Reason)
			}
		}
		model, err := d.BuildV3Model()
		if err != nil {
			t.Fatal(err)
		}
		if model.Model.Version != "3.1.0" {
			t.Errorf("version %q", model.Model.Version)
		}
		for _, rt := range f.Srv.Routes() {
			if !rt.API() {
				continue
			}
			item, ok := model.Model.Paths.PathItems.Get(rt.Pattern)
			if !ok {
				t.Errorf("%s %s is not documented", rt.Method, rt.Pattern)
				continue
			}
			op := item.GetOperations().GetOrZero(strings.ToLower(rt.Method))
			if op == nil {
				t.Errorf("%s %s is not documented", rt.Method, rt.Pattern)
				continue
			}
			if (rt.Method == "POST" || rt.Method == "PATCH" || rt.Method == "PUT") && (op.RequestBody == nil || op.RequestBody.Content.Len() == 0) {
				t.Errorf("%s %s: no request body schema", rt.Method, rt.Pattern)
			}
			if rt.Status == http.StatusCreated && op.Responses.Codes.GetOrZero("201") == nil {
				t.Errorf("%s %s: a create that does not document 201", rt.Method, rt.Pattern)
			}
			params := map[string]bool{}
			for _, p := range op.Parameters {
				params[p.Name] = true
			}
			switch {
			case rt.List && rt.Response != nil && rt.Response.Field("archived_at") != nil && !strings.Contains(rt.Pattern, "{") && !params["include_archived"]:
				t.Errorf("%s %s: a register list without its query parameters", rt.Method, rt.Pattern)
			case strings.HasSuffix(rt.Pattern, "/export") && !params["format"]:
				t.Errorf("%s %s: an export without its format parameter", rt.Method, rt.Pattern)
			case strings.HasSuffix(rt.Pattern, "/import") && !params["dry_run"]:
				t.Errorf("%s %s: an import without its parameters", rt.Method, rt.Pattern)
			}
			for code, resp := range op.Responses.Codes.FromOldest() {
				if code == "204" || resp.Content == nil {
					continue
				}
				for mt, media := range resp.Content.FromOldest() {
					if media.Schema == nil {
						t.Errorf("%s %s: response %s %s has no schema", rt.Method, rt.Pattern, code, mt)
					}
				}
			}
		}
	})
}

func TestOperationsEndpoints(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		if res := f.Do("GET", "/healthz", areastest.Req{}); res.StatusCode != 200 || strings.TrimSpace(res.Text) != `{"status":"ok"}` {
			t.Errorf("healthz: %d %s", res.StatusCode, res.Text)
		}
		if res := f.Do("GET", "/readyz", areastest.Req{}); res.StatusCode != 200 {
			t.Errorf("readyz: %d", res.StatusCode)
		}
		f.Do("GET", "/api/v1/me", areastest.Req{Token: f.Accounts["owner"].Token})
		imp := f.Do("POST", "/api/v1/risks/import?dry_run=true", areastest.Req{Token: f.Accounts["owner"].Token, Body: "Title,Likelihood (1-5),Impact\nA,2,3\n",
			Headers: map[string]string{"Content-Type": "text/csv", "Content-Disposition": `attachment; filename="r.csv"`}})
		if imp.StatusCode != 200 || !strings.Contains(imp.Text, `"created":1`) {
			t.Fatalf("import: %d %s", imp.StatusCode, imp.Text)
		}
		res := f.Do("GET", "/metrics", areastest.Req{})
		pools := `go_sql_open_connections{db_name="writer"}`
		if db.Dialect == sqlstore.Postgres {
			pools = `go_sql_open_connections{db_name="postgres"}`
		}
		for _, want := range []string{
			`bulwark_http_request_duration_seconds_count{route="GET /api/v1/me",status="2xx"} 1`,
			"# TYPE bulwark_http_request_duration_seconds histogram",
			"go_goroutines", "go_memstats_heap_alloc_bytes", "process_resident_memory_bytes", "process_start_time_seconds",
			pools, "go_sql_in_use_connections", "go_sql_wait_count_total", "go_sql_wait_duration_seconds_total",
			"bulwark_audit_entries_appended_total", `bulwark_build_info{version="test"} 1`, `bulwark_imports_total{kind="risks",outcome="dry_run"} 1`,
		} {
			if !strings.Contains(res.Text, want) {
				t.Errorf("metrics lack %s", want)
			}
		}
		cookie := f.SignIn("owner@acme.test")
		for _, p := range []string{"/debug/pprof/", "/debug/vars"} {
			if res := f.Do("GET", p, areastest.Req{Cookie: cookie}); res.StatusCode != http.StatusNotFound {
				t.Errorf("%s is served: %d", p, res.StatusCode)
			}
		}
		db.Close()
		if res := f.Do("GET", "/readyz", areastest.Req{}); res.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("readyz with the database closed: %d", res.StatusCode)
		}
	})
}

func TestUIFlowsWithoutBrowser(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		cookie := f.SignIn("owner@acme.test")
		for _, sec := range f.Srv.Sections() {
			res := f.Do("GET", "/o/acme-ltd/"+sec.Slug, areastest.Req{Cookie: cookie})
			if res.StatusCode != 200 || strings.Contains(res.Text, "Not built yet") != !sec.Built {
				t.Errorf("%s: %d", sec.Slug, res.StatusCode)
			}
		}
		res := f.Do("GET", "/o/acme-ltd/", areastest.Req{Cookie: cookie})
		if !strings.Contains(res.Text, `<p class="figure">6</p>`) {
			t.Errorf("dashboard does not count 6 active members: %s", res.Text)
		}
		// Hostile text is stored as written and rendered inert.
		res = f.Do("POST", "/o/acme-ltd/settings", areastest.Req{Cookie: cookie, Form: url.Values{"name": {`<script>alert(1)</script> Acme`}, "time_zone": {"Europe/Paris"}, "segregation_of_duties": {"on"}}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("settings: %d %s", res.StatusCode, res.Text)
		}
		res = f.Do("GET", "/o/acme-ltd/", areastest.Req{Cookie: cookie})
		if strings.Contains(res.Text, "<script>alert") || !strings.Contains(res.Text, "&lt;script&gt;alert(1)&lt;/script&gt; Acme") {
			t.Errorf("hostile name not escaped")
		}
		res = f.Do("POST", "/o/acme-ltd/settings", areastest.Req{Cookie: cookie, Form: url.Values{"name": {"Acme"}, "time_zone": {"Nowhere/Land"}}})
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Text, "IANA time zone") {
			t.Errorf("bad time zone: %d", res.StatusCode)
		}
		// A signed-in user creates a second organisation and switches to it.
		res = f.Do("POST", "/orgs/new", areastest.Req{Cookie: cookie, Form: url.Values{"org": {"Client Two"}}})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/o/client-two/" {
			t.Fatalf("new organisation: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		res = f.Do("GET", "/o/client-two/", areastest.Req{Cookie: cookie})
		if !strings.Contains(res.Text, `<option value="acme-ltd"`) || !strings.Contains(res.Text, `<option value="client-two" selected>`) {
			t.Errorf("switcher does not list both organisations")
		}
		// Sign out everywhere ends the session.
		other := f.SignIn("owner@acme.test")
		f.Do("POST", "/account/sign-out-everywhere", areastest.Req{Cookie: cookie})
		if res := f.Do("GET", "/o/acme-ltd/", areastest.Req{Cookie: other}); res.StatusCode != http.StatusSeeOther {
			t.Errorf("another session survived sign-out-everywhere: %d", res.StatusCode)
		}
	})
}

func TestSessionTimeouts(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db, func(a *app.Config, _ *web.Config) { a.SessionIdle = 30 * time.Minute; a.SessionMax = 2 * time.Hour })
		now := time.Now().UTC()
		db.Now = func() time.Time { return now }
		cookie := f.SignIn("owner@acme.test")
		for _, step := range []time.Duration{25 * time.Minute, 25 * time.Minute, 25 * time.Minute} { // activity keeps it alive
			now = now.Add(step)
			if res := f.Do("GET", "/o/acme-ltd/", areastest.Req{Cookie: cookie}); res.StatusCode != 200 {
				t.Fatalf("active session ended early: %d", res.StatusCode)
			}
		}
		now = now.Add(31 * time.Minute)
		if res := f.Do("GET", "/o/acme-ltd/", areastest.Req{Cookie: cookie}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("idle session still valid: %d", res.StatusCode)
		}
		cookie = f.SignIn("owner@acme.test")
		for range 5 {
			now = now.Add(25 * time.Minute)
			f.Do("GET", "/o/acme-ltd/", areastest.Req{Cookie: cookie})
		}
		if res := f.Do("GET", "/o/acme-ltd/", areastest.Req{Cookie: cookie}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("session past its absolute limit still valid: %d", res.StatusCode)
		}
	})
}

func TestUnknownPathsRevealNothingAnonymously(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		if res := f.Do("GET", "/api/v1/secret-thing", areastest.Req{}); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("anonymous API 404: %d", res.StatusCode)
		}
		if res := f.Do("GET", "/some/page", areastest.Req{}); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/signin") {
			t.Errorf("anonymous UI 404: %d", res.StatusCode)
		}
		if res := f.Do("GET", "/some/page", areastest.Req{Cookie: f.SignIn("owner@acme.test")}); res.StatusCode != http.StatusNotFound {
			t.Errorf("signed-in UI 404: %d", res.StatusCode)
		}
	})
}

func TestInvitationForExistingAccountNeedsSignIn(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		other, _, err := f.Svc.CreateOrganisation(t.Context(), app.NewOrganisation{Name: "Other", OwnerEmail: "boss@other.test", Password: areastest.Password}, app.Meta{})
		if err != nil {
			t.Fatal(err)
		}
		inv, err := f.Svc.Invite(t.Context(), f.OwnerPrincipal(other, "boss@other.test"), "employee@acme.test", bulwark.RoleAuditor)
		if err != nil {
			t.Fatal(err)
		}
		path := strings.TrimPrefix(inv.Link, f.TS.URL)
		// Guessing the account's password through the link is impossible: no password is taken.
		res := f.Do("POST", path, areastest.Req{Form: url.Values{"name": {"x"}, "password": {areastest.Password}}})
		if res.StatusCode != http.StatusUnauthorized || !strings.Contains(res.Text, "Sign in as employee@acme.test") {
			t.Fatalf("anonymous accept: %d", res.StatusCode)
		}
		if res := f.Do("POST", path, areastest.Req{Cookie: f.SignIn("auditor@acme.test")}); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("accepted by someone else: %d", res.StatusCode)
		}
		cookie := f.SignIn("employee@acme.test")
		if res := f.Do("GET", path, areastest.Req{Cookie: cookie}); !strings.Contains(res.Text, "Accept invitation") {
			t.Fatalf("signed-in invitee sees no accept button")
		}
		res = f.Do("POST", path, areastest.Req{Cookie: cookie})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/o/other/" {
			t.Fatalf("accept: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
	})
}

func TestSignInRedirectStaysOnSite(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		for next, want := range map[string]string{
			"/o/acme-ltd/members?x=1": "/o/acme-ltd/members?x=1",
			"//evil.example/":         "/",
			"/\\evil.example":         "/",
			"/\t/evil.example":        "/",
			"https://evil.example/":   "/",
			"javascript:alert(1)":     "/",
		} {
			res := f.Do("POST", "/signin", areastest.Req{Form: url.Values{"email": {"owner@acme.test"}, "password": {areastest.Password}, "next": {next}}})
			if got := res.Header.Get("Location"); got != want {
				t.Errorf("next %q: redirected to %q, want %q", next, got, want)
			}
		}
	})
}

func TestMeAndBearerScheme(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		acc := f.Accounts[bulwark.RoleContributor]
		for _, scheme := range []string{"Bearer", "bearer", "BEARER"} {
			res := f.Do("GET", "/api/v1/me", areastest.Req{Headers: map[string]string{"Authorization": scheme + " " + acc.Token}})
			if res.StatusCode != http.StatusOK {
				t.Fatalf("scheme %q: %d %s", scheme, res.StatusCode, res.Text)
			}
			var me struct {
				User         struct{ ID, Email string }
				Member       struct{ ID string }
				Organisation struct{ Slug string }
				Role         string
			}
			if err := json.Unmarshal([]byte(res.Text), &me); err != nil {
				t.Fatal(err)
			}
			if me.Member.ID != acc.MemberID || me.User.Email != acc.Email || me.Organisation.Slug != "acme-ltd" || me.Role != "contributor" {
				t.Errorf("scheme %q: %s", scheme, res.Text)
			}
		}
		for _, h := range []string{"Basic " + acc.Token, "Bearer", "Bearer ", acc.Token} {
			if res := f.Do("GET", "/api/v1/me", areastest.Req{Headers: map[string]string{"Authorization": h}}); res.StatusCode != http.StatusUnauthorized {
				t.Errorf("Authorization %q: %d", h, res.StatusCode)
			}
		}
	})
}

// TestCompressionAndFavicon checks that pages and JSON are gzipped for clients that
// accept it (and only for them), and that the favicon is served.
func TestCompressionAndFavicon(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		get := func(path, enc string) *http.Response {
			req, _ := http.NewRequest("GET", f.TS.URL+path, nil)
			if enc != "" {
				req.Header.Set("Accept-Encoding", enc) // set by hand: the client no longer unzips for us
			}
			res, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { res.Body.Close() })
			return res
		}
		res := get("/signin", "gzip, deflate, br")
		if res.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(res.Header.Get("Vary"), "Accept-Encoding") {
			t.Fatalf("sign-in page: %v", res.Header)
		}
		zr, err := gzip.NewReader(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(zr)
		if !strings.Contains(string(page), `<link rel="icon" href="/static/favicon.svg"`) {
			t.Errorf("unzipped page: %.200s", page)
		}
		if res := get("/signin", ""); res.Header.Get("Content-Encoding") != "" {
			t.Errorf("gzip without Accept-Encoding")
		}
		if res := get("/signin", "gzip;q=0"); res.Header.Get("Content-Encoding") != "" {
			t.Errorf("gzip refused with q=0 but sent")
		}
		if res := get("/api/v1/openapi.json", "gzip"); res.Header.Get("Content-Encoding") != "gzip" {
			t.Errorf("JSON not compressed")
		}
		if res := get("/favicon.ico", ""); res.StatusCode != http.StatusMovedPermanently || res.Header.Get("Location") != "/static/favicon.svg" {
			t.Errorf("favicon.ico: %d", res.StatusCode)
		}
		if res := get("/static/favicon.svg", "gzip"); res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "image/svg+xml") {
			t.Errorf("favicon: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
		}
	})
}

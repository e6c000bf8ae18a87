package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
	"github.com/bulwark-isms/bulwark/web"
)

func TestSignInThrottling(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db, func(a *app.Config, _ *web.Config) { a.MaxFailuresAccount = 5; a.MaxFailuresIP = 8 })
		wrong := url.Values{"email": {"employee@acme.test"}, "password": {"not the password"}}
		for i := range 5 {
			if res := f.do("POST", "/signin", req{form: wrong}); res.StatusCode != http.StatusUnauthorized {
				t.Fatalf("attempt %d: %d", i+1, res.StatusCode)
			}
		}
		right := url.Values{"email": {"employee@acme.test"}, "password": {pw}}
		res := f.do("POST", "/signin", req{form: right})
		ra, _ := strconv.Atoi(res.Header.Get("Retry-After"))
		if res.StatusCode != http.StatusTooManyRequests || ra < 1 || ra > 15*60 {
			t.Fatalf("after 5 failures: status %d, Retry-After %q", res.StatusCode, res.Header.Get("Retry-After"))
		}
		if !strings.Contains(res.body, "Too many failed sign-ins") {
			t.Errorf("the page does not say why: %s", res.body)
		}
		// Other accounts from the same IP: the IP limit (8) trips after 3 more failures.
		for i := range 3 {
			f.do("POST", "/signin", req{form: url.Values{"email": {fmt.Sprintf("nobody%d@acme.test", i)}, "password": {"wrong password"}}})
		}
		if res := f.do("POST", "/signin", req{form: url.Values{"email": {"auditor@acme.test"}, "password": {pw}}}); res.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("IP throttling: %d", res.StatusCode)
		}
		// Failed sign-ins are audited: known users in their organisation, unknown emails in the instance chain.
		n, brk, err := f.svc.VerifyChain(t.Context(), bulwark.InstanceChain)
		if err != nil || brk != nil || n != 3 {
			t.Fatalf("instance chain: %d entries, %v %v", n, brk, err)
		}
	})
}

func TestCrossSitePostIsRefused(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		cookie := f.signIn("owner@acme.test")
		form := url.Values{"email": {"x@evil.test"}, "role": {"owner"}}
		for name, h := range map[string]map[string]string{
			"Sec-Fetch-Site cross-site": {"Sec-Fetch-Site": "cross-site"},
			"foreign Origin":            {"Sec-Fetch-Site": "", "Origin": "https://evil.example"},
		} {
			res := f.do("POST", "/o/acme-ltd/invitations", req{cookie: cookie, form: form, headers: h})
			if res.StatusCode != http.StatusForbidden {
				t.Errorf("%s: status %d, want 403", name, res.StatusCode)
			}
		}
		invs, _ := f.svc.Invitations(t.Context(), f.ownerPrincipal(f.org, "owner@acme.test"))
		for _, i := range invs {
			if i.Email == "x@evil.test" {
				t.Fatal("a cross-site POST created an invitation")
			}
		}
		if res := f.do("POST", "/o/acme-ltd/invitations", req{cookie: cookie, form: form}); res.StatusCode != http.StatusCreated {
			t.Fatalf("same-origin POST: %d", res.StatusCode)
		}
	})
}

func TestSecurityHeadersAndCookies(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		cookie := f.signIn("owner@acme.test")
		for _, path := range []string{"/signin", "/healthz", "/api/v1/openapi.json", "/no-such-page", "/o/acme-ltd/", "/api/v1/me"} {
			res := f.do("GET", path, req{cookie: cookie, token: map[bool]string{true: f.accounts["owner"].Token}[strings.HasPrefix(path, "/api/v1/me")]})
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
		if cc := f.do("GET", "/o/acme-ltd/", req{cookie: cookie}).Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("signed-in page Cache-Control %q", cc)
		}
		if !strings.HasPrefix(f.do("GET", "/static/app.css", req{}).Header.Get("Content-Type"), "text/css") {
			t.Error("static CSS not served as text/css")
		}
		if !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.Secure {
			t.Errorf("http cookie flags: %+v", cookie)
		}
		// Over https the cookie is __Host- prefixed and Secure.
		g := newFixture(t, sqltest.New(t, db.Dialect), func(a *app.Config, w *web.Config) {
			a.BaseURL = "https://isms.example"
			w.BaseURL = "https://isms.example"
		})
		res := g.do("POST", "/signin", req{form: url.Values{"email": {"owner@acme.test"}, "password": {pw}}})
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

func TestDeactivationEndsLiveSessionAndToken(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		emp := f.accounts[bulwark.RoleEmployee]
		cookie := f.signIn(emp.Email)
		if res := f.do("GET", "/o/acme-ltd/", req{cookie: cookie}); res.StatusCode != http.StatusOK {
			t.Fatalf("before: %d", res.StatusCode)
		}
		res := f.do("PATCH", "/api/v1/members/"+emp.MemberID, req{token: f.accounts[bulwark.RoleAdmin].Token, json: `{"active":false}`})
		if res.StatusCode != http.StatusOK || !strings.Contains(res.body, `"status":"deactivated"`) {
			t.Fatalf("deactivate: %d %s", res.StatusCode, res.body)
		}
		if res := f.do("GET", "/o/acme-ltd/", req{cookie: cookie}); res.StatusCode != http.StatusSeeOther {
			t.Errorf("session after deactivation: %d", res.StatusCode)
		}
		if res := f.do("GET", "/api/v1/me", req{token: emp.Token}); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("token after deactivation: %d", res.StatusCode)
		}
		page := f.do("GET", "/api/v1/audit-log?action=member.deactivate", req{token: f.accounts[bulwark.RoleOwner].Token})
		if !strings.Contains(page.body, `"tokens_revoked":{"before":null,"after":1}`) {
			t.Errorf("deactivation audit entry: %s", page.body)
		}
	})
}

func TestMembershipExpiry(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		aud := f.accounts[bulwark.RoleAuditor]
		past := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
		res := f.do("PATCH", "/api/v1/members/"+aud.MemberID, req{token: f.accounts[bulwark.RoleOwner].Token, json: `{"expires_at":"` + past + `"}`})
		if res.StatusCode != http.StatusOK || !strings.Contains(res.body, `"status":"expired"`) {
			t.Fatalf("expire: %d %s", res.StatusCode, res.body)
		}
		if res := f.do("GET", "/api/v1/me", req{token: aud.Token}); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("expired member's token: %d", res.StatusCode)
		}
		res = f.do("PATCH", "/api/v1/members/"+aud.MemberID, req{token: f.accounts[bulwark.RoleOwner].Token, json: `{"expires_at":null}`})
		if res.StatusCode != http.StatusOK || f.do("GET", "/api/v1/me", req{token: aud.Token}).StatusCode != http.StatusOK {
			t.Errorf("clearing the expiry: %d %s", res.StatusCode, res.body)
		}
	})
}

func TestAPIErrors(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		owner := f.accounts[bulwark.RoleOwner].Token
		emp := f.accounts[bulwark.RoleEmployee].MemberID
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
			{"absent member", "GET", "/api/v1/members/" + missingID, "", nil, 404, "not found"},
			{"bad invitation", "POST", "/api/v1/invitations", `{"email":"nope","role":"employee"}`, nil, 422, `"field":"email"`},
			{"bad audit filter", "GET", "/api/v1/audit-log?from=yesterday", "", nil, 422, `"field":"from"`},
			{"bad cursor", "GET", "/api/v1/audit-log?cursor=zzz", "", nil, 422, `"field":"cursor"`},
			{"unknown endpoint", "GET", "/api/v1/nothing-here", "", nil, 404, "No such endpoint"},
			{"token for someone else", "POST", "/api/v1/tokens", `{"name":"x","member_id":"` + emp + `"}`, nil, 422, `"field":"member_id"`},
			{"stale organisation version", "PATCH", "/api/v1/organisation", `{"name":"Acme","version":99}`, nil, 409, "changed by someone else"},
			{"absent invitation", "GET", "/api/v1/invitations/" + missingID, "", nil, 404, "not found"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				res := f.do(tt.method, tt.path, req{token: owner, json: tt.body, headers: tt.headers})
				if res.StatusCode != tt.status || !strings.Contains(res.body, tt.contains) {
					t.Fatalf("status %d body %s; want %d containing %q", res.StatusCode, res.body, tt.status, tt.contains)
				}
				if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
					t.Fatalf("content type %q", ct)
				}
			})
		}
		t.Run("unsupported media type", func(t *testing.T) {
			res := f.do("PATCH", "/api/v1/members/"+emp, req{token: owner, json: `{}`, headers: map[string]string{"Content-Type": "text/plain"}})
			if res.StatusCode != http.StatusUnsupportedMediaType {
				t.Fatalf("status %d", res.StatusCode)
			}
		})
		t.Run("ETag and If-Match", func(t *testing.T) {
			res := f.do("GET", "/api/v1/members/"+emp, req{token: owner})
			etag := res.Header.Get("ETag")
			res = f.do("PATCH", "/api/v1/members/"+emp, req{token: owner, json: `{"role":"manager"}`, headers: map[string]string{"If-Match": etag}})
			if res.StatusCode != http.StatusOK || res.Header.Get("ETag") == etag {
				t.Fatalf("PATCH with current ETag: %d %s", res.StatusCode, res.body)
			}
		})
		t.Run("invite and list", func(t *testing.T) {
			res := f.do("POST", "/api/v1/invitations", req{token: owner, json: `{"email":"New.Person@Acme.test","role":"Auditor"}`})
			if res.StatusCode != http.StatusCreated || res.Header.Get("Location") == "" || !strings.Contains(res.body, `"link":"`+f.ts.URL+`/invitations/`) {
				t.Fatalf("invite: %d %s", res.StatusCode, res.body)
			}
			if got := f.do("GET", res.Header.Get("Location"), req{token: owner}); got.StatusCode != http.StatusOK || !strings.Contains(got.body, `"role":"auditor"`) {
				t.Fatalf("GET Location: %d %s", got.StatusCode, got.body)
			}
			if res := f.do("POST", "/api/v1/invitations", req{token: owner, json: `{"email":"employee@acme.test","role":"auditor"}`}); res.StatusCode != http.StatusConflict {
				t.Fatalf("inviting a member: %d", res.StatusCode)
			}
		})
	})
}

func TestOpenAPIMatchesRoutes(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		res := f.do("GET", "/api/v1/openapi.json", req{})
		var doc struct {
			OpenAPI string                               `json:"openapi"`
			Paths   map[string]map[string]map[string]any `json:"paths"`
		}
		if err := json.Unmarshal([]byte(res.body), &doc); err != nil || doc.OpenAPI != "3.1.0" {
			t.Fatalf("openapi: %v %q", err, doc.OpenAPI)
		}
		var documented, registered []string
		for path, ops := range doc.Paths {
			for method, op := range ops {
				documented = append(documented, strings.ToUpper(method)+" "+path)
				if rb, ok := op["requestBody"].(map[string]any); ok {
					content := rb["content"].(map[string]any)
					media, ok := content["application/json"].(map[string]any)
					if !ok {
						media = content["multipart/form-data"].(map[string]any)
					}
					schema := media["schema"].(map[string]any)
					if _, ok := schema["properties"]; !ok {
						t.Errorf("%s %s: request schema without properties", method, path)
					}
				} else if method == "post" || method == "patch" {
					t.Errorf("%s %s: no request body schema", method, path)
				}
			}
		}
		for _, rt := range f.srv.Routes() {
			if rt.API() {
				registered = append(registered, rt.Method+" "+rt.Pattern)
			}
		}
		sort.Strings(documented)
		sort.Strings(registered)
		if strings.Join(documented, "\n") != strings.Join(registered, "\n") {
			t.Fatalf("documented and registered API routes differ:\n%v\n%v", documented, registered)
		}
	})
}

func TestOperationsEndpoints(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		if res := f.do("GET", "/healthz", req{}); res.StatusCode != 200 || strings.TrimSpace(res.body) != `{"status":"ok"}` {
			t.Errorf("healthz: %d %s", res.StatusCode, res.body)
		}
		if res := f.do("GET", "/readyz", req{}); res.StatusCode != 200 {
			t.Errorf("readyz: %d", res.StatusCode)
		}
		f.do("GET", "/api/v1/me", req{token: f.accounts["owner"].Token})
		res := f.do("GET", "/metrics", req{})
		if !strings.Contains(res.body, `bulwark_http_requests_total{route="GET /api/v1/me",status="200"} 1`) ||
			!strings.Contains(res.body, "# TYPE bulwark_http_request_duration_seconds histogram") {
			t.Errorf("metrics: %s", res.body)
		}
		cookie := f.signIn("owner@acme.test")
		for _, p := range []string{"/debug/pprof/", "/debug/vars"} {
			if res := f.do("GET", p, req{cookie: cookie}); res.StatusCode != http.StatusNotFound {
				t.Errorf("%s is served: %d", p, res.StatusCode)
			}
		}
		db.Close()
		if res := f.do("GET", "/readyz", req{}); res.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("readyz with the database closed: %d", res.StatusCode)
		}
	})
}

func TestUIFlowsWithoutBrowser(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		cookie := f.signIn("owner@acme.test")
		for _, sec := range web.Sections {
			res := f.do("GET", "/o/acme-ltd/"+sec.Slug, req{cookie: cookie})
			if res.StatusCode != 200 || strings.Contains(res.body, "Not built yet") != !sec.Built {
				t.Errorf("%s: %d", sec.Slug, res.StatusCode)
			}
		}
		res := f.do("GET", "/o/acme-ltd/", req{cookie: cookie})
		if !strings.Contains(res.body, `<p class="figure">6</p>`) {
			t.Errorf("dashboard does not count 6 active members: %s", res.body)
		}
		// Hostile text is stored as written and rendered inert.
		res = f.do("POST", "/o/acme-ltd/settings", req{cookie: cookie, form: url.Values{"name": {`<script>alert(1)</script> Acme`}, "time_zone": {"Europe/Paris"}, "segregation_of_duties": {"on"}}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("settings: %d %s", res.StatusCode, res.body)
		}
		res = f.do("GET", "/o/acme-ltd/", req{cookie: cookie})
		if strings.Contains(res.body, "<script>alert") || !strings.Contains(res.body, "&lt;script&gt;alert(1)&lt;/script&gt; Acme") {
			t.Errorf("hostile name not escaped")
		}
		res = f.do("POST", "/o/acme-ltd/settings", req{cookie: cookie, form: url.Values{"name": {"Acme"}, "time_zone": {"Nowhere/Land"}}})
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.body, "IANA time zone") {
			t.Errorf("bad time zone: %d", res.StatusCode)
		}
		// A signed-in user creates a second organisation and switches to it.
		res = f.do("POST", "/orgs/new", req{cookie: cookie, form: url.Values{"org": {"Client Two"}}})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/o/client-two/" {
			t.Fatalf("new organisation: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		res = f.do("GET", "/o/client-two/", req{cookie: cookie})
		if !strings.Contains(res.body, `<option value="acme-ltd"`) || !strings.Contains(res.body, `<option value="client-two" selected>`) {
			t.Errorf("switcher does not list both organisations")
		}
		// Sign out everywhere ends the session.
		other := f.signIn("owner@acme.test")
		f.do("POST", "/account/sign-out-everywhere", req{cookie: cookie})
		if res := f.do("GET", "/o/acme-ltd/", req{cookie: other}); res.StatusCode != http.StatusSeeOther {
			t.Errorf("another session survived sign-out-everywhere: %d", res.StatusCode)
		}
	})
}

func TestSessionTimeouts(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db, func(a *app.Config, _ *web.Config) { a.SessionIdle = 30 * time.Minute; a.SessionMax = 2 * time.Hour })
		now := time.Now().UTC()
		db.Now = func() time.Time { return now }
		cookie := f.signIn("owner@acme.test")
		for _, step := range []time.Duration{25 * time.Minute, 25 * time.Minute, 25 * time.Minute} { // activity keeps it alive
			now = now.Add(step)
			if res := f.do("GET", "/o/acme-ltd/", req{cookie: cookie}); res.StatusCode != 200 {
				t.Fatalf("active session ended early: %d", res.StatusCode)
			}
		}
		now = now.Add(31 * time.Minute)
		if res := f.do("GET", "/o/acme-ltd/", req{cookie: cookie}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("idle session still valid: %d", res.StatusCode)
		}
		cookie = f.signIn("owner@acme.test")
		for range 5 {
			now = now.Add(25 * time.Minute)
			f.do("GET", "/o/acme-ltd/", req{cookie: cookie})
		}
		if res := f.do("GET", "/o/acme-ltd/", req{cookie: cookie}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("session past its absolute limit still valid: %d", res.StatusCode)
		}
	})
}

func TestUnknownPathsRevealNothingAnonymously(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		if res := f.do("GET", "/api/v1/secret-thing", req{}); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("anonymous API 404: %d", res.StatusCode)
		}
		if res := f.do("GET", "/some/page", req{}); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/signin") {
			t.Errorf("anonymous UI 404: %d", res.StatusCode)
		}
		if res := f.do("GET", "/some/page", req{cookie: f.signIn("owner@acme.test")}); res.StatusCode != http.StatusNotFound {
			t.Errorf("signed-in UI 404: %d", res.StatusCode)
		}
	})
}

func TestInvitationForExistingAccountNeedsSignIn(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		other, _, err := f.svc.CreateOrganisation(t.Context(), app.NewOrganisation{Name: "Other", OwnerEmail: "boss@other.test", Password: pw}, app.Meta{})
		if err != nil {
			t.Fatal(err)
		}
		inv, err := f.svc.Invite(t.Context(), f.ownerPrincipal(other, "boss@other.test"), "employee@acme.test", bulwark.RoleAuditor)
		if err != nil {
			t.Fatal(err)
		}
		path := strings.TrimPrefix(inv.Link, f.ts.URL)
		// Guessing the account's password through the link is impossible: no password is taken.
		res := f.do("POST", path, req{form: url.Values{"name": {"x"}, "password": {pw}}})
		if res.StatusCode != http.StatusUnauthorized || !strings.Contains(res.body, "Sign in as employee@acme.test") {
			t.Fatalf("anonymous accept: %d", res.StatusCode)
		}
		if res := f.do("POST", path, req{cookie: f.signIn("auditor@acme.test")}); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("accepted by someone else: %d", res.StatusCode)
		}
		cookie := f.signIn("employee@acme.test")
		if res := f.do("GET", path, req{cookie: cookie}); !strings.Contains(res.body, "Accept invitation") {
			t.Fatalf("signed-in invitee sees no accept button")
		}
		res = f.do("POST", path, req{cookie: cookie})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/o/other/" {
			t.Fatalf("accept: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
	})
}

func TestSignInRedirectStaysOnSite(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		for next, want := range map[string]string{
			"/o/acme-ltd/members?x=1": "/o/acme-ltd/members?x=1",
			"//evil.example/":         "/",
			"/\\evil.example":         "/",
			"/\t/evil.example":        "/",
			"https://evil.example/":   "/",
			"javascript:alert(1)":     "/",
		} {
			res := f.do("POST", "/signin", req{form: url.Values{"email": {"owner@acme.test"}, "password": {pw}, "next": {next}}})
			if got := res.Header.Get("Location"); got != want {
				t.Errorf("next %q: redirected to %q, want %q", next, got, want)
			}
		}
	})
}

func TestMeAndBearerScheme(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		acc := f.accounts[bulwark.RoleContributor]
		for _, scheme := range []string{"Bearer", "bearer", "BEARER"} {
			res := f.do("GET", "/api/v1/me", req{headers: map[string]string{"Authorization": scheme + " " + acc.Token}})
			if res.StatusCode != http.StatusOK {
				t.Fatalf("scheme %q: %d %s", scheme, res.StatusCode, res.body)
			}
			var me struct {
				User         struct{ ID, Email string }
				Member       struct{ ID string }
				Organisation struct{ Slug string }
				Role         string
			}
			if err := json.Unmarshal([]byte(res.body), &me); err != nil {
				t.Fatal(err)
			}
			if me.Member.ID != acc.MemberID || me.User.Email != acc.Email || me.Organisation.Slug != "acme-ltd" || me.Role != "contributor" {
				t.Errorf("scheme %q: %s", scheme, res.body)
			}
		}
		for _, h := range []string{"Basic " + acc.Token, "Bearer", "Bearer ", acc.Token} {
			if res := f.do("GET", "/api/v1/me", req{headers: map[string]string{"Authorization": h}}); res.StatusCode != http.StatusUnauthorized {
				t.Errorf("Authorization %q: %d", h, res.StatusCode)
			}
		}
	})
}

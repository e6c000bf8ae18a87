package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/password"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/web"
)

const pw = "correct horse battery staple"

// account is one member of the fixture organisation.
type account struct {
	Email    string
	MemberID string
	Token    string
}

// fixture is a real server on a loopback port over a real database, with one
// organisation holding a member of every role.
type fixture struct {
	t        testing.TB
	db       *sqlstore.DB
	svc      *app.Service
	srv      *web.Server
	ts       *httptest.Server
	org      *bulwark.Organisation
	accounts map[bulwark.Role]*account
}

type fixtureOption func(*app.Config, *web.Config)

func newFixture(t testing.TB, db *sqlstore.DB, opts ...fixtureOption) *fixture {
	t.Helper()
	f := &fixture{t: t, db: db, accounts: map[bulwark.Role]*account{}}
	acfg := app.Config{BaseURL: "http://bulwark.test"}
	wcfg := web.Config{Version: "test"}
	for _, o := range opts {
		o(&acfg, &wcfg)
	}
	f.start(acfg, wcfg)
	ctx := context.Background()
	org, _, err := f.svc.CreateOrganisation(ctx, app.NewOrganisation{Name: "Acme Ltd", OwnerEmail: "owner@acme.test", OwnerName: "Olivia Owner", Password: pw}, app.Meta{ActorID: "cli:test"})
	if err != nil {
		t.Fatal(err)
	}
	f.org = org
	f.addMembers(org, "acme.test")
	return f
}

func (f *fixture) start(acfg app.Config, wcfg web.Config) {
	f.ts = httptest.NewUnstartedServer(nil)
	if acfg.BaseURL == "http://bulwark.test" { // links must point at this server
		acfg.BaseURL = "http://" + f.ts.Listener.Addr().String()
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	f.svc = app.New(f.db, password.NewHasher(password.TestParams, 4), quiet, acfg)
	var err error
	if f.srv, err = web.New(f.svc, wcfg, quiet); err != nil {
		f.t.Fatal(err)
	}
	f.ts.Config.Handler = f.srv
	f.ts.Start()
	f.t.Cleanup(f.ts.Close)
}

// addMembers gives org a member of every role (the owner exists) with a token each.
func (f *fixture) addMembers(org *bulwark.Organisation, domain string) map[bulwark.Role]*account {
	f.t.Helper()
	ctx := context.Background()
	owner := f.ownerPrincipal(org, "owner@"+domain)
	accs := map[bulwark.Role]*account{}
	for _, role := range bulwark.Roles {
		email := string(role) + "@" + domain
		if role != bulwark.RoleOwner {
			inv, err := f.svc.Invite(ctx, owner, email, role)
			if err != nil {
				f.t.Fatal(err)
			}
			if _, _, err := f.svc.AcceptInvitation(ctx, inv.Link[strings.LastIndex(inv.Link, "/")+1:], nil, "Person "+role.Label(), pw, app.Meta{}); err != nil {
				f.t.Fatal(err)
			}
		}
		m, _, err := f.svc.MemberByEmail(ctx, org.ID, email)
		if err != nil {
			f.t.Fatal(err)
		}
		tok, err := f.svc.CreateToken(ctx, f.svc.CLIPrincipal(org, "fixture"), m.ID, "fixture", "")
		if err != nil {
			f.t.Fatal(err)
		}
		accs[role] = &account{Email: email, MemberID: m.ID, Token: tok.Token}
	}
	if org.ID == f.org.ID {
		f.accounts = accs
	}
	return accs
}

func (f *fixture) ownerPrincipal(org *bulwark.Organisation, email string) *bulwark.Principal {
	m, u, err := f.svc.MemberByEmail(context.Background(), org.ID, email)
	if err != nil {
		f.t.Fatal(err)
	}
	return f.svc.PrincipalForMember(org, m, u)
}

// signIn signs email in through the real form and returns the session cookie.
func (f *fixture) signIn(email string) *http.Cookie {
	f.t.Helper()
	res := f.do("POST", "/signin", req{form: url.Values{"email": {email}, "password": {pw}}})
	if res.StatusCode != http.StatusSeeOther {
		f.t.Fatalf("sign in %s: status %d: %s", email, res.StatusCode, res.body)
	}
	for _, c := range res.Cookies() {
		if c.Name == "bulwark_session" && c.Value != "" {
			return c
		}
	}
	f.t.Fatalf("sign in %s: no session cookie", email)
	return nil
}

type req struct {
	cookie  *http.Cookie
	token   string
	form    url.Values
	json    string
	headers map[string]string
}

type resp struct {
	*http.Response
	body string
}

// do sends a real request to the server; redirects are not followed.
func (f *fixture) do(method, path string, r req) *resp {
	f.t.Helper()
	var body io.Reader
	if r.form != nil {
		body = strings.NewReader(r.form.Encode())
	} else if r.json != "" {
		body = strings.NewReader(r.json)
	}
	hr, err := http.NewRequest(method, f.ts.URL+path, body)
	if err != nil {
		f.t.Fatal(err)
	}
	if r.form != nil {
		hr.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else if r.json != "" {
		hr.Header.Set("Content-Type", "application/json")
	}
	if method != "GET" && method != "HEAD" && r.token == "" {
		hr.Header.Set("Sec-Fetch-Site", "same-origin") // what a browser sends for our own forms
	}
	if r.cookie != nil {
		hr.AddCookie(r.cookie)
	}
	if r.token != "" {
		hr.Header.Set("Authorization", "Bearer "+r.token)
	}
	for k, v := range r.headers {
		hr.Header.Set(k, v)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(hr)
	if err != nil {
		f.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return &resp{Response: res, body: string(b)}
}

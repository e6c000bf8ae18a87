// Package areastest runs a real Bulwark server, with every area mounted, on a
// loopback port over a real database, for the integration tests of the kernel
// and of every area.
package areastest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	validationerrors "github.com/pb33f/libopenapi-validator/errors"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/areas"
	"github.com/bulwark-isms/bulwark/blobstore"
	"github.com/bulwark-isms/bulwark/password"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/web"
)

// TestCheckpointKey signs the audit checkpoints of test services: every 5 entries,
// so that every test that writes exercises them.
var TestCheckpointKey = bulwark.CheckpointKey([]byte("bulwark test secret key, 32 bytes or more"))

// TestSecretKey seals stored secrets (collector connection strings) in tests.
var TestSecretKey = []byte("bulwark test secret key, 32 bytes or more")

// Password is every fixture account's password.
const Password = "correct horse battery staple"

// MissingID is an id no row has.
const MissingID = "00000000-0000-7000-8000-000000000000"

// Account is one member of the fixture organisation.
type Account struct {
	Email    string
	MemberID string
	Token    string
}

// Fixture is a real server on a loopback port over a real database, with one
// organisation ("Acme Ltd", acme-ltd) holding a member of every role.
type Fixture struct {
	T        testing.TB
	DB       *sqlstore.DB
	Svc      *areas.ISMS
	Srv      *web.Server
	TS       *httptest.Server
	Org      *bulwark.Organisation
	Accounts map[bulwark.Role]*Account

	validator validator.Validator // of the server's OpenAPI document, built on first use
}

// Option changes the service's or the server's configuration.
type Option func(*app.Config, *web.Config)

// New starts the fixture over db.
func New(t testing.TB, db *sqlstore.DB, opts ...Option) *Fixture {
	t.Helper()
	f := &Fixture{T: t, DB: db, Accounts: map[bulwark.Role]*Account{}}
	acfg := app.Config{BaseURL: "http://bulwark.test", CheckpointKey: TestCheckpointKey, CheckpointEvery: 5}
	wcfg := web.Config{Version: "test"}
	for _, o := range opts {
		o(&acfg, &wcfg)
	}
	f.start(acfg, wcfg)
	ctx := context.Background()
	org, _, err := f.Svc.CreateOrganisation(ctx, app.NewOrganisation{Name: "Acme Ltd", OwnerEmail: "owner@acme.test", OwnerName: "Olivia Owner", Password: Password}, app.Meta{ActorID: "cli:test"})
	if err != nil {
		t.Fatal(err)
	}
	f.Org = org
	f.AddMembers(org, "acme.test")
	return f
}

// Start starts a server over db with no organisation (a fresh instance), with
// the configurations as given.
func Start(t testing.TB, db *sqlstore.DB, acfg app.Config, wcfg web.Config) *Fixture {
	t.Helper()
	f := &Fixture{T: t, DB: db, Accounts: map[bulwark.Role]*Account{}}
	f.start(acfg, wcfg)
	return f
}

func (f *Fixture) start(acfg app.Config, wcfg web.Config) {
	f.TS = httptest.NewUnstartedServer(nil)
	if acfg.BaseURL == "http://bulwark.test" { // links must point at this server
		acfg.BaseURL = "http://" + f.TS.Listener.Addr().String()
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	if acfg.Blobs == nil {
		acfg.Blobs = TestBlobs(f.T)
	}
	if acfg.SecretKey == nil {
		acfg.SecretKey = TestSecretKey
	}
	migrateAreas(f.T, f.DB)
	f.Svc = areas.New(app.New(f.DB, password.NewHasher(password.TestParams, 4), quiet, acfg))
	var err error
	if f.Srv, err = f.Svc.NewServer(wcfg, quiet); err != nil {
		f.T.Fatal(err)
	}
	f.TS.Config.Handler = f.Srv
	f.TS.Start()
	f.T.Cleanup(f.TS.Close)
}

// TestBlobs opens an evidence store in a temporary directory removed after the test.
func TestBlobs(t testing.TB) *blobstore.Store {
	t.Helper()
	s, err := blobstore.Open(context.Background(), blobstore.FileURL(t.TempDir()), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// SecondOrg creates another organisation, name at domain, with a member of every
// role, for tests of tenant isolation.
func (f *Fixture) SecondOrg(name, domain string) map[bulwark.Role]*Account {
	f.T.Helper()
	org, _, err := f.Svc.CreateOrganisation(context.Background(), app.NewOrganisation{Name: name, OwnerEmail: "owner@" + domain, OwnerName: name + " Owner", Password: Password}, app.Meta{ActorID: "cli:test"})
	if err != nil {
		f.T.Fatal(err)
	}
	return f.AddMembers(org, domain)
}

// AddMembers gives org a member of every role (the owner exists) with a token each.
func (f *Fixture) AddMembers(org *bulwark.Organisation, domain string) map[bulwark.Role]*Account {
	f.T.Helper()
	ctx := context.Background()
	owner := f.OwnerPrincipal(org, "owner@"+domain)
	accs := map[bulwark.Role]*Account{}
	for _, role := range bulwark.Roles {
		email := string(role) + "@" + domain
		if role != bulwark.RoleOwner {
			inv, err := f.Svc.Invite(ctx, owner, email, role)
			if err != nil {
				f.T.Fatal(err)
			}
			if _, _, err := f.Svc.AcceptInvitation(ctx, inv.Link[strings.LastIndex(inv.Link, "/")+1:], nil, "Person "+role.Label(), Password, app.Meta{}); err != nil {
				f.T.Fatal(err)
			}
		}
		m, _, err := f.Svc.MemberByEmail(ctx, org.ID, email)
		if err != nil {
			f.T.Fatal(err)
		}
		tok, err := f.Svc.CreateToken(ctx, f.Svc.CLIPrincipal(org, "fixture"), m.ID, "fixture", "")
		if err != nil {
			f.T.Fatal(err)
		}
		accs[role] = &Account{Email: email, MemberID: m.ID, Token: tok.Token}
	}
	if org.ID == f.Org.ID {
		f.Accounts = accs
	}
	return accs
}

// OwnerPrincipal returns the principal of org's member email.
func (f *Fixture) OwnerPrincipal(org *bulwark.Organisation, email string) *bulwark.Principal {
	m, u, err := f.Svc.MemberByEmail(context.Background(), org.ID, email)
	if err != nil {
		f.T.Fatal(err)
	}
	return f.Svc.PrincipalForMember(org, m, u)
}

// SignIn signs email in through the real form and returns the session cookie.
func (f *Fixture) SignIn(email string) *http.Cookie {
	f.T.Helper()
	res := f.Do("POST", "/signin", Req{Form: url.Values{"email": {email}, "password": {Password}}})
	if res.StatusCode != http.StatusSeeOther {
		f.T.Fatalf("sign in %s: status %d: %s", email, res.StatusCode, res.Text)
	}
	for _, c := range res.Cookies() {
		if c.Name == "bulwark_session" && c.Value != "" {
			return c
		}
	}
	f.T.Fatalf("sign in %s: no session cookie", email)
	return nil
}

// Req is what a test sends: a session cookie or an API token, and a form or a JSON body.
type Req struct {
	Cookie  *http.Cookie
	Token   string
	Form    url.Values
	JSON    string
	Body    string // sent as is, with the Content-Type of Headers
	Headers map[string]string
}

// Resp is a response with its body read.
type Resp struct {
	*http.Response
	Text string
}

// Do sends a real request to the server; redirects are not followed.
func (f *Fixture) Do(method, path string, r Req) *Resp {
	f.T.Helper()
	var body io.Reader
	if r.Form != nil {
		body = strings.NewReader(r.Form.Encode())
	} else if r.JSON != "" {
		body = strings.NewReader(r.JSON)
	} else if r.Body != "" {
		body = strings.NewReader(r.Body)
	}
	hr, err := http.NewRequest(method, f.TS.URL+path, body)
	if err != nil {
		f.T.Fatal(err)
	}
	if r.Form != nil {
		hr.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else if r.JSON != "" {
		hr.Header.Set("Content-Type", "application/json")
	}
	if method != "GET" && method != "HEAD" && r.Token == "" {
		hr.Header.Set("Sec-Fetch-Site", "same-origin") // what a browser sends for our own forms
	}
	if r.Cookie != nil {
		hr.AddCookie(r.Cookie)
	}
	if r.Token != "" {
		hr.Header.Set("Authorization", "Bearer "+r.Token)
	}
	for k, v := range r.Headers {
		hr.Header.Set(k, v)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(hr)
	if err != nil {
		f.T.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if strings.HasPrefix(path, "/api/") {
		f.checkContract(method, path, r, hr.Header, res, b)
	}
	return &Resp{Response: res, Text: string(b)}
}

// checkContract validates an API exchange against the server's own OpenAPI
// document with an independent library: every response, and the request when the
// server accepted it (a request the tests send to be refused may break the schema
// on purpose). A drift between the document and the behaviour fails the test.
func (f *Fixture) checkContract(method, path string, r Req, header http.Header, res *http.Response, body []byte) {
	f.T.Helper()
	v := f.contract()
	req, err := http.NewRequest(method, f.TS.URL+path, strings.NewReader(r.JSON))
	if err != nil {
		f.T.Fatal(err)
	}
	req.Header = header.Clone()
	resCopy := *res
	resCopy.Body = io.NopCloser(bytes.NewReader(body))
	var errs []*validationerrors.ValidationError
	if _, e := v.ValidateHttpResponse(req, &resCopy); len(e) > 0 {
		errs = append(errs, e...)
	}
	if res.StatusCode < 300 {
		if _, e := v.ValidateHttpRequestSync(req); len(e) > 0 {
			errs = append(errs, e...)
		}
	}
	for _, e := range errs {
		if e.ValidationType == "path" && res.StatusCode >= 400 { // an unknown path, refused as it should be
			continue
		}
		msg := e.Message + ": " + e.Reason
		for _, sv := range e.SchemaValidationErrors {
			msg += "; " + sv.Reason + " at " + sv.FieldPath
		}
		f.T.Errorf("%s %s (%d) breaks the OpenAPI document: %s\nbody: %.300s", method, path, res.StatusCode, msg, body)
	}
}

// contract returns the validator of the server's OpenAPI document. Building one
// compiles every schema, so fixtures serving the same document share it.
func (f *Fixture) contract() validator.Validator {
	f.T.Helper()
	if f.validator != nil {
		return f.validator
	}
	doc, err := json.Marshal(f.Srv.OpenAPI())
	if err != nil {
		f.T.Fatal(err)
	}
	key := sha256.Sum256(doc)
	contracts.Lock()
	defer contracts.Unlock()
	if v, ok := contracts.m[key]; ok {
		f.validator = v
		return v
	}
	d, err := libopenapi.NewDocument(doc)
	if err != nil {
		f.T.Fatalf("the OpenAPI document does not load: %v", err)
	}
	v, errs := validator.NewValidator(d)
	if len(errs) > 0 {
		f.T.Fatalf("the OpenAPI document cannot be validated against: %v", errs)
	}
	contracts.m[key] = v
	f.validator = v
	return v
}

// contracts caches validators by document, for the test binary's life.
var contracts = struct {
	sync.Mutex
	m map[[32]byte]validator.Validator
}{m: map[[32]byte]validator.Validator{}}

// List is a page of a list.
type List struct {
	Items      []map[string]any `json:"items"`
	NextCursor *string          `json:"next_cursor"`
}

// Pages reads a list page by page from path (which has a query), following next_cursor, and returns
// every item in the order the pages gave them; it fails the test on an error or a cursor that never ends.
func (f *Fixture) Pages(token, path string) []map[string]any {
	f.T.Helper()
	var items []map[string]any
	next := path
	for pages := 0; ; pages++ {
		if pages > 1000 {
			f.T.Fatalf("%s: the cursor never ends", path)
		}
		res := f.Do("GET", next, Req{Token: token})
		if res.StatusCode != http.StatusOK {
			f.T.Fatalf("GET %s: %d %s", next, res.StatusCode, res.Text)
		}
		pg := Decode[List](f.T, res)
		items = append(items, pg.Items...)
		if pg.NextCursor == nil {
			return items
		}
		next = path + "&cursor=" + url.QueryEscape(*pg.NextCursor)
	}
}

// Decode unmarshals a response's body into a T, or fails the test.
func Decode[T any](t testing.TB, res *Resp) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(res.Text), &v); err != nil {
		t.Fatalf("decode %q: %v", res.Text, err)
	}
	return v
}

// NewService returns every area's service over a kernel service on db, with cheap
// password hashing, for tests that call operations without HTTP.
func NewService(t testing.TB, db *sqlstore.DB) *areas.ISMS {
	migrateAreas(t, db)
	return areas.New(app.New(db, password.NewHasher(password.TestParams, 4), nil, app.Config{BaseURL: "http://bulwark.test", CheckpointKey: TestCheckpointKey, CheckpointEvery: 5,
		Blobs: TestBlobs(t), SecretKey: TestSecretKey}))
}

// migrateAreas applies the areas' own migrations (their backfills and indexes) as 'bulwark serve' does, so
// that tests and benchmarks run on the schema production has: without them the dashboard's benchmark
// measured risk counts through the wrong indexes.
func migrateAreas(t testing.TB, db *sqlstore.DB) {
	t.Helper()
	if _, err := db.Migrate(context.Background(), areas.Migrations()...); err != nil {
		t.Fatalf("areas' migrations: %v", err)
	}
}

// MustOrg creates an organisation owned by email and returns the owner's principal.
func MustOrg(t testing.TB, svc *areas.ISMS, name, email string) *bulwark.Principal {
	t.Helper()
	ctx := context.Background()
	org, user, err := svc.CreateOrganisation(ctx, app.NewOrganisation{Name: name, OwnerEmail: email, Password: Password}, app.Meta{ActorID: "cli:test"})
	if err != nil {
		t.Fatalf("create organisation: %v", err)
	}
	p, err := svc.OrgPrincipal(ctx, user, org.Slug, app.Meta{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// MustMember invites email with role, accepts, and returns the member's principal.
func MustMember(t testing.TB, svc *areas.ISMS, owner *bulwark.Principal, email string, role bulwark.Role) *bulwark.Principal {
	t.Helper()
	ctx := context.Background()
	inv, err := svc.Invite(ctx, owner, email, role)
	if err != nil {
		t.Fatalf("invite: %v", err)
	}
	secret := inv.Link[strings.LastIndex(inv.Link, "/")+1:]
	if _, _, err := svc.AcceptInvitation(ctx, secret, nil, "Person "+string(role), Password, app.Meta{}); err != nil {
		t.Fatalf("accept: %v", err)
	}
	m, u, err := svc.MemberByEmail(ctx, owner.Org.ID, email)
	if err != nil {
		t.Fatal(err)
	}
	return svc.PrincipalForMember(&owner.Org, m, u)
}

package organisation_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/areas/areastest"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
)

func TestDeactivationEndsLiveSessionAndToken(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		emp := f.Accounts[bulwark.RoleEmployee]
		cookie := f.SignIn(emp.Email)
		if res := f.Do("GET", "/o/acme-ltd/", areastest.Req{Cookie: cookie}); res.StatusCode != http.StatusOK {
			t.Fatalf("before: %d", res.StatusCode)
		}
		res := f.Do("PATCH", "/api/v1/members/"+emp.MemberID, areastest.Req{Token: f.Accounts[bulwark.RoleAdmin].Token, JSON: `{"active":false}`})
		if res.StatusCode != http.StatusOK || !strings.Contains(res.Text, `"status":"deactivated"`) {
			t.Fatalf("deactivate: %d %s", res.StatusCode, res.Text)
		}
		if res := f.Do("GET", "/o/acme-ltd/", areastest.Req{Cookie: cookie}); res.StatusCode != http.StatusSeeOther {
			t.Errorf("session after deactivation: %d", res.StatusCode)
		}
		if res := f.Do("GET", "/api/v1/me", areastest.Req{Token: emp.Token}); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("token after deactivation: %d", res.StatusCode)
		}
		page := f.Do("GET", "/api/v1/audit-log?action=member.deactivate", areastest.Req{Token: f.Accounts[bulwark.RoleOwner].Token})
		if !strings.Contains(page.Text, `"tokens_revoked":{"before":null,"after":1}`) {
			t.Errorf("deactivation audit entry: %s", page.Text)
		}
	})
}

func TestMembershipExpiry(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		aud := f.Accounts[bulwark.RoleAuditor]
		past := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
		res := f.Do("PATCH", "/api/v1/members/"+aud.MemberID, areastest.Req{Token: f.Accounts[bulwark.RoleOwner].Token, JSON: `{"expires_at":"` + past + `"}`})
		if res.StatusCode != http.StatusOK || !strings.Contains(res.Text, `"status":"expired"`) {
			t.Fatalf("expire: %d %s", res.StatusCode, res.Text)
		}
		if res := f.Do("GET", "/api/v1/me", areastest.Req{Token: aud.Token}); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("expired member's Token: %d", res.StatusCode)
		}
		res = f.Do("PATCH", "/api/v1/members/"+aud.MemberID, areastest.Req{Token: f.Accounts[bulwark.RoleOwner].Token, JSON: `{"expires_at":null}`})
		if res.StatusCode != http.StatusOK || f.Do("GET", "/api/v1/me", areastest.Req{Token: aud.Token}).StatusCode != http.StatusOK {
			t.Errorf("clearing the expiry: %d %s", res.StatusCode, res.Text)
		}
	})
}

// TestAuditLogReadsAsWords checks the audit log page as its readers meet it: filtered by a person's name,
// each change as a field label with the old and new value, members named instead of ids, and open to every
// role that may read the log.
func TestAuditLogReadsAsWords(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		mgr, admin := f.Accounts[bulwark.RoleManager], f.Accounts[bulwark.RoleAdmin]
		me := areastest.Decode[struct {
			User struct{ Name string } `json:"user"`
		}](t, f.Do("GET", "/api/v1/me", areastest.Req{Token: mgr.Token}))
		adminName := areastest.Decode[struct {
			User struct{ Name string } `json:"user"`
		}](t, f.Do("GET", "/api/v1/me", areastest.Req{Token: admin.Token})).User.Name
		if res := f.Do("POST", "/api/v1/risks", areastest.Req{Token: mgr.Token, JSON: `{"title":"Tailgating at the office door","owner_id":"` + admin.MemberID + `","inherent_likelihood":2,"inherent_impact":3}`}); res.StatusCode != http.StatusCreated {
			t.Fatalf("create: %d %s", res.StatusCode, res.Text)
		}
		words := strings.Fields(me.User.Name)
		first := words[len(words)-1] // "Manager" of "Person Manager": one member's name, in part
		for _, viewer := range []bulwark.Role{bulwark.RoleOwner, bulwark.RoleManager, bulwark.RoleAuditor} {
			page := f.Do("GET", "/o/acme-ltd/audit-log?actor="+first, areastest.Req{Cookie: f.SignIn(f.Accounts[viewer].Email)})
			if page.StatusCode != http.StatusOK {
				t.Fatalf("%s: %d", viewer, page.StatusCode)
			}
			for _, want := range []string{"Risk create", "<strong>Owner</strong>: " + adminName, "<strong>Inherent likelihood</strong>: 2", ">" + me.User.Name + "</td>"} {
				if !strings.Contains(page.Text, want) {
					t.Errorf("%s: the page filtered by %q lacks %q", viewer, first, want)
				}
			}
			for _, never := range []string{"owner_id", "inherent_likelihood", admin.MemberID} {
				if strings.Contains(page.Text, never) {
					t.Errorf("%s: the page filtered by %q shows %q", viewer, first, never)
				}
			}
		}
		if page := f.Do("GET", "/o/acme-ltd/audit-log?actor=Nobody+Here", areastest.Req{Cookie: f.SignIn(f.Accounts[bulwark.RoleOwner].Email)}); !strings.Contains(page.Text, "No single member matches") {
			t.Errorf("an unknown name: %s", page.Text)
		}
	})
}

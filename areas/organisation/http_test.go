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

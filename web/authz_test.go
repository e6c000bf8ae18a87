package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/areas/areastest"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
	"github.com/bulwark-isms/bulwark/web"
)

// contractRoles is CONTRACT.md's role table, written out as test data: which roles
// hold each permission. The service's table must equal it, and every route must
// answer every role accordingly.
var contractRoles = map[bulwark.Permission][]bulwark.Role{
	bulwark.PermSelfService:    {"owner", "admin", "manager", "contributor", "auditor", "employee"},
	bulwark.PermOrgSettings:    {"owner"},
	bulwark.PermMembersManage:  {"owner", "admin"},
	bulwark.PermISMSRead:       {"owner", "admin", "manager", "contributor", "auditor"},
	bulwark.PermISMSCreate:     {"owner", "admin", "manager"},
	bulwark.PermISMSCreateOwn:  {"owner", "admin", "manager", "contributor"},
	bulwark.PermISMSEdit:       {"owner", "admin", "manager"},
	bulwark.PermISMSEditOwn:    {"owner", "admin", "manager", "contributor"},
	bulwark.PermApprove:        {"owner", "admin"},
	bulwark.PermRiskSignOffAny: {"owner", "admin"},
	bulwark.PermRiskSignOffOwn: {"owner", "admin", "manager", "contributor"},
	bulwark.PermAuditLogRead:   {"owner", "admin", "manager", "auditor"},
}

func roleHolds(role bulwark.Role, p bulwark.Permission) bool {
	if p == bulwark.PermPublic || p == bulwark.PermSignedIn {
		return true
	}
	for _, r := range contractRoles[p] {
		if r == role {
			return true
		}
	}
	return false
}

func TestRoleTableMatchesContract(t *testing.T) {
	table := bulwark.DefaultRolePermissions()
	for _, p := range bulwark.OrgPermissions {
		if _, ok := contractRoles[p]; !ok {
			t.Errorf("permission %s is missing from the contract test data", p)
		}
		for _, role := range bulwark.Roles {
			if table[role].Has(p) != roleHolds(role, p) {
				t.Errorf("role %s, permission %s: service says %v, contract says %v", role, p, table[role].Has(p), roleHolds(role, p))
			}
		}
	}
}

// fill replaces path parameters with values that exist as far as authorization
// goes (the organisation) and not beyond (ids), so allowed requests reach the handler.
func fill(pattern, slug string) string {
	p := strings.NewReplacer("{slug}", slug, "{id}", areastest.MissingID, "{token}", "no-such-link", "{key}", "no-such-framework", "{$}", "").Replace(pattern)
	return p
}

// call sends the route's request as one principal kind: "" anonymous, else a role.
func call(f *areastest.Fixture, rt web.Route, slug string, acc *areastest.Account) *areastest.Resp {
	path := fill(rt.Pattern, slug)
	r := areastest.Req{}
	if rt.Method != "GET" {
		if rt.API() {
			r.JSON = "{}"
		} else {
			r.Form = map[string][]string{}
		}
	}
	if acc != nil {
		if rt.API() {
			r.Token = acc.Token
		} else {
			r.Cookie = f.SignIn(acc.Email)
		}
	}
	return f.Do(rt.Method, path, r)
}

func denied(res *areastest.Resp) bool {
	return res.StatusCode == http.StatusForbidden
}

func unauthenticated(rt web.Route, res *areastest.Resp) bool {
	if rt.API() {
		return res.StatusCode == http.StatusUnauthorized
	}
	return res.StatusCode == http.StatusSeeOther && strings.HasPrefix(res.Header.Get("Location"), "/signin?next=")
}

func TestEveryRouteForEveryRole(t *testing.T) {
	sqltest.SkipUnderRace(t)
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		for _, rt := range f.Srv.Routes() {
			t.Run(rt.Method+" "+rt.Pattern, func(t *testing.T) {
				anon := call(f, rt, f.Org.Slug, nil)
				if rt.Perm == bulwark.PermPublic {
					if denied(anon) || unauthenticated(rt, anon) {
						t.Errorf("anonymous: public route answered %d", anon.StatusCode)
					}
				} else if !unauthenticated(rt, anon) {
					t.Errorf("anonymous: got %d (Location %q), want sign-in required", anon.StatusCode, anon.Header.Get("Location"))
				}
				if rt.Perm == bulwark.PermPublic {
					return
				}
				for _, role := range bulwark.Roles {
					res := call(f, rt, f.Org.Slug, f.Accounts[role])
					want := roleHolds(role, rt.Perm)
					got := !denied(res) && !unauthenticated(rt, res) && res.StatusCode != http.StatusUnauthorized
					if got != want {
						t.Errorf("%s: status %d, allowed=%v, contract says %v", role, res.StatusCode, got, want)
					}
					if res.StatusCode >= 500 {
						t.Errorf("%s: server error %d: %s", role, res.StatusCode, res.Text)
					}
				}
			})
		}
	})
}

// TestEveryRouteNeedsItsOwnPermission gives the owner every permission except the
// one a route needs and expects 403: it catches a route that checks a neighbour's
// permission.
func TestEveryRouteNeedsItsOwnPermission(t *testing.T) {
	sqltest.SkipUnderRace(t)
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		for _, missing := range bulwark.OrgPermissions {
			table := bulwark.RolePermissions{}
			for _, role := range bulwark.Roles {
				set := bulwark.PermissionSet{}
				for _, p := range bulwark.OrgPermissions {
					set[p] = p != missing
				}
				table[role] = set
			}
			g := areastest.Start(t, db, app.Config{BaseURL: f.TS.URL, RolePermissions: table}, web.Config{Version: "test"})
			g.Org, g.Accounts = f.Org, f.Accounts
			for _, rt := range g.Srv.Routes() {
				if rt.Perm != missing {
					continue
				}
				res := call(g, rt, g.Org.Slug, g.Accounts[bulwark.RoleOwner])
				if res.StatusCode != http.StatusForbidden {
					t.Errorf("%s %s without %s: status %d, want 403", rt.Method, rt.Pattern, missing, res.StatusCode)
				}
			}
		}
	})
}

func TestRouteTableDeclaresPermissions(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		seen := map[string]bool{}
		for _, rt := range f.Srv.Routes() {
			if rt.Perm == "" {
				t.Errorf("%s %s declares no permission", rt.Method, rt.Pattern)
			}
			if rt.API() && rt.Perm == bulwark.PermSignedIn {
				t.Errorf("%s %s: API routes act in an organisation", rt.Method, rt.Pattern)
			}
			if !rt.API() && strings.Contains(rt.Pattern, "{slug}") == (rt.Perm == bulwark.PermPublic || rt.Perm == bulwark.PermSignedIn) {
				t.Errorf("%s %s: organisation pages need an organisation permission, others none", rt.Method, rt.Pattern)
			}
			key := rt.Method + " " + rt.Pattern
			if seen[key] {
				t.Errorf("%s declared twice", key)
			}
			seen[key] = true
		}
	})
}

// TestTwoOrganisationsNeverMix proves that nothing of organisation B can be listed,
// read, changed, revoked or searched from organisation A, through the API or the UI.
func TestTwoOrganisationsNeverMix(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		ctx := context.Background()
		orgB, _, err := f.Svc.CreateOrganisation(ctx, app.NewOrganisation{Name: "Beta Corp", OwnerEmail: "owner@beta.test", Password: areastest.Password}, app.Meta{})
		if err != nil {
			t.Fatal(err)
		}
		b := f.AddMembers(orgB, "beta.test")
		bOwner := f.OwnerPrincipal(orgB, "owner@beta.test")
		invB, err := f.Svc.Invite(ctx, bOwner, "pending@beta.test", bulwark.RoleEmployee)
		if err != nil {
			t.Fatal(err)
		}
		tokB, err := f.Svc.Tokens(ctx, bOwner, true)
		if err != nil {
			t.Fatal(err)
		}
		a := f.Accounts[bulwark.RoleOwner]
		secretsOfB := []string{orgB.ID, b[bulwark.RoleEmployee].MemberID, invB.ID, tokB[0].ID, "beta.test"}

		// Lists and searches from A show nothing of B.
		for _, path := range []string{"/api/v1/members", "/api/v1/invitations", "/api/v1/tokens?all=true", "/api/v1/audit-log?limit=500",
			"/api/v1/audit-log?entity_id=" + b[bulwark.RoleEmployee].MemberID, "/api/v1/audit-log/export?format=json", "/api/v1/organisation", "/api/v1/me"} {
			res := f.Do("GET", path, areastest.Req{Token: a.Token})
			if res.StatusCode != http.StatusOK {
				t.Errorf("GET %s: %d", path, res.StatusCode)
			}
			for _, s := range secretsOfB {
				if strings.Contains(res.Text, s) {
					t.Errorf("GET %s from A shows %q of B", path, s)
				}
			}
		}
		cookie := f.SignIn(a.Email)
		for _, path := range []string{"/o/acme-ltd/members", "/o/acme-ltd/tokens", "/o/acme-ltd/audit-log", "/o/acme-ltd/"} {
			res := f.Do("GET", path, areastest.Req{Cookie: cookie})
			for _, s := range secretsOfB {
				if strings.Contains(res.Text, s) {
					t.Errorf("GET %s from A shows %q of B", path, s)
				}
			}
		}
		// Reads, updates and revocations of B's items from A are 404, and change nothing.
		bm := b[bulwark.RoleEmployee].MemberID
		attempts := []struct{ method, path, json string }{
			{"GET", "/api/v1/members/" + bm, ""},
			{"PATCH", "/api/v1/members/" + bm, `{"active":false}`},
			{"PATCH", "/api/v1/members/" + bm, `{"role":"owner"}`},
			{"POST", "/api/v1/members/" + bm + "/password-reset", `{}`},
			{"DELETE", "/api/v1/invitations/" + invB.ID, ""},
			{"DELETE", "/api/v1/tokens/" + tokB[0].ID, ""},
		}
		for _, at := range attempts {
			res := f.Do(at.method, at.path, areastest.Req{Token: a.Token, JSON: at.json})
			if res.StatusCode != http.StatusNotFound {
				t.Errorf("%s %s from A: %d, want 404", at.method, at.path, res.StatusCode)
			}
		}
		for _, path := range []string{"/o/acme-ltd/members/" + bm + "/deactivate", "/o/acme-ltd/members/" + bm + "/role",
			"/o/acme-ltd/invitations/" + invB.ID + "/revoke", "/o/acme-ltd/tokens/" + tokB[0].ID + "/revoke", "/o/beta-corp/members/" + bm + "/deactivate"} {
			res := f.Do("POST", path, areastest.Req{Cookie: cookie, Form: map[string][]string{"role": {"owner"}}})
			if res.StatusCode != http.StatusNotFound {
				t.Errorf("POST %s from A: %d, want 404", path, res.StatusCode)
			}
		}
		if res := f.Do("GET", "/o/beta-corp/", areastest.Req{Cookie: cookie}); res.StatusCode != http.StatusNotFound {
			t.Errorf("A's owner opened B's dashboard: %d", res.StatusCode)
		}
		// B is untouched.
		for role, acc := range b {
			res := f.Do("GET", "/api/v1/me", areastest.Req{Token: acc.Token})
			if res.StatusCode != http.StatusOK || !strings.Contains(res.Text, fmt.Sprintf(`"role":"%s"`, role)) {
				t.Errorf("B's %s after A's attempts: %d %s", role, res.StatusCode, res.Text)
			}
		}
		invs, _ := f.Svc.Invitations(ctx, bOwner)
		if invs[0].Status(invs[0].ExpiresAt.Add(-1)) != "pending" {
			t.Errorf("B's invitation changed: %+v", invs[0])
		}
	})
}

package app_test

import (
	"context"
	"strings"
	"testing"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/password"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
)

const pw = "correct horse battery staple"

func newService(t testing.TB, db *sqlstore.DB) *app.Service {
	return app.New(db, password.NewHasher(password.TestParams, 4), nil, app.Config{BaseURL: "http://bulwark.test",
		CheckpointKey: bulwark.CheckpointKey([]byte("bulwark test secret key, 32 bytes or more")), CheckpointEvery: 5})
}

// mustOrg creates an organisation owned by email and returns the owner's principal.
func mustOrg(t testing.TB, svc *app.Service, name, email string) *bulwark.Principal {
	t.Helper()
	ctx := context.Background()
	org, user, err := svc.CreateOrganisation(ctx, app.NewOrganisation{Name: name, OwnerEmail: email, Password: pw}, app.Meta{ActorID: "cli:test"})
	if err != nil {
		t.Fatalf("create organisation: %v", err)
	}
	p, err := svc.OrgPrincipal(ctx, user, org.Slug, app.Meta{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// mustMember invites email with role and accepts, returning the member's principal.
func mustMember(t testing.TB, svc *app.Service, owner *bulwark.Principal, email string, role bulwark.Role) *bulwark.Principal {
	t.Helper()
	ctx := context.Background()
	inv, err := svc.Invite(ctx, owner, email, role)
	if err != nil {
		t.Fatalf("invite: %v", err)
	}
	secret := inv.Link[strings.LastIndex(inv.Link, "/")+1:]
	if _, _, err := svc.AcceptInvitation(ctx, secret, nil, "Person "+string(role), pw, app.Meta{}); err != nil {
		t.Fatalf("accept: %v", err)
	}
	u, err := sessionUser(t, svc, email)
	if err != nil {
		t.Fatal(err)
	}
	p, err := svc.OrgPrincipal(ctx, u, owner.Org.Slug, app.Meta{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func sessionUser(t testing.TB, svc *app.Service, email string) (*bulwark.User, error) {
	secret, _, err := svc.SignIn(context.Background(), email, pw, "192.0.2.1", "test", "")
	if err != nil {
		return nil, err
	}
	return svc.SessionUser(context.Background(), secret)
}

func TestCreateOrganisation(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		svc := newService(t, db)
		ctx := context.Background()
		p := mustOrg(t, svc, "Müller & Söhne", "owner@example.com")
		if p.Org.Slug != "muller-sohne" || p.Role != bulwark.RoleOwner {
			t.Fatalf("got slug %q role %q", p.Org.Slug, p.Role)
		}
		tests := []struct {
			name string
			in   app.NewOrganisation
			code string
		}{
			{"taken slug", app.NewOrganisation{Name: "Muller Sohne", OwnerEmail: "x@example.com", Password: pw}, bulwark.ECONFLICT},
			{"existing user, wrong password", app.NewOrganisation{Name: "Second", OwnerEmail: "owner@example.com", Password: "wrong password!!"}, bulwark.EINVALID},
			{"short password", app.NewOrganisation{Name: "Third", OwnerEmail: "new@example.com", Password: "short"}, bulwark.EINVALID},
			{"no slug derivable", app.NewOrganisation{Name: "!!!", OwnerEmail: "new@example.com", Password: pw}, bulwark.EINVALID},
			{"bad email", app.NewOrganisation{Name: "Fourth", OwnerEmail: "not-an-email", Password: pw}, bulwark.EINVALID},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if _, _, err := svc.CreateOrganisation(ctx, tt.in, app.Meta{}); bulwark.ErrorCode(err) != tt.code {
					t.Fatalf("got %v, want code %s", err, tt.code)
				}
			})
		}
		orgs, _ := svc.Organisations(ctx)
		if len(orgs) != 1 {
			t.Fatalf("failed creations left %d organisations", len(orgs))
		}
		// An existing user with the right password gets a second organisation.
		o2, _, err := svc.CreateOrganisation(ctx, app.NewOrganisation{Name: "Second Client", OwnerEmail: "owner@example.com", Password: pw}, app.Meta{})
		if err != nil || o2.Slug != "second-client" {
			t.Fatalf("second organisation: %v %v", o2, err)
		}
		ms, _ := svc.Memberships(ctx, p.User.ID)
		if len(ms) != 2 {
			t.Fatalf("user is in %d organisations, want 2", len(ms))
		}
	})
}

func TestMemberRulesAndDeactivation(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		svc := newService(t, db)
		ctx := context.Background()
		owner := mustOrg(t, svc, "Acme", "owner@acme.test")
		admin := mustMember(t, svc, owner, "admin@acme.test", bulwark.RoleAdmin)
		emp := mustMember(t, svc, owner, "emp@acme.test", bulwark.RoleEmployee)

		ownerRole := bulwark.RoleOwner
		if _, err := svc.UpdateMember(ctx, admin, emp.MemberID, app.MemberUpdate{Role: &ownerRole}); bulwark.ErrorCode(err) != bulwark.EFORBIDDEN {
			t.Fatalf("admin made an owner: %v", err)
		}
		if _, err := svc.UpdateMember(ctx, emp, admin.MemberID, app.MemberUpdate{Role: &ownerRole}); bulwark.ErrorCode(err) != bulwark.EFORBIDDEN {
			t.Fatalf("employee changed a role: %v", err)
		}
		no := false
		if _, err := svc.UpdateMember(ctx, owner, owner.MemberID, app.MemberUpdate{Active: &no}); bulwark.ErrorCode(err) != bulwark.ECONFLICT {
			t.Fatalf("the last owner was deactivated: %v", err)
		}
		stale := 0
		mgr := bulwark.RoleManager
		if _, err := svc.UpdateMember(ctx, owner, emp.MemberID, app.MemberUpdate{Role: &mgr, ExpectVersion: &stale}); bulwark.ErrorCode(err) != bulwark.ECONFLICT {
			t.Fatalf("stale version accepted: %v", err)
		}

		// Deactivation ends a live session and token at once.
		secret, _, err := svc.SignIn(ctx, "emp@acme.test", pw, "192.0.2.9", "", "")
		if err != nil {
			t.Fatal(err)
		}
		tok, err := svc.CreateToken(ctx, emp, "", "script", "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.TokenPrincipal(ctx, tok.Token, app.Meta{}); err != nil {
			t.Fatalf("token before deactivation: %v", err)
		}
		m, err := svc.UpdateMember(ctx, admin, emp.MemberID, app.MemberUpdate{Active: &no})
		if err != nil || m.DeactivatedAt == nil {
			t.Fatalf("deactivate: %v", err)
		}
		if _, err := svc.SessionUser(ctx, secret); bulwark.ErrorCode(err) != bulwark.EUNAUTHORIZED {
			t.Fatalf("session survived deactivation: %v", err)
		}
		if _, err := svc.TokenPrincipal(ctx, tok.Token, app.Meta{}); bulwark.ErrorCode(err) != bulwark.EUNAUTHORIZED {
			t.Fatalf("token survived deactivation: %v", err)
		}
		u, err := sessionUser(t, svc, "emp@acme.test") // can still sign in, but has no organisation
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.OrgPrincipal(ctx, u, owner.Org.Slug, app.Meta{}); bulwark.ErrorCode(err) != bulwark.ENOTFOUND {
			t.Fatalf("deactivated member reached the organisation: %v", err)
		}
	})
}

func TestPasswordChangeAndReset(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		svc := newService(t, db)
		ctx := context.Background()
		owner := mustOrg(t, svc, "Acme", "owner@acme.test")
		emp := mustMember(t, svc, owner, "emp@acme.test", bulwark.RoleEmployee)
		old, _, _ := svc.SignIn(ctx, "emp@acme.test", pw, "192.0.2.1", "", "")
		if _, err := svc.ChangePassword(ctx, &emp.User, "wrong current pw", "a brand new password", app.Meta{}); bulwark.ErrorCode(err) != bulwark.EINVALID {
			t.Fatalf("wrong current password accepted: %v", err)
		}
		fresh, err := svc.ChangePassword(ctx, &emp.User, pw, "a brand new password", app.Meta{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.SessionUser(ctx, old); err == nil {
			t.Fatal("old session survived a password change")
		}
		if _, err := svc.SessionUser(ctx, fresh); err != nil {
			t.Fatalf("new session: %v", err)
		}
		link, err := svc.IssuePasswordReset(ctx, owner, emp.MemberID)
		if err != nil {
			t.Fatal(err)
		}
		secret := link[strings.LastIndex(link, "/")+1:]
		if err := svc.ResetPassword(ctx, secret, "reset password 123", app.Meta{}); err != nil {
			t.Fatal(err)
		}
		if err := svc.ResetPassword(ctx, secret, "reset password 456", app.Meta{}); err == nil {
			t.Fatal("a reset link worked twice")
		}
		if _, _, err := svc.SignIn(ctx, "emp@acme.test", "reset password 123", "192.0.2.1", "", ""); err != nil {
			t.Fatalf("sign in with reset password: %v", err)
		}
		// A person in two organisations cannot be reset by one organisation's admin,
		// not even with a link issued before they joined the second one.
		staleLink, err := svc.IssuePasswordReset(ctx, owner, emp.MemberID)
		if err != nil {
			t.Fatal(err)
		}
		other := mustOrg(t, svc, "Other", "other@x.test")
		inv, err := svc.Invite(ctx, other, "emp@acme.test", bulwark.RoleEmployee)
		if err != nil {
			t.Fatal(err)
		}
		invLink := inv.Link[strings.LastIndex(inv.Link, "/")+1:]
		if _, _, err := svc.AcceptInvitation(ctx, invLink, nil, "", "reset password 123", app.Meta{}); bulwark.ErrorCode(err) != bulwark.EUNAUTHORIZED {
			t.Fatalf("an existing user joined without signing in: %v", err)
		}
		if _, _, err := svc.AcceptInvitation(ctx, invLink, &owner.User, "", "", app.Meta{}); bulwark.ErrorCode(err) != bulwark.EUNAUTHORIZED {
			t.Fatalf("someone else accepted the invitation: %v", err)
		}
		if _, _, err := svc.AcceptInvitation(ctx, invLink, &emp.User, "", "", app.Meta{}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.IssuePasswordReset(ctx, owner, emp.MemberID); bulwark.ErrorCode(err) != bulwark.ECONFLICT {
			t.Fatalf("cross-tenant reset allowed: %v", err)
		}
		if err := svc.ResetPassword(ctx, staleLink[strings.LastIndex(staleLink, "/")+1:], "takeover password", app.Meta{}); bulwark.ErrorCode(err) != bulwark.ENOTFOUND {
			t.Fatalf("a reset link issued before the second membership still works: %v", err)
		}
	})
}

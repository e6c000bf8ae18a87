package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/sqlstore"
)

// Members lists the organisation's members.
func (s *Service) Members(ctx context.Context, p *bulwark.Principal) ([]*bulwark.Member, error) {
	if err := Require(p, bulwark.PermMembersManage); err != nil {
		return nil, err
	}
	var out []*bulwark.Member
	err := s.DB.Read(ctx, func(tx *sqlstore.Tx) error {
		var err error
		out, err = tx.Members(ctx, p.Org.ID)
		return err
	})
	return out, err
}

// MemberUpdate lists what an admin may change on a membership; nil fields stay.
type MemberUpdate struct {
	Role          *bulwark.Role
	ExpiresAt     **time.Time // set to a nil *time.Time to clear
	Active        *bool       // false deactivates: sessions and tokens end at once
	ExpectVersion *int        // optimistic lock
}

// UpdateMember changes a member's role, expiry or activity. Deactivation ends the
// person's sessions and revokes their tokens in the same transaction. The last
// active owner cannot be demoted, expired or deactivated.
func (s *Service) UpdateMember(ctx context.Context, p *bulwark.Principal, memberID string, u MemberUpdate) (*bulwark.Member, error) {
	if err := Require(p, bulwark.PermMembersManage); err != nil {
		return nil, err
	}
	var out *bulwark.Member
	err := s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
		// Serialise membership changes per organisation so that two owners demoting
		// each other at once cannot leave it without an owner.
		if err := tx.LockOrganisation(ctx, p.Org.ID); err != nil {
			return err
		}
		m, err := tx.Member(ctx, p.Org.ID, memberID)
		if err != nil {
			return err
		}
		if u.ExpectVersion != nil && *u.ExpectVersion != m.Version {
			return bulwark.Errorf(bulwark.ECONFLICT, "The member was changed by someone else (version %d, not %d); reload and try again.", m.Version, *u.ExpectVersion)
		}
		before := *m
		ch := bulwark.Changes{}
		if u.Role != nil && *u.Role != m.Role {
			if !bulwark.CanAssignRole(p.Role, m.Role, *u.Role) {
				return bulwark.Errorf(bulwark.EFORBIDDEN, "Only an owner can make someone an owner or change an owner's role.")
			}
			m.Role = *u.Role
			ch["role"] = bulwark.Change{Before: string(before.Role), After: string(m.Role)}
		}
		if u.ExpiresAt != nil {
			if !bulwark.CanAssignRole(p.Role, m.Role, m.Role) {
				return bulwark.Errorf(bulwark.EFORBIDDEN, "Only an owner can change an owner's membership.")
			}
			m.ExpiresAt = *u.ExpiresAt
			ch["expires_at"] = bulwark.Change{Before: before.ExpiresAt, After: m.ExpiresAt}
		}
		deactivating := false
		if u.Active != nil {
			isActive := m.DeactivatedAt == nil
			if *u.Active != isActive {
				if !bulwark.CanAssignRole(p.Role, m.Role, m.Role) {
					return bulwark.Errorf(bulwark.EFORBIDDEN, "Only an owner can deactivate or reactivate an owner.")
				}
				if *u.Active {
					m.DeactivatedAt = nil
				} else {
					now := tx.Now()
					m.DeactivatedAt = &now
					deactivating = true
				}
				ch["deactivated_at"] = bulwark.Change{Before: before.DeactivatedAt, After: m.DeactivatedAt}
			}
		}
		if len(ch) == 0 {
			out = m
			return nil
		}
		if err := tx.UpdateMember(ctx, m); err != nil {
			return err
		}
		if before.Role == bulwark.RoleOwner && before.Active(tx.Now()) {
			n, err := tx.CountActiveOwners(ctx, p.Org.ID)
			if err != nil {
				return err
			}
			if n == 0 {
				return bulwark.Errorf(bulwark.ECONFLICT, "An organisation needs at least one active owner; make someone else owner first.")
			}
		}
		action := "member.update"
		if _, ok := ch["role"]; ok && len(ch) == 1 {
			action = "member.role_change"
		}
		if deactivating {
			// Tokens belong to this membership and end now. Sessions belong to the
			// person: this organisation stops answering them at once (every request
			// checks the membership); they end outright only when no other
			// organisation has the person as an active member.
			action = "member.deactivate"
			tokens, err := tx.RevokeMemberTokens(ctx, p.Org.ID, m.ID)
			if err != nil {
				return err
			}
			ch["tokens_revoked"] = bulwark.Added(tokens)
			others, err := tx.ActiveOrgIDsOfUser(ctx, m.UserID)
			if err != nil {
				return err
			}
			if len(others) == 0 {
				if _, err := tx.DeleteUserSessions(ctx, m.UserID); err != nil {
					return err
				}
			}
		}
		if err := Audit(ctx, tx, p.Org.ID, MetaOf(p), action, "member", m.ID, m.Email, ch); err != nil {
			return err
		}
		out = m
		return nil
	})
	return out, err
}

// InvitationTTL is how long an invitation link works.
const InvitationTTL = 7 * 24 * time.Hour

// Invite creates an invitation for email with role and returns it with its link,
// which is shown on screen while no mail is configured.
func (s *Service) Invite(ctx context.Context, p *bulwark.Principal, email string, role bulwark.Role) (*bulwark.Invitation, error) {
	if err := Require(p, bulwark.PermMembersManage); err != nil {
		return nil, err
	}
	email = bulwark.NormalizeEmail(email)
	var v bulwark.Validation
	if err := bulwark.ValidateEmail("email", email); err != nil {
		v.Add("email", "must be an email address such as name@example.com")
	}
	role, err := bulwark.ParseRole(string(role))
	if err != nil {
		v.Add("role", "must be one of owner, admin, manager, contributor, auditor, employee")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if !bulwark.CanAssignRole(p.Role, role, role) {
		return nil, bulwark.Errorf(bulwark.EFORBIDDEN, "Only an owner can invite an owner.")
	}
	secret, hash := newSecret(32)
	inv := &bulwark.Invitation{Email: email, Role: role, CreatedBy: p.ActorID}
	err = s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
		if u, _, err := tx.UserByEmail(ctx, email); err == nil {
			if _, err := tx.MemberByUser(ctx, p.Org.ID, u.ID); err == nil {
				return bulwark.Errorf(bulwark.ECONFLICT, "%s is already a member.", email)
			}
		}
		inv.ExpiresAt = tx.Now().Add(InvitationTTL)
		if err := tx.InsertInvitation(ctx, p.Org.ID, inv, hash); err != nil {
			return err
		}
		return Audit(ctx, tx, p.Org.ID, MetaOf(p), "invitation.create", "invitation", inv.ID, email, bulwark.Changes{
			"email": bulwark.Added(email), "role": bulwark.Added(string(role)), "expires_at": bulwark.Added(inv.ExpiresAt),
		})
	})
	if err != nil {
		return nil, err
	}
	inv.Link = strings.TrimRight(s.cfg.BaseURL, "/") + "/invitations/" + secret
	return inv, nil
}

// Invitations lists the organisation's invitations.
func (s *Service) Invitations(ctx context.Context, p *bulwark.Principal) ([]*bulwark.Invitation, error) {
	if err := Require(p, bulwark.PermMembersManage); err != nil {
		return nil, err
	}
	var out []*bulwark.Invitation
	err := s.DB.Read(ctx, func(tx *sqlstore.Tx) error {
		var err error
		out, err = tx.Invitations(ctx, p.Org.ID)
		return err
	})
	return out, err
}

// Invitation returns one of the organisation's invitations.
func (s *Service) Invitation(ctx context.Context, p *bulwark.Principal, id string) (*bulwark.Invitation, error) {
	if err := Require(p, bulwark.PermMembersManage); err != nil {
		return nil, err
	}
	var inv *bulwark.Invitation
	err := s.DB.Read(ctx, func(tx *sqlstore.Tx) error {
		var err error
		inv, err = tx.Invitation(ctx, p.Org.ID, id)
		return err
	})
	return inv, err
}

// Token returns a token: one's own, or anyone's with PermMembersManage.
func (s *Service) Token(ctx context.Context, p *bulwark.Principal, id string) (*bulwark.APIToken, error) {
	if err := Require(p, bulwark.PermSelfService); err != nil {
		return nil, err
	}
	var t *bulwark.APIToken
	err := s.DB.Read(ctx, func(tx *sqlstore.Tx) error {
		var err error
		t, err = tx.Token(ctx, p.Org.ID, id)
		return err
	})
	if err == nil && t.MemberID != p.MemberID && !p.Can(bulwark.PermMembersManage) {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "Token not found.")
	}
	return t, err
}

// RevokeInvitation withdraws a pending invitation.
func (s *Service) RevokeInvitation(ctx context.Context, p *bulwark.Principal, id string) error {
	if err := Require(p, bulwark.PermMembersManage); err != nil {
		return err
	}
	return s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
		inv, err := tx.Invitation(ctx, p.Org.ID, id)
		if err != nil {
			return err
		}
		if err := tx.MarkInvitation(ctx, p.Org.ID, id, false); err != nil {
			return err
		}
		return Audit(ctx, tx, p.Org.ID, MetaOf(p), "invitation.revoke", "invitation", id, inv.Email, nil)
	})
}

// PendingInvitation is what the acceptance page shows.
type PendingInvitation struct {
	Invitation *bulwark.Invitation
	Org        *bulwark.Organisation
	UserExists bool
}

// InvitationByLink finds a usable invitation by the secret of its link.
func (s *Service) InvitationByLink(ctx context.Context, secret string) (*PendingInvitation, error) {
	var out *PendingInvitation
	err := s.DB.Read(ctx, func(tx *sqlstore.Tx) error {
		inv, orgID, err := tx.InvitationByToken(ctx, HashSecret(secret))
		if err != nil {
			return err
		}
		if inv.Status(tx.Now()) != "pending" {
			return bulwark.Errorf(bulwark.ENOTFOUND, "This invitation is no longer valid (%s). Ask for a new one.", inv.Status(tx.Now()))
		}
		org, err := tx.OrganisationByID(ctx, orgID)
		if err != nil {
			return err
		}
		_, _, uerr := tx.UserByEmail(ctx, inv.Email)
		out = &PendingInvitation{Invitation: inv, Org: org, UserExists: uerr == nil}
		return nil
	})
	return out, err
}

// AcceptInvitation makes the invitee a member. A new person gives a name and a
// password and gets a session (the returned secret). A person who already has an
// account must be signed in as the invited email: the link alone never proves who
// they are, and a password form here would let the link holder guess passwords.
func (s *Service) AcceptInvitation(ctx context.Context, secret string, signedIn *bulwark.User, name, pw string, m Meta) (string, *bulwark.Organisation, error) {
	pending, err := s.InvitationByLink(ctx, secret)
	if err != nil {
		return "", nil, err
	}
	inv, org := pending.Invitation, pending.Org
	var hash string
	if pending.UserExists {
		if signedIn == nil || signedIn.Email != inv.Email {
			return "", nil, bulwark.Errorf(bulwark.EUNAUTHORIZED, "Sign in as %s to accept this invitation.", inv.Email)
		}
	} else {
		var v bulwark.Validation
		if strings.TrimSpace(name) == "" {
			v.Add("name", "is required")
		}
		if err := bulwark.ValidatePassword("password", pw); err != nil {
			v.Add("password", "must be at least 12 characters")
		}
		if err := v.Err(); err != nil {
			return "", nil, err
		}
		if hash, err = s.Hasher.Hash(ctx, pw); err != nil {
			return "", nil, fmt.Errorf("hash password: %w", err)
		}
	}
	var sessionSecret string
	err = s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
		user := signedIn
		if !pending.UserExists {
			user = &bulwark.User{Email: inv.Email, Name: strings.TrimSpace(name)}
			if err := tx.InsertUser(ctx, user, hash); err != nil {
				return err
			}
		}
		if err := tx.MarkInvitation(ctx, org.ID, inv.ID, true); err != nil {
			return err
		}
		mem, err := tx.InsertMember(ctx, org.ID, user.ID, inv.Role, nil)
		if err != nil {
			return err
		}
		m.ActorID = user.ID
		if err := Audit(ctx, tx, org.ID, m, "invitation.accept", "member", mem.ID, mem.Email, bulwark.Changes{
			"user_id": bulwark.Added(user.ID), "role": bulwark.Added(string(inv.Role)), "invitation_id": bulwark.Added(inv.ID),
		}); err != nil {
			return err
		}
		if pending.UserExists {
			return nil
		}
		var sessionHash string
		sessionSecret, sessionHash = newSecret(32)
		return tx.InsertSession(ctx, &sqlstore.Session{TokenHash: sessionHash, UserID: user.ID, IP: m.IP})
	})
	if err != nil {
		return "", nil, err
	}
	return sessionSecret, org, nil
}

// CreateToken issues an API token acting as member memberID ("" for oneself);
// creating one for someone else needs PermMembersManage. The secret is returned once.
func (s *Service) CreateToken(ctx context.Context, p *bulwark.Principal, memberID, name, scope string) (*bulwark.APIToken, error) {
	if scope == bulwark.TokenScopeAgent {
		return nil, bulwark.Invalid("scope", "an agent token is bound to one host collector: create it there (POST /api/v1/collectors/{id}/agent-token, or bulwark token create --scope agent --collector REF)")
	}
	return s.createToken(ctx, p, memberID, name, scope, nil)
}

// BindToken records, in the transaction that creates an agent token, what the
// token is bound to (its host collector).
type BindToken func(ctx context.Context, tx *sqlstore.Tx, tokenID string) error

// CreateAgentToken issues a token of scope agent acting as member memberID ("" for
// oneself), bound by bind in the same transaction. Only those who may edit every
// ISMS record (owners, admins, managers) issue one.
func (s *Service) CreateAgentToken(ctx context.Context, p *bulwark.Principal, memberID, name string, bind BindToken) (*bulwark.APIToken, error) {
	if err := Require(p, bulwark.PermISMSEdit); err != nil && !p.System {
		return nil, err
	}
	return s.createToken(ctx, p, memberID, name, bulwark.TokenScopeAgent, bind)
}

func (s *Service) createToken(ctx context.Context, p *bulwark.Principal, memberID, name, scope string, bind BindToken) (*bulwark.APIToken, error) {
	if err := Require(p, bulwark.PermSelfService); err != nil && !p.System {
		return nil, err
	}
	if memberID == "" {
		memberID = p.MemberID
	}
	if memberID != p.MemberID && !p.System {
		// A token acts as its member and the audit trail names that member, so only
		// the operator (the CLI) issues tokens for someone else; admins list and revoke them.
		return nil, bulwark.Errorf(bulwark.EFORBIDDEN, "You can create tokens only for yourself.")
	}
	name = strings.TrimSpace(name)
	var v bulwark.Validation
	if name == "" {
		v.Add("name", "is required, so you can recognise the token later")
	} else if len(name) > 100 {
		v.Add("name", "must be at most 100 characters")
	}
	if scope != "" && scope != bulwark.TokenScopeAgent {
		v.Add("scope", `must be empty or "agent"`)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	secret, _ := newSecret(32)
	secret = TokenPrefix + secret
	t := &bulwark.APIToken{MemberID: memberID, Name: name, Scope: scope, Prefix: secret[:10]}
	err := s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
		mem, err := tx.Member(ctx, p.Org.ID, memberID)
		if err != nil {
			return err
		}
		if !mem.Active(tx.Now()) {
			return bulwark.Errorf(bulwark.ECONFLICT, "%s is not an active member.", mem.Email)
		}
		t.UserEmail = mem.Email
		if err := tx.InsertToken(ctx, p.Org.ID, t, HashSecret(secret)); err != nil {
			return err
		}
		if bind != nil {
			if err := bind(ctx, tx, t.ID); err != nil {
				return err
			}
		}
		return Audit(ctx, tx, p.Org.ID, MetaOf(p), "token.create", "api_token", t.ID, t.Prefix, bulwark.Changes{
			"name": bulwark.Added(name), "scope": bulwark.Added(scope), "member_id": bulwark.Added(memberID),
		})
	})
	if err != nil {
		return nil, err
	}
	t.Token = secret
	return t, nil
}

// Tokens lists the principal's own tokens, or every token of the organisation when
// all is set (PermMembersManage).
func (s *Service) Tokens(ctx context.Context, p *bulwark.Principal, all bool) ([]*bulwark.APIToken, error) {
	if err := Require(p, bulwark.PermSelfService); err != nil {
		return nil, err
	}
	memberID := p.MemberID
	if all {
		if err := Require(p, bulwark.PermMembersManage); err != nil {
			return nil, err
		}
		memberID = ""
	}
	var out []*bulwark.APIToken
	err := s.DB.Read(ctx, func(tx *sqlstore.Tx) error {
		var err error
		out, err = tx.Tokens(ctx, p.Org.ID, memberID)
		return err
	})
	return out, err
}

// RevokeToken revokes a token: one's own, or anyone's with PermMembersManage.
func (s *Service) RevokeToken(ctx context.Context, p *bulwark.Principal, id string) error {
	if err := Require(p, bulwark.PermSelfService); err != nil {
		return err
	}
	return s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
		t, err := tx.Token(ctx, p.Org.ID, id)
		if err != nil {
			return err
		}
		if t.MemberID != p.MemberID && !p.Can(bulwark.PermMembersManage) {
			return bulwark.Errorf(bulwark.ENOTFOUND, "Token not found.")
		}
		if t.RevokedAt != nil {
			return nil
		}
		if err := tx.RevokeToken(ctx, p.Org.ID, id); err != nil {
			return err
		}
		return Audit(ctx, tx, p.Org.ID, MetaOf(p), "token.revoke", "api_token", t.ID, t.Prefix, nil)
	})
}

// MemberByEmail finds the active member with email in the principal's organisation
// (for the CLI's --email and --as).
func (s *Service) MemberByEmail(ctx context.Context, orgID, email string) (*bulwark.Member, *bulwark.User, error) {
	var m *bulwark.Member
	var u *bulwark.User
	err := s.DB.Read(ctx, func(tx *sqlstore.Tx) error {
		var err error
		u, _, err = tx.UserByEmail(ctx, bulwark.NormalizeEmail(email))
		if err != nil {
			return bulwark.Errorf(bulwark.ENOTFOUND, "No user has the email %s.", email)
		}
		m, err = tx.MemberByUser(ctx, orgID, u.ID)
		if err != nil {
			return bulwark.Errorf(bulwark.ENOTFOUND, "%s is not a member of this organisation.", email)
		}
		if !m.Active(tx.Now()) {
			return bulwark.Errorf(bulwark.ECONFLICT, "%s's membership is %s.", email, m.Status(tx.Now()))
		}
		return nil
	})
	return m, u, err
}

// PrincipalForMember builds the principal of an active member, for the CLI's --as.
func (s *Service) PrincipalForMember(org *bulwark.Organisation, m *bulwark.Member, u *bulwark.User) *bulwark.Principal {
	return &bulwark.Principal{User: *u, Org: *org, MemberID: m.ID, Role: m.Role, Permissions: s.Permissions(m.Role), ActorID: u.ID}
}

// MemberRef is a member as pick-lists and owner columns show them.
type MemberRef struct {
	ID     string `json:"id"`
	UserID string `json:"user_id"`
	Name   string `json:"name"`
	Email  string `json:"email"`
}

// Directory lists the organisation's active members for owner pick-lists; any
// reader of the ISMS may see who owns what.
func (s *Service) Directory(ctx context.Context, p *bulwark.Principal) ([]MemberRef, error) {
	if err := Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var out []MemberRef
	err := s.DB.Read(ctx, func(tx *sqlstore.Tx) error {
		ms, err := tx.Members(ctx, p.Org.ID)
		if err != nil {
			return err
		}
		for _, m := range ms {
			if m.Active(tx.Now()) {
				out = append(out, MemberRef{ID: m.ID, UserID: m.UserID, Name: m.Name, Email: m.Email})
			}
		}
		return nil
	})
	return out, err
}

// AuditPeople lists every member the organisation has had, former ones included, for reading and filtering
// the audit log: whoever may read the log may see who wrote it.
func (s *Service) AuditPeople(ctx context.Context, p *bulwark.Principal) ([]MemberRef, error) {
	if err := Require(p, bulwark.PermAuditLogRead); err != nil {
		return nil, err
	}
	var out []MemberRef
	err := s.DB.Read(ctx, func(tx *sqlstore.Tx) error {
		ms, err := tx.Members(ctx, p.Org.ID)
		if err != nil {
			return err
		}
		for _, m := range ms {
			name := m.Name
			if !m.Active(tx.Now()) {
				name += " (former member)"
			}
			out = append(out, MemberRef{ID: m.ID, UserID: m.UserID, Name: name, Email: m.Email})
		}
		return nil
	})
	return out, err
}

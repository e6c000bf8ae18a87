package app

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/password"
	"github.com/bulwark-isms/bulwark/sqlstore"
)

// TokenPrefix starts every API token, so leaked tokens are easy to scan for.
const TokenPrefix = "bwk_"

// SignIn checks an email and password and opens a session, returning the session
// secret for the cookie. Failures are throttled per account and per IP: past the
// limit it answers ETHROTTLED with RetryAfter, without checking the password.
func (s *Service) SignIn(ctx context.Context, email, pw, ip, userAgent, requestID string) (string, *bulwark.User, error) {
	email = bulwark.NormalizeEmail(email)
	m := Meta{IP: ip, RequestID: requestID}
	user, hash, attempt, err := s.beginAttempt(ctx, email, ip)
	if err != nil {
		return "", nil, err
	}
	verr := s.Hasher.Verify(ctx, pw, hash) // hash is "" for an unknown email: same cost
	if verr != nil && !errors.Is(verr, password.ErrMismatch) {
		return "", nil, verr
	}
	if verr != nil {
		err := s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
			if user == nil {
				return Audit(ctx, tx, bulwark.InstanceChain, m, "auth.sign_in_failed", "user", "", email, nil)
			}
			m.ActorID = user.ID
			return auditEachOrg(ctx, tx, user.ID, m, "auth.sign_in_failed", "user", user.ID, user.Email, nil)
		})
		if err != nil {
			return "", nil, err
		}
		return "", nil, bulwark.Errorf(bulwark.EUNAUTHORIZED, "The email or password is not correct.")
	}
	secret, secretHash := newSecret(32)
	err = s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
		if err := attempt.succeeded(ctx, tx); err != nil {
			return err
		}
		if err := tx.InsertSession(ctx, &sqlstore.Session{TokenHash: secretHash, UserID: user.ID, IP: ip, UserAgent: truncate(userAgent, 300)}); err != nil {
			return err
		}
		m.ActorID = user.ID
		return auditEachOrg(ctx, tx, user.ID, m, "auth.sign_in", "user", user.ID, user.Email, nil)
	})
	if err != nil {
		return "", nil, err
	}
	return secret, user, nil
}

// attempt is a password check counted against the throttle before it runs.
type attempt struct {
	accountKey, ipKey string
	at                time.Time
}

// succeeded forgets the account's failures and this attempt's IP mark.
func (a *attempt) succeeded(ctx context.Context, tx *sqlstore.Tx) error {
	if err := tx.ClearSignInFailures(ctx, a.accountKey, tx.Now().Add(-24*time.Hour)); err != nil {
		return err
	}
	return tx.DeleteSignInFailure(ctx, a.ipKey, a.at)
}

// beginAttempt checks the throttle for email and ip and records the attempt as a
// failure before the password is checked, all under a lock on both keys, so
// parallel guesses cannot slip past the limit; a success deletes the mark.
func (s *Service) beginAttempt(ctx context.Context, email, ip string) (*bulwark.User, string, *attempt, error) {
	a := &attempt{accountKey: "email:" + email, ipKey: "ip:" + ip}
	var user *bulwark.User
	var hash string
	err := s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
		if err := tx.LockKeys(ctx, a.accountKey, a.ipKey); err != nil {
			return err
		}
		since := tx.Now().Add(-s.cfg.ThrottleWindow)
		for _, k := range []struct {
			key string
			max int
		}{{a.accountKey, s.cfg.MaxFailuresAccount}, {a.ipKey, s.cfg.MaxFailuresIP}} {
			n, oldest, err := tx.SignInFailures(ctx, k.key, since)
			if err != nil {
				return err
			}
			if n >= k.max {
				wait := oldest.Add(s.cfg.ThrottleWindow).Sub(tx.Now())
				return &bulwark.Error{Code: bulwark.ETHROTTLED, Message: "Too many failed sign-ins. Wait a few minutes and try again.",
					RetryAfter: max(1, int(math.Ceil(wait.Seconds())))}
			}
		}
		a.at = tx.Now()
		if err := tx.RecordSignInFailure(ctx, a.accountKey, a.ipKey); err != nil {
			return err
		}
		u, h, err := tx.UserByEmail(ctx, email)
		if err != nil && bulwark.ErrorCode(err) != bulwark.ENOTFOUND {
			return err
		}
		user, hash = u, h
		return nil
	})
	return user, hash, a, err
}

// auditEachOrg writes an event about a user into the chain of every organisation
// the user belongs to, so each organisation's auditors see their members' sign-ins.
func auditEachOrg(ctx context.Context, tx *sqlstore.Tx, userID string, m Meta, action, entityType, entityID, ref string, ch bulwark.Changes) error {
	orgs, err := tx.ActiveOrgIDsOfUser(ctx, userID)
	if err != nil {
		return err
	}
	if len(orgs) == 0 {
		return Audit(ctx, tx, bulwark.InstanceChain, m, action, entityType, entityID, ref, ch)
	}
	for _, o := range orgs {
		if err := Audit(ctx, tx, o, m, action, entityType, entityID, ref, ch); err != nil {
			return err
		}
	}
	return nil
}

// truncate keeps at most n runes of s, so a multi-byte character is never cut.
func truncate(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

// SessionUser resolves a session secret to its user, enforcing the idle and
// absolute timeouts. Activity is written at most once a minute.
func (s *Service) SessionUser(ctx context.Context, secret string) (*bulwark.User, error) {
	if secret == "" {
		return nil, bulwark.Errorf(bulwark.EUNAUTHORIZED, "Please sign in.")
	}
	h := HashSecret(secret)
	var sess *sqlstore.Session
	var user *bulwark.User
	var now time.Time
	err := s.DB.View(ctx, func(tx *sqlstore.Tx) error {
		var err error
		now = tx.Now()
		sess, user, err = tx.SessionUser(ctx, h)
		return err
	})
	if bulwark.ErrorCode(err) == bulwark.ENOTFOUND {
		return nil, bulwark.Errorf(bulwark.EUNAUTHORIZED, "Your session has ended; please sign in again.")
	} else if err != nil {
		return nil, err
	}
	if now.Sub(sess.LastSeenAt) > s.cfg.SessionIdle || now.Sub(sess.CreatedAt) > s.cfg.SessionMax {
		_ = s.DB.Write(ctx, func(tx *sqlstore.Tx) error { return tx.DeleteSession(ctx, h) })
		return nil, bulwark.Errorf(bulwark.EUNAUTHORIZED, "Your session has ended; please sign in again.")
	}
	if now.Sub(sess.LastSeenAt) > time.Minute {
		if err := s.DB.Write(ctx, func(tx *sqlstore.Tx) error { return tx.TouchSession(ctx, h) }); err != nil {
			return nil, err
		}
	}
	return user, nil
}

// OrgPrincipal returns the principal of user in the organisation with slug, or
// ENOTFOUND when the user holds no active membership there (so another tenant's
// existence is not revealed).
func (s *Service) OrgPrincipal(ctx context.Context, user *bulwark.User, slug string, m Meta) (*bulwark.Principal, error) {
	var p *bulwark.Principal
	err := s.DB.View(ctx, func(tx *sqlstore.Tx) error {
		o, mem, err := tx.MemberPrincipal(ctx, slug, user.ID)
		if err != nil {
			return err
		}
		p = &bulwark.Principal{User: *user, Org: *o, MemberID: mem.ID, Role: mem.Role, Permissions: s.Permissions(mem.Role),
			ActorID: user.ID, IP: m.IP, RequestID: m.RequestID}
		return nil
	})
	return p, err
}

// TokenPrincipal resolves a bearer token to the member it acts as. A token of a
// deactivated or expired member, or a revoked token, is EUNAUTHORIZED at once.
func (s *Service) TokenPrincipal(ctx context.Context, token string, m Meta) (*bulwark.Principal, error) {
	if !strings.HasPrefix(token, TokenPrefix) || len(token) != len(TokenPrefix)+43 {
		return nil, bulwark.Errorf(bulwark.EUNAUTHORIZED, "The API token is not valid.")
	}
	h := HashSecret(token)
	var tp *sqlstore.TokenPrincipal
	var now time.Time
	err := s.DB.View(ctx, func(tx *sqlstore.Tx) error {
		var err error
		now = tx.Now()
		tp, err = tx.TokenByHash(ctx, h)
		return err
	})
	if err != nil {
		return nil, err
	}
	if tp.LastUsedAt == nil || now.Sub(*tp.LastUsedAt) > time.Minute {
		if err := s.DB.Write(ctx, func(tx *sqlstore.Tx) error { return tx.TouchToken(ctx, tp.Org.ID, tp.TokenID) }); err != nil {
			return nil, err
		}
	}
	perms := s.Permissions(tp.Role)
	if tp.Scope == bulwark.TokenScopeAgent {
		perms = bulwark.PermissionSet{bulwark.PermAgentFacts: true} // agent tokens only post host facts
	}
	return &bulwark.Principal{User: tp.User, Org: tp.Org, MemberID: tp.MemberID, Role: tp.Role, Permissions: perms,
		TokenID: tp.TokenID, TokenScope: tp.Scope, ActorID: tp.User.ID, IP: m.IP, RequestID: m.RequestID}, nil
}

// SignOut ends one session.
func (s *Service) SignOut(ctx context.Context, secret string, user *bulwark.User, m Meta) error {
	return s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
		if err := tx.DeleteSession(ctx, HashSecret(secret)); err != nil {
			return err
		}
		m.ActorID = user.ID
		return auditEachOrg(ctx, tx, user.ID, m, "auth.sign_out", "user", user.ID, user.Email, nil)
	})
}

// SignOutEverywhere ends every session of the user.
func (s *Service) SignOutEverywhere(ctx context.Context, user *bulwark.User, m Meta) error {
	return s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
		n, err := tx.DeleteUserSessions(ctx, user.ID)
		if err != nil {
			return err
		}
		m.ActorID = user.ID
		return auditEachOrg(ctx, tx, user.ID, m, "auth.sign_out_everywhere", "user", user.ID, user.Email, bulwark.Changes{"sessions_ended": bulwark.Added(n)})
	})
}

// ChangePassword sets a new password after checking the current one, and opens a
// fresh session (every other session ends). It returns the new session secret.
func (s *Service) ChangePassword(ctx context.Context, user *bulwark.User, current, next string, m Meta) (string, error) {
	if err := bulwark.ValidatePassword("new_password", next); err != nil {
		return "", err
	}
	_, hash, att, err := s.beginAttempt(ctx, user.Email, m.IP) // guesses of the current password count like sign-ins
	if err != nil {
		return "", err
	}
	if err := s.Hasher.Verify(ctx, current, hash); err != nil {
		if errors.Is(err, password.ErrMismatch) {
			return "", bulwark.Invalid("current_password", "is not your current password")
		}
		return "", err
	}
	newHash, err := s.Hasher.Hash(ctx, next)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	secret, secretHash := newSecret(32)
	err = s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
		if err := att.succeeded(ctx, tx); err != nil {
			return err
		}
		if err := tx.SetPasswordHash(ctx, user.ID, newHash); err != nil {
			return err
		}
		if _, err := tx.DeleteUserSessions(ctx, user.ID); err != nil {
			return err
		}
		if err := tx.InsertSession(ctx, &sqlstore.Session{TokenHash: secretHash, UserID: user.ID, IP: m.IP}); err != nil {
			return err
		}
		m.ActorID = user.ID
		return auditEachOrg(ctx, tx, user.ID, m, "user.password_change", "user", user.ID, user.Email, nil)
	})
	return secret, err
}

// PasswordResetTTL is how long an admin-issued reset link works.
const PasswordResetTTL = 24 * time.Hour

// IssuePasswordReset creates a one-time link with which member memberID sets a new
// password. It refuses for a person who also belongs to another organisation: an
// admin of one tenant must not take over an account that reaches others.
func (s *Service) IssuePasswordReset(ctx context.Context, p *bulwark.Principal, memberID string) (string, error) {
	if err := Require(p, bulwark.PermMembersManage); err != nil {
		return "", err
	}
	secret, hash := newSecret(32)
	err := s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
		mem, err := tx.Member(ctx, p.Org.ID, memberID)
		if err != nil {
			return err
		}
		if !bulwark.CanAssignRole(p.Role, mem.Role, mem.Role) {
			return bulwark.Errorf(bulwark.EFORBIDDEN, "Only an owner can reset an owner's password.")
		}
		orgs, err := tx.OrgIDsOfUser(ctx, mem.UserID)
		if err != nil {
			return err
		}
		if len(orgs) > 1 {
			return bulwark.Errorf(bulwark.ECONFLICT, "%s also belongs to other organisations; they can change their password from their account page.", mem.Email)
		}
		if err := tx.InsertPasswordReset(ctx, hash, mem.UserID, p.Org.ID, p.ActorID, tx.Now().Add(PasswordResetTTL)); err != nil {
			return err
		}
		return Audit(ctx, tx, p.Org.ID, MetaOf(p), "member.password_reset_issued", "member", mem.ID, mem.Email, nil)
	})
	if err != nil {
		return "", err
	}
	return strings.TrimRight(s.cfg.BaseURL, "/") + "/reset/" + secret, nil
}

// CheckPasswordReset reports whether a reset link can still be used.
func (s *Service) CheckPasswordReset(ctx context.Context, secret string) error {
	return s.DB.Read(ctx, func(tx *sqlstore.Tx) error {
		r, err := tx.PasswordResetByToken(ctx, HashSecret(secret))
		if err != nil {
			return err
		}
		if r.UsedAt != nil || !tx.Now().Before(r.ExpiresAt) {
			return bulwark.Errorf(bulwark.ENOTFOUND, "This reset link has expired or was already used.")
		}
		return nil
	})
}

// ResetPassword sets a new password through a reset link; every session ends.
func (s *Service) ResetPassword(ctx context.Context, secret, next string, m Meta) error {
	if err := s.CheckPasswordReset(ctx, secret); err != nil {
		return err
	}
	if err := bulwark.ValidatePassword("password", next); err != nil {
		return err
	}
	hash, err := s.Hasher.Hash(ctx, next)
	if err != nil {
		return fmt.Errorf("hash password: %w", err)
	}
	return s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
		th := HashSecret(secret)
		r, err := tx.PasswordResetByToken(ctx, th)
		if err != nil {
			return err
		}
		if !tx.Now().Before(r.ExpiresAt) {
			return bulwark.Errorf(bulwark.ENOTFOUND, "This reset link has expired.")
		}
		// The person may have joined another organisation since the link was issued:
		// then this organisation's admin must no longer set their password.
		orgs, err := tx.OrgIDsOfUser(ctx, r.UserID)
		if err != nil {
			return err
		}
		mem, err := tx.MemberByUser(ctx, r.OrgID, r.UserID)
		if err != nil || len(orgs) != 1 || orgs[0] != r.OrgID || !mem.Active(tx.Now()) {
			return bulwark.Errorf(bulwark.ENOTFOUND, "This reset link is no longer valid; ask for a new one.")
		}
		if err := tx.UsePasswordReset(ctx, th); err != nil {
			return err
		}
		if err := tx.SetPasswordHash(ctx, r.UserID, hash); err != nil {
			return err
		}
		if _, err := tx.DeleteUserSessions(ctx, r.UserID); err != nil {
			return err
		}
		m.ActorID = r.UserID
		return Audit(ctx, tx, r.OrgID, m, "user.password_reset", "user", r.UserID, "", nil)
	})
}

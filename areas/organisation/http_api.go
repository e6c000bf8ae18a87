package organisation

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/web"
)

// organisationJSON is the organisation with its classification scheme.
type organisationJSON struct {
	bulwark.Organisation
	ClassificationScheme []string `json:"classification_scheme"`
}

func (s *handlers) apiOrganisation(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	scheme, err := s.svc.Classifications(r.Context(), p)
	if err != nil && bulwark.ErrorCode(err) != bulwark.EFORBIDDEN {
		s.Problem(w, r, err)
		return
	}
	if scheme == nil { // not the principal's to read (an employee)
		scheme = []string{}
	}
	w.Header().Set("ETag", fmt.Sprintf(`"%d"`, p.Org.Version))
	web.WriteJSON(w, http.StatusOK, organisationJSON{p.Org, scheme})
}

func (s *handlers) apiOrganisationPatch(w http.ResponseWriter, r *http.Request) {
	vals, expect, err := s.Decode(w, r, SettingsChange)
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	u := app.SettingsUpdate{ExpectVersion: expect, Name: vals.Str("name"), TimeZone: vals.Str("time_zone"), DateOrder: vals.Str("date_order"),
		SegregationOfDuties: vals.Bool("segregation_of_duties")}
	scheme := vals.List("classification_scheme")
	o, err := s.svc.UpdateSettings(r.Context(), web.PrincipalFrom(r), u)
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	if scheme != nil {
		if _, err := s.svc.SetClassificationScheme(r.Context(), web.PrincipalFrom(r), *scheme); err != nil {
			s.Problem(w, r, err)
			return
		}
	}
	current, err := s.svc.Classifications(r.Context(), web.PrincipalFrom(r))
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	w.Header().Set("ETag", fmt.Sprintf(`"%d"`, o.Version))
	web.WriteJSON(w, http.StatusOK, organisationJSON{*o, current})
}

// memberJSON is a member as the API shows it.
func memberJSON(m *bulwark.Member, now time.Time) map[string]any {
	return map[string]any{"id": m.ID, "user_id": m.UserID, "email": m.Email, "name": m.Name, "role": m.Role,
		"expires_at": m.ExpiresAt, "deactivated_at": m.DeactivatedAt, "status": m.Status(now), "created_at": m.CreatedAt, "version": m.Version}
}

func (s *handlers) apiMembers(w http.ResponseWriter, r *http.Request) {
	ms, err := s.svc.Members(r.Context(), web.PrincipalFrom(r))
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	now := time.Now()
	items := make([]any, 0, len(ms))
	for _, m := range ms {
		if r.URL.Query().Get("status") != "" && m.Status(now) != r.URL.Query().Get("status") {
			continue
		}
		items = append(items, memberJSON(m, now))
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": items, "next_cursor": nil})
}

func (s *handlers) findMember(r *http.Request) (*bulwark.Member, error) {
	ms, err := s.svc.Members(r.Context(), web.PrincipalFrom(r))
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		if m.ID == r.PathValue("id") {
			return m, nil
		}
	}
	return nil, bulwark.Errorf(bulwark.ENOTFOUND, "Member not found.")
}

func (s *handlers) apiMember(w http.ResponseWriter, r *http.Request) {
	m, err := s.findMember(r)
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	w.Header().Set("ETag", fmt.Sprintf(`"%d"`, m.Version))
	web.WriteJSON(w, http.StatusOK, memberJSON(m, time.Now()))
}

func (s *handlers) apiMemberPatch(w http.ResponseWriter, r *http.Request) {
	if _, err := s.findMember(r); err != nil { // the member first: another organisation's id is a 404 whatever the body
		s.Problem(w, r, err)
		return
	}
	vals, expect, err := s.Decode(w, r, MemberEntity)
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	u := app.MemberUpdate{ExpectVersion: expect, Active: vals.Bool("active")}
	if role := vals.Str("role"); role != nil {
		rl := bulwark.Role(*role) // one of the roles: the declaration checked it
		u.Role = &rl
	}
	if exp := vals.NullStr("expires_at"); exp != nil {
		var at *time.Time
		if *exp != nil {
			t, err := time.Parse(time.RFC3339, **exp) // checked by the declaration
			if err != nil {
				s.Problem(w, r, bulwark.Invalid("expires_at", "must be a time such as 2027-01-31T00:00:00Z"))
				return
			}
			t = t.UTC()
			at = &t
		}
		u.ExpiresAt = &at
	}
	m, err := s.svc.UpdateMember(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), u)
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	w.Header().Set("ETag", fmt.Sprintf(`"%d"`, m.Version))
	web.WriteJSON(w, http.StatusOK, memberJSON(m, time.Now()))
}

func (s *handlers) apiMemberReset(w http.ResponseWriter, r *http.Request) {
	link, err := s.svc.IssuePasswordReset(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, map[string]any{"link": link, "expires_in_seconds": int(app.PasswordResetTTL.Seconds())})
}

func invitationJSON(i *bulwark.Invitation, now time.Time) map[string]any {
	m := map[string]any{"id": i.ID, "email": i.Email, "role": i.Role, "status": i.Status(now), "created_by": i.CreatedBy,
		"created_at": i.CreatedAt, "expires_at": i.ExpiresAt, "accepted_at": i.AcceptedAt, "revoked_at": i.RevokedAt}
	if i.Link != "" {
		m["link"] = i.Link
	}
	return m
}

func (s *handlers) apiInvitations(w http.ResponseWriter, r *http.Request) {
	invs, err := s.svc.Invitations(r.Context(), web.PrincipalFrom(r))
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	now := time.Now()
	items := make([]any, 0, len(invs))
	for _, i := range invs {
		items = append(items, invitationJSON(i, now))
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": items, "next_cursor": nil})
}

func (s *handlers) apiInvite(w http.ResponseWriter, r *http.Request) {
	vals, _, err := s.Decode(w, r, InvitationEntity)
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	inv, err := s.svc.Invite(r.Context(), web.PrincipalFrom(r), *vals.Str("email"), bulwark.Role(*vals.Str("role")))
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/invitations/"+inv.ID)
	web.WriteJSON(w, http.StatusCreated, invitationJSON(inv, time.Now()))
}

func (s *handlers) apiInvitation(w http.ResponseWriter, r *http.Request) {
	inv, err := s.svc.Invitation(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, invitationJSON(inv, time.Now()))
}

func (s *handlers) apiToken(w http.ResponseWriter, r *http.Request) {
	t, err := s.svc.Token(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, t)
}

func (s *handlers) apiInvitationRevoke(w http.ResponseWriter, r *http.Request) {
	if err := s.svc.RevokeInvitation(r.Context(), web.PrincipalFrom(r), r.PathValue("id")); err != nil {
		s.Problem(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *handlers) apiTokens(w http.ResponseWriter, r *http.Request) {
	ts, err := s.svc.Tokens(r.Context(), web.PrincipalFrom(r), r.URL.Query().Get("all") == "true")
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	if ts == nil {
		ts = []*bulwark.APIToken{}
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": ts, "next_cursor": nil})
}

func (s *handlers) apiTokenCreate(w http.ResponseWriter, r *http.Request) {
	vals, _, err := s.Decode(w, r, TokenEntity)
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	var name, scope string
	if v := vals.Str("name"); v != nil {
		name = *v
	}
	if v := vals.Str("scope"); v != nil {
		scope = *v
	}
	t, err := s.svc.CreateToken(r.Context(), web.PrincipalFrom(r), "", name, scope)
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/tokens/"+t.ID)
	web.WriteJSON(w, http.StatusCreated, t)
}

func (s *handlers) apiTokenRevoke(w http.ResponseWriter, r *http.Request) {
	if err := s.svc.RevokeToken(r.Context(), web.PrincipalFrom(r), r.PathValue("id")); err != nil {
		s.Problem(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// auditFilter reads the audit-log filters of a query string.
func auditFilter(r *http.Request) (bulwark.AuditFilter, error) {
	q := r.URL.Query()
	f := bulwark.AuditFilter{ActorID: q.Get("actor"), EntityType: q.Get("entity_type"), EntityID: q.Get("entity_id"), Action: q.Get("action")}
	var v bulwark.Validation
	for _, k := range []struct {
		name string
		dst  **time.Time
	}{{"from", &f.From}, {"to", &f.To}} {
		if s := q.Get(k.name); s != "" {
			t, err := parseDateOrTime(s)
			if err != nil {
				v.Add(k.name, "must be a date (2026-01-31) or time (2026-01-31T12:00:00Z)")
				continue
			}
			if k.name == "to" && len(s) == 10 {
				t = t.Add(24 * time.Hour) // a "to" date includes that whole day
			}
			*k.dst = &t
		}
	}
	f.Limit = web.PageLimit(q, &v)
	if c := q.Get("cursor"); c != "" {
		b, err := base64.RawURLEncoding.DecodeString(c)
		seq, err2 := strconv.ParseInt(strings.TrimPrefix(string(b), "s:"), 10, 64)
		if err != nil || err2 != nil || !strings.HasPrefix(string(b), "s:") {
			v.Add("cursor", "is not a cursor returned by this list")
		}
		f.BeforeSeq = seq
	}
	return f, v.Err()
}

func parseDateOrTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	return time.Parse("2006-01-02", s)
}

func cursorFor(seq int64) any {
	if seq == 0 {
		return nil
	}
	return base64.RawURLEncoding.EncodeToString([]byte("s:" + strconv.FormatInt(seq, 10)))
}

func (s *handlers) apiAuditLog(w http.ResponseWriter, r *http.Request) {
	f, err := auditFilter(r)
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	page, err := s.svc.AuditLog(r.Context(), web.PrincipalFrom(r), f)
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	items := page.Entries
	if items == nil {
		items = []*bulwark.AuditEntry{}
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": items, "next_cursor": cursorFor(page.Next), "head": page.Head})
}

func (s *handlers) apiAuditHead(w http.ResponseWriter, r *http.Request) {
	h, err := s.svc.AuditHead(r.Context(), web.PrincipalFrom(r))
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, h)
}

func (s *handlers) apiAuditExport(w http.ResponseWriter, r *http.Request) {
	s.exportAudit(w, r)
}

// exportAudit streams the audit log as CSV or JSON to the response.
func (s *handlers) exportAudit(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	format := r.FormValue("format")
	if format == "" {
		format = "csv"
	}
	if format != "csv" && format != "json" {
		s.ProblemOrPage(w, r, bulwark.Invalid("format", "must be csv or json"))
		return
	}
	head, err := s.svc.PrepareAuditExport(r.Context(), p, format)
	if err != nil {
		s.ProblemOrPage(w, r, err)
		return
	}
	ct := map[string]string{"csv": "text/csv; charset=utf-8", "json": "application/json"}[format]
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="audit-log-%s-%s.%s"`, p.Org.Slug, time.Now().UTC().Format("20060102T150405Z"), format))
	w.Header().Set("X-Bulwark-Chain-Head", fmt.Sprintf("%d %s", head.Seq, head.Hash))
	if err := s.svc.StreamAuditExport(r.Context(), p, format, head, w); err != nil {
		// The status is sent: abort the connection so the client sees a broken download, not a short file.
		s.Log().Error("audit log export failed", "request_id", web.RequestID(r), "err", err)
		panic(http.ErrAbortHandler)
	}
}

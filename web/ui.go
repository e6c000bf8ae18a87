package web

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
)

// ParseForm reads a form body of at most 1 MB.
func ParseForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return bulwark.Errorf(bulwark.ETOOLARGE, "The form is larger than 1 MB.")
		}
		return bulwark.Errorf(bulwark.EMALFORMED, "The form could not be read.")
	}
	return nil
}

// safeNext keeps a post-sign-in redirect on this site: a path, rebuilt from its
// parsed form, with no scheme, host, backslash or control character (browsers drop
// tabs and newlines, which would turn "/\t/evil" into "//evil").
func safeNext(next string) string {
	for _, c := range next {
		if c < 0x20 || c == 0x7f || c == '\\' {
			return "/"
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return "/"
	}
	out := u.EscapedPath()
	if u.RawQuery != "" {
		out += "?" + u.RawQuery
	}
	return out
}

func (s *Server) signinPage(w http.ResponseWriter, r *http.Request) {
	if need, err := s.svc.NeedsSetup(r.Context()); err == nil && need {
		http.Redirect(w, r, "/setup", http.StatusSeeOther)
		return
	}
	if userFrom(r) != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	s.Render(w, r, http.StatusOK, "signin", &Page{Title: "Sign in", Form: map[string]string{"next": r.URL.Query().Get("next")}})
}

func (s *Server) signinSubmit(w http.ResponseWriter, r *http.Request) {
	pg := &Page{Title: "Sign in"}
	if err := ParseForm(w, r); err != nil {
		s.FormError(w, r, "signin", pg, err)
		return
	}
	pg.Form = formValues(r, "email", "next")
	var v bulwark.Validation
	if strings.TrimSpace(r.FormValue("email")) == "" {
		v.Add("email", "is required")
	}
	if r.FormValue("password") == "" {
		v.Add("password", "is required")
	}
	if err := v.Err(); err != nil {
		s.FormError(w, r, "signin", pg, err)
		return
	}
	secret, _, err := s.svc.SignIn(r.Context(), r.FormValue("email"), r.FormValue("password"), s.clientIP(r), r.UserAgent(), RequestID(r))
	if err != nil {
		s.FormError(w, r, "signin", pg, err)
		return
	}
	if old := sessionSecret(r, s.cookieName()); old != "" { // never keep a session id across sign-ins
		if u := userFrom(r); u != nil {
			_ = s.svc.SignOut(r.Context(), old, u, s.meta(r))
		}
	}
	s.setSessionCookie(w, secret)
	http.Redirect(w, r, safeNext(r.FormValue("next")), http.StatusSeeOther)
}

func (s *Server) setupPage(w http.ResponseWriter, r *http.Request) {
	need, err := s.svc.NeedsSetup(r.Context())
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	if !need {
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
		return
	}
	s.Render(w, r, http.StatusOK, "setup", &Page{Title: "Set up Bulwark"})
}

func (s *Server) setupSubmit(w http.ResponseWriter, r *http.Request) {
	pg := &Page{Title: "Set up Bulwark"}
	if err := ParseForm(w, r); err != nil {
		s.FormError(w, r, "setup", pg, err)
		return
	}
	pg.Form = formValues(r, "code", "org", "name", "email")
	org, _, err := s.svc.FirstRunSetup(r.Context(), r.FormValue("code"), app.NewOrganisation{
		Name: r.FormValue("org"), OwnerEmail: r.FormValue("email"), OwnerName: r.FormValue("name"), Password: r.FormValue("password"),
	}, s.meta(r))
	if err != nil {
		s.FormError(w, r, "setup", pg, err)
		return
	}
	secret, _, err := s.svc.SignIn(r.Context(), r.FormValue("email"), r.FormValue("password"), s.clientIP(r), r.UserAgent(), RequestID(r))
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	s.setSessionCookie(w, secret)
	http.Redirect(w, r, "/o/"+org.Slug+"/", http.StatusSeeOther)
}

func (s *Server) invitationPage(w http.ResponseWriter, r *http.Request) {
	inv, err := s.svc.InvitationByLink(r.Context(), r.PathValue("token"))
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	s.Render(w, r, http.StatusOK, "invitation", &Page{Title: "Join " + inv.Org.Name, Data: inv, Form: map[string]string{"next": r.URL.Path}})
}

func (s *Server) invitationSubmit(w http.ResponseWriter, r *http.Request) {
	inv, err := s.svc.InvitationByLink(r.Context(), r.PathValue("token"))
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	pg := &Page{Title: "Join " + inv.Org.Name, Data: inv, Form: map[string]string{"next": r.URL.Path}}
	if err := ParseForm(w, r); err != nil {
		s.FormError(w, r, "invitation", pg, err)
		return
	}
	pg.Form["name"] = r.FormValue("name")
	secret, org, err := s.svc.AcceptInvitation(r.Context(), r.PathValue("token"), userFrom(r), r.FormValue("name"), r.FormValue("password"), s.meta(r))
	if err != nil {
		s.FormError(w, r, "invitation", pg, err)
		return
	}
	if secret != "" {
		s.setSessionCookie(w, secret)
	}
	http.Redirect(w, r, "/o/"+org.Slug+"/", http.StatusSeeOther)
}

func (s *Server) resetPage(w http.ResponseWriter, r *http.Request) {
	if err := s.svc.CheckPasswordReset(r.Context(), r.PathValue("token")); err != nil {
		s.RenderError(w, r, err)
		return
	}
	s.Render(w, r, http.StatusOK, "reset", &Page{Title: "Choose a new password"})
}

func (s *Server) resetSubmit(w http.ResponseWriter, r *http.Request) {
	pg := &Page{Title: "Choose a new password"}
	if err := ParseForm(w, r); err != nil {
		s.FormError(w, r, "reset", pg, err)
		return
	}
	if err := s.svc.ResetPassword(r.Context(), r.PathValue("token"), r.FormValue("password"), s.meta(r)); err != nil {
		s.FormError(w, r, "reset", pg, err)
		return
	}
	s.clearSessionCookie(w)
	s.Render(w, r, http.StatusOK, "signin", &Page{Title: "Sign in", User: nil, Notice: "Your password was changed. Sign in with the new one."})
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	orgs, err := s.svc.Memberships(r.Context(), userFrom(r).ID)
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	if len(orgs) == 1 {
		http.Redirect(w, r, "/o/"+orgs[0].Org.Slug+"/", http.StatusSeeOther)
		return
	}
	s.Render(w, r, http.StatusOK, "orgs", &Page{Title: "Your organisations", Orgs: orgs})
}

func (s *Server) signout(w http.ResponseWriter, r *http.Request) {
	secret, _ := r.Context().Value(sessionKey).(string)
	if err := s.svc.SignOut(r.Context(), secret, userFrom(r), s.meta(r)); err != nil {
		s.RenderError(w, r, err)
		return
	}
	s.clearSessionCookie(w)
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}

func (s *Server) accountPage(w http.ResponseWriter, r *http.Request) {
	pg := &Page{Title: "Your account"}
	if r.URL.Query().Get("changed") == "1" {
		pg.Notice = "Your password was changed; other sessions were signed out."
	}
	s.Render(w, r, http.StatusOK, "account", pg)
}

func (s *Server) accountPassword(w http.ResponseWriter, r *http.Request) {
	pg := &Page{Title: "Your account"}
	if err := ParseForm(w, r); err != nil {
		s.FormError(w, r, "account", pg, err)
		return
	}
	secret, err := s.svc.ChangePassword(r.Context(), userFrom(r), r.FormValue("current_password"), r.FormValue("new_password"), s.meta(r))
	if err != nil {
		s.FormError(w, r, "account", pg, err)
		return
	}
	s.setSessionCookie(w, secret)
	http.Redirect(w, r, "/account?changed=1", http.StatusSeeOther)
}

func (s *Server) signOutEverywhere(w http.ResponseWriter, r *http.Request) {
	if err := s.svc.SignOutEverywhere(r.Context(), userFrom(r), s.meta(r)); err != nil {
		s.RenderError(w, r, err)
		return
	}
	s.clearSessionCookie(w)
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}

func (s *Server) newOrgPage(w http.ResponseWriter, r *http.Request) {
	s.Render(w, r, http.StatusOK, "neworg", &Page{Title: "Create an organisation"})
}

func (s *Server) newOrgSubmit(w http.ResponseWriter, r *http.Request) {
	pg := &Page{Title: "Create an organisation"}
	if err := ParseForm(w, r); err != nil {
		s.FormError(w, r, "neworg", pg, err)
		return
	}
	pg.Form = formValues(r, "org", "slug")
	org, err := s.svc.CreateOrganisationFor(r.Context(), userFrom(r), r.FormValue("org"), strings.TrimSpace(r.FormValue("slug")), s.meta(r))
	if err != nil {
		s.FormError(w, r, "neworg", pg, err)
		return
	}
	http.Redirect(w, r, "/o/"+org.Slug+"/", http.StatusSeeOther)
}

func (s *Server) switchOrg(w http.ResponseWriter, r *http.Request) {
	slug := r.URL.Query().Get("org")
	if !bulwark.ValidSlug(slug) {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/o/"+slug+"/", http.StatusSeeOther)
}

func (s *Server) dashboardPage(w http.ResponseWriter, r *http.Request) {
	d, err := s.svc.Dashboard(r.Context(), PrincipalFrom(r))
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	var parts []template.HTML
	for _, part := range s.dashboards {
		h, err := part(r)
		if err != nil {
			s.RenderError(w, r, err)
			return
		}
		parts = append(parts, h)
	}
	data := map[string]any{"Counts": d, "Parts": parts}
	s.Render(w, r, http.StatusOK, "dashboard", &Page{Title: "Dashboard", Nav: "dashboard", Data: data})
}

func (s *Server) sectionPage(sec Section) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.Render(w, r, http.StatusOK, "section", &Page{Title: sec.Title, Nav: sec.Slug, Data: sec})
	}
}

type membersData struct {
	Members      []*bulwark.Member
	Invitations  []*bulwark.Invitation
	Roles        []bulwark.Role
	NewLink      string
	NewLinkLabel string
}

// membersPageWith renders the members page with an optional notice, link or error.
func (s *Server) membersPageWith(w http.ResponseWriter, r *http.Request, status int, pg *Page) {
	p := PrincipalFrom(r)
	ms, err := s.svc.Members(r.Context(), p)
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	invs, err := s.svc.Invitations(r.Context(), p)
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	d, _ := pg.Data.(*membersData)
	if d == nil {
		d = &membersData{}
	}
	d.Members, d.Invitations, d.Roles = ms, invs, bulwark.Roles
	pg.Title, pg.Nav, pg.Data = "Members", "members", d
	s.Render(w, r, status, "members", pg)
}

func (s *Server) membersPage(w http.ResponseWriter, r *http.Request) {
	pg := &Page{}
	if n := r.URL.Query().Get("done"); n != "" {
		pg.Notice = map[string]string{"role": "The role was changed.", "expiry": "The membership expiry was saved.",
			"deactivated": "The member was deactivated; their sessions and tokens ended.", "reactivated": "The member was reactivated.",
			"revoked": "The invitation was revoked."}[n]
	}
	s.membersPageWith(w, r, http.StatusOK, pg)
}

// memberAction runs a change from the members page and reports its outcome there.
func (s *Server) memberAction(w http.ResponseWriter, r *http.Request, done string, fn func(p *bulwark.Principal) error) {
	if err := ParseForm(w, r); err != nil {
		s.RenderError(w, r, err)
		return
	}
	if err := fn(PrincipalFrom(r)); err != nil {
		if bulwark.ErrorCode(err) == bulwark.EINTERNAL {
			s.RenderError(w, r, err)
			return
		}
		RetryAfter(w, err)
		s.membersPageWith(w, r, s.ErrorStatus(r, err), &Page{Error: bulwark.ErrorMessage(err), Fields: FieldsOf(err)})
		return
	}
	http.Redirect(w, r, "/o/"+PrincipalFrom(r).Org.Slug+"/members?done="+done, http.StatusSeeOther)
}

func FieldsOf(err error) []bulwark.FieldError { return bulwark.FieldErrors(err) }

func (s *Server) memberRole(w http.ResponseWriter, r *http.Request) {
	s.memberAction(w, r, "role", func(p *bulwark.Principal) error {
		if _, err := s.findMember(r); err != nil { // the member first: another organisation's id is a 404 whatever the form
			return err
		}
		role, err := bulwark.ParseRole(r.FormValue("role"))
		if err != nil {
			return err
		}
		u := app.MemberUpdate{Role: &role}
		if v, err := strconv.Atoi(r.FormValue("version")); err == nil {
			u.ExpectVersion = &v
		}
		_, err = s.svc.UpdateMember(r.Context(), p, r.PathValue("id"), u)
		return err
	})
}

func (s *Server) memberExpiry(w http.ResponseWriter, r *http.Request) {
	s.memberAction(w, r, "expiry", func(p *bulwark.Principal) error {
		var exp *time.Time
		if v := strings.TrimSpace(r.FormValue("expires_at")); v != "" {
			t, err := time.Parse("2006-01-02", v)
			if err != nil {
				return bulwark.Invalid("expires_at", "must be a date such as 2026-12-31")
			}
			exp = &t
		}
		_, err := s.svc.UpdateMember(r.Context(), p, r.PathValue("id"), app.MemberUpdate{ExpiresAt: &exp})
		return err
	})
}

func (s *Server) memberActive(active bool) http.HandlerFunc {
	done := "deactivated"
	if active {
		done = "reactivated"
	}
	return func(w http.ResponseWriter, r *http.Request) {
		s.memberAction(w, r, done, func(p *bulwark.Principal) error {
			_, err := s.svc.UpdateMember(r.Context(), p, r.PathValue("id"), app.MemberUpdate{Active: &active})
			return err
		})
	}
}

func (s *Server) memberResetLink(w http.ResponseWriter, r *http.Request) {
	link, err := s.svc.IssuePasswordReset(r.Context(), PrincipalFrom(r), r.PathValue("id"))
	if err != nil {
		if bulwark.ErrorCode(err) == bulwark.EINTERNAL {
			s.RenderError(w, r, err)
			return
		}
		s.membersPageWith(w, r, s.ErrorStatus(r, err), &Page{Error: bulwark.ErrorMessage(err)})
		return
	}
	s.membersPageWith(w, r, http.StatusOK, &Page{Data: &membersData{NewLink: link, NewLinkLabel: "Password reset link created (valid 24 hours)."}})
}

func (s *Server) inviteSubmit(w http.ResponseWriter, r *http.Request) {
	if err := ParseForm(w, r); err != nil {
		s.RenderError(w, r, err)
		return
	}
	inv, err := s.svc.Invite(r.Context(), PrincipalFrom(r), r.FormValue("email"), bulwark.Role(r.FormValue("role")))
	if err != nil {
		if bulwark.ErrorCode(err) == bulwark.EINTERNAL {
			s.RenderError(w, r, err)
			return
		}
		s.membersPageWith(w, r, s.ErrorStatus(r, err), &Page{Error: bulwark.ErrorMessage(err), Fields: FieldsOf(err), Form: formValues(r, "email")})
		return
	}
	s.membersPageWith(w, r, http.StatusCreated, &Page{Data: &membersData{NewLink: inv.Link,
		NewLinkLabel: "Invitation for " + inv.Email + " as " + inv.Role.Label() + " created (valid 7 days)."}})
}

func (s *Server) invitationRevoke(w http.ResponseWriter, r *http.Request) {
	s.memberAction(w, r, "revoked", func(p *bulwark.Principal) error {
		return s.svc.RevokeInvitation(r.Context(), p, r.PathValue("id"))
	})
}

type tokensData struct {
	Tokens []*bulwark.APIToken
	New    *bulwark.APIToken
	All    bool
}

func (s *Server) tokensPageWith(w http.ResponseWriter, r *http.Request, status int, pg *Page, created *bulwark.APIToken) {
	p := PrincipalFrom(r)
	all := p.Can(bulwark.PermMembersManage)
	ts, err := s.svc.Tokens(r.Context(), p, all)
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	pg.Title, pg.Nav, pg.Data = "API tokens", "tokens", &tokensData{Tokens: ts, New: created, All: all}
	s.Render(w, r, status, "tokens", pg)
}

func (s *Server) tokensPage(w http.ResponseWriter, r *http.Request) {
	pg := &Page{}
	if r.URL.Query().Get("done") == "revoked" {
		pg.Notice = "The token was revoked."
	}
	s.tokensPageWith(w, r, http.StatusOK, pg, nil)
}

func (s *Server) tokenCreate(w http.ResponseWriter, r *http.Request) {
	if err := ParseForm(w, r); err != nil {
		s.RenderError(w, r, err)
		return
	}
	t, err := s.svc.CreateToken(r.Context(), PrincipalFrom(r), "", r.FormValue("name"), "")
	if err != nil {
		if bulwark.ErrorCode(err) == bulwark.EINTERNAL {
			s.RenderError(w, r, err)
			return
		}
		s.tokensPageWith(w, r, s.ErrorStatus(r, err), &Page{Error: bulwark.ErrorMessage(err), Fields: FieldsOf(err), Form: formValues(r, "name")}, nil)
		return
	}
	s.tokensPageWith(w, r, http.StatusCreated, &Page{}, t)
}

func (s *Server) tokenRevoke(w http.ResponseWriter, r *http.Request) {
	if err := s.svc.RevokeToken(r.Context(), PrincipalFrom(r), r.PathValue("id")); err != nil {
		s.RenderError(w, r, err)
		return
	}
	http.Redirect(w, r, "/o/"+PrincipalFrom(r).Org.Slug+"/tokens?done=revoked", http.StatusSeeOther)
}

type auditData struct {
	Page    *app.AuditPage
	Q       map[string]string
	NextURL string
	Actors  map[string]string
}

func (s *Server) auditLogPage(w http.ResponseWriter, r *http.Request) {
	f, err := auditFilter(r)
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	p := PrincipalFrom(r)
	pg, err := s.svc.AuditLog(r.Context(), p, f)
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	q := map[string]string{}
	for _, k := range []string{"actor", "entity_type", "action", "from", "to"} {
		q[k] = r.URL.Query().Get(k)
	}
	d := &auditData{Page: pg, Q: q, Actors: map[string]string{}}
	if ms, err := s.svc.Members(r.Context(), p); err == nil {
		for _, m := range ms {
			d.Actors[m.UserID] = m.Name + " <" + m.Email + ">"
		}
	}
	if pg.Next > 0 {
		v := url.Values{}
		for k, val := range q {
			if val != "" {
				v.Set(k, val)
			}
		}
		v.Set("cursor", cursorFor(pg.Next).(string))
		d.NextURL = "?" + v.Encode()
	}
	s.Render(w, r, http.StatusOK, "auditlog", &Page{Title: "Audit log", Nav: "audit-log", Data: d})
}

func (s *Server) auditLogExportUI(w http.ResponseWriter, r *http.Request) { s.exportAudit(w, r) }

func (s *Server) settingsForm(o bulwark.Organisation) map[string]string {
	sod := ""
	if o.Settings.SegregationOfDuties {
		sod = "on"
	}
	return map[string]string{"name": o.Name, "time_zone": o.Settings.TimeZone, "date_order": o.Settings.DateOrder, "segregation_of_duties": sod}
}

func (s *Server) settingsPage(w http.ResponseWriter, r *http.Request) {
	pg := &Page{Title: "Settings", Nav: "settings", Form: s.settingsForm(PrincipalFrom(r).Org)}
	scheme, err := s.svc.Classifications(r.Context(), PrincipalFrom(r))
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	pg.Form["classification_scheme"] = strings.Join(scheme, "\n")
	if r.URL.Query().Get("done") == "1" {
		pg.Notice = "Settings saved."
	}
	s.Render(w, r, http.StatusOK, "settings", pg)
}

func (s *Server) settingsSubmit(w http.ResponseWriter, r *http.Request) {
	pg := &Page{Title: "Settings", Nav: "settings"}
	if err := ParseForm(w, r); err != nil {
		s.FormError(w, r, "settings", pg, err)
		return
	}
	pg.Form = formValues(r, "name", "time_zone", "date_order", "segregation_of_duties", "classification_scheme")
	name, tz, order := r.FormValue("name"), r.FormValue("time_zone"), r.FormValue("date_order")
	sod := r.FormValue("segregation_of_duties") == "on"
	_, err := s.svc.UpdateSettings(r.Context(), PrincipalFrom(r), app.SettingsUpdate{Name: &name, TimeZone: &tz, DateOrder: &order, SegregationOfDuties: &sod})
	if err == nil && r.Form.Has("classification_scheme") {
		_, err = s.svc.SetClassificationScheme(r.Context(), PrincipalFrom(r), strings.Split(strings.ReplaceAll(r.FormValue("classification_scheme"), "\r", ""), "\n"))
	}
	if err != nil {
		s.FormError(w, r, "settings", pg, err)
		return
	}
	http.Redirect(w, r, "/o/"+PrincipalFrom(r).Org.Slug+"/settings?done=1", http.StatusSeeOther)
}

package organisation

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/web"
)

type membersData struct {
	Members      []*bulwark.Member
	Invitations  []*bulwark.Invitation
	Roles        []bulwark.Role
	NewLink      string
	NewLinkLabel string
}

// membersPageWith renders the members page with an optional notice, link or error.
func (s *handlers) membersPageWith(w http.ResponseWriter, r *http.Request, status int, pg *web.Page) {
	p := web.PrincipalFrom(r)
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

func (s *handlers) membersPage(w http.ResponseWriter, r *http.Request) {
	pg := &web.Page{}
	if n := r.URL.Query().Get("done"); n != "" {
		pg.Notice = map[string]string{"role": "The role was changed.", "expiry": "The membership expiry was saved.",
			"deactivated": "The member was deactivated; their sessions and tokens ended.", "reactivated": "The member was reactivated.",
			"revoked": "The invitation was revoked."}[n]
	}
	s.membersPageWith(w, r, http.StatusOK, pg)
}

// memberAction runs a change from the members page and reports its outcome there.
func (s *handlers) memberAction(w http.ResponseWriter, r *http.Request, done string, fn func(p *bulwark.Principal) error) {
	if err := web.ParseForm(w, r); err != nil {
		s.RenderError(w, r, err)
		return
	}
	if err := fn(web.PrincipalFrom(r)); err != nil {
		if bulwark.ErrorCode(err) == bulwark.EINTERNAL {
			s.RenderError(w, r, err)
			return
		}
		web.RetryAfter(w, err)
		s.membersPageWith(w, r, s.ErrorStatus(r, err), &web.Page{Error: bulwark.ErrorMessage(err), Fields: web.FieldsOf(err)})
		return
	}
	http.Redirect(w, r, "/o/"+web.PrincipalFrom(r).Org.Slug+"/members?done="+done, http.StatusSeeOther)
}

func (s *handlers) memberRole(w http.ResponseWriter, r *http.Request) {
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

func (s *handlers) memberExpiry(w http.ResponseWriter, r *http.Request) {
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

func (s *handlers) memberActive(active bool) http.HandlerFunc {
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

func (s *handlers) memberResetLink(w http.ResponseWriter, r *http.Request) {
	link, err := s.svc.IssuePasswordReset(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
	if err != nil {
		if bulwark.ErrorCode(err) == bulwark.EINTERNAL {
			s.RenderError(w, r, err)
			return
		}
		s.membersPageWith(w, r, s.ErrorStatus(r, err), &web.Page{Error: bulwark.ErrorMessage(err)})
		return
	}
	s.membersPageWith(w, r, http.StatusOK, &web.Page{Data: &membersData{NewLink: link, NewLinkLabel: "Password reset link created (valid 24 hours)."}})
}

func (s *handlers) inviteSubmit(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(w, r); err != nil {
		s.RenderError(w, r, err)
		return
	}
	inv, err := s.svc.Invite(r.Context(), web.PrincipalFrom(r), r.FormValue("email"), bulwark.Role(r.FormValue("role")))
	if err != nil {
		if bulwark.ErrorCode(err) == bulwark.EINTERNAL {
			s.RenderError(w, r, err)
			return
		}
		s.membersPageWith(w, r, s.ErrorStatus(r, err), &web.Page{Error: bulwark.ErrorMessage(err), Fields: web.FieldsOf(err), Form: web.FormValues(r, "email")})
		return
	}
	s.membersPageWith(w, r, http.StatusCreated, &web.Page{Data: &membersData{NewLink: inv.Link,
		NewLinkLabel: "Invitation for " + inv.Email + " as " + inv.Role.Label() + " created (valid 7 days)."}})
}

func (s *handlers) invitationRevoke(w http.ResponseWriter, r *http.Request) {
	s.memberAction(w, r, "revoked", func(p *bulwark.Principal) error {
		return s.svc.RevokeInvitation(r.Context(), p, r.PathValue("id"))
	})
}

type tokensData struct {
	Tokens []*bulwark.APIToken
	New    *bulwark.APIToken
	All    bool
}

func (s *handlers) tokensPageWith(w http.ResponseWriter, r *http.Request, status int, pg *web.Page, created *bulwark.APIToken) {
	p := web.PrincipalFrom(r)
	all := p.Can(bulwark.PermMembersManage)
	ts, err := s.svc.Tokens(r.Context(), p, all)
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	pg.Title, pg.Nav, pg.Data = "API tokens", "tokens", &tokensData{Tokens: ts, New: created, All: all}
	s.Render(w, r, status, "tokens", pg)
}

func (s *handlers) tokensPage(w http.ResponseWriter, r *http.Request) {
	pg := &web.Page{}
	if r.URL.Query().Get("done") == "revoked" {
		pg.Notice = "The token was revoked."
	}
	s.tokensPageWith(w, r, http.StatusOK, pg, nil)
}

func (s *handlers) tokenCreate(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(w, r); err != nil {
		s.RenderError(w, r, err)
		return
	}
	t, err := s.svc.CreateToken(r.Context(), web.PrincipalFrom(r), "", r.FormValue("name"), "")
	if err != nil {
		if bulwark.ErrorCode(err) == bulwark.EINTERNAL {
			s.RenderError(w, r, err)
			return
		}
		s.tokensPageWith(w, r, s.ErrorStatus(r, err), &web.Page{Error: bulwark.ErrorMessage(err), Fields: web.FieldsOf(err), Form: web.FormValues(r, "name")}, nil)
		return
	}
	s.tokensPageWith(w, r, http.StatusCreated, &web.Page{}, t)
}

func (s *handlers) tokenRevoke(w http.ResponseWriter, r *http.Request) {
	if err := s.svc.RevokeToken(r.Context(), web.PrincipalFrom(r), r.PathValue("id")); err != nil {
		s.RenderError(w, r, err)
		return
	}
	http.Redirect(w, r, "/o/"+web.PrincipalFrom(r).Org.Slug+"/tokens?done=revoked", http.StatusSeeOther)
}

type auditData struct {
	Page    *app.AuditPage
	Q       map[string]string
	NextURL string
	Names   map[string]string // user and member ids → the member's name, for the actor column and changes
	People  []app.MemberRef   // the actor filter's choices
	Unknown string            // an actor filter that matched nobody

	labels func(entityType string) web.Labeller
}

// Changes reads an entry's changes with the labels its entity type declares and the members named.
func (d *auditData) Changes(entityType string, raw json.RawMessage) []web.Change {
	return web.ChangesLabelled(d.labels(entityType), d.Names, raw)
}

func (s *handlers) auditLogPage(w http.ResponseWriter, r *http.Request) {
	f, err := auditFilter(r)
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	p := web.PrincipalFrom(r)
	ms, err := s.svc.AuditPeople(r.Context(), p)
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	d := &auditData{Q: map[string]string{}, Names: map[string]string{}, People: ms, labels: s.FieldLabeller}
	for _, m := range ms {
		d.Names[m.UserID], d.Names[m.ID] = m.Name, m.Name
	}
	// The page filters by person: an id from the menu, or a name or email typed into the address.
	if a := f.ActorID; a != "" && d.Names[a] == "" && !strings.HasPrefix(a, "cli:") {
		var match []app.MemberRef
		for _, m := range ms {
			if strings.Contains(strings.ToLower(m.Name), strings.ToLower(a)) || strings.EqualFold(m.Email, a) {
				match = append(match, m)
			}
		}
		if len(match) == 1 {
			f.ActorID = match[0].UserID
		} else {
			d.Unknown = a
		}
	}
	pg, err := s.svc.AuditLog(r.Context(), p, f)
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	d.Page = pg
	for _, k := range []string{"entity_type", "action", "from", "to"} {
		d.Q[k] = r.URL.Query().Get(k)
	}
	d.Q["actor"] = f.ActorID
	if pg.Next > 0 {
		v := url.Values{}
		for k, val := range d.Q {
			if val != "" {
				v.Set(k, val)
			}
		}
		v.Set("cursor", cursorFor(pg.Next).(string))
		d.NextURL = "?" + v.Encode()
	}
	s.Render(w, r, http.StatusOK, "auditlog", &web.Page{Title: "Audit log", Nav: "audit-log", Data: d})
}

func (s *handlers) auditLogExportUI(w http.ResponseWriter, r *http.Request) { s.exportAudit(w, r) }

func (s *handlers) settingsForm(o bulwark.Organisation) map[string]string {
	sod := ""
	if o.Settings.SegregationOfDuties {
		sod = "on"
	}
	return map[string]string{"name": o.Name, "time_zone": o.Settings.TimeZone, "date_order": o.Settings.DateOrder, "segregation_of_duties": sod}
}

func (s *handlers) settingsPage(w http.ResponseWriter, r *http.Request) {
	pg := &web.Page{Title: "Settings", Nav: "settings", Form: s.settingsForm(web.PrincipalFrom(r).Org)}
	scheme, err := s.svc.Classifications(r.Context(), web.PrincipalFrom(r))
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

func (s *handlers) settingsSubmit(w http.ResponseWriter, r *http.Request) {
	pg := &web.Page{Title: "Settings", Nav: "settings"}
	if err := web.ParseForm(w, r); err != nil {
		s.FormError(w, r, "settings", pg, err)
		return
	}
	pg.Form = web.FormValues(r, "name", "time_zone", "date_order", "segregation_of_duties", "classification_scheme")
	name, tz, order := r.FormValue("name"), r.FormValue("time_zone"), r.FormValue("date_order")
	sod := r.FormValue("segregation_of_duties") == "on"
	_, err := s.svc.UpdateSettings(r.Context(), web.PrincipalFrom(r), app.SettingsUpdate{Name: &name, TimeZone: &tz, DateOrder: &order, SegregationOfDuties: &sod})
	if err == nil && r.Form.Has("classification_scheme") {
		_, err = s.svc.SetClassificationScheme(r.Context(), web.PrincipalFrom(r), strings.Split(strings.ReplaceAll(r.FormValue("classification_scheme"), "\r", ""), "\n"))
	}
	if err != nil {
		s.FormError(w, r, "settings", pg, err)
		return
	}
	http.Redirect(w, r, "/o/"+web.PrincipalFrom(r).Org.Slug+"/settings?done=1", http.StatusSeeOther)
}

package web

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"

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
	pg.Form = FormValues(r, "email", "next")
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
	pg.Form = FormValues(r, "code", "org", "name", "email")
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
	pg.Form = FormValues(r, "org", "slug")
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
	// The kernel's counts, the alerts, the areas' parts and My tasks are read side by side (see gather).
	var (
		d                *app.Dashboard
		alerts, parts    []template.HTML
		waiting          int
		taskParts        []template.HTML
		dErr, aErr, pErr error
		tErr             error
		wg               sync.WaitGroup
	)
	slots := newPartSlots()
	wg.Add(3)
	go func() { defer wg.Done(); d, dErr = s.svc.Dashboard(r.Context(), PrincipalFrom(r)) }()
	go func() { defer wg.Done(); alerts, aErr = gather(r, slots, s.alerts) }()
	go func() { defer wg.Done(); waiting, _, taskParts, tErr = s.myTasks(r, slots) }()
	parts, pErr = gather(r, slots, s.dashboards)
	wg.Wait()
	if err := firstError(dErr, aErr, pErr, tErr); err != nil {
		s.RenderError(w, r, err)
		return
	}
	alerts = slices.DeleteFunc(alerts, func(h template.HTML) bool { return h == "" })
	data := map[string]any{"Counts": d, "Alerts": alerts, "Parts": parts, "Waiting": waiting, "TaskParts": taskParts}
	s.Render(w, r, http.StatusOK, "dashboard", &Page{Title: "Dashboard", Nav: "dashboard", Data: data})
}

// firstError is the first of errs that is not nil.
func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func (s *Server) sectionPage(sec Section) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.Render(w, r, http.StatusOK, "section", &Page{Title: sec.Title, Nav: sec.Slug, Data: sec})
	}
}

func FieldsOf(err error) []bulwark.FieldError { return bulwark.FieldErrors(err) }

// FieldsText writes an error's field messages after its title, for a page that
// shows a refusal in one sentence rather than beside each field.
func FieldsText(err error) string {
	var out string
	for _, f := range bulwark.FieldErrors(err) {
		out += " " + f.Message + "."
	}
	return out
}

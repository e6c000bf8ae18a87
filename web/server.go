// Package web is Bulwark's HTTP adapter: the server-rendered UI and the JSON API
// over the app service. One route table declares every route with the permission
// it needs; the server refuses to start with a route that declares none.
package web

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/field"
)

//go:embed static templates
var assets embed.FS

// Config configures the HTTP server.
type Config struct {
	BaseURL        string         // public URL; https makes cookies Secure and __Host-
	TrustedProxies []netip.Prefix // whose X-Forwarded-For is believed
	MaxUpload      int64          // bytes
	Version        string
	// MetricsElsewhere: /metrics is served on a listener of its own (--metrics-addr), not here.
	MetricsElsewhere bool
	// ImportSlots is how many uploaded spreadsheets are parsed at once (default 2);
	// ImportWait how long another waits for a slot before a 503 (default 20s).
	ImportSlots int
	ImportWait  time.Duration
}

// Server serves the UI and the API.
type Server struct {
	svc     *app.Service
	cfg     Config
	log     *slog.Logger
	routes  []Route
	handler http.Handler
	pages   map[string]*template.Template
	metrics *metrics
	secure  bool

	importSlots chan struct{} // see importSlot

	sections   []Section                                      // the navigation, with Built set
	dashboards []func(r *http.Request) (template.HTML, error) // the areas' parts of the dashboard
	alerts     []func(r *http.Request) (template.HTML, error) // what cannot wait, first on the dashboard
	tasks      []func(r *http.Request) (Tasks, error)         // what the areas have waiting for someone
	entities   map[string]*field.Entity                       // the declared entities by lower-case name ("risk"), for labels
}

// New builds the server and its route table: the kernel's routes, then each
// area's in the order given (lower areas first).
func New(svc *app.Service, cfg Config, log *slog.Logger, areas ...Area) (*Server, error) {
	if log == nil {
		log = slog.Default()
	}
	if cfg.MaxUpload <= 0 {
		cfg.MaxUpload = 50 << 20
	}
	if cfg.ImportSlots <= 0 {
		cfg.ImportSlots = 2
	}
	if cfg.ImportWait <= 0 {
		cfg.ImportWait = 20 * time.Second
	}
	s := &Server{svc: svc, cfg: cfg, log: log, metrics: newMetrics(cfg.Version, svc.DB.Pools(), svc.DB.AuditAppends), secure: strings.HasPrefix(cfg.BaseURL, "https://"),
		importSlots: make(chan struct{}, cfg.ImportSlots)}
	var err error
	if s.pages, err = parsePages(); err != nil {
		return nil, err
	}
	s.routes = s.routeTable()
	if err := s.mount(areas); err != nil {
		return nil, err
	}
	s.addSections()
	s.entities = map[string]*field.Entity{}
	for _, rt := range s.routes {
		for _, e := range []*field.Entity{rt.Response, rt.Request} {
			if e != nil {
				s.entities[strings.ToLower(e.Name)] = e
			}
		}
	}
	mux := http.NewServeMux()
	for _, rt := range s.routes {
		if rt.Perm == "" {
			return nil, fmt.Errorf("route %s %s declares no permission", rt.Method, rt.Pattern)
		}
		mux.Handle(rt.Method+" "+rt.Pattern, s.authorize(rt))
	}
	static, _ := fs.Sub(assets, "static")
	fileServer := http.StripPrefix("/static/", http.FileServerFS(static))
	mux.Handle("GET /static/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		fileServer.ServeHTTP(w, r)
	}))
	mux.Handle("/", http.HandlerFunc(s.notFound))
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.ProblemOrPage(w, r, bulwark.Errorf(bulwark.EFORBIDDEN, "Cross-site request refused."))
	}))
	mux.Handle("GET /favicon.ico", http.RedirectHandler("/static/favicon.svg", http.StatusMovedPermanently))
	s.handler = s.observe(s.securityHeaders(compress(cop.Handler(mux))))
	return s, nil
}

// Log returns the server's logger.
func (s *Server) Log() *slog.Logger { return s.log }

// Routes returns the route table (for tests and the OpenAPI document).
func (s *Server) Routes() []Route { return s.routes }

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Route is one entry of the route table.
type Route struct {
	Method  string
	Pattern string
	Perm    bulwark.Permission
	Summary string
	Handler http.HandlerFunc

	// What the OpenAPI document says of an API route. Request and Response are
	// the same declarations the handler decodes and answers with.
	Request  *field.Entity  // the JSON body: a create (all required fields) for POST, a change for PATCH
	Response *field.Entity  // the JSON body of a success
	List     bool           // the success is a page {"items": [Response…], "next_cursor"}
	Status   int            // the success status when not 200 (201 for a create)
	Query    []field.Param  // the query parameters
	Produces []string       // media types of a download (text/csv …) instead of JSON
	Body     map[string]any // a request body schema written out, when no entity declares it
	BodyType string         // media type of Body when not JSON (multipart/form-data)
	Reply    map[string]any // a success body schema written out, when no entity declares it
	// Multipart, when set, is a multipart/form-data body (a file with its fields)
	// the route accepts besides the JSON Request.
	Multipart map[string]any
}

// API reports whether the route belongs to the JSON API.
func (rt Route) API() bool { return strings.HasPrefix(rt.Pattern, "/api/") }

type ctxKey int

const (
	principalKey ctxKey = iota
	userKey
	requestIDKey
	sessionKey
)

func PrincipalFrom(r *http.Request) *bulwark.Principal {
	p, _ := r.Context().Value(principalKey).(*bulwark.Principal)
	return p
}

func userFrom(r *http.Request) *bulwark.User {
	if p := PrincipalFrom(r); p != nil {
		return &p.User
	}
	u, _ := r.Context().Value(userKey).(*bulwark.User)
	return u
}

// RequestID returns the id of the request, as logged and sent in X-Request-Id.
func RequestID(r *http.Request) string {
	id, _ := r.Context().Value(requestIDKey).(string)
	return id
}

func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }

func (s *Server) cookieName() string {
	if s.secure {
		return "__Host-bulwark_session"
	}
	return "bulwark_session"
}

func (s *Server) setSessionCookie(w http.ResponseWriter, secret string) {
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(), Value: secret, Path: "/", HttpOnly: true, Secure: s.secure,
		SameSite: http.SameSiteLaxMode, MaxAge: int(s.svc.Config().SessionMax.Seconds())})
}

func (s *Server) clearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(), Value: "", Path: "/", HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

func sessionSecret(r *http.Request, name string) string {
	c, err := r.Cookie(name)
	if err != nil {
		return ""
	}
	return c.Value
}

// meta returns the audit metadata of the request.
func (s *Server) meta(r *http.Request) app.Meta {
	m := app.Meta{IP: s.clientIP(r), RequestID: RequestID(r)}
	if u := userFrom(r); u != nil {
		m.ActorID = u.ID
	}
	return m
}

// clientIP is the peer address, or the last untrusted hop of X-Forwarded-For
// when the peer is a trusted proxy.
func (s *Server) clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	if !s.trusted(peer) {
		return peer.String()
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		if !s.trusted(a) {
			return a.String()
		}
		peer = a
	}
	return peer.String()
}

func (s *Server) trusted(a netip.Addr) bool {
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(a.Unmap()) {
			return true
		}
	}
	return false
}

// authorize resolves who is calling and checks the route's permission before the
// handler runs. API routes take a bearer token; UI routes a session cookie and the
// organisation in the URL.
func (s *Server) authorize(rt Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		m := app.Meta{IP: s.clientIP(r), RequestID: RequestID(r)}
		switch {
		case rt.Perm == bulwark.PermPublic:
			if u, err := s.svc.SessionUser(ctx, sessionSecret(r, s.cookieName())); err == nil {
				ctx = context.WithValue(ctx, userKey, u)
			}
		case rt.API():
			token, ok := bearerToken(r)
			if !ok {
				w.Header().Set("WWW-Authenticate", `Bearer realm="bulwark"`)
				s.Problem(w, r, bulwark.Errorf(bulwark.EUNAUTHORIZED, "Send an API token: Authorization: Bearer bwk_…"))
				return
			}
			p, err := s.svc.TokenPrincipal(ctx, token, m)
			if err != nil {
				w.Header().Set("WWW-Authenticate", `Bearer realm="bulwark", error="invalid_token"`)
				s.Problem(w, r, err)
				return
			}
			if rt.Perm != bulwark.PermSignedIn && !p.Can(rt.Perm) {
				s.Problem(w, r, bulwark.Errorf(bulwark.EFORBIDDEN, "Your role (%s) does not allow this.", p.Role))
				return
			}
			ctx = context.WithValue(ctx, principalKey, p)
		default:
			secret := sessionSecret(r, s.cookieName())
			u, err := s.svc.SessionUser(ctx, secret)
			if err != nil {
				if bulwark.ErrorCode(err) == bulwark.EUNAUTHORIZED {
					s.clearSessionCookie(w)
					s.redirectToSignIn(w, r)
					return
				}
				s.RenderError(w, r, err)
				return
			}
			ctx = context.WithValue(ctx, userKey, u)
			ctx = context.WithValue(ctx, sessionKey, secret)
			if slug := r.PathValue("slug"); slug != "" {
				p, err := s.svc.OrgPrincipal(ctx, u, slug, m)
				if err != nil {
					s.RenderError(w, r.WithContext(ctx), err)
					return
				}
				if !p.Can(rt.Perm) {
					s.RenderError(w, r.WithContext(context.WithValue(ctx, principalKey, p)),
						bulwark.Errorf(bulwark.EFORBIDDEN, "Your role (%s) does not allow this page.", p.Role))
					return
				}
				ctx = context.WithValue(ctx, principalKey, p)
			} else if rt.Perm != bulwark.PermSignedIn {
				s.RenderError(w, r, bulwark.Errorf(bulwark.EINTERNAL, "route without organisation"))
				return
			}
		}
		rt.Handler(w, r.WithContext(ctx))
	})
}

// bearerToken returns the credentials of an "Authorization: Bearer" header. The
// scheme name is case-insensitive (RFC 9110, section 11.1).
func bearerToken(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// notFound answers unknown paths; only to someone signed in, so that anonymous
// callers learn nothing about which paths exist (401 or the sign-in page instead).
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if isAPI(r) {
		token, ok := bearerToken(r)
		if !ok {
			s.Problem(w, r, bulwark.Errorf(bulwark.EUNAUTHORIZED, "Send an API token: Authorization: Bearer bwk_…"))
			return
		}
		if _, err := s.svc.TokenPrincipal(ctx, token, app.Meta{}); err != nil {
			s.Problem(w, r, err)
			return
		}
		s.Problem(w, r, bulwark.Errorf(bulwark.ENOTFOUND, "No such endpoint."))
		return
	}
	u, err := s.svc.SessionUser(ctx, sessionSecret(r, s.cookieName()))
	if err != nil {
		s.redirectToSignIn(w, r)
		return
	}
	s.RenderError(w, r.WithContext(context.WithValue(ctx, userKey, u)), bulwark.Errorf(bulwark.ENOTFOUND, "This page does not exist."))
}

func (s *Server) redirectToSignIn(w http.ResponseWriter, r *http.Request) {
	next := r.URL.RequestURI()
	if r.Method != http.MethodGet {
		next = "/"
	}
	http.Redirect(w, r, "/signin?next="+template.URLQueryEscaper(next), http.StatusSeeOther)
}

// securityHeaders sets the headers every response carries.
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	csp := "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; " +
		"form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		if s.secure {
			h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		next.ServeHTTP(w, r)
	})
}

// statusWriter records the status code for logs and metrics.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe assigns a request id, recovers from panics, logs and counts every request.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if !validRequestID(id) {
			b := make([]byte, 8)
			_, _ = rand.Read(b)
			id = hex.EncodeToString(b)
		}
		w.Header().Set("X-Request-Id", id)
		sw := &statusWriter{ResponseWriter: w}
		r = r.WithContext(context.WithValue(r.Context(), requestIDKey, id))
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.Error("panic serving request", "request_id", id, "panic", p, "route", r.Pattern)
				if sw.status == 0 {
					s.ProblemOrPage(sw, r, errors.New("panic"))
				}
			}
			d := time.Since(start)
			pattern := r.Pattern
			if pattern == "" {
				pattern = "unmatched"
			}
			s.metrics.observe(pattern, sw.status, d)
			// The route pattern, not the path: paths carry invitation and reset secrets.
			if r.URL.Path != "/healthz" && r.URL.Path != "/metrics" {
				s.log.LogAttrs(r.Context(), slog.LevelInfo, "request", slog.String("request_id", id), slog.String("method", r.Method),
					slog.String("route", pattern), slog.Int("status", sw.status), slog.Duration("duration", d))
			}
		}()
		next.ServeHTTP(sw, r)
	})
}

func validRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// Meta is the audit metadata of a request (client address, request id, the
// signed-in user), for operations that act without a principal: a personal link.
func (s *Server) Meta(r *http.Request) app.Meta { return s.meta(r) }

// AbsoluteURL makes path a URL to copy into a message (a personal link): under
// --base-url when set, else on the scheme and host this request came in on.
func (s *Server) AbsoluteURL(r *http.Request, path string) string {
	base := strings.TrimSuffix(s.cfg.BaseURL, "/")
	if base == "" {
		scheme := "https"
		if r.TLS == nil && !strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
			scheme = "http"
		}
		base = scheme + "://" + r.Host
	}
	return base + path
}

// MaxUpload is the largest file the server accepts, in bytes (--max-upload).
func (s *Server) MaxUpload() int64 { return s.cfg.MaxUpload }

package web

import (
	"net/http"

	"github.com/bulwark-isms/bulwark"
)

// Section is a part of the ISMS the navigation shows.
type Section struct {
	Slug, Title, What string
	Built             bool // an area serves its page; otherwise the page says it is still to come
}

// Sections are the parts of the ISMS the navigation shows, in its order. An area
// builds one by routing GET /o/{slug}/SLUG; the others render a page that says
// plainly what they will hold.
var Sections = []Section{
	{Slug: "context", Title: "Context and scope", What: "interested parties, internal and external issues, and the ISMS scope (clauses 4.1–4.3)"},
	{Slug: "obligations", Title: "Obligations", What: "legal, regulatory and contractual requirements (A.5.31–A.5.34)"},
	{Slug: "assets", Title: "Assets", What: "the asset register with owners, classification and CIA values (A.5.9, A.5.12)"},
	{Slug: "risks", Title: "Risks", What: "the risk register, treatment plans, risk-owner sign-off and the heat map (6.1.2, 6.1.3, 8.2, 8.3)"},
	{Slug: "controls", Title: "Controls and SoA", What: "the organisation's control set and the Statement of Applicability (6.1.3 d)"},
	{Slug: "frameworks", Title: "Frameworks", What: "ISO/IEC 27001:2022, NIST CSF 2.0, SOC 2, GDPR and HIPAA with their mappings"},
	{Slug: "policies", Title: "Policies", What: "policies with approval, versions and staff acknowledgement (5.2, 7.5)"},
	{Slug: "people", Title: "People and training", What: "awareness, training and competence records (7.2, 7.3)"},
	{Slug: "evidence", Title: "Evidence", What: "evidence files and links per control and period (9.1)"},
	{Slug: "monitoring", Title: "Monitoring", What: "automated checks over hosts, TLS, Git, Terraform and PostgreSQL, and control health (9.1, A.5.36)"},
	{Slug: "incidents", Title: "Incidents", What: "reporting and handling of information security incidents (A.5.24–A.5.28)"},
	{Slug: "suppliers", Title: "Suppliers", What: "supplier register, assessments and certificates (A.5.19–A.5.23)"},
	{Slug: "audits", Title: "Audits", What: "the internal audit programme, audits and findings (9.2)"},
	{Slug: "nonconformities", Title: "Nonconformities", What: "nonconformities, root causes, corrective actions and their effectiveness (10.2)"},
	{Slug: "objectives", Title: "Objectives", What: "security objectives with their metrics and measurements (6.2, 9.1)"},
	{Slug: "management-reviews", Title: "Management review", What: "management reviews with their inputs, decisions and minutes (9.3)"},
	{Slug: "reports", Title: "Reports", What: "exports and reports for auditors and management"},
}

// routeTable is the one place where routes are declared, each with the
// permission it needs. Tests walk it for every role.
func (s *Server) routeTable() []Route {
	P := bulwark.PermPublic
	routes := []Route{
		// Operations and public pages.
		{Method: "GET", Pattern: "/healthz", Perm: P, Handler: s.healthz},
		{Method: "GET", Pattern: "/readyz", Perm: P, Handler: s.readyz},
		{Method: "GET", Pattern: "/metrics", Perm: P, Handler: s.metricsHandler},
		{Method: "GET", Pattern: "/api/v1/openapi.json", Perm: P, Summary: "This OpenAPI 3.1 document", Handler: s.openapiHandler},
		{Method: "GET", Pattern: "/signin", Perm: P, Handler: s.signinPage},
		{Method: "POST", Pattern: "/signin", Perm: P, Handler: s.signinSubmit},
		{Method: "GET", Pattern: "/setup", Perm: P, Handler: s.setupPage},
		{Method: "POST", Pattern: "/setup", Perm: P, Handler: s.setupSubmit},
		{Method: "GET", Pattern: "/invitations/{token}", Perm: P, Handler: s.invitationPage},
		{Method: "POST", Pattern: "/invitations/{token}", Perm: P, Handler: s.invitationSubmit},
		{Method: "GET", Pattern: "/reset/{token}", Perm: P, Handler: s.resetPage},
		{Method: "POST", Pattern: "/reset/{token}", Perm: P, Handler: s.resetSubmit},

		// Signed in, no organisation.
		{Method: "GET", Pattern: "/{$}", Perm: bulwark.PermSignedIn, Handler: s.home},
		{Method: "POST", Pattern: "/signout", Perm: bulwark.PermSignedIn, Handler: s.signout},
		{Method: "GET", Pattern: "/account", Perm: bulwark.PermSignedIn, Handler: s.accountPage},
		{Method: "POST", Pattern: "/account/password", Perm: bulwark.PermSignedIn, Handler: s.accountPassword},
		{Method: "POST", Pattern: "/account/sign-out-everywhere", Perm: bulwark.PermSignedIn, Handler: s.signOutEverywhere},
		{Method: "GET", Pattern: "/orgs/new", Perm: bulwark.PermSignedIn, Handler: s.newOrgPage},
		{Method: "POST", Pattern: "/orgs/new", Perm: bulwark.PermSignedIn, Handler: s.newOrgSubmit},
		{Method: "GET", Pattern: "/switch", Perm: bulwark.PermSignedIn, Handler: s.switchOrg},

		// Organisation pages.
		{Method: "GET", Pattern: "/o/{slug}/{$}", Perm: bulwark.PermSelfService, Handler: s.dashboardPage},
		{Method: "GET", Pattern: "/o/{slug}/tasks", Perm: bulwark.PermSelfService, Handler: s.tasksPage},

		// JSON API.
		{Method: "GET", Pattern: "/api/v1/me", Perm: bulwark.PermSelfService, Summary: "Who the token acts as", Handler: s.apiMe, Reply: meSchema},
		{Method: "GET", Pattern: "/api/v1/me/tasks", Perm: bulwark.PermSelfService, Summary: "What waits for you: actions, sign-offs, reviews", Handler: s.apiMyTasks, Reply: tasksSchema},
	}
	return routes
}

// addSections marks the sections an area serves as built and routes the others
// to a page that says what they will hold.
func (s *Server) addSections() {
	served := map[string]bool{}
	for _, rt := range s.routes {
		served[rt.Method+" "+rt.Pattern] = true
	}
	s.sections = make([]Section, len(Sections))
	for i, sec := range Sections {
		sec.Built = served["GET /o/{slug}/"+sec.Slug]
		s.sections[i] = sec
		if !sec.Built {
			s.routes = append(s.routes, Route{Method: "GET", Pattern: "/o/{slug}/" + sec.Slug, Perm: bulwark.PermISMSRead, Handler: s.sectionPage(sec)})
		}
	}
}

// Sections returns the navigation's sections, with those an area serves marked built.
func (s *Server) Sections() []Section { return s.sections }

func Props(nameType ...string) map[string]any {
	m := map[string]any{}
	for i := 0; i+1 < len(nameType); i += 2 {
		m[nameType[i]] = map[string]any{"type": nameType[i+1]}
	}
	return m
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if err := s.svc.DB.Ping(r.Context()); err != nil {
		s.log.Warn("not ready", "err", err)
		WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
		return
	}
	WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

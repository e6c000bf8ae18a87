package web

import (
	"net/http"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/field"
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
	{Slug: "assets", Title: "Assets", What: "the asset register with owners, classification and CIA values (A.5.9, A.5.12)"},
	{Slug: "risks", Title: "Risks", What: "the risk register, treatment plans, risk-owner sign-off and the heat map (6.1.2, 6.1.3, 8.2, 8.3)"},
	{Slug: "controls", Title: "Controls and SoA", What: "the organisation's control set and the Statement of Applicability (6.1.3 d)"},
	{Slug: "frameworks", Title: "Frameworks", What: "ISO/IEC 27001:2022, NIST CSF 2.0, SOC 2, GDPR and HIPAA with their mappings"},
	{Slug: "policies", Title: "Policies", What: "policies with approval, versions and staff acknowledgement (5.2, 7.5)"},
	{Slug: "people", Title: "People and training", What: "awareness, training and competence records (7.2, 7.3)"},
	{Slug: "evidence", Title: "Evidence", What: "evidence files and links per control and period (9.1)"},
	{Slug: "incidents", Title: "Incidents", What: "reporting and handling of information security incidents (A.5.24–A.5.28)"},
	{Slug: "suppliers", Title: "Suppliers", What: "supplier register, assessments and certificates (A.5.19–A.5.23)"},
	{Slug: "audits", Title: "Audits", What: "the internal audit programme, audits and findings (9.2)"},
	{Slug: "improvement", Title: "Improvement", What: "nonconformities, corrective actions and management review (9.3, 10)"},
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
		{Method: "GET", Pattern: "/o/{slug}/members", Perm: bulwark.PermMembersManage, Handler: s.membersPage},
		{Method: "POST", Pattern: "/o/{slug}/members/{id}/role", Perm: bulwark.PermMembersManage, Handler: s.memberRole},
		{Method: "POST", Pattern: "/o/{slug}/members/{id}/expiry", Perm: bulwark.PermMembersManage, Handler: s.memberExpiry},
		{Method: "POST", Pattern: "/o/{slug}/members/{id}/deactivate", Perm: bulwark.PermMembersManage, Handler: s.memberActive(false)},
		{Method: "POST", Pattern: "/o/{slug}/members/{id}/reactivate", Perm: bulwark.PermMembersManage, Handler: s.memberActive(true)},
		{Method: "POST", Pattern: "/o/{slug}/members/{id}/reset-link", Perm: bulwark.PermMembersManage, Handler: s.memberResetLink},
		{Method: "POST", Pattern: "/o/{slug}/invitations", Perm: bulwark.PermMembersManage, Handler: s.inviteSubmit},
		{Method: "POST", Pattern: "/o/{slug}/invitations/{id}/revoke", Perm: bulwark.PermMembersManage, Handler: s.invitationRevoke},
		{Method: "GET", Pattern: "/o/{slug}/tokens", Perm: bulwark.PermSelfService, Handler: s.tokensPage},
		{Method: "POST", Pattern: "/o/{slug}/tokens", Perm: bulwark.PermSelfService, Handler: s.tokenCreate},
		{Method: "POST", Pattern: "/o/{slug}/tokens/{id}/revoke", Perm: bulwark.PermSelfService, Handler: s.tokenRevoke},
		{Method: "GET", Pattern: "/o/{slug}/audit-log", Perm: bulwark.PermAuditLogRead, Handler: s.auditLogPage},
		{Method: "POST", Pattern: "/o/{slug}/audit-log/export", Perm: bulwark.PermAuditLogRead, Handler: s.auditLogExportUI},
		{Method: "GET", Pattern: "/o/{slug}/settings", Perm: bulwark.PermOrgSettings, Handler: s.settingsPage},
		{Method: "POST", Pattern: "/o/{slug}/settings", Perm: bulwark.PermOrgSettings, Handler: s.settingsSubmit},

		// JSON API.
		{Method: "GET", Pattern: "/api/v1/me", Perm: bulwark.PermSelfService, Summary: "Who the token acts as", Handler: s.apiMe, Reply: meSchema},
		{Method: "GET", Pattern: "/api/v1/organisation", Perm: bulwark.PermSelfService, Summary: "The token's organisation and its settings", Handler: s.apiOrganisation, Response: OrganisationEntity},
		{Method: "PATCH", Pattern: "/api/v1/organisation", Perm: bulwark.PermOrgSettings, Summary: "Change the organisation's name and settings", Handler: s.apiOrganisationPatch, Request: SettingsChange, Response: OrganisationEntity},
		{Method: "GET", Pattern: "/api/v1/members", Perm: bulwark.PermMembersManage, Summary: "List members", Handler: s.apiMembers, Response: MemberEntity, List: true},
		{Method: "GET", Pattern: "/api/v1/members/{id}", Perm: bulwark.PermMembersManage, Summary: "Read a member", Handler: s.apiMember, Response: MemberEntity},
		{Method: "PATCH", Pattern: "/api/v1/members/{id}", Perm: bulwark.PermMembersManage, Summary: "Change a member's role, expiry or activity", Handler: s.apiMemberPatch, Request: MemberEntity, Response: MemberEntity},
		{Method: "POST", Pattern: "/api/v1/members/{id}/password-reset", Perm: bulwark.PermMembersManage, Summary: "Issue a one-time password reset link", Handler: s.apiMemberReset, Body: Props(), Reply: resetLinkSchema, Status: http.StatusCreated},
		{Method: "GET", Pattern: "/api/v1/invitations", Perm: bulwark.PermMembersManage, Summary: "List invitations", Handler: s.apiInvitations, Response: InvitationEntity, List: true},
		{Method: "POST", Pattern: "/api/v1/invitations", Perm: bulwark.PermMembersManage, Summary: "Invite someone by email; the link is returned", Handler: s.apiInvite, Request: InvitationEntity, Response: InvitationEntity, Status: http.StatusCreated},
		{Method: "GET", Pattern: "/api/v1/invitations/{id}", Perm: bulwark.PermMembersManage, Summary: "Read an invitation", Handler: s.apiInvitation, Response: InvitationEntity},
		{Method: "DELETE", Pattern: "/api/v1/invitations/{id}", Perm: bulwark.PermMembersManage, Summary: "Revoke an invitation", Handler: s.apiInvitationRevoke, Status: http.StatusNoContent},
		{Method: "GET", Pattern: "/api/v1/tokens", Perm: bulwark.PermSelfService, Summary: "List your tokens (?all=true: everyone's, for admins)", Handler: s.apiTokens, Response: TokenEntity, List: true, Query: []field.Param{{Name: "all", Kind: field.Bool}}},
		{Method: "POST", Pattern: "/api/v1/tokens", Perm: bulwark.PermSelfService, Summary: "Create a token; the secret is returned once", Handler: s.apiTokenCreate, Request: TokenEntity, Response: TokenEntity, Status: http.StatusCreated},
		{Method: "GET", Pattern: "/api/v1/tokens/{id}", Perm: bulwark.PermSelfService, Summary: "Read a token (never its secret)", Handler: s.apiToken, Response: TokenEntity},
		{Method: "DELETE", Pattern: "/api/v1/tokens/{id}", Perm: bulwark.PermSelfService, Summary: "Revoke a token", Handler: s.apiTokenRevoke, Status: http.StatusNoContent},
		{Method: "GET", Pattern: "/api/v1/audit-log", Perm: bulwark.PermAuditLogRead, Summary: "List audit entries (filters: actor, entity_type, entity_id, action, from, to)", Handler: s.apiAuditLog, Reply: auditPageSchema, Query: auditListParams},
		{Method: "GET", Pattern: "/api/v1/audit-log/head", Perm: bulwark.PermAuditLogRead, Summary: "The audit chain head (sequence and hash)", Handler: s.apiAuditHead, Response: ChainHeadEntity},
		{Method: "GET", Pattern: "/api/v1/audit-log/export", Perm: bulwark.PermAuditLogRead, Summary: "Export the audit log (?format=csv|json)", Handler: s.apiAuditExport, Query: []field.Param{{Name: "format", Enum: []string{"csv", "json"}}},
			Reply: auditExportSchema, Produces: []string{"text/csv"}},

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

func (s *Server) metricsHandler(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	s.metrics.write(w, s.cfg.Version)
}

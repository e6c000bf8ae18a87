package web

import (
	"net/http"

	"github.com/bulwark-isms/bulwark"
)

// Sections are the parts of the ISMS the navigation shows; those without a
// handler yet render a page that says so plainly.
var Sections = []struct {
	Slug, Title, What string
	Built             bool
}{
	{"context", "Context and scope", "interested parties, internal and external issues, and the ISMS scope (clauses 4.1–4.3)", false},
	{"assets", "Assets", "the asset register with owners, classification and CIA values (A.5.9, A.5.12)", true},
	{"risks", "Risks", "the risk register, treatment plans, risk-owner sign-off and the heat map (6.1.2, 6.1.3, 8.2, 8.3)", true},
	{"controls", "Controls and SoA", "the organisation's control set and the Statement of Applicability (6.1.3 d)", true},
	{"frameworks", "Frameworks", "ISO/IEC 27001:2022, NIST CSF 2.0, SOC 2, GDPR and HIPAA with their mappings", true},
	{"policies", "Policies", "policies with approval, versions and staff acknowledgement (5.2, 7.5)", false},
	{"people", "People and training", "awareness, training and competence records (7.2, 7.3)", false},
	{"evidence", "Evidence", "evidence files and links per control and period (9.1)", false},
	{"incidents", "Incidents", "reporting and handling of information security incidents (A.5.24–A.5.28)", false},
	{"suppliers", "Suppliers", "supplier register, assessments and certificates (A.5.19–A.5.23)", false},
	{"audits", "Audits", "the internal audit programme, audits and findings (9.2)", false},
	{"improvement", "Improvement", "nonconformities, corrective actions and management review (9.3, 10)", false},
	{"reports", "Reports", "exports and reports for auditors and management", false},
}

// routeTable is the one place where routes are declared, each with the
// permission it needs. Tests walk it for every role.
func (s *Server) routeTable() []Route {
	P := bulwark.PermPublic
	regs := s.registers()
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
		{Method: "GET", Pattern: "/api/v1/me", Perm: bulwark.PermSelfService, Summary: "Who the token acts as", Handler: s.apiMe},
		{Method: "GET", Pattern: "/api/v1/organisation", Perm: bulwark.PermSelfService, Summary: "The token's organisation and its settings", Handler: s.apiOrganisation},
		{Method: "PATCH", Pattern: "/api/v1/organisation", Perm: bulwark.PermOrgSettings, Summary: "Change the organisation's name and settings", Handler: s.apiOrganisationPatch,
			Body: props("name", "string", "time_zone", "string", "date_order", "string", "segregation_of_duties", "boolean", "classification_scheme", "array", "version", "integer")},
		{Method: "GET", Pattern: "/api/v1/members", Perm: bulwark.PermMembersManage, Summary: "List members", Handler: s.apiMembers},
		{Method: "GET", Pattern: "/api/v1/members/{id}", Perm: bulwark.PermMembersManage, Summary: "Read a member", Handler: s.apiMember},
		{Method: "PATCH", Pattern: "/api/v1/members/{id}", Perm: bulwark.PermMembersManage, Summary: "Change a member's role, expiry or activity", Handler: s.apiMemberPatch,
			Body: props("role", "string", "expires_at", "string", "active", "boolean", "version", "integer")},
		{Method: "POST", Pattern: "/api/v1/members/{id}/password-reset", Perm: bulwark.PermMembersManage, Summary: "Issue a one-time password reset link", Handler: s.apiMemberReset,
			Body: props()},
		{Method: "GET", Pattern: "/api/v1/invitations", Perm: bulwark.PermMembersManage, Summary: "List invitations", Handler: s.apiInvitations},
		{Method: "POST", Pattern: "/api/v1/invitations", Perm: bulwark.PermMembersManage, Summary: "Invite someone by email; the link is returned", Handler: s.apiInvite,
			Body: props("email", "string", "role", "string")},
		{Method: "GET", Pattern: "/api/v1/invitations/{id}", Perm: bulwark.PermMembersManage, Summary: "Read an invitation", Handler: s.apiInvitation},
		{Method: "DELETE", Pattern: "/api/v1/invitations/{id}", Perm: bulwark.PermMembersManage, Summary: "Revoke an invitation", Handler: s.apiInvitationRevoke},
		{Method: "GET", Pattern: "/api/v1/tokens", Perm: bulwark.PermSelfService, Summary: "List your tokens (?all=true: everyone's, for admins)", Handler: s.apiTokens},
		{Method: "POST", Pattern: "/api/v1/tokens", Perm: bulwark.PermSelfService, Summary: "Create a token; the secret is returned once", Handler: s.apiTokenCreate,
			Body: props("name", "string", "scope", "string")},
		{Method: "GET", Pattern: "/api/v1/tokens/{id}", Perm: bulwark.PermSelfService, Summary: "Read a token (never its secret)", Handler: s.apiToken},
		{Method: "DELETE", Pattern: "/api/v1/tokens/{id}", Perm: bulwark.PermSelfService, Summary: "Revoke a token", Handler: s.apiTokenRevoke},
		{Method: "GET", Pattern: "/api/v1/audit-log", Perm: bulwark.PermAuditLogRead, Summary: "List audit entries (filters: actor, entity_type, entity_id, action, from, to)", Handler: s.apiAuditLog},
		{Method: "GET", Pattern: "/api/v1/audit-log/head", Perm: bulwark.PermAuditLogRead, Summary: "The audit chain head (sequence and hash)", Handler: s.apiAuditHead},
		{Method: "GET", Pattern: "/api/v1/audit-log/export", Perm: bulwark.PermAuditLogRead, Summary: "Export the audit log (?format=csv|json)", Handler: s.apiAuditExport},

		{Method: "GET", Pattern: "/api/v1/frameworks", Perm: bulwark.PermISMSRead, Summary: "List frameworks of the catalog", Handler: s.apiFrameworks},
		{Method: "GET", Pattern: "/api/v1/frameworks/{key}", Perm: bulwark.PermISMSRead, Summary: "Read a framework by id or slug", Handler: s.apiFramework},
		{Method: "GET", Pattern: "/api/v1/frameworks/{key}/requirements", Perm: bulwark.PermISMSRead, Summary: "List a framework's requirements (q, kind, theme, control_type, security_properties, cybersecurity_concepts, operational_capabilities, security_domains, category, section)", Handler: s.apiRequirements},
		{Method: "GET", Pattern: "/api/v1/requirements/{id}", Perm: bulwark.PermISMSRead, Summary: "Read a requirement with its mappings both ways and its guidance", Handler: s.apiRequirement},
		{Method: "GET", Pattern: "/api/v1/controls", Perm: bulwark.PermISMSRead, Summary: "List the organisation's controls (status, owner_id, theme, q, include_archived)", Handler: s.apiControls},
		{Method: "POST", Pattern: "/api/v1/controls", Perm: bulwark.PermISMSCreate, Summary: "Create a custom control (ref C-001 …)", Handler: s.apiControlCreate, Body: controlBody},
		{Method: "GET", Pattern: "/api/v1/controls/{id}", Perm: bulwark.PermISMSRead, Summary: "Read a control with its requirement links", Handler: s.apiControl},
		{Method: "PATCH", Pattern: "/api/v1/controls/{id}", Perm: bulwark.PermISMSEditOwn, Summary: "Change a control", Handler: s.apiControlPatch, Body: controlBody},
		{Method: "DELETE", Pattern: "/api/v1/controls/{id}", Perm: bulwark.PermISMSEditOwn, Summary: "Archive a custom control", Handler: s.apiControlArchive},
		{Method: "GET", Pattern: "/api/v1/assets", Perm: bulwark.PermISMSRead, Summary: "List assets (q, type, status, classification, owner_id, custodian_id, tag, personal_data, from, to, sort, include_archived)", Handler: s.apiAssets},
		{Method: "POST", Pattern: "/api/v1/assets", Perm: bulwark.PermISMSCreate, Summary: "Create an asset", Handler: s.apiAssetCreate, Body: assetBody},
		{Method: "POST", Pattern: "/api/v1/assets/import", Perm: bulwark.PermISMSCreate, Summary: "Import assets from XLSX or CSV (multipart field file, or the raw body with ?filename=); ?dry_run=true previews; ?sheet, ?header_row, ?map=Header%3Dfield", Handler: s.apiImport(regs["assets"]), Body: map[string]any{"file": map[string]any{"type": "string", "format": "binary"}}, BodyType: "multipart/form-data"},
		{Method: "GET", Pattern: "/api/v1/assets/export", Perm: bulwark.PermISMSRead, Summary: "Export the asset register (?format=csv|xlsx)", Handler: s.export(regs["assets"])},
		{Method: "GET", Pattern: "/api/v1/assets/{id}", Perm: bulwark.PermISMSRead, Summary: "Read an asset", Handler: s.apiAsset},
		{Method: "PATCH", Pattern: "/api/v1/assets/{id}", Perm: bulwark.PermISMSEditOwn, Summary: "Change an asset", Handler: s.apiAssetPatch, Body: assetBody},
		{Method: "DELETE", Pattern: "/api/v1/assets/{id}", Perm: bulwark.PermISMSEditOwn, Summary: "Archive an asset", Handler: s.apiAssetArchive},

		{Method: "GET", Pattern: "/api/v1/risk-methodology", Perm: bulwark.PermISMSRead, Summary: "The current (approved) risk methodology", Handler: s.apiMethodology},
		{Method: "PUT", Pattern: "/api/v1/risk-methodology", Perm: bulwark.PermISMSEdit, Summary: "Save a new methodology version as a draft for approval", Handler: s.apiMethodologyPut, Body: methodologySchema},
		{Method: "GET", Pattern: "/api/v1/risk-methodology/versions", Perm: bulwark.PermISMSRead, Summary: "Every methodology version", Handler: s.apiMethodologies},
		{Method: "POST", Pattern: "/api/v1/risk-methodology/versions/{version}/approve", Perm: bulwark.PermApprove, Summary: "Approve a draft methodology version", Handler: s.apiMethodologyApprove, Body: props()},
		{Method: "GET", Pattern: "/api/v1/risks", Perm: bulwark.PermISMSRead, Summary: "List risks (q, status, owner_id, treatment, level, kind, likelihood, impact, review_before, sort, include_archived)", Handler: s.apiRisks},
		{Method: "POST", Pattern: "/api/v1/risks", Perm: bulwark.PermISMSCreateOwn, Summary: "Create a risk", Handler: s.apiRiskCreate, Body: riskBody},
		{Method: "POST", Pattern: "/api/v1/risks/import", Perm: bulwark.PermISMSEdit, Summary: "Import risks from XLSX or CSV (as for assets)", Handler: s.apiImport(regs["risks"]), Body: map[string]any{"file": map[string]any{"type": "string", "format": "binary"}}, BodyType: "multipart/form-data"},
		{Method: "GET", Pattern: "/api/v1/risks/export", Perm: bulwark.PermISMSRead, Summary: "Export the risk register (?format=csv|xlsx)", Handler: s.export(regs["risks"])},
		{Method: "GET", Pattern: "/api/v1/risks/treatment-plan", Perm: bulwark.PermISMSRead, Summary: "Export the risk treatment plan (?format=xlsx|pdf)", Handler: s.treatmentPlanExport},
		{Method: "GET", Pattern: "/api/v1/risks/heatmap", Perm: bulwark.PermISMSRead, Summary: "Risks per likelihood and impact (?kind=inherent|residual)", Handler: s.apiHeatmap},
		{Method: "GET", Pattern: "/api/v1/risks/{id}", Perm: bulwark.PermISMSRead, Summary: "Read a risk", Handler: s.apiRisk},
		{Method: "PATCH", Pattern: "/api/v1/risks/{id}", Perm: bulwark.PermISMSEditOwn, Summary: "Change a risk; changing a likelihood or impact voids its sign-offs", Handler: s.apiRiskPatch, Body: riskBody},
		{Method: "DELETE", Pattern: "/api/v1/risks/{id}", Perm: bulwark.PermISMSEditOwn, Summary: "Archive a risk", Handler: s.apiRiskArchive},
		{Method: "GET", Pattern: "/api/v1/risks/{id}/sign-offs", Perm: bulwark.PermISMSRead, Summary: "A risk's sign-offs", Handler: s.apiSignOffs},
		{Method: "POST", Pattern: "/api/v1/risks/{id}/sign-offs", Perm: bulwark.PermRiskSignOffOwn, Summary: "Sign off a risk's treatment plan and residual risk", Handler: s.apiSignOff, Body: props("comment", "string")},
		{Method: "GET", Pattern: "/api/v1/risks/{id}/reviews", Perm: bulwark.PermISMSRead, Summary: "A risk's reassessment timeline", Handler: s.apiRiskReviews},
		{Method: "GET", Pattern: "/api/v1/risks/{id}/actions", Perm: bulwark.PermISMSRead, Summary: "A risk's treatment actions", Handler: s.apiActions},
		{Method: "POST", Pattern: "/api/v1/risks/{id}/actions", Perm: bulwark.PermISMSEditOwn, Summary: "Add a treatment action", Handler: s.apiActionSave, Body: actionBody},
		{Method: "PATCH", Pattern: "/api/v1/risks/{id}/actions/{action}", Perm: bulwark.PermISMSEditOwn, Summary: "Change a treatment action", Handler: s.apiActionSave, Body: actionBody},
		{Method: "GET", Pattern: "/api/v1/me/tasks", Perm: bulwark.PermSelfService, Summary: "What waits for you: actions, sign-offs, reviews", Handler: s.apiMyTasks},
		{Method: "GET", Pattern: "/api/v1/threats", Perm: bulwark.PermISMSRead, Summary: "The organisation's threat library", Handler: s.apiLibrary("threat")},
		{Method: "POST", Pattern: "/api/v1/threats", Perm: bulwark.PermISMSEdit, Summary: "Add a threat to the library", Handler: s.apiLibrarySave("threat"), Body: libraryBody},
		{Method: "PATCH", Pattern: "/api/v1/threats/{id}", Perm: bulwark.PermISMSEdit, Summary: "Change a threat of the library", Handler: s.apiLibrarySave("threat"), Body: libraryBody},
		{Method: "GET", Pattern: "/api/v1/vulnerabilities", Perm: bulwark.PermISMSRead, Summary: "The organisation's vulnerability library", Handler: s.apiLibrary("vulnerability")},
		{Method: "POST", Pattern: "/api/v1/vulnerabilities", Perm: bulwark.PermISMSEdit, Summary: "Add a vulnerability to the library", Handler: s.apiLibrarySave("vulnerability"), Body: libraryBody},
		{Method: "PATCH", Pattern: "/api/v1/vulnerabilities/{id}", Perm: bulwark.PermISMSEdit, Summary: "Change a vulnerability of the library", Handler: s.apiLibrarySave("vulnerability"), Body: libraryBody},
		{Method: "GET", Pattern: "/api/v1/risk-methodology/rescore-preview", Perm: bulwark.PermISMSRead, Summary: "Risks on older methodology versions and where their values would land", Handler: s.apiRescorePreview},
		{Method: "GET", Pattern: "/api/v1/risks/{id}/suggested-controls", Perm: bulwark.PermISMSRead, Summary: "Controls the library suggests for the risk's threat and vulnerability", Handler: s.apiSuggestedControls},
	}
	routes = append(routes,
		Route{Method: "GET", Pattern: "/o/{slug}/frameworks", Perm: bulwark.PermISMSRead, Handler: s.frameworksPage},
		Route{Method: "GET", Pattern: "/o/{slug}/frameworks/{key}", Perm: bulwark.PermISMSRead, Handler: s.requirementsPage},
		Route{Method: "GET", Pattern: "/o/{slug}/requirements/{id}", Perm: bulwark.PermISMSRead, Handler: s.requirementPage},
		Route{Method: "GET", Pattern: "/o/{slug}/controls", Perm: bulwark.PermISMSRead, Handler: s.controlsPage},
		Route{Method: "GET", Pattern: "/o/{slug}/controls/new", Perm: bulwark.PermISMSCreate, Handler: s.controlPage},
		Route{Method: "POST", Pattern: "/o/{slug}/controls", Perm: bulwark.PermISMSCreate, Handler: s.controlSubmit},
		Route{Method: "GET", Pattern: "/o/{slug}/controls/{id}", Perm: bulwark.PermISMSRead, Handler: s.controlPage},
		Route{Method: "POST", Pattern: "/o/{slug}/controls/{id}", Perm: bulwark.PermISMSEditOwn, Handler: s.controlSubmit},
		Route{Method: "GET", Pattern: "/o/{slug}/assets", Perm: bulwark.PermISMSRead, Handler: s.assetsPage},
		Route{Method: "GET", Pattern: "/o/{slug}/assets/new", Perm: bulwark.PermISMSCreate, Handler: s.assetPage},
		Route{Method: "POST", Pattern: "/o/{slug}/assets", Perm: bulwark.PermISMSCreate, Handler: s.assetSubmit},
		Route{Method: "GET", Pattern: "/o/{slug}/import/assets", Perm: bulwark.PermISMSCreate, Handler: s.importPage(regs["assets"])},
		Route{Method: "POST", Pattern: "/o/{slug}/import/assets", Perm: bulwark.PermISMSCreate, Handler: s.importUpload(regs["assets"])},
		Route{Method: "GET", Pattern: "/o/{slug}/import/assets/{id}", Perm: bulwark.PermISMSCreate, Handler: s.importPreview(regs["assets"])},
		Route{Method: "POST", Pattern: "/o/{slug}/import/assets/{id}/confirm", Perm: bulwark.PermISMSCreate, Handler: s.importConfirm(regs["assets"])},
		Route{Method: "POST", Pattern: "/o/{slug}/assets/export", Perm: bulwark.PermISMSRead, Handler: s.export(regs["assets"])},
		Route{Method: "GET", Pattern: "/o/{slug}/import/risks", Perm: bulwark.PermISMSEdit, Handler: s.importPage(regs["risks"])},
		Route{Method: "POST", Pattern: "/o/{slug}/import/risks", Perm: bulwark.PermISMSEdit, Handler: s.importUpload(regs["risks"])},
		Route{Method: "GET", Pattern: "/o/{slug}/import/risks/{id}", Perm: bulwark.PermISMSEdit, Handler: s.importPreview(regs["risks"])},
		Route{Method: "POST", Pattern: "/o/{slug}/import/risks/{id}/confirm", Perm: bulwark.PermISMSEdit, Handler: s.importConfirm(regs["risks"])},
		Route{Method: "POST", Pattern: "/o/{slug}/risks/export", Perm: bulwark.PermISMSRead, Handler: s.export(regs["risks"])},
		Route{Method: "GET", Pattern: "/o/{slug}/assets/{id}", Perm: bulwark.PermISMSRead, Handler: s.assetPage},
		Route{Method: "POST", Pattern: "/o/{slug}/assets/{id}", Perm: bulwark.PermISMSEditOwn, Handler: s.assetSubmit},
		Route{Method: "POST", Pattern: "/o/{slug}/assets/{id}/archive", Perm: bulwark.PermISMSEditOwn, Handler: s.assetArchive(true)},
		Route{Method: "POST", Pattern: "/o/{slug}/assets/{id}/restore", Perm: bulwark.PermISMSEditOwn, Handler: s.assetArchive(false)},
		Route{Method: "GET", Pattern: "/o/{slug}/risks", Perm: bulwark.PermISMSRead, Handler: s.risksPage},
		Route{Method: "GET", Pattern: "/o/{slug}/risks/new", Perm: bulwark.PermISMSCreateOwn, Handler: s.riskPage},
		Route{Method: "GET", Pattern: "/o/{slug}/risks/treatment-plan", Perm: bulwark.PermISMSRead, Handler: s.treatmentPlanPage},
		Route{Method: "GET", Pattern: "/o/{slug}/risk-methodology", Perm: bulwark.PermISMSRead, Handler: s.methodologyPage},
		Route{Method: "GET", Pattern: "/o/{slug}/risk-library", Perm: bulwark.PermISMSRead, Handler: s.libraryPage},
		Route{Method: "POST", Pattern: "/o/{slug}/risk-library/{kind}", Perm: bulwark.PermISMSEdit, Handler: s.librarySubmit},
		Route{Method: "POST", Pattern: "/o/{slug}/risk-library/{kind}/{id}", Perm: bulwark.PermISMSEdit, Handler: s.librarySubmit},
		Route{Method: "POST", Pattern: "/o/{slug}/risk-methodology", Perm: bulwark.PermISMSEdit, Handler: s.methodologySubmit},
		Route{Method: "POST", Pattern: "/o/{slug}/risk-methodology/{version}/approve", Perm: bulwark.PermApprove, Handler: s.methodologyApprove},
		Route{Method: "POST", Pattern: "/o/{slug}/risks/treatment-plan/export", Perm: bulwark.PermISMSRead, Handler: s.treatmentPlanExport},
		Route{Method: "POST", Pattern: "/o/{slug}/risks", Perm: bulwark.PermISMSCreateOwn, Handler: s.riskSubmit},
		Route{Method: "GET", Pattern: "/o/{slug}/risks/{id}", Perm: bulwark.PermISMSRead, Handler: s.riskPage},
		Route{Method: "POST", Pattern: "/o/{slug}/risks/{id}", Perm: bulwark.PermISMSEditOwn, Handler: s.riskSubmit},
		Route{Method: "POST", Pattern: "/o/{slug}/risks/{id}/sign-off", Perm: bulwark.PermRiskSignOffOwn, Handler: s.riskSignOff},
		Route{Method: "POST", Pattern: "/o/{slug}/risks/{id}/actions", Perm: bulwark.PermISMSEditOwn, Handler: s.riskActionSubmit},
		Route{Method: "POST", Pattern: "/o/{slug}/risks/{id}/actions/{action}", Perm: bulwark.PermISMSEditOwn, Handler: s.riskActionSubmit},
	)
	for _, sec := range Sections {
		if sec.Built {
			continue
		}
		routes = append(routes, Route{Method: "GET", Pattern: "/o/{slug}/" + sec.Slug, Perm: bulwark.PermISMSRead, Handler: s.sectionPage(sec.Slug)})
	}
	return routes
}

var controlBody = props("title", "string", "description", "string", "owner_id", "string", "status", "string", "implementation_description", "string",
	"review_date", "string", "requirement_ids", "array", "risk_ids", "array", "version", "integer")

var libraryBody = props("name", "string", "category", "string", "description", "string", "controls", "array")

var actionBody = props("title", "string", "owner_id", "string", "due_date", "string", "status", "string", "version", "integer")

var assetBody = props("ref", "string", "name", "string", "type", "string", "description", "string", "owner_id", "string", "custodian_id", "string",
	"location", "string", "classification", "string", "confidentiality", "integer", "integrity", "integer", "availability", "integer",
	"personal_data", "boolean", "status", "string", "review_date", "string", "tags", "array", "version", "integer")

func props(nameType ...string) map[string]any {
	m := map[string]any{}
	for i := 0; i+1 < len(nameType); i += 2 {
		m[nameType[i]] = map[string]any{"type": nameType[i+1]}
	}
	return m
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if err := s.svc.DB.Ping(r.Context()); err != nil {
		s.log.Warn("not ready", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) metricsHandler(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	s.metrics.write(w, s.cfg.Version)
}

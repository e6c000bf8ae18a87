// Package organisation is the organisation's administration: its members and
// their roles, invitations, API tokens, settings and the audit log's pages and
// API. Identity itself (users, members, sessions, tokens, the audit chain) is the
// kernel's, since sign-in and every area need it; this area is where people
// manage it.
package organisation

import (
	"embed"
	"net/http"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/field"
	"github.com/bulwark-isms/bulwark/web"
)

//go:embed templates
var templates embed.FS

// Service is the organisation's administration over the kernel's identity and
// audit operations, which check permissions, tenant scope and write audit entries.
type Service struct {
	*app.Service
}

// New returns the organisation area's service over the kernel's.
func New(k *app.Service) *Service { return &Service{Service: k} }

// handlers serve the area's pages and API over the kernel's server.
type handlers struct {
	*web.Server
	svc *Service
}

// Area is the organisation area's part of the server.
func Area(svc *Service) web.Area {
	return web.Area{Name: "organisation", Mount: func(s *web.Server) web.Mounted {
		h := &handlers{Server: s, svc: svc}
		return web.Mounted{Templates: templates, Routes: h.routes()}
	}}
}

func (h *handlers) routes() []web.Route {
	return []web.Route{
		{Method: "GET", Pattern: "/o/{slug}/members", Perm: bulwark.PermMembersManage, Handler: h.membersPage},
		{Method: "POST", Pattern: "/o/{slug}/members/{id}/role", Perm: bulwark.PermMembersManage, Handler: h.memberRole},
		{Method: "POST", Pattern: "/o/{slug}/members/{id}/expiry", Perm: bulwark.PermMembersManage, Handler: h.memberExpiry},
		{Method: "POST", Pattern: "/o/{slug}/members/{id}/deactivate", Perm: bulwark.PermMembersManage, Handler: h.memberActive(false)},
		{Method: "POST", Pattern: "/o/{slug}/members/{id}/reactivate", Perm: bulwark.PermMembersManage, Handler: h.memberActive(true)},
		{Method: "POST", Pattern: "/o/{slug}/members/{id}/reset-link", Perm: bulwark.PermMembersManage, Handler: h.memberResetLink},
		{Method: "POST", Pattern: "/o/{slug}/invitations", Perm: bulwark.PermMembersManage, Handler: h.inviteSubmit},
		{Method: "POST", Pattern: "/o/{slug}/invitations/{id}/revoke", Perm: bulwark.PermMembersManage, Handler: h.invitationRevoke},
		{Method: "GET", Pattern: "/o/{slug}/tokens", Perm: bulwark.PermSelfService, Handler: h.tokensPage},
		{Method: "POST", Pattern: "/o/{slug}/tokens", Perm: bulwark.PermSelfService, Handler: h.tokenCreate},
		{Method: "POST", Pattern: "/o/{slug}/tokens/{id}/revoke", Perm: bulwark.PermSelfService, Handler: h.tokenRevoke},
		{Method: "GET", Pattern: "/o/{slug}/audit-log", Perm: bulwark.PermAuditLogRead, Handler: h.auditLogPage},
		{Method: "POST", Pattern: "/o/{slug}/audit-log/export", Perm: bulwark.PermAuditLogRead, Handler: h.auditLogExportUI},
		{Method: "GET", Pattern: "/o/{slug}/settings", Perm: bulwark.PermOrgSettings, Handler: h.settingsPage},
		{Method: "POST", Pattern: "/o/{slug}/settings", Perm: bulwark.PermOrgSettings, Handler: h.settingsSubmit},
		{Method: "GET", Pattern: "/api/v1/organisation", Perm: bulwark.PermSelfService, Summary: "The token's organisation and its settings", Handler: h.apiOrganisation, Response: OrganisationEntity},
		{Method: "PATCH", Pattern: "/api/v1/organisation", Perm: bulwark.PermOrgSettings, Summary: "Change the organisation's name and settings", Handler: h.apiOrganisationPatch, Request: SettingsChange, Response: OrganisationEntity},
		{Method: "GET", Pattern: "/api/v1/members", Perm: bulwark.PermMembersManage, Summary: "List members", Handler: h.apiMembers, Response: MemberEntity, List: true},
		{Method: "GET", Pattern: "/api/v1/members/{id}", Perm: bulwark.PermMembersManage, Summary: "Read a member", Handler: h.apiMember, Response: MemberEntity},
		{Method: "PATCH", Pattern: "/api/v1/members/{id}", Perm: bulwark.PermMembersManage, Summary: "Change a member's role, expiry or activity", Handler: h.apiMemberPatch, Request: MemberEntity, Response: MemberEntity},
		{Method: "POST", Pattern: "/api/v1/members/{id}/password-reset", Perm: bulwark.PermMembersManage, Summary: "Issue a one-time password reset link", Handler: h.apiMemberReset, Body: web.Props(), Reply: resetLinkSchema, Status: http.StatusCreated},
		{Method: "GET", Pattern: "/api/v1/invitations", Perm: bulwark.PermMembersManage, Summary: "List invitations", Handler: h.apiInvitations, Response: InvitationEntity, List: true},
		{Method: "POST", Pattern: "/api/v1/invitations", Perm: bulwark.PermMembersManage, Summary: "Invite someone by email; the link is returned", Handler: h.apiInvite, Request: InvitationEntity, Response: InvitationEntity, Status: http.StatusCreated},
		{Method: "GET", Pattern: "/api/v1/invitations/{id}", Perm: bulwark.PermMembersManage, Summary: "Read an invitation", Handler: h.apiInvitation, Response: InvitationEntity},
		{Method: "DELETE", Pattern: "/api/v1/invitations/{id}", Perm: bulwark.PermMembersManage, Summary: "Revoke an invitation", Handler: h.apiInvitationRevoke, Status: http.StatusNoContent},
		{Method: "GET", Pattern: "/api/v1/tokens", Perm: bulwark.PermSelfService, Summary: "List your tokens (?all=true: everyone's, for admins)", Handler: h.apiTokens, Response: TokenEntity, List: true, Query: []field.Param{{Name: "all", Kind: field.Bool}}},
		{Method: "POST", Pattern: "/api/v1/tokens", Perm: bulwark.PermSelfService, Summary: "Create a token; the secret is returned once", Handler: h.apiTokenCreate, Request: TokenEntity, Response: TokenEntity, Status: http.StatusCreated},
		{Method: "GET", Pattern: "/api/v1/tokens/{id}", Perm: bulwark.PermSelfService, Summary: "Read a token (never its secret)", Handler: h.apiToken, Response: TokenEntity},
		{Method: "DELETE", Pattern: "/api/v1/tokens/{id}", Perm: bulwark.PermSelfService, Summary: "Revoke a token", Handler: h.apiTokenRevoke, Status: http.StatusNoContent},
		{Method: "GET", Pattern: "/api/v1/audit-log", Perm: bulwark.PermAuditLogRead, Summary: "List audit entries (filters: actor, entity_type, entity_id, action, from, to)", Handler: h.apiAuditLog, Reply: auditPageSchema, Query: auditListParams},
		{Method: "GET", Pattern: "/api/v1/audit-log/head", Perm: bulwark.PermAuditLogRead, Summary: "The audit chain head (sequence and hash)", Handler: h.apiAuditHead, Response: ChainHeadEntity},
		{Method: "GET", Pattern: "/api/v1/audit-log/export", Perm: bulwark.PermAuditLogRead, Summary: "Export the audit log (?format=csv|json)", Handler: h.apiAuditExport, Query: []field.Param{{Name: "format", Enum: []string{"csv", "json"}}},
			Reply: auditExportSchema, Produces: []string{"text/csv"}},
	}
}

// The area's entities as the API reads and answers them, declared once.
var (
	// OrganisationEntity is the organisation with its settings and classification scheme.
	OrganisationEntity = field.FromStruct("Organisation", organisationJSON{})

	// SettingsChange is what an owner may change of the organisation.
	SettingsChange = &field.Entity{Name: "OrganisationSettings", Fields: []field.Field{
		{Name: "name", Label: "Name", Kind: field.String},
		{Name: "time_zone", Label: "Time zone", Kind: field.String, Help: "an IANA name such as Europe/Paris; due dates and overdue follow it"},
		{Name: "date_order", Label: "Date order", Kind: field.String, Enum: []string{"DMY", "MDY", ""}, Help: "how imports read 03/04/2027; empty: refuse ambiguous dates"},
		{Name: "segregation_of_duties", Label: "Segregation of duties", Kind: field.Bool, Help: "approvers are never the authors (A.5.3)"},
		{Name: "classification_scheme", Label: "Classification scheme", Kind: field.Strings, Help: "the levels, lowest first"},
		{Name: "version", Kind: field.Int},
		{Name: "id", Kind: field.String, ReadOnly: true},
		{Name: "slug", Kind: field.String, ReadOnly: true},
		{Name: "settings", Kind: field.Object, ReadOnly: true},
		{Name: "created_at", Kind: field.DateTime, ReadOnly: true},
	}}

	// MemberEntity is a member of the organisation.
	MemberEntity = &field.Entity{Name: "Member", Fields: []field.Field{
		{Name: "id", Kind: field.String, ReadOnly: true},
		{Name: "user_id", Kind: field.String, ReadOnly: true},
		{Name: "email", Kind: field.String, ReadOnly: true},
		{Name: "name", Kind: field.String, ReadOnly: true},
		{Name: "role", Label: "Role", Kind: field.String, Enum: web.RoleNames},
		{Name: "expires_at", Label: "Expires", Kind: field.DateTime, Nullable: true, Help: "when the membership ends (external auditors' do)"},
		{Name: "deactivated_at", Kind: field.DateTime, Nullable: true, ReadOnly: true},
		{Name: "status", Kind: field.String, Enum: []string{"active", "expired", "deactivated"}, ReadOnly: true},
		{Name: "created_at", Kind: field.DateTime, ReadOnly: true},
		{Name: "version", Kind: field.Int},
		{Name: "active", Label: "Active", Kind: field.Bool, Input: true, Help: "false deactivates the member at once: sessions and tokens end"},
	}}

	// InvitationEntity is an invitation to join the organisation.
	InvitationEntity = &field.Entity{Name: "Invitation", Fields: []field.Field{
		{Name: "id", Kind: field.String, ReadOnly: true},
		{Name: "email", Label: "Email", Kind: field.String, Required: true},
		{Name: "role", Label: "Role", Kind: field.String, Enum: web.RoleNames, Required: true},
		{Name: "status", Kind: field.String, Enum: []string{"pending", "accepted", "revoked", "expired"}, ReadOnly: true},
		{Name: "created_by", Kind: field.String, ReadOnly: true},
		{Name: "created_at", Kind: field.DateTime, ReadOnly: true},
		{Name: "expires_at", Kind: field.DateTime, ReadOnly: true},
		{Name: "accepted_at", Kind: field.DateTime, Nullable: true, ReadOnly: true},
		{Name: "revoked_at", Kind: field.DateTime, Nullable: true, ReadOnly: true},
		{Name: "link", Kind: field.String, ReadOnly: true, Optional: true, Help: "the invitation link, only in the answer to the invitation"},
	}}

	// TokenEntity is an API token; its secret is in the answer to its creation only.
	TokenEntity = field.FromStruct("Token", bulwark.APIToken{}).Writable("name", "scope").OneOf("scope", []string{"", bulwark.TokenScopeAgent})

	// AuditEntryEntity is an entry of the audit trail.
	AuditEntryEntity = field.FromStruct("AuditEntry", bulwark.AuditEntry{})

	// ChainHeadEntity is the head of an audit chain.
	ChainHeadEntity = field.FromStruct("ChainHead", bulwark.ChainHead{})
)

// resetLinkSchema is the answer of a password reset.
var resetLinkSchema = map[string]any{"type": "object", "required": []string{"link", "expires_in_seconds"}, "properties": map[string]any{
	"link": map[string]any{"type": "string"}, "expires_in_seconds": map[string]any{"type": "integer"}}}

// auditPageSchema is a page of the audit log with the chain head.
var auditPageSchema = map[string]any{"type": "object", "required": []string{"items", "next_cursor", "head"}, "properties": map[string]any{
	"items": map[string]any{"type": "array", "items": AuditEntryEntity.Schema()}, "next_cursor": map[string]any{"type": []string{"string", "null"}},
	"head": ChainHeadEntity.Schema()}}

// auditListParams are the filters of the audit log.
var auditListParams = []field.Param{{Name: "limit", Kind: field.Int}, {Name: "cursor"}, {Name: "actor", Help: "an actor id, email or name"},
	{Name: "entity_type"}, {Name: "entity_id"}, {Name: "action"}, {Name: "from", Help: "a date or time"}, {Name: "to", Help: "a date or time"}}

// auditExportSchema is the JSON export of the audit log: the organisation, the
// chain head it was exported at, and every entry up to it.
var auditExportSchema = map[string]any{"type": "object", "required": []string{"organisation", "head", "entries"}, "properties": map[string]any{
	"organisation": map[string]any{"type": "object", "properties": map[string]any{"id": map[string]any{"type": "string"}, "slug": map[string]any{"type": "string"}, "name": map[string]any{"type": "string"}}},
	"head":         ChainHeadEntity.Schema(),
	"entries":      map[string]any{"type": "array", "items": AuditEntryEntity.Schema()}}}

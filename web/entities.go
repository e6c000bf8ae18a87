package web

import (
	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/field"
)

// The kernel's entities as the API reads and answers them, declared once.
var (
	roleNames = func() []string {
		out := make([]string, len(bulwark.Roles))
		for i, r := range bulwark.Roles {
			out[i] = string(r)
		}
		return out
	}()

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
		{Name: "role", Label: "Role", Kind: field.String, Enum: roleNames},
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
		{Name: "role", Label: "Role", Kind: field.String, Enum: roleNames, Required: true},
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

// meSchema is the answer of GET /api/v1/me.
var meSchema = map[string]any{"type": "object", "required": []string{"user", "member", "organisation", "role"}, "additionalProperties": false,
	"properties": map[string]any{
		"user": map[string]any{"type": "object", "required": []string{"id", "email", "name"}, "properties": map[string]any{
			"id": map[string]any{"type": "string"}, "email": map[string]any{"type": "string"}, "name": map[string]any{"type": "string"}}},
		"member":       map[string]any{"type": "object", "required": []string{"id"}, "properties": map[string]any{"id": map[string]any{"type": "string"}}},
		"organisation": map[string]any{"type": "object", "required": []string{"id", "slug", "name"}, "properties": map[string]any{"id": map[string]any{"type": "string"}, "slug": map[string]any{"type": "string"}, "name": map[string]any{"type": "string"}}},
		"role":         map[string]any{"type": "string", "enum": roleNames},
	}}

// resetLinkSchema is the answer of a password reset.
var resetLinkSchema = map[string]any{"type": "object", "required": []string{"link", "expires_in_seconds"}, "properties": map[string]any{
	"link": map[string]any{"type": "string"}, "expires_in_seconds": map[string]any{"type": "integer"}}}

// auditPageSchema is a page of the audit log with the chain head.
var auditPageSchema = map[string]any{"type": "object", "required": []string{"items", "next_cursor", "head"}, "properties": map[string]any{
	"items": map[string]any{"type": "array", "items": AuditEntryEntity.Schema()}, "next_cursor": map[string]any{"type": []string{"string", "null"}},
	"head": ChainHeadEntity.Schema()}}

// tasksSchema is what waits for someone: each area adds its lists.
var tasksSchema = map[string]any{"type": "object", "additionalProperties": map[string]any{"type": []string{"array", "null"}, "items": map[string]any{"type": "object"}}}

// auditListParams are the filters of the audit log.
var auditListParams = []field.Param{{Name: "limit", Kind: field.Int}, {Name: "cursor"}, {Name: "actor", Help: "an actor id, email or name"},
	{Name: "entity_type"}, {Name: "entity_id"}, {Name: "action"}, {Name: "from", Help: "a date or time"}, {Name: "to", Help: "a date or time"}}

// auditExportSchema is the JSON export of the audit log: the organisation, the
// chain head it was exported at, and every entry up to it.
var auditExportSchema = map[string]any{"type": "object", "required": []string{"organisation", "head", "entries"}, "properties": map[string]any{
	"organisation": map[string]any{"type": "object", "properties": map[string]any{"id": map[string]any{"type": "string"}, "slug": map[string]any{"type": "string"}, "name": map[string]any{"type": "string"}}},
	"head":         ChainHeadEntity.Schema(),
	"entries":      map[string]any{"type": "array", "items": AuditEntryEntity.Schema()}}}

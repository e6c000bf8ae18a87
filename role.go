package bulwark

import (
	"fmt"
	"slices"
	"strings"
)

// Role is a member's role in one organisation.
type Role string

// The roles of CONTRACT.md, from most to least powerful.
const (
	RoleOwner       Role = "owner"
	RoleAdmin       Role = "admin"
	RoleManager     Role = "manager"
	RoleContributor Role = "contributor"
	RoleAuditor     Role = "auditor"
	RoleEmployee    Role = "employee"
)

// Roles lists every role, most powerful first.
var Roles = []Role{RoleOwner, RoleAdmin, RoleManager, RoleContributor, RoleAuditor, RoleEmployee}

// ParseRole returns the role named s (case-insensitive).
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	if slices.Contains(Roles, r) {
		return r, nil
	}
	return "", Invalid("role", fmt.Sprintf("%q is not a role; use one of owner, admin, manager, contributor, auditor, employee", s))
}

// Label is the role's name for display.
func (r Role) Label() string {
	if r == "" {
		return ""
	}
	return strings.ToUpper(string(r[:1])) + string(r[1:])
}

// Permission is one thing a route or action needs. Every route declares exactly one.
type Permission string

// Permissions. PermPublic needs no sign-in; PermSignedIn needs a signed-in user but
// no organisation; the rest are held through a role in an organisation.
const (
	PermPublic         Permission = "public"
	PermSignedIn       Permission = "signed_in"
	PermSelfService    Permission = "self_service"    // own account, tasks, published policies, acknowledge, training, report an incident
	PermOrgSettings    Permission = "org_settings"    // organisation settings, delete organisation
	PermMembersManage  Permission = "members_manage"  // members, roles, invitations, others' tokens
	PermISMSRead       Permission = "isms_read"       // registers, SoA, reports, catalog
	PermISMSCreate     Permission = "isms_create"     // create any ISMS record
	PermISMSCreateOwn  Permission = "isms_create_own" // create risks, evidence, incidents
	PermISMSEdit       Permission = "isms_edit"       // edit and archive any ISMS record
	PermISMSEditOwn    Permission = "isms_edit_own"   // edit what one owns or is assigned
	PermApprove        Permission = "approve"         // approve SoA, documents, methodology
	PermRiskSignOffAny Permission = "risk_signoff_any"
	PermRiskSignOffOwn Permission = "risk_signoff_own"
	PermAuditLogRead   Permission = "audit_log_read"
	// PermAgentFacts is held by no role: only a token of scope agent, which holds
	// nothing else, posts a host's facts for the collector it is bound to.
	PermAgentFacts Permission = "agent_facts"
)

// OrgPermissions lists the permissions held through roles (not PermPublic/PermSignedIn).
var OrgPermissions = []Permission{
	PermSelfService, PermOrgSettings, PermMembersManage, PermISMSRead, PermISMSCreate, PermISMSCreateOwn,
	PermISMSEdit, PermISMSEditOwn, PermApprove, PermRiskSignOffAny, PermRiskSignOffOwn, PermAuditLogRead,
}

// PermissionSet is a set of permissions.
type PermissionSet map[Permission]bool

// Has reports whether the set holds p.
func (s PermissionSet) Has(p Permission) bool { return s[p] }

func set(ps ...Permission) PermissionSet {
	s := PermissionSet{}
	for _, p := range ps {
		s[p] = true
	}
	return s
}

// RolePermissions maps each role to what it may do: CONTRACT.md's role table.
type RolePermissions map[Role]PermissionSet

// DefaultRolePermissions returns the role table of CONTRACT.md. A new map each call,
// so a caller (a test) may change its copy.
func DefaultRolePermissions() RolePermissions {
	all := []Permission{PermSelfService, PermISMSRead, PermISMSCreate, PermISMSCreateOwn, PermISMSEdit, PermISMSEditOwn, PermAuditLogRead}
	return RolePermissions{
		RoleOwner:       set(append(all, PermOrgSettings, PermMembersManage, PermApprove, PermRiskSignOffAny, PermRiskSignOffOwn)...),
		RoleAdmin:       set(append(all, PermMembersManage, PermApprove, PermRiskSignOffAny, PermRiskSignOffOwn)...),
		RoleManager:     set(append(all, PermRiskSignOffOwn)...),
		RoleContributor: set(PermSelfService, PermISMSRead, PermISMSCreateOwn, PermISMSEditOwn, PermRiskSignOffOwn),
		RoleAuditor:     set(PermSelfService, PermISMSRead, PermAuditLogRead),
		RoleEmployee:    set(PermSelfService),
	}
}

// CanAssignRole says whether a member with role actor may give role target to
// someone (or take role current away): only owners make or unmake owners.
func CanAssignRole(actor, current, target Role) bool {
	if actor == RoleOwner {
		return true
	}
	return actor == RoleAdmin && current != RoleOwner && target != RoleOwner
}

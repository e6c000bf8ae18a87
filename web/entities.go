package web

import (
	"github.com/bulwark-isms/bulwark"
)

// RoleNames are the roles as the API writes them, for schemas' enums.
var RoleNames = func() []string {
	out := make([]string, len(bulwark.Roles))
	for i, r := range bulwark.Roles {
		out[i] = string(r)
	}
	return out
}()

// meSchema is the answer of GET /api/v1/me.
var meSchema = map[string]any{"type": "object", "required": []string{"user", "member", "organisation", "role"}, "additionalProperties": false,
	"properties": map[string]any{
		"user": map[string]any{"type": "object", "required": []string{"id", "email", "name"}, "properties": map[string]any{
			"id": map[string]any{"type": "string"}, "email": map[string]any{"type": "string"}, "name": map[string]any{"type": "string"}}},
		"member":       map[string]any{"type": "object", "required": []string{"id"}, "properties": map[string]any{"id": map[string]any{"type": "string"}}},
		"organisation": map[string]any{"type": "object", "required": []string{"id", "slug", "name"}, "properties": map[string]any{"id": map[string]any{"type": "string"}, "slug": map[string]any{"type": "string"}, "name": map[string]any{"type": "string"}}},
		"role":         map[string]any{"type": "string", "enum": RoleNames},
	}}

// tasksSchema is what waits for someone: each area adds its lists.
var tasksSchema = map[string]any{"type": "object", "additionalProperties": map[string]any{"type": []string{"array", "null"}, "items": map[string]any{"type": "object"}}}

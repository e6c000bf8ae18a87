package web

import (
	"net/http"
	"strings"
)

// OpenAPI returns the OpenAPI 3.1 document of every API route in the table.
func (s *Server) OpenAPI() map[string]any {
	paths := map[string]any{}
	problem := map[string]any{"description": "Error (RFC 9457)", "content": map[string]any{"application/problem+json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Problem"}}}}
	for _, rt := range s.routes {
		if !rt.API() {
			continue
		}
		item, _ := paths[rt.Pattern].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[rt.Pattern] = item
		}
		op := map[string]any{
			"summary":     rt.Summary,
			"operationId": strings.ToLower(rt.Method) + strings.NewReplacer("/api/v1", "", "/", "_", "{", "", "}", "", "-", "_", ".", "_").Replace(rt.Pattern),
			"responses":   map[string]any{"200": map[string]any{"description": "Success"}, "default": problem},
		}
		if rt.Perm != "public" {
			op["security"] = []any{map[string]any{"bearer": []any{}}}
			op["x-permission"] = rt.Perm
		} else {
			op["security"] = []any{}
		}
		var params []any
		for _, seg := range strings.Split(rt.Pattern, "/") {
			if strings.HasPrefix(seg, "{") {
				params = append(params, map[string]any{"name": strings.Trim(seg, "{}"), "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
			}
		}
		if params != nil {
			op["parameters"] = params
		}
		if rt.Body != nil {
			schema := map[string]any{"type": "object", "properties": rt.Body, "additionalProperties": false}
			content := map[string]any{"application/json": map[string]any{"schema": schema}, "application/merge-patch+json": map[string]any{"schema": schema}}
			if rt.BodyType != "" {
				content = map[string]any{rt.BodyType: map[string]any{"schema": schema}}
			}
			op["requestBody"] = map[string]any{"required": true, "content": content}
		}
		item[strings.ToLower(rt.Method)] = op
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info":    map[string]any{"title": "Bulwark API", "version": s.cfg.Version, "description": "The JSON API of Bulwark, an ISO/IEC 27001:2022 ISMS. Authenticate with Authorization: Bearer bwk_…"},
		"paths":   paths,
		"components": map[string]any{
			"securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer"}},
			"schemas": map[string]any{"Problem": map[string]any{"type": "object", "properties": map[string]any{
				"type": map[string]any{"type": "string"}, "title": map[string]any{"type": "string"}, "status": map[string]any{"type": "integer"},
				"detail": map[string]any{"type": "string"}, "errors": map[string]any{"type": "array", "items": map[string]any{"type": "object",
					"properties": map[string]any{"field": map[string]any{"type": "string"}, "message": map[string]any{"type": "string"}}}}}}},
		},
	}
}

func (s *Server) openapiHandler(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-cache")
	WriteJSON(w, http.StatusOK, s.OpenAPI())
}

package web

import (
	"net/http"
	"strconv"
	"strings"
)

// OpenAPI returns the OpenAPI 3.1 document of every API route in the table,
// written from the routes' declarations: request and response schemas from the
// entities the handlers decode and answer with, query parameters, the success
// status, and a problem response for every error.
func (s *Server) OpenAPI() map[string]any {
	paths := map[string]any{}
	schemas := map[string]any{"Problem": problemSchema}
	problem := map[string]any{"description": "Error (RFC 9457)", "content": map[string]any{"application/problem+json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Problem"}}}}
	ref := func(name string, schema map[string]any) map[string]any {
		schemas[name] = schema
		return map[string]any{"$ref": "#/components/schemas/" + name}
	}
	for _, rt := range s.routes {
		if !rt.API() {
			continue
		}
		item, _ := paths[rt.Pattern].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[rt.Pattern] = item
		}
		status := rt.Status
		if status == 0 {
			status = http.StatusOK
		}
		success := map[string]any{"description": http.StatusText(status)}
		var body map[string]any
		switch {
		case rt.Response != nil && rt.List:
			body = map[string]any{"type": "object", "required": []string{"items", "next_cursor"}, "properties": map[string]any{
				"items":       map[string]any{"type": "array", "items": ref(rt.Response.Name, rt.Response.Schema())},
				"next_cursor": map[string]any{"type": []string{"string", "null"}},
			}}
		case rt.Response != nil:
			body = ref(rt.Response.Name, rt.Response.Schema())
		case rt.Reply != nil:
			body = rt.Reply
		}
		if body != nil {
			success["content"] = map[string]any{"application/json": map[string]any{"schema": body}}
		}
		if len(rt.Produces) > 0 {
			content, _ := success["content"].(map[string]any)
			if content == nil {
				content = map[string]any{}
			}
			for _, mt := range rt.Produces {
				schema := map[string]any{"type": "string", "format": "binary"}
				if mt == "*/*" { // a stored file of any type: a JSON file is still the file, not an API body
					schema = map[string]any{"description": "the file's bytes, as uploaded"}
				}
				content[mt] = map[string]any{"schema": schema}
			}
			success["content"] = content
		}
		op := map[string]any{
			"summary":     rt.Summary,
			"operationId": strings.ToLower(rt.Method) + strings.NewReplacer("/api/v1", "", "/", "_", "{", "", "}", "", "-", "_", ".", "_").Replace(rt.Pattern),
			"responses":   map[string]any{strconv.Itoa(status): success, "default": problem},
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
		for _, q := range rt.Query {
			p := map[string]any{"name": q.Name, "in": "query", "schema": q.Schema()}
			if q.Help != "" {
				p["description"] = q.Help
			}
			params = append(params, p)
		}
		if params != nil {
			op["parameters"] = params
		}
		var reqSchema map[string]any
		switch {
		case rt.Request != nil:
			create := rt.Method == http.MethodPost || rt.Method == http.MethodPut
			name := rt.Request.Name + "Change"
			if create {
				name = rt.Request.Name + "New"
			}
			reqSchema = ref(name, rt.Request.RequestSchema(create))
		case rt.Body != nil:
			reqSchema = map[string]any{"type": "object", "properties": rt.Body, "additionalProperties": false}
		}
		if reqSchema != nil {
			content := map[string]any{"application/json": map[string]any{"schema": reqSchema}}
			if rt.Method == http.MethodPatch {
				content["application/merge-patch+json"] = map[string]any{"schema": reqSchema}
			}
			if rt.BodyType != "" {
				content = map[string]any{rt.BodyType: map[string]any{"schema": reqSchema}}
				if rt.BodyType == "multipart/form-data" {
					// An upload may also be the file itself as the body (name it with ?filename=).
					for _, mt := range SpreadsheetTypes {
						content[mt] = map[string]any{"schema": map[string]any{"type": "string", "contentMediaType": mt}}
					}
				}
			}
			if rt.Multipart != nil {
				content["multipart/form-data"] = map[string]any{"schema": map[string]any{"type": "object", "properties": rt.Multipart}}
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
			"schemas":         schemas,
		},
	}
}

// problemSchema is an RFC 9457 problem with Bulwark's field errors.
var problemSchema = map[string]any{"type": "object", "required": []string{"status", "title"}, "properties": map[string]any{
	"type": map[string]any{"type": "string"}, "title": map[string]any{"type": "string"}, "status": map[string]any{"type": "integer"},
	"detail": map[string]any{"type": "string"}, "request_id": map[string]any{"type": "string"},
	"errors": map[string]any{"type": "array", "items": map[string]any{"type": "object", "required": []string{"field", "message"},
		"properties": map[string]any{"field": map[string]any{"type": "string"}, "message": map[string]any{"type": "string"}}}}}}

func (s *Server) openapiHandler(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-cache")
	WriteJSON(w, http.StatusOK, s.OpenAPI())
}

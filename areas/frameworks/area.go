package frameworks

import (
	"context"
	"embed"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/field"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/web"
)

//go:embed templates
var templates embed.FS

// Service is the framework catalog seen by an organisation (ISO/IEC 27001:2022, NIST CSF 2.0, SOC 2, GDPR, HIPAA and their mappings): each operation checks the principal's permission,
// stays inside its organisation and writes its audit entry in the same
// transaction as the change.
type Service struct {
	*app.Service
}

// New returns the area's service over the kernel's.
func New(k *app.Service) *Service { return &Service{Service: k} }

// store is a transaction seen from the area: the kernel's methods and the area's SQL.
type store struct{ *sqlstore.Tx }

func (s *Service) write(ctx context.Context, fn func(tx store) error) error {
	return s.DB.Write(ctx, func(tx *sqlstore.Tx) error { return fn(store{tx}) })
}

func (s *Service) read(ctx context.Context, fn func(tx store) error) error {
	return s.DB.Read(ctx, func(tx *sqlstore.Tx) error { return fn(store{tx}) })
}

func (s *Service) view(ctx context.Context, fn func(tx store) error) error {
	return s.DB.View(ctx, func(tx *sqlstore.Tx) error { return fn(store{tx}) })
}

// handlers serve the area's pages and API over the kernel's server.
type handlers struct {
	*web.Server
	svc *Service
}

// Area mounts the framework catalog on the server.
func Area(svc *Service) web.Area {
	return web.Area{Name: "frameworks", Mount: func(s *web.Server) web.Mounted {
		h := &handlers{Server: s, svc: svc}
		return web.Mounted{Templates: templates, Routes: h.routes()}
	}}
}

func (h *handlers) routes() []web.Route {
	return append([]web.Route{
		{Method: "GET", Pattern: "/api/v1/frameworks", Perm: bulwark.PermISMSRead, Summary: "List frameworks of the catalog", Handler: h.apiFrameworks, Response: FrameworkEntity, List: true},
		{Method: "GET", Pattern: "/api/v1/frameworks/{key}", Perm: bulwark.PermISMSRead, Summary: "Read a framework by id or slug", Handler: h.apiFramework, Response: FrameworkEntity},
		{Method: "GET", Pattern: "/api/v1/frameworks/{key}/requirements", Perm: bulwark.PermISMSRead, Summary: "List a framework's requirements (q, kind, theme, control_type, security_properties, cybersecurity_concepts, operational_capabilities, security_domains, category, section)", Handler: h.apiRequirements, Response: RequirementEntity, List: true, Query: requirementListParams},
		{Method: "GET", Pattern: "/api/v1/requirements/{id}", Perm: bulwark.PermISMSRead, Summary: "Read a requirement with its mappings both ways and its guidance", Handler: h.apiRequirement, Response: RequirementEntity},
		{Method: "GET", Pattern: "/o/{slug}/frameworks", Perm: bulwark.PermISMSRead, Handler: h.frameworksPage},
		{Method: "GET", Pattern: "/o/{slug}/frameworks/{key}", Perm: bulwark.PermISMSRead, Handler: h.requirementsPage},
		{Method: "GET", Pattern: "/o/{slug}/requirements/{id}", Perm: bulwark.PermISMSRead, Handler: h.requirementPage},
	}, h.PickRoutes("requirements", h.svc.pickSource())...)
}

// requirementListParams are the query parameters of a framework's requirement list.
var requirementListParams = append([]field.Param{{Name: "limit", Kind: field.Int}, {Name: "cursor"}, {Name: "q"}, {Name: "kind"}},
	func() []field.Param {
		var ps []field.Param
		for _, a := range FilterAttributes {
			ps = append(ps, field.Param{Name: a})
		}
		return ps
	}()...)

package controls

import (
	"context"
	"embed"
	"net/http"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/areas/frameworks"
	"github.com/bulwark-isms/bulwark/field"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/web"
)

//go:embed templates
var templates embed.FS

// Service is the organisation's control set (Annex A and custom controls): each operation checks the principal's permission,
// stays inside its organisation and writes its audit entry in the same
// transaction as the change.
type Service struct {
	*app.Service
}

// New returns the area's service over the kernel's.
func New(k *app.Service) *Service {
	k.AddSeeder(seed)
	// The daily outbox tells owners of applicable controls whose review falls due within a week, or is overdue.
	k.AddDue(app.DueFromQuery("control_review_due", "/controls/%s", `SELECT owner_id, id, ref, title, review_date FROM controls
		WHERE org_id = ? AND owner_id IS NOT NULL AND archived_at IS NULL AND status <> 'not_applicable' AND review_date IS NOT NULL AND review_date <= ?`))
	k.AddImport("controls", PermImport)
	return &Service{Service: k}
}

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
	fw  *frameworks.Service // the catalog: a control's guidance, requirement labels
}

// Area mounts the control set on the server, over the catalog's service.
func Area(svc *Service, fw *frameworks.Service) web.Area {
	return web.Area{Name: "controls", Mount: func(s *web.Server) web.Mounted {
		h := &handlers{Server: s, svc: svc, fw: fw}
		return web.Mounted{Templates: templates, Routes: h.routes(), Dashboard: h.dashboardPart, Tasks: h.tasks}
	}}
}

func (h *handlers) routes() []web.Route {
	s := h.Server
	reg := web.Register{Kind: "controls", Title: "controls", Fields: ControlFields, Import: h.svc.ImportControls, Export: h.svc.ExportControls}
	return append([]web.Route{
		s.ImportRoute(reg, PermImport),
		s.ExportRoute(reg, bulwark.PermISMSRead),
		{Method: "GET", Pattern: "/o/{slug}/import/controls", Perm: PermImport, Handler: s.ImportPage(reg)},
		{Method: "POST", Pattern: "/o/{slug}/import/controls", Perm: PermImport, Handler: s.ImportUpload(reg)},
		{Method: "GET", Pattern: "/o/{slug}/import/controls/{id}", Perm: PermImport, Handler: s.ImportPreview(reg)},
		{Method: "POST", Pattern: "/o/{slug}/import/controls/{id}/confirm", Perm: PermImport, Handler: s.ImportConfirm(reg)},
		{Method: "POST", Pattern: "/o/{slug}/controls/export", Perm: bulwark.PermISMSRead, Handler: s.Export(reg)},
		{Method: "GET", Pattern: "/api/v1/controls", Perm: bulwark.PermISMSRead, Summary: "List the organisation's controls (status, owner_id, theme, q, include_archived)", Handler: h.apiControls, Response: ControlEntity, List: true, Query: controlListParams},
		{Method: "POST", Pattern: "/api/v1/controls", Perm: bulwark.PermISMSCreate, Summary: "Create a custom control (ref C-001 …)", Handler: h.apiControlCreate, Request: ControlEntity, Response: ControlEntity, Status: http.StatusCreated},
		{Method: "POST", Pattern: "/api/v1/controls/bulk", Perm: bulwark.PermISMSEditOwn, Summary: "Give many controls the same owner, status, review date or exclusion justification (all or nothing)", Handler: h.apiControlsBulk, Request: ControlBulkEntity, Reply: map[string]any{"type": "object", "properties": web.Props("updated", "integer"), "required": []string{"updated"}}},
		{Method: "POST", Pattern: "/api/v1/controls/{id}/requirement-links", Perm: bulwark.PermISMSEditOwn, Summary: "Confirm or reject a link a mapping suggested between the control and a requirement", Handler: h.apiLinkDecision, Request: LinkDecisionEntity, Response: ControlEntity},
		{Method: "POST", Pattern: "/o/{slug}/controls/{id}/requirement-links", Perm: bulwark.PermISMSEditOwn, Handler: h.linkDecisionSubmit},
		{Method: "GET", Pattern: "/api/v1/controls/{id}", Perm: bulwark.PermISMSRead, Summary: "Read a control with its requirement links", Handler: h.apiControl, Response: ControlEntity},
		{Method: "PATCH", Pattern: "/api/v1/controls/{id}", Perm: bulwark.PermISMSEditOwn, Summary: "Change a control", Handler: h.apiControlPatch, Request: ControlEntity, Response: ControlEntity},
		{Method: "DELETE", Pattern: "/api/v1/controls/{id}", Perm: bulwark.PermISMSEditOwn, Summary: "Archive a custom control", Handler: h.apiControlArchive, Status: http.StatusNoContent},
		{Method: "GET", Pattern: "/o/{slug}/controls", Perm: bulwark.PermISMSRead, Handler: h.controlsPage},
		{Method: "GET", Pattern: "/o/{slug}/controls/new", Perm: bulwark.PermISMSCreate, Handler: h.controlPage},
		{Method: "POST", Pattern: "/o/{slug}/controls", Perm: bulwark.PermISMSCreate, Handler: h.controlSubmit},
		{Method: "POST", Pattern: "/o/{slug}/controls/bulk", Perm: bulwark.PermISMSEditOwn, Handler: h.controlsBulkSubmit},
		{Method: "GET", Pattern: "/o/{slug}/controls/{id}", Perm: bulwark.PermISMSRead, Handler: h.controlPage},
		{Method: "POST", Pattern: "/o/{slug}/controls/{id}", Perm: bulwark.PermISMSEditOwn, Handler: h.controlSubmit},
	}, append(h.soaRoutes(), h.PickRoutes("controls", h.pickSource())...)...)
}

// BackfillSeeds gives organisations created before the control set and the
// classification scheme existed what a new organisation gets.
var BackfillSeeds = sqlstore.Migration{Version: 20261127140200, Name: "backfill_control_sets", Go: func(ctx context.Context, tx *sqlstore.Tx) error {
	orgs, err := tx.Organisations(ctx)
	if err != nil {
		return err
	}
	for _, o := range orgs {
		if err := seed(ctx, tx, o.ID); err != nil {
			return err
		}
		if err := tx.SeedClassificationScheme(ctx, o.ID); err != nil {
			return err
		}
	}
	return nil
}}

// seed gives organisation orgID one control per Annex A control, unless it has them.
func seed(ctx context.Context, tx *sqlstore.Tx, orgID string) error {
	return store{tx}.SeedControlSet(ctx, orgID)
}

// List returns orgID's controls, for the areas above that link to them.
func List(ctx context.Context, tx *sqlstore.Tx, orgID string, f ControlFilter) ([]*Control, error) {
	return store{tx}.Controls(ctx, orgID, f)
}

// controlListParams are the query parameters of the control list.
var controlListParams = []field.Param{{Name: "status", Enum: ControlStatuses}, {Name: "owner_id"}, {Name: "theme", Help: "an Annex A theme"},
	{Name: "q", Help: "search in ref, title and description"}, {Name: "include_archived", Kind: field.Bool}}

// One returns control id of orgID with its links, for the areas above that change what links to it.
func One(ctx context.Context, tx *sqlstore.Tx, orgID, id string) (*Control, error) {
	return store{tx}.Control(ctx, orgID, id)
}

// Update changes control id inside the caller's transaction as UpdateControl does (the principal's right to
// change it, validation, audit entry, the SoA back to draft), for the areas above that change controls as a
// step of their own (a gap assessment seeding statuses).
func Update(ctx context.Context, tx *sqlstore.Tx, p *bulwark.Principal, id string, in ControlInput) (*Control, error) {
	if err := app.Require(p, bulwark.PermISMSEditOwn); err != nil {
		return nil, err
	}
	return (&Service{}).updateControl(ctx, store{tx}, p, id, in, nil, nil)
}

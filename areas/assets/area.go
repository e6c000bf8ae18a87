package assets

import (
	"context"
	"embed"
	"net/http"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/field"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/web"
)

//go:embed templates
var templates embed.FS

// Service is the asset register's operations (A.5.9, A.5.12): each checks the
// principal's permission, stays inside its organisation and writes its audit
// entry in the same transaction as the change.
type Service struct {
	*app.Service
}

// PermImport is what importing the asset register needs: it creates assets and
// changes any of them. Its routes declare it and ImportAssets checks it; the
// kernel's upload operations check it for the register's uploads.
const PermImport = bulwark.PermISMSEdit

// New returns the asset area's service over the kernel's.
func New(k *app.Service) *Service {
	k.AddImport("assets", PermImport)
	return &Service{Service: k}
}

// store is a transaction seen from the asset area: the kernel's methods and the
// area's SQL.
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

// ByRef returns every asset of orgID, archived ones too, by reference: for the
// areas above that link to assets (a risk's assets in a spreadsheet).
func ByRef(ctx context.Context, tx *sqlstore.Tx, orgID string) (map[string]*Asset, error) {
	return store{tx}.AssetsByRef(ctx, orgID)
}

// ByIDs returns orgID's assets among ids (archived ones too), in ref order: what a risk links to.
func ByIDs(ctx context.Context, tx *sqlstore.Tx, orgID string, ids []string) ([]*Asset, error) {
	return store{tx}.AssetsByID(ctx, orgID, ids)
}

// CountAll counts orgID's live assets.
func CountAll(ctx context.Context, tx *sqlstore.Tx, orgID string) (int, error) {
	return store{tx}.CountAssets(ctx, orgID)
}

// handlers serve the area's pages and API over the kernel's server.
type handlers struct {
	*web.Server
	svc *Service
}

// Area mounts the asset register on the server.
func Area(svc *Service) web.Area {
	return web.Area{Name: "assets", Mount: func(s *web.Server) web.Mounted {
		h := &handlers{Server: s, svc: svc}
		return web.Mounted{Templates: templates, Routes: h.routes()}
	}}
}

func (h *handlers) routes() []web.Route {
	s := h.Server
	reg := web.Register{Kind: "assets", Title: "assets", Fields: AssetFields, Import: h.svc.ImportAssets, Export: h.svc.ExportAssets}
	return append([]web.Route{
		{Method: "GET", Pattern: "/api/v1/assets", Perm: bulwark.PermISMSRead, Summary: "List assets", Handler: h.apiAssets, Response: AssetEntity, List: true, Query: assetListParams},
		{Method: "POST", Pattern: "/api/v1/assets", Perm: bulwark.PermISMSCreate, Summary: "Create an asset", Handler: h.apiAssetCreate, Request: AssetEntity, Response: AssetEntity, Status: http.StatusCreated},
		s.ImportRoute(reg, PermImport),
		s.ExportRoute(reg, bulwark.PermISMSRead),
		{Method: "GET", Pattern: "/api/v1/assets/{id}", Perm: bulwark.PermISMSRead, Summary: "Read an asset", Handler: h.apiAsset, Response: AssetEntity},
		{Method: "PATCH", Pattern: "/api/v1/assets/{id}", Perm: bulwark.PermISMSEditOwn, Summary: "Change an asset", Handler: h.apiAssetPatch, Request: AssetEntity, Response: AssetEntity},
		{Method: "DELETE", Pattern: "/api/v1/assets/{id}", Perm: bulwark.PermISMSEditOwn, Summary: "Archive an asset", Handler: h.apiAssetArchive, Status: http.StatusNoContent},
		{Method: "GET", Pattern: "/o/{slug}/assets", Perm: bulwark.PermISMSRead, Handler: h.assetsPage},
		{Method: "GET", Pattern: "/o/{slug}/assets/new", Perm: bulwark.PermISMSCreate, Handler: h.assetPage},
		{Method: "POST", Pattern: "/o/{slug}/assets", Perm: bulwark.PermISMSCreate, Handler: h.assetSubmit},
		{Method: "GET", Pattern: "/o/{slug}/import/assets", Perm: PermImport, Handler: s.ImportPage(reg)},
		{Method: "POST", Pattern: "/o/{slug}/import/assets", Perm: PermImport, Handler: s.ImportUpload(reg)},
		{Method: "GET", Pattern: "/o/{slug}/import/assets/{id}", Perm: PermImport, Handler: s.ImportPreview(reg)},
		{Method: "POST", Pattern: "/o/{slug}/import/assets/{id}/confirm", Perm: PermImport, Handler: s.ImportConfirm(reg)},
		{Method: "POST", Pattern: "/o/{slug}/assets/export", Perm: bulwark.PermISMSRead, Handler: s.Export(reg)},
		{Method: "GET", Pattern: "/o/{slug}/assets/{id}", Perm: bulwark.PermISMSRead, Handler: h.assetPage},
		{Method: "POST", Pattern: "/o/{slug}/assets/{id}", Perm: bulwark.PermISMSEditOwn, Handler: h.assetSubmit},
		{Method: "POST", Pattern: "/o/{slug}/assets/{id}/archive", Perm: bulwark.PermISMSEditOwn, Handler: h.assetArchive(true)},
		{Method: "POST", Pattern: "/o/{slug}/assets/{id}/restore", Perm: bulwark.PermISMSEditOwn, Handler: h.assetArchive(false)},
	}, h.PickRoutes("assets", h.pickSource())...)
}

// assetListParams are the query parameters of the asset list.
var assetListParams = field.ListParams([]string{"ref", "name", "type", "status", "classification", "review_date", "created_at", "updated_at"},
	field.Param{Name: "type", Enum: AssetTypes}, field.Param{Name: "status", Enum: AssetStatuses}, field.Param{Name: "classification"},
	field.Param{Name: "owner_id"}, field.Param{Name: "custodian_id"}, field.Param{Name: "tag"}, field.Param{Name: "personal_data", Kind: field.Bool},
	field.Param{Name: "from", Kind: field.Date, Help: "review date on or after"}, field.Param{Name: "to", Kind: field.Date, Help: "review date on or before"})

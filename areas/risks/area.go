package risks

import (
	"context"
	"embed"
	"html/template"
	"net/http"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/areas/controls"
	"github.com/bulwark-isms/bulwark/field"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/web"
)

//go:embed templates
var templates embed.FS

// Service is the risk register's operations (6.1.2, 6.1.3, 8.2, 8.3): each checks
// the principal's permission, stays inside its organisation and writes its audit
// entry in the same transaction as the change.
type Service struct {
	*app.Service
}

// New returns the risk area's service over the kernel's and registers what a
// new organisation starts with: methodology version 1 and the threat and
// vulnerability library.
func New(k *app.Service) *Service {
	k.AddSeeder(seed)
	// The daily outbox tells action owners of treatment actions due within a week, or overdue.
	k.AddDue(app.DueFromQuery("risk_action_due", "/risks/%s", `SELECT a.owner_id, r.id, r.ref, a.title, a.due_date FROM risk_actions a
		JOIN risks r ON r.org_id = a.org_id AND r.id = a.risk_id WHERE a.org_id = ? AND a.owner_id IS NOT NULL AND a.status IN ('open', 'in_progress')
		AND a.due_date IS NOT NULL AND a.due_date <= ? AND r.archived_at IS NULL`))
	k.AddImport("risks", PermImport)
	return &Service{Service: k}
}

// PermImport is what importing the risk register needs: it creates risks and
// changes any of them. Its routes declare it and ImportRisks checks it; the
// kernel's upload operations check it for the register's uploads.
const PermImport = bulwark.PermISMSEdit

// DashboardIndex lets the dashboard count live risks per level (inherent and residual) and per owner from indexes alone: on 20,000
// risks the two counts read the whole table otherwise (the same SQL on both databases).
var DashboardIndex = sqlstore.Migration{Version: 20261201230000, Name: "risks_dashboard_index",
	SQL: `CREATE INDEX risks_live_level_owner ON risks(org_id, inherent_level, owner_id) WHERE archived_at IS NULL;
CREATE INDEX risks_live_owner ON risks(org_id, owner_id) WHERE archived_at IS NULL;
CREATE INDEX risks_live_residual ON risks(org_id, residual_level, inherent_level) WHERE archived_at IS NULL;`}

// TallyIndex holds every column the dashboard's risk counts and the readiness lines read, so both count
// 20,000 live risks from one index in a few milliseconds: grouped by level, residual level and owner in the
// index's order (no sort), and readiness's counts of owners, scores and treatments. archived_at is in it
// although always NULL there: without it SQLite did not see the index as covering and read the table
// (27 ms instead of 8 on the large demo). An owner's live risks in reference order serve My tasks' lists
// (sign-offs pending, reviews due) without walking every risk of the organisation when the owner has few:
// the old owner index, a prefix of it, goes. The approvals waiting (assessed risks above the acceptance
// criteria) are found by their level: PostgreSQL read all 20,000 rows for them, 25 ms, and 5 with this index
// (SQLite walks the reference order and stops at the page's end either way).
var TallyIndex = sqlstore.Migration{Version: 20261208100000, Name: "risks_tally_index",
	SQL: `CREATE INDEX risks_live_tally ON risks(org_id, inherent_level, residual_level, owner_id, inherent_score, treatment, archived_at) WHERE archived_at IS NULL;
CREATE INDEX risks_live_owner_number ON risks(org_id, owner_id, ref_number) WHERE archived_at IS NULL;
CREATE INDEX risks_awaiting_approval ON risks(org_id, (COALESCE(residual_level, inherent_level)), ref_number) WHERE archived_at IS NULL AND status IN ('assessed', 'in_treatment');
DROP INDEX risks_live_owner;`}

// BackfillSeeds gives organisations created before risk management existed
// methodology version 1 and the threat and vulnerability library.
var BackfillSeeds = sqlstore.Migration{Version: 20261127160100, Name: "backfill_risk_seeds", Go: func(ctx context.Context, tx *sqlstore.Tx) error {
	orgs, err := tx.Organisations(ctx)
	if err != nil {
		return err
	}
	for _, o := range orgs {
		if err := seed(ctx, tx, o.ID); err != nil {
			return err
		}
	}
	return nil
}}

// seed gives organisation orgID methodology version 1 and the library, unless it has them.
func seed(ctx context.Context, tx *sqlstore.Tx, orgID string) error {
	st := store{tx}
	if err := st.SeedRiskMethodology(ctx, orgID); err != nil {
		return err
	}
	return st.SeedRiskLibrary(ctx, orgID)
}

// store is a transaction seen from the risk area: the kernel's methods and the
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

// handlers serve the area's pages and API over the kernel's server.
type handlers struct {
	*web.Server
	svc *Service
}

// Area mounts the risk register on the server.
func Area(svc *Service) web.Area {
	return web.Area{Name: "risks", Mount: func(s *web.Server) web.Mounted {
		h := &handlers{Server: s, svc: svc}
		return web.Mounted{Templates: templates, Routes: h.routes(), Dashboard: h.dashboardPart, Tasks: h.tasks}
	}}
}

func (h *handlers) routes() []web.Route {
	s := h.Server
	reg := web.Register{Kind: "risks", Title: "risks", Fields: RiskFields, Import: h.svc.ImportRisks, Export: h.svc.ExportRisks}
	return append([]web.Route{
		{Method: "GET", Pattern: "/api/v1/risk-methodology", Perm: bulwark.PermISMSRead, Summary: "The current (approved) risk methodology", Handler: h.apiMethodology, Response: MethodologyEntity},
		{Method: "PUT", Pattern: "/api/v1/risk-methodology", Perm: bulwark.PermISMSEdit, Summary: "Save a new methodology version as a draft for approval", Handler: h.apiMethodologyPut, Request: MethodologyEntity, Response: MethodologyEntity},
		{Method: "GET", Pattern: "/api/v1/risk-methodology/versions", Perm: bulwark.PermISMSRead, Summary: "Every methodology version", Handler: h.apiMethodologies, Response: MethodologyEntity, List: true},
		{Method: "POST", Pattern: "/api/v1/risk-methodology/versions/{version}/approve", Perm: bulwark.PermApprove, Summary: "Approve a draft methodology version", Handler: h.apiMethodologyApprove, Body: web.Props(), Response: MethodologyEntity},
		{Method: "GET", Pattern: "/api/v1/risks", Perm: bulwark.PermISMSRead, Summary: "List risks (q, status, owner_id, treatment, level, kind, likelihood, impact, review_before, sort, include_archived)", Handler: h.apiRisks, Response: RiskEntity, List: true, Query: riskListParams},
		{Method: "POST", Pattern: "/api/v1/risks", Perm: bulwark.PermISMSCreateOwn, Summary: "Create a risk", Handler: h.apiRiskCreate, Request: RiskEntity, Response: RiskEntity, Status: http.StatusCreated},
		s.ImportRoute(reg, PermImport),
		s.ExportRoute(reg, bulwark.PermISMSRead),
		{Method: "GET", Pattern: "/api/v1/risks/treatment-plan", Perm: bulwark.PermISMSRead, Summary: "Export the risk treatment plan (?format=xlsx|pdf)", Handler: h.treatmentPlanExport, Query: []field.Param{{Name: "format", Enum: []string{"xlsx", "pdf"}, Help: "default pdf"}}, Produces: []string{"application/pdf", web.SpreadsheetTypes[1]}},
		{Method: "GET", Pattern: "/api/v1/risks/heatmap", Perm: bulwark.PermISMSRead, Summary: "Risks per likelihood and impact (?kind=inherent|residual)", Handler: h.apiHeatmap, Response: HeatmapEntity, Query: []field.Param{{Name: "kind", Enum: []string{"inherent", "residual"}}}},
		{Method: "GET", Pattern: "/api/v1/risks/{id}", Perm: bulwark.PermISMSRead, Summary: "Read a risk", Handler: h.apiRisk, Response: RiskEntity},
		{Method: "PATCH", Pattern: "/api/v1/risks/{id}", Perm: bulwark.PermISMSEditOwn, Summary: "Change a risk; changing a likelihood or impact voids its sign-offs", Handler: h.apiRiskPatch, Request: RiskEntity, Response: RiskEntity},
		{Method: "DELETE", Pattern: "/api/v1/risks/{id}", Perm: bulwark.PermISMSEditOwn, Summary: "Archive a risk", Handler: h.apiRiskArchive, Status: http.StatusNoContent},
		{Method: "GET", Pattern: "/api/v1/risks/{id}/sign-offs", Perm: bulwark.PermISMSRead, Summary: "A risk's sign-offs", Handler: h.apiSignOffs, Response: SignOffEntity, List: true},
		{Method: "POST", Pattern: "/api/v1/risks/{id}/sign-offs", Perm: bulwark.PermRiskSignOffOwn, Summary: "Sign off a risk's treatment plan and residual risk", Handler: h.apiSignOff, Request: SignOffEntity, Response: SignOffEntity, Status: http.StatusCreated},
		{Method: "GET", Pattern: "/api/v1/risks/{id}/reviews", Perm: bulwark.PermISMSRead, Summary: "A risk's reassessment timeline", Handler: h.apiRiskReviews, Response: ReviewEntity, List: true},
		{Method: "GET", Pattern: "/api/v1/risks/{id}/actions", Perm: bulwark.PermISMSRead, Summary: "A risk's treatment actions", Handler: h.apiActions, Response: ActionEntity, List: true},
		{Method: "POST", Pattern: "/api/v1/risks/{id}/actions", Perm: bulwark.PermISMSEditOwn, Summary: "Add a treatment action", Handler: h.apiActionSave, Request: ActionEntity, Response: ActionEntity, Status: http.StatusCreated},
		{Method: "PATCH", Pattern: "/api/v1/risks/{id}/actions/{action}", Perm: bulwark.PermISMSEditOwn, Summary: "Change a treatment action", Handler: h.apiActionSave, Request: ActionEntity, Response: ActionEntity},
		{Method: "GET", Pattern: "/api/v1/threats", Perm: bulwark.PermISMSRead, Summary: "The organisation's threat library", Handler: h.apiLibrary("threat"), Response: LibraryItemEntity, List: true},
		{Method: "POST", Pattern: "/api/v1/threats", Perm: bulwark.PermISMSEdit, Summary: "Add a threat to the library", Handler: h.apiLibrarySave("threat"), Request: LibraryItemEntity, Response: LibraryItemEntity, Status: http.StatusCreated},
		{Method: "PATCH", Pattern: "/api/v1/threats/{id}", Perm: bulwark.PermISMSEdit, Summary: "Change a threat of the library", Handler: h.apiLibrarySave("threat"), Request: LibraryItemEntity, Response: LibraryItemEntity},
		{Method: "GET", Pattern: "/api/v1/vulnerabilities", Perm: bulwark.PermISMSRead, Summary: "The organisation's vulnerability library", Handler: h.apiLibrary("vulnerability"), Response: LibraryItemEntity, List: true},
		{Method: "POST", Pattern: "/api/v1/vulnerabilities", Perm: bulwark.PermISMSEdit, Summary: "Add a vulnerability to the library", Handler: h.apiLibrarySave("vulnerability"), Request: LibraryItemEntity, Response: LibraryItemEntity, Status: http.StatusCreated},
		{Method: "PATCH", Pattern: "/api/v1/vulnerabilities/{id}", Perm: bulwark.PermISMSEdit, Summary: "Change a vulnerability of the library", Handler: h.apiLibrarySave("vulnerability"), Request: LibraryItemEntity, Response: LibraryItemEntity},
		{Method: "GET", Pattern: "/api/v1/risk-methodology/rescore-preview", Perm: bulwark.PermISMSRead, Summary: "Risks on older methodology versions and where their values would land", Handler: h.apiRescorePreview, Response: RescoreEntity, List: true},
		{Method: "GET", Pattern: "/api/v1/risks/{id}/suggested-controls", Perm: bulwark.PermISMSRead, Summary: "Controls the library suggests for the risk's threat and vulnerability", Handler: h.apiSuggestedControls, Response: controls.ControlEntity, List: true},
		{Method: "GET", Pattern: "/o/{slug}/import/risks", Perm: PermImport, Handler: s.ImportPage(reg)},
		{Method: "POST", Pattern: "/o/{slug}/import/risks", Perm: PermImport, Handler: s.ImportUpload(reg)},
		{Method: "GET", Pattern: "/o/{slug}/import/risks/{id}", Perm: PermImport, Handler: s.ImportPreview(reg)},
		{Method: "POST", Pattern: "/o/{slug}/import/risks/{id}/confirm", Perm: PermImport, Handler: s.ImportConfirm(reg)},
		{Method: "POST", Pattern: "/o/{slug}/risks/export", Perm: bulwark.PermISMSRead, Handler: s.Export(reg)},
		{Method: "GET", Pattern: "/o/{slug}/risks", Perm: bulwark.PermISMSRead, Handler: h.risksPage},
		{Method: "GET", Pattern: "/o/{slug}/risks/new", Perm: bulwark.PermISMSCreateOwn, Handler: h.riskPage},
		{Method: "GET", Pattern: "/o/{slug}/risks/treatment-plan", Perm: bulwark.PermISMSRead, Handler: h.treatmentPlanPage},
		{Method: "GET", Pattern: "/o/{slug}/risk-methodology", Perm: bulwark.PermISMSRead, Handler: h.methodologyPage},
		{Method: "GET", Pattern: "/o/{slug}/risk-library", Perm: bulwark.PermISMSRead, Handler: h.libraryPage},
		{Method: "POST", Pattern: "/o/{slug}/risk-library/{kind}", Perm: bulwark.PermISMSEdit, Handler: h.librarySubmit},
		{Method: "POST", Pattern: "/o/{slug}/risk-library/{kind}/{id}", Perm: bulwark.PermISMSEdit, Handler: h.librarySubmit},
		{Method: "POST", Pattern: "/o/{slug}/risk-methodology", Perm: bulwark.PermISMSEdit, Handler: h.methodologySubmit},
		{Method: "POST", Pattern: "/o/{slug}/risk-methodology/{version}/approve", Perm: bulwark.PermApprove, Handler: h.methodologyApprove},
		{Method: "POST", Pattern: "/o/{slug}/risks/treatment-plan/export", Perm: bulwark.PermISMSRead, Handler: h.treatmentPlanExport},
		{Method: "POST", Pattern: "/o/{slug}/risks", Perm: bulwark.PermISMSCreateOwn, Handler: h.riskSubmit},
		{Method: "GET", Pattern: "/o/{slug}/risks/{id}", Perm: bulwark.PermISMSRead, Handler: h.riskPage},
		{Method: "POST", Pattern: "/o/{slug}/risks/{id}", Perm: bulwark.PermISMSEditOwn, Handler: h.riskSubmit},
		{Method: "POST", Pattern: "/o/{slug}/risks/{id}/sign-off", Perm: bulwark.PermRiskSignOffOwn, Handler: h.riskSignOff},
		{Method: "POST", Pattern: "/o/{slug}/risks/{id}/actions", Perm: bulwark.PermISMSEditOwn, Handler: h.riskActionSubmit},
		{Method: "POST", Pattern: "/o/{slug}/risks/{id}/actions/{action}", Perm: bulwark.PermISMSEditOwn, Handler: h.riskActionSubmit},
	}, h.controlLinkRoutes()...)
}

// dashboardPart renders the risks' part of the dashboard for those who read the ISMS.
func (h *handlers) dashboardPart(r *http.Request) (template.HTML, error) {
	p := web.PrincipalFrom(r)
	if !p.Can(bulwark.PermISMSRead) {
		return "", nil
	}
	sum, err := h.svc.RiskSummary(r.Context(), p)
	if err != nil {
		return "", err
	}
	_, names, err := h.Directory(r)
	if err != nil {
		return "", err
	}
	return h.Partial("risks-dashboard", &web.Page{P: p, Data: map[string]any{"Risks": sum, "Names": names}})
}

// tasks says what waits for the principal in the risk register.
func (h *handlers) tasks(r *http.Request) (web.Tasks, error) {
	p := web.PrincipalFrom(r)
	t, err := h.svc.MyTasks(r.Context(), p)
	if err != nil {
		return web.Tasks{}, err
	}
	html, err := h.Partial("risks-tasks", &web.Page{P: p, Data: t})
	if err != nil {
		return web.Tasks{}, err
	}
	return web.Tasks{
		Count: len(t.OverdueActions) + len(t.OpenActions) + len(t.PendingSignOffs) + len(t.ApprovalsWaiting) + len(t.ReviewsDue),
		JSON: map[string]any{"overdue_actions": t.OverdueActions, "open_actions": t.OpenActions, "pending_sign_offs": t.PendingSignOffs,
			"approvals_waiting": t.ApprovalsWaiting, "reviews_due": t.ReviewsDue},
		HTML: html,
	}, nil
}

// riskListParams are the query parameters of the risk list.
var riskListParams = field.ListParams([]string{"ref", "title", "status", "review_date", "inherent_score", "residual_score", "updated_at"},
	field.Param{Name: "status", Enum: RiskStatuses}, field.Param{Name: "owner_id"}, field.Param{Name: "treatment", Enum: RiskTreatments},
	field.Param{Name: "level", Help: "a level of the methodology (of kind)"}, field.Param{Name: "kind", Enum: []string{"inherent", "residual"}},
	field.Param{Name: "likelihood", Kind: field.Int}, field.Param{Name: "impact", Kind: field.Int}, field.Param{Name: "methodology_version", Kind: field.Int},
	field.Param{Name: "review_before", Kind: field.Date, Help: "review date on or before"})

// Package areas wires Bulwark's ISMS areas over the kernel, in the order they
// depend on each other (lower areas first). It is the one place that knows every
// area: the command line, the demo and the tests that walk every route start here.
package areas

import (
	"log/slog"

	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/areas/assets"
	"github.com/bulwark-isms/bulwark/areas/audits"
	"github.com/bulwark-isms/bulwark/areas/controls"
	"github.com/bulwark-isms/bulwark/areas/coverage"
	"github.com/bulwark-isms/bulwark/areas/documents"
	"github.com/bulwark-isms/bulwark/areas/evidence"
	"github.com/bulwark-isms/bulwark/areas/frameworks"
	"github.com/bulwark-isms/bulwark/areas/gaps"
	"github.com/bulwark-isms/bulwark/areas/incidents"
	"github.com/bulwark-isms/bulwark/areas/monitoring"
	"github.com/bulwark-isms/bulwark/areas/nonconformities"
	"github.com/bulwark-isms/bulwark/areas/objectives"
	"github.com/bulwark-isms/bulwark/areas/obligations"
	"github.com/bulwark-isms/bulwark/areas/organisation"
	"github.com/bulwark-isms/bulwark/areas/people"
	"github.com/bulwark-isms/bulwark/areas/reviews"
	"github.com/bulwark-isms/bulwark/areas/risks"
	"github.com/bulwark-isms/bulwark/areas/scope"
	"github.com/bulwark-isms/bulwark/areas/search"
	"github.com/bulwark-isms/bulwark/areas/suppliers"
	"github.com/bulwark-isms/bulwark/areas/training"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/web"
)

// ISMS is the kernel's service (embedded: its methods are the ISMS's) with every
// area's service over it.
type ISMS struct {
	*app.Service
	Organisation *organisation.Service
	Frameworks   *frameworks.Service
	Controls     *controls.Service
	Coverage     *coverage.Service
	Gaps         *gaps.Service
	Assets       *assets.Service
	Risks        *risks.Service
	Obligations  *obligations.Service
	Scope        *scope.Service
	People       *people.Service
	Documents    *documents.Service
	Training     *training.Service
	Incidents    *incidents.Service
	Evidence     *evidence.Service
	Monitoring   *monitoring.Service
	Suppliers    *suppliers.Service
	NCs          *nonconformities.Service
	Audits       *audits.Service
	Objectives   *objectives.Service
	Reviews      *reviews.Service
	Search       *search.Service
}

// New builds every area over the kernel service k, registering what each seeds
// into a new organisation.
func New(k *app.Service) *ISMS {
	m := &ISMS{Service: k, Organisation: organisation.New(k), Frameworks: frameworks.New(k), Controls: controls.New(k), Coverage: coverage.New(k), Gaps: gaps.New(k), Assets: assets.New(k), Risks: risks.New(k), Obligations: obligations.New(k), Scope: scope.New(k),
		People: people.New(k), Documents: documents.New(k), Training: training.New(k), Evidence: evidence.New(k), Monitoring: monitoring.New(k), Suppliers: suppliers.New(k), NCs: nonconformities.New(k), Audits: audits.New(k), Objectives: objectives.New(k), Search: search.New(k)}
	m.Incidents = incidents.New(k, m.Risks)
	m.Reviews = reviews.New(k, reviews.Sources{NCs: m.NCs, Audits: m.Audits, Objectives: m.Objectives, Monitoring: m.Monitoring, Incidents: m.Incidents})
	return m
}

// Web lists the areas' parts of the server, lower areas first.
func (m *ISMS) Web() []web.Area {
	return []web.Area{organisation.Area(m.Organisation), frameworks.Area(m.Frameworks), controls.Area(m.Controls, m.Frameworks), assets.Area(m.Assets), risks.Area(m.Risks), obligations.Area(m.Obligations), scope.Area(m.Scope),
		people.Area(m.People), documents.Area(m.Documents), training.Area(m.Training, m.Documents), evidence.Area(m.Evidence), incidents.Area(m.Incidents), monitoring.Area(m.Monitoring, m.Evidence), suppliers.Area(m.Suppliers), nonconformities.Area(m.NCs), audits.Area(m.Audits), objectives.Area(m.Objectives), reviews.Area(m.Reviews), coverage.Area(m.Coverage), gaps.Area(m.Gaps), search.Area(m.Search)}
}

// Migrations lists the areas' own migrations: backfills that give organisations created before an area
// existed what it seeds into new ones, and the areas' indexes written in SQL both databases share.
func Migrations() []sqlstore.Migration {
	return []sqlstore.Migration{controls.BackfillSeeds, risks.BackfillSeeds, risks.DashboardIndex, risks.TallyIndex, training.BackfillSeeds, monitoring.BackfillSeeds, incidents.CountIndex}
}

// NewServer builds the HTTP server with every area mounted.
func (m *ISMS) NewServer(cfg web.Config, log *slog.Logger) (*web.Server, error) {
	return web.New(m.Service, cfg, log, m.Web()...)
}

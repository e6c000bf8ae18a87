package web

import (
	"database/sql"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the server's Prometheus metrics, in a registry of its own (no
// global state): the Go runtime and the process, each database pool, requests by
// route pattern and status class, audit entries appended and imports.
type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.HistogramVec
	imports  *prometheus.CounterVec
}

// newMetrics registers the collectors. pools names each database pool (writer,
// reader, postgres); auditAppends reads how many audit entries were appended.
func newMetrics(version string, pools map[string]*sql.DB, auditAppends func() int64) *metrics {
	reg := prometheus.NewRegistry()
	m := &metrics{
		registry: reg,
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "bulwark_http_request_duration_seconds",
			Help:    "HTTP request latency by route pattern and status class (2xx, 3xx, 4xx, 5xx).",
			Buckets: []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5},
		}, []string{"route", "status"}),
		imports: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bulwark_imports_total",
			Help: "Spreadsheet imports by register and outcome (imported, refused, dry_run).",
		}, []string{"kind", "outcome"}),
	}
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.requests, m.imports,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "bulwark_build_info", Help: "Build information.", ConstLabels: prometheus.Labels{"version": version}},
			func() float64 { return 1 }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "bulwark_audit_entries_appended_total", Help: "Audit entries appended by this process."},
			func() float64 { return float64(auditAppends()) }),
	)
	for name, pool := range pools {
		// go_sql_* by db_name: open, in use, idle, and how often and how long requests waited for a connection.
		reg.MustRegister(collectors.NewDBStatsCollector(pool, name))
	}
	return m
}

// observe records a request.
func (m *metrics) observe(pattern string, status int, d time.Duration) {
	if status == 0 {
		status = http.StatusOK
	}
	m.requests.WithLabelValues(pattern, strconv.Itoa(status/100)+"xx").Observe(d.Seconds())
}

// countImport counts an import of a register's spreadsheet (outcome: imported, refused, dry_run).
func (s *Server) countImport(kind, outcome string) {
	s.metrics.imports.WithLabelValues(kind, outcome).Inc()
}

// MetricsHandler serves the metrics in the Prometheus text format: on /metrics of
// the server, or on a listener of its own (--metrics-addr).
func (s *Server) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(s.metrics.registry, promhttp.HandlerOpts{})
}

func (s *Server) metricsHandler(w http.ResponseWriter, r *http.Request) {
	if s.cfg.MetricsElsewhere {
		http.NotFound(w, r)
		return
	}
	s.MetricsHandler().ServeHTTP(w, r)
}

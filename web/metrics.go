package web

import (
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"time"
)

// metrics keeps request counts and latency histograms per route pattern, written
// in the Prometheus text format. Small enough not to need a client library.
type metrics struct {
	mu       sync.Mutex
	requests map[[2]string]uint64 // pattern, status
	hist     map[string]*histogram
	started  time.Time
}

var buckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5}

type histogram struct {
	counts []uint64
	sum    float64
	count  uint64
}

func newMetrics() *metrics {
	return &metrics{requests: map[[2]string]uint64{}, hist: map[string]*histogram{}, started: time.Now()}
}

func (m *metrics) observe(pattern string, status int, d time.Duration) {
	if status == 0 {
		status = http.StatusOK
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests[[2]string{pattern, strconv.Itoa(status)}]++
	h := m.hist[pattern]
	if h == nil {
		h = &histogram{counts: make([]uint64, len(buckets))}
		m.hist[pattern] = h
	}
	sec := d.Seconds()
	for i, b := range buckets {
		if sec <= b {
			h.counts[i]++
		}
	}
	h.sum += sec
	h.count++
}

func (m *metrics) write(w io.Writer, version string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	fmt.Fprintf(w, "# HELP bulwark_build_info Build information.\n# TYPE bulwark_build_info gauge\nbulwark_build_info{version=%q} 1\n", version)
	fmt.Fprintf(w, "# HELP bulwark_uptime_seconds Seconds since the process started.\n# TYPE bulwark_uptime_seconds gauge\nbulwark_uptime_seconds %g\n", time.Since(m.started).Seconds())
	fmt.Fprintln(w, "# HELP bulwark_http_requests_total HTTP requests by route and status.\n# TYPE bulwark_http_requests_total counter")
	keys := make([][2]string, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i][0]+keys[i][1] < keys[j][0]+keys[j][1] })
	for _, k := range keys {
		fmt.Fprintf(w, "bulwark_http_requests_total{route=%q,status=%q} %d\n", k[0], k[1], m.requests[k])
	}
	fmt.Fprintln(w, "# HELP bulwark_http_request_duration_seconds HTTP request latency by route.\n# TYPE bulwark_http_request_duration_seconds histogram")
	routes := make([]string, 0, len(m.hist))
	for r := range m.hist {
		routes = append(routes, r)
	}
	sort.Strings(routes)
	for _, r := range routes {
		h := m.hist[r]
		for i, b := range buckets {
			fmt.Fprintf(w, "bulwark_http_request_duration_seconds_bucket{route=%q,le=%q} %d\n", r, strconv.FormatFloat(b, 'g', -1, 64), h.counts[i])
		}
		fmt.Fprintf(w, "bulwark_http_request_duration_seconds_bucket{route=%q,le=\"+Inf\"} %d\n", r, h.count)
		fmt.Fprintf(w, "bulwark_http_request_duration_seconds_sum{route=%q} %g\n", r, h.sum)
		fmt.Fprintf(w, "bulwark_http_request_duration_seconds_count{route=%q} %d\n", r, h.count)
	}
}

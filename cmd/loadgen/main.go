// Command loadgen measures a running Bulwark the way its users load it: it starts `bulwark serve` on a
// database (normally one grown by `bulwark demo --size large`), times the start, reads the resident memory,
// and drives the API and the UI over loopback HTTP — list reads at high concurrency, UI pages one after
// another, concurrent writers with optimistic locking, and a mixed day — next to a trivial net/http JSON
// handler measured in the same run, so that figures are read as a share of what this machine's HTTP stack
// can do. It is a separate program: the bulwark binary does not carry it.
//
//	go build -o /tmp/bulwark ./cmd/bulwark && go build -o /tmp/loadgen ./cmd/loadgen
//	/tmp/bulwark demo --size large --no-serve --db sqlite:/tmp/large.db   # prints the demo password
//	/tmp/loadgen --bulwark /tmp/bulwark --db sqlite:/tmp/large.db --password demo-…
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// config is what the flags say.
type config struct {
	bulwark, db, dataDir, email, password string
	profileDir                            string
	duration                              time.Duration
	concurrency, uiRepeats                int
}

func main() {
	var c config
	flag.StringVar(&c.bulwark, "bulwark", "bulwark", "the bulwark binary to start")
	flag.StringVar(&c.db, "db", "", "the database to serve (sqlite:PATH or postgres://…), normally grown by 'bulwark demo --size large'")
	flag.StringVar(&c.dataDir, "data-dir", "", "the server's --data-dir (default: a temporary directory)")
	flag.StringVar(&c.email, "email", "olivia.hart@northwind.example", "the member the load acts as (the demo's owner)")
	flag.StringVar(&c.password, "password", "", "that member's password, for the UI pages (the demo prints it); without it the UI scenario is skipped")
	flag.DurationVar(&c.duration, "duration", 10*time.Second, "how long each concurrent scenario runs")
	flag.IntVar(&c.concurrency, "c", 32, "concurrent clients")
	flag.IntVar(&c.uiRepeats, "ui-repeats", 20, "sequential requests per UI page")
	flag.StringVar(&c.profileDir, "profile", "", "write the server's CPU profile of each concurrent scenario to this directory (go tool pprof BIN FILE)")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: loadgen --bulwark BIN --db DSN [--password P] [--duration 10s] [-c 32]\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if c.db == "" {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(context.Background(), c, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

// result is one scenario's figures.
type result struct {
	name              string
	requests, errors  int
	elapsed           time.Duration
	p50, p99, maxTime time.Duration
}

func (r result) rate() float64 { return float64(r.requests) / r.elapsed.Seconds() }

func (r result) String() string {
	return fmt.Sprintf("%-34s %9.0f req/s  p50 %7s  p99 %7s  max %7s  errors %d (of %d)", r.name, r.rate(),
		ms(r.p50), ms(r.p99), ms(r.maxTime), r.errors, r.requests)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000) }

func run(ctx context.Context, c config, out io.Writer) error {
	client := &http.Client{
		Transport:     &http.Transport{MaxIdleConns: 4 * c.concurrency, MaxIdleConnsPerHost: 4 * c.concurrency, IdleConnTimeout: time.Minute},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       30 * time.Second,
	}

	// The machine's ceiling: a trivial JSON handler over the same loopback and client.
	trivialURL, stopTrivial, err := serveTrivial()
	if err != nil {
		return err
	}
	defer stopTrivial()
	trivial := load(ctx, "trivial net/http JSON handler", c.concurrency, c.duration, func(_ int, _ *rand.Rand) (int, error) {
		return get(client, trivialURL, "", nil)
	})
	fmt.Fprintln(out, trivial)

	srv, err := startServer(ctx, c)
	if err != nil {
		return err
	}
	defer srv.stop()
	fmt.Fprintf(out, "%-34s %s (exec to /readyz 200)\n", "server start", ms(srv.startTime))
	if c.profileDir != "" {
		if err := os.MkdirAll(c.profileDir, 0o755); err != nil {
			return err
		}
		ctx = context.WithValue(ctx, profilerKey{}, profiler(c.profileDir, srv.metricsURL, out))
	}

	token, err := createToken(ctx, c)
	if err != nil {
		return err
	}
	var me struct {
		Organisation struct{ Slug string } `json:"organisation"`
	}
	if _, err := getJSON(client, srv.url+"/api/v1/me", token, &me); err != nil {
		return fmt.Errorf("GET /api/v1/me: %w", err)
	}
	fmt.Fprintf(out, "%-34s %.1f MB (VmRSS after start and one request)\n", "resident memory", srv.rssMB("VmRSS"))

	// API reads at concurrency c.
	var riskPage struct {
		Items []struct {
			ID      string `json:"id"`
			Version int    `json:"version"`
		} `json:"items"`
	}
	if _, err := getJSON(client, srv.url+"/api/v1/risks?limit=200", token, &riskPage); err != nil || len(riskPage.Items) < c.concurrency {
		return fmt.Errorf("the database needs at least %d risks (found %d): %v", c.concurrency, len(riskPage.Items), err)
	}
	var riskList result
	for _, s := range []struct{ name, path string }{
		{"API risks ?limit=50", "/api/v1/risks?limit=50"},
		{"API risks ?limit=50&level=high", "/api/v1/risks?limit=50&level=high"},
		{"API assets ?limit=50", "/api/v1/assets?limit=50"},
		{"API controls (93)", "/api/v1/controls"},
		{"API audit log ?limit=50", "/api/v1/audit-log?limit=50"},
	} {
		r := load(ctx, s.name, c.concurrency, c.duration, func(int, *rand.Rand) (int, error) {
			return get(client, srv.url+s.path, token, nil)
		})
		if s.path == "/api/v1/risks?limit=50" {
			riskList = r
		}
		fmt.Fprintf(out, "%s  %.1f%% of trivial\n", r, 100*r.rate()/trivial.rate())
	}

	// UI pages, one after another, as a person clicks.
	if c.password != "" {
		cookie, err := signIn(client, srv.url, c.email, c.password)
		if err != nil {
			return err
		}
		base := srv.url + "/o/" + me.Organisation.Slug
		for _, p := range []struct{ name, path string }{
			{"UI dashboard", "/"},
			{"UI risks (register, heat maps)", "/risks"},
			{"UI assets", "/assets"},
			{"UI audit log, risk entries", "/audit-log?entity_type=risk"},
		} {
			r := sequential("", c.uiRepeats, func() (int, error) { return get(client, base+p.path, "", cookie) })
			r.name = p.name
			fmt.Fprintln(out, r)
		}
	} else {
		fmt.Fprintln(out, "UI pages: skipped (no --password)")
	}

	// Writers: each client owns one risk and changes it with If-Match; afterwards every risk must hold its
	// client's last acknowledged write, and its version must have grown by the writes acknowledged.
	type owned struct {
		id             string
		version, start int
		last           string
		acked          int
	}
	risks := make([]*owned, c.concurrency)
	for i := range risks {
		it := riskPage.Items[i]
		risks[i] = &owned{id: it.ID, version: it.Version, start: it.Version}
	}
	var conflicts atomic.Int64
	writes := load(ctx, fmt.Sprintf("API PATCH own risk, If-Match, c=%d", c.concurrency), c.concurrency, c.duration, func(w int, _ *rand.Rand) (int, error) {
		o := risks[w]
		desc := fmt.Sprintf("loadgen writer %d, write %d", w, o.acked+1)
		var got struct {
			Version int `json:"version"`
		}
		code, err := send(client, "PATCH", srv.url+"/api/v1/risks/"+o.id, token, map[string]string{"If-Match": strconv.Quote(strconv.Itoa(o.version))},
			map[string]any{"description": desc}, &got)
		if code == http.StatusConflict {
			conflicts.Add(1)
		}
		if err == nil {
			o.version, o.last = got.Version, desc
			o.acked++
		}
		return code, err
	})
	fmt.Fprintf(out, "%s  conflicts %d\n", writes, conflicts.Load())
	lost := 0
	for _, o := range risks {
		var r struct {
			Description string `json:"description"`
			Version     int    `json:"version"`
		}
		if _, err := getJSON(client, srv.url+"/api/v1/risks/"+o.id, token, &r); err != nil {
			return err
		}
		if (o.acked > 0 && r.Description != o.last) || r.Version != o.start+o.acked {
			lost++
		}
	}
	fmt.Fprintf(out, "%-34s %d risks of %d\n", "lost updates", lost, c.concurrency)

	// A mixed day: mostly reads of every kind, one request in twenty a write.
	mixed := load(ctx, "mixed day (95% reads, 5% writes)", c.concurrency, c.duration, func(w int, rng *rand.Rand) (int, error) {
		switch n := rng.IntN(100); {
		case n < 5:
			o := risks[w]
			var got struct {
				Version int `json:"version"`
			}
			code, err := send(client, "PATCH", srv.url+"/api/v1/risks/"+o.id, token, nil, map[string]any{"description": fmt.Sprintf("mixed day %d", n)}, &got)
			return code, err
		case n < 45:
			return get(client, srv.url+"/api/v1/risks?limit=50&sort=-residual_score", token, nil)
		case n < 65:
			return get(client, srv.url+"/api/v1/risks/"+riskPage.Items[rng.IntN(len(riskPage.Items))].ID, token, nil)
		case n < 80:
			return get(client, srv.url+"/api/v1/assets?limit=50", token, nil)
		case n < 90:
			return get(client, srv.url+"/api/v1/controls", token, nil)
		default:
			return get(client, srv.url+"/api/v1/audit-log?limit=50", token, nil)
		}
	})
	fmt.Fprintln(out, mixed)
	fmt.Fprintf(out, "%-34s %.1f MB now, %.1f MB peak (VmRSS, VmHWM)\n", "resident memory after the load", srv.rssMB("VmRSS"), srv.rssMB("VmHWM"))
	fmt.Fprintf(out, "%-34s %.1f%% of trivial\n", "risk list share", 100*riskList.rate()/trivial.rate())
	return nil
}

// load runs fn from c workers for d and gathers the latencies. A worker's fn gets its index and its own
// random source; a status outside 2xx or an error counts as an error.
func load(ctx context.Context, name string, c int, d time.Duration, fn func(worker int, rng *rand.Rand) (int, error)) result {
	if p, ok := ctx.Value(profilerKey{}).(func(string, time.Duration) func()); ok {
		defer p(name, d)()
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	lat := make([][]time.Duration, c)
	errs := make([]int, c)
	var wg sync.WaitGroup
	start := time.Now()
	for w := range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 8))
			for ctx.Err() == nil {
				t := time.Now()
				code, err := fn(w, rng)
				lat[w] = append(lat[w], time.Since(t))
				if err != nil || code < 200 || code > 299 {
					errs[w]++
				}
			}
		}()
	}
	wg.Wait()
	return summarise(name, time.Since(start), slices.Concat(lat...), sum(errs))
}

// profilerKey carries, in a context, the function that profiles the server during a scenario.
type profilerKey struct{}

// profiler starts a CPU profile of the server for d on its metrics listener, written to dir/NAME.prof; the
// returned function waits for it.
func profiler(dir, metricsURL string, out io.Writer) func(string, time.Duration) func() {
	return func(name string, d time.Duration) func() {
		done := make(chan struct{})
		go func() {
			defer close(done)
			file := filepath.Join(dir, strings.Trim(strings.Map(func(r rune) rune {
				if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
					return r
				}
				return '-'
			}, name), "-")+".prof")
			secs := max(1, int(d.Seconds())-1)
			res, err := http.Get(fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", metricsURL, secs))
			if err != nil {
				fmt.Fprintln(out, "profile:", err)
				return
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			if err := os.WriteFile(file, b, 0o644); err != nil {
				fmt.Fprintln(out, "profile:", err)
			}
		}()
		return func() { <-done }
	}
}

// sequential runs fn n times, one after another.
func sequential(name string, n int, fn func() (int, error)) result {
	var lat []time.Duration
	errs := 0
	start := time.Now()
	for range n {
		t := time.Now()
		code, err := fn()
		lat = append(lat, time.Since(t))
		if err != nil || code != http.StatusOK {
			errs++
		}
	}
	return summarise(name, time.Since(start), lat, errs)
}

func summarise(name string, elapsed time.Duration, lat []time.Duration, errs int) result {
	slices.Sort(lat)
	r := result{name: name, requests: len(lat), errors: errs, elapsed: elapsed}
	if len(lat) > 0 {
		r.p50, r.p99, r.maxTime = lat[len(lat)/2], lat[min(len(lat)-1, len(lat)*99/100)], lat[len(lat)-1]
	}
	return r
}

func sum(v []int) int {
	t := 0
	for _, n := range v {
		t += n
	}
	return t
}

// get reads url, discarding the body, and returns the status.
func get(client *http.Client, url, token string, cookie *http.Cookie) (int, error) {
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		return 0, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if cookie != nil {
		req.AddCookie(cookie)
	}
	res, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	_, err = io.Copy(io.Discard, res.Body)
	return res.StatusCode, err
}

func getJSON(client *http.Client, url, token string, v any) (int, error) {
	return send(client, "GET", url, token, nil, nil, v)
}

// send makes a JSON request and decodes a 2xx reply into v; another status is an error naming it.
func send(client *http.Client, method, url, token string, headers map[string]string, body, v any) (int, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, h := range headers {
		req.Header.Set(k, h)
	}
	res, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return res.StatusCode, err
	}
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return res.StatusCode, fmt.Errorf("%s %s: %d %s", method, url, res.StatusCode, bytes.TrimSpace(b[:min(len(b), 300)]))
	}
	if v != nil {
		return res.StatusCode, json.Unmarshal(b, v)
	}
	return res.StatusCode, nil
}

// signIn posts the sign-in form as a browser would and returns the session cookie.
func signIn(client *http.Client, base, email, password string) (*http.Cookie, error) {
	req, err := http.NewRequest("POST", base+"/signin", strings.NewReader(url.Values{"email": {email}, "password": {password}}.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	for _, c := range res.Cookies() {
		if c.Name == "bulwark_session" && c.Value != "" {
			return c, nil
		}
	}
	return nil, fmt.Errorf("sign in as %s: status %d and no session (is --password the demo's?)", email, res.StatusCode)
}

// serveTrivial serves {"status":"ok","items":[]} on a loopback port.
func serveTrivial() (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"status": "ok", "items": []any{}})
	})}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String() + "/", func() { _ = srv.Close() }, nil
}

// server is a `bulwark serve` child process.
type server struct {
	cmd        *exec.Cmd
	url        string
	startTime  time.Duration
	tmp, log   string
	metricsURL string
}

func startServer(ctx context.Context, c config) (*server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	mln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	maddr := mln.Addr().String()
	mln.Close()
	s := &server{url: "http://" + addr, metricsURL: "http://" + maddr}
	dataDir := c.dataDir
	if dataDir == "" {
		if s.tmp, err = os.MkdirTemp("", "loadgen-"); err != nil {
			return nil, err
		}
		dataDir = s.tmp
	}
	s.cmd = exec.CommandContext(ctx, c.bulwark, "serve", "--addr", addr, "--metrics-addr", maddr, "--db", c.db, "--data-dir", dataDir, "--log-format", "json")
	// The server's log (a line per request) goes to a file, not to memory here.
	logFile, err := os.CreateTemp("", "loadgen-serve-*.log")
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	s.log = logFile.Name()
	s.cmd.Stdout, s.cmd.Stderr = logFile, logFile
	start := time.Now()
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", c.bulwark, err)
	}
	for {
		if code, err := get(http.DefaultClient, s.url+"/readyz", "", nil); err == nil && code == http.StatusOK {
			s.startTime = time.Since(start)
			return s, nil
		}
		if time.Since(start) > 30*time.Second {
			s.stop()
			b, _ := os.ReadFile(s.log)
			return nil, fmt.Errorf("bulwark serve was not ready within 30 s:\n%s", b[:min(len(b), 4000)])
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func (s *server) stop() {
	if s.cmd.Process != nil {
		_ = s.cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = s.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = s.cmd.Process.Kill()
		}
	}
	if s.tmp != "" {
		_ = os.RemoveAll(s.tmp)
	}
	_ = os.Remove(s.log)
}

// rssMB reads a memory line (VmRSS, VmHWM) of the server's /proc status in MB.
func (s *server) rssMB(key string) float64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), key+":"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 64)
			return kb / 1024
		}
	}
	return -1
}

// createToken asks the bulwark CLI for an API token of the member.
func createToken(ctx context.Context, c config) (string, error) {
	args := []string{"token", "create", "--db", c.db, "--email", c.email, "--name", "loadgen"}
	if c.dataDir != "" {
		args = append(args, "--data-dir", c.dataDir)
	}
	cmd := exec.CommandContext(ctx, c.bulwark, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return "", fmt.Errorf("bulwark token create: %s", strings.TrimSpace(stderr.String()))
		}
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

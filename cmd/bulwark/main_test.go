package main_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
)

var binary string

// TestMain builds the real binary once; the tests run it as a user would.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "bulwark-e2e-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "bulwark")
	// -buildvcs=true: the version command must print the checkout's commit even where GOFLAGS turns stamping off.
	out, err := exec.Command("go", "build", "-buildvcs=true", "-o", binary, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build bulwark: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	stdout, stderr string
	code           int
}

func run(t *testing.T, dir, stdin string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.Env = append(os.Environ(), "BULWARK_LOG_FORMAT=json")
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{out.String(), errb.String(), code}
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func TestEndToEnd(t *testing.T) {
	for _, d := range sqltest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			dir := t.TempDir()
			dsn := sqltest.EmptyDSN(t, d)
			if d == sqlstore.SQLite {
				dsn = "sqlite:" + filepath.Join(dir, "bulwark.db")
			}
			db := "--db=" + dsn
			res := run(t, dir, "correct horse battery staple\n", "setup", db, "--org", "Acme Ltd", "--email", "ciso@acme.test", "--password-file", "-")
			if res.code != 0 || strings.TrimSpace(res.stdout) != "acme-ltd" {
				t.Fatalf("setup: %+v", res)
			}
			res = run(t, dir, "", "token", "create", db, "--email", "ciso@acme.test")
			token := strings.TrimSpace(res.stdout)
			if res.code != 0 || !strings.HasPrefix(token, "bwk_") || strings.Count(res.stdout, "\n") != 1 {
				t.Fatalf("token create: %+v", res)
			}
			addr, metricsAddr := freeAddr(t), freeAddr(t)
			srv := exec.Command(binary, "serve", db, "--addr", addr, "--data-dir", filepath.Join(dir, "data"), "--metrics-addr", metricsAddr)
			srv.Dir = dir
			var logs bytes.Buffer
			srv.Stderr = &logs
			if err := srv.Start(); err != nil {
				t.Fatal(err)
			}
			defer srv.Process.Kill()
			base := "http://" + addr
			deadline := time.Now().Add(20 * time.Second)
			for {
				res, err := http.Get(base + "/healthz")
				if err == nil && res.StatusCode == 200 {
					res.Body.Close()
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("server did not come up: %s", logs.String())
				}
				time.Sleep(100 * time.Millisecond)
			}
			req, _ := http.NewRequest("GET", base+"/api/v1/me", nil)
			req.Header.Set("Authorization", "Bearer "+token)
			hres, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var me struct {
				User         struct{ Email string }
				Organisation struct{ Slug string }
				Role         string
			}
			body, _ := io.ReadAll(hres.Body)
			hres.Body.Close()
			if err := json.Unmarshal(body, &me); err != nil || hres.StatusCode != 200 || me.User.Email != "ciso@acme.test" || me.Organisation.Slug != "acme-ltd" || me.Role != "owner" {
				t.Fatalf("/api/v1/me: %d %s", hres.StatusCode, body)
			}
			if _, err := os.Stat(filepath.Join(dir, "data", "secret.key")); err != nil {
				t.Errorf("secret key not created: %v", err)
			}
			// --metrics-addr: /metrics there, and not on the public address.
			if res, err := http.Get("http://" + metricsAddr + "/metrics"); err != nil || res.StatusCode != 200 {
				t.Errorf("metrics listener: %v", err)
			} else {
				b, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if !strings.Contains(string(b), `bulwark_http_request_duration_seconds_count{route="GET /api/v1/me",status="2xx"} 1`) {
					t.Errorf("metrics listener: %s", b)
				}
			}
			if res, err := http.Get(base + "/metrics"); err != nil {
				t.Error(err)
			} else if res.Body.Close(); res.StatusCode != http.StatusNotFound {
				t.Errorf("/metrics on the public address with --metrics-addr: %d", res.StatusCode)
			}
			// Go's profiles on the operator's listener only.
			for _, u := range []struct {
				url     string
				profile bool
			}{{"http://" + metricsAddr + "/debug/pprof/goroutine?debug=1", true}, {base + "/debug/pprof/goroutine?debug=1", false}} {
				res, err := http.Get(u.url)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if got := strings.Contains(string(b), "goroutine profile:"); got != u.profile {
					t.Errorf("%s: a goroutine profile %v, want %v (status %d)", u.url, got, u.profile, res.StatusCode)
				}
			}
			// Graceful shutdown on SIGTERM.
			if err := srv.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- srv.Wait() }()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("serve exited with %v: %s", err, logs.String())
				}
			case <-time.After(15 * time.Second):
				t.Fatal("serve did not stop on SIGTERM")
			}
			if !strings.Contains(logs.String(), `"msg":"stopped"`) {
				t.Errorf("no shutdown log: %s", logs.String())
			}

			// serve's scheduler signed the chains' heads with the key in its data directory: verify with that key.
			keyOfServe := "--data-dir=" + filepath.Join(dir, "data")
			res = run(t, dir, "", "audit-log", "verify", db, keyOfServe)
			if res.code != 0 || !strings.Contains(res.stdout, "ok: organisation acme-ltd") {
				t.Fatalf("verify: %+v", res)
			}
			res = run(t, dir, "", "export", "audit-log", db, "--format", "csv", "-o", "-")
			if res.code != 0 || !strings.HasPrefix(res.stdout, "seq,at,actor_id") || !strings.Contains(res.stdout, "audit_log.export") {
				t.Fatalf("export: %+v", res)
			}
			tamper(t, dsn, `UPDATE audit_log SET action = 'forged' WHERE seq = 2`)
			res = run(t, dir, "", "audit-log", "verify", db, keyOfServe)
			first := strings.SplitN(res.stdout, "\n", 2)[0]
			if res.code != 1 || first != "audit log broken: organisation acme-ltd entry 2: its content does not match its hash (the entry was altered)" {
				t.Fatalf("verify after tampering: %+v", res)
			}
			// A second organisation: --org becomes necessary.
			run(t, dir, "correct horse battery staple\n", "setup", db, "--org", "Beta", "--email", "ciso@acme.test", "--password-file", "-")
			res = run(t, dir, "", "token", "create", db, "--email", "ciso@acme.test")
			if res.code != 2 || !strings.Contains(res.stderr, "acme-ltd, beta") {
				t.Fatalf("ambiguous organisation: %+v", res)
			}
			res = run(t, dir, "wrong password here\n", "setup", db, "--org", "Gamma", "--email", "ciso@acme.test", "--password-file", "-")
			if res.code != 1 || !strings.Contains(res.stderr, "does not match") {
				t.Fatalf("setup with a wrong password: %+v", res)
			}
			if res := run(t, dir, "", "token", "create", db, "--email", "ciso@acme.test", "--org", "gamma"); res.code != 2 {
				t.Fatalf("the refused organisation exists: %+v", res)
			}
		})
	}
}

func tamper(t *testing.T, dsn, stmt string) {
	db, err := sqlstore.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	guard := []string{`DROP TRIGGER audit_log_no_update`}
	if db.Dialect == sqlstore.Postgres {
		guard = []string{`ALTER TABLE audit_log DISABLE TRIGGER USER`}
	}
	for _, s := range append(guard, stmt) {
		if _, err := db.SQL().Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func TestFailedMigrationExitsNonZeroAndChangesNothing(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "old.db")
	db, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	// A table in the way makes the first migration fail halfway.
	if _, err := db.Exec(`CREATE TABLE sessions (x INTEGER)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	for _, cmd := range [][]string{{"migrate"}, {"serve", "--addr", freeAddr(t)}} {
		res := run(t, dir, "", append(cmd, "--db", "sqlite:"+path)...)
		if res.code != 1 || !strings.Contains(res.stderr, "cannot migrate the database; it was left as it was") || !strings.Contains(res.stderr, "sessions") {
			t.Fatalf("%v: %+v", cmd, res)
		}
	}
	db, _ = sql.Open("sqlite3", "file:"+path)
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("the failed migration left %d tables (%v)", n, err)
	}
}

// gitHead returns the checkout's commit, which the test binary is stamped with.
func gitHead(t *testing.T) string {
	out, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		t.Fatalf("git rev-parse: %v (the tests run in a git checkout)", err)
	}
	return strings.TrimSpace(string(out))
}

func TestCLIUsage(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		args []string
		code int
		out  string
	}{
		{[]string{"version"}, 0, "commit " + gitHead(t)},
		{[]string{"--help"}, 0, "bulwark setup --org"},
		{[]string{"no-such-command"}, 2, "unknown command"},
		{[]string{"setup", "--org", "X"}, 2, "required flag"},
		{[]string{"export", "statement", "--format", "xlsx", "-o", "-"}, 2, "cannot export"},
		{[]string{"serve", "--session-idle", "soon"}, 2, "--session-idle"},
		{[]string{"backup"}, 2, "-o FILE"},
		{[]string{"backup", "-o", "x.db", "--db", "sqlite:" + filepath.Join(dir, "missing", "nope.db")}, 1, "cannot open the database"},
		{[]string{"import", "incidents", "x.csv"}, 2, ""},
		{[]string{"audit-log", "verify", "--org", "nobody", "--db", "sqlite:" + filepath.Join(dir, "empty.db")}, 2, `no organisation has the slug "nobody"`},
	}
	for _, tt := range tests {
		res := run(t, dir, "", tt.args...)
		if res.code != tt.code || !strings.Contains(res.stdout+res.stderr, tt.out) {
			t.Errorf("%v: %+v, want exit %d with %q", tt.args, res, tt.code, tt.out)
		}
	}
}

func TestImportExportAndDemoFromTheCommandLine(t *testing.T) {
	dir := t.TempDir()
	db := "--db=sqlite:" + filepath.Join(dir, "bulwark.db")
	if res := run(t, dir, "correct horse battery staple\n", "setup", db, "--org", "Northwind", "--email", "maria.lopez@northwind.example", "--password-file", "-"); res.code != 0 {
		t.Fatalf("setup: %+v", res)
	}
	fixture, _ := filepath.Abs("../../tabular/testdata/assets-libreoffice.xlsx")
	res := run(t, dir, "", "import", "assets", fixture, db, "--dry-run")
	if res.code != 1 || !strings.Contains(res.stderr, "row 5, Owner:") || !strings.Contains(res.stderr, "nothing was imported") {
		t.Fatalf("import with unknown owners: %+v", res)
	}
	// Ignore the people columns: the rest imports.
	res = run(t, dir, "", "import", "assets", fixture, db, "--map", "Owner=", "--map", "Custodian=")
	if res.code != 0 || !strings.Contains(res.stdout, "imported 8 new, 0 updated, 0 unchanged (header on row 3, 2 blank rows skipped)") {
		t.Fatalf("import: %+v", res)
	}
	out := filepath.Join(dir, "export.xlsx")
	if res := run(t, dir, "", "export", "assets", db, "--format", "xlsx", "-o", out); res.code != 0 {
		t.Fatalf("export: %+v", res)
	}
	res = run(t, dir, "", "import", "assets", out, db)
	if res.code != 0 || !strings.Contains(res.stdout, "imported 0 new, 0 updated, 8 unchanged") {
		t.Fatalf("re-import of an export: %+v", res)
	}
	if res := run(t, dir, "", "export", "assets", db, "--format", "csv", "-o", "-"); res.code != 0 || !strings.HasPrefix(res.stdout, "ref,name,type,description,owner_id") {
		t.Fatalf("csv export: %+v", res)
	}
	if res := run(t, dir, "", "import", "incidents", fixture, db); res.code != 2 {
		t.Fatalf("import of an unknown kind: %+v", res)
	}
	// A register kept by hand imports without --map: annotated headers match, review dates that lost their
	// format are read as spreadsheet dates and noted, with the file's own header.
	register, _ := filepath.Abs("../../areas/risks/testdata/hand-kept-register.csv")
	res = run(t, dir, "", "import", "risks", register, db, "--dry-run", "--map", "Owner (email)=")
	if res.code != 0 || !strings.Contains(res.stdout, "would import 30 new") ||
		!strings.Contains(res.stderr, "note: row 4, Next review: 46433 was read as a spreadsheet date number: 2027-02-15") ||
		!strings.Contains(res.stderr, "ignored columns: No., Comments") {
		t.Fatalf("import of a hand-kept register: %+v", res)
	}
	// LibreOffice opens the export.
	if _, err := exec.LookPath("libreoffice"); err == nil {
		cmd := exec.Command("libreoffice", "--headless", "--convert-to", "csv", "--outdir", dir, out)
		cmd.Env = append(os.Environ(), "HOME="+dir)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("libreoffice: %v %s", err, b)
		}
		b, err := os.ReadFile(filepath.Join(dir, "export.csv"))
		if err != nil || !strings.Contains(string(b), "A-00") {
			t.Fatalf("libreoffice's reading of the export: %v %s", err, b)
		}
	} else if os.Getenv("CI") != "" {
		t.Fatal("libreoffice is not installed")
	}
	// The demo refuses a database that holds organisations, and seeds a fresh one.
	if res := run(t, dir, "", "demo", db, "--no-serve"); res.code != 1 || !strings.Contains(res.stderr, "already holds organisations") {
		t.Fatalf("demo on a used database: %+v", res)
	}
	if res := run(t, dir, "", "demo", "--no-serve", "--size", "huge", "--db", "sqlite:"+filepath.Join(dir, "demo.db")); res.code != 2 || !strings.Contains(res.stderr, `"huge" is not a size; use normal or large`) {
		t.Fatalf("demo --size huge: %+v", res)
	}
	res = run(t, dir, "", "demo", "--no-serve", "--db", "sqlite:"+filepath.Join(dir, "demo.db"))
	if res.code != 0 || !strings.Contains(res.stdout, "sign in as olivia.hart@northwind.example with the password demo-") {
		t.Fatalf("demo: %+v", res)
	}
	demoDB := "--db=sqlite:" + filepath.Join(dir, "demo.db")
	// A consistent copy of the live database opens and verifies.
	copyPath := filepath.Join(dir, "copy.db")
	if res := run(t, dir, "", "backup", demoDB, "-o", copyPath); res.code != 0 || !strings.Contains(res.stdout, "backed up") {
		t.Fatalf("backup: %+v", res)
	}
	if res := run(t, dir, "", "backup", demoDB, "-o", copyPath); res.code != 1 || !strings.Contains(res.stderr, "already exists") {
		t.Fatalf("backup over an existing file: %+v", res)
	}
	if res := run(t, dir, "", "audit-log", "verify", "--db=sqlite:"+copyPath); res.code != 0 || !strings.Contains(res.stdout, "ok: organisation northwind-health-ltd") {
		t.Fatalf("verify the backup: %+v", res)
	}
	if res := run(t, dir, "", "export", "risks", "--db=sqlite:"+copyPath, "--format", "csv", "-o", "-"); res.code != 0 || strings.Count(res.stdout, "\n") != 61 {
		t.Fatalf("the backup's risks: %d lines, %+v", strings.Count(res.stdout, "\n"), res.stderr)
	}
	res = run(t, dir, "", "export", "assets", demoDB, "--format", "csv", "-o", "-")
	if lines := strings.Count(res.stdout, "\n"); res.code != 0 || lines != 151 {
		t.Fatalf("demo assets: %d lines", lines)
	}
	res = run(t, dir, "", "export", "risks", demoDB, "--format", "csv", "-o", "-")
	if lines := strings.Count(res.stdout, "\n"); res.code != 0 || lines != 61 {
		t.Fatalf("demo risks: %d lines", lines)
	}
	plan := filepath.Join(dir, "plan.pdf")
	if res := run(t, dir, "", "export", "risk-treatment-plan", demoDB, "--format", "pdf", "-o", plan); res.code != 0 {
		t.Fatalf("treatment plan: %+v", res)
	}
	if b, err := os.ReadFile(plan); err != nil || !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatalf("treatment plan file: %v", err)
	}
	// The Statement of Applicability: the live one is a draft; its spreadsheet comes back as controls,
	// changing nothing; an approved revision that does not exist is a clear error.
	soaPDF := filepath.Join(dir, "soa.pdf")
	if res := run(t, dir, "", "export", "soa", demoDB, "--format", "pdf", "-o", soaPDF); res.code != 0 || !strings.Contains(res.stderr, "exported the live Statement of Applicability") {
		t.Fatalf("SoA PDF: %+v", res)
	}
	soaXLSX := filepath.Join(dir, "soa.xlsx")
	if res := run(t, dir, "", "export", "soa", demoDB, "--format", "xlsx", "-o", soaXLSX); res.code != 0 {
		t.Fatalf("SoA XLSX: %+v", res)
	}
	if res := run(t, dir, "", "import", "controls", soaXLSX, demoDB, "--dry-run"); res.code != 0 || !strings.Contains(res.stdout, "would import 0 new, 0 updated, 93 unchanged (header on row 8") {
		t.Fatalf("re-import of the SoA: %+v", res)
	}
	gapPDF := filepath.Join(dir, "gap.pdf")
	if res := run(t, dir, "", "export", "gap-assessment", demoDB, "--assessment", "GA-001", "--format", "pdf", "-o", gapPDF); res.code != 0 || !strings.Contains(res.stderr, "exported gap assessment GA-001") {
		t.Fatalf("gap assessment PDF: %+v", res)
	}
	if res := run(t, dir, "", "export", "gap-assessment", demoDB, "--format", "pdf", "-o", gapPDF); res.code != 2 || !strings.Contains(res.stderr, "--assessment REF") {
		t.Fatalf("gap assessment without --assessment: %+v", res)
	}
	if res := run(t, dir, "", "export", "soa", demoDB, "--format", "json", "--revision", "9", "-o", "-"); res.code != 1 || !strings.Contains(res.stderr, "no approved revision 9") {
		t.Fatalf("an absent revision: %+v", res)
	}
	if res := run(t, dir, "", "export", "risks", demoDB, "--format", "csv", "--revision", "2", "-o", "-"); res.code != 2 || !strings.Contains(res.stderr, "--revision is for soa and scope only") {
		t.Fatalf("--revision on risks: %+v", res)
	}
	if res := run(t, dir, "", "audit-log", "verify", demoDB); res.code != 0 {
		t.Fatalf("demo audit chain: %+v", res)
	}
	// The checkpoints are signed with the instance's key: the public key is stable, and another key does not
	// verify them.
	pub := run(t, dir, "", "audit-log", "public-key")
	if again := run(t, dir, "", "audit-log", "public-key"); pub.code != 0 || len(strings.TrimSpace(pub.stdout)) != 44 || again.stdout != pub.stdout {
		t.Fatalf("public key: %+v %+v", pub, again)
	}
	other := filepath.Join(dir, "other.key")
	if err := os.WriteFile(other, bytes.Repeat([]byte("k"), 32), 0o600); err != nil {
		t.Fatal(err)
	}
	res = run(t, dir, "", "audit-log", "verify", demoDB, "--secret-key-file", other)
	if first := strings.SplitN(res.stdout, "\n", 2)[0]; res.code != 1 || !strings.HasPrefix(first, "audit log broken: organisation northwind-health-ltd entry 100: the signature of the checkpoint") {
		t.Fatalf("verify with another key: %+v", res)
	}
}

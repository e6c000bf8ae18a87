package main_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// peakRSS returns a process's peak resident set size in bytes (Linux: VmHWM).
func peakRSS(t *testing.T, pid int) int64 {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if kb, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(kb), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return n << 10
		}
	}
	t.Fatal("no VmHWM in /proc status")
	return 0
}

// TestConcurrentUploadsKeepMemoryFlat sends eight risk registers of just under
// --max-upload at once to a real server: uploads are spooled to disk and only two
// parse at a time, so the server's peak resident memory stays under 300 MB.
func TestConcurrentUploadsKeepMemoryFlat(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("/proc is needed to read the server's peak memory")
		}
		t.Skip("no /proc")
	}
	const maxUpload = 16 << 20
	dir := t.TempDir()
	db := "--db=sqlite:" + filepath.Join(dir, "bulwark.db")
	if res := run(t, dir, "correct horse battery staple\n", "setup", db, "--org", "Acme", "--email", "ciso@acme.test", "--password-file", "-"); res.code != 0 {
		t.Fatalf("setup: %+v", res)
	}
	token := strings.TrimSpace(run(t, dir, "", "token", "create", db, "--email", "ciso@acme.test").stdout)

	// A register whose long descriptions fill the file to just under the cap.
	var csv bytes.Buffer
	csv.WriteString("Title,Description,Likelihood (1-5),Impact (1-5),Next review\n")
	desc := strings.Repeat("Flooding of the basement server room after heavy rain; ", 34)
	for i := 0; csv.Len() < maxUpload-4096; i++ {
		fmt.Fprintf(&csv, "Risk %d,%s,%d,%d,2027-03-31\n", i, desc, i%5+1, i%4+1)
	}

	addr := freeAddr(t)
	srv := exec.Command(binary, "serve", db, "--addr", addr, "--max-upload", "16MB")
	srv.Dir = dir
	var logs bytes.Buffer
	srv.Stderr = &logs
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Process.Kill()
	base := "http://" + addr
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if res, err := http.Get(base + "/healthz"); err == nil && res.StatusCode == 200 {
			res.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not come up: %s", logs.String())
		}
	}
	before := peakRSS(t, srv.Process.Pid)

	var wg sync.WaitGroup
	statuses := make([]int, 8)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("POST", base+"/api/v1/risks/import?dry_run=true", bytes.NewReader(csv.Bytes()))
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Content-Type", "text/csv")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			statuses[i] = res.StatusCode
		}()
	}
	wg.Wait()
	peak := peakRSS(t, srv.Process.Pid)
	t.Logf("file %.1f MB; peak RSS %.0f MB after start, %.0f MB after 8 concurrent uploads; statuses %v",
		float64(csv.Len())/(1<<20), float64(before)/(1<<20), float64(peak)/(1<<20), statuses)
	for _, st := range statuses {
		if st != http.StatusOK && st != http.StatusServiceUnavailable {
			t.Errorf("status %d: %s", st, logs.String())
			break
		}
	}
	if peak > 300<<20 {
		t.Errorf("peak RSS %.0f MB, want under 300 MB", float64(peak)/(1<<20))
	}
}

package areastest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Browser starts Debian's chromium headless for at most a minute. Without chromium the test skips,
// except under CI, where that is a failure.
func Browser(t testing.TB) context.Context {
	t.Helper()
	return BrowserWithin(t, 60*time.Second)
}

// BrowserWithin is Browser for a test that needs the browser longer than a minute (one that walks every page).
func BrowserWithin(t testing.TB, limit time.Duration) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium is not installed; under CI browser tests must run (apt-get install chromium)")
		}
		t.Skip("chromium is not installed")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true), chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelB := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, limit)
	t.Cleanup(func() { cancelT(); cancelB(); cancelA() })
	if err := chromedp.Do(ctx); err != nil { // start the browser now
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// Must runs a browser action that returns a value, or fails the test.
func Must[T any](t testing.TB, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	// Like Do: a query that raced the page's last load asks again.
	for attempt := 0; attempt < 5 && err != nil && transient(err); attempt++ {
		time.Sleep(100 * time.Millisecond)
		v, err = chromedp.Run(ctx, a)
	}
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// Do runs browser steps, retrying a query that raced a page load.
func Do(t testing.TB, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	for _, step := range steps {
		var err error
		// A query that starts while a form submission navigates can lose its
		// execution context; the page is fine, so ask again.
		for attempt := 0; attempt < 5; attempt++ {
			if err = chromedp.Do(ctx, step); err == nil || !transient(err) {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// transient reports errors of a query that raced a page load: the node or the
// execution context it looked at was replaced by the new page.
func transient(err error) bool {
	m := err.Error()
	return strings.Contains(m, "Cannot find context") || strings.Contains(m, "Could not find node") || strings.Contains(m, "No node with given id")
}

// WaitURL waits until the page's address contains part: the way to know that a
// form submission's redirect has landed, rather than matching the old page.
func WaitURL(t testing.TB, ctx context.Context, part string) {
	t.Helper()
	for i := 0; i < 100; i++ {
		loc, err := chromedp.Run(ctx, chromedp.Location())
		if err == nil && strings.Contains(loc, part) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("the page never reached an address containing %q", part)
}

// WaitHTMX waits until htmx has wired the element matching the CSS selector sel. htmx wires what it swaps in a
// settle delay (20 ms) after the element appears; a click in that window does nothing, which a browser driven
// by a test hits and a person does not.
func WaitHTMX(t testing.TB, ctx context.Context, sel string) {
	t.Helper()
	js := `(e => !!(e && e['htmx-internal-data'] && e['htmx-internal-data'].initHash))(document.querySelector(` + strconv.Quote(sel) + `))`
	for i := 0; i < 200; i++ {
		if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js)); err == nil && ok {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("htmx never wired %s", sel)
}

// PDFText is the text of a PDF as poppler's pdftotext reads it, page breaks as form feeds, laid out as printed.
// Without pdftotext the test is skipped, or fails under CI.
func PDFText(t testing.TB, b []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("pdftotext is not installed")
		}
		t.Skip("pdftotext is not installed")
	}
	path := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-layout", path, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v %s", err, out)
	}
	return string(out)
}

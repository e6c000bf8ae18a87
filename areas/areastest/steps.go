package areastest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// SignIn signs email in with the fixture's password at base and waits for the organisation's pages.
func SignIn(t testing.TB, ctx context.Context, base, email string) {
	t.Helper()
	Do(t, ctx,
		chromedp.Navigate(base+"/signin"),
		chromedp.SetValue(chromedp.CSS("#email"), email),
		chromedp.SetValue(chromedp.CSS("#password"), Password),
		chromedp.Click(chromedp.CSS("main button[type=submit]")))
	WaitURL(t, ctx, "/o/acme-ltd")
}

// Submit clicks the button sel and waits for the page its form answers with, at an address containing part.
// The old page is marked first, so an address that already held part (a second "done=action") does not pass.
func Submit(t testing.TB, ctx context.Context, sel, part string) {
	t.Helper()
	Must(t, ctx, chromedp.Evaluate[bool](`(window.bwkOldPage = true)`))
	Do(t, ctx, chromedp.Click(chromedp.CSS(sel)))
	js := `!window.bwkOldPage && document.readyState === 'complete' && location.href.includes(` + strconv.Quote(part) + `)`
	for i := 0; i < 200; i++ {
		if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js)); err == nil && ok {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	t.Fatalf("clicking %s: the page never reached an address containing %q (at %s):\n%s", sel, part, loc, MainText(t, ctx))
}

// MainText is the text of the page's main element.
func MainText(t testing.TB, ctx context.Context) string {
	t.Helper()
	return Must(t, ctx, chromedp.Text(chromedp.CSS("main")))
}

// BypassCSP lets a test inject axe into the pages the browser loads from now on.
func BypassCSP(t testing.TB, ctx context.Context) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, page.SetBypassCSP, page.SetBypassCSPParams{Enabled: true})
		return err
	})); err != nil {
		t.Fatal(err)
	}
}

// AxeCheck returns a check of the page a browser shows with axe-core (vendored as test data of the page walk,
// injected into pages loaded after BypassCSP): a serious or critical violation fails the test.
func AxeCheck(t testing.TB) func(ctx context.Context, where string) {
	_, here, _, _ := runtime.Caller(0)
	src, err := os.ReadFile(filepath.Join(filepath.Dir(here), "..", "..", "demo", "testdata", "axe-4.14.1.min.js"))
	if err != nil {
		t.Fatal(err)
	}
	return func(ctx context.Context, where string) {
		t.Helper()
		Must(t, ctx, chromedp.Evaluate[bool](string(src)+";true"))
		found := Must(t, ctx, chromedp.Evaluate[string](`axe.run(document, {resultTypes: ['violations']}).then(r => JSON.stringify(r.violations))`, chromedp.EvalAwaitPromise))
		var violations []struct {
			ID, Impact, Help string
			Nodes            []struct{ Target []any }
		}
		if err := json.Unmarshal([]byte(found), &violations); err != nil {
			t.Fatal(err)
		}
		for _, v := range violations {
			if v.Impact == "serious" || v.Impact == "critical" {
				var nodes []string
				for _, n := range v.Nodes[:min(3, len(v.Nodes))] {
					nodes = append(nodes, fmt.Sprint(n.Target...))
				}
				t.Errorf("%s: axe %s (%s): %s at %s", where, v.ID, v.Impact, v.Help, strings.Join(nodes, ", "))
			}
		}
	}
}

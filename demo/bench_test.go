package demo_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/bulwark-isms/bulwark/areas/areastest"
	"github.com/bulwark-isms/bulwark/areas/assets"
	"github.com/bulwark-isms/bulwark/areas/reviews"
	"github.com/bulwark-isms/bulwark/demo"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
	"github.com/bulwark-isms/bulwark/web"
)

// BenchmarkManagementReviewPrefill gathers every input of a management review (9.3.2) for the demo grown to
// the large size's registers: 200 members, 10,000 assets and 20,000 risks on top of the demo's audit,
// nonconformities, objectives and checks (the audit history is left out: a review does not read it).
// Under -short (CI) it grows the demo to a tenth of that, so the benchmark keeps working without minutes of seeding.
func BenchmarkManagementReviewPrefill(b *testing.B) {
	size := demo.LargeSize
	size.AuditEntries = 0
	if testing.Short() && os.Getenv("BULWARK_BENCH_LARGE") == "" {
		size = demo.Large{Members: 40, Assets: 1000, Risks: 2000}
	}
	sqltest.EachB(b, func(b *testing.B, db *sqlstore.DB) {
		ctx := context.Background()
		svc := areastest.NewService(b, db)
		res, err := demo.Seed(ctx, svc)
		if err != nil {
			b.Fatal(err)
		}
		if err := demo.SeedLarge(ctx, svc, res, size, io.Discard); err != nil {
			b.Fatal(err)
		}
		if err := db.Optimize(ctx); err != nil {
			b.Fatal(err)
		}
		p := svc.CLIPrincipal(res.Org, "bench")
		b.ResetTimer()
		for b.Loop() {
			in, err := svc.Reviews.Gather(ctx, p)
			if err != nil {
				b.Fatal(err)
			}
			if s := reviews.BuildSections(in); len(s) != len(reviews.SectionTitles) || in.Risks < size.Risks {
				b.Fatalf("%d sections, %d risks", len(s), in.Risks)
			}
		}
	})
}

// BenchmarkDashboard renders the dashboard page (every area's part: risks, clocks, nonconformities,
// certificates …) for the demo's owner, with the demo grown to the large size's registers plus 5,000
// incidents and 1,000 suppliers (target: under 50 ms). Nothing changes between two views, as when people
// open the dashboard more often than the ISMS changes: the organisation-wide parts (readiness, the risk
// summary) come from their snapshots. Under -short (CI) it grows the demo to a tenth.
func BenchmarkDashboard(b *testing.B) { benchmarkDashboard(b, false) }

// BenchmarkDashboardAfterChange is the dashboard's first view after a change (an asset's description edited
// before each view, outside the timing): every part computed afresh.
func BenchmarkDashboardAfterChange(b *testing.B) { benchmarkDashboard(b, true) }

func benchmarkDashboard(b *testing.B, change bool) {
	size := demo.LargeSize
	size.AuditEntries = 0
	if testing.Short() && os.Getenv("BULWARK_BENCH_LARGE") == "" {
		size = demo.Large{Members: 40, Assets: 1000, Risks: 2000, Incidents: 500, Suppliers: 100}
	}
	sqltest.EachB(b, func(b *testing.B, db *sqlstore.DB) {
		ctx := context.Background()
		svc := areastest.NewService(b, db)
		res, err := demo.Seed(ctx, svc)
		if err != nil {
			b.Fatal(err)
		}
		if err := demo.SeedLarge(ctx, svc, res, size, io.Discard); err != nil {
			b.Fatal(err)
		}
		if err := db.Optimize(ctx); err != nil {
			b.Fatal(err)
		}
		srv, err := svc.NewServer(web.Config{Version: "bench"}, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			b.Fatal(err)
		}
		form := url.Values{"email": {res.Email}, "password": {res.Password}}.Encode()
		req := httptest.NewRequest("POST", "/signin", strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, req)
		if w.Code != http.StatusSeeOther {
			b.Fatalf("sign in: %d", w.Code)
		}
		cookies := w.Result().Cookies()
		path := "/o/" + res.Org.Slug + "/"
		owner := svc.CLIPrincipal(res.Org, "bench")
		first, _, err := svc.Assets.Assets(ctx, owner, assets.AssetFilter{Limit: 1})
		if err != nil || len(first) == 0 {
			b.Fatalf("an asset to change: %v", err)
		}
		b.ReportAllocs()
		b.ResetTimer()
		n := 0
		for b.Loop() {
			if change {
				b.StopTimer()
				n++
				text := fmt.Sprintf("Edited before view %d.", n)
				if _, err := svc.Assets.UpdateAsset(ctx, owner, first[0].ID, assets.AssetInput{Description: &text}, nil, nil); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
			r := httptest.NewRequest("GET", path, nil)
			for _, c := range cookies {
				r.AddCookie(c)
			}
			w := httptest.NewRecorder()
			srv.ServeHTTP(w, r)
			if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "GDPR Art. 33") {
				b.Fatalf("dashboard: %d", w.Code)
			}
		}
	})
}

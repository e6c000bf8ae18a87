package demo_test

import (
	"context"
	"io"
	"os"
	"testing"

	"github.com/bulwark-isms/bulwark/areas/areastest"
	"github.com/bulwark-isms/bulwark/areas/reviews"
	"github.com/bulwark-isms/bulwark/demo"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
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

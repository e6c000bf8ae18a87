package coverage_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/bulwark-isms/bulwark/areas/areastest"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
)

// BenchmarkReadiness works out certification readiness, which the dashboard shows to every reader, for an
// organisation with 20,000 risks (half of them treated, a quarter signed off by their owner).
func BenchmarkReadiness(b *testing.B) {
	sqltest.EachB(b, func(b *testing.B, db *sqlstore.DB) {
		f := areastest.New(b, db)
		ctx := context.Background()
		owner := f.Accounts["manager"].MemberID
		err := db.Write(ctx, func(tx *sqlstore.Tx) error {
			for i := 1; i <= sqltest.BenchSize(20000); i++ {
				id := sqlstore.NewID()
				var treatment any
				if i%2 == 0 {
					treatment = "mitigate"
				}
				if _, err := tx.Exec(ctx, `INSERT INTO risks (id, org_id, ref, ref_number, title, owner_id, treatment, inherent_score, status, methodology_version, created_at, updated_at)
					VALUES (?, ?, ?, ?, ?, ?, ?, 6, 'assessed', 1, ?, ?)`, id, f.Org.ID, fmt.Sprintf("R-%05d", i), i, fmt.Sprintf("Risk %d", i), owner, treatment, tx.Now(), tx.Now()); err != nil {
					return err
				}
				if i%4 == 0 {
					if _, err := tx.Exec(ctx, `INSERT INTO risk_signoffs (id, org_id, risk_id, signer_id, as_owner, as_approver, comment, at) VALUES (?, ?, ?, ?, TRUE, FALSE, '', ?)`,
						sqlstore.NewID(), f.Org.ID, id, owner, tx.Now()); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		if err := db.Optimize(ctx, "risks", "risk_signoffs"); err != nil {
			b.Fatal(err)
		}
		p := f.OwnerPrincipal(f.Org, "owner@acme.test")
		b.ResetTimer()
		for b.Loop() {
			if _, err := f.Svc.Coverage.Readiness(ctx, p); err != nil {
				b.Fatal(err)
			}
		}
	})
}

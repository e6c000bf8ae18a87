package coverage_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/areas/areastest"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
)

// BenchmarkCoverage works out all five frameworks' coverage for an organisation with 1,000 controls (the 93
// of Annex A and 907 of its own, each of those linked by a person to five requirements of any framework):
// target under 50 ms.
func BenchmarkCoverage(b *testing.B) {
	sqltest.EachB(b, func(b *testing.B, db *sqlstore.DB) {
		f := areastest.New(b, db)
		ctx := context.Background()
		var reqIDs []string
		statuses := []string{"implemented", "partial", "planned", "not_started", "not_applicable"}
		err := db.Write(ctx, func(tx *sqlstore.Tx) error {
			rows, err := tx.Query(ctx, `SELECT id FROM requirements ORDER BY id`)
			if err != nil {
				return err
			}
			for rows.Next() {
				var id string
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return err
				}
				reqIDs = append(reqIDs, id)
			}
			rows.Close()
			if _, err := tx.Exec(ctx, `UPDATE controls SET status = 'implemented' WHERE org_id = ?`, f.Org.ID); err != nil {
				return err
			}
			for i := 1; i <= 907; i++ {
				id := sqlstore.NewID()
				if _, err := tx.Exec(ctx, `INSERT INTO controls (id, org_id, ref, title, status, sort_order, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 100000, 1, ?, ?)`,
					id, f.Org.ID, fmt.Sprintf("C-%03d", i), fmt.Sprintf("Own control %d", i), statuses[i%len(statuses)], tx.Now(), tx.Now()); err != nil {
					return err
				}
				for k := 0; k < 5; k++ {
					if _, err := tx.Exec(ctx, `INSERT INTO control_requirements (org_id, control_id, requirement_id, origin, created_at) VALUES (?, ?, ?, 'manual', ?) ON CONFLICT DO NOTHING`,
						f.Org.ID, id, reqIDs[(i*7+k*131)%len(reqIDs)], tx.Now()); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		if err := db.Optimize(ctx, "controls", "control_requirements"); err != nil {
			b.Fatal(err)
		}
		p := f.OwnerPrincipal(f.Org, "owner@acme.test")
		if p.Role != bulwark.RoleOwner {
			b.Fatal("owner principal")
		}
		b.ResetTimer()
		for b.Loop() {
			reps, err := f.Svc.Coverage.Summary(ctx, p)
			if err != nil || len(reps) != 5 {
				b.Fatal(err)
			}
		}
	})
}

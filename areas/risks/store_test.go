package risks

import (
	"context"
	"fmt"
	"sort"
	"testing"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
)

// TestHeatCountsFollowTheRegister checks the maintained heat-map counts against a
// GROUP BY over the risks after inserts, rescoring, clearing and archiving.
func TestHeatCountsFollowTheRegister(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		m := DefaultMethodology()
		var orgID string
		err := db.Write(ctx, func(tx *sqlstore.Tx) error {
			o := &bulwark.Organisation{Name: "Heat", Slug: "heat", Settings: bulwark.DefaultSettings()}
			if err := tx.InsertOrganisation(ctx, o); err != nil {
				return err
			}
			orgID = o.ID
			var risks []*Risk
			for i := 0; i < 60; i++ {
				l, im := 1+i%5, 1+(i/5)%5
				r := &Risk{Title: fmt.Sprint(i), Status: "assessed", MethodologyVersion: 1, InherentLikelihood: &l, InherentImpact: &im, AssetIDs: []string{}, ControlIDs: []string{}}
				if i%2 == 0 {
					r.ResidualLikelihood, r.ResidualImpact = &im, &l
				}
				if err := r.Derive(&m); err != nil {
					return err
				}
				if err := (store{tx}).InsertRisk(ctx, orgID, r); err != nil {
					return err
				}
				risks = append(risks, r)
			}
			for i, r := range risks {
				switch i % 4 {
				case 0: // rescored
					five := 5
					r.InherentLikelihood = &five
				case 1: // residual cleared
					r.ResidualLikelihood, r.ResidualImpact = nil, nil
				case 2: // archived
					now := tx.Now()
					r.ArchivedAt = &now
				}
				if err := r.Derive(&m); err != nil {
					return err
				}
				if err := (store{tx}).UpdateRisk(ctx, orgID, r); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, kind := range []string{"inherent", "residual"} {
			var got, want []string
			err := db.Read(ctx, func(tx *sqlstore.Tx) error {
				cells, err := (store{tx}).Heatmap(ctx, orgID, kind, 1)
				for _, c := range cells {
					got = append(got, fmt.Sprintf("%d/%d=%d", c.Likelihood, c.Impact, c.Count))
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			q := fmt.Sprintf(`SELECT %[1]s_likelihood, %[1]s_impact, COUNT(*) FROM risks WHERE archived_at IS NULL AND %[1]s_likelihood IS NOT NULL GROUP BY 1, 2`, kind)
			rows, err := db.SQL().Query(q)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var l, i, n int
				_ = rows.Scan(&l, &i, &n)
				want = append(want, fmt.Sprintf("%d/%d=%d", l, i, n))
			}
			rows.Close()
			sort.Strings(got)
			sort.Strings(want)
			if fmt.Sprint(got) != fmt.Sprint(want) || len(want) == 0 {
				t.Errorf("%s: maintained %v, counted %v", kind, got, want)
			}
		}
	})
}

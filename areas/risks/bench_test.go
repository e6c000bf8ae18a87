package risks_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/areas/areastest"
	"github.com/bulwark-isms/bulwark/areas/risks"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
)

// seedRisks stores n scored risks in the fixture organisation in one transaction.
func seedRisks(b *testing.B, f *areastest.Fixture, n int) {
	m := risks.DefaultMethodology()
	owner := f.Accounts[bulwark.RoleManager].MemberID
	err := f.DB.Write(context.Background(), func(tx *sqlstore.Tx) error {
		for i := 1; i <= n; i++ {
			l, im, rl, ri := 1+i%5, 1+(i/5)%5, 1+i%3, 1+(i/3)%3
			r := &risks.Risk{Ref: fmt.Sprintf("R-%03d", i), Title: fmt.Sprintf("Risk number %d", i), Status: "assessed", OwnerID: &owner,
				InherentLikelihood: &l, InherentImpact: &im, ResidualLikelihood: &rl, ResidualImpact: &ri, MethodologyVersion: 1,
				AssetIDs: []string{}, ControlIDs: []string{}}
			if err := r.Derive(&m); err != nil {
				return err
			}
			if err := risks.InsertRisk(context.Background(), tx, f.Org.ID, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	// The statistics policy production follows after a bulk write (sqlstore.DB.Optimize).
	if err := f.DB.Optimize(context.Background(), "risks", "risk_assets", "control_risks"); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkRiskList measures one page of 50 risks out of 20,000: as JSON (target
// under 5 ms) and as the HTML page with both heat maps (under 20 ms).
func BenchmarkRiskList(b *testing.B) {
	sqltest.EachB(b, func(b *testing.B, db *sqlstore.DB) {
		n := sqltest.BenchSize(20000)
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			f := areastest.New(b, db)
			seedRisks(b, f, n)
			cookie := f.SignIn("manager@acme.test")
			token := f.Accounts[bulwark.RoleManager].Token
			for _, c := range []struct {
				name string
				req  func() *http.Request
			}{
				{"api", func() *http.Request {
					r := httptest.NewRequest("GET", "/api/v1/risks?limit=50", nil)
					r.Header.Set("Authorization", "Bearer "+token)
					return r
				}},
				{"api-by-score", func() *http.Request {
					r := httptest.NewRequest("GET", "/api/v1/risks?limit=50&sort=-inherent_score", nil)
					r.Header.Set("Authorization", "Bearer "+token)
					return r
				}},
				{"html", func() *http.Request {
					r := httptest.NewRequest("GET", "/o/acme-ltd/risks", nil)
					r.AddCookie(cookie)
					return r
				}},
			} {
				b.Run(c.name, func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						w := httptest.NewRecorder()
						f.Srv.ServeHTTP(w, c.req())
						if w.Code != http.StatusOK {
							b.Fatalf("status %d: %.300s", w.Code, w.Body)
						}
					}
				})
			}
		})
	})
}

// BenchmarkRiskHeatmap measures GET /api/v1/risks/heatmap over 20,000 risks.
// Target: under 20 ms.
func BenchmarkRiskHeatmap(b *testing.B) {
	sqltest.EachB(b, func(b *testing.B, db *sqlstore.DB) {
		n := sqltest.BenchSize(20000)
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			f := areastest.New(b, db)
			seedRisks(b, f, n)
			token := f.Accounts[bulwark.RoleManager].Token
			for _, kind := range []string{"inherent", "residual"} {
				b.Run(kind, func(b *testing.B) {
					for b.Loop() {
						r := httptest.NewRequest("GET", "/api/v1/risks/heatmap?kind="+kind, nil)
						r.Header.Set("Authorization", "Bearer "+token)
						w := httptest.NewRecorder()
						f.Srv.ServeHTTP(w, r)
						if w.Code != http.StatusOK {
							b.Fatalf("status %d", w.Code)
						}
					}
				})
			}
		})
	})
}

package assets_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/areas/areastest"
	"github.com/bulwark-isms/bulwark/areas/assets"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
	"github.com/bulwark-isms/bulwark/tabular"
)

// seedAssets imports n assets into the fixture organisation.
func seedAssets(b *testing.B, f *areastest.Fixture, n int) {
	var sb strings.Builder
	sb.WriteString("ref,name,type,owner_id,classification,confidentiality,integrity,availability,status,review_date,tags,description\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&sb, "A-%03d,Asset number %d,%s,manager@acme.test,Internal,%d,%d,%d,in_use,2027-06-30,bulk | group-%d,Seeded for the benchmark\n",
			i, i, assets.AssetTypes[i%6], 1+i%4, 1+(i/4)%4, 1+(i/16)%4, i%10)
	}
	tbl, err := tabular.Read(strings.NewReader(sb.String()), "seed.csv", assets.AssetFields, tabular.Options{})
	if err != nil {
		b.Fatal(err)
	}
	res, err := f.Svc.Assets.ImportAssets(context.Background(), f.Svc.CLIPrincipal(f.Org, "bench"), tbl, false)
	if err != nil || res.Created != n {
		b.Fatalf("seed: %v %v", res, err)
	}
	// The import refreshed the planner's statistics, as in production (App.AfterImport).
}

// BenchmarkAssetList measures one page of 50 assets out of 10,000, through the
// whole handler chain: as JSON (target under 5 ms) and as the HTML page (under 20 ms).
func BenchmarkAssetList(b *testing.B) {
	sqltest.EachB(b, func(b *testing.B, db *sqlstore.DB) {
		n := sqltest.BenchSize(10000)
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			f := areastest.New(b, db)
			seedAssets(b, f, n)
			cookie := f.SignIn("manager@acme.test")
			for _, c := range []struct {
				name string
				req  func() *http.Request
			}{
				{"api", func() *http.Request {
					r := httptest.NewRequest("GET", "/api/v1/assets?limit=50", nil)
					r.Header.Set("Authorization", "Bearer "+f.Accounts[bulwark.RoleManager].Token)
					return r
				}},
				{"api-search", func() *http.Request {
					r := httptest.NewRequest("GET", "/api/v1/assets?q=number%2042&sort=-name", nil)
					r.Header.Set("Authorization", "Bearer "+f.Accounts[bulwark.RoleManager].Token)
					return r
				}},
				{"html", func() *http.Request {
					r := httptest.NewRequest("GET", "/o/acme-ltd/assets", nil)
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

package risks_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/bulwark-isms/bulwark/areas/areastest"
	"github.com/bulwark-isms/bulwark/areas/risks"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
)

// TestRiskListReusesStatements lists risks 10,000 times (1,000 under the race detector), with pages and cursors
// of several sizes: the statements prepared stay as many as after the first few
// lists. Values never enter the SQL text (LIMIT ?, id lists as one parameter), so
// each list is the same few prepared statements, parsed once per connection.
func TestRiskListReusesStatements(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		svc := areastest.NewService(t, db)
		owner := areastest.MustOrg(t, svc, "Acme", "owner@acme.test")
		for i := range 30 {
			title := fmt.Sprintf("Risk %d", i)
			if _, err := svc.Risks.CreateRisk(ctx, owner, risks.RiskInput{Title: &title}); err != nil {
				t.Fatal(err)
			}
		}
		list := func(i int) {
			f := risks.RiskFilter{Limit: 1 + i%25}
			page, next, err := svc.Risks.Risks(ctx, owner, f)
			if err != nil || len(page) == 0 {
				t.Fatalf("list %d: %d %v", i, len(page), err)
			}
			if next != "" {
				f.Cursor = next
				if _, _, err := svc.Risks.Risks(ctx, owner, f); err != nil {
					t.Fatal(err)
				}
			}
		}
		for i := range 50 { // every page size once
			list(i)
		}
		warm := db.Prepares()
		if warm == 0 {
			t.Fatal("the list prepared nothing for reuse: each query is parsed anew")
		}
		for i := range listRounds {
			list(i)
		}
		if got := db.Prepares(); got != warm {
			t.Fatalf("%d lists prepared %d statements more (after %d to warm up)", listRounds, got-warm, warm)
		}
	})
}

package areas_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/areas/areastest"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
	"github.com/bulwark-isms/bulwark/web"
)

// TestTwoInstancesOneDatabase runs two servers, each with its own connection pools,
// on one database, as two stateless instances behind a load balancer: a session
// signed in on one works on the other; two PATCHes with the same If-Match, one on
// each, let exactly one win; writes split across both under load keep the
// organisation's audit chain gap-free, and verify passes.
func TestTwoInstancesOneDatabase(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		a := areastest.New(t, db)
		db2, err := sqlstore.Open(ctx, db.DSN)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db2.Close() })
		b := areastest.Start(t, db2, app.Config{BaseURL: "http://bulwark.test", CheckpointKey: areastest.TestCheckpointKey, CheckpointEvery: 5}, web.Config{Version: "test"})

		// A session from instance a on instance b.
		cookie := a.SignIn("owner@acme.test")
		if res := b.Do("GET", "/o/acme-ltd/", areastest.Req{Cookie: cookie}); res.StatusCode != http.StatusOK {
			t.Fatalf("a's session on b: %d", res.StatusCode)
		}
		mgr := a.Accounts[bulwark.RoleManager].Token

		// One risk, two concurrent changes with the same version: one wins.
		res := a.Do("POST", "/api/v1/risks", areastest.Req{Token: mgr, JSON: `{"title":"Shared drive ransomware"}`})
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("create: %d %s", res.StatusCode, res.Text)
		}
		risk := areastest.Decode[map[string]any](t, res)
		id, version := risk["id"].(string), fmt.Sprint(risk["version"])
		statuses := make([]int, 2)
		var wg sync.WaitGroup
		for i, f := range []*areastest.Fixture{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = f.Do("PATCH", "/api/v1/risks/"+id, areastest.Req{Token: mgr, JSON: fmt.Sprintf(`{"description":"changed by instance %d"}`, i),
					Headers: map[string]string{"If-Match": `"` + version + `"`}}).StatusCode
			}()
		}
		wg.Wait()
		if won := strings.Count(fmt.Sprint(statuses), "200"); won != 1 || (statuses[0] != http.StatusConflict && statuses[1] != http.StatusConflict && statuses[0] != http.StatusPreconditionFailed && statuses[1] != http.StatusPreconditionFailed) {
			t.Fatalf("same If-Match on both instances: %v, want one 200 and one refusal", statuses)
		}

		// Writes split across both instances, concurrently.
		const writers, each = 8, 6
		errs := make(chan string, writers*each)
		for w := range writers {
			f := []*areastest.Fixture{a, b}[w%2]
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					res := f.Do("POST", "/api/v1/assets", areastest.Req{Token: mgr, JSON: fmt.Sprintf(`{"name":"Laptop %d-%d","type":"hardware"}`, w, i)})
					if res.StatusCode != http.StatusCreated {
						errs <- fmt.Sprintf("writer %d: %d %s", w, res.StatusCode, res.Text)
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for e := range errs {
			t.Error(e)
		}
		n, brk, err := a.Svc.VerifyChain(ctx, a.Org.ID)
		if err != nil || brk != nil {
			t.Fatalf("audit chain after writes on two instances: %+v %v", brk, err)
		}
		var entries int64
		if err := db.SQL().QueryRow(fmt.Sprintf(`SELECT COUNT(*) FROM audit_log WHERE org_id = '%s'`, a.Org.ID)).Scan(&entries); err != nil || entries != n {
			t.Fatalf("%d entries stored, the chain runs through %d", entries, n)
		}
	})
}

package app_test

import (
	"context"
	"errors"
	"testing"

	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
)

// TestSnapshot: a snapshot is computed once while nothing changes, again after any audited change in its
// organisation (an invitation here), never shared with another organisation, and an error is not kept.
func TestSnapshot(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		svc := newService(t, db)
		acme := mustOrg(t, svc, "Acme", "owner@acme.test")
		globex := mustOrg(t, svc, "Globex", "owner@globex.test")
		runs := map[string]int{}
		count := func(org string) func(context.Context) (int, error) {
			return func(context.Context) (int, error) { runs[org]++; return runs[org], nil }
		}
		steps := []struct {
			name      string
			before    func()
			org       string
			want      int
			wantAcme  int
			wantGlobx int
		}{
			{"first use computes", nil, "acme", 1, 1, 0},
			{"nothing changed: kept", nil, "acme", 1, 1, 0},
			{"another organisation has its own", nil, "globex", 1, 1, 1},
			{"an audited change in acme", func() {
				if _, err := svc.Invite(ctx, acme, "new@acme.test", "employee"); err != nil {
					t.Fatal(err)
				}
			}, "acme", 2, 2, 1},
			{"globex unaffected by acme's change", nil, "globex", 1, 2, 1},
		}
		for _, s := range steps {
			if s.before != nil {
				s.before()
			}
			p := acme
			if s.org == "globex" {
				p = globex
			}
			got, err := app.Snapshot(ctx, svc, p, "test", count(s.org))
			if err != nil {
				t.Fatal(err)
			}
			if got != s.want || runs["acme"] != s.wantAcme || runs["globex"] != s.wantGlobx {
				t.Fatalf("%s: got %d (computed acme %d, globex %d times), want %d (%d, %d)", s.name, got, runs["acme"], runs["globex"], s.want, s.wantAcme, s.wantGlobx)
			}
		}
		boom := errors.New("boom")
		if _, err := app.Snapshot(ctx, svc, acme, "failing", func(context.Context) (int, error) { return 0, boom }); !errors.Is(err, boom) {
			t.Fatalf("error: %v", err)
		}
		if v, err := app.Snapshot(ctx, svc, acme, "failing", func(context.Context) (int, error) { return 7, nil }); err != nil || v != 7 {
			t.Fatalf("after an error, computed again: %d %v", v, err)
		}
	})
}

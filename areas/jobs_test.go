package areas_test

import (
	"context"
	"testing"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/areas/areastest"
	"github.com/bulwark-isms/bulwark/schedule"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
)

// TestInstanceJobs: the scheduler's instance-wide jobs. The daily outbox writes
// one notification per member, item and day (a second run the same day adds
// none) and is audited; the checkpoint timer signs every chain's head, the
// chains still verify, and an idle instance writes nothing more.
func TestInstanceJobs(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := areastest.New(t, db)
		mgr := f.Accounts[bulwark.RoleManager]
		yesterday := time.Now().UTC().AddDate(0, 0, -1).Format(time.DateOnly)
		for _, body := range []string{`{"title":"Firewall review","note":"done","valid_until":"` + yesterday + `"}`,
			`{"title":"Backup report","url":"https://backup.example/r","valid_until":"2099-01-01"}`} {
			if res := f.Do("POST", "/api/v1/evidence", areastest.Req{Token: mgr.Token, JSON: body}); res.StatusCode != 201 {
				t.Fatalf("%d %s", res.StatusCode, res.Text)
			}
		}
		// Training overdue for the manager, who is also in the workforce register.
		person := areastest.Decode[map[string]any](t, f.Do("POST", "/api/v1/people", areastest.Req{Token: mgr.Token, JSON: `{"name":"Mia Manager","email":"` + mgr.Email + `"}`}))
		modules := areastest.Decode[areastest.List](t, f.Do("GET", "/api/v1/trainings", areastest.Req{Token: mgr.Token}))
		lastWeek := time.Now().UTC().AddDate(0, 0, -7).Format(time.DateOnly)
		if res := f.Do("POST", "/api/v1/training-campaigns", areastest.Req{Token: mgr.Token, JSON: `{"title":"Awareness 2026","training_ids":["` + modules.Items[0]["id"].(string) +
			`"],"person_ids":["` + person["id"].(string) + `"],"start_date":"` + time.Now().UTC().AddDate(0, -1, 0).Format(time.DateOnly) + `","due_date":"` + lastWeek + `"}`}); res.StatusCode != 201 {
			t.Fatalf("campaign: %d %s", res.StatusCode, res.Text)
		}
		if err := db.Write(ctx, func(tx *sqlstore.Tx) error { return app.EnsureInstanceJobs(ctx, tx) }); err != nil {
			t.Fatal(err)
		}
		s := schedule.New(db, nil, schedule.Options{Instance: "test"})
		for kind, h := range f.Svc.Jobs() {
			s.Handle(kind, h)
		}
		if n, err := s.RunDue(ctx); err != nil || n < 2 {
			t.Fatalf("ran %d (%v)", n, err)
		}
		count := func(q string, args ...any) int {
			var n int
			if err := db.View(ctx, func(tx *sqlstore.Tx) error { return tx.QueryRow(ctx, q, args...).Scan(&n) }); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := count(`SELECT COUNT(*) FROM notification_outbox WHERE org_id = ? AND member_id = ? AND kind = 'evidence_expiry' AND overdue`, f.Org.ID, mgr.MemberID); n != 1 {
			t.Fatalf("%d overdue evidence notifications for the manager, want 1", n)
		}
		if n := count(`SELECT COUNT(*) FROM notification_outbox WHERE org_id = ? AND member_id = ? AND kind = 'training_due' AND overdue`, f.Org.ID, mgr.MemberID); n != 1 {
			t.Fatalf("%d overdue training notifications for the manager, want 1", n)
		}
		if n := count(`SELECT COUNT(*) FROM notification_outbox WHERE org_id = ?`, f.Org.ID); n != 2 {
			t.Fatalf("%d notifications, want the stale evidence's and the overdue training's", n)
		}
		if n := count(`SELECT COUNT(*) FROM audit_log WHERE org_id = ? AND action = 'outbox.write'`, f.Org.ID); n != 1 {
			t.Fatalf("%d outbox audit entries", n)
		}
		// Run again the same day: nothing new.
		if err := db.Write(ctx, func(tx *sqlstore.Tx) error {
			return schedule.Put(ctx, tx, app.JobOutbox, app.JobOutbox, "", "", time.Now())
		}); err != nil {
			t.Fatal(err)
		}
		s.RunDue(ctx)
		if n := count(`SELECT COUNT(*) FROM notification_outbox WHERE org_id = ?`, f.Org.ID); n != 2 {
			t.Fatalf("%d notifications after a second run the same day", n)
		}
		// Every organisation's chain head is signed (the instance chain's newest entry is the job's own record).
		if err := db.Write(ctx, func(tx *sqlstore.Tx) error {
			return schedule.Put(ctx, tx, app.JobCheckpoints, app.JobCheckpoints, "", "", time.Now())
		}); err != nil {
			t.Fatal(err)
		}
		s.RunDue(ctx)
		if n := count(`SELECT COUNT(*) FROM audit_heads h WHERE h.org_id <> '' AND h.seq > COALESCE((SELECT MAX(c.seq) FROM audit_checkpoints c WHERE c.org_id = h.org_id), 0)`); n != 0 {
			t.Fatalf("%d chains with unsigned heads after the checkpoint job", n)
		}
		if _, brk, err := f.Svc.VerifyChain(ctx, f.Org.ID); err != nil || brk != nil {
			t.Fatalf("chain after checkpoints: %+v %v", brk, err)
		}
		// Idle: the checkpoint job signs the instance chain's own entry once, then writes nothing.
		before := count(`SELECT COUNT(*) FROM audit_log`)
		for range 2 {
			if err := db.Write(ctx, func(tx *sqlstore.Tx) error {
				return schedule.Put(ctx, tx, app.JobCheckpoints, app.JobCheckpoints, "", "", time.Now())
			}); err != nil {
				t.Fatal(err)
			}
			s.RunDue(ctx)
		}
		if after := count(`SELECT COUNT(*) FROM audit_log`); after != before {
			t.Fatalf("an idle instance wrote %d audit entries", after-before)
		}
	})
}

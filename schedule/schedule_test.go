package schedule_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/bulwark-isms/bulwark/schedule"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
)

// twoInstances opens a second connection pool on db's database: two instances
// of Bulwark behind a load balancer share nothing but the database.
func twoInstances(t *testing.T, db *sqlstore.DB) (*sqlstore.DB, *sqlstore.DB) {
	t.Helper()
	other, err := sqlstore.Open(context.Background(), db.DSN)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	return db, other
}

func put(t *testing.T, db *sqlstore.DB, key, kind string, due time.Time) {
	t.Helper()
	if err := db.Write(context.Background(), func(tx *sqlstore.Tx) error { return schedule.Put(context.Background(), tx, key, kind, "", "", due) }); err != nil {
		t.Fatal(err)
	}
}

// TestOneRunPerJob: two instances looking for due jobs at once run each job
// exactly once, and each job comes back due at the time its handler gave.
func TestOneRunPerJob(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		a, b := twoInstances(t, db)
		const jobs = 30
		for i := range jobs {
			put(t, a, fmt.Sprintf("count:%02d", i), "count", time.Now().Add(-time.Minute))
		}
		var mu sync.Mutex
		ran := map[string][]string{}
		handler := func(name string) schedule.Handler {
			return func(ctx context.Context, j schedule.Job) (time.Time, error) {
				time.Sleep(2 * time.Millisecond) // long enough for the other instance to try the same job
				mu.Lock()
				ran[j.Key] = append(ran[j.Key], name)
				mu.Unlock()
				return time.Now().Add(time.Hour), nil
			}
		}
		sa, sb := schedule.New(a, nil, schedule.Options{Instance: "a"}), schedule.New(b, nil, schedule.Options{Instance: "b"})
		sa.Handle("count", handler("a"))
		sb.Handle("count", handler("b"))
		var wg sync.WaitGroup
		counts := make([]int, 2)
		for i, s := range []*schedule.Scheduler{sa, sb} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				n, err := s.RunDue(context.Background())
				if err != nil {
					t.Error(err)
				}
				counts[i] = n
			}()
		}
		wg.Wait()
		if len(ran) != jobs || counts[0]+counts[1] != jobs {
			t.Fatalf("%d jobs ran (a %d, b %d), want %d", len(ran), counts[0], counts[1], jobs)
		}
		for k, by := range ran {
			if len(by) != 1 {
				t.Errorf("%s ran %d times (%v)", k, len(by), by)
			}
		}
		// Nothing is due any more: both instances find nothing.
		if n, _ := sa.RunDue(context.Background()); n != 0 {
			t.Errorf("a ran %d more", n)
		}
	})
}

// TestTakeOverAfterLease: the instance running a job dies mid-run (its context
// is cancelled: no more lease renewals, no hand-back); the other instance takes
// the job over once the lease runs out and finishes it within twice the lease.
func TestTakeOverAfterLease(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		a, b := twoInstances(t, db)
		const lease = 1500 * time.Millisecond
		put(t, a, "slow:1", "slow", time.Now().Add(-time.Second))
		started := make(chan struct{})
		sa := schedule.New(a, nil, schedule.Options{Instance: "a", Lease: lease})
		sa.Handle("slow", func(ctx context.Context, j schedule.Job) (time.Time, error) {
			close(started)
			<-ctx.Done() // works until the instance dies
			return time.Time{}, ctx.Err()
		})
		finished := make(chan time.Time, 1)
		sb := schedule.New(b, nil, schedule.Options{Instance: "b", Lease: lease})
		sb.Handle("slow", func(ctx context.Context, j schedule.Job) (time.Time, error) {
			if j.Runs != 2 {
				t.Errorf("b sees run %d, want the second", j.Runs)
			}
			finished <- time.Now()
			return time.Now().Add(time.Hour), nil
		})
		ctxA, kill := context.WithCancel(context.Background())
		doneA := make(chan struct{})
		go func() { defer close(doneA); sa.RunDue(ctxA) }()
		<-started
		// While a holds the lease (renewing it), b finds nothing to do.
		time.Sleep(lease + lease/2)
		if n, _ := sb.RunDue(context.Background()); n != 0 {
			t.Fatalf("b ran a job a still holds")
		}
		kill()
		<-doneA
		died := time.Now()
		ctxB, stop := context.WithTimeout(context.Background(), 2*lease)
		defer stop()
		for ctxB.Err() == nil {
			if n, _ := sb.RunDue(ctxB); n > 0 {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		select {
		case at := <-finished:
			if took := at.Sub(died); took > 2*lease {
				t.Fatalf("b finished %v after a died, want within %v", took, 2*lease)
			} else {
				t.Logf("taken over and finished %v after the owner died (lease %v)", took.Round(time.Millisecond), lease)
			}
		default:
			t.Fatalf("b did not finish the job within %v of a dying", 2*lease)
		}
		var owner *string
		var due time.Time
		if err := b.View(context.Background(), func(tx *sqlstore.Tx) error {
			return tx.QueryRow(context.Background(), `SELECT lease_owner, due_at FROM jobs WHERE key = 'slow:1'`).Scan(&owner, &due)
		}); err != nil {
			t.Fatal(err)
		}
		if owner != nil || time.Until(due) < 50*time.Minute {
			t.Fatalf("after b: owner %v, due %v", owner, due)
		}
	})
}

// TestFailedJobRetried: an error is recorded and the job comes back after RetryAfter.
func TestFailedJobRetried(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		put(t, db, "bad:1", "bad", time.Now().Add(-time.Second))
		s := schedule.New(db, nil, schedule.Options{})
		s.Handle("bad", func(ctx context.Context, j schedule.Job) (time.Time, error) { panic("collector exploded") })
		if n, err := s.RunDue(context.Background()); n != 1 || err != nil {
			t.Fatalf("ran %d, %v", n, err)
		}
		var msg string
		var due time.Time
		if err := db.View(context.Background(), func(tx *sqlstore.Tx) error {
			return tx.QueryRow(context.Background(), `SELECT last_error, due_at FROM jobs WHERE key = 'bad:1'`).Scan(&msg, &due)
		}); err != nil {
			t.Fatal(err)
		}
		if msg == "" || time.Until(due) < schedule.RetryAfter-time.Minute {
			t.Fatalf("after a panic: error %q, due in %v", msg, time.Until(due))
		}
	})
}

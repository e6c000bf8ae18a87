// Package schedule runs Bulwark's background jobs (due checks, the daily outbox,
// audit checkpoints) inside `bulwark serve`. Jobs are rows of the jobs table;
// an instance runs one only after taking its lease with a conditional UPDATE,
// renews the lease while it works, and gives the job back with its next due
// time. With several instances on one PostgreSQL database exactly one runs a
// given job; if that instance dies, its lease runs out and another takes the
// job over.
package schedule

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/bulwark-isms/bulwark/sqlstore"
)

// Job is a row of the jobs table as a handler sees it.
type Job struct {
	Key     string
	Kind    string
	OrgID   string // "" for instance-wide jobs
	Subject string // what the job is about: a check's id …
	DueAt   time.Time
	Runs    int
}

// Handler runs one job and says when it is next due; the zero time removes the
// job. An error is recorded and the job retried after RetryAfter.
type Handler func(ctx context.Context, j Job) (next time.Time, err error)

// RetryAfter is how long a failed job waits before it is tried again.
const RetryAfter = 5 * time.Minute

// Scheduler takes due jobs and runs them with their kind's handler.
type Scheduler struct {
	db       *sqlstore.DB
	log      *slog.Logger
	instance string
	lease    time.Duration
	poll     time.Duration
	handlers map[string]Handler
	now      func() time.Time
}

// Options tune a scheduler; zero values take the defaults.
type Options struct {
	Instance string        // names this instance in the jobs table (default: host name, pid and a random suffix)
	Lease    time.Duration // how long a taken job stays this instance's without renewal (default 2 minutes)
	Poll     time.Duration // how often due jobs are looked for (default 15 seconds)
}

// New returns a scheduler over db.
func New(db *sqlstore.DB, log *slog.Logger, o Options) *Scheduler {
	if o.Instance == "" {
		host, _ := os.Hostname()
		b := make([]byte, 4)
		_, _ = rand.Read(b)
		o.Instance = fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b))
	}
	if o.Lease <= 0 {
		o.Lease = 2 * time.Minute
	}
	if o.Poll <= 0 {
		o.Poll = 15 * time.Second
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Scheduler{db: db, log: log, instance: o.Instance, lease: o.Lease, poll: o.Poll, handlers: map[string]Handler{}, now: time.Now}
}

// Instance is the name this scheduler takes leases under.
func (s *Scheduler) Instance() string { return s.instance }

// Handle registers the handler of a kind of job. Call it before Run.
func (s *Scheduler) Handle(kind string, h Handler) { s.handlers[kind] = h }

// Run looks for due jobs every poll interval and runs them until ctx ends.
func (s *Scheduler) Run(ctx context.Context) {
	t := time.NewTicker(s.poll)
	defer t.Stop()
	for {
		if _, err := s.RunDue(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("scheduler", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// RunDue runs every job due now that no other instance holds, one after the
// other, and returns how many it ran.
func (s *Scheduler) RunDue(ctx context.Context) (int, error) {
	n := 0
	for ctx.Err() == nil {
		j, err := s.claim(ctx)
		if err != nil {
			return n, err
		}
		if j == nil {
			return n, nil
		}
		s.run(ctx, j)
		n++
	}
	return n, ctx.Err()
}

// claim takes the lease of the job due first that nobody holds, or returns nil.
func (s *Scheduler) claim(ctx context.Context) (*Job, error) {
	kinds := make([]string, 0, len(s.handlers))
	for k := range s.handlers {
		kinds = append(kinds, k)
	}
	if len(kinds) == 0 {
		return nil, nil
	}
	var out *Job
	err := s.db.Write(ctx, func(tx *sqlstore.Tx) error {
		now := s.now().UTC()
		in, list := tx.InList("kind", kinds)
		rows, err := tx.Query(ctx, `SELECT key, kind, COALESCE(org_id, ''), subject, due_at, runs FROM jobs
			WHERE due_at <= ? AND (lease_until IS NULL OR lease_until < ?) AND `+in+` ORDER BY due_at, key LIMIT 5`, now, now, list)
		if err != nil {
			return fmt.Errorf("due jobs: %w", err)
		}
		var due []Job
		for rows.Next() {
			var j Job
			if err := rows.Scan(&j.Key, &j.Kind, &j.OrgID, &j.Subject, &j.DueAt, &j.Runs); err != nil {
				rows.Close()
				return err
			}
			due = append(due, j)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, j := range due {
			// The condition repeats the selection: between two instances, only one UPDATE matches.
			res, err := tx.Exec(ctx, `UPDATE jobs SET lease_owner = ?, lease_until = ?, last_started_at = ?, runs = runs + 1
				WHERE key = ? AND due_at <= ? AND (lease_until IS NULL OR lease_until < ?)`, s.instance, now.Add(s.lease), now, j.Key, now, now)
			if err != nil {
				return fmt.Errorf("take job %s: %w", j.Key, err)
			}
			if n, _ := res.RowsAffected(); n == 1 {
				j.Runs++
				out = &j
				return nil
			}
		}
		return nil
	})
	return out, err
}

// run runs a taken job, renewing its lease while the handler works; a lease
// lost (the database unreachable for a whole lease, another instance having
// taken over) cancels the handler.
func (s *Scheduler) run(ctx context.Context, j *Job) {
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(s.lease / 3)
		defer t.Stop()
		for {
			select {
			case <-runCtx.Done():
				return
			case <-t.C:
				if ok, err := s.renew(runCtx, j.Key); err != nil || !ok {
					if runCtx.Err() == nil {
						s.log.Warn("job lease lost", "job", j.Key, "err", err)
					}
					cancel()
					return
				}
			}
		}
	}()
	started := s.now()
	next, err := s.safeRun(runCtx, j)
	cancel()
	wg.Wait()
	if ctx.Err() != nil {
		return // shutting down: the lease runs out and another instance takes the job
	}
	msg := ""
	if err != nil {
		msg = err.Error()
		if len(msg) > 1000 {
			msg = msg[:1000]
		}
		next = s.now().Add(RetryAfter)
		s.log.Error("job failed", "job", j.Key, "err", err)
	} else {
		s.log.Info("job done", "job", j.Key, "took", s.now().Sub(started).Round(time.Millisecond))
	}
	if werr := s.finish(ctx, j.Key, next, msg); werr != nil {
		s.log.Error("job not given back", "job", j.Key, "err", werr)
	}
}

// safeRun calls the handler, turning a panic into an error so one bad job does
// not stop the scheduler.
func (s *Scheduler) safeRun(ctx context.Context, j *Job) (next time.Time, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("job %s panicked: %v", j.Key, r)
		}
	}()
	h := s.handlers[j.Kind]
	if h == nil {
		return time.Time{}, errors.New("no handler")
	}
	return h(ctx, *j)
}

func (s *Scheduler) renew(ctx context.Context, key string) (bool, error) {
	var ok bool
	err := s.db.Write(ctx, func(tx *sqlstore.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE jobs SET lease_until = ? WHERE key = ? AND lease_owner = ?`, s.now().UTC().Add(s.lease), key, s.instance)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		ok = n == 1
		return nil
	})
	return ok, err
}

// finish gives the job back, due next (zero: removed), if this instance still holds it.
func (s *Scheduler) finish(ctx context.Context, key string, next time.Time, msg string) error {
	return s.db.Write(ctx, func(tx *sqlstore.Tx) error {
		if next.IsZero() {
			_, err := tx.Exec(ctx, `DELETE FROM jobs WHERE key = ? AND lease_owner = ?`, key, s.instance)
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE jobs SET due_at = ?, lease_owner = NULL, lease_until = NULL, last_finished_at = ?, last_error = ?
			WHERE key = ? AND lease_owner = ?`, next.UTC(), s.now().UTC(), msg, key, s.instance)
		return err
	})
}

// Put creates or reschedules a job in tx: due at due, whoever holds it keeps its lease.
func Put(ctx context.Context, tx *sqlstore.Tx, key, kind, orgID, subject string, due time.Time) error {
	var org any
	if orgID != "" {
		org = orgID
	}
	_, err := tx.Exec(ctx, `INSERT INTO jobs (key, kind, org_id, subject, due_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET due_at = excluded.due_at, kind = excluded.kind, subject = excluded.subject`, key, kind, org, subject, due.UTC())
	if err != nil {
		return fmt.Errorf("schedule %s: %w", key, err)
	}
	return nil
}

// Ensure creates a job due at due unless it exists (instance-wide jobs, at start).
func Ensure(ctx context.Context, tx *sqlstore.Tx, key, kind string, due time.Time) error {
	_, err := tx.Exec(ctx, `INSERT INTO jobs (key, kind, subject, due_at) VALUES (?, ?, '', ?) ON CONFLICT (key) DO NOTHING`, key, kind, due.UTC())
	if err != nil {
		return fmt.Errorf("schedule %s: %w", key, err)
	}
	return nil
}

// Remove deletes a job (a check disabled or archived).
func Remove(ctx context.Context, tx *sqlstore.Tx, key string) error {
	if _, err := tx.Exec(ctx, `DELETE FROM jobs WHERE key = ?`, key); err != nil {
		return fmt.Errorf("unschedule %s: %w", key, err)
	}
	return nil
}

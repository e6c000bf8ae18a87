package app

import (
	"context"
	"sync"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/sqlstore"
)

// snapshotMaxAge caps how long a snapshot is used even when nothing moved its organisation's audit chain: a
// safety net for a change that wrote no audit entry (none should).
const snapshotMaxAge = 10 * time.Minute

// snapshotLimit bounds the snapshots one instance keeps (organisations × names); past it the oldest goes.
const snapshotLimit = 2000

// snapshots keep what is costly to compute over a whole organisation (the readiness report, the risk
// summary) until the organisation's data changes. Every change appends to the organisation's audit chain in
// its own transaction, so the chain head's sequence number says whether anything changed; the day is part of
// the key because lines depend on it (evidence past its date, reviews due). The head is read from the
// database on each use, so instances behind a load balancer never serve what another instance changed.
type snapshots struct {
	mu sync.Mutex
	m  map[snapshotKey]snapshot
}

type snapshotKey struct{ org, name string }

type snapshot struct {
	seq   int64
	day   string
	taken time.Time
	value any
}

// Snapshot returns what compute returns for p's organisation, computed again only when the organisation's
// audit chain has moved since, the day has turned, or it is older than snapshotMaxAge. name tells one
// computation from another; the caller checks permissions before, and must not change what it gets back:
// other requests share it.
func Snapshot[T any](ctx context.Context, s *Service, p *bulwark.Principal, name string, compute func(ctx context.Context) (T, error)) (T, error) {
	var zero T
	var head bulwark.ChainHead
	if err := s.DB.Read(ctx, func(tx *sqlstore.Tx) error {
		var err error
		head, err = tx.AuditHead(ctx, p.Org.ID)
		return err
	}); err != nil {
		return zero, err
	}
	now := time.Now()
	day := bulwark.Today(now, p.Org.Settings.TimeZone)
	key := snapshotKey{p.Org.ID, name}
	s.snaps.mu.Lock()
	if e, ok := s.snaps.m[key]; ok && e.seq == head.Seq && e.day == day && now.Sub(e.taken) < snapshotMaxAge {
		s.snaps.mu.Unlock()
		return e.value.(T), nil
	}
	s.snaps.mu.Unlock()
	v, err := compute(ctx)
	if err != nil {
		return zero, err
	}
	s.snaps.mu.Lock()
	defer s.snaps.mu.Unlock()
	if len(s.snaps.m) >= snapshotLimit {
		var oldest snapshotKey
		var at time.Time
		for k, e := range s.snaps.m {
			if at.IsZero() || e.taken.Before(at) {
				oldest, at = k, e.taken
			}
		}
		delete(s.snaps.m, oldest)
	}
	// Computed from data read after the head: if a change landed in between, the next use sees a newer head
	// and computes again.
	s.snaps.m[key] = snapshot{seq: head.Seq, day: day, taken: now, value: v}
	return v, nil
}

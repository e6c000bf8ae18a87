package app

import (
	"context"
	"fmt"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/schedule"
	"github.com/bulwark-isms/bulwark/sqlstore"
)

// Instance-wide jobs the scheduler runs in one instance at a time.
const (
	JobCheckpoints = "audit-checkpoints" // sign a checkpoint at each chain's head, hourly
	JobOutbox      = "outbox"            // write the day's notifications of due and overdue items
)

// CheckpointInterval is how often the chains' heads are signed.
const CheckpointInterval = time.Hour

// EnsureInstanceJobs puts the instance-wide jobs in the jobs table unless they are there.
func EnsureInstanceJobs(ctx context.Context, tx *sqlstore.Tx) error {
	if err := schedule.Ensure(ctx, tx, JobCheckpoints, JobCheckpoints, tx.Now()); err != nil {
		return err
	}
	return schedule.Ensure(ctx, tx, JobOutbox, JobOutbox, tx.Now())
}

// checkpointJob signs the head of every chain that moved since its last
// checkpoint. The run is audited in the instance chain when an organisation's
// chain was sealed (sealing only the instance chain's own previous entry would
// otherwise write one entry an hour for ever).
func (s *Service) checkpointJob(ctx context.Context, _ schedule.Job) (time.Time, error) {
	err := s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
		sealed, err := tx.SealHeads(ctx, s.DB.Checkpoints)
		if err != nil {
			return err
		}
		orgs := 0
		for _, id := range sealed {
			if id != bulwark.InstanceChain {
				orgs++
			}
		}
		if orgs == 0 {
			return nil
		}
		return Audit(ctx, tx, bulwark.InstanceChain, Meta{ActorID: "system:scheduler"}, "audit.checkpoints", "audit_log", "", "", bulwark.Changes{"chains_sealed": bulwark.Added(len(sealed))})
	})
	return time.Now().Add(CheckpointInterval), err
}

// DueItem is something due or overdue for a member, as the daily outbox records it.
type DueItem struct {
	MemberID, Kind, SubjectID, SubjectRef, Title, DueDate string
	Link                                                  string // the page, after /o/{slug}
	Overdue                                               bool
}

// DueProvider lists what an area has due within a week, or overdue, in orgID on
// day today (YYYY-MM-DD in the organisation's zone), for each member it concerns.
type DueProvider func(ctx context.Context, tx *sqlstore.Tx, orgID, today string) ([]DueItem, error)

// AddDue registers an area's due items for the daily outbox.
func (s *Service) AddDue(p DueProvider) { s.due = append(s.due, p) }

// outboxJob writes, for every organisation, one notification per member and
// due item per day into notification_outbox, for a mailer to send (My tasks
// stays computed live). Each organisation's run is audited there.
func (s *Service) outboxJob(ctx context.Context, _ schedule.Job) (time.Time, error) {
	var orgs []*bulwark.Organisation
	if err := s.DB.View(ctx, func(tx *sqlstore.Tx) error {
		var err error
		orgs, err = tx.Organisations(ctx)
		return err
	}); err != nil {
		return time.Time{}, err
	}
	for _, o := range orgs {
		if err := s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
			today := bulwark.Today(tx.Now(), o.Settings.TimeZone)
			written := 0
			for _, provide := range s.due {
				items, err := provide(ctx, tx, o.ID, today)
				if err != nil {
					return err
				}
				for _, it := range items {
					if it.MemberID == "" {
						continue
					}
					res, err := tx.Exec(ctx, `INSERT INTO notification_outbox (id, org_id, member_id, day, kind, subject_id, subject_ref, title, due_date, overdue, link, created_at)
						VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, sqlstore.NewID(), o.ID, it.MemberID, today, it.Kind, it.SubjectID,
						it.SubjectRef, it.Title, it.DueDate, it.Overdue, "/o/"+o.Slug+it.Link, tx.Now())
					if err != nil {
						return fmt.Errorf("outbox: %w", err)
					}
					if n, _ := res.RowsAffected(); n > 0 {
						written++
					}
				}
			}
			if written == 0 {
				return nil
			}
			return Audit(ctx, tx, o.ID, Meta{ActorID: "system:scheduler"}, "outbox.write", "notification_outbox", "", today, bulwark.Changes{"notifications": bulwark.Added(written)})
		}); err != nil {
			return time.Time{}, fmt.Errorf("outbox of %s: %w", o.Slug, err)
		}
	}
	// Tomorrow, a few minutes after midnight UTC: organisations in other zones see their day's list by morning.
	next := time.Now().UTC().Truncate(24 * time.Hour).Add(24*time.Hour + 5*time.Minute)
	return next, nil
}

// DueWindowDays is how far ahead the outbox announces what falls due.
const DueWindowDays = 7

// DueFromQuery makes a DueProvider from a query taking (orgID, the last day of
// the window) and answering member_id, subject_id, subject_ref, title and
// due_date (YYYY-MM-DD) rows; link is the page, %s the subject's id.
func DueFromQuery(kind, link, query string) DueProvider {
	return func(ctx context.Context, tx *sqlstore.Tx, orgID, today string) ([]DueItem, error) {
		horizon := today
		if t, err := time.Parse(time.DateOnly, today); err == nil {
			horizon = t.AddDate(0, 0, DueWindowDays).Format(time.DateOnly)
		}
		rows, err := tx.Query(ctx, query, orgID, horizon)
		if err != nil {
			return nil, fmt.Errorf("due %s: %w", kind, err)
		}
		defer rows.Close()
		var out []DueItem
		for rows.Next() {
			it := DueItem{Kind: kind}
			if err := rows.Scan(&it.MemberID, &it.SubjectID, &it.SubjectRef, &it.Title, &it.DueDate); err != nil {
				return nil, err
			}
			it.Overdue, it.Link = it.DueDate < today, fmt.Sprintf(link, it.SubjectID)
			out = append(out, it)
		}
		return out, rows.Err()
	}
}

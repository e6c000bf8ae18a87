// Package objectives holds the information security objectives (6.2) and their
// measurement (9.1): objectives with an owner, a target and a deadline, linked to
// the risks and controls they concern; metrics with a unit, a direction, a
// numeric target and a frequency; and measurements recorded by hand, imported
// from a spreadsheet or computed from Bulwark's own registers, by request or by
// a daily job. Whether an objective is on track follows from the rules in
// objective.go.
package objectives

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/areas/controls"
	"github.com/bulwark-isms/bulwark/areas/documents"
	"github.com/bulwark-isms/bulwark/areas/evidence"
	"github.com/bulwark-isms/bulwark/areas/nonconformities"
	"github.com/bulwark-isms/bulwark/areas/risks"
	"github.com/bulwark-isms/bulwark/areas/training"
	"github.com/bulwark-isms/bulwark/schedule"
	"github.com/bulwark-isms/bulwark/sqlstore"
)

// JobKind is the scheduler's kind for computing one computed metric, daily.
const JobKind = "metric-compute"

// PermImport is the permission to import measurements: they may touch any metric.
const PermImport = bulwark.PermISMSEdit

// SchedulerActor is who the daily computation is recorded as in the audit trail.
const SchedulerActor = "system:scheduler"

// Service is the objectives area's operations: each checks the principal's
// permission, stays inside its organisation and writes its audit entry in the
// same transaction as the change.
type Service struct {
	*app.Service
}

// New returns the objectives area's service over the kernel's, registering the
// daily computation of computed metrics and the measurements import.
func New(k *app.Service) *Service {
	s := &Service{Service: k}
	k.AddJob(JobKind, s.computeJob)
	k.AddImport("measurements", PermImport)
	return s
}

func (s *Service) write(ctx context.Context, fn func(tx store) error) error {
	return s.DB.Write(ctx, func(tx *sqlstore.Tx) error { return fn(store{tx}) })
}

func (s *Service) read(ctx context.Context, fn func(tx store) error) error {
	return s.DB.Read(ctx, func(tx *sqlstore.Tx) error { return fn(store{tx}) })
}

// today is the principal's organisation's date.
func today(p *bulwark.Principal) string { return bulwark.Today(time.Now(), p.Org.Settings.TimeZone) }

// ObjectiveInput lists the fields of an objective a person may set; nil fields stay as they are.
type ObjectiveInput struct {
	Ref, Title, Description, Target, Deadline *string
	OwnerID                                   **string
	RiskIDs, ControlIDs                       *[]string
}

// apply copies the input onto o and returns what changed.
func (in ObjectiveInput) apply(o *Objective) bulwark.Changes {
	ch := bulwark.Changes{}
	trim := func(s *string) *string {
		if s == nil {
			return nil
		}
		t := strings.TrimSpace(strings.ReplaceAll(*s, "\r\n", "\n"))
		return &t
	}
	app.Set(ch, "title", &o.Title, trim(in.Title))
	app.Set(ch, "description", &o.Description, trim(in.Description))
	app.Set(ch, "target", &o.Target, trim(in.Target))
	app.Set(ch, "deadline", &o.Deadline, trim(in.Deadline))
	app.SetOpt(ch, "owner_id", &o.OwnerID, in.OwnerID)
	for _, l := range []struct {
		name    string
		dst, in *[]string
	}{{"risk_ids", &o.RiskIDs, in.RiskIDs}, {"control_ids", &o.ControlIDs, in.ControlIDs}} {
		if l.in == nil {
			continue
		}
		ids := uniq(*l.in)
		cur := slices.Clone(*l.dst)
		slices.Sort(cur)
		if !slices.Equal(ids, cur) {
			ch[l.name] = bulwark.Change{Before: cur, After: ids}
			*l.dst = ids
		}
	}
	return ch
}

func uniq(ids []string) []string {
	out := []string{}
	for _, id := range ids {
		if id = strings.TrimSpace(id); id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// validateObjective checks o and that its owner and links are the organisation's.
func validateObjective(ctx context.Context, tx store, orgID string, o, before *Objective) error {
	if err := o.Validate(); err != nil {
		return err
	}
	if before == nil || !app.EqPtr(o.OwnerID, before.OwnerID) {
		if err := app.CheckMember(ctx, tx.Tx, orgID, "owner_id", o.OwnerID); err != nil {
			return err
		}
	}
	for _, l := range []struct {
		field, table, hint string
		ids                []string
	}{
		{"risk_ids", "risks", "names a risk that is not this organisation's", o.RiskIDs},
		{"control_ids", "controls", "names a control that is not this organisation's", o.ControlIDs},
	} {
		if len(l.ids) == 0 {
			continue
		}
		in, list := tx.InList("id", l.ids)
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM `+l.table+` WHERE org_id = ? AND `+in, orgID, list).Scan(&n); err != nil {
			return fmt.Errorf("check %s: %w", l.field, err)
		}
		if n != len(l.ids) {
			return bulwark.Invalid(l.field, l.hint)
		}
	}
	return nil
}

// CreateObjective adds an objective, owned by its creator unless the input names another member.
func (s *Service) CreateObjective(ctx context.Context, p *bulwark.Principal, in ObjectiveInput) (*Objective, error) {
	if err := app.Require(p, bulwark.PermISMSCreateOwn); err != nil {
		return nil, err
	}
	o := &Objective{RiskIDs: []string{}, ControlIDs: []string{}, Metrics: []*Metric{}}
	if p.MemberID != "" {
		owner := p.MemberID
		o.OwnerID = &owner
	}
	ch := in.apply(o)
	if in.Ref != nil && strings.TrimSpace(*in.Ref) != "" {
		o.Ref = strings.ToUpper(strings.TrimSpace(*in.Ref))
		if !bulwark.ValidRef(o.Ref) {
			return nil, bulwark.Invalid("ref", "must look like OBJ-001: letters and digits, a dash, digits")
		}
	}
	err := s.write(ctx, func(tx store) error {
		if err := validateObjective(ctx, tx, p.Org.ID, o, nil); err != nil {
			return err
		}
		if err := tx.InsertObjective(ctx, p.Org.ID, o); err != nil {
			return err
		}
		return app.Audit(ctx, tx.Tx, p.Org.ID, app.MetaOf(p), "objective.create", "objective", o.ID, o.Ref, ch)
	})
	if err != nil {
		return nil, err
	}
	o.Status, o.StatusReason = Summarise(nil)
	return o, nil
}

// changeObjective reads objective id for p to change: it must be theirs to edit.
func changeObjective(ctx context.Context, tx store, p *bulwark.Principal, id string, expect *int) (*Objective, error) {
	o, err := tx.Objective(ctx, p.Org.ID, id)
	if err != nil {
		return nil, err
	}
	if !app.CanEdit(p, o.OwnerID) {
		return nil, bulwark.Errorf(bulwark.EFORBIDDEN, "Only the objective's owner or a manager may change %s.", o.Ref)
	}
	if expect != nil && *expect != o.Version {
		return nil, bulwark.Errorf(bulwark.ECONFLICT, "%s is at version %d, not %d: reload and try again.", o.Ref, o.Version, *expect)
	}
	return o, nil
}

// UpdateObjective changes an objective, or archives (restores) it.
func (s *Service) UpdateObjective(ctx context.Context, p *bulwark.Principal, id string, in ObjectiveInput, expect *int, archive *bool) (*Objective, error) {
	if err := app.Require(p, bulwark.PermISMSEditOwn); err != nil {
		return nil, err
	}
	err := s.write(ctx, func(tx store) error {
		o, err := changeObjective(ctx, tx, p, id, expect)
		if err != nil {
			return err
		}
		if in.Ref != nil && !strings.EqualFold(strings.TrimSpace(*in.Ref), o.Ref) {
			return bulwark.Invalid("ref", "cannot be changed")
		}
		before := *o
		ch := in.apply(o)
		if err := validateObjective(ctx, tx, p.Org.ID, o, &before); err != nil {
			return err
		}
		action := "objective.update"
		if archive != nil && *archive != (o.ArchivedAt != nil) {
			if *archive {
				now := tx.Now()
				o.ArchivedAt, action = &now, "objective.archive"
			} else {
				o.ArchivedAt, action = nil, "objective.restore"
			}
		}
		if len(ch) == 0 && action == "objective.update" {
			return nil
		}
		_, c1 := ch["risk_ids"]
		_, c2 := ch["control_ids"]
		if err := tx.UpdateObjective(ctx, p.Org.ID, o, c1 || c2); err != nil {
			return err
		}
		if action != "objective.update" {
			// The daily computation follows the objective: none while it is archived.
			ms, err := tx.Metrics(ctx, p.Org.ID, []string{o.ID})
			if err != nil {
				return err
			}
			for _, m := range ms {
				if err := reschedule(ctx, tx, p.Org.ID, m, o); err != nil {
					return err
				}
			}
		}
		return app.Audit(ctx, tx.Tx, p.Org.ID, app.MetaOf(p), action, "objective", o.ID, o.Ref, ch)
	})
	if err != nil {
		return nil, err
	}
	return s.Objective(ctx, p, id)
}

// Filter selects objectives.
type Filter struct {
	Status, OwnerID string
	IncludeArchived bool
}

// Objectives lists the organisation's objectives with their metrics and statuses.
func (s *Service) Objectives(ctx context.Context, p *bulwark.Principal, f Filter) ([]*Objective, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var out []*Objective
	err := s.read(ctx, func(tx store) error {
		os, err := tx.Objectives(ctx, p.Org.ID, f.IncludeArchived)
		if err != nil {
			return err
		}
		if err := evaluateAll(ctx, tx, p.Org.ID, p.Org.Settings.TimeZone, today(p), os); err != nil {
			return err
		}
		for _, o := range os {
			if (f.Status == "" || o.Status == f.Status) && (f.OwnerID == "" || bulwark.Value(o.OwnerID) == f.OwnerID) {
				out = append(out, o)
			}
		}
		return nil
	})
	if out == nil {
		out = []*Objective{}
	}
	return out, err
}

// Objective returns one objective (by id or ref), archived or not, with its metrics and status.
func (s *Service) Objective(ctx context.Context, p *bulwark.Principal, id string) (*Objective, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var out *Objective
	err := s.read(ctx, func(tx store) error {
		o, err := tx.Objective(ctx, p.Org.ID, id)
		if err != nil {
			return err
		}
		out = o
		return evaluateAll(ctx, tx, p.Org.ID, p.Org.Settings.TimeZone, today(p), []*Objective{o})
	})
	return out, err
}

// evaluateAll reads the live metrics of os and their measurements and sets every status.
func evaluateAll(ctx context.Context, tx store, orgID, tz, day string, os []*Objective) error {
	if len(os) == 0 {
		return nil
	}
	byID := map[string]*Objective{}
	ids := make([]string, 0, len(os))
	for _, o := range os {
		byID[o.ID], ids = o, append(ids, o.ID)
		o.Metrics = []*Metric{}
	}
	ms, err := tx.Metrics(ctx, orgID, ids)
	if err != nil {
		return err
	}
	if err := evaluateMetrics(ctx, tx, orgID, tz, day, ms, func(m *Metric) string { return byID[m.ObjectiveID].Deadline }, nil); err != nil {
		return err
	}
	for _, m := range ms {
		o := byID[m.ObjectiveID]
		o.Metrics = append(o.Metrics, m)
	}
	for _, o := range os {
		o.Status, o.StatusReason = Summarise(o.Metrics)
	}
	return nil
}

// evaluateMetrics sets each metric's latest measurement and verdict; keep, when
// set, receives each metric's measurements (oldest first).
func evaluateMetrics(ctx context.Context, tx store, orgID, tz, day string, ms []*Metric, deadline func(*Metric) string, keep func(*Metric, []*Measurement)) error {
	ids := make([]string, 0, len(ms))
	for _, m := range ms {
		ids = append(ids, m.ID)
	}
	all, err := tx.Measurements(ctx, orgID, ids)
	if err != nil {
		return err
	}
	by := map[string][]*Measurement{}
	for _, x := range all {
		by[x.MetricID] = append(by[x.MetricID], x)
	}
	for _, m := range ms {
		evaluate(m, by[m.ID], deadline(m), tz, day)
		if keep != nil {
			keep(m, by[m.ID])
		}
	}
	return nil
}

// evaluate sets m's latest measurement and verdict from xs (oldest first).
func evaluate(m *Metric, xs []*Measurement, deadline, tz, day string) {
	m.Latest = nil
	if len(xs) > 0 {
		m.Latest = xs[len(xs)-1]
	}
	v := Evaluate(m, xs, deadline, bulwark.Today(m.CreatedAt, tz), day)
	m.Status, m.StatusReason, m.NextDue, m.Overdue = v.Status, v.Reason, v.NextDue, v.Overdue
}

// MetricInput lists the fields of a metric a person may set; nil fields stay as they are.
type MetricInput struct {
	Name, Unit, Direction, Frequency, Source *string
	Target                                   *float64
	OwnerID                                  **string
}

// apply copies the input onto m and returns what changed.
func (in MetricInput) apply(m *Metric) bulwark.Changes {
	ch := bulwark.Changes{}
	trim := func(s *string) *string {
		if s == nil {
			return nil
		}
		t := strings.TrimSpace(*s)
		return &t
	}
	app.Set(ch, "name", &m.Name, trim(in.Name))
	app.Set(ch, "unit", &m.Unit, trim(in.Unit))
	for _, f := range []struct {
		name string
		dst  *string
		v    *string
	}{{"direction", &m.Direction, in.Direction}, {"frequency", &m.Frequency, in.Frequency}, {"source", &m.Source, in.Source}} {
		if v := trim(f.v); v != nil && *v != "" {
			app.Set(ch, f.name, f.dst, v)
		}
	}
	app.Set(ch, "target", &m.Target, in.Target)
	app.SetOpt(ch, "owner_id", &m.OwnerID, in.OwnerID)
	return ch
}

// jobKey is the scheduler's key of a computed metric's daily computation.
func jobKey(metricID string) string { return "metric:" + metricID }

// reschedule puts a live computed metric of a live objective in the jobs table, due now, or takes it out.
func reschedule(ctx context.Context, tx store, orgID string, m *Metric, o *Objective) error {
	if m.Source == SourceManual || m.ArchivedAt != nil || o.ArchivedAt != nil {
		return schedule.Remove(ctx, tx.Tx, jobKey(m.ID))
	}
	return schedule.Put(ctx, tx.Tx, jobKey(m.ID), JobKind, orgID, m.ID, tx.Now())
}

// canMeasure says whether p may change metric m of objective o: its owner's, the objective owner's, or a manager's.
func canMeasure(p *bulwark.Principal, o *Objective, m *Metric) bool {
	return app.CanEdit(p, o.OwnerID, m.OwnerID)
}

// AddMetric adds a metric to an objective. A computed source gives the unit and
// direction when the input leaves them out, and is computed by the daily job
// from now on.
func (s *Service) AddMetric(ctx context.Context, p *bulwark.Principal, objectiveID string, in MetricInput) (*Metric, error) {
	if err := app.Require(p, bulwark.PermISMSEditOwn); err != nil {
		return nil, err
	}
	var out *Metric
	err := s.write(ctx, func(tx store) error {
		o, err := changeObjective(ctx, tx, p, objectiveID, nil)
		if err != nil {
			return err
		}
		if o.ArchivedAt != nil {
			return bulwark.Errorf(bulwark.ECONFLICT, "%s is archived: restore it before adding a metric.", o.Ref)
		}
		m := &Metric{ObjectiveID: o.ID, Direction: DirectionIncrease, Frequency: FrequencyMonthly, Source: SourceManual, OwnerID: o.OwnerID}
		if in.Source != nil {
			if c := computedSource(strings.TrimSpace(*in.Source)); c != nil {
				m.Unit, m.Direction = c.Unit, c.Direction
			}
		}
		ch := in.apply(m)
		if err := m.Validate(); err != nil {
			return err
		}
		if err := app.CheckMember(ctx, tx.Tx, p.Org.ID, "owner_id", m.OwnerID); err != nil {
			return err
		}
		if err := tx.InsertMetric(ctx, p.Org.ID, m); err != nil {
			return err
		}
		if err := reschedule(ctx, tx, p.Org.ID, m, o); err != nil {
			return err
		}
		ch["objective"] = bulwark.Added(o.Ref)
		out = m
		return app.Audit(ctx, tx.Tx, p.Org.ID, app.MetaOf(p), "metric.create", "metric", m.ID, m.Ref, ch)
	})
	if err != nil {
		return nil, err
	}
	return s.Metric(ctx, p, out.ID)
}

// changeMetric reads metric id and its objective for p to change.
func changeMetric(ctx context.Context, tx store, p *bulwark.Principal, id string, expect *int) (*Metric, *Objective, error) {
	m, err := tx.Metric(ctx, p.Org.ID, id)
	if err != nil {
		return nil, nil, err
	}
	o, err := tx.Objective(ctx, p.Org.ID, m.ObjectiveID)
	if err != nil {
		return nil, nil, err
	}
	if !canMeasure(p, o, m) {
		return nil, nil, bulwark.Errorf(bulwark.EFORBIDDEN, "Only the metric's owner, the objective's owner or a manager may change %s.", m.Ref)
	}
	if expect != nil && *expect != m.Version {
		return nil, nil, bulwark.Errorf(bulwark.ECONFLICT, "%s is at version %d, not %d: reload and try again.", m.Ref, m.Version, *expect)
	}
	return m, o, nil
}

// UpdateMetric changes a metric, or archives (restores) it; its measurements stay.
func (s *Service) UpdateMetric(ctx context.Context, p *bulwark.Principal, id string, in MetricInput, expect *int, archive *bool) (*Metric, error) {
	if err := app.Require(p, bulwark.PermISMSEditOwn); err != nil {
		return nil, err
	}
	err := s.write(ctx, func(tx store) error {
		m, o, err := changeMetric(ctx, tx, p, id, expect)
		if err != nil {
			return err
		}
		before := *m
		ch := in.apply(m)
		if err := m.Validate(); err != nil {
			return err
		}
		if !app.EqPtr(before.OwnerID, m.OwnerID) {
			if err := app.CheckMember(ctx, tx.Tx, p.Org.ID, "owner_id", m.OwnerID); err != nil {
				return err
			}
		}
		action := "metric.update"
		if archive != nil && *archive != (m.ArchivedAt != nil) {
			if *archive {
				now := tx.Now()
				m.ArchivedAt, action = &now, "metric.archive"
			} else {
				m.ArchivedAt, action = nil, "metric.restore"
			}
		}
		if len(ch) == 0 && action == "metric.update" {
			return nil
		}
		if err := tx.UpdateMetric(ctx, p.Org.ID, m); err != nil {
			return err
		}
		if err := reschedule(ctx, tx, p.Org.ID, m, o); err != nil {
			return err
		}
		return app.Audit(ctx, tx.Tx, p.Org.ID, app.MetaOf(p), action, "metric", m.ID, m.Ref, ch)
	})
	if err != nil {
		return nil, err
	}
	return s.Metric(ctx, p, id)
}

// Metric returns one metric (by id or ref) with its latest measurement and status.
func (s *Service) Metric(ctx context.Context, p *bulwark.Principal, id string) (*Metric, error) {
	m, _, err := s.MetricMeasurements(ctx, p, id)
	return m, err
}

// MetricMeasurements returns one metric with its status and its measurements, oldest first.
func (s *Service) MetricMeasurements(ctx context.Context, p *bulwark.Principal, id string) (*Metric, []*Measurement, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, nil, err
	}
	var m *Metric
	xs := []*Measurement{}
	err := s.read(ctx, func(tx store) error {
		var err error
		if m, err = tx.Metric(ctx, p.Org.ID, id); err != nil {
			return err
		}
		o, err := tx.Objective(ctx, p.Org.ID, m.ObjectiveID)
		if err != nil {
			return err
		}
		return evaluateMetrics(ctx, tx, p.Org.ID, p.Org.Settings.TimeZone, today(p), []*Metric{m}, func(*Metric) string { return o.Deadline },
			func(_ *Metric, got []*Measurement) {
				if got != nil {
					xs = got
				}
			})
	})
	if err != nil {
		return nil, nil, err
	}
	return m, xs, nil
}

// Metrics returns the live metrics of an objective with their statuses.
func (s *Service) Metrics(ctx context.Context, p *bulwark.Principal, objectiveID string) ([]*Metric, error) {
	o, err := s.Objective(ctx, p, objectiveID)
	if err != nil {
		return nil, err
	}
	return o.Metrics, nil
}

// MeasurementInput is a measurement as a person records it; a nil Date is today.
type MeasurementInput struct {
	Date  *string
	Value *float64
	Note  *string
}

// putMeasurement records x for metric m (replacing the value of the same day)
// and writes its audit entry with action; unchanged says the day already held
// exactly that.
func putMeasurement(ctx context.Context, tx store, orgID string, meta app.Meta, action string, m *Metric, x *Measurement) (unchanged bool, err error) {
	if err := x.Validate(); err != nil {
		return false, err
	}
	cur, err := tx.MeasurementOn(ctx, orgID, m.ID, x.Date)
	if err != nil {
		return false, err
	}
	ch := bulwark.Changes{"metric": bulwark.Added(m.Ref), "date": bulwark.Added(x.Date)}
	if cur != nil {
		if cur.Value == x.Value && cur.Note == x.Note && cur.Source == x.Source {
			*x = *cur
			return true, nil
		}
		ch["value"] = bulwark.Change{Before: cur.Value, After: x.Value}
		if cur.Note != x.Note {
			ch["note"] = bulwark.Change{Before: cur.Note, After: x.Note}
		}
		x.ID, x.CreatedAt = cur.ID, cur.CreatedAt
	} else {
		ch["value"] = bulwark.Added(x.Value)
		if x.Note != "" {
			ch["note"] = bulwark.Added(x.Note)
		}
	}
	ch["source"] = bulwark.Added(x.Source)
	if err := tx.PutMeasurement(ctx, orgID, x); err != nil {
		return false, err
	}
	return false, app.Audit(ctx, tx.Tx, orgID, meta, action, "measurement", x.ID, m.Ref, ch)
}

// RecordMeasurement records a manual metric's value on a day (today by default);
// a day that holds one already gets the new value.
func (s *Service) RecordMeasurement(ctx context.Context, p *bulwark.Principal, metricID string, in MeasurementInput) (*Measurement, error) {
	if err := app.Require(p, bulwark.PermISMSEditOwn); err != nil {
		return nil, err
	}
	if in.Value == nil {
		return nil, bulwark.Invalid("value", "is required")
	}
	x := &Measurement{Date: today(p), Value: *in.Value, Note: strings.TrimSpace(bulwark.Value(in.Note)), Source: RecordedManual}
	if in.Date != nil && strings.TrimSpace(*in.Date) != "" {
		x.Date = strings.TrimSpace(*in.Date)
	}
	if p.MemberID != "" {
		by := p.MemberID
		x.RecordedBy = &by
	}
	if x.Date > today(p) && bulwark.ValidDate(x.Date) {
		return nil, bulwark.Invalid("date", "must not be in the future")
	}
	err := s.write(ctx, func(tx store) error {
		m, o, err := changeMetric(ctx, tx, p, metricID, nil)
		if err != nil {
			return err
		}
		if m.ArchivedAt != nil || o.ArchivedAt != nil {
			return bulwark.Errorf(bulwark.ECONFLICT, "%s is archived: restore it before recording a measurement.", m.Ref)
		}
		if m.Source != SourceManual {
			return bulwark.Errorf(bulwark.ECONFLICT, "%s is computed from Bulwark's data (%s): compute it instead of recording a value.", m.Ref, m.Source)
		}
		x.MetricID = m.ID
		_, err = putMeasurement(ctx, tx, p.Org.ID, app.MetaOf(p), "measurement.record", m, x)
		return err
	})
	if err != nil {
		return nil, err
	}
	return x, nil
}

// DeleteMeasurement removes a measurement recorded in error.
func (s *Service) DeleteMeasurement(ctx context.Context, p *bulwark.Principal, id string) error {
	if err := app.Require(p, bulwark.PermISMSEditOwn); err != nil {
		return err
	}
	return s.write(ctx, func(tx store) error {
		x, err := tx.Measurement(ctx, p.Org.ID, id)
		if err != nil {
			return err
		}
		m, _, err := changeMetric(ctx, tx, p, x.MetricID, nil)
		if err != nil {
			return err
		}
		if err := tx.DeleteMeasurement(ctx, p.Org.ID, x.ID); err != nil {
			return err
		}
		return app.Audit(ctx, tx.Tx, p.Org.ID, app.MetaOf(p), "measurement.delete", "measurement", x.ID, m.Ref,
			bulwark.Changes{"metric": bulwark.Added(m.Ref), "date": bulwark.Change{Before: x.Date}, "value": bulwark.Change{Before: x.Value}})
	})
}

// Compute records a computed metric's value for today, now, for a person.
func (s *Service) Compute(ctx context.Context, p *bulwark.Principal, metricID string) (*Measurement, error) {
	if err := app.Require(p, bulwark.PermISMSEditOwn); err != nil {
		return nil, err
	}
	var out *Measurement
	err := s.write(ctx, func(tx store) error {
		m, o, err := changeMetric(ctx, tx, p, metricID, nil)
		if err != nil {
			return err
		}
		if m.ArchivedAt != nil || o.ArchivedAt != nil {
			return bulwark.Errorf(bulwark.ECONFLICT, "%s is archived.", m.Ref)
		}
		var by *string
		if p.MemberID != "" {
			id := p.MemberID
			by = &id
		}
		out, err = computeInto(ctx, tx, p.Org.ID, today(p), app.MetaOf(p), m, by)
		return err
	})
	return out, err
}

// computeInto computes m for day, records it and audits the run.
func computeInto(ctx context.Context, tx store, orgID, day string, meta app.Meta, m *Metric, by *string) (*Measurement, error) {
	if m.Source == SourceManual {
		return nil, bulwark.Errorf(bulwark.ECONFLICT, "%s is a manual metric: record its measurements.", m.Ref)
	}
	c, err := gather(ctx, tx.Tx, orgID, day, m.Source)
	if err != nil {
		return nil, err
	}
	v, ok, why := Compute(m.Source, c)
	if !ok {
		return nil, bulwark.Errorf(bulwark.ECONFLICT, "%s: %s", m.Ref, why)
	}
	x := &Measurement{MetricID: m.ID, Date: day, Value: v, Source: RecordedComputed, RecordedBy: by}
	if _, err := putMeasurement(ctx, tx, orgID, meta, "measurement.compute", m, x); err != nil {
		return nil, err
	}
	return x, nil
}

// gather reads, through the other areas' own counting functions, the figures source needs on day.
func gather(ctx context.Context, tx *sqlstore.Tx, orgID, day, source string) (Counts, error) {
	var c Counts
	switch source {
	case SourceControlsImplementedPct, SourceEvidenceCurrentPct:
		_, applicable, _, _, err := controls.Readiness(ctx, tx, orgID)
		if err != nil {
			return c, err
		}
		e, err := evidence.ReadinessOf(ctx, tx, orgID, day)
		if err != nil {
			return c, err
		}
		c.ApplicableControls, c.ImplementedControls, c.ImplementedWithoutCurrentEvidence = applicable, e.ImplementedControls, e.WithoutCurrent
	case SourceTrainingCompletePct:
		t, err := training.ReadinessOf(ctx, tx, orgID, day)
		if err != nil {
			return c, err
		}
		c.TrainingAssigned, c.TrainingCompleted = t.Assigned, t.Completed
	case SourceAcknowledgementsPct:
		d, err := documents.ReadinessOf(ctx, tx, orgID, day)
		if err != nil {
			return c, err
		}
		c.AckAsked, c.AckDone = d.AckAsked, d.AckDone
	case SourceRisksAboveCriteria:
		n, err := risks.AboveCriteriaOf(ctx, tx, orgID)
		if err != nil {
			return c, err
		}
		c.RisksAboveCriteria = n
	case SourceOpenNonconformities, SourceMeanDaysToCloseNC:
		n, err := nonconformities.CountsOf(ctx, tx, orgID)
		if err != nil {
			return c, err
		}
		c.OpenNonconformities, c.MeanDaysToCloseNC = n.Open, n.MeanDaysToClose
	}
	return c, nil
}

// computeJob is the scheduler's handler: compute the metric for the
// organisation's today, audited as the scheduler; due again tomorrow. A metric
// gone, archived or made manual loses its job. Nothing to measure (no training
// assigned, say) is not an error: the job tries again tomorrow.
func (s *Service) computeJob(ctx context.Context, j schedule.Job) (time.Time, error) {
	tomorrow := time.Now().UTC().Truncate(24 * time.Hour).Add(24*time.Hour + 15*time.Minute)
	gone := false
	err := s.write(ctx, func(tx store) error {
		m, err := tx.Metric(ctx, j.OrgID, j.Subject)
		if bulwark.ErrorCode(err) == bulwark.ENOTFOUND {
			gone = true
			return nil
		}
		if err != nil {
			return err
		}
		o, err := tx.Objective(ctx, j.OrgID, m.ObjectiveID)
		if err != nil {
			return err
		}
		if m.Source == SourceManual || m.ArchivedAt != nil || o.ArchivedAt != nil {
			gone = true
			return nil
		}
		org, err := tx.OrganisationByID(ctx, j.OrgID)
		if err != nil {
			return err
		}
		_, err = computeInto(ctx, tx, j.OrgID, bulwark.Today(tx.Now(), org.Settings.TimeZone), app.Meta{ActorID: SchedulerActor}, m, nil)
		if bulwark.ErrorCode(err) == bulwark.ECONFLICT {
			return nil
		}
		return err
	})
	if gone {
		return time.Time{}, nil
	}
	return tomorrow, err
}

// Overview is what the dashboard shows: the live objectives by status and those off track.
type Overview struct {
	Total    int
	ByStatus map[string]int
	OffTrack []*Objective
}

// Overview counts the live objectives by status and lists those off track.
func (s *Service) Overview(ctx context.Context, p *bulwark.Principal) (*Overview, error) {
	os, err := s.Objectives(ctx, p, Filter{})
	if err != nil {
		return nil, err
	}
	ov := &Overview{Total: len(os), ByStatus: map[string]int{}}
	for _, o := range os {
		ov.ByStatus[o.Status]++
		if o.Status == StatusOffTrack {
			ov.OffTrack = append(ov.OffTrack, o)
		}
	}
	return ov, nil
}

// Due is a manual metric whose next measurement is past due, for its owner's tasks.
type Due struct {
	MetricID     string `json:"metric_id"`
	MetricRef    string `json:"metric_ref"`
	Name         string `json:"name"`
	ObjectiveID  string `json:"objective_id"`
	ObjectiveRef string `json:"objective_ref"`
	NextDue      string `json:"next_due"`
}

// MyTasks lists the principal's manual metrics (theirs, or of their objectives
// when the metric has no owner) whose next measurement is overdue.
func (s *Service) MyTasks(ctx context.Context, p *bulwark.Principal) ([]Due, error) {
	out := []Due{}
	if p.MemberID == "" || !p.Can(bulwark.PermISMSRead) {
		return out, nil
	}
	os, err := s.Objectives(ctx, p, Filter{})
	if err != nil {
		return nil, err
	}
	for _, o := range os {
		for _, m := range o.Metrics {
			owner := m.OwnerID
			if owner == nil {
				owner = o.OwnerID
			}
			if m.Source == SourceManual && m.Overdue && bulwark.Value(owner) == p.MemberID {
				out = append(out, Due{MetricID: m.ID, MetricRef: m.Ref, Name: m.Name, ObjectiveID: o.ID, ObjectiveRef: o.Ref, NextDue: m.NextDue})
			}
		}
	}
	return out, nil
}

// parseNumber reads a number as people write it: 92.5, 92,5, 1 234, 92.5 %.
func parseNumber(s string) (float64, bool) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "%"))
	s = strings.ReplaceAll(strings.ReplaceAll(s, " ", ""), "\u00a0", "")
	if strings.Count(s, ",") == 1 && !strings.Contains(s, ".") {
		s = strings.Replace(s, ",", ".", 1)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

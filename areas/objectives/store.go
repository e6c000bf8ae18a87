package objectives

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/sqlstore"
)

// store is a transaction seen from the objectives area. Every query names the organisation.
type store struct{ *sqlstore.Tx }

type row interface{ Scan(...any) error }

const objectiveColumns = `o.id, o.ref, o.ref_number, o.title, o.description, o.owner_id, o.target, o.deadline, o.version, o.created_at, o.updated_at, o.archived_at`

func scanObjective(r row) (*Objective, error) {
	var o Objective
	var num int
	var owner sql.NullString
	var archived sql.NullTime
	err := r.Scan(&o.ID, &o.Ref, &num, &o.Title, &o.Description, &owner, &o.Target, &o.Deadline, &o.Version, &o.CreatedAt, &o.UpdatedAt, &archived)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "Objective not found.")
	} else if err != nil {
		return nil, fmt.Errorf("scan objective: %w", err)
	}
	o.OwnerID, o.ArchivedAt = sqlstore.StrPtr(owner), utcPtr(sqlstore.TimePtr(archived))
	o.CreatedAt, o.UpdatedAt = o.CreatedAt.UTC(), o.UpdatedAt.UTC()
	o.RiskIDs, o.ControlIDs, o.Metrics = []string{}, []string{}, []*Metric{}
	return &o, nil
}

// utcPtr is t in UTC, or nil.
func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// InsertObjective stores a new objective with its links; an empty Ref gets the next OBJ- number.
func (tx store) InsertObjective(ctx context.Context, orgID string, o *Objective) error {
	num := bulwark.ParseRefNumber(RefPrefix, o.Ref)
	if o.Ref == "" {
		n, err := tx.NextRef(ctx, orgID, RefPrefix)
		if err != nil {
			return err
		}
		num, o.Ref = n, bulwark.FormatRef(RefPrefix, n)
	} else if num > 0 {
		if err := tx.BumpRef(ctx, orgID, RefPrefix, num); err != nil {
			return err
		}
	}
	o.ID = sqlstore.NewID()
	o.CreatedAt, o.UpdatedAt, o.Version = tx.Now(), tx.Now(), 1
	_, err := tx.Exec(ctx, `INSERT INTO objectives (id, org_id, ref, ref_number, title, description, owner_id, target, deadline, version, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`, o.ID, orgID, o.Ref, num, o.Title, o.Description, o.OwnerID, o.Target, o.Deadline, tx.Now(), tx.Now())
	if sqlstore.IsUniqueViolation(err) {
		return bulwark.Errorf(bulwark.ECONFLICT, "An objective with the reference %s already exists.", o.Ref)
	}
	if err != nil {
		return fmt.Errorf("insert objective: %w", err)
	}
	return tx.setLinks(ctx, orgID, o, true)
}

// linkTables are an objective's link tables and the column each holds.
var linkTables = []struct {
	table, col string
	ids        func(*Objective) *[]string
}{
	{"objective_risks", "risk_id", func(o *Objective) *[]string { return &o.RiskIDs }},
	{"objective_controls", "control_id", func(o *Objective) *[]string { return &o.ControlIDs }},
}

// setLinks replaces an objective's risk and control links (fresh: it has none yet).
func (tx store) setLinks(ctx context.Context, orgID string, o *Objective, fresh bool) error {
	for _, l := range linkTables {
		if !fresh {
			if _, err := tx.Exec(ctx, `DELETE FROM `+l.table+` WHERE org_id = ? AND objective_id = ?`, orgID, o.ID); err != nil {
				return fmt.Errorf("objective links: %w", err)
			}
		}
		for _, id := range *l.ids(o) {
			if _, err := tx.Exec(ctx, `INSERT INTO `+l.table+` (org_id, objective_id, `+l.col+`) VALUES (?, ?, ?)`, orgID, o.ID, id); err != nil {
				return fmt.Errorf("objective links: %w", err)
			}
		}
	}
	return nil
}

// UpdateObjective writes every field of o if its version is still o.Version.
func (tx store) UpdateObjective(ctx context.Context, orgID string, o *Objective, linksChanged bool) error {
	res, err := tx.Exec(ctx, `UPDATE objectives SET title = ?, description = ?, owner_id = ?, target = ?, deadline = ?, archived_at = ?, version = version + 1, updated_at = ?
		WHERE org_id = ? AND id = ? AND version = ?`, o.Title, o.Description, o.OwnerID, o.Target, o.Deadline, sqlstore.NullTime(o.ArchivedAt), tx.Now(), orgID, o.ID, o.Version)
	if err != nil {
		return fmt.Errorf("update objective: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return bulwark.Errorf(bulwark.ECONFLICT, "The objective was changed by someone else; reload and try again.")
	}
	o.Version++
	o.UpdatedAt = tx.Now()
	if linksChanged {
		return tx.setLinks(ctx, orgID, o, false)
	}
	return nil
}

// Objective returns objective id (or ref) of orgID, archived too, with its links, or ENOTFOUND.
func (tx store) Objective(ctx context.Context, orgID, id string) (*Objective, error) {
	o, err := scanObjective(tx.QueryRow(ctx, `SELECT `+objectiveColumns+` FROM objectives o WHERE o.org_id = ? AND (o.id = ? OR o.ref = ?)`, orgID, id, strings.ToUpper(id)))
	if err != nil {
		return nil, err
	}
	return o, tx.fillLinks(ctx, orgID, []*Objective{o})
}

// Objectives returns orgID's objectives in ref order, archived ones too when asked.
func (tx store) Objectives(ctx context.Context, orgID string, archived bool) ([]*Objective, error) {
	q := `SELECT ` + objectiveColumns + ` FROM objectives o WHERE o.org_id = ?`
	if !archived {
		q += ` AND o.archived_at IS NULL`
	}
	rows, err := tx.Query(ctx, q+` ORDER BY o.ref_number, o.id`, orgID)
	if err != nil {
		return nil, fmt.Errorf("list objectives: %w", err)
	}
	defer rows.Close()
	out := []*Objective{}
	for rows.Next() {
		o, err := scanObjective(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, tx.fillLinks(ctx, orgID, out)
}

// fillLinks reads the links of os, one query per link table whatever their number.
func (tx store) fillLinks(ctx context.Context, orgID string, os []*Objective) error {
	if len(os) == 0 {
		return nil
	}
	byID := map[string]*Objective{}
	ids := make([]string, 0, len(os))
	for _, o := range os {
		byID[o.ID], ids = o, append(ids, o.ID)
	}
	in, list := tx.InList("objective_id", ids)
	for _, l := range linkTables {
		rows, err := tx.Query(ctx, `SELECT objective_id, `+l.col+` FROM `+l.table+` WHERE org_id = ? AND `+in+` ORDER BY objective_id, `+l.col, orgID, list)
		if err != nil {
			return fmt.Errorf("objective links: %w", err)
		}
		for rows.Next() {
			var oid, id string
			if err := rows.Scan(&oid, &id); err != nil {
				rows.Close()
				return err
			}
			if o := byID[oid]; o != nil {
				*l.ids(o) = append(*l.ids(o), id)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

const metricColumns = `m.id, m.ref, m.objective_id, m.name, m.unit, m.direction, m.target, m.frequency, m.source, m.owner_id, m.version, m.created_at, m.updated_at, m.archived_at`

func scanMetric(r row) (*Metric, error) {
	var m Metric
	var owner sql.NullString
	var archived sql.NullTime
	err := r.Scan(&m.ID, &m.Ref, &m.ObjectiveID, &m.Name, &m.Unit, &m.Direction, &m.Target, &m.Frequency, &m.Source, &owner, &m.Version, &m.CreatedAt, &m.UpdatedAt, &archived)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "Metric not found.")
	} else if err != nil {
		return nil, fmt.Errorf("scan metric: %w", err)
	}
	m.OwnerID, m.ArchivedAt = sqlstore.StrPtr(owner), utcPtr(sqlstore.TimePtr(archived))
	m.CreatedAt, m.UpdatedAt = m.CreatedAt.UTC(), m.UpdatedAt.UTC()
	return &m, nil
}

// InsertMetric stores a new metric of objective m.ObjectiveID with the next MET- number.
func (tx store) InsertMetric(ctx context.Context, orgID string, m *Metric) error {
	n, err := tx.NextRef(ctx, orgID, MetricRefPrefix)
	if err != nil {
		return err
	}
	m.ID, m.Ref = sqlstore.NewID(), bulwark.FormatRef(MetricRefPrefix, n)
	m.CreatedAt, m.UpdatedAt, m.Version = tx.Now(), tx.Now(), 1
	_, err = tx.Exec(ctx, `INSERT INTO metrics (id, org_id, objective_id, ref, ref_number, name, unit, direction, target, frequency, source, owner_id, version, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`, m.ID, orgID, m.ObjectiveID, m.Ref, n, m.Name, m.Unit, m.Direction, m.Target, m.Frequency, m.Source, m.OwnerID, tx.Now(), tx.Now())
	if err != nil {
		return fmt.Errorf("insert metric: %w", err)
	}
	return nil
}

// UpdateMetric writes every field of m if its version is still m.Version.
func (tx store) UpdateMetric(ctx context.Context, orgID string, m *Metric) error {
	res, err := tx.Exec(ctx, `UPDATE metrics SET name = ?, unit = ?, direction = ?, target = ?, frequency = ?, source = ?, owner_id = ?, archived_at = ?, version = version + 1, updated_at = ?
		WHERE org_id = ? AND id = ? AND version = ?`, m.Name, m.Unit, m.Direction, m.Target, m.Frequency, m.Source, m.OwnerID, sqlstore.NullTime(m.ArchivedAt), tx.Now(), orgID, m.ID, m.Version)
	if err != nil {
		return fmt.Errorf("update metric: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return bulwark.Errorf(bulwark.ECONFLICT, "The metric was changed by someone else; reload and try again.")
	}
	m.Version++
	m.UpdatedAt = tx.Now()
	return nil
}

// Metric returns metric id (or ref) of orgID, archived too, or ENOTFOUND.
func (tx store) Metric(ctx context.Context, orgID, id string) (*Metric, error) {
	return scanMetric(tx.QueryRow(ctx, `SELECT `+metricColumns+` FROM metrics m WHERE m.org_id = ? AND (m.id = ? OR m.ref = ?)`, orgID, id, strings.ToUpper(id)))
}

// Metrics returns the live metrics of orgID's objectives objectiveIDs (nil: of every objective), in ref order.
func (tx store) Metrics(ctx context.Context, orgID string, objectiveIDs []string) ([]*Metric, error) {
	q, args := `SELECT `+metricColumns+` FROM metrics m WHERE m.org_id = ? AND m.archived_at IS NULL`, []any{orgID}
	if objectiveIDs != nil {
		if len(objectiveIDs) == 0 {
			return []*Metric{}, nil
		}
		in, list := tx.InList("m.objective_id", objectiveIDs)
		q, args = q+` AND `+in, append(args, list)
	}
	rows, err := tx.Query(ctx, q+` ORDER BY m.ref_number, m.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list metrics: %w", err)
	}
	defer rows.Close()
	out := []*Metric{}
	for rows.Next() {
		m, err := scanMetric(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

const measurementColumns = `x.id, x.metric_id, x.measured_on, x.value, x.note, x.source, x.recorded_by, x.created_at, x.updated_at`

func scanMeasurement(r row) (*Measurement, error) {
	var ms Measurement
	var by sql.NullString
	err := r.Scan(&ms.ID, &ms.MetricID, &ms.Date, &ms.Value, &ms.Note, &ms.Source, &by, &ms.CreatedAt, &ms.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "Measurement not found.")
	} else if err != nil {
		return nil, fmt.Errorf("scan measurement: %w", err)
	}
	ms.RecordedBy = sqlstore.StrPtr(by)
	ms.CreatedAt, ms.UpdatedAt = ms.CreatedAt.UTC(), ms.UpdatedAt.UTC()
	return &ms, nil
}

// Measurements returns the measurements of orgID's metrics metricIDs, oldest first.
func (tx store) Measurements(ctx context.Context, orgID string, metricIDs []string) ([]*Measurement, error) {
	if len(metricIDs) == 0 {
		return []*Measurement{}, nil
	}
	in, list := tx.InList("x.metric_id", metricIDs)
	rows, err := tx.Query(ctx, `SELECT `+measurementColumns+` FROM measurements x WHERE x.org_id = ? AND `+in+` ORDER BY x.measured_on, x.id`, orgID, list)
	if err != nil {
		return nil, fmt.Errorf("list measurements: %w", err)
	}
	defer rows.Close()
	out := []*Measurement{}
	for rows.Next() {
		ms, err := scanMeasurement(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, ms)
	}
	return out, rows.Err()
}

// Measurement returns measurement id of orgID, or ENOTFOUND.
func (tx store) Measurement(ctx context.Context, orgID, id string) (*Measurement, error) {
	return scanMeasurement(tx.QueryRow(ctx, `SELECT `+measurementColumns+` FROM measurements x WHERE x.org_id = ? AND x.id = ?`, orgID, id))
}

// MeasurementOn returns metric metricID's measurement of day, or nil.
func (tx store) MeasurementOn(ctx context.Context, orgID, metricID, day string) (*Measurement, error) {
	ms, err := scanMeasurement(tx.QueryRow(ctx, `SELECT `+measurementColumns+` FROM measurements x WHERE x.org_id = ? AND x.metric_id = ? AND x.measured_on = ?`, orgID, metricID, day))
	if bulwark.ErrorCode(err) == bulwark.ENOTFOUND {
		return nil, nil
	}
	return ms, err
}

// PutMeasurement stores ms, or replaces the value, note and source of the metric's measurement of the same day (ms.ID set then).
func (tx store) PutMeasurement(ctx context.Context, orgID string, ms *Measurement) error {
	if ms.ID != "" {
		ms.UpdatedAt = tx.Now()
		_, err := tx.Exec(ctx, `UPDATE measurements SET value = ?, note = ?, source = ?, recorded_by = ?, updated_at = ? WHERE org_id = ? AND id = ?`,
			ms.Value, ms.Note, ms.Source, ms.RecordedBy, tx.Now(), orgID, ms.ID)
		if err != nil {
			return fmt.Errorf("update measurement: %w", err)
		}
		return nil
	}
	ms.ID, ms.CreatedAt, ms.UpdatedAt = sqlstore.NewID(), tx.Now(), tx.Now()
	_, err := tx.Exec(ctx, `INSERT INTO measurements (id, org_id, metric_id, measured_on, value, note, source, recorded_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		ms.ID, orgID, ms.MetricID, ms.Date, ms.Value, ms.Note, ms.Source, ms.RecordedBy, tx.Now(), tx.Now())
	if err != nil {
		return fmt.Errorf("insert measurement: %w", err)
	}
	return nil
}

// DeleteMeasurement removes measurement id of orgID.
func (tx store) DeleteMeasurement(ctx context.Context, orgID, id string) error {
	if _, err := tx.Exec(ctx, `DELETE FROM measurements WHERE org_id = ? AND id = ?`, orgID, id); err != nil {
		return fmt.Errorf("delete measurement: %w", err)
	}
	return nil
}

// LinkView is a risk or control an objective is linked to, as a page shows it.
type LinkView struct {
	Kind, ID, Ref, Title string
}

// links names the risks and controls of orgID with ids.
func (tx store) links(ctx context.Context, orgID string, riskIDs, controlIDs []string) ([]LinkView, error) {
	var out []LinkView
	for _, l := range []struct {
		kind, q string
		ids     []string
	}{
		{"risk", `SELECT id, ref, title FROM risks WHERE org_id = ? AND %s ORDER BY ref_number, ref`, riskIDs},
		{"control", `SELECT id, ref, title FROM controls WHERE org_id = ? AND %s ORDER BY sort_order, ref`, controlIDs},
	} {
		if len(l.ids) == 0 {
			continue
		}
		in, list := tx.InList("id", l.ids)
		rows, err := tx.Query(ctx, strings.Replace(l.q, "%s", in, 1), orgID, list)
		if err != nil {
			return nil, fmt.Errorf("objective links: %w", err)
		}
		for rows.Next() {
			v := LinkView{Kind: l.kind}
			if err := rows.Scan(&v.ID, &v.Ref, &v.Title); err != nil {
				rows.Close()
				return nil, err
			}
			out = append(out, v)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

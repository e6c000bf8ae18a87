package monitoring

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/collect"
	"github.com/bulwark-isms/bulwark/sqlstore"
)

// store is a transaction seen from the monitoring area.
type store struct{ *sqlstore.Tx }

type row interface{ Scan(...any) error }

const collectorColumns = `c.id, c.ref, c.kind, c.name, c.config, c.secret, c.agent_token_id, c.collected_at, c.facts, c.last_error, c.version, c.created_at, c.updated_at, c.archived_at`

func scanCollector(r row) (*Collector, error) {
	var c Collector
	var config string
	var secret, token, facts sql.NullString
	var collected, archived sql.NullTime
	err := r.Scan(&c.ID, &c.Ref, &c.Kind, &c.Name, &config, &secret, &token, &collected, &facts, &c.LastError, &c.Version, &c.CreatedAt, &c.UpdatedAt, &archived)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "Collector not found.")
	} else if err != nil {
		return nil, fmt.Errorf("scan collector: %w", err)
	}
	c.Config = map[string]string{}
	_ = json.Unmarshal([]byte(config), &c.Config)
	c.secret, c.agentTokenID = sqlstore.StrPtr(secret), sqlstore.StrPtr(token)
	c.HasSecret, c.AgentBound = c.secret != nil, c.agentTokenID != nil
	c.CollectedAt, c.ArchivedAt = utc(sqlstore.TimePtr(collected)), utc(sqlstore.TimePtr(archived))
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	if facts.Valid {
		var rs []collect.Resource
		if json.Unmarshal([]byte(facts.String), &rs) == nil {
			c.Resources = len(rs)
		}
	}
	return &c, nil
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func configJSON(m map[string]string) string {
	if m == nil {
		m = map[string]string{}
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// InsertCollector stores a new collector with the next COL- reference.
func (tx store) InsertCollector(ctx context.Context, orgID, createdBy string, c *Collector) error {
	n, err := tx.NextRef(ctx, orgID, "COL")
	if err != nil {
		return err
	}
	c.ID, c.Ref = sqlstore.NewID(), bulwark.FormatRef("COL", n)
	c.CreatedAt, c.UpdatedAt, c.Version = tx.Now(), tx.Now(), 1
	_, err = tx.Exec(ctx, `INSERT INTO collectors (id, org_id, ref, ref_number, kind, name, config, secret, created_by, version, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`, c.ID, orgID, c.Ref, n, c.Kind, c.Name, configJSON(c.Config), c.secret, nullable(createdBy), tx.Now(), tx.Now())
	if err != nil {
		return fmt.Errorf("insert collector: %w", err)
	}
	return nil
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// UpdateCollector writes a collector's settings if its version is still c.Version.
func (tx store) UpdateCollector(ctx context.Context, orgID string, c *Collector) error {
	res, err := tx.Exec(ctx, `UPDATE collectors SET name = ?, config = ?, secret = ?, agent_token_id = ?, archived_at = ?, version = version + 1, updated_at = ?
		WHERE org_id = ? AND id = ? AND version = ?`, c.Name, configJSON(c.Config), c.secret, c.agentTokenID, sqlstore.NullTime(c.ArchivedAt), tx.Now(), orgID, c.ID, c.Version)
	if err != nil {
		return fmt.Errorf("update collector: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return bulwark.Errorf(bulwark.ECONFLICT, "The collector was changed by someone else; reload and try again.")
	}
	c.Version++
	c.UpdatedAt = tx.Now()
	return nil
}

// SetFacts records what a collection found (or why it failed: facts stay as they were).
func (tx store) SetFacts(ctx context.Context, orgID, id string, rs []collect.Resource, collectErr string) error {
	if collectErr != "" {
		_, err := tx.Exec(ctx, `UPDATE collectors SET last_error = ?, collected_at = ? WHERE org_id = ? AND id = ?`, collectErr, tx.Now(), orgID, id)
		return err
	}
	b, err := json.Marshal(rs)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `UPDATE collectors SET facts = ?, last_error = '', collected_at = ? WHERE org_id = ? AND id = ?`, string(b), tx.Now(), orgID, id)
	return err
}

// Facts returns the resources collector id found last (nil when never collected).
func (tx store) Facts(ctx context.Context, orgID, id string) ([]collect.Resource, error) {
	var facts sql.NullString
	if err := tx.QueryRow(ctx, `SELECT facts FROM collectors WHERE org_id = ? AND id = ?`, orgID, id).Scan(&facts); err != nil {
		return nil, fmt.Errorf("collector facts: %w", err)
	}
	if !facts.Valid {
		return nil, nil
	}
	var rs []collect.Resource
	if err := json.Unmarshal([]byte(facts.String), &rs); err != nil {
		return nil, fmt.Errorf("collector facts: %w", err)
	}
	return rs, nil
}

// Collector returns collector id (or ref) of orgID.
func (tx store) Collector(ctx context.Context, orgID, id string) (*Collector, error) {
	return scanCollector(tx.QueryRow(ctx, `SELECT `+collectorColumns+` FROM collectors c WHERE c.org_id = ? AND (c.id = ? OR c.ref = ?)`, orgID, id, strings.ToUpper(id)))
}

// CollectorByToken returns the live collector an agent token is bound to.
func (tx store) CollectorByToken(ctx context.Context, orgID, tokenID string) (*Collector, error) {
	return scanCollector(tx.QueryRow(ctx, `SELECT `+collectorColumns+` FROM collectors c WHERE c.org_id = ? AND c.agent_token_id = ? AND c.archived_at IS NULL`, orgID, tokenID))
}

// Collectors lists orgID's collectors (of kind, when given), live ones unless archived is set.
func (tx store) Collectors(ctx context.Context, orgID, kind string, archived bool) ([]*Collector, error) {
	q, args := `SELECT `+collectorColumns+` FROM collectors c WHERE c.org_id = ?`, []any{orgID}
	if kind != "" {
		q, args = q+` AND c.kind = ?`, append(args, kind)
	}
	if !archived {
		q += ` AND c.archived_at IS NULL`
	}
	rows, err := tx.Query(ctx, q+` ORDER BY c.ref_number`, args...)
	if err != nil {
		return nil, fmt.Errorf("list collectors: %w", err)
	}
	defer rows.Close()
	out := []*Collector{}
	for rows.Next() {
		c, err := scanCollector(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

const checkColumns = `k.id, k.ref, k.builtin_key, k.name, k.description, k.kind, k.resource_type, k.rule, k.interval_minutes, k.enabled, k.collector_id,
	k.status, k.passed, k.failed, k.errors, k.last_run_at, k.accepted_reason, k.accepted_by, k.accepted_at, k.evidence_id, k.version, k.created_at, k.updated_at, k.archived_at,
	(SELECT j.due_at FROM jobs j WHERE j.key = 'check:' || k.id)`

func scanCheck(r row) (*Check, error) {
	var c Check
	var collector, acceptedBy, evidence sql.NullString
	var lastRun, acceptedAt, archived, next sql.NullTime
	err := r.Scan(&c.ID, &c.Ref, &c.BuiltinKey, &c.Name, &c.Description, &c.Kind, &c.ResourceType, &c.Rule, &c.intervalMinutes, &c.Enabled, &collector,
		&c.Status, &c.Passed, &c.Failed, &c.Errors, &lastRun, &c.AcceptedReason, &acceptedBy, &acceptedAt, &evidence, &c.Version, &c.CreatedAt, &c.UpdatedAt, &archived, &next)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "Check not found.")
	} else if err != nil {
		return nil, fmt.Errorf("scan check: %w", err)
	}
	c.Builtin = c.BuiltinKey != ""
	c.CollectorID, c.AcceptedBy, c.EvidenceID = sqlstore.StrPtr(collector), sqlstore.StrPtr(acceptedBy), sqlstore.StrPtr(evidence)
	c.LastRunAt, c.AcceptedAt, c.ArchivedAt, c.NextRunAt = utc(sqlstore.TimePtr(lastRun)), utc(sqlstore.TimePtr(acceptedAt)), utc(sqlstore.TimePtr(archived)), utc(sqlstore.TimePtr(next))
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	c.Schedule = scheduleOf(c.intervalMinutes)
	c.ControlIDs = []string{}
	return &c, nil
}

// InsertCheck stores a new check with the next CHK- reference and its control links.
func (tx store) InsertCheck(ctx context.Context, orgID, createdBy string, c *Check) error {
	n, err := tx.NextRef(ctx, orgID, "CHK")
	if err != nil {
		return err
	}
	c.ID, c.Ref = sqlstore.NewID(), bulwark.FormatRef("CHK", n)
	c.CreatedAt, c.UpdatedAt, c.Version, c.Status = tx.Now(), tx.Now(), 1, StatusNotRun
	c.intervalMinutes = scheduleMinutes[c.Schedule]
	_, err = tx.Exec(ctx, `INSERT INTO checks (id, org_id, ref, ref_number, builtin_key, name, description, kind, resource_type, rule, interval_minutes, enabled,
		collector_id, status, created_by, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
		c.ID, orgID, c.Ref, n, c.BuiltinKey, c.Name, c.Description, c.Kind, c.ResourceType, c.Rule, c.intervalMinutes, c.Enabled, c.CollectorID, c.Status,
		nullable(createdBy), tx.Now(), tx.Now())
	if err != nil {
		return fmt.Errorf("insert check: %w", err)
	}
	return tx.setControls(ctx, orgID, c, true)
}

func (tx store) setControls(ctx context.Context, orgID string, c *Check, fresh bool) error {
	if !fresh {
		if _, err := tx.Exec(ctx, `DELETE FROM check_controls WHERE org_id = ? AND check_id = ?`, orgID, c.ID); err != nil {
			return fmt.Errorf("check controls: %w", err)
		}
	}
	for _, id := range c.ControlIDs {
		if _, err := tx.Exec(ctx, `INSERT INTO check_controls (org_id, check_id, control_id) VALUES (?, ?, ?)`, orgID, c.ID, id); err != nil {
			return fmt.Errorf("check controls: %w", err)
		}
	}
	return nil
}

// UpdateCheck writes a check's settings and state if its version is still c.Version.
func (tx store) UpdateCheck(ctx context.Context, orgID string, c *Check, linksChanged bool) error {
	c.intervalMinutes = scheduleMinutes[c.Schedule]
	res, err := tx.Exec(ctx, `UPDATE checks SET name = ?, description = ?, kind = ?, resource_type = ?, rule = ?, interval_minutes = ?, enabled = ?, collector_id = ?,
		status = ?, passed = ?, failed = ?, errors = ?, last_run_at = ?, accepted_reason = ?, accepted_by = ?, accepted_at = ?, evidence_id = ?, archived_at = ?,
		version = version + 1, updated_at = ? WHERE org_id = ? AND id = ? AND version = ?`,
		c.Name, c.Description, c.Kind, c.ResourceType, c.Rule, c.intervalMinutes, c.Enabled, c.CollectorID, c.Status, c.Passed, c.Failed, c.Errors,
		sqlstore.NullTime(c.LastRunAt), c.AcceptedReason, c.AcceptedBy, sqlstore.NullTime(c.AcceptedAt), c.EvidenceID, sqlstore.NullTime(c.ArchivedAt),
		tx.Now(), orgID, c.ID, c.Version)
	if err != nil {
		return fmt.Errorf("update check: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return bulwark.Errorf(bulwark.ECONFLICT, "The check was changed by someone else; reload and try again.")
	}
	c.Version++
	c.UpdatedAt = tx.Now()
	if linksChanged {
		return tx.setControls(ctx, orgID, c, false)
	}
	return nil
}

// Check returns check id (or ref) of orgID with its controls.
func (tx store) Check(ctx context.Context, orgID, id string) (*Check, error) {
	c, err := scanCheck(tx.QueryRow(ctx, `SELECT `+checkColumns+` FROM checks k WHERE k.org_id = ? AND (k.id = ? OR k.ref = ?)`, orgID, id, strings.ToUpper(id)))
	if err != nil {
		return nil, err
	}
	return c, tx.fillControls(ctx, orgID, []*Check{c})
}

// CheckFilter selects checks.
type CheckFilter struct {
	Kind, Status, ControlID, CollectorID string
	Enabled                              *bool
	IncludeArchived                      bool
}

// Checks lists orgID's checks in reference order.
func (tx store) Checks(ctx context.Context, orgID string, f CheckFilter) ([]*Check, error) {
	q, args := `SELECT `+checkColumns+` FROM checks k WHERE k.org_id = ?`, []any{orgID}
	if !f.IncludeArchived {
		q += ` AND k.archived_at IS NULL`
	}
	if f.Kind != "" {
		q, args = q+` AND k.kind = ?`, append(args, f.Kind)
	}
	if f.Status != "" {
		q, args = q+` AND k.status = ?`, append(args, f.Status)
	}
	if f.Enabled != nil {
		q, args = q+` AND k.enabled = ?`, append(args, *f.Enabled)
	}
	if f.CollectorID != "" {
		q, args = q+` AND (k.collector_id = ? OR k.collector_id IS NULL)`, append(args, f.CollectorID)
	}
	if f.ControlID != "" {
		q, args = q+` AND k.id IN (SELECT check_id FROM check_controls WHERE org_id = ? AND control_id = ?)`, append(args, orgID, f.ControlID)
	}
	rows, err := tx.Query(ctx, q+` ORDER BY k.ref_number`, args...)
	if err != nil {
		return nil, fmt.Errorf("list checks: %w", err)
	}
	defer rows.Close()
	out := []*Check{}
	for rows.Next() {
		c, err := scanCheck(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	return out, tx.fillControls(ctx, orgID, out)
}

func (tx store) fillControls(ctx context.Context, orgID string, cs []*Check) error {
	if len(cs) == 0 {
		return nil
	}
	byID := map[string]*Check{}
	for _, c := range cs {
		byID[c.ID] = c
	}
	q, args := `SELECT check_id, control_id FROM check_controls WHERE org_id = ?`, []any{orgID}
	if len(cs) == 1 {
		q, args = q+` AND check_id = ?`, append(args, cs[0].ID)
	}
	rows, err := tx.Query(ctx, q+` ORDER BY check_id, control_id`, args...)
	if err != nil {
		return fmt.Errorf("check controls: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var kid, cid string
		if err := rows.Scan(&kid, &cid); err != nil {
			return err
		}
		if c := byID[kid]; c != nil {
			c.ControlIDs = append(c.ControlIDs, cid)
		}
	}
	return rows.Err()
}

// Run is one run of a check.
type Run struct {
	ID         string    `json:"id"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	Status     string    `json:"status"`
	Passed     int       `json:"passed"`
	Failed     int       `json:"failed"`
	Errors     int       `json:"errors"`
	Trigger    string    `json:"trigger"`
	Message    string    `json:"message"`
	Results    []Result  `json:"results,omitempty"`
}

// Result is a check's verdict on one resource in one run, with the facts it read.
type Result struct {
	ResourceType string         `json:"resource_type"`
	ResourceID   string         `json:"resource_id"`
	Outcome      string         `json:"outcome"`
	Message      string         `json:"message"`
	Facts        map[string]any `json:"facts"`
}

// InsertRun stores a run and its results.
func (tx store) InsertRun(ctx context.Context, orgID, checkID string, r *Run) error {
	r.ID = sqlstore.NewID()
	_, err := tx.Exec(ctx, `INSERT INTO check_runs (id, org_id, check_id, started_at, finished_at, status, passed, failed, errors, trigger, message)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.ID, orgID, checkID, r.StartedAt, r.FinishedAt, r.Status, r.Passed, r.Failed, r.Errors, r.Trigger, r.Message)
	if err != nil {
		return fmt.Errorf("insert check run: %w", err)
	}
	for i, res := range r.Results {
		facts, err := json.Marshal(res.Facts)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO check_results (org_id, run_id, seq, resource_type, resource_id, outcome, message, facts) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			orgID, r.ID, i+1, res.ResourceType, res.ResourceID, res.Outcome, res.Message, string(facts)); err != nil {
			return fmt.Errorf("insert check result: %w", err)
		}
	}
	return nil
}

// Runs lists a check's runs, newest first, at most limit.
func (tx store) Runs(ctx context.Context, orgID, checkID string, limit int) ([]*Run, error) {
	rows, err := tx.Query(ctx, `SELECT id, started_at, finished_at, status, passed, failed, errors, trigger, message FROM check_runs
		WHERE org_id = ? AND check_id = ? ORDER BY started_at DESC, id DESC LIMIT ?`, orgID, checkID, limit)
	if err != nil {
		return nil, fmt.Errorf("check runs: %w", err)
	}
	defer rows.Close()
	out := []*Run{}
	for rows.Next() {
		var r Run
		if err := rows.Scan(&r.ID, &r.StartedAt, &r.FinishedAt, &r.Status, &r.Passed, &r.Failed, &r.Errors, &r.Trigger, &r.Message); err != nil {
			return nil, err
		}
		r.StartedAt, r.FinishedAt = r.StartedAt.UTC(), r.FinishedAt.UTC()
		out = append(out, &r)
	}
	return out, rows.Err()
}

// Results returns the results of run runID of check checkID.
func (tx store) Results(ctx context.Context, orgID, checkID, runID string) ([]Result, error) {
	rows, err := tx.Query(ctx, `SELECT r.resource_type, r.resource_id, r.outcome, r.message, r.facts FROM check_results r
		JOIN check_runs u ON u.org_id = r.org_id AND u.id = r.run_id WHERE r.org_id = ? AND r.run_id = ? AND u.check_id = ? ORDER BY r.seq`, orgID, runID, checkID)
	if err != nil {
		return nil, fmt.Errorf("check results: %w", err)
	}
	defer rows.Close()
	out := []Result{}
	for rows.Next() {
		var r Result
		var facts string
		if err := rows.Scan(&r.ResourceType, &r.ResourceID, &r.Outcome, &r.Message, &facts); err != nil {
			return nil, err
		}
		_ = json.Unmarshal([]byte(facts), &r.Facts)
		out = append(out, r)
	}
	return out, rows.Err()
}

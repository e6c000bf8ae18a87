package incidents

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/sqlstore"
)

const columns = `id, ref, title, description, status, reported_by, discovered_at, became_aware_at, category, severity, handler_id,
	not_incident_reason, lessons_learned, personal_data_breach, breach_regimes, individuals_affected, most_in_one_state, business_associate,
	closed_at, version, created_at, updated_at`

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func scan(row interface{ Scan(...any) error }) (*Incident, error) {
	var i Incident
	var by, handler sql.NullString
	var disc, aware, closed sql.NullTime
	var regimes string
	err := row.Scan(&i.ID, &i.Ref, &i.Title, &i.Description, &i.Status, &by, &disc, &aware, &i.Category, &i.Severity, &handler,
		&i.NotIncidentReason, &i.LessonsLearned, &i.PersonalDataBreach, &regimes, &i.IndividualsAffected, &i.MostInOneState, &i.BusinessAssociate,
		&closed, &i.Version, &i.CreatedAt, &i.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "Incident not found.")
	} else if err != nil {
		return nil, fmt.Errorf("scan incident: %w", err)
	}
	i.ReportedBy, i.HandlerID = sqlstore.StrPtr(by), sqlstore.StrPtr(handler)
	i.DiscoveredAt, i.BecameAwareAt, i.ClosedAt = utc(sqlstore.TimePtr(disc)), utc(sqlstore.TimePtr(aware)), utc(sqlstore.TimePtr(closed))
	i.BreachRegimes = split(regimes)
	i.AssetIDs, i.RiskIDs, i.EvidenceIDs, i.Clocks = []string{}, []string{}, []string{}, []*Clock{}
	i.CreatedAt, i.UpdatedAt = i.CreatedAt.UTC(), i.UpdatedAt.UTC()
	return &i, nil
}

func split(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

// Filter narrows the register.
type Filter struct {
	Status, Severity, HandlerID string
	Open                        bool // neither closed nor not an incident
	Breach                      bool // personal-data breaches only
	ReportedBy                  string
	Limit                       int
	Cursor                      string // where the previous page ended
}

// registerOrder is the register's one order, newest first, for its cursor.
var registerOrder = map[string]sqlstore.SortField{"ref": {Expr: "ref_number", Kind: 'n'}}

func list(ctx context.Context, tx *sqlstore.Tx, orgID string, f Filter) ([]*Incident, error) {
	out, _, err := page(ctx, tx, orgID, f)
	return out, err
}

// page reads one page of the register, newest first (at most f.Limit, 500 by default), after f.Cursor, and
// the cursor of the next page ("" on the last).
func page(ctx context.Context, tx *sqlstore.Tx, orgID string, f Filter) ([]*Incident, string, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 500
	}
	k, err := sqlstore.NewKeyset("-ref", f.Cursor, f.Limit, registerOrder, "ref", "id")
	if err != nil {
		return nil, "", err
	}
	q := `SELECT ` + columns + ` FROM incidents WHERE org_id = ?`
	args := []any{orgID}
	for _, c := range []struct{ col, v string }{{"status", f.Status}, {"severity", f.Severity}, {"handler_id", f.HandlerID}, {"reported_by", f.ReportedBy}} {
		if c.v != "" {
			q += ` AND ` + c.col + ` = ?`
			args = append(args, c.v)
		}
	}
	if f.Open {
		q += ` AND status NOT IN ('closed', 'not_an_incident')`
	}
	if f.Breach {
		q += ` AND personal_data_breach`
	}
	if k.Cond != "" {
		q += ` AND ` + k.Cond
		args = append(args, k.Args...)
	}
	order, args := k.OrderLimit("id", args)
	rows, err := tx.Query(ctx, q+order, args...)
	if err != nil {
		return nil, "", fmt.Errorf("incidents: %w", err)
	}
	out := []*Incident{}
	for rows.Next() {
		i, err := scan(rows)
		if err != nil {
			rows.Close()
			return nil, "", err
		}
		out = append(out, i)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > f.Limit {
		out = out[:f.Limit]
		last := out[len(out)-1]
		next = k.Next(last.ID, bulwark.ParseRefNumber(RefPrefix, last.Ref))
	}
	return out, next, loadLinks(ctx, tx, orgID, out)
}

func get(ctx context.Context, tx *sqlstore.Tx, orgID, id string, lock bool) (*Incident, error) {
	q := `SELECT ` + columns + ` FROM incidents WHERE org_id = ? AND (id = ? OR ref = ?)`
	if lock {
		q += tx.ForUpdate()
	}
	i, err := scan(tx.QueryRow(ctx, q, orgID, id, strings.ToUpper(strings.TrimSpace(id))))
	if err != nil {
		return nil, err
	}
	return i, loadLinks(ctx, tx, orgID, []*Incident{i})
}

// loadLinks fills incidents' assets, risks, evidence and clocks, a query per table.
func loadLinks(ctx context.Context, tx *sqlstore.Tx, orgID string, is []*Incident) error {
	if len(is) == 0 {
		return nil
	}
	byID := map[string]*Incident{}
	ids := make([]string, 0, len(is))
	for _, i := range is {
		byID[i.ID] = i
		ids = append(ids, i.ID)
	}
	in, arg := tx.InList("incident_id", ids)
	for _, l := range []struct {
		q   string
		add func(i *Incident, v string)
	}{
		{`SELECT incident_id, asset_id FROM incident_assets WHERE org_id = ? AND ` + in + ` ORDER BY asset_id`, func(i *Incident, v string) { i.AssetIDs = append(i.AssetIDs, v) }},
		{`SELECT incident_id, risk_id FROM incident_risks WHERE org_id = ? AND ` + in + ` ORDER BY risk_id`, func(i *Incident, v string) { i.RiskIDs = append(i.RiskIDs, v) }},
		{`SELECT incident_id, evidence_id FROM incident_evidence WHERE org_id = ? AND ` + in + ` ORDER BY evidence_id`, func(i *Incident, v string) { i.EvidenceIDs = append(i.EvidenceIDs, v) }},
	} {
		rows, err := tx.Query(ctx, l.q, orgID, arg)
		if err != nil {
			return fmt.Errorf("incident links: %w", err)
		}
		for rows.Next() {
			var id, v string
			if err := rows.Scan(&id, &v); err != nil {
				rows.Close()
				return err
			}
			l.add(byID[id], v)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	cs, err := clocksOf(ctx, tx, orgID, in, arg)
	if err != nil {
		return err
	}
	for _, c := range cs {
		i := byID[c.incidentID]
		c.Label = ClockLabel(c.Kind, i.IndividualsAffected)
		i.Clocks = append(i.Clocks, &c.Clock)
	}
	for _, i := range is {
		slices.SortStableFunc(i.Clocks, func(a, b *Clock) int { return slices.Index(clockOrder, a.Kind) - slices.Index(clockOrder, b.Kind) })
	}
	return nil
}

// clockOrder is the order clocks are shown in: GDPR's, then HIPAA's.
var clockOrder = []string{ClockGDPRAuthority, ClockGDPRIndividuals, ClockHIPAAIndividuals, ClockHIPAAHHS, ClockHIPAAMedia, ClockHIPAACoveredEntity}

type storedClock struct {
	Clock
	incidentID string
}

const clockColumns = `incident_id, id, kind, regime, starts_at, due_at, high_risk, decision_reason, notified_at, notified_to, reference, late_reason, not_required_reason`

func clocksOf(ctx context.Context, tx *sqlstore.Tx, orgID, cond string, args ...any) ([]*storedClock, error) {
	rows, err := tx.Query(ctx, `SELECT `+clockColumns+` FROM incident_clocks WHERE org_id = ? AND `+cond+` ORDER BY starts_at, kind`, append([]any{orgID}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("incident clocks: %w", err)
	}
	defer rows.Close()
	var out []*storedClock
	for rows.Next() {
		var c storedClock
		var due, notified sql.NullTime
		var high sql.NullBool
		if err := rows.Scan(&c.incidentID, &c.ID, &c.Kind, &c.Regime, &c.StartsAt, &due, &high, &c.DecisionReason, &notified, &c.NotifiedTo, &c.Reference, &c.LateReason, &c.NotRequiredReason); err != nil {
			return nil, fmt.Errorf("scan incident clock: %w", err)
		}
		c.StartsAt = c.StartsAt.UTC()
		c.DueAt, c.NotifiedAt = utc(sqlstore.TimePtr(due)), utc(sqlstore.TimePtr(notified))
		if high.Valid {
			b := high.Bool
			c.HighRisk = &b
		}
		out = append(out, &c)
	}
	return out, rows.Err()
}

func insert(ctx context.Context, tx *sqlstore.Tx, orgID string, i *Incident) error {
	n, err := tx.NextRef(ctx, orgID, RefPrefix)
	if err != nil {
		return err
	}
	i.ID, i.Ref, i.Version, i.CreatedAt, i.UpdatedAt = sqlstore.NewID(), bulwark.FormatRef(RefPrefix, n), 1, tx.Now(), tx.Now()
	for _, l := range []*[]string{&i.AssetIDs, &i.RiskIDs, &i.EvidenceIDs, &i.BreachRegimes} {
		if *l == nil {
			*l = []string{}
		}
	}
	if i.Clocks == nil {
		i.Clocks = []*Clock{}
	}
	if _, err := tx.Exec(ctx, `INSERT INTO incidents (id, org_id, ref, ref_number, title, description, status, reported_by, discovered_at, became_aware_at,
		category, severity, handler_id, lessons_learned, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
		i.ID, orgID, i.Ref, n, i.Title, i.Description, i.Status, i.ReportedBy, i.DiscoveredAt, i.BecameAwareAt, i.Category, i.Severity, i.HandlerID,
		i.LessonsLearned, i.CreatedAt, i.UpdatedAt); err != nil {
		return fmt.Errorf("store incident: %w", err)
	}
	return writeLinks(ctx, tx, orgID, i, nil)
}

func update(ctx context.Context, tx *sqlstore.Tx, orgID string, i *Incident, before *Incident) error {
	i.Version++
	i.UpdatedAt = tx.Now()
	if _, err := tx.Exec(ctx, `UPDATE incidents SET title = ?, description = ?, status = ?, discovered_at = ?, became_aware_at = ?, category = ?, severity = ?,
		handler_id = ?, not_incident_reason = ?, lessons_learned = ?, personal_data_breach = ?, breach_regimes = ?, individuals_affected = ?,
		most_in_one_state = ?, business_associate = ?, closed_at = ?, version = ?, updated_at = ? WHERE org_id = ? AND id = ?`,
		i.Title, i.Description, i.Status, i.DiscoveredAt, i.BecameAwareAt, i.Category, i.Severity, i.HandlerID, i.NotIncidentReason, i.LessonsLearned,
		i.PersonalDataBreach, strings.Join(i.BreachRegimes, ","), i.IndividualsAffected, i.MostInOneState, i.BusinessAssociate, i.ClosedAt,
		i.Version, i.UpdatedAt, orgID, i.ID); err != nil {
		return fmt.Errorf("update incident: %w", err)
	}
	return writeLinks(ctx, tx, orgID, i, before)
}

// writeLinks replaces the link tables whose lists changed since before (all of them when before is nil).
func writeLinks(ctx context.Context, tx *sqlstore.Tx, orgID string, i, before *Incident) error {
	var was [3][]string
	if before != nil {
		was = [3][]string{before.AssetIDs, before.RiskIDs, before.EvidenceIDs}
	}
	for k, l := range []struct {
		table, col string
		ids        []string
	}{{"incident_assets", "asset_id", i.AssetIDs}, {"incident_risks", "risk_id", i.RiskIDs}, {"incident_evidence", "evidence_id", i.EvidenceIDs}} {
		if before != nil && strings.Join(was[k], ",") == strings.Join(l.ids, ",") {
			continue
		}
		if before != nil {
			if _, err := tx.Exec(ctx, `DELETE FROM `+l.table+` WHERE org_id = ? AND incident_id = ?`, orgID, i.ID); err != nil {
				return fmt.Errorf("replace %s: %w", l.table, err)
			}
		}
		for _, id := range l.ids {
			if _, err := tx.Exec(ctx, `INSERT INTO `+l.table+` (org_id, incident_id, `+l.col+`) VALUES (?, ?, ?)`, orgID, i.ID, id); err != nil {
				return fmt.Errorf("store %s: %w", l.table, err)
			}
		}
	}
	return nil
}

// addEntry appends to an incident's timeline.
func addEntry(ctx context.Context, tx *sqlstore.Tx, orgID, incidentID string, memberID *string, kind, text string) error {
	if _, err := tx.Exec(ctx, `INSERT INTO incident_timeline (id, org_id, incident_id, at, member_id, kind, text) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		sqlstore.NewID(), orgID, incidentID, tx.Now(), memberID, kind, text); err != nil {
		return fmt.Errorf("store timeline entry: %w", err)
	}
	return nil
}

func timeline(ctx context.Context, tx *sqlstore.Tx, orgID, incidentID string) ([]Entry, error) {
	rows, err := tx.Query(ctx, `SELECT id, at, member_id, kind, text FROM incident_timeline WHERE org_id = ? AND incident_id = ? ORDER BY at, id`, orgID, incidentID)
	if err != nil {
		return nil, fmt.Errorf("incident timeline: %w", err)
	}
	defer rows.Close()
	out := []Entry{}
	for rows.Next() {
		var e Entry
		var m sql.NullString
		if err := rows.Scan(&e.ID, &e.At, &m, &e.Kind, &e.Text); err != nil {
			return nil, fmt.Errorf("scan timeline entry: %w", err)
		}
		e.At, e.MemberID = e.At.UTC(), sqlstore.StrPtr(m)
		out = append(out, e)
	}
	return out, rows.Err()
}

// levelsOf reads the organisation's severity scale, the default when it set none.
func levelsOf(ctx context.Context, tx *sqlstore.Tx, orgID string) ([]Level, error) {
	rows, err := tx.Query(ctx, `SELECT key, label, rank, requires_lessons FROM incident_levels WHERE org_id = ? ORDER BY rank`, orgID)
	if err != nil {
		return nil, fmt.Errorf("incident levels: %w", err)
	}
	defer rows.Close()
	var out []Level
	for rows.Next() {
		var l Level
		if err := rows.Scan(&l.Key, &l.Label, &l.Rank, &l.RequiresLessons); err != nil {
			return nil, fmt.Errorf("scan incident level: %w", err)
		}
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return DefaultLevels, nil
	}
	return out, nil
}

// saveClocks writes a breach's clocks: a clock already stored keeps its id and what was recorded
// on it; one not settled gets the new deadline; a stored clock the breach no longer needs is
// removed unless something was recorded on it.
func saveClocks(ctx context.Context, tx *sqlstore.Tx, orgID string, i *Incident, want []*Clock) error {
	have := map[string]*Clock{}
	for _, c := range i.Clocks {
		have[c.Kind] = c
	}
	kept := []*Clock{}
	for _, c := range want {
		if old, ok := have[c.Kind]; ok {
			delete(have, c.Kind)
			if old.NotifiedAt == nil && old.NotRequiredReason == "" {
				old.StartsAt, old.DueAt = c.StartsAt, c.DueAt
				if _, err := tx.Exec(ctx, `UPDATE incident_clocks SET starts_at = ?, due_at = ?, updated_at = ? WHERE org_id = ? AND id = ?`, old.StartsAt, old.DueAt, tx.Now(), orgID, old.ID); err != nil {
					return fmt.Errorf("update incident clock: %w", err)
				}
			}
			kept = append(kept, old)
			continue
		}
		c.ID = sqlstore.NewID()
		if _, err := tx.Exec(ctx, `INSERT INTO incident_clocks (id, org_id, incident_id, kind, regime, starts_at, due_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			c.ID, orgID, i.ID, c.Kind, c.Regime, c.StartsAt, c.DueAt, tx.Now(), tx.Now()); err != nil {
			return fmt.Errorf("store incident clock: %w", err)
		}
		kept = append(kept, c)
	}
	for _, old := range have {
		if old.NotifiedAt != nil || old.NotRequiredReason != "" || old.HighRisk != nil {
			kept = append(kept, old)
			continue
		}
		if _, err := tx.Exec(ctx, `DELETE FROM incident_clocks WHERE org_id = ? AND id = ?`, orgID, old.ID); err != nil {
			return fmt.Errorf("remove incident clock: %w", err)
		}
	}
	for _, c := range kept {
		c.Label = ClockLabel(c.Kind, i.IndividualsAffected)
	}
	i.Clocks = kept
	return nil
}

func saveClock(ctx context.Context, tx *sqlstore.Tx, orgID string, c *Clock) error {
	if _, err := tx.Exec(ctx, `UPDATE incident_clocks SET high_risk = ?, decision_reason = ?, notified_at = ?, notified_to = ?, reference = ?, late_reason = ?,
		not_required_reason = ?, updated_at = ? WHERE org_id = ? AND id = ?`, c.HighRisk, c.DecisionReason, c.NotifiedAt, c.NotifiedTo, c.Reference, c.LateReason,
		c.NotRequiredReason, tx.Now(), orgID, c.ID); err != nil {
		return fmt.Errorf("update incident clock: %w", err)
	}
	return nil
}

package audits

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/sqlstore"
)

const auditColumns = `id, ref, title, type, criteria, scope, planned_start, planned_end, actual_start, actual_end, lead_id, lead_external,
	status, conclusion, version, created_at, updated_at`

func scanAudit(row interface{ Scan(...any) error }) (*Audit, error) {
	var a Audit
	var ps, pe, as, ae, lead sql.NullString
	err := row.Scan(&a.ID, &a.Ref, &a.Title, &a.Type, &a.Criteria, &a.Scope, &ps, &pe, &as, &ae, &lead, &a.LeadExternal, &a.Status, &a.Conclusion,
		&a.Version, &a.CreatedAt, &a.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "Audit not found.")
	} else if err != nil {
		return nil, fmt.Errorf("scan audit: %w", err)
	}
	a.PlannedStart, a.PlannedEnd, a.ActualStart, a.ActualEnd, a.LeadID = sqlstore.StrPtr(ps), sqlstore.StrPtr(pe), sqlstore.StrPtr(as), sqlstore.StrPtr(ae), sqlstore.StrPtr(lead)
	a.CreatedAt, a.UpdatedAt = a.CreatedAt.UTC(), a.UpdatedAt.UTC()
	a.FrameworkIDs, a.RequirementIDs, a.ControlIDs, a.TeamIDs, a.TeamExternal = []string{}, []string{}, []string{}, []string{}, []string{}
	return &a, nil
}

// listAudits reads orgID's audits (cond narrows them), with their links and progress.
func listAudits(ctx context.Context, tx *sqlstore.Tx, orgID, cond string, args ...any) ([]*Audit, error) {
	rows, err := tx.Query(ctx, `SELECT `+auditColumns+` FROM audits WHERE org_id = ? `+cond+` ORDER BY COALESCE(planned_start, actual_start, ''), ref_number`, append([]any{orgID}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("audits: %w", err)
	}
	out := []*Audit{}
	for rows.Next() {
		a, err := scanAudit(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, loadLinks(ctx, tx, orgID, out)
}

// loadLinks fills audits' frameworks, scope, team, checklist progress and finding counts, a query per table.
func loadLinks(ctx context.Context, tx *sqlstore.Tx, orgID string, audits []*Audit) error {
	if len(audits) == 0 {
		return nil
	}
	byID := map[string]*Audit{}
	ids := make([]string, 0, len(audits))
	for _, a := range audits {
		byID[a.ID] = a
		ids = append(ids, a.ID)
	}
	in, list := tx.InList("audit_id", ids)
	for _, l := range []struct {
		q   string
		add func(a *Audit, v string)
	}{
		{`SELECT audit_id, framework_id FROM audit_frameworks WHERE org_id = ? AND ` + in + ` ORDER BY framework_id`, func(a *Audit, v string) { a.FrameworkIDs = append(a.FrameworkIDs, v) }},
		{`SELECT audit_id, requirement_id FROM audit_requirements WHERE org_id = ? AND ` + in + ` ORDER BY requirement_id`, func(a *Audit, v string) { a.RequirementIDs = append(a.RequirementIDs, v) }},
		{`SELECT audit_id, control_id FROM audit_controls WHERE org_id = ? AND ` + in + ` ORDER BY control_id`, func(a *Audit, v string) { a.ControlIDs = append(a.ControlIDs, v) }},
		{`SELECT audit_id, COALESCE(member_id, '') || '|' || external_name FROM audit_team WHERE org_id = ? AND ` + in + ` ORDER BY n`, func(a *Audit, v string) {
			member, external, _ := strings.Cut(v, "|")
			if member != "" {
				a.TeamIDs = append(a.TeamIDs, member)
			} else {
				a.TeamExternal = append(a.TeamExternal, external)
			}
		}},
	} {
		rows, err := tx.Query(ctx, l.q, orgID, list)
		if err != nil {
			return fmt.Errorf("audit links: %w", err)
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
	rows, err := tx.Query(ctx, `SELECT audit_id, result, COUNT(*) FROM audit_checklist WHERE org_id = ? AND `+in+` GROUP BY audit_id, result`, orgID, list)
	if err != nil {
		return fmt.Errorf("audit progress: %w", err)
	}
	for rows.Next() {
		var id, result string
		var n int
		if err := rows.Scan(&id, &result, &n); err != nil {
			rows.Close()
			return err
		}
		p := &byID[id].Progress
		p.Lines += n
		switch result {
		case ResultConforming:
			p.Conforming += n
		case ResultNonconforming:
			p.Nonconforming += n
		case ResultObservation:
			p.Observations += n
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, a := range audits {
		a.Progress.Audited = a.Progress.Conforming + a.Progress.Nonconforming + a.Progress.Observations
		if a.Progress.Lines > 0 {
			a.Progress.Percent = a.Progress.Audited * 100 / a.Progress.Lines
		}
	}
	rows, err = tx.Query(ctx, `SELECT audit_id, COUNT(*) FROM findings WHERE org_id = ? AND `+in+` GROUP BY audit_id`, orgID, list)
	if err != nil {
		return fmt.Errorf("audit findings: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return err
		}
		byID[id].Findings = n
	}
	return rows.Err()
}

func getAudit(ctx context.Context, tx *sqlstore.Tx, orgID, id string) (*Audit, error) {
	a, err := scanAudit(tx.QueryRow(ctx, `SELECT `+auditColumns+` FROM audits WHERE org_id = ? AND (id = ? OR ref = ?)`, orgID, id, strings.ToUpper(id)))
	if err != nil {
		return nil, err
	}
	return a, loadLinks(ctx, tx, orgID, []*Audit{a})
}

func insertAudit(ctx context.Context, tx *sqlstore.Tx, orgID string, a *Audit) error {
	num, err := tx.NextRef(ctx, orgID, RefPrefix)
	if err != nil {
		return err
	}
	now := tx.Now()
	a.ID, a.Ref, a.Version, a.CreatedAt, a.UpdatedAt = sqlstore.NewID(), bulwark.FormatRef(RefPrefix, num), 1, now, now
	_, err = tx.Exec(ctx, `INSERT INTO audits (id, org_id, ref, ref_number, title, type, criteria, scope, planned_start, planned_end, actual_start, actual_end,
		lead_id, lead_external, status, conclusion, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
		a.ID, orgID, a.Ref, num, a.Title, a.Type, a.Criteria, a.Scope, a.PlannedStart, a.PlannedEnd, a.ActualStart, a.ActualEnd, a.LeadID, a.LeadExternal,
		a.Status, a.Conclusion, now, now)
	if err != nil {
		return fmt.Errorf("store audit: %w", err)
	}
	return writeLinks(ctx, tx, orgID, a)
}

func updateAudit(ctx context.Context, tx *sqlstore.Tx, orgID string, a *Audit, links bool) error {
	a.Version++
	a.UpdatedAt = tx.Now()
	res, err := tx.Exec(ctx, `UPDATE audits SET title = ?, type = ?, criteria = ?, scope = ?, planned_start = ?, planned_end = ?, actual_start = ?, actual_end = ?,
		lead_id = ?, lead_external = ?, status = ?, conclusion = ?, version = ?, updated_at = ? WHERE org_id = ? AND id = ? AND version = ?`,
		a.Title, a.Type, a.Criteria, a.Scope, a.PlannedStart, a.PlannedEnd, a.ActualStart, a.ActualEnd, a.LeadID, a.LeadExternal, a.Status, a.Conclusion,
		a.Version, a.UpdatedAt, orgID, a.ID, a.Version-1)
	if err != nil {
		return fmt.Errorf("update audit: %w", err)
	}
	if k, _ := res.RowsAffected(); k != 1 {
		return bulwark.Errorf(bulwark.ECONFLICT, "%s changed meanwhile: reload and try again.", a.Ref)
	}
	if !links {
		return nil
	}
	for _, table := range []string{"audit_frameworks", "audit_requirements", "audit_controls", "audit_team"} {
		if _, err := tx.Exec(ctx, `DELETE FROM `+table+` WHERE org_id = ? AND audit_id = ?`, orgID, a.ID); err != nil {
			return fmt.Errorf("replace %s: %w", table, err)
		}
	}
	return writeLinks(ctx, tx, orgID, a)
}

func writeLinks(ctx context.Context, tx *sqlstore.Tx, orgID string, a *Audit) error {
	for _, l := range []struct {
		table, col string
		ids        []string
	}{{"audit_frameworks", "framework_id", a.FrameworkIDs}, {"audit_requirements", "requirement_id", a.RequirementIDs}, {"audit_controls", "control_id", a.ControlIDs}} {
		for _, id := range l.ids {
			if _, err := tx.Exec(ctx, `INSERT INTO `+l.table+` (org_id, audit_id, `+l.col+`) VALUES (?, ?, ?)`, orgID, a.ID, id); err != nil {
				return fmt.Errorf("store %s: %w", l.table, err)
			}
		}
	}
	n := 0
	for _, id := range a.TeamIDs {
		n++
		if _, err := tx.Exec(ctx, `INSERT INTO audit_team (org_id, audit_id, n, member_id, external_name) VALUES (?, ?, ?, ?, '')`, orgID, a.ID, n, id); err != nil {
			return fmt.Errorf("store audit team: %w", err)
		}
	}
	for _, name := range a.TeamExternal {
		n++
		if _, err := tx.Exec(ctx, `INSERT INTO audit_team (org_id, audit_id, n, member_id, external_name) VALUES (?, ?, ?, NULL, ?)`, orgID, a.ID, n, name); err != nil {
			return fmt.Errorf("store audit team: %w", err)
		}
	}
	return nil
}

const lineColumns = `line, requirement_id, control_id, label, question, records, result, notes, evidence_ids, audited_by, audited_at`

func scanLine(row interface{ Scan(...any) error }) (*Line, error) {
	var l Line
	var req, ctl, by sql.NullString
	var at sql.NullTime
	var ev string
	err := row.Scan(&l.Line, &req, &ctl, &l.Label, &l.Question, &l.Records, &l.Result, &l.Notes, &ev, &by, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "Checklist line not found.")
	} else if err != nil {
		return nil, fmt.Errorf("scan checklist line: %w", err)
	}
	l.RequirementID, l.ControlID, l.AuditedBy = sqlstore.StrPtr(req), sqlstore.StrPtr(ctl), sqlstore.StrPtr(by)
	if at.Valid {
		t := at.Time.UTC()
		l.AuditedAt = &t
	}
	l.EvidenceIDs = []string{}
	for _, id := range strings.Fields(ev) {
		l.EvidenceIDs = append(l.EvidenceIDs, id)
	}
	return &l, nil
}

func checklist(ctx context.Context, tx *sqlstore.Tx, orgID, auditID string) ([]*Line, error) {
	rows, err := tx.Query(ctx, `SELECT `+lineColumns+` FROM audit_checklist WHERE org_id = ? AND audit_id = ? ORDER BY line`, orgID, auditID)
	if err != nil {
		return nil, fmt.Errorf("checklist: %w", err)
	}
	defer rows.Close()
	out := []*Line{}
	for rows.Next() {
		l, err := scanLine(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

func getLine(ctx context.Context, tx *sqlstore.Tx, orgID, auditID string, line int) (*Line, error) {
	return scanLine(tx.QueryRow(ctx, `SELECT `+lineColumns+` FROM audit_checklist WHERE org_id = ? AND audit_id = ? AND line = ?`, orgID, auditID, line))
}

// replaceChecklist writes lines as the audit's checklist, keeping what was recorded on a line
// whose requirement or control is still in scope.
func replaceChecklist(ctx context.Context, tx *sqlstore.Tx, orgID, auditID string, lines []*Line) error {
	old, err := checklist(ctx, tx, orgID, auditID)
	if err != nil {
		return err
	}
	key := func(l *Line) string { return bulwark.Value(l.RequirementID) + "|" + bulwark.Value(l.ControlID) }
	kept := map[string]*Line{}
	for _, l := range old {
		kept[key(l)] = l
	}
	if _, err := tx.Exec(ctx, `DELETE FROM audit_checklist WHERE org_id = ? AND audit_id = ?`, orgID, auditID); err != nil {
		return fmt.Errorf("replace checklist: %w", err)
	}
	for _, l := range lines {
		if k, ok := kept[key(l)]; ok {
			l.Result, l.Notes, l.EvidenceIDs, l.AuditedBy, l.AuditedAt = k.Result, k.Notes, k.EvidenceIDs, k.AuditedBy, k.AuditedAt
		}
		if _, err := tx.Exec(ctx, `INSERT INTO audit_checklist (org_id, audit_id, line, requirement_id, control_id, label, question, records, result, notes, evidence_ids, audited_by, audited_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, orgID, auditID, l.Line, l.RequirementID, l.ControlID, l.Label, l.Question, l.Records, l.Result, l.Notes,
			strings.Join(l.EvidenceIDs, " "), l.AuditedBy, l.AuditedAt); err != nil {
			return fmt.Errorf("store checklist line: %w", err)
		}
	}
	return nil
}

func updateLine(ctx context.Context, tx *sqlstore.Tx, orgID, auditID string, l *Line) error {
	_, err := tx.Exec(ctx, `UPDATE audit_checklist SET result = ?, notes = ?, evidence_ids = ?, audited_by = ?, audited_at = ? WHERE org_id = ? AND audit_id = ? AND line = ?`,
		l.Result, l.Notes, strings.Join(l.EvidenceIDs, " "), l.AuditedBy, l.AuditedAt, orgID, auditID, l.Line)
	if err != nil {
		return fmt.Errorf("record checklist line: %w", err)
	}
	return nil
}

const findingColumns = `f.id, f.ref, f.audit_id, COALESCE(a.ref, ''), f.checklist_line, f.classification, f.title, f.description, f.requirement_id, f.control_id,
	f.evidence_seen, f.raised_by, f.raised_on, f.incident_id, f.check_id, f.nonconformity_id, COALESCE(n.ref, ''), f.version, f.created_at, f.updated_at`

const findingFrom = ` FROM findings f LEFT JOIN audits a ON a.org_id = f.org_id AND a.id = f.audit_id
	LEFT JOIN nonconformities n ON n.org_id = f.org_id AND n.id = f.nonconformity_id WHERE f.org_id = ?`

func scanFinding(row interface{ Scan(...any) error }) (*Finding, error) {
	var f Finding
	var audit, req, ctl, by, inc, chk, nc sql.NullString
	var line sql.NullInt64
	err := row.Scan(&f.ID, &f.Ref, &audit, &f.AuditRef, &line, &f.Classification, &f.Title, &f.Description, &req, &ctl, &f.EvidenceSeen, &by, &f.RaisedOn,
		&inc, &chk, &nc, &f.NonconformityRef, &f.Version, &f.CreatedAt, &f.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "Finding not found.")
	} else if err != nil {
		return nil, fmt.Errorf("scan finding: %w", err)
	}
	f.AuditID, f.RequirementID, f.ControlID, f.RaisedBy = sqlstore.StrPtr(audit), sqlstore.StrPtr(req), sqlstore.StrPtr(ctl), sqlstore.StrPtr(by)
	f.IncidentID, f.CheckID, f.NonconformityID = sqlstore.StrPtr(inc), sqlstore.StrPtr(chk), sqlstore.StrPtr(nc)
	if line.Valid {
		n := int(line.Int64)
		f.ChecklistLine = &n
	}
	f.CreatedAt, f.UpdatedAt = f.CreatedAt.UTC(), f.UpdatedAt.UTC()
	return &f, nil
}

// FindingFilter narrows the findings register.
type FindingFilter struct {
	AuditID, Classification string
}

func listFindings(ctx context.Context, tx *sqlstore.Tx, orgID string, flt FindingFilter) ([]*Finding, error) {
	q, args := `SELECT `+findingColumns+findingFrom, []any{orgID}
	if flt.AuditID != "" {
		q, args = q+` AND f.audit_id = ?`, append(args, flt.AuditID)
	}
	if flt.Classification != "" {
		q, args = q+` AND f.classification = ?`, append(args, flt.Classification)
	}
	rows, err := tx.Query(ctx, q+` ORDER BY f.ref_number`, args...)
	if err != nil {
		return nil, fmt.Errorf("findings: %w", err)
	}
	defer rows.Close()
	out := []*Finding{}
	for rows.Next() {
		f, err := scanFinding(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

func getFinding(ctx context.Context, tx *sqlstore.Tx, orgID, id string) (*Finding, error) {
	return scanFinding(tx.QueryRow(ctx, `SELECT `+findingColumns+findingFrom+` AND (f.id = ? OR f.ref = ?)`, orgID, id, strings.ToUpper(id)))
}

func insertFinding(ctx context.Context, tx *sqlstore.Tx, orgID string, f *Finding) error {
	num, err := tx.NextRef(ctx, orgID, FindingRefPrefix)
	if err != nil {
		return err
	}
	now := tx.Now()
	f.ID, f.Ref, f.Version, f.CreatedAt, f.UpdatedAt = sqlstore.NewID(), bulwark.FormatRef(FindingRefPrefix, num), 1, now, now
	_, err = tx.Exec(ctx, `INSERT INTO findings (id, org_id, ref, ref_number, audit_id, checklist_line, classification, title, description, requirement_id, control_id,
		evidence_seen, raised_by, raised_on, incident_id, check_id, nonconformity_id, version, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`, f.ID, orgID, f.Ref, num, f.AuditID, f.ChecklistLine, f.Classification, f.Title,
		f.Description, f.RequirementID, f.ControlID, f.EvidenceSeen, f.RaisedBy, f.RaisedOn, f.IncidentID, f.CheckID, f.NonconformityID, now, now)
	if err != nil {
		return fmt.Errorf("store finding: %w", err)
	}
	return nil
}

func updateFinding(ctx context.Context, tx *sqlstore.Tx, orgID string, f *Finding) error {
	f.Version++
	f.UpdatedAt = tx.Now()
	res, err := tx.Exec(ctx, `UPDATE findings SET classification = ?, title = ?, description = ?, requirement_id = ?, control_id = ?, evidence_seen = ?,
		raised_on = ?, nonconformity_id = ?, version = ?, updated_at = ? WHERE org_id = ? AND id = ? AND version = ?`,
		f.Classification, f.Title, f.Description, f.RequirementID, f.ControlID, f.EvidenceSeen, f.RaisedOn, f.NonconformityID, f.Version, f.UpdatedAt,
		orgID, f.ID, f.Version-1)
	if err != nil {
		return fmt.Errorf("update finding: %w", err)
	}
	if k, _ := res.RowsAffected(); k != 1 {
		return bulwark.Errorf(bulwark.ECONFLICT, "%s changed meanwhile: reload and try again.", f.Ref)
	}
	return nil
}

// catalogRequirements reads every requirement with guidance, in catalog order, for checklists.
func catalogRequirements(ctx context.Context, tx *sqlstore.Tx) ([]Requirement, error) {
	rows, err := tx.Query(ctx, `SELECT r.id, r.framework_id, r.ref, r.display_title, r.kind, r.parent_ref, r.guidance, r.evidence FROM requirements r
		JOIN frameworks f ON f.id = r.framework_id ORDER BY f.sort_order, r.sort_order`)
	if err != nil {
		return nil, fmt.Errorf("requirements: %w", err)
	}
	defer rows.Close()
	var out []Requirement
	for rows.Next() {
		var r Requirement
		var ev string
		if err := rows.Scan(&r.ID, &r.Framework, &r.Ref, &r.Title, &r.Kind, &r.ParentRef, &r.Guidance, &ev); err != nil {
			return nil, err
		}
		r.Evidence = evidenceList(ev)
		out = append(out, r)
	}
	return out, rows.Err()
}

// evidenceList reads the catalog's JSON list of typical evidence.
func evidenceList(s string) []string {
	var out []string
	_ = json.Unmarshal([]byte(s), &out) // absent or malformed: no records to suggest
	return out
}

func orgControls(ctx context.Context, tx *sqlstore.Tx, orgID string) ([]ControlInfo, error) {
	rows, err := tx.Query(ctx, `SELECT id, ref, title, COALESCE(requirement_id, ''), owner_id FROM controls WHERE org_id = ? AND archived_at IS NULL ORDER BY sort_order`, orgID)
	if err != nil {
		return nil, fmt.Errorf("controls: %w", err)
	}
	defer rows.Close()
	var out []ControlInfo
	for rows.Next() {
		var c ControlInfo
		var owner sql.NullString
		if err := rows.Scan(&c.ID, &c.Ref, &c.Title, &c.RequirementID, &owner); err != nil {
			return nil, err
		}
		c.OwnerID = sqlstore.StrPtr(owner)
		out = append(out, c)
	}
	return out, rows.Err()
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

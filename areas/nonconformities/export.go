package nonconformities

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/web"
)

// ExportColumns are the columns of the nonconformity register's export, in order: JSON field names, with
// refs where the API holds ids, members by name, and what an auditor samples of the corrective actions
// (how many, how many still open, how many overdue) and the latest effectiveness review.
var ExportColumns = []any{"ref", "title", "severity", "status", "overdue", "source", "source_ref", "requirement_id", "control_ref", "owner", "raised_by",
	"raised_on", "due_date", "delay_reason", "correction", "correction_date", "root_cause_method", "root_cause", "occurs_elsewhere", "no_action_reason",
	"actions", "actions_open", "actions_overdue", "latest_review_on", "latest_review_result", "reviews", "closed_at"}

// ExportRegister writes the nonconformity register as CSV or XLSX (format), oldest first, streaming the rows
// as the database returns them. The export is audited.
func (s *Service) ExportRegister(ctx context.Context, p *bulwark.Principal, format string, w io.Writer) error {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return err
	}
	tw, err := s.BeginExport(ctx, p, format, w, "Nonconformities", "nonconformity")
	if err != nil {
		return err
	}
	day := today(p)
	err = s.DB.Read(ctx, func(tx *sqlstore.Tx) error {
		ms, err := tx.Members(ctx, p.Org.ID)
		if err != nil {
			return err
		}
		names := map[string]string{}
		for _, m := range ms {
			names[m.ID] = m.Name
		}
		name := func(id sql.NullString) any {
			if !id.Valid {
				return nil
			}
			if n, ok := names[id.String]; ok {
				return n
			}
			return id.String
		}
		if err := tw.Write(ExportColumns); err != nil {
			return err
		}
		const latest = `FROM effectiveness_reviews r WHERE r.org_id = n.org_id AND r.nonconformity_id = n.id ORDER BY r.n DESC LIMIT 1`
		rows, err := tx.Query(ctx, `SELECT n.ref, n.title, n.severity, n.status, n.source, n.source_ref, COALESCE(n.requirement_id, ''), COALESCE(c.ref, ''),
			n.owner_id, n.raised_by, n.raised_on, n.due_date, n.delay_reason, n.correction, n.correction_date, n.root_cause_method, n.root_cause,
			n.occurs_elsewhere, n.no_action_reason, n.closed_at,
			(SELECT COUNT(*) FROM corrective_actions x WHERE x.org_id = n.org_id AND x.nonconformity_id = n.id),
			(SELECT COUNT(*) FROM corrective_actions x WHERE x.org_id = n.org_id AND x.nonconformity_id = n.id AND x.status IN ('open', 'in_progress')),
			(SELECT COUNT(*) FROM corrective_actions x WHERE x.org_id = n.org_id AND x.nonconformity_id = n.id AND x.status IN ('open', 'in_progress') AND x.due_date < ?),
			COALESCE((SELECT r.reviewed_on `+latest+`), ''), COALESCE((SELECT r.result `+latest+`), ''),
			(SELECT COUNT(*) FROM effectiveness_reviews r WHERE r.org_id = n.org_id AND r.nonconformity_id = n.id)
			FROM nonconformities n LEFT JOIN controls c ON c.org_id = n.org_id AND c.id = n.control_id
			WHERE n.org_id = ? ORDER BY n.ref_number`, day, p.Org.ID)
		if err != nil {
			return fmt.Errorf("export nonconformities: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var ref, title, severity, status, source, sourceRef, req, ctl, raisedOn, delay, correction, method, cause, elsewhere, noAction, reviewOn, reviewResult string
			var owner, by, due, corrDate sql.NullString
			var closedAt sql.NullTime
			var actions, open, overdueActions, reviews int
			if err := rows.Scan(&ref, &title, &severity, &status, &source, &sourceRef, &req, &ctl, &owner, &by, &raisedOn, &due, &delay, &correction, &corrDate,
				&method, &cause, &elsewhere, &noAction, &closedAt, &actions, &open, &overdueActions, &reviewOn, &reviewResult, &reviews); err != nil {
				return fmt.Errorf("export nonconformities: %w", err)
			}
			// As the register says: open past its due date with no delay reason recorded.
			overdue := status != StatusClosed && due.Valid && due.String < day && strings.TrimSpace(delay) == ""
			var closed any
			if closedAt.Valid {
				closed = closedAt.Time.UTC().Format(time.RFC3339)
			}
			if err := tw.Write([]any{ref, title, severity, status, overdue, source, sourceRef, req, ctl, name(owner), name(by), raisedOn, app.Cell(sqlstore.StrPtr(due)),
				delay, correction, app.Cell(sqlstore.StrPtr(corrDate)), method, cause, elsewhere, noAction, actions, open, overdueActions, reviewOn, reviewResult,
				reviews, closed}); err != nil {
				return err
			}
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("export nonconformities: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return tw.Close()
}

// ncRegister is the nonconformity register as the import and export engine serves it: exported, never imported
// (each nonconformity moves through its states one audited step at a time).
func (h *handlers) ncRegister() web.Register {
	return web.Register{Kind: "nonconformities", Title: "nonconformity", Export: h.svc.ExportRegister}
}

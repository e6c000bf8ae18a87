package audits

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/web"
)

// FindingColumns are the columns of the findings register's export, in order: JSON field names, with refs
// where the API holds ids and the name of whoever raised the finding.
var FindingColumns = []any{"ref", "audit_ref", "checklist_line", "classification", "title", "description", "requirement_id", "control_ref",
	"evidence_seen", "raised_by", "raised_on", "incident_ref", "check_ref", "nonconformity_ref", "nonconformity_status"}

// ExportFindings writes the findings register as CSV or XLSX (format), oldest first, streaming the rows as
// the database returns them. The export is audited.
func (s *Service) ExportFindings(ctx context.Context, p *bulwark.Principal, format string, w io.Writer) error {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return err
	}
	tw, err := s.BeginExport(ctx, p, format, w, "Findings", "finding")
	if err != nil {
		return err
	}
	err = s.DB.Read(ctx, func(tx *sqlstore.Tx) error {
		ms, err := tx.Members(ctx, p.Org.ID)
		if err != nil {
			return err
		}
		names := map[string]string{}
		for _, m := range ms {
			names[m.ID] = m.Name
		}
		if err := tw.Write(FindingColumns); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT f.ref, COALESCE(a.ref, ''), f.checklist_line, f.classification, f.title, f.description, COALESCE(f.requirement_id, ''),
			COALESCE(c.ref, ''), f.evidence_seen, f.raised_by, f.raised_on, COALESCE(i.ref, ''), COALESCE(k.ref, ''), COALESCE(n.ref, ''), COALESCE(n.status, '')
			FROM findings f
			LEFT JOIN audits a ON a.org_id = f.org_id AND a.id = f.audit_id
			LEFT JOIN controls c ON c.org_id = f.org_id AND c.id = f.control_id
			LEFT JOIN incidents i ON i.org_id = f.org_id AND i.id = f.incident_id
			LEFT JOIN checks k ON k.org_id = f.org_id AND k.id = f.check_id
			LEFT JOIN nonconformities n ON n.org_id = f.org_id AND n.id = f.nonconformity_id
			WHERE f.org_id = ? ORDER BY f.ref_number`, p.Org.ID)
		if err != nil {
			return fmt.Errorf("export findings: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var ref, audit, class, title, desc, req, ctl, seen, on, inc, chk, nc, ncStatus string
			var line sql.NullInt64
			var by sql.NullString
			if err := rows.Scan(&ref, &audit, &line, &class, &title, &desc, &req, &ctl, &seen, &by, &on, &inc, &chk, &nc, &ncStatus); err != nil {
				return fmt.Errorf("export findings: %w", err)
			}
			var lineCell, byCell any
			if line.Valid {
				lineCell = line.Int64
			}
			if by.Valid {
				byCell = by.String
				if n, ok := names[by.String]; ok {
					byCell = n
				}
			}
			if err := tw.Write([]any{ref, audit, lineCell, class, title, desc, req, ctl, seen, byCell, on, inc, chk, nc, ncStatus}); err != nil {
				return err
			}
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("export findings: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return tw.Close()
}

// findingsRegister is the findings register as the import and export engine serves it: exported, never imported
// (findings are raised one by one, by an audit's team).
func (h *handlers) findingsRegister() web.Register {
	return web.Register{Kind: "findings", Title: "findings", Export: h.svc.ExportFindings}
}

// exportReport downloads an audit's report as a PDF, from the API (GET) or the audit page's form (POST).
func (h *handlers) exportReport(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if f := r.FormValue("format"); f != "" && f != "pdf" {
		h.ProblemOrPage(w, r, bulwark.Invalid("format", "must be pdf"))
		return
	}
	a, err := h.svc.Audit(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.ProblemOrPage(w, r, err)
		return
	}
	h.Download(w, r, "audit-report-"+strings.ToLower(a.Ref)+"-"+p.Org.Slug+".pdf", "application/pdf",
		func(out io.Writer) error { return h.svc.ExportReport(r.Context(), p, a.ID, out) })
}

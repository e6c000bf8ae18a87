package incidents

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/web"
)

// ExportColumns are the columns of the incident register's export, in order: JSON field names, members
// by name, assets by ref, and each regulatory clock as "label: state (due …, notified …)".
var ExportColumns = []any{"ref", "title", "status", "category", "severity", "reported_by", "handler", "discovered_at", "became_aware_at",
	"personal_data_breach", "breach_regimes", "individuals_affected", "most_in_one_state", "business_associate", "clocks", "assets",
	"not_incident_reason", "lessons_learned", "closed_at", "created_at"}

// ExportRegister writes the incident register as CSV or XLSX (format), oldest first. The export is audited.
func (s *Service) ExportRegister(ctx context.Context, p *bulwark.Principal, format string, w io.Writer) error {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return err
	}
	tw, err := s.BeginExport(ctx, p, format, w, "Incidents", "incident")
	if err != nil {
		return err
	}
	l, now := loc(p), time.Now()
	stamp := func(t *time.Time) any {
		if t == nil {
			return nil
		}
		return t.In(l).Format(time.RFC3339)
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
		name := func(id *string) any {
			if id == nil {
				return nil
			}
			if n, ok := names[*id]; ok {
				return n
			}
			return *id
		}
		// Clocks and asset refs for every incident, one query each, before the rows stream.
		clocks, affected := map[string][]string{}, map[string]int{}
		rows, err := tx.Query(ctx, `SELECT id, individuals_affected FROM incidents WHERE org_id = ? AND personal_data_breach`, p.Org.ID)
		if err != nil {
			return fmt.Errorf("export incident breaches: %w", err)
		}
		for rows.Next() {
			var id string
			var n int
			if err := rows.Scan(&id, &n); err != nil {
				rows.Close()
				return err
			}
			affected[id] = n
		}
		rows.Close()
		cs, err := clocksOf(ctx, tx, p.Org.ID, `1 = 1`)
		if err != nil {
			return err
		}
		for _, c := range cs {
			c.Label = ClockLabel(c.Kind, affected[c.incidentID])
			c.Mark(now, l)
			text := c.Label + ": " + strings.ReplaceAll(c.State, "_", " ")
			if c.DueAt != nil {
				text += " (due " + c.DueAt.In(l).Format(time.RFC3339)
				if c.NotifiedAt != nil {
					text += ", notified " + c.NotifiedAt.In(l).Format(time.RFC3339)
				}
				text += ")"
			}
			clocks[c.incidentID] = append(clocks[c.incidentID], text)
		}
		assets := map[string][]string{}
		rows, err = tx.Query(ctx, `SELECT ia.incident_id, a.ref FROM incident_assets ia JOIN assets a ON a.org_id = ia.org_id AND a.id = ia.asset_id WHERE ia.org_id = ? ORDER BY a.ref`, p.Org.ID)
		if err != nil {
			return fmt.Errorf("export incident assets: %w", err)
		}
		for rows.Next() {
			var id, ref string
			if err := rows.Scan(&id, &ref); err != nil {
				rows.Close()
				return err
			}
			assets[id] = append(assets[id], ref)
		}
		rows.Close()
		if err := tw.Write(ExportColumns); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `SELECT `+columns+` FROM incidents WHERE org_id = ? ORDER BY ref_number`, p.Org.ID)
		if err != nil {
			return fmt.Errorf("export incidents: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			i, err := scan(rows)
			if err != nil {
				return err
			}
			if err := tw.Write([]any{i.Ref, i.Title, i.Status, i.Category, i.Severity, name(i.ReportedBy), name(i.HandlerID), stamp(i.DiscoveredAt),
				stamp(i.BecameAwareAt), i.PersonalDataBreach, strings.Join(i.BreachRegimes, " | "), i.IndividualsAffected, i.MostInOneState, i.BusinessAssociate,
				strings.Join(clocks[i.ID], " | "), strings.Join(assets[i.ID], " | "), i.NotIncidentReason, i.LessonsLearned, stamp(i.ClosedAt), stamp(&i.CreatedAt)}); err != nil {
				return err
			}
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("export incidents: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return tw.Close()
}

// register is the incident register as the import and export engine serves it: exported, never imported
// (an incident moves through its states one audited step at a time).
func (h *handlers) register() web.Register {
	return web.Register{Kind: "incidents", Title: "incident", Export: h.svc.ExportRegister}
}

package risks

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/areas/controls"
	"github.com/bulwark-isms/bulwark/report"
	"github.com/bulwark-isms/bulwark/tabular"
)

// PlanItem is one risk of the treatment plan (6.1.3 e) with everything that treats it.
type PlanItem struct {
	Risk        *Risk
	Owner       string
	Controls    []string // refs
	Actions     []*Action
	LastSignOff *SignOff
	SignerName  string
}

// TreatmentPlan gathers every live risk with a treatment, in reference order.
func (s *Service) TreatmentPlan(ctx context.Context, p *bulwark.Principal) ([]PlanItem, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var out []PlanItem
	err := s.read(ctx, func(tx store) error {
		ppl, err := tx.Members(ctx, p.Org.ID)
		if err != nil {
			return err
		}
		names := map[string]string{}
		for _, m := range ppl {
			names[m.ID] = m.Name
		}
		cs, err := controls.List(ctx, tx.Tx, p.Org.ID, controls.ControlFilter{IncludeArchived: true})
		if err != nil {
			return err
		}
		controlRef := map[string]string{}
		for _, c := range cs {
			controlRef[c.ID] = c.Ref
		}
		actions, err := tx.Actions(ctx, p.Org.ID, ActionFilter{All: true})
		if err != nil {
			return err
		}
		latest, err := tx.LatestSignOffs(ctx, p.Org.ID)
		if err != nil {
			return err
		}
		byRisk := map[string][]*Action{}
		for _, a := range actions {
			byRisk[a.RiskID] = append(byRisk[a.RiskID], a)
		}
		cursor := ""
		for {
			page, next, err := tx.Risks(ctx, p.Org.ID, RiskFilter{Limit: 500, Cursor: cursor})
			if err != nil {
				return err
			}
			for _, r := range page {
				if r.Treatment == nil && len(byRisk[r.ID]) == 0 {
					continue
				}
				it := PlanItem{Risk: r, Actions: byRisk[r.ID]}
				if r.OwnerID != nil {
					it.Owner = names[*r.OwnerID]
				}
				for _, c := range r.ControlIDs {
					it.Controls = append(it.Controls, controlRef[c])
				}
				if so, ok := latest[r.ID]; ok {
					it.LastSignOff, it.SignerName = &so, names[so.SignerID]
				}
				out = append(out, it)
			}
			if next == "" {
				return nil
			}
			cursor = next
		}
	})
	return out, err
}

func level(l *string, s *int) string {
	if l == nil || s == nil {
		return "not assessed"
	}
	return fmt.Sprintf("%s (%d)", *l, *s)
}

// ExportTreatmentPlan writes the risk treatment plan as XLSX (one row per risk)
// or PDF (a block per risk). The export is audited.
func (s *Service) ExportTreatmentPlan(ctx context.Context, p *bulwark.Principal, format string, w io.Writer) error {
	if format != "xlsx" && format != "pdf" {
		return bulwark.Invalid("format", "must be xlsx or pdf")
	}
	plan, err := s.TreatmentPlan(ctx, p)
	if err != nil {
		return err
	}
	if err := s.write(ctx, func(tx store) error {
		return app.Audit(ctx, tx.Tx, p.Org.ID, app.MetaOf(p), "risk_treatment_plan.export", "risk", "", "", bulwark.Changes{"format": bulwark.Added(format)})
	}); err != nil {
		return err
	}
	actionText := func(a *Action, names func(*string) string) string {
		t := a.Title + " [" + a.Status + "]"
		if a.OwnerID != nil {
			t += " — " + names(a.OwnerID)
		}
		if a.DueDate != nil {
			t += ", due " + *a.DueDate
		}
		return t
	}
	members, err := s.Directory(ctx, p)
	if err != nil {
		return err
	}
	name := func(id *string) string {
		for _, m := range members {
			if id != nil && m.ID == *id {
				return m.Name
			}
		}
		return ""
	}
	signText := func(it PlanItem) string {
		if it.LastSignOff == nil {
			return "not signed off"
		}
		return fmt.Sprintf("%s on %s", it.SignerName, it.LastSignOff.At.Format("2006-01-02"))
	}
	if format == "xlsx" {
		tw := tabular.NewXLSXWriter(w, "Treatment plan")
		if err := tw.Write([]any{"ref", "title", "owner", "inherent", "treatment", "controls", "actions", "residual", "target_date", "status", "sign_off"}); err != nil {
			return err
		}
		for _, it := range plan {
			var acts []string
			for _, a := range it.Actions {
				acts = append(acts, actionText(a, name))
			}
			r := it.Risk
			if err := tw.Write([]any{r.Ref, r.Title, it.Owner, level(r.InherentLevel, r.InherentScore), bulwark.Value(r.Treatment), it.Controls, acts,
				level(r.ResidualLevel, r.ResidualScore), bulwark.Value(r.TargetDate), r.Status, signText(it)}); err != nil {
				return err
			}
		}
		return tw.Close()
	}
	d, err := report.New(report.Meta{Title: "Risk treatment plan", Organisation: p.Org.Name, Generated: time.Now(), Landscape: true})
	if err != nil {
		return err
	}
	d.Paragraph(fmt.Sprintf("%s with a treatment. Clause 6.1.3 e: the plan, and the risk owners' approval of it and of the residual risk.", bulwark.Plural(len(plan), "risk")))
	rows := make([][]string, 0, len(plan))
	for _, it := range plan {
		r := it.Risk
		var acts []string
		for _, a := range it.Actions {
			acts = append(acts, "• "+actionText(a, name))
		}
		rows = append(rows, []string{r.Ref, r.Title, orDash(it.Owner), level(r.InherentLevel, r.InherentScore), orDash(bulwark.Value(r.Treatment)),
			orDash(strings.Join(it.Controls, ", ")), orDash(strings.Join(acts, " ")), level(r.ResidualLevel, r.ResidualScore),
			orDash(bulwark.Value(r.TargetDate)), r.Status, signText(it)})
	}
	cols := []report.Column{{Title: "Ref", Width: 5}, {Title: "Risk", Width: 16}, {Title: "Owner", Width: 10}, {Title: "Inherent", Width: 8},
		{Title: "Treatment", Width: 8}, {Title: "Controls", Width: 10}, {Title: "Actions", Width: 22}, {Title: "Residual", Width: 8},
		{Title: "Target", Width: 8}, {Title: "Status", Width: 7}, {Title: "Sign-off", Width: 14}}
	if err := d.Table(cols, rows); err != nil {
		return err
	}
	return d.Write(w)
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

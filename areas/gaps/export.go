package gaps

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/report"
	"github.com/bulwark-isms/bulwark/tabular"
)

// ExportAssessment writes an assessment as XLSX (a preamble, then one row per requirement) or PDF (the scores
// per group, the ranked gaps, then every answer). The export is audited.
func (s *Service) ExportAssessment(ctx context.Context, p *bulwark.Principal, key, format string, w io.Writer) error {
	if format != "xlsx" && format != "pdf" {
		return bulwark.Invalid("format", "must be xlsx or pdf")
	}
	a, err := s.Assessment(ctx, p, key)
	if err != nil {
		return err
	}
	if err := s.write(ctx, func(tx store) error {
		return app.Audit(ctx, tx.Tx, p.Org.ID, app.MetaOf(p), "gap_assessment.export", "gap_assessment", a.ID, a.Ref, bulwark.Changes{"format": bulwark.Added(format)})
	}); err != nil {
		return err
	}
	now := time.Now().UTC()
	status := "in progress"
	if a.Status == Finished && a.FinishedAt != nil {
		status = "finished " + a.FinishedAt.Format(time.DateOnly)
	}
	if format == "xlsx" {
		tw := tabular.NewXLSXWriterWithPreamble(w, "Gap assessment", [][2]string{{"Assessment", a.Ref + " " + a.Title}, {"Organisation", p.Org.Name},
			{"Framework", a.Framework}, {"Status", status}, {"Score", fmt.Sprintf("%d%% (%d of %d answered)", a.Score, a.Progress.Answered, a.Progress.Total)},
			{"Exported", now.Format("2006-01-02 15:04 UTC")}})
		if err := tw.Write([]any{"ref", "title", "group", "answer", "notes", "evidence_url"}); err != nil {
			return err
		}
		for _, it := range a.Items {
			if err := tw.Write([]any{it.Ref, it.Title, it.Group, it.Answer, it.Notes, it.EvidenceURL}); err != nil {
				return err
			}
		}
		return tw.Close()
	}
	d, err := report.New(report.Meta{Title: "Gap assessment " + a.Ref, Organisation: p.Org.Name, Draft: a.Status != Finished, Generated: now, Landscape: true})
	if err != nil {
		return err
	}
	d.Fields([2]string{"Assessment", a.Title}, [2]string{"Framework", a.Framework}, [2]string{"Status", status},
		[2]string{"Score", fmt.Sprintf("%d%%, %d of %d requirements answered", a.Score, a.Progress.Answered, a.Progress.Total)})
	d.Heading("Scores")
	var groups [][]string
	for _, g := range a.Groups {
		score := "—"
		if g.Score >= 0 {
			score = strconv.Itoa(g.Score) + "%"
		}
		groups = append(groups, []string{g.Name, fmt.Sprintf("%d of %d", g.Answered, g.Total), score})
	}
	if err := d.Table([]report.Column{{Title: "Clause or theme", Width: 6}, {Title: "Answered", Width: 2}, {Title: "Score", Width: 2}}, groups); err != nil {
		return err
	}
	d.Heading("Gaps, worst first")
	var gaps [][]string
	for _, it := range a.Gaps {
		gaps = append(gaps, []string{it.Ref, it.Title, AnswerLabels[it.Answer], it.Notes})
	}
	if len(gaps) == 0 {
		d.Paragraph("No gap: every requirement answered is implemented or not applicable.")
	} else if err := d.Table([]report.Column{{Title: "Ref", Width: 2}, {Title: "Requirement", Width: 7}, {Title: "Answer", Width: 3}, {Title: "Notes", Width: 8}}, gaps); err != nil {
		return err
	}
	d.NewPage()
	d.Heading("Every answer")
	var rows [][]string
	for _, it := range a.Items {
		rows = append(rows, []string{it.Ref, it.Title, it.Group, AnswerLabels[it.Answer], it.Notes, it.EvidenceURL})
	}
	if err := d.Table([]report.Column{{Title: "Ref", Width: 2}, {Title: "Requirement", Width: 6}, {Title: "Group", Width: 4}, {Title: "Answer", Width: 3},
		{Title: "Notes", Width: 6}, {Title: "Evidence", Width: 4}}, rows); err != nil {
		return err
	}
	return d.Write(w)
}

package training

import (
	"context"
	"io"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
)

// ExportRecords streams every training record as CSV or XLSX: evidence of
// awareness and competence (7.2, 7.3).
func (s *Service) ExportRecords(ctx context.Context, p *bulwark.Principal, format string, w io.Writer) error {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return err
	}
	tw, err := s.BeginExport(ctx, p, format, w, "Training records", "training_record")
	if err != nil {
		return err
	}
	err = s.read(ctx, func(tx store) error {
		if err := tw.Write([]any{"training_ref", "training_title", "person_ref", "person_name", "email", "completed_at", "score", "passed", "via", "notes"}); err != nil {
			return err
		}
		return tx.records(ctx, p.Org.ID, RecordFilter{}, func(r *Record) error {
			return tw.Write([]any{r.TrainingRef, r.TrainingTitle, r.PersonRef, r.PersonName, r.Email, r.CompletedAt.Format("2006-01-02T15:04:05Z"), app.Cell(r.Score), r.Passed, r.Via, r.Notes})
		})
	})
	if err != nil {
		return err
	}
	return tw.Close()
}

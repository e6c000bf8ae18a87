package objectives

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/tabular"
)

// MeasurementFields are the columns of a measurements import: the metric (its
// ref such as MET-001, or its name when no other live metric has it), the day,
// the value and an optional note.
var MeasurementFields = []tabular.Field{
	{Name: "metric", Label: "Metric", Aliases: []string{"Metric ref", "Ref", "Metric name", "Indicator", "KPI"}},
	{Name: "date", Label: "Date", Aliases: []string{"Measured on", "Day", "Measurement date"}},
	{Name: "value", Label: "Value", Aliases: []string{"Measurement", "Result"}},
	{Name: "note", Label: "Note", Aliases: []string{"Notes", "Comment"}},
}

// ImportMeasurements records a spreadsheet's measurements: one row a metric, a
// day and a value; a day a metric already has gets the file's value. All or
// nothing: every bad row is reported with its number and nothing is written.
// Only manual metrics of live objectives take values, each one the principal
// may change.
func (s *Service) ImportMeasurements(ctx context.Context, p *bulwark.Principal, t *tabular.Table, dryRun bool) (*app.ImportResult, error) {
	if err := app.Require(p, PermImport); err != nil {
		return nil, err
	}
	for _, f := range []string{"metric", "date", "value"} {
		if !t.Has(f) {
			return nil, bulwark.Invalid("file", "needs the columns Metric (its ref, such as MET-001, or its name), Date and Value")
		}
	}
	res := &app.ImportResult{DryRun: dryRun, BlankRows: t.BlankRows, Rows: []app.ImportRow{}, Errors: []app.RowError{}, Warnings: []app.RowError{}}
	type planned struct {
		metric *Metric
		x      *Measurement
		row    int
	}
	err := s.write(ctx, func(tx store) error {
		os, err := tx.Objectives(ctx, p.Org.ID, true)
		if err != nil {
			return err
		}
		objective := map[string]*Objective{}
		for _, o := range os {
			objective[o.ID] = o
		}
		ms, err := tx.Metrics(ctx, p.Org.ID, nil)
		if err != nil {
			return err
		}
		byKey, byName := map[string]*Metric{}, map[string][]*Metric{}
		for _, m := range ms {
			byKey[strings.ToUpper(m.Ref)], byKey[strings.ToUpper(m.ID)] = m, m
			n := strings.ToLower(strings.TrimSpace(m.Name))
			byName[n] = append(byName[n], m)
		}
		var plan []planned
		seen := map[string]int{}
		for _, row := range t.Rows {
			var errs []app.RowError
			fail := func(field, msg string) {
				errs = append(errs, app.RowError{Row: row.Number, Field: field, Message: msg})
			}
			text := func(field string) string { return strings.TrimSpace(tabular.Unneutralise(row.Cells[field].Text)) }
			var m *Metric
			switch name := text("metric"); {
			case name == "":
				fail("metric", "is required")
			case byKey[strings.ToUpper(name)] != nil:
				m = byKey[strings.ToUpper(name)]
			case len(byName[strings.ToLower(name)]) == 1:
				m = byName[strings.ToLower(name)][0]
			case len(byName[strings.ToLower(name)]) > 1:
				fail("metric", fmt.Sprintf("%q names several metrics; give its ref, such as MET-001", name))
			default:
				fail("metric", fmt.Sprintf("%q is not a metric of a live objective (give its ref, such as MET-001)", name))
			}
			if m != nil {
				o := objective[m.ObjectiveID]
				switch {
				case o == nil || o.ArchivedAt != nil:
					fail("metric", m.Ref+"'s objective is archived")
				case m.Source != SourceManual:
					fail("metric", m.Ref+" is computed from Bulwark's data ("+m.Source+"); its values are not imported")
				case !canMeasure(p, o, m):
					fail("metric", "you may not record measurements of "+m.Ref)
				}
			}
			x := &Measurement{Source: RecordedImport, Note: text("note")}
			if p.MemberID != "" {
				by := p.MemberID
				x.RecordedBy = &by
			}
			if c := row.Cells["date"]; c.IsEmpty() {
				fail("date", "is required")
			} else if d, note, err := app.DateCell(c, p.Org.Settings.DateOrder); err != nil {
				fail("date", err.Error())
			} else {
				x.Date = d
				if note != "" {
					res.Warnings = append(res.Warnings, app.RowError{Row: row.Number, Field: "date", Message: note})
				}
				if d > today(p) {
					fail("date", d+" is in the future")
				}
			}
			if v := text("value"); v == "" {
				fail("value", "is required")
			} else if f, ok := parseNumber(v); !ok {
				fail("value", fmt.Sprintf("%q is not a number", v))
			} else {
				x.Value = f
			}
			if m != nil && x.Date != "" {
				key := m.ID + "|" + x.Date
				if first, dup := seen[key]; dup {
					fail("date", fmt.Sprintf("%s on %s already appears in row %d", m.Ref, x.Date, first))
				}
				seen[key] = row.Number
			}
			if len(errs) == 0 {
				if err := x.Validate(); err != nil {
					var be *bulwark.Error
					if !errors.As(err, &be) {
						return err
					}
					for _, f := range be.Fields {
						fail(f.Field, f.Field+" "+f.Message)
					}
				}
			}
			if len(errs) > 0 {
				res.Errors = append(res.Errors, errs...)
				continue
			}
			x.MetricID = m.ID
			plan = append(plan, planned{metric: m, x: x, row: row.Number})
		}
		if len(res.Errors) > 0 {
			return nil
		}
		for _, pl := range plan {
			cur, err := tx.MeasurementOn(ctx, p.Org.ID, pl.metric.ID, pl.x.Date)
			if err != nil {
				return err
			}
			action := "create"
			switch {
			case cur == nil:
				res.Created++
			case cur.Value == pl.x.Value && cur.Note == pl.x.Note && cur.Source == pl.x.Source:
				action = "unchanged"
				res.Unchanged++
			default:
				action = "update"
				res.Updated++
			}
			res.Rows = append(res.Rows, app.ImportRow{Row: pl.row, Action: action, Ref: pl.metric.Ref, Name: pl.x.Date + ": " + FormatNumber(pl.x.Value)})
			if dryRun || action == "unchanged" {
				continue
			}
			if _, err := putMeasurement(ctx, tx, p.Org.ID, app.MetaOf(p), "measurement.import", pl.metric, pl.x); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	res.NameColumns(t, MeasurementFields)
	if len(res.Errors) > 0 {
		res.Created, res.Updated, res.Unchanged, res.Rows = 0, 0, 0, []app.ImportRow{}
	}
	return res, nil
}

package audits

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/report"
	"github.com/bulwark-isms/bulwark/sqlstore"
)

// reportWords are the words the report prints for the stored values of types, statuses,
// checklist results and finding classifications.
var reportWords = map[string]string{
	"internal": "Internal", "external_stage1": "External, stage 1", "external_stage2": "External, stage 2", "surveillance": "Surveillance", "supplier": "Supplier",
	StatusPlanned: "Planned", StatusInProgress: "In progress", StatusReporting: "Reporting", StatusClosed: "Closed",
	ResultConforming: "Conforming", ResultNonconforming: "Nonconforming", ResultObservation: "Observation", ResultNotAudited: "Not audited",
	"major_nc": "Major nonconformity", "minor_nc": "Minor nonconformity", "ofi": "Opportunity for improvement",
}

// reportWord is the printed word for a stored value (the value itself when it has none).
func reportWord(v string) string {
	if w, ok := reportWords[v]; ok {
		return w
	}
	return v
}

// reportRefs are what a report or an export prints for the ids an audit and its findings hold:
// member names (former members included), requirement refs with titles, control refs and
// framework names.
type reportRefs struct {
	members, requirements, controls, frameworks map[string]string
}

// loadReportRefs reads the names and refs of orgID's members, controls, and the catalog's
// frameworks and requirements.
func loadReportRefs(ctx context.Context, tx *sqlstore.Tx, orgID string) (*reportRefs, error) {
	r := &reportRefs{members: map[string]string{}, requirements: map[string]string{}, controls: map[string]string{}, frameworks: map[string]string{}}
	ms, err := tx.Members(ctx, orgID)
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		r.members[m.ID] = m.Name
	}
	for _, q := range []struct {
		sql  string
		args []any
		into map[string]string
	}{
		{`SELECT id, ref || ' ' || display_title FROM requirements`, nil, r.requirements},
		{`SELECT id, ref || ' ' || title FROM controls WHERE org_id = ?`, []any{orgID}, r.controls},
		{`SELECT id, name FROM frameworks`, nil, r.frameworks},
	} {
		rows, err := tx.Query(ctx, q.sql, q.args...)
		if err != nil {
			return nil, fmt.Errorf("report names: %w", err)
		}
		for rows.Next() {
			var id, v string
			if err := rows.Scan(&id, &v); err != nil {
				rows.Close()
				return nil, fmt.Errorf("report names: %w", err)
			}
			q.into[id] = v
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("report names: %w", err)
		}
	}
	return r, nil
}

// member is a member's name: "former member" for an id no longer known, "" for none.
func (r *reportRefs) member(id *string) string {
	if id == nil {
		return ""
	}
	if n, ok := r.members[*id]; ok {
		return n
	}
	return "former member"
}

// concerned is the requirement and control a finding or line is about, as one text.
func (r *reportRefs) concerned(requirementID, controlID *string) string {
	var parts []string
	req := ""
	if requirementID != nil {
		req = r.name(r.requirements, *requirementID)
		parts = append(parts, req)
	}
	if controlID != nil {
		c := r.name(r.controls, *controlID)
		// The control implementing the requirement has its ref: name it once.
		if ref, _, _ := strings.Cut(c, " "); req == "" || !strings.HasPrefix(req, ref+" ") {
			parts = append(parts, "control "+c)
		}
	}
	return strings.Join(parts, "; ")
}

func (r *reportRefs) name(index map[string]string, id string) string {
	if v, ok := index[id]; ok {
		return v
	}
	return id
}

// ExportReport writes audit id's report as a PDF: the audit's criteria, scope, team, dates, status and
// conclusion, every checklist line with its result and notes, and every finding with its classification,
// the evidence seen and the nonconformity it opened. An audit not yet closed prints as a draft. The
// export is audited.
func (s *Service) ExportReport(ctx context.Context, p *bulwark.Principal, id string, w io.Writer) error {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return err
	}
	a, err := s.Audit(ctx, p, id)
	if err != nil {
		return err
	}
	var refs *reportRefs
	if err := s.DB.View(ctx, func(tx *sqlstore.Tx) error {
		var err error
		refs, err = loadReportRefs(ctx, tx, p.Org.ID)
		return err
	}); err != nil {
		return err
	}
	if err := s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
		return app.Audit(ctx, tx, p.Org.ID, app.MetaOf(p), "audit.export", "audit", a.ID, a.Ref, bulwark.Changes{"format": bulwark.Added("pdf")})
	}); err != nil {
		return err
	}
	return writeReport(a, refs, p.Org.Name, time.Now().UTC(), w)
}

// writeReport lays out audit a's report.
func writeReport(a *Audit, refs *reportRefs, org string, now time.Time, w io.Writer) error {
	d, err := report.New(report.Meta{Title: "Audit report " + a.Ref, Organisation: org, Draft: a.Status != StatusClosed, Generated: now, Landscape: true})
	if err != nil {
		return err
	}
	or := func(s, none string) string {
		if strings.TrimSpace(s) == "" {
			return none
		}
		return s
	}
	span := func(from, to *string) string {
		switch {
		case from == nil:
			return ""
		case to == nil || *to == *from:
			return *from
		}
		return *from + " to " + *to
	}
	lead := refs.member(a.LeadID)
	if lead == "" && a.LeadExternal != "" {
		lead = a.LeadExternal + " (external)"
	}
	var team []string
	for _, id := range a.TeamIDs {
		team = append(team, refs.member(&id))
	}
	for _, name := range a.TeamExternal {
		team = append(team, name+" (external)")
	}
	var frameworks, inScope []string
	for _, id := range a.FrameworkIDs {
		frameworks = append(frameworks, refs.name(refs.frameworks, id))
	}
	for _, id := range a.RequirementIDs {
		ref, _, _ := strings.Cut(refs.name(refs.requirements, id), " ")
		inScope = append(inScope, ref)
	}
	for _, id := range a.ControlIDs {
		ref, _, _ := strings.Cut(refs.name(refs.controls, id), " ")
		inScope = append(inScope, ref)
	}
	progress := ProgressOf(a.Checklist)
	d.Fields(
		[2]string{"Audit", a.Title},
		[2]string{"Type", reportWord(a.Type)},
		[2]string{"Status", reportWord(a.Status)},
		[2]string{"Planned", or(span(a.PlannedStart, a.PlannedEnd), "not planned")},
		[2]string{"Held", or(span(a.ActualStart, a.ActualEnd), "not started")},
		[2]string{"Lead auditor", or(lead, "none named")},
		[2]string{"Team", or(strings.Join(team, ", "), "the lead alone")},
	)
	d.Heading("Criteria")
	d.Paragraph(or(a.Criteria, "Not stated."))
	if len(frameworks) > 0 {
		d.Paragraph("Frameworks: " + strings.Join(frameworks, ", "))
	}
	d.Heading("Scope")
	d.Paragraph(or(a.Scope, "Not described."))
	if len(inScope) > 0 {
		d.Paragraph("Requirements and controls in scope: " + strings.Join(inScope, ", "))
	}
	d.Heading("Conclusion")
	d.Paragraph(or(a.Conclusion, "Not written yet."))

	d.Heading("Checklist results")
	if len(a.Checklist) == 0 {
		d.Paragraph("No checklist was built for this audit.")
	} else {
		d.Paragraph(fmt.Sprintf("%d of %d lines audited: %d conforming, %d nonconforming, %s.", progress.Audited, progress.Lines,
			progress.Conforming, progress.Nonconforming, bulwark.Plural(progress.Observations, "observation")))
		rows := make([][]string, 0, len(a.Checklist))
		for _, l := range a.Checklist {
			rows = append(rows, []string{fmt.Sprint(l.Line), l.Label, reportWord(l.Result), oneLine(l.Notes)})
		}
		if err := d.Table([]report.Column{{Title: "#", Width: 1}, {Title: "Requirement", Width: 8}, {Title: "Result", Width: 3}, {Title: "Notes", Width: 10}}, rows); err != nil {
			return err
		}
	}

	d.Heading("Findings")
	if len(a.FindingList) == 0 {
		d.Paragraph("No findings were raised.")
	} else {
		counts := map[string]int{}
		for _, f := range a.FindingList {
			counts[f.Classification]++
		}
		var summary []string
		for _, c := range Classifications {
			if counts[c] > 0 {
				summary = append(summary, fmt.Sprintf("%d %s", counts[c], strings.ToLower(reportWord(c))))
			}
		}
		d.Paragraph(bulwark.Plural(len(a.FindingList), "finding") + ": " + strings.Join(summary, ", ") + ".")
		rows := make([][]string, 0, len(a.FindingList))
		for _, f := range a.FindingList {
			title := f.Title
			if f.Description != "" {
				title += " — " + oneLine(f.Description)
			}
			line := ""
			if f.ChecklistLine != nil {
				line = fmt.Sprintf("line %d", *f.ChecklistLine)
			}
			rows = append(rows, []string{f.Ref, reportWord(f.Classification), title, strings.TrimPrefix(line+"; "+refs.concerned(f.RequirementID, f.ControlID), "; "),
				oneLine(f.EvidenceSeen), f.NonconformityRef, strings.TrimPrefix(refs.member(f.RaisedBy)+", "+f.RaisedOn, ", ")})
		}
		if err := d.Table([]report.Column{{Title: "Ref", Width: 2}, {Title: "Classification", Width: 4}, {Title: "Finding", Width: 6}, {Title: "Requirement", Width: 5},
			{Title: "Evidence seen", Width: 7}, {Title: "Nonconformity", Width: 3}, {Title: "Raised", Width: 3}}, rows); err != nil {
			return err
		}
	}
	return d.Write(w)
}

// oneLine joins the lines of s with " / ": a table cell holds one paragraph.
func oneLine(s string) string {
	var lines []string
	for _, l := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, " / ")
}

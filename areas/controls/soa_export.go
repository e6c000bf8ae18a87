package controls

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/report"
	"github.com/bulwark-isms/bulwark/tabular"
)

// SoAFormats are the formats the statement exports to.
var SoAFormats = []string{"xlsx", "csv", "pdf", "json"}

// SoAExportContentType is the media type of each export format.
var SoAExportContentType = map[string]string{"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	"csv": "text/csv; charset=utf-8", "pdf": "application/pdf", "json": "application/json"}

// ExportSoA writes the Statement of Applicability in format: approved revision n, or the live statement when
// n is 0 (marked "DRAFT — not approved" unless it is the approved one). The export is audited.
func (s *Service) ExportSoA(ctx context.Context, p *bulwark.Principal, format string, n int, w io.Writer) error {
	if !strings.Contains(" xlsx csv pdf json ", " "+format+" ") {
		return bulwark.Invalid("format", "must be one of "+strings.Join(SoAFormats, ", "))
	}
	var soa *SoA
	var err error
	if n > 1<<31-1 {
		return bulwark.Errorf(bulwark.ENOTFOUND, "The SoA has no approved revision %d.", n)
	}
	if n > 0 {
		soa, err = s.SoARevision(ctx, p, n)
	} else {
		soa, err = s.SoA(ctx, p)
	}
	if err != nil {
		return err
	}
	members, err := s.Directory(ctx, p)
	if err != nil {
		return err
	}
	emails := map[string]string{}
	for _, m := range members {
		emails[m.ID] = m.Email
	}
	if err := s.write(ctx, func(tx store) error {
		return app.Audit(ctx, tx.Tx, p.Org.ID, app.MetaOf(p), "soa.export", "soa", "", "SoA", bulwark.Changes{
			"format": bulwark.Added(format), "revision": bulwark.Added(soa.revisionLabel())})
	}); err != nil {
		return err
	}
	now := time.Now().UTC()
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(soa)
	case "csv":
		return writeSoARows(tabular.NewCSVWriter(w), soa, emails)
	case "xlsx":
		return writeSoARows(tabular.NewXLSXWriterWithPreamble(w, "Statement of Applicability", soa.preamble(p.Org.Name, now)), soa, emails)
	}
	return soa.writePDF(w, p.Org.Name, now)
}

// Draft reports whether the statement is not an approved revision: the live one while it is a draft or
// waits for approval.
func (s *SoA) Draft() bool { return s.Status != SoAApproved }

// revisionLabel names the statement as its exports do.
func (s *SoA) revisionLabel() string {
	switch {
	case !s.Draft() && s.Revision != nil:
		return "revision " + strconv.Itoa(*s.Revision)
	case s.Revision != nil:
		return fmt.Sprintf("draft after revision %d", *s.Revision)
	}
	return "draft (never approved)"
}

// preamble is what an export says above the table: whose statement, which revision, who approved it.
func (s *SoA) preamble(org string, now time.Time) [][2]string {
	title := "Statement of Applicability"
	if s.Draft() {
		title += " — DRAFT — not approved"
	}
	approver, approved := "not approved", ""
	if !s.Draft() && s.ApprovedAt != nil {
		approver, approved = s.ApproverName, s.ApprovedAt.UTC().Format(time.DateOnly)
	}
	return [][2]string{{"Document", title}, {"Organisation", org}, {"Revision", s.revisionLabel()},
		{"Approved by", approver}, {"Approved on", approved}, {"Exported", now.Format("2006-01-02 15:04 UTC")}}
}

func writeSoARows(tw tabular.Writer, soa *SoA, emails map[string]string) error {
	header := make([]any, len(SoAColumns))
	for i, c := range SoAColumns {
		header[i] = c
	}
	if err := tw.Write(header); err != nil {
		return err
	}
	for _, e := range soa.Entries {
		if err := tw.Write(e.Row(emails)); err != nil {
			return err
		}
	}
	return tw.Close()
}

// writePDF writes a title page (organisation, revision, approval, the counts) and then the statement as a
// table whose header repeats on every page; each page's footer names the revision and its page number.
func (s *SoA) writePDF(w io.Writer, org string, now time.Time) error {
	version := s.revisionLabel()
	docVersion := "" // every page's footer: "version 2", or the DRAFT mark alone
	if !s.Draft() && s.Revision != nil {
		docVersion = strconv.Itoa(*s.Revision)
	}
	d, err := report.New(report.Meta{Title: "Statement of Applicability", Organisation: org, Version: docVersion, Draft: s.Draft(), Generated: now, Landscape: true})
	if err != nil {
		return err
	}
	all, applicable, implemented := s.Summary()
	approver, approved := "not approved", "—"
	if !s.Draft() && s.ApprovedAt != nil {
		approver, approved = s.ApproverName, s.ApprovedAt.UTC().Format(time.DateOnly)
	}
	d.Fields([2]string{"Organisation", org}, [2]string{"Revision", version}, [2]string{"Approved by", approver}, [2]string{"Approved on", approved},
		[2]string{"Controls", fmt.Sprintf("%d (%d Annex A, %d the organisation's own)", all, all-s.custom(), s.custom())},
		[2]string{"Applicable", fmt.Sprintf("%d, of which %d implemented", applicable, implemented)},
		[2]string{"Excluded", strconv.Itoa(all - applicable)})
	d.Paragraph("\nISO/IEC 27001:2022 clause 6.1.3 d asks for a Statement of Applicability: the controls the organisation needs, " +
		"why each is included, whether it is implemented, and why any Annex A control is excluded. The table that follows lists every " +
		"Annex A control, then the organisation's own controls.")
	d.NewPage()
	rows := make([][]string, 0, len(s.Entries))
	for _, e := range s.Entries {
		applicable := "Yes"
		if !e.Applicable {
			applicable = "No"
		}
		why := ReasonsText(e.InclusionReasons)
		if !e.Applicable {
			why = e.ExclusionJustification
		}
		rows = append(rows, []string{e.Ref, e.Title, e.Theme, applicable, orDash(why), StatusLabel(e.Status), orDash(e.Implementation),
			orDash(e.Owner), orDash(strings.Join(e.RiskRefs, ", ")), orDash(strings.Join(e.DocumentRefs, ", ")), strconv.Itoa(e.EvidenceCount)})
	}
	// Widths that keep the longest theme ("Organizational") and every header on one line.
	cols := []report.Column{{Title: "Ref", Width: 5}, {Title: "Control", Width: 13}, {Title: "Theme", Width: 10}, {Title: "Applies", Width: 6},
		{Title: "Why included / excluded", Width: 13}, {Title: "Status", Width: 8}, {Title: "Implementation", Width: 18}, {Title: "Owner", Width: 9},
		{Title: "Risks", Width: 7}, {Title: "Documents", Width: 8}, {Title: "Evidence", Width: 7}}
	if err := d.Table(cols, rows); err != nil {
		return err
	}
	return d.Write(w)
}

// custom counts the organisation's own controls.
func (s *SoA) custom() int {
	n := 0
	for _, e := range s.Entries {
		if e.Custom {
			n++
		}
	}
	return n
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}

package scope

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/report"
	"github.com/bulwark-isms/bulwark/sqlstore"
)

// ExportFormats are the formats the scope statement exports to.
var ExportFormats = []string{"pdf"}

// ExportScope writes the scope statement as a PDF: approved revision n, or the live statement when n is 0
// (marked DRAFT unless it is the approved one). The export is audited.
func (s *Service) ExportScope(ctx context.Context, p *bulwark.Principal, format string, n int, w io.Writer) error {
	if format != "pdf" {
		return bulwark.Invalid("format", "must be pdf")
	}
	if n < 0 || n > 1<<31-1 {
		return bulwark.Errorf(bulwark.ENOTFOUND, "The scope has no approved revision %d.", n)
	}
	var sc *Scope
	var err error
	if n > 0 {
		sc, err = s.Revision(ctx, p, n)
	} else {
		sc, err = s.Scope(ctx, p)
	}
	if err != nil {
		return err
	}
	if err := s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
		return app.Audit(ctx, tx, p.Org.ID, app.MetaOf(p), "scope.export", "scope", "", "Scope", bulwark.Changes{
			"format": bulwark.Added(format), "revision": bulwark.Added(sc.RevisionLabel())})
	}); err != nil {
		return err
	}
	return sc.WritePDF(w, p.Org.Name, time.Now().UTC())
}

// RevisionLabel names the statement as its exports do.
func (s *Scope) RevisionLabel() string {
	switch {
	case !s.Draft() && s.Revision != nil:
		return "revision " + strconv.Itoa(*s.Revision)
	case s.Revision != nil:
		return fmt.Sprintf("draft after revision %d", *s.Revision)
	}
	return "draft (never approved)"
}

// WritePDF lays out the statement: its revision and approval, the summary, every boundary, interface and
// dependency, and each exclusion with its justification; every page says DRAFT unless it is approved.
func (s *Scope) WritePDF(w io.Writer, org string, now time.Time) error {
	version := ""
	if !s.Draft() && s.Revision != nil {
		version = strconv.Itoa(*s.Revision)
	}
	d, err := report.New(report.Meta{Title: "ISMS scope statement", Organisation: org, Version: version, Draft: s.Draft(), Generated: now})
	if err != nil {
		return err
	}
	approver, approved := "not approved", "—"
	if !s.Draft() && s.ApprovedAt != nil {
		approver, approved = s.ApproverName, s.ApprovedAt.UTC().Format(time.DateOnly)
	}
	status := map[string]string{StatusDraft: "Draft", StatusSubmitted: "Submitted, awaiting approval", StatusApproved: "Approved"}[s.Status]
	d.Fields([2]string{"Organisation", org}, [2]string{"Status", status}, [2]string{"Revision", s.RevisionLabel()},
		[2]string{"Approved by", approver}, [2]string{"Approved on", approved})
	d.Paragraph("\nISO/IEC 27001:2022 clause 4.3 asks the organisation to set the boundaries and applicability of its ISMS, " +
		"taking into account its internal and external issues, the requirements of interested parties, and the interfaces " +
		"and dependencies between what it does itself and what others do for it.")
	d.Heading("Scope")
	d.Paragraph(orNone(s.Summary, "No summary written."))
	d.Heading("Boundaries")
	titles := map[string]string{"org_units": "Organisational units", "locations": "Locations", "processes": "Processes", "systems": "Systems"}
	for _, l := range BoundaryLists {
		d.Subheading(titles[l])
		bs := *s.Boundaries(l)
		if len(bs) == 0 {
			d.Paragraph("None listed.")
			continue
		}
		lines := make([]string, len(bs))
		for i, b := range bs {
			lines[i] = "• " + b.Name
			if b.AssetRef != "" {
				lines[i] += " (asset " + b.AssetRef + ")"
			}
		}
		d.Paragraph(strings.Join(lines, "\n"))
	}
	for _, l := range []struct {
		title string
		items []string
	}{{"Interfaces", s.Interfaces}, {"Dependencies", s.Dependencies}} {
		d.Heading(l.title)
		if len(l.items) == 0 {
			d.Paragraph("None listed.")
			continue
		}
		lines := make([]string, len(l.items))
		for i, it := range l.items {
			lines[i] = "• " + it
		}
		d.Paragraph(strings.Join(lines, "\n"))
	}
	d.Heading("Exclusions")
	if len(s.Exclusions) == 0 {
		d.Paragraph("Nothing is excluded from the scope.")
	} else {
		// Each exclusion with its justification under it, so the two read together on paper and when copied.
		for i, e := range s.Exclusions {
			d.Subheading(fmt.Sprintf("%d. %s", i+1, e.What))
			d.Paragraph("Justification: " + e.Justification)
		}
	}
	return d.Write(w)
}

func orNone(s, none string) string {
	if strings.TrimSpace(s) == "" {
		return none
	}
	return s
}

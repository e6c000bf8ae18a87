package documents

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/markdown"
	"github.com/bulwark-isms/bulwark/report"
	"github.com/bulwark-isms/bulwark/sqlstore"
)

// printable is a published revision with what its title page names.
type printable struct {
	doc      *Document
	rev      *Revision
	approver string
	owner    string
}

// writeRevision lays out one revision: a title page (ref, revision, approver and
// dates), then its text with the Markdown turned into headings, paragraphs, lists
// and tables, no marker left.
func writeRevision(d *report.Document, p printable) error {
	d.Fields([2]string{"Reference", p.doc.Ref}, [2]string{"Title", p.rev.Title}, [2]string{"Type", strings.ToUpper(p.rev.Type[:1]) + p.rev.Type[1:]},
		[2]string{"Revision", p.rev.Revision}, [2]string{"Approved by", p.approver}, [2]string{"Approved on", p.rev.ApprovedAt.Format(time.DateOnly)},
		[2]string{"Published on", p.rev.PublishedAt.Format(time.DateOnly)}, [2]string{"Owner", p.owner}, [2]string{"Classification", orDash(p.rev.Classification)},
		[2]string{"Change summary", p.rev.ChangeSummary})
	d.NewPage()
	d.Heading(p.rev.Title)
	if strings.TrimSpace(p.rev.Body) == "" && p.rev.Filename != "" {
		d.Paragraph("The content of this revision is the file " + p.rev.Filename + ", kept in Bulwark with the document.")
	}
	for _, b := range markdown.Blocks(p.rev.Body) {
		switch b.Kind {
		case markdown.Heading:
			if b.Level <= 2 {
				d.Heading(b.Text)
			} else {
				d.Subheading(b.Text)
			}
		case markdown.Item:
			d.Paragraph(strings.Repeat("    ", b.Level-1) + b.Bullet + " " + b.Text)
		case markdown.Quote:
			d.Paragraph("    " + b.Text)
		case markdown.Table:
			if len(b.Rows) == 0 {
				continue
			}
			cols := make([]report.Column, len(b.Rows[0]))
			for i, h := range b.Rows[0] {
				cols[i] = report.Column{Title: h, Width: 1}
			}
			rows := b.Rows[1:]
			for i := range rows {
				for len(rows[i]) < len(cols) {
					rows[i] = append(rows[i], "")
				}
				rows[i] = rows[i][:len(cols)]
			}
			if err := d.Table(cols, rows); err != nil {
				return err
			}
		default:
			d.Paragraph(b.Text)
		}
	}
	return nil
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}

// names returns the members' names by id (for approvers and owners).
func (tx store) names(ctx context.Context, orgID string) (map[string]string, error) {
	rows, err := tx.Query(ctx, `SELECT m.id, u.name FROM members m JOIN users u ON u.id = m.user_id WHERE m.org_id = ?`, orgID)
	if err != nil {
		return nil, fmt.Errorf("member names: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, err
		}
		out[id] = name
	}
	return out, rows.Err()
}

func (tx store) printable(ctx context.Context, orgID string, d *Document, rev string, names map[string]string) (printable, error) {
	var r *Revision
	var err error
	if rev == "" {
		if d.PublishedRevision == nil {
			return printable{}, bulwark.Errorf(bulwark.ECONFLICT, "%s has no published revision to print; publish it first.", d.Ref)
		}
		r, err = tx.Revision(ctx, orgID, d.ID, *d.major, *d.minor)
	} else {
		major, minor, ok := ParseRevision(rev)
		if !ok {
			return printable{}, bulwark.Invalid("revision", "must look like 1.0")
		}
		r, err = tx.Revision(ctx, orgID, d.ID, major, minor)
	}
	if err != nil {
		return printable{}, err
	}
	owner := "—"
	if d.OwnerID != nil {
		owner = names[*d.OwnerID]
	}
	return printable{doc: d, rev: r, approver: orDash(names[r.ApprovedBy]), owner: owner}, nil
}

// ExportPDF writes a document's published revision (the current one, or rev) as a PDF.
func (s *Service) ExportPDF(ctx context.Context, p *bulwark.Principal, id, rev string, w io.Writer) error {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return err
	}
	var pr printable
	err := s.read(ctx, func(tx store) error {
		d, err := tx.Document(ctx, p.Org.ID, id)
		if err != nil {
			return err
		}
		names, err := tx.names(ctx, p.Org.ID)
		if err != nil {
			return err
		}
		pr, err = tx.printable(ctx, p.Org.ID, d, rev, names)
		return err
	})
	if err != nil {
		return err
	}
	out, err := report.New(report.Meta{Title: pr.doc.Ref + " " + pr.rev.Title, Organisation: p.Org.Name, Version: pr.rev.Revision})
	if err != nil {
		return err
	}
	if err := writeRevision(out, pr); err != nil {
		return err
	}
	if err := s.audit(ctx, p, "document.export", pr.doc, bulwark.Changes{"revision": bulwark.Added(pr.rev.Revision), "format": bulwark.Added("pdf")}); err != nil {
		return err
	}
	return out.Write(w)
}

// ExportPolicySet writes every published, current document as one PDF: a contents
// page, then each document's title page and text, in reference order.
func (s *Service) ExportPolicySet(ctx context.Context, p *bulwark.Principal, w io.Writer) error {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return err
	}
	var set []printable
	err := s.read(ctx, func(tx store) error {
		names, err := tx.names(ctx, p.Org.ID)
		if err != nil {
			return err
		}
		published := true
		ds, _, err := tx.Documents(ctx, p.Org.ID, DocumentFilter{Published: &published, Limit: 500})
		if err != nil {
			return err
		}
		for _, d := range ds {
			if d.Status == Retired {
				continue
			}
			pr, err := tx.printable(ctx, p.Org.ID, d, "", names)
			if err != nil {
				return err
			}
			set = append(set, pr)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(set) == 0 {
		return bulwark.Errorf(bulwark.ECONFLICT, "Nothing is published yet: publish a policy first.")
	}
	out, err := report.New(report.Meta{Title: "Policy set", Organisation: p.Org.Name})
	if err != nil {
		return err
	}
	out.Paragraph("The published policies and procedures of " + p.Org.Name + " as of " + time.Now().UTC().Format(time.DateOnly) + ", each at its current revision.")
	rows := make([][]string, len(set))
	for i, pr := range set {
		rows[i] = []string{pr.doc.Ref, pr.rev.Title, pr.rev.Revision, pr.approver, pr.rev.PublishedAt.Format(time.DateOnly)}
	}
	if err := out.Table([]report.Column{{Title: "Ref", Width: 2}, {Title: "Title", Width: 7}, {Title: "Revision", Width: 2}, {Title: "Approved by", Width: 4}, {Title: "Published", Width: 3}}, rows); err != nil {
		return err
	}
	for _, pr := range set {
		out.NewPage()
		out.Heading(pr.doc.Ref + " " + pr.rev.Title)
		if err := writeRevision(out, pr); err != nil {
			return err
		}
	}
	if err := s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
		return app.Audit(ctx, tx, p.Org.ID, app.MetaOf(p), "document.export_set", "document", "", "", bulwark.Changes{"documents": bulwark.Added(len(set)), "format": bulwark.Added("pdf")})
	}); err != nil {
		return err
	}
	return out.Write(w)
}

func (s *Service) audit(ctx context.Context, p *bulwark.Principal, action string, d *Document, ch bulwark.Changes) error {
	return s.write(ctx, func(tx store) error {
		return app.Audit(ctx, tx.Tx, p.Org.ID, app.MetaOf(p), action, "document", d.ID, d.Ref, ch)
	})
}

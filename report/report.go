// Package report writes Bulwark's documents as PDF: a title, headings, paragraphs
// and tables, in an embedded Unicode font (the Go fonts: Latin, Greek, Cyrillic),
// wrapped by measured width, with the document's title, version, a DRAFT mark where
// it applies and "page X of Y" on every page, and table header rows that repeat on
// each page a table runs onto. The treatment plan, the Statement of Applicability
// and policies all print through it.
//
// It lays out through github.com/johnfercher/maroto/v2, a maintained pure-Go
// library; this package adds what maroto leaves to its callers: the fonts, cutting
// words too long for their column, and tables whose header repeats.
package report

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/johnfercher/maroto/v2"
	"github.com/johnfercher/maroto/v2/pkg/components/col"
	"github.com/johnfercher/maroto/v2/pkg/components/page"
	"github.com/johnfercher/maroto/v2/pkg/components/row"
	"github.com/johnfercher/maroto/v2/pkg/components/text"
	"github.com/johnfercher/maroto/v2/pkg/config"
	"github.com/johnfercher/maroto/v2/pkg/consts/border"
	"github.com/johnfercher/maroto/v2/pkg/consts/fontstyle"
	"github.com/johnfercher/maroto/v2/pkg/consts/orientation"
	"github.com/johnfercher/maroto/v2/pkg/consts/pagesize"
	"github.com/johnfercher/maroto/v2/pkg/core"
	"github.com/johnfercher/maroto/v2/pkg/props"
	"github.com/johnfercher/maroto/v2/pkg/repository"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
)

// Meta describes a document: what every page's footer says about it.
type Meta struct {
	Title        string    // e.g. "Risk treatment plan"
	Organisation string    // the organisation it belongs to
	Version      string    // "" when the document has no versions
	Draft        bool      // not approved yet: every page says DRAFT
	Generated    time.Time // when it was produced
	Landscape    bool      // A4 landscape instead of portrait
}

// Column is a table column: its header and its width relative to the table's
// other columns (a column of 2 is twice as wide as one of 1); the table spans the
// page.
type Column struct {
	Title string
	Width int
}

const (
	family    = "go"
	bodySize  = 9.0
	tableSize = 8.0
	marginMM  = 12.0
	cellPadMM = 1.2
	grid      = 120 // maroto's columns per row: fine enough for eleven-column tables
)

var (
	headerFill = &props.Color{Red: 226, Green: 232, Blue: 240}
	rule       = &props.Color{Red: 148, Green: 163, Blue: 184}
	grey       = &props.Color{Red: 71, Green: 85, Blue: 105}
)

// Document is a report being written. Its methods add to it in reading order;
// Write produces the PDF.
type Document struct {
	m       core.Maroto
	meta    Meta
	widthMM float64 // usable width between the margins
	metrics *fontMetrics
}

// New starts a document: its title and, when the document is a draft, a DRAFT
// mark open the first page.
func New(meta Meta) (*Document, error) {
	fonts, err := repository.New().
		AddUTF8FontFromBytes(family, fontstyle.Normal, goregular.TTF).
		AddUTF8FontFromBytes(family, fontstyle.Bold, gobold.TTF).
		Load()
	if err != nil {
		return nil, fmt.Errorf("report fonts: %w", err)
	}
	fm, err := loadMetrics()
	if err != nil {
		return nil, err
	}
	pageW := 210.0
	o := orientation.Vertical
	if meta.Landscape {
		pageW, o = 297.0, orientation.Horizontal
	}
	if meta.Generated.IsZero() {
		meta.Generated = time.Now()
	}
	cfg := config.NewBuilder().
		WithPageSize(pagesize.A4).WithOrientation(o).
		WithLeftMargin(marginMM).WithRightMargin(marginMM).WithTopMargin(marginMM).WithBottomMargin(marginMM).
		WithCustomFonts(fonts).WithMaxGridSize(grid).
		WithDefaultFont(&props.Font{Family: family, Style: fontstyle.Normal, Size: bodySize}).
		WithPageNumber(props.PageNumber{Pattern: "Page {current} of {total}", Place: props.RightBottom, Family: family, Size: 7, Color: grey}).
		WithTitle(meta.Title, true).WithAuthor(meta.Organisation, true).WithCreator("Bulwark", true).
		WithCreationDate(meta.Generated).
		Build()
	d := &Document{m: maroto.New(cfg), meta: meta, widthMM: pageW - 2*marginMM, metrics: fm}
	if err := d.m.RegisterFooter(row.New(6).Add(col.New(grid).Add(
		text.New(d.footerText(), props.Text{Family: family, Size: 7, Color: grey, Top: 3})))); err != nil {
		return nil, fmt.Errorf("report footer: %w", err)
	}
	title := meta.Title
	if meta.Organisation != "" {
		title += " — " + meta.Organisation
	}
	d.text(title, 15, true, 0, 2)
	if meta.Draft {
		d.text("DRAFT — not approved", 11, true, 0, 1)
	}
	d.text(d.subtitle(), 8, false, 0, 4)
	return d, nil
}

// footerText is what every page's footer says about the document.
func (d *Document) footerText() string {
	parts := []string{d.meta.Title}
	if d.meta.Organisation != "" {
		parts = append(parts, d.meta.Organisation)
	}
	if d.meta.Version != "" {
		parts = append(parts, "version "+d.meta.Version)
	}
	if d.meta.Draft {
		parts = append(parts, "DRAFT")
	}
	return strings.Join(parts, " · ")
}

func (d *Document) subtitle() string {
	s := "Generated " + d.meta.Generated.UTC().Format("2006-01-02 15:04 UTC")
	if d.meta.Version != "" {
		s = "Version " + d.meta.Version + " · " + s
	}
	return s
}

// text adds a paragraph across the page's width.
func (d *Document) text(s string, size float64, bold bool, top, bottom float64) {
	style := fontstyle.Normal
	if bold {
		style = fontstyle.Bold
	}
	for i, line := range strings.Split(s, "\n") {
		if i > 0 {
			top = 0
		}
		line = d.metrics.fit(line, d.widthMM, size, bold)
		if line == "" {
			line = " "
		}
		d.m.AddRows(row.New().Add(col.New(grid).Add(text.New(line, props.Text{Family: family, Style: style, Size: size, Top: top, Bottom: bottom}))))
	}
}

// NewPage starts a new page: what follows begins at its top (after a title page, say).
func (d *Document) NewPage() { d.m.AddPages(page.New()) }

// Heading adds a section heading.
func (d *Document) Heading(s string) { d.text(s, 12, true, 4, 1.5) }

// Subheading adds a heading inside a section.
func (d *Document) Subheading(s string) { d.text(s, 10, true, 3, 1) }

// Paragraph adds text; line breaks in s start new lines.
func (d *Document) Paragraph(s string) { d.text(s, bodySize, false, 0, 1.5) }

// Fields adds label and value lines ("Owner: Maria Lopez").
func (d *Document) Fields(pairs ...[2]string) {
	for _, p := range pairs {
		d.m.AddRows(row.New().Add(
			col.New(grid/4).Add(text.New(d.metrics.fit(p[0], d.widthMM/4-cellPadMM*2, bodySize, true), props.Text{Family: family, Style: fontstyle.Bold, Size: bodySize, Bottom: 0.8})),
			col.New(grid*3/4).Add(text.New(d.metrics.fit(p[1], d.widthMM*3/4-cellPadMM*2, bodySize, false), props.Text{Family: family, Size: bodySize, Bottom: 0.8})),
		))
	}
}

// Table adds a table across the page; its header row repeats at the top of every
// page it runs onto. Each row has a cell per column (missing cells are empty).
func (d *Document) Table(cols []Column, rows [][]string) error {
	sum := 0
	for _, c := range cols {
		if c.Width < 1 {
			return fmt.Errorf("report table: column %q has no width", c.Title)
		}
		sum += c.Width
	}
	if len(cols) == 0 || len(cols) > grid/4 {
		return fmt.Errorf("report table: %d columns (1 to %d)", len(cols), grid/4)
	}
	// Each column's share of maroto's grid, the rounding given to the widest.
	sizes := make([]int, len(cols))
	used, widest := 0, 0
	for i, c := range cols {
		sizes[i] = max(1, c.Width*grid/sum)
		used += sizes[i]
		if c.Width > cols[widest].Width {
			widest = i
		}
	}
	sizes[widest] += grid - used
	cell := func(s string, width int, bold bool, fill *props.Color) core.Col {
		style := fontstyle.Normal
		if bold {
			style = fontstyle.Bold
		}
		s = d.metrics.fit(s, d.widthMM*float64(width)/grid-2*cellPadMM, tableSize, bold)
		return col.New(width).Add(text.New(s, props.Text{Family: family, Style: style, Size: tableSize,
			Top: cellPadMM, Bottom: cellPadMM, Left: cellPadMM, Right: cellPadMM})).
			WithStyle(&props.Cell{BorderType: border.Full, BorderColor: rule, BorderThickness: 0.1, BackgroundColor: fill})
	}
	var header []core.Col
	for i, c := range cols {
		header = append(header, cell(c.Title, sizes[i], true, headerFill))
	}
	// The header is the document's page header while the table lasts: maroto
	// writes it here and again at the top of each new page.
	if err := d.m.RegisterHeader(row.New().Add(header...)); err != nil {
		return fmt.Errorf("report table header: %w", err)
	}
	for _, r := range rows {
		var cells []core.Col
		for i := range cols {
			v := ""
			if i < len(r) {
				v = r[i]
			}
			cells = append(cells, cell(v, sizes[i], false, nil))
		}
		d.m.AddRows(row.New().Add(cells...))
	}
	if err := d.m.RegisterHeader(); err != nil {
		return fmt.Errorf("report table end: %w", err)
	}
	d.m.AddRows(row.New(3))
	return nil
}

// Write produces the PDF.
func (d *Document) Write(w io.Writer) error {
	doc, err := d.m.Generate()
	if err != nil {
		return fmt.Errorf("generate PDF: %w", err)
	}
	if _, err := w.Write(doc.GetBytes()); err != nil {
		return fmt.Errorf("write PDF: %w", err)
	}
	return nil
}

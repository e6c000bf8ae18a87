// Package pdf writes simple text documents as PDF: pages of lines in Helvetica,
// with headings, wrapping and page breaks. Enough for reports an auditor reads and
// pdftotext extracts, without a layout engine.
package pdf

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"golang.org/x/text/encoding/charmap"
)

// Landscape A4 in points.
const (
	pageW, pageH = 842.0, 595.0
	margin       = 36.0
)

// Document collects lines and writes them as a PDF.
type Document struct {
	title string
	pages []*bytes.Buffer
	y     float64
}

// New starts a document; title is its metadata title and first heading.
func New(title string) *Document {
	d := &Document{title: title}
	d.newPage()
	d.Heading(title)
	return d
}

func (d *Document) newPage() {
	d.pages = append(d.pages, &bytes.Buffer{})
	d.y = pageH - margin
}

// line writes one line of text in font (F1 regular, F2 bold) at size.
func (d *Document) line(font string, size float64, indent float64, text string) {
	lead := size * 1.35
	if d.y-lead < margin {
		d.newPage()
	}
	d.y -= lead
	fmt.Fprintf(d.pages[len(d.pages)-1], "BT /%s %.1f Tf %.1f %.1f Td (%s) Tj ET\n", font, size, margin+indent, d.y, escape(text))
}

// wrap splits text into lines of at most n characters at spaces.
func wrap(text string, n int) []string {
	var out []string
	for _, para := range strings.Split(text, "\n") {
		words := strings.Fields(para)
		cur := ""
		for _, w := range words {
			for len(w) > n { // a word longer than a line is cut
				if cur != "" {
					out, cur = append(out, cur), ""
				}
				out, w = append(out, w[:n]), w[n:]
			}
			if cur == "" {
				cur = w
			} else if len(cur)+1+len(w) <= n {
				cur += " " + w
			} else {
				out, cur = append(out, cur), w
			}
		}
		out = append(out, cur)
	}
	return out
}

// Heading writes a bold heading.
func (d *Document) Heading(text string) {
	d.y -= 4
	for _, l := range wrap(text, 90) {
		d.line("F2", 13, 0, l)
	}
}

// Subheading writes a bold line.
func (d *Document) Subheading(text string) {
	d.y -= 3
	for _, l := range wrap(text, 140) {
		d.line("F2", 10, 0, l)
	}
}

// Text writes wrapped regular text, indented by level steps.
func (d *Document) Text(level int, text string) {
	width := 175 - level*4
	for _, l := range wrap(text, width) {
		d.line("F1", 8.5, float64(level)*14, l)
	}
}

// escape encodes text for a PDF string in WinAnsi, the encoding of the standard fonts.
func escape(s string) string {
	enc, err := charmap.Windows1252.NewEncoder().String(s)
	if err != nil {
		var b strings.Builder
		for _, r := range s {
			if e, err := charmap.Windows1252.NewEncoder().String(string(r)); err == nil {
				b.WriteString(e)
			} else {
				b.WriteByte('?')
			}
		}
		enc = b.String()
	}
	r := strings.NewReplacer(`\`, `\\`, `(`, `\(`, `)`, `\)`, "\r", " ", "\t", " ")
	return r.Replace(enc)
}

// WriteTo writes the PDF, with page numbers in the footer.
func (d *Document) WriteTo(w io.Writer) (int64, error) {
	var out bytes.Buffer
	var offsets []int
	obj := func(body string) {
		offsets = append(offsets, out.Len())
		fmt.Fprintf(&out, "%d 0 obj\n%s\nendobj\n", len(offsets), body)
	}
	out.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	n := len(d.pages)
	// 1 catalog, 2 pages, 3 font, 4 bold font, 5 info, then page and content pairs.
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	kids := make([]string, n)
	for i := range d.pages {
		kids[i] = fmt.Sprintf("%d 0 R", 6+2*i)
	}
	obj(fmt.Sprintf("<< /Type /Pages /Count %d /Kids [%s] >>", n, strings.Join(kids, " ")))
	obj("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
	obj("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>")
	obj(fmt.Sprintf("<< /Title (%s) /Producer (Bulwark) >>", escape(d.title)))
	for i, p := range d.pages {
		footer := fmt.Sprintf("BT /F1 7 Tf %.1f %.1f Td (%s - page %d of %d) Tj ET\n", margin, margin/2, escape(d.title), i+1, n)
		content := p.String() + footer
		obj(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.0f %.0f] /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents %d 0 R >>", pageW, pageH, 7+2*i))
		obj(fmt.Sprintf("<< /Length %d >>\nstream\n%sendstream", len(content), content))
	}
	xref := out.Len()
	fmt.Fprintf(&out, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, o := range offsets {
		fmt.Fprintf(&out, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&out, "trailer\n<< /Size %d /Root 1 0 R /Info 5 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, xref)
	return out.WriteTo(w)
}

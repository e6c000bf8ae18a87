package markdown

import (
	"fmt"
	"strings"

	"github.com/yuin/goldmark/ast"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/text"
)

// Block kinds, for writers that are not HTML (a PDF).
const (
	Heading   = "heading"
	Paragraph = "paragraph"
	Item      = "item"
	Code      = "code"
	Quote     = "quote"
	Table     = "table"
)

// Block is one block of a Markdown text as plain text, its markers removed: what
// a PDF writer lays out (a heading with its level, a paragraph, a list item with
// its depth and bullet, a code block, a quote, a table's rows).
type Block struct {
	Kind   string
	Level  int    // heading level, or a list item's depth (1 = top)
	Bullet string // "•", or "3." in an ordered list
	Text   string
	Rows   [][]string // a table: the header row first
}

// Blocks parses src (CommonMark with GitHub's tables) into plain blocks. Raw HTML
// is dropped as Render drops it; links keep their text, not their address.
func Blocks(src string) []Block {
	source := []byte(src)
	doc := renderer.Parser().Parse(text.NewReader(source))
	var out []Block
	var walk func(n ast.Node, depth int)
	var list func(l *ast.List, depth int)
	list = func(l *ast.List, depth int) {
		num := l.Start
		for it := l.FirstChild(); it != nil; it = it.NextSibling() {
			bullet := "•"
			if l.IsOrdered() {
				bullet = fmt.Sprintf("%d.", num)
				num++
			}
			var parts []string
			var nested []*ast.List
			for p := it.FirstChild(); p != nil; p = p.NextSibling() {
				if sub, ok := p.(*ast.List); ok {
					nested = append(nested, sub)
				} else {
					parts = append(parts, plain(p, source))
				}
			}
			out = append(out, Block{Kind: Item, Level: depth + 1, Bullet: bullet, Text: strings.Join(parts, " ")})
			for _, sub := range nested {
				list(sub, depth+1)
			}
		}
	}
	walk = func(n ast.Node, depth int) {
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			switch v := c.(type) {
			case *ast.Heading:
				out = append(out, Block{Kind: Heading, Level: v.Level, Text: plain(v, source)})
			case *ast.Paragraph, *ast.TextBlock:
				kind := Paragraph
				if _, ok := n.(*ast.Blockquote); ok {
					kind = Quote
				}
				if t := plain(c, source); t != "" {
					out = append(out, Block{Kind: kind, Text: t})
				}
			case *ast.List:
				list(v, depth)
			case *ast.FencedCodeBlock, *ast.CodeBlock:
				var b strings.Builder
				lines := c.Lines()
				for i := 0; i < lines.Len(); i++ {
					seg := lines.At(i)
					b.Write(seg.Value(source))
				}
				out = append(out, Block{Kind: Code, Text: strings.TrimRight(b.String(), "\n")})
			case *ast.Blockquote:
				walk(c, depth)
			case *east.Table:
				var rows [][]string
				for r := c.FirstChild(); r != nil; r = r.NextSibling() {
					var row []string
					for cell := r.FirstChild(); cell != nil; cell = cell.NextSibling() {
						row = append(row, plain(cell, source))
					}
					rows = append(rows, row)
				}
				out = append(out, Block{Kind: Table, Rows: rows})
			case *ast.HTMLBlock, *ast.ThematicBreak:
				// raw HTML is never shown; a rule has no text
			default:
				walk(c, depth)
			}
		}
	}
	walk(doc, 0)
	return out
}

// plain is the text of n without Markdown markers or raw HTML.
func plain(n ast.Node, source []byte) string {
	var b strings.Builder
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch v := c.(type) {
		case *ast.Text:
			b.Write(v.Segment.Value(source))
			if v.SoftLineBreak() || v.HardLineBreak() {
				b.WriteByte(' ')
			}
		case *ast.String:
			b.Write(v.Value)
		case *ast.AutoLink:
			b.Write(v.URL(source))
			return ast.WalkSkipChildren, nil
		case *ast.RawHTML:
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	return strings.Join(strings.Fields(b.String()), " ")
}

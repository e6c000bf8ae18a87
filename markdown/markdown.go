// Package markdown renders the Markdown people write (policies, procedures, training modules) as HTML that is
// safe to put in a page: CommonMark with GitHub's tables, strikethrough and autolinks, through
// github.com/yuin/goldmark. Raw HTML is never passed through (goldmark leaves a comment in its place), and
// links or images to javascript:, vbscript:, file: or data: (other than data images) lose their address:
// hostile text stays as it was written and shows inert.
package markdown

import (
	"bytes"
	"fmt"
	"html/template"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

// renderer is goldmark without its html.WithUnsafe option: the safe default, configured once (it holds no
// state between documents and is safe for concurrent use).
var renderer = goldmark.New(goldmark.WithExtensions(extension.Table, extension.Strikethrough, extension.Linkify))

// Render turns src into HTML for a page.
func Render(src string) (template.HTML, error) {
	var buf bytes.Buffer
	if err := renderer.Convert([]byte(src), &buf); err != nil {
		return "", fmt.Errorf("render Markdown: %w", err)
	}
	return template.HTML(buf.String()), nil // goldmark escapes text and drops raw HTML and dangerous links
}

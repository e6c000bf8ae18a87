package markdown_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/bulwark-isms/bulwark/markdown"
)

// TestHostileInputRendersInert feeds the attacks a policy editor could carry and checks the HTML: no element
// that runs script, no attribute handler, no script URL; the text itself stays readable.
func TestHostileInputRendersInert(t *testing.T) {
	tests := []struct {
		name, src string
		keep      string // text that must survive, escaped or as written
	}{
		{"script element", "Intro\n\n<script>alert(1)</script>\n\nEnd", "End"},
		{"inline script", "Click <script>alert(1)</script> here", "here"},
		{"image with onerror", `<img src=x onerror="alert(1)">`, ""},
		{"markdown image with a script URL", `![logo](javascript:alert(1))`, "logo"},
		{"link with a script URL", `[read the policy](javascript:alert(document.cookie))`, "read the policy"},
		{"link with an upper-case script URL", `[x](JaVaScRiPt:alert(1))`, "x"},
		{"link with a vbscript URL", `[x](vbscript:msgbox(1))`, "x"},
		{"link with a data URL", `[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)`, "x"},
		{"autolink with a script URL", `<javascript:alert(1)>`, ""},
		{"raw HTML block", "<div onclick=\"alert(1)\">hello</div>", ""},
		{"iframe", `<iframe src="https://evil.example"></iframe>`, ""},
		{"svg with onload", `<svg onload=alert(1)>`, ""},
		{"style element", "<style>body{display:none}</style>", ""},
		{"HTML entities", "Fish &amp; chips < 3 & \"quotes\"", "chips"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := markdown.Render(tt.src)
			if err != nil {
				t.Fatal(err)
			}
			html := strings.ToLower(string(out))
			// The attack as text is harmless; as an element, a handler or an address it is not.
			for _, bad := range []string{"<script", "<img src=x", "onerror=", "onclick=", "onload=", `href="javascript`, `src="javascript`, `href="vbscript`,
				`href="data:`, "<iframe", "<svg", "<style", "<div"} {
				if strings.Contains(html, bad) {
					t.Errorf("%q renders %q", tt.src, out)
				}
			}
			if tt.keep != "" && !strings.Contains(string(out), tt.keep) {
				t.Errorf("%q lost its text %q: %q", tt.src, tt.keep, out)
			}
		})
	}
}

func TestPolicyMarkdown(t *testing.T) {
	src := "# Information security policy\n\n## Purpose\n\nWe protect **patient data** and *staff data*.\n\n| Role | Duty |\n|---|---|\n| CISO | owns it |\n\n- one\n- two\n\nSee https://example.org/policies and [the register](/o/acme/risks).\n"
	out, err := markdown.Render(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<h1>Information security policy</h1>", "<h2>Purpose</h2>", "<strong>patient data</strong>", "<em>staff data</em>",
		"<table>", "<td>CISO</td>", "<li>one</li>", `<a href="https://example.org/policies">`, `<a href="/o/acme/risks">the register</a>`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("missing %s in:\n%s", want, out)
		}
	}
	if strings.ContainsAny(strings.ReplaceAll(string(out), "</", ""), "#*") {
		t.Errorf("Markdown markers left in the HTML:\n%s", out)
	}
}

// TestBlocks: the plain blocks keep the text and lose every marker.
func TestBlocks(t *testing.T) {
	src := "# Access control\n\nUse **strong** passwords and [MFA](https://example.com/mfa).\n\n## Rules\n\n- Keep *secrets* secret\n  - even `tokens`\n- Lock screens\n\n1. First\n2. Second\n\n> Quoted advice\n\n| Role | Access |\n|---|---|\n| Admin | All |\n\n<script>alert(1)</script>\n\n```\ncode line\n```\n"
	blocks := markdown.Blocks(src)
	want := []markdown.Block{
		{Kind: markdown.Heading, Level: 1, Text: "Access control"},
		{Kind: markdown.Paragraph, Text: "Use strong passwords and MFA."},
		{Kind: markdown.Heading, Level: 2, Text: "Rules"},
		{Kind: markdown.Item, Level: 1, Bullet: "•", Text: "Keep secrets secret"},
		{Kind: markdown.Item, Level: 2, Bullet: "•", Text: "even tokens"},
		{Kind: markdown.Item, Level: 1, Bullet: "•", Text: "Lock screens"},
		{Kind: markdown.Item, Level: 1, Bullet: "1.", Text: "First"},
		{Kind: markdown.Item, Level: 1, Bullet: "2.", Text: "Second"},
		{Kind: markdown.Quote, Text: "Quoted advice"},
		{Kind: markdown.Table, Rows: [][]string{{"Role", "Access"}, {"Admin", "All"}}},
		{Kind: markdown.Code, Text: "code line"},
	}
	if len(blocks) != len(want) {
		t.Fatalf("%d blocks, want %d: %+v", len(blocks), len(want), blocks)
	}
	for i := range want {
		if fmt.Sprint(blocks[i]) != fmt.Sprint(want[i]) {
			t.Errorf("block %d: %+v, want %+v", i, blocks[i], want[i])
		}
	}
}

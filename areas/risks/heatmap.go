package risks

import (
	"fmt"
	"html/template"
	"math"
	"net/url"
	"strings"

	"github.com/bulwark-isms/bulwark"
)

// heatmapSVG draws a heat map: likelihood rising upwards, impact to the right,
// each cell coloured by its level and linking to its risks. The same numbers
// are rendered as a table beside it for screen readers.
func heatmapSVG(h *Heatmap, slug string) template.HTML {
	m := h.Methodology
	counts := map[[2]int]int{}
	for _, c := range h.Cells {
		counts[[2]int{c.Likelihood, c.Impact}] = c.Count
	}
	const cell, left, top = 56, 120, 10
	nl, ni := len(m.Likelihood), len(m.Impact)
	w, ht := left+ni*cell+10, top+nl*cell+60
	var b strings.Builder
	fmt.Fprintf(&b, `<svg role="group" aria-labelledby="hm-%s-title" viewBox="0 0 %d %d" width="%d" height="%d" xmlns="http://www.w3.org/2000/svg" font-family="sans-serif" font-size="12">`, h.Kind, w, ht, w, ht)
	fmt.Fprintf(&b, `<title id="hm-%s-title">%s risk heat map: %d risks</title>`, h.Kind, template.HTMLEscapeString(strings.ToUpper(h.Kind[:1])+h.Kind[1:]), h.Total)
	for li := nl; li >= 1; li-- {
		y := top + (nl-li)*cell
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" fill="currentColor">%d %s</text>`, left-6, y+cell/2+4, li, template.HTMLEscapeString(short(m.Likelihood[li-1].Label)))
		for ii := 1; ii <= ni; ii++ {
			x := left + (ii-1)*cell
			score, _ := m.Score(li, ii)
			band, _ := m.Level(score)
			color := band.Color
			if color == "" {
				color = "#9e9e9e"
			}
			n := counts[[2]int{li, ii}]
			href := fmt.Sprintf("/o/%s/risks?%s", url.PathEscape(slug), url.Values{"kind": {h.Kind}, "likelihood": {fmt.Sprint(li)}, "impact": {fmt.Sprint(ii)},
				"methodology_version": {fmt.Sprint(m.Version)}}.Encode())
			fmt.Fprintf(&b, `<a href="%s"><title>Likelihood %d, impact %d: %s, %s</title><rect x="%d" y="%d" width="%d" height="%d" fill="%s" fill-opacity="%s" stroke="#ffffff" stroke-width="2"/>`,
				template.HTMLEscapeString(href), li, ii, template.HTMLEscapeString(band.Label), bulwark.Plural(n, "risk"), x, y, cell, cell, color, opacity(n))
			if n > 0 {
				fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" font-size="16" font-weight="bold" fill="%s">%d</text>`, x+cell/2, y+cell/2+6, TextOn(color), n)
			}
			b.WriteString(`</a>`)
		}
	}
	for ii := 1; ii <= ni; ii++ {
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" fill="currentColor">%d</text>`, left+(ii-1)*cell+cell/2, top+nl*cell+16, ii)
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" fill="currentColor">Impact →</text>`, left+ni*cell/2, top+nl*cell+36)
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // numbers, constants and escaped labels only
}

// TextOn returns black or white, whichever reads better on the background colour bg (#rrggbb): the one
// with the higher WCAG contrast ratio, at least 4.5:1 for any colour (white on a band's yellow is 1.9:1).
func TextOn(bg string) string {
	l, ok := luminance(bg)
	if !ok {
		return "#000000"
	}
	// Contrast with white is 1.05/(l+0.05), with black (l+0.05)/0.05: black wins above l ≈ 0.179.
	if (l+0.05)/0.05 >= 1.05/(l+0.05) {
		return "#000000"
	}
	return "#ffffff"
}

// Contrast is the WCAG contrast ratio of two #rrggbb colours.
func Contrast(a, b string) float64 {
	la, _ := luminance(a)
	lb, _ := luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// luminance is the WCAG relative luminance of a #rrggbb colour.
func luminance(hex string) (float64, bool) {
	var r, g, b uint8
	if n, err := fmt.Sscanf(hex, "#%02x%02x%02x", &r, &g, &b); err != nil || n != 3 {
		return 0, false
	}
	lin := func(c uint8) float64 {
		v := float64(c) / 255
		if v <= 0.04045 {
			return v / 12.92
		}
		return math.Pow((v+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b), true
}

func opacity(n int) string {
	if n == 0 {
		return "0.25"
	}
	return "1"
}

func short(s string) string {
	if len(s) > 14 {
		return s[:13] + "…"
	}
	return s
}

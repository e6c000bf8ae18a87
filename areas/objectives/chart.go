package objectives

import (
	"fmt"
	"html/template"
	"math"
	"strings"
	"time"
)

// chart draws a metric's measurements over time as an SVG line, with its target
// as a dashed line; the page states the same numbers in a table beside it.
// Dates run left to right in proportion to the days between them.
func chart(m *Metric, xs []*Measurement) template.HTML {
	if len(xs) == 0 {
		return ""
	}
	const w, h, left, right, top, bottom = 640.0, 240.0, 64.0, 24.0, 16.0, 40.0
	lo, hi := m.Target, m.Target
	days := make([]float64, len(xs))
	for i, x := range xs {
		lo, hi = math.Min(lo, x.Value), math.Max(hi, x.Value)
		if t, err := time.Parse(time.DateOnly, x.Date); err == nil {
			days[i] = float64(t.Unix()) / 86400
		}
	}
	if hi == lo {
		lo, hi = lo-1, hi+1
	}
	pad := (hi - lo) * 0.1
	lo, hi = lo-pad, hi+pad
	first, last := days[0], days[len(days)-1]
	xOf := func(d float64) float64 {
		if last == first {
			return left + (w-left-right)/2
		}
		return left + (d-first)/(last-first)*(w-left-right)
	}
	yOf := func(v float64) float64 { return top + (hi-v)/(hi-lo)*(h-top-bottom) }
	esc := template.HTMLEscapeString
	var b strings.Builder
	id := "chart-" + m.ID
	fmt.Fprintf(&b, `<svg role="img" aria-labelledby="%s-t %s-d" viewBox="0 0 %.0f %.0f" width="100%%" xmlns="http://www.w3.org/2000/svg">`, id, id, w, h)
	fmt.Fprintf(&b, `<title id="%s-t">%s over time</title>`, id, esc(m.Name))
	fmt.Fprintf(&b, `<desc id="%s-d">%d measurements from %s to %s; target %s (dashed line); the table below lists every value.</desc>`,
		id, len(xs), xs[0].Date, xs[len(xs)-1].Date, esc(formatValue(m.Target, m.Unit)))
	// Axes and their end labels.
	fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#9e9e9e"></line>`, left, top, left, h-bottom)
	fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#9e9e9e"></line>`, left, h-bottom, w-right, h-bottom)
	fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="12" text-anchor="end" fill="#333">%s</text>`, left-6, top+4, esc(FormatNumber(round2(hi))))
	fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="12" text-anchor="end" fill="#333">%s</text>`, left-6, h-bottom, esc(FormatNumber(round2(lo))))
	fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="12" text-anchor="start" fill="#333">%s</text>`, left, h-bottom+20, xs[0].Date)
	if len(xs) > 1 {
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="12" text-anchor="end" fill="#333">%s</text>`, w-right, h-bottom+20, xs[len(xs)-1].Date)
	}
	// The target.
	ty := yOf(m.Target)
	fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#2e7d32" stroke-width="2" stroke-dasharray="6 4"></line>`, left, ty, w-right, ty)
	fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="12" text-anchor="end" fill="#1b5e20">target %s</text>`, w-right, ty-5, esc(formatValue(m.Target, m.Unit)))
	// The measurements.
	var pts []string
	for i, x := range xs {
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", xOf(days[i]), yOf(x.Value)))
	}
	if len(pts) > 1 {
		fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="#1565c0" stroke-width="2"></polyline>`, strings.Join(pts, " "))
	}
	for i, x := range xs {
		color := "#c62828"
		if Meets(m.Direction, x.Value, m.Target) {
			color = "#2e7d32"
		}
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="4" fill="%s"></circle>`, xOf(days[i]), yOf(x.Value), color)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // #nosec G203 -- numbers, dates checked on input and escaped names only
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

package report

import (
	"fmt"
	"strings"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// fontMetrics measures text in the report's fonts, so that a word wider than its
// column can be cut to fit: maroto wraps at spaces only, and a long word (a URL, a
// hash, a path) would run off the page.
type fontMetrics struct {
	regular, bold *sfnt.Font
}

func loadMetrics() (*fontMetrics, error) {
	r, err := sfnt.Parse(goregular.TTF)
	if err != nil {
		return nil, fmt.Errorf("parse Go Regular: %w", err)
	}
	b, err := sfnt.Parse(gobold.TTF)
	if err != nil {
		return nil, fmt.Errorf("parse Go Bold: %w", err)
	}
	return &fontMetrics{regular: r, bold: b}, nil
}

// width returns the width of s in millimetres at size points.
func (fm *fontMetrics) width(s string, size float64, bold bool) float64 {
	f := fm.regular
	if bold {
		f = fm.bold
	}
	var buf sfnt.Buffer
	upem := fixed.Int26_6(f.UnitsPerEm())
	total := 0.0
	for _, r := range s {
		idx, err := f.GlyphIndex(&buf, r)
		if err != nil || idx == 0 {
			idx, _ = f.GlyphIndex(&buf, '?')
		}
		// At ppem = units per em, advances come back in font units.
		adv, err := f.GlyphAdvance(&buf, idx, upem, font.HintingNone)
		if err != nil {
			continue
		}
		total += float64(adv) / float64(upem)
	}
	const mmPerPoint = 25.4 / 72
	return total * size * mmPerPoint
}

// fit cuts every word of s wider than widthMM into pieces that fit, separated by
// spaces so that the layout wraps between them.
func (fm *fontMetrics) fit(s string, widthMM, size float64, bold bool) string {
	if widthMM <= 0 {
		return s
	}
	limit := widthMM * 0.97 // the layout's own measure rounds differently
	words := strings.Split(s, " ")
	changed := false
	for i, w := range words {
		if fm.width(w, size, bold) <= limit {
			continue
		}
		changed = true
		var parts []string
		cur := []rune{}
		for _, r := range w {
			if len(cur) > 0 && fm.width(string(append(cur, r)), size, bold) > limit {
				parts = append(parts, string(cur))
				cur = cur[:0]
			}
			cur = append(cur, r)
		}
		parts = append(parts, string(cur))
		words[i] = strings.Join(parts, " ")
	}
	if !changed {
		return s
	}
	return strings.Join(words, " ")
}

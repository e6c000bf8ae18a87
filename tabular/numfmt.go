package tabular

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// numKind is what a number format makes of a number.
type numKind uint8

const (
	kindGeneral  numKind = iota // shown as the number itself
	kindDate                    // a date without a time of day
	kindDateTime                // a date and a time of day
	kindTime                    // a time of day or a duration only
	kindOther                   // decimals, percentages, currency …: formatted by excelize
)

// numFmt is the number format of a cell format.
type numFmt struct {
	id   int
	code string
	kind numKind
}

func newNumFmt(id int, code string) numFmt {
	nf := numFmt{id: id, code: code}
	switch {
	case code != "":
		nf.kind = codeKind(code)
	case id == 0 || id == 49: // General and Text (@)
		nf.kind = kindGeneral
	case id >= 14 && id <= 17, id >= 27 && id <= 31, id == 36, id >= 50 && id <= 58:
		// 14–17 are the short and long dates; 27–31, 36 and 50–58 are the East Asian date formats.
		nf.kind = kindDate
	case id == 22:
		nf.kind = kindDateTime
	case id >= 18 && id <= 21, id >= 32 && id <= 35, id >= 45 && id <= 47:
		nf.kind = kindTime
	default:
		nf.kind = kindOther
	}
	return nf
}

// codeKind classifies a custom format code by the date and time tokens in its first section, skipping quoted
// text, escaped characters and bracketed colours, conditions and locales ([Red], [$-409]) where the same letters
// mean nothing.
func codeKind(code string) numKind {
	lower := strings.ToLower(code)
	if lower == "general" || lower == "@" {
		return kindGeneral
	}
	var y, m, d, h, s, ampm bool
	for i := 0; i < len(lower); i++ {
		switch ch := lower[i]; ch {
		case ';':
			i = len(lower) // only the first section, the one for positive numbers
		case '"':
			if j := strings.IndexByte(lower[i+1:], '"'); j >= 0 {
				i += j + 1
			} else {
				i = len(lower)
			}
		case '\\', '_', '*':
			i++ // escaped character, padding or fill: the next character is literal
		case '[':
			j := strings.IndexByte(lower[i:], ']')
			if j < 0 {
				i = len(lower)
				break
			}
			if j > 1 && strings.Trim(lower[i+1:i+j], "hms") == "" {
				h = true // elapsed time: [h]:mm, [mm]:ss, [ss]
			}
			i += j
		case 'y':
			y = true
		case 'd':
			d = true
		case 'm':
			m = true
		case 'h':
			h = true
		case 's':
			s = true
		case 'a':
			if strings.HasPrefix(lower[i:], "am/pm") || strings.HasPrefix(lower[i:], "a/p") {
				ampm = true
			}
		}
	}
	// m is minutes next to hours or seconds, months otherwise.
	date := y || d || (m && !h && !s)
	clock := h || s || ampm
	switch {
	case date && clock:
		return kindDateTime
	case date:
		return kindDate
	case clock:
		return kindTime
	default:
		return kindOther
	}
}

// serialTime converts a spreadsheet serial date to a time in UTC, at midnight when dateOnly. Values outside
// Excel's own range (before 1900, after 9999) are not dates.
func serialTime(serial float64, date1904, dateOnly bool) (time.Time, bool) {
	if math.IsNaN(serial) || serial < 0 || serial >= 2958466 {
		return time.Time{}, false
	}
	t, err := excelize.ExcelDateToTime(serial, date1904)
	if err != nil {
		return time.Time{}, false
	}
	t = t.UTC()
	if dateOnly {
		// A date format hides any fraction of a day; the person sees (and means) the date.
		t = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	}
	return t, true
}

// generalNumber writes a number as the General format shows it: no exponent for ordinary numbers and at most
// 15 significant digits, so 0.1+0.2 is "0.3" and 3 is "3".
func generalNumber(f float64) string {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	r, err := strconv.ParseFloat(strconv.FormatFloat(f, 'g', 15, 64), 64)
	if err != nil {
		r = f
	}
	if a := math.Abs(r); a != 0 && (a >= 1e21 || a < 1e-9) {
		return strconv.FormatFloat(r, 'g', -1, 64)
	}
	return strconv.FormatFloat(r, 'f', -1, 64)
}

// numFormatter formats numbers with formats other than General and dates (decimals, percentages, currency,
// times) through excelize's number format engine, on a scratch workbook, so that Text is what the sheet shows.
// Results are cached because registers repeat the same few values.
type numFormatter struct {
	f      *excelize.File
	styles map[numFmt]int
	cache  map[[2]string]string
}

const formatCacheSize = 10_000

func (nf *numFormatter) format(cf numFmt, raw string, value float64) (text string) {
	key := [2]string{strconv.Itoa(cf.id) + ":" + cf.code, raw}
	if s, ok := nf.cache[key]; ok {
		return s
	}
	text = generalNumber(value)
	defer func() {
		// excelize's formatter is third-party code run on codes from an untrusted file: a panic there must
		// cost the person only the formatting, never the import.
		if recover() != nil {
			text = generalNumber(value)
		}
	}()
	if nf.f == nil {
		nf.f = excelize.NewFile()
		nf.styles = map[numFmt]int{}
		nf.cache = map[[2]string]string{}
	}
	style, ok := nf.styles[cf]
	if !ok {
		st := &excelize.Style{NumFmt: cf.id}
		if cf.code != "" {
			code := cf.code
			st = &excelize.Style{CustomNumFmt: &code}
		}
		id, err := nf.f.NewStyle(st)
		if err != nil {
			id = 0
		}
		style = id
		nf.styles[cf] = id
	}
	const sheet, ref = "Sheet1", "A1"
	if nf.f.SetCellDefault(sheet, ref, raw) != nil || nf.f.SetCellStyle(sheet, ref, ref, style) != nil {
		return text
	}
	if s, err := nf.f.GetCellValue(sheet, ref); err == nil && s != "" {
		text = s
	}
	if len(nf.cache) < formatCacheSize {
		nf.cache[key] = text
	}
	return text
}

func (nf *numFormatter) close() {
	if nf.f != nil {
		_ = nf.f.Close()
	}
}

package tabular

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Date orders for ParseDate, as in the organisation's date_order setting.
const (
	DMY = "DMY" // 31/12/2026
	MDY = "MDY" // 12/31/2026
)

// ParseDate reads a date from a cell. It accepts, in this order:
//   - a date cell (c.Time);
//   - ISO 8601: 2026-03-04, 2026-03-04T10:00:00Z, 2026-03-04 10:00;
//   - day, month and year as numbers separated by "/", "." or "-", with a 2- or 4-digit year (00–29 are
//     2000–2029, 30–99 are 1930–1999, as in Excel), read in the given order ("DMY" or "MDY"). Without an order
//     a date whose first two parts could both be months is an error, because guessing would silently swap day
//     and month; 13/03/2026 and 03/13/2026 are unambiguous and accepted;
//   - a year first (2026/03/04), which no locale writes as year-day-month;
//   - an English month name: 4 March 2026, March 4, 2026, 04-Mar-2026, 4-Mar-26.
//
// The result is in UTC; a date without a time is at midnight. Errors name the value.
func ParseDate(c Cell, order string) (time.Time, error) {
	t, _, err := ParseDateSerial(c, order)
	return t, err
}

// Spreadsheet serial dates ParseDateSerial accepts: 1950-01-01 to 2099-12-31. A smaller or larger plain number
// in a date column is far likelier a mistake (a year, a score) than a date.
const (
	minSerialDate = 18264
	maxSerialDate = 73050
)

// ParseDateSerial is ParseDate that also reads a plain number as a spreadsheet serial date (46433 is
// 2027-02-14): a date cell whose format was lost, as happens when a sheet is saved as CSV or a column is
// formatted as General. serial reports that it did so, so that an import can tell the person how it read the
// value. Numbers outside 1950–2099 are refused.
func ParseDateSerial(c Cell, order string) (t time.Time, serial bool, err error) {
	if c.Time != nil {
		return c.Time.UTC(), false, nil
	}
	s := strings.TrimSpace(c.Text)
	if isPlainNumber(s) && !strings.ContainsAny(s, "eE+-") {
		f, perr := strconv.ParseFloat(s, 64)
		if perr != nil || f < minSerialDate || f >= maxSerialDate+1 {
			return time.Time{}, false, fmt.Errorf("%q is a number, not a date; write the date as YYYY-MM-DD, for example 2026-03-31", s)
		}
		t, ok := serialTime(f, false, true)
		if !ok {
			return time.Time{}, false, fmt.Errorf("%q is not a date; write it as YYYY-MM-DD, for example 2026-03-31", s)
		}
		return t, true, nil
	}
	t, err = parseDateText(c, order)
	return t, false, err
}

func parseDateText(c Cell, order string) (time.Time, error) {
	order = strings.ToUpper(strings.TrimSpace(order))
	if order != "" && order != DMY && order != MDY {
		return time.Time{}, fmt.Errorf("tabular: unknown date order %q (want DMY, MDY or empty)", order)
	}
	s := strings.TrimSpace(c.Text)
	if s == "" {
		return time.Time{}, errors.New("no date given")
	}
	if t, ok := parseISO(s); ok {
		return t, nil
	}
	if t, ok, err := parseNumericDate(s, order); ok {
		return t, err
	}
	if t, ok := parseWordyDate(s); ok {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q is not a date; write it as YYYY-MM-DD, for example 2026-03-31", s)
}

var isoLayouts = []string{
	time.DateOnly,
	time.RFC3339Nano,
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
	"2006-01-02T15:04Z07:00",
	time.DateTime,
	"2006-01-02 15:04",
	"2006-01-02 15:04:05Z07:00",
}

// parseISO reads an ISO 8601 date or date-time, in UTC.
func parseISO(s string) (time.Time, bool) {
	if len(s) < 10 || s[4] != '-' || s[7] != '-' {
		return time.Time{}, false
	}
	for _, layout := range isoLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// parseNumericDate reads D/M/Y, M/D/Y or Y/M/D, with an optional time of day. ok is false when s does not have
// that shape at all, so that other forms can be tried.
func parseNumericDate(s, order string) (t time.Time, ok bool, err error) {
	datePart, clock, _ := strings.Cut(s, " ")
	var sep byte
	for i := 0; i < len(datePart); i++ {
		if ch := datePart[i]; ch == '/' || ch == '.' || ch == '-' {
			sep = ch
			break
		}
	}
	if sep == 0 {
		return t, false, nil
	}
	parts := strings.Split(datePart, string(sep))
	if len(parts) != 3 {
		return t, false, nil
	}
	var n [3]int
	for i, p := range parts {
		if p == "" || len(p) > 4 || strings.Trim(p, "0123456789") != "" {
			return t, false, nil
		}
		n[i], _ = strconv.Atoi(p)
	}
	hour, minute, second := 0, 0, 0
	if clock = strings.TrimSpace(clock); clock != "" {
		var okClock bool
		if hour, minute, second, okClock = parseClock(clock); !okClock {
			return t, false, nil
		}
	}
	var y, m, d int
	switch {
	case len(parts[0]) == 4:
		if len(parts[1]) > 2 || len(parts[2]) > 2 {
			return t, false, nil
		}
		y, m, d = n[0], n[1], n[2]
	case len(parts[0]) > 2 || len(parts[1]) > 2 || (len(parts[2]) != 2 && len(parts[2]) != 4):
		return t, false, nil
	default:
		y = n[2]
		if len(parts[2]) == 2 {
			y = twoDigitYear(y)
		}
		a, b := n[0], n[1]
		switch order {
		case DMY:
			d, m = a, b
		case MDY:
			m, d = a, b
		default:
			switch {
			case a == b, a > 12 && b <= 12:
				d, m = a, b
			case b > 12 && a <= 12:
				m, d = a, b
			case a <= 12 && b <= 12:
				return t, true, fmt.Errorf("%q is ambiguous: it could be %s or %s; set the organisation's date order (DMY or MDY), or write dates as YYYY-MM-DD", s, dayMonth(a, b, y), dayMonth(b, a, y))
			default:
				return t, true, fmt.Errorf("%q is not a valid date", s)
			}
		}
	}
	if !validDate(y, m, d) {
		if order != "" && len(parts[0]) != 4 {
			return t, true, fmt.Errorf("%q is not a valid date in %s order", s, order)
		}
		return t, true, fmt.Errorf("%q is not a valid date", s)
	}
	return time.Date(y, time.Month(m), d, hour, minute, second, 0, time.UTC), true, nil
}

// parseClock reads HH:MM or HH:MM:SS.
func parseClock(s string) (h, m, sec int, ok bool) {
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, 0, 0, false
	}
	var n [3]int
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil || len(p) > 2 || v < 0 {
			return 0, 0, 0, false
		}
		n[i] = v
	}
	if n[0] > 23 || n[1] > 59 || n[2] > 59 {
		return 0, 0, 0, false
	}
	return n[0], n[1], n[2], true
}

// twoDigitYear expands a 2-digit year the way Excel does: 00–29 are 2000–2029, 30–99 are 1930–1999.
func twoDigitYear(y int) int {
	if y < 30 {
		return 2000 + y
	}
	return 1900 + y
}

func validDate(y, m, d int) bool {
	if y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 {
		return false
	}
	return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC).Day() == d
}

func dayMonth(d, m, y int) string {
	if !validDate(y, m, d) {
		return fmt.Sprintf("day %d of month %d", d, m)
	}
	return fmt.Sprintf("%d %s %d", d, time.Month(m), y)
}

var monthNames = map[string]time.Month{}

var weekdayNames = map[string]bool{}

func init() {
	for m := time.January; m <= time.December; m++ {
		name := strings.ToLower(m.String())
		monthNames[name] = m
		monthNames[name[:3]] = m
	}
	monthNames["sept"] = time.September
	for d := time.Sunday; d <= time.Saturday; d++ {
		name := strings.ToLower(d.String())
		weekdayNames[name] = true
		weekdayNames[name[:3]] = true
	}
}

// parseWordyDate reads a date with an English month name: "4 March 2026", "March 4, 2026", "04-Mar-2026",
// "Wednesday, 4 March 2026", "4th March 2026".
func parseWordyDate(s string) (time.Time, bool) {
	fields := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return r == ' ' || r == ',' || r == '-' || r == '/' || r == '.'
	})
	var (
		month time.Month
		nums  []string
	)
	for _, f := range fields {
		if m, ok := monthNames[f]; ok && month == 0 {
			month = m
			continue
		}
		if weekdayNames[f] {
			continue
		}
		f = strings.TrimRight(f, "stndrh") // 1st, 2nd, 3rd, 4th
		if f == "" || strings.Trim(f, "0123456789") != "" || len(f) > 4 {
			return time.Time{}, false
		}
		nums = append(nums, f)
	}
	if month == 0 || len(nums) != 2 {
		return time.Time{}, false
	}
	dayText, yearText := nums[0], nums[1]
	if len(dayText) == 4 && len(yearText) <= 2 {
		dayText, yearText = yearText, dayText
	}
	if len(dayText) > 2 || (len(yearText) != 2 && len(yearText) != 4) {
		return time.Time{}, false
	}
	d, _ := strconv.Atoi(dayText)
	y, _ := strconv.Atoi(yearText)
	if len(yearText) == 2 {
		y = twoDigitYear(y)
	}
	if !validDate(y, int(month), d) {
		return time.Time{}, false
	}
	return time.Date(y, month, d, 0, 0, 0, 0, time.UTC), true
}

// ParseEnum matches s against the allowed values and returns the allowed value as written there. Matching
// ignores case, spaces, underscores and hyphens, like column headers: "In use" is "in_use".
func ParseEnum(s string, allowed []string) (string, error) {
	key := normalise(s)
	if key == "" {
		return "", fmt.Errorf("no value given; expected one of: %s", strings.Join(allowed, ", "))
	}
	for _, a := range allowed {
		if normalise(a) == key {
			return a, nil
		}
	}
	return "", fmt.Errorf("%q is not one of: %s", strings.TrimSpace(s), strings.Join(allowed, ", "))
}

// ParseBool reads yes/no, true/false, y/n, 1/0, or x for a ticked box, in any case. An empty cell is false.
func ParseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "yes", "y", "true", "1", "x":
		return true, nil
	case "no", "n", "false", "0", "":
		return false, nil
	}
	return false, fmt.Errorf("%q is not yes or no (write yes, no, true, false, 1, 0 or x)", strings.TrimSpace(s))
}

// ParseInt reads a whole number between min and max inclusive. It accepts "3.0" because spreadsheets store
// every number as a decimal, but not "3.5".
func ParseInt(s string, min, max int) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("no number given; expected a whole number from %d to %d", min, max)
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || math.IsNaN(f) || math.IsInf(f, 0) || f != math.Trunc(f) {
			return 0, fmt.Errorf("%q is not a whole number; expected a whole number from %d to %d", s, min, max)
		}
		if f < float64(min) || f > float64(max) {
			return 0, fmt.Errorf("%s is outside the range %d to %d", s, min, max)
		}
		n = int(f)
	}
	if n < min || n > max {
		return 0, fmt.Errorf("%s is outside the range %d to %d", s, min, max)
	}
	return n, nil
}

// MultiSeparator joins several values in one cell.
const MultiSeparator = " | "

// SplitMulti splits a cell holding several values joined with " | ": it splits on "|", trims each value and
// drops empty ones. An empty cell gives nil.
func SplitMulti(s string) []string {
	var out []string
	for _, v := range strings.Split(s, "|") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// JoinMulti joins values for one cell with " | ", trimming them and leaving out empty ones, so that
// SplitMulti(JoinMulti(v)) gives v back for values without "|".
func JoinMulti(v []string) string {
	var b strings.Builder
	for _, s := range v {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString(MultiSeparator)
		}
		b.WriteString(s)
	}
	return b.String()
}

// formulaStarts are the first characters that make a spreadsheet program read a cell as a formula (OWASP's list
// for CSV injection).
const formulaStarts = "=+-@\t\r"

// NeutraliseText neutralises free text against formula injection: text starting with =, +, -, @, a tab or a
// carriage return gets a leading apostrophe, which spreadsheet programs read as "this is text".
func NeutraliseText(s string) string {
	if s != "" && strings.IndexByte(formulaStarts, s[0]) >= 0 {
		return "'" + s
	}
	return s
}

// Neutralise is NeutraliseText except that a plain number such as "-3" or "+1.5" is left alone: it is data
// in a numeric column, and a spreadsheet program reads it as the same number, never as a formula. The writers
// apply it to every string they write. Numeric columns should be written as numbers (int, float64), which
// XLSX stores as number cells and CSV as unneutralised digits.
func Neutralise(s string) string {
	if isPlainNumber(s) {
		return s
	}
	return NeutraliseText(s)
}

// Unneutralise undoes Neutralise and NeutraliseText: an apostrophe followed by a formula's first character is
// removed. Read keeps cells as the file shows them; an importer calls Unneutralise on free text so that
// importing an unchanged export changes nothing.
func Unneutralise(s string) string {
	if len(s) >= 2 && s[0] == '\'' && strings.IndexByte(formulaStarts, s[1]) >= 0 {
		return s[1:]
	}
	return s
}

// isPlainNumber reports whether s is a decimal number and nothing else: an optional sign, digits with an
// optional decimal point, and an optional exponent.
func isPlainNumber(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		exp := 0
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			exp++
		}
		if exp == 0 {
			return false
		}
	}
	return i == len(s)
}

package bulwark

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// ValidDate reports whether s is a calendar date written YYYY-MM-DD.
func ValidDate(s string) bool {
	_, err := time.Parse("2006-01-02", s)
	return err == nil
}

// FormatRef writes a register reference: prefix, dash, at least three digits.
func FormatRef(prefix string, n int) string { return fmt.Sprintf("%s-%03d", prefix, n) }

var refPattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]{0,9}-\d{1,9}$`)

// ParseRefNumber returns the number of a reference written PREFIX-N with the given
// prefix, or 0 when it has another form (imported references are kept as written).
func ParseRefNumber(prefix, ref string) int {
	if !strings.HasPrefix(ref, prefix+"-") {
		return 0
	}
	n := 0
	for _, c := range ref[len(prefix)+1:] {
		if c < '0' || c > '9' || n > 1e8 {
			return 0
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// ValidRef reports whether ref is a usable reference: letters and digits, a dash, digits.
func ValidRef(ref string) bool { return refPattern.MatchString(ref) }

// DefaultClassification is a new organisation's classification scheme, lowest first.
var DefaultClassification = []struct{ Name, Description string }{
	{"Public", "May be shared with anyone; disclosure causes no harm."},
	{"Internal", "For staff and trusted partners; disclosure causes minor harm."},
	{"Confidential", "For named groups; disclosure harms the organisation, customers or staff."},
	{"Restricted", "For named people only; disclosure causes serious harm or breaks the law."},
}

// Value returns what an optional field holds, or its zero value when it is unset:
// for showing an optional text where "" reads as "none".
func Value[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

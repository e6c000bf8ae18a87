package bulwark

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// MaxSlugLength is the longest organisation slug.
const MaxSlugLength = 63

// Slugify derives an organisation slug from its name as CONTRACT.md says: NFKD,
// marks stripped, lowercase, runs outside [a-z0-9] become "-", trimmed, at most 63
// characters. It returns "" when nothing is left.
func Slugify(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range norm.NFKD.String(name) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		r = unicode.ToLower(r)
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	s := strings.Trim(b.String(), "-")
	if len(s) > MaxSlugLength {
		s = strings.TrimRight(s[:MaxSlugLength], "-")
	}
	return s
}

// ValidSlug reports whether s is already in slug form.
func ValidSlug(s string) bool { return s != "" && Slugify(s) == s }

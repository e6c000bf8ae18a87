package bulwark

import (
	"fmt"
	"strings"
)

// Plural writes a count with its noun: Plural(1, "risk") is "1 risk", Plural(3, "risk") "3 risks"; nouns
// whose plural is not an added s give it after a slash ("entry/entries").
func Plural(n int, noun string) string {
	one, many, ok := strings.Cut(noun, "/")
	if !ok {
		many = one + "s"
	}
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

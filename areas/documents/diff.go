package documents

import "strings"

// DiffLine is one line of the difference between two revisions' texts.
type DiffLine struct {
	Op   string `json:"op"` // "same", "added" or "removed"
	Text string `json:"text"`
}

// maxDiffCells bounds the comparison table (lines × lines): beyond it two texts
// are shown as one removed and one added block rather than compared line by line.
const maxDiffCells = 4_000_000

// Diff compares two texts line by line (longest common subsequence), the way a
// reader compares two printed revisions: unchanged lines, lines removed from the
// old one, lines added in the new one.
func Diff(old, new string) []DiffLine {
	a, b := splitLines(old), splitLines(new)
	// Common head and tail first: most revisions change a few lines in the middle.
	head := 0
	for head < len(a) && head < len(b) && a[head] == b[head] {
		head++
	}
	tail := 0
	for tail < len(a)-head && tail < len(b)-head && a[len(a)-1-tail] == b[len(b)-1-tail] {
		tail++
	}
	out := make([]DiffLine, 0, len(a)+len(b))
	for _, l := range a[:head] {
		out = append(out, DiffLine{"same", l})
	}
	out = append(out, diffMiddle(a[head:len(a)-tail], b[head:len(b)-tail])...)
	for _, l := range a[len(a)-tail:] {
		out = append(out, DiffLine{"same", l})
	}
	return out
}

func diffMiddle(a, b []string) []DiffLine {
	var out []DiffLine
	if len(a)*len(b) > maxDiffCells {
		for _, l := range a {
			out = append(out, DiffLine{"removed", l})
		}
		for _, l := range b {
			out = append(out, DiffLine{"added", l})
		}
		return out
	}
	// lcs[i][j] is the length of the longest common subsequence of a[i:] and b[j:].
	w := len(b) + 1
	lcs := make([]int32, (len(a)+1)*w)
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i*w+j] = lcs[(i+1)*w+j+1] + 1
			} else {
				lcs[i*w+j] = max(lcs[(i+1)*w+j], lcs[i*w+j+1])
			}
		}
	}
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			out = append(out, DiffLine{"same", a[i]})
			i, j = i+1, j+1
		case lcs[(i+1)*w+j] >= lcs[i*w+j+1]:
			out = append(out, DiffLine{"removed", a[i]})
			i++
		default:
			out = append(out, DiffLine{"added", b[j]})
			j++
		}
	}
	for ; i < len(a); i++ {
		out = append(out, DiffLine{"removed", a[i]})
	}
	for ; j < len(b); j++ {
		out = append(out, DiffLine{"added", b[j]})
	}
	return out
}

func splitLines(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// DiffStats counts the lines a diff adds and removes.
func DiffStats(d []DiffLine) (added, removed int) {
	for _, l := range d {
		switch l.Op {
		case "added":
			added++
		case "removed":
			removed++
		}
	}
	return added, removed
}

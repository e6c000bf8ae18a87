package app

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTruncateKeepsWholeRunes(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"Mozilla/5.0", 300, "Mozilla/5.0"},
		{"Mozilla/5.0", 7, "Mozilla"},
		{"Łódź", 2, "Łó"},
		{strings.Repeat("Ж", 400), 300, strings.Repeat("Ж", 300)},
		{"", 3, ""},
	}
	for _, tt := range tests {
		got := truncate(tt.in, tt.n)
		if got != tt.want || !utf8.ValidString(got) {
			t.Errorf("truncate(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}

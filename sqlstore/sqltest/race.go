//go:build race

package sqltest

// Race tells whether the race detector is on.
const Race = true

//go:build race

package demo_test

// raceEnabled: the page walk (every page, two widths, both databases, axe) takes
// minutes under the race detector and races nothing the other tests do not; it
// runs in scripts/test's second pass, without -race.
const raceEnabled = true

//go:build race

package areas_test

// raceEnabled trims the cross-tenant walk under the race detector, which makes
// every request about ten times slower.
const raceEnabled = true

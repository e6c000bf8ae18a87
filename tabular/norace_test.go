//go:build !race

package tabular_test

// raceEnabled relaxes timing and memory checks under the race detector.
const raceEnabled = false

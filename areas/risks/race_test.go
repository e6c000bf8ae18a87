//go:build race

package risks_test

// listRounds is how many lists the statement test runs: fewer under the race detector, which is ten times slower.
const listRounds = 1_000

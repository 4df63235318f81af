//go:build !race

package intents

const raceEnabled = false

//go:build !linux

package pgstore

import "time"

// cpuTime is not measured outside Linux (it reads /proc).
func cpuTime(db string) (time.Duration, bool) { return 0, false }

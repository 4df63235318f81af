//go:build unix

package boltstore_test

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time this process has used so far (user + system). On
// a shared machine it measures work done, where wall time also counts the
// wait for a core.
func cpuTime() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}

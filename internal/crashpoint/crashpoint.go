// Package crashpoint lets crash tests end the process at a named step of a
// delivery path, as a power cut would: no deferred call, no shutdown. It is
// compiled into the product and does nothing unless TRIAGEBOT_CRASH_AT
// names a step (the tests set it on a child process they re-execute).
package crashpoint

import (
	"os"
	"strings"
	"sync/atomic"
)

// Env is the variable that names the step ("telegram.part-sent"), and
// optionally after how many passes ("telegram.part-sent@2": the second).
const Env = "TRIAGEBOT_CRASH_AT"

// ExitCode is the status a crash point exits with, so a test can tell it
// from any other end.
const ExitCode = 86

var (
	step  string
	after int64 = 1
	count atomic.Int64
)

func init() {
	v := os.Getenv(Env)
	name, n, found := strings.Cut(v, "@")
	step = name
	if found {
		var k int64
		for _, r := range n {
			if r < '0' || r > '9' {
				k = 0
				break
			}
			k = k*10 + int64(r-'0')
		}
		if k > 0 {
			after = k
		}
	}
}

// At ends the process when name is the configured step (on its after-th
// pass); otherwise it returns at once.
func At(name string) {
	if step == "" || name != step {
		return
	}
	if count.Add(1) >= after {
		os.Exit(ExitCode)
	}
}

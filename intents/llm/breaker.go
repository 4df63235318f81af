package llm

import (
	"sync"
	"time"
)

// breakerState is where the circuit breaker is.
type breakerState int

const (
	stateClosed   breakerState = iota // calls go through
	stateHalfOpen                     // one probe call may go through
	stateOpen                         // no calls until the cool-down ends
)

// breaker stops calling an endpoint that keeps failing: after threshold
// consecutive quick failures (5xx, 429, a refused connection), or at once
// after a call that used its whole deadline, it opens for coolDown, then
// lets one probe through (half-open); the probe's success closes it, its
// failure opens it again. With the endpoint hanging, a conversation thus
// waits for one deadline, then not at all until the next probe.
type breaker struct {
	threshold int
	coolDown  time.Duration
	now       func() time.Time
	onChange  func(breakerState)

	mu       sync.Mutex
	state    breakerState
	failures int       // consecutive, while closed
	openedAt time.Time // when it last opened
	probing  bool      // a half-open probe is in flight
}

func newBreaker(threshold int, coolDown time.Duration, now func() time.Time, onChange func(breakerState)) *breaker {
	b := &breaker{threshold: threshold, coolDown: coolDown, now: now, onChange: onChange}
	b.onChange(stateClosed)
	return b
}

// allow reports whether a call may go now. A true from a half-open breaker
// makes the caller the probe: it must report done.
func (b *breaker) allow() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch b.state {
	case stateOpen:
		if b.now().Sub(b.openedAt) < b.coolDown {
			return false
		}
		b.set(stateHalfOpen)
		fallthrough
	case stateHalfOpen:
		if b.probing {
			return false
		}
		b.probing = true
		return true
	}
	return true
}

// done records the outcome of an allowed call. failed means the endpoint
// did not answer properly (timeout, transport error, 429, 5xx); a
// well-formed HTTP answer, even one we refuse, is a success for the breaker.
// A call the caller itself cancelled says nothing about the endpoint: pass
// neutral so that a half-open probe slot is freed without a verdict.
func (b *breaker) done(failed, neutral bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.state == stateHalfOpen {
		b.probing = false
		switch {
		case neutral:
		case failed:
			b.open()
		default:
			b.failures = 0
			b.set(stateClosed)
		}
		return
	}
	if neutral || b.state != stateClosed {
		return
	}
	if !failed {
		b.failures = 0
		return
	}
	b.failures++
	if b.failures >= b.threshold {
		b.open()
	}
}

// timedOut records an allowed call that used its whole deadline. It opens
// the breaker at once: every further call would make a user wait the same
// deadline again, while a quick failure costs nobody time.
func (b *breaker) timedOut() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.probing = false
	b.open()
}

func (b *breaker) open() {
	b.failures = 0
	b.openedAt = b.now()
	b.set(stateOpen)
}

func (b *breaker) set(s breakerState) {
	if b.state != s {
		b.state = s
		b.onChange(s)
	}
}

// current returns the state, moving an expired open breaker to half-open
// only when a call asks (allow), so that reading has no side effect.
func (b *breaker) current() breakerState {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.state
}

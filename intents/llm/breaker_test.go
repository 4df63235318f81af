package llm

import (
	"testing"
	"time"
)

func TestBreakerStates(t *testing.T) {
	ck := &clock{t: time.Unix(0, 0)}
	var changes []breakerState
	b := newBreaker(3, 10*time.Second, ck.now, func(s breakerState) { changes = append(changes, s) })
	steps := []struct {
		name      string
		advance   time.Duration
		allow     bool
		failed    bool // outcome reported when allowed
		neutral   bool
		wantState breakerState
	}{
		{"fail 1", 0, true, true, false, stateClosed},
		{"success resets", 0, true, false, false, stateClosed},
		{"fail 1", 0, true, true, false, stateClosed},
		{"fail 2", 0, true, true, false, stateClosed},
		{"cancel is neutral", 0, true, false, true, stateClosed},
		{"fail 3 opens", 0, true, true, false, stateOpen},
		{"refused while open", 9 * time.Second, false, false, false, stateOpen},
		{"probe fails", time.Second, true, true, false, stateOpen},
		{"refused again", 5 * time.Second, false, false, false, stateOpen},
		{"probe cancelled", 5 * time.Second, true, false, true, stateHalfOpen},
		{"next probe succeeds", 0, true, false, false, stateClosed},
		{"closed again", 0, true, false, false, stateClosed},
	}
	for i, s := range steps {
		ck.add(s.advance)
		if got := b.allow(); got != s.allow {
			t.Fatalf("step %d %s: allow = %v, want %v", i, s.name, got, s.allow)
		}
		if s.allow {
			b.done(s.failed, s.neutral)
		}
		if got := b.current(); got != s.wantState {
			t.Fatalf("step %d %s: state %d, want %d", i, s.name, got, s.wantState)
		}
	}
	want := []breakerState{stateClosed, stateOpen, stateHalfOpen, stateOpen, stateHalfOpen, stateClosed}
	if len(changes) != len(want) {
		t.Fatalf("changes %v, want %v", changes, want)
	}
	for i := range want {
		if changes[i] != want[i] {
			t.Fatalf("changes %v, want %v", changes, want)
		}
	}
}

func TestBreakerOneProbeAtATime(t *testing.T) {
	ck := &clock{t: time.Unix(0, 0)}
	b := newBreaker(1, time.Second, ck.now, func(breakerState) {})
	b.allow()
	b.done(true, false)
	ck.add(time.Second)
	if !b.allow() {
		t.Fatal("the first call after the cool-down should be the probe")
	}
	if b.allow() {
		t.Fatal("a second call while the probe is in flight should be refused")
	}
	b.done(false, false)
	if !b.allow() || !b.allow() {
		t.Fatal("closed after a good probe")
	}
}

func TestLRU(t *testing.T) {
	c := newLRU[int](2)
	c.put("a", 1)
	c.put("b", 2)
	c.get("a") // a is now the most recent
	c.put("c", 3)
	if _, ok := c.get("b"); ok {
		t.Error("b should have been evicted")
	}
	if v, ok := c.get("a"); !ok || v != 1 {
		t.Error("a should be kept")
	}
	c.put("a", 9)
	if v, _ := c.get("a"); v != 9 || c.len() != 2 {
		t.Errorf("update: %d, len %d", v, c.len())
	}
	off := newLRU[int](-1)
	off.put("x", 1)
	if _, ok := off.get("x"); ok {
		t.Error("a disabled cache keeps nothing")
	}
}

func TestBreakerTimeoutOpensAtOnce(t *testing.T) {
	ck := &clock{t: time.Unix(0, 0)}
	b := newBreaker(5, time.Second, ck.now, func(breakerState) {})
	b.allow()
	b.timedOut()
	if got := b.current(); got != stateOpen {
		t.Fatalf("after one timeout: state %d, want open", got)
	}
	ck.add(time.Second)
	if !b.allow() {
		t.Fatal("the probe after the cool-down should go")
	}
	b.timedOut()
	if b.current() != stateOpen || b.allow() {
		t.Fatal("a probe that times out must open the breaker again")
	}
}

package pgstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/triagebot/triagebot/tickets"
)

// bump is a turn in miniature: it reads conversation id (locking it),
// adds one to the counter in its state, puts it back and enqueues a
// message.
func bump(tx tickets.Tx, id string) error {
	c, err := tx.Conversation(id)
	if err != nil {
		return err
	}
	n, _ := strconv.Atoi(string(c.State))
	c.State = []byte(strconv.Itoa(n + 1))
	if err := tx.PutConversation(&c); err != nil {
		return err
	}
	return tx.Enqueue(&tickets.OutMessage{ConversationID: id, Kind: tickets.KindMessage, Text: fmt.Sprint("n=", n+1)})
}

// counters makes n conversations and returns a function that reads each
// one's counter and outbox length.
func counters(t *testing.T, s *Store, n int) (ids []string, read func(id string) (count, msgs int)) {
	t.Helper()
	for i := range n {
		c := tickets.Conversation{ID: fmt.Sprint("g-", i), Channel: tickets.Web, State: []byte("0")}
		update(t, s, func(tx tickets.Tx) error { return tx.PutConversation(&c) })
		ids = append(ids, c.ID)
	}
	return ids, func(id string) (int, int) {
		var count, msgs int
		view(t, s, func(tx tickets.Tx) error {
			c, err := tx.Conversation(id)
			if err != nil {
				return err
			}
			count, _ = strconv.Atoi(string(c.State))
			out, err := tx.Outbox(id)
			msgs = len(out)
			return err
		})
		return count, msgs
	}
}

// together runs fns as one group: they are queued at once, so the group
// runner takes them together (a call it sends back runs alone, as
// UpdateGroup does). It returns each one's result.
func together(t *testing.T, s *Store, fns ...func(tickets.Tx) error) []error {
	t.Helper()
	calls := make([]*groupCall, len(fns))
	for i, fn := range fns {
		calls[i] = &groupCall{ctx: t.Context(), fn: fn, done: make(chan groupOutcome, 1)}
	}
	g := s.group
	g.mu.Lock()
	g.queue = append(g.queue, calls...)
	g.mu.Unlock()
	select {
	case g.kick <- struct{}{}:
	default:
	}
	errs := make([]error, len(fns))
	for i, c := range calls {
		o := <-c.done
		errs[i] = o.err
		if o.solo {
			errs[i] = s.Update(t.Context(), fns[i])
		}
	}
	return errs
}

// holdGroup occupies the group runner with a group of two calls that wait
// until release is called, so that the calls made meanwhile queue up.
func holdGroup(t *testing.T, s *Store, ids [2]string) (release func()) {
	t.Helper()
	gate := make(chan struct{})
	var inside sync.WaitGroup
	inside.Add(2)
	hold := func(id string) func(tickets.Tx) error {
		entered := false
		return func(tx tickets.Tx) error {
			if _, err := tx.Conversation(id); err != nil {
				return err
			}
			if !entered {
				entered = true
				inside.Done()
			}
			<-gate
			return nil
		}
	}
	done := make(chan []error, 1)
	go func() { done <- together(t, s, hold(ids[0]), hold(ids[1])) }()
	inside.Wait()
	return func() {
		close(gate)
		for _, err := range <-done {
			if err != nil {
				t.Errorf("holding call: %v", err)
			}
		}
	}
}

// queued waits until n calls wait for the group runner.
func queued(t *testing.T, s *Store, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s.group.mu.Lock()
		got := len(s.group.queue)
		s.group.mu.Unlock()
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("%d calls queued, want %d", got, n)
			return
		}
		time.Sleep(time.Millisecond)
	}
}

// TestGroupCommit: calls made while a group runs commit together, as one
// group, each exactly once.
func TestGroupCommit(t *testing.T) {
	s, _ := openTest(t, Options{})
	ids, read := counters(t, s, 12)
	release := holdGroup(t, s, [2]string{ids[10], ids[11]})
	var wg sync.WaitGroup
	for _, id := range ids[:10] {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.UpdateGroup(t.Context(), func(tx tickets.Tx) error { return bump(tx, id) }); err != nil {
				t.Errorf("%s: %v", id, err)
			}
		}()
	}
	queued(t, s, 10)
	release()
	wg.Wait()
	for _, id := range ids[:10] {
		if count, msgs := read(id); count != 1 || msgs != 1 {
			t.Errorf("%s: counter %d, %d messages; want 1 and 1", id, count, msgs)
		}
	}
	// The holding group (2) and the ten.
	if groups, calls := groupStats(t, s); groups != 2 || calls != 12 {
		t.Errorf("%d groups committed %v calls; want 2 groups, 12 calls (2 + 10)", groups, calls)
	}

	// Members that only write (no round, so BEGIN goes with the commit).
	put := func(id string) func(tickets.Tx) error {
		return func(tx tickets.Tx) error {
			return tx.PutConversation(&tickets.Conversation{ID: id, Channel: tickets.Web, State: []byte("5")})
		}
	}
	if errs := together(t, s, put("w-1"), put("w-2")); errs[0] != nil || errs[1] != nil {
		t.Fatalf("writes only: %v", errs)
	}
	for _, id := range []string{"w-1", "w-2"} {
		if count, _ := read(id); count != 5 {
			t.Errorf("%s: counter %d, want 5", id, count)
		}
	}
	if groups, calls := groupStats(t, s); groups != 3 || calls != 14 {
		t.Errorf("%d groups committed %v calls; want 3 groups, 14 calls", groups, calls)
	}
}

// TestGroupSameConversation: calls of one group that change the same
// conversation do not lose each other's writes: all but the first run
// alone.
func TestGroupSameConversation(t *testing.T) {
	s, _ := openTest(t, Options{})
	ids, read := counters(t, s, 3)
	release := holdGroup(t, s, [2]string{ids[1], ids[2]})
	const n = 8
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.UpdateGroup(t.Context(), func(tx tickets.Tx) error { return bump(tx, ids[0]) }); err != nil {
				t.Error(err)
			}
		}()
	}
	queued(t, s, n)
	release()
	wg.Wait()
	if count, msgs := read(ids[0]); count != n || msgs != n {
		t.Errorf("counter %d, %d messages; want %d and %d", count, msgs, n, n)
	}
}

// TestGroupFailures: a call that fails having only read gets its own
// answer, and the others commit; a statement that fails aborts the group,
// and every call runs again alone, each applied once.
func TestGroupFailures(t *testing.T) {
	s, _ := openTest(t, Options{})
	ids, read := counters(t, s, 8)
	refused := errors.New("refused by the function")

	release := holdGroup(t, s, [2]string{ids[6], ids[7]})
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i, id := range ids[:3] {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.UpdateGroup(t.Context(), func(tx tickets.Tx) error {
				if i == 0 {
					if _, err := tx.Conversation(id); err != nil {
						return err
					}
					return refused
				}
				return bump(tx, id)
			})
		}()
	}
	queued(t, s, 3)
	release()
	wg.Wait()
	if !errors.Is(errs[0], refused) || errs[1] != nil || errs[2] != nil {
		t.Errorf("errors %v; want the refusal, nil, nil", errs)
	}
	for i, id := range ids[:3] {
		want := 1
		if i == 0 {
			want = 0
		}
		if count, _ := read(id); count != want {
			t.Errorf("%s: counter %d, want %d", id, count, want)
		}
	}

	// A failing statement after a write: the group rolls back and each
	// call runs alone (the failing one fails only on its first run).
	release = holdGroup(t, s, [2]string{ids[6], ids[7]})
	var first atomic.Bool
	for i, id := range ids[3:6] {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := s.UpdateGroup(t.Context(), func(t2 tickets.Tx) error {
				if err := bump(t2, id); err != nil {
					return err
				}
				if i == 1 && first.CompareAndSwap(false, true) {
					_, err := t2.(*tx).exec(`SELECT 1/0`)
					return err
				}
				return nil
			})
			if err != nil {
				t.Errorf("%s: %v", id, err)
			}
		}()
	}
	queued(t, s, 3)
	release()
	wg.Wait()
	for _, id := range ids[3:6] {
		if count, msgs := read(id); count != 1 || msgs != 1 {
			t.Errorf("%s: counter %d, %d messages; want 1 and 1 (applied once)", id, count, msgs)
		}
	}

	// A write refused at the commit: only its call fails, the others
	// commit (alone, after the group rolled back).
	bad := func(t2 tickets.Tx) error {
		if err := bump(t2, ids[3]); err != nil {
			return err
		}
		return t2.(*tx).later(`SELECT 1/0`)
	}
	errs = together(t, s, bad, func(t2 tickets.Tx) error { return bump(t2, ids[4]) }, func(t2 tickets.Tx) error { return bump(t2, ids[5]) })
	if errs[0] == nil || errs[1] != nil || errs[2] != nil {
		t.Errorf("errors %v; want the division's, nil, nil", errs)
	}
	for i, id := range ids[3:6] {
		want := 2
		if i == 0 {
			want = 1
		}
		if count, _ := read(id); count != want {
			t.Errorf("%s: counter %d, want %d", id, count, want)
		}
	}
}

// TestGroupCallerGivesUp: a call whose context ends while it waits in the
// queue returns the context's error and is never run.
func TestGroupCallerGivesUp(t *testing.T) {
	s, _ := openTest(t, Options{})
	ids, read := counters(t, s, 3)
	release := holdGroup(t, s, [2]string{ids[1], ids[2]})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- s.UpdateGroup(ctx, func(tx tickets.Tx) error { return bump(tx, ids[0]) })
	}()
	queued(t, s, 1)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("gave up: %v, want context.Canceled", err)
	}
	release()
	if count, _ := read(ids[0]); count != 0 {
		t.Errorf("counter %d: the abandoned call ran", count)
	}
}

// groupStats returns how many groups committed, and how many calls.
func groupStats(t *testing.T, s *Store) (groups uint64, calls float64) {
	t.Helper()
	m := &dto.Metric{}
	if err := s.metrics.groupSize.Write(m); err != nil {
		t.Fatal(err)
	}
	return m.GetHistogram().GetSampleCount(), m.GetHistogram().GetSampleSum()
}

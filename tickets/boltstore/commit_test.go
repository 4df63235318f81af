package boltstore

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// TestCommitterGroupsFailuresAlone drives many concurrent calls, some of
// which fail or panic, and checks each caller gets its own outcome and the
// store holds exactly the successful writes.
func TestCommitterGroupsFailuresAlone(t *testing.T) {
	db, err := bolt.Open(filepath.Join(t.TempDir(), "c.db"), 0o600, &bolt.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("b")); return err }); err != nil {
		t.Fatal(err)
	}
	c := &committer{db: db}
	errBoom := errors.New("boom")

	const n = 300
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = c.update(context.Background(), func(tx *bolt.Tx) error {
				// Every call writes first, so a failing one leaves writes in
				// the shared transaction that must not survive.
				if err := tx.Bucket([]byte("b")).Put(fmt.Appendf(nil, "k%03d", i), []byte("v")); err != nil {
					return err
				}
				switch i % 10 {
				case 3:
					return errBoom
				case 7:
					panic("bad call")
				}
				return nil
			})
		}()
	}
	wg.Wait()

	for i, err := range errs {
		switch i % 10 {
		case 3:
			if !errors.Is(err, errBoom) {
				t.Errorf("call %d: err = %v, want boom", i, err)
			}
		case 7:
			if err == nil {
				t.Errorf("call %d: a panic must come back as an error", i)
			}
		default:
			if err != nil {
				t.Errorf("call %d: %v", i, err)
			}
		}
	}
	err = db.View(func(tx *bolt.Tx) error {
		for i := range n {
			got := tx.Bucket([]byte("b")).Get(fmt.Appendf(nil, "k%03d", i)) != nil
			if want := i%10 != 3 && i%10 != 7; got != want {
				t.Errorf("key %d stored = %v, want %v", i, got, want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.leading || len(c.queue) != 0 {
		t.Errorf("after all calls: leading=%v queue=%d, want idle", c.leading, len(c.queue))
	}
}

// openCommitter opens a bare bbolt file with bucket "b" and a committer on it.
func openCommitter(t *testing.T) *committer {
	t.Helper()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "c.db"), 0o600, &bolt.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("b")); return err }); err != nil {
		t.Fatal(err)
	}
	return &committer{db: db}
}

func put(key string) func(*bolt.Tx) error {
	return func(tx *bolt.Tx) error { return tx.Bucket([]byte("b")).Put([]byte(key), []byte("v")) }
}

// waitQueued waits until n calls wait behind the leader.
func waitQueued(c *committer, n int) {
	for {
		c.mu.Lock()
		l := len(c.queue)
		c.mu.Unlock()
		if l >= n {
			return
		}
		runtime.Gosched()
	}
}

// TestCommitPanicFailsBatchAndPassesLead makes bbolt's commit panic (the
// hook runs where a corrupt page would) while calls wait behind it: the
// batch gets an error, the waiters get the lead and commit, nothing hangs,
// and Health says what happened until a commit succeeds.
func TestCommitPanicFailsBatchAndPassesLead(t *testing.T) {
	c := openCommitter(t)
	entered, release := make(chan struct{}), make(chan struct{})
	var armed atomic.Bool
	armed.Store(true)
	c.beforeCommit = func() {
		if armed.CompareAndSwap(true, false) {
			close(entered)
			<-release
			panic("corrupt page 42")
		}
	}
	leaderErr := make(chan error, 1)
	go func() { leaderErr <- c.update(context.Background(), put("a")) }()
	<-entered
	followers := make(chan error, 2)
	for _, k := range []string{"b", "c"} {
		go func() { followers <- c.update(context.Background(), put(k)) }()
	}
	waitQueued(c, 2)
	close(release)

	if err := <-leaderErr; !errors.Is(err, errCommitPanic) || !strings.Contains(err.Error(), "corrupt page 42") {
		t.Fatalf("leader: err = %v, want the commit panic", err)
	}
	for range 2 {
		if err := <-followers; err != nil {
			t.Errorf("follower: %v", err)
		}
	}
	if err := c.health(); err != nil {
		t.Errorf("health after a successful commit = %v, want nil", err)
	}
	err := c.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("b"))
		if b.Get([]byte("a")) != nil || b.Get([]byte("b")) == nil || b.Get([]byte("c")) == nil {
			t.Errorf("stored a=%q b=%q c=%q; want only b and c", b.Get([]byte("a")), b.Get([]byte("b")), b.Get([]byte("c")))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestCommitPanicReportedUntilAWriteSucceeds checks Health after a panic
// with nobody waiting, then after the store recovers.
func TestCommitPanicReportedUntilAWriteSucceeds(t *testing.T) {
	c := openCommitter(t)
	var armed atomic.Bool
	armed.Store(true)
	c.beforeCommit = func() {
		if armed.Load() {
			panic("disk on fire")
		}
	}
	for range 3 { // the flag must come down each time, or the 2nd call would hang
		if err := c.update(context.Background(), put("x")); !errors.Is(err, errCommitPanic) {
			t.Fatalf("err = %v, want the commit panic", err)
		}
	}
	if err := c.health(); !errors.Is(err, errCommitPanic) {
		t.Errorf("health = %v, want the panic", err)
	}
	// A call's own refusal says nothing about the store.
	errMine := errors.New("mine")
	if err := c.update(context.Background(), func(*bolt.Tx) error { return errMine }); !errors.Is(err, errMine) {
		t.Fatalf("err = %v", err)
	}
	if c.health() == nil {
		t.Error("a refused call cleared the failure")
	}
	armed.Store(false)
	if err := c.update(context.Background(), put("x")); err != nil {
		t.Fatal(err)
	}
	if err := c.health(); err != nil {
		t.Errorf("health after recovery = %v", err)
	}
	// A panic inside a call (a damaged page read by it) counts too.
	if err := c.update(context.Background(), func(*bolt.Tx) error { panic("fault reading page 9") }); !errors.Is(err, errCallPanic) {
		t.Fatalf("err = %v, want the call's panic", err)
	}
	if err := c.health(); !errors.Is(err, errCallPanic) {
		t.Errorf("health after a panicking call = %v", err)
	}
}

// TestCommitWaiterHonoursContext: a caller queued behind a stuck commit
// leaves when its context ends, and its write is not applied.
func TestCommitWaiterHonoursContext(t *testing.T) {
	c := openCommitter(t)
	entered, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	c.beforeCommit = func() {
		once.Do(func() { close(entered); <-release })
	}
	leaderErr := make(chan error, 1)
	go func() { leaderErr <- c.update(context.Background(), put("a")) }()
	<-entered
	ctx, cancel := context.WithCancel(context.Background())
	waiterErr := make(chan error, 1)
	go func() { waiterErr <- c.update(ctx, put("gave-up")) }()
	waitQueued(c, 1)
	cancel()
	if err := <-waiterErr; !errors.Is(err, context.Canceled) {
		t.Fatalf("waiter: err = %v, want context.Canceled", err)
	}
	close(release)
	if err := <-leaderErr; err != nil {
		t.Fatal(err)
	}
	if err := c.update(context.Background(), put("after")); err != nil {
		t.Fatal(err)
	}
	_ = c.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket([]byte("b")).Get([]byte("gave-up")) != nil {
			t.Error("the abandoned write was applied")
		}
		return nil
	})
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.leading || len(c.queue) != 0 {
		t.Errorf("leading=%v queue=%d, want idle", c.leading, len(c.queue))
	}
}

// TestAbandonPassesLead: a caller that gives up just after being handed
// the lead passes it to the next in line instead of losing it.
func TestAbandonPassesLead(t *testing.T) {
	c := &committer{leading: true}
	b := &call{done: make(chan outcome, 1)}
	d := &call{done: make(chan outcome, 1)}
	c.queue = []*call{b, d}
	b.done <- outcome{lead: true}
	if !c.abandon(b) {
		t.Fatal("abandon = false for a queued call")
	}
	select {
	case o := <-d.done:
		if !o.lead {
			t.Errorf("next call got %+v, want the lead", o)
		}
	default:
		t.Fatal("the lead was lost")
	}
	c.queue = nil
	if c.abandon(b) {
		t.Error("abandon = true for a call no longer queued")
	}
}

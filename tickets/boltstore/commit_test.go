package boltstore

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"
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
			errs[i] = c.update(func(tx *bolt.Tx) error {
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

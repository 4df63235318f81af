package storebench_test

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/boltstore"
	"github.com/triagebot/triagebot/tickets/storetest"
)

// BenchmarkCreatesBolt: ticket creates on a bbolt file, fsync on (the
// default), as serve opens it.
func BenchmarkCreatesBolt(b *testing.B) {
	storetest.BenchCreates(b, func(b *testing.B) tickets.Store {
		return openBolt(b, boltstore.Options{})
	})
}

func openBolt(b *testing.B, opts boltstore.Options) *boltstore.Store {
	s, err := boltstore.Open(filepath.Join(b.TempDir(), "bench.db"), opts)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	return s
}

// lossy commits every other Update without running it: a store that
// loses writes.
type lossy struct {
	tickets.Store
	n atomic.Int64
}

func (l *lossy) Update(ctx context.Context, fn func(tickets.Tx) error) error {
	if l.n.Add(1)%2 == 0 {
		return nil
	}
	return l.Store.Update(ctx, fn)
}

// The benchmark reports creates/s, and fails (an empty result) for a store
// that loses creates rather than reporting its speed.
func TestBenchCreatesOn(t *testing.T) {
	ok := testing.Benchmark(func(b *testing.B) {
		storetest.BenchCreatesOn(b, openBolt(b, boltstore.Options{NoSync: true}), 8)
	})
	if ok.N == 0 || ok.Extra["creates/s"] <= 0 {
		t.Errorf("a sound store: %d creates, %v creates/s", ok.N, ok.Extra["creates/s"])
	}
	lost := testing.Benchmark(func(b *testing.B) {
		storetest.BenchCreatesOn(b, &lossy{Store: openBolt(b, boltstore.Options{NoSync: true})}, 8)
	})
	if lost.N != 0 {
		t.Errorf("a store that loses creates was measured: %d creates, %v creates/s", lost.N, lost.Extra["creates/s"])
	}
}

package storebench_test

import (
	"path/filepath"
	"testing"

	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/boltstore"
	"github.com/triagebot/triagebot/tickets/storetest"
)

// BenchmarkCreates/bbolt: ticket creates on a bbolt file, fsync on (the
// default), as serve opens it.
func BenchmarkCreatesBolt(b *testing.B) {
	storetest.BenchCreates(b, func(b *testing.B) tickets.Store {
		s, err := boltstore.Open(filepath.Join(b.TempDir(), "bench.db"), boltstore.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = s.Close() })
		return s
	})
}

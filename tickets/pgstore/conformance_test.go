package pgstore

import (
	"testing"

	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/storetest"
)

// TestConformance runs the store conformance suite, each test on a fresh
// database.
func TestConformance(t *testing.T) {
	if testing.Short() {
		t.Skip("PostgreSQL conformance suite skipped in -short mode")
	}
	storetest.Run(t, func(t *testing.T, now tickets.Clock) tickets.Store {
		s, _ := openTest(t, Options{Now: now})
		return s
	})
}

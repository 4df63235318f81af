package boltstore_test

import (
	"testing"

	"github.com/triagebot/triagebot/tickets/boltstore"
	"github.com/triagebot/triagebot/tickets/storetest"
)

// TestModelSurvivesReopen: after the conformance suite's model test of
// random operations, every filter, the user index and the counts still
// agree with the model once the file is closed and opened again.
func TestModelSurvivesReopen(t *testing.T) {
	clock := storetest.NewClock()
	s, path := openTest(t, boltstore.Options{NoSync: true, Now: clock.Now})
	check := storetest.Model(t, s, clock, 3000)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := boltstore.Open(path, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	check(t, s2)
}

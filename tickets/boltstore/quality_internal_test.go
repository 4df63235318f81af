package boltstore

import (
	"testing"

	"github.com/triagebot/triagebot/tickets/internal/record"
)

func TestFastTicketID(t *testing.T) {
	for _, seq := range []uint64{1, 42, 999999, 1000000, 18446744073709551615} {
		if got, want := fastTicketID(seq), record.FormatTicketID(seq); got != want {
			t.Errorf("fastTicketID(%d) = %q, want %q", seq, got, want)
		}
	}
}

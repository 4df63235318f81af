package logs

import (
	"log/slog"
	"testing"
)

func TestOr(t *testing.T) {
	given := slog.New(slog.DiscardHandler)
	if got := Or(given); got != given {
		t.Errorf("Or(l) = %p, want l itself (%p)", got, given)
	}
	if got := Or(nil); got != slog.Default() {
		t.Errorf("Or(nil) = %p, want slog.Default() (%p)", got, slog.Default())
	}
}

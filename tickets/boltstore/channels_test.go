package boltstore_test

import (
	"context"
	"errors"
	"testing"

	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/boltstore"
)

// TestCursorSurvivesReopen: a file of an older version, which kept
// Telegram's offset with SetMeta, still gives it as the cursor, and a
// cursor set is there after a reopen.
func TestCursorSurvivesReopen(t *testing.T) {
	ctx := context.Background()
	s, path := openTest(t, boltstore.Options{})
	// Older versions wrote the offset with SetMeta under this key.
	update(t, s, func(tx tickets.Tx) error { return tx.SetMeta("telegram.offset", []byte("41")) })
	if v, err := s.Cursor(ctx, tickets.Telegram); err != nil || v != 41 {
		t.Fatalf("cursor from the old key = %d, %v; want 41", v, err)
	}
	if err := s.SetCursor(ctx, tickets.Telegram, 42); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s2, err := boltstore.Open(path, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if v, err := s2.Cursor(ctx, tickets.Telegram); err != nil || v != 42 {
		t.Fatalf("cursor after reopen = %d, %v; want 42", v, err)
	}
	if v, _ := s2.Cursor(ctx, tickets.Web); v != 0 {
		t.Fatalf("another channel's cursor = %d, want 0", v)
	}
}

// TestDeleteNoticeMalformedID: boltstore's notice ids are "rank.seq"; anything
// else is refused rather than taken for an unknown notice.
func TestDeleteNoticeMalformedID(t *testing.T) {
	s, _ := openTest(t, boltstore.Options{})
	if err := s.DeleteNotice(t.Context(), "junk"); !errors.Is(err, tickets.ErrInvalid) {
		t.Fatalf("malformed id: %v", err)
	}
}

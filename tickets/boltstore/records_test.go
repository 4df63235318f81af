package boltstore_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/boltstore"
)

// TestOutboxIDs: boltstore names an outbox message "<conversation>-<seq>"
// and refuses an acknowledgement of an id it cannot have issued (the
// suite checks what any store must do with ids it did issue).
func TestOutboxIDs(t *testing.T) {
	s, _ := openTest(t, boltstore.Options{})
	enqueue := func(conv string) tickets.OutMessage {
		m := tickets.OutMessage{ConversationID: conv, Kind: tickets.KindMessage, Text: "x"}
		update(t, s, func(tx tickets.Tx) error { return tx.Enqueue(&m) })
		return m
	}
	update(t, s, func(tx tickets.Tx) error {
		for _, id := range []string{"w1", "w1-2"} {
			if err := tx.PutConversation(&tickets.Conversation{ID: id, Channel: tickets.Web}); err != nil {
				return err
			}
		}
		return nil
	})
	var got []string
	for _, conv := range []string{"w1", "w1", "w1", "w1-2"} {
		got = append(got, enqueue(conv).ID)
	}
	if want := []string{"w1-1", "w1-2", "w1-3", "w1-2-1"}; !slices.Equal(got, want) {
		t.Fatalf("ids %v, want %v", got, want)
	}
	for _, id := range []string{"w1-9", "w1-03", "w1-0"} {
		err := s.Update(t.Context(), func(tx tickets.Tx) error { return tx.Ack("w1", id) })
		if !errors.Is(err, tickets.ErrInvalid) {
			t.Errorf("ack %s: %v, want ErrInvalid", id, err)
		}
	}
	update(t, s, func(tx tickets.Tx) error { return tx.Ack("w1", "w1-3") })
	if m := enqueue("w1"); m.ID != "w1-4" {
		t.Errorf("id after emptying = %s, want w1-4", m.ID)
	}
}

// TestMetaKeySpaceSeparateFromSchema: SetMeta of the name boltstore
// keeps its schema version under does not touch the version.
func TestMetaKeySpaceSeparateFromSchema(t *testing.T) {
	s, path := openTest(t, boltstore.Options{})
	update(t, s, func(tx tickets.Tx) error { return tx.SetMeta("schema_version", []byte("junk")) })
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := boltstore.Open(path, boltstore.Options{})
	if err != nil {
		t.Fatalf("reopen after SetMeta(schema_version): %v", err)
	}
	defer s2.Close()
	view(t, s2, func(tx tickets.Tx) error {
		v, err := tx.Meta("schema_version")
		if err != nil || string(v) != "junk" {
			t.Errorf("meta = %q, %v", v, err)
		}
		return nil
	})
}

package pgstore

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/triagebot/triagebot/tickets"
)

// TestOutboxDirectMatchesTx plays one script of reads and acknowledgements
// on two like conversations, one through View and Update, one through
// ReadOutbox and AckOutbox, and requires the same answers, errors (their
// words included) and pending state at every step.
func TestOutboxDirectMatchesTx(t *testing.T) {
	s, _ := openTest(t, Options{})
	ctx := context.Background()
	for _, id := range []string{"via-tx", "direct"} {
		update(t, s, func(tx tickets.Tx) error {
			if err := tx.PutConversation(&tickets.Conversation{ID: id, Channel: tickets.Web}); err != nil {
				return err
			}
			for i := range 3 {
				if err := tx.Enqueue(&tickets.OutMessage{ConversationID: id, Kind: tickets.KindMessage, Text: fmt.Sprint("m", i)}); err != nil {
					return err
				}
			}
			return nil
		})
	}
	viaTx := struct {
		read func(string) ([]tickets.OutMessage, error)
		ack  func(string, string) error
	}{
		read: func(id string) (msgs []tickets.OutMessage, err error) {
			err = s.View(ctx, func(tx tickets.Tx) error {
				var err error
				msgs, err = tx.Outbox(id)
				return err
			})
			return msgs, err
		},
		ack: func(id, msg string) error {
			return s.Update(ctx, func(tx tickets.Tx) error { return tx.Ack(id, msg) })
		},
	}
	// Answers are compared with the conversation's id written as "C".
	same := func(step string, a, b any, ea, eb error) {
		t.Helper()
		norm := func(e error) string {
			if e == nil {
				return ""
			}
			return strings.NewReplacer("via-tx", "C", "direct", "C").Replace(e.Error())
		}
		if norm(ea) != norm(eb) {
			t.Errorf("%s: errors differ: %q vs %q", step, norm(ea), norm(eb))
		}
		if fmt.Sprint(a) != strings.ReplaceAll(fmt.Sprint(b), "direct", "via-tx") {
			t.Errorf("%s: answers differ:\n%v\n%v", step, a, b)
		}
	}
	pending := func() []string {
		var ids []string
		view(t, s, func(tx tickets.Tx) error {
			var err error
			ids, err = tx.PendingConversations(tickets.Web)
			return err
		})
		return ids
	}
	// What a message is, without the time it was made.
	brief := func(msgs []tickets.OutMessage) []string {
		var out []string
		for _, m := range msgs {
			out = append(out, fmt.Sprint(m.ID, m.Seq, m.Kind, m.Text, m.Parts))
		}
		return out
	}
	read := func(step string) {
		t.Helper()
		a, ea := viaTx.read("via-tx")
		b, eb := s.ReadOutbox(ctx, "direct")
		same(step, brief(a), brief(b), ea, eb)
	}
	ack := func(step, suffix string) {
		t.Helper()
		ea := viaTx.ack("via-tx", "via-tx"+suffix)
		eb := s.AckOutbox(ctx, "direct", "direct"+suffix)
		same(step, nil, nil, ea, eb)
		if p := pending(); slices.Contains(p, "via-tx") != slices.Contains(p, "direct") {
			t.Errorf("%s: pending %v", step, p)
		}
	}
	read("first read")
	ack("ack the first", "-1")
	ack("ack it again", "-1")
	ack("an id never issued", "-99")
	ack("a malformed id", "-x")
	ack("an id of the wrong form", "")
	read("after one ack")
	ack("ack the last", "-3")
	read("empty")
	if p := pending(); len(p) != 0 {
		t.Errorf("pending after everything was acknowledged: %v", p)
	}
	for _, msg := range []string{"nope-1", "nope-x"} {
		ea := viaTx.ack("nope", msg)
		eb := s.AckOutbox(ctx, "nope", msg)
		same("unknown conversation, "+msg, nil, nil, ea, eb)
	}
	_, ea := viaTx.read("nope")
	_, eb := s.ReadOutbox(ctx, "nope")
	same("read an unknown conversation", nil, nil, ea, eb)
}

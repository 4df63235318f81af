package boltstore_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/boltstore"
)

func TestCursorSurvivesReopen(t *testing.T) {
	ctx := context.Background()
	s, path := openTest(t, boltstore.Options{})
	if v, err := s.Cursor(ctx, tickets.Telegram); err != nil || v != 0 {
		t.Fatalf("fresh cursor = %d, %v; want 0, nil", v, err)
	}
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

func TestChoicesKeepNewestSets(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t, boltstore.Options{})
	for seq := uint64(1); seq <= 10; seq++ {
		if err := s.PutChoices(ctx, "tg-1", seq, []string{"yes", "no"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.PutChoices(ctx, "tg-10", 1, []string{"other"}); err != nil {
		t.Fatal(err)
	}
	for seq, want := range map[uint64][]string{1: nil, 2: nil, 3: {"yes", "no"}, 10: {"yes", "no"}, 11: nil} {
		got, err := s.Choices(ctx, "tg-1", seq)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("Choices(tg-1, %d) = %q, %v; want %q", seq, got, err, want)
		}
	}
	if got, _ := s.Choices(ctx, "tg-10", 1); !reflect.DeepEqual(got, []string{"other"}) {
		t.Errorf("a conversation whose id extends another's lost its set: %q", got)
	}
	if err := s.PutChoices(ctx, "tg-1", 12, nil); !errors.Is(err, tickets.ErrInvalid) {
		t.Errorf("empty labels: %v, want ErrInvalid", err)
	}
}

func TestNoticesUrgentFirstAndDeleted(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t, boltstore.Options{Now: newClock().Now})
	ids := map[string]string{} // ticket → notice
	for _, p := range []tickets.Priority{tickets.Normal, tickets.Urgent, tickets.Low, tickets.Urgent} {
		update(t, s, func(tx tickets.Tx) error {
			tk := tickets.Ticket{Priority: p, Queue: "general", Channel: tickets.Web, Intent: "other"}
			if err := tx.CreateTicket(&tk); err != nil {
				return err
			}
			n := tickets.Notice{Kind: tickets.NoticeNewTicket, TicketID: tk.ID, Rank: p.Rank()}
			if err := tx.AddNotice(&n); err != nil {
				return err
			}
			ids[tk.ID] = n.ID
			return nil
		})
	}
	got, err := s.Notices(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, n := range got {
		order = append(order, n.TicketID)
		if n.Ticket.ID != n.TicketID || n.ID != ids[n.TicketID] || n.Kind != tickets.NoticeNewTicket {
			t.Errorf("notice %+v: ticket or id not filled in", n)
		}
	}
	if want := []string{"T-000002", "T-000004", "T-000001", "T-000003"}; !reflect.DeepEqual(order, want) {
		t.Fatalf("order %v, want urgent first then oldest %v", order, want)
	}
	if got, _ := s.Notices(ctx, 2); len(got) != 2 {
		t.Fatalf("limit 2 gave %d", len(got))
	}
	if err := s.DeleteNotice(ctx, ids["T-000004"]); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteNotice(ctx, ids["T-000004"]); err != nil {
		t.Fatalf("deleting twice: %v", err)
	}
	if err := s.DeleteNotice(ctx, "junk"); !errors.Is(err, tickets.ErrInvalid) {
		t.Fatalf("malformed id: %v", err)
	}
	got, _ = s.Notices(ctx, 0)
	if len(got) != 3 || got[1].TicketID != "T-000001" {
		t.Fatalf("after delete: %+v", got)
	}
	// A notice rolled back with its transaction does not exist.
	boom := errors.New("boom")
	err = s.Update(ctx, func(tx tickets.Tx) error {
		if err := tx.AddNotice(&tickets.Notice{Kind: tickets.NoticeNewTicket, TicketID: "T-000001"}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if got, _ := s.Notices(ctx, 0); len(got) != 3 {
		t.Fatalf("a rolled-back notice was kept: %d notices", len(got))
	}
}

func TestSetProgress(t *testing.T) {
	s, _ := openTest(t, boltstore.Options{})
	var ids []string
	update(t, s, func(tx tickets.Tx) error {
		if err := tx.PutConversation(&tickets.Conversation{ID: "tg-5", Channel: tickets.Telegram}); err != nil {
			return err
		}
		for _, text := range []string{"long", "next"} {
			m := tickets.OutMessage{ConversationID: "tg-5", Kind: tickets.KindMessage, Text: text}
			if err := tx.Enqueue(&m); err != nil {
				return err
			}
			ids = append(ids, m.ID)
		}
		return tx.Enqueue(&tickets.OutMessage{ConversationID: "tg-5", Kind: tickets.KindChannel, Key: "telegram.help"})
	})
	update(t, s, func(tx tickets.Tx) error { return tx.SetProgress("tg-5", ids[0], 2) })
	view(t, s, func(tx tickets.Tx) error {
		out, err := tx.Outbox("tg-5")
		if err != nil {
			return err
		}
		if out[0].Parts != 2 || out[1].Parts != 0 || out[2].Key != "telegram.help" {
			t.Errorf("outbox %+v", out)
		}
		return nil
	})
	update(t, s, func(tx tickets.Tx) error { return tx.Ack("tg-5", ids[0]) })
	update(t, s, func(tx tickets.Tx) error { return tx.SetProgress("tg-5", ids[0], 3) }) // acked: no error
	err := s.Update(context.Background(), func(tx tickets.Tx) error { return tx.SetProgress("tg-5", "tg-6-1", 1) })
	if !errors.Is(err, tickets.ErrInvalid) {
		t.Fatalf("another conversation's id: %v", err)
	}
}

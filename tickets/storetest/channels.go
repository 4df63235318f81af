package storetest

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/triagebot/triagebot/tickets"
)

// The cursor is 0 until set, then what was set, per channel.
func testCursor(t *testing.T, open Opener) {
	ctx := context.Background()
	s, _ := fresh(t, open)
	if v, err := s.Cursor(ctx, tickets.Telegram); err != nil || v != 0 {
		t.Fatalf("fresh cursor = %d, %v; want 0, nil", v, err)
	}
	for _, v := range []int64{42, 7, 1 << 40} {
		if err := s.SetCursor(ctx, tickets.Telegram, v); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Cursor(ctx, tickets.Telegram); err != nil || got != v {
			t.Errorf("cursor = %d, %v; want %d", got, err, v)
		}
	}
	if v, err := s.Cursor(ctx, tickets.Web); err != nil || v != 0 {
		t.Errorf("another channel's cursor = %d, %v; want 0", v, err)
	}
}

// Only the newest few keyboards of a conversation are kept.
func testChoicesKeepNewestSets(t *testing.T, open Opener) {
	ctx := context.Background()
	s, _ := fresh(t, open)
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

func testNoticesUrgentFirstAndDeleted(t *testing.T, open Opener) {
	ctx := context.Background()
	s, clock := fresh(t, open)
	ids := map[string]string{} // ticket → notice
	for _, p := range []tickets.Priority{tickets.Normal, tickets.Urgent, tickets.Low, tickets.Urgent} {
		clock.Advance(time.Second)
		Update(t, s, func(tx tickets.Tx) error {
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
		if n.Ticket.ID != n.TicketID || n.ID != ids[n.TicketID] || n.Kind != tickets.NoticeNewTicket || n.CreatedAt.IsZero() {
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

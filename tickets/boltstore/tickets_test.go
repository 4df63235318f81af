package boltstore_test

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/boltstore"
)

func TestTicketRoundTrip(t *testing.T) {
	s, _ := openTest(t, boltstore.Options{})
	at := time.Date(2025, 11, 2, 15, 4, 5, 123456789, time.UTC)
	want := tickets.Ticket{
		Status: tickets.Open, Intent: "duplicate_charge", Priority: tickets.High, Queue: "payments",
		SLADue: at.Add(4 * time.Hour), Channel: tickets.Telegram, User: tickets.User{ID: "99", Name: "陳大文"},
		Lang: "zh-Hant",
		Details: tickets.Details{Time: "2025-11-02T15:00:00+08:00", TimeGrain: "hour", Amount: "1200.00",
			Currency: "HKD", TransactionID: "TX1", ErrorMessage: "扣咗兩次"},
		Attachments: []tickets.Attachment{{ID: "a1", Filename: "x.png", ContentType: "image/png", Size: 3, CreatedAt: at}},
		Transcript:  []tickets.Entry{{From: tickets.FromAgent, Text: "checking", At: at, Agent: "amy"}, {From: tickets.FromUser, Text: "俾人扣咗兩次錢", At: at}},
		Assignee:    "amy", Summary: "charged twice",
		ConversationID: "c9", Related: []string{"T-000007"}, Note: "refunded",
		Notes:     []tickets.Note{{Author: "bob", Text: "called the bank", At: at}},
		CreatedAt: at, UpdatedAt: at, ResolvedAt: at,
		History:         []tickets.HistoryItem{{ID: "T-000007", Status: tickets.Resolved, Intent: "duplicate_charge", CreatedAt: at}},
		FirstResponseAt: at, Breached: true, CSAT: &tickets.CSAT{Score: 4, Comment: "quick", At: at},
	}
	// Two entries more than the window: the oldest two go to the archive.
	for len(want.Transcript) < tickets.TranscriptWindow+2 {
		want.Transcript = append(want.Transcript, want.Transcript[len(want.Transcript)%2])
	}
	whole := want.Transcript
	want.Status = tickets.Resolved
	want.ID = "T-000001"
	want.TranscriptFrom = 2
	requireAllSet(t, want)
	want.ID = ""
	// History is the API's view of other tickets, never stored.
	want.History = nil
	in := want
	in.TranscriptFrom = 0 // a new ticket's transcript is whole
	update(t, s, func(tx tickets.Tx) error { return tx.CreateTicket(&in) })
	want.ID = "T-000001"
	want.Transcript = whole[2:]
	if in.ID != want.ID || in.TranscriptFrom != 2 || len(in.Transcript) != tickets.TranscriptWindow {
		t.Fatalf("created: id %q, transcript from %d with %d entries", in.ID, in.TranscriptFrom, len(in.Transcript))
	}
	view(t, s, func(tx tickets.Tx) error {
		got, err := tx.Ticket("T-000001")
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("round trip:\n got %+v\nwant %+v", got, want)
		}
		all, err := tx.Transcript("T-000001")
		if err != nil || !reflect.DeepEqual(all, whole) {
			t.Errorf("whole transcript: %d entries, %v; want %d", len(all), err, len(whole))
		}
		return nil
	})
}

func TestCreateTicketDefaults(t *testing.T) {
	clock := newClock()
	s, _ := openTest(t, boltstore.Options{Now: clock.Now})
	tk := mustCreate(t, s, tickets.Ticket{Priority: tickets.Normal})
	if tk.Status != tickets.Open || !tk.CreatedAt.Equal(clock.Now()) || !tk.UpdatedAt.Equal(clock.Now()) {
		t.Errorf("defaults: %+v", tk)
	}
}

func TestTicketErrors(t *testing.T) {
	s, _ := openTest(t, boltstore.Options{})
	existing := mustCreate(t, s, newTicket("q", tickets.Normal))
	tests := []struct {
		name string
		fn   func(tx tickets.Tx) error
		want error
	}{
		{"create bad priority", func(tx tickets.Tx) error { tk := newTicket("q", "asap"); return tx.CreateTicket(&tk) }, tickets.ErrInvalid},
		{"create bad status", func(tx tickets.Tx) error {
			tk := newTicket("q", tickets.Low)
			tk.Status = "pending"
			return tx.CreateTicket(&tk)
		}, tickets.ErrInvalid},
		{"create claimed without assignee", func(tx tickets.Tx) error {
			tk := newTicket("q", tickets.Low)
			tk.Status = tickets.Claimed
			return tx.CreateTicket(&tk)
		}, tickets.ErrInvalid},
		{"put bad priority", func(tx tickets.Tx) error { tk := existing; tk.Priority = ""; return tx.PutTicket(&tk) }, tickets.ErrInvalid},
		{"put unknown", func(tx tickets.Tx) error { tk := existing; tk.ID = "T-000099"; return tx.PutTicket(&tk) }, tickets.ErrNotFound},
		{"get unknown", func(tx tickets.Tx) error { _, err := tx.Ticket("T-000099"); return err }, tickets.ErrNotFound},
		{"get non-canonical", func(tx tickets.Tx) error { _, err := tx.Ticket("T-1"); return err }, tickets.ErrNotFound},
		{"get garbage", func(tx tickets.Tx) error { _, err := tx.Ticket("../etc"); return err }, tickets.ErrNotFound},
		{"get empty", func(tx tickets.Tx) error { _, err := tx.Ticket(""); return err }, tickets.ErrNotFound},
		{"filter bad status", func(tx tickets.Tx) error { _, err := tx.Tickets(tickets.Filter{Status: "x"}); return err }, tickets.ErrInvalid},
		{"filter bad priority", func(tx tickets.Tx) error { _, err := tx.Tickets(tickets.Filter{Priority: "x"}); return err }, tickets.ErrInvalid},
		{"filter negative limit", func(tx tickets.Tx) error { _, err := tx.Tickets(tickets.Filter{Limit: -1}); return err }, tickets.ErrInvalid},
		{"filter bad cursor", func(tx tickets.Tx) error { _, err := tx.Tickets(tickets.Filter{After: "zz"}); return err }, tickets.ErrInvalid},
		{"filter unknown cursor", func(tx tickets.Tx) error { _, err := tx.Tickets(tickets.Filter{After: "T-000099"}); return err }, tickets.ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := s.Update(t.Context(), tc.fn)
			if !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
		})
	}
	// None of the refused writes touched the store.
	view(t, s, func(tx tickets.Tx) error {
		all, err := tx.Tickets(tickets.Filter{})
		if err != nil || len(all) != 1 {
			t.Errorf("tickets after refused writes: %v, %v", ids(all), err)
		}
		return nil
	})
}

func TestTicketsOrderAndPaging(t *testing.T) {
	clock := newClock()
	s, _ := openTest(t, boltstore.Options{NoSync: true, Now: clock.Now})
	// Created in this order; the queue view wants urgent first, then oldest,
	// with equal times broken by creation order.
	specs := []tickets.Priority{tickets.Low, tickets.Urgent, tickets.Normal, tickets.Urgent, tickets.High, tickets.Low}
	var created []tickets.Ticket
	for i, p := range specs {
		if i != 3 { // tickets 3 and 4 share a timestamp
			clock.Advance(time.Minute)
		}
		created = append(created, mustCreate(t, s, newTicket("payments", p)))
	}
	want := []string{"T-000002", "T-000004", "T-000005", "T-000003", "T-000001", "T-000006"}
	view(t, s, func(tx tickets.Tx) error {
		all, err := tx.Tickets(tickets.Filter{})
		if err != nil {
			return err
		}
		if !slices.Equal(ids(all), want) {
			t.Errorf("order = %v, want %v", ids(all), want)
		}
		var paged []string
		after := ""
		for {
			page, err := tx.Tickets(tickets.Filter{Queue: "payments", Status: tickets.Open, Limit: 4, After: after})
			if err != nil {
				return err
			}
			paged = append(paged, ids(page)...)
			if len(page) < 4 {
				break
			}
			after = page[len(page)-1].ID
		}
		if !slices.Equal(paged, want) {
			t.Errorf("paged = %v, want %v", paged, want)
		}
		return nil
	})

	// The cursor ticket changing between pages (claimed: it leaves the open
	// view) does not lose or repeat the rest.
	update(t, s, func(tx tickets.Tx) error {
		_, err := tickets.Claim(tx, "T-000004", "amy", clock.Now())
		return err
	})
	view(t, s, func(tx tickets.Tx) error {
		page, err := tx.Tickets(tickets.Filter{Status: tickets.Open, After: "T-000004"})
		if err != nil {
			return err
		}
		if got := ids(page); !slices.Equal(got, want[2:]) {
			t.Errorf("after a moved cursor = %v, want %v", got, want[2:])
		}
		// A priority filter with a cursor from a more urgent ticket starts at the top.
		page, err = tx.Tickets(tickets.Filter{Priority: tickets.Low, After: "T-000002"})
		if err != nil {
			return err
		}
		if got := ids(page); !slices.Equal(got, []string{"T-000001", "T-000006"}) {
			t.Errorf("priority page after an urgent cursor = %v", got)
		}
		// ... and one from a less urgent ticket yields nothing.
		page, err = tx.Tickets(tickets.Filter{Priority: tickets.Urgent, After: "T-000006"})
		if err != nil || len(page) != 0 {
			t.Errorf("urgent page after a low cursor = %v, %v", ids(page), err)
		}
		return nil
	})
}

func TestTicketsLimits(t *testing.T) {
	s, _ := openTest(t, boltstore.Options{NoSync: true})
	update(t, s, func(tx tickets.Tx) error {
		for range tickets.MaxLimit + 20 {
			tk := newTicket("q", tickets.Normal)
			if err := tx.CreateTicket(&tk); err != nil {
				return err
			}
		}
		return nil
	})
	tests := []struct{ limit, want int }{
		{0, tickets.DefaultLimit}, {1, 1}, {120, 120}, {tickets.MaxLimit + 1, tickets.MaxLimit}, {1 << 30, tickets.MaxLimit},
	}
	for _, tc := range tests {
		view(t, s, func(tx tickets.Tx) error {
			page, err := tx.Tickets(tickets.Filter{Limit: tc.limit})
			if err != nil || len(page) != tc.want {
				t.Errorf("limit %d: %d tickets, %v; want %d", tc.limit, len(page), err, tc.want)
			}
			return nil
		})
	}
}

func TestQueuePrefixesDoNotMix(t *testing.T) {
	s, _ := openTest(t, boltstore.Options{})
	a := mustCreate(t, s, newTicket("pay", tickets.Normal))
	b := mustCreate(t, s, newTicket("payments", tickets.Normal))
	view(t, s, func(tx tickets.Tx) error {
		for q, want := range map[string]string{"pay": a.ID, "payments": b.ID} {
			got, err := tx.Tickets(tickets.Filter{Queue: q})
			if err != nil || len(got) != 1 || got[0].ID != want {
				t.Errorf("queue %q: %v, %v", q, ids(got), err)
			}
		}
		return nil
	})
}

func TestTicketsOfUserNewestFirst(t *testing.T) {
	s, _ := openTest(t, boltstore.Options{})
	mk := func(ch tickets.Channel, user string) string {
		tk := newTicket("q", tickets.Normal)
		tk.Channel, tk.User.ID = ch, user
		return mustCreate(t, s, tk).ID
	}
	a1 := mk(tickets.Web, "a")
	mk(tickets.Telegram, "a")
	mk(tickets.Web, "ab")
	a2 := mk(tickets.Web, "a")
	view(t, s, func(tx tickets.Tx) error {
		got, err := tx.TicketsOfUser(tickets.Web, "a")
		if err != nil {
			return err
		}
		if want := []string{a2, a1}; !slices.Equal(ids(got), want) {
			t.Errorf("TicketsOfUser = %v, want %v", ids(got), want)
		}
		none, err := tx.TicketsOfUser(tickets.Web, "nobody")
		if err != nil || len(none) != 0 {
			t.Errorf("unknown user: %v, %v", ids(none), err)
		}
		return nil
	})
}

func TestCountTickets(t *testing.T) {
	s, _ := openTest(t, boltstore.Options{})
	for i := range 5 {
		tk := mustCreate(t, s, newTicket(fmt.Sprint("q", i%2), tickets.High))
		if i == 0 {
			update(t, s, func(tx tickets.Tx) error {
				_, err := tickets.Resolve(tx, tk.ID, "amy", "done", time.Now())
				return err
			})
		}
	}
	view(t, s, func(tx tickets.Tx) error {
		got, err := tx.CountTickets()
		if err != nil {
			return err
		}
		want := map[tickets.TicketKey]int{
			{Status: tickets.Resolved, Queue: "q0", Priority: tickets.High}: 1,
			{Status: tickets.Open, Queue: "q0", Priority: tickets.High}:     2,
			{Status: tickets.Open, Queue: "q1", Priority: tickets.High}:     2,
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("counts = %v, want %v", got, want)
		}
		return nil
	})
}

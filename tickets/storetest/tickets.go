package storetest

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/triagebot/triagebot/tickets"
)

// ticketID is the form of every ticket id: T- and at least six digits.
var ticketID = regexp.MustCompile(`^T-[0-9]{6,}$`)

// A ticket comes back whole; a transcript longer than the window keeps the
// newest entries on the ticket and the older ones in the archive.
func testTicketRoundTrip(t *testing.T, open Opener) {
	s, _ := fresh(t, open)
	at := time.Date(2025, 11, 2, 15, 4, 5, 123456000, time.UTC)
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
	Update(t, s, func(tx tickets.Tx) error { return tx.CreateTicket(&in) })
	want.ID = "T-000001"
	want.Transcript = whole[2:]
	if in.ID != want.ID || in.TranscriptFrom != 2 || len(in.Transcript) != tickets.TranscriptWindow {
		t.Fatalf("created: id %q, transcript from %d with %d entries", in.ID, in.TranscriptFrom, len(in.Transcript))
	}
	View(t, s, func(tx tickets.Tx) error {
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

// A new ticket without status or times is open, created now.
func testCreateTicketDefaults(t *testing.T, open Opener) {
	s, clock := fresh(t, open)
	tk := mustCreate(t, s, tickets.Ticket{Priority: tickets.Normal})
	if tk.Status != tickets.Open || !tk.CreatedAt.Equal(clock.Now()) || !tk.UpdatedAt.Equal(clock.Now()) {
		t.Errorf("defaults: %+v", tk)
	}
	View(t, s, func(tx tickets.Tx) error {
		got, err := tx.Ticket(tk.ID)
		if err == nil && (got.Status != tickets.Open || !got.CreatedAt.Equal(clock.Now())) {
			t.Errorf("stored defaults: %+v", got)
		}
		return err
	})
}

// A fresh store numbers tickets T-000001, T-000002, … in creation order,
// and a ticket is found by that id only.
func testTicketIDSequence(t *testing.T, open Opener) {
	s, _ := fresh(t, open)
	var got []string
	for range 3 {
		got = append(got, mustCreate(t, s, newTicket("q", tickets.Normal)).ID)
	}
	Update(t, s, func(tx tickets.Tx) error { // two in one transaction
		for range 2 {
			tk := newTicket("q", tickets.Low)
			if err := tx.CreateTicket(&tk); err != nil {
				return err
			}
			got = append(got, tk.ID)
		}
		return nil
	})
	want := []string{"T-000001", "T-000002", "T-000003", "T-000004", "T-000005"}
	if !slices.Equal(got, want) {
		t.Fatalf("ids %v, want %v", got, want)
	}
	View(t, s, func(tx tickets.Tx) error {
		for _, id := range want {
			if tk, err := tx.Ticket(id); err != nil || tk.ID != id {
				t.Errorf("Ticket(%s) = %s, %v", id, tk.ID, err)
			}
		}
		return nil
	})
}

func testTicketErrors(t *testing.T, open Opener) {
	s, _ := fresh(t, open)
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
		{"create with a partial transcript", func(tx tickets.Tx) error {
			tk := newTicket("q", tickets.Low)
			tk.TranscriptFrom = 3
			return tx.CreateTicket(&tk)
		}, tickets.ErrInvalid},
		{"put bad priority", func(tx tickets.Tx) error { tk := existing; tk.Priority = ""; return tx.PutTicket(&tk) }, tickets.ErrInvalid},
		{"put unknown", func(tx tickets.Tx) error { tk := existing; tk.ID = "T-000099"; return tx.PutTicket(&tk) }, tickets.ErrNotFound},
		{"get unknown", func(tx tickets.Tx) error { _, err := tx.Ticket("T-000099"); return err }, tickets.ErrNotFound},
		{"get non-canonical", func(tx tickets.Tx) error { _, err := tx.Ticket("T-1"); return err }, tickets.ErrNotFound},
		{"get garbage", func(tx tickets.Tx) error { _, err := tx.Ticket("../etc"); return err }, tickets.ErrNotFound},
		{"get empty", func(tx tickets.Tx) error { _, err := tx.Ticket(""); return err }, tickets.ErrNotFound},
		{"transcript unknown", func(tx tickets.Tx) error { _, err := tx.Transcript("T-000099"); return err }, tickets.ErrNotFound},
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
	View(t, s, func(tx tickets.Tx) error {
		all, err := tx.Tickets(tickets.Filter{})
		if err != nil || len(all) != 1 {
			t.Errorf("tickets after refused writes: %v, %v", ids(all), err)
		}
		got, err := tx.Ticket(existing.ID)
		if err != nil || got.Priority != tickets.Normal {
			t.Errorf("a refused put changed the ticket: %+v, %v", got, err)
		}
		return nil
	})
}

func testTicketsOrderAndPaging(t *testing.T, open Opener) {
	s, clock := fresh(t, open)
	// Created in this order; the queue view wants urgent first, then oldest,
	// with equal times broken by creation order.
	specs := []tickets.Priority{tickets.Low, tickets.Urgent, tickets.Normal, tickets.Urgent, tickets.High, tickets.Low}
	for i, p := range specs {
		if i != 3 { // tickets 3 and 4 share a timestamp
			clock.Advance(time.Minute)
		}
		mustCreate(t, s, newTicket("payments", p))
	}
	want := []string{"T-000002", "T-000004", "T-000005", "T-000003", "T-000001", "T-000006"}
	View(t, s, func(tx tickets.Tx) error {
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
	Update(t, s, func(tx tickets.Tx) error {
		_, err := tickets.Claim(tx, "T-000004", "amy", clock.Now())
		return err
	})
	View(t, s, func(tx tickets.Tx) error {
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

// Limit 0 is DefaultLimit; a larger limit than MaxLimit is cut to it.
func testTicketsLimits(t *testing.T, open Opener) {
	s, _ := fresh(t, open)
	Update(t, s, func(tx tickets.Tx) error {
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
		View(t, s, func(tx tickets.Tx) error {
			page, err := tx.Tickets(tickets.Filter{Limit: tc.limit})
			if err != nil || len(page) != tc.want {
				t.Errorf("limit %d: %d tickets, %v; want %d", tc.limit, len(page), err, tc.want)
			}
			return nil
		})
	}
}

func testQueuePrefixesDoNotMix(t *testing.T, open Opener) {
	s, _ := fresh(t, open)
	a := mustCreate(t, s, newTicket("pay", tickets.Normal))
	b := mustCreate(t, s, newTicket("payments", tickets.Normal))
	View(t, s, func(tx tickets.Tx) error {
		for q, want := range map[string]string{"pay": a.ID, "payments": b.ID} {
			got, err := tx.Tickets(tickets.Filter{Queue: q})
			if err != nil || len(got) != 1 || got[0].ID != want {
				t.Errorf("queue %q: %v, %v", q, ids(got), err)
			}
			got, err = tx.Tickets(tickets.Filter{Queues: []string{q}})
			if err != nil || len(got) != 1 || got[0].ID != want {
				t.Errorf("queues [%q]: %v, %v", q, ids(got), err)
			}
		}
		// A queue outside the agent's own lists nothing.
		got, err := tx.Tickets(tickets.Filter{Queue: "pay", Queues: []string{"payments"}})
		if err != nil || len(got) != 0 {
			t.Errorf("queue outside queues: %v, %v", ids(got), err)
		}
		return nil
	})
}

func testTicketsOfUserNewestFirst(t *testing.T, open Opener) {
	s, _ := fresh(t, open)
	mk := func(ch tickets.Channel, user string) string {
		tk := newTicket("q", tickets.Normal)
		tk.Channel, tk.User.ID = ch, user
		return mustCreate(t, s, tk).ID
	}
	a1 := mk(tickets.Web, "a")
	mk(tickets.Telegram, "a")
	mk(tickets.Web, "ab")
	a2 := mk(tickets.Web, "a")
	View(t, s, func(tx tickets.Tx) error {
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

func testCountTickets(t *testing.T, open Opener) {
	s, _ := fresh(t, open)
	View(t, s, func(tx tickets.Tx) error {
		got, err := tx.CountTickets()
		if err != nil || len(got) != 0 {
			t.Errorf("counts of an empty store = %v, %v", got, err)
		}
		return nil
	})
	for i := range 5 {
		tk := mustCreate(t, s, newTicket(fmt.Sprint("q", i%2), tickets.High))
		if i == 0 {
			Update(t, s, func(tx tickets.Tx) error {
				_, err := tickets.Resolve(tx, tk.ID, "amy", "done", time.Now())
				return err
			})
		}
	}
	View(t, s, func(tx tickets.Tx) error {
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

// A ticket record keeps the newest entries; older ones move to the
// archive, and Transcript returns them all in order.
func testTranscriptWindow(t *testing.T, open Opener) {
	s, _ := fresh(t, open)
	tk := mustCreate(t, s, newTicket("payments", tickets.Normal))
	at := time.Date(2025, 11, 2, 7, 0, 0, 0, time.UTC)
	n := tickets.TranscriptWindow*2 + 50
	for i := range n {
		Update(t, s, func(tx tickets.Tx) error {
			_, err := tickets.AppendEntry(tx, tk.ID, tickets.Entry{From: tickets.FromUser, Text: fmt.Sprint(i), At: at})
			return err
		})
	}
	View(t, s, func(tx tickets.Tx) error {
		got, err := tx.Ticket(tk.ID)
		if err != nil {
			return err
		}
		if len(got.Transcript) != tickets.TranscriptWindow || got.TranscriptFrom != n-tickets.TranscriptWindow {
			t.Errorf("record holds %d entries from %d, want %d from %d",
				len(got.Transcript), got.TranscriptFrom, tickets.TranscriptWindow, n-tickets.TranscriptWindow)
		}
		if got.Transcript[0].Text != fmt.Sprint(n-tickets.TranscriptWindow) {
			t.Errorf("first kept entry %q", got.Transcript[0].Text)
		}
		all, err := tx.Transcript(tk.ID)
		if err != nil {
			return err
		}
		if len(all) != n {
			t.Fatalf("whole transcript has %d entries, want %d", len(all), n)
		}
		for i, e := range all {
			if e.Text != fmt.Sprint(i) {
				t.Fatalf("entry %d is %q", i, e.Text)
			}
		}
		return nil
	})
	// A ticket whose transcript does not start where the stored one does
	// (read whole, then put back) is refused: it would duplicate entries.
	err := s.Update(t.Context(), func(tx tickets.Tx) error {
		got, err := tx.Ticket(tk.ID)
		if err != nil {
			return err
		}
		if got.Transcript, err = tx.Transcript(tk.ID); err != nil {
			return err
		}
		got.TranscriptFrom = 0
		return tx.PutTicket(&got)
	})
	if !errors.Is(err, tickets.ErrInvalid) {
		t.Errorf("putting a whole transcript back: err = %v, want ErrInvalid", err)
	}
}

package storetest

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/triagebot/triagebot/tickets"
)

func testEventsPerChange(t *testing.T, open Opener) {
	s, _ := fresh(t, open)
	now := time.Date(2025, 11, 2, 7, 0, 0, 0, time.UTC)
	Update(t, s, func(tx tickets.Tx) error {
		return tx.CreateAgent(&tickets.Agent{Name: "bob", TokenHash: tickets.HashToken("b")})
	})
	tk := newTicket("payments", tickets.High)
	tk.Transcript = []tickets.Entry{{From: tickets.FromUser, Text: "提款失敗 card 4111 **** ****", At: now}}
	tk = mustCreate(t, s, tk)
	steps := []struct {
		name string
		fn   func(tx tickets.Tx) error
		want tickets.EventKind
	}{
		{"message", func(tx tickets.Tx) error {
			_, err := tickets.AppendEntry(tx, tk.ID, tickets.Entry{From: tickets.FromUser, Text: "still nothing", At: now.Add(time.Minute)})
			return err
		}, tickets.EventMessage},
		{"claim then tell the user, one event", func(tx tickets.Tx) error {
			if _, err := tickets.Claim(tx, tk.ID, "amy", now); err != nil {
				return err
			}
			_, err := tickets.AppendEntry(tx, tk.ID, tickets.Entry{From: tickets.FromBot, Text: "a colleague is here", At: now})
			return err
		}, tickets.EventClaimed},
		{"note", func(tx tickets.Tx) error {
			_, err := tickets.AddNote(tx, tk.ID, "amy", "asked the bank", now)
			return err
		}, tickets.EventNote},
		{"transfer to an agent", func(tx tickets.Tx) error {
			_, err := tickets.Transfer(tx, tk.ID, "amy", tickets.Target{Assignee: "bob"}, now)
			return err
		}, tickets.EventTransferred},
		{"transfer to a queue", func(tx tickets.Tx) error {
			_, err := tickets.Transfer(tx, tk.ID, "bob", tickets.Target{Queue: "fraud"}, now)
			return err
		}, tickets.EventTransferred},
		{"claim", func(tx tickets.Tx) error { _, err := tickets.Claim(tx, tk.ID, "bob", now); return err }, tickets.EventClaimed},
		{"release", func(tx tickets.Tx) error { _, err := tickets.Release(tx, tk.ID, "bob", now); return err }, tickets.EventReleased},
		{"resolve", func(tx tickets.Tx) error { _, err := tickets.Resolve(tx, tk.ID, "bob", "done", now); return err }, tickets.EventResolved},
	}
	seq := events(t, s, 0)[0].Seq
	if got := kinds(events(t, s, 0)); !slices.Equal(got, []string{"created " + tk.ID}) {
		t.Fatalf("after create: %v", got)
	}
	for _, st := range steps {
		Update(t, s, st.fn)
		evs := events(t, s, seq)
		if len(evs) != 1 || evs[0].Kind != st.want || evs[0].ID != tk.ID || evs[0].Seq != seq+1 {
			t.Fatalf("%s: events %v (seq %v), want one %s numbered %d", st.name, kinds(evs), evs, st.want, seq+1)
		}
		seq = evs[0].Seq
	}
	// The last event describes the ticket as it is, for the queue row.
	last := events(t, s, seq-1)[0]
	if last.Status != tickets.Resolved || last.Queue != "fraud" || last.Assignee != "bob" ||
		last.LastMessage == nil || last.LastMessage.Text != "still nothing" || last.UserName != "Ada" {
		t.Errorf("last event %+v", last)
	}
	// The queue transfer names the queue the ticket left.
	var moved tickets.Event
	for _, e := range events(t, s, 0) {
		if e.Kind == tickets.EventTransferred && e.Queue == "fraud" {
			moved = e
		}
	}
	if moved.FromQueue != "payments" {
		t.Errorf("transfer to a queue: from_queue %q, want payments", moved.FromQueue)
	}
	// A failed operation writes nothing.
	before := events(t, s, 0)
	err := s.Update(t.Context(), func(tx tickets.Tx) error {
		_, err := tickets.Claim(tx, tk.ID, "amy", now)
		return err
	})
	if !errors.Is(err, tickets.ErrConflict) || len(events(t, s, 0)) != len(before) {
		t.Errorf("claim of a resolved ticket: %v, %d events (had %d)", err, len(events(t, s, 0)), len(before))
	}
}

func testTransferRules(t *testing.T, open Opener) {
	s, _ := fresh(t, open)
	now := time.Date(2025, 11, 2, 7, 0, 0, 0, time.UTC)
	Update(t, s, func(tx tickets.Tx) error {
		return tx.CreateAgent(&tickets.Agent{Name: "bob", TokenHash: tickets.HashToken("b")})
	})
	cases := []struct {
		name     string
		status   tickets.Status
		assignee string
		by       string
		to       tickets.Target
		want     error
		status2  tickets.Status
		holder   string
		queue    string
	}{
		{"open to agent", tickets.Open, "", "amy", tickets.Target{Assignee: "bob"}, nil, tickets.Claimed, "bob", "payments"},
		{"held to agent", tickets.Claimed, "amy", "amy", tickets.Target{Assignee: "bob"}, nil, tickets.Claimed, "bob", "payments"},
		{"held to queue", tickets.Claimed, "amy", "amy", tickets.Target{Queue: "fraud"}, nil, tickets.Open, "", "fraud"},
		{"open to its own queue", tickets.Open, "", "amy", tickets.Target{Queue: "payments"}, nil, tickets.Open, "", "payments"},
		{"held by another", tickets.Claimed, "cy", "amy", tickets.Target{Queue: "fraud"}, tickets.ErrConflict, tickets.Claimed, "cy", "payments"},
		{"resolved", tickets.Resolved, "cy", "cy", tickets.Target{Queue: "fraud"}, tickets.ErrConflict, tickets.Resolved, "cy", "payments"},
		{"unknown agent", tickets.Open, "", "amy", tickets.Target{Assignee: "nobody"}, tickets.ErrInvalid, tickets.Open, "", "payments"},
		{"both", tickets.Open, "", "amy", tickets.Target{Assignee: "bob", Queue: "fraud"}, tickets.ErrInvalid, tickets.Open, "", "payments"},
		{"neither", tickets.Open, "", "amy", tickets.Target{}, tickets.ErrInvalid, tickets.Open, "", "payments"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tk := newTicket("payments", tickets.Normal)
			tk.Status, tk.Assignee = c.status, c.assignee
			tk = mustCreate(t, s, tk)
			err := s.Update(t.Context(), func(tx tickets.Tx) error {
				_, err := tickets.Transfer(tx, tk.ID, c.by, c.to, now)
				return err
			})
			if !errors.Is(err, c.want) || (c.want == nil) != (err == nil) {
				t.Fatalf("err %v, want %v", err, c.want)
			}
			View(t, s, func(tx tickets.Tx) error {
				got, err := tx.Ticket(tk.ID)
				if got.Status != c.status2 || got.Assignee != c.holder || got.Queue != c.queue {
					t.Errorf("now %s/%q/%s, want %s/%q/%s", got.Status, got.Assignee, got.Queue, c.status2, c.holder, c.queue)
				}
				return err
			})
		})
	}
}

func testChangedWakesAfterCommit(t *testing.T, open Opener) {
	s, _ := fresh(t, open)
	ch := s.Changed()
	Update(t, s, func(tx tickets.Tx) error { return tx.SetMeta("k", []byte("v")) })
	select {
	case <-ch:
		t.Fatal("woken by a commit without events")
	default:
	}
	tk := mustCreate(t, s, newTicket("payments", tickets.Normal))
	<-ch // closed by the create's commit; a missing wake hangs the test
	if evs := events(t, s, 0); len(evs) != 1 || evs[0].ID != tk.ID {
		t.Fatalf("events %v", kinds(evs))
	}
	// A rolled-back change neither wakes nor leaves an event.
	ch = s.Changed()
	_ = s.Update(t.Context(), func(tx tickets.Tx) error {
		if err := tx.CreateTicket(&tickets.Ticket{Priority: tickets.Low, Queue: "x"}); err != nil {
			return err
		}
		return errors.New("changed my mind")
	})
	select {
	case <-ch:
		t.Fatal("woken by a rolled-back transaction")
	default:
	}
	if evs := events(t, s, 0); len(evs) != 1 {
		t.Fatalf("rolled-back event kept: %v", kinds(evs))
	}
}

func testSearch(t *testing.T, open Opener) {
	s, _ := fresh(t, open)
	now := time.Date(2025, 11, 2, 7, 0, 0, 0, time.UTC)
	mk := func(queue string, status tickets.Status, user, txn string, lines ...string) tickets.Ticket {
		tk := newTicket(queue, tickets.Normal)
		tk.Status, tk.User = status, tickets.User{ID: user}
		if status == tickets.Claimed {
			tk.Assignee = "amy"
		}
		tk.Details.TransactionID = txn
		for i, l := range lines {
			tk.Transcript = append(tk.Transcript, tickets.Entry{From: tickets.FromUser, Text: l, At: now.Add(time.Duration(i) * time.Minute)})
		}
		return mustCreate(t, s, tk)
	}
	a := mk("payments", tickets.Open, "c-AAA", "TX20251102ABC123", "我嘅提款失敗咗", "withdrawal rejected")
	b := mk("payments", tickets.Claimed, "c-BBB", "", "提款好慢", "the withdrawal is slow")
	c := mk("fraud", tickets.Open, "c-CCC", "", "someone used my card", "我冇做過呢筆交易")
	d := mk("payments", tickets.Open, "c-DDD", "", "abcxbcd")          // has abc and bcd but not abcd
	e := mk("payments", tickets.Open, "TX20251102ABC123", "", "hello") // a user id equal to a's transaction id
	// A note and a later message are found too.
	Update(t, s, func(tx tickets.Tx) error {
		if _, err := tickets.AddNote(tx, c.ID, "amy", "refund via FPS", now); err != nil {
			return err
		}
		if _, err := tickets.AppendEntry(tx, b.ID, tickets.Entry{From: tickets.FromUser, Text: "ＨＫＤ５００ 唔見咗", At: now.Add(time.Hour)}); err != nil {
			return err
		}
		// The bot's lines are not searched; an agent's are.
		if _, err := tickets.AppendEntry(tx, d.ID, tickets.Entry{From: tickets.FromBot, Text: "check your quokka limit", At: now.Add(time.Hour)}); err != nil {
			return err
		}
		_, err := tickets.AppendEntry(tx, d.ID, tickets.Entry{From: tickets.FromAgent, Agent: "amy", Text: "wombat refunded", At: now.Add(2 * time.Hour)})
		return err
	})
	cases := []struct {
		q    string
		f    tickets.Filter
		want []string
	}{
		{q: "提款", want: []string{b.ID, a.ID}},
		{q: "提款失敗", want: []string{a.ID}},
		{q: "失敗 我嘅", want: []string{a.ID}},
		{q: "提款 失", want: []string{a.ID}}, // a lone character is checked on what 提款 finds
		{q: "withdraw", want: []string{b.ID, a.ID}},
		{q: "WITHDRAWAL slow", want: []string{b.ID}},
		{q: "drawal", want: []string{b.ID, a.ID}},
		{q: "hkd500", want: []string{b.ID}},
		{q: "唔見", want: []string{b.ID}},
		{q: "fps", want: []string{c.ID}},
		{q: "交易 card", want: []string{c.ID}},
		{q: "abcd", want: nil},
		{q: "bcd", want: []string{d.ID}},
		{q: c.ID, want: []string{c.ID}},
		{q: "t-000003", want: []string{c.ID}},
		{q: "000003", want: []string{c.ID}},
		{q: "c-bbb", want: []string{b.ID}},
		{q: "Visitor", want: []string{e.ID, d.ID, c.ID, b.ID, a.ID}},
		// Exact identifiers first: e's user id, then a's transaction id,
		// then the rest newest first.
		{q: "tx20251102abc123", want: []string{e.ID, a.ID}},
		{q: "提款", f: tickets.Filter{Status: tickets.Open}, want: []string{a.ID}},
		{q: "提款", f: tickets.Filter{Queues: []string{"fraud"}}, want: nil},
		{q: "card", f: tickets.Filter{Queues: []string{"fraud", "x"}}, want: []string{c.ID}},
		{q: "withdraw", f: tickets.Filter{Limit: 1}, want: []string{b.ID}},
		{q: "nothing-like-this", want: nil},
		{q: "quokka", want: nil},
		{q: "wombat", want: []string{d.ID}},
	}
	for _, c := range cases {
		t.Run(c.q+fmt.Sprint(c.f), func(t *testing.T) {
			f := c.f
			f.Q = c.q
			View(t, s, func(tx tickets.Tx) error {
				got, err := tx.Tickets(f)
				if !slices.Equal(ids(got), c.want) && !(len(got) == 0 && len(c.want) == 0) {
					t.Errorf("q %q: %v, want %v", c.q, ids(got), c.want)
				}
				return err
			})
		})
	}
	for _, bad := range []tickets.Filter{{Q: "- ! ?"}, {Q: "失"}, {Q: "x", After: a.ID}, {Q: string(make([]rune, 201))}} {
		err := s.View(t.Context(), func(tx tickets.Tx) error { _, err := tx.Tickets(bad); return err })
		if !errors.Is(err, tickets.ErrInvalid) {
			t.Errorf("q %q after %q: %v, want ErrInvalid", bad.Q, bad.After, err)
		}
	}
}

func testTicketsInQueues(t *testing.T, open Opener) {
	s, _ := fresh(t, open)
	base := time.Date(2025, 11, 2, 7, 0, 0, 0, time.UTC)
	queues := []string{"payments", "fraud", "merchant", "app"}
	prios := tickets.Priorities
	for i := range 60 {
		tk := newTicket(queues[i%4], prios[(i/4)%4])
		tk.CreatedAt = base.Add(time.Duration(i*7%60) * time.Minute)
		if i%5 == 0 {
			tk.Status, tk.Assignee = tickets.Claimed, "amy"
		}
		mustCreate(t, s, tk)
	}
	mine := []string{"fraud", "app"}
	filters := []tickets.Filter{{}, {Status: tickets.Open}, {Priority: tickets.High}, {Status: tickets.Open, Priority: tickets.Urgent}, {Queue: "fraud"}, {Queue: "payments"}}
	for _, f := range filters {
		var want []string
		View(t, s, func(tx tickets.Tx) error {
			all, err := tx.Tickets(tickets.Filter{Status: f.Status, Priority: f.Priority, Limit: 500})
			for _, tk := range all {
				if slices.Contains(mine, tk.Queue) && (f.Queue == "" || f.Queue == tk.Queue) {
					want = append(want, tk.ID)
				}
			}
			return err
		})
		var got []string
		g := f
		g.Queues, g.Limit = mine, 4
		for page := 0; page < 20; page++ {
			var ts []tickets.Ticket
			View(t, s, func(tx tickets.Tx) error {
				var err error
				ts, err = tx.Tickets(g)
				return err
			})
			got = append(got, ids(ts)...)
			if len(ts) < g.Limit {
				break
			}
			g.After = ts[len(ts)-1].ID
		}
		if !slices.Equal(got, want) {
			t.Errorf("filter %+v:\n got %v\nwant %v", f, got, want)
		}
	}
}

func testAgentByNameDeleteRotate(t *testing.T, open Opener) {
	s, _ := fresh(t, open)
	Update(t, s, func(tx tickets.Tx) error {
		return tx.CreateAgent(&tickets.Agent{Name: "amy", Queues: []string{"fraud"}, TokenHash: tickets.HashToken("old")})
	})
	ch := s.Changed()
	Update(t, s, func(tx tickets.Tx) error { return tx.SetAgentToken("amy", tickets.HashToken("new")) })
	<-ch // a rotation wakes the streams, which then check their tokens
	View(t, s, func(tx tickets.Tx) error {
		if _, err := tx.AgentByTokenHash(tickets.HashToken("old")); !errors.Is(err, tickets.ErrNotFound) {
			t.Errorf("old token: %v", err)
		}
		a, err := tx.Agent("amy")
		if err != nil || !slices.Equal(a.Queues, []string{"fraud"}) {
			t.Errorf("Agent: %+v %v", a, err)
		}
		_, err = tx.AgentByTokenHash(tickets.HashToken("new"))
		return err
	})
	ch = s.Changed()
	Update(t, s, func(tx tickets.Tx) error { return tx.DeleteAgent("amy") })
	<-ch // a removal wakes the streams too, which then end the agent's
	View(t, s, func(tx tickets.Tx) error {
		if _, err := tx.AgentByTokenHash(tickets.HashToken("new")); !errors.Is(err, tickets.ErrNotFound) {
			t.Errorf("token of a removed agent: %v", err)
		}
		if _, err := tx.Agent("amy"); !errors.Is(err, tickets.ErrNotFound) {
			t.Errorf("removed agent: %v", err)
		}
		return nil
	})
	for _, fn := range []func(tx tickets.Tx) error{
		func(tx tickets.Tx) error { return tx.DeleteAgent("amy") },
		func(tx tickets.Tx) error { return tx.SetAgentToken("amy", tickets.HashToken("x")) },
	} {
		if err := s.Update(t.Context(), fn); !errors.Is(err, tickets.ErrNotFound) {
			t.Errorf("unknown agent: %v", err)
		}
	}
}

// EventRange is (0, 0) on a fresh store, then spans the events kept, which
// Events lists in order with consecutive numbers.
func testEventRange(t *testing.T, open Opener) {
	s, _ := fresh(t, open)
	View(t, s, func(tx tickets.Tx) error {
		oldest, newest, err := tx.EventRange()
		if oldest != 0 || newest != 0 {
			t.Errorf("range of a fresh store %d..%d, want 0..0", oldest, newest)
		}
		return err
	})
	var made []string
	for range 5 {
		made = append(made, mustCreate(t, s, newTicket("payments", tickets.Normal)).ID)
	}
	View(t, s, func(tx tickets.Tx) error {
		oldest, newest, err := tx.EventRange()
		if err != nil {
			return err
		}
		if oldest == 0 || newest-oldest+1 != 5 {
			t.Fatalf("range %d..%d after 5 creates", oldest, newest)
		}
		evs, err := tx.Events(oldest-1, 100)
		if err != nil {
			return err
		}
		for i, e := range evs {
			if e.Seq != oldest+uint64(i) || e.ID != made[i] || e.Kind != tickets.EventCreated {
				t.Errorf("event %d: %+v", i, e)
			}
		}
		if len(evs) != 5 {
			t.Errorf("%d events", len(evs))
		}
		if page, err := tx.Events(oldest-1, 2); err != nil || len(page) != 2 || page[1].Seq != oldest+1 {
			t.Errorf("a page of 2: %v, %v", kinds(page), err)
		}
		if rest, err := tx.Events(newest, 10); err != nil || len(rest) != 0 {
			t.Errorf("after the newest: %v, %v", kinds(rest), err)
		}
		return nil
	})
}

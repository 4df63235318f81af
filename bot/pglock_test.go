package bot

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/triagebot/triagebot/escalation"
	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/pgstore"
	"github.com/triagebot/triagebot/tickets/pgstore/pgtest"
)

// runCounter counts Update calls and the runs of their functions: a store
// runs a function again only when the database aborted it (a deadlock).
type runCounter struct {
	tickets.Store
	calls, runs atomic.Int64
}

func (c *runCounter) Update(ctx context.Context, fn func(tickets.Tx) error) error {
	c.calls.Add(1)
	return c.Store.Update(ctx, func(tx tickets.Tx) error {
		c.runs.Add(1)
		return fn(tx)
	})
}

// TestTurnsAndRepliesTakeLocksInOneOrder: on PostgreSQL, where a write
// transaction locks the rows it reads, a user's turns on one replica and an
// agent's replies on another to the same ticket never deadlock (each would
// wait a second for the detector, then run again).
func TestTurnsAndRepliesTakeLocksInOneOrder(t *testing.T) {
	u := pgtest.URL(t)
	ctx := context.Background()
	open := func() (*runCounter, *Engine) {
		st, err := pgstore.Open(ctx, u, pgstore.Options{Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		c := &runCounter{Store: st}
		eng, err := New(Config{Store: c, Classifier: realClassifier(t), Router: escalation.Default(), Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		return c, eng
	}
	userSide, a := open()
	agentSide, b := open()

	if _, _, err := a.Open(ctx, OpenRequest{ID: "w-lock", Channel: tickets.Web, User: tickets.User{ID: "u-lock"}}); err != nil {
		t.Fatal(err)
	}
	var ticketID string
	for i := 0; i < 4 && ticketID == ""; i++ {
		if err := a.Handle(ctx, Inbound{ConversationID: "w-lock", Channel: tickets.Web, Text: "I want to talk to a person"}); err != nil {
			t.Fatal(err)
		}
		conv, err := a.Conversation(ctx, "w-lock")
		if err != nil {
			t.Fatal(err)
		}
		ticketID = conv.TicketID
	}
	if ticketID == "" {
		t.Fatal("asking for a person three times opened no ticket")
	}
	if _, err := b.Claim(ctx, ticketID, "alice"); err != nil {
		t.Fatal(err)
	}

	const n = 25
	userSide.calls.Store(0)
	userSide.runs.Store(0)
	agentSide.calls.Store(0)
	agentSide.runs.Store(0)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for range n {
			if err := a.Handle(ctx, Inbound{ConversationID: "w-lock", Channel: tickets.Web, Text: "any news on my withdrawal?"}); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	go func() {
		defer wg.Done()
		for range n {
			if _, err := b.Reply(ctx, ticketID, "alice", "Checking with the bank now."); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	wg.Wait()
	for _, c := range []struct {
		side string
		rc   *runCounter
	}{{"user turns", userSide}, {"agent replies", agentSide}} {
		if calls, runs := c.rc.calls.Load(), c.rc.runs.Load(); runs != calls {
			t.Errorf("%s: %d transactions ran %d times: the database aborted %d of them", c.side, calls, runs, runs-calls)
		}
	}
}

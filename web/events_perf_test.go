package web

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/boltstore"
)

// countingStore counts what the streams read: read transactions, events
// and ticket lists.
type countingStore struct {
	tickets.Store
	views, events, lists atomic.Int64
}

func (c *countingStore) View(ctx context.Context, fn func(tickets.Tx) error) error {
	c.views.Add(1)
	return c.Store.View(ctx, func(tx tickets.Tx) error { return fn(countingTx{tx, c}) })
}

type countingTx struct {
	tickets.Tx
	c *countingStore
}

func (t countingTx) Events(after uint64, limit int) ([]tickets.Event, error) {
	evs, err := t.Tx.Events(after, limit)
	t.c.events.Add(int64(len(evs)))
	return evs, err
}

func (t countingTx) Tickets(f tickets.Filter) ([]tickets.Ticket, error) {
	t.c.lists.Add(1)
	return t.Tx.Tickets(f)
}

// fanout is a server with agents open streams on, and tickets to change.
type fanout struct {
	store   *boltstore.Store
	count   *countingStore
	srv     *httptest.Server
	seen    []chan uint64 // per stream: ids of the ticket events it read
	pings   []chan struct{}
	tickets []string
}

func newFanout(tb testing.TB, agents, open int, heartbeat time.Duration) *fanout {
	st, err := boltstore.Open(filepath.Join(tb.TempDir(), "fan.db"), boltstore.Options{NoSync: true})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = st.Close() })
	fo := &fanout{store: st, count: &countingStore{Store: st}}
	srv := newServer(tb, Config{Store: fo.count})
	srv.heartbeat = heartbeat
	fo.srv = httptest.NewServer(srv.Handler())
	tb.Cleanup(fo.srv.Close)
	tb.Cleanup(srv.StopStreams) // runs before Close: streams end, Close returns
	var tokens []string
	err = st.Update(context.Background(), func(tx tickets.Tx) error {
		for i := range agents {
			tok, hash, err := tickets.NewToken()
			if err != nil {
				return err
			}
			tokens = append(tokens, tok)
			if err := tx.CreateAgent(&tickets.Agent{Name: fmt.Sprint("agent", i), TokenHash: hash}); err != nil {
				return err
			}
		}
		for i := range open {
			tk := tickets.Ticket{Status: tickets.Open, Intent: "withdrawal_failed", Priority: tickets.Priorities[i%4],
				Queue: "payments", Channel: tickets.Web, User: tickets.User{ID: fmt.Sprint("c-", i)}, Lang: "en",
				Transcript: []tickets.Entry{{From: tickets.FromUser, Text: "my withdrawal failed", At: t0}}}
			if err := tx.CreateTicket(&tk); err != nil {
				return err
			}
			fo.tickets = append(fo.tickets, tk.ID)
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	// Streams resume from the newest event so far: a fresh stream starts
	// at whatever is newest when it first reads, which may already be the
	// first change below (a stream's headers go out before that read).
	var newest uint64
	if err := st.View(context.Background(), func(tx tickets.Tx) error {
		_, n, err := tx.EventRange()
		newest = n
		return err
	}); err != nil {
		tb.Fatal(err)
	}
	for _, tok := range tokens {
		req, _ := http.NewRequest("GET", fmt.Sprintf("%s/api/events?access_token=%s&last_event_id=%d", fo.srv.URL, tok, newest), nil)
		resp, err := fo.srv.Client().Do(req)
		if err != nil || resp.StatusCode != 200 {
			tb.Fatalf("stream: %v %v", err, resp)
		}
		seen, pings := make(chan uint64, 1<<16), make(chan struct{}, 1<<10)
		fo.seen, fo.pings = append(fo.seen, seen), append(fo.pings, pings)
		go func() {
			defer resp.Body.Close()
			sc := bufio.NewScanner(resp.Body)
			for sc.Scan() {
				line := sc.Text()
				switch {
				case strings.HasPrefix(line, "id: "):
					var id uint64
					fmt.Sscan(line[4:], &id)
					seen <- id
				case line == ": ping":
					select {
					case pings <- struct{}{}:
					default:
					}
				}
			}
		}()
	}
	// Every stream is under way once the first change reaches all.
	fo.change(tb, 0)
	return fo
}

// change adds a note to the i-th ticket and waits until every stream has
// the event.
func (fo *fanout) change(tb testing.TB, i int) {
	var seq uint64
	err := fo.store.Update(context.Background(), func(tx tickets.Tx) error {
		if _, err := tickets.AddNote(tx, fo.tickets[i%len(fo.tickets)], "amy", "checking", t0); err != nil {
			return err
		}
		_, last, err := tx.EventRange()
		seq = last
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	for _, seen := range fo.seen {
		for id := uint64(0); id < seq; {
			select {
			case id = <-seen:
			case <-time.After(30 * time.Second):
				tb.Fatalf("a stream did not get event %d", seq)
			}
		}
	}
}

// With 50 agents streaming and 1,000 open tickets, a change costs each
// stream one read of the one new event: no ticket list is read, and the
// work does not grow with the queue. Heartbeats read nothing.
func TestEventsWorkPerChange(t *testing.T) {
	const agents, open, changes = 50, 1000, 20
	fo := newFanout(t, agents, open, 30*time.Millisecond)
	views0, events0, lists0 := fo.count.views.Load(), fo.count.events.Load(), fo.count.lists.Load()
	for i := range changes {
		fo.change(t, i)
	}
	views, events, lists := fo.count.views.Load()-views0, fo.count.events.Load()-events0, fo.count.lists.Load()-lists0
	t.Logf("%d changes, %d streams: %d read transactions, %d events read, %d lists", changes, agents, views, events, lists)
	if lists != 0 {
		t.Errorf("%d ticket lists read for %d changes: the streams must not re-read the queue", lists, changes)
	}
	if events != changes*agents {
		t.Errorf("%d events read, want exactly %d (each stream reads each change once)", events, changes*agents)
	}
	// A stream wakes at most once per change (a wake finding nothing new
	// is possible when two commits close one channel generation).
	if views > 2*changes*agents {
		t.Errorf("%d read transactions for %d changes × %d streams", views, changes, agents)
	}
	// Idle: while nothing changes, every stream gets heartbeats and the
	// store is not read at all. A stream's first ping after the changes
	// comes after any late wake it had left; count from there.
	waitPings := func(n int) {
		for _, p := range fo.pings {
			for range n {
				select {
				case <-p:
				case <-time.After(30 * time.Second):
					t.Fatal("no heartbeat")
				}
			}
		}
	}
	for _, p := range fo.pings {
		for len(p) > 0 {
			<-p
		}
	}
	waitPings(1)
	idle := fo.count.views.Load()
	for _, p := range fo.pings {
		for range 3 {
			select {
			case <-p:
			case <-time.After(30 * time.Second):
				t.Fatal("no heartbeat")
			}
		}
	}
	if got := fo.count.views.Load() - idle; got != 0 {
		t.Errorf("%d store reads while nothing changed", got)
	}
}

// BenchmarkEventsFanout measures one ticket change delivered to 50
// streaming agents with 1,000 open tickets: the time until every stream
// has it, and the events read per change.
func BenchmarkEventsFanout(b *testing.B) {
	fo := newFanout(b, 50, 1000, time.Hour)
	events0 := fo.count.events.Load()
	b.ResetTimer()
	for i := range b.N {
		fo.change(b, i)
	}
	b.StopTimer()
	b.ReportMetric(float64(fo.count.events.Load()-events0)/float64(b.N), "events-read/change")
}

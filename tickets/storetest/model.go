package storetest

import (
	"cmp"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/triagebot/triagebot/tickets"
)

// modelTicket is what the in-memory model knows of a ticket.
type modelTicket struct {
	id       string
	seq      int
	status   tickets.Status
	priority tickets.Priority
	queue    string
	assignee string
	created  time.Time
	channel  tickets.Channel
	user     string
	entries  int
	attached int
}

// model is the obviously-correct reference: a slice and linear scans.
type model struct {
	tickets []*modelTicket
	byID    map[string]*modelTicket
}

func (m *model) clone() *model {
	c := &model{byID: map[string]*modelTicket{}}
	for _, t := range m.tickets {
		cp := *t
		c.tickets = append(c.tickets, &cp)
		c.byID[cp.id] = &cp
	}
	return c
}

// list is the model's answer to a filter: every match, most urgent first,
// then oldest, then creation order.
func (m *model) list(f tickets.Filter) []string {
	var out []*modelTicket
	for _, t := range m.tickets {
		if (f.Status == "" || t.status == f.Status) && (f.Queue == "" || t.queue == f.Queue) &&
			(f.Priority == "" || t.priority == f.Priority) {
			out = append(out, t)
		}
	}
	slices.SortFunc(out, func(a, b *modelTicket) int {
		return cmp.Or(cmp.Compare(a.priority.Rank(), b.priority.Rank()), a.created.Compare(b.created), cmp.Compare(a.seq, b.seq))
	})
	ids := make([]string, len(out))
	for i, t := range out {
		ids[i] = t.id
	}
	return ids
}

var (
	modelQueues   = []string{"payments", "pay", "fraud", "tech"}
	modelUsers    = []string{"u1", "u2", "u3", "u10"}
	modelAgents   = []string{"amy", "bob", "cy"}
	modelChannels = []tickets.Channel{tickets.Web, tickets.Telegram}
)

// testModel runs the model test on a fresh store.
func testModel(t *testing.T, open Opener) {
	s, clock := fresh(t, open)
	check := Model(t, s, clock, 3000)
	check(t, s)
}

// Model runs ops random operations on s (creates, claims, releases,
// resolves, re-routes, transcript entries, attachments, several to a
// transaction, with ties in creation time on purpose) beside an
// obviously-correct model, checking every answer, and returns a check
// that compares every filter (paged with random page sizes), the user
// index and the counts with the model. A store that can reopen runs the
// check again on the reopened store.
func Model(t *testing.T, s tickets.Store, clock *Clock, ops int) (check func(*testing.T, tickets.Store)) {
	t.Helper()
	seed := uint64(time.Now().UnixNano())
	t.Logf("model seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0x7ea6e))
	m := &model{byID: map[string]*modelTicket{}}
	oversized := make([]byte, tickets.MaxAttachmentSize+1)

	pick := func(mm *model) *modelTicket { return mm.tickets[rng.IntN(len(mm.tickets))] }
	for done := 0; done < ops; {
		// Several operations per transaction, as a dialogue turn does.
		n := 1 + rng.IntN(12)
		var next *model
		err := s.Update(t.Context(), func(tx tickets.Tx) error {
			// Update may run fn again: start from the committed model each time.
			next = m.clone()
			for range n {
				// Ties in creation time are common on purpose: the sequence breaks them.
				if rng.IntN(3) == 0 {
					clock.Advance(time.Duration(rng.IntN(5000)) * time.Millisecond)
				}
				now := clock.Now()
				if err := step(tx, rng, next, pick, now, oversized); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatalf("after %d ops: %v", done, err)
		}
		m = next
		done += n
	}
	if least := ops / 6; len(m.tickets) < least {
		t.Fatalf("only %d tickets created; the test exercises too little", len(m.tickets))
	}
	return func(t *testing.T, s tickets.Store) {
		t.Helper()
		checkModel(t, s, m, rng)
	}
}

// step applies one random operation to the store and the model and checks
// that the store's answer is the one the model predicts.
func step(tx tickets.Tx, rng *rand.Rand, m *model, pick func(*model) *modelTicket, now time.Time, oversized []byte) error {
	r := rng.IntN(100)
	if len(m.tickets) == 0 || r < 25 {
		tk := tickets.Ticket{
			Priority: tickets.Priorities[rng.IntN(4)], Queue: modelQueues[rng.IntN(len(modelQueues))],
			Channel: modelChannels[rng.IntN(2)], User: tickets.User{ID: modelUsers[rng.IntN(len(modelUsers))]},
			CreatedAt: now,
		}
		if err := tx.CreateTicket(&tk); err != nil {
			return err
		}
		mt := &modelTicket{id: tk.ID, seq: len(m.tickets) + 1, status: tickets.Open, priority: tk.Priority,
			queue: tk.Queue, created: now, channel: tk.Channel, user: tk.User.ID}
		if _, dup := m.byID[tk.ID]; dup || !ticketID.MatchString(tk.ID) {
			return fmt.Errorf("created %q, a malformed or repeated id", tk.ID)
		}
		m.tickets = append(m.tickets, mt)
		m.byID[mt.id] = mt
		return nil
	}
	mt := pick(m)
	agent := modelAgents[rng.IntN(len(modelAgents))]
	var (
		err     error
		wantErr error
	)
	switch {
	case r < 45: // claim
		switch {
		case mt.status == tickets.Resolved, mt.status == tickets.Claimed && mt.assignee != agent:
			wantErr = tickets.ErrConflict
		default:
			mt.status, mt.assignee = tickets.Claimed, agent
		}
		_, err = tickets.Claim(tx, mt.id, agent, now)
	case r < 55: // release
		switch {
		case mt.status == tickets.Resolved, mt.status == tickets.Claimed && mt.assignee != agent:
			wantErr = tickets.ErrConflict
		default:
			mt.status, mt.assignee = tickets.Open, ""
		}
		_, err = tickets.Release(tx, mt.id, agent, now)
	case r < 63: // resolve
		switch {
		case mt.status == tickets.Resolved, mt.status == tickets.Claimed && mt.assignee != agent:
			wantErr = tickets.ErrConflict
		default:
			mt.status, mt.assignee = tickets.Resolved, agent
		}
		_, err = tickets.Resolve(tx, mt.id, agent, "done", now)
	case r < 80: // re-route: PutTicket with another priority and/or queue
		var tk tickets.Ticket
		if tk, err = tx.Ticket(mt.id); err != nil {
			return err
		}
		tk.Priority = tickets.Priorities[rng.IntN(4)]
		if rng.IntN(2) == 0 {
			tk.Queue = modelQueues[rng.IntN(len(modelQueues))]
		}
		mt.priority, mt.queue = tk.Priority, tk.Queue
		err = tx.PutTicket(&tk)
	case r < 90: // transcript
		mt.entries++
		_, err = tickets.AppendEntry(tx, mt.id, tickets.Entry{From: tickets.FromUser, Text: fmt.Sprint("msg ", mt.entries), At: now})
	case r < 99: // small attachment
		a := tickets.Attachment{Filename: "s.png", ContentType: "image/png"}
		data := make([]byte, 1+rng.IntN(2048))
		if err = tx.PutAttachment(&a, mt.id, data); err == nil {
			_, got, gerr := tx.AttachmentData(a.ID)
			if gerr != nil || len(got) != len(data) {
				return fmt.Errorf("attachment %s read back: %d bytes, %v", a.ID, len(got), gerr)
			}
			mt.attached++
		}
	default: // oversized attachment: refused, nothing written
		a := tickets.Attachment{ID: fmt.Sprint("big-", rng.Uint64())}
		wantErr = tickets.ErrInvalid
		err = tx.PutAttachment(&a, mt.id, oversized)
		if _, _, gerr := tx.AttachmentData(a.ID); !errors.Is(gerr, tickets.ErrNotFound) {
			return fmt.Errorf("refused attachment %s exists: %v", a.ID, gerr)
		}
	}
	if !errors.Is(err, wantErr) && !(err == nil && wantErr == nil) {
		return fmt.Errorf("op %d on %s (%s/%s by %s): err %v, want %v", r, mt.id, mt.status, mt.assignee, agent, err, wantErr)
	}
	return nil
}

// checkModel compares every filter combination, paged with random page
// sizes, the user index and the counts against the model.
func checkModel(t *testing.T, s tickets.Store, m *model, rng *rand.Rand) {
	t.Helper()
	statuses := []tickets.Status{"", tickets.Open, tickets.Claimed, tickets.Resolved}
	queues := append([]string{"", "nope"}, modelQueues...)
	prios := append([]tickets.Priority{""}, tickets.Priorities...)
	View(t, s, func(tx tickets.Tx) error {
		for _, st := range statuses {
			for _, q := range queues {
				for _, p := range prios {
					f := tickets.Filter{Status: st, Queue: q, Priority: p}
					want := m.list(f)
					var got []string
					limit := 1 + rng.IntN(80)
					for {
						f.Limit = limit
						page, err := tx.Tickets(f)
						if err != nil {
							return fmt.Errorf("filter %+v: %w", f, err)
						}
						got = append(got, ids(page)...)
						if len(page) < limit {
							break
						}
						f.After = page[len(page)-1].ID
					}
					if !slices.Equal(got, want) {
						t.Errorf("filter status=%q queue=%q priority=%q limit %d:\n got %d %v\nwant %d %v",
							st, q, p, limit, len(got), head(got), len(want), head(want))
					}
				}
			}
		}
		// Each listed ticket's stored fields agree with the model.
		all, err := tx.Tickets(tickets.Filter{Limit: tickets.MaxLimit})
		if err != nil {
			return err
		}
		for _, tk := range all {
			mt := m.byID[tk.ID]
			if tk.Status != mt.status || tk.Assignee != mt.assignee || tk.Priority != mt.priority ||
				tk.Queue != mt.queue || len(tk.Transcript) != mt.entries || !tk.CreatedAt.Equal(mt.created) {
				t.Errorf("%s = %s/%s/%s/%s/%d entries, model %+v", tk.ID, tk.Status, tk.Assignee, tk.Priority, tk.Queue, len(tk.Transcript), *mt)
			}
		}
		for _, ch := range modelChannels {
			for _, u := range modelUsers {
				var want []string
				for _, mt := range slices.Backward(m.tickets) {
					if mt.channel == ch && mt.user == u {
						want = append(want, mt.id)
					}
				}
				got, err := tx.TicketsOfUser(ch, u)
				if err != nil {
					return err
				}
				if !slices.Equal(ids(got), want) {
					t.Errorf("TicketsOfUser(%s, %s) = %v, want %v", ch, u, head(ids(got)), head(want))
				}
			}
		}
		wantCounts := map[tickets.TicketKey]int{}
		for _, mt := range m.tickets {
			wantCounts[tickets.TicketKey{Status: mt.status, Queue: mt.queue, Priority: mt.priority}]++
		}
		counts, err := tx.CountTickets()
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(counts, wantCounts) {
			t.Errorf("counts differ:\n got %v\nwant %v", counts, wantCounts)
		}
		return nil
	})
}

package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/boltstore"
	"github.com/triagebot/triagebot/tickets/storetest"
)

// TestSameAsBoltstore runs one script of writes and reads against boltstore
// and pgstore, on the same clock, and requires every answer to be equal:
// the ids, orders, windows, indexes and errors of the two stores agree.
func TestSameAsBoltstore(t *testing.T) {
	clock := storetest.NewClock()
	pg, _ := openTest(t, Options{Now: clock.Now})
	bolt, err := boltstore.Open(filepath.Join(t.TempDir(), "t.db"), boltstore.Options{NoSync: true, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer bolt.Close()
	stores := []tickets.Store{bolt, pg}
	base := clock.Now()

	// step runs fn on both stores and compares what it returns.
	step := func(name string, write bool, fn func(tx tickets.Tx) (any, error)) {
		t.Helper()
		var got [2]result
		for i, s := range stores {
			var v any
			run := s.View
			if write {
				run = s.Update
			}
			err := run(context.Background(), func(tx tickets.Tx) error {
				var err error
				v, err = fn(tx)
				return err
			})
			got[i] = result{errClass(err), v}
		}
		if !reflect.DeepEqual(got[0], got[1]) {
			t.Errorf("%s:\nboltstore %s\npgstore   %s", name, got[0], got[1])
		}
	}
	w := func(name string, fn func(tx tickets.Tx) (any, error)) { step(name, true, fn) }
	r := func(name string, fn func(tx tickets.Tx) (any, error)) { step(name, false, fn) }
	// both runs fn (outside a transaction) on each store.
	both := func(name string, fn func(s tickets.Store) (any, error)) {
		t.Helper()
		var got [2]result
		for i, s := range stores {
			v, err := fn(s)
			got[i] = result{errClass(err), v}
		}
		if !reflect.DeepEqual(got[0], got[1]) {
			t.Errorf("%s:\nboltstore %s\npgstore   %s", name, got[0], got[1])
		}
	}

	// Agents.
	for _, a := range []tickets.Agent{
		{Name: "amy", Queues: []string{"payments", "fraud"}, TokenHash: tickets.HashToken("a")},
		{Name: "bob", Admin: true, TokenHash: tickets.HashToken("b")},
		{Name: "amy", TokenHash: tickets.HashToken("c")}, // name taken
		{Name: "cy", TokenHash: tickets.HashToken("a")},  // token taken
		{Name: " ", TokenHash: tickets.HashToken("d")},   // no name
		{Name: "dee", TokenHash: []byte("short")},        // bad hash
		{Name: "zed", TokenHash: tickets.HashToken("z")},
	} {
		w("create agent "+a.Name, func(tx tickets.Tx) (any, error) { err := tx.CreateAgent(&a); return a, err })
	}
	r("agents", func(tx tickets.Tx) (any, error) { return tx.Agents() })
	r("agent by token", func(tx tickets.Tx) (any, error) { return tx.AgentByTokenHash(tickets.HashToken("b")) })
	r("agent by unknown token", func(tx tickets.Tx) (any, error) { return tx.AgentByTokenHash(tickets.HashToken("x")) })
	w("rotate to a taken token", func(tx tickets.Tx) (any, error) { return nil, tx.SetAgentToken("bob", tickets.HashToken("a")) })
	w("rotate unknown", func(tx tickets.Tx) (any, error) { return nil, tx.SetAgentToken("nobody", tickets.HashToken("q")) })
	w("delete zed", func(tx tickets.Tx) (any, error) { return nil, tx.DeleteAgent("zed") })
	w("delete zed again", func(tx tickets.Tx) (any, error) { return nil, tx.DeleteAgent("zed") })

	// Conversations and outboxes.
	convs := []tickets.Conversation{
		{ID: "c-1", Channel: tickets.Web, User: tickets.User{ID: "c-1"}, ResumeHash: tickets.HashToken("r1"), Lang: "zh-Hant",
			State: []byte(`{"step":"ask","n":2}`)},
		{ID: "c-2", Channel: tickets.Telegram, User: tickets.User{ID: "42", Name: "Ada"}, Address: "42"},
		{ID: "c-3", Channel: tickets.Web, User: tickets.User{ID: "c-3"}, ResumeHash: tickets.HashToken("r1")}, // taken hash
		{ID: "", Channel: tickets.Web},
	}
	for _, c := range convs {
		w("put conversation "+c.ID, func(tx tickets.Tx) (any, error) { err := tx.PutConversation(&c); return c, err })
	}
	r("conversation c-1", func(tx tickets.Tx) (any, error) { return tx.Conversation("c-1") })
	r("conversation by hash", func(tx tickets.Tx) (any, error) { return tx.ConversationByResumeHash(tickets.HashToken("r1")) })
	r("conversation missing", func(tx tickets.Tx) (any, error) { return tx.Conversation("c-9") })
	for i, m := range []tickets.OutMessage{
		{ConversationID: "c-1", Kind: tickets.KindMessage, From: tickets.FromBot, Text: "hi", QuickReplies: []string{"a", "b"}},
		{ConversationID: "c-1", Kind: tickets.KindTicket, Ticket: &tickets.TicketEvent{TicketID: "T-000001", Status: tickets.Open}},
		{ConversationID: "c-2", Kind: tickets.KindChannel, Key: "help"},
		{ConversationID: "c-1", Kind: tickets.KindTicket},  // no event
		{ConversationID: "c-9", Kind: tickets.KindMessage}, // no conversation
		{ConversationID: "c-1", Kind: tickets.KindMessage, Text: "third"},
	} {
		w(fmt.Sprint("enqueue ", i), func(tx tickets.Tx) (any, error) { err := tx.Enqueue(&m); return m, err })
	}
	r("outbox c-1", func(tx tickets.Tx) (any, error) { return tx.Outbox("c-1") })
	r("pending web", func(tx tickets.Tx) (any, error) { return tx.PendingConversations(tickets.Web) })
	w("progress", func(tx tickets.Tx) (any, error) { return nil, tx.SetProgress("c-1", "c-1-2", 3) })
	w("progress of a bad id", func(tx tickets.Tx) (any, error) { return nil, tx.SetProgress("c-1", "c-2-2", 3) })
	w("ack 2", func(tx tickets.Tx) (any, error) { return nil, tx.Ack("c-1", "c-1-1") })
	r("outbox c-1 after ack", func(tx tickets.Tx) (any, error) { return tx.Outbox("c-1") })
	w("ack never issued", func(tx tickets.Tx) (any, error) { return nil, tx.Ack("c-1", "c-1-9") })
	w("ack again", func(tx tickets.Tx) (any, error) { return nil, tx.Ack("c-1", "c-1-1") })
	w("ack all", func(tx tickets.Tx) (any, error) { return nil, tx.Ack("c-1", "c-1-3") })
	r("pending web after", func(tx tickets.Tx) (any, error) { return tx.PendingConversations(tickets.Web) })
	w("move c-2 to web", func(tx tickets.Tx) (any, error) {
		c, err := tx.Conversation("c-2")
		if err != nil {
			return nil, err
		}
		c.Channel = tickets.Web
		return c, tx.PutConversation(&c)
	})
	r("pending web after move", func(tx tickets.Tx) (any, error) { return tx.PendingConversations(tickets.Web) })
	r("pending telegram after move", func(tx tickets.Tx) (any, error) { return tx.PendingConversations(tickets.Telegram) })

	// Tickets, with a transcript longer than the window.
	queues := []string{"payments", "fraud", "app"}
	for i := range 14 {
		tk := tickets.Ticket{
			Intent: "withdrawal_failed", Priority: tickets.Priorities[i%4], Queue: queues[i%3],
			Channel: tickets.Web, User: tickets.User{ID: fmt.Sprintf("u%d", i%4)}, Lang: "en",
			CreatedAt: base.Add(time.Duration(i*37%11) * time.Minute), SLADue: base.Add(time.Duration(i) * time.Hour),
			Details: tickets.Details{TransactionID: fmt.Sprintf("TX%03d", i%5)},
		}
		if i%3 == 0 {
			tk.Status, tk.Assignee = tickets.Claimed, "amy"
		}
		if i == 1 {
			tk.ConversationID = "c-1"
		}
		for j := range 3 {
			tk.Transcript = append(tk.Transcript, tickets.Entry{From: tickets.FromUser, Text: fmt.Sprintf("line %d of %d 提款失敗 ab%d", j, i, j), At: base})
		}
		w(fmt.Sprint("create ", i), func(tx tickets.Tx) (any, error) { err := tx.CreateTicket(&tk); return tk, err })
	}
	w("create invalid", func(tx tickets.Tx) (any, error) {
		return nil, tx.CreateTicket(&tickets.Ticket{Priority: "soon"})
	})
	for i := range tickets.TranscriptWindow + 30 {
		w(fmt.Sprint("append ", i), func(tx tickets.Tx) (any, error) {
			return tickets.AppendEntry(tx, "T-000002", tickets.Entry{From: tickets.FromUser, Text: fmt.Sprintf("more %d xyzzy%d", i, i), At: base.Add(time.Duration(i) * time.Second)})
		})
		if i == tickets.TranscriptWindow-1 {
			r("ticket at the window", func(tx tickets.Tx) (any, error) { return tx.Ticket("T-000002") })
		}
	}
	w("put with a whole transcript", func(tx tickets.Tx) (any, error) {
		tk, err := tx.Ticket("T-000002")
		if err != nil {
			return nil, err
		}
		tk.Transcript, err = tx.Transcript(tk.ID)
		tk.TranscriptFrom = 0
		if err != nil {
			return nil, err
		}
		return nil, tx.PutTicket(&tk)
	})
	r("ticket windowed", func(tx tickets.Tx) (any, error) { return tx.Ticket("T-000002") })
	r("transcript", func(tx tickets.Tx) (any, error) { return tx.Transcript("T-000002") })
	for _, id := range []string{"T-000014", "T-14", "T-000099", "x"} {
		r("ticket "+id, func(tx tickets.Tx) (any, error) { return tx.Ticket(id) })
	}
	w("claim", func(tx tickets.Tx) (any, error) { return tickets.Claim(tx, "T-000003", "bob", base) })
	w("claim taken", func(tx tickets.Tx) (any, error) { return tickets.Claim(tx, "T-000003", "amy", base) })
	w("first response", func(tx tickets.Tx) (any, error) {
		return tickets.AppendEntry(tx, "T-000003", tickets.Entry{From: tickets.FromAgent, Agent: "bob", Text: "on it", At: base.Add(time.Hour)})
	})
	w("resolve", func(tx tickets.Tx) (any, error) {
		return tickets.Resolve(tx, "T-000005", "bob", "done", base.Add(2*time.Hour))
	})
	w("resolve again", func(tx tickets.Tx) (any, error) { return tickets.Resolve(tx, "T-000005", "bob", "done", base) })
	w("note", func(tx tickets.Tx) (any, error) {
		return tickets.AddNote(tx, "T-000004", "amy", "called the bank", base)
	})
	w("transfer", func(tx tickets.Tx) (any, error) {
		return tickets.Transfer(tx, "T-000006", "amy", tickets.Target{Queue: "fraud"}, base)
	})
	for _, f := range []tickets.Filter{
		{}, {Status: tickets.Open}, {Queue: "fraud"}, {Queue: "fraud", Status: tickets.Claimed}, {Priority: tickets.High},
		{Limit: 3}, {Limit: 3, After: "T-000004"}, {After: "T-000099"}, {After: "bad"}, {Limit: -1}, {Status: "nope"},
		{Queues: []string{"fraud", "app"}, Limit: 4}, {Queues: []string{"fraud"}, Queue: "app"},
		{Q: "提款"}, {Q: "ab1"}, {Q: "ab"}, {Q: "b1"}, {Q: "xyzzy3"}, {Q: "xyzzy229"}, {Q: "tx001"}, {Q: "u1"}, {Q: "u1", Status: tickets.Open},
		{Q: "t-000002"}, {Q: "line 2"}, {Q: "失"}, {Q: "ab", After: "T-000001"}, {Q: "%"}, {Q: "10%_"}, {Q: "visitor"},
	} {
		r(fmt.Sprintf("tickets %+v", f), func(tx tickets.Tx) (any, error) { return tx.Tickets(f) })
	}
	r("tickets of user", func(tx tickets.Tx) (any, error) { return tx.TicketsOfUser(tickets.Web, "u1") })
	r("count", func(tx tickets.Tx) (any, error) { return tx.CountTickets() })
	r("events", func(tx tickets.Tx) (any, error) { return tx.Events(0, 10_000) })
	r("events after 5, 3", func(tx tickets.Tx) (any, error) { return tx.Events(5, 3) })
	r("event range", func(tx tickets.Tx) (any, error) {
		a, b, err := tx.EventRange()
		return [2]uint64{a, b}, err
	})
	r("due", func(tx tickets.Tx) (any, error) { return tx.DueTickets(base.Add(5*time.Hour), 4) })
	r("next due", func(tx tickets.Tx) (any, error) { return tx.NextDue() })
	r("report", func(tx tickets.Tx) (any, error) {
		var rows []tickets.ReportRow
		err := tx.ReportRows(base.Add(2*time.Minute), base.Add(9*time.Minute), func(r tickets.ReportRow) error {
			rows = append(rows, r)
			return nil
		})
		return rows, err
	})
	for i, at := range []time.Duration{0, time.Minute, 20 * time.Minute, 3 * time.Hour} {
		w(fmt.Sprint("outcome ", i), func(tx tickets.Tx) (any, error) {
			return nil, tx.CountOutcome(base.Add(at), []tickets.Outcome{tickets.OutcomeProblem, tickets.OutcomeEscalated}[i%2])
		})
	}
	w("bad outcome", func(tx tickets.Tx) (any, error) { return nil, tx.CountOutcome(base, "meh") })
	r("outcomes", func(tx tickets.Tx) (any, error) { return tx.Outcomes(base.Add(time.Minute), base.Add(3*time.Hour)) })

	// Attachments, notices, seen, meta, choices, cursors.
	w("attach", func(tx tickets.Tx) (any, error) {
		a := tickets.Attachment{ID: "f1", Filename: "a.png", ContentType: "image/png"}
		return a, tx.PutAttachment(&a, "c-2", []byte("png bytes"))
	})
	w("attach to a ticket", func(tx tickets.Tx) (any, error) {
		a := tickets.Attachment{ID: "f2", Filename: "b.pdf"}
		if err := tx.PutAttachment(&a, "T-000005", []byte("pdf")); err != nil {
			return nil, err
		}
		tk, err := tx.Ticket("T-000005")
		if err != nil {
			return nil, err
		}
		tk.Attachments = append(tk.Attachments, a)
		return a, tx.PutTicket(&tk)
	})
	w("attach taken id", func(tx tickets.Tx) (any, error) {
		a := tickets.Attachment{ID: "f1"}
		return a, tx.PutAttachment(&a, "c-2", []byte("x"))
	})
	w("attach no owner", func(tx tickets.Tx) (any, error) {
		a := tickets.Attachment{ID: "f3"}
		return a, tx.PutAttachment(&a, "c-9", []byte("x"))
	})
	w("attach too big", func(tx tickets.Tx) (any, error) {
		a := tickets.Attachment{ID: "f4"}
		return a, tx.PutAttachment(&a, "c-2", make([]byte, tickets.MaxAttachmentSize+1))
	})
	r("attachment", func(tx tickets.Tx) (any, error) {
		a, b, err := tx.AttachmentData("f1")
		return fmt.Sprintf("%+v %q", a, b), err
	})
	for i, n := range []tickets.Notice{
		{Kind: tickets.NoticeNewTicket, TicketID: "T-000001", Rank: 2},
		{Kind: tickets.NoticeBreach, TicketID: "T-000002", Rank: 0, Was: tickets.Urgent},
		{Kind: tickets.NoticeNewTicket, TicketID: "T-000404", Rank: 1},
		{Kind: tickets.NoticeNewTicket, TicketID: "T-000003", Rank: 0},
		{Kind: "", TicketID: "T-000003"},
	} {
		w(fmt.Sprint("notice ", i), func(tx tickets.Tx) (any, error) { return n, tx.AddNotice(&n) })
	}
	both("notices", func(s tickets.Store) (any, error) { return s.Notices(context.Background(), 3) })
	both("delete notice", func(s tickets.Store) (any, error) { return nil, s.DeleteNotice(context.Background(), "0.2") })
	both("delete bad notice", func(s tickets.Store) (any, error) { return nil, s.DeleteNotice(context.Background(), "x") })
	both("notices after", func(s tickets.Store) (any, error) { return s.Notices(context.Background(), 0) })
	for i := range 11 {
		both(fmt.Sprint("choices ", i), func(s tickets.Store) (any, error) {
			return nil, s.PutChoices(context.Background(), "c-1", uint64(i+1), []string{fmt.Sprint("yes ", i), "no"})
		})
	}
	for _, seq := range []uint64{1, 3, 4, 11, 12} {
		both(fmt.Sprint("choice ", seq), func(s tickets.Store) (any, error) { return s.Choices(context.Background(), "c-1", seq) })
	}
	both("set cursor", func(s tickets.Store) (any, error) {
		return nil, s.SetCursor(context.Background(), tickets.Telegram, 991)
	})
	both("cursor", func(s tickets.Store) (any, error) { return s.Cursor(context.Background(), tickets.Telegram) })
	both("no cursor", func(s tickets.Store) (any, error) { return s.Cursor(context.Background(), tickets.Web) })
	w("seen", func(tx tickets.Tx) (any, error) { return tx.Seen("u1") })
	w("seen again", func(tx tickets.Tx) (any, error) { return tx.Seen("u1") })
	w("set meta", func(tx tickets.Tx) (any, error) { return nil, tx.SetMeta("k", []byte("v")) })
	r("meta", func(tx tickets.Tx) (any, error) { return tx.Meta("k") })
	r("no meta", func(tx tickets.Tx) (any, error) { return tx.Meta("nope") })

	// Retention, a day later.
	clock.Advance(24 * time.Hour)
	w("conversation without ticket", func(tx tickets.Tx) (any, error) {
		c := tickets.Conversation{ID: "c-4", Channel: tickets.Web}
		return c, tx.PutConversation(&c)
	})
	w("seen later", func(tx tickets.Tx) (any, error) { return tx.Seen("u2") })
	w("expire", func(tx tickets.Tx) (any, error) { return tx.ExpireConversations(clock.Now().Add(-time.Hour), 10) })
	r("expired c-2", func(tx tickets.Tx) (any, error) { return tx.Conversation("c-2") })
	r("kept c-1 (had a ticket)", func(tx tickets.Tx) (any, error) { return tx.Conversation("c-1") })
	r("kept c-4", func(tx tickets.Tx) (any, error) { return tx.Conversation("c-4") })
	r("file of expired", func(tx tickets.Tx) (any, error) { _, _, err := tx.AttachmentData("f1"); return nil, err })
	w("purge", func(tx tickets.Tx) (any, error) { return tx.PurgeResolved(clock.Now(), 10) })
	r("purged ticket", func(tx tickets.Tx) (any, error) { return tx.Ticket("T-000005") })
	r("file of purged", func(tx tickets.Tx) (any, error) { _, _, err := tx.AttachmentData("f2"); return nil, err })
	w("purge again", func(tx tickets.Tx) (any, error) { return tx.PurgeResolved(clock.Now(), 10) })
	w("prune seen", func(tx tickets.Tx) (any, error) { return tx.PruneSeen(clock.Now().Add(-time.Hour), 10) })
	w("seen pruned key", func(tx tickets.Tx) (any, error) { return tx.Seen("u1") })
	w("seen kept key", func(tx tickets.Tx) (any, error) { return tx.Seen("u2") })
	w("bad limit", func(tx tickets.Tx) (any, error) { return tx.PruneSeen(clock.Now(), 0) })
	r("events at the end", func(tx tickets.Tx) (any, error) { return tx.Events(0, 10_000) })
}

// errClass names the kind of err the contract defines.
func errClass(err error) string {
	for _, k := range []error{tickets.ErrNotFound, tickets.ErrConflict, tickets.ErrInvalid} {
		if errors.Is(err, k) {
			return "err:" + k.Error()
		}
	}
	if err != nil {
		return "err:" + strings.SplitN(err.Error(), ":", 2)[0]
	}
	return "ok"
}

// result is one store's answer to a step.
type result struct {
	err string
	v   any
}

// String shows the answer whole (JSON follows pointers, %+v does not).
func (r result) String() string {
	b, err := json.Marshal(r.v)
	if err != nil {
		return fmt.Sprintf("%s %+v", r.err, r.v)
	}
	return fmt.Sprintf("%s %s", r.err, b)
}

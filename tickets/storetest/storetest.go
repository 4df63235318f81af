// Package storetest is the conformance suite for tickets.Store
// implementations: the semantics every store must keep, checked through
// the tickets.Store interface only (never a file or table layout), so that
// boltstore and a PostgreSQL store are held to the same rules.
//
// It covers tickets (create, get, put, the T-000001 id sequence, filters,
// ordering most urgent then oldest, paging with After, refused filters,
// page sizes, tickets of a user, counts, the transcript window and its
// archive), the quality indexes (DueTickets, NextDue, ReportRows,
// outcomes), attachments and their quotas, conversations and the
// resume-hash index, the outbox (Enqueue, Ack, PendingConversations,
// SetProgress), the channels' records (cursor, choices, notices), agents
// and their tokens, events and EventRange, Changed, Seen, Meta, retention
// (ExpireConversations, PurgeResolved, PruneSeen with their limits),
// rolled-back and read-only transactions, races decided with one winner,
// search, transfer rules, and a model test of random operations.
//
// A store runs it from a test of its own:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T, now tickets.Clock) tickets.Store {
//			return openEmptyStore(t, now) // closed by t.Cleanup
//		})
//	}
//
// What a store does beyond the interface (its files, migrations, group
// commits, exact id layouts it chose) is tested in its own package.
package storetest

import (
	"context"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/triagebot/triagebot/tickets"
)

// Opener returns a fresh, empty store, closed when the test ends. The
// store must take the time from now wherever it stamps one itself (a
// ticket's CreatedAt left zero, an attachment's, a Seen key's, a
// notice's), because the suite moves that clock to test retention. Times
// must come back as they were stored to the microsecond, in UTC.
type Opener func(t *testing.T, now tickets.Clock) tickets.Store

// Run runs every check of the suite as a subtest, each on a fresh store.
func Run(t *testing.T, open Opener) {
	for _, c := range []struct {
		name string
		fn   func(*testing.T, Opener)
	}{
		// Tickets.
		{"TicketRoundTrip", testTicketRoundTrip},
		{"CreateTicketDefaults", testCreateTicketDefaults},
		{"TicketIDSequence", testTicketIDSequence},
		{"TicketErrors", testTicketErrors},
		{"TicketsOrderAndPaging", testTicketsOrderAndPaging},
		{"TicketsLimits", testTicketsLimits},
		{"QueuePrefixesDoNotMix", testQueuePrefixesDoNotMix},
		{"TicketsOfUserNewestFirst", testTicketsOfUserNewestFirst},
		{"CountTickets", testCountTickets},
		{"TranscriptWindow", testTranscriptWindow},
		{"Model", testModel},
		// Transactions.
		{"RolledBackUpdateChangesNothing", testRolledBackUpdateChangesNothing},
		{"DoneContext", testDoneContext},
		{"ViewIsReadOnly", testViewIsReadOnly},
		{"ClaimRace", testClaimRace},
		{"ConcurrentCreates", testConcurrentCreates},
		// Quality indexes.
		{"DueIndex", testDueIndex},
		{"ReportRows", testReportRows},
		{"Outcomes", testOutcomes},
		// Conversations, outbox, attachments.
		{"Attachments", testAttachments},
		{"Outbox", testOutbox},
		{"OutboxWithinOneUpdate", testOutboxWithinOneUpdate},
		{"TicketEventRoundTrip", testTicketEventRoundTrip},
		{"ConversationRoundTripAndChannelMove", testConversationRoundTripAndChannelMove},
		{"ResumeHashIndex", testResumeHashIndex},
		{"SetProgress", testSetProgress},
		// Channels' records.
		{"Cursor", testCursor},
		{"ChoicesKeepNewestSets", testChoicesKeepNewestSets},
		{"NoticesUrgentFirstAndDeleted", testNoticesUrgentFirstAndDeleted},
		// Agents, Seen, Meta.
		{"Agents", testAgents},
		{"ListAgents", testListAgents},
		{"AgentListRotateRemove", testAgentListRotateRemove},
		{"AgentByNameDeleteRotate", testAgentByNameDeleteRotate},
		{"SeenAndMeta", testSeenAndMeta},
		{"ConcurrentSeen", testConcurrentSeen},
		// Retention.
		{"ExpireConversations", testExpireConversations},
		{"PurgeResolved", testPurgeResolved},
		{"PruneSeen", testPruneSeen},
		{"BatchLimits", testBatchLimits},
		// The agent workspace.
		{"EventsPerChange", testEventsPerChange},
		{"EventRange", testEventRange},
		{"TransferRules", testTransferRules},
		{"ChangedWakesAfterCommit", testChangedWakesAfterCommit},
		{"Search", testSearch},
		{"TicketsInQueues", testTicketsInQueues},
	} {
		t.Run(c.name, func(t *testing.T) { c.fn(t, open) })
	}
}

// Clock is a settable clock for a store under test; it starts at
// 2025-11-02 07:00 UTC and moves only when told.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock at the suite's starting time.
func NewClock() *Clock {
	return &Clock{t: time.Date(2025, 11, 2, 7, 0, 0, 0, time.UTC)}
}

// Now is the clock's time; pass it where a tickets.Clock is wanted.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fresh opens an empty store on a clock of its own.
func fresh(t *testing.T, open Opener) (tickets.Store, *Clock) {
	t.Helper()
	c := NewClock()
	return open(t, c.Now), c
}

// Update runs fn in one of s's write transactions, failing the test on an error.
func Update(t testing.TB, s tickets.Store, fn func(tickets.Tx) error) {
	t.Helper()
	if err := s.Update(context.Background(), fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

// View runs fn in one of s's read transactions, failing the test on an error.
func View(t testing.TB, s tickets.Store, fn func(tickets.Tx) error) {
	t.Helper()
	if err := s.View(context.Background(), fn); err != nil {
		t.Fatalf("View: %v", err)
	}
}

func newTicket(queue string, p tickets.Priority) tickets.Ticket {
	return tickets.Ticket{
		Intent: "withdrawal_failed", Priority: p, Queue: queue,
		Channel: tickets.Web, User: tickets.User{ID: "u1", Name: "Ada"}, Lang: "en",
	}
}

func mustCreate(t testing.TB, s tickets.Store, tk tickets.Ticket) tickets.Ticket {
	t.Helper()
	Update(t, s, func(tx tickets.Tx) error { return tx.CreateTicket(&tk) })
	return tk
}

func ids(ts []tickets.Ticket) []string {
	out := make([]string, len(ts))
	for i, tk := range ts {
		out[i] = tk.ID
	}
	return out
}

// head shortens a long id list for error messages.
func head(ids []string) []string {
	if len(ids) > 12 {
		return append(slices.Clip(ids[:12]), "…")
	}
	return ids
}

// events reads every event after seq.
func events(t *testing.T, s tickets.Store, after uint64) []tickets.Event {
	t.Helper()
	var out []tickets.Event
	View(t, s, func(tx tickets.Tx) error {
		var err error
		out, err = tx.Events(after, 1000)
		return err
	})
	return out
}

func kinds(evs []tickets.Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, string(e.Kind)+" "+e.ID)
	}
	return out
}

// requireAllSet fails when any field of v (recursively, through structs,
// pointers and the first element of slices) is zero. Round-trip fixtures are
// checked with it, so a field added to a domain type later, but forgotten in
// the stored record, makes the round-trip test fail instead of being dropped.
func requireAllSet(t testing.TB, v any) {
	t.Helper()
	var walk func(path string, rv reflect.Value)
	walk = func(path string, rv reflect.Value) {
		if rv.IsZero() {
			t.Errorf("fixture field %s is zero; set it so the round trip covers it", path)
			return
		}
		switch rv.Kind() {
		case reflect.Pointer:
			walk(path, rv.Elem())
		case reflect.Struct:
			if rv.Type() == reflect.TypeFor[time.Time]() {
				return
			}
			for i := range rv.NumField() {
				if !rv.Type().Field(i).IsExported() {
					continue // bookkeeping such as Ticket's change mark, never stored
				}
				walk(path+"."+rv.Type().Field(i).Name, rv.Field(i))
			}
		case reflect.Slice:
			if rv.Type().Elem().Kind() != reflect.Uint8 {
				walk(path+"[0]", rv.Index(0))
			}
		}
	}
	walk(reflect.TypeOf(v).String(), reflect.ValueOf(v))
}

package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/storetest"
)

// exec runs one statement on the database at u, outside any Store.
func exec(t testing.TB, u, sql string, args ...any) {
	t.Helper()
	c, err := pgx.Connect(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	if _, err := c.Exec(t.Context(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// column reads one column of a query on the database at u.
func column[T any](t testing.TB, u, sql string, args ...any) []T {
	t.Helper()
	c, err := pgx.Connect(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	r, err := c.Query(t.Context(), sql, args...)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	out, err := pgx.CollectRows(r, pgx.RowTo[T])
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return out
}

func TestMigrations(t *testing.T) {
	u := testURL(t)
	want := make([]int32, SchemaVersion())
	for i := range want {
		want[i] = int32(i + 1)
	}
	// Two replicas starting together on an empty database: the advisory
	// lock lets one migrate while the other waits, then finds it done.
	var wg sync.WaitGroup
	var errs [2]error
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := Open(t.Context(), u, Options{})
			if err == nil {
				err = s.Close()
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	if errs[0] != nil || errs[1] != nil {
		t.Fatalf("two Opens at once: %v, %v", errs[0], errs[1])
	}
	versions := func() []int32 { return column[int32](t, u, `SELECT version FROM schema_migrations ORDER BY version`) }
	if got := versions(); !slices.Equal(got, want) {
		t.Fatalf("versions %v, want %v", got, want)
	}
	applied := column[time.Time](t, u, `SELECT applied_at FROM schema_migrations ORDER BY version`)

	// Opening again applies nothing.
	s := openURL(t, u, Options{})
	_ = s.Close()
	if got := column[time.Time](t, u, `SELECT applied_at FROM schema_migrations ORDER BY version`); !slices.Equal(got, applied) {
		t.Errorf("re-open touched schema_migrations: %v, was %v", got, applied)
	}

	// A database migrated by a newer binary is refused, saying what to do.
	newer := SchemaVersion() + 4
	exec(t, u, `INSERT INTO schema_migrations (version, name) VALUES ($1, 'future')`, newer)
	_, err := Open(t.Context(), u, Options{})
	msg := fmt.Sprintf("database schema is version %d, this binary knows up to %d: upgrade triagebot", newer, SchemaVersion())
	if !errors.Is(err, tickets.ErrSchema) || !strings.Contains(fmt.Sprint(err), msg) {
		t.Errorf("newer schema: %v, want ErrSchema saying %q", err, msg)
	}
}

func TestMigrationsUpgradeInOrder(t *testing.T) {
	u := testURL(t)
	cfg, err := pgx.ParseConfig(u)
	if err != nil {
		t.Fatal(err)
	}
	first, err := migrationFiles.ReadFile("migrations/0001_init.sql")
	if err != nil {
		t.Fatal(err)
	}
	v1 := fstest.MapFS{"migrations/0001_init.sql": {Data: first}}
	v2 := fstest.MapFS{
		"migrations/0001_init.sql":  {Data: first},
		"migrations/0002_later.sql": {Data: []byte(`CREATE TABLE later (x int); INSERT INTO later VALUES (7);`)},
	}
	for i, fsys := range []fstest.MapFS{v1, v2, v2} {
		if err := migrate(t.Context(), cfg, fsys); err != nil {
			t.Fatalf("migrate %d: %v", i, err)
		}
	}
	if got := column[int32](t, u, `SELECT x FROM later`); !slices.Equal(got, []int32{7}) {
		t.Errorf("0002 applied %v times, want once", got)
	}
	if got := column[string](t, u, `SELECT name FROM schema_migrations ORDER BY version`); !slices.Equal(got, []string{"0001_init", "0002_later"}) {
		t.Errorf("schema_migrations %v", got)
	}
	// Going back to a binary that knows only 0001 is refused.
	if err := migrate(t.Context(), cfg, v1); !errors.Is(err, tickets.ErrSchema) {
		t.Errorf("older binary: %v, want ErrSchema", err)
	}
	// A gap in the numbering is a build mistake, refused before touching
	// the database.
	gap := fstest.MapFS{"migrations/0001_init.sql": {Data: first}, "migrations/0003_x.sql": {Data: []byte(`SELECT 1`)}}
	if err := migrate(t.Context(), cfg, gap); err == nil || !strings.Contains(err.Error(), "0002_") {
		t.Errorf("gap: %v", err)
	}
}

func TestClaimRaceOneWinner(t *testing.T) {
	s, _ := openTest(t, Options{MaxConns: 40})
	now := time.Date(2025, 11, 2, 7, 0, 0, 0, time.UTC)
	tk := tickets.Ticket{Priority: tickets.High, Queue: "payments", Channel: tickets.Web}
	update(t, s, func(tx tickets.Tx) error { return tx.CreateTicket(&tk) })

	race := func(n int, fn func(tx tickets.Tx, i int) error) []error {
		errs := make([]error, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				errs[i] = s.Update(t.Context(), func(tx tickets.Tx) error { return fn(tx, i) })
			}()
		}
		close(start)
		wg.Wait()
		return errs
	}
	winners := func(errs []error) []int {
		var out []int
		for i, err := range errs {
			switch {
			case err == nil:
				out = append(out, i)
			case !errors.Is(err, tickets.ErrConflict):
				t.Errorf("racer %d: %v, want ErrConflict", i, err)
			}
		}
		return out
	}
	errs := race(32, func(tx tickets.Tx, i int) error {
		_, err := tickets.Claim(tx, tk.ID, fmt.Sprint("agent", i), now)
		return err
	})
	w := winners(errs)
	if len(w) != 1 {
		t.Fatalf("claim race: winners %v, want one", w)
	}
	holder := fmt.Sprint("agent", w[0])
	// The holder resolves from many requests at once: once.
	w = winners(race(16, func(tx tickets.Tx, i int) error {
		_, err := tickets.Resolve(tx, tk.ID, holder, fmt.Sprint("note ", i), now)
		return err
	}))
	if len(w) != 1 {
		t.Fatalf("resolve race: winners %v, want one", w)
	}
	view(t, s, func(tx tickets.Tx) error {
		got, err := tx.Ticket(tk.ID)
		if got.Assignee != holder || got.Status != tickets.Resolved || got.Note != fmt.Sprint("note ", w[0]) {
			t.Errorf("ticket %s/%s/%q, want resolved by %s with note %d", got.Status, got.Assignee, got.Note, holder, w[0])
		}
		evs, err2 := tx.Events(0, 100)
		var kinds []tickets.EventKind
		for _, e := range evs {
			kinds = append(kinds, e.Kind)
		}
		if !slices.Equal(kinds, []tickets.EventKind{tickets.EventCreated, tickets.EventClaimed, tickets.EventResolved}) {
			t.Errorf("events %v", kinds)
		}
		return errors.Join(err, err2)
	})
}

// TestConversationTurnsSerialized runs many read-modify-write turns on one
// conversation at once: none may be lost, and the outbox numbers them in
// commit order.
func TestConversationTurnsSerialized(t *testing.T) {
	s, _ := openTest(t, Options{MaxConns: 20})
	update(t, s, func(tx tickets.Tx) error {
		return tx.PutConversation(&tickets.Conversation{ID: "c-1", Channel: tickets.Web, State: []byte(`0`)})
	})
	const turns = 40
	var wg sync.WaitGroup
	for range turns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := s.Update(t.Context(), func(tx tickets.Tx) error {
				c, err := tx.Conversation("c-1")
				if err != nil {
					return err
				}
				var n int
				if err := json.Unmarshal(c.State, &n); err != nil {
					return err
				}
				c.State = []byte(fmt.Sprint(n + 1))
				if err := tx.PutConversation(&c); err != nil {
					return err
				}
				return tx.Enqueue(&tickets.OutMessage{ConversationID: c.ID, Kind: tickets.KindMessage, Text: fmt.Sprint("turn ", n+1)})
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	view(t, s, func(tx tickets.Tx) error {
		c, err := tx.Conversation("c-1")
		if string(c.State) != fmt.Sprint(turns) {
			t.Errorf("state %s after %d turns: updates lost", c.State, turns)
		}
		out, err2 := tx.Outbox("c-1")
		for i, m := range out {
			if m.Seq != uint64(i+1) || m.Text != fmt.Sprint("turn ", i+1) {
				t.Errorf("outbox[%d] = seq %d %q", i, m.Seq, m.Text)
			}
		}
		if len(out) != turns {
			t.Errorf("outbox holds %d, want %d", len(out), turns)
		}
		return errors.Join(err, err2)
	})
}

// TestEventsCommitInOrder holds a transaction that queued an event between
// its last statement and COMMIT while a writer on another replica commits
// and returns: the second's event is numbered 1 at once (it waits for no
// one), and the held one becomes 2 when it commits. A reader never sees a
// number below one it has seen appear later.
func TestEventsCommitInOrder(t *testing.T) {
	s, u := openTest(t, Options{})
	s2 := openURL(t, u, Options{})
	type key struct{}
	paused, resume := make(chan struct{}), make(chan struct{})
	s.beforeCommit = func(ctx context.Context) {
		if ctx.Value(key{}) != nil {
			close(paused)
			<-resume
		}
	}
	mk := func(s *Store, ctx context.Context, q string) chan error {
		done := make(chan error, 1)
		go func() {
			done <- s.Update(ctx, func(tx tickets.Tx) error {
				return tx.CreateTicket(&tickets.Ticket{Priority: tickets.Normal, Queue: q})
			})
		}()
		return done
	}
	a := mk(s, context.WithValue(t.Context(), key{}, true), "a")
	<-paused
	if err := <-mk(s2, t.Context(), "b"); err != nil {
		t.Fatal(err)
	}
	events := func() []tickets.Event {
		var evs []tickets.Event
		view(t, s, func(tx tickets.Tx) error {
			var err error
			evs, err = tx.Events(0, 10)
			return err
		})
		return evs
	}
	if evs := events(); len(evs) != 1 || evs[0].Seq != 1 || evs[0].Queue != "b" {
		t.Fatalf("while a is held: events %+v, want b's as 1", evs)
	}
	close(resume)
	if err := <-a; err != nil {
		t.Fatal(err)
	}
	if evs := events(); len(evs) != 2 || evs[1].Seq != 2 || evs[1].Queue != "a" {
		t.Fatalf("events %+v, want b's as 1 then a's as 2", evs)
	}
}

// TestEventsOfOneTicketKeepTheirOrder: the changes of one ticket made one
// after the other on two replicas come out of the stream in that order.
func TestEventsOfOneTicketKeepTheirOrder(t *testing.T) {
	s, u := openTest(t, Options{})
	s2 := openURL(t, u, Options{})
	var id string
	if err := s.Update(t.Context(), func(tx tickets.Tx) error {
		tk := tickets.Ticket{Priority: tickets.Normal, Queue: "q"}
		err := tx.CreateTicket(&tk)
		id = tk.ID
		return err
	}); err != nil {
		t.Fatal(err)
	}
	const notes = 40
	var wg sync.WaitGroup
	for i := range notes {
		wg.Add(1)
		st := []*Store{s, s2}[i%2]
		go func() {
			defer wg.Done()
			if err := st.Update(t.Context(), func(tx tickets.Tx) error {
				// The time is taken once the ticket is locked: it grows
				// in the order the notes commit.
				if _, err := tx.Ticket(id); err != nil {
					return err
				}
				_, err := tickets.AddNote(tx, id, "amy", fmt.Sprint(i), time.Now())
				return err
			}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	var evs []tickets.Event
	view(t, s, func(tx tickets.Tx) error {
		var err error
		evs, err = tx.Events(0, 100)
		return err
	})
	if len(evs) != notes+1 {
		t.Fatalf("%d events, want %d", len(evs), notes+1)
	}
	for i, e := range evs {
		if e.Seq != uint64(i+1) {
			t.Fatalf("event %d has number %d", i, e.Seq)
		}
		if i > 0 && !e.UpdatedAt.After(evs[i-1].UpdatedAt) {
			t.Fatalf("event %d was updated at %v, not after event %d (%v): out of order",
				e.Seq, e.UpdatedAt, evs[i-1].Seq, evs[i-1].UpdatedAt)
		}
	}
}

// TestEventsNeverSkipped reads the stream while many writers commit: the
// reader, always asking for events after the last it saw, must see every
// number once, in order.
func TestEventsNeverSkipped(t *testing.T) {
	s, _ := openTest(t, Options{MaxConns: 24})
	const writers, each = 12, 25
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				err := s.Update(t.Context(), func(tx tickets.Tx) error {
					tk := tickets.Ticket{Priority: tickets.Normal, Queue: fmt.Sprintf("q%d-%d", w, i)}
					if err := tx.CreateTicket(&tk); err != nil {
						return err
					}
					_, err := tickets.AddNote(tx, tk.ID, "amy", "n", time.Now())
					return err
				})
				if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	writing := make(chan struct{})
	go func() { wg.Wait(); close(writing) }()
	var seqs []uint64
	var after uint64
	for done := false; ; {
		ch := s.Changed()
		var evs []tickets.Event
		view(t, s, func(tx tickets.Tx) error {
			var err error
			evs, err = tx.Events(after, 7)
			return err
		})
		for _, e := range evs {
			seqs = append(seqs, e.Seq)
			after = e.Seq
		}
		if len(evs) > 0 {
			continue
		}
		if done {
			break
		}
		select {
		case <-ch:
		case <-writing:
			done = true // one more read after the last commit
		}
	}
	if len(seqs) != writers*each {
		t.Errorf("read %d events, want %d", len(seqs), writers*each)
	}
	for i, s := range seqs {
		if s != uint64(i+1) {
			t.Fatalf("event %d is numbered %d: the reader skipped or repeated one (%v...)", i+1, s, seqs[:i+1])
		}
	}
}

func TestNotifyReachesAnotherStore(t *testing.T) {
	u := testURL(t)
	s1 := openURL(t, u, Options{})
	s2 := openURL(t, u, Options{})
	heard := make(chan string, 100)
	s2.WatchOutbox(func(ch tickets.Channel, id string) {
		select {
		case heard <- string(ch) + "/" + id:
		default:
			t.Error("watcher channel full")
		}
	})
	enqueue := func(id string) {
		update(t, s1, func(tx tickets.Tx) error {
			if _, err := tx.Conversation(id); errors.Is(err, tickets.ErrNotFound) {
				if err := tx.PutConversation(&tickets.Conversation{ID: id, Channel: tickets.Web}); err != nil {
					return err
				}
			}
			return tx.Enqueue(&tickets.OutMessage{ConversationID: id, Kind: tickets.KindMessage, Text: "hi"})
		})
	}
	wait := func(want string) {
		t.Helper()
		for got := range heard {
			if got == want {
				return
			}
		}
	}
	enqueue("c-1")
	wait("web/c-1")
	var m dto.Metric
	if err := s2.metrics.notifyLag.(prometheus.Metric).Write(&m); err != nil || m.Histogram.GetSampleCount() == 0 {
		t.Errorf("notify lag not observed: %v %v", err, m.Histogram)
	}

	// Changed on s2 wakes for s1's ticket commit.
	ch := s2.Changed()
	update(t, s1, func(tx tickets.Tx) error {
		return tx.CreateTicket(&tickets.Ticket{Priority: tickets.Normal, Queue: "q"})
	})
	<-ch

	// The listeners lose their connections: once back, they wake Changed
	// and every watcher of a conversation with messages waiting, since
	// notifications may have been lost meanwhile.
	ch = s2.Changed()
	for len(heard) > 0 {
		<-heard
	}
	exec(t, u, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'`)
	<-ch
	wait("web/c-1")
	// And they hear new commits again.
	enqueue("c-2")
	wait("web/c-2")
	if err := s2.metrics.reconnects.(prometheus.Metric).Write(&m); err != nil || m.Counter.GetValue() < 1 {
		t.Errorf("reconnects %v %v", err, m.Counter)
	}
}

func TestLeadMovesBetweenStores(t *testing.T) {
	u := testURL(t)
	opts := Options{LeasePoll: 20 * time.Millisecond, LeaseCheck: 50 * time.Millisecond}
	s1 := openURL(t, u, opts)
	s2 := openURL(t, u, opts)
	type got struct {
		held    context.Context
		release func()
		err     error
	}
	lead := func(s *Store, ctx context.Context, name string) chan got {
		c := make(chan got, 1)
		go func() {
			h, r, err := s.Lead(ctx, name)
			c <- got{h, r, err}
		}()
		return c
	}
	first := <-lead(s1, t.Context(), "telegram")
	if first.err != nil {
		t.Fatal(first.err)
	}
	// Another name is another lease.
	other := <-lead(s2, t.Context(), "outbox")
	if other.err != nil {
		t.Fatal(other.err)
	}
	other.release()
	// s2 waits for "telegram" until s1 releases it.
	waiting := lead(s2, t.Context(), "telegram")
	// A caller that gives up gets its context's error.
	ctx, cancel := context.WithCancel(t.Context())
	gaveUp := lead(s2, ctx, "telegram")
	cancel()
	if g := <-gaveUp; !errors.Is(g.err, context.Canceled) {
		t.Errorf("cancelled Lead: %v", g.err)
	}
	first.release()
	<-first.held.Done()
	second := <-waiting
	if second.err != nil {
		t.Fatal(second.err)
	}
	// Closing the holder's store hands the lease on.
	third := lead(s1, t.Context(), "telegram")
	_ = s2.Close()
	<-second.held.Done()
	g := <-third
	if g.err != nil {
		t.Fatal(g.err)
	}
	// A holder whose connection dies loses the lease: its context ends.
	exec(t, u, `SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted
		AND ((classid::bigint << 32) | objid::bigint) = $1`, leaseKey("telegram"))
	<-g.held.Done()
	g.release()
	// The lease is free again; a held lease ends with the context it was
	// asked with.
	ctx, cancel = context.WithCancel(t.Context())
	h := <-lead(s1, ctx, "telegram")
	if h.err != nil {
		t.Fatal(h.err)
	}
	cancel()
	<-h.held.Done()
	h.release()
	if h := <-lead(s1, t.Context(), "telegram"); h.err != nil {
		t.Fatal(h.err)
	} else {
		h.release()
	}
}

// TestLeaseFenced: when the server ends a living holder's session (a
// restart, a failover), the lock is free at once; the next holder's Lead
// returns only after the fence, by which time the old holder has noticed
// and stopped: the two never hold the duty together.
func TestLeaseFenced(t *testing.T) {
	u := testURL(t)
	// The old holder checks its session every second; the next one polls
	// every 20 ms and would, unfenced, take the lease long before that.
	s1 := openURL(t, u, Options{LeasePoll: 20 * time.Millisecond, LeaseCheck: time.Second})
	s2 := openURL(t, u, Options{LeasePoll: 20 * time.Millisecond, LeaseCheck: time.Second, LeaseFence: 4 * time.Second})
	held, release, err := s1.Lead(t.Context(), "telegram")
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	next := make(chan context.Context, 1)
	go func() {
		h, r, err := s2.Lead(t.Context(), "telegram")
		if err != nil {
			t.Error(err)
			next <- nil
			return
		}
		t.Cleanup(r)
		next <- h
	}()
	exec(t, u, `SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted
		AND ((classid::bigint << 32) | objid::bigint) = $1`, leaseKey("telegram"))
	h2 := <-next
	if h2 == nil {
		return
	}
	select {
	case <-held.Done():
	default:
		t.Fatal("the next holder got the lease while the old one still held its context")
	}
}

func TestSeenOnceAcrossStores(t *testing.T) {
	u := testURL(t)
	stores := []*Store{openURL(t, u, Options{}), openURL(t, u, Options{})}
	const n = 24
	seen := make([]bool, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			err := stores[i%2].Update(t.Context(), func(tx tickets.Tx) error {
				var err error
				seen[i], err = tx.Seen("telegram:update:77")
				return err
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	close(start)
	wg.Wait()
	first := 0
	for _, s := range seen {
		if !s {
			first++
		}
	}
	if first != 1 {
		t.Errorf("%d of %d callers were told the key is new, want 1", first, n)
	}
}

func TestHealthBackupCollectors(t *testing.T) {
	s, _ := openTest(t, Options{})
	if err := s.Health(); err != nil {
		t.Errorf("Health: %v", err)
	}
	_, err := s.Backup(t.Context(), nil)
	if !errors.Is(err, errors.ErrUnsupported) || !strings.Contains(err.Error(), "pg_dump") {
		t.Errorf("Backup: %v", err)
	}
	reg := prometheus.NewRegistry()
	for _, c := range s.Collectors() {
		if err := reg.Register(c); err != nil {
			t.Errorf("register: %v", err)
		}
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, mf := range mfs {
		names = append(names, mf.GetName())
	}
	for _, want := range []string{"triagebot_pg_pool_acquired_conns", "triagebot_pg_pool_idle_conns", "triagebot_pg_pool_total_conns",
		"triagebot_pg_pool_acquire_wait_seconds_total", "triagebot_pg_pool_empty_acquires_total"} {
		if !slices.Contains(names, want) {
			t.Errorf("metric %s missing from %v", want, names)
		}
	}
	// A transaction that writes in View is refused, and a refusal by a
	// transaction's own function does not make the store unhealthy.
	err = s.View(t.Context(), func(tx tickets.Tx) error { return tx.SetMeta("k", nil) })
	if !errors.Is(err, errReadOnly) {
		t.Errorf("write in View: %v", err)
	}
	_ = s.Update(t.Context(), func(tx tickets.Tx) error { return tickets.ErrConflict })
	if err := s.Health(); err != nil {
		t.Errorf("Health after a refused transaction: %v", err)
	}
	_ = s.Close()
	if _, err := s.pool.Acquire(context.Background()); err == nil {
		t.Error("pool still open after Close")
	}
}

func TestOpenRefusesBadURL(t *testing.T) {
	_, err := Open(t.Context(), "postgres://user:secret@[bad", Options{})
	if err == nil || strings.Contains(err.Error(), "secret") {
		t.Errorf("bad URL: %v (must fail without echoing the password)", err)
	}
}

// TestSweepsSkipLockedRows runs two sweeps at once, as two replicas do:
// while one holds the tickets and conversations it took, the other takes
// the rest instead of waiting or taking them twice.
func TestSweepsSkipLockedRows(t *testing.T) {
	clock := storetest.NewClock()
	s, _ := openTest(t, Options{Now: clock.Now})
	base := clock.Now()
	update(t, s, func(tx tickets.Tx) error {
		for i := range 6 {
			if err := tx.CreateTicket(&tickets.Ticket{Priority: tickets.Normal, Queue: "q", SLADue: base.Add(time.Duration(i) * time.Minute)}); err != nil {
				return err
			}
			if err := tx.PutConversation(&tickets.Conversation{ID: fmt.Sprint("c-", i), Channel: tickets.Web, UpdatedAt: base.Add(time.Duration(i) * time.Minute)}); err != nil {
				return err
			}
		}
		return nil
	})
	later := base.Add(time.Hour)
	took, release := make(chan []string, 1), make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- s.Update(t.Context(), func(tx tickets.Tx) error {
			due, err := tx.DueTickets(later, 2)
			if err != nil {
				return err
			}
			n, err := tx.ExpireConversations(later, 2)
			if err != nil || n != 2 {
				return fmt.Errorf("expire: %d, %v", n, err)
			}
			took <- ids(due)
			<-release // hold the rows, as a slow sweep would
			return nil
		})
	}()
	firstIDs := <-took
	var secondIDs []string
	update(t, s, func(tx tickets.Tx) error {
		due, err := tx.DueTickets(later, 10)
		secondIDs = ids(due)
		if err != nil {
			return err
		}
		n, err := tx.ExpireConversations(later, 10)
		if n != 4 {
			t.Errorf("second sweep expired %d conversations, want the 4 the first does not hold", n)
		}
		return err
	})
	close(release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(firstIDs, []string{"T-000001", "T-000002"}) ||
		!slices.Equal(secondIDs, []string{"T-000003", "T-000004", "T-000005", "T-000006"}) {
		t.Errorf("first sweep took %v, second %v", firstIDs, secondIDs)
	}
	view(t, s, func(tx tickets.Tx) error {
		n, err := tx.ExpireConversations(later, 10)
		if n != 0 {
			t.Errorf("%d conversations left after both sweeps", n)
		}
		return err
	})
}

func ids(ts []tickets.Ticket) []string {
	var out []string
	for _, tk := range ts {
		out = append(out, tk.ID)
	}
	return out
}

// TestHealthRecoversWithoutTraffic: after a failed commit Health reports
// it, and once the database takes writes again Health finds out by itself
// (a probe write), with no transaction of a user's to clear it: a proxy
// that stopped sending traffic for the 503 would otherwise never see 200.
func TestHealthRecoversWithoutTraffic(t *testing.T) {
	s, _ := openTest(t, Options{})
	s.recordFailure(errors.New("disk full"))
	s.healthMu.Lock()
	s.pingAt = time.Now() // the probe is not due yet
	s.healthMu.Unlock()
	if err := s.Health(); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("Health after a failed commit: %v", err)
	}
	s.healthMu.Lock()
	s.pingAt = time.Time{} // due now
	s.healthMu.Unlock()
	if err := s.Health(); err != nil {
		t.Fatalf("Health once writes work again: %v", err)
	}
	var v []byte
	if err := s.View(t.Context(), func(tx tickets.Tx) error {
		var err error
		v, err = tx.Meta("pgstore.health_probe")
		return err
	}); err != nil || len(v) != 1 {
		t.Errorf("the probe's row: %q, %v", v, err)
	}
}

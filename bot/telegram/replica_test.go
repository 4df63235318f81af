package telegram

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/triagebot/triagebot/bot"
	"github.com/triagebot/triagebot/escalation"
	"github.com/triagebot/triagebot/intents"
	"github.com/triagebot/triagebot/internal/fakebot"
	"github.com/triagebot/triagebot/internal/replicatest"
	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/boltstore"
)

// replica is one process's channel on a store shared with others.
type replica struct {
	engine *recEngine
	ch     *Channel
	cancel context.CancelFunc
	done   chan error
}

// startReplica runs a channel with its own engine on shared, leading only
// while it holds the lease.
func startReplica(t *testing.T, fake *fakebot.Bot, shared *replicatest.Shared, opts ...func(*Config)) *replica {
	t.Helper()
	eng, err := bot.New(bot.Config{Store: shared, Classifier: classifier, Router: escalation.Default(), Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	r := &replica{engine: &recEngine{Engine: eng}, done: make(chan error, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	cfg := Config{Token: testToken, Endpoint: fake.Endpoint(), Logger: quietLogger(), PollTimeout: time.Second,
		Engine: r.engine, Store: shared, Leaser: shared,
		Limits: Limits{PerChat: 20, PerChatBurst: 5, Global: 200, GlobalBurst: 50}}
	for _, o := range opts {
		o(&cfg)
	}
	r.ch, err = New(ctx, cfg)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	go func() { r.done <- r.ch.Run(ctx) }()
	t.Cleanup(r.stop)
	return r
}

// stop ends the replica's Run, as its process ending would.
func (r *replica) stop() {
	if r.cancel == nil {
		return
	}
	r.cancel()
	<-r.done
	r.cancel = nil
}

// sharedSetup is a fake Bot API and a store shared as replicas share one.
func sharedSetup(t *testing.T) (*fakebot.Bot, *replicatest.Shared) {
	t.Helper()
	classifierOnce.Do(func() { classifier, classifierErr = intents.NewOffline() })
	if classifierErr != nil {
		t.Fatal(classifierErr)
	}
	fake := fakebot.New(testToken)
	currentFake.Store(fake)
	fake.PollCap = 300 * time.Millisecond
	t.Cleanup(fake.Close)
	store, err := boltstore.Open(filepath.Join(t.TempDir(), "shared.db"), boltstore.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	shared := replicatest.New(store)
	return fake, shared
}

// TestOneLeaderPolls: of two replicas on one shared store, only the lease
// holder polls and sends; when it stops, the other takes over from the
// stored offset, and every update is handled once and answered once.
func TestOneLeaderPolls(t *testing.T) {
	fake, shared := sharedSetup(t)

	a := startReplica(t, fake, shared)
	waitFor(t, "replica A to lead", 5*time.Second, func() bool { return shared.Held(LeaseName) })
	b := startReplica(t, fake, shared)

	u := fakebot.User{ID: 5101, Name: "Mei", Lang: "en"}
	answered := func(n int) func() bool {
		return func() bool {
			ids, err := a.engine.Pending(context.Background(), tickets.Telegram)
			return err == nil && len(ids) == 0 && fake.Pending() == 0 && len(fake.Sent(u.ID)) >= n
		}
	}
	fake.Text(u, "hello")
	waitFor(t, "the first answer", 10*time.Second, answered(1))
	if n := len(b.engine.handled()); n != 0 {
		t.Fatalf("replica B handled %d updates while A led", n)
	}
	firstAnswers := len(fake.Sent(u.ID))

	a.stop() // A's process ends; its lease with it
	fake.Text(u, "my withdrawal failed")
	waitFor(t, "replica B's answer", 10*time.Second, answered(firstAnswers+1))

	// Each update was handled by one replica, once (a dedup key never
	// seen twice), and the first answer was not sent again.
	seen := map[string]int{}
	for _, r := range []*replica{a, b} {
		for _, in := range r.engine.handled() {
			seen[in.DedupKey]++
		}
	}
	if len(seen) != 2 {
		t.Errorf("updates handled: %v, want the two texts", seen)
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("update %s handled %d times", k, n)
		}
	}
	if len(b.engine.handled()) != 1 {
		t.Errorf("replica B handled %d updates, want the one after the takeover", len(b.engine.handled()))
	}
	sent := fake.Sent(u.ID)
	texts := map[string]int{}
	for _, c := range sent[:firstAnswers] {
		texts[c.Params["text"]]++
	}
	for _, c := range sent[firstAnswers:] {
		if texts[c.Params["text"]] > 0 {
			t.Errorf("the first answer was sent again after the takeover: %q", c.Params["text"])
		}
	}
}

// TestLostLeaseStopsPolling: a replica whose lease is lost (its store
// connection failed) stops polling and sending, and leads again once it
// gets the lease back.
func TestLostLeaseStopsPolling(t *testing.T) {
	fake, shared := sharedSetup(t)
	a := startReplica(t, fake, shared)
	waitFor(t, "replica A to lead", 5*time.Second, func() bool { return shared.Held(LeaseName) })

	// Hold the lease elsewhere as soon as A loses it.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	got := make(chan func(), 1)
	go func() {
		_, release, err := shared.Lead(ctx, LeaseName)
		if err == nil {
			got <- release
		}
	}()
	shared.Revoke(LeaseName)
	release := <-got
	// The gauge drops once every leader's goroutine (the poller too) ended.
	waitFor(t, "A to stop leading", 5*time.Second, func() bool {
		return testutil.ToFloat64(a.ch.metrics.leader) == 0 && fake.Polling() == 0
	})
	u := fakebot.User{ID: 5102, Name: "Kit", Lang: "en"}
	fake.Text(u, "hello")
	// Nobody leads but the test: the update waits, unhandled.
	if n := len(a.engine.handled()); n != 0 {
		t.Fatalf("A handled %d updates without the lease", n)
	}
	release()
	waitFor(t, "A to lead again and answer", 10*time.Second, func() bool { return len(fake.Sent(u.ID)) >= 1 })
}

// TestLeaderSendsNoticesStoredElsewhere: a notice another replica stored
// (here written straight to the shared store, as that replica's breach
// sweeper would, with no wake-up of this process) reaches the agent chat
// through the leader, woken by the store's Changed rather than its
// rescanEvery timer.
func TestLeaderSendsNoticesStoredElsewhere(t *testing.T) {
	const agentChat = -100991
	fake, shared := sharedSetup(t)
	withChat := func(c *Config) { c.AgentChatID = agentChat }
	startReplica(t, fake, shared, withChat)
	waitFor(t, "replica A to lead", 5*time.Second, func() bool { return shared.Held(LeaseName) })
	startReplica(t, fake, shared, withChat)

	var id string
	err := shared.Update(context.Background(), func(tx tickets.Tx) error {
		tk := tickets.Ticket{Queue: "payments", Priority: tickets.Urgent, Channel: tickets.Web, Intent: "other", Breached: true}
		if err := tx.CreateTicket(&tk); err != nil {
			return err
		}
		id = tk.ID
		return tx.AddNotice(&tickets.Notice{Kind: tickets.NoticeBreach, TicketID: tk.ID, Rank: tk.Priority.Rank(), Was: tickets.High})
	})
	if err != nil {
		t.Fatal(err)
	}
	// Well under rescanEvery (15 s): only the Changed wake-up gets it there.
	sent, err := fake.WaitSent(agentChat, 1, rescanEvery*2/3)
	if err != nil {
		t.Fatal(err)
	}
	if len(sent) != 1 || !strings.Contains(sent[0].Params["text"], id) {
		t.Errorf("agent chat got %d messages, first %q; want the one notice of %s", len(sent), sent[0].Params["text"], id)
	}
}

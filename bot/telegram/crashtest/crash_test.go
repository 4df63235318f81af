// Package crashtest kills the product between each step of each delivery
// path and checks, after a restart, that every message arrived: once, or
// (where the channel cannot tell whether Telegram took it) at least once,
// the same message, never lost.
//
// The product runs in a child process (this test binary, re-executed) with
// crashpoint.Env naming the step: it exits there at once, with no deferred
// call and no shutdown, as a kill -9 would. The fake Bot API lives in the
// parent, so what Telegram received survives the crash like the real one.
package crashtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/triagebot/triagebot/bot"
	"github.com/triagebot/triagebot/bot/telegram"
	"github.com/triagebot/triagebot/escalation"
	"github.com/triagebot/triagebot/intents"
	"github.com/triagebot/triagebot/internal/crashpoint"
	"github.com/triagebot/triagebot/internal/fakebot"
	"github.com/triagebot/triagebot/language"
	"github.com/triagebot/triagebot/prompts"
	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/boltstore"
)

const (
	token     = "123:TEST"
	agentChat = -100777
	userID    = 5001
	convID    = "tg-5001"

	// Environment of the child process.
	envChild    = "CRASHTEST_CHILD"
	envDB       = "CRASHTEST_DB"
	envEndpoint = "CRASHTEST_ENDPOINT"
	envAction   = "CRASHTEST_ACTION"
	// envNoClassifier: the run handles no user text (skips training one).
	envNoClassifier = "CRASHTEST_NO_CLASSIFIER"
)

// fraudOpening escalates at once: bot messages, a ticket and its notice.
const fraudOpening = "Someone used my account for a payment I didn't make: 3000 HKD yesterday 3pm, transaction TX20251102ABC123"

// replyShort is an agent's answer; replyLong needs three Telegram messages.
var (
	replyShort = "We have frozen the card; a new one is on its way."
	replyLong  = strings.Repeat("Please check the steps below carefully. ", 110) // 4,400 characters
)

// now is the child's clock, fixed so that every run words its messages
// (deadlines included) alike.
var now = time.Date(2025, 11, 3, 10, 0, 0, 0, time.UTC)

func TestMain(m *testing.M) {
	if os.Getenv(envChild) != "" {
		os.Exit(child())
	}
	code := m.Run()
	if ticketPath != "" {
		os.RemoveAll(filepath.Dir(ticketPath))
	}
	os.Exit(code)
}

// path is one delivery path: how it starts and the crash points on it.
type path struct {
	name string
	// start begins the path: an update pushed to the fake Bot API, or an
	// action the child takes (envAction).
	push   func(f *fakebot.Bot)
	action string
	// ticket: the path needs a ticket first (made by a run of the user
	// message path without a crash).
	ticket bool
	steps  []string
	// want is what the user's chat must receive, when known in advance;
	// nil: what a run without a crash delivers.
	want []string
	// parts is how many messages the reference run must have sent (0: any).
	parts int
	// notice: the agent chat must be told of the ticket.
	notice bool
}

func paths() []path {
	return []path{
		{name: "user message", push: func(f *fakebot.Bot) { f.Text(user, fraudOpening) }, notice: true,
			steps: []string{"telegram.update-handled", "bot.turn-committed", "telegram.sent", "telegram.acked",
				"telegram.notice-sent", "telegram.notice-deleted"}},
		{name: "command answer", push: func(f *fakebot.Bot) { f.Text(user, "/status") },
			want:  []string{prompts.Render(language.English, prompts.StatusNone, nil)},
			steps: []string{"telegram.update-handled", "bot.turn-committed", "telegram.sent", "telegram.acked"}},
		{name: "agent reply", action: "reply-short", ticket: true, want: []string{replyShort},
			steps: []string{"bot.reply-committed", "telegram.sent", "telegram.acked"}},
		{name: "multi-part message", action: "reply-long", ticket: true, parts: 3,
			steps: []string{"bot.reply-committed", "telegram.part-sent", "telegram.part-recorded",
				"telegram.part-sent@2", "telegram.sent", "telegram.acked"}},
	}
}

var user = fakebot.User{ID: userID, Name: "Chan", Lang: "en"}

// atLeastOnce are the steps after which the channel cannot tell whether
// Telegram took a message to the user: sent, and the crash came before its
// acknowledgement was stored, so it is sent again after the restart. The
// poller and the notice sender run beside the outbox senders, so a crash
// at one of their steps may catch a user's message in flight too.
var atLeastOnce = map[string]bool{"telegram.sent": true, "telegram.part-sent": true,
	"telegram.part-sent@2": true, "telegram.update-handled": true,
	"telegram.notice-sent": true, "telegram.notice-deleted": true}

// noticeOnce are the steps that leave the agent notice exactly once: before
// it could be sent, or after its record was deleted. At any other step the
// notice sender, running beside the rest, may have sent it and not yet
// deleted its record.
var noticeOnce = map[string]bool{"bot.turn-committed": true, "telegram.notice-deleted": true}

func TestCrashBetweenDeliverySteps(t *testing.T) {
	if testing.Short() {
		t.Skip("re-executes the product some thirty times")
	}
	for _, p := range paths() {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			want, wantNotices := p.want, 0
			if want == nil || p.notice {
				// What a run without a crash delivers is the reference.
				r := newRun(t, p)
				r.child(t, "", p.action, 0)
				want = r.sentTo(userID)[r.before:]
				wantNotices = len(r.sentTo(agentChat))
				if len(want) == 0 || (p.parts > 0 && len(want) != p.parts) || (p.notice && wantNotices != 1) {
					t.Fatalf("reference run: %d messages, %d notices", len(want), wantNotices)
				}
			}
			for _, step := range p.steps {
				t.Run(step, func(t *testing.T) {
					r := newRun(t, p)
					r.child(t, step, p.action, crashpoint.ExitCode)
					r.child(t, "", "", 0) // the restart
					r.check(t, step, want, wantNotices)
				})
			}
		})
	}
}

// run is one database and one fake Bot API: the world a crash happens in.
type run struct {
	fake   *fakebot.Bot
	db     string
	before int // messages to the user before the path started
	path   path
}

func newRun(t *testing.T, p path) *run {
	t.Helper()
	r := &run{fake: fakebot.New(token), db: filepath.Join(t.TempDir(), "tb.db"), path: p}
	r.fake.PollCap = 200 * time.Millisecond
	r.fake.Date = func() time.Time { return now }
	t.Cleanup(r.fake.Close)
	if p.ticket {
		// The database a run of the user message path leaves, made once:
		// its updates are behind the stored offset, so a new fake Bot API
		// with none of them serves it as well.
		b, err := os.ReadFile(ticketDB(t))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(r.db, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if p.push != nil {
		p.push(r.fake)
	}
	return r
}

var (
	ticketOnce sync.Once
	ticketPath string
	ticketErr  error
)

// ticketDB is a database holding a delivered ticket of user 5001.
func ticketDB(t *testing.T) string {
	ticketOnce.Do(func() {
		dir, err := os.MkdirTemp("", "crashtest")
		if err != nil {
			ticketErr = err
			return
		}
		r := &run{fake: fakebot.New(token), db: filepath.Join(dir, "ticket.db")}
		defer r.fake.Close()
		r.fake.PollCap = 200 * time.Millisecond
		r.fake.Date = func() time.Time { return now }
		r.fake.Text(user, fraudOpening)
		if err := r.start("", "", 0); err != nil {
			ticketErr = err
			return
		}
		ticketPath = r.db
	})
	if ticketErr != nil {
		t.Fatalf("making the ticket database: %v", ticketErr)
	}
	return ticketPath
}

// child runs the product on the run's database until it has delivered
// everything (exit 0) or crashed at step (crashpoint.ExitCode).
func (r *run) child(t *testing.T, step, action string, wantExit int) {
	t.Helper()
	if err := r.start(step, action, wantExit); err != nil {
		t.Fatal(err)
	}
}

func (r *run) start(step, action string, wantExit int) error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envChild+"=1", envDB+"="+r.db, envEndpoint+"="+r.fake.Endpoint(),
		envAction+"="+action, crashpoint.Env+"="+step)
	if r.path.ticket {
		// Nothing in these runs is for the classifier: the user has a
		// ticket and only agents write.
		cmd.Env = append(cmd.Env, envNoClassifier+"=1")
	}
	out, err := cmd.CombinedOutput()
	code := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		return fmt.Errorf("child: %w", err)
	}
	if code != wantExit {
		return fmt.Errorf("child (crash at %q, action %q) exited %d, want %d; output:\n%s", step, action, code, wantExit, out)
	}
	return nil
}

func (r *run) sentTo(chat int64) []string {
	var out []string
	for _, c := range r.fake.Sent(chat) {
		out = append(out, c.Params["text"])
	}
	return out
}

// check compares what Telegram received with want: equal, or, after a
// step the channel cannot tell, equal once one repeat of a message is
// dropped. Then the store must have nothing left to send.
func (r *run) check(t *testing.T, step string, want []string, wantNotices int) {
	t.Helper()
	got := r.sentTo(userID)[r.before:]
	if !sameOrOneRepeat(got, want, atLeastOnce[step]) {
		t.Errorf("user chat received %d messages %q\nwant %d %q (a repeat allowed: %v)", len(got), short(got), len(want), short(want), atLeastOnce[step])
	}
	if r.path.notice {
		notices := r.sentTo(agentChat)
		n := len(notices)
		if n < wantNotices || n > wantNotices+1 || (n > wantNotices && noticeOnce[step]) || !allEqual(notices) {
			t.Errorf("agent chat received %d notices %q, want %d (a repeat allowed: %v)", n, short(notices), wantNotices, !noticeOnce[step])
		}
	}
	st, err := boltstore.Open(r.db, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	err = st.View(ctx, func(tx tickets.Tx) error {
		if out, err := tx.Outbox(convID); err != nil || len(out) > 0 {
			return fmt.Errorf("outbox after the restart: %d messages, %v", len(out), err)
		}
		conv, err := tx.Conversation(convID)
		if err != nil {
			return err
		}
		if conv.TicketID == "" {
			return nil
		}
		tk, err := tx.Ticket(conv.TicketID)
		if err != nil {
			return err
		}
		n := 0
		for _, e := range tk.Transcript {
			if e.From == tickets.FromUser && e.Text == intents.Mask(fraudOpening) {
				n++
			}
		}
		if n != 1 {
			return fmt.Errorf("the user's message is %d times in the transcript, want once", n)
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
	if ns, err := st.Notices(ctx, 0); err != nil || len(ns) > 0 {
		t.Errorf("notices left after the restart: %d, %v", len(ns), err)
	}
}

// sameOrOneRepeat reports whether got is want, or (when repeat) want with
// one message sent twice in a row.
func sameOrOneRepeat(got, want []string, repeat bool) bool {
	if slices.Equal(got, want) {
		return true
	}
	if !repeat || len(got) != len(want)+1 {
		return false
	}
	for i := 1; i < len(got); i++ {
		if got[i] == got[i-1] && slices.Equal(slices.Delete(slices.Clone(got), i, i+1), want) {
			return true
		}
	}
	return false
}

func short(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		if r := []rune(s); len(r) > 40 {
			s = string(r[:40]) + "…"
		}
		out[i] = s
	}
	return out
}

func allEqual(ss []string) bool {
	for _, s := range ss {
		if s != ss[0] {
			return false
		}
	}
	return true
}

// child is the product in the child process: store, engine and Telegram
// channel, as serve wires them. It returns once everything is delivered;
// a crash point ends the process before.
func child() int {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("CRASHTEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	fail := func(err error) int {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()
	st, err := boltstore.Open(os.Getenv(envDB), boltstore.Options{})
	if err != nil {
		return fail(err)
	}
	defer st.Close()
	var cls intents.Classifier = noClassifier{}
	if os.Getenv(envNoClassifier) == "" {
		if cls, err = intents.NewOffline(); err != nil {
			return fail(err)
		}
	}
	eng, err := bot.New(bot.Config{Store: st, Classifier: cls, Router: escalation.Default(), Logger: log,
		Now: func() time.Time { return now }, Notices: true})
	if err != nil {
		return fail(err)
	}
	endpoint := os.Getenv(envEndpoint)
	ch, err := telegram.New(ctx, telegram.Config{Token: token, Endpoint: endpoint, AgentChatID: agentChat,
		Engine: eng, Store: st, Logger: log, PollTimeout: time.Second,
		Limits: telegram.Limits{PerChat: 50, PerChatBurst: 10, Global: 200, GlobalBurst: 50}})
	if err != nil {
		return fail(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- ch.Run(runCtx) }()
	go func() { _ = eng.Run(runCtx) }()

	switch a := os.Getenv(envAction); a {
	case "":
	case "reply-short", "reply-long":
		conv, err := eng.Conversation(ctx, convID)
		if err != nil || conv.TicketID == "" {
			return fail(fmt.Errorf("no ticket to reply to: %v", err))
		}
		text := replyShort
		if a == "reply-long" {
			text = replyLong
		}
		if _, err := eng.Reply(ctx, conv.TicketID, "alice", text); err != nil {
			return fail(err)
		}
	default:
		return fail(fmt.Errorf("unknown action %q", a))
	}

	base := strings.SplitN(endpoint, "/bot", 2)[0]
	for !settled(ctx, base, eng, st) {
		select {
		case <-ctx.Done():
			return fail(errors.New("not settled within the deadline"))
		case <-time.After(20 * time.Millisecond):
		}
	}
	stop()
	if err := <-done; err != nil {
		return fail(err)
	}
	return 0
}

// noClassifier stands in when no user text is handled (asked anyway, it
// fails, and the engine logs it).
type noClassifier struct{}

func (noClassifier) Classify(context.Context, string, time.Time) (intents.Result, error) {
	return intents.Result{}, errors.New("crashtest: no classifier in this run")
}

// settled: Telegram has no update the child has not handled, no outbox
// holds a message, no notice waits.
func settled(ctx context.Context, base string, eng *bot.Engine, st *boltstore.Store) bool {
	resp, err := http.Get(base + fakebot.PendingPath)
	if err != nil {
		return false
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if n, err := strconv.Atoi(strings.TrimSpace(string(b))); err != nil || n > 0 {
		return false
	}
	if ids, err := eng.Pending(ctx, tickets.Telegram); err != nil || len(ids) > 0 {
		return false
	}
	ns, err := st.Notices(ctx, 1)
	return err == nil && len(ns) == 0
}

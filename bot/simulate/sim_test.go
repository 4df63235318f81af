package simulate

import (
	"context"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/triagebot/triagebot/bot"
	"github.com/triagebot/triagebot/escalation"
	"github.com/triagebot/triagebot/intents"
	"github.com/triagebot/triagebot/language"
	"github.com/triagebot/triagebot/prompts"
	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/boltstore"
)

var (
	simN     = flag.Int("sim.n", defaultN, "number of simulated dialogues (seeds 1..n)")
	simSeed  = flag.Int64("sim.seed", 0, "replay only this seed and print its transcript")
	simV     = flag.Bool("sim.v", false, "print the per-behaviour breakdown and every failure's transcript")
	simShown = flag.Int("sim.show", 8, "failing transcripts printed in full")
)

// defaultN is five dialogues per problem, language and channel.
const defaultN = 360

// Goals of issue 11.
const (
	minRight = 0.99
	// maxTurns bounds a dialogue before a ticket: a user still talking then
	// is trapped.
	maxTurns = 18
)

// hk is the zone of the simulated clock; relative times resolve in it.
var hk = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Hong_Kong")
	if err != nil {
		return time.FixedZone("HKT", 8*3600)
	}
	return loc
}()

// simStart is a Monday morning in Hong Kong.
var simStart = time.Date(2025, 11, 3, 10, 0, 0, 0, hk)

var exampleDue = simStart

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var (
	offlineOnce sync.Once
	offline     *intents.Offline
	offlineErr  error
)

// classifier is the offline classifier, trained once per test binary.
func classifier(t testing.TB) intents.Classifier {
	offlineOnce.Do(func() { offline, offlineErr = intents.NewOffline() })
	if offlineErr != nil {
		t.Fatalf("offline classifier: %v", offlineErr)
	}
	return offline
}

// Verdicts.
const (
	right      = "right"
	wrong      = "wrong"
	trapped    = "trapped"
	falseAlarm = "false alarm"
)

// result is one played dialogue.
type result struct {
	sc         *scenario
	verdict    string
	cause      string // why it is not right, in words that group failures
	alsoFalse  bool   // trapped and a false alarm
	did        []behaviour
	transcript string
	notes      []string // observations that do not decide the verdict
	said       map[string]bool
	turns      int
}

// engine is what the channels use of bot.Engine (a fake stands in for it
// when the simulator's own checks are tested).
type engine interface {
	Open(ctx context.Context, req bot.OpenRequest) (tickets.Conversation, bool, error)
	Handle(ctx context.Context, in bot.Inbound) error
	Outbox(ctx context.Context, conversationID string) ([]tickets.OutMessage, error)
	Ack(ctx context.Context, conversationID, messageID string) error
}

// player drives one dialogue through the engine as its channel would.
type player struct {
	ctx    context.Context
	sc     *scenario
	clock  *clock
	store  tickets.Store
	eng    engine
	convID string
	user   tickets.User
	update int
	tr     strings.Builder
	said   map[string]bool // the dialogue's sentences, by prompt key
}

func (p *player) logf(format string, args ...any) { fmt.Fprintf(&p.tr, format+"\n", args...) }

// open starts the conversation: the web widget opens (and is greeted)
// before the user types; Telegram opens on the user's first update,
// greeting only after /start.
func (p *player) open() error {
	switch p.sc.channel {
	case tickets.Web:
		conv, _, err := p.eng.Open(p.ctx, bot.OpenRequest{Channel: tickets.Web, Greet: true, LangHint: p.sc.hint})
		if err != nil {
			return err
		}
		p.convID, p.user = conv.ID, tickets.User{ID: conv.ID} // as bot/ws names a web user
	default:
		chat := 700000000 + p.sc.seed
		p.convID = "tg-" + strconv.FormatInt(chat, 10)
		p.user = tickets.User{ID: strconv.FormatInt(chat, 10), Name: "Sim User"}
		if p.sc.start {
			p.logf("user: /start")
			if _, _, err := p.eng.Open(p.ctx, p.tgOpen(true)); err != nil {
				return err
			}
		}
	}
	return nil
}

func (p *player) tgOpen(greet bool) bot.OpenRequest {
	return bot.OpenRequest{ID: p.convID, Channel: tickets.Telegram, User: p.user,
		Address: strings.TrimPrefix(p.convID, "tg-"), LangHint: p.sc.hint, Greet: greet}
}

// send delivers one user move.
func (p *player) send(m move) error {
	in := bot.Inbound{Channel: p.sc.channel, ConversationID: p.convID, User: p.user, Text: m.text, Upload: m.upload, At: p.clock.Now()}
	if p.sc.channel == tickets.Telegram {
		// bot/telegram opens the chat's conversation for every update and
		// hands the engine the update id as dedup key and the message's
		// date, which has whole seconds.
		conv, _, err := p.eng.Open(p.ctx, p.tgOpen(false))
		if err != nil {
			return err
		}
		p.update++
		in.DedupKey = "tg:" + strconv.Itoa(p.sc.int()*1000+p.update)
		in.At = in.At.Truncate(time.Second)
		if m.agent {
			lang := language.Lang(conv.Lang)
			if lang == "" {
				lang = language.FromHint(p.sc.hint)
			}
			in.Text = prompts.Render(lang, prompts.TelegramAgentRequest, nil)
		}
	}
	return p.eng.Handle(p.ctx, in)
}

func (sc *scenario) int() int { return int(sc.seed) }

// drain reads and acknowledges the outbox, as a channel delivering it.
func (p *player) drain() (burst, error) {
	msgs, err := p.eng.Outbox(p.ctx, p.convID)
	if err != nil || len(msgs) == 0 {
		return burst{}, err
	}
	if err := p.eng.Ack(p.ctx, p.convID, msgs[len(msgs)-1].ID); err != nil {
		return burst{}, err
	}
	var b burst
	for _, m := range msgs {
		if m.Kind == tickets.KindTicket {
			b.ticket = true
			p.logf("      [ticket %s %s queue=%s priority=%s]", m.Ticket.TicketID, m.Ticket.Status, m.Ticket.Queue, m.Ticket.Priority)
			continue
		}
		b.msgs = append(b.msgs, botMsg{text: m.Text, qr: m.QuickReplies})
		for _, k := range strings.Split(keyOf(m.Text), "+") {
			p.said[k] = true
		}
		p.logf("  %s: %s", m.From, strings.ReplaceAll(m.Text, "\n", "\n       "))
		if len(m.QuickReplies) > 0 {
			p.logf("       (%s)", strings.Join(m.QuickReplies, " | "))
		}
	}
	return b, nil
}

// tickets returns the conversation's ticket (nil if none) and all the
// user's tickets, from the store.
func (p *player) tickets() (*tickets.Ticket, []tickets.Ticket, error) {
	var (
		tk  *tickets.Ticket
		all []tickets.Ticket
	)
	err := p.store.View(p.ctx, func(tx tickets.Tx) error {
		conv, err := tx.Conversation(p.convID)
		if err != nil {
			return err
		}
		if conv.TicketID != "" {
			t, err := tx.Ticket(conv.TicketID)
			if err != nil {
				return fmt.Errorf("conversation's ticket %s: %w", conv.TicketID, err)
			}
			tk = &t
		}
		all, err = tx.TicketsOfUser(p.sc.channel, p.user.ID)
		return err
	})
	return tk, all, err
}

// play runs one scenario against a real engine on its own bbolt file.
func play(t testing.TB, dir string, cls intents.Classifier, sc *scenario) result {
	clk := &clock{t: simStart}
	path := filepath.Join(dir, fmt.Sprintf("sim-%d.db", sc.seed))
	st, err := boltstore.Open(path, boltstore.Options{NoSync: true, Now: clk.Now})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	defer func() {
		if err := st.Close(); err != nil {
			t.Errorf("close store: %v", err)
		}
		_ = os.Remove(path)
	}()
	eng, err := bot.New(bot.Config{Store: st, Classifier: cls, Router: escalation.Default(), Now: clk.Now, Location: hk})
	if err != nil {
		t.Fatalf("new engine: %v", err)
	}
	return run(sc, eng, st, clk)
}

// run plays sc to its end and judges it.
func run(sc *scenario, eng engine, st tickets.Store, clk *clock) (res result) {
	res.sc = sc
	p := &player{ctx: context.Background(), sc: sc, clock: clk, store: st, eng: eng, said: map[string]bool{}}
	defer func() { res.transcript, res.said = p.tr.String(), p.said }()
	fail := func(err error) result {
		res.verdict, res.cause = trapped, "engine error: "+err.Error()
		return res
	}
	p.logf("%s", sc)
	if err := p.open(); err != nil {
		return fail(err)
	}
	var b burst
	var err error
	if p.sc.channel == tickets.Web || p.sc.start { // else nothing is open yet
		if b, err = p.drain(); err != nil {
			return fail(err)
		}
	}

	u := newUser(sc)
	var (
		prevReply   string
		hadTicket   bool // a ticket existed before the current turn
		personAt    = -1 // turn of the oldest unanswered request for a person
		stated      bool // the problem was stated before any ticket existed
		ticketAfter string
		closed      bool
		falseClose  string // the bot closed the dialogue as solved on its own
	)
	for turn := 0; ; turn++ {
		m, done := u.next(b)
		if done {
			break
		}
		if turn >= maxTurns && !hadTicket {
			res.verdict, res.cause = trapped, fmt.Sprintf("no ticket after %d turns (bot last said %s)", maxTurns, keyOf(prevReply))
			break
		}
		if m.advance > 0 {
			p.clock.Advance(m.advance)
			p.logf("  -- %v later --", m.advance)
		}
		switch {
		case m.agent:
			p.logf("user: /agent   <%s>", m.kind)
		case m.upload != nil:
			p.logf("user: [%s %s] %s   <%s>", m.upload.ContentType, m.upload.Filename, m.text, m.kind)
		default:
			p.logf("user: %s   <%s>", m.text, m.kind)
		}
		if err := p.send(m); err != nil {
			return fail(err)
		}
		res.turns++
		if m.states && !hadTicket {
			stated = true
		}
		if m.person && !hadTicket && personAt < 0 {
			personAt = turn
		}
		if b, err = p.drain(); err != nil {
			return fail(err)
		}
		tk, _, err := p.tickets()
		if err != nil {
			return fail(err)
		}
		reply := b.text()
		if read(b).closed {
			closed = true
			switch {
			case u.saidFixed:
			case m.kind == "small_talk":
				// "ok" to "did this solve it?" may mean yes: noted only.
				u.notes = append(u.notes, fmt.Sprintf("closed as solved after %s %q", m.kind, m.text))
			case falseClose == "":
				falseClose = fmt.Sprintf("closed as solved though the user never said so, after %s %q", m.kind, m.text)
			}
		}
		if tk == nil {
			switch {
			case reply == "" && res.verdict == "":
				res.verdict, res.cause = trapped, "no answer to "+m.kind
			case reply == prevReply && res.verdict == "":
				res.verdict, res.cause = trapped, fmt.Sprintf("same text two turns in a row: %s (after %s)", keyOf(reply), m.kind)
			case personAt >= 0 && turn-personAt >= 1 && res.verdict == "":
				res.verdict, res.cause = trapped, fmt.Sprintf("asked for a person, no ticket two turns later (bot said %s)", keyOf(reply))
			}
		} else if !hadTicket {
			ticketAfter = m.kind
			if m.text != "" && !m.person {
				ticketAfter += fmt.Sprintf(" %q", m.text)
			}
			hadTicket = true
			personAt = -1
		}
		prevReply = reply
		if res.verdict != "" {
			break // trapped: the rest would only repeat it
		}
	}

	res.did = slices.Sorted(maps.Keys(u.did))
	res.notes = append(res.notes, u.notes...)
	tk, all, err := p.tickets()
	if err != nil {
		return fail(err)
	}
	for _, x := range all {
		if !sc.risky() && (x.Priority == tickets.Urgent || isRisky(intents.Intent(x.Intent))) {
			if res.verdict == trapped {
				res.alsoFalse = true
			} else {
				res.verdict = falseAlarm
				res.cause = fmt.Sprintf("%s %s ticket after %s", x.Intent, x.Priority, ticketAfter)
			}
		}
	}
	if res.verdict != "" {
		return res
	}
	res.verdict, res.cause = judge(sc, u, tk, all, closed, stated, ticketAfter)
	if falseClose != "" {
		// The problem was dropped, whatever the user managed afterwards.
		res.verdict, res.cause = wrong, falseClose
	}
	if u.did[bCorrection] && tk != nil && tk.Details.Amount != "" {
		if v, err := strconv.ParseFloat(tk.Details.Amount, 64); err == nil && v != float64(sc.amount) {
			res.notes = append(res.notes, "correction lost: the ticket kept another amount")
		}
	}
	return res
}

func isRisky(in intents.Intent) bool {
	return in == intents.UnauthorizedTransaction || in == intents.AccountFrozen
}

// judge decides whether a dialogue that was neither trapped nor a false
// alarm ended right.
func judge(sc *scenario, u *user, tk *tickets.Ticket, all []tickets.Ticket, closed, stated bool, ticketAfter string) (string, string) {
	if u.saidFixed {
		switch {
		case len(all) > 0:
			return wrong, "said self-help worked, got a ticket after " + ticketAfter
		case !closed:
			return wrong, "said self-help worked, bot did not close"
		}
		return right, ""
	}
	if tk == nil {
		return wrong, "no ticket (dialogue ended without one)"
	}
	got := intents.Intent(tk.Intent)
	if sc.risky() && stated && tk.Priority != tickets.Urgent {
		return wrong, fmt.Sprintf("risky problem, %s %s ticket after %s, want urgent", got, tk.Priority, ticketAfter)
	}
	// A general ticket is what the issue asks for when the bot cannot know
	// the problem: the user never said it, or asked for a person before
	// the bot had named it.
	ok := got == sc.intent || got == intents.HumanAgent && (!stated || u.spontaneous && !u.namedBefore)
	if !ok {
		switch {
		case got == intents.HumanAgent && u.forced:
			return wrong, "not understood: ended with a person (human_agent ticket)"
		case got == intents.HumanAgent && u.spontaneous:
			return wrong, "asked for a person after the bot had named the problem: human_agent ticket"
		case got == intents.HumanAgent:
			return wrong, "human_agent ticket after " + ticketAfter
		}
		return wrong, fmt.Sprintf("wrong intent: %s ticket, want %s", got, sc.intent)
	}
	return right, ""
}

// seeds are the dialogues this run plays.
func seeds() []int64 {
	if *simSeed != 0 {
		return []int64{*simSeed}
	}
	out := make([]int64, *simN)
	for i := range out {
		out[i] = int64(i + 1)
	}
	return out
}

// TestSimulator plays the generated dialogues and holds the engine to
// issue 11's goals: at least 99% right, none trapped, no false alarm.
func TestSimulator(t *testing.T) {
	cls := classifier(t)
	dir := t.TempDir()
	ss := seeds()
	results := make([]result, len(ss))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range max(1, runtime.GOMAXPROCS(0)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				results[i] = play(t, dir, cls, newScenario(ss[i]))
			}
		}()
	}
	for i := range ss {
		jobs <- i
	}
	close(jobs)
	wg.Wait()

	if *simSeed != 0 {
		r := results[0]
		t.Logf("%s\n=> %s %s", r.transcript, r.verdict, r.cause)
		if r.verdict != right {
			t.Fail()
		}
		return
	}
	var nRight, nTrapped, nFalse int
	causes := map[string][]int64{}
	var failed []result
	for _, r := range results {
		switch r.verdict {
		case right:
			nRight++
			continue
		case trapped:
			nTrapped++
			if r.alsoFalse {
				nFalse++
			}
		case falseAlarm:
			nFalse++
		}
		causes[r.verdict+": "+r.cause] = append(causes[r.verdict+": "+r.cause], r.sc.seed)
		failed = append(failed, r)
	}
	figure := fmt.Sprintf("simulator: %d/%d dialogues right, %d trapped, %d false alarms", nRight, len(results), nTrapped, nFalse)
	t.Log(figure)
	if len(causes) > 0 {
		var b strings.Builder
		b.WriteString("failures by cause (replay one with -run TestSimulator -sim.seed=N -v):\n")
		for _, c := range slices.SortedFunc(maps.Keys(causes), func(a, b string) int { return len(causes[b]) - len(causes[a]) }) {
			fmt.Fprintf(&b, "  %3d  %s  seeds %v\n", len(causes[c]), c, firstSeeds(causes[c], 12))
		}
		t.Log(b.String())
	}
	verbose := *simV || testing.Verbose()
	if verbose {
		t.Log(breakdown(results))
	}
	for i, r := range failed {
		if i >= *simShown && !*simV {
			break
		}
		t.Logf("%s\n=> %s: %s\n", r.transcript, r.verdict, r.cause)
	}
	if float64(nRight) < minRight*float64(len(results)) || nTrapped > 0 || nFalse > 0 {
		t.Errorf("%s; want at least %.0f%% right, none trapped, no false alarms", figure, minRight*100)
	}
}

// ladderKeys are the sentences of the uncertain moments, counted in the
// breakdown to show which rungs the dialogues reached.
var ladderKeys = []prompts.Key{prompts.Clarify, prompts.ClarifyAgain, prompts.OfferPerson, prompts.HumanNow,
	prompts.HumanGather, prompts.Unclear, prompts.RiskyUnclear, prompts.ConfirmRisky("unauthorized_transaction"),
	prompts.ConfirmRisky("account_frozen"), prompts.ConfirmBack, prompts.SwitchProblem, prompts.OutOfScope,
	prompts.Describe, prompts.Skip, prompts.NotFound, prompts.ClosedFixed}

func firstSeeds(s []int64, n int) string {
	if len(s) <= n {
		return fmt.Sprint(s)
	}
	return fmt.Sprintf("%v…", s[:n])
}

// breakdown tabulates the results per behaviour exercised, per problem,
// language and channel.
func breakdown(results []result) string {
	type tally struct{ right, n int }
	rows := map[string]*tally{}
	add := func(k string, ok bool) {
		if rows[k] == nil {
			rows[k] = &tally{}
		}
		rows[k].n++
		if ok {
			rows[k].right++
		}
	}
	notes := map[string][]int64{}
	for _, r := range results {
		ok := r.verdict == right
		for _, b := range r.did {
			add("behaviour "+string(b), ok)
		}
		if len(r.did) == 0 {
			add("behaviour (plain)", ok)
		}
		add("intent "+string(r.sc.intent), ok)
		add("lang "+string(r.sc.lang), ok)
		add("channel "+string(r.sc.channel), ok)
		for _, k := range ladderKeys {
			if r.said[string(k)] {
				add("bot said "+string(k), ok)
			}
		}
		for _, n := range slices.Compact(slices.Sorted(slices.Values(r.notes))) {
			notes[n] = append(notes[n], r.sc.seed)
		}
	}
	var b strings.Builder
	b.WriteString("breakdown (right/total):\n")
	for _, k := range slices.Sorted(maps.Keys(rows)) {
		fmt.Fprintf(&b, "  %-32s %4d/%-4d\n", k, rows[k].right, rows[k].n)
	}
	if len(notes) > 0 {
		b.WriteString("notes (dialogues; not counted in the figure):\n")
		for _, n := range slices.Sorted(maps.Keys(notes)) {
			fmt.Fprintf(&b, "  %3d  %s  seeds %s\n", len(notes[n]), n, firstSeeds(notes[n], 12))
		}
	}
	return b.String()
}

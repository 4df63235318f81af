package simulate

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/triagebot/triagebot/bot"
	"github.com/triagebot/triagebot/intents"
	"github.com/triagebot/triagebot/language"
	"github.com/triagebot/triagebot/prompts"
	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/boltstore"
)

// The simulator's own tests: a simulated user that misread the bot, or
// checks that could not fail, would make its figure worthless.

// TestReaderKnowsEveryQuestion: every question of the prompts is read as
// what it asks, in every language, so a reworded prompt that the user no
// longer understands fails here rather than as odd dialogues.
func TestReaderKnowsEveryQuestion(t *testing.T) {
	for _, lang := range language.All {
		for _, d := range detailKeys {
			text := prompts.Render(lang, prompts.Ask(d.prompt), nil)
			if got, re := detailAsked("明白。\n" + text); got != d.mine || re {
				t.Errorf("%s ask %s %q: read as %q (reask %v)", lang, d.prompt, text, got, re)
			}
			if k := prompts.Reask(d.prompt); prompts.Has(k) {
				text := prompts.Render(lang, k, nil)
				if got, re := detailAsked(text); got != d.mine || !re {
					t.Errorf("%s reask %s %q: read as %q (reask %v)", lang, d.prompt, text, got, re)
				}
			}
		}
		for _, in := range []intents.Intent{intents.UnauthorizedTransaction, intents.AccountFrozen} {
			b := burst{msgs: []botMsg{{text: prompts.Render(lang, prompts.ConfirmRisky(string(in)), nil),
				qr: []string{prompts.Render(lang, prompts.LabelYes, nil), prompts.Render(lang, prompts.LabelNo, nil)}}}}
			if q := read(b); q.confirm != in || !q.yesNo || q.detail != "" {
				t.Errorf("%s confirm %s read as %+v", lang, in, q)
			}
		}
		for _, in := range problems {
			label := prompts.Render(lang, prompts.IntentLabel(string(in)), nil)
			ack := prompts.Render(lang, prompts.ProblemAck, map[string]any{"Problem": label})
			if q := read(burst{msgs: []botMsg{{text: ack}}}); q.named != in {
				t.Errorf("%s %q names %q, want %s", lang, ack, q.named, in)
			}
			qr := []string{label, prompts.Render(lang, prompts.LabelPerson, nil)}
			if q := read(burst{msgs: []botMsg{{text: prompts.Render(lang, prompts.Clarify, nil), qr: qr}}}); !q.clarify || len(q.intentsQR) != 1 || q.intentsQR[0] != in {
				t.Errorf("%s clarify offering %q read as %+v", lang, label, q)
			}
		}
		sh := burst{msgs: []botMsg{{text: prompts.Render(lang, prompts.SelfHelpAsk, nil),
			qr: []string{prompts.Render(lang, prompts.LabelFixed, nil), prompts.Render(lang, prompts.LabelStill, nil)}}}}
		if q := read(sh); !q.selfHelp || q.detail != "" {
			t.Errorf("%s self-help question read as %+v", lang, q)
		}
		if q := read(burst{msgs: []botMsg{{text: prompts.Render(lang, prompts.OfferPerson, nil)}}}); !q.offer || q.detail != "" {
			t.Errorf("%s offer of a person read as %+v", lang, q)
		}
	}
	// Questions the prompts do not have are read by their words, and
	// sentences that ask nothing are not questions.
	for text, want := range map[string]string{
		"請問大概幾時發生？":                    "time",
		"And how much was it?":         "amount",
		"Could you send a screenshot?": "screenshot",
		"收到，多謝。":                       "",
		"Thanks, I've updated that.":   "",
	} {
		if got, _ := detailAsked(text); got != want {
			t.Errorf("detailAsked(%q) = %q, want %q", text, got, want)
		}
	}
}

// TestScenariosCoverEveryCase: the default run has every problem ×
// language × channel equally often, every behaviour many times, and a seed
// always makes the same scenario.
func TestScenariosCoverEveryCase(t *testing.T) {
	n := defaultN
	if n < 300 || n%combos() != 0 {
		t.Fatalf("%d dialogues: want at least 300, a multiple of %d", n, combos())
	}
	perCombo := map[string]int{}
	primary := map[behaviour]int{}
	for s := int64(1); s <= int64(n); s++ {
		sc := newScenario(s)
		perCombo[fmt.Sprint(sc.intent, sc.lang, sc.channel)]++
		for b := range sc.has {
			primary[b]++
		}
		if again := newScenario(s); again.String() != sc.String() {
			t.Fatalf("seed %d made two scenarios:\n%s\n%s", s, sc, again)
		}
	}
	if len(perCombo) != combos() {
		t.Errorf("%d problem/language/channel combinations, want %d", len(perCombo), combos())
	}
	for k, c := range perCombo {
		if c != n/combos() {
			t.Errorf("%s: %d dialogues, want %d", k, c, n/combos())
		}
	}
	for _, b := range primaries {
		if primary[b] < n/len(primaries) {
			t.Errorf("behaviour %s in %d dialogues, want at least %d", b, primary[b], n/len(primaries))
		}
	}
}

// TestPlayIsReproducible: a seed replays to the same transcript.
func TestPlayIsReproducible(t *testing.T) {
	cls := classifier(t)
	for _, seed := range []int64{5, 6, 100} { // web and Telegram, several behaviours
		a := play(t, t.TempDir(), cls, newScenario(seed))
		b := play(t, t.TempDir(), cls, newScenario(seed))
		if a.transcript != b.transcript || a.verdict != b.verdict {
			t.Errorf("seed %d played twice differs:\n%s\n---\n%s", seed, a.transcript, b.transcript)
		}
	}
}

// TestTextsAreNotTrainingRows: the users' openings and requests for a
// person are not sentences the classifier was trained on.
func TestTextsAreNotTrainingRows(t *testing.T) {
	f, err := os.Open(filepath.Join("..", "..", "intents", "testdata", "examples.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	train := map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var row struct{ Text string }
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			t.Fatalf("examples.jsonl: %v", err)
		}
		train[strings.TrimSpace(row.Text)] = true
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	var ours []string
	for _, p := range openings {
		ours = append(ours, p.hant...)
		ours = append(ours, p.hans...)
		ours = append(ours, p.en...)
	}
	for _, p := range []phrases{personRequests, vagueOpen, vagueMore, fixedTyped, stillTyped, noScreenshot, dontKnow} {
		ours = append(ours, p.hant...)
		ours = append(ours, p.hans...)
		ours = append(ours, p.en...)
	}
	for _, s := range ours {
		if train[s] {
			t.Errorf("%q is a training row of the classifier", s)
		}
	}
}

// fakeEngine stands in for bot.Engine to show that the simulator's checks
// catch what they are for: reply answers every user turn.
type fakeEngine struct {
	store tickets.Store
	reply func(tx tickets.Tx, conv *tickets.Conversation, turn int) error
	mu    sync.Mutex
	turns int
}

func (f *fakeEngine) Open(ctx context.Context, req bot.OpenRequest) (tickets.Conversation, bool, error) {
	if req.ID == "" {
		req.ID = "c-fake"
	}
	var conv tickets.Conversation
	created := false
	err := f.store.Update(ctx, func(tx tickets.Tx) error {
		c, err := tx.Conversation(req.ID)
		if err == nil {
			conv, created = c, false
			return nil
		}
		if !errors.Is(err, tickets.ErrNotFound) {
			return err
		}
		conv, created = tickets.Conversation{ID: req.ID, Channel: req.Channel, User: req.User, CreatedAt: simStart, UpdatedAt: simStart}, true
		return tx.PutConversation(&conv)
	})
	return conv, created, err
}

func (f *fakeEngine) Handle(ctx context.Context, in bot.Inbound) error {
	f.mu.Lock()
	f.turns++
	turn := f.turns
	f.mu.Unlock()
	return f.store.Update(ctx, func(tx tickets.Tx) error {
		conv, err := tx.Conversation(in.ConversationID)
		if err != nil {
			return err
		}
		if conv.User.ID == "" {
			conv.User = in.User
		}
		if err := f.reply(tx, &conv, turn); err != nil {
			return err
		}
		return tx.PutConversation(&conv)
	})
}

func (f *fakeEngine) Outbox(ctx context.Context, id string) ([]tickets.OutMessage, error) {
	var msgs []tickets.OutMessage
	err := f.store.View(ctx, func(tx tickets.Tx) error {
		var err error
		msgs, err = tx.Outbox(id)
		return err
	})
	return msgs, err
}

func (f *fakeEngine) Ack(ctx context.Context, id, msgID string) error {
	return f.store.Update(ctx, func(tx tickets.Tx) error { return tx.Ack(id, msgID) })
}

func say(tx tickets.Tx, conv *tickets.Conversation, text string) error {
	return tx.Enqueue(&tickets.OutMessage{ConversationID: conv.ID, Kind: tickets.KindMessage, From: tickets.FromBot, Text: text, CreatedAt: simStart})
}

func openTicket(tx tickets.Tx, conv *tickets.Conversation, intent string, pr tickets.Priority) error {
	tk := tickets.Ticket{Status: tickets.Open, Intent: intent, Priority: pr, Queue: "q", Channel: conv.Channel,
		User: conv.User, Lang: "en", ConversationID: conv.ID, SLADue: simStart, CreatedAt: simStart, UpdatedAt: simStart}
	if err := tx.CreateTicket(&tk); err != nil {
		return err
	}
	conv.TicketID = tk.ID
	return tx.Enqueue(&tickets.OutMessage{ConversationID: conv.ID, Kind: tickets.KindTicket, CreatedAt: simStart,
		Ticket: &tickets.TicketEvent{TicketID: tk.ID, Status: tk.Status, Queue: tk.Queue, Priority: tk.Priority}})
}

// TestChecksCatchFailures plays scenarios against engines that trap the
// user or raise false alarms, and expects the verdicts to say so.
func TestChecksCatchFailures(t *testing.T) {
	outOfScope := prompts.Render(language.English, prompts.OutOfScope, nil)
	tests := []struct {
		name  string
		seed  int64
		reply func(tx tickets.Tx, conv *tickets.Conversation, turn int) error
		want  string
		cause string
	}{
		{"same answer every turn", 5, func(tx tickets.Tx, conv *tickets.Conversation, _ int) error {
			return say(tx, conv, outOfScope)
		}, trapped, "same text two turns in a row"},
		{"questions for ever, never a ticket", 5, func(tx tickets.Tx, conv *tickets.Conversation, turn int) error {
			return say(tx, conv, fmt.Sprintf("Question %d: when did it happen?", turn))
		}, trapped, "no ticket after"},
		{"person asked for, never given", personSeed(t), func(tx tickets.Tx, conv *tickets.Conversation, turn int) error {
			return say(tx, conv, fmt.Sprintf("%s (%d)", outOfScope, turn))
		}, trapped, "asked for a person"},
		{"fraud ticket for a login problem", 1, func(tx tickets.Tx, conv *tickets.Conversation, turn int) error {
			if conv.TicketID != "" {
				return nil
			}
			return openTicket(tx, conv, string(intents.UnauthorizedTransaction), tickets.Urgent)
		}, falseAlarm, "unauthorized_transaction urgent"},
		{"urgent ticket of the right problem", 1, func(tx tickets.Tx, conv *tickets.Conversation, turn int) error {
			if conv.TicketID != "" {
				return nil
			}
			return openTicket(tx, conv, string(intents.LoginFailed), tickets.Urgent)
		}, falseAlarm, "login_failed urgent"},
		{"wrong problem", 1, func(tx tickets.Tx, conv *tickets.Conversation, turn int) error {
			if conv.TicketID != "" {
				return nil
			}
			return openTicket(tx, conv, string(intents.AppProblem), tickets.Normal)
		}, wrong, "wrong intent"},
		{"risky problem at normal priority", riskySeed(t), func(tx tickets.Tx, conv *tickets.Conversation, turn int) error {
			if conv.TicketID != "" {
				return nil
			}
			return openTicket(tx, conv, string(newScenario(riskySeed(t)).intent), tickets.Normal)
		}, wrong, "want urgent"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sc := newScenario(tc.seed)
			clk := &clock{t: simStart}
			st, err := boltstore.Open(filepath.Join(t.TempDir(), "fake.db"), boltstore.Options{NoSync: true, Now: clk.Now})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			res := run(sc, &fakeEngine{store: st, reply: tc.reply}, st, clk)
			if res.verdict != tc.want || !strings.Contains(res.cause, tc.cause) {
				t.Errorf("verdict %s: %s; want %s: …%s…\n%s", res.verdict, res.cause, tc.want, tc.cause, res.transcript)
			}
		})
	}
}

// personSeed is a scenario whose user asks for a person in its opening
// (so the request is made whatever the bot says).
func personSeed(t *testing.T) int64 {
	for s := int64(1); s < 2000; s++ {
		if sc := newScenario(s); sc.has[bPerson] && sc.person == 0 && !sc.has[bVague] {
			return s
		}
	}
	t.Fatal("no scenario asks for a person in its opening")
	return 0
}

// riskySeed is a plain scenario of a risky problem.
func riskySeed(t *testing.T) int64 {
	for s := int64(1); s < 2000; s++ {
		if sc := newScenario(s); sc.risky() && !sc.has[bPerson] && !sc.has[bVague] {
			return s
		}
	}
	t.Fatal("no risky scenario")
	return 0
}

package bot

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/triagebot/triagebot/escalation"
	"github.com/triagebot/triagebot/intents"
	"github.com/triagebot/triagebot/language"
	"github.com/triagebot/triagebot/prompts"
	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/boltstore"
)

// scriptedClassifier answers fixed results by text, so the clarification
// logic is tested independently of the trained model.
type scriptedClassifier map[string]intents.Result

func (s scriptedClassifier) Classify(_ context.Context, text string, _ time.Time) (intents.Result, error) {
	if r, ok := s[text]; ok {
		return r, nil
	}
	return intents.Result{Intent: intents.OutOfScope, Confidence: 0.3, Lang: language.English}, nil
}

func unsure(cands ...intents.Scored) intents.Result {
	return intents.Result{Intent: cands[0].Intent, Confidence: cands[0].Confidence, Lang: language.English, Candidates: cands}
}

func TestClarification(t *testing.T) {
	vague := unsure(intents.Scored{Intent: intents.WithdrawalFailed, Confidence: 0.41},
		intents.Scored{Intent: intents.Greeting, Confidence: 0.3},
		intents.Scored{Intent: intents.PaymentNotReceived, Confidence: 0.2})
	cls := scriptedClassifier{"vague": vague, "still vague": vague}
	person := prompts.Render(language.English, prompts.LabelPerson, nil)
	for _, tc := range []struct {
		name       string
		then       []string // what the user says after the clarifying question
		wantPhase  phase
		wantIntent intents.Intent
		wantTicket bool
		wantLast   prompts.Key // the bot's last sentence (when not a ticket's)
	}{
		{"pick the first", []string{prompts.Render(language.English, prompts.IntentLabel("withdrawal_failed"), nil)}, phaseGather, intents.WithdrawalFailed, false, prompts.Ask("time")},
		{"pick the second", []string{prompts.Render(language.English, prompts.IntentLabel("payment_not_received"), nil)}, phaseGather, intents.PaymentNotReceived, false, prompts.Ask("time")},
		{"something else", []string{prompts.Render(language.English, prompts.LabelOther, nil)}, phaseStart, "", false, prompts.Describe},
		// The ladder: unclear once more offers a person outright; a third
		// time opens a ticket, the likeliest problem kept as the guess.
		{"unclear twice offers a person", []string{"still vague"}, phaseClarify, "", false, prompts.OfferPerson},
		{"unclear three times opens a ticket", []string{"still vague", "vague"}, phaseEscalated, intents.WithdrawalFailed, true, ""},
		// Choosing a person before a problem takes the guess and asks the
		// details while the ticket waits.
		{"a person at the choices", []string{person}, phaseEscalated, intents.WithdrawalFailed, true, prompts.Ask("time")},
		{"a person when offered", []string{"still vague", person}, phaseEscalated, intents.WithdrawalFailed, true, prompts.Ask("time")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, err := boltstore.Open(t.TempDir()+"/db", boltstore.Options{NoSync: true})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			eng, err := New(Config{Store: st, Classifier: cls, Router: escalation.Default(), Now: func() time.Time { return testStart }})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			if _, _, err := eng.Open(ctx, OpenRequest{ID: "c", Channel: tickets.Web, User: tickets.User{ID: "u"}}); err != nil {
				t.Fatal(err)
			}
			if err := eng.Handle(ctx, Inbound{ConversationID: "c", Text: "vague"}); err != nil {
				t.Fatal(err)
			}
			out, _ := eng.Outbox(ctx, "c")
			want := []string{"Withdrawal not arrived", "Money sent but not received", "Something else", person}
			if len(out) != 1 || !slices.Equal(out[0].QuickReplies, want) {
				t.Fatalf("clarifying question %+v, want quick replies %q (greeting is never offered)", out, want)
			}
			for _, text := range tc.then {
				if err := eng.Handle(ctx, Inbound{ConversationID: "c", Text: text}); err != nil {
					t.Fatal(err)
				}
			}
			conv, err := eng.Conversation(ctx, "c")
			if err != nil {
				t.Fatal(err)
			}
			s, _ := decodeState(conv.State)
			if s.Phase != tc.wantPhase || s.Intent != tc.wantIntent || (conv.TicketID != "") != tc.wantTicket {
				t.Errorf("phase %s intent %q ticket %q; want %s %q ticket=%v", s.Phase, s.Intent, conv.TicketID, tc.wantPhase, tc.wantIntent, tc.wantTicket)
			}
			if tc.wantLast != "" {
				out, _ = eng.Outbox(ctx, "c")
				last := out[len(out)-1]
				if wantText := prompts.Render(language.English, tc.wantLast, nil); !strings.HasSuffix(last.Text, wantText) {
					t.Errorf("last said %q, want it to end with %q", last.Text, wantText)
				}
			}
		})
	}
}

func errorsIs(err, target error) bool { return errors.Is(err, target) }

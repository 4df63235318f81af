package ws

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/triagebot/triagebot/bot"
	"github.com/triagebot/triagebot/tickets"
)

// fakeEngine is an in-memory engine for the tests that need to control
// the outbox exactly (volume, timing). It answers every user message with
// one bot message and keeps outboxes like the store does.
type fakeEngine struct {
	mu      sync.Mutex
	convs   map[string]tickets.Conversation
	outbox  map[string][]tickets.OutMessage
	seq     uint64
	notify  func(string)
	handled []bot.Inbound
}

var _ Engine = (*fakeEngine)(nil)

func newFakeEngine() *fakeEngine {
	return &fakeEngine{convs: map[string]tickets.Conversation{}, outbox: map[string][]tickets.OutMessage{}}
}

func (f *fakeEngine) Open(_ context.Context, req bot.OpenRequest) (tickets.Conversation, bool, error) {
	f.mu.Lock()
	f.seq++
	c := tickets.Conversation{ID: fmt.Sprintf("conv-%d", f.seq), Channel: req.Channel, CreatedAt: time.Now()}
	f.convs[c.ID] = c
	f.mu.Unlock()
	if req.Greet {
		f.enqueue(c.ID, "welcome", []string{"Payments", "Login"})
	}
	return c, true, nil
}

func (f *fakeEngine) Conversation(_ context.Context, id string) (tickets.Conversation, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.convs[id]
	if !ok {
		return c, fmt.Errorf("conversation %s: %w", id, tickets.ErrNotFound)
	}
	return c, nil
}

func (f *fakeEngine) Handle(_ context.Context, in bot.Inbound) error {
	if _, err := f.Conversation(context.Background(), in.ConversationID); err != nil {
		return err
	}
	if in.Upload != nil {
		if _, err := bot.CheckUpload(*in.Upload); err != nil {
			return err
		}
	}
	f.mu.Lock()
	f.handled = append(f.handled, in)
	f.mu.Unlock()
	f.enqueue(in.ConversationID, "you said: "+in.Text, nil)
	return nil
}

// enqueue adds a bot message and notifies, like a committed transaction.
func (f *fakeEngine) enqueue(conv, text string, qr []string) {
	f.mu.Lock()
	f.seq++
	m := tickets.OutMessage{ID: fmt.Sprintf("m-%d", f.seq), Seq: f.seq, ConversationID: conv,
		Kind: tickets.KindMessage, From: tickets.FromBot, Text: text, QuickReplies: qr}
	f.outbox[conv] = append(f.outbox[conv], m)
	notify := f.notify
	f.mu.Unlock()
	if notify != nil {
		notify(conv)
	}
}

func (f *fakeEngine) Outbox(_ context.Context, conv string) ([]tickets.OutMessage, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]tickets.OutMessage(nil), f.outbox[conv]...), nil
}

func (f *fakeEngine) Ack(_ context.Context, conv, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	box := f.outbox[conv]
	for i, m := range box {
		if m.ID == id {
			f.outbox[conv] = append([]tickets.OutMessage(nil), box[i+1:]...)
			return nil
		}
	}
	return nil
}

func (f *fakeEngine) Subscribe(ch tickets.Channel, notify func(string)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if ch == tickets.Web {
		f.notify = notify
	}
}

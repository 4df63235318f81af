package pgstore

import (
	"slices"
	"testing"
	"time"

	"github.com/triagebot/triagebot/tickets"
)

// webC is conversation "c" on the web.
var webC = outboxNote{ch: tickets.Web, id: "c"}

func tailMsgs(conv string, seqs ...uint64) []tickets.OutMessage {
	var out []tickets.OutMessage
	for _, s := range seqs {
		out = append(out, tickets.OutMessage{ConversationID: conv, Seq: s, ID: tickets.MessageID(conv, s)})
	}
	return out
}

func seqsOf(ms []tickets.OutMessage) []uint64 {
	var out []uint64
	for _, m := range ms {
		out = append(out, m.Seq)
	}
	return out
}

// TestTails: an entry answers only for the Seq right before it, within
// its time; another replica's commit (foreign) or a resync drops it; and
// an entry whose stripe moved since its transaction enqueued is never
// stored (a late store must not hide a newer message).
func TestTails(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		run     func(tl *tails)
		after   uint64
		at      time.Time
		want    []uint64
		wantHit bool
	}{
		{"right after the last sent", func(tl *tails) {
			tl.committed([]sentTo{{to: webC, gen: tl.gen("c"), msgs: tailMsgs("c", 5, 6)}}, now)
		}, 4, now, []uint64{5, 6}, true},
		{"a gap before the entry", func(tl *tails) {
			tl.committed([]sentTo{{to: webC, gen: tl.gen("c"), msgs: tailMsgs("c", 5)}}, now)
		}, 3, now, nil, false},
		{"all of it sent already", func(tl *tails) {
			tl.committed([]sentTo{{to: webC, gen: tl.gen("c"), msgs: tailMsgs("c", 5)}}, now)
		}, 5, now, nil, false},
		{"too old", func(tl *tails) {
			tl.committed([]sentTo{{to: webC, gen: tl.gen("c"), msgs: tailMsgs("c", 5)}}, now)
		}, 4, now.Add(tailTTL + time.Second), nil, false},
		{"another replica committed", func(tl *tails) {
			tl.committed([]sentTo{{to: webC, gen: tl.gen("c"), msgs: tailMsgs("c", 5)}}, now)
			tl.foreign("c")
		}, 4, now, nil, false},
		{"another conversation's replica commit", func(tl *tails) {
			tl.committed([]sentTo{{to: webC, gen: tl.gen("c"), msgs: tailMsgs("c", 5)}}, now)
			tl.foreign("d")
		}, 4, now, []uint64{5}, true},
		{"resync", func(tl *tails) {
			tl.committed([]sentTo{{to: webC, gen: tl.gen("c"), msgs: tailMsgs("c", 5)}}, now)
			tl.forgetAll()
		}, 4, now, nil, false},
		{"stored late, after another replica's newer commit", func(tl *tails) {
			gen := tl.gen("c") // our transaction enqueues 5
			tl.foreign("c")    // the other replica's 6 is announced
			tl.committed([]sentTo{{to: webC, gen: gen, msgs: tailMsgs("c", 5)}}, now)
		}, 4, now, nil, false},
		{"a newer commit of ours replaces", func(tl *tails) {
			tl.committed([]sentTo{{to: webC, gen: tl.gen("c"), msgs: tailMsgs("c", 5)}}, now)
			tl.committed([]sentTo{{to: webC, gen: tl.gen("c"), msgs: tailMsgs("c", 6, 7)}}, now)
		}, 5, now, []uint64{6, 7}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tl := newTails()
			tt.run(tl)
			got, ok := tl.after("c", tt.after, tt.at)
			if ok != tt.wantHit || !slices.Equal(seqsOf(got), tt.want) {
				t.Errorf("after %d: %v, %v; want %v, %v", tt.after, seqsOf(got), ok, tt.want, tt.wantHit)
			}
		})
	}
}

// TestOutboxTailAcrossStores: a store answers from memory with exactly
// what a read gives, and stops as soon as another replica's message to the
// conversation has been announced to it.
func TestOutboxTailAcrossStores(t *testing.T) {
	u := testURL(t)
	a, b := openURL(t, u, Options{}), openURL(t, u, Options{})
	heard := make(chan string, 16)
	a.WatchOutbox(func(_ tickets.Channel, id string) { heard <- id })
	ctx := t.Context()
	if err := a.Update(ctx, func(tx tickets.Tx) error {
		return tx.PutConversation(&tickets.Conversation{ID: "c", Channel: tickets.Web})
	}); err != nil {
		t.Fatal(err)
	}
	enqueue := func(s *Store, texts ...string) {
		t.Helper()
		err := s.Update(ctx, func(tx tickets.Tx) error {
			if _, err := tx.Conversation("c"); err != nil {
				return err
			}
			for _, text := range texts {
				m := tickets.OutMessage{ConversationID: "c", Kind: tickets.KindMessage, From: tickets.FromBot, Text: text, QuickReplies: []string{"yes"}}
				if err := tx.Enqueue(&m); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	enqueue(a, "one", "two")
	<-heard
	mem, ok := a.OutboxAfter("c", 0)
	if !ok {
		t.Fatal("the store that committed does not know its own messages")
	}
	read, err := a.ReadOutbox(ctx, "c")
	if err != nil {
		t.Fatal(err)
	}
	if len(mem) != len(read) {
		t.Fatalf("memory %d messages, read %d", len(mem), len(read))
	}
	for i := range read {
		m, r := mem[i], read[i]
		if m.ID != r.ID || m.Seq != r.Seq || m.Text != r.Text || m.Kind != r.Kind || m.From != r.From ||
			m.Parts != r.Parts || !m.CreatedAt.Equal(r.CreatedAt) || !slices.Equal(m.QuickReplies, r.QuickReplies) {
			t.Errorf("message %d from memory %+v, read %+v", i, m, r)
		}
	}
	if _, ok := a.OutboxAfter("c", 1); ok {
		t.Error("answered from memory for a Seq its entry does not start after")
	}

	enqueue(b, "three")
	select {
	case <-heard:
	case <-time.After(10 * time.Second):
		t.Fatal("the other replica's message was not announced")
	}
	if msgs, ok := a.OutboxAfter("c", 2); ok {
		t.Errorf("after the other replica's message: from memory %v, want a read", seqsOf(msgs))
	}
	if msgs, ok := a.OutboxAfter("c", 0); ok {
		t.Errorf("after the other replica's message: from memory %v, want a read", seqsOf(msgs))
	}
}

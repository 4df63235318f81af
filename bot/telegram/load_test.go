package telegram

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/triagebot/triagebot/internal/fakebot"
	"github.com/triagebot/triagebot/tickets"
)

// TestSenderLoad pushes N chats × M messages through the fake at scaled-down
// limits and checks that every message arrives once, in order, and that no
// window of time saw more than the per-chat and global buckets allow.
func TestSenderLoad(t *testing.T) {
	const (
		chats, perChat = 20, 6
		chatRate       = 5.0
		chatBurst      = 2
		globalRate     = 40.0
		globalBurst    = 5
		slack          = 60 * time.Millisecond // clock skew between limiter and fake
	)
	h := newHarness(t, func(c *Config) {
		c.Limits = Limits{PerChat: chatRate, PerChatBurst: chatBurst, Global: globalRate, GlobalBurst: globalBurst}
		c.Workers = 8
	})
	h.fake.SetDelay(2 * time.Millisecond)
	// One transient failure on the way: it must cost time, not messages.
	h.fake.Arm(fakebot.Fault{Chat: 7003, Status: 500})
	ctx := context.Background()
	var ids []string
	for i := range chats {
		chat := int64(7000 + i)
		conv, _, err := h.engine.Open(ctx, h.ch.openRequest(newSession(chat, &tgUser{ID: chat, FirstName: "L"}), false))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, conv.ID)
	}
	start := time.Now()
	err := h.store.Update(ctx, func(tx tickets.Tx) error {
		for i, id := range ids {
			for j := range perChat {
				if err := tx.Enqueue(&tickets.OutMessage{ConversationID: id, Kind: tickets.KindMessage,
					From: tickets.FromBot, Text: fmt.Sprintf("c%d-m%d", i, j)}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		h.ch.work.push(id)
	}
	total := chats * perChat
	waitFor(t, "every message", 20*time.Second, func() bool { return acceptedCount(h.fake) >= total })
	elapsed := time.Since(start)
	h.settle() // a wrong extra send would have happened by now

	var all []time.Time
	for i := range chats {
		sent := h.fake.Sent(int64(7000 + i))
		if len(sent) != perChat {
			t.Errorf("chat %d: %d messages, want %d", i, len(sent), perChat)
			continue
		}
		var at []time.Time
		for j, c := range sent {
			if want := fmt.Sprintf("c%d-m%d", i, j); c.Params["text"] != want {
				t.Errorf("chat %d message %d = %q, want %q (lost, repeated or reordered)", i, j, c.Params["text"], want)
			}
			at = append(at, c.At)
		}
		if n, w := worstWindow(at, chatRate, chatBurst, slack); n > 0 {
			t.Errorf("chat %d: %d messages within %s, over the per-chat bucket", i, n, w)
		}
		all = append(all, at...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Before(all[j]) })
	if n, w := worstWindow(all, globalRate, globalBurst, slack); n > 0 {
		t.Errorf("%d messages within %s, over the global bucket", n, w)
	}
	for _, id := range ids {
		if out, _ := h.engine.Outbox(ctx, id); len(out) != 0 {
			t.Errorf("%s: %d messages left in the outbox", id, len(out))
		}
	}
	// The floor the global bucket sets: (total-burst)/rate.
	floor := time.Duration(float64(total-globalBurst) / globalRate * float64(time.Second))
	t.Logf("%d chats × %d messages: %d sent in %s (%.1f msg/s; global limit %.0f/s, floor %s)",
		chats, perChat, total, elapsed.Round(time.Millisecond), float64(total)/elapsed.Seconds(), globalRate, floor.Round(time.Millisecond))
	if elapsed < floor-slack {
		t.Errorf("finished in %s, faster than the global limit allows (%s)", elapsed, floor)
	}
}

func acceptedCount(f *fakebot.Bot) int {
	n := 0
	for _, c := range f.Calls() {
		if c.Method == "sendMessage" && c.Status == 200 {
			n++
		}
	}
	return n
}

// worstWindow checks every run of sends at[i..j] against a token bucket:
// it may hold at most burst + rate·(at[j]-at[i]+slack) messages. It returns
// the size and span of a run over that, or 0.
func worstWindow(at []time.Time, rate float64, burst int, slack time.Duration) (int, time.Duration) {
	for i := range at {
		for j := i; j < len(at); j++ {
			span := at[j].Sub(at[i])
			if allowed := float64(burst) + rate*(span+slack).Seconds(); float64(j-i+1) > allowed+1e-9 {
				return j - i + 1, span
			}
		}
	}
	return 0, 0
}

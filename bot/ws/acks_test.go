package ws

import (
	"testing"
	"time"
)

// TestAcksWrittenBehind: an acknowledgement is not written on its own at
// once but with the user's next turn, after AckWait of quiet, or as the
// connection ends; one naming a message never sent is refused at once.
func TestAcksWrittenBehind(t *testing.T) {
	tests := []struct {
		name    string
		wait    time.Duration
		carry   func(t *testing.T, c *client) // what makes the acknowledgement land
		settled int                           // messages left in the outbox then
	}{
		{"with the next turn", time.Hour, func(t *testing.T, c *client) {
			c.say("hello")
			c.reply(5 * time.Second)
		}, -1},
		{"after the wait", 50 * time.Millisecond, func(t *testing.T, c *client) {}, 0},
		{"as the connection ends", time.Hour, func(t *testing.T, c *client) { c.close() }, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := startHub(t, openEngine(t, t.TempDir()), Config{Limits: Limits{AckWait: tt.wait}})
			c := connect(t, f.url, "")
			defer c.close()
			greeting := withIDs(c.settle(5 * time.Second))
			if len(greeting) == 0 {
				t.Fatal("no greeting")
			}
			c.ack(greeting[len(greeting)-1].ID)
			c.sync() // the acknowledgement is taken
			if tt.wait == time.Hour && outboxLen(t, f, c.session) != len(greeting) {
				t.Fatalf("written before anything carried it: outbox %d, want %d", outboxLen(t, f, c.session), len(greeting))
			}
			tt.carry(t, c)
			want := tt.settled
			if want < 0 {
				// The turn's own replies stay until acknowledged.
				want = outboxLen(t, f, c.session)
				for _, m := range outboxOf(t, f.hub.engine, c.session) {
					for _, g := range greeting {
						if m.ID == g.ID {
							t.Fatalf("greeting %s still in the outbox after the turn", g.ID)
						}
					}
				}
			}
			waitFor(t, 5*time.Second, func() bool { return outboxLen(t, f, c.session) == want })
		})
	}
}

// TestAckOfUnsentMessageRefusedAtOnce: an id the connection never sent
// (a later one of this conversation) is judged by the store at once.
func TestAckOfUnsentMessageRefusedAtOnce(t *testing.T) {
	f := startHub(t, openEngine(t, t.TempDir()), Config{Limits: Limits{AckWait: time.Hour}})
	c := connect(t, f.url, "")
	defer c.close()
	c.settle(5 * time.Second)
	c.ack(c.session + "-99")
	e := c.until(5*time.Second, isType("error"))
	if e.Code != CodeBadFrame {
		t.Errorf("error frame %s, want %s", e.raw, CodeBadFrame)
	}
}

// TestNewConnectionSettlesEarlierAcks: a page that reloads right after
// acknowledging, or a second tab, is not sent again what the first
// connection acknowledged, though that acknowledgement was still waiting
// to be written.
func TestNewConnectionSettlesEarlierAcks(t *testing.T) {
	for _, closeFirst := range []bool{true, false} {
		name := map[bool]string{true: "reload", false: "second tab"}[closeFirst]
		t.Run(name, func(t *testing.T) {
			f := startHub(t, openEngine(t, t.TempDir()), Config{Limits: Limits{AckWait: time.Hour}})
			c := connect(t, f.url, "")
			c.settle(5 * time.Second)
			c.say("hello")
			sent := withIDs(c.reply(5 * time.Second))
			if len(sent) == 0 {
				t.Fatal("no reply")
			}
			c.ack(sent[len(sent)-1].ID)
			c.sync()
			if closeFirst {
				c.close()
			} else {
				defer c.close()
			}
			c2 := connect(t, f.url, c.session)
			defer c2.close()
			if again := withIDs(c2.settle(time.Second)); len(again) != 0 {
				t.Errorf("%d acknowledged frames sent again, first %s", len(again), again[0].raw)
			}
		})
	}
}

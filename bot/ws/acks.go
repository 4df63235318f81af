package ws

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/triagebot/triagebot/tickets"
)

// Acknowledgements are written behind. A client acknowledges every
// message it shows, and writing each at once would cost a transaction of
// its own; instead the newest waits for the user's next frame, whose turn
// applies it in its own transaction (bot.Inbound.Ack), for ackWait
// (Limits.AckWait) of quiet, for the end of the connection, or for a newer
// connection of the session, whichever comes first. What a crash loses is
// only a late acknowledgement: those messages are sent again on resume,
// which the contract allows (at least once; ids let the client drop the
// copies).
const ackWait = 10 * time.Second

// behind holds one connection's acknowledgement not yet written.
type behind struct {
	mu     sync.Mutex
	id     string // the newest acknowledged message not yet written; "" when none
	seq    uint64 // the Seq of the newest acknowledgement taken, written or not
	timer  *time.Timer
	closed bool // the connection is ending: nothing is taken any more
	// writing is held through each write, taken while mu is held: whoever
	// takes mu next and then writing waits for the write before it.
	writing sync.Mutex
}

// ackLater takes an acknowledgement to write behind. It declines (false)
// one naming no message this connection sent, which the engine then
// judges at once, so a wrong id still gets its error frame.
func (c *conn) ackLater(id string) bool {
	seq, ok := tickets.MessageSeq(c.session, id)
	if !ok || seq > c.sentSeq.Load() {
		return false
	}
	a := &c.acks
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return false
	}
	if seq <= a.seq {
		return true // a newer one is taken already
	}
	if a.id == "" {
		if a.timer == nil {
			a.timer = time.AfterFunc(c.hub.lim.AckWait, func() { c.writePending(false) })
		} else {
			a.timer.Reset(c.hub.lim.AckWait)
		}
	}
	a.id, a.seq = id, seq
	return true
}

// takeAck hands the waiting acknowledgement to a turn ("" when none).
func (c *conn) takeAck() string {
	a := &c.acks
	a.mu.Lock()
	defer a.mu.Unlock()
	id := a.id
	a.id = ""
	if a.timer != nil {
		a.timer.Stop()
	}
	return id
}

// giveBackAck returns what takeAck handed to a turn that failed, unless a
// newer acknowledgement came meanwhile.
func (c *conn) giveBackAck(id string) {
	if id == "" {
		return
	}
	a := &c.acks
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.id != "" || a.closed {
		return
	}
	a.id = id
	a.timer.Reset(c.hub.lim.AckWait)
}

// writePending writes the waiting acknowledgement, if any, and returns
// once no write of this connection's is in flight; with end, the
// connection takes no more. The timer calls it after AckWait of quiet, the
// reader as the connection ends, and a newer connection of the session
// before it reads the outbox (settleEarlier), so that a page that reloads
// is not sent again what it has shown.
func (c *conn) writePending(end bool) {
	a := &c.acks
	a.mu.Lock()
	if end {
		a.closed = true
		if a.timer != nil {
			a.timer.Stop()
		}
	}
	id := a.id
	a.id = ""
	a.writing.Lock()
	a.mu.Unlock()
	defer a.writing.Unlock()
	if id != "" {
		c.writeAck(id)
	}
}

// settleEarlier writes what the session's other connections on this
// replica (Run lists them in c.earlier) have acknowledged and not yet
// written, before c reads the outbox the first time.
func (c *conn) settleEarlier() {
	for _, old := range c.earlier {
		old.writePending(false)
	}
	c.earlier = nil
}

// writeAck writes one acknowledgement; no client waits for it, so a
// failure is only logged (the messages stay, to be sent again).
func (c *conn) writeAck(id string) {
	ctx, cancel := context.WithTimeout(context.Background(), c.hub.lim.EngineTimeout)
	defer cancel()
	err := c.hub.engine.Ack(ctx, c.session, id)
	switch {
	case err == nil:
	case errors.Is(err, tickets.ErrNotFound), errors.Is(err, tickets.ErrInvalid):
		c.hub.log.Info("ws: acknowledgement written behind was refused", "session", c.session, "err", err)
	default:
		c.hub.log.Error("ws: writing an acknowledgement", "session", c.session, "err", err)
	}
}

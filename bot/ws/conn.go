package ws

import (
	"context"
	"errors"
	"io"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"golang.org/x/time/rate"

	"github.com/triagebot/triagebot/bot"
	"github.com/triagebot/triagebot/tickets"
)

// conn is one WebSocket connection. Its state is kept small on purpose:
// ten thousand idle ones must fit in well under a gigabyte.
type conn struct {
	hub     *Hub
	ws      *websocket.Conn
	session string // the conversation's public id
	// resumeKey is the page's secret, sent in the session frame and never logged.
	resumeKey string
	user      tickets.User
	unknown   bool          // the client asked for a session that does not exist
	limiter   *rate.Limiter // the conversation's, shared by its connections; set by Run
	release   func()        // gives back the address's connection slot; set by ServeHTTP

	wake chan struct{} // capacity 1: the outbox has news
	send chan outFrame // error, typing and received frames for the writer
	// When send is full the reader folds further refusals into one later
	// frame: it counts them here and pokes folded (capacity 1).
	folded     chan struct{}
	foldedN    atomic.Int64
	foldedLast atomic.Pointer[refusal]
	quit       chan struct{} // closed by Run at shutdown
	readDone   chan struct{} // closed when the reader stops
	pumps      atomic.Int32  // running pumps; the last one out reports to the hub
	sentSeq    atomic.Uint64 // the highest outbox Seq the writer sent on this connection
	acks       behind
	earlier    []*conn // the session's connections open when this one came (settleEarlier); writer only
}

func newConn(h *Hub, ws *websocket.Conn, conv tickets.Conversation, resumeKey string, unknown bool) *conn {
	user := conv.User
	if user.ID == "" {
		// A web visitor is anonymous: the conversation's public id is the
		// only identity it has, and it keeps one visitor's tickets apart
		// from another's. (Not the resume key: agents see user.id.)
		user.ID = conv.ID
	}
	return &conn{
		hub: h, ws: ws, session: conv.ID, resumeKey: resumeKey, user: user, unknown: unknown,
		wake:     make(chan struct{}, 1),
		send:     make(chan outFrame, h.lim.SendBuffer),
		folded:   make(chan struct{}, 1),
		release:  func() {},
		quit:     make(chan struct{}),
		readDone: make(chan struct{}),
	}
}

// outFrame is a server frame that is not in the outbox (an error, typing
// or received frame) and its type for the metrics.
type outFrame struct {
	data []byte
	typ  string
}

// transient passes a typing or received frame to the writer. Neither is
// a message: when the queue is half full the frame is dropped, and the
// client stays (a full queue of error frames means a client that does not
// read; these must not make one look so).
func (c *conn) transient(b []byte, typ string) {
	if len(c.send) >= cap(c.send)/2 {
		return
	}
	select {
	case c.send <- outFrame{b, typ}:
	default:
	}
}

// start launches the two pumps; Run calls it after registering c.
func (c *conn) start() {
	c.pumps.Store(2)
	go c.writePump()
	go c.readPump()
}

// pumpDone is called by each pump as it ends.
func (c *conn) pumpDone() {
	if c.pumps.Add(-1) == 0 {
		c.release()
		c.hub.metrics.open.Dec()
		c.hub.active.Done()
	}
}

// poke tells the writer to look at the outbox. It never blocks.
func (c *conn) poke() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// readPump reads client frames one at a time and hands them to the
// engine. Handling a frame before reading the next is the backpressure: a
// client cannot have more than one frame in the server at once.
func (c *conn) readPump() {
	defer c.pumpDone()
	defer func() {
		c.writePending(true)
		close(c.readDone)
		select {
		case c.hub.unregister <- c:
		case <-c.hub.done:
		}
	}()
	lim := c.hub.lim
	c.ws.SetReadLimit(hardFrameLimit)
	alive := func() { _ = c.ws.SetReadDeadline(time.Now().Add(lim.PongWait)) }
	alive()
	c.ws.SetPongHandler(func(string) error { alive(); return nil })
	for {
		mt, r, err := c.ws.NextReader()
		if err != nil {
			if websocket.IsUnexpectedCloseError(err, websocket.CloseNormalClosure, websocket.CloseGoingAway, websocket.CloseNoStatusReceived) &&
				!errors.Is(err, websocket.ErrReadLimit) {
				c.hub.log.Debug("ws: read ended", "session", c.session, "err", err)
			}
			return
		}
		alive() // any frame shows the client is there
		raw, big, err := readFrame(r, maxFrame)
		if err != nil {
			return
		}
		var ref *refusal
		switch {
		case big:
			c.hub.metrics.framesIn.WithLabelValues("other").Inc()
			ref = refuse(CodeTooLarge, "the frame is larger than %d bytes", maxFrame)
		case mt != websocket.TextMessage:
			c.hub.metrics.framesIn.WithLabelValues("other").Inc()
			ref = refuse(CodeBadFrame, "binary frames are not accepted; send JSON text")
		default:
			ref = c.handle(raw)
		}
		if ref != nil {
			c.refuse(ref)
		}
	}
}

// readFrame reads one message of at most max bytes; a longer one is read
// to its end and thrown away, and reported as big.
func readFrame(r io.Reader, max int64) ([]byte, bool, error) {
	raw, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, false, err
	}
	if int64(len(raw)) <= max {
		return raw, false, nil
	}
	if _, err := io.Copy(io.Discard, r); err != nil {
		return nil, false, err
	}
	return nil, true, nil
}

// handle checks one client frame and passes it to the engine; a non-nil
// result is sent back as an error frame.
func (c *conn) handle(raw []byte) *refusal {
	f, ref := parseFrame(raw)
	c.hub.metrics.framesIn.WithLabelValues(frameType(f.Type)).Inc()
	cost := frameUnits
	if ref == nil && f.Type == typeAck {
		cost = ackUnits
	}
	// A refused frame spends nothing, so a client that backs off recovers.
	if !c.limiter.AllowN(c.hub.now(), cost) {
		return refuse(CodeRateLimited, "too many frames; at most %g a second (bursts of %d)", c.hub.lim.Rate, c.hub.lim.Burst)
	}
	if ref != nil {
		return ref
	}
	// The engine call is not tied to the connection: a turn the user sent
	// is finished and saved even if the page goes away meanwhile.
	ctx, cancel := context.WithTimeout(context.Background(), c.hub.lim.EngineTimeout)
	defer cancel()
	in := bot.Inbound{Channel: tickets.Web, ConversationID: c.session, User: c.user, At: c.hub.now()}
	switch f.Type {
	case typeMessage:
		in.Text = *f.Text
		if f.ClientID != "" {
			// Per conversation: two pages may well pick the same id.
			in.DedupKey = "web:" + c.session + ":" + f.ClientID
		}
	case typeAttachment:
		up, ref := decodeAttachment(f)
		if ref != nil {
			return ref
		}
		in.Upload = up
	case typeAck:
		if c.ackLater(f.ID) {
			return nil
		}
		if err := c.hub.engine.Ack(ctx, c.session, f.ID); err != nil {
			return c.engineRefusal(err)
		}
		return nil
	}
	in.Ack = c.takeAck()
	if err := c.hub.engine.Handle(ctx, in); err != nil {
		c.giveBackAck(in.Ack)
		return c.engineRefusal(err)
	}
	if f.ClientID != "" {
		// Taken (now or before): the page may stop sending it again.
		// Transient like typing: if this is lost, the page sends the
		// message again and the engine drops the copy.
		c.transient(encodeReceived(f.ClientID), "received")
	}
	return nil
}

// engineRefusal maps an engine error to an error frame. Only the upload
// errors and the domain's refusals (tickets.Refusal) carry the engine's
// words; anything unexpected is logged and reported as internal.
func (c *conn) engineRefusal(err error) *refusal {
	var quota *bot.QuotaError
	switch {
	case errors.As(err, &quota):
		// Over the attachment quota: the closest code of the contract is
		// too_large (the stored files are), with the sentence in the
		// user's language.
		return refuse(CodeTooLarge, "%s", quota.Message)
	case errors.Is(err, bot.ErrTooLarge):
		return refuse(CodeTooLarge, "%s", clip(err.Error(), 200))
	case errors.Is(err, bot.ErrBadUpload):
		return refuse(CodeBadAttachment, "%s", clip(err.Error(), 200))
	case errors.Is(err, tickets.ErrNotFound):
		return refuse(CodeUnknownSession, "this conversation no longer exists; reconnect without ?session=")
	case errors.Is(err, tickets.ErrInvalid):
		// The client's own mistake (an ack naming no message of this
		// session, say): sending it again cannot help, and it is no
		// server failure worth an error in the log. The refusal's own
		// sentence says why; the error chain is no client's business.
		var r *tickets.Refusal
		if errors.As(err, &r) {
			return refuse(CodeBadFrame, "%s", clip(r.Reason, 200))
		}
		c.hub.log.Info("ws: frame refused", "session", c.session, "err", err)
		return refuse(CodeBadFrame, "the frame was refused")
	}
	c.hub.log.Error("ws: engine refused a frame", "session", c.session, "err", err)
	return refuse(CodeInternal, "the server could not take this frame; send it again")
}

// refuse queues an error frame for the writer. When the queue is full the
// client is sending refused frames faster than the writer answers them,
// which says nothing about whether it reads: the refusal is folded into
// one later frame instead (the writer sends it once the queue is out), and
// the connection stays. A client that truly stops reading is found by the
// writer's deadline, as for any other frame.
func (c *conn) refuse(r *refusal) {
	c.hub.metrics.refused.WithLabelValues(r.code).Inc()
	select {
	case c.send <- outFrame{encodeError(r), "error"}:
		return
	default:
	}
	c.hub.metrics.coalesced.Inc()
	c.foldedLast.Store(r)
	c.foldedN.Add(1)
	select {
	case c.folded <- struct{}{}:
	default: // the writer has been told already
	}
}

// foldedFrame is the one error frame that stands for n refusals, the last
// of which was r.
func foldedFrame(n int64, r *refusal) []byte {
	if n == 1 {
		return encodeError(r)
	}
	return encodeError(refuse(r.code, "%d frames were refused, too fast to answer one by one; the last: %s", n, r.msg))
}

// writePump is the only writer of c.ws (besides gorilla's own control
// frames). It sends the session frame, then whatever the outbox holds that
// this connection has not sent yet, each time it is woken.
func (c *conn) writePump() {
	defer c.pumpDone()
	defer c.ws.Close() // also ends the reader
	lim := c.hub.lim
	ping := time.NewTicker(lim.pingPeriod())
	defer ping.Stop()
	// Before the session frame: once a page has it, what the session's
	// earlier connections had acknowledged is written (no replay of it).
	c.settleEarlier()
	if !c.write(encodeSession(c.resumeKey), "session") {
		return
	}
	if c.unknown && !c.write(encodeError(refuse(CodeUnknownSession,
		"that session does not exist; this is a new conversation")), "error") {
		return
	}
	if !c.flush() {
		return
	}
	for {
		select {
		case <-c.wake:
			if !c.flush() {
				return
			}
		case f := <-c.send:
			if !c.write(f.data, f.typ) {
				return
			}
		case <-c.folded:
			if !c.flushErrors() {
				return
			}
		case <-ping.C:
			if err := c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(lim.WriteWait)); err != nil {
				return
			}
		case <-c.readDone:
			return
		case <-c.quit:
			sendClose(c.ws, websocket.CloseGoingAway, "server shutting down")
			return
		}
	}
}

// flushErrors sends the queued error (and transient) frames, then one for the refusals
// folded meanwhile, so the client sees them in order.
func (c *conn) flushErrors() bool {
	for drained := false; !drained; {
		select {
		case f := <-c.send:
			if !c.write(f.data, f.typ) {
				return false
			}
		default:
			drained = true
		}
	}
	n := c.foldedN.Swap(0)
	if n == 0 {
		return true
	}
	return c.write(foldedFrame(n, c.foldedLast.Load()), "error")
}

// write sends one text frame within WriteWait; false means the connection
// is done (too slow or gone).
func (c *conn) write(b []byte, typ string) bool {
	_ = c.ws.SetWriteDeadline(time.Now().Add(c.hub.lim.WriteWait))
	if err := c.ws.WriteMessage(websocket.TextMessage, b); err != nil {
		var ne interface{ Timeout() bool }
		if errors.As(err, &ne) && ne.Timeout() {
			c.hub.metrics.dropped.Inc()
			c.hub.log.Warn("ws: client too slow; dropped, its messages stay in the outbox", "session", c.session)
		}
		return false
	}
	c.hub.metrics.framesOut.WithLabelValues(typ).Inc()
	return true
}

// outboxRetry is how soon a failed outbox read is tried again.
const outboxRetry = time.Second

// flush sends the outbox messages newer than the last one sent here. The
// outbox is the source of truth, so a message is never lost to a full
// buffer: what this connection could not send stays there for the next.
func (c *conn) flush() bool {
	ctx, cancel := context.WithTimeout(context.Background(), c.hub.lim.EngineTimeout)
	msgs, err := c.hub.engine.OutboxAfter(ctx, c.session, c.sentSeq.Load())
	cancel()
	if err != nil {
		c.hub.log.Error("ws: reading the outbox", "session", c.session, "err", err)
		time.AfterFunc(outboxRetry, c.poke)
		return true
	}
	for _, m := range msgs {
		if m.Seq <= c.sentSeq.Load() {
			continue
		}
		b, err := encodeOut(m)
		// Before the write: the client may acknowledge it at once (ackLater).
		c.sentSeq.Store(m.Seq)
		if err != nil {
			c.hub.log.Error("ws: skipping an outbox message", "session", c.session, "err", err)
		} else if !c.write(b, string(m.Kind)) {
			return false
		}
	}
	return true
}

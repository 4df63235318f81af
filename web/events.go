package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/triagebot/triagebot/tickets"
)

// The agents' live stream, GET /api/events (Server-Sent Events).
//
// Each stream is one goroutine, the request's own: it reads the events
// after its cursor from the store, writes those its agent may see, then
// waits on the store's change channel, a heartbeat tick or its end. A
// change costs each stream one read of the new events, whatever the
// number of open tickets, and a quiet server costs nothing but the
// heartbeat.
const (
	// heartbeatEvery keeps proxies (which close idle connections after
	// 30 to 60 s) from closing a quiet stream.
	heartbeatEvery = 15 * time.Second
	// maxStreams bounds the open streams (each holds a connection and a
	// goroutine); the 1,001st gets 503.
	maxStreams = 1000
	// eventBatch bounds one read: a client far behind catches up in slices
	// rather than in one huge transaction.
	eventBatch = 500
	// streamWriteTimeout bounds each write, so a client that stopped
	// reading frees its stream.
	streamWriteTimeout = 10 * time.Second
)

// lastEventID reads where a reconnecting client stopped: the Last-Event-ID
// header browsers send, or ?last_event_id= for clients that cannot set it.
func lastEventID(r *http.Request) (id uint64, ok bool, err error) {
	v := r.Header.Get("Last-Event-ID")
	if v == "" {
		v = r.URL.Query().Get("last_event_id")
	}
	if v == "" {
		return 0, false, nil
	}
	id, err = strconv.ParseUint(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return 0, false, tickets.Refuse(tickets.ErrInvalid, "Last-Event-ID %.20q is not an event id.", v)
	}
	return id, true, nil
}

// stream writes SSE frames with a deadline each.
type stream struct {
	w  http.ResponseWriter
	rc *http.ResponseController
}

func (st stream) send(frame string) error {
	if err := st.rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout)); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	if _, err := st.w.Write([]byte(frame)); err != nil {
		return err
	}
	return st.rc.Flush()
}

// eventFrame is one SSE event: its id and its JSON data on one line.
func eventFrame(seq uint64, data any) (string, error) {
	b, err := json.Marshal(data)
	if err != nil {
		return "", err
	}
	return "id: " + strconv.FormatUint(seq, 10) + "\ndata: " + string(b) + "\n\n", nil
}

// errStreamEnd ends a stream whose agent was removed or whose token changed.
var errStreamEnd = errors.New("agent removed or token rotated")

func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) {
	last, resume, err := lastEventID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	select {
	case s.streams <- struct{}{}:
		defer func() { <-s.streams }()
	default:
		s.writeError(w, http.StatusServiceUnavailable, CodeUnavailable, fmt.Sprintf("Over %d event streams are open; try again later.", maxStreams))
		return
	}
	agent := agentFrom(r.Context())
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	stop := context.AfterFunc(s.stopCtx, cancel) // server shutdown ends every stream
	defer stop()

	rc := http.NewResponseController(w)
	// The stream outlives any read timeout the listener sets (a test in
	// cmd/triagebot holds one open past it); clearing the deadline keeps it
	// from depending on how net/http treats one passing in its background
	// read. Writes get their own deadline each (stream.send).
	if err := rc.SetReadDeadline(time.Time{}); err != nil && !errors.Is(err, http.ErrNotSupported) {
		s.log.Warn("events: clear read deadline", "err", err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	w.WriteHeader(http.StatusOK)
	st := stream{w: w, rc: rc}
	if err := st.send(": stream open\n\n"); err != nil {
		return
	}
	err = s.runStream(ctx, st, agent, last, resume)
	switch {
	case err == nil, errors.Is(err, context.Canceled), errors.Is(err, errStreamEnd):
	default:
		s.log.Info("events stream ended", "agent", agent.Name, "err", err)
	}
}

// runStream sends events after cursor until ctx ends or the agent goes.
func (s *Server) runStream(ctx context.Context, st stream, agent tickets.Agent, cursor uint64, resume bool) error {
	heartbeat := time.NewTicker(s.heartbeat)
	defer heartbeat.Stop()
	first := true
	for {
		// Take the change channel before reading: a commit after the read
		// closes this channel, so it cannot be missed.
		changed := s.store.Changed()
		var (
			evs   []tickets.Event
			reset bool
		)
		err := s.store.View(ctx, func(tx tickets.Tx) error {
			if _, err := tx.AgentByTokenHash(agent.TokenHash); errors.Is(err, tickets.ErrNotFound) {
				return errStreamEnd
			} else if err != nil {
				return err
			}
			oldest, newest, err := tx.EventRange()
			if err != nil {
				return err
			}
			if first && !resume {
				cursor = newest // a fresh stream starts with what happens next
				return nil
			}
			// Behind what is kept, or ahead of what exists (a restored
			// backup): the client must reload.
			if cursor+1 < oldest || cursor > newest {
				reset, cursor = true, newest
				return nil
			}
			evs, err = tx.Events(cursor, eventBatch)
			return err
		})
		if err != nil {
			return err
		}
		first = false
		if reset {
			frame, err := eventFrame(cursor, map[string]string{"kind": "reset"})
			if err == nil {
				err = st.send(frame)
			}
			if err != nil {
				return err
			}
		}
		var out strings.Builder
		for _, e := range evs {
			cursor = e.Seq
			if !e.Visible(agent) {
				continue
			}
			frame, err := eventFrame(e.Seq, e)
			if err != nil {
				return err
			}
			out.WriteString(frame)
		}
		if out.Len() > 0 {
			if err := st.send(out.String()); err != nil {
				return err
			}
		}
		if len(evs) == eventBatch {
			continue // more to catch up on
		}
		// Wait for a change; heartbeats read nothing from the store.
		for woken := false; !woken; {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-changed:
				woken = true
			case <-heartbeat.C:
				if err := st.send(": ping\n\n"); err != nil {
					return err
				}
			}
		}
	}
}

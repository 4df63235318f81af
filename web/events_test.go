package web

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/boltstore"
)

// sseEvent is one event read from a stream; comment lines come as
// comment with the rest empty.
type sseEvent struct {
	id      uint64
	data    map[string]any
	comment string
}

// sseStream reads a real SSE response in the background.
type sseStream struct {
	t      *testing.T
	resp   *http.Response
	events chan sseEvent
	done   chan error // the read loop's end: io.EOF when the server closed
}

// openStream connects to /api/events; header is the Authorization value
// (empty: none), query is appended to the URL.
func (f *fixture) openStream(header, query string, lastID string) *sseStream {
	f.t.Helper()
	req, err := http.NewRequest("GET", f.srv.URL+"/api/events"+query, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	if header != "" {
		req.Header.Set("Authorization", header)
	}
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	ctx, cancel := context.WithCancel(context.Background())
	f.t.Cleanup(cancel)
	resp, err := f.srv.Client().Do(req.WithContext(ctx))
	if err != nil {
		f.t.Fatal(err)
	}
	s := &sseStream{t: f.t, resp: resp, events: make(chan sseEvent, 1000), done: make(chan error, 1)}
	if resp.StatusCode != http.StatusOK {
		return s
	}
	f.t.Cleanup(func() { resp.Body.Close() })
	go func() {
		sc := bufio.NewScanner(resp.Body)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.data != nil || ev.comment != "" {
					s.events <- ev
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, ":"):
				ev.comment = strings.TrimSpace(line[1:])
			case strings.HasPrefix(line, "id: "):
				ev.id, _ = strconv.ParseUint(line[4:], 10, 64)
			case strings.HasPrefix(line, "data: "):
				if err := json.Unmarshal([]byte(line[6:]), &ev.data); err != nil {
					s.done <- err
					return
				}
			}
		}
		err := sc.Err()
		if err == nil {
			err = io.EOF
		}
		s.done <- err
	}()
	return s
}

// next returns the next event (skipping comments unless wanted); a stream
// that stays silent for long fails the test rather than hanging it.
func (s *sseStream) next(comments bool) sseEvent {
	s.t.Helper()
	for {
		select {
		case ev := <-s.events:
			if ev.comment != "" && !comments {
				continue
			}
			return ev
		case err := <-s.done:
			s.t.Fatalf("stream ended: %v", err)
		case <-time.After(20 * time.Second):
			s.t.Fatal("no event within 20 s")
		}
	}
}

// ended waits for the server to close the stream.
func (s *sseStream) ended() error {
	s.t.Helper()
	for {
		select {
		case <-s.events:
		case err := <-s.done:
			return err
		case <-time.After(20 * time.Second):
			s.t.Fatal("stream still open after 20 s")
		}
	}
}

func (f *fixture) bearerOf(agent string) string { return "Bearer " + f.tokens[agent] }

func TestEventsStream(t *testing.T) {
	f := newFixture(t)
	tk := f.ticket(tickets.High, "payments", time.Hour)
	alice := f.openStream(f.bearerOf("alice"), "", "")
	if ct := alice.resp.Header.Get("Content-Type"); alice.resp.StatusCode != 200 || !strings.HasPrefix(ct, "text/event-stream") {
		t.Fatalf("status %d content type %q", alice.resp.StatusCode, ct)
	}
	if ev := alice.next(true); ev.comment == "" {
		t.Fatalf("first frame %+v, want the opening comment", ev)
	}
	// carol works merchant only: she must not see payments.
	carol := f.openStream(f.bearerOf("carol"), "", "")
	carol.next(true)

	f.do("POST", "/api/tickets/"+tk.ID+"/claim", "alice", nil)
	f.do("POST", "/api/tickets/"+tk.ID+"/messages", "alice", map[string]string{"text": "checking"})
	f.do("POST", "/api/tickets/"+tk.ID+"/notes", "alice", map[string]string{"text": "bank called"})
	f.do("POST", "/api/tickets/"+tk.ID+"/transfer", "alice", map[string]string{"queue": "merchant"})
	f.do("POST", "/api/tickets/"+tk.ID+"/claim", "carol", nil)

	var prev uint64
	for _, want := range []string{"claimed", "message", "note", "transferred", "claimed"} {
		ev := alice.next(false)
		if ev.data["kind"] != want || ev.data["id"] != tk.ID || ev.id <= prev {
			t.Fatalf("alice: event %d %v, want %s after id %d", ev.id, ev.data, want, prev)
		}
		for _, k := range []string{"status", "queue", "priority", "updated_at"} {
			if _, ok := ev.data[k]; !ok {
				t.Errorf("event without %s: %v", k, ev.data)
			}
		}
		if lm, _ := ev.data["last_message"].(map[string]any); lm["text"] != "my withdrawal failed" {
			t.Errorf("last_message %v", ev.data["last_message"])
		}
		prev = ev.id
	}
	// carol sees the ticket only from the moment it came to her queue.
	ev := carol.next(false)
	if ev.data["kind"] != "transferred" || ev.data["queue"] != "merchant" || ev.data["from_queue"] != "payments" {
		t.Fatalf("carol's first event %v, want the transfer into merchant", ev.data)
	}
	if ev := carol.next(false); ev.data["kind"] != "claimed" || ev.data["assignee"] != "carol" {
		t.Fatalf("carol's second event %v", ev.data)
	}
}

// A client that reconnects with Last-Event-ID (or ?last_event_id=) gets
// exactly what it missed, in order.
func TestEventsResume(t *testing.T) {
	f := newFixture(t)
	a := f.ticket(tickets.High, "payments", time.Hour)
	b := f.ticket(tickets.Normal, "fraud", time.Hour)
	s1 := f.openStream(f.bearerOf("alice"), "", "")
	s1.next(true)
	f.do("POST", "/api/tickets/"+a.ID+"/claim", "alice", nil)
	seen := s1.next(false)
	s1.resp.Body.Close()

	// Missed while away.
	f.do("POST", "/api/tickets/"+b.ID+"/claim", "bob", nil)
	f.do("POST", "/api/tickets/"+a.ID+"/resolve", "alice", nil)
	f.do("POST", "/api/tickets/"+b.ID+"/notes", "bob", map[string]string{"text": "x"})

	for _, how := range []string{"header", "query"} {
		var s2 *sseStream
		if how == "header" {
			s2 = f.openStream(f.bearerOf("alice"), "", strconv.FormatUint(seen.id, 10))
		} else {
			s2 = f.openStream(f.bearerOf("alice"), "?last_event_id="+strconv.FormatUint(seen.id, 10), "")
		}
		var got []string
		for i := range 3 {
			ev := s2.next(false)
			if ev.id != seen.id+uint64(i)+1 {
				t.Errorf("%s: event id %d, want %d (no gaps)", how, ev.id, seen.id+uint64(i)+1)
			}
			got = append(got, ev.data["kind"].(string)+" "+ev.data["id"].(string))
		}
		want := []string{"claimed " + b.ID, "resolved " + a.ID, "note " + b.ID}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s: resumed with %v, want %v", how, got, want)
		}
		s2.resp.Body.Close()
	}
	// An id from the future (a restored backup) resets.
	s3 := f.openStream(f.bearerOf("alice"), "", "999999")
	if ev := s3.next(false); ev.data["kind"] != "reset" || ev.id != seen.id+3 {
		t.Errorf("future id: %d %v, want reset at %d", ev.id, ev.data, seen.id+3)
	}
	if r := f.do("GET", "/api/events?last_event_id=abc", "alice", nil); r.status != 400 {
		t.Errorf("bad last_event_id: %d", r.status)
	}
}

// A Last-Event-ID older than the events kept answers a reset, then carries
// on live.
func TestEventsResetWhenPruned(t *testing.T) {
	now := time.Date(2025, 11, 3, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "e.db"), boltstore.Options{NoSync: true, Now: func() time.Time { return clock() }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	f := &fixture{t: t, store: st, tokens: map[string]string{}}
	srv := newServer(t, Config{Store: st})
	f.srv = httptest.NewServer(srv.Handler())
	// Cleanups run last-in first-out: the streams' requests (registered
	// later) are cancelled before Close waits for the handlers.
	t.Cleanup(f.srv.Close)
	f.agent("alice", false)
	for range 20 {
		f.ticket(tickets.Normal, "payments", time.Minute)
	}
	now = now.Add(boltstore.MaxEventAge + time.Hour)
	f.ticket(tickets.Normal, "payments", time.Minute)
	f.ticket(tickets.Normal, "payments", time.Minute) // events 1..20 pruned; 21, 22 kept
	s := f.openStream(f.bearerOf("alice"), "", "5")
	if ev := s.next(false); ev.data["kind"] != "reset" || ev.id != 22 {
		t.Fatalf("old id: %d %v, want reset at 22", ev.id, ev.data)
	}
	tk := f.ticket(tickets.Normal, "payments", time.Minute)
	if ev := s.next(false); ev.id != 23 || ev.data["id"] != tk.ID {
		t.Fatalf("after the reset: %d %v", ev.id, ev.data)
	}
	// Just at the edge: everything after 20 is still there.
	s2 := f.openStream(f.bearerOf("alice"), "", "20")
	if ev := s2.next(false); ev.id != 21 || ev.data["kind"] != "created" {
		t.Fatalf("edge: %d %v", ev.id, ev.data)
	}
}

func TestEventsAuthAndEnd(t *testing.T) {
	f := newFixture(t)
	// The token may come as ?access_token= on this call only.
	s := f.openStream("", "?access_token="+f.tokens["bob"], "")
	if s.resp.StatusCode != 200 {
		t.Fatalf("access_token: status %d", s.resp.StatusCode)
	}
	s.next(true)
	for _, c := range []struct{ header, query string }{{"", ""}, {"", "?access_token=nope"}, {"Bearer nope", ""}} {
		if x := f.openStream(c.header, c.query, ""); x.resp.StatusCode != 401 {
			t.Errorf("%q %q: status %d, want 401", c.header, c.query, x.resp.StatusCode)
		}
	}
	if r := f.do("GET", "/api/me?access_token="+f.tokens["bob"], "", nil); r.status != 401 {
		t.Errorf("access_token accepted on another call: %d", r.status)
	}
	// Removing bob ends his stream.
	if err := f.store.Update(context.Background(), func(tx tickets.Tx) error { return tx.DeleteAgent("bob") }); err != nil {
		t.Fatal(err)
	}
	if err := s.ended(); !errors.Is(err, io.EOF) {
		t.Errorf("bob's stream after his removal: %v, want closed", err)
	}
}

func TestEventsHeartbeatAndStop(t *testing.T) {
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "h.db"), boltstore.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	f := &fixture{t: t, store: st, tokens: map[string]string{}}
	srv := newServer(t, Config{Store: st})
	srv.heartbeat = 20 * time.Millisecond
	f.srv = httptest.NewServer(srv.Handler())
	// Cleanups run last-in first-out: the streams' requests (registered
	// later) are cancelled before Close waits for the handlers.
	t.Cleanup(f.srv.Close)
	f.agent("alice", false)
	s := f.openStream(f.bearerOf("alice"), "", "")
	s.next(true) // opening comment
	if ev := s.next(true); ev.comment != "ping" {
		t.Fatalf("want a ping, got %+v", ev)
	}
	srv.StopStreams()
	if err := s.ended(); !errors.Is(err, io.EOF) {
		t.Errorf("after StopStreams: %v, want closed", err)
	}
}

package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/triagebot/triagebot/tickets"
)

// Paging of GET /api/tickets.
const (
	defaultPage = tickets.DefaultLimit
	maxPage     = tickets.MaxLimit
	// maxQueueLen bounds a queue name in a filter; real ones are short words.
	maxQueueLen = 64
	// maxIDLen bounds ticket and attachment ids taken from a URL.
	maxIDLen = 64
	// maxNameLen bounds an agent's name.
	maxNameLen = 64
)

// ticketList is the answer of GET /api/tickets. NextAfter, when set, is the
// value of after= for the next page. Each ticket is a summary (see summary).
type ticketList struct {
	Tickets   []json.RawMessage `json:"tickets"`
	NextAfter string            `json:"next_after,omitempty"`
}

// summary is a ticket as a list shows it: every field of the ticket but
// the transcript, which GET /api/tickets/{id} returns. A console polling a
// queue of long conversations used to download megabytes each time.
// Built from the ticket's own JSON, so a field added to tickets.Ticket
// shows in lists without a change here.
//
// It carries last_message instead, the customer's latest line as the
// event stream has it: the console's queue rows show it.
func summary(t tickets.Ticket) (json.RawMessage, error) {
	last := tickets.NewEvent(tickets.EventUpdated, nil, &t).LastMessage
	t.Transcript = nil
	b, err := json.Marshal(t)
	if err != nil {
		return nil, err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		return nil, err
	}
	delete(fields, "transcript")
	delete(fields, "transcript_from")
	if last != nil {
		if fields["last_message"], err = json.Marshal(last); err != nil {
			return nil, err
		}
	}
	return json.Marshal(fields)
}

// me is the answer of GET /api/me: the calling agent without its token hash.
type me struct {
	Name   string   `json:"name"`
	Queues []string `json:"queues"`
	Admin  bool     `json:"admin"`
}

func (s *Server) handleMe(w http.ResponseWriter, r *http.Request) {
	a := agentFrom(r.Context())
	queues := a.Queues
	if queues == nil {
		queues = []string{}
	}
	s.writeJSON(w, http.StatusOK, me{Name: a.Name, Queues: queues, Admin: a.Admin})
}

// parseFilter reads status, queue, priority, limit and after from the query;
// what it refuses is a tickets.Refusal.
func parseFilter(r *http.Request) (tickets.Filter, error) {
	q := r.URL.Query()
	f := tickets.Filter{
		Status:   tickets.Status(q.Get("status")),
		Queue:    q.Get("queue"),
		Priority: tickets.Priority(q.Get("priority")),
		After:    q.Get("after"),
		Q:        strings.TrimSpace(q.Get("q")),
		Limit:    defaultPage,
	}
	if !tickets.ValidQuery(f.Q) || !printable(f.Q) {
		return f, tickets.Refuse(tickets.ErrInvalid, "The search text q may have at most %d printable characters.", tickets.MaxQueryRunes)
	}
	if f.Q != "" && f.After != "" {
		return f, tickets.Refuse(tickets.ErrInvalid, "A search answers its best matches in one page, so after= cannot page it; refine q instead.")
	}
	if f.Status != "" && !f.Status.Valid() {
		return f, tickets.Refuse(tickets.ErrInvalid, "The status %q is not open, claimed or resolved.", f.Status)
	}
	if f.Priority != "" && !f.Priority.Valid() {
		return f, tickets.Refuse(tickets.ErrInvalid, "The priority %q is not urgent, high, normal or low.", f.Priority)
	}
	if len(f.Queue) > maxQueueLen || !printable(f.Queue) {
		return f, tickets.Refuse(tickets.ErrInvalid, "%.20q is not a queue name.", f.Queue)
	}
	if len(f.After) > maxIDLen || !printable(f.After) {
		return f, tickets.Refuse(tickets.ErrInvalid, "after=%.20q is not a ticket id.", f.After)
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPage {
			return f, tickets.Refuse(tickets.ErrInvalid, "limit=%.20q is not a number from 1 to %d.", v, maxPage)
		}
		f.Limit = n
	}
	return f, nil
}

// printable reports whether s holds only printable characters (no controls).
func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, c := range s {
		if c < 0x20 || c == 0x7f {
			return false
		}
	}
	return true
}

func (s *Server) handleList(w http.ResponseWriter, r *http.Request) {
	f, err := parseFilter(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a := agentFrom(r.Context())
	if f.Queue != "" && !a.Works(f.Queue) {
		s.writeError(w, http.StatusForbidden, CodeForbidden, fmt.Sprintf("%s does not work the queue %q.", a.Name, f.Queue))
		return
	}
	// An agent limited to some queues sees the global order with the other
	// queues left out; the store merges those queues' indexes, so a page
	// costs the same whatever the other queues hold.
	f.Queues = a.Queues
	var found []tickets.Ticket
	err = s.store.View(r.Context(), func(tx tickets.Tx) error {
		var err error
		found, err = tx.Tickets(f)
		return err
	})
	if err != nil {
		// An after= naming no ticket, or a q the store refuses, is
		// ErrInvalid from the store: 400.
		s.fail(w, r, err)
		return
	}
	list := ticketList{Tickets: make([]json.RawMessage, 0, len(found))}
	if f.Q == "" && len(found) >= f.Limit {
		list.NextAfter = found[len(found)-1].ID
	}
	for _, t := range found {
		named(&t)
		b, err := summary(t)
		if err != nil {
			s.fail(w, r, fmt.Errorf("list: ticket %s: %w", t.ID, err))
			return
		}
		list.Tickets = append(list.Tickets, b)
	}
	s.writeJSON(w, http.StatusOK, list)
}

// ticketFor reads the ticket named in the path and checks that the calling
// agent may work it. It answers the request itself when not (ok false).
func (s *Server) ticketFor(w http.ResponseWriter, r *http.Request) (tickets.Ticket, bool) {
	id := r.PathValue("id")
	if id == "" || len(id) > maxIDLen || !printable(id) {
		s.writeError(w, http.StatusNotFound, CodeNotFound, "There is no such ticket.")
		return tickets.Ticket{}, false
	}
	var t tickets.Ticket
	err := s.store.View(r.Context(), func(tx tickets.Tx) error {
		var err error
		t, err = tx.Ticket(id)
		return err
	})
	if errors.Is(err, tickets.ErrNotFound) {
		s.writeError(w, http.StatusNotFound, CodeNotFound, fmt.Sprintf("There is no ticket %s.", id))
		return t, false
	}
	if err != nil {
		s.fail(w, r, err)
		return t, false
	}
	if a := agentFrom(r.Context()); !maysee(a, t) {
		s.writeError(w, http.StatusForbidden, CodeForbidden, fmt.Sprintf("%s does not work the queue %q of %s.", a.Name, t.Queue, t.ID))
		return t, false
	}
	return t, true
}

func (s *Server) handleTicket(w http.ResponseWriter, r *http.Request) {
	if t, ok := s.ticketFor(w, r); ok {
		s.writeTicket(w, r, http.StatusOK, t)
	}
}

// writeTicket answers with a ticket whole, as the contract has it, and as
// the console shows it: the store keeps only the newest entries in the
// ticket (Ticket.TranscriptFrom says how many are archived), so a long
// transcript is read in full here; the user's display name and other
// tickets (history) are added.
func (s *Server) writeTicket(w http.ResponseWriter, r *http.Request, status int, t tickets.Ticket) {
	err := s.store.View(r.Context(), func(tx tickets.Tx) error {
		if t.TranscriptFrom > 0 {
			all, err := tx.Transcript(t.ID)
			if err != nil {
				return err
			}
			// A write between the two reads only adds entries: the
			// whole transcript read now is at least the ticket's.
			t.Transcript, t.TranscriptFrom = all, 0
		}
		if t.User.ID == "" {
			return nil
		}
		of, err := tx.TicketsOfUser(t.Channel, t.User.ID)
		if err != nil {
			return err
		}
		t.History = tickets.History(t, of)
		return nil
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	named(&t)
	s.writeJSON(w, status, t)
}

func (s *Server) handleClaim(w http.ResponseWriter, r *http.Request) {
	t, ok := s.ticketFor(w, r)
	if !ok {
		return
	}
	t, err := s.engine.Claim(r.Context(), t.ID, agentFrom(r.Context()).Name)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeTicket(w, r, http.StatusOK, t)
}

// handleRelease hands a ticket the calling agent holds back to the queue
// (409 when another agent holds it or it is resolved).
func (s *Server) handleRelease(w http.ResponseWriter, r *http.Request) {
	t, ok := s.ticketFor(w, r)
	if !ok {
		return
	}
	t, err := s.engine.Release(r.Context(), t.ID, agentFrom(r.Context()).Name)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeTicket(w, r, http.StatusOK, t)
}

// textBody reads the {"text"} body of a reply or a note (what names it in
// a refusal): trimmed, not empty, not too long; the answer is written when
// it is not.
func (s *Server) textBody(w http.ResponseWriter, r *http.Request, what string) (string, bool) {
	var body struct {
		Text string `json:"text"`
	}
	if !s.decode(w, r, &body, false) {
		return "", false
	}
	text := strings.TrimSpace(body.Text)
	if text == "" {
		s.writeError(w, http.StatusBadRequest, CodeBadRequest, fmt.Sprintf("The %s is empty.", what))
		return "", false
	}
	if !s.checkLength(w, what, text) {
		return "", false
	}
	return text, true
}

// handleReply is POST /api/tickets/{id}/messages.
func (s *Server) handleReply(w http.ResponseWriter, r *http.Request) {
	text, ok := s.textBody(w, r, "reply")
	if !ok {
		return
	}
	t, ok := s.ticketFor(w, r)
	if !ok {
		return
	}
	// A ticket another agent holds is theirs to answer (the engine refuses
	// it in the transaction): two agents writing to one user at once would
	// contradict each other.
	t, err := s.engine.Reply(r.Context(), t.ID, agentFrom(r.Context()).Name, text)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeTicket(w, r, http.StatusOK, t)
}

// resolveBody is the body of POST /api/tickets/{id}/resolve; it may be absent.
type resolveBody struct {
	Note string `json:"note"`
}

func (s *Server) handleResolve(w http.ResponseWriter, r *http.Request) {
	var body resolveBody
	if !s.decode(w, r, &body, true) {
		return
	}
	note := strings.TrimSpace(body.Note)
	if !s.checkLength(w, "resolution note", note) {
		return
	}
	t, ok := s.ticketFor(w, r)
	if !ok {
		return
	}
	t, err := s.engine.Resolve(r.Context(), t.ID, agentFrom(r.Context()).Name, note)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeTicket(w, r, http.StatusOK, t)
}

// decode reads a JSON object from a size-limited body. An empty body is
// allowed only when optional; it then leaves v as it was.
func (s *Server) decode(w http.ResponseWriter, r *http.Request, v any, optional bool) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	err := dec.Decode(v)
	if err == nil {
		// Anything after the object means the client sent something else.
		if _, terr := dec.Token(); terr != io.EOF {
			err = errTrailing
		}
	}
	var maxErr *http.MaxBytesError
	switch {
	case err == nil:
		return true
	case errors.Is(err, io.EOF) && optional:
		return true
	case errors.As(err, &maxErr):
		s.writeError(w, http.StatusRequestEntityTooLarge, CodeTooLarge, msgTooLarge())
	case errors.Is(err, io.EOF):
		s.writeError(w, http.StatusBadRequest, CodeBadRequest, "The request body is empty; send a JSON object.")
	default:
		s.writeError(w, http.StatusBadRequest, CodeBadRequest, badJSON(err))
	}
	return false
}

// badJSON says what is wrong with a body the decoder refused, in the
// client's terms (fields and JSON types), not the decoder's (Go types).
func badJSON(err error) string {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) && typeErr.Field != "" {
		return fmt.Sprintf("The field %q must be %s, not %s.", typeErr.Field, jsonKind(typeErr.Type), jsonValue(typeErr.Value))
	}
	if errors.As(err, &typeErr) {
		return fmt.Sprintf("The request body must be a JSON object, not %s.", jsonValue(typeErr.Value))
	}
	if errors.Is(err, errTrailing) {
		return "The request body must hold one JSON object and nothing after it."
	}
	return "The request body is not valid JSON."
}

// errTrailing is a body with more after its JSON object.
var errTrailing = errors.New("more than one JSON value")

// jsonKind names the JSON type a Go type is decoded from.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Pointer:
		return jsonKind(t.Elem())
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return "a number"
	}
	return "another type"
}

// jsonValue names the JSON value the decoder found ("number", "array", …;
// "number 1e999" for one out of range).
func jsonValue(v string) string {
	switch kind, _, _ := strings.Cut(v, " "); kind {
	case "number", "string":
		return "a " + kind
	case "array", "object":
		return "an " + kind
	case "bool":
		return "true or false"
	}
	return v
}

// checkLength refuses a text over tickets.MaxTextRunes characters (the
// limit users have too); what names the text in the refusal.
func (s *Server) checkLength(w http.ResponseWriter, what, text string) bool {
	if n := utf8.RuneCountInString(text); n > tickets.MaxTextRunes {
		s.writeError(w, http.StatusRequestEntityTooLarge, CodeTooLarge,
			fmt.Sprintf("The %s has %d characters; at most %d are allowed.", what, n, tickets.MaxTextRunes))
		return false
	}
	return true
}

func (s *Server) handleAttachment(w http.ResponseWriter, r *http.Request) {
	t, ok := s.ticketFor(w, r)
	if !ok {
		return
	}
	aid := r.PathValue("aid")
	// Only files listed on this ticket: an agent who may see one ticket must
	// not read another user's screenshot by guessing its id.
	listed := false
	for _, a := range t.Attachments {
		listed = listed || a.ID == aid
	}
	if !listed {
		s.writeError(w, http.StatusNotFound, CodeNotFound, fmt.Sprintf("%s has no attachment %.70q.", t.ID, aid))
		return
	}
	var (
		att  tickets.Attachment
		data []byte
	)
	err := s.store.View(r.Context(), func(tx tickets.Tx) error {
		var err error
		att, data, err = tx.AttachmentData(aid)
		return err
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	h := w.Header()
	ct := att.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	h.Set("Content-Type", ct)
	h.Set("Content-Length", strconv.Itoa(len(data)))
	h.Set("X-Content-Type-Options", "nosniff")
	// Even if a file were not the image it claims, it can run nothing here.
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cache-Control", "private, no-store")
	if cd := mime.FormatMediaType("inline", map[string]string{"filename": att.Filename}); att.Filename != "" && cd != "" {
		h.Set("Content-Disposition", cd)
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(data)
}

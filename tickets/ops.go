package tickets

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Validate reports, as a Refusal of kind ErrInvalid, a ticket the domain
// refuses: an unknown status or priority, or a claim without an assignee. Stores call it
// before writing so an index is never built from a value it cannot order.
func (t *Ticket) Validate() error {
	if !t.Status.Valid() {
		return Refuse(ErrInvalid, "The status %q of %s is not open, claimed or resolved.", t.Status, t.label())
	}
	if !t.Priority.Valid() {
		return Refuse(ErrInvalid, "The priority %q of %s is not urgent, high, normal or low.", t.Priority, t.label())
	}
	if t.CSAT != nil && (t.CSAT.Score < 1 || t.CSAT.Score > 5) {
		return Refuse(ErrInvalid, "The rating %d of %s is not from 1 to 5.", t.CSAT.Score, t.label())
	}
	if t.Status == Claimed && t.Assignee == "" {
		return Refuse(ErrInvalid, "A claimed ticket needs an agent; %s names none.", t.label())
	}
	return nil
}

// PrepareNew readies a ticket for CreateTicket, as every store does it:
// zero Status becomes open, zero CreatedAt becomes now, zero UpdatedAt
// becomes CreatedAt; then Validate, and a transcript that starts past its
// first entry is refused.
func (t *Ticket) PrepareNew(now time.Time) error {
	if t.Status == "" {
		t.Status = Open
	}
	if t.CreatedAt.IsZero() {
		t.CreatedAt = now
	}
	if t.UpdatedAt.IsZero() {
		t.UpdatedAt = t.CreatedAt
	}
	if err := t.Validate(); err != nil {
		return fmt.Errorf("create ticket: %w", err)
	}
	if t.TranscriptFrom != 0 {
		return fmt.Errorf("create ticket: transcript starts at entry %d, want the whole transcript: %w", t.TranscriptFrom, ErrInvalid)
	}
	return nil
}

// ValidateNew refuses an agent a store must not create: no name, or a
// token hash that is not a SHA-256.
func (a *Agent) ValidateNew() error {
	if strings.TrimSpace(a.Name) == "" {
		return fmt.Errorf("create agent: empty name: %w", ErrInvalid)
	}
	if len(a.TokenHash) != sha256.Size {
		return fmt.Errorf("create agent %q: token hash is %d bytes, want %d: %w",
			a.Name, len(a.TokenHash), sha256.Size, ErrInvalid)
	}
	return nil
}

// ValidateNew refuses a notice a store must not add: no kind or ticket, or
// a rank outside a byte.
func (n *Notice) ValidateNew() error {
	if n.Kind == "" || n.TicketID == "" || n.Rank < 0 || n.Rank > 255 {
		return fmt.Errorf("add notice: kind %q, ticket %q, rank %d: %w", n.Kind, n.TicketID, n.Rank, ErrInvalid)
	}
	return nil
}

// ValidateKind refuses a message a store must not enqueue: an unknown
// kind, a ticket event without its ticket, a channel message without key.
func (m *OutMessage) ValidateKind() error {
	switch {
	case m.Kind == KindMessage:
	case m.Kind == KindTicket && m.Ticket != nil:
	case m.Kind == KindChannel && m.Key != "":
	default:
		return fmt.Errorf("enqueue: kind %q (ticket event %v): %w", m.Kind, m.Ticket != nil, ErrInvalid)
	}
	return nil
}

// checkAgent refuses an empty agent name: every change an agent makes must
// say who made it.
func checkAgent(agent string) error {
	if strings.TrimSpace(agent) == "" {
		return Refuse(ErrInvalid, "The agent's name is empty.")
	}
	return nil
}

// label names a ticket in a sentence; a ticket not yet stored has no id.
func (t *Ticket) label() string {
	if t.ID == "" {
		return "the new ticket"
	}
	return t.ID
}

// heldBy and resolved are the two reasons a ticket's state refuses an
// agent's change; every operation words them alike.
func heldBy(t *Ticket) error   { return Refuse(ErrConflict, "%s is held by %s.", t.ID, t.Assignee) }
func resolved(t *Ticket) error { return Refuse(ErrConflict, "%s is already resolved.", t.ID) }

// NoAgent is the refusal for a name that is no agent's. It is ErrInvalid:
// the request names a target that does not exist, the ticket is there.
func NoAgent(name string) error { return Refuse(ErrInvalid, "There is no agent %q.", name) }

// change loads ticket id, lets apply check and alter it, and stores it when
// apply reports a change. Every transition below is this load-check-put; only
// its rule differs. When apply refuses, the ticket comes back as stored, so
// the caller can say who holds it.
func change(tx Tx, id string, apply func(t *Ticket) (changed bool, err error)) (Ticket, error) {
	t, err := tx.Ticket(id)
	if err != nil {
		return Ticket{}, err
	}
	changed, err := apply(&t)
	if err != nil || !changed {
		return t, err
	}
	if err := tx.PutTicket(&t); err != nil {
		return Ticket{}, err
	}
	return t, nil
}

// Claim gives an open ticket to agent. Claiming a ticket the same agent
// already holds succeeds without a change, so a retried request is harmless;
// a ticket held by someone else or already resolved is ErrConflict.
func Claim(tx Tx, id, agent string, now time.Time) (Ticket, error) {
	if err := checkAgent(agent); err != nil {
		return Ticket{}, err
	}
	return change(tx, id, func(t *Ticket) (bool, error) {
		switch {
		case t.Status == Claimed && t.Assignee == agent:
			return false, nil
		case t.Status == Claimed:
			return false, heldBy(t)
		case t.Status == Resolved:
			return false, resolved(t)
		}
		t.Status, t.Assignee, t.UpdatedAt = Claimed, agent, now
		return true, nil
	})
}

// Release puts a ticket agent holds back in the open queue. Releasing an
// open ticket succeeds without a change (a retried request); a ticket held by
// someone else or resolved is ErrConflict.
func Release(tx Tx, id, agent string, now time.Time) (Ticket, error) {
	if err := checkAgent(agent); err != nil {
		return Ticket{}, err
	}
	return change(tx, id, func(t *Ticket) (bool, error) {
		switch {
		case t.Status == Open:
			return false, nil
		case t.Status == Resolved:
			return false, resolved(t)
		case t.Assignee != agent:
			return false, heldBy(t)
		}
		t.Status, t.Assignee, t.UpdatedAt = Open, "", now
		return true, nil
	})
}

// Resolve closes a ticket with the agent's note. An open ticket may be
// resolved directly (the agent becomes its assignee); one held by another
// agent, or already resolved, is ErrConflict — resolving twice would tell the
// user twice and overwrite the first note.
func Resolve(tx Tx, id, agent, note string, now time.Time) (Ticket, error) {
	if err := checkAgent(agent); err != nil {
		return Ticket{}, err
	}
	return change(tx, id, func(t *Ticket) (bool, error) {
		switch {
		case t.Status == Resolved:
			return false, resolved(t)
		case t.Status == Claimed && t.Assignee != agent:
			return false, heldBy(t)
		}
		t.Status, t.Assignee, t.Note = Resolved, agent, note
		t.ResolvedAt, t.UpdatedAt = now, now
		return true, nil
	})
}

// AppendEntry adds a line to a ticket's transcript; e.At becomes the
// ticket's UpdatedAt. The text must already be masked by the caller.
func AppendEntry(tx Tx, id string, e Entry) (Ticket, error) {
	switch e.From {
	case FromUser, FromBot:
	case FromAgent:
		if err := checkAgent(e.Agent); err != nil {
			return Ticket{}, err
		}
	default:
		return Ticket{}, Refuse(ErrInvalid, "A line by %q cannot be added to %s: the author is not user, bot or agent.", e.From, id)
	}
	if e.At.IsZero() {
		return Ticket{}, Refuse(ErrInvalid, "A line without a time cannot be added to %s.", id)
	}
	return change(tx, id, func(t *Ticket) (bool, error) {
		t.Transcript = append(t.Transcript, e)
		t.UpdatedAt = e.At
		if e.From == FromAgent && t.FirstResponseAt.IsZero() {
			t.FirstResponseAt = e.At
		}
		return true, nil
	})
}

// AddNote appends an agent's internal note; text must already be masked.
// Any agent who may see the ticket may note it, whatever its status: a note
// on a resolved ticket is how a colleague records what happened later.
func AddNote(tx Tx, id, agent, text string, now time.Time) (Ticket, error) {
	if err := checkAgent(agent); err != nil {
		return Ticket{}, err
	}
	if strings.TrimSpace(text) == "" {
		return Ticket{}, Refuse(ErrInvalid, "The note is empty.")
	}
	return change(tx, id, func(t *Ticket) (bool, error) {
		t.Notes = append(t.Notes, Note{Author: agent, Text: text, At: now})
		t.UpdatedAt = now
		t.MarkChange(EventNote)
		return true, nil
	})
}

// Target is where a transfer sends a ticket: a queue or an agent, not both.
type Target struct {
	Queue    string
	Assignee string
}

// Transfer hands a ticket to another queue (it becomes open and unassigned
// there) or to another agent (who becomes its holder). agent, the one asking,
// must hold the ticket or find it open; a resolved ticket or one another
// agent holds is ErrConflict, so of two racing transfers one wins. The
// caller checks that the queue exists and the assignee works it; Transfer
// checks that the assignee is an agent. Moving a ticket where it already is
// succeeds without a change.
func Transfer(tx Tx, id, agent string, to Target, now time.Time) (Ticket, error) {
	if err := checkAgent(agent); err != nil {
		return Ticket{}, err
	}
	if (to.Queue == "") == (to.Assignee == "") {
		return Ticket{}, Refuse(ErrInvalid, "Name either a queue or an agent to transfer %s to.", id)
	}
	if to.Assignee != "" {
		if _, err := tx.Agent(to.Assignee); errors.Is(err, ErrNotFound) {
			return Ticket{}, NoAgent(to.Assignee)
		} else if err != nil {
			return Ticket{}, err
		}
	}
	return change(tx, id, func(t *Ticket) (bool, error) {
		switch {
		case t.Status == Resolved:
			return false, resolved(t)
		case t.Status == Claimed && t.Assignee != agent:
			return false, heldBy(t)
		}
		if to.Queue != "" {
			if t.Status == Open && t.Queue == to.Queue {
				return false, nil
			}
			t.Status, t.Assignee, t.Queue = Open, "", to.Queue
		} else {
			if t.Status == Claimed && t.Assignee == to.Assignee {
				return false, nil
			}
			t.Status, t.Assignee = Claimed, to.Assignee
		}
		t.UpdatedAt = now
		t.MarkChange(EventTransferred)
		return true, nil
	})
}

package tickets

import (
	"fmt"
	"hash/fnv"
	"strings"
	"time"
)

// Note is an agent's internal remark on a ticket: agents read it, the user
// never does. Text is masked like everything stored.
type Note struct {
	Author string    `json:"author"`
	Text   string    `json:"text"`
	At     time.Time `json:"at"`
}

// HistoryItem is one of the user's other tickets, as the console lists them
// beside the transcript.
type HistoryItem struct {
	ID        string    `json:"id"`
	Status    Status    `json:"status"`
	Intent    string    `json:"intent"`
	CreatedAt time.Time `json:"created_at"`
}

// MaxHistory bounds a ticket's history: a user with hundreds of tickets
// should not make every ticket view heavy.
const MaxHistory = 50

// History lists the user's tickets other than t, newest first, at most
// MaxHistory; of is what TicketsOfUser returned.
func History(t Ticket, of []Ticket) []HistoryItem {
	out := make([]HistoryItem, 0, min(len(of), MaxHistory))
	for _, o := range of {
		if o.ID == t.ID {
			continue
		}
		if len(out) == MaxHistory {
			break
		}
		out = append(out, HistoryItem{ID: o.ID, Status: o.Status, Intent: o.Intent, CreatedAt: o.CreatedAt})
	}
	return out
}

// DisplayName is how agents see the ticket's user: the name the channel
// gave (Telegram's first and last name), or for an anonymous web visitor
// "Visitor NNNN", digits derived from the public user id so the same visitor
// keeps the same name. It is a label, not an identity: user.id is.
func DisplayName(ch Channel, u User) string {
	if n := strings.TrimSpace(u.Name); n != "" {
		return n
	}
	if u.ID == "" {
		return ""
	}
	h := fnv.New32a()
	h.Write([]byte(u.ID))
	if ch == Web {
		return fmt.Sprintf("Visitor %04d", h.Sum32()%10000)
	}
	return u.ID
}

// EventKind says what happened to a ticket, for the agents' live stream.
type EventKind string

// Event kinds. Updated covers any change none of the others names (the
// summary written after creation, a detail filled in).
const (
	EventCreated     EventKind = "created"
	EventMessage     EventKind = "message"
	EventClaimed     EventKind = "claimed"
	EventReleased    EventKind = "released"
	EventTransferred EventKind = "transferred"
	EventNote        EventKind = "note"
	EventResolved    EventKind = "resolved"
	EventBreached    EventKind = "breached"
	EventUpdated     EventKind = "updated"
)

// MarkChange names the kind of the change the next PutTicket of t records,
// where comparing before and after cannot tell (a transfer to an agent looks
// like a claim). Stores clear the mark when they write.
func (t *Ticket) MarkChange(k EventKind) { t.change = k }

// TakeChange returns and clears the mark MarkChange set.
func (t *Ticket) TakeChange() EventKind {
	k := t.change
	t.change = ""
	return k
}

// ChangeKind says what a write of after over before did; before is nil for
// a new ticket. Every store derives its events with it, so they agree.
func ChangeKind(before, after *Ticket, mark EventKind) EventKind {
	switch {
	case mark != "":
		return mark
	case before == nil:
		return EventCreated
	case after.Status == Resolved && before.Status != Resolved:
		return EventResolved
	case after.Queue != before.Queue,
		after.Status == Claimed && before.Status == Claimed && after.Assignee != before.Assignee:
		return EventTransferred
	case after.Status == Claimed && before.Status != Claimed:
		return EventClaimed
	case after.Status == Open && before.Status == Claimed:
		return EventReleased
	case len(after.Notes) > len(before.Notes):
		return EventNote
	case len(after.Transcript) != len(before.Transcript) || !sameLast(before.Transcript, after.Transcript),
		len(after.Attachments) != len(before.Attachments):
		return EventMessage
	}
	return EventUpdated
}

// sameLast reports whether two transcripts end with the same entry (a
// windowed transcript keeps its length while moving on).
func sameLast(a, b []Entry) bool {
	if len(a) == 0 || len(b) == 0 {
		return len(a) == len(b)
	}
	x, y := a[len(a)-1], b[len(b)-1]
	return x.At.Equal(y.At) && x.From == y.From && x.Text == y.Text
}

// LastMessage is the customer's latest line, masked.
type LastMessage struct {
	Text string    `json:"text"`
	At   time.Time `json:"at"`
}

// Event is one change to a ticket as the agents' stream carries it: what
// a queue row needs, not the whole ticket. Seq orders events store-wide and
// is the SSE id.
type Event struct {
	Seq         uint64       `json:"-"`
	Kind        EventKind    `json:"kind"`
	ID          string       `json:"id"`
	Status      Status       `json:"status"`
	Queue       string       `json:"queue"`
	FromQueue   string       `json:"from_queue,omitempty"`
	Priority    Priority     `json:"priority"`
	Assignee    string       `json:"assignee"`
	Intent      string       `json:"intent"`
	UserName    string       `json:"user_name"`
	Channel     Channel      `json:"channel"`
	SLADue      time.Time    `json:"sla_due,omitzero"`
	CreatedAt   time.Time    `json:"created_at"`
	UpdatedAt   time.Time    `json:"updated_at"`
	LastMessage *LastMessage `json:"last_message,omitempty"`
}

// NewEvent describes the write of after over before (nil for a new ticket).
func NewEvent(kind EventKind, before, after *Ticket) Event {
	e := Event{
		Kind: kind, ID: after.ID, Status: after.Status, Queue: after.Queue, Priority: after.Priority,
		Assignee: after.Assignee, Intent: after.Intent, UserName: DisplayName(after.Channel, after.User),
		Channel: after.Channel, SLADue: after.SLADue, CreatedAt: after.CreatedAt, UpdatedAt: after.UpdatedAt,
	}
	if before != nil && before.Queue != after.Queue {
		e.FromQueue = before.Queue
	}
	for i := len(after.Transcript) - 1; i >= 0; i-- {
		if en := after.Transcript[i]; en.From == FromUser {
			e.LastMessage = &LastMessage{Text: en.Text, At: en.At}
			break
		}
	}
	return e
}

// Visible reports whether an agent may see the event: it works the
// ticket's queue, or the queue the ticket was just transferred out of (so
// the console can drop it).
func (e Event) Visible(a Agent) bool {
	return a.Works(e.Queue) || (e.FromQueue != "" && a.Works(e.FromQueue))
}

// Works reports whether the agent works queue q; an agent without queues
// works every queue.
func (a Agent) Works(q string) bool {
	if len(a.Queues) == 0 {
		return true
	}
	for _, x := range a.Queues {
		if x == q {
			return true
		}
	}
	return false
}

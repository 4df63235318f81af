// Package tickets is the domain of triagebot: tickets and their transcripts
// and attachments, the agents who work them, the conversations users have
// with the bot and each conversation's outbox. It defines the Store that
// keeps them; tickets/boltstore implements it on bbolt.
package tickets

import (
	"encoding/json"
	"errors"
	"time"
)

// Errors shared by every Store implementation. Callers test them with
// errors.Is; implementations wrap them with context.
var (
	ErrNotFound    = errors.New("not found")
	ErrConflict    = errors.New("conflict") // e.g. claimed by someone else
	ErrInvalid     = errors.New("invalid")  // a value the domain refuses
	ErrDatabaseUse = errors.New("database is in use by another process")
	ErrSchema      = errors.New("unsupported database schema version")
	// ErrDamaged is a database file that cannot be read safely (truncated,
	// scribbled): restore it from a backup.
	ErrDamaged = errors.New("database file is damaged")
)

// Status is where a ticket is in its life.
type Status string

// Ticket statuses.
const (
	Open     Status = "open"
	Claimed  Status = "claimed"
	Resolved Status = "resolved"
)

// Valid reports whether s is a known status.
func (s Status) Valid() bool { return s == Open || s == Claimed || s == Resolved }

// Priority orders the queue: urgent tickets are worked first.
type Priority string

// Priorities, most urgent first.
const (
	Urgent Priority = "urgent"
	High   Priority = "high"
	Normal Priority = "normal"
	Low    Priority = "low"
)

// Priorities lists every priority, most urgent first.
var Priorities = []Priority{Urgent, High, Normal, Low}

// Rank is 0 for the most urgent priority; unknown priorities sort last.
func (p Priority) Rank() int {
	for i, x := range Priorities {
		if x == p {
			return i
		}
	}
	return len(Priorities)
}

// Valid reports whether p is a known priority.
func (p Priority) Valid() bool { return p.Rank() < len(Priorities) }

// Channel is where a user talks to us.
type Channel string

// Channels.
const (
	Web      Channel = "web"
	Telegram Channel = "telegram"
)

// User is the person behind a conversation, as their channel knows them.
type User struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Details are what the bot gathered for the agent. Empty fields are unknown.
type Details struct {
	Time          string `json:"time,omitempty"`       // RFC 3339
	TimeGrain     string `json:"time_grain,omitempty"` // day, hour or minute
	Amount        string `json:"amount,omitempty"`     // "1200.00"
	Currency      string `json:"currency,omitempty"`   // ISO 4217 or ""
	TransactionID string `json:"transaction_id,omitempty"`
	// ErrorMessage is the error the user saw, in their words (masked).
	ErrorMessage string `json:"error_message,omitempty"`
}

// Attachment describes a stored file; its bytes are fetched separately.
type Attachment struct {
	ID          string    `json:"id"`
	Filename    string    `json:"filename"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	CreatedAt   time.Time `json:"created_at"`
}

// MaxAttachmentSize is the largest file a user may send (decoded bytes).
const MaxAttachmentSize = 5 << 20

// MaxTextRunes is the longest text anyone writes into a conversation, in
// characters: a user's message (every channel; the WebSocket contract's
// too_long), an agent's reply or note, a saved reply.
const MaxTextRunes = 4000

// TranscriptWindow is how many transcript entries a ticket record holds; a
// store moves older ones to its archive. It keeps each write of a long
// conversation's ticket (every agent reply, every user message) small.
const TranscriptWindow = 200

// Usage counts stored files, for attachment quotas.
type Usage struct {
	Files int   `json:"files"`
	Bytes int64 `json:"bytes"`
}

// Add returns u with one more file of size bytes.
func (u Usage) Add(size int64) Usage { return Usage{Files: u.Files + 1, Bytes: u.Bytes + size} }

// UsageOf totals a list of attachments.
func UsageOf(as []Attachment) Usage {
	var u Usage
	for _, a := range as {
		u = u.Add(a.Size)
	}
	return u
}

// Author says who wrote a transcript entry or an outbound message.
type Author string

// Authors.
const (
	FromUser  Author = "user"
	FromBot   Author = "bot"
	FromAgent Author = "agent"
)

// Entry is one line of a ticket's transcript. Text is always masked.
type Entry struct {
	From  Author    `json:"from"`
	Text  string    `json:"text"`
	At    time.Time `json:"at"`
	Agent string    `json:"agent,omitempty"` // the agent's name when From is agent
}

// Ticket is a problem handed to people. Its JSON form is the contract's.
type Ticket struct {
	ID          string       `json:"id"` // T-000042
	Status      Status       `json:"status"`
	Intent      string       `json:"intent"`
	Priority    Priority     `json:"priority"`
	Queue       string       `json:"queue"`
	SLADue      time.Time    `json:"sla_due"`
	Channel     Channel      `json:"channel"`
	User        User         `json:"user"`
	Lang        string       `json:"lang"`
	Details     Details      `json:"details"`
	Attachments []Attachment `json:"attachments"`
	Transcript  []Entry      `json:"transcript"`
	// TranscriptFrom is how many earlier entries are not in Transcript:
	// a store keeps the newest TranscriptWindow entries in the ticket and
	// moves older ones to an append-only archive (Tx.Transcript reads all).
	// 0 when Transcript is whole, as GET /api/tickets/{id} returns it.
	TranscriptFrom int    `json:"transcript_from,omitempty"`
	Assignee       string `json:"assignee"`
	Summary        string `json:"summary,omitempty"`
	ConversationID string `json:"conversation_id"`
	// Related are earlier tickets of the same user on the same problem.
	Related []string `json:"related,omitempty"`
	Note    string   `json:"note,omitempty"` // the resolving agent's note
	// Notes are agents' internal remarks, oldest first; never shown to the user.
	Notes []Note `json:"notes"`
	// History is the user's other tickets. Stores do not keep it: the API
	// fills it in when it shows one ticket.
	History    []HistoryItem `json:"history"`
	CreatedAt  time.Time     `json:"created_at"`
	UpdatedAt  time.Time     `json:"updated_at"`
	ResolvedAt time.Time     `json:"resolved_at,omitzero"`
	// FirstResponseAt is the first agent message: what sla_due promises.
	FirstResponseAt time.Time `json:"first_response_at,omitzero"`
	// Breached is set once sla_due passed without an agent message.
	Breached bool `json:"breached"`
	// CSAT is the user's rating after resolution; nil until they give one.
	CSAT *CSAT `json:"csat"`

	// change is the kind of change MarkChange named for the next write.
	change EventKind
}

// CSAT is a user's satisfaction rating of a resolved ticket.
type CSAT struct {
	Score   int       `json:"score"` // 1 (very poor) to 5 (excellent)
	Comment string    `json:"comment"`
	At      time.Time `json:"at"`
}

// Waiting reports whether t still awaits its first agent response within
// its SLA: the tickets a breach sweep looks at.
func (t *Ticket) Waiting() bool {
	return t.Status != Resolved && t.FirstResponseAt.IsZero() && !t.Breached && !t.SLADue.IsZero()
}

// Agent is a person who works tickets. Only a hash of the token is kept.
type Agent struct {
	Name   string   `json:"name"`
	Queues []string `json:"queues,omitempty"` // empty: every queue
	// Admin agents may also run operator calls (the online backup).
	Admin     bool      `json:"admin,omitempty"`
	TokenHash []byte    `json:"token_hash"`
	CreatedAt time.Time `json:"created_at"`
}

// MarshalJSON writes the contract's form: lists are always arrays, never
// null, so clients can iterate without a nil check.
func (t Ticket) MarshalJSON() ([]byte, error) {
	type plain Ticket // no methods: avoids recursion
	p := plain(t)
	if p.Attachments == nil {
		p.Attachments = []Attachment{}
	}
	if p.Transcript == nil {
		p.Transcript = []Entry{}
	}
	if p.Notes == nil {
		p.Notes = []Note{}
	}
	if p.History == nil {
		p.History = []HistoryItem{}
	}
	return json.Marshal(p)
}

package tickets

import (
	"context"
	"io"
	"time"
)

// Store keeps everything durable. Work happens in transactions so that a
// dialogue turn's state, its ticket and its outbox change together or not at all.
type Store interface {
	// Update runs fn in one read-write transaction. Concurrent Updates may be
	// coalesced into one disk sync, so fn may run more than once: it must not
	// have effects outside tx (no network, no channel sends).
	Update(ctx context.Context, fn func(tx Tx) error) error
	// View runs fn in a read-only transaction.
	View(ctx context.Context, fn func(tx Tx) error) error
	// Changed returns a channel closed after the next commit that wrote
	// events or changed agents. Take it before reading, then read, then wait:
	// no change is missed. It costs nothing while nothing changes.
	Changed() <-chan struct{}
	// Backup writes a consistent copy of the whole database to w.
	Backup(ctx context.Context, w io.Writer) (int64, error)
	// Health is nil while writes succeed. Once a commit fails for the
	// store's own reasons (a disk error, a damaged file) it says why, until
	// a later commit succeeds; a transaction refused by its own function
	// does not count. /healthz reports it.
	Health() error
	Close() error
	ChannelStore
}

// Page sizes for Tx.Tickets, the same in every store: a queue view shows
// DefaultLimit tickets unless it asks for more, and never more than
// MaxLimit at once (a larger Limit is cut to it, not refused).
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// Filter selects tickets for a queue view. Empty fields match everything.
type Filter struct {
	Status   Status
	Queue    string
	Priority Priority
	Limit    int // 0: DefaultLimit; more than MaxLimit: MaxLimit
	// After is the ID of the last ticket of the previous page, for paging.
	After string
	// Queues, when set, limits the list to these queues (an agent's own),
	// still in the one global order; Queue, when also set, must be one of them.
	Queues []string
	// Q searches: every word of it must occur in the ticket (see Search).
	// Results come best first, After is not allowed with it.
	Q string
}

// Tx is one transaction. Values returned are copies, safe after the
// transaction ends.
type Tx interface {
	// CreateTicket assigns t.ID ("T-000001", from a sequence) and stores it.
	CreateTicket(t *Ticket) error
	// Ticket returns one ticket or ErrNotFound.
	Ticket(id string) (Ticket, error)
	// PutTicket stores a changed ticket, keeping the indexes in step.
	PutTicket(t *Ticket) error
	// Tickets lists tickets most urgent first, then oldest, from the indexes.
	// A filter the domain refuses, or an After that names no ticket, is
	// ErrInvalid.
	Tickets(f Filter) ([]Ticket, error)
	// TicketsOfUser lists a user's tickets on a channel, newest first.
	TicketsOfUser(ch Channel, userID string) ([]Ticket, error)
	// CountTickets counts tickets by status, queue and priority (for metrics).
	CountTickets() (map[TicketKey]int, error)
	// Transcript returns a ticket's whole transcript, oldest first: the
	// archived entries, then the ticket's own (see Ticket.TranscriptFrom).
	Transcript(ticketID string) ([]Entry, error)

	// DueTickets lists up to limit tickets still waiting for their first
	// agent response (Ticket.Waiting) whose sla_due is at or before t,
	// earliest due first, from an index on due time.
	DueTickets(t time.Time, limit int) ([]Ticket, error)
	// NextDue is the earliest sla_due of a waiting ticket; zero when none.
	NextDue() (time.Time, error)
	// ReportRows calls fn for each ticket created in [from, to), oldest
	// first, from an index that holds what reports need (no ticket reads).
	ReportRows(from, to time.Time, fn func(ReportRow) error) error
	// CountOutcome adds one dialogue outcome at time at.
	CountOutcome(at time.Time, o Outcome) error
	// Outcomes sums the outcomes counted in [from, to) (to 15 minutes).
	Outcomes(from, to time.Time) (map[Outcome]int, error)

	// PutAttachment stores a file's bytes; a ticket or conversation refers to it by a.ID.
	PutAttachment(a *Attachment, owner string, data []byte) error
	// AttachmentData returns a stored file and its bytes.
	AttachmentData(id string) (Attachment, []byte, error)

	// Conversation returns one conversation or ErrNotFound.
	Conversation(id string) (Conversation, error)
	// PutConversation creates or replaces a conversation, keeping the
	// resume-hash index in step; a ResumeHash another conversation holds
	// is ErrConflict.
	PutConversation(c *Conversation) error
	// ConversationByResumeHash finds the conversation whose resume key
	// hashes to h, or ErrNotFound.
	ConversationByResumeHash(h []byte) (Conversation, error)

	// Enqueue appends m to its conversation's outbox, assigning Seq and ID.
	Enqueue(m *OutMessage) error
	// Outbox lists the messages of a conversation not yet acknowledged, oldest first.
	Outbox(conversationID string) ([]OutMessage, error)
	// Ack removes the message id and every earlier one from the outbox.
	// Acknowledging an id the outbox no longer holds is not an error.
	Ack(conversationID, id string) error
	// PendingConversations lists conversations of a channel with a non-empty outbox.
	PendingConversations(ch Channel) ([]string, error)
	// SetProgress records that the first parts parts of outbox message id
	// were delivered (a message a channel must split), so that a restart
	// resumes with the next part. A message no longer in the outbox is not
	// an error.
	SetProgress(conversationID, id string, parts int) error

	// AddNotice stores a notice to the agents, assigning n.ID; call it in
	// the transaction that makes its reason, so the two commit together.
	AddNotice(n *Notice) error

	// CreateAgent stores a new agent; ErrConflict when the name is taken.
	CreateAgent(a *Agent) error
	// AgentByTokenHash finds the agent whose token hashes to h, or ErrNotFound.
	AgentByTokenHash(h []byte) (Agent, error)
	// Agents lists every agent, by name (empty, not an error, when there is none).
	Agents() ([]Agent, error)
	// DeleteAgent removes an agent and its token; ErrNotFound if none.
	DeleteAgent(name string) error
	// SetAgentToken replaces an agent's token hash: the old token stops
	// working at once. ErrNotFound if no such agent.
	SetAgentToken(name string, hash []byte) error
	// Agent returns the agent called name, or ErrNotFound.
	Agent(name string) (Agent, error)

	// Events lists the ticket events after seq, oldest first, at most limit.
	// Every change to a ticket writes one in its own transaction.
	Events(after uint64, limit int) ([]Event, error)
	// EventRange returns the sequence numbers of the oldest and newest events
	// kept (0, 0 when there are none; oldest is the next one when all
	// were pruned). Older events are pruned (see the store's retention).
	EventRange() (oldest, newest uint64, err error)

	// Seen records key (e.g. a Telegram update id) and reports whether it was
	// already recorded, so a redelivered event is handled once.
	Seen(key string) (bool, error)

	// Retention. Each call takes at most limit items from an index by age
	// (no scan of everything), so a sweeper can work in small
	// transactions, and returns how many it took (deleted, or found stale
	// and dropped from the index). Fewer than limit: nothing older is left.

	// ExpireConversations deletes conversations that never led to a
	// ticket and have been idle (UpdatedAt) since before idleBefore, with
	// their outboxes and attachments.
	ExpireConversations(idleBefore time.Time, limit int) (int, error)
	// PurgeResolved drops the attachments (bytes too) and the transcript
	// of tickets resolved before resolvedBefore; the rest of the ticket
	// (details, summary, note, dates) stays.
	PurgeResolved(resolvedBefore time.Time, limit int) (int, error)
	// PruneSeen forgets Seen keys recorded before before.
	PruneSeen(before time.Time, limit int) (int, error)
	// Meta and SetMeta keep small named values (e.g. a channel's poll offset).
	Meta(key string) ([]byte, error)
	SetMeta(key string, value []byte) error
}

// TicketKey groups tickets for counting.
type TicketKey struct {
	Status   Status
	Queue    string
	Priority Priority
}

// Clock returns the current time; injected wherever time matters.
type Clock func() time.Time

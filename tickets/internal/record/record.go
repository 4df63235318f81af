// Package record is the stored form of the domain: the JSON documents both
// stores write (bbolt's values, PostgreSQL's doc columns), their conversion
// to and from the tickets types, and the ids made from stored numbers. One
// definition, so the two stores cannot drift apart.
package record

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/triagebot/triagebot/tickets"
)

// The record types are what is stored. They are kept apart from the domain
// types so the API's JSON (tickets.Ticket's tags) can change without
// silently changing what is stored, and a store can keep things the domain
// does not show (the sequence number, an attachment's owner).

type Ticket struct {
	Seq         uint64       `json:"seq"`
	Status      string       `json:"status"`
	Intent      string       `json:"intent,omitempty"`
	Priority    string       `json:"priority"`
	Queue       string       `json:"queue,omitempty"`
	SLADue      time.Time    `json:"sla_due,omitzero"`
	Channel     string       `json:"channel,omitempty"`
	User        User         `json:"user"`
	Lang        string       `json:"lang,omitempty"`
	Details     Details      `json:"details"`
	Attachments []Attachment `json:"attachments,omitempty"`
	Transcript  []Entry      `json:"transcript,omitempty"`
	// Archived counts the oldest entries moved to transcript_archive.
	Archived uint64 `json:"archived,omitempty"`
	// PurgedAt is when retention dropped the transcript and attachments.
	PurgedAt       time.Time `json:"purged_at,omitzero"`
	Assignee       string    `json:"assignee,omitempty"`
	Summary        string    `json:"summary,omitempty"`
	ConversationID string    `json:"conversation_id,omitempty"`
	Related        []string  `json:"related,omitempty"`
	Note           string    `json:"note,omitempty"`
	Notes          []Note    `json:"notes,omitempty"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
	ResolvedAt     time.Time `json:"resolved_at,omitzero"`
	FirstResponse  time.Time `json:"first_response_at,omitzero"`
	Breached       bool      `json:"breached,omitempty"`
	CSAT           *CSAT     `json:"csat,omitempty"`
}

type CSAT struct {
	Score   int       `json:"score"`
	Comment string    `json:"comment,omitempty"`
	At      time.Time `json:"at"`
}

type User struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
}

type Details struct {
	Time          string `json:"time,omitempty"`
	TimeGrain     string `json:"time_grain,omitempty"`
	Amount        string `json:"amount,omitempty"`
	Currency      string `json:"currency,omitempty"`
	TransactionID string `json:"transaction_id,omitempty"`
	ErrorMessage  string `json:"error_message,omitempty"`
}

type Entry struct {
	From  string    `json:"from"`
	Text  string    `json:"text"`
	At    time.Time `json:"at"`
	Agent string    `json:"agent,omitempty"`
}

type Note struct {
	Author string    `json:"author"`
	Text   string    `json:"text"`
	At     time.Time `json:"at"`
}

// Attachment is both an entry in a ticket's list and, with Owner set,
// the metadata stored next to the bytes.
type Attachment struct {
	ID          string    `json:"id"`
	Filename    string    `json:"filename,omitempty"`
	ContentType string    `json:"content_type,omitempty"`
	Size        int64     `json:"size"`
	CreatedAt   time.Time `json:"created_at"`
	Owner       string    `json:"owner,omitempty"`
}

type Conversation struct {
	ID          string          `json:"id"`
	Channel     string          `json:"channel"`
	User        User            `json:"user"`
	ResumeHash  []byte          `json:"resume_hash,omitempty"` // PostgreSQL keeps it in a column instead
	Address     string          `json:"address,omitempty"`
	Lang        string          `json:"lang,omitempty"`
	State       json.RawMessage `json:"state,omitempty"`
	TicketID    string          `json:"ticket_id,omitempty"`
	Unreachable bool            `json:"unreachable,omitempty"`
	Uploads     tickets.Usage   `json:"uploads,omitzero"`
	// HadTicket is set, for good, once the conversation led to a ticket:
	// such a conversation is kept with its ticket and never expires.
	HadTicket bool      `json:"had_ticket,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

type Message struct {
	Seq          uint64    `json:"seq"`
	Kind         string    `json:"kind"`
	From         string    `json:"from,omitempty"`
	Text         string    `json:"text,omitempty"`
	QuickReplies []string  `json:"quick_replies,omitempty"`
	Agent        string    `json:"agent,omitempty"`
	Ticket       *Event    `json:"ticket,omitempty"`
	Key          string    `json:"key,omitempty"`
	Parts        int       `json:"parts,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
}

type Event struct {
	TicketID string    `json:"ticket_id"`
	Status   string    `json:"status"`
	Queue    string    `json:"queue,omitempty"`
	Priority string    `json:"priority,omitempty"`
	Team     string    `json:"team,omitempty"`
	SLADue   time.Time `json:"sla_due,omitzero"`
	DueText  string    `json:"due_text,omitempty"`
}

type Agent struct {
	Name      string    `json:"name"`
	Queues    []string  `json:"queues,omitempty"`
	Admin     bool      `json:"admin,omitempty"`
	TokenHash []byte    `json:"token_hash"`
	CreatedAt time.Time `json:"created_at"`
}

// Encode marshals a record; a value JSON cannot hold (invalid State) is the
// caller's mistake, hence ErrInvalid.
func Encode(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode %T: %w: %w", v, tickets.ErrInvalid, err)
	}
	return b, nil
}

// Decode unmarshals a stored record. json.Unmarshal copies everything it
// keeps, so the result stays valid after the transaction ends.
func Decode(b []byte, v any) error {
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("decode %T: corrupt record: %w", v, err)
	}
	return nil
}

func FromTicket(t *tickets.Ticket, seq uint64) Ticket {
	r := Ticket{
		Seq: seq, Status: string(t.Status), Intent: t.Intent, Priority: string(t.Priority),
		Queue: t.Queue, SLADue: t.SLADue, Channel: string(t.Channel),
		User: User(t.User), Lang: t.Lang, Details: Details(t.Details),
		Assignee: t.Assignee, Summary: t.Summary, ConversationID: t.ConversationID,
		Related: t.Related, Note: t.Note, Archived: uint64(max(t.TranscriptFrom, 0)),
		CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt, ResolvedAt: t.ResolvedAt,
		FirstResponse: t.FirstResponseAt, Breached: t.Breached,
	}
	if t.CSAT != nil {
		r.CSAT = &CSAT{Score: t.CSAT.Score, Comment: t.CSAT.Comment, At: t.CSAT.At}
	}
	for _, a := range t.Attachments {
		r.Attachments = append(r.Attachments, FromAttachment(&a, ""))
	}
	for _, e := range t.Transcript {
		r.Transcript = append(r.Transcript, Entry{From: string(e.From), Text: e.Text, At: e.At, Agent: e.Agent})
	}
	for _, n := range t.Notes {
		r.Notes = append(r.Notes, Note(n))
	}
	return r
}

func (r *Ticket) Ticket() tickets.Ticket {
	t := tickets.Ticket{
		ID: FormatTicketID(r.Seq), Status: tickets.Status(r.Status), Intent: r.Intent,
		Priority: tickets.Priority(r.Priority), Queue: r.Queue, SLADue: r.SLADue,
		Channel: tickets.Channel(r.Channel), User: tickets.User(r.User), Lang: r.Lang,
		Details: tickets.Details(r.Details), Assignee: r.Assignee, Summary: r.Summary,
		ConversationID: r.ConversationID, Related: r.Related, Note: r.Note,
		TranscriptFrom: int(r.Archived),
		CreatedAt:      r.CreatedAt, UpdatedAt: r.UpdatedAt, ResolvedAt: r.ResolvedAt,
		FirstResponseAt: r.FirstResponse, Breached: r.Breached,
	}
	if r.CSAT != nil {
		t.CSAT = &tickets.CSAT{Score: r.CSAT.Score, Comment: r.CSAT.Comment, At: r.CSAT.At}
	}
	for _, a := range r.Attachments {
		t.Attachments = append(t.Attachments, a.Attachment())
	}
	for _, e := range r.Transcript {
		t.Transcript = append(t.Transcript, e.Entry())
	}
	for _, n := range r.Notes {
		t.Notes = append(t.Notes, tickets.Note(n))
	}
	return t
}

func (e *Entry) Entry() tickets.Entry {
	return tickets.Entry{From: tickets.Author(e.From), Text: e.Text, At: e.At, Agent: e.Agent}
}

func FromAttachment(a *tickets.Attachment, owner string) Attachment {
	return Attachment{ID: a.ID, Filename: a.Filename, ContentType: a.ContentType,
		Size: a.Size, CreatedAt: a.CreatedAt, Owner: owner}
}

func (r *Attachment) Attachment() tickets.Attachment {
	return tickets.Attachment{ID: r.ID, Filename: r.Filename, ContentType: r.ContentType,
		Size: r.Size, CreatedAt: r.CreatedAt}
}

func FromConversation(c *tickets.Conversation) Conversation {
	return Conversation{ID: c.ID, Channel: string(c.Channel), User: User(c.User), ResumeHash: c.ResumeHash,
		Address: c.Address, Lang: c.Lang, State: c.State, TicketID: c.TicketID,
		Unreachable: c.Unreachable, Uploads: c.Uploads, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
}

func (r *Conversation) Conversation() tickets.Conversation {
	return tickets.Conversation{ID: r.ID, Channel: tickets.Channel(r.Channel), User: tickets.User(r.User), ResumeHash: r.ResumeHash,
		Address: r.Address, Lang: r.Lang, State: r.State, TicketID: r.TicketID,
		Unreachable: r.Unreachable, Uploads: r.Uploads, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

func FromMessage(m *tickets.OutMessage) Message {
	r := Message{Seq: m.Seq, Kind: string(m.Kind), From: string(m.From), Text: m.Text,
		QuickReplies: m.QuickReplies, Agent: m.Agent, Key: m.Key, Parts: m.Parts, CreatedAt: m.CreatedAt}
	if m.Ticket != nil {
		r.Ticket = &Event{TicketID: m.Ticket.TicketID, Status: string(m.Ticket.Status),
			Queue: m.Ticket.Queue, Priority: string(m.Ticket.Priority),
			Team: m.Ticket.Team, SLADue: m.Ticket.SLADue, DueText: m.Ticket.DueText}
	}
	return r
}

func (r *Message) Message(convID string) tickets.OutMessage {
	m := tickets.OutMessage{ID: tickets.MessageID(convID, r.Seq), Seq: r.Seq, ConversationID: convID,
		Kind: tickets.Kind(r.Kind), From: tickets.Author(r.From), Text: r.Text,
		QuickReplies: r.QuickReplies, Agent: r.Agent, Key: r.Key, Parts: r.Parts, CreatedAt: r.CreatedAt}
	if r.Ticket != nil {
		m.Ticket = &tickets.TicketEvent{TicketID: r.Ticket.TicketID, Status: tickets.Status(r.Ticket.Status),
			Queue: r.Ticket.Queue, Priority: tickets.Priority(r.Ticket.Priority),
			Team: r.Ticket.Team, SLADue: r.Ticket.SLADue, DueText: r.Ticket.DueText}
	}
	return m
}

func FromAgent(a *tickets.Agent) Agent {
	return Agent{Name: a.Name, Queues: a.Queues, Admin: a.Admin, TokenHash: a.TokenHash, CreatedAt: a.CreatedAt}
}

func (r *Agent) Agent() tickets.Agent {
	return tickets.Agent{Name: r.Name, Queues: r.Queues, Admin: r.Admin, TokenHash: r.TokenHash, CreatedAt: r.CreatedAt}
}

// TicketIDPrefix starts every ticket id.
const TicketIDPrefix = "T-"

// FormatTicketID turns a sequence number into the public id, T-000042.
func FormatTicketID(seq uint64) string { return fmt.Sprintf("%s%06d", TicketIDPrefix, seq) }

// ParseTicketID is the inverse of FormatTicketID. Only the canonical form is
// accepted, so "T-42" and "T-000042" cannot name the same ticket; numbers
// stop at 2^63-1, what PostgreSQL's bigint holds.
func ParseTicketID(id string) (uint64, bool) {
	digits, ok := strings.CutPrefix(id, TicketIDPrefix)
	if !ok || digits == "" {
		return 0, false
	}
	seq, err := strconv.ParseUint(digits, 10, 63)
	if err != nil || seq == 0 || FormatTicketID(seq) != id {
		return 0, false
	}
	return seq, true
}

// Notice is a stored notice to agents; its rank and number are its key.
type Notice struct {
	Kind      string    `json:"kind"`
	TicketID  string    `json:"ticket_id"`
	Was       string    `json:"was,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

func FromNotice(n *tickets.Notice) Notice {
	return Notice{Kind: string(n.Kind), TicketID: n.TicketID, Was: string(n.Was), CreatedAt: n.CreatedAt}
}

// Notice is the notice stored under rank and seq (its Ticket left empty).
func (r Notice) Notice(rank int, seq uint64) tickets.Notice {
	return tickets.Notice{ID: NoticeID(rank, seq), Kind: tickets.NoticeKind(r.Kind), TicketID: r.TicketID,
		Rank: rank, Was: tickets.Priority(r.Was), CreatedAt: r.CreatedAt}
}

// NoticeID is the public form of a notice's key: "rank.seq".
func NoticeID(rank int, seq uint64) string {
	return strconv.Itoa(rank) + "." + strconv.FormatUint(seq, 10)
}

// ParseNoticeID is the inverse of NoticeID.
func ParseNoticeID(id string) (rank int, seq uint64, ok bool) {
	a, b, ok := strings.Cut(id, ".")
	r, err1 := strconv.ParseUint(a, 10, 8)
	n, err2 := strconv.ParseUint(b, 10, 64)
	if !ok || err1 != nil || err2 != nil {
		return 0, 0, false
	}
	return int(r), n, true
}

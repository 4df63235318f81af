package bot

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/triagebot/triagebot/escalation"
	"github.com/triagebot/triagebot/intents"
	"github.com/triagebot/triagebot/internal/logs"
	"github.com/triagebot/triagebot/language"
	"github.com/triagebot/triagebot/tickets"
)

// lockStripes is the number of mutexes conversations are spread over: a
// turn holds its conversation's stripe, so turns of one conversation run one
// at a time, while 1,000 conversations rarely share a stripe.
const lockStripes = 1024

// Config wires an Engine. Store, Classifier and Router are required (New
// fails without them); every other field is optional.
type Config struct {
	// Store keeps conversations, tickets and outboxes. Required.
	Store tickets.Store
	// Classifier understands each user message. Required.
	Classifier intents.Classifier
	// Router gives an escalated ticket its priority, queue and SLA. Required.
	Router *escalation.Router
	// Now is the clock (tests inject one); nil means time.Now.
	Now func() time.Time
	// Location resolves relative times ("yesterday 3pm"); nil means UTC.
	Location *time.Location
	// Logger gets one line per failed turn; nil means slog.Default() (logs.Or).
	Logger *slog.Logger
	// Summarizer, when set, writes each new ticket's summary for agents:
	// one that says it is local (a template, no model) in the turn that
	// creates the ticket; any other (a model) in the engine's worker (Run),
	// never on the user's path. nil keeps the engine's own one-line summary.
	Summarizer Summarizer
	// Quota bounds the files a user may store; zero fields take the defaults.
	Quota Quota
	// Notices makes every new ticket leave a notice for the agents
	// (tickets.Notice) in its own transaction; set it when a channel sends
	// them (Telegram's agent chat), which deletes each once sent.
	Notices bool
	// Registerer gets the engine's metrics (turns by channel, turn time);
	// nil registers nothing.
	Registerer prometheus.Registerer
}

// Summarizer writes a short summary of a new ticket for agents. It may be
// slow (a model), so the engine calls it in its own worker, outside any
// transaction or lock, unless it is local (localSummarizer).
type Summarizer interface {
	Summarize(ctx context.Context, in intents.SummaryInput) string
}

// localSummarizer is a Summarizer that computes in place (no model, no
// network): the turn that creates a ticket calls it, which spares each new
// ticket a second transaction to store its summary.
type localSummarizer interface{ Local() bool }

// summaryQueue bounds the tickets waiting for their summary. Past it a
// ticket keeps the engine's one-line summary: agents must see it now, not
// after a backlog of model calls.
const summaryQueue = 256

// Engine is the conversation engine. It is safe for concurrent use.
type Engine struct {
	store  tickets.Store
	cls    intents.Classifier
	router *escalation.Router
	sum    Summarizer
	// notices: see Config.Notices.
	notices bool
	now     func() time.Time
	loc     *time.Location
	log     *slog.Logger
	quota   Quota
	metrics *metrics

	locks [lockStripes]sync.Mutex

	// summaries carries new tickets to the summary worker (Run); nil
	// without a Summarizer or with a local one (sumInTurn).
	summaries chan tickets.Ticket
	sumInTurn bool

	subMu sync.RWMutex
	subs  map[tickets.Channel][]func(conversationID string)
	// storeWakes: the store calls wake after every commit that enqueued
	// (tickets.OutboxWatcher), so announce need not.
	storeWakes bool
	onTicket   []func(tickets.Ticket)
	onBreach   []func(Breach)
}

// New checks cfg and returns an Engine.
func New(cfg Config) (*Engine, error) {
	switch {
	case cfg.Store == nil:
		return nil, errors.New("bot: Config.Store is required")
	case cfg.Classifier == nil:
		return nil, errors.New("bot: Config.Classifier is required")
	case cfg.Router == nil:
		return nil, errors.New("bot: Config.Router is required")
	}
	e := &Engine{
		store: cfg.Store, cls: cfg.Classifier, router: cfg.Router, sum: cfg.Summarizer,
		notices: cfg.Notices, now: cfg.Now, loc: cfg.Location, log: logs.Or(cfg.Logger), quota: cfg.Quota.withDefaults(),
		metrics: newMetrics(cfg.Registerer, logs.Or(cfg.Logger)),
		subs:    map[tickets.Channel][]func(string){},
	}
	if e.now == nil {
		e.now = time.Now
	}
	if e.loc == nil {
		e.loc = time.UTC
	}
	if l, ok := e.sum.(localSummarizer); ok && l.Local() {
		e.sumInTurn = true
	} else if e.sum != nil {
		e.summaries = make(chan tickets.Ticket, summaryQueue)
	}
	if w, ok := cfg.Store.(tickets.OutboxWatcher); ok {
		// A store shared by replicas tells of replies committed anywhere:
		// the replica holding the user's connection must wake it, and the
		// Telegram leader must send what another replica queued. It tells
		// of this process's commits too, so announce leaves them to it (a
		// second wake-up would cost the channel an outbox read).
		w.WatchOutbox(e.wake)
		e.storeWakes = true
	}
	return e, nil
}

// Run is the engine's worker: it writes the summaries of new tickets from a
// model, then hands each ticket to the OnTicket hooks. It returns when ctx
// ends; tickets still queued are handed on with the engine's own summary.
// Without a Summarizer, or with a local one (written in the turn), it only
// waits for ctx.
func (e *Engine) Run(ctx context.Context) error {
	if e.summaries == nil {
		<-ctx.Done()
		return ctx.Err()
	}
	for {
		select {
		case t := <-e.summaries:
			e.tell(e.summarize(ctx, t))
		case <-ctx.Done():
			for {
				select {
				case t := <-e.summaries:
					e.tell(t)
				default:
					return ctx.Err()
				}
			}
		}
	}
}

func (e *Engine) lock(conversationID string) func() {
	h := fnv.New32a()
	h.Write([]byte(conversationID))
	m := &e.locks[h.Sum32()%lockStripes]
	m.Lock()
	return m.Unlock
}

// clock is the current time in the engine's zone.
func (e *Engine) clock() time.Time { return e.now().In(e.loc) }

// Subscribe registers notify for conversations of channel ch. It is called
// after each commit that adds outbox messages to such a conversation; it
// must not block.
func (e *Engine) Subscribe(ch tickets.Channel, notify func(conversationID string)) {
	e.subMu.Lock()
	defer e.subMu.Unlock()
	e.subs[ch] = append(e.subs[ch], notify)
}

// wake calls the subscribers of ch for conversation id. It never blocks
// (subscribers must not), so a store's listener may call it.
func (e *Engine) wake(ch tickets.Channel, id string) {
	e.subMu.RLock()
	defer e.subMu.RUnlock()
	for _, fn := range e.subs[ch] {
		fn(id)
	}
}

// OnTicket registers fn, called after commit for each new ticket.
func (e *Engine) OnTicket(fn func(tickets.Ticket)) {
	e.subMu.Lock()
	defer e.subMu.Unlock()
	e.onTicket = append(e.onTicket, fn)
}

// effects are what a committed transaction must announce. A transaction fn
// may run twice, so it fills a fresh effects value on every run and only the
// committed run's value is acted upon.
type effects struct {
	notify     map[string]tickets.Channel // conversation id → channel
	newTickets []tickets.Ticket
}

func (fx *effects) touch(conv tickets.Conversation) {
	if conv.Unreachable {
		return // nobody can deliver; the outbox is kept for the record
	}
	if fx.notify == nil {
		fx.notify = map[string]tickets.Channel{}
	}
	fx.notify[conv.ID] = conv.Channel
}

// announce tells the channels, then queues new tickets for their summary
// (or hands them to the OnTicket hooks at once without a Summarizer). It
// runs after commit with no conversation lock held, and never waits for a
// model: the summary worker (Run) does.
func (e *Engine) announce(ctx context.Context, fx *effects) {
	if !e.storeWakes {
		for id, ch := range fx.notify {
			e.wake(ch, id)
		}
	}
	for _, t := range fx.newTickets {
		if e.summaries == nil {
			e.tell(t)
			continue
		}
		select {
		case e.summaries <- t:
		default:
			e.log.Warn("summary queue full; the ticket keeps its one-line summary", "ticket", t.ID)
			e.tell(t)
		}
	}
}

// tell hands a new ticket to the OnTicket hooks.
func (e *Engine) tell(t tickets.Ticket) {
	e.subMu.RLock()
	defer e.subMu.RUnlock()
	for _, fn := range e.onTicket {
		fn(t)
	}
}

// summaryInput is what the summariser is told of a new ticket: no names,
// no ids, only the problem, the details and the masked lines.
func summaryInput(t tickets.Ticket) intents.SummaryInput {
	in := intents.SummaryInput{
		Intent: intents.Intent(t.Intent), Time: t.Details.Time, TimeGrain: t.Details.TimeGrain,
		Amount: t.Details.Amount, Currency: t.Details.Currency,
		TransactionID: t.Details.TransactionID, ErrorMessage: t.Details.ErrorMessage,
		Attachments: len(t.Attachments),
	}
	for _, e := range t.Transcript {
		in.Lines = append(in.Lines, intents.SummaryLine{From: string(e.From), Text: e.Text})
	}
	return in
}

// localSummary is the summary of a ticket about to be created, when the
// Summarizer is local; "" otherwise.
func (e *Engine) localSummary(t *tickets.Ticket) string {
	if !e.sumInTurn {
		return ""
	}
	return intents.Mask(e.sum.Summarize(context.Background(), summaryInput(*t)))
}

// summarize replaces a new ticket's summary with the Summarizer's, in a
// short transaction of its own. A failure keeps the engine's summary.
func (e *Engine) summarize(ctx context.Context, t tickets.Ticket) tickets.Ticket {
	if e.sum == nil {
		return t
	}
	s := intents.Mask(e.sum.Summarize(ctx, summaryInput(t)))
	if s == "" || s == t.Summary {
		return t
	}
	var updated tickets.Ticket
	err := e.store.Update(ctx, func(tx tickets.Tx) error {
		tk, err := tx.Ticket(t.ID)
		if err != nil {
			return err
		}
		tk.Summary = s
		updated = tk
		return tx.PutTicket(&tk)
	})
	if err != nil {
		e.log.Warn("ticket summary not saved", "ticket", t.ID, "err", err)
		return t
	}
	return updated
}

// Open finds the conversation req.ID or creates it (with a new id when
// req.ID is empty), greeting a new one when req.Greet is set.
func (e *Engine) Open(ctx context.Context, req OpenRequest) (tickets.Conversation, bool, error) {
	if req.Channel == "" {
		return tickets.Conversation{}, false, tickets.Refuse(tickets.ErrInvalid, "The conversation names no channel.")
	}
	id := req.ID
	if id == "" {
		id = tickets.NewConversationID()
	}
	now := e.clock()
	var (
		conv    tickets.Conversation
		created bool
		fx      effects
	)
	unlock := e.lock(id)
	err := e.store.Update(ctx, func(tx tickets.Tx) error {
		fx, created = effects{}, false
		c, err := tx.Conversation(id)
		if err == nil {
			conv = c
			return nil
		}
		if !errors.Is(err, tickets.ErrNotFound) {
			return err
		}
		created = true
		conv = tickets.Conversation{
			ID: id, Channel: req.Channel, User: req.User, Address: req.Address, ResumeHash: req.ResumeHash,
			Lang: string(language.FromHint(req.LangHint)), CreatedAt: now, UpdatedAt: now,
		}
		st := newState()
		var out outbox
		if req.Greet {
			out.say(tickets.FromBot, welcome(language.Lang(conv.Lang)), nil)
			st.record(tickets.Entry{From: tickets.FromBot, Text: out.msgs[0].Text, At: now})
		}
		if conv.State, err = st.encode(); err != nil {
			return err
		}
		if err := tx.PutConversation(&conv); err != nil {
			return err
		}
		if err := out.flush(tx, conv.ID, now); err != nil {
			return err
		}
		if len(out.msgs) > 0 {
			fx.touch(conv)
		}
		return nil
	})
	unlock()
	if err != nil {
		return tickets.Conversation{}, false, fmt.Errorf("bot: open %s: %w", id, err)
	}
	e.announce(ctx, &fx)
	return conv, created, nil
}

// Conversation returns one conversation, or an error wrapping tickets.ErrNotFound.
func (e *Engine) Conversation(ctx context.Context, id string) (tickets.Conversation, error) {
	var conv tickets.Conversation
	err := e.store.View(ctx, func(tx tickets.Tx) error {
		var err error
		conv, err = tx.Conversation(id)
		return err
	})
	if err != nil {
		return tickets.Conversation{}, fmt.Errorf("bot: %w", err) // the store names the conversation
	}
	return conv, nil
}

// ConversationByResume returns the conversation whose resume key hashes to
// hash, or an error wrapping tickets.ErrNotFound.
func (e *Engine) ConversationByResume(ctx context.Context, hash []byte) (tickets.Conversation, error) {
	var conv tickets.Conversation
	err := e.store.View(ctx, func(tx tickets.Tx) error {
		var err error
		conv, err = tx.ConversationByResumeHash(hash)
		return err
	})
	if err != nil {
		return tickets.Conversation{}, fmt.Errorf("bot: %w", err)
	}
	return conv, nil
}

// Outbox lists the conversation's unacknowledged messages, oldest first.
func (e *Engine) Outbox(ctx context.Context, conversationID string) ([]tickets.OutMessage, error) {
	var msgs []tickets.OutMessage
	var err error
	if d, ok := e.store.(tickets.OutboxDirect); ok {
		msgs, err = d.ReadOutbox(ctx, conversationID)
	} else {
		err = e.store.View(ctx, func(tx tickets.Tx) error {
			var err error
			msgs, err = tx.Outbox(conversationID)
			return err
		})
	}
	if err != nil {
		return nil, fmt.Errorf("bot: %w", err) // the store names the conversation
	}
	return msgs, nil
}

// OutboxAfter is what a channel that has sent the conversation's messages
// up to Seq after needs next: the outbox, or only the messages after
// after when the store knows them without a read (tickets.OutboxTail).
// The caller skips what it has sent either way.
func (e *Engine) OutboxAfter(ctx context.Context, conversationID string, after uint64) ([]tickets.OutMessage, error) {
	if t, ok := e.store.(tickets.OutboxTail); ok {
		if msgs, ok := t.OutboxAfter(conversationID, after); ok {
			return msgs, nil
		}
	}
	return e.Outbox(ctx, conversationID)
}

// Ack drops messageID and every earlier message from the outbox.
func (e *Engine) Ack(ctx context.Context, conversationID, messageID string) error {
	var err error
	if d, ok := e.store.(tickets.OutboxDirect); ok {
		err = d.AckOutbox(ctx, conversationID, messageID)
	} else {
		err = e.store.Update(ctx, func(tx tickets.Tx) error { return tx.Ack(conversationID, messageID) })
	}
	if err != nil {
		return fmt.Errorf("bot: ack in %s: %w", conversationID, err)
	}
	return nil
}

// Progress records that the first parts parts of a message the channel
// had to split were delivered, so a restart sends only the rest.
func (e *Engine) Progress(ctx context.Context, conversationID, messageID string, parts int) error {
	err := e.store.Update(ctx, func(tx tickets.Tx) error { return tx.SetProgress(conversationID, messageID, parts) })
	if err != nil {
		return fmt.Errorf("bot: %w", err) // the store names the message and conversation
	}
	return nil
}

// Pending lists the conversations of ch with messages waiting in their
// outbox (what a channel delivers after a restart).
func (e *Engine) Pending(ctx context.Context, ch tickets.Channel) ([]string, error) {
	var ids []string
	err := e.store.View(ctx, func(tx tickets.Tx) error {
		var err error
		ids, err = tx.PendingConversations(ch)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("bot: pending conversations of %s: %w", ch, err)
	}
	return ids, nil
}

// MarkUnreachable records that the channel can no longer deliver to the
// conversation (a Telegram user blocked the bot).
func (e *Engine) MarkUnreachable(ctx context.Context, conversationID string) error {
	defer e.lock(conversationID)()
	err := e.store.Update(ctx, func(tx tickets.Tx) error {
		c, err := tx.Conversation(conversationID)
		if err != nil {
			return err
		}
		if c.Unreachable {
			return nil
		}
		c.Unreachable, c.UpdatedAt = true, e.clock()
		return tx.PutConversation(&c)
	})
	if err != nil {
		return fmt.Errorf("bot: mark %s unreachable: %w", conversationID, err)
	}
	return nil
}

// checkInbound refuses events the engine cannot take, before any work.
func checkInbound(in Inbound) error {
	switch {
	case in.ConversationID == "":
		return tickets.Refuse(tickets.ErrInvalid, "The message names no conversation.")
	case in.Command != "" && !in.Command.valid():
		return tickets.Refuse(tickets.ErrInvalid, "There is no command %.40q.", in.Command)
	case in.Command != "" || in.Refused != nil:
		return nil
	case in.Upload == nil && in.Text == "":
		return tickets.Refuse(tickets.ErrInvalid, "The message has neither text nor an attachment.")
	case !utf8.ValidString(in.Text):
		return tickets.Refuse(tickets.ErrInvalid, "The text is not valid UTF-8.")
	case utf8.RuneCountInString(in.Text) > tickets.MaxTextRunes:
		return tickets.Refuse(tickets.ErrInvalid, "The text has more than %d characters.", tickets.MaxTextRunes)
	}
	return nil
}

package bot

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/triagebot/triagebot/intents"
	"github.com/triagebot/triagebot/internal/crashpoint"
	"github.com/triagebot/triagebot/tickets"
)

// errNeedClassify aborts a transaction that found it needs the classifier's
// verdict, which was skipped because the conversation looked escalated (its
// ticket was resolved meanwhile). Handle classifies and runs it again.
var errNeedClassify = errors.New("bot: turn needs classification")

// analysis is what is understood of one user message, computed before the
// transaction: classifying may be slow (an LLM) and must never run inside it.
type analysis struct {
	text     string // as typed; never stored
	masked   string // what is stored, logged and forwarded
	dontKnow bool
	ents     intents.Entities
	res      *intents.Result // nil when classification was not needed
	// ready is a local classifier's result, computed before the turn and
	// shown as res only once the turn finds it needs one (classified).
	ready *intents.Result
	// risk and person memoize riskOf and asksForPerson: a turn asks each
	// several times, and each is a pass of regular expressions.
	risk   *intents.Intent
	person *bool
}

// riskOf is intents.RiskOf of the text.
func (an *analysis) riskOf() intents.Intent {
	if an.risk == nil {
		r := intents.RiskOf(an.text)
		an.risk = &r
	}
	return *an.risk
}

// asksForPerson is intents.AsksForPerson of the text.
func (an *analysis) asksForPerson() bool {
	if an.person == nil {
		p := intents.AsksForPerson(an.text)
		an.person = &p
	}
	return *an.person
}

// classified reports whether the turn has a classification, taking the one
// computed up front if there is one; false makes the turn ask for it
// (errNeedClassify).
func (an *analysis) classified() bool {
	if an.res == nil && an.ready != nil {
		an.res = an.ready
	}
	return an.res != nil
}

// localClassifier is a classifier that answers in microseconds without
// leaving the process (intents.Offline).
type localClassifier interface{ Local() bool }

// upload is a checked attachment with its id chosen up front, so that a
// transaction run twice stores it under the same id.
type upload struct {
	att  tickets.Attachment
	data []byte
}

// Handle runs one user event through the dialogue: a message or an
// attachment becomes dialogue state, maybe a ticket, and outbound messages,
// all in one transaction. A refused attachment is an error wrapping
// ErrBadUpload and changes nothing; an unknown conversation is
// tickets.ErrNotFound. A command or a refusal (Inbound.Command,
// Inbound.Refused) is answered through the outbox, once per DedupKey.
func (e *Engine) Handle(ctx context.Context, in Inbound) error {
	if err := checkInbound(in); err != nil {
		return fmt.Errorf("bot: %w", err)
	}
	switch {
	case in.Command == CommandAgent:
		var err error
		if in, err = e.agentRequest(ctx, in); err != nil {
			return err
		}
	case in.Command != "" || in.Refused != nil:
		return e.answer(ctx, in)
	}
	if in.Upload != nil && in.Text != "" {
		// A file with a caption is two turns, the file first (as the user
		// sent it); the caption must not be lost to the attachment's turn.
		if _, err := CheckUpload(*in.Upload); err != nil {
			return fmt.Errorf("bot: %w", err)
		}
		file, caption := in, in
		file.Text, caption.Upload = "", nil
		if caption.DedupKey != "" {
			caption.DedupKey += ":caption"
		}
		if err := e.Handle(ctx, file); err != nil {
			return err
		}
		return e.Handle(ctx, caption)
	}
	start := time.Now()
	ch := string(in.Channel)
	if err := e.handleTurn(ctx, in); err != nil {
		e.metrics.failed.WithLabelValues(ch).Inc()
		return err
	}
	e.metrics.turns.WithLabelValues(ch).Inc()
	e.metrics.turnTime.WithLabelValues(ch).Observe(time.Since(start).Seconds())
	return nil
}

// handleTurn is Handle for one user turn: a message or a file.
func (e *Engine) handleTurn(ctx context.Context, in Inbound) error {
	now := e.clock()
	if !in.At.IsZero() {
		now = in.At.In(e.loc)
	}
	var up *upload
	if in.Upload != nil {
		ct, err := CheckUpload(*in.Upload)
		if err != nil {
			return fmt.Errorf("bot: %w", err)
		}
		up = &upload{
			att: tickets.Attachment{
				ID: tickets.NewAttachmentID(), Filename: cleanFilename(in.Upload.Filename, ct),
				ContentType: ct, Size: int64(len(in.Upload.Data)), CreatedAt: now,
			},
			data: in.Upload.Data,
		}
	}

	// Understanding the message may take an LLM's deadline, so it runs
	// before the conversation's lock is taken: only the transaction holds it
	// (a stripe is shared by other conversations, which must not wait on a
	// model). A model is asked only when a read finds the conversation in a
	// dialogue; a local classifier costs less than that read, so it always
	// runs, and the turn takes its answer only where a model would have been
	// asked (analysis.classified). A turn whose classification turns out to
	// be needed after all is caught by errNeedClassify below.
	an := &analysis{}
	if in.Text != "" {
		an.text = in.Text
		an.masked = intents.Mask(in.Text)
		an.dontKnow = intents.DontKnow(in.Text)
		an.ents = intents.Extract(in.Text, now)
		if l, ok := e.cls.(localClassifier); ok && l.Local() {
			e.classify(ctx, an, now)
			an.ready, an.res = an.res, nil
		} else {
			need, err := e.needsClassifier(ctx, in.ConversationID)
			if err != nil {
				return err
			}
			if need {
				e.classify(ctx, an, now)
			}
		}
	}

	var fx effects
	for attempt := 0; ; attempt++ {
		unlock := e.lock(in.ConversationID)
		err := e.update(ctx, func(tx tickets.Tx) error {
			fx = effects{}
			if in.DedupKey != "" {
				seen, err := tx.Seen(in.DedupKey)
				if err != nil {
					return err
				}
				if seen {
					return ackIn(tx, in)
				}
			}
			if err := e.turn(tx, in, an, up, now, &fx); err != nil {
				return err
			}
			return ackIn(tx, in)
		})
		unlock()
		if errors.Is(err, errNeedClassify) && !an.classified() && attempt == 0 {
			e.classify(ctx, an, now)
			continue
		}
		if err != nil {
			return fmt.Errorf("bot: handle %s: %w", in.ConversationID, err)
		}
		break
	}
	crashpoint.At("bot.turn-committed")
	e.announce(ctx, &fx)
	return nil
}

// ackIn applies the acknowledgement a turn carries (Inbound.Ack). It
// comes after the turn, whose read has locked the conversation already.
// One the conversation never issued is dropped: the user's message must
// not fail for it.
func ackIn(tx tickets.Tx, in Inbound) error {
	if in.Ack == "" {
		return nil
	}
	if err := tx.Ack(in.ConversationID, in.Ack); err != nil && !errors.Is(err, tickets.ErrInvalid) {
		return err
	}
	return nil
}

// update runs a turn's transaction, shared with other turns' when the
// store can (tickets.GroupUpdater).
func (e *Engine) update(ctx context.Context, fn func(tickets.Tx) error) error {
	if g, ok := e.store.(tickets.GroupUpdater); ok {
		return g.UpdateGroup(ctx, fn)
	}
	return e.store.Update(ctx, fn)
}

// needsClassifier reports whether the conversation is in a dialogue (rather
// than handed to a person, where the user's words only go to the ticket).
// It also turns an unknown conversation into ErrNotFound before any work.
func (e *Engine) needsClassifier(ctx context.Context, id string) (bool, error) {
	need := true
	err := e.store.View(ctx, func(tx tickets.Tx) error {
		conv, err := tx.Conversation(id)
		if err != nil {
			return err
		}
		if conv.TicketID == "" {
			return nil
		}
		t, err := tx.Ticket(conv.TicketID)
		if errors.Is(err, tickets.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		need = t.Status == tickets.Resolved
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("bot: handle %s: %w", id, err)
	}
	return need, nil
}

// classify fills an.res. A failing classifier (an LLM outage) must not stop
// the dialogue: the turn goes on as if nothing was understood, which makes
// the bot ask rather than guess.
func (e *Engine) classify(ctx context.Context, an *analysis, now time.Time) {
	res, err := e.cls.Classify(ctx, an.text, now)
	if err != nil {
		e.log.Warn("classify failed; treating the message as not understood", "err", err)
		res = intents.Result{}
	}
	an.res = &res
	// A classifier that extracts (the LLM) may find what the rules missed;
	// the rule-based extraction stays for what it did not report.
	x := res.Entities
	if x.Time != nil {
		an.ents.Time = x.Time
	}
	if x.Amount != nil {
		an.ents.Amount = x.Amount
	}
	if x.TransactionID != nil {
		an.ents.TransactionID = x.TransactionID
	}
}

// cleanFilename keeps only the base name a user gave (never a path) and
// names a nameless file after its type.
func cleanFilename(name, contentType string) string {
	name = stripControls(name)
	name = strings.TrimSpace(filepath.Base(strings.ReplaceAll(name, `\`, "/")))
	if name == "" || name == "." || name == "/" {
		name = "image." + strings.TrimPrefix(contentType, "image/")
	}
	if r := []rune(name); len(r) > 100 {
		name = string(r[:100])
	}
	return intents.Mask(name)
}

// turn is the transaction body of Handle. It must be re-runnable: all its
// inputs were computed before, and it only writes through tx.
func (e *Engine) turn(tx tickets.Tx, in Inbound, an *analysis, up *upload, now time.Time, fx *effects) error {
	conv, err := tx.Conversation(in.ConversationID)
	if err != nil {
		return err
	}
	st, err := decodeState(conv.State)
	if err != nil {
		return err
	}
	if conv.User.ID == "" {
		conv.User = in.User
	}
	t := &turn{e: e, tx: tx, conv: &conv, st: st, an: an, up: up, now: now, phaseBefore: st.Phase}
	if err := t.run(); err != nil {
		return err
	}
	if err := t.countOutcomes(); err != nil {
		return err
	}
	return t.save(fx)
}

// save writes what a turn changed, in its transaction: the dialogue state
// and conversation, the ticket, and the outbox; fx learns what to announce
// after the commit.
func (t *turn) save(fx *effects) error {
	var err error
	if t.conv.State, err = t.st.encode(); err != nil {
		return err
	}
	t.conv.UpdatedAt = t.now
	if err := t.tx.PutConversation(t.conv); err != nil {
		return err
	}
	if t.ticket != nil {
		if err := t.tx.PutTicket(t.ticket); err != nil {
			return err
		}
		if t.created {
			fx.newTickets = append(fx.newTickets, *t.ticket)
		}
	}
	if err := t.out.flush(t.tx, t.conv.ID, t.now); err != nil {
		return err
	}
	if len(t.out.msgs) > 0 {
		fx.touch(*t.conv)
	}
	return nil
}

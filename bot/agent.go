package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/triagebot/triagebot/intents"
	"github.com/triagebot/triagebot/internal/crashpoint"
	"github.com/triagebot/triagebot/language"
	"github.com/triagebot/triagebot/prompts"
	"github.com/triagebot/triagebot/tickets"
)

// Claim gives the ticket to agent and tells the user someone is on it.
// Claiming again as the same agent changes nothing and tells nobody.
func (e *Engine) Claim(ctx context.Context, ticketID, agent string) (tickets.Ticket, error) {
	return e.agentOp(ctx, "claim", ticketID, func(tx tickets.Tx, before tickets.Ticket, say *userNote) (tickets.Ticket, error) {
		t, err := tickets.Claim(tx, ticketID, agent, e.clock())
		if err != nil || before.Status == tickets.Claimed {
			return t, err
		}
		say.event = true
		say.text = prompts.Render(language.Lang(t.Lang), prompts.AgentClaimed, map[string]any{"TicketID": t.ID})
		say.from = tickets.FromBot
		return t, nil
	})
}

// Release hands a ticket the agent holds back to the queue, and tells the
// user it waits for the next free colleague. Releasing an open ticket
// changes nothing and tells nobody.
func (e *Engine) Release(ctx context.Context, ticketID, agent string) (tickets.Ticket, error) {
	return e.agentOp(ctx, "release", ticketID, func(tx tickets.Tx, before tickets.Ticket, say *userNote) (tickets.Ticket, error) {
		t, err := tickets.Release(tx, ticketID, agent, e.clock())
		if err != nil || before.Status == tickets.Open {
			return t, err
		}
		say.event = true
		say.text = prompts.Render(language.Lang(t.Lang), prompts.TicketReleased, map[string]any{"TicketID": t.ID})
		say.from = tickets.FromBot
		return t, nil
	})
}

// Reply sends the agent's text to the user on the ticket's own channel and
// adds it to the transcript, both masked: the outbox is stored too, and an
// agent must not send a card number or code either. A resolved ticket, or
// one another agent holds, is ErrConflict.
func (e *Engine) Reply(ctx context.Context, ticketID, agent, text string) (tickets.Ticket, error) {
	text = strings.TrimSpace(text)
	switch {
	case text == "":
		return tickets.Ticket{}, tickets.Refuse(tickets.ErrInvalid, "The reply is empty.")
	case strings.TrimSpace(agent) == "":
		return tickets.Ticket{}, tickets.Refuse(tickets.ErrInvalid, "The agent's name is empty.")
	}
	return e.agentOp(ctx, "reply", ticketID, func(tx tickets.Tx, before tickets.Ticket, say *userNote) (tickets.Ticket, error) {
		switch {
		case before.Status == tickets.Resolved:
			return before, tickets.Refuse(tickets.ErrConflict, "%s is already resolved.", before.ID)
		case before.Status == tickets.Claimed && before.Assignee != agent:
			return before, tickets.Refuse(tickets.ErrConflict, "%s is held by %s.", before.ID, before.Assignee)
		}
		say.text, say.from, say.agent = intents.Mask(text), tickets.FromAgent, agent
		return before, nil
	})
}

// Resolve closes the ticket and tells the user. The user's next message
// starts a new dialogue.
func (e *Engine) Resolve(ctx context.Context, ticketID, agent, note string) (tickets.Ticket, error) {
	return e.agentOp(ctx, "resolve", ticketID, func(tx tickets.Tx, before tickets.Ticket, say *userNote) (tickets.Ticket, error) {
		t, err := tickets.Resolve(tx, ticketID, agent, intents.Mask(note), e.clock())
		if err != nil {
			return t, err
		}
		say.event, say.rating = true, true
		say.text = prompts.Render(language.Lang(t.Lang), prompts.TicketResolved, map[string]any{"TicketID": t.ID})
		say.from = tickets.FromBot
		return t, nil
	})
}

// userNote is what an agent operation tells the user.
type userNote struct {
	event  bool // send a ticket event with the new status
	text   string
	from   tickets.Author
	agent  string
	rating bool // then ask the user to rate the ticket (csat.go)
}

// agentOp runs one agent operation in a transaction: op changes the ticket;
// its note is added to the transcript and the conversation's outbox.
func (e *Engine) agentOp(ctx context.Context, name, ticketID string,
	op func(tx tickets.Tx, before tickets.Ticket, say *userNote) (tickets.Ticket, error)) (tickets.Ticket, error) {
	var (
		result tickets.Ticket
		fx     effects
	)
	// A user's turn takes its conversation, then its ticket; an agent's
	// operation takes them in the same order (a ticket's conversation never
	// changes, so it is looked up first). The other order deadlocks with a
	// turn on a store that locks rows, as PostgreSQL's does.
	var convID string
	err := e.store.View(ctx, func(tx tickets.Tx) error {
		t, err := tx.Ticket(ticketID)
		convID = t.ConversationID
		return err
	})
	if err != nil {
		return tickets.Ticket{}, fmt.Errorf("bot: %s: %w", name, err)
	}
	unlock := func() {}
	if convID != "" {
		unlock = e.lock(convID)
	}
	err = e.store.Update(ctx, func(tx tickets.Tx) error {
		fx = effects{}
		if convID != "" {
			if _, err := tx.Conversation(convID); err != nil && !errors.Is(err, tickets.ErrNotFound) {
				return err
			}
		}
		before, err := tx.Ticket(ticketID)
		if err != nil {
			return err
		}
		var note userNote
		t, err := op(tx, before, &note)
		if err != nil {
			return err
		}
		result = t
		if note.text == "" {
			return nil
		}
		now := e.clock()
		if t, err = tickets.AppendEntry(tx, ticketID, tickets.Entry{From: note.from, Text: note.text, At: now, Agent: note.agent}); err != nil {
			return err
		}
		result = t
		conv, err := tx.Conversation(t.ConversationID)
		if errors.Is(err, tickets.ErrNotFound) {
			return nil // a ticket without its conversation: nobody to tell
		}
		if err != nil {
			return err
		}
		var out outbox
		if note.event {
			out.event(&t, e.router.Location())
		}
		if note.from == tickets.FromAgent {
			out.sayAs(note.agent, note.text)
		} else {
			out.say(note.from, note.text, nil)
		}
		if note.rating {
			asked, err := e.askRating(&conv, &t, &out, now)
			if err != nil {
				return err
			}
			if asked {
				if err := tx.PutConversation(&conv); err != nil {
					return err
				}
			}
		}
		if err := out.flush(tx, conv.ID, now); err != nil {
			return err
		}
		fx.touch(conv)
		return nil
	})
	unlock()
	if err != nil {
		// The store and the domain name the ticket already.
		return tickets.Ticket{}, fmt.Errorf("bot: %s: %w", name, err)
	}
	crashpoint.At("bot.reply-committed")
	e.announce(ctx, &fx)
	return result, nil
}

// Note adds an agent's internal note (masked) to the ticket. The user is
// not told: notes are for colleagues.
func (e *Engine) Note(ctx context.Context, ticketID, agent, text string) (tickets.Ticket, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return tickets.Ticket{}, tickets.Refuse(tickets.ErrInvalid, "The note is empty.")
	}
	return e.agentOp(ctx, "note", ticketID, func(tx tickets.Tx, _ tickets.Ticket, _ *userNote) (tickets.Ticket, error) {
		return tickets.AddNote(tx, ticketID, agent, intents.Mask(text), e.clock())
	})
}

// Transfer moves the ticket to another queue (open there) or to another
// agent (who then holds it), and tells the user only that a colleague will
// continue. The queue must be one of the routing rules'; the agent must
// exist and work the ticket's queue. Moving a ticket where it already is
// changes nothing and tells nobody.
func (e *Engine) Transfer(ctx context.Context, ticketID, agent string, to tickets.Target) (tickets.Ticket, error) {
	if to.Queue != "" && !slices.Contains(e.router.Queues(), to.Queue) {
		return tickets.Ticket{}, tickets.Refuse(tickets.ErrInvalid, "There is no queue %q; the queues are %s.", to.Queue, strings.Join(e.router.Queues(), ", "))
	}
	return e.agentOp(ctx, "transfer", ticketID, func(tx tickets.Tx, before tickets.Ticket, say *userNote) (tickets.Ticket, error) {
		if to.Assignee != "" {
			a, err := tx.Agent(to.Assignee)
			switch {
			case errors.Is(err, tickets.ErrNotFound):
				return before, tickets.NoAgent(to.Assignee)
			case err != nil:
				return before, err
			case !a.Works(before.Queue):
				return before, tickets.Refuse(tickets.ErrInvalid, "%s does not work the queue %q of %s.", a.Name, before.Queue, before.ID)
			}
		}
		t, err := tickets.Transfer(tx, ticketID, agent, to, e.clock())
		if err != nil || (t.Status == before.Status && t.Queue == before.Queue && t.Assignee == before.Assignee) {
			return t, err
		}
		say.event = true
		say.text = prompts.Render(language.Lang(t.Lang), prompts.TicketTransferred, map[string]any{"TicketID": t.ID})
		say.from = tickets.FromBot
		return t, nil
	})
}

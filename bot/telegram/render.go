package telegram

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/triagebot/triagebot/prompts"
	"github.com/triagebot/triagebot/tickets"
)

const (
	// maxTextRunes keeps a part under Telegram's 4096-character limit, which
	// counts UTF-16 units: 2000 runes is safe even for characters outside the BMP.
	maxTextRunes = 2000
	// keptChoiceSets is how many recent keyboards per chat stay answerable.
	keptChoiceSets = 8
	choicePrefix   = "qr:"
)

// renderOut turns an outbox message into the text the user reads.
func renderOut(lang string, m tickets.OutMessage) string {
	if m.Kind != tickets.KindTicket {
		return m.Text
	}
	if m.Ticket == nil {
		return ""
	}
	key := prompts.TelegramTicketOpen
	switch m.Ticket.Status {
	case tickets.Claimed:
		key = prompts.TelegramTicketClaim
	case tickets.Resolved:
		key = prompts.TelegramTicketDone
	}
	return prompts.Render(lang, key, prompts.TelegramTicketData{TicketID: m.Ticket.TicketID,
		Status: string(m.Ticket.Status), Queue: m.Ticket.Queue, Priority: string(m.Ticket.Priority)})
}

// keyboard is the inline keyboard of quick replies, one per row (labels are
// sentences). Callback data must fit 64 bytes, so it names the message's
// sequence number and the label's index; saveChoices keeps the labels.
func keyboard(seq uint64, labels []string) tgbotapi.InlineKeyboardMarkup {
	rows := make([][]tgbotapi.InlineKeyboardButton, 0, len(labels))
	for i, l := range labels {
		rows = append(rows, tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData(l, choiceData(seq, i))))
	}
	return tgbotapi.NewInlineKeyboardMarkup(rows...)
}

func choiceData(seq uint64, i int) string { return fmt.Sprintf("%s%d:%d", choicePrefix, seq, i) }

// parseChoice reads callback data made by choiceData.
func parseChoice(data string) (seq uint64, i int, ok bool) {
	rest, found := strings.CutPrefix(data, choicePrefix)
	if !found {
		return 0, 0, false
	}
	a, b, found := strings.Cut(rest, ":")
	if !found {
		return 0, 0, false
	}
	seq, err1 := strconv.ParseUint(a, 10, 64)
	i, err2 := strconv.Atoi(b)
	if err1 != nil || err2 != nil || i < 0 {
		return 0, 0, false
	}
	return seq, i, true
}

func choicesKey(chat int64) string { return fmt.Sprintf("telegram.choices.%d", chat) }

// choiceSets maps a message's sequence number to its quick-reply labels.
type choiceSets map[string][]string

// saveChoices stores the labels of a keyboard before it is sent, so the
// button press can be turned back into the label's text, even after a restart.
func (c *Channel) saveChoices(ctx context.Context, chat int64, seq uint64, labels []string) error {
	key := choicesKey(chat)
	err := c.cfg.Store.Update(ctx, func(tx tickets.Tx) error {
		sets, err := loadChoices(tx, key)
		if err != nil {
			return err
		}
		sets[strconv.FormatUint(seq, 10)] = labels
		// Keep only the newest sets: older keyboards have been answered.
		if len(sets) > keptChoiceSets {
			seqs := make([]uint64, 0, len(sets))
			for k := range sets {
				n, _ := strconv.ParseUint(k, 10, 64)
				seqs = append(seqs, n)
			}
			sort.Slice(seqs, func(i, j int) bool { return seqs[i] < seqs[j] })
			for _, n := range seqs[:len(seqs)-keptChoiceSets] {
				delete(sets, strconv.FormatUint(n, 10))
			}
		}
		b, err := json.Marshal(sets)
		if err != nil {
			return err
		}
		return tx.SetMeta(key, b)
	})
	if err != nil {
		return fmt.Errorf("saving quick replies: %w", err)
	}
	return nil
}

// choiceLabel resolves a button press; ok is false for an unknown or
// expired keyboard.
func (c *Channel) choiceLabel(ctx context.Context, chat int64, data string) (string, bool, error) {
	seq, i, ok := parseChoice(data)
	if !ok {
		return "", false, nil
	}
	var label string
	err := c.cfg.Store.View(ctx, func(tx tickets.Tx) error {
		sets, err := loadChoices(tx, choicesKey(chat))
		if err != nil {
			return err
		}
		if ls := sets[strconv.FormatUint(seq, 10)]; i < len(ls) {
			label = ls[i]
		}
		return nil
	})
	if err != nil {
		return "", false, fmt.Errorf("reading quick replies: %w", err)
	}
	return label, label != "", nil
}

func loadChoices(tx tickets.Tx, key string) (choiceSets, error) {
	sets := choiceSets{}
	b, err := tx.Meta(key)
	if errors.Is(err, tickets.ErrNotFound) || (err == nil && len(b) == 0) {
		return sets, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, &sets); err != nil {
		// A damaged record must not block the chat: start over.
		return choiceSets{}, nil
	}
	return sets, nil
}

// splitText cuts text into parts of at most n runes, at a line break or a
// space where there is one in the second half of the part.
func splitText(text string, n int) []string {
	var parts []string
	r := []rune(text)
	for len(r) > n {
		cut := n
		for i := n; i > n/2; i-- {
			if r[i] == '\n' || r[i] == ' ' {
				cut = i
				break
			}
		}
		parts = append(parts, string(r[:cut]))
		r = r[cut:]
		for len(r) > 0 && (r[0] == '\n' || r[0] == ' ') {
			r = r[1:]
		}
	}
	if len(r) > 0 || len(parts) == 0 {
		parts = append(parts, string(r))
	}
	return parts
}

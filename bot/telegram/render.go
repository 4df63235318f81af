package telegram

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/triagebot/triagebot/bot"
	"github.com/triagebot/triagebot/language"
	"github.com/triagebot/triagebot/prompts"
	"github.com/triagebot/triagebot/tickets"
)

const (
	// maxPartRunes keeps a part under Telegram's 4096-character limit, which
	// counts UTF-16 units: 2000 runes is safe even for characters outside the BMP.
	maxPartRunes = 2000
	choicePrefix = "qr:"
)

// renderOut turns an outbox message into the text the user reads.
func (c *Channel) renderOut(lang language.Lang, m tickets.OutMessage) string {
	if lang == "" {
		lang = language.English
	}
	switch m.Kind {
	case tickets.KindChannel:
		return c.channelText(lang, m.Key)
	case tickets.KindTicket:
	default:
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

// channelText words a sentence the engine left to the channel (see
// bot.SayHelp); an unknown one is logged and skipped.
func (c *Channel) channelText(lang language.Lang, key string) string {
	switch key {
	case bot.SayHelp:
		return prompts.Render(lang, prompts.TelegramHelp, nil)
	case bot.SayUnreadable:
		return prompts.Render(lang, prompts.TelegramUnsupported, nil)
	case bot.SayTooLarge:
		return prompts.Render(lang, prompts.TelegramFileTooLarge, map[string]int{"MaxMB": tickets.MaxAttachmentSize >> 20})
	case bot.SayNotImage:
		return prompts.Render(lang, prompts.TelegramFileNotImage, nil)
	case bot.SayFileFailed:
		return prompts.Render(lang, prompts.TelegramFileFailed, nil)
	case bot.SayGroup:
		return prompts.Render(lang, prompts.TelegramGroupRefusal, map[string]string{"Bot": c.api.Self.UserName})
	}
	c.log.Error("no Telegram wording for the engine's sentence; skipped", "key", key)
	return ""
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

// choiceLabel resolves a button press; ok is false for an unknown or
// expired keyboard.
func (c *Channel) choiceLabel(ctx context.Context, convID, data string) (string, bool, error) {
	seq, i, ok := parseChoice(data)
	if !ok {
		return "", false, nil
	}
	labels, err := c.cfg.Store.Choices(ctx, convID, seq)
	if err != nil {
		return "", false, fmt.Errorf("reading quick replies: %w", err)
	}
	if i >= len(labels) {
		return "", false, nil
	}
	return labels[i], true, nil
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

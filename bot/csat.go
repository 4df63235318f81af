package bot

import (
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/triagebot/triagebot/intents"
	"github.com/triagebot/triagebot/language"
	"github.com/triagebot/triagebot/prompts"
	"github.com/triagebot/triagebot/tickets"
)

// The satisfaction question: when an agent resolves a ticket, the user is
// asked once for a score from 1 to 5 (five quick replies, or a typed digit),
// then for an optional comment. Anything else closes the question and is
// read as today: the start of a new dialogue.

// Steps of the rating question (state.RatingStep).
const (
	ratingScore   = "score"
	ratingComment = "comment"
)

// maxComment bounds a rating comment kept on the ticket.
const maxComment = 1000

// askRating adds the rating question to a resolution's messages and opens
// it in the conversation's state. It is skipped when the conversation has
// moved on to another ticket or was rated already.
func (e *Engine) askRating(conv *tickets.Conversation, t *tickets.Ticket, out *outbox, now time.Time) (bool, error) {
	if conv.TicketID != t.ID || t.CSAT != nil {
		return false, nil
	}
	st, err := decodeState(conv.State)
	if err != nil {
		return false, err
	}
	st.Rating, st.RatingStep = t.ID, ratingScore
	if conv.State, err = st.encode(); err != nil {
		return false, err
	}
	conv.UpdatedAt = now
	lang := language.Lang(t.Lang)
	if conv.Lang != "" {
		lang = language.Lang(conv.Lang)
	}
	out.say(tickets.FromBot, prompts.Render(lang, prompts.CSATAsk, nil), ratingLabels(lang))
	return true, nil
}

func ratingLabels(lang language.Lang) []string {
	keys := make([]prompts.Key, 5)
	for i := range keys {
		keys[i] = prompts.RatingLabel(i + 1)
	}
	return labels(lang, keys...)
}

// onRating reads an answer to the open rating question. It reports false
// when the message is not one: the question is closed either way (asked
// once), and the turn goes on as a new dialogue.
func (t *turn) onRating() (bool, error) {
	st := t.st
	id, step := st.Rating, st.RatingStep
	st.Rating, st.RatingStep = "", ""
	if t.up != nil {
		return false, nil
	}
	tk, err := t.tx.Ticket(id)
	if errors.Is(err, tickets.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	switch step {
	case ratingScore:
		score, ok := parseScore(t.an.text)
		if !ok || tk.CSAT != nil {
			return false, nil
		}
		tk.CSAT = &tickets.CSAT{Score: score, At: t.now}
		if err := t.tx.PutTicket(&tk); err != nil {
			return false, err
		}
		st.Rating, st.RatingStep = id, ratingComment
		t.record(tickets.Entry{From: tickets.FromUser, Text: t.an.masked, At: t.now})
		t.say(t.render(prompts.CSATComment, nil), labels(t.lang(), prompts.LabelNoComment))
		return true, nil
	case ratingComment:
		if tk.CSAT == nil {
			return false, nil
		}
		skip := normLabel(t.an.text) == normLabel(t.render(prompts.LabelNoComment, nil)) || intents.YesNo(t.an.text) == intents.No
		if !skip {
			if !t.an.classified() {
				return false, errNeedClassify
			}
			if t.newProblem() {
				return false, nil
			}
			tk.CSAT.Comment = clipTo(strings.TrimSpace(t.an.masked), maxComment)
			if err := t.tx.PutTicket(&tk); err != nil {
				return false, err
			}
		}
		t.record(tickets.Entry{From: tickets.FromUser, Text: t.an.masked, At: t.now})
		t.say(t.render(prompts.CSATThanks, nil), nil)
		return true, nil
	}
	return false, nil
}

// newProblem reports a message that reads as a new request rather than a
// comment on the last one: a problem the classifier is sure of, the words
// of a theft or freeze, a request for a person or for a ticket's status.
func (t *turn) newProblem() bool {
	r := t.an.res
	sure := r.Confidence >= intents.ClarifyBelow
	return t.an.riskOf() != "" || t.an.asksForPerson() ||
		sure && (r.Intent.IsProblem() || r.Intent == intents.TicketStatus || r.Intent == intents.HumanAgent)
}

// parseScore reads a rating: a quick reply's label in any language, or a
// bare 1 to 5 as typed ("4", "４", "4分", "4/5", "4 stars", "四").
func parseScore(text string) (int, bool) {
	s := normLabel(text)
	for n := 1; n <= 5; n++ {
		for _, lang := range language.All {
			if s == normLabel(prompts.Render(lang, prompts.RatingLabel(n), nil)) {
				return n, true
			}
		}
	}
	for _, suffix := range []string{"/5", "／5", "分", "stars", "star", "颗星", "粒星"} {
		s = strings.TrimSpace(strings.TrimSuffix(s, suffix))
	}
	if utf8.RuneCountInString(s) != 1 {
		return 0, false
	}
	r, _ := utf8.DecodeRuneInString(s)
	switch {
	case r >= '1' && r <= '5':
		return int(r - '0'), true
	case r >= '１' && r <= '５':
		return int(r-'１') + 1, true
	}
	if i := strings.IndexRune("一二三四五", r); i >= 0 {
		return i/len("一") + 1, true
	}
	return 0, false
}

func clipTo(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

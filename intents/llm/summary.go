package llm

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/triagebot/triagebot/intents"
	"github.com/triagebot/triagebot/language"
	"github.com/triagebot/triagebot/prompts"
)

// Summarizer writes the one- or two-sentence summary agents read on a
// ticket, in the agents' working language. It never fails: the worst case
// is the template summary. The result is masked.
type Summarizer interface {
	Summarize(ctx context.Context, in intents.SummaryInput) string
}

// Limits of what a summary request carries and what a summary may be.
const (
	maxSummaryEntries = 30   // the latest transcript entries sent
	maxSummaryInput   = 6000 // bytes of transcript text sent
	maxSummaryRunes   = 400  // a longer model answer is refused
	maxQuoteRunes     = 80   // the template's quote of the customer
)

// Template is the summary without a model: the problem's label, the
// details and the customer's first words, from prompts.SummaryTemplate.
type Template struct {
	// Lang is the agents' working language.
	Lang language.Lang
	// Location is the zone times are written in; default UTC.
	Location *time.Location
}

// Local reports that the template needs no model: the engine writes it in
// the turn that creates the ticket.
func (Template) Local() bool { return true }

var _ Summarizer = Template{}

// Summarize renders the template summary of in.
func (s Template) Summarize(_ context.Context, in intents.SummaryInput) string {
	d := prompts.SummaryData{
		Problem:       prompts.Render(s.Lang, prompts.IntentLabel(intentOrOther(string(in.Intent))), nil),
		Amount:        in.Amount,
		Currency:      in.Currency,
		TransactionID: in.TransactionID,
		Attachments:   in.Attachments,
	}
	if tm, err := time.Parse(time.RFC3339, in.Time); err == nil {
		loc := s.Location
		if loc == nil {
			loc = time.UTC
		}
		layout := "2006-01-02 15:04"
		if in.TimeGrain == string(intents.Day) {
			layout = "2006-01-02"
		}
		d.Time = tm.In(loc).Format(layout)
	}
	for _, l := range in.Lines {
		if l.From != "user" {
			continue
		}
		d.Messages++
		if d.Quote == "" {
			d.Quote = shorten(intents.Mask(l.Text), maxQuoteRunes)
		}
	}
	return intents.Mask(prompts.Render(s.Lang, prompts.SummaryTemplate, d))
}

func intentOrOther(intent string) string {
	if intents.Intent(intent).Valid() {
		return intent
	}
	return string(intents.OutOfScope)
}

// shorten collapses white space and cuts s to n runes with an ellipsis.
func shorten(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// ModelSummarizer asks the model for the summary and falls back to the
// template when the model is off, fails, or answers outside the rules
// (empty, too long, another language).
type ModelSummarizer struct {
	c        *Client
	fallback Template
}

var _ Summarizer = (*ModelSummarizer)(nil)

// SummarizerConfig wires a Summarizer. Lang is required; Client and
// Location are optional.
type SummarizerConfig struct {
	// Client is the model's; nil gives the template alone.
	Client *Client
	// Lang is the agents' working language. Required.
	Lang language.Lang
	// Location is the zone times are written in; nil means UTC.
	Location *time.Location
}

// NewSummarizer checks cfg and returns the model summarizer on cfg.Client,
// or the template alone without a Client.
func NewSummarizer(cfg SummarizerConfig) (Summarizer, error) {
	if !cfg.Lang.Valid() {
		return nil, fmt.Errorf("llm: SummarizerConfig.Lang %q is not zh-Hant, zh-Hans or en", cfg.Lang)
	}
	t := Template{Lang: cfg.Lang, Location: cfg.Location}
	if cfg.Client == nil {
		return t, nil
	}
	return &ModelSummarizer{c: cfg.Client, fallback: t}, nil
}

// summaryInput is what the model is told about a ticket: masked text and
// the facts gathered, no user id, name, ticket or conversation id.
type summaryInput struct {
	Problem     string         `json:"problem"`
	Details     map[string]any `json:"details,omitempty"`
	Attachments int            `json:"attachments,omitempty"`
	Transcript  []summaryEntry `json:"transcript"`
}

type summaryEntry struct {
	From string `json:"from"`
	Text string `json:"text"`
}

// Summarize asks the model; any failure gives the template summary and is
// counted in triagebot_llm_fallbacks_total.
func (s *ModelSummarizer) Summarize(ctx context.Context, t intents.SummaryInput) string {
	out, err := s.ask(ctx, t)
	if err != nil {
		s.c.metrics.fallbacks.WithLabelValues(Kind(err)).Inc()
		s.c.log.Debug("llm summary fallback to the template", "kind", Kind(err), "err", err)
		return s.fallback.Summarize(ctx, t)
	}
	return out
}

func (s *ModelSummarizer) ask(ctx context.Context, t intents.SummaryInput) (string, error) {
	in := summaryInput{Problem: intentOrOther(string(t.Intent)), Attachments: t.Attachments, Details: map[string]any{}}
	for k, v := range map[string]string{
		"time": t.Time, "time_grain": t.TimeGrain, "amount": t.Amount, "currency": t.Currency,
		"transaction_id": t.TransactionID, "error_message": intents.Mask(t.ErrorMessage),
	} {
		if v != "" {
			in.Details[k] = v
		}
	}
	entries := t.Lines
	if len(entries) > maxSummaryEntries {
		entries = entries[len(entries)-maxSummaryEntries:]
	}
	// Newest last; drop the oldest when the text is too long in all.
	size := 0
	for i := len(entries) - 1; i >= 0; i-- {
		text := intents.Mask(entries[i].Text)
		if size += len(text); size > maxSummaryInput {
			break
		}
		in.Transcript = append(in.Transcript, summaryEntry{From: entries[i].From, Text: text})
	}
	for i, j := 0, len(in.Transcript)-1; i < j; i, j = i+1, j-1 {
		in.Transcript[i], in.Transcript[j] = in.Transcript[j], in.Transcript[i]
	}
	user, err := json.Marshal(in)
	if err != nil {
		return "", fmt.Errorf("llm: encoding the summary request: %w", err)
	}
	content, err := s.c.chat(ctx, request{
		op: opSummarize, system: prompts.LLMSummarySystem(s.fallback.Lang), user: string(user),
		timeout: s.c.cfg.SummaryTimeout,
	})
	if err != nil {
		return "", err
	}
	out, err := validSummary(content, s.fallback.Lang)
	if err != nil {
		s.c.metrics.errors.WithLabelValues(opSummarize, Kind(err)).Inc()
		return "", err
	}
	return out, nil
}

// validSummary trims the model's text, masks it again (a model must not be
// the way a secret gets back in) and checks length and language.
func validSummary(content string, lang language.Lang) (string, error) {
	out := strings.Join(strings.Fields(content), " ")
	out = strings.Trim(out, "\"'“”「」")
	if out == "" {
		return "", fmt.Errorf("%w: empty summary", ErrInvalid)
	}
	if n := len([]rune(out)); n > maxSummaryRunes {
		return "", fmt.Errorf("%w: summary of %d characters", ErrInvalid, n)
	}
	if got := intents.DetectLang(out); got != lang && lang.Valid() {
		return "", fmt.Errorf("%w: summary in %s, want %s", ErrInvalid, got, lang)
	}
	return intents.Mask(out), nil
}

package llm

import (
	"context"
	"errors"
	"log/slog"
	"time"
	"unicode/utf8"

	"github.com/triagebot/triagebot/intents"
)

// The combination policy, in one place.
//
// The offline classifier answers every message first; it is fast, free and
// calibrated. The model is asked only in two cases:
//
//  1. unsure: the offline confidence is under Threshold (default
//     intents.ClarifyBelow, the point under which the bot would otherwise ask
//     the user to pick). The model's intent then replaces the offline one;
//     its confidence is its own, capped at ConfidenceCap because a model's
//     self-reported confidence is not calibrated. The offline candidates
//     follow it, so a clarifying question still has choices.
//  2. extraction: the offline engine is sure, the intent is a problem (not a
//     greeting, a request for a person, a ticket question or out of scope),
//     at least one of time, amount and transaction id was not found, and the
//     masked text still has a run of digits that no found entity covers (a
//     card's last four after "****" do not count). Then only the missing
//     entities are taken from the model; the intent stays.
//
// In both cases the entities the offline extractor found stand (they are
// deterministic and carry positions), the model fills only the absent ones,
// and the language is the offline detector's (script detection is exact).
// Every model failure leaves the offline answer as it was and is counted in
// triagebot_llm_fallbacks_total by reason.

// Default policy values.
const (
	DefaultConfidenceCap = 0.9
)

// Combined is the offline classifier with the model as a second opinion.
// It implements intents.Classifier and never fails because of the model.
type Combined struct {
	client  *Client // nil in tests that combine stubs
	offline intents.Classifier
	llm     intents.Classifier
	metrics *Metrics
	log     *slog.Logger
	opts    CombinedConfig
}

// CombinedConfig wires a Combined. Offline and Model are required (New
// fails without them); the policy's fields are optional, zero taking the
// defaults.
type CombinedConfig struct {
	// Offline answers every message first. Required.
	Offline intents.Classifier
	// Model is the second opinion; its Client's metrics, logger and
	// breaker are the policy's too. Required.
	Model *Classifier

	// Threshold: offline answers at or above it stand (default
	// intents.ClarifyBelow).
	Threshold float64
	// ConfidenceCap bounds the model's self-reported confidence.
	ConfidenceCap float64
	// NoExtraction turns case 2 (details the offline engine missed) off.
	NoExtraction bool
}

var _ intents.Classifier = (*Combined)(nil)

// NewCombined checks cfg and combines cfg.Offline with the model
// classifier cfg.Model.
func NewCombined(cfg CombinedConfig) (*Combined, error) {
	switch {
	case cfg.Offline == nil:
		return nil, errors.New("llm: CombinedConfig.Offline is required")
	case cfg.Model == nil:
		return nil, errors.New("llm: CombinedConfig.Model is required")
	}
	c := newCombined(cfg.Offline, cfg.Model, cfg.Model.c.metrics, cfg.Model.c.log, cfg)
	c.client = cfg.Model.c
	return c, nil
}

// Client returns the model client, for building a Summarizer on the same
// breaker, bounds and metrics.
func (c *Combined) Client() *Client { return c.client }

// newCombined is NewCombined on any model classifier (tests combine stubs);
// opts gives the policy's fields.
func newCombined(offline, l intents.Classifier, m *Metrics, log *slog.Logger, opts CombinedConfig) *Combined {
	if opts.Threshold <= 0 {
		opts.Threshold = intents.ClarifyBelow
	}
	if opts.ConfidenceCap <= 0 {
		opts.ConfidenceCap = DefaultConfidenceCap
	}
	return &Combined{offline: offline, llm: l, metrics: m, log: log, opts: opts}
}

// Classify applies the policy above. Its only errors are the offline
// classifier's (an empty text, a cancelled context).
func (c *Combined) Classify(ctx context.Context, text string, now time.Time) (intents.Result, error) {
	off, err := c.offline.Classify(ctx, text, now)
	if err != nil {
		return off, err
	}
	path := c.Ask(off, text, now)
	c.metrics.decisions.WithLabelValues(path).Inc()
	if path == PathOfflineSure {
		return off, nil
	}
	ans, err := c.llm.Classify(ctx, text, now)
	if err != nil {
		c.metrics.fallbacks.WithLabelValues(Kind(err)).Inc()
		c.log.Debug("llm fallback to the offline answer", "path", path, "kind", Kind(err), "err", err)
		return off, nil
	}
	res, changed := merge(off, ans, path, c.opts.ConfidenceCap)
	if changed {
		c.metrics.decisions.WithLabelValues(PathUsed).Inc()
	}
	return res, nil
}

// Ask returns the policy's path for an offline result: PathOfflineSure
// (the model is not asked), PathUnsure or PathExtraction.
func (c *Combined) Ask(off intents.Result, text string, now time.Time) string {
	if off.Confidence < c.opts.Threshold {
		return PathUnsure
	}
	if c.opts.NoExtraction || !off.Intent.IsProblem() {
		return PathOfflineSure
	}
	e := off.Entities
	if e.Time != nil && e.Amount != nil && e.TransactionID != nil {
		return PathOfflineSure
	}
	if unexplainedDigits(text, now) {
		return PathExtraction
	}
	return PathOfflineSure
}

// unexplainedDigits reports whether the masked text has a run of digits that
// no entity the offline extractor finds covers. Extraction runs again on the
// masked text (it is stable under Mask) so that the positions are those of
// the text the model would see.
func unexplainedDigits(text string, now time.Time) bool {
	masked := intents.Mask(text)
	e := intents.Extract(masked, now)
	var spans []intents.Span
	if e.Time != nil {
		spans = append(spans, e.Time.Span)
	}
	if e.Amount != nil {
		spans = append(spans, e.Amount.Span)
	}
	if e.TransactionID != nil {
		spans = append(spans, e.TransactionID.Span)
	}
	covered := func(i int) bool {
		for _, s := range spans {
			if s.Start <= i && i < s.End {
				return true
			}
		}
		return false
	}
	for i := 0; i < len(masked); {
		r, size := utf8.DecodeRuneInString(masked[i:])
		if !isDigit(r) {
			i += size
			continue
		}
		start := i
		for i < len(masked) {
			r, size = utf8.DecodeRuneInString(masked[i:])
			if !isDigit(r) {
				break
			}
			i += size
		}
		if start > 0 && masked[start-1] == '*' {
			continue // a masked card's last four
		}
		for j := start; j < i; j++ {
			if !covered(j) {
				return true
			}
		}
	}
	return false
}

func isDigit(r rune) bool { return ('0' <= r && r <= '9') || ('０' <= r && r <= '９') }

// merge applies the model's answer to the offline one along path. changed
// reports whether anything of the model's was taken.
func merge(off, ans intents.Result, path string, confCap float64) (intents.Result, bool) {
	res := off
	changed := false
	if path == PathUnsure {
		conf := min(ans.Confidence, confCap)
		if ans.Intent == off.Intent {
			conf = max(conf, off.Confidence)
		}
		changed = ans.Intent != off.Intent || conf != off.Confidence
		res.Intent, res.Confidence = ans.Intent, conf
		res.Candidates = []intents.Scored{{Intent: ans.Intent, Confidence: conf}}
		for _, s := range off.Candidates {
			if s.Intent != ans.Intent {
				res.Candidates = append(res.Candidates, s)
			}
		}
	}
	if res.Entities.Time == nil && ans.Entities.Time != nil {
		res.Entities.Time, changed = ans.Entities.Time, true
	}
	if res.Entities.Amount == nil && ans.Entities.Amount != nil {
		res.Entities.Amount, changed = ans.Entities.Amount, true
	}
	if res.Entities.TransactionID == nil && ans.Entities.TransactionID != nil {
		res.Entities.TransactionID, changed = ans.Entities.TransactionID, true
	}
	return res, changed
}

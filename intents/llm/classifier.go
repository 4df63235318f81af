package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/triagebot/triagebot/intents"
	"github.com/triagebot/triagebot/prompts"
)

// Classifier asks the model to classify a message and extract its details.
// It implements intents.Classifier; on any failure it returns an error (one
// of this package's sentinels) and Combined falls back to the offline
// answer. It is safe for concurrent use.
type Classifier struct {
	c     *Client
	cache *lru[cached]
}

var _ intents.Classifier = (*Classifier)(nil)

// cached is a validated answer. Answers with a clock time (hour or minute
// grain) may depend on now's clock ("20 mins ago"), so they are reused only
// within the same minute; day-grain and time-less answers depend on the date
// alone, which is in the key.
type cached struct {
	a      answer
	minute time.Time
}

// NewClassifier builds the classifier on c, which is required.
func NewClassifier(c *Client) (*Classifier, error) {
	if c == nil {
		return nil, errors.New("llm: NewClassifier: the Client is required")
	}
	return &Classifier{c: c, cache: newLRU[cached](c.cfg.CacheSize)}, nil
}

// Client returns the client the classifier calls through.
func (l *Classifier) Client() *Client { return l.c }

// userMessage is the whole user turn sent to the model: the masked text and
// the reference moment, nothing about who wrote it.
type userMessage struct {
	Now     string `json:"now"`
	Weekday string `json:"weekday"`
	Zone    string `json:"zone"`
	Message string `json:"message"`
}

// Classify masks text, asks the model (or the cache) and validates the
// answer. Entity spans are offsets into text where they can be found (the
// transaction id), zero otherwise.
func (l *Classifier) Classify(ctx context.Context, text string, now time.Time) (intents.Result, error) {
	masked := intents.Mask(text)
	if strings.TrimSpace(masked) == "" {
		return intents.Result{}, intents.ErrEmptyText
	}
	key := now.Format("2006-01-02 Z07:00") + "\x00" + masked
	minute := now.Truncate(time.Minute)
	if e, ok := l.cache.get(key); ok && (!clockTime(e.a) || e.minute.Equal(minute)) {
		l.c.metrics.cache.WithLabelValues("hit").Inc()
		return result(e.a, text), nil
	}
	l.c.metrics.cache.WithLabelValues("miss").Inc()
	user, err := json.Marshal(userMessage{
		Now: now.Format(time.RFC3339), Weekday: now.Weekday().String(),
		Zone: now.Location().String(), Message: masked,
	})
	if err != nil {
		return intents.Result{}, fmt.Errorf("llm: encoding the request: %w", err)
	}
	content, err := l.c.chat(ctx, request{
		op: opClassify, system: prompts.LLMClassifySystem, user: string(user),
		json: true, timeout: l.c.cfg.Timeout,
	})
	if err != nil {
		return intents.Result{}, err
	}
	a, err := parseAnswer(content, masked, now)
	if err != nil {
		l.c.metrics.errors.WithLabelValues(opClassify, Kind(err)).Inc()
		l.c.log.Debug("llm answer refused", "kind", Kind(err), "err", err)
		return intents.Result{}, err
	}
	l.cache.put(key, cached{a: a, minute: minute})
	return result(a, text), nil
}

func clockTime(a answer) bool {
	t := a.Entities.Time
	return t != nil && t.Grain != intents.Day
}

// result turns a validated answer into an intents.Result for text, with
// fresh entity values (the cache's must not be shared).
func result(a answer, text string) intents.Result {
	r := intents.Result{
		Intent: a.Intent, Confidence: a.Confidence, Lang: a.Lang,
		Candidates: []intents.Scored{{Intent: a.Intent, Confidence: a.Confidence}},
	}
	if t := a.Entities.Time; t != nil {
		v := *t
		r.Entities.Time = &v
	}
	if m := a.Entities.Amount; m != nil {
		v := *m
		r.Entities.Amount = &v
	}
	if id := a.Entities.TransactionID; id != nil {
		v := *id
		if i := indexFoldASCII(text, v.Value); i >= 0 {
			v.Span = intents.Span{Start: i, End: i + len(v.Value)}
		}
		r.Entities.TransactionID = &v
	}
	return r
}

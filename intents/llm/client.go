// Package llm asks any OpenAI-compatible chat model for a second opinion on
// a user message, and for a short ticket summary for agents. It is never a
// dependency: every failure (timeout, HTTP error, malformed or invalid
// answer, refusal, open circuit breaker, too many calls in flight) is
// counted and the offline answer or the template summary is used instead.
//
// Nothing reaches the endpoint before intents.Mask has run over it, and the
// requests carry no user or conversation identifiers.
package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	openai "github.com/sashabaranov/go-openai"

	"github.com/triagebot/triagebot/internal/logs"
)

// Sentinel errors of a failed call; Kind maps them to metric labels.
var (
	ErrTimeout     = errors.New("llm: endpoint timed out")
	ErrRateLimited = errors.New("llm: endpoint rate limited (HTTP 429)")
	ErrServer      = errors.New("llm: endpoint server error (HTTP 5xx)")
	ErrClient      = errors.New("llm: endpoint refused the request (HTTP 4xx)")
	ErrNetwork     = errors.New("llm: endpoint unreachable")
	ErrMalformed   = errors.New("llm: malformed answer")
	ErrInvalid     = errors.New("llm: answer outside the contract")
	ErrRefusal     = errors.New("llm: model refused")
	ErrBreakerOpen = errors.New("llm: circuit breaker open")
	ErrBusy        = errors.New("llm: too many calls in flight")
	ErrCanceled    = errors.New("llm: call canceled by the caller")
	ErrConfig      = errors.New("llm: bad configuration")
)

var kinds = []struct {
	err  error
	kind string
}{
	{ErrTimeout, KindTimeout}, {ErrRateLimited, KindHTTP429}, {ErrServer, KindHTTP5xx},
	{ErrClient, KindHTTP4xx}, {ErrNetwork, KindNetwork}, {ErrMalformed, KindMalformed},
	{ErrInvalid, KindInvalid}, {ErrRefusal, KindRefusal}, {ErrBreakerOpen, KindBreakerOpen},
	{ErrBusy, KindBusy}, {ErrCanceled, KindCanceled},
}

// Kind is the metric label of an error from this package ("timeout",
// "http_429", ...), or "other".
func Kind(err error) string {
	for _, k := range kinds {
		if errors.Is(err, k.err) {
			return k.kind
		}
	}
	return "other"
}

// breakerFailure reports whether an error means the endpoint is not
// answering properly. An answer we refuse (malformed, invalid, refusal)
// still shows a live endpoint.
func breakerFailure(err error) bool {
	switch Kind(err) {
	case KindTimeout, KindHTTP429, KindHTTP5xx, KindHTTP4xx, KindNetwork, "other":
		return true
	}
	return false
}

// Defaults of Config.
const (
	DefaultModel            = "gpt-4o-mini"
	DefaultTimeout          = 3 * time.Second
	DefaultSummaryTimeout   = 6 * time.Second
	DefaultMaxInFlight      = 8
	DefaultBreakerThreshold = 5
	DefaultBreakerCoolDown  = 30 * time.Second
	DefaultCacheSize        = 512
)

// Config sets up a Client. Zero fields take the defaults above.
type Config struct {
	APIKey  string // required
	BaseURL string // e.g. http://localhost:8000/v1; "" is OpenAI's
	Model   string

	// Timeout bounds one classifier call, SummaryTimeout one summary call
	// (writing sentences takes longer than a label).
	Timeout        time.Duration
	SummaryTimeout time.Duration
	// MaxInFlight bounds concurrent calls; when all are taken a caller
	// falls back at once instead of queueing.
	MaxInFlight int
	// BreakerThreshold consecutive failures open the breaker for
	// BreakerCoolDown; then one probe call decides.
	BreakerThreshold int
	BreakerCoolDown  time.Duration
	// CacheSize is the number of classifier answers kept; negative: none.
	CacheSize int

	// Now is the breaker's clock (tests inject one); default time.Now.
	Now func() time.Time
	// HTTPClient defaults to a client with no timeout of its own: every
	// call has a context deadline.
	HTTPClient *http.Client
	// Registerer gets the metrics; nil leaves them unregistered.
	Registerer prometheus.Registerer
	// Logger: nil means slog.Default() (logs.Or).
	Logger *slog.Logger
}

// Client is the connection to one OpenAI-compatible endpoint, with the
// protections every call goes through: deadline, circuit breaker and a
// bound on calls in flight. It is safe for concurrent use.
type Client struct {
	api     *openai.Client
	model   string
	cfg     Config
	breaker *breaker
	sem     chan struct{}
	metrics *Metrics
	log     *slog.Logger
	// jsonObject is set once the endpoint rejected a json_schema response
	// format; from then on it gets the plainer json_object.
	jsonObject atomic.Bool
}

// NewClient checks cfg and builds a Client. It makes no network call.
func NewClient(cfg Config) (*Client, error) {
	if strings.TrimSpace(cfg.APIKey) == "" {
		return nil, fmt.Errorf("%w: no API key", ErrConfig)
	}
	if cfg.Model == "" {
		cfg.Model = DefaultModel
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.SummaryTimeout <= 0 {
		cfg.SummaryTimeout = DefaultSummaryTimeout
	}
	if cfg.MaxInFlight <= 0 {
		cfg.MaxInFlight = DefaultMaxInFlight
	}
	if cfg.BreakerThreshold <= 0 {
		cfg.BreakerThreshold = DefaultBreakerThreshold
	}
	if cfg.BreakerCoolDown <= 0 {
		cfg.BreakerCoolDown = DefaultBreakerCoolDown
	}
	if cfg.CacheSize == 0 {
		cfg.CacheSize = DefaultCacheSize
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.Logger = logs.Or(cfg.Logger)
	metrics := NewMetrics(cfg.Registerer, cfg.Logger)
	oc := openai.DefaultConfig(cfg.APIKey)
	if cfg.BaseURL != "" {
		oc.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	}
	if cfg.HTTPClient != nil {
		oc.HTTPClient = cfg.HTTPClient
	}
	c := &Client{
		api: openai.NewClientWithConfig(oc), model: cfg.Model, cfg: cfg,
		sem: make(chan struct{}, cfg.MaxInFlight), metrics: metrics,
		log: cfg.Logger,
	}
	c.breaker = newBreaker(cfg.BreakerThreshold, cfg.BreakerCoolDown, cfg.Now, func(s breakerState) {
		metrics.breaker.Set(float64(s))
		// c.breaker is nil only during newBreaker's initial report, which
		// is no change worth a log line.
		if c.breaker != nil {
			c.log.Info("llm breaker", "state", [...]string{"closed", "half-open", "open"}[s])
		}
	})
	return c, nil
}

// Metrics returns the client's metrics (shared with what is built on it).
func (c *Client) Metrics() *Metrics { return c.metrics }

// BreakerOpen reports whether the breaker currently keeps calls away.
func (c *Client) BreakerOpen() bool { return c.breaker.current() != stateClosed }

// request is one chat call: the system prompt, the user content and whether
// a JSON answer of answerSchema is wanted.
type request struct {
	op      string
	system  string
	user    string
	json    bool
	timeout time.Duration
}

// chat sends one request through the protections and returns the model's
// text. Every error is counted under its kind; the errors are this
// package's sentinels.
func (c *Client) chat(ctx context.Context, r request) (string, error) {
	content, err := c.chatOnce(ctx, r)
	if err != nil {
		c.metrics.errors.WithLabelValues(r.op, Kind(err)).Inc()
	}
	return content, err
}

func (c *Client) chatOnce(ctx context.Context, r request) (string, error) {
	if ctx.Err() != nil {
		return "", fmt.Errorf("%w: %w", ErrCanceled, ctx.Err())
	}
	// The semaphore first: a caller turned away as busy must not have
	// taken the breaker's one half-open probe.
	select {
	case c.sem <- struct{}{}:
		defer func() { <-c.sem }()
	default:
		return "", ErrBusy
	}
	if !c.breaker.allow() {
		return "", ErrBreakerOpen
	}
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	resp, err := c.send(ctx, r)
	if err != nil && r.json && !c.jsonObject.Load() && schemaRejected(err) {
		// The endpoint does not do structured output: remember it and
		// ask again in json_object mode, within the same deadline.
		c.jsonObject.Store(true)
		c.log.Warn("llm endpoint rejects json_schema; using json_object from now on", "err", err)
		resp, err = c.send(ctx, r)
	}
	if err != nil {
		err = classifyErr(ctx, err)
		if Kind(err) == KindTimeout {
			c.breaker.timedOut()
		} else {
			c.breaker.done(breakerFailure(err), errors.Is(err, ErrCanceled))
		}
		return "", err
	}
	c.breaker.done(false, false)
	c.metrics.tokens.WithLabelValues("prompt").Add(float64(max(resp.Usage.PromptTokens, 0)))
	c.metrics.tokens.WithLabelValues("completion").Add(float64(max(resp.Usage.CompletionTokens, 0)))
	if len(resp.Choices) == 0 {
		return "", fmt.Errorf("%w: no choices", ErrMalformed)
	}
	ch := resp.Choices[0]
	switch {
	case ch.Message.Refusal != "":
		return "", fmt.Errorf("%w: %.200s", ErrRefusal, ch.Message.Refusal)
	case ch.FinishReason == openai.FinishReasonContentFilter:
		return "", fmt.Errorf("%w: content filter", ErrRefusal)
	case ch.FinishReason == openai.FinishReasonLength:
		return "", fmt.Errorf("%w: answer cut at the token limit", ErrMalformed)
	case strings.TrimSpace(ch.Message.Content) == "":
		return "", fmt.Errorf("%w: empty content", ErrMalformed)
	}
	return ch.Message.Content, nil
}

// send makes one HTTP request. It sets no user, no metadata, no store:
// the request holds the prompts and nothing about who is asking.
func (c *Client) send(ctx context.Context, r request) (openai.ChatCompletionResponse, error) {
	req := openai.ChatCompletionRequest{
		Model: c.model,
		Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleSystem, Content: r.system},
			{Role: openai.ChatMessageRoleUser, Content: r.user},
		},
		MaxTokens: 300,
	}
	if r.json {
		if c.jsonObject.Load() {
			req.ResponseFormat = &openai.ChatCompletionResponseFormat{Type: openai.ChatCompletionResponseFormatTypeJSONObject}
		} else {
			req.ResponseFormat = &openai.ChatCompletionResponseFormat{
				Type: openai.ChatCompletionResponseFormatTypeJSONSchema,
				JSONSchema: &openai.ChatCompletionResponseFormatJSONSchema{
					Name: "triage", Schema: answerSchema, Strict: true,
				},
			}
		}
	}
	c.metrics.calls.WithLabelValues(r.op).Inc()
	start := time.Now()
	resp, err := c.api.CreateChatCompletion(ctx, req)
	c.metrics.latency.WithLabelValues(r.op).Observe(time.Since(start).Seconds())
	return resp, err
}

// httpStatus digs the HTTP status out of the library's errors (0: none).
func httpStatus(err error) (int, string) {
	var apiErr *openai.APIError
	if errors.As(err, &apiErr) {
		return apiErr.HTTPStatusCode, apiErr.Message
	}
	var reqErr *openai.RequestError
	if errors.As(err, &reqErr) {
		return reqErr.HTTPStatusCode, string(reqErr.Body)
	}
	return 0, ""
}

// schemaRejected reports whether err is the endpoint refusing the
// json_schema response format (HTTP 400/422 naming it), as servers without
// structured output do.
func schemaRejected(err error) bool {
	status, msg := httpStatus(err)
	if status != http.StatusBadRequest && status != http.StatusUnprocessableEntity {
		return false
	}
	msg = strings.ToLower(msg)
	return strings.Contains(msg, "json_schema") || strings.Contains(msg, "response_format") || strings.Contains(msg, "schema")
}

// classifyErr turns a library or transport error into a sentinel.
func classifyErr(ctx context.Context, err error) error {
	if status, _ := httpStatus(err); status != 0 {
		switch {
		case status == http.StatusTooManyRequests:
			return fmt.Errorf("%w: %v", ErrRateLimited, err)
		case status >= 500:
			return fmt.Errorf("%w: HTTP %d", ErrServer, status)
		default:
			return fmt.Errorf("%w: %v", ErrClient, err)
		}
	}
	// ctx is the per-call context: its expiry is our deadline (or a
	// shorter one of the caller's, which is as slow); a cancellation is the
	// caller giving up, which says nothing about the endpoint.
	switch ctx.Err() {
	case context.DeadlineExceeded:
		return fmt.Errorf("%w: %v", ErrTimeout, err)
	case context.Canceled:
		return fmt.Errorf("%w: %v", ErrCanceled, err)
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	// A 200 whose body does not decode (or ends early) is no answer.
	if errors.As(err, &syn) || errors.As(err, &typ) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return fmt.Errorf("%w: %v", ErrNetwork, err)
}

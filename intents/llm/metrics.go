package llm

import (
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/triagebot/triagebot/internal/promreg"
)

// Metrics of the LLM path. One set is shared by the classifier, the
// summarizer and the combination policy built on the same Client.
type Metrics struct {
	calls     *prometheus.CounterVec   // op
	latency   *prometheus.HistogramVec // op
	errors    *prometheus.CounterVec   // op, kind
	fallbacks *prometheus.CounterVec   // reason
	decisions *prometheus.CounterVec   // path
	breaker   prometheus.Gauge
	tokens    *prometheus.CounterVec // kind
	cache     *prometheus.CounterVec // result
}

// Error kinds, the values of the errors and fallbacks "kind"/"reason" labels.
const (
	KindTimeout     = "timeout"
	KindHTTP429     = "http_429"
	KindHTTP5xx     = "http_5xx"
	KindHTTP4xx     = "http_4xx" // other client errors: bad key, bad model
	KindNetwork     = "network"  // connection refused, reset, DNS
	KindMalformed   = "malformed"
	KindInvalid     = "invalid"
	KindRefusal     = "refusal"
	KindBreakerOpen = "breaker_open"
	KindBusy        = "busy"
	KindCanceled    = "canceled" // the caller gave up; not the endpoint's fault
)

// Ops, the values of the "op" label.
const (
	opClassify  = "classify"
	opSummarize = "summarize"
)

// Decision paths of the combination policy, the values of the "path" label.
const (
	PathOfflineSure = "offline_sure"     // offline answer stood, LLM not asked
	PathUnsure      = "asked_unsure"     // offline under the threshold
	PathExtraction  = "asked_extraction" // offline sure, but details missed
	PathUsed        = "llm_used"         // the LLM answer changed the result
)

// NewMetrics registers the LLM metrics on reg (promreg.Register: a nil reg
// keeps them unregistered; a second client on one registry shares them).
func NewMetrics(reg prometheus.Registerer, log *slog.Logger) *Metrics {
	m := &Metrics{
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "triagebot_llm_calls_total",
			Help: "Requests sent to the OpenAI-compatible endpoint, by operation.",
		}, []string{"op"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "triagebot_llm_request_duration_seconds",
			Help:    "Time of one request to the OpenAI-compatible endpoint, answered or not.",
			Buckets: []float64{0.1, 0.25, 0.5, 1, 1.5, 2, 3, 5, 10},
		}, []string{"op"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "triagebot_llm_errors_total",
			Help: "LLM requests that gave no usable answer (or were not sent: breaker_open, busy), by kind.",
		}, []string{"op", "kind"}),
		fallbacks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "triagebot_llm_fallbacks_total",
			Help: "Times the offline answer or the template summary was used because the LLM failed, by reason.",
		}, []string{"reason"}),
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "triagebot_llm_decisions_total",
			Help: "Messages by path through the offline+LLM combination policy.",
		}, []string{"path"}),
		breaker: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "triagebot_llm_breaker_state",
			Help: "Circuit breaker of the LLM endpoint: 0 closed, 1 half-open, 2 open.",
		}),
		tokens: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "triagebot_llm_tokens_total",
			Help: "Tokens reported by the endpoint's usage, by kind (prompt, completion).",
		}, []string{"kind"}),
		cache: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "triagebot_llm_cache_total",
			Help: "Classifier cache lookups, by result (hit, miss).",
		}, []string{"result"}),
	}
	m.calls = promreg.Register(reg, m.calls, log)
	m.latency = promreg.Register(reg, m.latency, log)
	m.errors = promreg.Register(reg, m.errors, log)
	m.fallbacks = promreg.Register(reg, m.fallbacks, log)
	m.decisions = promreg.Register(reg, m.decisions, log)
	m.breaker = promreg.Register(reg, m.breaker, log)
	m.tokens = promreg.Register(reg, m.tokens, log)
	m.cache = promreg.Register(reg, m.cache, log)
	return m
}

package llm

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/triagebot/triagebot/intents"
	"github.com/triagebot/triagebot/intents/llm/llmfake"
	"github.com/triagebot/triagebot/language"
)

var hkt = time.FixedZone("HKT", 8*3600)

// testNow is a Monday afternoon in Hong Kong.
var testNow = time.Date(2025, 11, 3, 15, 0, 0, 0, hkt)

// clock is an injected clock for the breaker.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// stubOffline returns a fixed result, so tests choose the policy's path.
type stubOffline struct{ res intents.Result }

func (s stubOffline) Classify(ctx context.Context, text string, now time.Time) (intents.Result, error) {
	if strings.TrimSpace(text) == "" {
		return intents.Result{}, intents.ErrEmptyText
	}
	return s.res, nil
}

func unsure(i intents.Intent) intents.Result {
	return intents.Result{Intent: i, Confidence: 0.4, Lang: language.English,
		Candidates: []intents.Scored{{Intent: i, Confidence: 0.4}, {Intent: intents.OutOfScope, Confidence: 0.3}}}
}

type env struct {
	t      *testing.T
	fake   *llmfake.Fake
	srv    *httptest.Server
	client *Client
	clf    *Classifier
	reg    *prometheus.Registry
	clock  *clock
}

// newEnv starts a fake endpoint with script and a client on it.
func newEnv(t *testing.T, script llmfake.Script, mod func(*Config)) *env {
	t.Helper()
	f := llmfake.New(script)
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	reg := prometheus.NewRegistry()
	ck := &clock{t: time.Date(2025, 11, 3, 7, 0, 0, 0, time.UTC)}
	cfg := Config{APIKey: "sk-test", BaseURL: srv.URL + "/v1", Model: "fake-model",
		Timeout: 2 * time.Second, Registerer: reg, Now: ck.now, Logger: slog.New(slog.DiscardHandler)}
	if mod != nil {
		mod(&cfg)
	}
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	clf, err := NewClassifier(c)
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, fake: f, srv: srv, client: c, clf: clf, reg: reg, clock: ck}
}

func (e *env) combined(off intents.Classifier) *Combined {
	c, err := NewCombined(CombinedConfig{Offline: off, Model: e.clf})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func reply(content string) llmfake.Script {
	return func(llmfake.Request) llmfake.Reply { return llmfake.Reply{Content: content} }
}

// plainAnswer fits any text: no entities to check against it.
const plainAnswer = `{"intent":"withdrawal_failed","confidence":0.83,"lang":"en","entities":{"time":null,"amount":null,"transaction_id":null}}`

const goodAnswer = `{"intent":"withdrawal_failed","confidence":0.83,"lang":"en",
 "entities":{"time":{"value":"2025-11-02T15:00:00+08:00","grain":"hour"},
  "amount":{"value":"1200","currency":"hkd"},"transaction_id":"WD20251102X7"}}`

func TestGoodAnswerUsed(t *testing.T) {
	e := newEnv(t, reply(goodAnswer), nil)
	c := e.combined(stubOffline{unsure(intents.TransactionFailed)})
	text := "withdrawal WD20251102X7 of HK$1200 yesterday 3pm still not in bank"
	res, err := c.Classify(t.Context(), text, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if res.Intent != intents.WithdrawalFailed || res.Confidence != 0.83 {
		t.Errorf("intent = %s %.2f, want the model's withdrawal_failed 0.83", res.Intent, res.Confidence)
	}
	if res.Candidates[0].Intent != intents.WithdrawalFailed || len(res.Candidates) != 3 {
		t.Errorf("candidates = %+v, want the model's first then the offline ones", res.Candidates)
	}
	if tm := res.Entities.Time; tm == nil || !tm.Value.Equal(time.Date(2025, 11, 2, 15, 0, 0, 0, hkt)) || tm.Grain != intents.Hour {
		t.Errorf("time = %+v", tm)
	}
	if a := res.Entities.Amount; a == nil || a.Value != "1200.00" || a.Currency != "HKD" {
		t.Errorf("amount = %+v, want 1200.00 HKD", a)
	}
	id := res.Entities.TransactionID
	if id == nil || id.Value != "WD20251102X7" || text[id.Span.Start:id.Span.End] != "WD20251102X7" {
		t.Errorf("transaction id = %+v", id)
	}
	if got := testutil.ToFloat64(e.client.metrics.decisions.WithLabelValues(PathUsed)); got != 1 {
		t.Errorf("llm_used decisions = %v, want 1", got)
	}
	if got := testutil.ToFloat64(e.client.metrics.tokens.WithLabelValues("prompt")); got != 100 {
		t.Errorf("prompt tokens = %v, want the fake's 100", got)
	}
	if got := testutil.ToFloat64(e.client.metrics.calls.WithLabelValues(opClassify)); got != 1 {
		t.Errorf("calls = %v, want 1", got)
	}
	if got := testutil.CollectAndCount(e.reg, "triagebot_llm_request_duration_seconds"); got != 1 {
		t.Errorf("latency histogram series = %d, want 1", got)
	}
}

// TestFallbacks: every way the model can fail leaves the offline answer, and
// each is counted under its own kind.
func TestFallbacks(t *testing.T) {
	tests := []struct {
		name  string
		reply llmfake.Reply
		kind  string
	}{
		{"malformed JSON", llmfake.Reply{Content: `{"intent": "login_failed", "confidence": 0.9`}, KindMalformed},
		{"prose", llmfake.Reply{Content: "I think it is a login problem."}, KindMalformed},
		{"unknown intent", llmfake.Reply{Content: `{"intent":"card_lost","confidence":0.9,"lang":"en","entities":{"time":null,"amount":null,"transaction_id":null}}`}, KindInvalid},
		{"bad lang", llmfake.Reply{Content: `{"intent":"login_failed","confidence":0.9,"lang":"fr","entities":{"time":null,"amount":null,"transaction_id":null}}`}, KindInvalid},
		{"timeout", llmfake.Reply{Hang: true}, KindTimeout},
		{"429", llmfake.Reply{Status: http.StatusTooManyRequests}, KindHTTP429},
		{"500", llmfake.Reply{Status: http.StatusInternalServerError}, KindHTTP5xx},
		{"502 html", llmfake.Reply{Status: http.StatusBadGateway, Body: "<html>bad gateway</html>"}, KindHTTP5xx},
		{"401", llmfake.Reply{Status: http.StatusUnauthorized}, KindHTTP4xx},
		{"refusal", llmfake.Reply{Refusal: "I can't help with that."}, KindRefusal},
		{"content filter", llmfake.Reply{Content: "", FinishReason: "content_filter"}, KindRefusal},
		{"cut at length", llmfake.Reply{Content: `{"intent":"login_`, FinishReason: "length"}, KindMalformed},
		{"broken 200 body", llmfake.Reply{Body: `{"choices": [`}, KindMalformed},
		{"no choices", llmfake.Reply{Body: `{"id":"x","object":"chat.completion","choices":[]}`}, KindMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, func(llmfake.Request) llmfake.Reply { return tt.reply }, func(c *Config) {
				c.Timeout = 150 * time.Millisecond
			})
			off := unsure(intents.LoginFailed)
			res, err := e.combined(stubOffline{off}).Classify(t.Context(), "cannot get in", testNow)
			if err != nil {
				t.Fatal(err)
			}
			if res.Intent != off.Intent || res.Confidence != off.Confidence || len(res.Candidates) != len(off.Candidates) {
				t.Errorf("result = %+v, want the offline answer %+v", res, off)
			}
			m := e.client.metrics
			if got := testutil.ToFloat64(m.fallbacks.WithLabelValues(tt.kind)); got != 1 {
				t.Errorf("fallbacks{%s} = %v, want 1", tt.kind, got)
			}
			if got := testutil.ToFloat64(m.errors.WithLabelValues(opClassify, tt.kind)); got != 1 {
				t.Errorf("errors{classify,%s} = %v, want 1", tt.kind, got)
			}
			if got := testutil.CollectAndCount(m.fallbacks); got != 1 {
				t.Errorf("%d fallback reasons counted, want only %s", got, tt.kind)
			}
			if e.fake.Hits() != 1 {
				t.Errorf("endpoint hit %d times, want 1 (no retries)", e.fake.Hits())
			}
		})
	}
}

func TestNothingCalledWhenOfflineSure(t *testing.T) {
	e := newEnv(t, reply(goodAnswer), nil)
	sure := intents.Result{Intent: intents.LoginFailed, Confidence: 0.95, Lang: language.English,
		Candidates: []intents.Scored{{Intent: intents.LoginFailed, Confidence: 0.95}}}
	greet := intents.Result{Intent: intents.Greeting, Confidence: 0.9, Lang: language.English}
	tests := []struct {
		name string
		off  intents.Result
		text string
	}{
		{"problem without digits", sure, "I forgot my password and cannot log in"},
		{"not a problem, digits", greet, "hi there, thanks 100 times"},
		{"digits all explained", sure, "locked out since 2025-11-02 14:30"},
		{"only a masked card", sure, "cannot log in with card 4111 1111 1111 1111"},
	}
	for _, tt := range tests {
		res, err := e.combined(stubOffline{tt.off}).Classify(t.Context(), tt.text, testNow)
		if err != nil {
			t.Fatal(err)
		}
		if res.Intent != tt.off.Intent {
			t.Errorf("%s: intent %s, want %s", tt.name, res.Intent, tt.off.Intent)
		}
	}
	if n := e.fake.Hits(); n != 0 {
		t.Errorf("endpoint hit %d times, want 0", n)
	}
	if got := testutil.ToFloat64(e.client.metrics.decisions.WithLabelValues(PathOfflineSure)); got != float64(len(tests)) {
		t.Errorf("offline_sure decisions = %v, want %d", got, len(tests))
	}
	// And with the real offline classifier on a plain message.
	res, err := e.combined(offline(t)).Classify(t.Context(), "I forgot my password and now I can't log in to the app", testNow)
	if err != nil {
		t.Fatal(err)
	}
	if res.Intent != intents.LoginFailed || e.fake.Hits() != 0 {
		t.Errorf("real offline: %s, %d hits; want login_failed without a call", res.Intent, e.fake.Hits())
	}
}

// TestExtractionPath: a sure problem intent with digits the offline
// extractor did not place asks the model, takes only the missing entities
// and keeps the intent.
func TestExtractionPath(t *testing.T) {
	e := newEnv(t, reply(`{"intent":"refund_not_received","confidence":0.99,"lang":"en",
		"entities":{"time":{"value":"2025-11-01T00:00:00+08:00","grain":"day"},"amount":{"value":"88.5","currency":""},"transaction_id":"ZQ-99812"}}`), nil)
	off := intents.Result{Intent: intents.WithdrawalFailed, Confidence: 0.9, Lang: language.English,
		Candidates: []intents.Scored{{Intent: intents.WithdrawalFailed, Confidence: 0.9}},
		Entities:   intents.Entities{Time: &intents.Time{Value: time.Date(2025, 11, 2, 0, 0, 0, 0, hkt), Grain: intents.Day}}}
	c := e.combined(stubOffline{off})
	text := "withdrawal ZQ-99812 for 88.5 stuck"
	if p := c.Ask(off, text, testNow); p != PathExtraction {
		t.Fatalf("path = %s, want %s", p, PathExtraction)
	}
	res, err := c.Classify(t.Context(), text, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if res.Intent != intents.WithdrawalFailed || res.Confidence != 0.9 {
		t.Errorf("intent = %s %.2f; the sure offline intent must stay", res.Intent, res.Confidence)
	}
	if !res.Entities.Time.Value.Equal(off.Entities.Time.Value) {
		t.Errorf("time = %v; the offline time must stay", res.Entities.Time.Value)
	}
	if a := res.Entities.Amount; a == nil || a.Value != "88.50" || a.Currency != "" {
		t.Errorf("amount = %+v, want 88.50 without currency", a)
	}
	if id := res.Entities.TransactionID; id == nil || id.Value != "ZQ-99812" {
		t.Errorf("transaction id = %+v", id)
	}
	if e.fake.Hits() != 1 {
		t.Errorf("hits = %d, want 1", e.fake.Hits())
	}
}

// TestMaskedOnly: what reaches the endpoint is masked, carries the
// reference now with its zone, and nothing about the user.
func TestMaskedOnly(t *testing.T) {
	e := newEnv(t, reply(goodAnswer), nil)
	c := e.combined(stubOffline{unsure(intents.OTPNotReceived)})
	inputs := []struct{ text, secret string }{
		{"my card 4111 1111 1111 1111 was charged twice", "4111 1111 1111 1111"},
		{"卡號4111111111111111俾人碌咗", "4111111111111111"},
		{"the verification code is 834721 but it says expired", "834721"},
		{"驗證碼 590316 用唔到", "590316"},
		{"password: Hunter2pass! still can't log in", "Hunter2pass!"},
	}
	for _, in := range inputs {
		if _, err := c.Classify(t.Context(), in.text, testNow); err != nil {
			t.Fatal(err)
		}
	}
	reqs := e.fake.Requests()
	if len(reqs) != len(inputs) {
		t.Fatalf("%d requests, want %d", len(reqs), len(inputs))
	}
	for i, r := range reqs {
		body := string(r.Body)
		if strings.Contains(body, inputs[i].secret) || strings.Contains(body, strings.ReplaceAll(inputs[i].secret, " ", "")) {
			t.Errorf("request %d carries the secret %q: %s", i, inputs[i].secret, body)
		}
		if r.User != "" || strings.Contains(body, `"user":`) || strings.Contains(body, `"metadata"`) {
			t.Errorf("request %d carries a user field or metadata: %s", i, body)
		}
		u, err := llmfake.ParseUser(r)
		if err != nil {
			t.Fatal(err)
		}
		if u.Now != "2025-11-03T15:00:00+08:00" || u.Weekday != "Monday" || u.Zone != "HKT" {
			t.Errorf("request %d: now %q %q %q, want the reference moment with its zone", i, u.Now, u.Weekday, u.Zone)
		}
		if u.Message != intents.Mask(inputs[i].text) {
			t.Errorf("request %d message %q, want the masked text", i, u.Message)
		}
		if r.Model != "fake-model" || r.ResponseFormat == nil || r.ResponseFormat.Type != "json_schema" {
			t.Errorf("request %d: model %q format %+v", i, r.Model, r.ResponseFormat)
		}
	}
}

// TestBreaker: five failures open it, calls are then refused without a hit,
// after the cool-down one probe goes; its success closes it.
func TestBreaker(t *testing.T) {
	var mu sync.Mutex
	status := http.StatusInternalServerError
	e := newEnv(t, func(llmfake.Request) llmfake.Reply {
		mu.Lock()
		defer mu.Unlock()
		if status != http.StatusOK {
			return llmfake.Reply{Status: status}
		}
		return llmfake.Reply{Content: plainAnswer}
	}, nil)
	c := e.combined(stubOffline{unsure(intents.LoginFailed)})
	m := e.client.metrics
	classify := func() {
		t.Helper()
		if _, err := c.Classify(t.Context(), "help", testNow); err != nil {
			t.Fatal(err)
		}
	}
	for range DefaultBreakerThreshold - 1 {
		classify()
	}
	if got := testutil.ToFloat64(m.breaker); got != float64(stateClosed) {
		t.Fatalf("breaker %v after %d failures, want closed", got, DefaultBreakerThreshold-1)
	}
	classify()
	if got := testutil.ToFloat64(m.breaker); got != float64(stateOpen) {
		t.Fatalf("breaker %v after %d failures, want open", got, DefaultBreakerThreshold)
	}
	for range 10 {
		classify()
	}
	if hits := e.fake.Hits(); hits != DefaultBreakerThreshold {
		t.Errorf("endpoint hit %d times, want %d (none while open)", hits, DefaultBreakerThreshold)
	}
	if got := testutil.ToFloat64(m.fallbacks.WithLabelValues(KindBreakerOpen)); got != 10 {
		t.Errorf("breaker_open fallbacks = %v, want 10", got)
	}

	// After the cool-down a failing probe opens it again.
	e.clock.add(DefaultBreakerCoolDown)
	classify()
	if hits := e.fake.Hits(); hits != DefaultBreakerThreshold+1 {
		t.Errorf("hits = %d, want one probe", hits)
	}
	if got := testutil.ToFloat64(m.breaker); got != float64(stateOpen) {
		t.Errorf("breaker %v after a failed probe, want open", got)
	}
	classify()
	if hits := e.fake.Hits(); hits != DefaultBreakerThreshold+1 {
		t.Errorf("hits = %d, want no call right after the failed probe", hits)
	}

	// The endpoint recovers: the next probe closes the breaker.
	mu.Lock()
	status = http.StatusOK
	mu.Unlock()
	e.clock.add(DefaultBreakerCoolDown - time.Second)
	classify()
	if hits := e.fake.Hits(); hits != DefaultBreakerThreshold+1 {
		t.Errorf("hits = %d, want none before the cool-down ends", hits)
	}
	e.clock.add(time.Second)
	res, err := c.Classify(t.Context(), "help", testNow)
	if err != nil {
		t.Fatal(err)
	}
	if res.Intent != intents.WithdrawalFailed {
		t.Errorf("probe answer not used: %s", res.Intent)
	}
	if got := testutil.ToFloat64(m.breaker); got != float64(stateClosed) {
		t.Errorf("breaker %v after a good probe, want closed", got)
	}
}

// TestDeadEndpoint: a whole dialogue against an endpoint that never answers
// costs one deadline (the first timeout opens the breaker) and then no
// endpoint time.
func TestDeadEndpoint(t *testing.T) {
	e := newEnv(t, func(llmfake.Request) llmfake.Reply { return llmfake.Reply{Hang: true} }, func(c *Config) {
		c.Timeout = 50 * time.Millisecond
	})
	c := e.combined(stubOffline{unsure(intents.AppProblem)})
	const turns = 40
	start := time.Now()
	for i := range turns {
		res, err := c.Classify(t.Context(), "the app "+strings.Repeat("!", i), testNow)
		if err != nil || res.Intent != intents.AppProblem {
			t.Fatalf("turn %d: %v %v", i, res.Intent, err)
		}
	}
	elapsed := time.Since(start)
	if hits := e.fake.Hits(); hits != 1 {
		t.Errorf("endpoint hit %d times in %d turns, want 1", hits, turns)
	}
	m := e.client.metrics
	if got := testutil.ToFloat64(m.fallbacks.WithLabelValues(KindTimeout)); got != 1 {
		t.Errorf("timeout fallbacks = %v, want 1", got)
	}
	if got := testutil.ToFloat64(m.fallbacks.WithLabelValues(KindBreakerOpen)); got != turns-1 {
		t.Errorf("breaker_open fallbacks = %v, want %d", got, turns-1)
	}
	// A very loose bound, only to catch a breaker that does not stop calls
	// (40 deadlines would be 2 s); the counts above are the real check.
	if elapsed > 50*time.Millisecond+1500*time.Millisecond {
		t.Errorf("dialogue took %v", elapsed)
	}
}

func TestBusyFallsBackAtOnce(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	e := newEnv(t, func(llmfake.Request) llmfake.Reply {
		entered <- struct{}{}
		<-release
		return llmfake.Reply{Content: plainAnswer}
	}, func(c *Config) { c.MaxInFlight = 1 })
	c := e.combined(stubOffline{unsure(intents.LoginFailed)})
	done := make(chan intents.Result)
	go func() {
		res, _ := c.Classify(context.Background(), "first", testNow)
		done <- res
	}()
	<-entered
	res, err := c.Classify(t.Context(), "second", testNow)
	if err != nil || res.Intent != intents.LoginFailed {
		t.Errorf("second call: %v %v, want the offline answer", res.Intent, err)
	}
	if got := testutil.ToFloat64(e.client.metrics.fallbacks.WithLabelValues(KindBusy)); got != 1 {
		t.Errorf("busy fallbacks = %v, want 1", got)
	}
	close(release)
	if first := <-done; first.Intent != intents.WithdrawalFailed {
		t.Errorf("first call: %s, want the model's answer", first.Intent)
	}
	if e.client.BreakerOpen() {
		t.Error("busy must not count against the breaker")
	}
}

// TestSchemaFallback: an endpoint that rejects json_schema gets the call
// again as json_object, and only json_object from then on.
func TestSchemaFallback(t *testing.T) {
	e := newEnv(t, func(r llmfake.Request) llmfake.Reply {
		if r.ResponseFormat != nil && r.ResponseFormat.Type == "json_schema" {
			return llmfake.Reply{Status: http.StatusBadRequest,
				Body: `{"error":{"message":"response_format json_schema is not supported","type":"invalid_request_error"}}`}
		}
		return llmfake.Reply{Content: plainAnswer}
	}, nil)
	c := e.combined(stubOffline{unsure(intents.LoginFailed)})
	for _, text := range []string{"one", "two"} {
		res, err := c.Classify(t.Context(), text, testNow)
		if err != nil || res.Intent != intents.WithdrawalFailed {
			t.Fatalf("%s: %v %v, want the model's answer", text, res.Intent, err)
		}
	}
	var formats []string
	for _, r := range e.fake.Requests() {
		formats = append(formats, r.ResponseFormat.Type)
	}
	if got := strings.Join(formats, ","); got != "json_schema,json_object,json_object" {
		t.Errorf("formats sent = %s", got)
	}
	if !strings.Contains(e.fake.Requests()[1].Messages[0].Content, "JSON") {
		t.Error("json_object mode needs the word JSON in the prompt")
	}
}

func TestCache(t *testing.T) {
	e := newEnv(t, reply(goodAnswer), nil)
	c := e.combined(stubOffline{unsure(intents.LoginFailed)})
	classify := func(text string, now time.Time) intents.Result {
		t.Helper()
		res, err := c.Classify(t.Context(), text, now)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	text := "withdrawal WD20251102X7 yesterday"
	classify(text, testNow)
	classify(text, testNow)
	if e.fake.Hits() != 1 {
		t.Errorf("hits = %d, want 1 (second from the cache)", e.fake.Hits())
	}
	// The answer has an hour-grain time: another minute asks again.
	classify(text, testNow.Add(time.Minute))
	if e.fake.Hits() != 2 {
		t.Errorf("hits = %d, want 2 (clock-relative answer, new minute)", e.fake.Hits())
	}
	// Another day always asks again.
	classify(text, testNow.Add(24*time.Hour))
	if e.fake.Hits() != 3 {
		t.Errorf("hits = %d, want 3 (new day)", e.fake.Hits())
	}
	// Two texts that mask alike share an entry, and each gets spans of its own.
	e.fake.SetScript(reply(`{"intent":"duplicate_charge","confidence":0.8,"lang":"en","entities":{"time":null,"amount":null,"transaction_id":"AB12345"}}`))
	a := classify("card 4111 1111 1111 1111 charged twice AB12345", testNow)
	b := classify("card 4111111111111111 charged twice AB12345", testNow)
	if e.fake.Hits() != 4 {
		t.Errorf("hits = %d, want 4", e.fake.Hits())
	}
	if a.Entities.TransactionID.Span == b.Entities.TransactionID.Span {
		t.Errorf("spans %v and %v should differ: they are offsets into each original text", a.Entities.TransactionID.Span, b.Entities.TransactionID.Span)
	}
	if got := testutil.ToFloat64(e.client.metrics.cache.WithLabelValues("hit")); got != 2 {
		t.Errorf("cache hits = %v, want 2", got)
	}
}

func TestCanceledCallerIsNotAnEndpointFailure(t *testing.T) {
	e := newEnv(t, func(llmfake.Request) llmfake.Reply { return llmfake.Reply{Hang: true} }, nil)
	for range DefaultBreakerThreshold + 2 {
		ctx, cancel := context.WithCancel(t.Context())
		go func() { time.Sleep(10 * time.Millisecond); cancel() }()
		_, err := e.clf.Classify(ctx, "hello", testNow)
		if !errors.Is(err, ErrCanceled) {
			t.Fatalf("err = %v, want ErrCanceled", err)
		}
	}
	if e.client.BreakerOpen() {
		t.Error("the caller's cancellations opened the breaker")
	}
}

func TestNewClientConfig(t *testing.T) {
	if _, err := NewClient(Config{}); !errors.Is(err, ErrConfig) {
		t.Errorf("no key: %v, want ErrConfig", err)
	}
	// A second client on one registry (a restart inside one process)
	// shares the series, as every part's metrics do (promreg).
	reg := prometheus.NewRegistry()
	a, err := NewClient(Config{APIKey: "k", Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewClient(Config{APIKey: "k", Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	a.metrics.calls.WithLabelValues(opClassify).Inc()
	if got := testutil.ToFloat64(b.metrics.calls.WithLabelValues(opClassify)); got != 1 {
		t.Errorf("the second client's calls = %v, want the first's 1 (shared series)", got)
	}
}

func TestEmptyText(t *testing.T) {
	e := newEnv(t, reply(goodAnswer), nil)
	if _, err := e.clf.Classify(t.Context(), "  ", testNow); !errors.Is(err, intents.ErrEmptyText) {
		t.Errorf("err = %v, want ErrEmptyText", err)
	}
	if _, err := e.combined(offline(t)).Classify(t.Context(), "", testNow); !errors.Is(err, intents.ErrEmptyText) {
		t.Errorf("combined err = %v, want ErrEmptyText", err)
	}
	if e.fake.Hits() != 0 {
		t.Error("an empty text reached the endpoint")
	}
}

// TestConstructorsRequire: each constructor of the package refuses a
// missing required part with an error naming it.
func TestConstructorsRequire(t *testing.T) {
	e := newEnv(t, reply(plainAnswer), nil)
	off := stubOffline{unsure(intents.LoginFailed)}
	tests := []struct {
		name string
		new  func() (any, error)
		want string // "" when the constructor must succeed
	}{
		{"client without key", func() (any, error) { return NewClient(Config{}) }, "llm: bad configuration: no API key"},
		{"client", func() (any, error) { return NewClient(Config{APIKey: "k"}) }, ""},
		{"classifier without client", func() (any, error) { return NewClassifier(nil) }, "llm: NewClassifier: the Client is required"},
		{"classifier", func() (any, error) { return NewClassifier(e.client) }, ""},
		{"combined without offline", func() (any, error) { return NewCombined(CombinedConfig{Model: e.clf}) }, "llm: CombinedConfig.Offline is required"},
		{"combined without model", func() (any, error) { return NewCombined(CombinedConfig{Offline: off}) }, "llm: CombinedConfig.Model is required"},
		{"combined", func() (any, error) { return NewCombined(CombinedConfig{Offline: off, Model: e.clf}) }, ""},
		{"summarizer without lang", func() (any, error) { return NewSummarizer(SummarizerConfig{Client: e.client}) }, `llm: SummarizerConfig.Lang "" is not zh-Hant, zh-Hans or en`},
		{"summarizer with a bad lang", func() (any, error) { return NewSummarizer(SummarizerConfig{Lang: "fr"}) }, `llm: SummarizerConfig.Lang "fr" is not zh-Hant, zh-Hans or en`},
		{"summarizer", func() (any, error) { return NewSummarizer(SummarizerConfig{Lang: "zh-Hans"}) }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.new()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("error %v", err)
			case tt.want != "" && (err == nil || err.Error() != tt.want):
				t.Fatalf("error %v, want %q", err, tt.want)
			case tt.want != "" && got != nil && !reflect.ValueOf(got).IsNil():
				t.Fatalf("%v returned with its error", got)
			}
		})
	}
}

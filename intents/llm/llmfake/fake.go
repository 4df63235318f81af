// Package llmfake is an OpenAI-compatible chat completions endpoint for
// tests and local runs, with the real JSON shapes. It records every request
// body it receives, so tests can check what left the process, and answers
// either with a scripted reply or, by default, with the offline classifier's
// own reading of the (masked) message it was sent — which exercises the
// whole LLM path without measuring any model's quality.
package llmfake

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/triagebot/triagebot/intents"
)

// Reply is what the fake answers to one request.
type Reply struct {
	// Status is the HTTP status; 0 means 200.
	Status int
	// Content is the assistant message's content (for 200).
	Content string
	// Refusal fills the message's refusal field instead of content.
	Refusal string
	// FinishReason defaults to "stop".
	FinishReason string
	// Body, when set, is sent verbatim instead of a completion (errors,
	// broken JSON).
	Body string
	// Hang makes the fake wait until the client gives up.
	Hang bool
}

// Request is one request as received.
type Request struct {
	Body []byte
	// Parsed fields the tests look at.
	Model          string `json:"model"`
	User           string `json:"user"`
	ResponseFormat *struct {
		Type string `json:"type"`
	} `json:"response_format"`
	Messages []struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	} `json:"messages"`
}

// Script picks the reply to a request; nil replies as the offline
// classifier would.
type Script func(r Request) Reply

// Fake is the endpoint. Serve it with httptest.NewServer(f) and use the
// server's URL + "/v1" as the base URL.
type Fake struct {
	mu       sync.Mutex
	script   Script
	requests []Request

	// The offline classifier is trained on first use: scripted fakes in
	// tests never pay for it.
	offlineOnce sync.Once
	offline     intents.Classifier
	offlineErr  error
}

// New returns a fake that answers with script (nil: the offline answer).
func New(script Script) *Fake {
	return &Fake{script: script}
}

// SetScript replaces the script.
func (f *Fake) SetScript(s Script) {
	f.mu.Lock()
	f.script = s
	f.mu.Unlock()
}

// Requests returns the requests received so far.
func (f *Fake) Requests() []Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Request(nil), f.requests...)
}

// Hits is the number of requests received.
func (f *Fake) Hits() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.requests)
}

// ServeHTTP answers POST /v1/chat/completions.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/chat/completions" {
		http.Error(w, `{"error":{"message":"not found","type":"invalid_request_error"}}`, http.StatusNotFound)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return
	}
	req := Request{Body: body}
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, http.StatusBadRequest, "invalid JSON body")
		return
	}
	req.Body = body
	f.mu.Lock()
	f.requests = append(f.requests, req)
	script := f.script
	f.mu.Unlock()

	var rep Reply
	if script != nil {
		rep = script(req)
	} else {
		rep = f.offlineReply(r.Context(), req)
	}
	if rep.Hang {
		<-r.Context().Done()
		return
	}
	status := rep.Status
	if status == 0 {
		status = http.StatusOK
	}
	w.Header().Set("Content-Type", "application/json")
	if rep.Body != "" {
		w.WriteHeader(status)
		io.WriteString(w, rep.Body)
		return
	}
	if status != http.StatusOK {
		writeError(w, status, http.StatusText(status))
		return
	}
	finish := rep.FinishReason
	if finish == "" {
		finish = "stop"
	}
	msg := map[string]any{"role": "assistant", "content": rep.Content}
	if rep.Refusal != "" {
		msg = map[string]any{"role": "assistant", "content": nil, "refusal": rep.Refusal}
	}
	json.NewEncoder(w).Encode(map[string]any{
		"id": "chatcmpl-fake", "object": "chat.completion", "created": time.Now().Unix(), "model": req.Model,
		"choices": []any{map[string]any{"index": 0, "message": msg, "finish_reason": finish}},
		"usage":   map[string]any{"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
	})
}

func writeError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": msg, "type": "fake_error"}})
}

// UserMessage is the user turn the classifier sends.
type UserMessage struct {
	Now     string `json:"now"`
	Weekday string `json:"weekday"`
	Zone    string `json:"zone"`
	Message string `json:"message"`
}

// ParseUser decodes the classifier's user turn of req.
func ParseUser(req Request) (UserMessage, error) {
	var u UserMessage
	for _, m := range req.Messages {
		if m.Role == "user" {
			if err := json.Unmarshal([]byte(m.Content), &u); err != nil {
				return u, fmt.Errorf("llmfake: user turn is not the classifier's JSON: %w", err)
			}
			return u, nil
		}
	}
	return u, fmt.Errorf("llmfake: no user turn")
}

// offlineReply answers a classifier request as the offline classifier reads
// the masked message, and a summary request with a fixed sentence.
func (f *Fake) offlineReply(ctx context.Context, req Request) Reply {
	u, err := ParseUser(req)
	if err != nil || u.Message == "" {
		return Reply{Content: "The customer reports a problem with a payment."}
	}
	now, err := time.Parse(time.RFC3339, u.Now)
	if err != nil {
		return Reply{Status: http.StatusBadRequest}
	}
	if loc, err := time.LoadLocation(u.Zone); err == nil {
		now = now.In(loc)
	}
	f.offlineOnce.Do(func() { f.offline, f.offlineErr = intents.NewOffline() })
	if f.offlineErr != nil {
		return Reply{Status: http.StatusInternalServerError}
	}
	res, err := f.offline.Classify(ctx, u.Message, now)
	if err != nil {
		return Reply{Status: http.StatusBadRequest}
	}
	return Reply{Content: Answer(res)}
}

// Answer writes a result as the JSON the classifier asks the model for.
func Answer(res intents.Result) string {
	ents := map[string]any{"time": nil, "amount": nil, "transaction_id": nil}
	if t := res.Entities.Time; t != nil {
		ents["time"] = map[string]any{"value": t.Value.Format(time.RFC3339), "grain": t.Grain}
	}
	if a := res.Entities.Amount; a != nil {
		ents["amount"] = map[string]any{"value": a.Value, "currency": a.Currency}
	}
	if id := res.Entities.TransactionID; id != nil {
		ents["transaction_id"] = id.Value
	}
	b, _ := json.Marshal(map[string]any{"intent": res.Intent, "confidence": res.Confidence, "lang": res.Lang, "entities": ents})
	return string(b)
}

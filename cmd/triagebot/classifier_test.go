package main

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/triagebot/triagebot/intents"
	"github.com/triagebot/triagebot/intents/llm"
	"github.com/triagebot/triagebot/intents/llm/llmfake"
)

func TestNewClassifierOfflineWithoutKey(t *testing.T) {
	clf, err := newClassifier(Config{}, prometheus.NewRegistry(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := clf.(*intents.Offline); !ok {
		t.Errorf("without OPENAI_API_KEY got %T, want the offline classifier", clf)
	}
	if s, err := newSummarizer(clf, Config{}, "zh-Hant"); err != nil {
		t.Fatal(err)
	} else if _, ok := s.(llm.Template); !ok {
		t.Error("without a model the summarizer should be the template")
	}
}

func TestNewClassifierWithKey(t *testing.T) {
	reg := prometheus.NewRegistry()
	clf, err := newClassifier(Config{OpenAIKey: "k", OpenAIBaseURL: "http://127.0.0.1:1/v1", OpenAIModel: "m"}, reg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := clf.(*llm.Combined); !ok {
		t.Fatalf("with OPENAI_API_KEY got %T, want llm.Combined", clf)
	}
	s, err := newSummarizer(clf, Config{Location: time.UTC}, "en")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.(*llm.ModelSummarizer); !ok {
		t.Error("with a model the summarizer should use it")
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, mf := range mfs {
		found = found || mf.GetName() == "triagebot_llm_breaker_state"
	}
	if !found {
		t.Error("LLM metrics not registered on the server's registry")
	}
	// The summarizer falls back to the template when the endpoint is down.
	got := s.Summarize(t.Context(), intents.SummaryInput{Intent: intents.RefundNotReceived,
		Lines: []intents.SummaryLine{{From: "user", Text: "refund not back"}}})
	if !strings.HasPrefix(got, "Refund not received.") {
		t.Errorf("summary with the endpoint down = %q, want the template", got)
	}
}

// TestClassifyUsesLLMWhenKeySet: `triagebot classify` asks the model on the
// lines the offline engine is unsure of, and only on those.
func TestClassifyUsesLLMWhenKeySet(t *testing.T) {
	off, err := intents.NewOffline()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2025, 11, 3, 15, 0, 0, 0, time.FixedZone("HKT", 8*3600))
	var unsure string
	for _, s := range []string{"hmm", "erm", "well then", "嗯嗯嗯", "ok?"} {
		if r, err := off.Classify(t.Context(), s, now); err == nil && r.Confidence < intents.ClarifyBelow {
			unsure = s
			break
		}
	}
	sure := "I forgot my password and now I can't log in to the app"
	if r, err := off.Classify(t.Context(), sure, now); err != nil || r.Confidence < intents.ClarifyBelow || r.Intent != intents.LoginFailed {
		t.Fatalf("precondition: offline should be sure of %q: %+v %v", sure, r, err)
	}
	if unsure == "" {
		t.Fatal("precondition: none of the probe texts is unsure offline; pick new ones")
	}
	fake := llmfake.New(func(llmfake.Request) llmfake.Reply {
		return llmfake.Reply{Content: `{"intent":"human_agent","confidence":0.77,"lang":"en","entities":{"time":null,"amount":null,"transaction_id":null}}`}
	})
	srv := httptest.NewServer(fake)
	defer srv.Close()
	getenv := func(k string) string {
		return map[string]string{"OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": srv.URL + "/v1"}[k]
	}
	in := `{"text":` + quote(unsure) + "}\n" + `{"text":` + quote(sure) + "}\n"
	var out, errOut bytes.Buffer
	if err := classifyMain(t.Context(), []string{"-now", now.Format(time.RFC3339)}, stdio{in: strings.NewReader(in), out: &out, err: &errOut, getenv: getenv}); err != nil {
		t.Fatal(err, errOut.String())
	}
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, m)
	}
	if len(lines) != 2 || lines[0]["intent"] != "human_agent" || lines[0]["confidence"] != 0.77 || lines[1]["intent"] != "login_failed" {
		t.Errorf("output %v: want the model's answer for the unsure line, the offline one for the sure line", lines)
	}
	if fake.Hits() != 1 {
		t.Errorf("model asked %d times, want 1", fake.Hits())
	}
	if reqs := fake.Requests(); len(reqs) == 1 && reqs[0].Model != defaultModel {
		t.Errorf("model %q, want the default %q", reqs[0].Model, defaultModel)
	}
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

package llm

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/triagebot/triagebot/intents"
	"github.com/triagebot/triagebot/intents/llm/llmfake"
	"github.com/triagebot/triagebot/language"
)

// testTicket is a new ticket's summary input. The identifiers a ticket
// would carry (user id and name, ticket and conversation ids) cannot even
// be given: the leak test below checks none reaches the model anyway.
func testTicket() intents.SummaryInput {
	return intents.SummaryInput{
		Intent: "withdrawal_failed",
		Time:   "2025-11-02T15:00:00+08:00", TimeGrain: "hour", Amount: "1200.00", Currency: "HKD", TransactionID: "TX20251102ABC",
		Lines: []intents.SummaryLine{
			{From: "user", Text: "琴日3點提款 HK$1200 仲未到帳, card 4111 1111 1111 1111"},
			{From: "bot", Text: "請提供參考編號"},
			{From: "user", Text: "TX20251102ABC"},
		},
		Attachments: 1,
	}
}

func TestTemplateSummary(t *testing.T) {
	tests := []struct {
		lang language.Lang
		want []string
	}{
		{"zh-Hant", []string{"提款未到帳。", "時間：2025-11-02 15:00。", "金額：HKD 1200.00。", "參考編號：TX20251102ABC。", "客戶說：「琴日3點提款", "客戶訊息 2 則，附件 1 個"}},
		{"zh-Hans", []string{"提现未到账。", "金额：HKD 1200.00。"}},
		{"en", []string{"Withdrawal not arrived.", "When: 2025-11-02 15:00.", "Amount: HKD 1200.00.", "(2 customer messages, 1 attachment)"}},
	}
	for _, tt := range tests {
		got := Template{Lang: tt.lang, Location: hkt}.Summarize(t.Context(), testTicket())
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: %q lacks %q", tt.lang, got, w)
			}
		}
		if strings.Contains(got, "4111 1111 1111 1111") || strings.Contains(got, "Chan") {
			t.Errorf("%s: %q leaks the card or the name", tt.lang, got)
		}
	}
	// A ticket without details and with an unknown intent still reads well.
	got := Template{Lang: "en"}.Summarize(t.Context(), intents.SummaryInput{Intent: "nonsense"})
	if got != "Other question. (0 customer messages)" {
		t.Errorf("bare ticket: %q", got)
	}
	day := testTicket()
	day.TimeGrain = "day"
	if got := (Template{Lang: "en", Location: hkt}).Summarize(t.Context(), day); !strings.Contains(got, "When: 2025-11-02.") {
		t.Errorf("day grain: %q", got)
	}
}

func TestModelSummary(t *testing.T) {
	e := newEnv(t, reply("客戶琴日下午3點提款 HKD 1200（TX20251102ABC）仍未到帳，已附截圖。"), nil)
	s := mustSummarizer(t, SummarizerConfig{Client: e.client, Lang: "zh-Hant", Location: hkt})
	got := s.Summarize(t.Context(), testTicket())
	if got != "客戶琴日下午3點提款 HKD 1200（TX20251102ABC）仍未到帳，已附截圖。" {
		t.Errorf("summary = %q, want the model's", got)
	}
	reqs := e.fake.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests", len(reqs))
	}
	body := string(reqs[0].Body)
	for _, leak := range []string{"4111 1111 1111 1111", "998877", "Chan Tai Man", "conv-secret-1", "T-000042", `"user":`} {
		if strings.Contains(body, leak) {
			t.Errorf("summary request carries %q: %s", leak, body)
		}
	}
	if reqs[0].ResponseFormat != nil {
		t.Errorf("a summary is text, not JSON: %+v", reqs[0].ResponseFormat)
	}
	var in summaryInput
	if err := json.Unmarshal([]byte(reqs[0].Messages[1].Content), &in); err != nil {
		t.Fatal(err)
	}
	if len(in.Transcript) != 3 || in.Transcript[2].Text != "TX20251102ABC" || in.Problem != "withdrawal_failed" {
		t.Errorf("summary input = %+v", in)
	}
	if !strings.Contains(reqs[0].Messages[0].Content, "Traditional Chinese") {
		t.Error("the prompt does not ask for the agents' language")
	}
	if got := testutil.ToFloat64(e.client.metrics.calls.WithLabelValues(opSummarize)); got != 1 {
		t.Errorf("summarize calls = %v", got)
	}
}

func TestModelSummaryFallsBack(t *testing.T) {
	tests := []struct {
		name  string
		reply llmfake.Reply
		kind  string
	}{
		{"500", llmfake.Reply{Status: http.StatusInternalServerError}, KindHTTP5xx},
		{"refusal", llmfake.Reply{Refusal: "no"}, KindRefusal},
		{"wrong language", llmfake.Reply{Content: "The customer's withdrawal has not arrived."}, KindInvalid},
		{"too long", llmfake.Reply{Content: strings.Repeat("客戶提款未到帳。", 80)}, KindInvalid},
		{"only quotes", llmfake.Reply{Content: `「」`}, KindInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, func(llmfake.Request) llmfake.Reply { return tt.reply }, nil)
			got := mustSummarizer(t, SummarizerConfig{Client: e.client, Lang: "zh-Hant", Location: hkt}).Summarize(t.Context(), testTicket())
			want := Template{Lang: "zh-Hant", Location: hkt}.Summarize(t.Context(), testTicket())
			if got != want {
				t.Errorf("summary = %q, want the template %q", got, want)
			}
			if n := testutil.ToFloat64(e.client.metrics.fallbacks.WithLabelValues(tt.kind)); n != 1 {
				t.Errorf("fallbacks{%s} = %v, want 1", tt.kind, n)
			}
		})
	}
}

func TestModelSummaryIsMasked(t *testing.T) {
	e := newEnv(t, reply("Customer says card 4111 1111 1111 1111 was charged twice."), nil)
	got := mustSummarizer(t, SummarizerConfig{Client: e.client, Lang: "en", Location: hkt}).Summarize(t.Context(), testTicket())
	if strings.Contains(got, "4111 1111 1111 1111") || !strings.Contains(got, "****1111") {
		t.Errorf("summary %q: a card number from the model must be masked", got)
	}
}

func TestNilClientSummarizerIsTemplate(t *testing.T) {
	if _, ok := mustSummarizer(t, SummarizerConfig{Lang: "en"}).(Template); !ok {
		t.Error("no client: want the template")
	}
}

func mustSummarizer(t *testing.T, cfg SummarizerConfig) Summarizer {
	t.Helper()
	s, err := NewSummarizer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

package prompts

import (
	"strings"
	"testing"

	"github.com/triagebot/triagebot/language"
)

// contractIntents are section 2's ids. They are spelled out here rather than
// imported so that this package keeps no dependency on intents.
var contractIntents = []string{
	"login_failed", "otp_not_received", "biometric_failed", "account_frozen",
	"payment_not_received", "withdrawal_failed", "transaction_failed", "duplicate_charge",
	"refund_not_received", "unauthorized_transaction", "app_problem", "merchant_integration",
	"human_agent", "ticket_status", "greeting", "out_of_scope",
}

// TestLLMClassifyPromptIntents checks that the model is told every intent,
// each once as a list item with a meaning, and the JSON shape it must answer.
func TestLLMClassifyPromptIntents(t *testing.T) {
	for _, id := range contractIntents {
		if n := strings.Count(LLMClassifySystem, "\n- "+id+": "); n != 1 {
			t.Errorf("intent %s listed %d times, want 1", id, n)
		}
		if !Has(IntentLabel(id)) {
			t.Errorf("intent %s has no label for the template summary", id)
		}
	}
	if n := strings.Count(LLMClassifySystem, "\n- ") - 3; n != len(contractIntents) { // 3 entity items
		t.Errorf("prompt lists %d items besides the entities, want %d", n, len(contractIntents))
	}
	for _, want := range []string{`"intent"`, `"confidence"`, `"lang"`, `"entities"`, `"grain"`, `"currency"`, `"transaction_id"`, "JSON"} {
		if !strings.Contains(LLMClassifySystem, want) {
			t.Errorf("prompt does not mention %s", want)
		}
	}
}

func TestLLMSummarySystem(t *testing.T) {
	tests := []struct {
		lang language.Lang
		want string
	}{
		{language.ZhHant, "Traditional Chinese"},
		{language.ZhHans, "Simplified Chinese"},
		{language.English, "in English."},
		{"fr", "in English."},
	}
	for _, tt := range tests {
		got := LLMSummarySystem(tt.lang)
		if !strings.Contains(got, tt.want) || strings.Contains(got, "{language}") {
			t.Errorf("LLMSummarySystem(%q) does not name %q or keeps the placeholder", tt.lang, tt.want)
		}
	}
}

func TestSummaryTemplateLeavesOutEmptyFields(t *testing.T) {
	for _, lang := range language.All {
		got := Render(lang, SummaryTemplate, SummaryData{Problem: "P", Messages: 1})
		if !strings.HasPrefix(got, "P") {
			t.Errorf("%s: %q does not start with the problem", lang, got)
		}
		for _, absent := range []string{"HKD", "1200", "TX", "「", "“", "\"", "0 "} {
			if strings.Contains(got, absent) {
				t.Errorf("%s: %q mentions %q although it is empty", lang, got, absent)
			}
		}
	}
	if got := Render(language.English, SummaryTemplate, SummaryData{Problem: "P", Messages: 1}); !strings.Contains(got, "(1 customer message)") {
		t.Errorf("English singular: %q", got)
	}
}

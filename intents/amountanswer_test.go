package intents

import (
	"testing"
	"time"
)

func TestAmountAnswer(t *testing.T) {
	now := time.Date(2025, 11, 3, 15, 0, 0, 0, time.FixedZone("HKT", 8*3600))
	tests := []struct {
		in, value, currency string
		ok                  bool
	}{
		{"800", "800.00", "", true},
		{" 1,200.50 ", "1200.50", "", true},
		{"八百", "800.00", "", true},
		{"2k", "2000.00", "", true},
		{"３０００", "3000.00", "", true},
		{"HK$300", "300.00", "HKD", true}, // what Extract reads stands
		{"500港元", "500.00", "HKD", true},  //
		{"人民币", "", "", false},            // a currency alone is no amount
		{"I don't know", "", "", false},
		{"TX20251101A1", "", "", false},
		{"", "", "", false},
		{"800 because of the fee", "", "", false}, // more than a figure
	}
	for _, tt := range tests {
		a := AmountAnswer(tt.in, now)
		if (a != nil) != tt.ok {
			t.Errorf("AmountAnswer(%q) = %+v, want ok=%v", tt.in, a, tt.ok)
			continue
		}
		if a == nil {
			continue
		}
		if a.Value != tt.value || a.Currency != tt.currency {
			t.Errorf("AmountAnswer(%q) = %s %q, want %s %q", tt.in, a.Value, a.Currency, tt.value, tt.currency)
		}
		if got := tt.in[a.Span.Start:a.Span.End]; got == "" {
			t.Errorf("AmountAnswer(%q): empty span", tt.in)
		}
	}
}

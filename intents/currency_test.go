package intents

import "testing"

func TestCurrency(t *testing.T) {
	tests := []struct{ in, want string }{
		{"HKD", "HKD"},
		{"hkd please", "HKD"},
		{"ＨＫＤ", "HKD"},
		{"港幣", "HKD"},
		{"係港元", "HKD"},
		{"港币", "HKD"},
		{"Hong Kong dollars", "HKD"},
		{"US dollars", "USD"},
		{"美金", "USD"},
		{"人民币", "CNY"},
		{"RMB", "CNY"},
		{"in yen", "JPY"},
		{"EUR", "EUR"},
		{"$", ""},
		{"元", ""},
		{"dollars", ""},
		{"I don't know", ""},
		{"thkdx", ""},        // not a word of its own
		{"usdt", ""},         // a token, not US dollars
		{"港幣定美金？唔記得", "HKD"}, // the first one named
		{"", ""},
		{"\xff\xfe", ""},
	}
	for _, tt := range tests {
		if got := Currency(tt.in); got != tt.want {
			t.Errorf("Currency(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

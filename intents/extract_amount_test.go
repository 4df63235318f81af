package intents

import "testing"

func TestExtractAmount(t *testing.T) {
	now := refNow(t)
	tests := []struct {
		text     string
		value    string // "" when no amount must be found
		currency string
	}{
		{"I paid HK$1,200.50 for it", "1200.50", "HKD"},
		{"轉咗港幣300俾朋友", "300.00", "HKD"},
		{"俾咗300蚊", "300.00", "HKD"},
		{"扣咗五百蚊", "500.00", "HKD"},
		{"少了一千二百元", "1200.00", ""},
		{"轉咗3千", "3000.00", ""},
		{"入咗1.5萬", "15000.00", ""},
		{"lost about 2k", "2000.00", ""},
		{"charged USD 49.99 on my card", "49.99", "USD"},
		{"買咗¥88嘅嘢", "88.00", ""},
		{"付了＄88", "88.00", ""},
		{"提款500港元", "500.00", "HKD"},
		{"转了人民币2000给他", "2000.00", "CNY"},
		{"RMB 350 was taken", "350.00", "CNY"},
		{"sent US$75 to my sister", "75.00", "USD"},
		{"扣咗兩千五", "2500.00", ""},
		{"俾咗一萬二蚊", "12000.00", "HKD"},
		{"入咗３０００蚊", "3000.00", "HKD"},
		{"提咗HKD500", "500.00", "HKD"},
		{"refund of 120 HKD", "120.00", "HKD"},
		{"paid 50 dollars", "50.00", ""},
		{"交電費$500", "500.00", ""},
		{"1500元还没到", "1500.00", ""},
		{"买了200块的东西", "200.00", ""},
		{"美金100", "100.00", "USD"},
		{"付了50美元", "50.00", "USD"},
		{"300元人民币", "300.00", "CNY"},
		{"買機票用咗¥30,000円", "30000.00", "JPY"},
		{"my daily limit is 5000 now", "5000.00", ""},
		{"餘額剩 120", "120.00", ""},
		{"额度只有5万", "50000.00", ""},
		{"一百五十元", "150.00", ""},
		{"sent 500 to my friend via FPS", "500.00", ""},
		{"轉咗800俾佢", "800.00", ""},
		{"withdrew 3000 yesterday", "3000.00", ""},
		// The best amount: one with a currency over one without.
		{"paid $20 twice, the bank says HK$40 total", "40.00", "HKD"},
		{"轉咗$500 同埋另一筆$300", "500.00", ""},
		// Not amounts.
		{"tried 3 times", "", ""},
		{"試咗兩次", "", ""},
		{"三日都未到", "", ""},
		{"call me on 9123 4567", "", ""},
		{"電話 +852 9123 4567", "", ""},
		{"my card 4111 1111 1111 1111 was charged", "", ""},
		{"order TXN20251029001234", "", ""},
		{"10月29號 14:30", "", ""},
		{"ticket T-000123", "", ""},
		{"error 502", "", ""},
		{"OTP 482913 is not working", "", ""},
		{"3千步", "", ""},
		{"千萬唔好俾錢佢", "", ""},
		{"iPhone 15 app crashes", "", ""},
		{"version 2.3.1", "", ""},
		{"wait 2k times", "", ""},
		{"sent 2 emails already", "", ""},
		{"转了3次都失败", "", ""},
		{"paypal 500", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			a := Extract(tc.text, now).Amount
			if tc.value == "" {
				if a != nil {
					t.Errorf("Extract(%q).Amount = %+v, want none", tc.text, *a)
				}
				return
			}
			if a == nil {
				t.Fatalf("Extract(%q).Amount = nil, want %s %q", tc.text, tc.value, tc.currency)
			}
			if a.Value != tc.value || a.Currency != tc.currency {
				t.Errorf("Extract(%q).Amount = %s %q, want %s %q", tc.text, a.Value, a.Currency, tc.value, tc.currency)
			}
			if a.Span.Start < 0 || a.Span.End > len(tc.text) || a.Span.Start >= a.Span.End {
				t.Errorf("bad span %+v", a.Span)
			}
		})
	}
}

func TestReadCN(t *testing.T) {
	tests := []struct {
		in   string
		want int64
	}{
		{"一", 1}, {"十", 10}, {"十一", 11}, {"二十", 20}, {"一百五十", 150}, {"三百五", 350},
		{"兩千五", 2500}, {"一千二百", 1200}, {"一千零五", 1005}, {"一萬二", 12000},
		{"三萬五千", 35000}, {"五十萬", 500000}, {"一億", 100000000},
	}
	for _, tc := range tests {
		got, end, _, ok := readCN([]byte(tc.in), 0)
		if !ok || got != tc.want || end != len(tc.in) {
			t.Errorf("readCN(%q) = %d, %d, %v; want %d", tc.in, got, end, ok, tc.want)
		}
	}
}

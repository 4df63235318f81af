package intents

import "testing"

func TestExtractTransactionID(t *testing.T) {
	now := refNow(t)
	tests := []struct {
		text string
		want string // "" when no id must be found
	}{
		{"transfer TXN20251029001234 failed", "TXN20251029001234"},
		{"參考號TX20251031A7", "TX20251031A7"},
		{"FPS1234567890 未到", "FPS1234567890"},
		{"FPS ref FPS20251102C3 pending", "FPS20251102C3"},
		{"wallet id 1234567890123456789012345678", "1234567890123456789012345678"},
		{"my order ORD-884213 was charged twice", "ORD-884213"},
		{"ref: AB12CD", "AB12CD"},
		{"reference 77812", "77812"},
		{"order no. 5566778", "5566778"},
		{"交易編號：ZX88120931", "ZX88120931"},
		{"订单号 202511020099", "202511020099"},
		{"參考編號 HK-22-81734", "HK-22-81734"},
		{"流水号CN20251101778899", "CN20251101778899"},
		{"webhook for payment pi_9ZkQ81Lm2 failed", "pi_9ZkQ81Lm2"},
		{"Ｔｘｎ２０２５１１０１００５ failed", "Txn20251101005"},
		// The id beats other numbers around it.
		{"HK$300 on 2025-10-29, ref WD20251029000777, call 9123 4567", "WD20251029000777"},
		// Not ids.
		{"ticket T-000123 still open", ""},
		{"case T-000456", ""},
		{"error E1003 on login", ""},
		{"got error 502 twice", ""},
		{"錯誤碼 40013", ""},
		{"call me 9123 4567", ""},
		{"my number is 91234567", ""},
		{"手機13812345678收唔到", ""},
		{"+85291234567", ""},
		{"card 4111111111111111 declined", ""},
		{"驗證碼 123456 過咗期", ""},
		{"OTP: 482913", ""},
		{"20251103 出事", ""},
		{"iPhone15 閃退", ""},
		{"sk_live_51HqLyjWDarjtT1zdp7dc is leaked", ""},
		{"account 123456789012", ""},
		{"帳號 88776655443", ""},
		{"my account number is 012-345678-001", ""},
		{"HK$1,500 transfer", ""},
		{"used a 3DS2 challenge", ""},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			id := Extract(tc.text, now).TransactionID
			got := ""
			if id != nil {
				got = id.Value
				if tc.text[id.Span.Start:id.Span.End] == "" {
					t.Errorf("empty span %+v", id.Span)
				}
			}
			if got != tc.want {
				t.Errorf("Extract(%q).TransactionID = %q, want %q", tc.text, got, tc.want)
			}
		})
	}
}

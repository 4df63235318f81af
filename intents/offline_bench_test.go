package intents

import (
	"context"
	"testing"
	"time"
)

// benchMix is a realistic mix of message lengths, scripts and entities.
var benchMix = []string{
	"收唔到驗證碼",
	"otp??",
	"昨晚9點網上付款 HK$520 被扣咗兩次，交易號TX20251102AB1234，唔該幫手跟進",
	"my card payment was declined at the supermarket yesterday at 6pm, HK$340",
	"提现到银行卡三天了还没到账 单号WD20251031000123 金额2000元",
	"hi",
	"the app keeps crashing after the update, tried reinstalling twice",
	"個app成日crash 用唔到",
	"I have been charged twice for the same transaction last Friday",
	"帳戶被凍結，無法收款，請盡快處理。",
	"can I speak to a human please",
	"webhook signature verification failed in production since this morning",
}

func BenchmarkClassify(b *testing.B) {
	o, err := NewOffline()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	now := time.Date(2025, 11, 3, 15, 0, 0, 0, time.FixedZone("HKT", 8*3600))
	var bytes int
	for _, m := range benchMix {
		bytes += len(m)
	}
	b.SetBytes(int64(bytes / len(benchMix)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := o.Classify(ctx, benchMix[i%len(benchMix)], now); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

func BenchmarkNewOffline(b *testing.B) {
	for b.Loop() {
		if _, err := NewOffline(); err != nil {
			b.Fatal(err)
		}
	}
}

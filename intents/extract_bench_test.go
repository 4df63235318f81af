package intents

import "testing"

// benchMessages is a realistic mix: most messages carry no details, some
// carry one or three, in all three languages.
var benchMessages = []string{
	"你好，我想問下點樣改密碼",
	"提款到銀行戶口已經三日都未到，好急",
	"昨天下午3點轉賬港幣1,200俾朋友，佢話未收到，參考號TXN20251102004512",
	"I was charged twice for the same order, HK$560 each, order ORD-5521873",
	"app keeps crashing when I open the payment page",
	"验证码一直收不到，手机号13812345678",
	"上星期五申请的退款500元还没有到账",
	"Someone used my card 4111 1111 1111 1111 yesterday at 11pm for US$230",
	"人工客服",
	"琴晚十點俾咗五百蚊 但對方話收唔到",
	"webhook signature verification fails since this morning",
	"my withdrawal of 3k has been pending for a week",
	"thanks, bye",
	"帳戶被凍結咗 入面仲有1.5萬",
	"FPS transfer FPS20251102C3 stuck in processing for 2 hours",
	"Where is my ticket T-000123? no reply since Friday",
}

func BenchmarkExtract(b *testing.B) {
	now := refNow(b)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		Extract(benchMessages[i%len(benchMessages)], now)
	}
}

func BenchmarkMask(b *testing.B) {
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		Mask(benchMessages[i%len(benchMessages)])
	}
}

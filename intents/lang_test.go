package intents

import "testing"

func TestDetectLang(t *testing.T) {
	tests := []struct {
		in   string
		want Lang
	}{
		{"my card was declined", English},
		{"otp??", English},
		{"", English},
		{"12345", English},
		{"提款", ZhHant},          // shared characters only: the Hong Kong default
		{"提款失敗", ZhHant},        // 敗
		{"提现失败", ZhHans},        // 现, 败
		{"個app成日crash", ZhHant}, // code-switching: the Chinese part decides
		{"这个app老是crash", ZhHans},
		{"我冇收到錢", ZhHant},
		{"我冇收到钱", ZhHant},   // Cantonese 冇 outweighs one Simplified 钱
		{"佢話未收到", ZhHant},   // Cantonese forms without Traditional-only characters
		{"平台显示处理中", ZhHans}, // 台 is shared, 显/处 are Simplified
		{"平台顯示處理中", ZhHant},
		{"帳戶於11月2日被暫停", ZhHant},
		{"账户被冻结了", ZhHans},
		{"ＯＴＰ收唔到", ZhHant},
		{"哈喽 在不在", ZhHans},
		{"hi 你好", ZhHant},
		{"转账失敗", ZhHans},   // 转账 outvote 敗
		{"轉帐", ZhHant},     // one each: a tie goes to zh-Hant
		{"我要人工客服", ZhHans}, // shared characters only, Mainland vocabulary
		{"收不到短信", ZhHans},
		{"我要真人客服", ZhHant}, // the Hong Kong way to say it
	}
	for _, tt := range tests {
		if got := DetectLang(tt.in); got != tt.want {
			t.Errorf("DetectLang(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

package intents

import (
	"testing"

	"github.com/triagebot/triagebot/language"
)

func TestDetectLang(t *testing.T) {
	tests := []struct {
		in   string
		want language.Lang
	}{
		{"my card was declined", language.English},
		{"otp??", language.English},
		{"", language.English},
		{"12345", language.English},
		{"提款", language.ZhHant},          // shared characters only: the Hong Kong default
		{"提款失敗", language.ZhHant},        // 敗
		{"提现失败", language.ZhHans},        // 现, 败
		{"個app成日crash", language.ZhHant}, // code-switching: the Chinese part decides
		{"这个app老是crash", language.ZhHans},
		{"我冇收到錢", language.ZhHant},
		{"我冇收到钱", language.ZhHant},   // Cantonese 冇 outweighs one Simplified 钱
		{"佢話未收到", language.ZhHant},   // Cantonese forms without Traditional-only characters
		{"平台显示处理中", language.ZhHans}, // 台 is shared, 显/处 are Simplified
		{"平台顯示處理中", language.ZhHant},
		{"帳戶於11月2日被暫停", language.ZhHant},
		{"账户被冻结了", language.ZhHans},
		{"ＯＴＰ收唔到", language.ZhHant},
		{"哈喽 在不在", language.ZhHans},
		{"hi 你好", language.ZhHant},
		{"转账失敗", language.ZhHans},   // 转账 outvote 敗
		{"轉帐", language.ZhHant},     // one each: a tie goes to zh-Hant
		{"我要人工客服", language.ZhHans}, // shared characters only, Mainland vocabulary
		{"收不到短信", language.ZhHans},
		{"我要真人客服", language.ZhHant}, // the Hong Kong way to say it
	}
	for _, tt := range tests {
		if got := DetectLang(tt.in); got != tt.want {
			t.Errorf("DetectLang(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

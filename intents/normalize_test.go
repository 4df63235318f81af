package intents

import "testing"

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"ＯＴＰ收唔到", "otp收不到"},
		{"提款失敗", "提款失败"},
		{"冇收到錢", "没收到钱"},
		{"佢哋話咗", "他们话了"},
		{"我唔係被盜", "我不是被盗"},
		{"帳戶「異常」，請聯絡", "帐户\"异常\",请联络"},
		{"Card DECLINED", "card declined"},
		{"３０００蚊", "3000蚊"},
		{"綫上付款裏面", "线上付款里面"},
		{"for why’s", "for why's"},
		{"plain ascii", "plain ascii"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Normalize(tt.in); got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNormalizeBadUTF8(t *testing.T) {
	// Invalid bytes become U+FFFD instead of panicking or vanishing.
	if got := Normalize("a\xffb"); got != "a\uFFFDb" {
		t.Errorf("got %q", got)
	}
}

func FuzzNormalizeFeatures(f *testing.F) {
	for _, s := range []string{"個app成日crash", "not fraud, the app just crashes", "没有被盗", "ＯＴＰ", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := appendNormalized(nil, s)
		_ = features(nil, n)
		_ = DetectLang(s)
		_ = DontKnow(s)
	})
}

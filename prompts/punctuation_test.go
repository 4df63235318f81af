package prompts

import (
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/triagebot/triagebot/language"
)

// actions are a template's {{…}}: code, not text.
var actions = regexp.MustCompile(`\{\{.*?\}\}`)

// cjk reports whether r is a Chinese character or Chinese punctuation.
func cjk(r rune) bool {
	return unicode.Is(unicode.Han, r) ||
		(r >= 0x3000 && r <= 0x303f) || // CJK symbols and punctuation: 。、「」
		(r >= 0xff00 && r <= 0xffef) // full-width forms: ，：（）
}

// asciiPunct is the punctuation a Chinese sentence writes full-width.
const asciiPunct = ",.;:!?()"

// mixedPunctuation lists the ASCII punctuation marks in s that touch a
// Chinese character on either side (spaces skipped): 「1–3 个工作日,跨境」,
// 「凍結(鎖定)」, 「認證(KYC)」. Between Latin letters or digits they stay
// (15:04, 3-D Secure, 1. a step's number).
func mixedPunctuation(s string) []string {
	rs := []rune(actions.ReplaceAllString(s, "{}"))
	near := func(i, step int) rune {
		for j := i + step; j >= 0 && j < len(rs); j += step {
			if rs[j] != ' ' {
				return rs[j]
			}
		}
		return 0
	}
	var bad []string
	for i, r := range rs {
		if !strings.ContainsRune(asciiPunct, r) || !(cjk(near(i, -1)) || cjk(near(i, 1))) {
			continue
		}
		if r == '.' && i > 0 && unicode.IsDigit(rs[i-1]) {
			continue // a step's number, "1. "
		}
		from, to := max(0, i-6), min(len(rs), i+7)
		bad = append(bad, string(rs[from:to]))
	}
	return bad
}

// TestChinesePunctuation: every zh-Hant and zh-Hans text writes its
// punctuation full-width, as one careful writer would.
func TestChinesePunctuation(t *testing.T) {
	for _, k := range Keys() {
		e := catalog[k]
		for _, lang := range []language.Lang{language.ZhHant, language.ZhHans} {
			for _, b := range mixedPunctuation(e.text.in(lang)) {
				t.Errorf("%s (%s): ASCII punctuation in Chinese: %q", k, lang, b)
			}
		}
	}
}

func TestMixedPunctuation(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"1–3 个工作日,跨境", 1},
		{"凍結(鎖定)相關", 2},
		{"身份認證(KYC)", 1},
		{"原始內容 (raw body) 計算", 2},
		{"1. 轉用流動數據", 0},
		{"喺 {{.Due}} 之前", 0},
		{"15:04 HKT，3-D Secure。", 0},
		{"身份認證（KYC）便可", 0},
		{"Webhook/回調 URL", 0},
	}
	for _, tt := range tests {
		if got := mixedPunctuation(tt.in); len(got) != tt.want {
			t.Errorf("mixedPunctuation(%q) = %q, want %d", tt.in, got, tt.want)
		}
	}
}

// writtenOnly are words of formal written Chinese that a Cantonese sentence
// says otherwise (嘅, 係咪, 有冇, 唔好, 冇, 我哋, 呢, 就可以, 唔係, 千祈唔好).
var writtenOnly = []string{"的", "是否", "有否", "不要", "沒有", "我們", "這", "便可", "並非", "切勿", "他們"}

// TestCantoneseRegister: what the user reads in a zh-Hant chat is in one
// register, the Cantonese of the chat turns, self-help steps included.
// Texts for agents (Telegram notices, summaries) are written Chinese, and
// are not checked.
func TestCantoneseRegister(t *testing.T) {
	for _, k := range Keys() {
		s := string(k)
		if strings.HasPrefix(s, "telegram.agent") || strings.HasPrefix(s, "summary.") || strings.HasPrefix(s, "llm.") {
			continue
		}
		text := catalog[k].text.in(language.ZhHant)
		for _, w := range writtenOnly {
			if strings.Contains(text, w) {
				t.Errorf("%s: written-Chinese %q in a Cantonese chat: %q", k, w, text)
			}
		}
	}
}

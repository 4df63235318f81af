package prompts

import (
	"fmt"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/triagebot/triagebot/intents"
	"github.com/triagebot/triagebot/language"
)

// TestSelfHelpCoversProblems checks the engine finds a block for every
// problem intent, safety steps for the two it escalates at once, and nothing
// for the conversational intents (where a numbered list would be nonsense).
func TestSelfHelpCoversProblems(t *testing.T) {
	risky := map[intents.Intent]bool{intents.AccountFrozen: true, intents.UnauthorizedTransaction: true}
	for _, in := range intents.All {
		k, ok := SelfHelpKey(string(in))
		if in.IsProblem() != ok {
			t.Errorf("%s: SelfHelpKey ok = %v, want %v (IsProblem)", in, ok, in.IsProblem())
		}
		if want := Key("selfhelp." + string(in)); k != want {
			t.Errorf("%s: SelfHelpKey = %q, want %q", in, k, want)
		}
		sk := SafetyKey(string(in))
		if risky[in] && sk == SafetyGeneral {
			t.Errorf("%s: no safety.%s block", in, in)
		}
		if !risky[in] && sk != SafetyGeneral {
			t.Errorf("%s: SafetyKey = %q, want the general block", in, sk)
		}
	}
	if !Has(SafetyGeneral) {
		t.Errorf("%s is not registered", SafetyGeneral)
	}
}

// blocks lists every self-help and safety text this file's package owns.
func blocks(t *testing.T) []Key {
	t.Helper()
	var ks []Key
	for _, k := range Keys() {
		if strings.HasPrefix(string(k), selfHelpPrefix) || strings.HasPrefix(string(k), "safety.") {
			ks = append(ks, k)
		}
	}
	if len(ks) < 15 {
		t.Fatalf("found %d self-help/safety blocks, want at least 15", len(ks))
	}
	return ks
}

// TestStepsShape checks each block is a phone-sized numbered list of 3–6
// steps, numbered from 1 without gaps, one step a line.
func TestStepsShape(t *testing.T) {
	for _, k := range blocks(t) {
		for _, lang := range language.All {
			out := Render(lang, k, catalog[k].text.Example)
			if n := utf8.RuneCountInString(out); n > 500 {
				t.Errorf("%s (%s): %d characters, want at most 500", k, lang, n)
			}
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if len(lines) < 3 || len(lines) > 6 {
				t.Errorf("%s (%s): %d steps, want 3 to 6", k, lang, len(lines))
			}
			for i, l := range lines {
				prefix := fmt.Sprintf("%d. ", i+1)
				if !strings.HasPrefix(l, prefix) || len(strings.TrimSpace(l)) <= len(prefix) {
					t.Errorf("%s (%s): line %d = %q, want a step starting %q", k, lang, i+1, l, prefix)
				}
			}
		}
	}
}

// Characters that differ between the scripts, simplified then traditional
// (same order). A stray one means text pasted into the wrong language.
const (
	simplifiedOnly  = "户号码验证账转数据设时间银请钱这个们会为机应网络装录关击过发长单处认识项报删凭务环测试续图记历扫链连线统级额汇币换动讯邮诈骗冻结锁备护电话视频页态点开启"
	traditionalOnly = "戶號碼驗證帳轉數據設時間銀請錢這個們會為機應網絡裝錄關擊過發長單處認識項報刪憑務環測試續圖記歷掃鏈連線統級額匯幣換動訊郵詐騙凍結鎖備護電話視頻頁態點開啟"
)

// mainlandTerms are words a Hong Kong reader notices as Mainland usage; the
// zh-Hant texts use 帳戶, 提款, 流動數據, 快取, QR Code, 工作天, 短訊, 設定.
var mainlandTerms = []string{"賬戶", "賬號", "提現", "移動數據", "緩存", "二維碼", "工作日", "短信", "設置", "登錄", "信息", "視頻", "默認"}

func TestScripts(t *testing.T) {
	if utf8.RuneCountInString(simplifiedOnly) != utf8.RuneCountInString(traditionalOnly) {
		t.Fatal("the two character lists must pair up")
	}
	for _, k := range blocks(t) {
		text := catalog[k].text
		if r, ok := containsAny(text.Hant, simplifiedOnly); ok {
			t.Errorf("%s (zh-Hant): simplified character %q", k, r)
		}
		for _, term := range mainlandTerms {
			if strings.Contains(text.Hant, term) {
				t.Errorf("%s (zh-Hant): Mainland term %q", k, term)
			}
		}
		if r, ok := containsAny(text.Hans, traditionalOnly); ok {
			t.Errorf("%s (zh-Hans): traditional character %q", k, r)
		}
		for _, r := range text.En {
			if unicode.Is(unicode.Han, r) {
				t.Errorf("%s (en): Chinese character %q", k, r)
				break
			}
		}
	}
}

func containsAny(s, chars string) (string, bool) {
	for _, r := range s {
		if strings.ContainsRune(chars, r) {
			return string(r), true
		}
	}
	return "", false
}

// TestSafetyWarnsAboutCodes checks the one piece of advice every safety
// block must carry, in every language: never hand over a code.
func TestSafetyWarnsAboutCodes(t *testing.T) {
	want := map[language.Lang]string{language.ZhHant: "驗證碼", language.ZhHans: "验证码", language.English: "code"}
	for _, k := range blocks(t) {
		if !strings.HasPrefix(string(k), "safety.") {
			continue
		}
		for _, lang := range language.All {
			if out := Render(lang, k, nil); !strings.Contains(out, want[lang]) {
				t.Errorf("%s (%s) does not warn about codes (%q): %q", k, lang, want[lang], out)
			}
		}
	}
}

package intents

import (
	"regexp"

	"github.com/triagebot/triagebot/language"
)

// DetectLang tells the language and script of text. Any Chinese character
// makes the message Chinese (a mixed message takes the script of its Chinese
// part, 「個app成日crash」 is zh-Hant); the script is decided by counting
// characters that exist in only one script, Cantonese forms (咗, 冇, 唔 …)
// counting as Traditional. Characters both scripts share (提款, 付款) carry no
// vote; a message made only of them is taken as zh-Hant, the script most of
// our Hong Kong customers write, unless it uses Mainland vocabulary.
func DetectLang(text string) language.Lang {
	var han, trad, simp int
	for _, r := range text {
		if r < cjkLo { // Latin, punctuation, kana: no vote
			continue
		}
		if r < cjkHi {
			han++
			switch scriptTable[r-cjkLo] {
			case scriptTrad:
				trad++
			case scriptSimp:
				simp++
			}
			continue
		}
		if r >= 0x20000 && r <= 0x3FFFF { // CJK extension planes
			han++
			if _, ok := foldRare[r]; ok {
				trad++
			}
		} else if r >= 0xF900 && r <= 0xFAFF { // compatibility ideographs
			han++
		}
	}
	switch {
	case han == 0:
		return language.English
	case simp > trad:
		return language.ZhHans
	case simp == 0 && trad == 0 && mainlandWords.MatchString(text):
		// Only characters both scripts share: Mainland vocabulary written
		// with them ("我要人工客服", "收不到短信") still tells the script.
		return language.ZhHans
	default:
		return language.ZhHant
	}
}

// mainlandWords are Mainland usages made only of characters shared by both
// scripts; Hong Kong writers say 真人/職員, 短訊/SMS, 乜嘢, 點解 instead.
var mainlandWords = regexp.MustCompile(`人工|短信|啥|咋|咱|俺|搞啥|充值卡|二维码`)

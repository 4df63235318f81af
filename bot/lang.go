package bot

import (
	"strings"
	"unicode"

	"github.com/triagebot/triagebot/intents"
	"github.com/triagebot/triagebot/language"
	"github.com/triagebot/triagebot/prompts"
)

// langSignal reports whether text says enough to trust the classifier's
// language for it. An answer like "TX20251031A7", "500港元" or "SMS" must not
// flip a Cantonese conversation to English or to Simplified Chinese: it
// takes three Han characters, or (without any Han) two real words.
func langSignal(text string, lang language.Lang) bool {
	han, words, letters, run := 0, 0, 0, 0
	endWord := func(pure bool) {
		if run >= 2 && pure {
			words++
			letters += run
		}
		run = 0
	}
	pure := true
	for _, r := range text {
		switch {
		case unicode.Is(unicode.Han, r):
			han++
			endWord(pure)
			pure = true
		case r < 128 && unicode.IsLetter(r):
			run++
		case r < 128 && unicode.IsDigit(r):
			run++
			pure = false
		default:
			endWord(pure)
			pure = true
		}
	}
	endWord(pure)
	if lang == language.English {
		return han == 0 && words >= 2 && letters >= 6
	}
	return han >= 3
}

// welcome is the greeting of a new conversation. Without any language hint
// (the web widget before the user types) it is given in Cantonese and
// English, the two languages most of our users write.
func welcome(lang language.Lang) string {
	if lang != "" {
		return prompts.Render(lang, prompts.Welcome, nil)
	}
	return prompts.Render(language.ZhHant, prompts.Welcome, nil) + "\n" + prompts.Render(language.English, prompts.Welcome, nil)
}

// scriptSwitch reports whether text may move a Simplified conversation to
// Traditional. Language detection calls text made only of characters both
// scripts share (昨天晚上) Traditional, which must not flip a Simplified
// user; so that switch needs a character the normaliser changes, i.e. one
// that exists only in Traditional or Cantonese writing.
func scriptSwitch(from, to language.Lang, text string) bool {
	if from != language.ZhHans || to != language.ZhHant {
		return true
	}
	han := func(s string) string {
		var b strings.Builder
		for _, r := range s {
			if unicode.Is(unicode.Han, r) {
				b.WriteRune(r)
			}
		}
		return b.String()
	}
	return han(text) != han(intents.Normalize(text))
}

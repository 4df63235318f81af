package intents

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Currency names the currency a short answer gives on its own ("HKD",
// "港幣", "US dollars"), for when the bot asks which currency an amount was
// in. It returns an ISO 4217 code, or "" when the text names none (a bare
// "$" or 元 names none either).
func Currency(text string) string {
	low := strings.ToLower(strings.Map(foldWidth, text))
	best, at := "", len(low)+1
	for _, marks := range [][]currencyMark{prefixMarks, suffixMarks} {
		for _, m := range marks {
			if m.currency == "" {
				continue
			}
			for from := 0; from < len(low); {
				i := strings.Index(low[from:], m.text)
				if i < 0 {
					break
				}
				i += from
				if (!m.latin || standsApart(low, i, i+len(m.text))) && i < at {
					best, at = m.currency, i
				}
				from = i + len(m.text)
			}
		}
	}
	return best
}

// standsApart reports whether low[i:j] is not part of a longer Latin word.
func standsApart(low string, i, j int) bool {
	if r, _ := utf8.DecodeLastRuneInString(low[:i]); i > 0 && unicode.IsLetter(r) && r < 0x2E80 {
		return false
	}
	if r, _ := utf8.DecodeRuneInString(low[j:]); j < len(low) && unicode.IsLetter(r) && r < 0x2E80 {
		return false
	}
	return true
}

// foldWidth maps full-width ASCII forms (ＨＫＤ) to their ASCII letters.
func foldWidth(r rune) rune {
	if r >= 0xFF01 && r <= 0xFF5E {
		return r - 0xFEE0
	}
	return r
}

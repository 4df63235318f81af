package intents

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// Small byte-level helpers shared by the extractors. They work on the folded
// text of a view, where every digit and Latin letter is ASCII.

func isDigit(b byte) bool { return b >= '0' && b <= '9' }
func isLower(b byte) bool { return b >= 'a' && b <= 'z' }
func isAlpha(b byte) bool { return isLower(b) || (b >= 'A' && b <= 'Z') }
func isAlnum(b byte) bool { return isDigit(b) || isAlpha(b) }

// hasAt reports whether s holds word at offset i.
func hasAt(s []byte, i int, word string) bool {
	return i >= 0 && len(s)-i >= len(word) && string(s[i:i+len(word)]) == word
}

// endsWith reports whether s[:i] ends with word.
func endsWith(s []byte, i int, word string) bool {
	return i >= len(word) && i <= len(s) && string(s[i-len(word):i]) == word
}

// byteBefore is the byte before i, or 0 at the start.
func byteBefore(s []byte, i int) byte {
	if i <= 0 || i > len(s) {
		return 0
	}
	return s[i-1]
}

// byteAt is s[i], or 0 past the end.
func byteAt(s []byte, i int) byte {
	if i < 0 || i >= len(s) {
		return 0
	}
	return s[i]
}

// runeBefore is the rune ending at i.
func runeBefore(s []byte, i int) (rune, int) {
	if i <= 0 {
		return 0, 0
	}
	return utf8.DecodeLastRune(s[:i])
}

// runeAt is the rune starting at i.
func runeAt(s []byte, i int) (rune, int) {
	if i >= len(s) {
		return 0, 0
	}
	return utf8.DecodeRune(s[i:])
}

// wordStart reports whether a Latin word may start at i (no letter or digit
// just before it).
func wordStart(s []byte, i int) bool { return !isAlnum(byteBefore(s, i)) }

// wordEnd reports whether a Latin word may end at i.
func wordEnd(s []byte, i int) bool { return !isAlnum(byteAt(s, i)) }

// skipSpaces moves i forward over ASCII spaces and tabs.
func skipSpaces(s []byte, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}

// skipSpacesBack moves i backwards over ASCII spaces and tabs.
func skipSpacesBack(s []byte, i int) int {
	for i > 0 && (s[i-1] == ' ' || s[i-1] == '\t') {
		i--
	}
	return i
}

// filler is what may stand between a keyword and the value it announces
// ("OTP: 4829", "ref no. 8842", "limit is 5000", "驗證碼係 123456"): spaces,
// any of the bytes in marks, and any of words. A Latin word must not be the
// tail of a longer word ("this" is not "is").
type filler struct {
	marks string
	words []string
	steps int // how many marks and words to pass at most; 0 means no limit
}

// skipBack moves i back over filler.
func (f *filler) skipBack(s []byte, i int) int {
	for n := 0; f.steps == 0 || n < f.steps; n++ {
		j := skipSpacesBack(s, i)
		if j > 0 && strings.IndexByte(f.marks, s[j-1]) >= 0 {
			j--
		} else {
			for _, w := range f.words {
				if endsWith(s, j, w) && (w[0] >= utf8.RuneSelf || !isAlpha(byteBefore(s, j-len(w)))) {
					j -= len(w)
					break
				}
			}
		}
		if j == i {
			break
		}
		i = j
	}
	return i
}

// matchAny returns the first word of words found at i, longest listed first
// by the caller.
func matchAny(s []byte, i int, words []string) (string, bool) {
	for _, w := range words {
		if hasAt(s, i, w) {
			return w, true
		}
	}
	return "", false
}

// containsAny reports whether any of words occurs in s.
func containsAny(s []byte, words []string) bool {
	for _, w := range words {
		if bytes.Contains(s, []byte(w)) {
			return true
		}
	}
	return false
}

// readInt reads up to maxDigits ASCII digits at i.
func readInt(s []byte, i, maxDigits int) (n, end int, ok bool) {
	end = i
	for end < len(s) && isDigit(s[end]) && end-i < maxDigits {
		n = n*10 + int(s[end]-'0')
		end++
	}
	if end == i || (end < len(s) && isDigit(s[end])) {
		return 0, i, false // none, or longer than allowed
	}
	return n, end, true
}

// Chinese numerals: digits and units.
// (switches, not maps: they run on every rune of every message).
func cnDigit(r rune) (int64, bool) {
	switch r {
	case '零', '〇':
		return 0, true
	case '一':
		return 1, true
	case '二', '兩', '两':
		return 2, true
	case '三':
		return 3, true
	case '四':
		return 4, true
	case '五':
		return 5, true
	case '六':
		return 6, true
	case '七':
		return 7, true
	case '八':
		return 8, true
	case '九':
		return 9, true
	}
	return 0, false
}

func cnUnit(r rune) (int64, bool) {
	switch r {
	case '十':
		return 10, true
	case '百':
		return 100, true
	case '千':
		return 1000, true
	case '萬', '万':
		return 10000, true
	case '億', '亿':
		return 100000000, true
	}
	return 0, false
}

// readCN reads a Chinese numeral at i (一千二百, 兩千五, 一萬二, 十一, 一百五十)
// and returns its value. Spoken shortenings are understood: a digit right
// after 百/千/萬 with nothing between means the next lower place (兩千五 is
// 2500, 一萬二 is 12000), as people say and write amounts.
func readCN(s []byte, i int) (val int64, end int, units bool, ok bool) {
	var total, section, num int64
	var lastUnit int64
	prevDigit, prevUnit, zero := false, false, false
	end = i
	for end < len(s) {
		r, size := utf8.DecodeRune(s[end:])
		if d, isD := cnDigit(r); isD {
			if prevDigit {
				break // 一二 is a list, not a number
			}
			end += size
			if d == 0 {
				// 一千零五: 零 only marks a skipped place.
				zero, prevUnit = true, false
				continue
			}
			num = d
			prevDigit, prevUnit = true, false
			continue
		}
		u, isU := cnUnit(r)
		if !isU {
			break
		}
		if prevUnit && u < 10000 {
			break
		}
		units = true
		if u >= 10000 {
			section += num
			if section == 0 {
				section = 1
			}
			total += section * u
			section = 0
		} else {
			if num == 0 && !prevDigit && u == 10 {
				num = 1
			}
			section += num * u
		}
		num = 0
		lastUnit = u
		prevDigit, prevUnit = false, true
		end += size
		if total+section > 1e12 {
			return 0, i, false, false
		}
	}
	if end == i {
		return 0, i, false, false
	}
	if prevDigit && num > 0 && lastUnit >= 100 && !zero {
		num *= lastUnit / 10 // 兩千五 = 2500, 一萬二 = 12000
	}
	return total + section + num, end, units, true
}

// isCNNumeralStart reports whether a Chinese numeral may start at i. Only a
// digit or 十 may start one: 千萬 ("by all means") and 百分百 are words.
func isCNNumeralStart(s []byte, i int) bool {
	r, _ := runeAt(s, i)
	_, d := cnDigit(r)
	return d || r == '十'
}

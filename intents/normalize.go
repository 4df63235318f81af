package intents

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// The folding tables cover the CJK blocks where all but a handful of the
// Traditional/Simplified pairs live (Extension A through the Unified block);
// a flat slice indexed by rune is much faster than a map on the hot path.
const (
	cjkLo = 0x3400
	cjkHi = 0xA000
)

// Script classes of a character, for language detection.
const (
	scriptShared uint8 = iota
	scriptTrad
	scriptSimp
)

var (
	// foldTable maps rune-cjkLo to its folded form, 0 when unchanged.
	foldTable []rune
	// foldRare holds the pairs outside [cjkLo, cjkHi).
	foldRare map[rune]rune
	// scriptTable maps rune-cjkLo to its script class.
	scriptTable []uint8
)

// cantoneseFold maps Cantonese written forms to the Standard Chinese word
// they stand for, so one set of patterns serves Cantonese, Traditional and
// Simplified text (唔到 → 不到, 冇收到 → 没收到). 係 is deliberately mapped to
// 是 (its Cantonese sense, 唔係 = 不是) rather than OpenCC's 系. Which of them
// mark a message as Traditional is cantoneseOnly's business.
var cantoneseFold = map[rune]rune{
	'唔': '不', '冇': '没', '咗': '了', '嘅': '的', '喺': '在', '佢': '他',
	'哋': '们', '嚟': '来', '睇': '看', '俾': '给', '畀': '给', '乜': '啥',
	'咩': '啥', '搵': '找', '揾': '找', '攞': '拿', '啱': '对', '嗰': '那',
	'啲': '些', '係': '是', '冚': '全', '喎': '啊', '囉': '啰', '嘢': '西',
	'諗': '想', '谂': '想', '噉': '这', '咁': '这', '瞓': '睡', '嬲': '气',
	'揸': '拿', '咪': '别', '𠵱': '现',
}

// extraFold covers forms OpenCC leaves alone because they are also valid in
// Simplified text, but which customers use interchangeably.
var extraFold = map[rune]rune{
	'著': '着', '妳': '你', '甚': '什', '祇': '只', '衹': '只', '纔': '才', '麽': '么',
}

// cantoneseOnly are characters that appear in written Cantonese and hardly
// ever in Mandarin text of either script: evidence for zh-Hant.
const cantoneseOnly = "唔冇咗嘅喺佢哋嚟睇俾畀乜咩搵攞啱嗰啲冚嘢諗噉瞓嬲揸𠵱嘞嚿"

func init() {
	foldTable = make([]rune, cjkHi-cjkLo)
	scriptTable = make([]uint8, cjkHi-cjkLo)
	foldRare = map[rune]rune{}
	set := func(k, v rune) {
		if k >= cjkLo && k < cjkHi {
			foldTable[k-cjkLo] = v
		} else {
			foldRare[k] = v
		}
	}
	rs := []rune(foldPairs)
	for i := 0; i+1 < len(rs); i += 2 {
		set(rs[i], rs[i+1])
	}
	for k, v := range extraFold {
		set(k, v)
	}
	for k, v := range cantoneseFold {
		set(k, v)
	}
	mark := func(chars string, class uint8) {
		for _, r := range chars {
			if r >= cjkLo && r < cjkHi {
				scriptTable[r-cjkLo] = class
			}
		}
	}
	mark(tradOnlyChars, scriptTrad)
	mark(simpOnlyChars, scriptSimp)
	mark(cantoneseOnly, scriptTrad)
}

// foldRune maps one rune to its matching form: full-width ASCII to ASCII,
// upper to lower case, Traditional and Cantonese forms to Simplified, and
// typographic quotes and CJK punctuation to their plain ASCII cousins.
func foldRune(r rune) rune {
	switch {
	case r < utf8.RuneSelf:
		if 'A' <= r && r <= 'Z' {
			return r + ('a' - 'A')
		}
		return r
	case r >= cjkLo && r < cjkHi:
		if f := foldTable[r-cjkLo]; f != 0 {
			return f
		}
		return r
	case r >= 0xFF01 && r <= 0xFF5E: // full-width ASCII block
		return foldRune(r - 0xFEE0)
	}
	switch r {
	case 0x3000, 0x00A0: // ideographic and no-break space
		return ' '
	case '。', '｡':
		return '.'
	case '、', '､':
		return ','
	case '「', '」', '『', '』', '“', '”', '〝', '〞':
		return '"'
	case '‘', '’', '`', '´':
		return '\''
	case '【', '〔', '〈', '《':
		return '('
	case '】', '〕', '〉', '》':
		return ')'
	case '～', '〜':
		return '~'
	case '…':
		return '.'
	}
	if f, ok := foldRare[r]; ok {
		return f
	}
	return unicode.ToLower(r)
}

// appendNormalized appends the matching form of s to dst (see Normalize).
func appendNormalized(dst []byte, s string) []byte {
	for _, r := range s {
		f := foldRune(r)
		if f < utf8.RuneSelf {
			dst = append(dst, byte(f))
			continue
		}
		dst = utf8.AppendRune(dst, f)
	}
	return dst
}

// Normalize returns the form of s used for matching: full-width characters
// become half-width, letters are lower-cased, Traditional characters and
// Cantonese written forms are folded to Simplified (唔→不, 冇→没, 咗→了) and CJK
// punctuation to ASCII. One pattern written in Simplified thus matches all
// three ways customers write. The result is not meant for display.
func Normalize(s string) string {
	var buf [256]byte
	out := appendNormalized(buf[:0], s)
	if len(out) == len(s) && string(out) == s {
		return s
	}
	return strings.Clone(string(out))
}

package intents

import (
	"bytes"
	"unicode/utf8"
)

// Feature kinds, mixed into each hash so that, say, the word "app" and the
// character trigram "app" are different features.
const (
	kindHanUni uint64 = iota + 1
	kindHanBi
	kindHanTri
	kindWord
	kindWordBi
	kindCharTri
	kindNeg
	kindHanLatin
	kindShape
	kindConcept
	kindConceptPair
	kindNegScope
)

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// mix folds x into the running hash h (FNV-1a over 64-bit words).
func mix(h, x uint64) uint64 { return (h ^ x) * fnvPrime }

// fraudTerms are the words that name a fraud. When a customer denies one
// ("not fraud, the app just crashes", 没有被盗, 唔係詐騙) the words are removed
// from the features and replaced by a single "denied fraud" feature, so the
// denial cannot pull the message towards unauthorized_transaction.
var fraudTermsEN = []string{
	"fraud", "scam", "stolen", "stole", "hacked", "hack", "unauthori", "phish", "suspicious", "compromised",
}

var fraudTermsZH = []string{"盗", "骗", "诈", "黑客", "被黑", "可疑", "冒充", "不明"}

var negCuesEN = map[string]bool{
	"not": true, "no": true, "never": true, "isn't": true, "isnt": true, "wasn't": true,
	"wasnt": true, "didn't": true, "didnt": true, "don't": true, "dont": true, "nothing": true,
	"aren't": true, "weren't": true, "without": true,
}

// negScopeEN are the (apostrophe-free) words that open a negation's scope:
// the next few words get a "negated" feature of their own, so "I didn't
// make this payment" (negated make) and "the payment didn't go through"
// (negated go, through) stay apart although both hold "didn't" and "payment".
var negScopeEN = map[string]bool{
	"not": true, "no": true, "never": true, "nothing": true, "without": true, "unable": true, "cannot": true,
	"isnt": true, "wasnt": true, "didnt": true, "dont": true, "doesnt": true, "arent": true, "werent": true,
	"hasnt": true, "havent": true, "hadnt": true, "cant": true, "couldnt": true, "wont": true, "wouldnt": true,
	"aint": true, "neither": true, "nor": true,
}

// hashNot is the word hash every negation word takes in word pairs.
var hashNot = wordHash([]byte("not"))

// negCuesZH are denial cues; a bare 不 is left out because 不小心被骗 (carelessly
// got scammed) is no denial.
var negCuesZH = []string{"不是", "没有", "并非", "并不是", "没"}

// features appends the feature hashes of normalized text to dst.
func features(dst []uint64, norm []byte) []uint64 {
	norm = maskNegatedFraud(norm, &dst)
	dst = conceptFeatures(dst, norm)
	var (
		prevWord uint64 // hash of the previous Latin word, 0 at a boundary
		negLeft  int    // words still inside a negation's scope
		wbuf     [32]byte
		r1, r2   rune // the two previous Han characters, 0 at a boundary
		lastKind byte // 'h' after Han, 'w' after a word, 0 otherwise
	)
	i := 0
	for i < len(norm) {
		c := norm[i]
		if c < utf8.RuneSelf {
			if isWordByte(c) {
				j := i
				for j < len(norm) && norm[j] < utf8.RuneSelf && (isWordByte(norm[j]) || norm[j] == '\'' && j+1 < len(norm) && isWordByte(norm[j+1])) {
					j++
				}
				tok := joinApostrophes(wbuf[:0], norm[i:j])
				neg := negScopeEN[string(tok)]
				w := wordHash(stem(tok))
				dst = append(dst, mix(kindWord, w))
				if negLeft > 0 && !neg {
					dst = append(dst, mix(kindNegScope, w))
					negLeft--
				}
				if neg {
					w, negLeft = hashNot, 3 // "hasn't arrived", "never arrived" and "not arrived" share a bigram
				}
				if prevWord != 0 {
					dst = append(dst, mix(mix(kindWordBi, prevWord), w))
				}
				if lastKind == 'h' {
					dst = append(dst, mix(mix(kindHanLatin, uint64(r1)), w))
				}
				dst = charTrigrams(dst, tok)
				prevWord, r1, r2, lastKind = w, 0, 0, 'w'
				i = j
				continue
			}
			if c != ' ' && c != '\'' && c != '"' {
				negLeft = 0 // a negation's scope ends at punctuation
			}
			if c != ' ' && c != '\'' {
				prevWord = 0
			}
			if c != ' ' {
				r1, r2 = 0, 0
				lastKind = 0
			}
			if c == '?' {
				dst = append(dst, mix(kindShape, '?'))
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(norm[i:])
		i += n
		if !isHan(r) {
			prevWord, r1, r2, lastKind = 0, 0, 0, 0
			continue
		}
		dst = append(dst, mix(kindHanUni, uint64(r)))
		if r1 != 0 {
			dst = append(dst, mix(mix(kindHanBi, uint64(r1)), uint64(r)))
			if r2 != 0 {
				dst = append(dst, mix(mix(mix(kindHanTri, uint64(r2)), uint64(r1)), uint64(r)))
			}
		}
		if lastKind == 'w' && prevWord != 0 {
			dst = append(dst, mix(mix(kindHanLatin, prevWord), uint64(r)))
		}
		r2, r1, prevWord, lastKind = r1, r, 0, 'h'
	}
	return dst
}

func isWordByte(c byte) bool {
	return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_'
}

func isHan(r rune) bool {
	return r >= cjkLo && r < cjkHi || r >= 0xF900 && r <= 0xFAFF || r >= 0x20000 && r <= 0x3FFFF
}

// wordHash hashes a Latin token. Digits carry no meaning for the intent, only
// the token's shape does: a number, or an id mixing letters and digits.
func wordHash(w []byte) uint64 {
	digits := 0
	for _, c := range w {
		if '0' <= c && c <= '9' {
			digits++
		}
	}
	switch {
	case digits == len(w):
		return mix(mix(fnvOffset, '#'), uint64(min(digits, 5)))
	case digits >= 3:
		return mix(fnvOffset, '@')
	}
	h := uint64(fnvOffset)
	for _, c := range w {
		h = mix(h, uint64(c))
	}
	return h
}

// joinApostrophes copies w into buf without its apostrophes, so that "didn't"
// and "didnt", "it's" and "its" — customers type both — are one word. Words
// too long for buf are returned as they are.
func joinApostrophes(buf []byte, w []byte) []byte {
	if len(w) > cap(buf) {
		return w
	}
	for _, c := range w {
		if c != '\'' {
			buf = append(buf, c)
		}
	}
	return buf
}

// stem strips the commonest English inflections ("declined", "declines",
// "declining" → "declin"; "transferred" → "transfer"; "payments" → "payment")
// so that a form seen once in training counts for all of them. It is
// deliberately crude: it only has to map the forms of one word together,
// not to produce a real root, and it never touches short words.
func stem(w []byte) []byte {
	n := len(w)
	switch {
	case n > 5 && hasSuffix(w, "ing"):
		n -= 3
	case n > 4 && hasSuffix(w, "ied"):
		n -= 2 // "tried" → "tri", like "tries"
	case n > 4 && hasSuffix(w, "ies"):
		n -= 2
	case n > 4 && hasSuffix(w, "ed"):
		n -= 2
	case n > 4 && hasSuffix(w, "es") && !hasSuffix(w, "ses"):
		n -= 2
	case n > 3 && w[n-1] == 's' && w[n-2] != 's' && w[n-2] != 'u' && w[n-2] != 'i':
		n--
	case n > 4 && w[n-1] == 'e':
		n--
	}
	// "transferr(ed)", "stopp(ed)" → one consonant; "ll", "ss" stay.
	if n < len(w) && n > 3 && w[n-1] == w[n-2] && w[n-1] != 'l' && w[n-1] != 's' && w[n-1] != 'e' && w[n-1] != 'o' {
		n--
	}
	return w[:n]
}

func hasSuffix(w []byte, suf string) bool {
	return len(w) >= len(suf) && string(w[len(w)-len(suf):]) == suf
}

// charTrigrams adds the character trigrams of a word padded with boundary
// marks ("<crash>" → "<cr", "cra" …), which keeps typos and inflections
// ("crashes", "crashs", "refund", "refunded") close to each other.
func charTrigrams(dst []uint64, w []byte) []uint64 {
	if len(w) < 3 || len(w) > 24 || (w[0] >= '0' && w[0] <= '9') {
		return dst
	}
	at := func(k int) uint64 {
		if k < 0 || k >= len(w) {
			return '|'
		}
		return uint64(w[k])
	}
	for k := -1; k+2 <= len(w); k++ {
		dst = append(dst, mix(mix(mix(kindCharTri, at(k)), at(k+1)), at(k+2)))
	}
	return dst
}

// maskNegatedFraud finds denials of fraud in norm, blanks them and records a
// kindNeg feature. It copies norm only when there is something to blank.
func maskNegatedFraud(norm []byte, dst *[]uint64) []byte {
	out := norm
	blank := func(from, to int) {
		if &out[0] == &norm[0] {
			out = append([]byte(nil), norm...)
		}
		for k := from; k < to; k++ {
			out[k] = ' '
		}
		*dst = append(*dst, mix(kindNeg, 'f'))
	}
	if len(norm) == 0 {
		return norm
	}
	// English: a cue word, then a fraud word within the next three words.
	for i := 0; i < len(norm); {
		if !isWordByte(norm[i]) {
			i++
			continue
		}
		j := i
		for j < len(norm) && (isWordByte(norm[j]) || norm[j] == '\'') {
			j++
		}
		if negCuesEN[string(norm[i:j])] {
			k, seen := j, 0
			for k < len(norm) && seen < 3 {
				for k < len(norm) && !isWordByte(norm[k]) {
					if norm[k] == ',' || norm[k] == '.' || norm[k] >= utf8.RuneSelf {
						k = len(norm)
					}
					k++
				}
				if k >= len(norm) {
					break
				}
				e := k
				for e < len(norm) && (isWordByte(norm[e]) || norm[e] == '\'') {
					e++
				}
				seen++
				if hasAnyPrefix(norm[k:e], fraudTermsEN) {
					blank(i, e)
					break
				}
				k = e
			}
		}
		i = j
	}
	// Chinese: a cue, then a fraud term starting within the next three
	// characters (没有被盗, 没给人盗用, 不是诈骗; not 没想到被骗).
	if !hasNonASCII(norm) {
		return out
	}
	for _, cue := range negCuesZH {
		from := 0
		for {
			p := bytes.Index(norm[from:], []byte(cue))
			if p < 0 {
				break
			}
			p += from
			start := p + len(cue)
			lim := start
			for n := 0; n < 3 && lim < len(norm); n++ {
				_, sz := utf8.DecodeRune(norm[lim:])
				lim += sz
			}
			for _, t := range fraudTermsZH {
				if q := bytes.Index(norm[start:], []byte(t)); q >= 0 && start+q < lim {
					blank(p, start+q+len(t))
					break
				}
			}
			from = start
		}
	}
	return out
}

func hasAnyPrefix(w []byte, prefixes []string) bool {
	for _, p := range prefixes {
		if bytes.HasPrefix(w, []byte(p)) {
			return true
		}
	}
	return false
}

func hasNonASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return true
		}
	}
	return false
}

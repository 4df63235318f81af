package intents

import (
	"strings"
	"unicode/utf8"
)

// Masking of secrets the user should not have typed: card numbers, one-time
// codes and passwords. Mask runs before any text is stored, logged or
// forwarded; Extract uses the same detection so that a secret never becomes
// an entity.

// What a secret is replaced with. Cards keep their last four digits, which
// agents need to tell cards apart and which are printed on receipts anyway.
const (
	maskCodeText     = "[code]"
	maskPasswordText = "[password]"
	maskCardPrefix   = "****"
	maskCardText     = "[card]"
)

type secretKind uint8

const (
	secretCard secretKind = iota + 1
	secretCode
	secretPassword
)

type secret struct {
	kind secretKind
	sp   span // folded offsets
}

// Mask replaces card numbers, one-time codes and passwords in text and keeps
// everything else as it was. Invalid UTF-8 bytes are replaced by U+FFFD, so
// the result is always valid UTF-8.
func Mask(text string) string {
	if !utf8.ValidString(text) {
		text = strings.ToValidUTF8(text, "\uFFFD")
	}
	v := getView(text)
	defer putView(v)
	var buf [16]secret
	secrets := v.secrets(buf[:0])
	if len(secrets) == 0 {
		return text
	}
	var b strings.Builder
	b.Grow(len(text))
	last := 0
	for _, sc := range secrets {
		o := v.origSpan(sc.sp)
		if o.Start < last {
			continue
		}
		b.WriteString(text[last:o.Start])
		switch sc.kind {
		case secretCard:
			if next := byteAt(v.low, sc.sp.end); (next == ' ' || next == '-') && isDigit(byteAt(v.low, sc.sp.end+1)) {
				// The kept digits would join the digits that follow into
				// a new long number: keep none.
				b.WriteString(maskCardText)
				break
			}
			b.WriteString(maskCardPrefix)
			b.Write(lastDigits(v.raw[sc.sp.start:sc.sp.end], 4))
		case secretCode:
			b.WriteString(maskCodeText)
		case secretPassword:
			b.WriteString(maskPasswordText)
		}
		last = o.End
	}
	b.WriteString(text[last:])
	return b.String()
}

// findSensitive records the secrets' spans on the view for Extract.
func (v *view) findSensitive() {
	var buf [16]secret
	for _, sc := range v.secrets(buf[:0]) {
		v.sensitive = append(v.sensitive, sc.sp)
	}
}

// secrets finds all secrets, in text order, not overlapping.
func (v *view) secrets(out []secret) []secret {
	s := v.low
	for i := 0; i < len(s); {
		if isDigit(s[i]) && !isAlnum(byteBefore(s, i)) {
			if end, ok := v.cardAt(i); ok {
				out = append(out, secret{secretCard, span{i, end}})
				i = end
				continue
			}
			if end, ok := v.codeAt(i); ok {
				out = append(out, secret{secretCode, span{i, end}})
				i = end
				continue
			}
			for i < len(s) && isDigit(s[i]) {
				i++
			}
			continue
		}
		if b := s[i]; b != 'p' && b != 0xE5 { // password words start with p, 密 or 口
			i++
			continue
		}
		if sp, ok := v.passwordAt(i); ok {
			out = append(out, secret{secretPassword, sp})
			i = sp.end
			continue
		}
		i++
	}
	return out
}

// cardAt reads a card number at i: 13 to 19 digits, in groups split by
// single spaces or dashes, passing the Luhn check. The longest valid prefix
// at a group boundary wins (a card followed by an expiry "12 27"). A run of
// more than 19 digits is not a card (wallet ids are 28 digits), and neither
// is an unbroken run right after an order or reference word with no card
// word near it (a 16-digit order number can pass Luhn by chance).
func (v *view) cardAt(i int) (int, bool) {
	s := v.low
	var (
		digits [20]byte
		n      int
		ends   [20]int // ends[k]: text offset after k+1 digits, at group ends only
		groups int
	)
	j := i
	for j < len(s) {
		if isDigit(s[j]) {
			if n == 20 {
				if groups == 0 {
					return 0, false // one unbroken run too long for a card
				}
				break // a card may still end at an earlier group
			}
			digits[n] = s[j]
			n++
			j++
			continue
		}
		ends[n-1] = j
		if (s[j] == ' ' || s[j] == '-') && isDigit(byteAt(s, j+1)) && n < 19 {
			groups++
			j++
			continue
		}
		break
	}
	if j == len(s) && n > 0 {
		ends[n-1] = j
	}
	if isAlpha(byteAt(s, j)) && ends[n-1] == j {
		// 4111111111111111abc: part of a longer token; only its grouped
		// prefix could still be a card.
		ends[n-1] = 0
	}
	for k := min(n, 19); k >= 13; k-- {
		end := ends[k-1]
		if end == 0 || !luhn(digits[:k]) {
			continue
		}
		if groups == 0 && v.idWordBefore(i) && !v.cardWordBefore(i) {
			return 0, false
		}
		return end, true
	}
	return 0, false
}

// luhn reports whether the digits pass the Luhn check.
func luhn(d []byte) bool {
	sum := 0
	double := false
	for k := len(d) - 1; k >= 0; k-- {
		x := int(d[k] - '0')
		if double {
			x *= 2
			if x > 9 {
				x -= 9
			}
		}
		sum += x
		double = !double
	}
	return sum%10 == 0
}

// lastDigits returns the last n digits in b.
func lastDigits(b []byte, n int) []byte {
	var out [20]byte
	n = min(n, len(out))
	k := len(out)
	for j := len(b) - 1; j >= 0 && k > len(out)-n; j-- {
		if isDigit(b[j]) {
			k--
			out[k] = b[j]
		}
	}
	return append([]byte(nil), out[k:]...)
}

// Words that announce a one-time code.
var codeWords = []string{
	"一次性密碼", "一次性密码", "動態密碼", "动态密码", "驗證碼", "验证码", "認證碼", "认证码",
	"校驗碼", "校验码", "動態碼", "动态码", "短訊碼", "短信码", "確認碼", "确认码", "安全碼", "安全码",
	"otp", "passcode", "verification code", "security code", "auth code", "one-time code",
	"one time code", "sms code", "2fa code", "pin", "code",
}

// Words before "code" that make it something else than a one-time code.
var notCodeBefore = []string{"error", "err", "promo", "discount", "coupon", "qr", "status", "response", "reason", "country", "area", "postal", "zip", "swift", "bank", "branch", "merchant"}

// codeAt reads a one-time code at i: 4 to 8 digits (groups of 3 split by a
// space allowed) with a code word right before or right after it, joined
// only by spaces, colons and linking words ("驗證碼係 123456", "OTP: 4829",
// "482913 is my OTP").
func (v *view) codeAt(i int) (int, bool) {
	s := v.low
	end := i
	for end < len(s) && isDigit(s[end]) {
		end++
	}
	if end-i == 3 && byteAt(s, end) == ' ' && groupOfThree(s, end+1) {
		end += 4 // 482 913
	}
	n := end - i
	if n == 3 && !isAlnum(byteAt(s, end)) && v.secretWordBefore(i, cvvWords) {
		return end, true // a card's security code: "CVV 123"
	}
	if n < 4 || n > 8 || isAlnum(byteAt(s, end)) || byteAt(s, end) == ':' && isDigit(byteAt(s, end+1)) {
		return 0, false
	}
	if v.secretWordBefore(i, codeWords) || v.codeWordAfter(end) {
		return end, true
	}
	return 0, false
}

// Words that announce a card's 3-digit security code (a 4-digit one is
// caught as a code by codeWords).
var cvvWords = []string{"cvv2", "cvv", "cvc2", "cvc", "card security code", "security code", "安全碼", "安全码"}

// secretWordBefore reports whether one of words stands right before i, joined
// only by codeFiller.
func (v *view) secretWordBefore(i int, words []string) bool {
	s := v.low
	j := codeFiller.skipBack(s, i)
	for _, w := range words {
		if !endsWith(s, j, w) {
			continue
		}
		k := j - len(w)
		if isLower(w[0]) && (!wordStart(s, k) || !wordEnd(s, j)) {
			continue
		}
		if w == "code" || w == "pin" {
			p := skipSpacesBack(s, k)
			for _, nb := range notCodeBefore {
				if endsWith(s, p, nb) {
					return false
				}
			}
		}
		return true
	}
	return false
}

func (v *view) codeWordAfter(end int) bool {
	s := v.low
	j := skipSpaces(s, end)
	for _, f := range []string{"is my", "is the", "is", "係我嘅", "係", "是我的", "是", "為", "为", "嘅", "的"} {
		if hasAt(s, j, f) && (f[0] >= 0x80 || wordEnd(s, j+len(f))) {
			j = skipSpaces(s, j+len(f))
			break
		}
	}
	for _, w := range codeWords {
		if w == "code" || w == "pin" {
			continue // "1234 code" is too loose
		}
		if hasAt(s, j, w) && (w[0] >= 0x80 || wordEnd(s, j+len(w))) {
			return true
		}
	}
	return false
}

// codeFiller may stand between a code word and the code ("OTP: 4829",
// "the code was 4829", "驗證碼係 123456").
var codeFiller = filler{marks: ":=#", words: []string{"is", "was", "係", "是", "為", "为"}}

// Words that announce a password.
var passwordWords = []string{"password", "passwd", "pwd", "pw", "密碼", "密码", "口令"}

// passwordAt reads a password after a password word at i. After ":" or "="
// any token is a password; after "is", 係, 是 or a bare space it must look
// like one (letters with digits or symbols), so "my password is wrong" stays.
func (v *view) passwordAt(i int) (span, bool) {
	s := v.low
	w, ok := matchAny(s, i, passwordWords)
	if !ok {
		return span{}, false
	}
	if isLower(w[0]) && (!wordStart(s, i) || !wordEnd(s, i+len(w))) {
		return span{}, false
	}
	for _, otp := range []string{"一次性", "動態", "动态"} {
		if endsWith(s, i, otp) {
			return span{}, false
		}
	}
	j := i + len(w)
	strong := false
	if isLower(w[0]) {
		j = skipSpaces(s, j)
	}
	switch {
	case byteAt(s, j) == ':' || byteAt(s, j) == '=':
		strong = true
		j++
	default:
		for _, f := range []string{"is now", "is", "was", "係", "是", "為", "为", "改成", "改为", "改為", "set to"} {
			if hasAt(s, j, f) && (f[0] >= 0x80 || wordEnd(s, j+len(f))) {
				j += len(f)
				break
			}
		}
	}
	j = skipSpaces(s, j)
	start := j
	for j < len(s) && s[j] > ' ' && s[j] < 0x80 {
		j++
	}
	for j > start && strings.IndexByte(",.;!?)\"'", s[j-1]) >= 0 {
		j--
	}
	if j == start {
		return span{}, false
	}
	if !strong && !looksLikePassword(v.raw[start:j]) {
		return span{}, false
	}
	return span{start, j}, true
}

// looksLikePassword: at least 4 characters mixing letters with digits or
// symbols, or 6+ digits (a PIN-like password).
func looksLikePassword(t []byte) bool {
	if len(t) < 4 {
		return false
	}
	var letters, digits, other int
	for _, c := range t {
		switch {
		case isAlpha(c):
			letters++
		case isDigit(c):
			digits++
		default:
			other++
		}
	}
	if letters == 0 && other == 0 {
		return digits >= 6
	}
	return letters > 0 && (digits > 0 || other > 0) || digits > 0 && other > 0
}

// idWordBefore reports whether an order or reference word stands shortly
// before i.
func (v *view) idWordBefore(i int) bool {
	_, ok := v.wordBefore(i, idWords, 24)
	return ok
}

// cardWordBefore reports whether a card word stands shortly before i.
func (v *view) cardWordBefore(i int) bool {
	lo := max(0, i-24)
	return containsAny(v.low[lo:i], []string{"card", "visa", "master", "amex", "卡"})
}

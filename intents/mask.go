package intents

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Masking of secrets the user should not have typed: card numbers, card
// security codes, one-time codes and PINs, passwords and passphrases. Mask
// runs before any text is stored, logged or forwarded; Extract uses the same
// detection so that a secret never becomes an entity.
//
// The detection errs towards masking: a payment product must never store a
// full card number or authentication data (PCI DSS), while a masked word too
// many costs an agent a question. What must stay readable are the details
// agents and the extractors need (amounts, dates, times, ids, phone numbers)
// and complaints about secrets that carry none ("wrong password", 密碼錯誤).

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

// Mask replaces card numbers, card security codes, one-time codes, PINs and
// passwords in text and keeps everything else as it was. Invalid UTF-8 bytes
// are replaced by U+FFFD, so the result is always valid UTF-8. Mask is
// idempotent: masking masked text changes nothing.
func Mask(text string) string {
	if !utf8.ValidString(text) {
		text = strings.ToValidUTF8(text, "\uFFFD")
	}
	// A placeholder can change what its neighbours look like (a word next
	// to "[password]" now touches letters), so masking repeats until
	// nothing more is found: masked text is then stable under Mask, which
	// callers rely on (a stored text may be masked again on its way out).
	for range maxMaskRounds {
		out := maskOnce(text)
		if out == text {
			break
		}
		text = out
	}
	return text
}

// maxMaskRounds bounds the repetition; two rounds settle real messages.
const maxMaskRounds = 4

func maskOnce(text string) string {
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
			if digitFollows(v.low, sc.sp.end) {
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

// digitFollows reports whether a digit follows i after at most a few
// separators.
func digitFollows(s []byte, i int) bool {
	for k := 0; k < 3 && isCardSep(byteAt(s, i)); k++ {
		i++
	}
	return isDigit(byteAt(s, i))
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
	sorted := true
	add := func(sc secret) {
		if n := len(out); n > 0 && sc.sp.start < out[n-1].sp.end {
			sorted = false
		}
		out = append(out, sc)
	}
	for i := 0; i < len(s); {
		if isDigit(s[i]) && !isAlnum(byteBefore(s, i)) && byteBefore(s, i) != '*' { // ****1111 is masked
			if end, ok := v.cardAt(i); ok {
				add(secret{secretCard, span{i, end}})
				i = end
				continue
			}
			if end, ok := v.codeAt(i); ok {
				add(secret{secretCode, span{i, end}})
				i = end
				continue
			}
			for i < len(s) && isDigit(s[i]) {
				i++
			}
			continue
		}
		if c := s[i]; c >= 0x80 && c < 0xC0 {
			i++ // inside a character: nothing starts here
			continue
		}
		if end, ok := v.wordCodeAt(i); ok {
			add(secret{secretCode, span{i, end}})
			i = end
			continue
		}
		if w, ok := v.passwordWordAt(i); ok {
			if sp, ok := v.passwordAfter(i, w); ok {
				add(secret{secretPassword, sp})
				i = sp.end
				continue
			}
			if sp, ok := v.passwordBefore(i); ok {
				add(secret{secretPassword, sp})
			}
			i += len(w)
			continue
		}
		i++
	}
	if !sorted {
		out = mergeSecrets(out)
	}
	return out
}

// mergeSecrets sorts secrets found out of order (a password named after its
// keyword) and joins the ones that overlap; a joined secret of two kinds is
// masked whole, as a password.
func mergeSecrets(out []secret) []secret {
	slices.SortFunc(out, func(a, b secret) int { return a.sp.start - b.sp.start })
	merged := out[:1]
	for _, sc := range out[1:] {
		last := &merged[len(merged)-1]
		if sc.sp.start >= last.sp.end {
			merged = append(merged, sc)
			continue
		}
		last.sp.end = max(last.sp.end, sc.sp.end)
		if last.kind != sc.kind {
			last.kind = secretPassword
		}
	}
	return merged
}

// isCardSep reports whether b may stand between the digit groups of a card
// number ("4111 1111", "4111-1111", "4111.1111", "4111/1111", "4111_1111").
func isCardSep(b byte) bool {
	return b == ' ' || b == '-' || b == '.' || b == '/' || b == '_' || b == '\t'
}

// cardAt reads a card number at i: 13 to 19 digits, in groups split by one
// to three separators (isCardSep), passing the Luhn check. The longest valid
// prefix at a group boundary wins (a card followed by an expiry "12 27"). A
// run of more than 19 digits is not a card (wallet ids are 28 digits), and
// neither is an unbroken run right after an order or reference word with no
// card word near it (a 16-digit order number can pass Luhn by chance).
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
		k := j
		for k < len(s) && k-j < 3 && isCardSep(s[k]) {
			k++
		}
		if k > j && isDigit(byteAt(s, k)) && n < 19 {
			groups++
			j = k
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

// Words that announce a one-time code or a PIN, longest first where one is
// the tail of another. Full-width forms are folded by the view; Traditional
// and Simplified forms are both listed (the view keeps the script).
var codeWords = []string{
	"一次性密碼", "一次性密码", "動態密碼", "动态密码", "短訊驗證碼", "短信验证码",
	"驗證碼", "验证码", "認證碼", "认证码", "校驗碼", "校验码", "動態碼", "动态码",
	"短訊碼", "短信码", "確認碼", "确认码", "安全碼", "安全码", "交易碼", "交易码",
	"驗證號碼", "验证号码", "提款碼", "提款码",
	"短訊", "短信", "簡訊", "简讯",
	"otp", "passcode", "verification code", "verification number", "security code",
	"auth code", "authentication code", "authorisation code", "authorization code",
	"one-time code", "one time code", "one-time password", "one time password",
	"sms code", "2fa code", "2fa", "tac", "pin code", "pin number", "text message", "sms",
	"pin", "code",
}

// Words before "code" or "pin" that make it something else than a secret.
var notCodeBefore = []string{
	"error", "err", "promo", "promotion", "discount", "coupon", "voucher", "referral", "invite",
	"qr", "status", "response", "reason", "country", "area", "postal", "post", "zip", "swift",
	"bank", "branch", "merchant", "product", "source", "sort", "tax",
}

// Words after a 4–8 digit number that show it is the code the user got
// ("i got 482913 by sms", "482913 係我嘅驗證碼").
var codeSourceAfter = []string{
	"by sms", "via sms", "in sms", "in the sms", "in an sms", "from sms", "through sms",
	"by text", "via text", "in the text", "by email", "via email", "in the email", "by e-mail",
}

// codeAt reads a one-time code or PIN at i: 4 to 8 digits, unbroken or in
// equal groups split by single spaces or dashes ("482 913", "48-29-13",
// "4 8 2 9 1 3"), with a code word before or after it, joined only by
// codeFiller ("驗證碼係 123456", "OTP: 4829", "482913 is my OTP",
// "the code i got was 4829", "i got 482913 by sms"). Six or more single
// digits spaced out are a code without any word: no amount, date, time or
// id is written so. A card's 3-digit security code needs a CVV word.
func (v *view) codeAt(i int) (int, bool) {
	s := v.low
	end, n, groups, single := readDigitGroups(s, i)
	if (n == 3 || n == 4) && groups == 1 && !isAlnum(byteAt(s, end)) && v.secretWordBefore(i, cvvWords) {
		return end, true // a card's security code: "CVV 123", "CID 1234"
	}
	if n < 4 || n > 8 || isAlnum(byteAt(s, end)) || notCodeAfter(s, end) {
		return 0, false
	}
	if m, _ := prefixMark(s, i); m.text != "" {
		return 0, false // "HKD 5000"
	}
	if single && groups >= 6 {
		return end, true
	}
	if v.secretWordBefore(i, codeWords) || v.codeWordAfter(end) {
		return end, true
	}
	return 0, false
}

// readDigitGroups reads digits at i in groups of equal size split by one
// space or dash, stopping before a group that would pass 8 digits. It
// returns the end, the digit count, the number of groups and whether every
// group is a single digit.
func readDigitGroups(s []byte, i int) (end, n, groups int, single bool) {
	j := i
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	size := j - i
	end, n, groups = j, size, 1
	for {
		if sep := byteAt(s, end); sep != ' ' && sep != '-' {
			break
		}
		k := end + 1
		for k < len(s) && isDigit(s[k]) {
			k++
		}
		if k-(end+1) != size || n+size > 8 || isAlnum(byteAt(s, k)) {
			break
		}
		end, n, groups = k, n+size, groups+1
	}
	return end, n, groups, size == 1
}

// notCodeAfter reports whether what follows a number makes it a time, a
// decimal, an amount, a date or a count ("12:30", "1234.50", "5000 HKD",
// "2025年", "3000蚊", "2025-11-03").
func notCodeAfter(s []byte, end int) bool {
	c, d := byteAt(s, end), byteAt(s, end+1)
	if (c == ':' || c == '.' || c == ',' || c == '/' || c == '-') && isDigit(d) {
		return true
	}
	if m, _ := suffixMark(s, end); m.text != "" {
		return true
	}
	r, _ := runeAt(s, end)
	return strings.ContainsRune(unitAfterDigits, r)
}

// unitAfterDigits are characters that make a number a date, time, amount or
// count when they follow it directly.
const unitAfterDigits = "年月日號号時时点點分秒元圓圆蚊塊块毫角次個个位歲岁週周天萬万千百億亿筆笔張张%"

// Words that announce a card's 3- or 4-digit security code.
var cvvWords = []string{
	"cvv2", "cvv", "cvc2", "cvc", "cid", "csc", "card security code", "security code",
	"安全碼", "安全码", "背面三位數", "背面三位数", "背面三個數字", "背面", "卡背", "後三碼", "后三码",
	"後三位", "后三位",
}

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
				if endsWith(s, p, nb) && (nb[0] >= 0x80 || wordStart(s, p-len(nb))) {
					return false
				}
			}
		}
		return true
	}
	return false
}

// codeWordAfter reports whether a code word follows end: right after it
// ("482913 OTP"), or after a linking phrase ("is my code", 係我嘅驗證碼), or
// a source phrase ("by sms"). Bare "code" and "pin" count only after a
// linking phrase: "1234 code" is too loose.
func (v *view) codeWordAfter(end int) bool {
	s := v.low
	j := skipSpaces(s, end)
	for _, f := range codeSourceAfter {
		if hasAt(s, j, f) && wordEnd(s, j+len(f)) {
			return true
		}
	}
	linked := false
	for _, f := range codeLinks {
		if hasAt(s, j, f) && (f[0] >= 0x80 || wordEnd(s, j+len(f))) {
			j = skipSpaces(s, j+len(f))
			linked = true
			break
		}
	}
	for _, w := range codeWords {
		if (w == "code" || w == "pin") && !linked {
			continue
		}
		if hasAt(s, j, w) && (w[0] >= 0x80 || wordEnd(s, j+len(w))) {
			return true
		}
	}
	return false
}

// codeLinks join a value to the word after it that names it ("482913 is my
// code", 「你好123係我嘅密碼」), longest first.
var codeLinks = []string{
	"is my new", "is my", "was my", "is the new", "is the", "was the", "is your", "is our",
	"係我嘅", "係我個", "係我", "是我的", "是我", "就係", "就是", "即係",
	"係", "是", "為", "为", "嘅", "的",
}

// codeFiller may stand between a code word and the code ("OTP: 4829", "the
// code was 4829", "the code i got is 4829", "驗證碼係 123456", 收到嘅驗證碼係 123456).
var codeFiller = filler{marks: ":=#", steps: 5, words: []string{
	"is", "was", "are", "of", "number", "no.", "no", "i got", "got", "i received", "received",
	"they sent me", "you sent me", "sent me", "sent", "i", "me", "my", "the",
	"係", "是", "為", "为", "收到嘅", "收到的", "收到", "收咗", "號碼", "号码", "數字", "数字", "嘅", "的",
}}

// Han digits a code may be spelled in (驗證碼係四八二九一三).
const hanDigits = "零〇一二三四五六七八九"

// hanDigitLead marks the first UTF-8 bytes of hanDigits, a cheap test run
// on every byte of every message.
var hanDigitLead = func() (lead [256]bool) {
	for _, r := range hanDigits {
		lead[string(r)[0]] = true
	}
	return lead
}()

// English digit words a code may be spelled in ("four eight two nine").
var digitWords = []string{"zero", "oh", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"}

// wordCodeAt reads a code spelled in words at i (four eight two nine one
// three, 四八二九一三): 4 to 8 digit words with a code word before or after
// them. Han digits must follow one another with nothing between and no unit
// (一千二百 is an amount); English ones may be split by spaces, commas or dashes.
func (v *view) wordCodeAt(i int) (int, bool) {
	s := v.low
	switch c := s[i]; {
	case hanDigitLead[c]:
	case strings.IndexByte("zotfsen", c) >= 0 && wordStart(s, i):
	default:
		return 0, false
	}
	n, end := 0, i
	if r, _ := runeAt(s, i); strings.ContainsRune(hanDigits, r) {
		if strings.ContainsRune(hanDigits, runeBeforeAt(s, i)) {
			return 0, false
		}
		for {
			r, size := runeAt(s, end)
			if size == 0 || !strings.ContainsRune(hanDigits, r) {
				break
			}
			end += size
			n++
		}
		if r, _ := runeAt(s, end); strings.ContainsRune(unitAfterDigits, r) || isCNUnit(r) {
			return 0, false
		}
	} else {
		if !isLower(byteAt(s, i)) || !wordStart(s, i) {
			return 0, false
		}
		j := i
		for {
			w, ok := matchAny(s, j, digitWords)
			if !ok || !wordEnd(s, j+len(w)) {
				break
			}
			end, n = j+len(w), n+1
			j = end
			for k := 0; k < 2 && (byteAt(s, j) == ' ' || byteAt(s, j) == ',' || byteAt(s, j) == '-'); k++ {
				j++
			}
		}
	}
	if n < 4 || n > 8 {
		return 0, false
	}
	if v.secretWordBefore(i, codeWords) || v.codeWordAfter(end) {
		return end, true
	}
	return 0, false
}

func runeBeforeAt(s []byte, i int) rune { r, _ := runeBefore(s, i); return r }

func isCNUnit(r rune) bool { _, ok := cnUnit(r); return ok }

// Words that announce a password or passphrase. "pass" counts only with a
// link after it ("my pass is hunter2"): a bus pass is no secret.
var passwordWords = []string{
	"passphrase", "pass phrase", "password", "passwd", "pwd", "pw", "pass",
	"密碼", "密码", "口令", "通行碼", "通行码",
}

// passwordWordAt returns the password word at i, if any (not the password
// of a one-time password, which is a code).
func (v *view) passwordWordAt(i int) (string, bool) {
	s := v.low
	if b := s[i]; b != 'p' && b < 0x80 {
		return "", false
	}
	w, ok := matchAny(s, i, passwordWords)
	if !ok {
		return "", false
	}
	if isLower(w[0]) && (!wordStart(s, i) || !wordEnd(s, i+len(w))) {
		return "", false
	}
	for _, otp := range []string{"一次性", "動態", "动态", "one-time ", "one time "} {
		if endsWith(s, i, otp) {
			return "", false
		}
	}
	return w, true
}

// passwordLinks join a password word to its value, longest first. A strong
// link (":", "=") makes whatever follows the password; after a weak one (or
// none) the value must look like one, so "my password is wrong" stays.
var (
	strongLinks = []string{"is:", "係:", "是:", "為:", "为:", ":", "="}
	weakLinks   = []string{
		"is now", "is still", "is set to", "is", "was", "will be", "set to", "changed to",
		"就係", "就是", "即係", "係", "是", "為", "为", "改成", "改為", "改为", "設成", "设成", "设为", "設為",
	}
)

// passwordAfter reads the value that follows the password word w at i
// ("password: hunter2", "密碼係你好123", "my pass is hunter2",
// "passphrase: correct horse battery staple").
func (v *view) passwordAfter(i int, w string) (span, bool) {
	s := v.low
	j := i + len(w)
	// "my password for the app is": no. "password (new): x": no. Keep to
	// links right after the word.
	k := skipSpaces(s, j)
	strong, linked := false, false
	for _, l := range strongLinks {
		if hasAt(s, k, l) {
			j, strong, linked = k+len(l), true, true
			break
		}
	}
	if !linked {
		for _, l := range weakLinks {
			if hasAt(s, k, l) && (l[0] >= 0x80 || wordEnd(s, k+len(l))) {
				j, linked = k+len(l), true
				if hasAt(s, skipSpaces(s, j), ":") { // "password is: x"
					j, strong = skipSpaces(s, j)+1, true
				}
				break
			}
		}
	}
	if w == "pass" && !linked {
		return span{}, false
	}
	if sp, ok := v.valueAt(j, strong); ok || linked {
		return sp, ok
	}
	// "my password for the bank app is hunter2": a link a few words on,
	// in the same clause.
	for words := 0; words < 6 && j < len(s); words++ {
		for j < len(s) && s[j] != ' ' && !isClauseEnd(s, j) {
			j++
		}
		if j >= len(s) || isClauseEnd(s, j) {
			break
		}
		j = skipSpaces(s, j)
		for _, l := range strongLinks[:1] {
			if hasAt(s, j, l) {
				return v.valueAt(j+len(l), true)
			}
		}
		for _, l := range []string{"is", "was"} {
			if hasAt(s, j, l) && wordEnd(s, j+len(l)) {
				k := skipSpaces(s, j+len(l))
				if byteAt(s, k) == ':' {
					return v.valueAt(k+1, true)
				}
				return v.valueAt(k, false)
			}
		}
	}
	return span{}, false
}

// passwordBeforeLinks are codeLinks without bare 嘅/的, and "=".
var passwordBeforeLinks = append(codeLinks[:len(codeLinks)-2:len(codeLinks)-2], "=")

// passwordBefore reads a password named after its value ("hunter2 is my
// password", 「你好123係我嘅密碼」); i is the password word.
func (v *view) passwordBefore(i int) (span, bool) {
	s := v.low
	j := skipSpacesBack(s, i)
	for _, adj := range []string{"new", "old", "current", "login", "新", "舊", "旧", "登入", "登录", "登錄"} {
		if endsWith(s, j, adj) && (adj[0] >= 0x80 || wordStart(s, j-len(adj))) {
			j = skipSpacesBack(s, j-len(adj))
			break
		}
	}
	linked := false
	for _, l := range passwordBeforeLinks {
		if endsWith(s, j, l) && (l[0] >= 0x80 || wordStart(s, j-len(l))) {
			j, linked = skipSpacesBack(s, j-len(l)), true
			break
		}
	}
	if !linked || j == 0 {
		return span{}, false
	}
	if q, size := runeBefore(s, j); isCloseQuote(q) {
		// '"correct horse" is my password': the quoted words, whole.
		for k := j - size; k > 0; {
			r, sz := runeBefore(s, k)
			if isOpenQuote(r) {
				if k < j-size {
					return span{k, j - size}, true
				}
				return span{}, false
			}
			if isClauseEnd(s, k-sz) {
				break
			}
			k -= sz
		}
		return span{}, false
	}
	start := j
	for start > 0 {
		r, size := runeBefore(s, start)
		if r == ' ' || r == '\t' || isClauseEnd(s, start-size) || isOpenQuote(r) {
			break
		}
		start -= size
	}
	if start == j || !looksLikeSecret(v.raw[start:j]) {
		return span{}, false
	}
	return span{start, j}, true
}

// Latin words that end a passphrase read after a strong link ("password:
// hunter2 but it fails"): the secret is before them.
var latinStops = []string{
	"and", "but", "still", "then", "so", "because", "please", "pls", "which", "it", "is", "was",
	"doesn't", "doesnt", "does", "isn't", "not", "can't", "cant", "cannot", "won't", "when", "after",
	"however", "though", "also", "or",
}

// Han words that end a password value written without spaces
// (「密碼係你好123但登入唔到」).
var hanStops = []string{
	"但係", "但是", "但", "可是", "不過", "不过", "然後", "然后", "之後", "之后", "登入", "登錄", "登录",
	"唔", "不能", "不可以", "卻", "却", "都", "仲", "還", "还", "我", "請", "请", "幫", "帮", "點解", "为什么", "為什麼",
	"嗎", "吗", "呀", "啊", "喎", "囉", "啦",
}

// Words that, as the whole value after a strong link, say the password is
// wrong rather than what it is (「密碼：錯誤」, "password: incorrect").
var notAPassword = []string{
	"wrong", "incorrect", "invalid", "expired", "locked", "error", "forgotten", "reset",
	"錯誤", "错误", "錯咗", "错了", "錯", "错", "不正確", "不正确", "無效", "无效", "過期", "过期",
	"唔啱", "不對", "不对", "忘記", "忘记", "被鎖", "被锁", "鎖咗", "重設", "重设",
}

// valueAt reads a secret value at j (after a password word and its link):
// a quoted value whole, else words up to the end of the clause. After a
// strong link every word up to a stop word is taken; after a weak one the
// first word must look like a secret, and so must each one taken after it.
func (v *view) valueAt(j int, strong bool) (span, bool) {
	s := v.low
	j = skipSpaces(s, j)
	if r, size := runeAt(s, j); isOpenQuote(r) {
		k := j + size
		for k < len(s) {
			r, sz := runeAt(s, k)
			if isCloseQuote(r) {
				if k > j+size {
					return span{j + size, k}, true
				}
				return span{}, false
			}
			if r == '\n' {
				break
			}
			k += sz
		}
		// No closing quote: read on as unquoted, after the quote.
		j += size
	}
	start, end := j, j
	for first := true; ; first = false {
		if !first && j > start && isLower(byteAt(s, j)) {
			if w, ok := matchAny(s, j, latinStops); ok && wordEnd(s, j+len(w)) {
				break
			}
		}
		tokStart := j
		stopped := false
		for j < len(s) {
			r, size := runeAt(s, j)
			if r == ' ' || r == '\t' || isClauseEnd(s, j) || isCloseQuote(r) || isOpenQuote(r) && j > tokStart {
				stopped = r != ' ' && r != '\t'
				break
			}
			if (j > tokStart || !first) && r >= 0x80 {
				if _, ok := matchAny(s, j, hanStops); ok {
					stopped = true
					break
				}
			}
			j += size
		}
		tokEnd := j
		for tokEnd > tokStart && strings.IndexByte(",.;)\"'", s[tokEnd-1]) >= 0 {
			tokEnd--
		}
		if tokEnd == tokStart {
			break
		}
		tok := v.raw[tokStart:tokEnd]
		switch {
		case first && strong && isNotAPassword(v.low[tokStart:tokEnd]):
			return span{}, false
		case !strong && !looksLikeSecret(tok):
			if first {
				return span{}, false
			}
			stopped = true
		default:
			end = tokEnd
		}
		if stopped || tokEnd < j {
			break
		}
		j = skipSpaces(s, j)
		if j >= len(s) {
			break
		}
	}
	if end == start {
		return span{}, false
	}
	return span{start, end}, true
}

func isNotAPassword(low []byte) bool {
	for _, w := range notAPassword {
		if string(low) == w || w[0] >= 0x80 && strings.HasPrefix(string(low), w) {
			return true
		}
	}
	return false
}

// isClauseEnd reports whether the character at j ends a clause: a line
// break, a bracket, CJK stops, or a full stop, comma, semicolon, ! or ? that
// is not inside a word ("hunter2." ends, "a.b" and "Qwerty!9" do not).
func isClauseEnd(s []byte, j int) bool {
	switch c := byteAt(s, j); c {
	case '\n', '\r', ')', '(':
		return true
	case '.', ',', ';', '!', '?':
		// Inside a word when a letter, digit or mark follows.
		next := byteAt(s, j+1)
		return next <= ' ' || next >= 0x80
	}
	r, _ := runeAt(s, j)
	switch r {
	case '。', '、', '，', '；', '！', '？', '…', '（', '）':
		return true
	}
	return false
}

func isOpenQuote(r rune) bool {
	switch r {
	case '"', '\'', '`', '「', '『', '“', '‘', '《', '〈':
		return true
	}
	return false
}

func isCloseQuote(r rune) bool {
	switch r {
	case '"', '\'', '`', '」', '』', '”', '’', '》', '〉':
		return true
	}
	return false
}

// looksLikeSecret reports whether a word read without a strong link is a
// password rather than a word about one: letters with digits or symbols
// (hunter2, Qwerty!9), Chinese characters with letters or digits (你好123),
// or four or more digits alone (a PIN). Figures with only date, time and
// amount marks (2025-11-03, 12:30, 1,500.00) and counts (3次, 2025年) are
// not secrets.
func looksLikeSecret(t []byte) bool {
	var letters, digits, marks, other, han, runes int
	unitAfterDigit := false
	prevDigit := false
	for _, r := range string(t) {
		runes++
		switch {
		case r < utf8.RuneSelf && isAlpha(byte(r)):
			letters++
		case r < utf8.RuneSelf && isDigit(byte(r)):
			digits++
		case strings.ContainsRune("-/:.,", r):
			marks++
		case unicode.Is(unicode.Han, r):
			han++
			if prevDigit && strings.ContainsRune(unitAfterDigits, r) {
				unitAfterDigit = true
			}
		default:
			other++
		}
		prevDigit = r < utf8.RuneSelf && isDigit(byte(r))
	}
	switch {
	case han > 0:
		return (letters > 0 || digits > 0) && !unitAfterDigit && runes >= 3
	case runes < 4:
		return false
	case letters == 0 && other == 0:
		return marks == 0 && digits >= 4
	case letters > 0:
		return digits > 0 || other > 0
	}
	return digits > 0 // digits with symbols: 12#$34
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

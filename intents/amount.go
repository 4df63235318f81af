package intents

import (
	"strconv"
)

// Amount extraction.
//
// A number is an amount when money is written next to it. How sure we are
// decides which amount wins when a message has several:
//
//	rankCode   a currency named: HK$, 港幣, 300蚊, USD 49.99, 人民币2000
//	rankSymbol money without a country: $268, 5000元, ¥88, 200块, 50 bucks
//	rankHint   a bare number that can only be money here: 3千, 1.5萬, 2k,
//	           or a figure right after 餘額/限額/limit/balance/金額/amount
//
// The best rank wins, and the first one among equals (users name the amount
// in question first; later ones are usually totals or comparisons).
//
// ¥ alone gives currency "": it is the sign of both the yuan and the yen, as
// $ is of the Hong Kong and the US dollar, and the contract leaves a currency
// the user did not pin down empty. 円/日元/JPY give JPY, 人民币/RMB/CNY give CNY.
const (
	rankNone = iota
	rankHint
	rankSymbol
	rankCode
)

// currencyMark is a way of writing money before or after a number.
type currencyMark struct {
	text     string // lower-cased, folded
	currency string // ISO 4217, or "" when the mark does not say which
	latin    bool   // a Latin word: must stand apart from other letters
}

// Marks written before the number, longest first where one ends another.
var prefixMarks = []currencyMark{
	{"hk$", "HKD", true}, {"us$", "USD", true}, {"nt$", "TWD", true},
	{"s$", "SGD", true}, {"a$", "AUD", true}, {"c$", "CAD", true},
	{"hkd", "HKD", true}, {"usd", "USD", true}, {"rmb", "CNY", true},
	{"cny", "CNY", true}, {"jpy", "JPY", true}, {"eur", "EUR", true},
	{"gbp", "GBP", true}, {"sgd", "SGD", true}, {"twd", "TWD", true},
	{"mop", "MOP", true}, {"aud", "AUD", true}, {"cad", "CAD", true},
	{"krw", "KRW", true}, {"thb", "THB", true},
	{"港幣", "HKD", false}, {"港币", "HKD", false}, {"港元", "HKD", false},
	{"人民幣", "CNY", false}, {"人民币", "CNY", false},
	{"美金", "USD", false}, {"美元", "USD", false},
	{"日元", "JPY", false}, {"日圓", "JPY", false}, {"日圆", "JPY", false},
	{"歐元", "EUR", false}, {"欧元", "EUR", false},
	{"€", "EUR", false}, {"£", "GBP", false},
	{"$", "", false}, {"¥", "", false},
}

// Marks written after the number.
var suffixMarks = []currencyMark{
	{"元人民幣", "CNY", false}, {"元人民币", "CNY", false},
	{"港元", "HKD", false}, {"港幣", "HKD", false}, {"港币", "HKD", false},
	{"蚊", "HKD", false}, // Cantonese for Hong Kong dollars
	{"美元", "USD", false}, {"美金", "USD", false},
	{"人民幣", "CNY", false}, {"人民币", "CNY", false},
	{"日元", "JPY", false}, {"日圓", "JPY", false}, {"円", "JPY", false},
	{"歐元", "EUR", false}, {"欧元", "EUR", false}, {"英鎊", "GBP", false}, {"英镑", "GBP", false},
	{"澳門幣", "MOP", false}, {"澳门币", "MOP", false}, {"新台幣", "TWD", false},
	{"hkd", "HKD", true}, {"usd", "USD", true}, {"rmb", "CNY", true},
	{"cny", "CNY", true}, {"jpy", "JPY", true}, {"eur", "EUR", true},
	{"gbp", "GBP", true}, {"sgd", "SGD", true}, {"twd", "TWD", true},
	{"mop", "MOP", true}, {"aud", "AUD", true}, {"cad", "CAD", true},
	{"hong kong dollars", "HKD", true}, {"hk dollars", "HKD", true},
	{"us dollars", "USD", true}, {"yuan", "CNY", true}, {"yen", "JPY", true},
	{"euros", "EUR", true}, {"euro", "EUR", true},
	{"元", "", false}, {"圓", "", false}, {"块", "", false}, {"塊", "", false},
	{"dollars", "", true}, {"dollar", "", true}, {"bucks", "", true}, {"bux", "", true},
}

// Words right before a bare figure that make it money (limits, balances).
var amountHints = []string{
	"餘額", "余额", "結餘", "结余", "限額", "限额", "額度", "额度", "金額", "金额",
	"上限", "扣款", "扣咗", "扣了", "總共", "总共", "合共", "一共",
	"balance", "limit", "amount", "total", "sum", "charged", "charge of",
}

// Money verbs: a bare figure right after them is the sum moved ("sent 500",
// 轉咗500), unless a count or a word follows it ("sent 2 emails").
var amountVerbs = []string{
	"sent", "paid", "pay", "transferred", "transfer", "withdrew", "withdraw", "topped up",
	"top up", "deposited", "deposit", "refunded", "refund", "received",
	"轉咗", "转了", "轉了", "俾咗", "畀咗", "付咗", "付了", "支付", "提咗", "提了", "提款",
	"提现", "提現", "充值", "充咗", "入咗", "存咗", "存了", "退款", "退咗", "扣咗", "扣了",
	"收咗", "收了", "轉賬", "转账", "轉帳", "匯款", "汇款", "付款", "轉", "转", "俾", "畀",
}

// Words that may follow a figure after a money verb ("sent 500 to my
// friend"); any other word makes the figure a count ("sent 2 emails").
var afterVerbFigure = []string{
	"to", "via", "for", "from", "into", "on", "at", "but", "and", "yesterday", "today",
	"last", "this", "through", "with", "by", "in", "out", "back", "over", "already",
}

// Units after a figure that make it a count, a duration or a measure, not money.
var countUnits = []string{
	"次", "日", "天", "個", "个", "號", "号", "月", "年", "點", "点", "時", "时",
	"分", "秒", "小時", "小时", "鐘", "钟", "歲", "岁", "位", "張", "张", "筆", "笔",
	"件", "條", "条", "人", "%", "折", "倍", "步", "週", "周", "星期", "粒", "部",
	"份", "樣", "样", "款", "間", "间", "公里", "米", "cm", "km", "kg", "gb", "mb",
	"times", "time", "days", "day", "hours", "hour", "hrs", "hr", "h", "mins", "min",
	"minutes", "seconds", "secs", "weeks", "months", "years", "people", "x", "pcs",
	"items", "tries", "attempts", "digits", "gb", "%",
}

type amountCand struct {
	cents    int64
	currency string
	rank     int
	sp       span
}

// findAmount returns the best amount of the message.
func (v *view) findAmount() (Amount, bool) {
	s := v.low
	var best amountCand
	for i := 0; i < len(s); {
		b := s[i]
		if !isDigit(b) && b < 0x80 {
			i++
			continue
		}
		c, next := v.amountAt(i)
		if c.rank > best.rank {
			best = c
		}
		if next <= i {
			_, size := runeAt(s, i)
			next = i + max(size, 1)
		}
		i = next
	}
	if best.rank == rankNone {
		return Amount{}, false
	}
	v.claimed = append(v.claimed, best.sp)
	return Amount{
		Value:    formatCents(best.cents),
		Currency: best.currency,
		Span:     v.origSpan(best.sp),
	}, true
}

// amountAt reads a number starting at i, if one does, and judges whether it
// is money. next is where scanning goes on.
func (v *view) amountAt(i int) (c amountCand, next int) {
	s := v.low
	var (
		cents int64
		end   int
		multi bool // 千/萬/k after digits, or units inside a Chinese numeral
		cn    bool
	)
	switch {
	case isDigit(s[i]):
		if isDigit(byteBefore(s, i)) || byteBefore(s, i) == '.' || byteBefore(s, i) == ',' {
			return c, i + 1
		}
		var ok bool
		cents, end, ok = readDecimal(s, i)
		if !ok {
			return c, skipDigits(s, i)
		}
		if m, mEnd := readMultiplier(s, end); m > 0 {
			cents *= m
			end = mEnd
			multi = true
		}
	case isCNNumeralStart(s, i):
		val, e, units, ok := readCN(s, i)
		if !ok {
			return c, i + 1
		}
		if val > 1e11 {
			return c, e
		}
		cents, end, multi, cn = val*100, e, units, true
	default:
		return c, i + 1
	}
	sp := span{i, end}
	if v.isClaimed(sp) {
		return c, end
	}

	// A digit run glued to letters is part of an id or a code, unless the
	// letters are a currency code (HKD500, usd49.99).
	pre, preEnd := prefixMark(s, i)
	if !cn && isAlpha(byteBefore(s, i)) && pre.text == "" {
		return c, end
	}
	suf, sufEnd := suffixMark(s, end)
	if !cn && isAlpha(byteAt(s, end)) && suf.text == "" {
		return c, end
	}

	c = amountCand{cents: cents, sp: sp}
	switch {
	case pre.currency != "" || suf.currency != "":
		c.rank, c.currency = rankCode, pre.currency
		if c.currency == "" {
			c.currency = suf.currency
		}
	case pre.text != "" || suf.text != "":
		c.rank = rankSymbol
	case cn && !multi:
		return amountCand{}, end // 一, 三: words, not money
	case multi && !v.countFollows(end) && (cents >= 100000 || !cn):
		c.rank = rankHint // 3千, 1.5萬, 2k
	case !cn && v.hintBefore(i, amountHints) && !v.countFollows(end):
		c.rank = rankHint
	case !cn && v.hintBefore(i, amountVerbs) && !v.countFollows(end) && v.plainAfter(end):
		c.rank = rankHint
	default:
		return amountCand{}, end
	}
	if cn && c.rank == rankSymbol && cents == 0 {
		return amountCand{}, end
	}
	if pre.text != "" {
		c.sp.start = preEnd
	}
	if suf.text != "" {
		c.sp.end = sufEnd
	}
	return c, end
}

// readDecimal reads 1200, 1,200.50, 49.99 at i, as cents.
func readDecimal(s []byte, i int) (cents int64, end int, ok bool) {
	var n int64
	j := i
	digits := 0
	for j < len(s) {
		switch {
		case isDigit(s[j]):
			n = n*10 + int64(s[j]-'0')
			digits++
			j++
			continue
		case s[j] == ',' && digits > 0 && digits <= 3*len(s) && groupOfThree(s, j+1):
			j++
			continue
		}
		break
	}
	if digits > 12 {
		return 0, j, false // ids, cards, phone numbers: never money
	}
	cents = n * 100
	if byteAt(s, j) == '.' && isDigit(byteAt(s, j+1)) {
		k := j + 1
		var frac int64
		nf := 0
		for k < len(s) && isDigit(s[k]) {
			if nf < 2 {
				frac = frac*10 + int64(s[k]-'0')
			}
			nf++
			k++
		}
		if nf > 2 {
			return 0, k, false // 1.234 is a version or a rate, not money
		}
		if nf == 1 {
			frac *= 10
		}
		cents += frac
		j = k
	}
	return cents, j, true
}

// groupOfThree reports whether exactly three digits start at i (the group
// after a thousands comma).
func groupOfThree(s []byte, i int) bool {
	return isDigit(byteAt(s, i)) && isDigit(byteAt(s, i+1)) && isDigit(byteAt(s, i+2)) && !isDigit(byteAt(s, i+3))
}

func skipDigits(s []byte, i int) int {
	for i < len(s) && (isDigit(s[i]) || s[i] == ',' || s[i] == '.') {
		i++
	}
	return i
}

// readMultiplier reads 千/萬/万/k/百 right after a figure (3千, 1.5萬, 2k).
func readMultiplier(s []byte, i int) (int64, int) {
	switch {
	case hasAt(s, i, "千"):
		return 1000, i + len("千")
	case hasAt(s, i, "萬"), hasAt(s, i, "万"):
		return 10000, i + len("萬")
	case hasAt(s, i, "百"):
		return 100, i + len("百")
	case byteAt(s, i) == 'k' && !isAlpha(byteAt(s, i+1)):
		return 1000, i + 1
	}
	return 0, i
}

// prefixMark finds a currency mark ending just before i (spaces allowed).
func prefixMark(s []byte, i int) (currencyMark, int) {
	j := skipSpacesBack(s, i)
	if j < i && j > 0 && (s[j-1] == '$' || s[j-1] >= 0x80 || isAlpha(s[j-1])) {
		// "HK$ 1,200", "港幣 8,800", "USD 49.99"
	} else {
		j = i
	}
	for _, m := range prefixMarks {
		if !endsWith(s, j, m.text) {
			continue
		}
		if m.latin && !wordStart(s, j-len(m.text)) {
			continue
		}
		if m.text == "$" && isAlpha(byteBefore(s, j-1)) {
			continue // "x$5": an unknown prefix; treat as plain $ below
		}
		return m, j - len(m.text)
	}
	if endsWith(s, j, "$") {
		return currencyMark{text: "$"}, j - 1
	}
	return currencyMark{}, i
}

// suffixMark finds a currency mark starting at i (spaces allowed before
// Latin words).
func suffixMark(s []byte, i int) (currencyMark, int) {
	j := skipSpaces(s, i)
	for _, m := range suffixMarks {
		at := i
		if m.latin {
			at = j
		}
		if !hasAt(s, at, m.text) {
			continue
		}
		if m.latin && !wordEnd(s, at+len(m.text)) {
			continue
		}
		if m.text == "元" && (hasAt(s, at+len("元"), "素") || hasAt(s, at+len("元"), "旦")) {
			continue // 元素, 元旦
		}
		return m, at + len(m.text)
	}
	return currencyMark{}, i
}

// countFollows reports whether a count or measure unit follows a figure
// (3千步, 2k times), which makes it not money.
func (v *view) countFollows(i int) bool {
	j := skipSpaces(v.low, i)
	for _, u := range countUnits {
		if hasAt(v.low, j, u) {
			if isLower(u[0]) && !wordEnd(v.low, j+len(u)) {
				continue
			}
			return true
		}
	}
	return false
}

// hintBefore reports whether one of hints stands just before i, joined
// only by spaces, colons and linking words ("limit is 5000", "餘額：5000",
// "額度係5000", "sent 500").
func (v *view) hintBefore(i int, hints []string) bool {
	s := v.low
	j := hintFiller.skipBack(s, i)
	for _, h := range hints {
		if endsWith(s, j, h) && (!isLower(h[0]) || wordStart(s, j-len(h))) {
			return true
		}
	}
	return false
}

// hintFiller may stand between an amount hint and its figure.
var hintFiller = filler{marks: ":=", words: []string{"is", "of", "係", "是", "為", "为", "有", "得", "剩", "只"}, steps: 6}

// plainAfter reports whether what follows a figure leaves it money: the end,
// punctuation, Chinese text, or one of afterVerbFigure.
func (v *view) plainAfter(i int) bool {
	j := skipSpaces(v.low, i)
	if !isLower(byteAt(v.low, j)) {
		return true
	}
	for _, w := range afterVerbFigure {
		if hasAt(v.low, j, w) && wordEnd(v.low, j+len(w)) {
			return true
		}
	}
	return false
}

// formatCents writes cents as a decimal with two places.
func formatCents(c int64) string {
	var buf [24]byte
	b := strconv.AppendInt(buf[:0], c/100, 10)
	b = append(b, '.', byte('0'+c%100/10), byte('0'+c%10))
	return string(b)
}

package intents

import (
	"strings"
)

// Transaction id extraction.
//
// Candidates are Latin-and-digit tokens (TXN20251029001234, FPS20251102C3,
// ORD-8842…, pi_3QkX72Lz9, 28-digit wallet ids). One counts as an id when it
// follows a reference word (ref, order no, 交易編號, 订单号, 參考編號…) or its
// shape is one that only ids have: letters with at least five digits, or a
// long mix of letters and digits, or ten digits and more. It never counts
// when it is a ticket id (T-000123), an error code (E1003, "error 502"), a
// phone number (9123 4567, +852…, 1[3-9] and nine digits), a card number or
// one-time code (see mask.go), a time or an amount, or an account number.
//
// When several qualify, one after a reference word wins, then one mixing
// letters and digits, then the first.

// Words that introduce an order, reference or serial number.
var idWords = []string{
	"交易編號", "交易编号", "交易號碼", "交易号码", "交易號", "交易号", "交易單號", "交易单号",
	"訂單編號", "订单编号", "訂單號碼", "订单号码", "訂單號", "订单号", "訂單", "订单",
	"參考編號", "参考编号", "參考號碼", "参考号码", "參考號", "参考号", "編號", "编号",
	"單號", "单号", "流水號", "流水号", "序號", "序号", "憑證號", "凭证号", "商戶訂單號", "商户订单号",
	"退款編號", "退款编号", "提款編號", "提现单号", "轉帳編號", "转账编号",
	"transaction id", "transaction no", "transaction number", "transaction", "txn id", "txn",
	"reference number", "reference no", "reference", "ref no", "ref. no", "ref", "order number",
	"order no", "order id", "order", "receipt no", "receipt number", "receipt", "invoice no", "invoice",
	"payment id", "payment", "transfer id", "transfer", "serial no", "serial number", "trade no",
	"id",
}

// Words that make the number after them something other than an id.
var notIDWords = []string{
	"account number", "account no", "account", "acct", "a/c no", "戶口號碼", "户口号码", "帳戶號碼", "账户号码",
	"賬戶號碼", "帳戶", "账户", "賬戶", "ticket", "case", "工單", "工单", "個案", "个案", "案件", "error", "err", "錯誤", "错误",
	"錯誤碼", "错误码", "代碼", "代码", "code", "a/c", "帳號", "账号", "賬號", "帐号",
	"戶口", "户口", "卡號", "卡号", "card", "phone", "mobile", "tel", "whatsapp", "電話", "电话",
	"手機", "手机", "otp", "驗證碼", "验证码", "pin", "version", "ver", "版本", "model",
	"型號", "型号", "http", "status",
}

type idCand struct {
	sp    span
	score int
}

// findTxID returns the transaction id of the message.
func (v *view) findTxID() (TransactionID, bool) {
	s := v.raw
	var best idCand
	for i := 0; i < len(s); {
		if !isIDByte(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && isIDByte(s[j]) {
			j++
		}
		start, end := i, j
		for start < end && (s[start] == '-' || s[start] == '_') {
			start++
		}
		for end > start && (s[end-1] == '-' || s[end-1] == '_') {
			end--
		}
		i = j
		if end-start < 4 {
			continue
		}
		if sc := v.idScore(span{start, end}); sc > best.score {
			best = idCand{span{start, end}, sc}
		}
	}
	if best.score == 0 {
		return TransactionID{}, false
	}
	return TransactionID{
		Value: string(v.raw[best.sp.start:best.sp.end]),
		Span:  v.origSpan(best.sp),
	}, true
}

func isIDByte(b byte) bool { return isAlnum(b) || b == '-' || b == '_' }

// idScore judges a token: 0 is not an id; 3 an id after a reference word,
// 2 a letters-and-digits id, 1 an all-digits id.
func (v *view) idScore(sp span) int {
	tok := v.low[sp.start:sp.end]
	var letters, digits int
	for _, c := range tok {
		switch {
		case isLower(c):
			letters++
		case isDigit(c):
			digits++
		}
	}
	if digits == 0 || v.isClaimed(sp) {
		return 0
	}
	before := byteBefore(v.low, sp.start)
	after := byteAt(v.low, sp.end)
	// Parts of URLs, e-mail addresses, file names and phone numbers.
	if before == '/' || before == '@' || before == '+' || before == '.' || after == '@' ||
		after == '.' && isLower(byteAt(v.low, sp.end+1)) {
		return 0
	}
	if isTicketID(tok) || hasSecretPrefix(tok) {
		return 0
	}
	if _, ok := v.wordBefore(sp.start, notIDWords, 16); ok {
		return 0
	}
	_, kw := v.wordBefore(sp.start, idWords, 20)
	// Keep only digits to judge all-digit shapes (9123-4567).
	var d [32]byte
	nd := 0
	for _, c := range tok {
		if isDigit(c) && nd < len(d) {
			d[nd] = c
			nd++
		}
	}
	if letters == 0 {
		if looksLikePhone(d[:nd], digits) || digits < 4 {
			return 0
		}
		if kw {
			return 3
		}
		if digits >= 10 && !isDateDigits(d[:nd]) {
			return 1
		}
		return 0
	}
	if isErrorCode(tok) && !kw {
		return 0
	}
	if kw && (digits >= 2 || len(tok) >= 6) {
		return 3
	}
	if digits >= 5 || digits >= 3 && len(tok) >= 8 && letters >= 2 {
		return 2
	}
	return 0
}

// isTicketID matches our own ticket ids, T-000123.
func isTicketID(tok []byte) bool {
	if len(tok) < 3 || tok[0] != 't' || tok[1] != '-' {
		return false
	}
	for _, c := range tok[2:] {
		if !isDigit(c) {
			return false
		}
	}
	return true
}

// hasSecretPrefix matches API keys and webhook secrets (sk_live_…), which are
// not ids and must not be echoed into tickets.
func hasSecretPrefix(tok []byte) bool {
	for _, p := range []string{"sk_", "pk_", "rk_", "whsec_", "sk-"} {
		if strings.HasPrefix(string(tok), p) {
			return true
		}
	}
	return false
}

// isErrorCode matches E1003, ERR502, HTTP404: one to four letters and three
// or four digits.
func isErrorCode(tok []byte) bool {
	k := 0
	for k < len(tok) && isLower(tok[k]) {
		k++
	}
	if k == 0 || k > 4 {
		return false
	}
	rest := tok[k:]
	if len(rest) > 0 && rest[0] == '-' {
		rest = rest[1:]
	}
	if len(rest) < 3 || len(rest) > 4 {
		return false
	}
	for _, c := range rest {
		if !isDigit(c) {
			return false
		}
	}
	return true
}

// looksLikePhone matches Hong Kong numbers (8 digits from 2 to 9, with or
// without 852) and mainland mobiles (1[3-9] and 9 digits, with or without 86).
func looksLikePhone(d []byte, n int) bool {
	switch {
	case n == 8 && d[0] >= '2':
		return true
	case n == 11 && d[0] == '1' && d[1] >= '3':
		return true
	case n == 11 && string(d[:3]) == "852":
		return true
	case n == 13 && string(d[:3]) == "861" && d[3] >= '3':
		return true
	}
	return false
}

// isDateDigits matches 20251103 and 202511031500 (a date, maybe with time).
func isDateDigits(d []byte) bool {
	if len(d) != 8 && len(d) != 12 && len(d) != 14 {
		return false
	}
	y := string(d[:2])
	m := int(d[4]-'0')*10 + int(d[5]-'0')
	day := int(d[6]-'0')*10 + int(d[7]-'0')
	return y == "20" && m >= 1 && m <= 12 && day >= 1 && day <= 31
}

// idFiller may stand between a reference word and its number ("order no.
// 8842", "ref: 8842", "訂單號係 8842").
var idFiller = filler{marks: ":#=", words: []string{"no.", "is", "係", "是", "為", "为"}, steps: 8}

// wordBefore finds one of words ending at most maxGap bytes before i, joined
// to i only by idFiller. Latin words must start a word.
func (v *view) wordBefore(i int, words []string, maxGap int) (string, bool) {
	s := v.low
	j := idFiller.skipBack(s, i)
	if i-j > maxGap {
		return "", false
	}
	for _, w := range words {
		if !endsWith(s, j, w) {
			continue
		}
		if isLower(w[0]) && !wordStart(s, j-len(w)) {
			continue
		}
		return w, true
	}
	return "", false
}

package intents

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// dontKnowPhrases say "I don't know / can't remember / not sure", written in
// normalised form (Simplified, lower case: 唔記得 is matched as 不记得).
var dontKnowPhrases = []string{
	"不知道", "不知", "不记得", "记不起", "记不到", "记不清", "忘了", "忘记", "不清楚", "不确定", "不肯定", "唔肯定",
	"没印象", "冇印象", "没有印象", "想不起", "不太清楚", "无法提供", "没法提供", "不晓得",
	"找不到", "找不回", "找不返", "找不番",
	"don't know", "dont know", "do not know", "dunno", "idk", "no idea", "not sure", "unsure",
	"can't remember", "cant remember", "cannot remember", "don't remember", "dont remember", "do not remember",
	"forgot", "forget", "can't recall", "cant recall", "don't recall", "no clue", "not certain", "no recollection",
	"can't find it", "cannot find it", "can't find the", "lost it",
}

// bareNone are answers that mean "I don't have it" only when they are the
// whole answer: 冇 alone is "none", but 冇收到 is a complaint.
var bareNone = map[string]bool{
	"没": true, "没有": true, "无": true, "冇": true, "no": true, "none": true, "nope": true, "nah": true,
	"n/a": true, "na": true, "nil": true, "nothing": true, "not really": true, "don't have": true,
	"dont have": true, "i don't have it": true, "i dont have it": true, "没有啊": true, "没呀": true,
}

// fillers may surround a don't-know answer without changing it.
var fillers = []string{
	"sorry", "i'm", "im", "i", "really", "honestly", "um", "umm", "uh", "hmm", "well", "the", "exact", "it",
	"that", "one", "either", "actually", "ah", "oh", "lol", "just", "totally", "completely",
	"对不起", "不好意思", "我", "真是", "真的", "啊", "呀", "喔", "哦", "嗯", "唉", "啦", "了", "呢", "喎", "啰", "吖", "咯", "都", "也", "真系", "其实",
}

// DontKnow reports whether text, the customer's answer to a question about a
// detail (when, how much, which reference), means they do not know or do not
// have it: "not sure", "no idea", 唔記得, 唔知, 不记得, 忘了, or a bare 冇 / 沒有 /
// "no". An answer that carries digits is taken as an attempt to answer
// ("唔記得 大概3點"), and so is a long message, which more likely says
// something new.
func DontKnow(text string) bool {
	var buf [256]byte
	n := appendNormalized(buf[:0], text)
	s := strings.TrimFunc(string(n), func(r rune) bool { return unicode.IsPunct(r) || unicode.IsSpace(r) || unicode.IsSymbol(r) })
	if s == "" {
		return false
	}
	if bareNone[s] || bareNone[trimFillers(s)] || noneOfDetail(trimFillers(s)) {
		return true
	}
	if strings.ContainsFunc(s, unicode.IsDigit) || utf8.RuneCountInString(s) > 40 {
		return false
	}
	for _, p := range dontKnowPhrases {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}

// trimFillers drops filler words and particles around an answer.
func trimFillers(s string) string {
	for changed := true; changed; {
		changed = false
		s = strings.TrimFunc(s, func(r rune) bool { return unicode.IsPunct(r) || unicode.IsSpace(r) || unicode.IsSymbol(r) })
		for _, f := range fillers {
			if strings.HasPrefix(s, f) && (len(s) == len(f) || !isWordByte(s[len(f)]) || f[0] >= utf8.RuneSelf) {
				s, changed = s[len(f):], true
			}
			if strings.HasSuffix(s, f) && (len(s) == len(f) || !isWordByte(s[len(s)-len(f)-1]) || f[0] >= utf8.RuneSelf) {
				s, changed = s[:len(s)-len(f)], true
			}
		}
	}
	return s
}

// noneWords and detailNouns make "I don't have the thing you asked for":
// 没有截图 (冇截圖), "no screenshot", "don't have the reference".
var (
	noneWords = []string{"没有", "没", "冇", "无", "no", "don't have a", "don't have the", "don't have",
		"dont have", "do not have", "haven't got a", "haven't got", "not got"}
	detailNouns = []string{"截图", "截屏", "图片", "照片", "相片", "编号", "交易编号", "参考编号", "单号", "订单号",
		"收据", "记录", "screenshot", "screenshots", "screen shot", "photo", "picture", "image",
		"reference", "reference number", "ref", "receipt", "transaction id", "id", "number", "record"}
)

func noneOfDetail(s string) bool {
	for _, w := range noneWords {
		rest, ok := strings.CutPrefix(s, w)
		if !ok {
			continue
		}
		rest = strings.TrimSpace(rest)
		for _, n := range detailNouns {
			if rest == n {
				return true
			}
		}
	}
	return false
}

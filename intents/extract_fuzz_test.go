package intents

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// fuzzSeeds are messages of every kind the extractors meet.
var fuzzSeeds = []string{
	"昨天下午3點轉賬港幣1,200.50失敗 TXN20251029001234",
	"琴晚十點俾咗五百蚊 驗證碼係 482913",
	"card 4111 1111 1111 1111 declined at 3pm yesterday, ref ORD-884213",
	"password: hunter2 and OTP 5566",
	"１０月２９號 １４:３０ 轉咗＄３０００",
	"半個鐘前 2 hours ago 3天前 上星期五 last Friday 2025/10/29",
	"兩千五 一萬二 1.5萬 2k USD 49.99 人民币2000 ¥88 ￥88",
	"T-000123 E1003 error 502 9123 4567 +852 9123 4567 13812345678",
	"bad \xff\xfe bytes 4111\xff1111",
	"密碼：你好123，my pass is hunter2 / 482913 is my code, i got 4 8 2 9 1 3 by sms",
	"card 4111.1111.1111.1111 cvv 123 驗證碼係四八二九一三 passphrase: correct horse battery staple",
	"hunter2 is my password 你好123係我嘅密碼 code: four eight two nine",
	"",
}

// checkEntities fails t when an entity of text is malformed: a span off
// the text or off rune boundaries, a time out of now's zone or with an
// unknown grain, an amount not in two-decimal form, a bad currency or id.
func checkEntities(t *testing.T, text string, now time.Time, e Entities) {
	t.Helper()
	check := func(kind string, sp Span) {
		if sp.Start < 0 || sp.End > len(text) || sp.Start >= sp.End {
			t.Fatalf("%s span %+v out of text of %d bytes", kind, sp, len(text))
		}
		if !utf8.ValidString(text[sp.Start:sp.End]) {
			t.Fatalf("%s span %+v not on rune boundaries in %q", kind, sp, text)
		}
	}
	if e.Time != nil {
		check("time", e.Time.Span)
		if e.Time.Value.Location() != now.Location() {
			t.Fatalf("time in zone %v", e.Time.Value.Location())
		}
		switch e.Time.Grain {
		case Day, Hour, Minute:
		default:
			t.Fatalf("grain %q", e.Time.Grain)
		}
	}
	if a := e.Amount; a != nil {
		check("amount", a.Span)
		dot := strings.IndexByte(a.Value, '.')
		if dot < 1 || len(a.Value)-dot != 3 || strings.Trim(a.Value, "0123456789.") != "" {
			t.Fatalf("amount value %q", a.Value)
		}
		if a.Currency != "" && len(a.Currency) != 3 {
			t.Fatalf("currency %q", a.Currency)
		}
	}
	if id := e.TransactionID; id != nil {
		check("id", id.Span)
		if id.Value == "" || !utf8.ValidString(id.Value) {
			t.Fatalf("id %q", id.Value)
		}
	}
}

// FuzzExtract runs the extractors together, as the engine does.
func FuzzExtract(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	now := refNow(f)
	f.Fuzz(func(t *testing.T, text string) {
		checkEntities(t, text, now, Extract(text, now))
	})
}

// fuzzOne fuzzes a single extractor on its own view, without the spans
// the other extractors would have claimed first, so each one meets every
// input by itself.
func fuzzOne(f *testing.F, find func(v *view, now time.Time) Entities) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	now := refNow(f)
	f.Fuzz(func(t *testing.T, text string) {
		v := getView(text)
		defer putView(v)
		checkEntities(t, text, now, find(v, now))
	})
}

func FuzzTime(f *testing.F) {
	fuzzOne(f, func(v *view, now time.Time) Entities {
		var e Entities
		if x, ok := v.findTime(now); ok {
			e.Time = &x
		}
		return e
	})
}

func FuzzAmount(f *testing.F) {
	fuzzOne(f, func(v *view, _ time.Time) Entities {
		var e Entities
		if x, ok := v.findAmount(); ok {
			e.Amount = &x
		}
		return e
	})
}

func FuzzTransactionID(f *testing.F) {
	fuzzOne(f, func(v *view, _ time.Time) Entities {
		var e Entities
		if x, ok := v.findTxID(); ok {
			e.TransactionID = &x
		}
		return e
	})
}

func FuzzMask(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		out := Mask(text)
		if !utf8.ValidString(out) {
			t.Fatalf("Mask(%q) = %q: invalid UTF-8", text, out)
		}
		// No card survives, and no masked card's digits stay in a run.
		v := getView(strings.ToValidUTF8(text, "\uFFFD"))
		defer putView(v)
		var buf [16]secret
		for _, sc := range v.secrets(buf[:0]) {
			if sc.kind != secretCard {
				continue
			}
			digits := lastDigits(v.raw[sc.sp.start:sc.sp.end], 19)
			rest := string(v.raw[:sc.sp.start]) + " " + string(v.raw[sc.sp.end:])
			if strings.Contains(rest, string(digits)) {
				continue // the same digits also stand elsewhere, unmasked
			}
			if strings.Contains(out, string(digits)) {
				t.Fatalf("Mask(%q) = %q keeps card digits %s", text, out, digits)
			}
		}
		w := getView(out)
		defer putView(w)
		// A code's or password's digits are gone too (compared folded, so
		// a full-width code cannot slip through as its ASCII twin).
		for _, sc := range v.secrets(buf[:0]) {
			if sc.kind == secretCard {
				continue
			}
			for _, run := range digitRuns(v.raw[sc.sp.start:sc.sp.end], 4) {
				if strings.Count(string(v.raw), run) == 1 && strings.Contains(string(w.raw), run) {
					t.Fatalf("Mask(%q) = %q keeps the digits %s of a masked secret", text, out, run)
				}
			}
		}
		for _, sc := range w.secrets(buf[:0]) {
			if sc.kind == secretCard {
				t.Fatalf("Mask(%q) = %q still holds a card at %v", text, out, sc.sp)
			}
		}
		// Masking never adds digits (a kept card tail is digits the text
		// had), and masked text is left as it is.
		if countDigits(w.raw) > countDigits(v.raw) {
			t.Fatalf("Mask(%q) = %q has more digits than its input", text, out)
		}
		if again := Mask(out); again != out {
			t.Fatalf("Mask is not idempotent: Mask(%q) = %q, Mask of that = %q", text, out, again)
		}
	})
}

func countDigits(b []byte) int {
	n := 0
	for _, c := range b {
		if c >= '0' && c <= '9' {
			n++
		}
	}
	return n
}

// digitRuns returns the runs of at least n ASCII digits in b.
func digitRuns(b []byte, n int) []string {
	var runs []string
	for i := 0; i < len(b); {
		j := i
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
		if j-i >= n {
			runs = append(runs, string(b[i:j]))
		}
		i = max(j, i+1)
	}
	return runs
}

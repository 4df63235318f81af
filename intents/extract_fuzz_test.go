package intents

import (
	"strings"
	"testing"
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
	"",
}

func FuzzExtract(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	now := refNow(f)
	f.Fuzz(func(t *testing.T, text string) {
		e := Extract(text, now)
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
			if strings.Count(string(v.raw), string(digits)) > 1 {
				continue // the same digits also stand elsewhere, unmasked
			}
			if strings.Contains(out, string(digits)) {
				t.Fatalf("Mask(%q) = %q keeps card digits %s", text, out, digits)
			}
		}
		w := getView(out)
		defer putView(w)
		for _, sc := range w.secrets(buf[:0]) {
			if sc.kind == secretCard {
				t.Fatalf("Mask(%q) = %q still holds a card at %v", text, out, sc.sp)
			}
		}
	})
}

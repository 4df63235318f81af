package intents

import (
	"sync"
	"time"
	"unicode/utf8"
)

// Extract finds the details in text, resolving relative times against now
// (in now's zone). Values the user should not have typed (card numbers,
// one-time codes, passwords) are never reported: candidates overlapping them
// are dropped, so text may be given raw or already masked.
func Extract(text string, now time.Time) Entities {
	v := getView(text)
	defer putView(v)
	v.findSensitive()

	var e Entities
	// Times first: their spans keep dates and clock digits from being read
	// as amounts or ids.
	if t, ok := v.findTime(now); ok {
		e.Time = &t
	}
	if a, ok := v.findAmount(); ok {
		e.Amount = &a
	}
	if !v.digits {
		return e // ids need digits
	}
	if id, ok := v.findTxID(); ok {
		e.TransactionID = &id
	}
	return e
}

// view is a message prepared for scanning: full-width ASCII folded to ASCII
// (３０００ → 3000, ＨＫ＄ → HK$), one lower-cased copy for keyword matching
// and one case-kept copy for values, and a map from each byte of the folded
// text back to the original, so spans always point into the caller's text.
// Both copies have the same length, so an offset is valid in either.
type view struct {
	orig string
	raw  []byte  // folded, case kept
	low  []byte  // folded, ASCII lower-cased
	pos  []int32 // pos[i]: offset in orig of folded byte i; pos[len] = len(orig)

	sensitive []span // cards, codes, passwords (folded offsets)
	claimed   []span // time and amount spans, not ids
	pieces    []tpiece

	digits bool // the text has an ASCII (or folded) digit
}

// span is a half-open byte range of the folded text.
type span struct{ start, end int }

func (s span) overlaps(o span) bool { return s.start < o.end && o.start < s.end }

// views are pooled: Extract runs on every message, and reusing the buffers
// keeps it free of per-call allocations beyond the results.
var viewPool = sync.Pool{New: func() any { return new(view) }}

func getView(text string) *view {
	v := viewPool.Get().(*view)
	v.reset(text)
	return v
}

func putView(v *view) {
	if cap(v.raw) > 1<<16 { // don't keep huge buffers alive
		return
	}
	v.orig = ""
	viewPool.Put(v)
}

func (v *view) reset(text string) {
	v.orig = text
	v.raw = v.raw[:0]
	v.low = v.low[:0]
	v.pos = v.pos[:0]
	v.sensitive = v.sensitive[:0]
	v.claimed = v.claimed[:0]
	v.digits = false
	for i := 0; i < len(text); {
		if text[i] < utf8.RuneSelf { // most bytes: no decoding needed
			v.add(text[i], i)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case r >= 0xFF01 && r <= 0xFF5E: // full-width ASCII
			v.add(byte(r-0xFF01+0x21), i)
		case r == 0x3000: // ideographic space
			v.add(' ', i)
		case r == 0xFFE5: // full-width yen sign → ¥
			v.addStr("¥", i)
		case r == utf8.RuneError && size == 1:
			// An invalid byte stays one opaque byte that matches nothing.
			v.add(0xFF, i)
		default:
			for k := 0; k < size; k++ {
				v.add(text[i+k], i+k)
			}
		}
		i += size
	}
	v.pos = append(v.pos, int32(len(text)))
}

func (v *view) add(b byte, at int) {
	if isDigit(b) {
		v.digits = true
	}
	v.raw = append(v.raw, b)
	if b >= 'A' && b <= 'Z' {
		b += 'a' - 'A'
	}
	v.low = append(v.low, b)
	v.pos = append(v.pos, int32(at))
}

func (v *view) addStr(s string, at int) {
	for k := 0; k < len(s); k++ {
		v.raw = append(v.raw, s[k])
		v.low = append(v.low, s[k])
		v.pos = append(v.pos, int32(at))
	}
}

// origSpan turns a folded span into a span of the original text. A folded
// span always starts and ends on a folded rune boundary, which maps to a rune
// boundary of the original.
func (v *view) origSpan(s span) Span {
	return Span{Start: int(v.pos[s.start]), End: v.endPos(s.end)}
}

// endPos maps an exclusive folded end offset to the original text. Several
// folded bytes can map to one original rune (¥), so the end is the start of
// the next original rune.
func (v *view) endPos(end int) int {
	if end >= len(v.pos)-1 {
		return len(v.orig)
	}
	p := int(v.pos[end])
	if p == int(v.pos[end-1]) { // inside a multi-byte replacement
		_, size := utf8.DecodeRuneInString(v.orig[p:])
		return p + size
	}
	return p
}

func (v *view) isSensitive(s span) bool {
	for _, x := range v.sensitive {
		if x.overlaps(s) {
			return true
		}
	}
	return false
}

func (v *view) isClaimed(s span) bool {
	for _, x := range v.claimed {
		if x.overlaps(s) {
			return true
		}
	}
	return v.isSensitive(s)
}

package intents

import (
	"time"
)

// Time extraction.
//
// The scanner finds pieces: a day (2025/10/29, 10月29號, 前日, 上星期五,
// yesterday, last Friday, 2 Nov), a part of the day (下午, 晏晝, evening), a
// clock (3pm, 14:30, 8点半, 11點幾) and a relative moment (20 mins ago,
// 半個鐘前, 3 days ago). Pieces that stand next to each other, in any order,
// with only spaces or linking words between ("yesterday at 4pm", "2pm
// today", 昨天下午3點) form one expression. The grain is the finest unit the
// user said: a clock with minutes is a minute, a clock hour an hour, anything
// else a day. A part of the day alone ("at lunch", 晚上) or vague recency
// ("just now", 幾天前) says no day and gives no time; durations ("3 days",
// 三日都未到) are not times because nothing marks them as a moment.

// pieceKind is what a time piece says.
type pieceKind uint8

const (
	pDay pieceKind = iota + 1
	pPart
	pClock
	pAgo
)

// partOfDay adjusts a clock hour: 下午3點 is 15:00.
type partOfDay uint8

const (
	partNone  partOfDay = iota
	partEarly           // 凌晨: small hours
	partAM              // morning
	partNoon            // 中午, 晏晝: around midday
	partPM              // afternoon, evening
	partNight           // 晚上, night
)

type tpiece struct {
	kind pieceKind
	sp   span

	date time.Time // pDay: midnight of the day; pAgo: the moment
	part partOfDay // pDay (昨晚) or pPart

	hour, min int  // pClock
	hasMin    bool // pClock: minutes were said
	ampm      int8 // pClock: 0 unsaid, 1 am, 2 pm
	weak      bool // pClock in Chinese numerals (三點): only with a day or part, as 一點 also means "a bit"

	grain Grain // pAgo
}

// maxPieces bounds the work on pathological input.
const maxPieces = 32

// findTime returns the time the message is about.
func (v *view) findTime(now time.Time) (Time, bool) {
	pieces := v.timePieces(now, v.pieces[:0])
	v.pieces = pieces[:0] // keep the grown buffer for the next message
	if len(pieces) == 0 {
		return Time{}, false
	}
	return v.pickTime(pieces, now)
}

// timePieces scans the text for time pieces, left to right, never
// overlapping.
func (v *view) timePieces(now time.Time, out []tpiece) []tpiece {
	s := v.low
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
	for i := 0; i < len(s) && len(out) < maxPieces; {
		var (
			p  tpiece
			ok bool
		)
		b := s[i]
		switch {
		case isDigit(b):
			if !isAlnum(byteBefore(s, i)) {
				p, ok = v.numericPiece(i, now, today)
			}
		case isLower(b):
			if wordStart(s, i) {
				p, ok = v.englishPiece(i, now, today)
			}
		case b >= 0x80:
			p, ok = v.chinesePiece(i, now, today)
		}
		if ok && !v.isSensitive(p.sp) {
			out = append(out, p)
			i = p.sp.end
			continue
		}
		// Skip the rest of a Latin word or digit run: pieces start at
		// word boundaries only.
		if isAlnum(b) {
			for i < len(s) && isAlnum(s[i]) {
				i++
			}
			continue
		}
		_, size := runeAt(s, i)
		if size < 1 {
			size = 1
		}
		i += size
	}
	return out
}

// pickTime joins adjacent pieces into expressions and picks the one the
// message is about: the first that names a day (or a moment "ago"); if that
// has no clock, a clock said alone later in the same sentence is taken as
// its time ("yesterday I paid a shop, around 3pm"). Without any day, a clock
// alone means today (or yesterday, if that clock has not come yet today).
func (v *view) pickTime(pieces []tpiece, now time.Time) (Time, bool) {
	var exprs [maxPieces]texpr
	n := 0
	for k := range pieces {
		p := &pieces[k]
		if n > 0 {
			e := &exprs[n-1]
			if v.timeGap(e.sp.end, p.sp.start) && e.ago == nil && p.kind != pAgo && e.slot(p.kind) == nil {
				e.set(p)
				continue
			}
		}
		exprs[n] = texpr{sp: p.sp}
		exprs[n].set(p)
		n++
	}

	var (
		best      *texpr
		lateClock *texpr
	)
	for k := 0; k < n; k++ {
		e := &exprs[k]
		if e.clock != nil && e.clock.weak && e.day == nil && e.part == nil {
			e.clock = nil
		}
		switch {
		case e.ago != nil || e.day != nil:
			if best == nil {
				best = e
			}
		case e.clock != nil:
			if best == nil && lateClock == nil {
				lateClock = e
			} else if best != nil && best.clock == nil && lateClock == nil && !v.sentenceBreak(best.sp.end, e.sp.start) {
				lateClock = e
			}
		}
	}
	switch {
	case best != nil && best.ago != nil:
		v.claimed = append(v.claimed, best.sp)
		return Time{Value: best.ago.date, Grain: best.ago.grain, Span: v.origSpan(best.ago.sp)}, true
	case best != nil:
		sp := best.sp
		clock, part := best.clock, best.part
		if clock == nil && lateClock != nil && lateClock.sp.start > best.sp.start {
			clock = lateClock.clock
			if lateClock.part != nil {
				part = lateClock.part
			}
			v.claimed = append(v.claimed, lateClock.sp)
		}
		v.claimed = append(v.claimed, sp)
		dayPart := best.day.part
		if part != nil {
			dayPart = part.part
		}
		t, g := resolveOn(best.day.date, dayPart, clock)
		return Time{Value: t, Grain: g, Span: v.origSpan(sp)}, true
	case lateClock != nil:
		v.claimed = append(v.claimed, lateClock.sp)
		today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
		p := partNone
		if lateClock.part != nil {
			p = lateClock.part.part
		}
		t, g := resolveOn(today, p, lateClock.clock)
		if t.After(now) {
			t = t.AddDate(0, 0, -1) // "at 8pm" said at 3pm: last night
		}
		return Time{Value: t, Grain: g, Span: v.origSpan(lateClock.sp)}, true
	}
	return Time{}, false
}

// texpr is one time expression: pieces standing together.
type texpr struct {
	day, part, clock, ago *tpiece
	sp                    span
}

func (e *texpr) set(p *tpiece) {
	switch p.kind {
	case pDay:
		e.day = p
	case pPart:
		e.part = p
	case pClock:
		e.clock = p
	case pAgo:
		e.ago = p
	}
	if p.sp.start < e.sp.start {
		e.sp.start = p.sp.start
	}
	if p.sp.end > e.sp.end {
		e.sp.end = p.sp.end
	}
}

func (e *texpr) slot(k pieceKind) *tpiece {
	switch k {
	case pDay:
		return e.day
	case pPart:
		return e.part
	case pClock:
		return e.clock
	}
	return e.ago
}

// resolveOn places a clock (adjusted by the part of the day) on a day.
func resolveOn(day time.Time, part partOfDay, clock *tpiece) (time.Time, Grain) {
	if clock == nil {
		return day, Day
	}
	h := clock.hour
	switch clock.ampm {
	case 1:
		if h == 12 {
			h = 0
		}
	case 2:
		if h < 12 {
			h += 12
		}
	default:
		h = adjustHour(h, part)
	}
	t := day
	if h >= 24 {
		h -= 24
		t = t.AddDate(0, 0, 1)
	}
	t = time.Date(t.Year(), t.Month(), t.Day(), h, clock.min, 0, 0, t.Location())
	if clock.hasMin {
		return t, Minute
	}
	return t, Hour
}

// adjustHour turns a 12-hour clock into 24 hours by the part of the day.
func adjustHour(h int, part partOfDay) int {
	switch part {
	case partEarly:
		if h == 12 {
			return 0
		}
	case partNoon:
		if h >= 1 && h <= 5 {
			return h + 12
		}
	case partPM:
		if h < 12 {
			return h + 12
		}
	case partNight:
		switch {
		case h >= 6 && h < 12:
			return h + 12
		case h == 12:
			return 24 // midnight ends the day
		}
	}
	return h
}

// timeGap reports whether only spaces, punctuation or linking words stand
// between two pieces, so they describe one moment.
func (v *view) timeGap(from, to int) bool {
	if to < from || to-from > 16 {
		return false
	}
	g := v.low[from:to]
	for len(g) > 0 {
		switch {
		case g[0] == ' ' || g[0] == ',' || g[0] == '~' || g[0] == 't' && len(g) == 1:
			g = g[1:]
			continue
		}
		w, ok := matchAny(g, 0, timeFillers)
		if !ok {
			return false
		}
		g = g[len(w):]
	}
	return true
}

var timeFillers = []string{
	"around", "about", "approx", "at", "on", "by", "in the", "the", "of",
	"大約", "大约", "大概", "差唔多", "差不多", "的", "嘅", "約", "约", "喺", "在", "於", "于", "、",
}

// sentenceBreak reports whether a sentence ends between two offsets.
func (v *view) sentenceBreak(from, to int) bool {
	for i := from; i < to; i++ {
		switch v.low[i] {
		case '.', '!', '?', '\n', ';':
			return true
		}
		if hasAt(v.low, i, "。") || hasAt(v.low, i, "；") {
			return true
		}
	}
	return false
}

// dayOf returns midnight of the given date in today's zone, or false when the
// date does not exist.
func dayOf(today time.Time, y, m, d int) (time.Time, bool) {
	if m < 1 || m > 12 || d < 1 || d > 31 || y < 1900 || y > 2200 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, today.Location())
	if t.Day() != d {
		return time.Time{}, false // 31 November
	}
	return t, true
}

// pastDay resolves a month and day without a year to its most recent
// occurrence not after today.
func pastDay(today time.Time, m, d int) (time.Time, bool) {
	t, ok := dayOf(today, today.Year(), m, d)
	if !ok {
		// 29 February: the last year that had it.
		for y := today.Year() - 1; y > today.Year()-8; y-- {
			if t, ok = dayOf(today, y, m, d); ok {
				return t, true
			}
		}
		return time.Time{}, false
	}
	if t.After(today) {
		return dayOf(today, today.Year()-1, m, d)
	}
	return t, true
}

// Weekday arithmetic. Weeks start on Monday, as in Hong Kong and mainland
// calendars: 上星期五 is the Friday of the previous Monday-to-Sunday week.
func mondayIndex(w time.Weekday) int { return (int(w) + 6) % 7 }

// prevWeekDay is weekday w of last week.
func prevWeekDay(today time.Time, w time.Weekday) time.Time {
	monday := today.AddDate(0, 0, -mondayIndex(today.Weekday()))
	return monday.AddDate(0, 0, -7+mondayIndex(w))
}

// thisWeekDay is weekday w of this week.
func thisWeekDay(today time.Time, w time.Weekday) time.Time {
	monday := today.AddDate(0, 0, -mondayIndex(today.Weekday()))
	return monday.AddDate(0, 0, mondayIndex(w))
}

// recentWeekDay is the most recent weekday w, today included when strict is
// false ("on Monday" said on a Monday is today; "last Monday" is not).
func recentWeekDay(today time.Time, w time.Weekday, strict bool) time.Time {
	back := (int(today.Weekday()) - int(w) + 7) % 7
	if back == 0 && strict {
		back = 7
	}
	return today.AddDate(0, 0, -back)
}

package intents

import (
	"time"
)

// The piece matchers of the time scanner, one per script of what starts the
// piece: a digit, a Latin word, or a Chinese character.

// numericPiece reads a piece starting with an ASCII digit: dates
// (2025-10-29, 2025年10月31日, 10月29號, 29/10), clocks (14:30, 3pm, 3點,
// 8点半) and moments ago (20 mins ago, 3天前).
func (v *view) numericPiece(i int, now, today time.Time) (tpiece, bool) {
	s := v.low
	n, end, ok := readInt(s, i, 4)
	if !ok {
		return tpiece{}, false
	}
	// 2025-10-29, 2025/10/29, 2025.10.29, 2025年10月29日
	if end-i == 4 {
		if p, ok := v.ymd(i, n, end, today); ok {
			return p, true
		}
		return tpiece{}, false
	}
	if end-i > 2 {
		return tpiece{}, false
	}
	if p, ok := v.monthDay(i, n, end, today); ok {
		return p, true
	}
	if p, ok := v.slashDate(i, n, end, today); ok {
		return p, true
	}
	if p, ok := dayOfMonth(i, n, end, s, today); ok {
		return p, true
	}
	if p, ok := v.clockAfter(i, n, end, false); ok {
		return p, true
	}
	if p, ok := v.agoAfter(i, float64(n), end, now, today); ok {
		return p, true
	}
	if p, ok := v.dayMonthName(i, n, end, today); ok {
		return p, true
	}
	return tpiece{}, false
}

// ymd reads the rest of a date that starts with a four-digit year.
func (v *view) ymd(i, y, end int, today time.Time) (tpiece, bool) {
	s := v.low
	if y < 2000 || y > 2100 {
		return tpiece{}, false
	}
	sep := byteAt(s, end)
	if sep == '-' || sep == '/' || sep == '.' {
		m, e2, ok := readInt(s, end+1, 2)
		if !ok || byteAt(s, e2) != sep {
			return tpiece{}, false
		}
		d, e3, ok := readInt(s, e2+1, 2)
		if !ok {
			return tpiece{}, false
		}
		t, ok := dayOf(today, y, m, d)
		return tpiece{kind: pDay, sp: span{i, e3}, date: t}, ok
	}
	if hasAt(s, end, "年") {
		j := skipSpaces(s, end+len("年"))
		m, e2, ok := readNumber(s, j, 2)
		if !ok || !hasAt(s, e2, "月") {
			return tpiece{}, false
		}
		k := skipSpaces(s, e2+len("月"))
		d, e3, ok := readNumber(s, k, 2)
		if !ok {
			return tpiece{}, false
		}
		e3 = dayMark(s, e3)
		t, ok := dayOf(today, y, m, d)
		return tpiece{kind: pDay, sp: span{i, e3}, date: t}, ok
	}
	return tpiece{}, false
}

// monthDay reads 10月29號, 10月29日, 10月29.
func (v *view) monthDay(i, m, end int, today time.Time) (tpiece, bool) {
	s := v.low
	if !hasAt(s, end, "月") {
		return tpiece{}, false
	}
	j := skipSpaces(s, end+len("月"))
	d, e2, ok := readNumber(s, j, 2)
	if !ok {
		return tpiece{}, false
	}
	hasMark := dayMark(s, e2) > e2
	if !hasMark && isDigit(byteAt(s, e2)) {
		return tpiece{}, false
	}
	t, ok := pastDay(today, m, d)
	return tpiece{kind: pDay, sp: span{i, dayMark(s, e2)}, date: t}, ok
}

// dayOfMonth reads 12號 (the 12th, of this month if it has come, else of
// last month). 日 is not taken: 3日 is as often "three days".
func dayOfMonth(i, d, end int, s []byte, today time.Time) (tpiece, bool) {
	w, ok := matchAny(s, end, []string{"號", "号"})
	if !ok || d < 1 || d > 31 {
		return tpiece{}, false
	}
	y, m := today.Year(), today.Month()
	if d > today.Day() {
		m--
	}
	first := time.Date(y, m, 1, 0, 0, 0, 0, today.Location())
	t, ok := dayOf(today, first.Year(), int(first.Month()), d)
	return tpiece{kind: pDay, sp: span{i, end + len(w)}, date: t}, ok
}

// dayMark skips 日/號/号 after a day number.
func dayMark(s []byte, i int) int {
	for _, w := range []string{"日", "號", "号"} {
		if hasAt(s, i, w) {
			return i + len(w)
		}
	}
	return i
}

// slashDate reads 29/10, 29/10/2025, 10/29. Hong Kong writes day first, so
// day first wins when both readings are valid.
func (v *view) slashDate(i, a, end int, today time.Time) (tpiece, bool) {
	s := v.low
	if byteAt(s, end) != '/' {
		return tpiece{}, false
	}
	b, e2, ok := readInt(s, end+1, 2)
	if !ok {
		return tpiece{}, false
	}
	year := 0
	e := e2
	if byteAt(s, e2) == '/' {
		y, e3, ok := readInt(s, e2+1, 4)
		if !ok || (e3-e2-1 != 4 && e3-e2-1 != 2) {
			return tpiece{}, false
		}
		if y < 100 {
			y += 2000
		}
		year, e = y, e3
	} else if isAlnum(byteAt(s, e2)) || byteAt(s, e2) == '.' {
		return tpiece{}, false
	}
	if year == 0 && (a == 24 && b == 7 || a < b && b <= 4) {
		return tpiece{}, false // 24/7, 1/2, 3/4: not dates
	}
	try := func(d, m int) (time.Time, bool) {
		if year != 0 {
			return dayOf(today, year, m, d)
		}
		return pastDay(today, m, d)
	}
	if t, ok := try(a, b); ok {
		return tpiece{kind: pDay, sp: span{i, e}, date: t}, true
	}
	if t, ok := try(b, a); ok {
		return tpiece{kind: pDay, sp: span{i, e}, date: t}, true
	}
	return tpiece{}, false
}

// clockAfter reads the rest of a clock whose hour h was read at i..end:
// 14:30, 3pm, 3 p.m., 3點, 3點半, 3點15分, 11點幾, 5点多. cn marks an hour
// written in Chinese numerals.
func (v *view) clockAfter(i, h, end int, cn bool) (tpiece, bool) {
	s := v.low
	p := tpiece{kind: pClock, hour: h, weak: cn}
	if h > 24 {
		return p, false
	}
	if !cn && byteAt(s, end) == ':' {
		m, e2, ok := readInt(s, end+1, 2)
		if !ok || e2-end-1 != 2 || m > 59 || h > 23 {
			return p, false
		}
		p.min, p.hasMin = m, true
		p.sp = span{i, e2}
		if ap, e3 := ampmAt(s, e2); ap != 0 {
			p.ampm, p.sp.end = ap, e3
		}
		if byteAt(s, e2) == ':' { // 14:30:05
			if _, e3, ok := readInt(s, e2+1, 2); ok {
				p.sp.end = e3
			}
		}
		return p, true
	}
	if !cn {
		if ap, e2 := ampmAt(s, end); ap != 0 && h >= 1 && h <= 12 {
			p.ampm = ap
			p.sp = span{i, e2}
			return p, true
		}
		if j := skipSpaces(s, end); hasAt(s, j, "o'clock") || hasAt(s, j, "oclock") {
			p.sp = span{i, j + len("o'clock")}
			if hasAt(s, j, "oclock") {
				p.sp.end = j + len("oclock")
			}
			return p, true
		}
	}
	w, ok := matchAny(s, end, []string{"點", "点", "時", "时"})
	if !ok {
		return p, false
	}
	j := end + len(w)
	p.sp = span{i, j}
	switch {
	case hasAt(s, j, "半"):
		p.min, p.hasMin, p.sp.end, p.weak = 30, true, j+len("半"), false
	case hasAt(s, j, "鐘"), hasAt(s, j, "钟"), hasAt(s, j, "正"), hasAt(s, j, "整"):
		p.sp.end, p.weak = j+len("鐘"), false
	case hasAt(s, j, "幾"), hasAt(s, j, "几"), hasAt(s, j, "多"):
		p.sp.end = j + len("幾") // 11點幾: some time after 11, an hour
	default:
		if m, e2, ok := readNumber(s, j, 2); ok && m < 60 {
			e3 := e2
			if w, ok := matchAny(s, e2, []string{"分鐘", "分钟", "分"}); ok {
				if w != "分" {
					break // 3點20分鐘: not a clock reading
				}
				e3 += len(w)
				p.weak = false
			} else if e2-j != 2 {
				break // 3點5 is unclear; keep the hour
			}
			p.min, p.hasMin, p.sp.end = m, true, e3
		}
	}
	return p, true
}

// ampmAt reads am/pm (with or without a space or dots) at i.
func ampmAt(s []byte, i int) (int8, int) {
	j := skipSpaces(s, i)
	for _, w := range []string{"a.m.", "p.m.", "am", "pm"} {
		if hasAt(s, j, w) && wordEnd(s, j+len(w)) || (w[1] == '.' && hasAt(s, j, w)) {
			if w[0] == 'a' {
				return 1, j + len(w)
			}
			return 2, j + len(w)
		}
	}
	return 0, i
}

// readNumber reads a number of at most maxDigits ASCII digits, or a Chinese
// numeral below 100 (十月, 三十一日, 三點).
func readNumber(s []byte, i, maxDigits int) (int, int, bool) {
	if isDigit(byteAt(s, i)) {
		return readInt(s, i, maxDigits)
	}
	if !isCNNumeralStart(s, i) {
		return 0, i, false
	}
	val, end, _, ok := readCN(s, i)
	if !ok || val >= 100 {
		return 0, i, false
	}
	return int(val), end, true
}

// Time units for "N units ago" and their grain.
type agoUnit struct {
	word  string
	dur   time.Duration // for minutes and hours
	days  int           // for days and weeks
	grain Grain
}

var englishAgoUnits = []agoUnit{
	{"minutes", time.Minute, 0, Minute}, {"minute", time.Minute, 0, Minute},
	{"mins", time.Minute, 0, Minute}, {"min", time.Minute, 0, Minute},
	{"hours", time.Hour, 0, Hour}, {"hour", time.Hour, 0, Hour},
	{"hrs", time.Hour, 0, Hour}, {"hr", time.Hour, 0, Hour}, {"h", time.Hour, 0, Hour},
	{"days", 0, 1, Day}, {"day", 0, 1, Day},
	{"weeks", 0, 7, Day}, {"week", 0, 7, Day},
}

var chineseAgoUnits = []agoUnit{
	{"分鐘", time.Minute, 0, Minute}, {"分钟", time.Minute, 0, Minute},
	{"個鐘頭", time.Hour, 0, Hour}, {"个钟头", time.Hour, 0, Hour},
	{"個小時", time.Hour, 0, Hour}, {"个小时", time.Hour, 0, Hour},
	{"個鐘", time.Hour, 0, Hour}, {"个钟", time.Hour, 0, Hour},
	{"鐘頭", time.Hour, 0, Hour}, {"钟头", time.Hour, 0, Hour},
	{"小時", time.Hour, 0, Hour}, {"小时", time.Hour, 0, Hour},
	{"天", 0, 1, Day}, {"日", 0, 1, Day},
	{"個星期", 0, 7, Day}, {"个星期", 0, 7, Day}, {"個禮拜", 0, 7, Day}, {"个礼拜", 0, 7, Day},
	{"星期", 0, 7, Day}, {"禮拜", 0, 7, Day}, {"礼拜", 0, 7, Day}, {"週", 0, 7, Day}, {"周", 0, 7, Day},
}

// agoAfter reads "<unit> ago" / "<unit>前" after an amount n that ends at
// end: 20 mins ago, 2 hours ago, 3天前, 兩個鐘前, 一個半鐘前.
func (v *view) agoAfter(i int, n float64, end int, now, today time.Time) (tpiece, bool) {
	s := v.low
	j := skipSpaces(s, end)
	for _, u := range englishAgoUnits {
		if !hasAt(s, j, u.word) || !wordEnd(s, j+len(u.word)) {
			continue
		}
		k := skipSpaces(s, j+len(u.word))
		if !hasAt(s, k, "ago") || !wordEnd(s, k+3) {
			return tpiece{}, false
		}
		return agoPiece(span{i, k + 3}, n, false, u, now, today)
	}
	half := false
	k := end
	for _, pre := range []string{"個半", "个半"} { // 一個半鐘 = 1.5 hours
		if hasAt(s, k, pre) {
			half, k = true, k+len(pre)
			if hasAt(s, k, "鐘") || hasAt(s, k, "钟") || hasAt(s, k, "小") {
				break
			}
			return tpiece{}, false
		}
	}
	for _, u := range chineseAgoUnits {
		w := u.word
		if half {
			w = w[len("個"):] // 一個半 already holds 個
			if u.word[:len("個")] != "個" && u.word[:len("个")] != "个" {
				continue
			}
		}
		if !hasAt(s, k, w) {
			continue
		}
		e := k + len(w)
		if f, ok := matchAny(s, e, []string{"之前", "以前", "前"}); ok {
			return agoPiece(span{i, e + len(f)}, n, half, u, now, today)
		}
		return tpiece{}, false
	}
	return tpiece{}, false
}

// agoPiece resolves n units (plus a half) before now. A half hour is told in
// minutes, so it has minute grain.
func agoPiece(sp span, n float64, half bool, u agoUnit, now, today time.Time) (tpiece, bool) {
	if n <= 0 || n > 400 {
		return tpiece{}, false
	}
	p := tpiece{kind: pAgo, sp: sp, grain: u.grain}
	if u.days > 0 {
		p.date = today.AddDate(0, 0, -int(n)*u.days)
		return p, !half && n == float64(int(n))
	}
	d := time.Duration(n * float64(u.dur))
	if half {
		d += u.dur / 2
	}
	if d%time.Hour != 0 || n != float64(int(n)) {
		p.grain = Minute
	}
	t := now.Add(-d)
	if p.grain == Hour {
		t = t.Truncate(time.Hour)
	} else {
		t = t.Truncate(time.Minute)
	}
	p.date = t
	return p, true
}

var monthNames = []struct {
	word string
	m    int
}{
	{"january", 1}, {"february", 2}, {"march", 3}, {"april", 4}, {"june", 6}, {"july", 7},
	{"august", 8}, {"september", 9}, {"october", 10}, {"november", 11}, {"december", 12},
	{"jan", 1}, {"feb", 2}, {"mar", 3}, {"apr", 4}, {"may", 5}, {"jun", 6}, {"jul", 7},
	{"aug", 8}, {"sept", 9}, {"sep", 9}, {"oct", 10}, {"nov", 11}, {"dec", 12},
}

// monthAt reads an English month name at i.
func monthAt(s []byte, i int) (int, int) {
	for _, mn := range monthNames {
		if hasAt(s, i, mn.word) {
			e := i + len(mn.word)
			if byteAt(s, e) == '.' {
				e++
			}
			if wordEnd(s, i+len(mn.word)) {
				return mn.m, e
			}
		}
	}
	return 0, i
}

// ordinalEnd skips st/nd/rd/th after a day number.
func ordinalEnd(s []byte, i int) int {
	for _, w := range []string{"st", "nd", "rd", "th"} {
		if hasAt(s, i, w) && wordEnd(s, i+2) {
			return i + 2
		}
	}
	return i
}

// yearAfter reads ", 2025" or " 2025" after an English date.
func yearAfter(s []byte, i int) (int, int) {
	j := i
	if byteAt(s, j) == ',' {
		j++
	}
	j = skipSpaces(s, j)
	if j == i {
		return 0, i
	}
	y, e, ok := readInt(s, j, 4)
	if !ok || e-j != 4 || y < 2000 || y > 2100 {
		return 0, i
	}
	return y, e
}

// dayMonthName reads 2 Nov, 2nd of November 2025.
func (v *view) dayMonthName(i, d, end int, today time.Time) (tpiece, bool) {
	s := v.low
	j := ordinalEnd(s, end)
	j = skipSpaces(s, j)
	if hasAt(s, j, "of ") {
		j = skipSpaces(s, j+3)
	}
	m, e := monthAt(s, j)
	if m == 0 || j == end && !isAlpha(byteAt(s, end)) {
		return tpiece{}, false
	}
	return englishDate(today, i, m, d, s, e)
}

// englishDate completes a date whose month and day were read, with an
// optional year after it.
func englishDate(today time.Time, start, m, d int, s []byte, e int) (tpiece, bool) {
	var (
		t  time.Time
		ok bool
	)
	if y, ye := yearAfter(s, e); y != 0 {
		t, ok = dayOf(today, y, m, d)
		e = ye
	} else {
		t, ok = pastDay(today, m, d)
	}
	return tpiece{kind: pDay, sp: span{start, e}, date: t}, ok
}

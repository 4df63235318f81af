package intents

import (
	"strings"
	"time"
)

// Time pieces that start with a word: English ones and Chinese ones.

var englishWeekdays = []struct {
	word string
	day  time.Weekday
	full bool
}{
	{"monday", time.Monday, true}, {"tuesday", time.Tuesday, true},
	{"wednesday", time.Wednesday, true}, {"thursday", time.Thursday, true},
	{"friday", time.Friday, true}, {"saturday", time.Saturday, true},
	{"sunday", time.Sunday, true},
	{"mon", time.Monday, false}, {"tues", time.Tuesday, false}, {"tue", time.Tuesday, false},
	{"wed", time.Wednesday, false}, {"thurs", time.Thursday, false}, {"thur", time.Thursday, false},
	{"thu", time.Thursday, false}, {"fri", time.Friday, false}, {"sat", time.Saturday, false},
	{"sun", time.Sunday, false},
}

// englishWeekdayAt reads a weekday name at i. Short names (sat, sun, wed)
// are also words, so they count only when the caller saw "last"/"on"/"this".
func englishWeekdayAt(s []byte, i int, allowShort bool) (time.Weekday, int, bool) {
	for _, w := range englishWeekdays {
		if (w.full || allowShort) && hasAt(s, i, w.word) {
			e := i + len(w.word)
			if byteAt(s, e) == '.' && !w.full {
				e++
			}
			if wordEnd(s, i+len(w.word)) {
				return w.day, e, true
			}
		}
	}
	return 0, i, false
}

var englishNumbers = []struct {
	word string
	n    float64
}{
	{"an", 1}, {"a", 1}, {"one", 1}, {"two", 2}, {"three", 3}, {"four", 4}, {"five", 5},
	{"six", 6}, {"seven", 7}, {"eight", 8}, {"nine", 9}, {"ten", 10}, {"eleven", 11},
	{"twelve", 12}, {"fifteen", 15}, {"twenty", 20}, {"thirty", 30}, {"forty", 40},
	{"forty-five", 45}, {"fifty", 50},
}

// englishPiece reads a piece starting with a Latin word.
func (v *view) englishPiece(i int, now, today time.Time) (tpiece, bool) {
	s := v.low
	e := i
	for e < len(s) && isLower(s[e]) {
		e++
	}
	day := func(t time.Time, end int, part partOfDay) (tpiece, bool) {
		return tpiece{kind: pDay, sp: span{i, end}, date: t, part: part}, true
	}
	part := func(p partOfDay) (tpiece, bool) {
		return tpiece{kind: pPart, sp: span{i, e}, part: p}, true
	}
	word := s[i:e]
	switch string(word) {
	case "yesterday":
		return day(today.AddDate(0, 0, -1), e, partNone)
	case "today":
		return day(today, e, partNone)
	case "tonight":
		return day(today, e, partNight)
	case "morning":
		return part(partAM)
	case "afternoon":
		return part(partPM)
	case "evening":
		return part(partPM)
	case "night":
		return part(partNight)
	case "noon", "midday":
		return tpiece{kind: pClock, sp: span{i, e}, hour: 12}, true
	case "midnight":
		return tpiece{kind: pClock, sp: span{i, e}, hour: 0}, true
	case "the":
		if hasAt(s, i, "the day before yesterday") {
			return day(today.AddDate(0, 0, -2), i+len("the day before yesterday"), partNone)
		}
	case "last":
		j := skipSpaces(s, e)
		if hasAt(s, j, "night") && wordEnd(s, j+5) {
			return day(today.AddDate(0, 0, -1), j+5, partNight)
		}
		if w, we, ok := englishWeekdayAt(s, j, true); ok {
			return day(recentWeekDay(today, w, true), we, partNone)
		}
	case "this":
		j := skipSpaces(s, e)
		for _, pw := range []struct {
			w string
			p partOfDay
		}{{"morning", partAM}, {"afternoon", partPM}, {"evening", partPM}} {
			if hasAt(s, j, pw.w) && wordEnd(s, j+len(pw.w)) {
				return day(today, j+len(pw.w), pw.p)
			}
		}
		if w, we, ok := englishWeekdayAt(s, j, true); ok {
			return day(thisWeekDay(today, w), we, partNone)
		}
	case "on", "since", "from":
		j := skipSpaces(s, e)
		if w, we, ok := englishWeekdayAt(s, j, true); ok {
			return tpiece{kind: pDay, sp: span{j, we}, date: recentWeekDay(today, w, false)}, true
		}
	case "half":
		j := skipSpaces(s, e)
		if hasAt(s, j, "an hour") {
			k := skipSpaces(s, j+len("an hour"))
			if hasAt(s, k, "ago") && wordEnd(s, k+3) {
				return agoPiece(span{i, k + 3}, 0.5, false, agoUnit{"hour", time.Hour, 0, Hour}, now, today)
			}
		}
	}
	// Cheap first-letter gates: this runs on every English word.
	first := s[i]
	if strings.IndexByte("mtwfs", first) < 0 && strings.IndexByte("jfmasond", first) < 0 && strings.IndexByte("aotfsen", first) < 0 {
		return tpiece{}, false
	}
	if w, we, ok := englishWeekdayAt(s, i, false); ok {
		return day(recentWeekDay(today, w, false), we, partNone)
	}
	if m, me := monthAt(s, i); m != 0 {
		j := skipSpaces(s, me)
		if d, de, ok := readInt(s, j, 2); ok && j > me-1 {
			ord := ordinalEnd(s, de)
			// "may" is also a verb ("I may 2 things"): only a capital May,
			// an ordinal or a year makes it the month.
			isMay := m == 5 && hasAt(s, i, "may") && v.raw[i] != 'M' && ord == de
			if y, _ := yearAfter(s, de); isMay && y != 0 {
				isMay = false
			}
			de = ord
			if !isAlpha(byteAt(s, de)) && !isMay {
				return englishDate(today, i, m, d, s, de)
			}
		}
	}
	for _, n := range englishNumbers {
		if string(word) == n.word {
			return v.agoAfter(i, n.n, e, now, today)
		}
	}
	return tpiece{}, false
}

// Chinese parts of the day.
var chineseParts = []struct {
	word string
	part partOfDay
}{
	{"凌晨", partEarly}, {"半夜", partEarly}, {"深夜", partNight},
	{"清晨", partAM}, {"早上", partAM}, {"早晨", partAM}, {"朝早", partAM}, {"上午", partAM},
	{"上晝", partAM}, {"上昼", partAM}, {"朝頭早", partAM},
	{"中午", partNoon}, {"晏晝", partNoon}, {"晏昼", partNoon}, {"正午", partNoon}, {"午間", partNoon}, {"午间", partNoon},
	{"下午", partPM}, {"下晝", partPM}, {"下昼", partPM}, {"午後", partPM}, {"午后", partPM},
	{"傍晚", partPM}, {"黃昏", partPM}, {"黄昏", partPM},
	{"夜晚黑", partNight}, {"晚上", partNight}, {"夜晚", partNight}, {"晚黑", partNight},
	{"夜間", partNight}, {"夜间", partNight}, {"夜裡", partNight}, {"夜里", partNight},
	{"晚間", partNight}, {"晚间", partNight},
}

// startsChinesePart reports whether r can start a word of chineseParts.
func startsChinesePart(r rune) bool {
	switch r {
	case '凌', '半', '深', '清', '早', '朝', '上', '中', '晏', '正', '午', '下', '傍', '黃', '黄', '夜', '晚':
		return true
	}
	return false
}

// Chinese relative days: the word, days back from today, and the part of
// the day it already says (昨晚 is yesterday evening).
var chineseDays = []struct {
	word string
	back int
	part partOfDay
}{
	{"今天", 0, partNone}, {"今日", 0, partNone}, {"今朝", 0, partAM}, {"今早", 0, partAM},
	{"今晨", 0, partAM}, {"今晚", 0, partNight}, {"今夜", 0, partNight},
	{"昨天", 1, partNone}, {"昨日", 1, partNone}, {"昨晚", 1, partNight}, {"昨夜", 1, partNight},
	{"昨早", 1, partAM}, {"昨朝", 1, partAM},
	{"琴日", 1, partNone}, {"琴晚", 1, partNight}, {"琴朝", 1, partAM},
	{"尋日", 1, partNone}, {"尋晚", 1, partNight}, {"尋朝", 1, partAM},
	{"寻日", 1, partNone}, {"寻晚", 1, partNight},
	{"噚日", 1, partNone}, {"噚晚", 1, partNight}, {"噚朝", 1, partAM},
	{"大前天", 3, partNone}, {"大前日", 3, partNone},
	{"前天", 2, partNone}, {"前日", 2, partNone}, {"前晚", 2, partNight}, {"前夜", 2, partNight},
}

// Runes before 前 that make it part of another word: 目前 (now), 提前
// (ahead), 以前/之前 (before), 早前 (earlier), 當前 (current).
func partOfOtherWord(r rune) bool {
	switch r {
	case '目', '提', '以', '之', '早', '當', '当', '向', '眼', '空', '從', '从', '面', '事', '生', '睡', '飯', '饭', '大':
		return true
	}
	return false
}

// weekdayAt reads 星期五, 週五, 周五, 禮拜五, 礼拜五 (and 星期日/天) at i.
func weekdayAt(s []byte, i int) (time.Weekday, int, bool) {
	j := i
	w, ok := matchAny(s, i, []string{"星期", "禮拜", "礼拜", "週", "周"})
	if !ok {
		return 0, i, false
	}
	j += len(w)
	r, size := runeAt(s, j)
	var d time.Weekday
	switch r {
	case '一':
		d = time.Monday
	case '二':
		d = time.Tuesday
	case '三':
		d = time.Wednesday
	case '四':
		d = time.Thursday
	case '五':
		d = time.Friday
	case '六':
		d = time.Saturday
	case '日', '天':
		d = time.Sunday
	default:
		return 0, i, false
	}
	return d, j + size, true
}

// chinesePiece reads a piece starting with a Chinese character.
func (v *view) chinesePiece(i int, now, today time.Time) (tpiece, bool) {
	s := v.low
	r, size := runeAt(s, i)
	day := func(t time.Time, end int, part partOfDay) (tpiece, bool) {
		return tpiece{kind: pDay, sp: span{i, end}, date: t, part: part}, true
	}
	switch r {
	case '今', '昨', '琴', '尋', '寻', '噚', '前', '大':
		if r == '前' {
			if pr, _ := runeBefore(s, i); partOfOtherWord(pr) {
				return tpiece{}, false
			}
		}
		for _, d := range chineseDays {
			if hasAt(s, i, d.word) {
				return day(today.AddDate(0, 0, -d.back), i+len(d.word), d.part)
			}
		}
		if r == '今' {
			for _, pre := range []string{"今個", "今个"} {
				if hasAt(s, i, pre) {
					if w, e, ok := weekdayAt(s, i+len(pre)); ok {
						return day(thisWeekDay(today, w), e, partNone)
					}
				}
			}
		}
	case '上', '這', '这', '本':
		// 上(個)星期五 is last week's, 這/本(個)星期五 this week's.
		j := i + size
		if hasAt(s, j, "個") || hasAt(s, j, "个") {
			j += len("個")
		}
		if w, e, ok := weekdayAt(s, j); ok {
			if r == '上' {
				return day(prevWeekDay(today, w), e, partNone)
			}
			return day(thisWeekDay(today, w), e, partNone)
		}
		if r == '上' && hasAt(s, j, "月") { // 上月3號: a day of last month
			k := skipSpaces(s, j+len("月"))
			if d, e, ok := readNumber(s, k, 2); ok {
				if e2 := dayMark(s, e); e2 > e {
					first := time.Date(today.Year(), today.Month()-1, 1, 0, 0, 0, 0, today.Location())
					if t, ok := dayOf(today, first.Year(), int(first.Month()), d); ok {
						return day(t, e2, partNone)
					}
				}
			}
		}
	case '星', '週', '周', '禮', '礼':
		if pr, _ := runeBefore(s, i); pr == '每' || pr == '逢' {
			return tpiece{}, false // 每週五: every Friday
		}
		if w, e, ok := weekdayAt(s, i); ok {
			return day(recentWeekDay(today, w, false), e, partNone)
		}
	case '半':
		if p, ok := v.agoAfter(i, 0.5, i+size, now, today); ok {
			return p, true
		}
	}
	if startsChinesePart(r) {
		for _, p := range chineseParts {
			if hasAt(s, i, p.word) {
				return tpiece{kind: pPart, sp: span{i, i + len(p.word)}, part: p.part}, true
			}
		}
	}
	if isCNNumeralStart(s, i) {
		val, end, _, ok := readCN(s, i)
		if !ok || val >= 100 {
			return tpiece{}, false
		}
		n := int(val)
		if p, ok := v.monthDay(i, n, end, today); ok {
			return p, true
		}
		if p, ok := v.clockAfter(i, n, end, true); ok {
			return p, true
		}
		if p, ok := v.agoAfter(i, float64(n), end, now, today); ok {
			return p, true
		}
	}
	return tpiece{}, false
}

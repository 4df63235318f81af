package tickets

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Search semantics, shared by every store so that they agree on what q finds.
//
// q is split at spaces into words; a ticket matches when every word occurs,
// case-insensitively and with full-width Latin read as ASCII, as a substring
// of its searchable text (SearchFields). An index narrows the candidates and
// Matches confirms each one, as PostgreSQL's pg_trgm rechecks its GIN hits.
//
// Grams (the index terms): a run of Latin letters and digits is a word, and
// its trigrams are taken padded the way pg_trgm pads ("  ab", " ab", "ab "),
// so words of one or two characters are found at least at their start; a
// run of Han (or other CJK) characters gives every pair of neighbours (a run
// of one, the character), because Chinese has no spaces and a two-character
// query such as 提款 must find 提款失敗. A query of single Han characters
// alone has no index term and is refused; next to other words it is checked
// on what they find.

// MaxQueryRunes bounds q: a search is for a few words, and each word costs
// index reads.
const MaxQueryRunes = 200

// NormalizeSearch folds case and full-width ASCII forms, the same for the
// stored text and the query.
func NormalizeSearch(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 0xFF01 && r <= 0xFF5E { // full-width ！ to ～
			r -= 0xFEE0
		}
		if r == 0x3000 { // ideographic space
			r = ' '
		}
		return unicode.ToLower(r)
	}, s)
}

// SearchFields are the texts of t that q searches, unnormalized: id,
// transaction id, user id, display name, summary, error message, notes and
// the transcript lines people wrote (Searchable).
func SearchFields(t *Ticket) []string {
	out := []string{t.ID, t.Details.TransactionID, t.User.ID, DisplayName(t.Channel, t.User),
		t.Summary, t.Details.ErrorMessage}
	for _, n := range t.Notes {
		out = append(out, n.Text)
	}
	for _, e := range t.Transcript {
		if Searchable(e) {
			out = append(out, e.Text)
		}
	}
	return out
}

// Searchable reports whether q searches a transcript entry: the user's
// and agents' lines are, the bot's are not. The bot writes the same
// questions and self-help steps into every ticket of an intent, so its
// words would make a query match every such ticket and bury the ones
// where a person said them; indexing them was also most of the cost of
// indexing a ticket.
func Searchable(e Entry) bool { return e.From != FromBot }

// ExactKeys are the identifiers a query equal to them should find first:
// the transaction id and the user id (the ticket id is looked up directly).
func ExactKeys(t *Ticket) []string {
	var out []string
	for _, k := range []string{t.Details.TransactionID, t.User.ID} {
		if k = strings.TrimSpace(NormalizeSearch(k)); k != "" {
			out = append(out, k)
		}
	}
	return out
}

// cjk reports whether r is written without spaces between words.
func cjk(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul)
}

// latin reports whether r belongs in a word: a letter or digit that is not CJK.
func latin(r rune) bool {
	return (unicode.IsLetter(r) || unicode.IsDigit(r)) && !cjk(r)
}

// runs calls fn with each maximal run of Latin word characters or of CJK
// characters in s (already normalized).
func runs(s string, fn func(run []rune, isCJK bool)) {
	var cur []rune
	curCJK := false
	flush := func() {
		if len(cur) > 0 {
			fn(cur, curCJK)
			cur = cur[:0]
		}
	}
	for _, r := range s {
		switch {
		case cjk(r):
			if !curCJK {
				flush()
			}
			curCJK = true
			cur = append(cur, r)
		case latin(r):
			if curCJK {
				flush()
			}
			curCJK = false
			cur = append(cur, r)
		default:
			flush()
		}
	}
	flush()
}

// IndexGrams calls add with every index term of text (possibly repeated).
func IndexGrams(text string, add func(gram string)) {
	runs(NormalizeSearch(text), func(run []rune, isCJK bool) {
		if isCJK {
			// Pairs only: single characters would add as many keys again
			// to every write for one-character searches, which find
			// little of use. A lone character is kept as itself.
			if len(run) == 1 {
				add(string(run))
			}
			for i := 0; i+2 <= len(run); i++ {
				add(string(run[i : i+2]))
			}
			return
		}
		padded := make([]rune, 0, len(run)+3)
		padded = append(padded, ' ', ' ')
		padded = append(padded, run...)
		padded = append(padded, ' ')
		for i := 0; i+3 <= len(padded); i++ {
			add(string(padded[i : i+3]))
		}
	})
}

// QueryWords splits q into normalized words, dropping those without a
// letter, digit or CJK character (they could match anything).
func QueryWords(q string) []string {
	var out []string
	for _, w := range strings.Fields(NormalizeSearch(q)) {
		has := false
		for _, r := range w {
			has = has || cjk(r) || latin(r)
		}
		if has {
			out = append(out, w)
		}
	}
	return out
}

// QueryGrams lists the index terms every ticket containing word must have.
// Inside a word only unpadded trigrams are certain (the word may continue
// on either side), so a run of one or two Latin characters asks for the
// start of a word instead.
func QueryGrams(word string) []string {
	var out []string
	runs(word, func(run []rune, isCJK bool) {
		switch {
		case isCJK && len(run) == 1:
			// No index term: a single Han character is checked by
			// Matches only, on what the query's other words find.
		case isCJK:
			for i := 0; i+2 <= len(run); i++ {
				out = append(out, string(run[i:i+2]))
			}
		case len(run) >= 3:
			for i := 0; i+3 <= len(run); i++ {
				out = append(out, string(run[i:i+3]))
			}
		case len(run) == 2:
			out = append(out, string([]rune{' ', run[0], run[1]}))
		default:
			out = append(out, string([]rune{' ', ' ', run[0]}))
		}
	})
	return out
}

// Matches reports whether every word (from QueryWords) occurs in one of t's
// search fields.
func Matches(t *Ticket, words []string) bool {
	fields := SearchFields(t)
	for i, f := range fields {
		fields[i] = NormalizeSearch(f)
	}
	for _, w := range words {
		found := false
		for _, f := range fields {
			if strings.Contains(f, w) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// ValidQuery reports whether q is short enough and printable.
func ValidQuery(q string) bool {
	return utf8.ValidString(q) && utf8.RuneCountInString(q) <= MaxQueryRunes
}

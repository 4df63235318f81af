package tickets_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/triagebot/triagebot/tickets"
)

func TestIndexAndQueryGrams(t *testing.T) {
	grams := func(text string) []string {
		var out []string
		tickets.IndexGrams(text, func(g string) {
			if !slices.Contains(out, g) {
				out = append(out, g)
			}
		})
		return out
	}
	cases := []struct {
		text string
		want []string
	}{
		{"提款失敗", []string{"提款", "款失", "失敗"}},
		{"錢 ok", []string{"錢", "  o", " ok", "ok "}},
		{"Ab", []string{"  a", " ab", "ab "}},
		{"ＦＰＳ ok", []string{"  f", " fp", "fps", "ps ", "  o", " ok", "ok "}},
		{"T-42", []string{"  t", " t ", "  4", " 42", "42 "}},
		{"HK$500已退", []string{"  h", " hk", "hk ", "  5", " 50", "500", "00 ", "已退"}},
		{"**** --", nil},
	}
	for _, c := range cases {
		if got := grams(c.text); !slices.Equal(got, c.want) {
			t.Errorf("IndexGrams(%q) = %q, want %q", c.text, got, c.want)
		}
	}
	// Every query gram of a substring of a text is among the text's grams:
	// the index never loses a match.
	texts := []string{"我嘅提款失敗咗 withdrawal rejected TX20251102ABC123", "ＨＫＤ５００ 唔見咗", "T-000042 visitor 0421"}
	for _, text := range texts {
		have := grams(text)
		norm := []rune(tickets.NormalizeSearch(text))
		for i := range norm {
			for j := i + 1; j <= len(norm) && j <= i+8; j++ {
				sub := string(norm[i:j])
				for _, w := range tickets.QueryWords(sub) {
					// Words of one or two Latin characters match word
					// starts only (documented); skip the mid-word ones.
					if i > 0 && len([]rune(w)) < 3 && !strings.ContainsFunc(w, func(r rune) bool { return r > 0x2e7f }) {
						continue
					}
					for _, g := range tickets.QueryGrams(w) {
						if !slices.Contains(have, g) {
							t.Errorf("%q: query %q needs gram %q the text lacks", text, w, g)
						}
					}
				}
			}
		}
	}
}

func TestQueryWordsAndMatches(t *testing.T) {
	if got := tickets.QueryWords("  提款  Ｆps -- T-000042 "); !slices.Equal(got, []string{"提款", "fps", "t-000042"}) {
		t.Errorf("QueryWords: %q", got)
	}
	tk := tickets.Ticket{ID: "T-000042", Channel: tickets.Web, User: tickets.User{ID: "c-x"},
		Transcript: []tickets.Entry{{Text: "提款失敗"}}, Notes: []tickets.Note{{Text: "FPS refund"}}}
	for q, want := range map[string]bool{"提款 fps": true, "失敗 t-000042": true, "提款 card": false, "visitor": true} {
		if got := tickets.Matches(&tk, tickets.QueryWords(q)); got != want {
			t.Errorf("Matches(%q) = %v", q, got)
		}
	}
}

func TestDisplayName(t *testing.T) {
	a := tickets.DisplayName(tickets.Web, tickets.User{ID: "c-ABCDEF"})
	if !strings.HasPrefix(a, "Visitor ") || len(a) != len("Visitor 0000") {
		t.Errorf("web visitor: %q", a)
	}
	if b := tickets.DisplayName(tickets.Web, tickets.User{ID: "c-ABCDEF"}); b != a {
		t.Errorf("not stable: %q then %q", a, b)
	}
	if got := tickets.DisplayName(tickets.Telegram, tickets.User{ID: "42", Name: " 陳大文 "}); got != "陳大文" {
		t.Errorf("telegram: %q", got)
	}
}

func TestChangeKind(t *testing.T) {
	open := tickets.Ticket{Status: tickets.Open, Queue: "p"}
	held := tickets.Ticket{Status: tickets.Claimed, Assignee: "amy", Queue: "p"}
	cases := []struct {
		name          string
		before, after *tickets.Ticket
		mark          tickets.EventKind
		want          tickets.EventKind
	}{
		{"new", nil, &open, "", tickets.EventCreated},
		{"claim", &open, &held, "", tickets.EventClaimed},
		{"release", &held, &open, "", tickets.EventReleased},
		{"resolve", &held, &tickets.Ticket{Status: tickets.Resolved, Queue: "p"}, "", tickets.EventResolved},
		{"queue", &open, &tickets.Ticket{Status: tickets.Open, Queue: "q"}, "", tickets.EventTransferred},
		{"holder", &held, &tickets.Ticket{Status: tickets.Claimed, Assignee: "bob", Queue: "p"}, "", tickets.EventTransferred},
		{"line", &open, &tickets.Ticket{Status: tickets.Open, Queue: "p", Transcript: []tickets.Entry{{Text: "x"}}}, "", tickets.EventMessage},
		{"summary", &open, &tickets.Ticket{Status: tickets.Open, Queue: "p", Summary: "s"}, "", tickets.EventUpdated},
		{"marked", &open, &held, tickets.EventTransferred, tickets.EventTransferred},
	}
	for _, c := range cases {
		if got := tickets.ChangeKind(c.before, c.after, c.mark); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}

package intents

import (
	"strings"
	"time"
)

// AmountAnswer reads a reply to "how much was it?". Besides everything
// Extract reads, a reply that is only a figure ("800", "八百", "1,200.50",
// "2k") is an amount without a currency: out of context a bare number is
// not money, but as the answer to that question it is.
func AmountAnswer(text string, now time.Time) *Amount {
	if a := Extract(text, now).Amount; a != nil {
		return a
	}
	start := len(text) - len(strings.TrimLeft(text, " \t\r\n"))
	figure := strings.TrimSpace(text)
	if figure == "" || len(figure) > 40 || !onlyFigure(figure) {
		return nil
	}
	// A bare money sign in front makes the extractor read the figure as
	// money, and leaves the currency open as it should be.
	a := Extract("$"+figure, now).Amount
	if a == nil {
		return nil
	}
	out := *a
	out.Span = Span{Start: start, End: start + len(figure)}
	return &out
}

// onlyFigure reports whether s is a number and nothing else: digits,
// separators, Chinese numerals and the k/千/萬 multipliers.
func onlyFigure(s string) bool {
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9', r >= '０' && r <= '９':
			digits++
		case strings.ContainsRune("零〇一二兩两三四五六七八九十百千萬万億亿", r):
			digits++
		case strings.ContainsRune(",.， kK", r):
		default:
			return false
		}
	}
	return digits > 0
}

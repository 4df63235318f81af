// Package language is the one definition of the languages triagebot
// speaks: the type, its three values, and how a language tag or a channel's
// hint is read as one of them. Understanding (intents), the sentences
// (prompts), the saved replies (canned) and the channels all use it.
package language

import (
	"errors"
	"fmt"
	"strings"
)

// Lang is the language and script of a message, a conversation or an
// agent team.
type Lang string

// The three languages the product speaks.
const (
	ZhHant  Lang = "zh-Hant"
	ZhHans  Lang = "zh-Hans"
	English Lang = "en"
)

// All lists the three languages, in the order texts are written.
var All = []Lang{ZhHant, ZhHans, English}

// Valid reports whether l is one of the three languages.
func (l Lang) Valid() bool { return l == ZhHant || l == ZhHans || l == English }

// Pick returns the one of three values written for l: zhHant, zhHans, or
// en for English and any language we do not speak (English is the
// fallback everywhere).
func Pick[T any](l Lang, zhHant, zhHans, en T) T {
	switch l {
	case ZhHant:
		return zhHant
	case ZhHans:
		return zhHans
	}
	return en
}

// ErrUnknown is returned by Parse for a tag that names none of the three
// languages.
var ErrUnknown = errors.New("not zh-Hant, zh-Hans or en")

// Parse reads a language tag as one of the three languages. Our own
// names (zh-Hant, zh-Hans, en) are what the documentation uses; the tags
// browsers, Telegram and people write are accepted too, case-insensitive,
// with "-" or "_": zh-HK, zh-TW, zh-MO and yue are Traditional, other Chinese
// regions (zh-CN, zh-SG) Simplified, en-GB English. A script subtag wins over
// a region (zh-Hans-HK is Simplified). A bare "zh" is zh-Hant, the script of
// most of our Hong Kong users. Every place that takes a language (the
// widget's ?lang=, chat -lang, -agent-lang, Telegram's language_code) uses
// this, so each accepts the same spellings.
func Parse(tag string) (Lang, error) {
	subtags := strings.FieldsFunc(strings.ToLower(strings.TrimSpace(tag)), func(r rune) bool { return r == '-' || r == '_' })
	if len(subtags) == 0 {
		return "", fmt.Errorf("language %q: %w", tag, ErrUnknown)
	}
	switch subtags[0] {
	case "en":
		return English, nil
	case "yue":
		return ZhHant, nil
	case "zh":
	default:
		return "", fmt.Errorf("language %q: %w", tag, ErrUnknown)
	}
	rest := subtags[1:]
	for _, s := range rest {
		switch s {
		case "hant":
			return ZhHant, nil
		case "hans":
			return ZhHans, nil
		}
	}
	if len(rest) == 0 {
		return ZhHant, nil
	}
	for _, s := range rest {
		switch s {
		case "hk", "tw", "mo", "yue":
			return ZhHant, nil
		}
	}
	return ZhHans, nil
}

// FromHint reads a channel's language hint (Telegram's language_code, the
// widget's ?lang=, chat -lang) by Parse; "" when it names none of ours, so
// the caller keeps its own default (the bilingual welcome; Render's
// English).
func FromHint(hint string) Lang {
	l, err := Parse(hint)
	if err != nil {
		return ""
	}
	return l
}

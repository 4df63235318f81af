package intents

import (
	"errors"
	"fmt"
	"strings"
)

// ErrUnknownLang is returned by ParseLang for a tag that names none of the
// three languages.
var ErrUnknownLang = errors.New("not zh-Hant, zh-Hans or en")

// ParseLang reads a language tag as one of the three languages. Our own
// names (zh-Hant, zh-Hans, en) are what the documentation uses; the tags
// browsers, Telegram and people write are accepted too, case-insensitive,
// with "-" or "_": zh-HK, zh-TW, zh-MO and yue are Traditional, other Chinese
// regions (zh-CN, zh-SG) Simplified, en-GB English. A script subtag wins over
// a region (zh-Hans-HK is Simplified). A bare "zh" is zh-Hant, the script of
// most of our Hong Kong users. Every place that takes a language (the
// widget's ?lang=, chat -lang, -agent-lang, Telegram's language_code) uses
// this, so each accepts the same spellings.
func ParseLang(tag string) (Lang, error) {
	subtags := strings.FieldsFunc(strings.ToLower(strings.TrimSpace(tag)), func(r rune) bool { return r == '-' || r == '_' })
	if len(subtags) == 0 {
		return "", fmt.Errorf("language %q: %w", tag, ErrUnknownLang)
	}
	switch subtags[0] {
	case "en":
		return English, nil
	case "yue":
		return ZhHant, nil
	case "zh":
	default:
		return "", fmt.Errorf("language %q: %w", tag, ErrUnknownLang)
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

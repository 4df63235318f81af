package intents

import (
	"errors"
	"testing"
)

func TestParseLang(t *testing.T) {
	tests := []struct {
		in   string
		want Lang // "" means an error
	}{
		{"zh-Hant", ZhHant},
		{"zh-Hans", ZhHans},
		{"en", English},
		{"ZH-HANT", ZhHant},
		{" zh-hans ", ZhHans},
		{"zh-HK", ZhHant},
		{"zh_TW", ZhHant},
		{"zh-MO", ZhHant},
		{"yue", ZhHant},
		{"yue-HK", ZhHant},
		{"zh-yue", ZhHant},
		{"zh-CN", ZhHans},
		{"zh-SG", ZhHans},
		{"zh", ZhHant},
		{"zh-Hans-HK", ZhHans}, // the script wins over the region
		{"zh-Hant-CN", ZhHant},
		{"en-GB", English},
		{"EN_us", English},
		{"", ""},
		{"  ", ""},
		{"-", ""},
		{"fr", ""},
		{"english", ""},
		{"zhongwen", ""},
		{"cantonese", ""},
	}
	for _, tt := range tests {
		got, err := ParseLang(tt.in)
		if tt.want == "" {
			if !errors.Is(err, ErrUnknownLang) {
				t.Errorf("ParseLang(%q) = %q, %v; want ErrUnknownLang", tt.in, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseLang(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
		if !got.Valid() {
			t.Errorf("ParseLang(%q) = %q, not a valid Lang", tt.in, got)
		}
	}
}

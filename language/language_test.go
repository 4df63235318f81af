package language

import (
	"errors"
	"testing"
)

func TestParse(t *testing.T) {
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
		got, err := Parse(tt.in)
		if tt.want == "" {
			if !errors.Is(err, ErrUnknown) {
				t.Errorf("Parse(%q) = %q, %v; want ErrUnknown", tt.in, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("Parse(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
		if !got.Valid() {
			t.Errorf("Parse(%q) = %q, not a valid Lang", tt.in, got)
		}
	}
}

func TestFromHint(t *testing.T) {
	tests := []struct {
		in   string
		want Lang
	}{
		{"zh-HK", ZhHant},
		{"zh-CN", ZhHans},
		{"en-US", English},
		{"fr", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := FromHint(tt.in); got != tt.want {
			t.Errorf("FromHint(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestAll(t *testing.T) {
	if len(All) != 3 {
		t.Fatalf("All = %v, want the three languages", All)
	}
	for _, l := range All {
		if !l.Valid() {
			t.Errorf("%q in All is not Valid", l)
		}
	}
	if Lang("fr").Valid() || Lang("").Valid() {
		t.Error("an unknown language is Valid")
	}
}

func TestPick(t *testing.T) {
	tests := []struct {
		in   Lang
		want string
	}{
		{ZhHant, "hant"}, {ZhHans, "hans"}, {English, "en"}, {"fr", "en"}, {"", "en"},
	}
	for _, tt := range tests {
		if got := Pick(tt.in, "hant", "hans", "en"); got != tt.want {
			t.Errorf("Pick(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

package prompts

import (
	"strings"
	"testing"

	"github.com/triagebot/triagebot/language"
)

// TestCatalog checks every text of every key: present in each language and
// executing with its example data.
func TestCatalog(t *testing.T) {
	keys := Keys()
	if len(keys) == 0 {
		t.Fatal("catalog is empty")
	}
	for _, k := range keys {
		e := catalog[k]
		for _, lang := range language.All {
			if strings.TrimSpace(e.text.in(lang)) == "" {
				t.Errorf("%s: no %s text", k, lang)
				continue
			}
			out, err := render(lang, k, e.text.Example)
			if err != nil {
				t.Errorf("%s (%s): %v", k, lang, err)
				continue
			}
			if strings.Contains(out, "<no value>") {
				t.Errorf("%s (%s): template printed <no value>: %q", k, lang, out)
			}
		}
	}
}

func TestRenderUnknownKey(t *testing.T) {
	if got := Render(language.English, "no.such.key", nil); !strings.Contains(got, "unknown key") {
		t.Errorf("Render of an unknown key = %q, want a visible error", got)
	}
}

package canned

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/triagebot/triagebot/language"
)

func TestDefaults(t *testing.T) {
	s := Default()
	ids := map[language.Lang][]string{}
	for _, lang := range language.All {
		rs := s.For(lang)
		if len(rs) < 5 {
			t.Errorf("%s: %d replies, want at least 5", lang, len(rs))
		}
		for _, r := range rs {
			ids[lang] = append(ids[lang], r.ID)
		}
	}
	// The same replies in every language, so an agent switching language
	// finds the same ones.
	if strings.Join(ids["en"], ",") != strings.Join(ids["zh-Hant"], ",") || strings.Join(ids["en"], ",") != strings.Join(ids["zh-Hans"], ",") {
		t.Errorf("ids differ between languages: %v", ids)
	}
	got, err := s.Render("zh-Hant", Data{TicketID: "T-000042", UserName: "Visitor 4821"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got[0].Text, "T-000042") || !strings.Contains(got[0].Text, "Visitor 4821") || strings.Contains(got[0].Text, "{{") {
		t.Errorf("rendered %q", got[0].Text)
	}
	if !strings.Contains(s.For("zh-Hant")[0].Text, "{{.TicketID}}") {
		t.Error("For lost the placeholders")
	}
}

func TestParseErrors(t *testing.T) {
	ok := `{"id":"a","title":"A","text":"hi {{.UserName}}"}`
	all := func(en string) string {
		return "{\n\"zh-Hant\": [" + ok + "],\n\"zh-Hans\": [" + ok + "],\n\"en\": [\n" + en + "\n]\n}"
	}
	cases := []struct {
		name, file, want string
	}{
		{"unknown placeholder", all(`{"id":"b","title":"B","text":"{{.Amount}}"}`), "f.json:5:1: en reply \"b\": text: only {{.TicketID}} and {{.UserName}}"},
		{"broken template", all(`{"id":"b","title":"B","text":"{{.TicketID"}`), "f.json:5:1: en reply \"b\": text:"},
		{"duplicate id", all(ok + ",\n" + ok), "f.json:6:1: en reply \"a\": the id is used twice"},
		{"unknown field", all(`{"id":"b","title":"B","text":"x","body":"y"}`), "f.json:5:1: unknown field \"body\""},
		{"bad id", all(`{"id":"B B","title":"B","text":"x"}`), "f.json:5:1: en reply \"B B\": \"id\" must be"},
		{"empty title", all(`{"id":"b","title":" ","text":"x"}`), "f.json:5:1: en reply \"b\": \"title\" must be"},
		{"wrong type", all(`{"id":"b","title":3,"text":"x"}`), "f.json:5:1: title must be string"},
		{"syntax", all(`{"id":"b",}`), "f.json:5:11:"},
		{"unknown language", `{"fr": []}`, "f.json:1:2: language \"fr\""},
		{"missing language", "{\"en\": [" + ok + "]}", "f.json: no replies for zh-Hant"},
		{"not an object", `[]`, "f.json:1:1: want an object"},
		{"trailing", all(ok) + " {}", "f.json:7:3: invalid character"},
	}
	for _, c := range cases {
		_, err := Parse("f.json", []byte(c.file))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to contain %q", c.name, err, c.want)
		}
	}
	if _, err := Parse("f.json", []byte(all(ok))); err != nil {
		t.Errorf("a valid file: %v", err)
	}
}

func TestLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.json")
	if err := os.WriteFile(path, defaultsJSON, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path + ".missing"); err == nil {
		t.Error("a missing file loaded")
	}
}

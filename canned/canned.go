// Package canned holds agents' saved replies: short texts in each language,
// with the placeholders {{.TicketID}} and {{.UserName}}, that the console
// puts in the reply box. Embedded defaults can be replaced by a JSON file,
// checked at start with errors that name the line.
package canned

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"text/template"
	"unicode/utf8"

	"github.com/triagebot/triagebot/language"
	"github.com/triagebot/triagebot/tickets"
)

//go:embed defaults.json
var defaultsJSON []byte

// Limits of a replies file.
const (
	maxFileSize   = 1 << 20
	maxTitleRunes = 80
	maxPerLang    = 200
)

// Reply is one saved reply; Text may hold placeholders.
type Reply struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Text  string `json:"text"`
	tmpl  *template.Template
}

// Data fills a reply's placeholders.
type Data struct {
	TicketID string
	UserName string
}

// Set is every language's replies, in file order.
type Set struct {
	byLang map[language.Lang][]Reply
}

// Default returns the embedded replies.
func Default() *Set {
	s, err := Parse("defaults.json", defaultsJSON)
	if err != nil {
		panic(err) // the embedded file is checked by a test
	}
	return s
}

// Load reads and checks a replies file.
func Load(path string) (*Set, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("canned replies: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("canned replies: %w", err)
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("canned replies: %s: over %d bytes", path, maxFileSize)
	}
	return Parse(path, data)
}

var idForm = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// Parse checks a replies file: an object from language to a list of
// {"id","title","text"}, every language present, ids unique within a
// language, placeholders only {{.TicketID}} and {{.UserName}}. Errors name
// the file, line and column of the offending reply.
func Parse(name string, data []byte) (*Set, error) {
	p := parser{name: name, data: data, dec: json.NewDecoder(bytes.NewReader(data))}
	// Syntax first, on the whole file, so its offsets are the file's.
	var any json.RawMessage
	if err := json.Unmarshal(data, &any); err != nil {
		return nil, p.syntax(0, err)
	}
	p.dec.DisallowUnknownFields()
	set, err := p.parse()
	if err != nil {
		return nil, err
	}
	// Every language is covered: every agent language has replies.
	for _, lang := range language.All {
		if len(set.byLang[lang]) == 0 {
			return nil, fmt.Errorf("%s: no replies for %s; every language needs at least one", name, lang)
		}
	}
	return set, nil
}

type parser struct {
	name string
	data []byte
	dec  *json.Decoder
}

// errorAt formats a problem at byte offset off as file:line:col.
func (p *parser) errorAt(off int64, format string, args ...any) error {
	// InputOffset is where the last token ended: skip to the next one.
	for off < int64(len(p.data)) && strings.IndexByte(" \t\r\n,:", p.data[off]) >= 0 {
		off++
	}
	line, col := 1, 1
	for _, c := range string(p.data[:min(off, int64(len(p.data)))]) {
		if c == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return fmt.Errorf("%s:%d:%d: %s", p.name, line, col, fmt.Sprintf(format, args...))
}

// syntax turns a decoder error into one with a position.
func (p *parser) syntax(off int64, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return p.errorAt(se.Offset-1, "%v", se)
	case errors.As(err, &te):
		return p.errorAt(off, "%s must be %s, not a JSON %s", te.Field, te.Type, te.Value)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return p.errorAt(int64(len(p.data)), "the file ends too early")
	}
	return p.errorAt(off, "%s", strings.TrimPrefix(err.Error(), "json: "))
}

func (p *parser) delim(want json.Delim, what string) error {
	off := p.dec.InputOffset()
	tok, err := p.dec.Token()
	if err != nil {
		return p.syntax(off, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return p.errorAt(off, "want %s", what)
	}
	return nil
}

func (p *parser) parse() (*Set, error) {
	set := &Set{byLang: map[language.Lang][]Reply{}}
	if err := p.delim('{', `an object from language ("zh-Hant", "zh-Hans", "en") to a list of replies`); err != nil {
		return nil, err
	}
	for p.dec.More() {
		off := p.dec.InputOffset()
		tok, err := p.dec.Token()
		if err != nil {
			return nil, p.syntax(off, err)
		}
		name, _ := tok.(string)
		lang := language.Lang(name)
		if !lang.Valid() {
			return nil, p.errorAt(off, "language %q: %v", name, language.ErrUnknown)
		}
		if _, dup := set.byLang[lang]; dup {
			return nil, p.errorAt(off, "language %s appears twice", lang)
		}
		if err := p.delim('[', "a list of replies"); err != nil {
			return nil, err
		}
		replies := []Reply{}
		for p.dec.More() {
			off := p.dec.InputOffset()
			var r Reply
			if err := p.dec.Decode(&r); err != nil {
				return nil, p.syntax(off, err)
			}
			if err := check(&r, replies); err != nil {
				return nil, p.errorAt(off, "%s reply %q: %v", lang, r.ID, err)
			}
			replies = append(replies, r)
		}
		if len(replies) > maxPerLang {
			return nil, p.errorAt(off, "%s has %d replies; at most %d", lang, len(replies), maxPerLang)
		}
		if err := p.delim(']', "the end of the list"); err != nil {
			return nil, err
		}
		set.byLang[lang] = replies
	}
	if err := p.delim('}', "the end of the object"); err != nil {
		return nil, err
	}
	if off := p.dec.InputOffset(); len(bytes.TrimSpace(p.data[off:])) > 0 {
		return nil, p.errorAt(off, "something after the object")
	}
	return set, nil
}

// check validates one reply against the ones before it and compiles its
// template, trying it on sample data so an unknown placeholder fails here,
// not when an agent picks the reply.
func check(r *Reply, before []Reply) error {
	r.ID, r.Title = strings.TrimSpace(r.ID), strings.TrimSpace(r.Title)
	switch {
	case !idForm.MatchString(r.ID):
		return errors.New(`"id" must be 1 to 64 of a-z, 0-9, - and _, starting with a letter or digit`)
	case r.Title == "" || utf8.RuneCountInString(r.Title) > maxTitleRunes:
		return fmt.Errorf(`"title" must be 1 to %d characters`, maxTitleRunes)
	case strings.TrimSpace(r.Text) == "" || utf8.RuneCountInString(r.Text) > tickets.MaxTextRunes:
		return fmt.Errorf(`"text" must be 1 to %d characters`, tickets.MaxTextRunes)
	}
	for _, b := range before {
		if b.ID == r.ID {
			return errors.New("the id is used twice in this language")
		}
	}
	t, err := template.New(r.ID).Option("missingkey=error").Parse(r.Text)
	if err != nil {
		return fmt.Errorf("text: %w", err)
	}
	if err := t.Execute(io.Discard, Data{TicketID: "T-000001", UserName: "Visitor 0001"}); err != nil {
		return fmt.Errorf("text: only {{.TicketID}} and {{.UserName}} can be filled in: %w", err)
	}
	r.tmpl = t
	return nil
}

// For returns the replies of a language (one of Languages), with their
// placeholders as written.
func (s *Set) For(lang language.Lang) []Reply {
	return s.byLang[lang]
}

// Render returns the replies of lang with the placeholders filled for d.
func (s *Set) Render(lang language.Lang, d Data) ([]Reply, error) {
	src := s.byLang[lang]
	out := make([]Reply, len(src))
	for i, r := range src {
		var b strings.Builder
		if err := r.tmpl.Execute(&b, d); err != nil {
			return nil, fmt.Errorf("canned reply %s/%s: %w", lang, r.ID, err)
		}
		out[i] = Reply{ID: r.ID, Title: r.Title, Text: b.String()}
	}
	return out, nil
}

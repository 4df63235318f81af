// Package prompts holds every sentence a user or an agent reads, in
// Traditional Chinese (Hong Kong usage), Simplified Chinese and English.
// Nothing else in triagebot writes user-facing text: it asks for a key here.
//
// Each text is a text/template, so details (a ticket id, an amount) are
// filled in at render time. Files in this package register their keys in
// init; TestCatalog fails when a key lacks a language or a template does not
// execute with its example data.
package prompts

import (
	"bytes"
	"fmt"
	"sort"
	"sync"
	"text/template"

	"github.com/triagebot/triagebot/language"
)

// Key names one sentence (or block of text).
type Key string

// Text is one sentence in every language. Example is data the templates
// execute with in tests; nil for texts without fields.
type Text struct {
	Hant, Hans, En string
	Example        any
}

func (t Text) in(lang language.Lang) string { return language.Pick(lang, t.Hant, t.Hans, t.En) }

type entry struct {
	text Text
	tmpl map[language.Lang]*template.Template
}

var (
	mu      sync.RWMutex
	catalog = map[Key]*entry{}
)

// Register adds texts to the catalog. It panics on a duplicate key or a
// template that does not parse: both are programming errors found at start.
func Register(texts map[Key]Text) {
	mu.Lock()
	defer mu.Unlock()
	for k, t := range texts {
		if _, dup := catalog[k]; dup {
			panic(fmt.Sprintf("prompts: duplicate key %q", k))
		}
		e := &entry{text: t, tmpl: map[language.Lang]*template.Template{}}
		for _, lang := range language.All {
			tm, err := template.New(string(k) + "/" + string(lang)).Option("missingkey=error").Parse(t.in(lang))
			if err != nil {
				panic(fmt.Sprintf("prompts: %s (%s): %v", k, lang, err))
			}
			e.tmpl[lang] = tm
		}
		catalog[k] = e
	}
}

// Render returns the text for key in lang (English when lang is unknown),
// executed with data. An unknown key or a failing template is a bug; Render
// then returns the error text so the failure is visible, not silent.
func Render(lang language.Lang, key Key, data any) string {
	s, err := render(lang, key, data)
	if err != nil {
		return "[" + err.Error() + "]"
	}
	return s
}

func render(lang language.Lang, key Key, data any) (string, error) {
	mu.RLock()
	e, ok := catalog[key]
	mu.RUnlock()
	if !ok {
		return "", fmt.Errorf("prompts: unknown key %q", key)
	}
	tm, ok := e.tmpl[lang]
	if !ok {
		tm = e.tmpl[language.English]
	}
	var b bytes.Buffer
	if err := tm.Execute(&b, data); err != nil {
		return "", fmt.Errorf("prompts: %s: %w", key, err)
	}
	return b.String(), nil
}

// Has reports whether key is in the catalog.
func Has(key Key) bool {
	mu.RLock()
	defer mu.RUnlock()
	_, ok := catalog[key]
	return ok
}

// Keys lists every registered key, sorted.
func Keys() []Key {
	mu.RLock()
	defer mu.RUnlock()
	keys := make([]Key, 0, len(catalog))
	for k := range catalog {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	return keys
}

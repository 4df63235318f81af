package bot

import (
	"strings"
	"sync"

	"github.com/triagebot/triagebot/intents"
	"github.com/triagebot/triagebot/language"
	"github.com/triagebot/triagebot/prompts"
)

// actionKind is what a quick reply means.
type actionKind int

const (
	actNone   actionKind = iota
	actIntent            // a problem chosen while clarifying
	actOther             // none of the offered problems
	actFixed             // self-help worked
	actStill             // self-help did not work
	actPerson            // wants a person
	actSMS               // OTP by SMS
	actEmail             // OTP by e-mail
	actYes               // yes to a confirming question
	actNo                // no to a confirming question
)

type action struct {
	kind   actionKind
	intent intents.Intent
}

var (
	labelsOnce sync.Once
	labelIndex map[string]action
)

// matchLabel maps a quick reply's label, in any of our languages, back to
// what it means. Users may also type a label; surrounding spaces, case and
// trailing punctuation do not matter.
func matchLabel(text string) action {
	labelsOnce.Do(buildLabels)
	return labelIndex[normLabel(text)]
}

func normLabel(s string) string {
	return strings.ToLower(strings.TrimRight(strings.TrimSpace(s), ".!。！ "))
}

func buildLabels() {
	labelIndex = map[string]action{}
	add := func(k prompts.Key, a action) {
		for _, lang := range language.All {
			labelIndex[normLabel(prompts.Render(lang, k, nil))] = a
		}
	}
	add(prompts.LabelFixed, action{kind: actFixed})
	add(prompts.LabelStill, action{kind: actStill})
	add(prompts.LabelPerson, action{kind: actPerson})
	add(prompts.LabelOther, action{kind: actOther})
	add(prompts.LabelSMS, action{kind: actSMS})
	add(prompts.LabelEmail, action{kind: actEmail})
	add(prompts.LabelYes, action{kind: actYes})
	add(prompts.LabelNo, action{kind: actNo})
	for _, in := range intents.All {
		if in.IsProblem() {
			add(prompts.IntentLabel(string(in)), action{kind: actIntent, intent: in})
		}
	}
}

// labels renders quick replies in lang.
func labels(lang language.Lang, keys ...prompts.Key) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = prompts.Render(lang, k, nil)
	}
	return out
}

package escalation

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/triagebot/triagebot/tickets"
)

// TestEmbeddedDefaults checks the embedded file parses on its own (Default
// would panic otherwise) and that Parse of an empty object is the defaults.
func TestEmbeddedDefaults(t *testing.T) {
	if _, err := build("default_rules.json", DefaultRulesJSON(), nil); err != nil {
		t.Fatalf("embedded rules: %v", err)
	}
	r, err := Parse("empty.json", []byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	in := Input{Intent: "withdrawal_failed", Amount: "20000", Now: now, Text: "scam"}
	if got, want := r.Route(in), Default().Route(in); got.Priority != want.Priority || got.Queue != want.Queue {
		t.Errorf("Parse({}) routes %s/%s, defaults %s/%s", got.Queue, got.Priority, want.Queue, want.Priority)
	}
	// The defaults file is also a valid -routing file.
	if _, err := Parse("copy.json", DefaultRulesJSON()); err != nil {
		t.Errorf("the defaults as a -routing file: %v", err)
	}
}

// TestLoadErrors checks each kind of mistake is reported at its line and
// column, wraps ErrRules, and that Load returns no Router.
func TestLoadErrors(t *testing.T) {
	tests := []struct {
		file string
		want []string // every line of the error, in order
	}{
		{"bad_priority.json", []string{
			`testdata/bad_priority.json:14:9: unknown priority "hgih" (want urgent, high, normal or low)`}},
		{"syntax.json", []string{
			`testdata/syntax.json:4:47: JSON syntax: invalid character '"' after object key:value pair`}},
		{"several.json", []string{
			`testdata/several.json:2:29: want a whole number of minutes from 1 to 525600, got 0`,
			`testdata/several.json:2:32: unknown priority "soon" (want urgent, high, normal or low)`,
			`testdata/several.json:4:5: unknown intent "withdrawl_failed"`,
			`testdata/several.json:5:38: invalid queue name "Payments Team": want 1 to 40 of a-z, 0-9, '-', '_', '.', starting with a letter or digit`,
			`testdata/several.json:5:55: unknown field "priorty" (want one of: priority, queue)`,
			`testdata/several.json:7:13: invalid currency "usd": want an ISO 4217 code such as "USD"`,
			`testdata/several.json:7:32: invalid rate -9: want a positive plain decimal such as 7.8`,
			`testdata/several.json:7:43: invalid rate 1e3: want a positive plain decimal such as 7.8`,
			`testdata/several.json:7:57: the rate of HKD must be 1: thresholds are in HKD`,
			`testdata/several.json:8:24: invalid window "1 day": want a duration such as "24h", at most "744h"`,
			`testdata/several.json:8:42: want a whole number of steps from 0 to 3, got 9`,
			`testdata/several.json:9:54: empty keyword`,
			`testdata/several.json:9:60: keyword rule without a priority`,
			`testdata/several.json:10:22: unknown channel "whatsapp" (want web or telegram)`,
			`testdata/several.json:10:51: channel_queues.telegram: no route uses queue "genral"`,
		}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			r, err := Load(filepath.Join("testdata", tc.file))
			if err == nil || r != nil {
				t.Fatalf("Load = %v, %v; want an error", r, err)
			}
			if !errors.Is(err, ErrRules) {
				t.Errorf("error does not wrap ErrRules: %v", err)
			}
			got := strings.Split(err.Error(), "\n")
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("errors:\n%s\nwant:\n%s", err, strings.Join(tc.want, "\n"))
			}
		})
	}
}

// TestParseErrors covers the remaining mistakes with inline files.
func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, data, want string
	}{
		{"empty file", "  \n", "r.json:1:1: empty file: want a JSON object"},
		{"not an object", `["fraud"]`, "r.json:1:1: want an object, got an array"},
		{"unexpected end", "{\n  \"intents\": {\n", "r.json:3:1: JSON syntax: unexpected end of file"},
		{"trailing comma", "{\"fallback\": {\"queue\": \"general\",}}", "r.json:1:34: JSON syntax: invalid character '}' looking for beginning of object key string"},
		{"data after the object", "{}\n{}", "r.json:2:1: unexpected data after the end of the JSON value"},
		{"duplicate key", "{\"sla_minutes\": {\"high\": 60,\n \"high\": 90}}", `r.json:2:2: duplicate key "high"`},
		{"unknown top-level field", "{\n\t\"slas\": {}}", `r.json:2:2: unknown field "slas" (want one of: amount, breach_raise, business_hours, channel_queues, fallback, intents, keywords, rates, repeat, replace, sla_business_time, sla_minutes)`},
		{"column counts characters", "{\"keywords\": [{\"priority\": \"urgent\", \"words\": [\"騙\", 7]}]}", "r.json:1:53: want a string, got a number"},
		{"fraction of a minute", `{"sla_minutes": {"high": 30.5}}`, "r.json:1:26: want a whole number of minutes from 1 to 525600, got 30.5"},
		{"minutes as a string", `{"sla_minutes": {"high": "30"}}`, "r.json:1:26: want a number, got a string"},
		{"negative threshold", `{"amount": {"threshold": -1}}`, "r.json:1:26: invalid threshold -1: want a positive plain decimal such as 7.8"},
		{"threshold as object", `{"amount": {"threshold": {}}}`, "r.json:1:26: want a number for the threshold, got an object"},
		{"bad at_least", `{"amount": {"at_least": "top"}}`, `r.json:1:25: unknown priority "top" (want urgent, high, normal or low)`},
		{"window too long", `{"repeat": {"window": "800h"}}`, `r.json:1:23: invalid window "800h": want a duration such as "24h", at most "744h"`},
		{"keywords not a list", `{"keywords": {"urgent": ["scam"]}}`, "r.json:1:14: want an array, got an object"},
		{"keyword rule without words", `{"keywords": [{"priority": "high", "words": []}]}`, "r.json:1:15: keyword rule without words"},
		{"route not an object", `{"intents": {"greeting": "general"}}`, "r.json:1:26: want an object, got a string"},
		{"fallback queue empty", `{"fallback": {"queue": ""}}`, `r.json:1:24: invalid queue name ""`},
		{"replace not a bool", `{"replace": "yes"}`, "r.json:1:13: want true/false, got a string"},
		{"nested too deep", `{"_x": ` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}`, "r.json:1:24: nested more than 16 levels deep"},
		{"unknown zone", `{"business_hours": {"zone": "Asia/Kowloon"}}`, `r.json:1:29: unknown time zone "Asia/Kowloon": want an IANA name such as "Asia/Hong_Kong"`},
		{"unknown day", "{\"business_hours\": {\"week\": {\n \"monday\": []}}}", `r.json:2:2: unknown day "monday" (want one of: sun, mon, tue, wed, thu, fri, sat)`},
		{"range backwards", `{"business_hours": {"week": {"mon": ["18:00-09:00"]}}}`, `r.json:1:38: range "18:00-09:00" ends before it starts`},
		{"range not a range", `{"business_hours": {"week": {"mon": ["9-18"]}}}`, `r.json:1:38: want a time such as "09:00", got "9"`},
		{"ranges overlap", `{"business_hours": {"week": {"mon": ["09:00-13:00", "12:00-18:00"]}}}`, `r.json:1:37: opening hours overlap`},
		{"bad holiday", "{\"business_hours\": {\"holidays\": [\"2026-01-01\",\n \"2026-02-30\"]}}", `r.json:2:2: invalid holiday "2026-02-30": want a date such as "2026-12-25"`},
		{"holiday twice", `{"business_hours": {"holidays": ["2026-01-01", "2026-01-01"]}}`, `r.json:1:48: holiday 2026-01-01 listed twice`},
		{"never open", `{"business_hours": {"week": {"mon": [], "tue": [], "wed": [], "thu": [], "fri": [], "sat": []}}}`, `r.json:1:20: business_hours.week has no opening hours: an SLA in business time would never end`},
		{"business time not a bool", `{"sla_business_time": {"high": "yes"}}`, `r.json:1:32: want true/false, got a string`},
		{"business time of an unknown priority", `{"sla_business_time": {"top": true}}`, `r.json:1:24: unknown priority "top" (want urgent, high, normal or low)`},
		{"breach raise too far", `{"breach_raise": 4}`, `r.json:1:18: want a whole number of steps from 0 to 3, got 4`},
		{"replace leaves gaps", "{\"replace\": true,\n \"sla_minutes\": {\"urgent\": 5},\n \"intents\": {\"greeting\": {\"queue\": \"general\"}}}",
			"r.json:1:1: sla_minutes has no entry for \"high\"\n" +
				"r.json:1:1: sla_minutes has no entry for \"normal\"\n" +
				"r.json:1:1: sla_minutes has no entry for \"low\"\n" +
				"r.json:1:1: fallback needs both a queue and a priority\n" +
				"r.json:3:26: intent greeting needs both a queue and a priority"},
		{"replace with an amount rule but no threshold", `{"replace": true, "sla_minutes": {"urgent": 1, "high": 1, "normal": 1, "low": 1},
 "fallback": {"queue": "q", "priority": "low"}, "amount": {"raise": 1}}`, "r.json:1:1: amount needs a threshold to raise or set a priority"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Parse("r.json", []byte(tc.data))
			if err == nil {
				t.Fatalf("Parse = %v, want error %q", r, tc.want)
			}
			if !errors.Is(err, ErrRules) {
				t.Errorf("error does not wrap ErrRules: %v", err)
			}
			if !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("error\n%s\nwant it to start with\n%s", err, tc.want)
			}
		})
	}
}

func TestParseGood(t *testing.T) {
	tests := []struct{ name, data string }{
		{"comments anywhere", `{"_c": 1, "intents": {"_c": "x", "greeting": {"_why": "", "priority": "normal"}}}`},
		{"threshold as a string", `{"amount": {"threshold": "12000.50"}}`},
		{"turning rules off", `{"amount": {"raise": 0, "at_least": ""}, "repeat": {"window": "0s"}, "keywords": []}`},
		{"dropping a channel mapping", `{"channel_queues": {"web": {"general": ""}}}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Parse("r.json", []byte(tc.data)); err != nil {
				t.Error(err)
			}
		})
	}
	r, err := Parse("r.json", []byte(`{"amount": {"raise": 0, "at_least": ""}, "repeat": {"window": "0s"}, "keywords": []}`))
	if err != nil {
		t.Fatal(err)
	}
	d := r.Route(Input{Intent: "login_failed", Amount: "1000000", Text: "scam", Now: now,
		History: []tickets.Ticket{ticket("T-1", "login_failed", 0)}})
	if d.Priority != tickets.Normal || len(d.Related) != 0 {
		t.Errorf("rules turned off still acted: %s, related %v, reasons %q", d.Priority, d.Related, d.Reasons)
	}
}

func TestLoadFileErrors(t *testing.T) {
	if _, err := Load(filepath.Join(t.TempDir(), "missing.json")); !errors.Is(err, fs.ErrNotExist) || errors.Is(err, ErrRules) {
		t.Errorf("missing file: %v, want fs.ErrNotExist and not ErrRules", err)
	}
	big := filepath.Join(t.TempDir(), "big.json")
	data := append([]byte(`{"_pad": "`), bytes.Repeat([]byte("x"), maxRulesSize)...)
	if err := os.WriteFile(big, append(data, `"}`...), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(big); !errors.Is(err, ErrRules) || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("oversized file: %v", err)
	}
}

// lineRE is the shape of every line of a rules error.
var lineRE = regexp.MustCompile(`^f\.json(:\d+:\d+:|: \d+ more errors:) `)

// FuzzParse checks Parse never panics, that every error line is
// file:line:col, and that a Router it returns routes anything.
func FuzzParse(f *testing.F) {
	f.Add(DefaultRulesJSON())
	for _, name := range []string{"good", "replace", "bad_priority", "syntax", "several"} {
		data, err := os.ReadFile(filepath.Join("testdata", name+".json"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"amount": {"threshold": 1}, "rates": {"XAU": 0.000000000001}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Parse("f.json", data)
		if err != nil {
			if !errors.Is(err, ErrRules) {
				t.Fatalf("error does not wrap ErrRules: %v", err)
			}
			for _, l := range strings.Split(err.Error(), "\n") {
				if !lineRE.MatchString(l) {
					t.Fatalf("error line without a position: %q", l)
				}
			}
			return
		}
		for _, in := range []Input{
			{Intent: "withdrawal_failed", Amount: "123456789.99", Currency: "XAU", Text: "scam", Channel: tickets.Telegram, Now: now,
				History: []tickets.Ticket{ticket("T-1", "withdrawal_failed", 0)}},
			{Intent: "nonsense", Amount: "1", Currency: "USD", Channel: tickets.Web, Now: now},
		} {
			d := r.Route(in)
			if !d.Priority.Valid() || d.Queue == "" || d.SLADue.Before(now) {
				t.Fatalf("Route = %+v", d)
			}
		}
	})
}

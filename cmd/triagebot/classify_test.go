package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
)

func TestRunClassify(t *testing.T) {
	long := strings.Repeat("my card was declined again ", 5000) // ~135 KB, over a Scanner's 64K
	tests := []struct {
		name  string
		args  []string
		in    string
		check func(t *testing.T, lines []map[string]any)
	}{
		{
			name: "intents, langs and order",
			args: []string{"-now", "2025-11-03T15:00:00+08:00"},
			in: `{"text":"收唔到驗證碼"}
{"text":"the app keeps crashing"}
{"text":"提现失败了"}
`,
			check: func(t *testing.T, lines []map[string]any) {
				want := [][2]string{{"otp_not_received", "zh-Hant"}, {"app_problem", "en"}, {"withdrawal_failed", "zh-Hans"}}
				if len(lines) != len(want) {
					t.Fatalf("%d lines, want %d", len(lines), len(want))
				}
				for i, w := range want {
					if lines[i]["intent"] != w[0] || lines[i]["lang"] != w[1] {
						t.Errorf("line %d: %v, want %v", i, lines[i], w)
					}
					c, ok := lines[i]["confidence"].(float64)
					if !ok || c <= 0 || c > 1 {
						t.Errorf("line %d: confidence %v", i, lines[i]["confidence"])
					}
					if _, ok := lines[i]["entities"].(map[string]any); !ok {
						t.Errorf("line %d: no entities object", i)
					}
				}
				if lines[0]["text"] != "收唔到驗證碼" {
					t.Errorf("text not echoed: %v", lines[0]["text"])
				}
			},
		},
		{
			name: "bad lines give an error line and the run goes on",
			in: `{"text": "hello"}
not json
{"now": "2025-11-03T15:00:00+08:00"}
{"text": "hi", "now": "yesterday"}
{"text": "   "}

{"text": "thanks bye"}`,
			check: func(t *testing.T, lines []map[string]any) {
				if len(lines) != 6 {
					t.Fatalf("%d lines, want 6 (the blank line is no input): %v", len(lines), lines)
				}
				for i, isErr := range []bool{false, true, true, true, true, false} {
					_, has := lines[i]["error"]
					if has != isErr {
						t.Errorf("line %d: %v, error expected %v", i, lines[i], isErr)
					}
				}
				if lines[5]["intent"] != "greeting" {
					t.Errorf("last line (no final newline) %v", lines[5])
				}
			},
		},
		{
			name: "long line",
			in:   `{"text":"` + long + `"}` + "\n" + `{"text":"otp never came"}` + "\n",
			check: func(t *testing.T, lines []map[string]any) {
				if len(lines) != 2 || lines[0]["intent"] != "transaction_failed" || lines[1]["intent"] != "otp_not_received" {
					t.Errorf("got %v", lines)
				}
			},
		},
		{
			name: "CRLF input",
			in:   "{\"text\":\"where is my refund\"}\r\n{\"text\":\"轉真人\"}\r\n",
			check: func(t *testing.T, lines []map[string]any) {
				if len(lines) != 2 || lines[0]["intent"] != "refund_not_received" || lines[1]["intent"] != "human_agent" {
					t.Errorf("got %v", lines)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if err := runClassify(context.Background(), tt.args, strings.NewReader(tt.in), &out, &errOut); err != nil {
				t.Fatalf("runClassify: %v (stderr %s)", err, errOut.String())
			}
			var lines []map[string]any
			for _, l := range strings.Split(strings.TrimRight(out.String(), "\n"), "\n") {
				var m map[string]any
				if err := json.Unmarshal([]byte(l), &m); err != nil {
					t.Fatalf("output line %q: %v", l, err)
				}
				lines = append(lines, m)
			}
			tt.check(t, lines)
		})
	}
}

func TestRunClassifyFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"bad now", []string{"-now", "tomorrow"}},
		{"bad zone", []string{"-tz", "Mars/Olympus"}},
		{"unknown flag", []string{"-x"}},
		{"extra argument", []string{"file.jsonl"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if err := runClassify(context.Background(), tt.args, strings.NewReader(""), &out, &errOut); err == nil {
				t.Error("no error")
			}
		})
	}
}

// TestClassifyEntitiesFormat checks the JSON shape of the entities: RFC 3339
// with the zone's offset, the grain, a two-decimal amount with its ISO code,
// the transaction id as a plain string.
func TestClassifyEntitiesFormat(t *testing.T) {
	var out, errOut bytes.Buffer
	in := `{"text":"withdrew HK$1,200 yesterday at 3pm, ref TX20251102ABC123, still not in my bank"}` + "\n" +
		`{"text":"提款失敗", "now": "2025-11-03T07:00:00Z"}` + "\n"
	if err := runClassify(context.Background(), []string{"-now", "2025-11-03T15:00:00+08:00", "-tz", "Asia/Hong_Kong"}, strings.NewReader(in), &out, &errOut); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	want := `{"text":"withdrew HK$1,200 yesterday at 3pm, ref TX20251102ABC123, still not in my bank","intent":"withdrawal_failed","confidence":C,"lang":"en",` +
		`"entities":{"time":{"value":"2025-11-02T15:00:00+08:00","grain":"hour"},"amount":{"value":"1200.00","currency":"HKD"},"transaction_id":"TX20251102ABC123"}}`
	if len(lines) != 2 {
		t.Fatalf("got %q", out.String())
	}
	var probe struct{ Confidence json.Number }
	if err := json.Unmarshal([]byte(lines[0]), &probe); err != nil {
		t.Fatal(err)
	}
	if got := strings.Replace(lines[0], `"confidence":`+probe.Confidence.String(), `"confidence":C`, 1); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	// Nothing found: the entities object is empty, not filled with nulls.
	if !strings.HasSuffix(lines[1], `"lang":"zh-Hant","entities":{}}`) {
		t.Errorf("got %s", lines[1])
	}
}

// runClassify runs the classify command offline: the tests must not reach
// a model because the developer's shell has OPENAI_API_KEY set.
func runClassify(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	return classifyMain(ctx, args, stdio{in: stdin, out: stdout, err: stderr, getenv: func(string) string { return "" }})
}

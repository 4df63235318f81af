package main

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/triagebot/triagebot/bot/ws"
)

func fakeEnv(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// quiet is a stdio for parsing alone: usage text is thrown away.
func quiet(getenv func(string) string) stdio {
	return stdio{in: strings.NewReader(""), out: io.Discard, err: io.Discard, getenv: getenv}
}

func TestParseServePrecedence(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		wantAddr string
		wantDB   string
		wantTZ   string
	}{
		{"defaults", nil, nil, "127.0.0.1:8080", "./data/triagebot.db", "Asia/Hong_Kong"},
		{"env over default", nil, map[string]string{"TRIAGEBOT_ADDR": "0.0.0.0:9000", "TRIAGEBOT_DB": "/tmp/x.db", "TRIAGEBOT_TZ": "UTC"}, "0.0.0.0:9000", "/tmp/x.db", "UTC"},
		{"flag over env", []string{"-addr", "127.0.0.1:7000", "-tz", "Europe/London"}, map[string]string{"TRIAGEBOT_ADDR": "0.0.0.0:9000", "TRIAGEBOT_TZ": "UTC"}, "127.0.0.1:7000", "./data/triagebot.db", "Europe/London"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseServe(tt.args, quiet(fakeEnv(tt.env)))
			if err != nil {
				t.Fatal(err)
			}
			if c.Addr != tt.wantAddr || c.DB != tt.wantDB || c.TZ != tt.wantTZ {
				t.Errorf("got addr=%q db=%q tz=%q", c.Addr, c.DB, c.TZ)
			}
			if err := c.Validate(); err != nil {
				t.Errorf("Validate: %v", err)
			}
		})
	}
}

func TestValidateErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"bad zone", []string{"-tz", "Asia/HongKong"}, nil, `-tz: unknown time zone "Asia/HongKong"`},
		{"bad addr", []string{"-addr", "8080"}, nil, `-addr: "8080" is not host:port`},
		{"bad origin", []string{"-origins", "shop.example"}, nil, `-origins: "shop.example"`},
		{"bad level", []string{"-log-level", "loud"}, nil, `-log-level`},
		{"bad agent lang", []string{"-agent-lang", "fr"}, nil, `-agent-lang: "fr"`},
		{"bad tg endpoint", nil, map[string]string{"TELEGRAM_BOT_TOKEN": "1:x", "TELEGRAM_API_ENDPOINT": "http://x/bot"}, "TELEGRAM_API_ENDPOINT"},
		{"bad agent chat", nil, map[string]string{"TELEGRAM_BOT_TOKEN": "1:x", "TELEGRAM_AGENT_CHAT_ID": "chat"}, "TELEGRAM_AGENT_CHAT_ID"},
		{"agent chat without token", nil, map[string]string{"TELEGRAM_AGENT_CHAT_ID": "-100"}, "TELEGRAM_BOT_TOKEN"},
		{"webhook not https", []string{"-telegram-webhook", "http://x/hook"}, map[string]string{"TELEGRAM_BOT_TOKEN": "1:x"}, "https"},
		{"bad openai url", nil, map[string]string{"OPENAI_BASE_URL": "localhost"}, "OPENAI_BASE_URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseServe(tt.args, quiet(fakeEnv(tt.env)))
			if err != nil {
				t.Fatal(err)
			}
			err = c.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Validate() = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestValidateFillsDerived(t *testing.T) {
	c, err := parseServe([]string{"-origins", "https://a.example, https://b.example"}, quiet(fakeEnv(map[string]string{
		"TELEGRAM_BOT_TOKEN": "1:x", "TELEGRAM_AGENT_CHAT_ID": "-100777",
	})))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.TelegramAgentChat != -100777 {
		t.Errorf("agent chat = %d", c.TelegramAgentChat)
	}
	if len(c.Origins) != 2 || c.Origins[1] != "https://b.example" {
		t.Errorf("origins = %q", c.Origins)
	}
	if c.PublicURL != "http://127.0.0.1:8080" {
		t.Errorf("public url = %q", c.PublicURL)
	}
	if loc, _ := time.LoadLocation("Asia/Hong_Kong"); c.Location.String() != loc.String() {
		t.Errorf("location = %v", c.Location)
	}
}

func TestParseServeRejectsArguments(t *testing.T) {
	if _, err := parseServe([]string{"extra"}, quiet(fakeEnv(nil))); err == nil {
		t.Error("want an error for a stray argument")
	}
}

// -agent-lang takes the regional tags as well, and passes on our own name.
func TestAgentLangAliases(t *testing.T) {
	for in, want := range map[string]string{"zh-Hant": "zh-Hant", "zh-HK": "zh-Hant", "zh-cn": "zh-Hans", "zh-Hans": "zh-Hans", "en-GB": "en"} {
		c, err := parseServe([]string{"-agent-lang", in}, quiet(fakeEnv(nil)))
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("-agent-lang %s: %v", in, err)
		}
		if c.AgentLang != want {
			t.Errorf("-agent-lang %s: AgentLang = %q, want %q", in, c.AgentLang, want)
		}
	}
}

func TestBoundEngineCalls(t *testing.T) {
	tests := []struct {
		set, shutdown, want time.Duration
	}{
		{0, 10 * time.Second, 7500 * time.Millisecond}, // the default 15 s is cut below the shutdown
		{0, time.Minute, ws.DefaultEngineTimeout},
		{2 * time.Second, 10 * time.Second, 2 * time.Second},
		{30 * time.Second, 4 * time.Second, 3 * time.Second},
	}
	for _, tt := range tests {
		got := boundEngineCalls(ws.Limits{EngineTimeout: tt.set}, tt.shutdown).EngineTimeout
		if got != tt.want {
			t.Errorf("engine timeout %s with shutdown %s: %s, want %s", tt.set, tt.shutdown, got, tt.want)
		}
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/triagebot/triagebot/bot"
	"github.com/triagebot/triagebot/bot/ws"
	"github.com/triagebot/triagebot/escalation"
	"github.com/triagebot/triagebot/intents"
	"github.com/triagebot/triagebot/tickets/boltstore"
)

func TestParseLoadOptions(t *testing.T) {
	tests := []struct {
		args []string
		ok   bool
	}{
		{[]string{"-addr", "127.0.0.1:8080"}, true},
		{[]string{"-addr", "localhost:8080", "-conns", "20000", "-rate", "5000", "-duration", "10m"}, true},
		{[]string{"-addr", "[::1]:8080", "-idle", "-pid", "1"}, true},
		{[]string{"-addr", "10.1.2.3:8080"}, false},
		{[]string{"-addr", "example.com:80"}, false},
		{[]string{"-addr", "127.0.0.1"}, false},
		{[]string{"-addr", "127.0.0.1:99999"}, false},
		{[]string{"-addr", "127.0.0.1:8080", "-conns", "0"}, false},
		{[]string{"-addr", "127.0.0.1:8080", "-conns", "20001"}, false},
		{[]string{"-addr", "127.0.0.1:8080", "-rate", "0"}, false},
		{[]string{"-addr", "127.0.0.1:8080", "-rate", "NaN"}, false},
		{[]string{"-addr", "127.0.0.1:8080", "-duration", "11m"}, false},
		{[]string{"-addr", "127.0.0.1:8080", "-pid", "-3"}, false},
		{[]string{"-addr", "127.0.0.1:8080", "-pid", "10,20"}, true},
		{[]string{"-addr", "127.0.0.1:8080", "-pid", "10,x"}, false},
		{[]string{"-addr", "127.0.0.1:8080", "-pid", "10,"}, false},
		{[]string{"-addr", "127.0.0.1:8080", "extra"}, false},
	}
	for _, tt := range tests {
		_, err := parseLoadOptions(tt.args, stdio{out: &bytes.Buffer{}, err: &bytes.Buffer{}})
		if (err == nil) != tt.ok {
			t.Errorf("%v: err %v, want ok %v", tt.args, err, tt.ok)
		}
	}
	if _, err := parseLoadOptions([]string{"-addr", "192.168.0.1:80"}, stdio{out: &bytes.Buffer{}, err: &bytes.Buffer{}}); !errors.Is(err, errLoadAddr) {
		t.Errorf("a LAN address: %v, want errLoadAddr", err)
	}
}

func TestParseLoadOptionsReplicasAndCross(t *testing.T) {
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte("file-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	seventeen := strings.TrimSuffix(strings.Repeat("127.0.0.1:1,", 17), ",")
	tests := []struct {
		name       string
		args       []string
		env        map[string]string
		addrs      []string
		agentAddrs []string
		token      string
		err        string // part of the error; "" for none
	}{
		{name: "env address", env: map[string]string{"TRIAGEBOT_ADDR": "127.0.0.1:9000"}, addrs: []string{"127.0.0.1:9000"}},
		{name: "two replicas", args: []string{"-addr", "127.0.0.1:8081, localhost:8082"}, addrs: []string{"127.0.0.1:8081", "localhost:8082"}},
		{name: "one replica not loopback", args: []string{"-addr", "127.0.0.1:8081,10.0.0.2:8082"}, err: "loopback"},
		{name: "empty entry", args: []string{"-addr", "127.0.0.1:8081,"}, err: "-addr"},
		{name: "too many", args: []string{"-addr", seventeen}, err: "at most 16"},
		{name: "cross, env token, agents on -addr", args: []string{"-addr", "127.0.0.1:1,127.0.0.1:2", "-cross"},
			env: map[string]string{"TRIAGEBOT_AGENT_TOKEN": " env-token "}, addrs: []string{"127.0.0.1:1", "127.0.0.1:2"},
			agentAddrs: []string{"127.0.0.1:1", "127.0.0.1:2"}, token: "env-token"},
		{name: "cross, token file wins", args: []string{"-addr", "127.0.0.1:1", "-cross", "-agent-addr", "[::1]:3", "-agent-token-file", tokenFile},
			env: map[string]string{"TRIAGEBOT_AGENT_TOKEN": "env-token"}, addrs: []string{"127.0.0.1:1"},
			agentAddrs: []string{"[::1]:3"}, token: "file-token"},
		{name: "cross without token", args: []string{"-addr", "127.0.0.1:1", "-cross"}, err: "TRIAGEBOT_AGENT_TOKEN"},
		{name: "cross, empty token file", args: []string{"-addr", "127.0.0.1:1", "-cross", "-agent-token-file", empty}, err: "empty"},
		{name: "cross, missing token file", args: []string{"-addr", "127.0.0.1:1", "-cross", "-agent-token-file", empty + ".no"}, err: "-agent-token-file"},
		{name: "agent address not loopback", args: []string{"-addr", "127.0.0.1:1", "-cross", "-agent-addr", "192.168.1.1:80"},
			env: map[string]string{"TRIAGEBOT_AGENT_TOKEN": "x"}, err: "loopback"},
		{name: "agent flags without cross", args: []string{"-addr", "127.0.0.1:1", "-agent-addr", "127.0.0.1:2"}, err: "need -cross"},
		{name: "cross and idle", args: []string{"-addr", "127.0.0.1:1", "-cross", "-idle"},
			env: map[string]string{"TRIAGEBOT_AGENT_TOKEN": "x"}, err: "exclude"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := parseLoadOptions(tt.args, quiet(fakeEnv(tt.env)))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err %v, want one saying %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(o.addrs, tt.addrs) || !slices.Equal(o.agentAddrs, tt.agentAddrs) || o.agentToken != tt.token {
				t.Errorf("addrs %q, agent addrs %q, token %q; want %q, %q, %q", o.addrs, o.agentAddrs, o.agentToken, tt.addrs, tt.agentAddrs, tt.token)
			}
		})
	}
}

func TestLoadUserAnswers(t *testing.T) {
	msg := func(text string, qr ...string) []loadFrame {
		return []loadFrame{{Type: "message", Text: text, QuickReplies: qr}}
	}
	u := newLoadUser(loadScripts[1], 7) // zh-Hant
	tests := []struct {
		bot  []loadFrame
		want loadMove
	}{
		{msg("涉及金額係幾多？請講埋貨幣，例如港幣。"), loadMove{text: "港幣3000蚊"}},
		{msg("交易編號（或者參考編號）係乜嘢？"), loadMove{text: "TX20251102LT0007"}},
		{msg("請問係幾時發生㗎？"), loadMove{text: "上星期三下晝兩點幾"}},
		{msg("可唔可以傳一張App入面狀態頁面嘅截圖？"), loadMove{screenshot: true}},
		{msg("涉及金額係幾多？"), loadMove{text: "唔記得"}}, // asked again
		{msg("咁樣解決到你嘅問題未？", "問題解決咗", "仲未解決", "轉真人客服"), loadMove{text: "仲未解決"}},
		{msg("邊一項？", "登入唔到", "其他問題"), loadMove{text: "登入唔到"}},
		{msg("收到，多謝。"), loadMove{text: "我想搵真人跟進"}},
		{nil, loadMove{text: "我想搵真人跟進"}},
	}
	for _, tt := range tests {
		if got := u.answer(tt.bot); got != tt.want {
			t.Errorf("answer to %v = %+v, want %+v", tt.bot, got, tt.want)
		}
	}
	en := newLoadUser(loadScripts[0], 1)
	if got := en.answer(msg("What was the amount, and in which currency?")); got.text != "HK$2,400" {
		t.Errorf("English amount answer %+v", got)
	}
}

func TestLoadPercentile(t *testing.T) {
	ms := func(n ...int) []time.Duration {
		var d []time.Duration
		for _, x := range n {
			d = append(d, time.Duration(x)*time.Millisecond)
		}
		return d
	}
	tests := []struct {
		xs   []time.Duration
		p    float64
		want time.Duration
	}{
		{nil, 50, -1},
		{ms(5), 99, 5 * time.Millisecond},
		{ms(4, 1, 3, 2), 50, 2 * time.Millisecond},
		{ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 95, 10 * time.Millisecond},
		{ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 10, 1 * time.Millisecond},
	}
	for _, tt := range tests {
		if got := loadPercentile(tt.xs, tt.p); got != tt.want {
			t.Errorf("p%v of %v = %v, want %v", tt.p, tt.xs, got, tt.want)
		}
	}
}

// wsServer is the real WebSocket channel on the real engine and a bbolt
// file, behind an httptest server; it returns the host:port.
func wsServer(t *testing.T) string {
	t.Helper()
	store, err := boltstore.Open(filepath.Join(t.TempDir(), "db"), boltstore.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	cls, err := intents.NewOffline()
	if err != nil {
		t.Fatal(err)
	}
	eng, err := bot.New(bot.Config{Store: store, Classifier: cls, Router: escalation.Default()})
	if err != nil {
		t.Fatal(err)
	}
	// As serve does by default: the per-address limits skip loopback, where
	// the load tool runs.
	hub, err := ws.New(ws.Config{Engine: eng, Unlimited: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = hub.Run(ctx) }()
	mux := http.NewServeMux()
	mux.Handle("GET /ws", hub)
	srv := httptest.NewServer(mux)
	t.Cleanup(func() { cancel(); <-done; srv.Close() })
	time.Sleep(50 * time.Millisecond) // let Run start
	return strings.TrimPrefix(srv.URL, "http://")
}

func TestLoadtestActiveAgainstRealServer(t *testing.T) {
	addr := wsServer(t)
	var out bytes.Buffer
	err := runLoadtest(t.Context(), []string{"-addr", addr, "-conns", "6", "-rate", "30", "-duration", "3s", "-pid", strconv.Itoa(os.Getpid())}, stdio{out: &out, err: &out})
	if err != nil {
		t.Fatalf("loadtest: %v\n%s", err, out.String())
	}
	report := out.String()
	if !strings.Contains(report, "errors 0\n") {
		t.Errorf("errors in the report:\n%s", report)
	}
	m := regexp.MustCompile(`user frames sent (\d+)`).FindStringSubmatch(report)
	if m == nil {
		t.Fatalf("no sent count in:\n%s", report)
	}
	if n, _ := strconv.Atoi(m[1]); n < 10 || n > 100 {
		t.Errorf("sent %d user frames in 3s at 30/s", n)
	}
	if !regexp.MustCompile(`turn latency p50 [\d.]+ ms, p95 [\d.]+ ms, p99 [\d.]+ ms`).MatchString(report) {
		t.Errorf("no latency line in:\n%s", report)
	}
	// The server runs in this process: its CPU per turn is reported.
	if !regexp.MustCompile(`server CPU [\d.]+ ms per bot turn \(pids \d+, with their children\)`).MatchString(report) ||
		!regexp.MustCompile(`load tool CPU [\d.]+ ms per bot turn`).MatchString(report) {
		t.Errorf("no CPU lines in:\n%s", report)
	}
}

// procsCPU counts a process's children: one that ran and ended shows in
// its parent's figure (as a postmaster's backends do).
func TestProcsCPUCountsChildren(t *testing.T) {
	self := []int{os.Getpid()}
	before, err := procsCPU(self)
	if err != nil {
		t.Fatal(err)
	}
	child := exec.Command("sh", "-c", "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done")
	if err := child.Run(); err != nil {
		t.Fatal(err)
	}
	used := child.ProcessState.UserTime() + child.ProcessState.SystemTime()
	after, err := procsCPU(self)
	if err != nil {
		t.Fatal(err)
	}
	// /proc counts in ticks of 10 ms; allow one for rounding each way.
	if after-before < used-20*time.Millisecond {
		t.Errorf("CPU grew by %s; the child alone used %s", after-before, used)
	}
	if _, err := procsCPU([]int{1 << 30}); err == nil {
		t.Error("no error for a process that does not exist")
	}
}

func TestLoadtestIdleAgainstRealServer(t *testing.T) {
	addr := wsServer(t)
	var out bytes.Buffer
	err := runLoadtest(t.Context(), []string{"-addr", addr, "-conns", "50", "-duration", "500ms", "-idle", "-pid", strconv.Itoa(os.Getpid())}, stdio{out: &out, err: &out})
	if err != nil {
		t.Fatalf("loadtest -idle: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "held 50 connections") || !strings.Contains(out.String(), "KiB/conn") {
		t.Errorf("report:\n%s", out.String())
	}
}

// Sessions go round-robin over the addresses: two separate servers both
// get dialogues, and the report counts them per address.
func TestLoadtestSpreadsOverReplicas(t *testing.T) {
	a, b := wsServer(t), wsServer(t)
	var out bytes.Buffer
	err := runLoadtest(t.Context(), []string{"-addr", a + "," + b, "-conns", "4", "-rate", "30", "-duration", "2s"}, stdio{out: &out, err: &out})
	if err != nil {
		t.Fatalf("loadtest: %v\n%s", err, out.String())
	}
	report := out.String()
	for _, addr := range []string{a, b} {
		m := regexp.MustCompile(`ws://` + regexp.QuoteMeta(addr) + `/ws: (\d+) dialogues`).FindStringSubmatch(report)
		if m == nil || m[1] == "0" {
			t.Errorf("no dialogues on %s:\n%s", addr, report)
		}
	}
	if !strings.Contains(report, "errors 0\n") || !regexp.MustCompile(`bot turns [1-9]\d* \([\d.]+/s\)`).MatchString(report) {
		t.Errorf("report:\n%s", report)
	}
}

// The cross mode against the real server on bbolt, named by two addresses
// (as two replicas would be): every ticket is claimed and answered through
// the agent API at the other address, and the reply reaches the user.
func TestLoadtestCrossAgainstRealServer(t *testing.T) {
	db := filepath.Join(t.TempDir(), "cross.db")
	out, _, err := cli(t, nil, "agents", "add", "loadagent", "-db", db)
	if err != nil {
		t.Fatal(err)
	}
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte(lastLine(out)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv, _ := startServe(t, []string{"-addr", "127.0.0.1:0", "-db", db}, nil)
	_, port, _ := net.SplitHostPort(srv.Addr())
	dialWS(t, &websocket.Dialer{}, "ws://"+srv.Addr()+"/ws").Close() // the hub runs

	var report bytes.Buffer
	err = runLoadtest(t.Context(), []string{"-addr", "127.0.0.1:" + port + ",localhost:" + port, "-cross",
		"-agent-token-file", tokenFile, "-conns", "4", "-rate", "40", "-duration", "8s"}, stdio{out: &report, err: &report})
	if err != nil {
		t.Fatalf("loadtest -cross: %v\n%s", err, report.String())
	}
	r := report.String()
	if !strings.Contains(r, "errors 0\n") || !strings.Contains(r, "users of 127.0.0.1:"+port+" answered on localhost:"+port) {
		t.Fatalf("report:\n%s", r)
	}
	m := regexp.MustCompile(`agent replies delivered (\d+) of (\d+) posted`).FindStringSubmatch(r)
	if m == nil || m[1] != m[2] || m[1] == "0" {
		t.Fatalf("no or lost replies:\n%s", r)
	}
	if !regexp.MustCompile(`delivery after the reply's response p50 [\d.]+ ms, p95 [\d.]+ ms, p99 [\d.]+ ms`).MatchString(r) ||
		!regexp.MustCompile(`delivery from sending the reply \(the API's commit included\) p50 [\d.]+ ms, p95 [\d.]+ ms, p99 [\d.]+ ms`).MatchString(r) {
		t.Errorf("no delivery latencies:\n%s", r)
	}
	// The server agrees: as many tickets are claimed by the agent, each
	// with the agent's reply in its transcript.
	get := func(path string, v any) {
		t.Helper()
		req, _ := http.NewRequest("GET", "http://"+srv.Addr()+path, nil)
		req.Header.Set("Authorization", "Bearer "+lastLine(out))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatalf("GET %s: %s: %v", path, resp.Status, err)
		}
	}
	type ticket struct {
		ID         string `json:"id"`
		Assignee   string `json:"assignee"`
		Transcript []struct {
			From string `json:"from"`
		} `json:"transcript"`
	}
	var claimed struct{ Tickets []ticket }
	get("/api/tickets?status=claimed", &claimed)
	if strconv.Itoa(len(claimed.Tickets)) != m[1] {
		t.Errorf("%d claimed tickets on the server, the report says %s replies", len(claimed.Tickets), m[1])
	}
	for _, c := range claimed.Tickets {
		var tk ticket
		get("/api/tickets/"+c.ID, &tk)
		agent := 0
		for _, e := range tk.Transcript {
			if e.From == "agent" {
				agent++
			}
		}
		if tk.Assignee != "loadagent" || agent != 1 {
			t.Errorf("ticket %s: assignee %q, %d agent entries; want loadagent's, one reply", c.ID, tk.Assignee, agent)
		}
	}
}

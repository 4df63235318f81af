// Package deploy holds the files that run triagebot elsewhere than a
// developer's shell: the Dockerfile, the systemd unit, the compose file and
// its proxy, the Grafana dashboard. These tests keep them true to the
// binary: the image's build command builds a static binary, every metric
// the dashboard plots is one the running server exports, and every flag and
// variable the files set is one `triagebot serve` reads.
package deploy

import (
	"bufio"
	"bytes"
	"context"
	"debug/elf"
	"encoding/json"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"go.yaml.in/yaml/v3"

	"github.com/triagebot/triagebot/intents/llm/llmfake"
	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/boltstore"
)

// repoRoot is the build context of the Dockerfile (docker build -f deploy/Dockerfile .).
const repoRoot = ".."

// scratch holds the image build, shared by the tests; TestMain removes it.
var scratch string

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "triagebot-deploy-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	scratch = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// dockerfile is what the tests need of deploy/Dockerfile.
type dockerfile struct {
	build      string // the RUN command that runs go build, without RUN and its flags
	finalFrom  string // image of the last stage
	finalUser  string // last USER of the last stage
	finalCopy  []string
	entrypoint string
}

// parseDockerfile reads the instructions, joining continued lines.
func parseDockerfile(text string) (dockerfile, error) {
	var d dockerfile
	var logical []string
	var cur strings.Builder
	for _, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		if cur.Len() == 0 && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
			continue
		}
		if strings.HasSuffix(trimmed, `\`) {
			cur.WriteString(strings.TrimSuffix(trimmed, `\`) + " ")
			continue
		}
		cur.WriteString(trimmed)
		logical = append(logical, cur.String())
		cur.Reset()
	}
	var builds []string
	for _, l := range logical {
		instr, rest, _ := strings.Cut(l, " ")
		rest = strings.TrimSpace(rest)
		switch strings.ToUpper(instr) {
		case "FROM":
			d.finalFrom, _, _ = strings.Cut(rest, " ")
			d.finalUser, d.finalCopy = "", nil
		case "USER":
			d.finalUser = rest
		case "COPY":
			d.finalCopy = append(d.finalCopy, rest)
		case "ENTRYPOINT":
			d.entrypoint = rest
		case "RUN":
			if !strings.Contains(rest, "go build") {
				continue
			}
			for strings.HasPrefix(rest, "--") { // --mount=..., --network=...
				_, rest, _ = strings.Cut(rest, " ")
				rest = strings.TrimSpace(rest)
			}
			builds = append(builds, rest)
		}
	}
	if len(builds) != 1 {
		return d, fmt.Errorf("want exactly one RUN with go build, found %d", len(builds))
	}
	d.build = builds[0]
	return d, nil
}

// ignoreRules are the .dockerignore patterns, in the subset Docker and
// this test read alike: names and globs anchored at the context root, and
// "**/glob" matching one path element at any depth.
type ignoreRules []string

func parseDockerignore(text string) (ignoreRules, error) {
	var rules ignoreRules
	for _, line := range strings.Split(text, "\n") {
		p := strings.TrimSpace(line)
		if p == "" || strings.HasPrefix(p, "#") {
			continue
		}
		rest := strings.TrimPrefix(p, "**/")
		if strings.HasPrefix(p, "!") || strings.Contains(rest, "**") || (rest != p && strings.Contains(rest, "/")) {
			return nil, fmt.Errorf(".dockerignore: %q is beyond what the test reads alike (no !, ** only as a **/NAME prefix)", p)
		}
		if _, err := filepath.Match(rest, ""); err != nil {
			return nil, fmt.Errorf(".dockerignore: %q: %w", p, err)
		}
		rules = append(rules, strings.TrimPrefix(filepath.Clean(p), "/"))
	}
	return rules, nil
}

// ignored says whether rel (slash-separated, relative to the context) is
// left out: a rule matching the path or any directory above it excludes it.
func (rules ignoreRules) ignored(rel string) bool {
	elems := strings.Split(rel, "/")
	for _, r := range rules {
		if any, ok := strings.CutPrefix(r, "**/"); ok {
			for _, e := range elems {
				if m, _ := filepath.Match(any, e); m {
					return true
				}
			}
			continue
		}
		for i := range elems {
			if m, _ := filepath.Match(r, strings.Join(elems[:i+1], "/")); m {
				return true
			}
		}
	}
	return false
}

// copyContext copies the repository into dst as docker build would send it.
func copyContext(src, dst string, rules ignoreRules) error {
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil || rel == "." {
			return err
		}
		if rules.ignored(filepath.ToSlash(rel)) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case d.Type().IsRegular():
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			return os.WriteFile(target, data, 0o644)
		}
		return nil // sockets, symlinks: nothing the build reads
	})
}

var (
	imageOnce sync.Once
	imageBin  string
	imageErr  error
)

// imageBinary builds triagebot the way deploy/Dockerfile does: its go build
// command, run on a copy of the build context made with .dockerignore. The
// binary is built once and shared by the tests.
func imageBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary as the Dockerfile does; skipped with -short")
	}
	imageOnce.Do(func() { imageBin, imageErr = buildAsDockerfile() })
	if imageErr != nil {
		t.Fatal(imageErr)
	}
	return imageBin
}

func buildAsDockerfile() (string, error) {
	df, err := os.ReadFile("Dockerfile")
	if err != nil {
		return "", err
	}
	d, err := parseDockerfile(string(df))
	if err != nil {
		return "", fmt.Errorf("Dockerfile: %w", err)
	}
	ign, err := os.ReadFile(filepath.Join(repoRoot, ".dockerignore"))
	if err != nil {
		return "", err
	}
	rules, err := parseDockerignore(string(ign))
	if err != nil {
		return "", err
	}
	ctxDir := filepath.Join(scratch, "context")
	if err := copyContext(repoRoot, ctxDir, rules); err != nil {
		return "", fmt.Errorf("copying the build context: %w", err)
	}
	// The image writes to /out; here a directory of the test's.
	out := filepath.Join(scratch, "out")
	cmdline := strings.ReplaceAll(d.build, "/out/", out+"/")
	cmd := exec.Command("sh", "-c", cmdline)
	cmd.Dir = ctxDir
	if output, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("the Dockerfile's build command failed on the context .dockerignore leaves (%s): %v\n%s", cmdline, err, output)
	}
	return filepath.Join(out, "triagebot"), nil
}

// TestDockerfile checks the image's shape and builds its binary: static
// (no interpreter, no shared libraries), without build paths, on a base
// with CA certificates and tzdata, run as a non-root user.
func TestDockerfile(t *testing.T) {
	df, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	d, err := parseDockerfile(string(df))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "-o /out/triagebot", "./cmd/triagebot"} {
		if !strings.Contains(d.build, want) {
			t.Errorf("build command %q lacks %s", d.build, want)
		}
	}
	if !strings.HasPrefix(d.finalFrom, "gcr.io/distroless/static") {
		t.Errorf("final image %q: want distroless/static (CA certificates, tzdata, no libc needed)", d.finalFrom)
	}
	if u, _, _ := strings.Cut(d.finalUser, ":"); u == "" || u == "root" || u == "0" {
		t.Errorf("final stage runs as %q; want a non-root USER", d.finalUser)
	}
	if !slices.ContainsFunc(d.finalCopy, func(c string) bool { return strings.Contains(c, "/out/triagebot /usr/local/bin/triagebot") }) {
		t.Errorf("final stage does not copy the built binary to /usr/local/bin/triagebot: %q", d.finalCopy)
	}
	if !strings.Contains(d.entrypoint, "/usr/local/bin/triagebot") {
		t.Errorf("ENTRYPOINT %q is not the binary", d.entrypoint)
	}

	bin := imageBinary(t)
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("binary has an ELF interpreter: it is dynamically linked")
		}
	}
	if libs, err := f.ImportedLibraries(); err != nil || len(libs) > 0 {
		t.Errorf("binary needs shared libraries %v (err %v)", libs, err)
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte(filepath.Join(scratch, "context"))) {
		t.Error("binary contains the build directory's path: -trimpath did not apply")
	}
}

func TestDockerignore(t *testing.T) {
	rules, err := parseDockerignore(".git\n**/*.test\ndocs\ndata/*.db\n# c\n\n")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path string
		want bool
	}{
		{".git/config", true},
		{"cmd/triagebot/triagebot.test", true},
		{"x.test", true},
		{"docs", true},
		{"docs/a/b.md", true},
		{"data/x.db", true},
		{"data/x.txt", false},
		{"cmd/docs/x.go", false},
		{"intents/testdata/examples.jsonl", false},
	} {
		if got := rules.ignored(c.path); got != c.want {
			t.Errorf("ignored(%q) = %v, want %v", c.path, got, c.want)
		}
	}
	for _, bad := range []string{"!keep", "a/**/b", "**/a/b"} {
		if _, err := parseDockerignore(bad); err == nil {
			t.Errorf("pattern %q accepted; the test cannot read it as Docker does", bad)
		}
	}
}

// --- the running server ---

// server is the image's binary running on a temporary bbolt file.
type server struct {
	addr string
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
	logs *lockedBuffer
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var servingLine = regexp.MustCompile(`msg=serving addr=(\S+)`)

// startServer runs bin serve with args and env (nothing of the test's own
// TRIAGEBOT_, TELEGRAM_ or OPENAI_ variables) in an empty directory, so the
// pages it serves can only come from the binary itself.
func startServer(t *testing.T, bin string, env []string, args ...string) *server {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "-addr", "127.0.0.1:0"}, args...)...)
	cmd.Dir = t.TempDir()
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "TRIAGEBOT_") && !strings.HasPrefix(kv, "TELEGRAM_") && !strings.HasPrefix(kv, "OPENAI_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, done: make(chan struct{}), logs: &lockedBuffer{}}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	// Owned by the process: it ends when the process closes stderr.
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			fmt.Fprintln(s.logs, sc.Text())
			if m := servingLine.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case addr <- m[1]:
				default:
				}
			}
		}
		cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.done:
		case <-time.After(time.Minute):
			cmd.Process.Kill()
			<-s.done
		}
		if t.Failed() {
			t.Logf("server log:\n%s", s.logs)
		}
	})
	select {
	case s.addr = <-addr:
	case <-s.done:
		t.Fatalf("server exited before serving:\n%s", s.logs)
	case <-time.After(2 * time.Minute):
		t.Fatalf("server did not start:\n%s", s.logs)
	}
	return s
}

func (s *server) get(t *testing.T, path string) (int, string) {
	t.Helper()
	resp, err := http.Get("http://" + s.addr + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

// scrape returns the names of the samples /metrics exports.
func (s *server) scrape(t *testing.T) map[string]bool {
	t.Helper()
	code, body := s.get(t, "/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics: %d %s", code, body)
	}
	return sampleNames(body)
}

// sampleNames reads the names of the samples of a Prometheus text exposition.
func sampleNames(text string) map[string]bool {
	names := map[string]bool{}
	for _, line := range strings.Split(text, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if i := strings.IndexAny(line, "{ "); i > 0 {
			names[line[:i]] = true
		}
	}
	return names
}

// fakeTelegram is the Bot API as far as serve uses it: getMe at start, an
// idle long poll, and sendMessage for the agent chat's notices, the first
// of which Telegram refuses (a 400: the notice is dropped) and the rest
// succeed.
func fakeTelegram(t *testing.T) *httptest.Server {
	var sends atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		method := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
		w.Header().Set("Content-Type", "application/json")
		switch method {
		case "getMe":
			fmt.Fprint(w, `{"ok":true,"result":{"id":42,"is_bot":true,"first_name":"Triage","username":"triage_test_bot"}}`)
		case "getUpdates":
			// Nothing from users; hold the poll a little, as Telegram does.
			select {
			case <-r.Context().Done():
			case <-time.After(time.Second):
			}
			fmt.Fprint(w, `{"ok":true,"result":[]}`)
		case "sendMessage":
			if sends.Add(1) == 1 {
				w.WriteHeader(http.StatusBadRequest)
				fmt.Fprint(w, `{"ok":false,"error_code":400,"description":"Bad Request: message text is empty"}`)
				return
			}
			fmt.Fprintf(w, `{"ok":true,"result":{"message_id":%d,"date":%d,"chat":{"id":-100,"type":"group"}}}`, sends.Load(), time.Now().Unix())
		default:
			fmt.Fprint(w, `{"ok":true,"result":true}`)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// overdueTicket stores a ticket whose SLA passed while no server ran: the
// server's first sweep records its breach.
func overdueTicket(t *testing.T, path string) {
	t.Helper()
	st, err := boltstore.Open(path, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	err = st.Update(context.Background(), func(tx tickets.Tx) error {
		return tx.CreateTicket(&tickets.Ticket{
			Status: tickets.Open, Intent: "payment_not_received", Priority: tickets.High, Queue: "payments",
			SLADue: now.Add(-time.Hour), Channel: tickets.Web, User: tickets.User{ID: "u-overdue", Name: "Ada"},
			Lang: "en", ConversationID: "c-overdue", CreatedAt: now.Add(-2 * time.Hour), UpdatedAt: now.Add(-2 * time.Hour),
		})
	})
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
}

// widget is a user on the chat widget's WebSocket.
type widget struct {
	t *testing.T
	c *websocket.Conn
}

func openWidget(t *testing.T, addr string) *widget {
	t.Helper()
	c, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	w := &widget{t: t, c: c}
	if f := w.read(); f["type"] != "session" {
		t.Fatalf("first frame %v, want the session", f)
	}
	return w
}

// read returns the next frame, acknowledging it as a client that shows it.
func (w *widget) read() map[string]any {
	w.t.Helper()
	w.c.SetReadDeadline(time.Now().Add(time.Minute))
	var f map[string]any
	if err := w.c.ReadJSON(&f); err != nil {
		w.t.Fatalf("reading a frame: %v", err)
	}
	if id, ok := f["id"].(string); ok && f["type"] == "message" {
		w.send(map[string]string{"type": "ack", "id": id})
	}
	return f
}

func (w *widget) send(v any) {
	w.t.Helper()
	w.c.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if err := w.c.WriteJSON(v); err != nil {
		w.t.Fatal(err)
	}
}

// await reads frames until one of type typ.
func (w *widget) await(typ string) {
	w.t.Helper()
	for w.read()["type"] != typ {
	}
}

// say sends text and waits for the bot's answer.
func (w *widget) say(text string) {
	w.t.Helper()
	w.send(map[string]string{"type": "message", "text": text})
	w.await("message")
}

// dashboardExprs returns every PromQL expression of every panel, rows'
// collapsed panels included, by panel title.
func dashboardExprs(t *testing.T, path string) map[string][]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	type panel struct {
		Type    string  `json:"type"`
		Title   string  `json:"title"`
		Panels  []panel `json:"panels"`
		Targets []struct {
			Expr string `json:"expr"`
		} `json:"targets"`
	}
	var dash struct {
		Title  string  `json:"title"`
		UID    string  `json:"uid"`
		Panels []panel `json:"panels"`
	}
	if err := json.Unmarshal(data, &dash); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if dash.Title == "" || dash.UID == "" {
		t.Errorf("%s: a dashboard needs a title and a uid", path)
	}
	out := map[string][]string{}
	var walk func([]panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			walk(p.Panels)
			if p.Type == "row" {
				continue
			}
			if len(p.Targets) == 0 {
				t.Errorf("panel %q has no query", p.Title)
			}
			for _, tg := range p.Targets {
				out[p.Title] = append(out[p.Title], tg.Expr)
			}
		}
	}
	walk(dash.Panels)
	return out
}

var (
	promStrings   = regexp.MustCompile(`"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'`)
	promMatchers  = regexp.MustCompile(`\{[^{}]*\}`)
	promRanges    = regexp.MustCompile(`\[[^\]]*\]`)
	promGrouping  = regexp.MustCompile(`\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)`)
	promVariables = regexp.MustCompile(`\$\{[^}]*\}|\$\w+`)
	promNumbers   = regexp.MustCompile(`\b[0-9][0-9A-Za-z.]*`) // 0.95, 1e3, offset 1h30m
	promIdent     = regexp.MustCompile(`[A-Za-z_:][A-Za-z0-9_:]*(\s*\()?`)
	promKeywords  = map[string]bool{"by": true, "without": true, "on": true, "ignoring": true, "group_left": true,
		"group_right": true, "bool": true, "and": true, "or": true, "unless": true, "offset": true, "inf": true, "nan": true}
)

// metricNames extracts the metric names a PromQL expression selects: what
// is left once strings, label matchers, ranges, grouping clauses, Grafana
// variables, numbers, function calls and keywords are taken out.
func metricNames(expr string) []string {
	e := promStrings.ReplaceAllString(expr, `""`)
	e = promVariables.ReplaceAllString(e, "")
	e = promMatchers.ReplaceAllString(e, " ")
	e = promRanges.ReplaceAllString(e, " ")
	e = promGrouping.ReplaceAllString(e, " ")
	e = promNumbers.ReplaceAllString(e, " ")
	var names []string
	for _, m := range promIdent.FindAllString(e, -1) {
		if strings.HasSuffix(m, "(") || promKeywords[strings.ToLower(m)] {
			continue // a function or an aggregation
		}
		if !slices.Contains(names, m) {
			names = append(names, m)
		}
	}
	return names
}

func TestMetricNames(t *testing.T) {
	for _, c := range []struct {
		expr string
		want []string
	}{
		{`sum by (route) (rate(triagebot_http_requests_total{instance=~"$instance"}[$__rate_interval]))`, []string{"triagebot_http_requests_total"}},
		{`histogram_quantile(0.95, sum by (le, op) (rate(x_bucket{a="b{c}"}[5m])))`, []string{"x_bucket"}},
		{`a / ignoring(code) group_left b{code=~"5.."} offset 1h > bool 0`, []string{"a", "b"}},
		{`max by (status, queue, priority) (triagebot_tickets{status!="resolved"}) or vector(0)`, []string{"triagebot_tickets"}},
		{`process_open_fds{instance=~"${instance}"} * 2`, []string{"process_open_fds"}},
	} {
		if got := metricNames(c.expr); !slices.Equal(got, c.want) {
			t.Errorf("metricNames(%q) = %q, want %q", c.expr, got, c.want)
		}
	}
}

// TestDashboardMetricsExist runs the image's binary with every part that
// has metrics switched on (Telegram and an LLM endpoint, both faked here),
// drives it until each kind of event has happened once, and checks that
// every metric the dashboard plots is among the samples /metrics exports.
// Series of a labelled metric appear only once something was counted, so
// the events are real: a chat, a refused frame, an LLM failure, a refused
// handshake, an SLA breach, a failed and a sent Telegram notice.
func TestDashboardMetricsExist(t *testing.T) {
	want := map[string][]string{} // metric -> panels
	for title, exprs := range dashboardExprs(t, "grafana/triagebot.json") {
		for _, e := range exprs {
			names := metricNames(e)
			if len(names) == 0 {
				t.Errorf("panel %q: no metric in %q", title, e)
			}
			for _, n := range names {
				if !pgOnlyMetrics[n] { // TestPostgresMetrics checks those
					want[n] = append(want[n], title)
				}
			}
		}
	}
	bin := imageBinary(t)

	db := filepath.Join(t.TempDir(), "triagebot.db")
	overdueTicket(t, db)
	tg := fakeTelegram(t)
	var llmDown atomic.Bool
	llmSrv := httptest.NewServer(llmfake.New(func(r llmfake.Request) llmfake.Reply {
		if llmDown.Load() {
			return llmfake.Reply{Status: http.StatusInternalServerError, Body: `{"error":{"message":"down"}}`}
		}
		return llmfake.Reply{} // the offline classifier's reading
	}))
	t.Cleanup(llmSrv.Close)
	s := startServer(t, bin, []string{
		"TRIAGEBOT_DB=" + db,
		"TELEGRAM_BOT_TOKEN=123:test",
		"TELEGRAM_API_ENDPOINT=" + tg.URL + "/bot%s/%s",
		"TELEGRAM_AGENT_CHAT_ID=-100",
		"OPENAI_API_KEY=test",
		"OPENAI_BASE_URL=" + llmSrv.URL + "/v1",
	},
		// One handshake per address, loopback included: the second is refused.
		"-ip-conn-limit", "1/1h", "-ip-limit-exempt", "")

	// The binary serves its pages from itself (its directory is empty).
	for _, path := range []string{"/", "/agent", "/embed.js", "/healthz"} {
		if code, _ := s.get(t, path); code != http.StatusOK {
			t.Errorf("GET %s: %d, want 200 from the embedded assets", path, code)
		}
	}

	w := openWidget(t, s.addr)
	w.send(map[string]string{"type": "no-such-frame"}) // refused: an error frame
	w.await("error")
	w.say("hmm") // the offline engine is unsure: the LLM is asked
	w.say("hmm") // the same again: the classifier's cache answers
	llmDown.Store(true)
	w.say("erm") // the LLM fails: the offline answer stands in
	// The per-address limit refuses a second handshake, before the upgrade.
	if c, resp, err := websocket.DefaultDialer.Dial("ws://"+s.addr+"/ws", nil); err == nil {
		c.Close()
		t.Error("second handshake from one address accepted with -ip-conn-limit 1/1h")
	} else if resp != nil {
		resp.Body.Close()
	}

	// The events are counted asynchronously (the sweep, the notice sender):
	// scrape until every wanted metric is there, or report what never came.
	var missing []string
	eventually(func() bool {
		got := s.scrape(t)
		missing = missing[:0]
		for n := range want {
			if !got[n] {
				missing = append(missing, n)
			}
		}
		return len(missing) == 0
	})
	slices.Sort(missing)
	for _, n := range missing {
		t.Errorf("dashboard plots %s (panels %q), which /metrics never exported", n, want[n])
	}
}

// --- flags and variables the files set ---

// known is what `triagebot serve` reads: its flags and its environment.
type known struct {
	flags, env map[string]bool
}

var (
	helpFlag = regexp.MustCompile(`(?m)^\s+-([a-z0-9][a-z0-9-]*)`)
	helpEnv  = regexp.MustCompile(`\benv ([A-Z][A-Z0-9_]+)`)
	// productVar is a name of the product's environment, wherever it is written.
	productVar = regexp.MustCompile(`\b(?:TRIAGEBOT|TELEGRAM|OPENAI)_[A-Z0-9_]+\b`)
)

// serveKnows reads serve's flags and variables from `serve -h`, and the
// variables read without a flag (the tokens, Telegram's and the LLM's
// settings) from the getenv calls of parseServe in cmd/triagebot/config.go.
func serveKnows(t *testing.T, bin string) known {
	t.Helper()
	cmd := exec.Command(bin, "serve", "-h")
	cmd.Env = []string{}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("serve -h: %v", err)
	}
	k := known{flags: map[string]bool{}, env: map[string]bool{}}
	for _, m := range helpFlag.FindAllStringSubmatch(string(out), -1) {
		k.flags[m[1]] = true
	}
	for _, m := range helpEnv.FindAllStringSubmatch(string(out), -1) {
		k.env[m[1]] = true
	}
	if !k.flags["db"] || !k.flags["addr"] || !k.env["TRIAGEBOT_DB"] {
		t.Fatalf("serve -h lists no -db, -addr or TRIAGEBOT_DB; the parse is wrong:\n%s", out)
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, filepath.Join(repoRoot, "cmd", "triagebot", "config.go"), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var body *ast.BlockStmt
	for _, d := range f.Decls {
		if fn, ok := d.(*ast.FuncDecl); ok && fn.Name.Name == "parseServe" {
			body = fn.Body
		}
	}
	if body == nil {
		t.Fatal("cmd/triagebot/config.go: no parseServe")
	}
	ast.Inspect(body, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		if id, ok := call.Fun.(*ast.Ident); !ok || (id.Name != "getenv" && id.Name != "env") {
			return true
		}
		for _, a := range call.Args {
			if lit, ok := a.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if name, err := strconv.Unquote(lit.Value); err == nil && productVar.MatchString(name) {
					k.env[name] = true
				}
			}
		}
		return true
	})
	for _, v := range []string{"TELEGRAM_BOT_TOKEN", "OPENAI_API_KEY"} {
		if !k.env[v] {
			t.Fatalf("parseServe reads no %s; the parse is wrong", v)
		}
	}
	return k
}

// unknownVars lists the product variables text names that serve does not read.
func (k known) unknownVars(text string) []string {
	var bad []string
	for _, v := range productVar.FindAllString(text, -1) {
		if !k.env[v] && !slices.Contains(bad, v) {
			bad = append(bad, v)
		}
	}
	return bad
}

// unknownFlags lists the flags of a serve command line that serve lacks.
func (k known) unknownFlags(args []string) []string {
	var bad []string
	for _, a := range args {
		if !strings.HasPrefix(a, "-") {
			continue
		}
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !k.flags[name] {
			bad = append(bad, a)
		}
	}
	return bad
}

func TestKnownChecks(t *testing.T) {
	k := known{flags: map[string]bool{"db": true}, env: map[string]bool{"TRIAGEBOT_DB": true}}
	if got := k.unknownVars("TRIAGEBOT_DB=x\n#TRIAGEBOT_DATABASE=y TELEGRAM_TOKEN"); !slices.Equal(got, []string{"TRIAGEBOT_DATABASE", "TELEGRAM_TOKEN"}) {
		t.Errorf("unknownVars = %q", got)
	}
	if got := k.unknownFlags([]string{"serve", "-db", "x", "--db=y", "-dbfile"}); !slices.Equal(got, []string{"-dbfile"}) {
		t.Errorf("unknownFlags = %q", got)
	}
}

// unit is a systemd unit file: section -> key -> values, in order.
type unit map[string]map[string][]string

func parseUnit(text string) (unit, error) {
	u := unit{}
	section := ""
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = strings.Trim(line, "[]")
			u[section] = map[string][]string{}
		default:
			key, value, ok := strings.Cut(line, "=")
			if !ok || section == "" {
				return nil, fmt.Errorf("line %d: %q is not KEY=VALUE in a section", i+1, line)
			}
			u[section][key] = append(u[section][key], value)
		}
	}
	return u, nil
}

// TestSystemdUnit: the unit is hardened as asked, keeps the bbolt file in
// its state directory, reads secrets from an EnvironmentFile, and sets only
// flags and variables serve reads. systemd-analyze verify runs when present.
func TestSystemdUnit(t *testing.T) {
	bin := imageBinary(t)
	k := serveKnows(t, bin)
	text, err := os.ReadFile("triagebot.service")
	if err != nil {
		t.Fatal(err)
	}
	u, err := parseUnit(string(text))
	if err != nil {
		t.Fatal(err)
	}
	svc := u["Service"]
	for key, want := range map[string]string{
		"DynamicUser": "yes", "StateDirectory": "triagebot", "ProtectSystem": "strict",
		"NoNewPrivileges": "yes", "Restart": "on-failure", "EnvironmentFile": "-/etc/triagebot/triagebot.env",
		"ProtectHome": "yes", "PrivateTmp": "yes", "CapabilityBoundingSet": "",
	} {
		if got := svc[key]; len(got) != 1 || got[0] != want {
			t.Errorf("[Service] %s = %q, want %q", key, got, want)
		}
	}
	start := strings.Fields(strings.Join(svc["ExecStart"], " "))
	if len(start) < 2 || start[0] != "/usr/local/bin/triagebot" || start[1] != "serve" {
		t.Errorf("ExecStart %q: want /usr/local/bin/triagebot serve ...", start)
	}
	if bad := k.unknownFlags(start); len(bad) > 0 {
		t.Errorf("ExecStart passes flags serve does not know: %q", bad)
	}
	if bad := k.unknownVars(string(text)); len(bad) > 0 {
		t.Errorf("triagebot.service names variables serve does not read: %q", bad)
	}
	env := map[string]string{}
	for _, e := range svc["Environment"] {
		kv, v, _ := strings.Cut(e, "=")
		env[kv] = v
	}
	if !strings.HasPrefix(env["TRIAGEBOT_DB"], "/var/lib/triagebot/") {
		t.Errorf("TRIAGEBOT_DB %q is not in the StateDirectory /var/lib/triagebot", env["TRIAGEBOT_DB"])
	}
	if timeout, err := time.ParseDuration(svc["TimeoutStopSec"][0]); err != nil || timeout <= 10*time.Second {
		t.Errorf("TimeoutStopSec %q: want longer than the 10s -shutdown-timeout", svc["TimeoutStopSec"])
	}

	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Log("systemd-analyze not installed; unit not verified by systemd")
		return
	}
	// verify wants ExecStart's binary to exist: point it at the one built.
	tmp := filepath.Join(t.TempDir(), "triagebot.service")
	if err := os.WriteFile(tmp, bytes.ReplaceAll(text, []byte("/usr/local/bin/triagebot"), []byte(bin)), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", tmp).CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}

func TestEnvExample(t *testing.T) {
	k := serveKnows(t, imageBinary(t))
	text, err := os.ReadFile("triagebot.env.example")
	if err != nil {
		t.Fatal(err)
	}
	if bad := k.unknownVars(string(text)); len(bad) > 0 {
		t.Errorf("triagebot.env.example names variables serve does not read: %q", bad)
	}
}

// composeFile is what the tests read of compose.yaml (anchors and merges
// resolved by the YAML decoder, as compose does).
type composeFile struct {
	Services map[string]composeService `yaml:"services"`
	Volumes  map[string]any            `yaml:"volumes"`
}

type composeService struct {
	Image       string            `yaml:"image"`
	Build       any               `yaml:"build"`
	Command     []string          `yaml:"command"`
	Environment map[string]string `yaml:"environment"`
	DependsOn   map[string]struct {
		Condition string `yaml:"condition"`
	} `yaml:"depends_on"`
	Healthcheck struct {
		Test []string `yaml:"test"`
	} `yaml:"healthcheck"`
	Volumes  []string `yaml:"volumes"`
	Networks any      `yaml:"networks"`
}

// TestCompose: PostgreSQL 15 with a health check and a volume; at least two
// triagebot replicas on it, started once it is healthy, setting only what
// serve reads; Caddy in front, trusted for X-Forwarded-For, with every
// replica in its Caddyfile.
func TestCompose(t *testing.T) {
	k := serveKnows(t, imageBinary(t))
	text, err := os.ReadFile("compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var c composeFile
	if err := yaml.Unmarshal(text, &c); err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	if bad := k.unknownVars(string(text)); len(bad) > 0 {
		t.Errorf("compose.yaml names variables serve does not read: %q", bad)
	}
	pg, ok := c.Services["postgres"]
	if !ok || pg.Image != "postgres:15" {
		t.Fatalf("want a postgres service on the official postgres:15 image, got %+v", pg)
	}
	if !slices.ContainsFunc(pg.Healthcheck.Test, func(s string) bool { return strings.Contains(s, "pg_isready") }) {
		t.Errorf("postgres health check %q does not run pg_isready", pg.Healthcheck.Test)
	}
	if !slices.ContainsFunc(pg.Volumes, func(v string) bool { return strings.HasSuffix(v, ":/var/lib/postgresql/data") }) {
		t.Errorf("postgres volumes %q: the data directory is not on a volume", pg.Volumes)
	}

	var replicas []string
	for name, s := range c.Services {
		if s.Image != "triagebot:local" {
			continue
		}
		replicas = append(replicas, name)
		if s.Build == nil {
			t.Errorf("%s: no build section (deploy/Dockerfile)", name)
		}
		if db := s.Environment["TRIAGEBOT_DB"]; !strings.HasPrefix(db, "postgres://") {
			t.Errorf("%s: TRIAGEBOT_DB %q is not a postgres:// URL; replicas cannot share a bbolt file", name, db)
		}
		if s.DependsOn["postgres"].Condition != "service_healthy" {
			t.Errorf("%s: does not wait for postgres to be healthy", name)
		}
		if len(s.Command) == 0 || s.Command[0] != "serve" {
			t.Errorf("%s: command %q does not run serve", name, s.Command)
		}
		if bad := k.unknownFlags(s.Command); len(bad) > 0 {
			t.Errorf("%s: flags serve does not know: %q", name, bad)
		}
		for v := range s.Environment {
			if !k.env[v] {
				t.Errorf("%s: environment %s is not read by serve", name, v)
			}
		}
		if addr := s.Environment["TRIAGEBOT_ADDR"]; addr != "0.0.0.0:8080" {
			t.Errorf("%s: TRIAGEBOT_ADDR %q; the Caddyfile expects 0.0.0.0:8080", name, addr)
		}
	}
	slices.Sort(replicas)
	if len(replicas) < 2 {
		t.Fatalf("replicas %q: want two", replicas)
	}

	proxy, ok := c.Services["proxy"]
	if !ok || !strings.HasPrefix(proxy.Image, "caddy:") {
		t.Fatalf("want a proxy service on the caddy image, got %+v", proxy)
	}
	if !slices.Contains(proxy.Volumes, "./Caddyfile:/etc/caddy/Caddyfile:ro") {
		t.Errorf("proxy volumes %q do not mount ./Caddyfile", proxy.Volumes)
	}
	// The proxy's fixed address must be the one the replicas trust.
	nets, _ := proxy.Networks.(map[string]any)
	backend, _ := nets["backend"].(map[string]any)
	ip, _ := backend["ipv4_address"].(string)
	for _, r := range replicas {
		if got := c.Services[r].Environment["TRIAGEBOT_TRUSTED_PROXIES"]; ip == "" || got != ip+"/32" {
			t.Errorf("%s trusts %q, the proxy is at %q", r, got, ip)
		}
	}
	caddy, err := os.ReadFile("Caddyfile")
	if err != nil {
		t.Fatal(err)
	}
	var upstreams []string
	for _, line := range strings.Split(string(caddy), "\n") {
		if f := strings.Fields(line); len(f) > 2 && f[0] == "reverse_proxy" && f[len(f)-1] == "{" {
			upstreams = append(upstreams, f[1:len(f)-1]...)
		}
	}
	slices.Sort(upstreams)
	var want []string
	for _, r := range replicas {
		want = append(want, r+":8080")
	}
	if !slices.Equal(upstreams, want) {
		t.Errorf("Caddyfile upstreams %q, want every replica %q", upstreams, want)
	}
}

// TestCaddyfile: nothing in it cuts or holds a stream, and Caddy itself
// accepts it (when installed).
func TestCaddyfile(t *testing.T) {
	text, err := os.ReadFile("Caddyfile")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ re, why string }{
		{`(?m)^\s*(write|read_body)\s`, "a write or read_body timeout would cut WebSocket and SSE streams"},
		{`(?m)^\s*(read_timeout|response_header_timeout)\s`, "an upstream read timeout would cut a quiet stream"},
		{`(?m)^\s*flush_interval\s+-`, "flush_interval -1 keeps upstream streams open after the client left (TestCaddyPassesStreams)"},
	} {
		if regexp.MustCompile(c.re).Match(text) {
			t.Errorf("Caddyfile: %s", c.why)
		}
	}
	caddyBin, err := exec.LookPath("caddy")
	if err != nil {
		t.Skip("caddy not installed; Caddyfile not validated by Caddy")
	}
	out, err := exec.Command(caddyBin, "validate", "--config", "Caddyfile", "--adapter", "caddyfile").CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("Valid configuration")) {
		t.Errorf("caddy validate: %v\n%s", err, out)
	}
	if bytes.Contains(out, []byte("not formatted")) {
		t.Error("Caddyfile is not formatted: run caddy fmt --overwrite deploy/Caddyfile")
	}
}

// TestCaddyPassesStreams runs Caddy (when installed) with the Caddyfile in
// front of the binary and goes through it the way the widget and the
// console do: a WebSocket dialogue, and an event stream whose events
// arrive while it stays open, so nothing on the way buffers them.
func TestCaddyPassesStreams(t *testing.T) {
	if _, err := exec.LookPath("caddy"); err != nil {
		t.Skip("caddy not installed")
	}
	bin := imageBinary(t)
	db := filepath.Join(t.TempDir(), "triagebot.db")
	overdueTicket(t, db)
	st, err := boltstore.Open(db, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = st.Update(context.Background(), func(tx tickets.Tx) error {
		return tx.CreateAgent(&tickets.Agent{Name: "amy", Admin: true, TokenHash: tickets.HashToken("amy-token"), CreatedAt: time.Now()})
	})
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	s := startServer(t, bin, []string{"TRIAGEBOT_DB=" + db})
	proxy := startCaddy(t, s.addr)

	ev := openEvents(t, proxy, "amy-token")
	claim, err := http.NewRequest(http.MethodPost, "http://"+proxy+"/api/tickets/T-000001/claim", nil)
	if err != nil {
		t.Fatal(err)
	}
	claim.Header.Set("Authorization", "Bearer amy-token")
	cresp, err := http.DefaultClient.Do(claim)
	if err != nil {
		t.Fatal(err)
	}
	cresp.Body.Close()
	if cresp.StatusCode != http.StatusOK {
		t.Fatalf("claim through caddy: %d", cresp.StatusCode)
	}
	ev.next("the claim's event", func(l string) bool { return strings.HasPrefix(l, "data:") && strings.Contains(l, "T-000001") })

	// The agent leaves: the replica's stream must end too, or streams
	// would pile up on it. Its handler is counted when it returns.
	ev.close()
	if !eventually(func() bool { return s.streamsEnded(t) == 1 }) {
		t.Fatal("the replica's event stream stayed open after the client left through caddy")
	}

	// The widget's WebSocket, through the proxy.
	w := openWidget(t, proxy)
	w.say("hello")
}

// streamsEnded is how many event streams the server has finished.
func (s *server) streamsEnded(t *testing.T) int {
	t.Helper()
	_, body := s.get(t, "/metrics")
	m := regexp.MustCompile(`(?m)^triagebot_http_requests_total\{code="200",route="GET /api/events"\} (\d+)$`).FindStringSubmatch(body)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// startCaddy runs the Caddyfile as shipped on a free port, with upstreams
// in place of the compose services, and returns its address once it
// proxies /healthz. Caddy must stop on SIGTERM at the end: it would not
// while a proxied stream stayed open.
func startCaddy(t *testing.T, upstreams ...string) string {
	t.Helper()
	caddyBin, err := exec.LookPath("caddy")
	if err != nil {
		t.Skip("caddy not installed")
	}
	text, err := os.ReadFile("Caddyfile")
	if err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	conf := regexp.MustCompile(`(?m)^(\s*)reverse_proxy .*\{$`).ReplaceAll(text, []byte("${1}reverse_proxy "+strings.Join(upstreams, " ")+" {"))
	conf = bytes.Replace(conf, []byte("\n:80 {"), []byte("\n:"+port+" {"), 1)
	if bytes.Equal(conf, text) || !bytes.Contains(conf, []byte(":"+port+" {")) {
		t.Fatal("Caddyfile: no `reverse_proxy UPSTREAMS {` line or no `:80 {` site to point at the test server")
	}
	confPath := filepath.Join(t.TempDir(), "Caddyfile")
	if err := os.WriteFile(confPath, conf, 0o644); err != nil {
		t.Fatal(err)
	}
	caddy := exec.Command(caddyBin, "run", "--config", confPath, "--adapter", "caddyfile")
	caddy.Env = append(os.Environ(), "HOME="+t.TempDir(), "XDG_DATA_HOME="+t.TempDir(), "XDG_CONFIG_HOME="+t.TempDir())
	logs := &lockedBuffer{}
	caddy.Stdout, caddy.Stderr = logs, logs
	if err := caddy.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { caddy.Wait(); close(exited) }()
	t.Cleanup(func() {
		caddy.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			t.Error("caddy did not shut down on SIGTERM: a proxied stream is still open")
			caddy.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("caddy log:\n%s", logs)
		}
	})
	proxy := "127.0.0.1:" + port
	ready := eventually(func() bool {
		resp, err := http.Get("http://" + proxy + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	if !ready {
		t.Fatal("caddy did not proxy /healthz")
	}
	return proxy
}

// events is an agent's event stream (GET /api/events), read line by line.
type events struct {
	t      *testing.T
	lines  chan string
	cancel context.CancelFunc
	body   io.Closer
}

// openEvents opens the stream through addr and waits for its opening
// comment: a few bytes only, which a buffering proxy would hold back.
func openEvents(t *testing.T, addr, token string) *events {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/api/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	ev := &events{t: t, lines: make(chan string), cancel: cancel, body: resp.Body}
	t.Cleanup(ev.close)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("events through %s: %d %s", addr, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	// Owned by the stream: it ends when the stream is closed.
	go func() {
		defer close(ev.lines)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			select {
			case ev.lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
	}()
	ev.next("the stream's opening comment", func(l string) bool { return l == ": stream open" })
	return ev
}

// next reads lines until one matches, for at most a minute.
func (ev *events) next(what string, match func(string) bool) {
	ev.t.Helper()
	timeout := time.After(time.Minute)
	for {
		select {
		case l, ok := <-ev.lines:
			if !ok {
				ev.t.Fatalf("event stream ended before %s", what)
			}
			if match(l) {
				return
			}
		case <-timeout:
			ev.t.Fatalf("no %s within a minute: the stream is buffered", what)
		}
	}
}

// close leaves the stream, as an agent closing the console does.
func (ev *events) close() {
	ev.cancel()
	ev.body.Close()
}

// eventually polls cond until it holds, for at most a minute: for what
// happens asynchronously (a process starting, a stream ending) and can only
// be observed from outside.
func eventually(cond func() bool) bool {
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(100 * time.Millisecond)
	}
	return true
}

// freePort finds a port nothing listens on (for Caddy, which cannot report
// the one it picked).
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port
}

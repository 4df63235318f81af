package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
)

func init() {
	commands["loadtest"] = command{"drive WebSocket conversations against local servers: loadtest -addr HOST:PORT[,HOST:PORT…] -conns N -rate R -duration D [-cross -agent-token-file F | -idle] [-pid PID[,PID…]]",
		runLoadtest}
}

// Bounds of the load test: it is a tool for a developer's own machine, not
// a weapon, so it only talks to loopback and stops by itself.
const (
	maxLoadConns    = 20000 // below the ~28,000 ephemeral ports of one source address
	maxLoadRate     = 5000  // user frames per second
	maxLoadDuration = 10 * time.Minute
	loadDialers     = 64                     // connections opened at once
	loadTurnWait    = 5 * time.Second        // a user message unanswered this long is an error
	loadQuiet       = 300 * time.Millisecond // silence that ends a burst of bot frames
	loadMaxTurns    = 14                     // user turns before a dialogue starts over
	loadWriteWait   = 10 * time.Second
	maxLoadReplicas = 16 // addresses in -addr or -agent-addr
)

// errLoadAddr refuses a target that is not this machine.
var errLoadAddr = errors.New("loadtest only targets loopback addresses")

// loadOptions are the loadtest flags.
type loadOptions struct {
	addrs    []string // session i talks to addrs[i % len]
	conns    int
	rate     float64
	duration time.Duration
	idle     bool
	pids     []int // the servers' processes (and a database's postmaster), for their memory or CPU

	// The cross mode: every ticket a dialogue ends in is claimed and
	// answered through the agent API on another replica than the user's.
	cross      bool
	agentAddrs []string // a user on addrs[i] is answered on agentAddrs[(i+1) % len]
	agentToken string
}

func parseLoadOptions(args []string, sio stdio) (loadOptions, error) {
	var o loadOptions
	getenv := sio.getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	var addrs, agentAddrs, tokenFile, pids string
	fs := newFlags("loadtest", "[flags]")
	fs.StringVar(&addrs, "addr", env(getenv, "TRIAGEBOT_ADDR", defaultAddr),
		"server address, or replicas' addresses separated by commas (sessions go round-robin), loopback only (env TRIAGEBOT_ADDR)")
	fs.BoolVar(&o.cross, "cross", false,
		"end every dialogue's ticket with an agent's reply posted to another replica, and time its delivery to the user")
	fs.StringVar(&agentAddrs, "agent-addr", "",
		"with -cross: addresses of the agent API (default: -addr); a user on the i-th -addr is answered on the (i+1)-th of these")
	fs.StringVar(&tokenFile, "agent-token-file", "", "with -cross: file holding an agent's token (default: env TRIAGEBOT_AGENT_TOKEN)")
	fs.IntVar(&o.conns, "conns", 50, fmt.Sprintf("concurrent sessions (active) or connections (idle), at most %d", maxLoadConns))
	fs.Float64Var(&o.rate, "rate", 20, fmt.Sprintf("user frames per second over all sessions, at most %d", maxLoadRate))
	fs.DurationVar(&o.duration, "duration", 30*time.Second, fmt.Sprintf("how long to run (idle: how long to hold), at most %s", maxLoadDuration))
	fs.BoolVar(&o.idle, "idle", false, "open -conns idle connections and hold them instead of talking")
	fs.StringVar(&pids, "pid", "", "the servers' process ids, separated by commas: with -idle their memory (VmRSS) is reported, "+
		"otherwise their CPU time per bot turn, live child processes included (so a PostgreSQL postmaster's id covers its backends)")
	if err := parseFlags(fs, args, sio); err != nil {
		return o, err
	}
	switch {
	case fs.NArg() > 0:
		return o, badUsage(fs, sio, "unexpected argument %q", fs.Arg(0))
	case o.conns < 1 || o.conns > maxLoadConns:
		return o, fmt.Errorf("loadtest: -conns %d: want 1..%d", o.conns, maxLoadConns)
	case !(o.rate > 0) || o.rate > maxLoadRate:
		return o, fmt.Errorf("loadtest: -rate %g: want more than 0, at most %d", o.rate, maxLoadRate)
	case o.duration <= 0 || o.duration > maxLoadDuration:
		return o, fmt.Errorf("loadtest: -duration %s: want more than 0, at most %s", o.duration, maxLoadDuration)
	case o.cross && o.idle:
		return o, errors.New("loadtest: -cross and -idle exclude each other")
	case !o.cross && (agentAddrs != "" || tokenFile != ""):
		return o, errors.New("loadtest: -agent-addr and -agent-token-file need -cross")
	}
	var err error
	if o.addrs, err = loadAddrs("-addr", addrs); err != nil {
		return o, err
	}
	if pids != "" {
		for p := range strings.SplitSeq(pids, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(p))
			if err != nil || n <= 0 {
				return o, fmt.Errorf("loadtest: -pid %q: want process ids separated by commas", pids)
			}
			o.pids = append(o.pids, n)
		}
	}
	if !o.cross {
		return o, nil
	}
	o.agentAddrs = o.addrs
	if agentAddrs != "" {
		if o.agentAddrs, err = loadAddrs("-agent-addr", agentAddrs); err != nil {
			return o, err
		}
	}
	if tokenFile != "" {
		if o.agentToken, err = readTokenFile(tokenFile); err != nil {
			return o, fmt.Errorf("loadtest: -agent-token-file: %w", err)
		}
	} else if o.agentToken = strings.TrimSpace(getenv("TRIAGEBOT_AGENT_TOKEN")); o.agentToken == "" {
		return o, errors.New("loadtest: -cross needs an agent's token: give -agent-token-file or set TRIAGEBOT_AGENT_TOKEN")
	}
	return o, nil
}

// loadAddrs splits a comma-separated list of loopback addresses.
func loadAddrs(flag, list string) ([]string, error) {
	var addrs []string
	for a := range strings.SplitSeq(list, ",") {
		a = strings.TrimSpace(a)
		if err := checkLoopback(a); err != nil {
			return nil, fmt.Errorf("loadtest: %s: %w", flag, err)
		}
		addrs = append(addrs, a)
	}
	if len(addrs) > maxLoadReplicas {
		return nil, fmt.Errorf("loadtest: %s: %d addresses, at most %d", flag, len(addrs), maxLoadReplicas)
	}
	return addrs, nil
}

// checkLoopback accepts host:port where host is localhost or a loopback IP.
func checkLoopback(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q: %w", addr, err)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return fmt.Errorf("%q: bad port: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("%w: %q", errLoadAddr, addr)
}

// runLoadtest is `triagebot loadtest`: active conversations by default,
// idle connections with -idle. The report goes to stdout.
func runLoadtest(ctx context.Context, args []string, sio stdio) error {
	stdout := sio.out
	o, err := parseLoadOptions(args, sio)
	if err != nil {
		return err
	}
	if n, err := raiseOpenFiles(); err == nil && n < uint64(o.conns)+100 {
		fmt.Fprintf(stdout, "warning: open-file limit %d is below -conns + 100; connections may fail\n", n)
	}
	wsURLs := make([]string, len(o.addrs))
	for i, a := range o.addrs {
		wsURLs[i] = (&url.URL{Scheme: "ws", Host: a, Path: "/ws"}).String()
	}
	if o.idle {
		return runIdle(ctx, o, wsURLs, stdout)
	}
	lr := &loadRun{opts: o, wsURLs: wsURLs, perAddr: make([]atomic.Int64, len(wsURLs))}
	if o.cross {
		// One kept-alive connection per session at most: new connections
		// per call would run the machine out of ephemeral ports.
		lr.api = &http.Client{Timeout: loadTurnWait, Transport: &http.Transport{
			MaxIdleConnsPerHost: o.conns, IdleConnTimeout: 30 * time.Second}}
		defer lr.api.CloseIdleConnections()
	}
	return lr.run(ctx, stdout)
}

// raiseOpenFiles lifts the soft open-file limit to the hard one, since each
// connection is a file, and returns the new limit.
func raiseOpenFiles() (uint64, error) {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return 0, fmt.Errorf("getrlimit: %w", err)
	}
	if l.Cur < l.Max {
		l.Cur = l.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
			return 0, fmt.Errorf("setrlimit: %w", err)
		}
	}
	return l.Cur, nil
}

// loadFrame is a server frame as the load test reads it.
type loadFrame struct {
	Type         string   `json:"type"`
	Session      string   `json:"session"`
	ID           string   `json:"id"`
	From         string   `json:"from"`
	Text         string   `json:"text"`
	QuickReplies []string `json:"quick_replies"`
	TicketID     string   `json:"ticket_id"`
	Code         string   `json:"code"`
	Message      string   `json:"message"`
	at           time.Time
}

// loadConn is one client connection: a goroutine reads frames into a
// channel so the dialogue can wait for quiet without breaking the socket
// (a gorilla read that times out ends the connection).
type loadConn struct {
	conn    *websocket.Conn
	session string
	frames  chan loadFrame
	err     error // why reading stopped; set before frames is closed
	done    chan struct{}
}

var loadDialer = websocket.Dialer{HandshakeTimeout: 10 * time.Second, ReadBufferSize: 1024, WriteBufferSize: 1024}

// dialLoad connects and waits for the session frame.
func dialLoad(ctx context.Context, wsURL string) (*loadConn, error) {
	conn, _, err := loadDialer.DialContext(ctx, wsURL, nil)
	if err != nil {
		return nil, fmt.Errorf("dial: %w", err)
	}
	c := &loadConn{conn: conn, frames: make(chan loadFrame, 64), done: make(chan struct{})}
	go c.read()
	f, err := c.next(ctx, loadTurnWait)
	switch {
	case err != nil:
		err = fmt.Errorf("waiting for the session frame: %w", err)
	case f.Type != "session" || f.Session == "":
		err = fmt.Errorf("first frame is %q, not a session frame", f.Type)
	}
	if err != nil {
		c.close()
		return nil, err
	}
	c.session = f.Session
	return c, nil
}

func (c *loadConn) read() {
	defer close(c.done)
	defer close(c.frames)
	for {
		_, data, err := c.conn.ReadMessage()
		if err != nil {
			c.err = err
			return
		}
		var f loadFrame
		if err := json.Unmarshal(data, &f); err != nil {
			f = loadFrame{Type: "(not JSON)"}
		}
		f.at = time.Now()
		c.frames <- f
	}
}

// errLoadQuiet is next's answer when nothing came in time.
var errLoadQuiet = errors.New("no frame")

func (c *loadConn) next(ctx context.Context, wait time.Duration) (loadFrame, error) {
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case f, ok := <-c.frames:
		if !ok {
			return f, fmt.Errorf("connection ended: %w", c.err)
		}
		return f, nil
	case <-t.C:
		return loadFrame{}, errLoadQuiet
	case <-ctx.Done():
		return loadFrame{}, ctx.Err()
	}
}

func (c *loadConn) send(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_ = c.conn.SetWriteDeadline(time.Now().Add(loadWriteWait))
	return c.conn.WriteMessage(websocket.TextMessage, b)
}

// close ends the connection with a close frame and waits for the reader.
func (c *loadConn) close() {
	_ = c.conn.WriteControl(websocket.CloseMessage,
		websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
	_ = c.conn.Close()
	for range c.frames { // unblock the reader if it is waiting to hand over a frame
	}
	<-c.done
}

// loadRun is the active load test: sessions play scripted users, paced so
// that all of them together send about -rate user frames a second.
type loadRun struct {
	opts   loadOptions
	wsURLs []string
	pace   chan struct{}
	api    *http.Client // the agent API, in the cross mode

	sent, frames, errs, tickets, dialogues, replies atomic.Int64
	perAddr                                         []atomic.Int64 // dialogues per wsURLs entry

	mu       sync.Mutex
	lat      []time.Duration // user frame to the first bot frame, one per bot turn
	delivery []time.Duration // agent reply's response to its frame on the user's socket
	posted   []time.Duration // agent reply's POST, sent to its frame on the user's socket
	sample   []string
}

func (lr *loadRun) run(ctx context.Context, out io.Writer) error {
	o := lr.opts
	fmt.Fprintf(out, "loadtest: %d sessions against %s for %s, %g user frames/s in total\n",
		o.conns, strings.Join(lr.wsURLs, ", "), o.duration, o.rate)
	if o.cross {
		fmt.Fprintf(out, "cross: agents claim and answer each ticket on %s\n", lr.crossPlan())
	}
	ctx, cancel := context.WithTimeout(ctx, o.duration+loadTurnWait+5*time.Second) // turns in flight may finish
	defer cancel()
	cpu0, cpuErr := procsCPU(o.pids)
	self0 := selfCPU()
	start := time.Now()
	stop := start.Add(o.duration)
	lr.pace = make(chan struct{}, max(1, int(o.rate/10)))
	var wg sync.WaitGroup
	wg.Go(func() { lr.pacer(ctx, stop) })
	for i := range o.conns {
		wg.Go(func() { lr.session(ctx, i, stop) })
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpu1, err := procsCPU(o.pids)
	cpuErr = errors.Join(cpuErr, err)
	self1 := selfCPU()
	lr.mu.Lock()
	defer lr.mu.Unlock()
	secs := elapsed.Seconds()
	fmt.Fprintf(out, "dialogues %d, tickets %d, user frames sent %d (%.1f/s)\n",
		lr.dialogues.Load(), lr.tickets.Load(), lr.sent.Load(), float64(lr.sent.Load())/secs)
	fmt.Fprintf(out, "frames received %d (%.1f/s)\n", lr.frames.Load(), float64(lr.frames.Load())/secs)
	if len(lr.wsURLs) > 1 {
		for i, u := range lr.wsURLs {
			fmt.Fprintf(out, "  %s: %d dialogues\n", u, lr.perAddr[i].Load())
		}
	}
	fmt.Fprintf(out, "bot turns %d (%.1f/s)\n", len(lr.lat), float64(len(lr.lat))/secs)
	fmt.Fprintf(out, "turn latency p50 %s ms, p95 %s ms, p99 %s ms (%d turns)\n",
		loadMS(loadPercentile(lr.lat, 50)), loadMS(loadPercentile(lr.lat, 95)), loadMS(loadPercentile(lr.lat, 99)), len(lr.lat))
	if turns := len(lr.lat); turns > 0 {
		// On a shared machine the rate says as much about the neighbours
		// as about the server; CPU per turn says what a turn costs.
		if len(o.pids) > 0 && cpuErr == nil {
			per := (cpu1 - cpu0).Seconds() / float64(turns)
			fmt.Fprintf(out, "server CPU %.2f ms per bot turn (pids %s, with their children)", per*1e3, loadJoin(o.pids))
			if per > 0 {
				fmt.Fprintf(out, ": %d cores of their own would serve %.0f turns/s", runtime.NumCPU(), float64(runtime.NumCPU())/per)
			}
			fmt.Fprintln(out)
		} else if cpuErr != nil {
			fmt.Fprintf(out, "warning: server CPU not measured: %v\n", cpuErr)
		}
		fmt.Fprintf(out, "load tool CPU %.2f ms per bot turn\n", (self1-self0).Seconds()*1e3/float64(turns))
	}
	if o.cross {
		fmt.Fprintf(out, "agent replies delivered %d of %d posted\n", len(lr.delivery), lr.replies.Load())
		fmt.Fprintf(out, "delivery after the reply's response p50 %s ms, p95 %s ms, p99 %s ms\n",
			loadMS(loadPercentile(lr.delivery, 50)), loadMS(loadPercentile(lr.delivery, 95)), loadMS(loadPercentile(lr.delivery, 99)))
		fmt.Fprintf(out, "delivery from sending the reply (the API's commit included) p50 %s ms, p95 %s ms, p99 %s ms\n",
			loadMS(loadPercentile(lr.posted, 50)), loadMS(loadPercentile(lr.posted, 95)), loadMS(loadPercentile(lr.posted, 99)))
	}
	fmt.Fprintf(out, "errors %d\n", lr.errs.Load())
	for _, s := range lr.sample {
		fmt.Fprintf(out, "  error: %s\n", s)
	}
	if ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return ctx.Err()
	}
	return nil
}

// pacer hands out one send permit every 1/rate seconds. Permits nobody
// takes (every session is waiting for the bot) are dropped, so the rate
// is an upper bound, not a debt.
func (lr *loadRun) pacer(ctx context.Context, stop time.Time) {
	tick := time.NewTicker(time.Duration(float64(time.Second) / lr.opts.rate))
	defer tick.Stop()
	for time.Now().Before(stop) {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			select {
			case lr.pace <- struct{}{}:
			default:
			}
		}
	}
}

// permit waits for the pacer; false when the run is over.
func (lr *loadRun) permit(ctx context.Context, stop time.Time) bool {
	t := time.NewTimer(time.Until(stop))
	defer t.Stop()
	select {
	case <-lr.pace:
		return true
	case <-t.C:
		return false
	case <-ctx.Done():
		return false
	}
}

// session plays one dialogue after another until stop; dialogue k uses
// script k, so the sessions spread over the languages and problems.
func (lr *loadRun) session(ctx context.Context, i int, stop time.Time) {
	for k := i; ctx.Err() == nil && time.Now().Before(stop); k += lr.opts.conns {
		if err := lr.dialogue(ctx, i%len(lr.wsURLs), loadScripts[k%len(loadScripts)], k, stop); err != nil && ctx.Err() == nil {
			lr.fail(err)
			select {
			case <-ctx.Done():
			case <-time.After(200 * time.Millisecond):
			}
		}
	}
}

// dialogue opens a session on replica r and answers the bot until a
// ticket frame, the turn limit or stop. Like the widget, it names the
// page's language (?lang=), so the greeting comes in the script's language.
// In the cross mode a ticket is then answered by an agent.
func (lr *loadRun) dialogue(ctx context.Context, r int, sc loadScript, k int, stop time.Time) error {
	c, err := dialLoad(ctx, lr.wsURLs[r]+"?lang="+url.QueryEscape(sc.lang))
	if err != nil {
		return err
	}
	defer c.close()
	lr.dialogues.Add(1)
	lr.perAddr[r].Add(1)
	lr.frames.Add(1)                                              // the session frame
	if _, _, err := lr.collect(ctx, c, time.Time{}); err != nil { // the greeting
		return err
	}
	u := newLoadUser(sc, k)
	move := loadMove{text: sc.open}
	for turn := 0; turn < loadMaxTurns; turn++ {
		if !lr.permit(ctx, stop) {
			return nil
		}
		sent := time.Now()
		if move.screenshot {
			err = c.send(map[string]string{"type": "attachment", "filename": "screenshot.png",
				"content_type": "image/png", "data": loadPNG})
		} else {
			err = c.send(map[string]string{"type": "message", "text": move.text})
		}
		if err != nil {
			return fmt.Errorf("session %s: sending: %w", c.session, err)
		}
		lr.sent.Add(1)
		bot, ticket, err := lr.collect(ctx, c, sent)
		if err != nil {
			return fmt.Errorf("session %s turn %d: %w", c.session, turn+1, err)
		}
		if ticket != "" {
			lr.tickets.Add(1)
			if lr.opts.cross {
				return lr.answer(ctx, c, ticket, lr.opts.agentAddrs[(r+1)%len(lr.opts.agentAddrs)])
			}
			return nil
		}
		move = u.answer(bot)
	}
	return nil
}

// collect reads one burst of server frames, acknowledging each: with sent
// set, the first must come within loadTurnWait and its delay is the turn's
// latency. It stops at quiet, a message with quick replies, or a ticket,
// whose id it returns.
func (lr *loadRun) collect(ctx context.Context, c *loadConn, sent time.Time) ([]loadFrame, string, error) {
	var bot []loadFrame
	wait, first := loadQuiet, !sent.IsZero()
	if first {
		wait = loadTurnWait
	}
	for {
		f, err := c.next(ctx, wait)
		switch {
		case errors.Is(err, errLoadQuiet) && first:
			return nil, "", fmt.Errorf("no reply within %s", loadTurnWait)
		case errors.Is(err, errLoadQuiet):
			return bot, "", nil
		case err != nil:
			return nil, "", err
		}
		lr.frames.Add(1)
		if first {
			lr.mu.Lock()
			lr.lat = append(lr.lat, f.at.Sub(sent))
			lr.mu.Unlock()
			first = false
		}
		wait = loadQuiet
		if err := lr.ack(c, f); err != nil {
			return nil, "", err
		}
		switch f.Type {
		case "ticket":
			if f.TicketID == "" {
				return nil, "", fmt.Errorf("session %s: a ticket frame without ticket_id", c.session)
			}
			return bot, f.TicketID, nil
		case "message":
			bot = append(bot, f)
			if len(f.QuickReplies) > 0 {
				return bot, "", nil
			}
		}
	}
}

// ack acknowledges a frame that has an id, and counts an error frame.
func (lr *loadRun) ack(c *loadConn, f loadFrame) error {
	if f.Type == "error" {
		lr.fail(fmt.Errorf("session %s: error frame %s: %s", c.session, f.Code, f.Message))
	}
	if f.ID == "" {
		return nil
	}
	if err := c.send(map[string]string{"type": "ack", "id": f.ID}); err != nil {
		return fmt.Errorf("ack: %w", err)
	}
	return nil
}

// crossPlan says which agent address answers the users of each address.
func (lr *loadRun) crossPlan() string {
	var parts []string
	for i, a := range lr.opts.addrs {
		b := lr.opts.agentAddrs[(i+1)%len(lr.opts.agentAddrs)]
		note := ""
		if a == b {
			note = " (the same address: one process)"
		}
		parts = append(parts, fmt.Sprintf("users of %s answered on %s%s", a, b, note))
	}
	return strings.Join(parts, "; ")
}

// answer plays the agent for ticket id on agentAddr: claim, reply, and
// wait for the reply on the user's connection. Its delay counts from the
// reply's HTTP response, when the agent's side is done: the time another
// replica takes to learn of it and push it. A frame that beats the
// response (same process) counts as 0.
func (lr *loadRun) answer(ctx context.Context, c *loadConn, id, agentAddr string) error {
	base := "http://" + agentAddr + "/api/tickets/" + url.PathEscape(id)
	if err := lr.agentCall(ctx, base+"/claim", nil); err != nil {
		return fmt.Errorf("session %s: claiming %s: %w", c.session, id, err)
	}
	posting := time.Now()
	if err := lr.agentCall(ctx, base+"/messages", map[string]string{"text": "Thank you for waiting, an agent has your case now."}); err != nil {
		return fmt.Errorf("session %s: replying to %s: %w", c.session, id, err)
	}
	answered := time.Now()
	lr.replies.Add(1)
	deadline := answered.Add(loadTurnWait)
	for {
		f, err := c.next(ctx, time.Until(deadline))
		switch {
		case errors.Is(err, errLoadQuiet):
			return fmt.Errorf("session %s: the reply to %s did not arrive within %s", c.session, id, loadTurnWait)
		case err != nil:
			return fmt.Errorf("session %s: waiting for the reply to %s: %w", c.session, id, err)
		}
		lr.frames.Add(1)
		if err := lr.ack(c, f); err != nil {
			return err
		}
		if f.Type == "message" && f.From == "agent" {
			lr.mu.Lock()
			lr.delivery = append(lr.delivery, max(0, f.at.Sub(answered)))
			lr.posted = append(lr.posted, f.at.Sub(posting))
			lr.mu.Unlock()
			return nil
		}
	}
}

// agentCall POSTs to the agent API (body nil: none) and wants a 2xx.
func (lr *loadRun) agentCall(ctx context.Context, u string, body any) error {
	var rd io.Reader = http.NoBody
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+lr.opts.agentToken)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := lr.api.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20)) // drained, so the connection is kept
	if err != nil {
		return fmt.Errorf("reading the answer: %w", err)
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s: %s", resp.Status, bytes.TrimSpace(data[:min(len(data), 200)]))
	}
	return nil
}

func (lr *loadRun) fail(err error) {
	lr.errs.Add(1)
	lr.mu.Lock()
	defer lr.mu.Unlock()
	if len(lr.sample) < 5 {
		lr.sample = append(lr.sample, err.Error())
	}
}

// loadPercentile is the nearest-rank p-th percentile, -1 for none.
func loadPercentile(xs []time.Duration, p float64) time.Duration {
	if len(xs) == 0 {
		return -1
	}
	s := slices.Sorted(slices.Values(xs))
	rank := int(math.Ceil(p / 100 * float64(len(s))))
	return s[min(max(rank, 1), len(s))-1]
}

func loadMS(d time.Duration) string {
	if d < 0 {
		return "-"
	}
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 1, 64)
}

// loadPNG is a small real PNG, base64, for when the bot asks for a screenshot.
var loadPNG = func() string {
	img := image.NewRGBA(image.Rect(0, 0, 32, 24))
	for x := range 32 {
		for y := range 24 {
			img.Set(x, y, color.RGBA{uint8(x * 8), uint8(y * 10), 180, 255})
		}
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img) // an in-memory RGBA image always encodes
	return base64.StdEncoding.EncodeToString(buf.Bytes())
}()

// runIdle opens -conns connections, each of which must bring its session
// frame, holds them for -duration, and reports the server's memory.
func runIdle(ctx context.Context, o loadOptions, wsURLs []string, out io.Writer) error {
	before := int64(-1)
	if len(o.pids) > 0 {
		if kb, err := rssKiB(o.pids); err == nil {
			before = kb
		} else {
			fmt.Fprintf(out, "warning: %v\n", err)
		}
	}
	conns := make([]*loadConn, o.conns)
	var next, opened, failed atomic.Int64
	var firstErr atomic.Value
	start := time.Now()
	var wg sync.WaitGroup
	for range min(loadDialers, o.conns) {
		wg.Go(func() {
			for ctx.Err() == nil && failed.Load() < 10 {
				i := int(next.Add(1) - 1)
				if i >= len(conns) {
					return
				}
				c, err := dialLoad(ctx, wsURLs[i%len(wsURLs)])
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, fmt.Sprintf("connection %d: %v", i+1, err))
					continue
				}
				conns[i] = c
				opened.Add(1)
			}
		})
	}
	wg.Wait()
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.close()
			}
		}
	}()
	fmt.Fprintf(out, "loadtest: %d of %d idle connections opened in %s\n", opened.Load(), o.conns, time.Since(start).Round(time.Millisecond))
	if e := firstErr.Load(); e != nil {
		fmt.Fprintf(out, "first failure: %s\n", e)
	}
	select {
	case <-ctx.Done():
	case <-time.After(o.duration):
	}
	ended := 0
	for _, c := range conns {
		if c == nil {
			continue
		}
		select {
		case <-c.done:
			ended++
		default:
		}
	}
	held := opened.Load() - int64(ended)
	fmt.Fprintf(out, "held %d connections for %s; %d ended early\n", held, o.duration, ended)
	if before >= 0 {
		if after, err := rssKiB(o.pids); err == nil && held > 0 {
			fmt.Fprintf(out, "server RSS before %.1f MiB, after %.1f MiB, %.1f KiB/conn\n",
				float64(before)/1024, float64(after)/1024, float64(after-before)/float64(held))
		}
	}
	if ended > 0 || opened.Load() < int64(o.conns) {
		return fmt.Errorf("loadtest: %d of %d connections held", held, o.conns)
	}
	return nil
}

// procsCPU adds up the CPU time of processes and of their children, the
// live ones read one by one and the ended ones as their parent's cutime
// and cstime, from /proc (whose ticks are 1/100 s on Linux).
func procsCPU(pids []int) (time.Duration, error) {
	if len(pids) == 0 {
		return 0, nil
	}
	var ticks int64
	for _, pid := range pids {
		st, err := procStat(pid)
		if err != nil {
			return 0, err
		}
		ticks += st.cpu
	}
	dirs, err := os.ReadDir("/proc")
	if err != nil {
		return 0, fmt.Errorf("listing processes: %w", err)
	}
	for _, d := range dirs {
		n, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		st, err := procStat(n)
		if err != nil { // it ended meanwhile: its parent's cutime has it
			continue
		}
		if slices.Contains(pids, st.ppid) && !slices.Contains(pids, n) {
			ticks += st.cpu
		}
	}
	return time.Duration(ticks) * 10 * time.Millisecond, nil
}

type procStatus struct {
	ppid int
	cpu  int64 // utime+stime+cutime+cstime, in ticks
}

// procStat reads a process's parent and CPU ticks from /proc/PID/stat.
func procStat(pid int) (procStatus, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return procStatus{}, fmt.Errorf("reading the CPU time of pid %d: %w", pid, err)
	}
	// After "pid (comm) ": state, ppid, ..., utime and stime are the 12th
	// and 13th fields, cutime and cstime the 14th and 15th.
	_, rest, ok := strings.Cut(string(b), ") ")
	f := strings.Fields(rest)
	if !ok || len(f) < 15 {
		return procStatus{}, fmt.Errorf("pid %d: unexpected /proc/%d/stat", pid, pid)
	}
	var st procStatus
	st.ppid, err = strconv.Atoi(f[1])
	if err != nil {
		return procStatus{}, fmt.Errorf("pid %d: parent: %w", pid, err)
	}
	for _, x := range f[11:15] {
		n, err := strconv.ParseInt(x, 10, 64)
		if err != nil {
			return procStatus{}, fmt.Errorf("pid %d: CPU ticks: %w", pid, err)
		}
		st.cpu += n
	}
	return st, nil
}

// selfCPU is this process's own CPU time.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func loadJoin(pids []int) string {
	s := make([]string, len(pids))
	for i, p := range pids {
		s[i] = strconv.Itoa(p)
	}
	return strings.Join(s, ",")
}

// rssKiB adds up VmRSS of processes, from /proc.
func rssKiB(pids []int) (int64, error) {
	var sum int64
	for _, pid := range pids {
		kb, err := rssKiB1(pid)
		if err != nil {
			return 0, err
		}
		sum += kb
	}
	return sum, nil
}

func rssKiB1(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("reading the memory of pid %d: %w", pid, err)
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				return strconv.ParseInt(f[0], 10, 64)
			}
		}
	}
	return 0, fmt.Errorf("pid %d: no VmRSS in /proc/%d/status", pid, pid)
}

// loadScript is a simulated user of the load test: a first message and the
// answers it gives when the bot asks for something, all in one language.
// The texts are our own, written for load, not taken from any test set.
type loadScript struct {
	lang      string // the ?lang= of the page it chats from
	open      string
	time      string
	amount    string
	error     string
	api       string
	otp       string
	dontKnow  string
	needHuman string
}

// loadScripts mixes problems and the three languages the product serves.
var loadScripts = []loadScript{
	{lang: "en", open: "My withdrawal to my bank account still hasn't arrived after three days",
		time: "last Tuesday around 10am", amount: "HK$2,400", error: "it only says processing",
		api: "the payment webhook", otp: "SMS", dontKnow: "I'm not sure", needHuman: "Can I talk to a person please"},
	{lang: "zh-Hant", open: "我上個禮拜提款去銀行戶口，到而家都未收到錢",
		time: "上星期三下晝兩點幾", amount: "港幣3000蚊", error: "顯示「處理中」",
		api: "付款通知 webhook", otp: "短訊", dontKnow: "唔記得", needHuman: "我想搵真人跟進"},
	{lang: "zh-Hans", open: "同一笔订单被扣了两次钱，请帮我看看",
		time: "昨天晚上八点左右", amount: "人民币560元", error: "提示交易失败",
		api: "退款 API", otp: "短信", dontKnow: "不记得了", needHuman: "我要转人工客服"},
	{lang: "en", open: "I can't log in, the app keeps telling me my password is wrong",
		time: "this morning at 9", amount: "HK$150", error: "\"Incorrect password, 2 attempts left\"",
		api: "the login API", otp: "SMS", dontKnow: "no idea", needHuman: "I'd like a human agent"},
	{lang: "zh-Hant", open: "我轉咗錢俾朋友，佢話冇收到",
		time: "琴日夜晚七點", amount: "港幣800", error: "顯示已完成",
		api: "轉賬 API", otp: "短訊", dontKnow: "唔清楚", needHuman: "轉真人客服"},
	{lang: "zh-Hans", open: "收不到短信验证码，没办法登录",
		time: "今天中午十二点", amount: "200港元", error: "一直显示验证码已发送",
		api: "短信接口", otp: "短信", dontKnow: "不知道", needHuman: "找人工"},
	{lang: "en", open: "There is a card payment on my account that I never made",
		time: "yesterday at 11:40pm", amount: "USD 89.99", error: "no error, it just appeared",
		api: "none", otp: "e-mail", dontKnow: "I don't know", needHuman: "Please get me a person"},
	{lang: "zh-Hant", open: "商戶退款話已經退咗，但係我一直冇收到",
		time: "11月3號", amount: "港幣1,280", error: "冇錯誤訊息",
		api: "退款 API", otp: "電郵", dontKnow: "唔知", needHuman: "我想同真人傾"},
	{lang: "zh-Hans", open: "我们的商户后台收不到支付回调通知，签名验证也失败",
		time: "今天上午十点开始", amount: "0", error: "签名验证失败 invalid signature",
		api: "支付结果回调 webhook", otp: "邮件", dontKnow: "不清楚", needHuman: "请转技术人员"},
}

// loadMove is what a simulated user does next.
type loadMove struct {
	text       string
	screenshot bool
}

// loadUser answers the bot's questions for one dialogue. Each detail is
// given once; asked again, it says it does not know, so a dialogue always
// moves on.
type loadUser struct {
	sc    loadScript
	txn   string
	given map[string]bool
}

func newLoadUser(sc loadScript, k int) *loadUser {
	return &loadUser{sc: sc, txn: fmt.Sprintf("TX20251102LT%04d", k%10000), given: map[string]bool{}}
}

// loadAsks maps words of the bot's questions, in the three languages, to
// the detail asked for. The order matters: a screenshot question may name
// the error, an error question may offer a screenshot.
var loadAsks = []struct {
	detail string
	words  []string
}{
	{"transaction_id", []string{"transaction id", "reference number", "交易編號", "交易编号", "參考編號", "参考编号"}},
	{"amount", []string{"amount", "金額", "金额"}},
	{"screenshot", []string{"screenshot of", "send a screenshot", "傳一張", "发一张app", "状态页面的截图", "狀態頁面嘅截圖"}},
	{"error", []string{"error message", "錯誤訊息", "错误信息"}},
	{"api", []string{"api call or callback", "api 或者回調", "api 或回调"}},
	{"otp", []string{"sms or by e-mail", "短訊定電郵", "短信还是邮件"}},
	{"time", []string{"when did", "幾時", "什么时候", "什麼時候"}},
}

// helpWords pick the quick reply that keeps the case going.
var helpWords = []string{"still", "person", "仲未", "还是没", "真人", "人工"}

// answer chooses the reply to a burst of bot messages: a question about a
// detail gets that detail; quick replies get the one that asks for more
// help; anything else gets a request for a person.
func (u *loadUser) answer(bot []loadFrame) loadMove {
	if len(bot) == 0 {
		return loadMove{text: u.sc.needHuman}
	}
	last := bot[len(bot)-1]
	text := strings.ToLower(last.Text)
	for _, a := range loadAsks {
		if !containsAny(text, a.words) {
			continue
		}
		if u.given[a.detail] {
			return loadMove{text: u.sc.dontKnow}
		}
		u.given[a.detail] = true
		switch a.detail {
		case "transaction_id":
			return loadMove{text: u.txn}
		case "amount":
			return loadMove{text: u.sc.amount}
		case "screenshot":
			return loadMove{screenshot: true}
		case "error":
			return loadMove{text: u.sc.error}
		case "api":
			return loadMove{text: u.sc.api}
		case "otp":
			return loadMove{text: u.sc.otp}
		default:
			return loadMove{text: u.sc.time}
		}
	}
	if qr := last.QuickReplies; len(qr) > 0 {
		for _, q := range qr {
			if containsAny(strings.ToLower(q), helpWords) {
				return loadMove{text: q}
			}
		}
		return loadMove{text: qr[0]}
	}
	return loadMove{text: u.sc.needHuman}
}

func containsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

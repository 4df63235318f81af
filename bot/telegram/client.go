package telegram

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// apiClient is the HTTP client handed to the library. The library's calls
// take no context, so this client gives each request one: derived from the
// channel's lifetime (New's context, then Run's) with a deadline that suits
// the method (a long poll may wait, a sendMessage may not).
type apiClient struct {
	hc          *http.Client
	token       string // kept out of errors: the library's URLs carry it
	base        atomic.Pointer[context.Context]
	poll        atomic.Pointer[context.Context] // getUpdates': the leader's term
	pollTimeout time.Duration
}

func newAPIClient(ctx context.Context, hc *http.Client, token string, pollTimeout time.Duration) *apiClient {
	if hc == nil {
		hc = &http.Client{Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			TLSHandshakeTimeout:   10 * time.Second,
			ResponseHeaderTimeout: pollTimeout + pollSlack,
			IdleConnTimeout:       90 * time.Second,
			MaxIdleConnsPerHost:   16,
		}}
	}
	c := &apiClient{hc: hc, token: token, pollTimeout: pollTimeout}
	c.setBase(ctx)
	return c
}

func (c *apiClient) setBase(ctx context.Context) { c.base.Store(&ctx) }

func (c *apiClient) ctx() context.Context { return *c.base.Load() }

// setPoll bounds the long polls by ctx (a leader's term): a replica that
// lost its lease stops polling at once, not after the poll's wait.
func (c *apiClient) setPoll(ctx context.Context) { c.poll.Store(&ctx) }

// timeoutFor picks a deadline by the Bot API method at the end of the path.
func (c *apiClient) timeoutFor(path string) time.Duration {
	switch {
	case strings.HasSuffix(path, "/getUpdates"):
		return c.pollTimeout + pollSlack
	case strings.Contains(path, "/file/bot"):
		return downloadTimeout
	}
	return callTimeout
}

// Do implements tgbotapi.HTTPClient.
func (c *apiClient) Do(req *http.Request) (*http.Response, error) {
	base := c.ctx()
	if p := c.poll.Load(); p != nil && strings.HasSuffix(req.URL.Path, "/getUpdates") {
		base = *p
	}
	ctx, cancel := context.WithTimeout(base, c.timeoutFor(req.URL.Path))
	resp, err := c.hc.Do(req.WithContext(ctx))
	if err != nil {
		cancel()
		return nil, c.redact(err)
	}
	// The deadline must cover reading the body, so cancel on Close.
	resp.Body = &cancelBody{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// redact removes the token from the URL a transport error quotes.
func (c *apiClient) redact(err error) error {
	var ue *url.Error
	if c.token != "" && errors.As(err, &ue) {
		ue.URL = strings.ReplaceAll(ue.URL, c.token, "<token>")
	}
	return err
}

type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
	once   sync.Once
}

func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(b.cancel)
	return err
}

// failure is how a failed Bot API call should be treated.
type failure int

const (
	failTransient  failure = iota // network, 5xx, undecodable answer: back off, retry
	failRetryAfter                // 429: wait retry_after, retry
	failBlocked                   // 403, or the chat is gone: never retry
	failRejected                  // 400: this request will never succeed
	failStopped                   // our own context ended
)

// classify sorts an error of the library.
func classify(ctx context.Context, err error) (failure, time.Duration) {
	if ctx.Err() != nil {
		return failStopped, 0
	}
	var te *tgbotapi.Error
	if !errors.As(err, &te) {
		return failTransient, 0
	}
	switch {
	case te.Code == http.StatusTooManyRequests:
		return failRetryAfter, max(time.Duration(te.RetryAfter)*time.Second, time.Second)
	case te.Code == http.StatusForbidden:
		return failBlocked, 0
	case te.Code == http.StatusBadRequest && isChatGone(te.Message):
		return failBlocked, 0
	case te.Code == http.StatusBadRequest:
		return failRejected, 0
	}
	return failTransient, 0
}

// isChatGone recognises the 400 answers that mean the chat no longer exists.
func isChatGone(msg string) bool {
	msg = strings.ToLower(msg)
	return strings.Contains(msg, "chat not found") || strings.Contains(msg, "user is deactivated") ||
		strings.Contains(msg, "peer_id_invalid")
}

// gate is a shared backoff: when the Bot API fails for everyone (network
// down, 5xx), every sender waits, rather than each hammering it on its own.
type gate struct {
	clock Clock
	mu    sync.Mutex
	until time.Time
	fails int
}

const (
	backoffMin = 500 * time.Millisecond
	backoffMax = 30 * time.Second
)

// backoff is the wait after the n-th failure in a row (n ≥ 1): it doubles
// from backoffMin up to backoffMax. The gate, the poll loop and setWebhook
// all back off by it.
func backoff(n int) time.Duration {
	return min(backoffMin<<min(max(n, 1)-1, 10), backoffMax)
}

// fail records a transient failure and returns the wait before the next try.
func (g *gate) fail() time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.fails++
	d := backoff(g.fails)
	if t := g.clock.Now().Add(d); t.After(g.until) {
		g.until = t
	}
	return d
}

// ok records a success: the next failure starts the backoff over.
func (g *gate) ok() {
	g.mu.Lock()
	g.fails = 0
	g.until = time.Time{}
	g.mu.Unlock()
}

// wait blocks while the gate is closed.
func (g *gate) wait(ctx context.Context) bool {
	g.mu.Lock()
	d := g.until.Sub(g.clock.Now())
	g.mu.Unlock()
	return sleepOn(ctx, g.clock, d)
}

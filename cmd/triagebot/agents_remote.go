package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// remote is how an agents subcommand reaches a running server's admin API
// instead of the file: bbolt lets one process hold the database, so while
// a server runs, agents are managed through it.
type remote struct {
	server    string // base URL; empty: work on the file
	tokenFile string
	token     string // read from TRIAGEBOT_ADMIN_TOKEN or tokenFile
}

// remoteFlags adds -server and -token-file to a subcommand.
func remoteFlags(fs *flag.FlagSet, r *remote, getenv func(string) string) {
	fs.StringVar(&r.server, "server", env(getenv, "TRIAGEBOT_SERVER", ""),
		"URL of a running server (e.g. http://127.0.0.1:8080): manage agents through its admin API, for when it holds the database (env TRIAGEBOT_SERVER)")
	fs.StringVar(&r.tokenFile, "token-file", env(getenv, "TRIAGEBOT_TOKEN_FILE", ""),
		"file holding an admin agent's token, for -server (default: env TRIAGEBOT_ADMIN_TOKEN)")
}

// resolve checks -server and finds the admin token; called only when
// -server is set.
func (r *remote) resolve(getenv func(string) string) error {
	u, err := url.Parse(r.server)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("-server %q: want a URL such as http://127.0.0.1:8080", r.server)
	}
	r.server = strings.TrimRight(r.server, "/")
	if r.tokenFile != "" {
		t, err := readTokenFile(r.tokenFile)
		if err != nil {
			return fmt.Errorf("-token-file: %w", err)
		}
		r.token = t
		return nil
	}
	if r.token = strings.TrimSpace(getenv("TRIAGEBOT_ADMIN_TOKEN")); r.token == "" {
		return errors.New("-server needs an admin agent's token: set TRIAGEBOT_ADMIN_TOKEN or give -token-file")
	}
	return nil
}

// remoteTimeout bounds one admin call.
const remoteTimeout = 30 * time.Second

// call sends one admin API request and decodes a JSON answer into out
// (nil: none expected). A refusal becomes an error with the server's
// message.
func (r *remote) call(ctx context.Context, method, path string, body, out any) error {
	ctx, cancel := context.WithTimeout(ctx, remoteTimeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, r.server+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+r.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("asking the server at %s: %w", r.server, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("reading the answer of %s: %w", r.server, err)
	}
	if resp.StatusCode >= 300 {
		var e struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		if json.Unmarshal(data, &e) == nil && e.Error.Message != "" {
			return fmt.Errorf("server at %s answered %s: %s", r.server, resp.Status, e.Error.Message)
		}
		return fmt.Errorf("server at %s answered %s", r.server, resp.Status)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("server at %s: unexpected answer: %w", r.server, err)
	}
	return nil
}

// remoteAgent is an agent as the admin API returns it.
type remoteAgent struct {
	Name      string    `json:"name"`
	Queues    []string  `json:"queues"`
	Admin     bool      `json:"admin"`
	CreatedAt time.Time `json:"created_at"`
	Token     string    `json:"token"`
}

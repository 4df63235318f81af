package main

import (
	"bufio"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// With a server holding the database, the agents subcommands work through
// its admin API.
func TestAgentsThroughServer(t *testing.T) {
	db := filepath.Join(t.TempDir(), "held.db")
	out, _, err := cli(t, nil, "agents", "add", "root", "-admin", "-db", db)
	if err != nil {
		t.Fatal(err)
	}
	admin := lastLine(out)
	srv, _ := startServe(t, []string{"-addr", "127.0.0.1:0", "-db", db}, nil)
	url := "http://" + srv.Addr()
	env := map[string]string{"TRIAGEBOT_ADMIN_TOKEN": admin}

	// The file is held: the offline path says what to do.
	if _, _, err := cli(t, nil, "agents", "list", "-db", db); err == nil || !strings.Contains(err.Error(), "-server") {
		t.Errorf("list on a held file: %v, want a pointer to -server", err)
	}
	out, _, err = cli(t, env, "agents", "add", "dora", "-queues", "fraud", "-server", url)
	if err != nil {
		t.Fatal(err)
	}
	dora := lastLine(out)
	me := func(token string) int {
		req, _ := http.NewRequest("GET", url+"/api/me", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if me(dora) != 200 {
		t.Fatal("the token add printed does not work")
	}
	tokenFile := filepath.Join(t.TempDir(), "admin")
	if err := os.WriteFile(tokenFile, []byte(admin+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, _, err = cli(t, nil, "agents", "list", "-server", url, "-token-file", tokenFile)
	if err != nil || !strings.Contains(out, "dora") || !strings.Contains(out, "fraud") || !strings.Contains(out, "root") {
		t.Errorf("list: %v\n%s", err, out)
	}
	out, _, err = cli(t, env, "agents", "rotate", "dora", "-server", url)
	if err != nil {
		t.Fatal(err)
	}
	if me(dora) != 401 || me(lastLine(out)) != 200 {
		t.Error("rotate: the old token still works or the new one does not")
	}
	if _, _, err := cli(t, env, "agents", "remove", "dora", "-server", url); err != nil {
		t.Fatal(err)
	}
	if me(lastLine(out)) != 401 {
		t.Error("remove: the token still works")
	}
	for _, c := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{nil, []string{"agents", "list", "-server", url}, "TRIAGEBOT_ADMIN_TOKEN"},
		{env, []string{"agents", "remove", "nobody", "-server", url}, "404"},
		{env, []string{"agents", "add", "ed", "-queues", "nowhere", "-server", url}, `There is no queue "nowhere"`},
		{env, []string{"agents", "list", "-server", "ftp://x"}, "want a URL"},
		{map[string]string{"TRIAGEBOT_ADMIN_TOKEN": "wrong"}, []string{"agents", "list", "-server", url}, "401"},
	} {
		if _, _, err := cli(t, c.env, c.args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want an error with %q", c.args, err, c.want)
		}
	}
}

// A -canned file with a mistake stops serve with the file, line and column.
func TestServeRefusesABadCannedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "canned.json")
	if err := os.WriteFile(path, []byte("{\n  \"en\": [\n    {\"id\": \"a\", \"title\": \"A\", \"text\": \"{{.Amount}}\"}\n  ]\n}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := parseServe([]string{"-db", filepath.Join(t.TempDir(), "c.db"), "-canned", path}, quiet(fakeEnv(nil)))
	if err != nil {
		t.Fatal(err)
	}
	_, err = NewServer(t.Context(), cfg, slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), "-canned: "+path+":3:5:") {
		t.Errorf("bad -canned: %v, want -canned: FILE:3:5", err)
	}
}

// An agent's event stream outlives the read timeout (like a WebSocket) and
// carries a ticket created by a user of the widget.
func TestEventStreamOutlivesReadTimeout(t *testing.T) {
	db := filepath.Join(t.TempDir(), "events.db")
	out, _, err := cli(t, nil, "agents", "add", "amy", "-db", db)
	if err != nil {
		t.Fatal(err)
	}
	token := lastLine(out)
	srv, _ := startServe(t, []string{"-addr", "127.0.0.1:0", "-db", db, "-read-timeout", "200ms"}, nil)
	conn := dialWS(t, &websocket.Dialer{HandshakeTimeout: 5 * time.Second}, "ws://"+srv.Addr()+"/ws")
	defer conn.Close()

	req, _ := http.NewRequest("GET", "http://"+srv.Addr()+"/api/events", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("events: %v %v", err, resp)
	}
	defer resp.Body.Close()
	lines := make(chan string, 64)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	// Once a request started now is cut off, more than the read timeout
	// has passed since the stream opened.
	cutOff(t, stalledBody(t, srv.Addr()))
	_ = conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if err := conn.WriteJSON(map[string]string{"type": "message", "text": "I want to talk to a person, my withdrawal of HK$3000 failed"}); err != nil {
		t.Fatal(err)
	}
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("the event stream closed")
			}
			if strings.HasPrefix(l, "data: ") && strings.Contains(l, `"kind":"created"`) {
				return
			}
		case <-time.After(30 * time.Second):
			t.Fatal("no created event within 30 s")
		}
	}
}

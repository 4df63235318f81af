package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/boltstore"
)

// cli runs triagebot with args and returns stdout, stderr and the error.
func cli(t *testing.T, env map[string]string, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, stdio{in: strings.NewReader(""), out: &out, err: &errOut, getenv: fakeEnv(env)})
	return out.String(), errOut.String(), err
}

// lastLine is the token line of add and rotate.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

// status asks GET /api/me with token.
func status(t *testing.T, addr, token string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://"+addr+"/api/me", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestAgentsListRotateRemove(t *testing.T) {
	db := filepath.Join(t.TempDir(), "agents.db")
	out, _, err := cli(t, nil, "agents", "add", "alice", "-queues", "payments,fraud", "-db", db)
	if err != nil {
		t.Fatal(err)
	}
	aliceOld := lastLine(out)
	out, _, err = cli(t, nil, "agents", "add", "-db", db, "-admin", "bob") // NAME after the flags
	if err != nil {
		t.Fatal(err)
	}
	bob := lastLine(out)

	out, _, err = cli(t, nil, "agents", "list", "-db", db)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "NAME") ||
		!strings.Contains(lines[1], "alice") || !strings.Contains(lines[1], "payments,fraud") ||
		!strings.Contains(lines[2], "bob") || !strings.Contains(lines[2], "(all)") || !strings.Contains(lines[2], "yes") {
		t.Errorf("agents list:\n%s", out)
	}
	if strings.Contains(out, aliceOld) || strings.Contains(out, bob) {
		t.Error("agents list shows a token")
	}

	out, errOut, err := cli(t, nil, "agents", "rotate", "alice", "-db", db)
	if err != nil {
		t.Fatal(err)
	}
	aliceNew := lastLine(out)
	if strings.TrimSpace(out) != aliceNew || aliceNew == aliceOld || len(aliceNew) < 20 {
		t.Errorf("rotate printed %q; want the new token alone", out)
	}
	if !strings.Contains(errOut, "old one no longer works") {
		t.Errorf("rotate stderr: %q", errOut)
	}
	// bob holds a ticket: removing him gives it back to the queue, and its
	// user is told, as when an agent releases it.
	held := claimedTicket(t, db, "bob")
	_, errOut, err = cli(t, nil, "agents", "remove", "bob", "-db", db)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errOut, "released 1 claimed tickets") || !strings.Contains(errOut, held) {
		t.Errorf("remove stderr: %q", errOut)
	}
	checkReleased(t, db, held)

	// What the server accepts afterwards.
	srv, _ := startServe(t, []string{"-addr", "127.0.0.1:0", "-db", db}, nil)
	for _, tt := range []struct {
		who, token string
		want       int
	}{
		{"alice's new token", aliceNew, 200},
		{"alice's old token", aliceOld, 401},
		{"removed bob's token", bob, 401},
	} {
		if got := status(t, srv.Addr(), tt.token); got != tt.want {
			t.Errorf("%s: %d, want %d", tt.who, got, tt.want)
		}
	}
	// The server holds the file: the CLI says so instead of waiting.
	if _, _, err := cli(t, nil, "agents", "list", "-db", db); err == nil || !strings.Contains(err.Error(), "running server") {
		t.Errorf("list while served: %v", err)
	}
}

func TestAgentsErrors(t *testing.T) {
	db := filepath.Join(t.TempDir(), "agents.db")
	if _, _, err := cli(t, nil, "agents", "add", "alice", "-db", db); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"queue with a space", []string{"add", "bob", "-queues", "BAD QUEUE,../x"}, `-queues: "BAD QUEUE" is not a queue name`},
		{"queue as a path", []string{"add", "bob", "-queues", "../x"}, `-queues: "../x" is not a queue name`},
		{"queue not in the rules", []string{"add", "bob", "-queues", "payments,payment"}, `-queues: "payment" is not a queue of the routing rules`},
		{"unknown subcommand", []string{"delete", "alice"}, `unknown agents command "delete"`},
		{"remove unknown", []string{"remove", "zed"}, `no agent named "zed"`},
		{"rotate unknown", []string{"rotate", "zed"}, `no agent named "zed"`},
		{"rotate without a name", []string{"rotate"}, "NAME is missing"},
		{"list with a name", []string{"list", "alice"}, "unexpected argument"},
		{"two names", []string{"remove", "alice", "bob"}, "unexpected argument"},
		{"duplicate", []string{"add", "alice"}, "already exists"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _, err := cli(t, nil, append(append([]string{"agents"}, tt.args...), "-db", db)...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err %v, want it to say %s", err, tt.want)
			}
			if out != "" {
				t.Errorf("stdout %q on failure", out)
			}
		})
	}
	// Nothing was stored by the refused calls.
	out, _, err := cli(t, nil, "agents", "list", "-db", db)
	if err != nil || strings.Count(strings.TrimSpace(out), "\n") != 1 || !strings.Contains(out, "alice") {
		t.Errorf("after refused calls:\n%s (%v)", out, err)
	}
	// A queue of custom routing rules is accepted with -routing.
	rules := filepath.Join(t.TempDir(), "rules.json")
	if err := os.WriteFile(rules, []byte(`{"intents":{"human_agent":{"queue":"vip","priority":"high"}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := cli(t, nil, "agents", "add", "vera", "-queues", "vip", "-routing", rules, "-db", db); err != nil {
		t.Errorf("a queue of the -routing rules: %v", err)
	}
	if _, _, err := cli(t, nil, "agents", "add", "vic", "-queues", "vip", "-db", db); err == nil {
		t.Error("a queue only custom rules have accepted under the default rules")
	}
}

func TestBackupTokenFromFileOrEnv(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "live.db")
	out, _, err := cli(t, nil, "agents", "add", "root", "-admin", "-db", db)
	if err != nil {
		t.Fatal(err)
	}
	token := lastLine(out)
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv, _ := startServe(t, []string{"-addr", "127.0.0.1:0", "-db", db}, nil)
	for _, tt := range []struct {
		name string
		env  map[string]string
		args []string
	}{
		{"file", nil, []string{"-token-file", tokenFile}},
		{"env file", map[string]string{"TRIAGEBOT_TOKEN_FILE": tokenFile}, nil},
		{"env", map[string]string{"TRIAGEBOT_TOKEN": token}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			copyTo := filepath.Join(t.TempDir(), "copy.db")
			args := append([]string{"backup", "-db", db, "-addr", srv.Addr()}, tt.args...)
			if _, errOut, err := cli(t, tt.env, append(args, copyTo)...); err != nil {
				t.Fatalf("backup: %v\n%s", err, errOut)
			}
			if fi, err := os.Stat(copyTo); err != nil || fi.Size() == 0 {
				t.Fatalf("no copy: %v", err)
			}
		})
	}
	if _, _, err := cli(t, nil, "backup", "-db", db, "-addr", srv.Addr(), filepath.Join(dir, "x.db")); err == nil ||
		!strings.Contains(err.Error(), "TRIAGEBOT_TOKEN") {
		t.Errorf("without a token: %v", err)
	}
	if _, _, err := cli(t, nil, "backup", "-db", db, "-token", "a", "-token-file", tokenFile, filepath.Join(dir, "x.db")); err == nil {
		t.Error("-token and -token-file together accepted")
	}
}

// claimedTicket stores a web ticket that agent has claimed.
func claimedTicket(t *testing.T, db, agent string) string {
	t.Helper()
	store, err := boltstore.Open(db, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	var id string
	err = store.Update(context.Background(), func(tx tickets.Tx) error {
		conv := tickets.Conversation{ID: "c-held", Channel: tickets.Web, User: tickets.User{ID: "u1"}}
		if err := tx.PutConversation(&conv); err != nil {
			return err
		}
		tk := tickets.Ticket{Status: tickets.Open, Intent: "withdrawal_failed", Priority: tickets.High, Queue: "payments",
			Channel: tickets.Web, Lang: "en", User: conv.User, ConversationID: conv.ID, CreatedAt: time.Now()}
		if err := tx.CreateTicket(&tk); err != nil {
			return err
		}
		id = tk.ID
		_, err := tickets.Claim(tx, tk.ID, agent, time.Now())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// checkReleased: the ticket is open with no assignee, and its user has a message waiting.
func checkReleased(t *testing.T, db, id string) {
	t.Helper()
	store, err := boltstore.Open(db, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	err = store.View(context.Background(), func(tx tickets.Tx) error {
		tk, err := tx.Ticket(id)
		if err != nil {
			return err
		}
		if tk.Status != tickets.Open || tk.Assignee != "" {
			t.Errorf("after removing its agent, %s is %s held by %q", id, tk.Status, tk.Assignee)
		}
		out, err := tx.Outbox(tk.ConversationID)
		if err != nil {
			return err
		}
		if len(out) == 0 {
			t.Errorf("the user of %s was not told", id)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

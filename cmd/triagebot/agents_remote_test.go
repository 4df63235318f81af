package main

import (
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
		{env, []string{"agents", "add", "ed", "-queues", "nowhere", "-server", url}, "not in the routing rules"},
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

package main

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// builtBinary builds triagebot into the test's temporary directory, as a
// user would get it.
func builtBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	bin := filepath.Join(t.TempDir(), "triagebot")
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	if out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// cleanEnv is the test process's environment without the product's own
// variables, so a developer's shell cannot change what is tested.
func cleanEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "TRIAGEBOT_") || strings.HasPrefix(kv, "TELEGRAM_") || strings.HasPrefix(kv, "OPENAI_") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, extra...)
}

// runBinary runs the built binary in dir and returns its exit code and output.
func runBinary(t *testing.T, bin, dir string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = cleanEnv()
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		code = exit.ExitCode()
	default:
		t.Fatalf("running %v: %v", args, err)
	}
	return code, out.String(), errOut.String()
}

// TestBinaryHelpAndMistakes runs the built binary as a newcomer would: the
// overview lists every subcommand and exits 0; each subcommand's -h prints
// its flags and exits 0; an unknown subcommand or flag exits 2 with one
// line saying what was wrong, then the usage.
func TestBinaryHelpAndMistakes(t *testing.T) {
	bin := builtBinary(t)
	dir := t.TempDir() // -h must not create ./data here
	listsEveryCommand := func(t *testing.T, text string) {
		t.Helper()
		for name, c := range commands {
			if !strings.Contains(text, "  "+name+" ") || !strings.Contains(text, c.summary) {
				t.Errorf("overview lacks %q (%s):\n%s", name, c.summary, text)
			}
		}
	}
	for _, args := range [][]string{{"-h"}, {"--help"}, {"-help"}, {"help"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			code, out, errOut := runBinary(t, bin, dir, args...)
			if code != 0 || errOut != "" {
				t.Errorf("exit %d, stderr %q; want 0 and nothing", code, errOut)
			}
			listsEveryCommand(t, out)
		})
	}
	for name := range commands {
		t.Run(name+" -h", func(t *testing.T) {
			code, out, errOut := runBinary(t, bin, dir, name, "-h")
			if code != 0 || errOut != "" {
				t.Errorf("exit %d, stderr %q; want 0 and nothing", code, errOut)
			}
			if !strings.HasPrefix(out, "usage: triagebot "+name+" ") {
				t.Errorf("stdout does not start with its usage line:\n%s", out)
			}
			code, _, errOut = runBinary(t, bin, dir, name, "-no-such-flag")
			first, _, _ := strings.Cut(errOut, "\n")
			if code != 2 || !strings.Contains(first, "-no-such-flag") || !strings.Contains(errOut, "usage: triagebot "+name) {
				t.Errorf("%s -no-such-flag: exit %d, stderr:\n%s\nwant 2, the flag named on the first line, then the usage", name, code, errOut)
			}
		})
	}
	t.Run("serve -h", func(t *testing.T) {
		_, out, _ := runBinary(t, bin, dir, "serve", "-h")
		for _, want := range []string{"-addr", `(default "127.0.0.1:8080")`, "-db", `(default "./data/triagebot.db")`,
			"-agent-lang", `(default "en")`, "-tz", `(default "Asia/Hong_Kong")`, "-shutdown-timeout", "(default 10s)"} {
			if !strings.Contains(out, want) {
				t.Errorf("serve -h lacks %q:\n%s", want, out)
			}
		}
		if _, again, _ := runBinary(t, bin, dir, "help", "serve"); again != out {
			t.Errorf("help serve differs from serve -h:\n%s", again)
		}
	})
	t.Run("unknown command", func(t *testing.T) {
		code, out, errOut := runBinary(t, bin, dir, "frobnicate")
		first, rest, _ := strings.Cut(errOut, "\n")
		if code != 2 || out != "" || first != `triagebot: unknown command "frobnicate"` {
			t.Errorf("exit %d, stdout %q, first stderr line %q; want 2, nothing, the unknown command named", code, out, first)
		}
		listsEveryCommand(t, rest)
	})
	t.Run("unknown flag", func(t *testing.T) {
		// No command means serve, so its usage follows.
		code, _, errOut := runBinary(t, bin, dir, "-frobnicate")
		first, _, _ := strings.Cut(errOut, "\n")
		if code != 2 || first != "triagebot serve: flag provided but not defined: -frobnicate" ||
			!strings.Contains(errOut, "-agent-lang") {
			t.Errorf("exit %d, stderr:\n%s\nwant 2, what was wrong, serve's flags", code, errOut)
		}
	})
	t.Run("help for an unknown command", func(t *testing.T) {
		if code, _, _ := runBinary(t, bin, dir, "help", "frobnicate"); code != 2 {
			t.Errorf("exit %d, want 2", code)
		}
	})
	t.Run("missing argument", func(t *testing.T) {
		code, _, errOut := runBinary(t, bin, dir, "backup")
		if first, _, _ := strings.Cut(errOut, "\n"); code != 2 || first != "triagebot backup: OUTFILE is missing" {
			t.Errorf("exit %d, stderr:\n%s", code, errOut)
		}
	})
	t.Run("bad -lang", func(t *testing.T) {
		code, _, errOut := runBinary(t, bin, dir, "chat", "-lang", "fr")
		if first, _, _ := strings.Cut(errOut, "\n"); code != 2 || !strings.Contains(first, "zh-Hant, zh-Hans or en") {
			t.Errorf("exit %d, stderr:\n%s", code, errOut)
		}
	})
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("help and mistakes left files behind: %v", entries)
	}
}

// TestBinaryWelcome starts the built server as a newcomer would and reads
// what it prints: where the widget and the console are, the storage and
// channels, and how to create the first agent, which disappears once one exists.
func TestBinaryWelcome(t *testing.T) {
	bin := builtBinary(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "tb.db")

	serve := func(t *testing.T, lastLine string) string {
		t.Helper()
		cmd := exec.Command(bin, "serve", "-addr", "127.0.0.1:0", "-db", db)
		cmd.Env = cleanEnv()
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		var got strings.Builder
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			got.WriteString(sc.Text() + "\n")
			if strings.Contains(sc.Text(), lastLine) {
				break
			}
		}
		if err := cmd.Process.Signal(os.Interrupt); err != nil {
			t.Fatal(err)
		}
		if err := cmd.Wait(); err != nil {
			t.Errorf("serve after SIGINT: %v\n%s", err, got.String())
		}
		return got.String()
	}

	out := serve(t, "triagebot agents add NAME")
	first, _, _ := strings.Cut(out, "\n")
	base := strings.TrimPrefix(first, "triagebot is serving on ")
	if base == first || !strings.HasPrefix(base, "http://127.0.0.1:") || strings.HasSuffix(base, ":0") {
		t.Fatalf("first line %q does not give the server's URL", first)
	}
	for _, want := range []string{
		"chat widget    " + base + "/\n",
		"agent console  " + base + "/agent\n",
		"storage        bbolt file " + db,
		"Telegram off",
		"LLM            off",
		"No agent can sign in",
		"triagebot agents add NAME -db " + db,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("start-up lacks %q:\n%s", want, out)
		}
	}

	if code, _, errOut := runBinary(t, bin, dir, "agents", "add", "alice", "-db", db); code != 0 {
		t.Fatalf("agents add: exit %d: %s", code, errOut)
	}
	out = serve(t, "agents  ")
	if !strings.Contains(out, "agents         1 can sign in") || strings.Contains(out, "agents add") {
		t.Errorf("with an agent, start-up should count it and not say how to create one:\n%s", out)
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/boltstore"
)

// dbWithTickets writes a closed database holding n tickets.
func dbWithTickets(t *testing.T, n int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "triagebot.db")
	s, err := boltstore.Open(path, boltstore.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Update(context.Background(), func(tx tickets.Tx) error {
		for i := range n {
			tk := tickets.Ticket{Intent: "withdrawal_failed", Priority: tickets.Normal, Queue: "payments",
				Channel: tickets.Web, User: tickets.User{ID: "u1"}, Summary: strings.Repeat(fmt.Sprint(i), 300)}
			if err := tx.CreateTicket(&tk); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// runCmd runs a subcommand and returns its error and everything it wrote.
func runCmd(args ...string) (string, error) {
	var out bytes.Buffer
	err := run(context.Background(), args,
		stdio{in: strings.NewReader(""), out: &out, err: &out, getenv: func(string) string { return "" }})
	return out.String(), err
}

const pageSize = 4096 // bbolt's default on this platform: the OS page size

// TestDamagedFileStopsEveryCommand: serve, agents add, backup, chat and
// check stop with one sentence naming the file and saying to restore a
// backup, where bbolt used to die with "fatal error: fault".
func TestDamagedFileStopsEveryCommand(t *testing.T) {
	if os.Getpagesize() != pageSize {
		t.Skipf("page size %d: the damage below is laid out for %d", os.Getpagesize(), pageSize)
	}
	damages := map[string]func(t *testing.T, path string){
		"truncated": func(t *testing.T, path string) {
			if err := os.Truncate(path, 5*pageSize); err != nil {
				t.Fatal(err)
			}
		},
		"zeroed meta pages": func(t *testing.T, path string) { writeAt(t, path, 0, make([]byte, 2*pageSize)) },
		"scribbled pages": func(t *testing.T, path string) {
			fi, _ := os.Stat(path)
			writeAt(t, path, 2*pageSize, bytes.Repeat([]byte{0xFF}, int(fi.Size())-2*pageSize))
		},
	}
	for name, damage := range damages {
		for _, cmd := range [][]string{
			{"serve", "-addr", "127.0.0.1:0"},
			{"agents", "add", "alice"},
			{"backup", "OUT"},
			{"chat"},
			{"check"},
		} {
			t.Run(name+"/"+cmd[0], func(t *testing.T) {
				path := dbWithTickets(t, 100)
				damage(t, path)
				args := append([]string{cmd[0], "-db", path}, cmd[1:]...)
				if cmd[0] == "agents" {
					args = []string{"agents", "add", "alice", "-db", path}
				}
				for i, a := range args {
					if a == "OUT" {
						args[i] = filepath.Join(t.TempDir(), "copy.db")
					}
				}
				out, err := runCmd(args...)
				if err == nil {
					t.Fatalf("%s succeeded on a damaged file:\n%s", cmd[0], out)
				}
				msg := err.Error()
				for _, want := range []string{path, "is damaged", "triagebot backup"} {
					if !strings.Contains(msg, want) {
						t.Errorf("error lacks %q: %v", want, msg)
					}
				}
			})
		}
	}
}

func writeAt(t *testing.T, path string, off int64, b []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}

// TestCheckCommand: a sound file passes (exit 0); a file with a scribbled
// leaf deep in the tree opens, and check lists what is wrong (exit 1).
func TestCheckCommand(t *testing.T) {
	path := dbWithTickets(t, 300)
	out, err := runCmd("check", "-db", path)
	if err != nil || !strings.Contains(out, path+": ok") {
		t.Fatalf("check on a sound file: %v\n%s", err, out)
	}
	if os.Getpagesize() != pageSize {
		t.Skipf("page size %d: the damage below is laid out for %d", os.Getpagesize(), pageSize)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// The last leaf page holding ticket records: past the first leaf,
	// which Open's probe reads. Its header is kept so bbolt follows its
	// offsets.
	leaf := -1
	for id := 2; (id+1)*pageSize <= len(raw); id++ {
		p := raw[id*pageSize : (id+1)*pageSize]
		if binary.NativeEndian.Uint16(p[8:]) == 0x02 && bytes.Contains(p, []byte(`"priority":"normal"`)) {
			leaf = id
		}
	}
	if leaf < 0 {
		t.Fatal("no ticket leaf page found")
	}
	writeAt(t, path, int64(leaf*pageSize)+16, bytes.Repeat([]byte{0xFF}, pageSize-16))
	out, err = runCmd("check", "-db", path)
	if err == nil {
		t.Fatalf("check passed a scribbled file:\n%s", out)
	}
	if !strings.Contains(err.Error(), "problem") || !strings.Contains(out, path+": ") {
		t.Errorf("check should list the problems: err %v\n%s", err, out)
	}
}

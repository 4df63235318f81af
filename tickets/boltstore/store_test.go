package boltstore_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/boltstore"
)

func TestOpenCreatesDirectoryAndWritesSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a", "b", "triagebot.db")
	s, err := boltstore.Open(path, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket([]byte("meta")).Get([]byte("schema_version"))
		if !bytes.Equal(v, []byte{0, 0, 0, 0, 0, 0, 0, 2}) {
			t.Errorf("schema version = %x, want 2", v)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// setSchema overwrites the stored schema version of a closed store.
func setSchema(t *testing.T, path string, v []byte) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("meta")).Put([]byte("schema_version"), v)
	}); err != nil {
		t.Fatal(err)
	}
}

func TestOpenRefusesOtherSchema(t *testing.T) {
	tests := []struct {
		name    string
		stored  []byte
		mention []string
	}{
		{"newer", []byte{0, 0, 0, 0, 0, 0, 0, 3}, []string{"version 3", "version 2"}},
		{"garbage", []byte("x"), []string{"1 bytes"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, path := openTest(t, boltstore.Options{})
			mustCreate(t, s, newTicket("q", tickets.High))
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			setSchema(t, path, tc.stored)
			s2, err := boltstore.Open(path, boltstore.Options{})
			if err == nil {
				s2.Close()
				t.Fatal("Open succeeded on a foreign schema")
			}
			if !errors.Is(err, tickets.ErrSchema) {
				t.Fatalf("err = %v, want ErrSchema", err)
			}
			for _, m := range tc.mention {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not mention %q", err, m)
				}
			}
			// Refusing must not have changed the file.
			setSchema(t, path, []byte{0, 0, 0, 0, 0, 0, 0, 2})
			s3, err := boltstore.Open(path, boltstore.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer s3.Close()
			view(t, s3, func(tx tickets.Tx) error {
				_, err := tx.Ticket("T-000001")
				return err
			})
		})
	}
}

func TestOpenInUseSameProcess(t *testing.T) {
	_, path := openTest(t, boltstore.Options{})
	start := time.Now()
	s2, err := boltstore.Open(path, boltstore.Options{Timeout: 300 * time.Millisecond})
	elapsed := time.Since(start)
	if err == nil {
		s2.Close()
		t.Fatal("second Open in the same process succeeded")
	}
	if !errors.Is(err, tickets.ErrDatabaseUse) {
		t.Fatalf("err = %v, want ErrDatabaseUse", err)
	}
	if elapsed > 2*time.Second {
		t.Errorf("second Open took %v", elapsed)
	}
}

// TestHoldLock is the child process of TestOpenInUseOtherProcess: it holds
// the store open until its stdin closes.
func TestHoldLock(t *testing.T) {
	path := os.Getenv("BOLTSTORE_HOLD")
	if path == "" {
		t.Skip("helper process only")
	}
	s, err := boltstore.Open(path, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	os.Stdout.WriteString("locked\n")
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
}

func TestOpenInUseOtherProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "triagebot.db")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestHoldLock$")
	cmd.Env = append(os.Environ(), "BOLTSTORE_HOLD="+path)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = stdin.Close(); _ = cmd.Wait() }()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "locked\n" {
		t.Fatalf("child: %q, %v", line, err)
	}

	start := time.Now()
	s, err := boltstore.Open(path, boltstore.Options{}) // default 1s timeout
	elapsed := time.Since(start)
	if err == nil {
		s.Close()
		t.Fatal("Open succeeded while another process holds the file")
	}
	if !errors.Is(err, tickets.ErrDatabaseUse) {
		t.Fatalf("err = %v, want ErrDatabaseUse", err)
	}
	if elapsed < 900*time.Millisecond || elapsed > 2500*time.Millisecond {
		t.Errorf("gave up after %v, want about the 1s default timeout", elapsed)
	}

	// Once the other process lets go, the file opens.
	_ = stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child: %v", err)
	}
	s, err = boltstore.Open(path, boltstore.Options{})
	if err != nil {
		t.Fatalf("Open after the holder exited: %v", err)
	}
	s.Close()
}

// TestRolledBackCreateLeavesNoGap: boltstore's ticket sequence is part
// of the transaction, so a rolled-back create does not use up a number
// (the suite checks that it leaves nothing else behind).
func TestRolledBackCreateLeavesNoGap(t *testing.T) {
	s, _ := openTest(t, boltstore.Options{})
	boom := errors.New("boom")
	err := s.Update(context.Background(), func(tx tickets.Tx) error {
		tk := newTicket("q", tickets.Low)
		if err := tx.CreateTicket(&tk); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	tk := mustCreate(t, s, newTicket("q", tickets.Low))
	if tk.ID != "T-000001" {
		t.Errorf("id after a rolled-back create = %s, want T-000001 (no gap)", tk.ID)
	}
}

func TestBackupRespectsContext(t *testing.T) {
	s, _ := openTest(t, boltstore.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Backup(ctx, &bytes.Buffer{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Backup on a done context: %v", err)
	}
}

// fill writes one of everything the store keeps and returns the ticket.
func fill(t *testing.T, s tickets.Store) tickets.Ticket {
	t.Helper()
	var tk tickets.Ticket
	update(t, s, func(tx tickets.Tx) error {
		c := tickets.Conversation{ID: "c1", Channel: tickets.Telegram, User: tickets.User{ID: "42"}, Address: "42"}
		if err := tx.PutConversation(&c); err != nil {
			return err
		}
		tk = newTicket("payments", tickets.Urgent)
		tk.Channel, tk.User, tk.ConversationID = tickets.Telegram, tickets.User{ID: "42"}, "c1"
		if err := tx.CreateTicket(&tk); err != nil {
			return err
		}
		a := tickets.Attachment{ID: "att1", Filename: "s.png", ContentType: "image/png"}
		if err := tx.PutAttachment(&a, tk.ID, []byte("\x89PNG data")); err != nil {
			return err
		}
		for _, text := range []string{"one", "two"} {
			if err := tx.Enqueue(&tickets.OutMessage{ConversationID: "c1", Kind: tickets.KindMessage, From: tickets.FromBot, Text: text}); err != nil {
				return err
			}
		}
		if err := tx.CreateAgent(&tickets.Agent{Name: "amy", TokenHash: tickets.HashToken("secret")}); err != nil {
			return err
		}
		if _, err := tx.Seen("update:1"); err != nil {
			return err
		}
		return tx.SetMeta("telegram.offset", []byte("1001"))
	})
	return tk
}

// checkFilled verifies everything fill wrote.
func checkFilled(t *testing.T, s tickets.Store, want tickets.Ticket) {
	t.Helper()
	view(t, s, func(tx tickets.Tx) error {
		got, err := tx.Ticket(want.ID)
		if err != nil {
			return err
		}
		if got.Queue != want.Queue || got.Priority != want.Priority || !got.CreatedAt.Equal(want.CreatedAt) {
			t.Errorf("ticket = %+v, want %+v", got, want)
		}
		list, err := tx.Tickets(tickets.Filter{Status: tickets.Open, Queue: "payments", Priority: tickets.Urgent})
		if err != nil || len(list) != 1 || list[0].ID != want.ID {
			t.Errorf("indexed list = %v, %v", ids(list), err)
		}
		mine, err := tx.TicketsOfUser(tickets.Telegram, "42")
		if err != nil || len(mine) != 1 {
			t.Errorf("user index = %v, %v", ids(mine), err)
		}
		counts, err := tx.CountTickets()
		if err != nil || counts[tickets.TicketKey{Status: tickets.Open, Queue: "payments", Priority: tickets.Urgent}] != 1 {
			t.Errorf("counts = %v, %v", counts, err)
		}
		if _, data, err := tx.AttachmentData("att1"); err != nil || string(data) != "\x89PNG data" {
			t.Errorf("attachment = %q, %v", data, err)
		}
		out, err := tx.Outbox("c1")
		if err != nil || len(out) != 2 || out[1].Text != "two" {
			t.Errorf("outbox = %+v, %v", out, err)
		}
		if p, err := tx.PendingConversations(tickets.Telegram); err != nil || len(p) != 1 || p[0] != "c1" {
			t.Errorf("pending = %v, %v", p, err)
		}
		if a, err := tx.AgentByTokenHash(tickets.HashToken("secret")); err != nil || a.Name != "amy" {
			t.Errorf("agent = %+v, %v", a, err)
		}
		if v, err := tx.Meta("telegram.offset"); err != nil || string(v) != "1001" {
			t.Errorf("meta = %q, %v", v, err)
		}
		return nil
	})
	// Seen is a write: check it in an Update that must report "already seen".
	update(t, s, func(tx tickets.Tx) error {
		if seen, err := tx.Seen("update:1"); err != nil || !seen {
			t.Errorf("Seen after reopen = %v, %v", seen, err)
		}
		return nil
	})
}

func TestReopenKeepsEverything(t *testing.T) {
	s, path := openTest(t, boltstore.Options{})
	tk := fill(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := boltstore.Open(path, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	checkFilled(t, s2, tk)
	// The sequence continues after a reopen.
	if next := mustCreate(t, s2, newTicket("q", tickets.Low)); next.ID != "T-000002" {
		t.Errorf("next id after reopen = %s, want T-000002", next.ID)
	}
}

func TestBackupIsAUsableCopy(t *testing.T) {
	s, _ := openTest(t, boltstore.Options{})
	tk := fill(t, s)
	backup := filepath.Join(t.TempDir(), "backup.db")
	f, err := os.Create(backup)
	if err != nil {
		t.Fatal(err)
	}
	n, err := s.Backup(context.Background(), f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil || n == 0 {
		t.Fatalf("Backup = %d, %v", n, err)
	}
	// The original is still open and writable: the backup was hot.
	mustCreate(t, s, newTicket("q", tickets.Low))
	b, err := boltstore.Open(backup, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	checkFilled(t, b, tk)
	view(t, b, func(tx tickets.Tx) error {
		if _, err := tx.Ticket("T-000002"); !errors.Is(err, tickets.ErrNotFound) {
			t.Errorf("ticket created after the backup is in it: %v", err)
		}
		return nil
	})
}

// TestTimesKeepNanoseconds: boltstore keeps times to the nanosecond (the
// suite asks only for microseconds, as PostgreSQL keeps them).
func TestTimesKeepNanoseconds(t *testing.T) {
	s, _ := openTest(t, boltstore.Options{})
	at := time.Date(2025, 11, 2, 15, 4, 5, 123456789, time.UTC)
	tk := newTicket("q", tickets.High)
	tk.CreatedAt, tk.ConversationID = at, "c"
	tk.Transcript = []tickets.Entry{{From: tickets.FromUser, Text: "hi", At: at}}
	update(t, s, func(tx tickets.Tx) error {
		c := tickets.Conversation{ID: "c", Channel: tickets.Web, CreatedAt: at, UpdatedAt: at}
		if err := tx.PutConversation(&c); err != nil {
			return err
		}
		if err := tx.Enqueue(&tickets.OutMessage{ConversationID: "c", Kind: tickets.KindMessage, Text: "x", CreatedAt: at}); err != nil {
			return err
		}
		if err := tx.CreateAgent(&tickets.Agent{Name: "amy", TokenHash: tickets.HashToken("t"), CreatedAt: at}); err != nil {
			return err
		}
		return tx.CreateTicket(&tk)
	})
	view(t, s, func(tx tickets.Tx) error {
		got, err := tx.Ticket(tk.ID)
		c, err2 := tx.Conversation("c")
		out, err3 := tx.Outbox("c")
		a, err4 := tx.Agent("amy")
		if err := errors.Join(err, err2, err3, err4); err != nil {
			return err
		}
		for name, v := range map[string]time.Time{"ticket": got.CreatedAt, "entry": got.Transcript[0].At,
			"conversation": c.UpdatedAt, "outbox": out[0].CreatedAt, "agent": a.CreatedAt} {
			if !v.Equal(at) {
				t.Errorf("%s time %s, want %s", name, v.Format(time.RFC3339Nano), at.Format(time.RFC3339Nano))
			}
		}
		return nil
	})
}

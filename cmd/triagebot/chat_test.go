package main

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/boltstore"
)

// TestChatDialogueToTicket plays a whole dialogue through `triagebot chat`:
// typed answers, /attach, a quick reply by its number and /quit, then checks
// the ticket it left in the database.
func TestChatDialogueToTicket(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "chat.db")
	shot := filepath.Join(dir, "status.png")
	var img bytes.Buffer
	if err := png.Encode(&img, image.NewGray(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(shot, img.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	input := strings.Join([]string{
		"my withdrawal to my bank account never arrived",
		"2 Nov 2025 at 3pm",
		"HK$3,000",
		"WD20251102X1",
		"/attach " + shot,
		"2", // the second quick reply: "I still need help"
		"/quit",
	}, "\n") + "\n"
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"chat", "-db", db, "-user", "u7"},
		stdio{in: strings.NewReader(input), out: &out, err: &errOut, getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatalf("chat: %v\n%s", err, out.String())
	}
	for _, want := range []string{"When did it happen?", "[1] That fixed it", "(I still need help)", "[ticket T-000001: open"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("chat output lacks %q:\n%s", want, out.String())
		}
	}

	store, err := boltstore.Open(db, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	err = store.View(context.Background(), func(tx tickets.Tx) error {
		tk, err := tx.Ticket("T-000001")
		if err != nil {
			return err
		}
		if tk.Intent != "withdrawal_failed" || tk.Details.Amount != "3000.00" || tk.Details.Currency != "HKD" ||
			tk.Details.TransactionID != "WD20251102X1" || len(tk.Attachments) != 1 || tk.User.ID != "u7" {
			t.Errorf("ticket = %+v", tk)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestChatRefusesABusyDatabase(t *testing.T) {
	db := filepath.Join(t.TempDir(), "busy.db")
	store, err := boltstore.Open(db, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	var out bytes.Buffer
	err = run(context.Background(), []string{"chat", "-db", db},
		stdio{in: strings.NewReader("/quit\n"), out: &out, err: &out, getenv: func(string) string { return "" }})
	if err == nil || !strings.Contains(err.Error(), "stop the server") {
		t.Errorf("chat on a held database: err = %v, want a hint to stop the server", err)
	}
}

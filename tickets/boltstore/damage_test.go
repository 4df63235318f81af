package boltstore_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/boltstore"
)

// healthyFile writes a closed database with enough tickets to span many
// pages, and returns its path and bbolt's page size.
func healthyFile(t *testing.T) (string, int) {
	path, ps, _ := healthyFileInUse(t)
	return path, ps
}

// healthyFileInUse is healthyFile that also says how many bytes of the file
// its pages use (the high-water mark; the file itself is larger).
func healthyFileInUse(t *testing.T) (string, int, int64) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "damaged.db")
	s, err := boltstore.Open(path, boltstore.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	update(t, s, func(tx tickets.Tx) error {
		for i := range 200 {
			tk := newTicket("payments", tickets.Normal)
			tk.Summary = strings.Repeat(fmt.Sprintf("ticket %d ", i), 40)
			if err := tx.CreateTicket(&tk); err != nil {
				return err
			}
		}
		return nil
	})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var inUse int64
	_ = db.View(func(tx *bolt.Tx) error { inUse = tx.Size(); return nil })
	return path, db.Info().PageSize, inUse
}

// leafPages lists the leaf pages holding ticket records that are no
// bucket's root, highest id first: damage there is not seen by Open's probe
// of the roots, and reading the tickets must meet it.
func leafPages(t *testing.T, path string) []int {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ps := db.Info().PageSize
	var pages []int
	err = db.View(func(tx *bolt.Tx) error {
		roots := map[int]bool{}
		_ = tx.ForEach(func(_ []byte, b *bolt.Bucket) error { roots[int(b.Root())] = true; return nil })
		for id := 2; ; id++ {
			info, err := tx.Page(id)
			if err != nil || info == nil {
				return err
			}
			// A ticket record's page (events and indexes also name a
			// priority; only ticket records start with their sequence).
			if info.Type == "leaf" && !roots[id] && bytes.Contains(raw[id*ps:(id+1)*ps], []byte(`{"seq":`)) {
				pages = append([]int{id}, pages...)
			}
		}
	})
	if err != nil || len(pages) == 0 {
		t.Fatalf("no leaf page found (%v)", err)
	}
	return pages
}

// overwrite writes b at off in the file at path.
func overwrite(t *testing.T, path string, off int64, b []byte) {
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

// TestOpenRefusesDamagedFiles: each damage bbolt would crash on (fatal
// error: fault) is refused by Open with an error wrapping ErrDamaged that
// names the file.
func TestOpenRefusesDamagedFiles(t *testing.T) {
	tests := []struct {
		name   string
		damage func(t *testing.T, path string, pageSize int)
		want   string
	}{
		{"last page in use cut off", func(t *testing.T, path string, ps int) {
			_, _, inUse := healthyFileInUse(t) // same content, so the same size
			if err := os.Truncate(path, inUse-int64(ps)); err != nil {
				t.Fatal(err)
			}
		}, "truncated"},
		{"truncated to three pages", func(t *testing.T, path string, ps int) {
			if err := os.Truncate(path, int64(3*ps)); err != nil {
				t.Fatal(err)
			}
		}, "truncated"},
		{"shorter than a page", func(t *testing.T, path string, _ int) {
			if err := os.Truncate(path, 100); err != nil {
				t.Fatal(err)
			}
		}, "meta page"},
		{"both meta pages zeroed", func(t *testing.T, path string, ps int) {
			overwrite(t, path, 0, make([]byte, 2*ps))
		}, "neither meta page is valid"},
		{"both meta checksums wrong", func(t *testing.T, path string, ps int) {
			overwrite(t, path, 40, []byte{0xAB}) // inside the root bucket field
			overwrite(t, path, int64(ps)+40, []byte{0xAB})
		}, "checksum mismatch"},
		{"every page after the meta pages scribbled", func(t *testing.T, path string, ps int) {
			fi, _ := os.Stat(path)
			overwrite(t, path, int64(2*ps), bytes.Repeat([]byte{0xFF}, int(fi.Size())-2*ps))
		}, "damaged"},
		{"not a bbolt file", func(t *testing.T, path string, _ int) {
			if err := os.WriteFile(path, bytes.Repeat([]byte("hello, world\n"), 4096), 0o600); err != nil {
				t.Fatal(err)
			}
		}, "neither meta page is valid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, ps := healthyFile(t)
			tt.damage(t, path, ps)
			s, err := boltstore.Open(path, boltstore.Options{})
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded on a damaged file")
			}
			if !errors.Is(err, tickets.ErrDamaged) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want ErrDamaged naming %s and saying %q", err, path, tt.want)
			}
		})
	}
}

// TestOpenSurvivesOneBadMetaPage: bbolt writes the meta pages in turn and
// falls back to the other after a torn write; that file is not damaged.
func TestOpenSurvivesOneBadMetaPage(t *testing.T) {
	for _, page := range []int{0, 1} {
		t.Run(fmt.Sprint("page ", page), func(t *testing.T) {
			path, ps := healthyFile(t)
			overwrite(t, path, int64(page*ps), make([]byte, ps))
			s, err := boltstore.Open(path, boltstore.Options{})
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer s.Close()
			// Falling back to page 0 loses the last transaction (the 200
			// tickets), as bbolt intends; the file must still work.
			update(t, s, func(tx tickets.Tx) error { tk := newTicket("q", tickets.Low); return tx.CreateTicket(&tk) })
			view(t, s, func(tx tickets.Tx) error { _, err := tx.Tickets(tickets.Filter{}); return err })
		})
	}
}

// TestScribbledLeafPage: damage deep in the tree passes Open (only the
// path to each bucket's first leaf is probed), but reading it is an error,
// not a crash, and Check lists it. The page header is kept so bbolt trusts
// the page and follows its element offsets: far out of the map (the memory
// fault that used to kill the process), or past any slice bound.
func TestScribbledLeafPage(t *testing.T) {
	far := make([]byte, 16) // a leaf element: flags, pos, ksize, vsize
	binary.NativeEndian.PutUint32(far[4:], 1<<30)
	binary.NativeEndian.PutUint32(far[8:], 8)
	binary.NativeEndian.PutUint32(far[12:], 8)
	for _, fill := range []struct {
		name  string
		bytes []byte
	}{{"offsets a GiB away", far}, {"all ones", []byte{0xFF}}} {
		t.Run(fill.name, func(t *testing.T) {
			path, ps := healthyFile(t)
			pristine, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			for _, page := range leafPages(t, path) {
				if err := os.WriteFile(path, pristine, 0o600); err != nil {
					t.Fatal(err)
				}
				overwrite(t, path, int64(page*ps)+16, bytes.Repeat(fill.bytes, ps)[:ps-16])
				s, err := boltstore.Open(path, boltstore.Options{})
				if errors.Is(err, tickets.ErrDamaged) {
					continue // the probe reached this page; try a deeper one
				}
				if err != nil {
					t.Fatalf("Open: %v", err)
				}
				defer s.Close()
				readAll(t, s)
				problems, err := s.Check(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				if len(problems) == 0 {
					t.Error("Check found nothing wrong")
				}
				return
			}
			t.Fatal("every scribbled leaf was caught at Open; none left to test reads with")
		})
	}
}

// readAll reads every ticket and every list page; on a damaged file that
// must fail (with an error: a crash would end the test binary).
func readAll(t *testing.T, s *boltstore.Store) {
	t.Helper()
	err := s.View(context.Background(), func(tx tickets.Tx) error {
		for i := 1; i <= 200; i++ {
			if _, err := tx.Ticket(fmt.Sprintf("T-%06d", i)); err != nil {
				return err
			}
		}
		for _, f := range []tickets.Filter{{Limit: tickets.MaxLimit}, {Status: tickets.Open, Limit: tickets.MaxLimit}} {
			if _, err := tx.Tickets(f); err != nil {
				return err
			}
		}
		if _, err := tx.CountTickets(); err != nil {
			return err
		}
		_, err := tx.TicketsOfUser(tickets.Web, "u1")
		return err
	})
	if err == nil {
		t.Error("reading everything in a scribbled file succeeded")
	}
}

// TestCheckHealthy: a sound file has no problems.
func TestCheckHealthy(t *testing.T) {
	path, _ := healthyFile(t)
	s, err := boltstore.Open(path, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	problems, err := s.Check(context.Background())
	if err != nil || len(problems) != 0 {
		t.Errorf("Check = %v, %v; want no problems", problems, err)
	}
}

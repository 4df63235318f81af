package boltstore

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"os"

	bolt "go.etcd.io/bbolt"

	"github.com/triagebot/triagebot/tickets"
)

// bbolt maps the whole file and follows page numbers read from it without
// bounds checks: a truncated or scribbled file makes it read past the
// mapping, and the process dies with "fatal error: fault" — no recover can
// catch that. So before bolt.Open sees a file, checkFile reads its two meta
// pages with ordinary reads and refuses a file bbolt could not safely map.
// What the meta pages cannot show (a scribbled page inside the tree) is
// found by Check, and meanwhile every transaction runs with memory faults
// turned into panics (guard, committer.commit), so it fails one call
// instead of the process.
//
// The layout below is bbolt v1.5's (go.etcd.io/bbolt/internal/common:
// page.go, meta.go, types.go), in the machine's byte order as bbolt writes it:
//
//	page header: id u64 @0, flags u16 @8, count u16 @10, overflow u32 @12
//	meta:        magic u32 @16, version u32 @20, pageSize u32 @24, flags u32 @28,
//	             root bucket {root pgid u64 @32, sequence u64 @40},
//	             freelist pgid u64 @48, pgid (high-water mark) u64 @56,
//	             txid u64 @64, checksum u64 @72 = FNV-64a of bytes [16, 72)
const (
	metaMagic      = 0xED0CDAED
	metaVersion    = 2
	metaPageFlag   = 0x04
	metaOff        = 16
	metaSumOff     = 72
	metaEnd        = 80
	noFreelist     = ^uint64(0)
	minPageSize    = 1024
	maxPageSize    = 1024 << 14 // the largest bbolt probes for
	metaPagesCount = 2
)

// meta is the part of a meta page checkFile needs.
type meta struct {
	pageSize           uint32
	root, freelist, hw uint64
	txid               uint64
}

// parseMeta decodes and validates a meta page as bbolt's Meta.Validate
// does (magic, version, checksum), plus the page header's meta flag.
func parseMeta(b []byte) (meta, error) {
	if len(b) < metaEnd {
		return meta{}, errors.New("cut short")
	}
	le := binary.NativeEndian
	if le.Uint16(b[8:]) != metaPageFlag {
		return meta{}, errors.New("not marked as a meta page")
	}
	if le.Uint32(b[metaOff:]) != metaMagic {
		return meta{}, errors.New("no bbolt magic number")
	}
	if v := le.Uint32(b[metaOff+4:]); v != metaVersion {
		return meta{}, fmt.Errorf("format version %d, want %d", v, metaVersion)
	}
	h := fnv.New64a()
	h.Write(b[metaOff:metaSumOff])
	if h.Sum64() != le.Uint64(b[metaSumOff:]) {
		return meta{}, errors.New("checksum mismatch")
	}
	m := meta{
		pageSize: le.Uint32(b[metaOff+8:]),
		root:     le.Uint64(b[32:]),
		freelist: le.Uint64(b[48:]),
		hw:       le.Uint64(b[56:]),
		txid:     le.Uint64(b[64:]),
	}
	if m.pageSize < minPageSize || m.pageSize > maxPageSize || m.pageSize&(m.pageSize-1) != 0 {
		return meta{}, fmt.Errorf("page size %d is not a power of two from %d to %d", m.pageSize, minPageSize, maxPageSize)
	}
	return m, nil
}

// damaged wraps tickets.ErrDamaged with what was found.
func damaged(path, format string, args ...any) error {
	return fmt.Errorf("%s: %w: %s", path, tickets.ErrDamaged, fmt.Sprintf(format, args...))
}

// checkFile refuses, with an error wrapping tickets.ErrDamaged, a file that
// bbolt would map unsafely: no valid meta page, or shorter than the pages
// its newest valid meta page says are in use. A missing or empty file is
// fine (bbolt creates it). One bad meta page is not refused: bbolt writes
// them in turn and falls back to the other after a torn write, by design.
func checkFile(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	size := fi.Size()
	if size == 0 {
		return nil
	}
	read := func(off int64) []byte {
		b := make([]byte, metaEnd)
		n, _ := f.ReadAt(b, off)
		return b[:n]
	}
	m0, err0 := parseMeta(read(0))
	pageSize := int64(m0.pageSize)
	if err0 != nil {
		// Page 0 is unreadable: find page 1 at each size bbolt may use.
		for ps := int64(minPageSize); ps <= maxPageSize && ps+metaEnd <= size; ps <<= 1 {
			if m, err := parseMeta(read(ps)); err == nil && int64(m.pageSize) == ps {
				pageSize = ps
				break
			}
		}
		if pageSize == 0 {
			return damaged(path, "neither meta page is valid (page 0: %v); this is not a readable bbolt file", err0)
		}
	}
	m1, err1 := parseMeta(read(pageSize))
	if err1 == nil && int64(m1.pageSize) != pageSize {
		err1 = fmt.Errorf("page size %d disagrees with page 0's %d", m1.pageSize, pageSize)
	}
	// bbolt uses the valid meta page with the higher transaction id.
	use, which := m0, 0
	switch {
	case err0 != nil && err1 != nil:
		return damaged(path, "neither meta page is valid (page 0: %v; page 1: %v)", err0, err1)
	case err0 != nil || (err1 == nil && m1.txid > m0.txid):
		use, which = m1, 1
	}
	if use.hw < metaPagesCount || use.root >= use.hw || (use.freelist != noFreelist && use.freelist >= use.hw) {
		return damaged(path, "meta page %d is inconsistent (root page %d, freelist page %d, %d pages in use)",
			which, use.root, use.freelist, use.hw)
	}
	if need := int64(use.hw) * pageSize; size < need {
		return damaged(path, "the file is %d bytes but its meta page %d says %d pages of %d bytes (%d bytes) are in use: it was truncated",
			size, which, use.hw, pageSize, need)
	}
	return nil
}

// probe touches the root page of every top-level bucket, with faults made
// panics: a scribbled root or bucket page is found at Open, not later by
// the first user whose turn reads it. It costs one page per bucket.
func probe(db *bolt.DB) error {
	return guard(func() error {
		return db.View(func(tx *bolt.Tx) error {
			return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
				b.Cursor().First()
				return nil
			})
		})
	})
}

// MaxProblems bounds what Check lists: a badly damaged file can have
// thousands, and the first ones say enough.
const MaxProblems = 50

// Check verifies the whole file: it reads every key and value of every
// bucket (so a page that points outside the file fails here, as an error,
// instead of faulting inside bbolt's checker), then runs bbolt's own
// consistency check (tx.Check: page references, freelist, key order). It
// returns the problems found, at most MaxProblems; none means healthy. It
// reads the whole file: an operator's command, not a start-up step.
func (s *Store) Check(ctx context.Context) ([]error, error) {
	var problems []error
	err := guard(func() error {
		return s.db.View(func(btx *bolt.Tx) error {
			if err := walk(ctx, btx); err != nil {
				problems = append(problems, err)
				return nil
			}
			for err := range btx.Check() {
				if len(problems) < MaxProblems {
					problems = append(problems, err)
				}
			}
			return nil
		})
	})
	if err != nil {
		// A panic during the walk is a finding, not a failure to check.
		problems = append(problems, err)
	}
	return problems, ctx.Err()
}

// sink keeps walk's reads from being optimised away.
var sink byte

// walk reads every key and value in the file, nested buckets included.
func walk(ctx context.Context, btx *bolt.Tx) error {
	var visit func(path string, b *bolt.Bucket) error
	visit = func(path string, b *bolt.Bucket) error {
		c := b.Cursor()
		n := 0
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if n++; n%4096 == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
			if v == nil {
				if child := b.Bucket(k); child != nil {
					if err := visit(path+"/"+string(k), child); err != nil {
						return err
					}
				}
				continue
			}
			if len(v) > 0 { // touch both ends: an overflow value spans pages
				sink ^= v[0] ^ v[len(v)-1]
			}
		}
		return nil
	}
	return btx.ForEach(func(name []byte, b *bolt.Bucket) error {
		if err := visit(string(name), b); err != nil {
			return fmt.Errorf("bucket %s: %w", name, err)
		}
		return nil
	})
}

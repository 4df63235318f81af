package boltstore

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/internal/record"
)

// The search index (see tickets/search.go for what q means). Postings are
// keys block|gram|seq in ix_search (see blockShift); a query judges each
// gram's rarity on the newest blocks, walks the rarest one's postings block
// by block from the newest, and only looks up the others. No per-gram
// count is kept: it would add pages to every ticket write. The index is
// maintained in the transaction that changes the ticket, and only for what
// changed: a new transcript line costs its own grams, not the transcript's.
// Grams are never removed while the ticket exists (a replaced transaction id
// leaves its old grams behind, as do the bot's lines of a file written
// before tickets.Searchable left them out); Matches rechecks every hit, so
// a stale gram costs a lookup, never a wrong result.

// keySearchIndex marks a file whose search index is built; a file from
// before search gets it built once at Open.
var keySearchIndex = []byte("search_index")

// buildSearchIndex indexes every ticket of a file written before search
// existed (once: a mark in meta says it is done). The buckets exist by now.
func buildSearchIndex(btx *bolt.Tx) error {
	meta := btx.Bucket(bucketMeta)
	if meta.Get(keySearchIndex) != nil {
		return nil
	}
	x := &tx{tx: btx}
	err := btx.Bucket(bucketTickets).ForEach(func(k, v []byte) error {
		var rec record.Ticket
		if err := record.Decode(v, &rec); err != nil {
			return fmt.Errorf("ticket %x: %w", k, err)
		}
		t := rec.Ticket()
		if t.TranscriptFrom > 0 {
			all, err := x.Transcript(t.ID)
			if err != nil {
				return err
			}
			t.Transcript = all
		}
		return indexTicket(btx, rec.Seq, nil, &t)
	})
	if err != nil {
		return fmt.Errorf("build search index: %w", err)
	}
	return meta.Put(keySearchIndex, []byte{1})
}

// maxSearchScan bounds the candidates one query examines, so a query of
// common words that rarely occur together cannot walk the whole index.
const maxSearchScan = 50_000

// searchDoc is what the filters of a search read for a candidate, without
// decoding the ticket: status, queue and priority.
func searchDoc(t *tickets.Ticket) []byte {
	d := appendString(nil, string(t.Status))
	d = appendString(d, t.Queue)
	return append(d, byte(t.Priority.Rank()))
}

// indexTicket adds the grams and exact keys of what after has that before
// (nil for a new ticket) had not, and rewrites the search doc.
func indexTicket(btx *bolt.Tx, seq uint64, before, after *tickets.Ticket) error {
	if err := btx.Bucket(bucketSearchDoc).Put(be64(seq), searchDoc(after)); err != nil {
		return err
	}
	var texts []string
	if before == nil {
		texts = tickets.SearchFields(after)
	} else {
		oldFields, newFields := tickets.SearchFields(before), tickets.SearchFields(after)
		// The first six fields are scalars (see SearchFields): index one
		// when it changed. Notes and transcript only grow: index their
		// new entries.
		const scalars = 6
		for i := 0; i < scalars; i++ {
			if newFields[i] != oldFields[i] {
				texts = append(texts, newFields[i])
			}
		}
		for _, n := range newNotes(before.Notes, after.Notes) {
			texts = append(texts, n.Text)
		}
		for _, e := range newEntries(before.Transcript, after.Transcript) {
			if tickets.Searchable(e) {
				texts = append(texts, e.Text)
			}
		}
	}
	grams := make(map[string]struct{})
	for _, t := range texts {
		tickets.IndexGrams(t, func(g string) { grams[g] = struct{}{} })
	}
	post := btx.Bucket(bucketSearch)
	keys := make([][]byte, 0, len(grams))
	for g := range grams {
		keys = append(keys, postingKey(seq, g))
	}
	// In key order, so neighbouring Puts land on pages already in hand.
	slices.SortFunc(keys, bytes.Compare)
	for _, k := range keys {
		// A key already there is left alone: a Put would dirty its page
		// (and so write it at commit) for nothing.
		if post.Get(k) != nil {
			continue
		}
		if err := post.Put(k, nil); err != nil {
			return err
		}
	}
	exact := btx.Bucket(bucketSearchKey)
	for _, key := range tickets.ExactKeys(after) {
		if err := exact.Put(binary.BigEndian.AppendUint64(appendString(nil, key), seq), nil); err != nil {
			return err
		}
	}
	return nil
}

// newEntries returns the entries of after not in before: those after
// before's last entry. A windowed transcript drops entries at the front, so
// the match is made on the last entry, not on the length.
func newEntries(before, after []tickets.Entry) []tickets.Entry {
	if len(before) == 0 {
		return after
	}
	last := before[len(before)-1]
	for i := len(after) - 1; i >= 0; i-- {
		if e := after[i]; e.At.Equal(last.At) && e.From == last.From && e.Text == last.Text {
			return after[i+1:]
		}
	}
	return after
}

func newNotes(before, after []tickets.Note) []tickets.Note {
	if len(after) >= len(before) {
		return after[len(before):]
	}
	return after
}

// search answers a Filter with Q: tickets whose transaction or user id
// equals q, or whose id is q, first; then the others newest first.
func (x *tx) search(f tickets.Filter, limit int) ([]tickets.Ticket, error) {
	if !tickets.ValidQuery(f.Q) {
		return nil, tickets.Refuse(tickets.ErrInvalid, "The search text may have at most %d characters.", tickets.MaxQueryRunes)
	}
	if f.After != "" {
		return nil, tickets.Refuse(tickets.ErrInvalid, "A search answers its best matches in one page; after= cannot page it.")
	}
	words := tickets.QueryWords(f.Q)
	if len(words) == 0 {
		return nil, tickets.Refuse(tickets.ErrInvalid, "The search text %q has no letters or digits.", f.Q)
	}
	out := make([]tickets.Ticket, 0, min(limit, 64))
	seen := make(map[uint64]bool)
	// take checks a candidate against the filters (from its search doc)
	// and the query (from the ticket), and keeps it.
	take := func(seq uint64) error {
		if seen[seq] {
			return nil
		}
		seen[seq] = true
		if !docMatches(x.tx.Bucket(bucketSearchDoc).Get(be64(seq)), f) {
			return nil
		}
		rec, err := getTicketSeq(x.tx, seq)
		if err != nil {
			return err
		}
		t := rec.Ticket()
		check := t
		if t.TranscriptFrom > 0 {
			// The oldest lines are in the archive; the index has their
			// grams, so the check must read them too.
			if check.Transcript, err = x.Transcript(t.ID); err != nil {
				return err
			}
		}
		if tickets.Matches(&check, words) {
			out = append(out, t)
		}
		return nil
	}

	// Identifiers first: the ticket id itself, then exact transaction and
	// user ids.
	whole := strings.TrimSpace(tickets.NormalizeSearch(f.Q))
	if seq, ok := record.ParseTicketID(strings.ToUpper(whole)); ok {
		if x.tx.Bucket(bucketTickets).Get(be64(seq)) != nil {
			if err := take(seq); err != nil {
				return nil, fmt.Errorf("search: %w", err)
			}
		}
	}
	prefix := appendString(nil, whole)
	c := x.tx.Bucket(bucketSearchKey).Cursor()
	var exact []uint64
	for k, _ := c.Seek(prefix); hasPrefix(k, prefix) && len(k) == len(prefix)+8; k, _ = c.Next() {
		exact = append(exact, u64(k[len(prefix):]))
	}
	for _, seq := range slices.Backward(exact) {
		if len(out) >= limit {
			break
		}
		if err := take(seq); err != nil {
			return nil, fmt.Errorf("search: %w", err)
		}
	}

	// Then the grams: walk the rarest one's postings from the newest,
	// checking the others by lookup.
	grams := make([]string, 0, 8)
	for _, w := range words {
		for _, g := range tickets.QueryGrams(w) {
			if !slices.Contains(grams, g) {
				grams = append(grams, g)
			}
		}
	}
	if len(grams) == 0 {
		return nil, tickets.Refuse(tickets.ErrInvalid, "Search for %q with at least two Chinese characters.", f.Q)
	}
	// The rarest gram leads: count each one's postings in the newest
	// blocks (a sample: enough to tell a transaction id from "withdrawal").
	post := x.tx.Bucket(bucketSearch)
	last := x.tx.Bucket(bucketTickets).Sequence()
	n := make(map[string]int, len(grams))
	for _, g := range grams {
		n[g] = samplePostings(post, g, last)
	}
	slices.SortStableFunc(grams, func(a, b string) int { return n[a] - n[b] })
	pc := post.Cursor()
	key := make([]byte, 0, 64)
	var blockSeqs []uint64
	scanned := 0
	// Walk the blocks from the newest; in each, the rarest gram's tickets
	// newest first, checking the other grams by lookup.
	for block := int64(last >> blockShift); block >= 0 && len(out) < limit && scanned < maxSearchScan; block-- {
		prefix := blockGramPrefix(uint64(block), grams[0])
		blockSeqs = blockSeqs[:0]
		for k, _ := pc.Seek(prefix); hasPrefix(k, prefix) && len(k) == len(prefix)+8; k, _ = pc.Next() {
			blockSeqs = append(blockSeqs, u64(k[len(prefix):]))
		}
		for _, seq := range slices.Backward(blockSeqs) {
			if len(out) >= limit || scanned >= maxSearchScan {
				break
			}
			scanned++
			all := true
			for _, o := range grams[1:] {
				key = append(blockGramPrefix(uint64(block), o), be64(seq)...)
				if post.Get(key) == nil {
					all = false
					break
				}
			}
			if !all {
				continue
			}
			if err := take(seq); err != nil {
				return nil, fmt.Errorf("search: %w", err)
			}
		}
	}
	return out, nil
}

// Postings are grouped in blocks of 2^blockShift consecutive tickets: a key
// is block|gram|seq. New tickets all fall in the newest block, so the pages
// a ticket write dirties are that block's few, not one page per gram across
// the whole index (which made every commit write hundreds of pages); a
// query pays a seek per block instead, newest first, and stops when it has
// its page.
const blockShift = 6

// sampleBlocks is how many of the newest blocks rarity is judged on.
const sampleBlocks = 32

func blockGramPrefix(block uint64, gram string) []byte {
	return appendString(binary.BigEndian.AppendUint32(nil, uint32(block)), gram)
}

func postingKey(seq uint64, gram string) []byte {
	return binary.BigEndian.AppendUint64(blockGramPrefix(seq>>blockShift, gram), seq)
}

// samplePostings counts gram's postings in the newest sampleBlocks blocks.
func samplePostings(b *bolt.Bucket, gram string, last uint64) int {
	n := 0
	c := b.Cursor()
	top := int64(last >> blockShift)
	for block := top; block >= 0 && block > top-sampleBlocks; block-- {
		prefix := blockGramPrefix(uint64(block), gram)
		for k, _ := c.Seek(prefix); hasPrefix(k, prefix) && len(k) == len(prefix)+8; k, _ = c.Next() {
			n++
		}
	}
	return n
}

// docMatches applies a filter's status, queue, queues and priority to a
// search doc.
func docMatches(doc []byte, f tickets.Filter) bool {
	status, rest, err := readString(doc)
	if err != nil {
		return false
	}
	queue, rest, err := readString(rest)
	if err != nil || len(rest) != 1 {
		return false
	}
	switch {
	case f.Status != "" && string(f.Status) != status,
		f.Queue != "" && f.Queue != queue,
		len(f.Queues) > 0 && !slices.Contains(f.Queues, queue),
		f.Priority != "" && byte(f.Priority.Rank()) != rest[0]:
		return false
	}
	return true
}

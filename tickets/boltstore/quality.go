package boltstore

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/internal/record"
)

// Service quality: the SLA sweep and reports read these instead of tickets.
// Like the queue indexes, they change in the same transaction as the ticket
// (putTicket), so they can never disagree with it.
var (
	bucketIdxDue    = []byte("ix_sla_due")   // due|seq → "" while the ticket waits for its first response
	bucketIdxReport = []byte("ix_report")    // created|seq → reportValue
	bucketOutcomes  = []byte("dlg_outcomes") // quarter-hour|outcome → count

	qualityBuckets = [][]byte{bucketIdxDue, bucketIdxReport, bucketOutcomes}

	// keyQualityIndexes marks a file whose quality indexes are built; a file
	// from before them gets them built once at Open.
	keyQualityIndexes = []byte("quality_indexes")
)

// outcomeGrain is the resolution of outcome counts: every zone's offset is
// a multiple of 15 minutes, so a report's days cut exactly in any zone.
const outcomeGrain = 15 * 60

func dueKey(r *record.Ticket) []byte {
	return binary.BigEndian.AppendUint64(appendTime(nil, r.SLADue), r.Seq)
}

func reportKey(r *record.Ticket) []byte {
	return binary.BigEndian.AppendUint64(appendTime(nil, r.CreatedAt), r.Seq)
}

func waiting(r *record.Ticket) bool {
	return r.Status != string(tickets.Resolved) && r.FirstResponse.IsZero() && !r.Breached && !r.SLADue.IsZero()
}

// putQualityIndexes moves a ticket's entries in the quality indexes from
// old (nil for a new ticket) to rec.
func putQualityIndexes(btx *bolt.Tx, old, rec *record.Ticket) error {
	due := btx.Bucket(bucketIdxDue)
	if old != nil && waiting(old) && (!waiting(rec) || !old.SLADue.Equal(rec.SLADue)) {
		if err := due.Delete(dueKey(old)); err != nil {
			return err
		}
	}
	if waiting(rec) {
		if err := due.Put(dueKey(rec), nil); err != nil {
			return err
		}
	}
	rep := btx.Bucket(bucketIdxReport)
	if old != nil && !old.CreatedAt.Equal(rec.CreatedAt) {
		if err := rep.Delete(reportKey(old)); err != nil {
			return err
		}
	}
	return rep.Put(reportKey(rec), reportValue(rec))
}

// reportValue is a compact binary form of the report row: decoding 100,000
// of them must take milliseconds, which JSON does not.
func reportValue(r *record.Ticket) []byte {
	b := make([]byte, 0, 96)
	for _, s := range []string{r.Status, r.Intent, r.Priority, r.Queue, r.Channel, r.Lang} {
		b = appendString(b, s)
	}
	for _, t := range []time.Time{r.SLADue, r.FirstResponse, r.ResolvedAt} {
		b = binary.AppendVarint(b, unixNano(t))
	}
	var flags, score byte
	if r.Breached {
		flags = 1
	}
	if r.CSAT != nil {
		score = byte(r.CSAT.Score)
	}
	return append(b, flags, score)
}

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromUnixNano(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// readTime is the inverse of appendTime.
func readTime(b []byte) time.Time {
	sec := int64(binary.BigEndian.Uint64(b) ^ (1 << 63))
	return time.Unix(sec, int64(binary.BigEndian.Uint32(b[8:]))).UTC()
}

// interner shares one string per distinct value: a report's rows repeat a
// few dozen intents, queues and languages, and 100,000 rows must not mean
// 600,000 small allocations.
type interner map[string]string

func (in interner) get(b []byte) string {
	if s, ok := in[string(b)]; ok { // no allocation for the lookup
		return s
	}
	s := string(b)
	in[s] = s
	return s
}

func decodeReportRow(k, v []byte, in interner) (tickets.ReportRow, error) {
	var row tickets.ReportRow
	if len(k) != 20 {
		return row, fmt.Errorf("report index key %x: corrupt", k)
	}
	row.CreatedAt = readTime(k)
	row.ID = fastTicketID(binary.BigEndian.Uint64(k[12:]))
	var strs [6]string
	rest := v
	for i := range strs {
		n, w := binary.Uvarint(rest)
		if w <= 0 || uint64(len(rest)-w) < n {
			return row, fmt.Errorf("report row %s: corrupt key part %x", row.ID, rest)
		}
		strs[i], rest = in.get(rest[w:w+int(n)]), rest[w+int(n):]
	}
	var times [3]time.Time
	for i := range times {
		n, k := binary.Varint(rest)
		if k <= 0 {
			return row, fmt.Errorf("report row %s: corrupt time", row.ID)
		}
		times[i], rest = fromUnixNano(n), rest[k:]
	}
	if len(rest) != 2 {
		return row, fmt.Errorf("report row %s: corrupt flags", row.ID)
	}
	row.Status, row.Intent, row.Priority = tickets.Status(strs[0]), strs[1], tickets.Priority(strs[2])
	row.Queue, row.Channel, row.Lang = strs[3], tickets.Channel(strs[4]), strs[5]
	row.SLADue, row.FirstResponseAt, row.ResolvedAt = times[0], times[1], times[2]
	row.Breached, row.CSATScore = rest[0]&1 != 0, int(rest[1])
	return row, nil
}

// DueTickets walks the due index from its start: every entry there is a
// waiting ticket, so the walk stops at the first one not yet due.
func (x *tx) DueTickets(t time.Time, limit int) ([]tickets.Ticket, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("due tickets: limit %d: %w", limit, tickets.ErrInvalid)
	}
	end := appendTime(nil, t)
	var out []tickets.Ticket
	c := x.tx.Bucket(bucketIdxDue).Cursor()
	for k, _ := c.First(); k != nil && len(out) < limit; k, _ = c.Next() {
		if len(k) != 20 {
			return nil, fmt.Errorf("due tickets: index key %x: corrupt", k)
		}
		if bytes.Compare(k[:12], end) > 0 {
			break
		}
		rec, err := getTicketSeq(x.tx, binary.BigEndian.Uint64(k[12:]))
		if err != nil {
			return nil, fmt.Errorf("due tickets: index entry %x: %w", k, err)
		}
		out = append(out, rec.Ticket())
	}
	return out, nil
}

// NextDue reads the first key of the due index.
func (x *tx) NextDue() (time.Time, error) {
	k, _ := x.tx.Bucket(bucketIdxDue).Cursor().First()
	if k == nil {
		return time.Time{}, nil
	}
	if len(k) != 20 {
		return time.Time{}, fmt.Errorf("next due: index key %x: corrupt", k)
	}
	return readTime(k), nil
}

// ReportRows walks the report index over [from, to).
func (x *tx) ReportRows(from, to time.Time, fn func(tickets.ReportRow) error) error {
	end := appendTime(nil, to)
	in := interner{}
	c := x.tx.Bucket(bucketIdxReport).Cursor()
	for k, v := c.Seek(appendTime(nil, from)); k != nil && bytes.Compare(k, end) < 0; k, v = c.Next() {
		row, err := decodeReportRow(k, v, in)
		if err != nil {
			return fmt.Errorf("report rows: %w", err)
		}
		if err := fn(row); err != nil {
			return err
		}
	}
	return nil
}

func outcomeKey(at time.Time, o tickets.Outcome) []byte {
	q := at.Unix()
	q -= ((q % outcomeGrain) + outcomeGrain) % outcomeGrain // floor, also before 1970
	return append(binary.BigEndian.AppendUint64(nil, uint64(q)^(1<<63)), o...)
}

// CountOutcome adds one to the outcome's count of at's quarter hour.
func (x *tx) CountOutcome(at time.Time, o tickets.Outcome) error {
	if !o.Valid() {
		return fmt.Errorf("count outcome %q: %w", o, tickets.ErrInvalid)
	}
	b := x.tx.Bucket(bucketOutcomes)
	k := outcomeKey(at, o)
	var n uint64
	if v := b.Get(k); len(v) == 8 {
		n = u64(v)
	}
	if err := b.Put(k, be64(n+1)); err != nil {
		return fmt.Errorf("count outcome: %w", err)
	}
	return nil
}

// Outcomes sums the quarter hours in [from, to): at most 96 keys per
// outcome and day.
func (x *tx) Outcomes(from, to time.Time) (map[tickets.Outcome]int, error) {
	out := map[tickets.Outcome]int{}
	end := outcomeKey(to, "")
	c := x.tx.Bucket(bucketOutcomes).Cursor()
	for k, v := c.Seek(outcomeKey(from, "")); k != nil && bytes.Compare(k, end) < 0; k, v = c.Next() {
		if len(k) < 8 || len(v) != 8 {
			return nil, fmt.Errorf("outcomes: entry %x: corrupt", k)
		}
		out[tickets.Outcome(k[8:])] += int(u64(v))
	}
	return out, nil
}

// buildQualityIndexes fills the quality indexes of a file written before
// they existed: one walk over the tickets, once.
func buildQualityIndexes(btx *bolt.Tx) error {
	meta := btx.Bucket(bucketMeta)
	if meta.Get(keyQualityIndexes) != nil {
		return nil
	}
	err := btx.Bucket(bucketTickets).ForEach(func(k, v []byte) error {
		var rec record.Ticket
		if err := record.Decode(v, &rec); err != nil {
			return fmt.Errorf("ticket %x: %w", k, err)
		}
		return putQualityIndexes(btx, nil, &rec)
	})
	if err != nil {
		return fmt.Errorf("build quality indexes: %w", err)
	}
	return meta.Put(keyQualityIndexes, []byte{1})
}

// fastTicketID is record.FormatTicketID without fmt: reports format an id per row.
func fastTicketID(seq uint64) string {
	var buf [32]byte
	b := append(buf[:0], record.TicketIDPrefix...)
	digits := strconv.AppendUint(buf[len(buf)-20:len(buf)-20], seq, 10)
	for range 6 - len(digits) {
		b = append(b, '0')
	}
	return string(append(b, digits...))
}

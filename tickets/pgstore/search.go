package pgstore

import (
	"fmt"
	"math"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/internal/record"
)

// Search (see tickets/search.go for what q means). Each ticket's searchable
// text is normalized (tickets.NormalizeSearch) in ticket_text, a row for its
// own fields and one for the lines each write appended (text.go), under a
// pg_trgm GIN index; every query word becomes "some row of the ticket has
// text LIKE '%word%'", which the index answers for words of three
// characters or more (CJK included: pg_trgm in a UTF-8 database makes
// trigrams of any letters) and which is checked row by row for shorter
// ones. A word has no white space, so it matches inside one field, as
// tickets.Matches requires.
//
// boltstore finds a word of one or two Latin characters only at the start
// of a word (its index holds padded trigrams, "  a" and " ab", as
// pg_trgm's do); the rows found are checked in Go for those grams, so the
// two stores return the same tickets in the same order.

// wordCond is the condition one query word puts on a ticket.
const wordCond = `seq IN (SELECT seq FROM ticket_text WHERE text LIKE $%d)`

// allText is a ticket's whole text, for the check of padded grams.
const allText = `(SELECT string_agg(text, E'\n') FROM ticket_text tt WHERE tt.seq = tickets.seq)`

// maxSearchScan bounds the candidates one query examines, as boltstore's.
const maxSearchScan = 50_000

// searchBatch is how many candidates one round trip fetches.
const searchBatch = 200

// likeEscaper makes a word a LIKE pattern matching it literally.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// search answers a Filter with Q: tickets whose id is q, or whose
// transaction or user id equals q, first; then the others newest first.
func (x *tx) search(f tickets.Filter, limit int) ([]tickets.Ticket, error) {
	if !tickets.ValidQuery(f.Q) {
		return nil, fmt.Errorf("search: q over %d characters: %w", tickets.MaxQueryRunes, tickets.ErrInvalid)
	}
	if f.After != "" {
		return nil, fmt.Errorf("search: after= cannot page a search: %w", tickets.ErrInvalid)
	}
	words := tickets.QueryWords(f.Q)
	if len(words) == 0 {
		return nil, fmt.Errorf("search: q %q has no letters or digits: %w", f.Q, tickets.ErrInvalid)
	}
	var grams, padded []string
	for _, w := range words {
		for _, g := range tickets.QueryGrams(w) {
			grams = append(grams, g)
			if strings.HasPrefix(g, " ") {
				padded = append(padded, g)
			}
		}
	}
	if len(grams) == 0 {
		return nil, fmt.Errorf("search: %q: a Chinese word needs at least two characters: %w", f.Q, tickets.ErrInvalid)
	}
	var base where
	base.filters(f)
	for _, w := range words {
		base.add(wordCond, "%"+likeEscaper.Replace(w)+"%")
	}

	out := make([]tickets.Ticket, 0, min(limit, 64))
	seen := make(map[int64]bool)
	type hit struct {
		seq  int64
		t    tickets.Ticket
		text string
	}
	scan := func(r pgx.Rows) (hit, error) {
		var h hit
		var doc []byte
		if err := r.Scan(&h.seq, &doc, &h.text); err != nil {
			return h, err
		}
		var rec record.Ticket
		if err := record.Decode(doc, &rec); err != nil {
			return h, err
		}
		h.t = rec.Ticket()
		return h, nil
	}

	// Identifiers first: the ticket id itself, then exact transaction and
	// user ids, newest first.
	whole := strings.TrimSpace(tickets.NormalizeSearch(f.Q))
	var idSeq int64
	if seq, ok := record.ParseTicketID(strings.ToUpper(whole)); ok {
		idSeq = int64(seq)
	}
	w := base
	w.conds = append([]string(nil), base.conds...)
	w.args = append([]any(nil), base.args...)
	w.add("(seq = $%d OR exact_keys @> ARRAY[$%d]::text[])", idSeq, whole)
	w.args = append(w.args, idSeq, limit)
	q := fmt.Sprintf(`SELECT seq, doc, '' FROM tickets%s ORDER BY seq = $%d DESC, seq DESC LIMIT $%d`,
		w.String(), len(w.args)-1, len(w.args))
	hits, err := rows(x, q, w.args, scan)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	for _, h := range hits {
		seen[h.seq] = true
		out = append(out, h.t)
	}

	// Then every match, newest first, a batch at a time.
	text := "''"
	if len(padded) > 0 {
		text = allText
	}
	cursor := int64(math.MaxInt64)
	for scanned := 0; len(out) < limit && scanned < maxSearchScan; {
		w := base
		w.conds = append([]string(nil), base.conds...)
		w.args = append([]any(nil), base.args...)
		w.add("seq < $%d", cursor)
		w.args = append(w.args, searchBatch)
		hits, err := rows(x, fmt.Sprintf(`SELECT seq, doc, %s FROM tickets%s ORDER BY seq DESC LIMIT $%d`,
			text, w.String(), len(w.args)), w.args, scan)
		if err != nil {
			return nil, fmt.Errorf("search: %w", err)
		}
		for _, h := range hits {
			scanned++
			cursor = h.seq
			if seen[h.seq] || len(out) >= limit || !hasGrams(h.text, padded) {
				continue
			}
			out = append(out, h.t)
		}
		if len(hits) < searchBatch {
			break
		}
	}
	return out, nil
}

// hasGrams reports whether text (normalized) has every one of the padded
// grams: a Latin word starting with the gram's letters.
func hasGrams(text string, padded []string) bool {
	if len(padded) == 0 {
		return true
	}
	need := make(map[string]bool, len(padded))
	for _, g := range padded {
		need[g] = true
	}
	tickets.IndexGrams(text, func(g string) {
		delete(need, g)
	})
	return len(need) == 0
}

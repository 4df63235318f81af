package pgstore

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/triagebot/triagebot/tickets"
)

// The group commit (tickets.GroupUpdater). A transaction's fixed cost, its
// commit above all, is most of what a dialogue turn costs PostgreSQL, so
// concurrent turns share one: a group of calls runs in one transaction on
// one connection, each call's function in its own goroutine with a tx of
// its own. The functions' statements go out in rounds: once every function
// of the group waits for a result or has returned, everything they asked
// for goes in one pipeline (BEGIN first), and the results go back to each.
// Their queued writes, events and one COMMIT end the group.
//
// A call is taken out and run alone afterwards (Update) when its function
// asks for a row another call of the group holds (a conversation, a
// ticket, an agent: tx.claim), or fails, having written nothing yet. When
// anything else fails (a statement, so the transaction is aborted; a
// function that failed after writing) the group rolls back and every call
// runs alone. So a function may run twice, as with any Update.

const (
	// maxGroup bounds the calls of one group.
	maxGroup = 32
	// groupTimeout bounds one group's transaction.
	groupTimeout = 30 * time.Second
)

// errGroupConflict is a group member's read of a row another member holds.
var errGroupConflict = errors.New("pgstore: the row is held by another call of the group")

// grouper queues the calls for the goroutine that runs the groups.
type grouper struct {
	mu    sync.Mutex
	queue []*groupCall
	kick  chan struct{} // capacity 1
}

type groupCall struct {
	ctx  context.Context
	fn   func(tickets.Tx) error
	done chan groupOutcome // capacity 1
}

// groupOutcome is what a call learns: its result, or that it must run
// alone.
type groupOutcome struct {
	err  error
	solo bool
}

func newGrouper() *grouper { return &grouper{kick: make(chan struct{}, 1)} }

// UpdateGroup implements tickets.GroupUpdater: fn runs in a transaction
// shared with other calls made meanwhile, or alone (see above).
func (s *Store) UpdateGroup(ctx context.Context, fn func(tickets.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c := &groupCall{ctx: ctx, fn: fn, done: make(chan groupOutcome, 1)}
	g := s.group
	g.mu.Lock()
	g.queue = append(g.queue, c)
	g.mu.Unlock()
	select {
	case g.kick <- struct{}{}:
	default:
	}
	var o groupOutcome
	select {
	case o = <-c.done:
	case <-ctx.Done():
		if g.withdraw(c) {
			return ctx.Err()
		}
		o = <-c.done // in a group already: its result is on the way
	case <-s.seq.done:
		if g.withdraw(c) {
			return errClosed
		}
		o = <-c.done
	}
	if o.solo {
		return s.Update(ctx, fn)
	}
	return o.err
}

// withdraw takes c out of the queue; false when a group has it already
// (then its outcome is on the way, and saying it was not applied could be
// a lie).
func (g *grouper) withdraw(c *groupCall) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	i := slices.Index(g.queue, c)
	if i < 0 {
		return false
	}
	g.queue = slices.Delete(g.queue, i, i+1)
	return true
}

// runGroups runs the queued calls, a group at a time, until ctx ends; the
// calls still queued then run alone.
func (s *Store) runGroups(ctx context.Context) {
	g := s.group
	for {
		select {
		case <-ctx.Done():
			g.mu.Lock()
			left := g.queue
			g.queue = nil
			g.mu.Unlock()
			for _, c := range left {
				c.done <- groupOutcome{solo: true}
			}
			return
		case <-g.kick:
		}
		for {
			g.mu.Lock()
			n := min(len(g.queue), maxGroup)
			calls := slices.Clone(g.queue[:n])
			g.queue = slices.Delete(g.queue, 0, n)
			g.mu.Unlock()
			if n == 0 {
				break
			}
			s.runGroup(ctx, calls)
		}
	}
}

// runGroup runs one group and gives every call its outcome.
func (s *Store) runGroup(ctx context.Context, calls []*groupCall) {
	outcomes := make([]groupOutcome, len(calls))
	defer func() {
		for i, c := range calls {
			c.done <- outcomes[i]
		}
	}()
	allSolo := func() {
		for i := range outcomes {
			outcomes[i] = groupOutcome{solo: true}
		}
	}
	if len(calls) == 1 {
		allSolo() // nothing to share: the caller's own Update costs less
		return
	}
	gctx, cancel := context.WithTimeout(ctx, groupTimeout)
	defer cancel()
	conn, err := s.pool.Acquire(gctx)
	if err != nil {
		allSolo()
		return
	}
	defer conn.Release()
	co := &coordinator{conn: conn, ctx: gctx, live: len(calls), claims: map[string]int{}, wake: make(chan struct{}, 1)}
	xs := make([]*tx, len(calls))
	errs := make([]error, len(calls))
	var wg sync.WaitGroup
	for i, c := range calls {
		xs[i] = &tx{s: s, ctx: c.ctx, conn: &groupConn{co: co, member: i}, write: true, now: s.now, begun: true, group: co, member: i}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = safely(c.fn, xs[i])
			co.finished()
		}()
	}
	roundErr := co.run()
	wg.Wait()

	abort := roundErr != nil
	var members []*tx
	for i, x := range xs {
		switch {
		case errs[i] == nil && x.failed == nil:
			members = append(members, x)
		case x.failed == nil && !x.wrote:
			outcomes[i] = groupOutcome{solo: true}
		default:
			abort = true
		}
	}
	if abort || len(members) == 0 {
		allSolo()
		if co.begun {
			rollback(gctx, conn)
		}
		return
	}
	b := &pgx.Batch{}
	if !co.begun {
		// No member read anything: the writes still commit as one.
		b.Queue("BEGIN ISOLATION LEVEL READ COMMITTED")
	}
	var done committed
	for _, x := range members {
		x.prelude(b)
		x.queueEvents(b)
		done.changed = done.changed || x.changed
		done.events = done.events || len(x.events) > 0
		done.sent = append(done.sent, x.sent...)
	}
	if err := sendCommit(gctx, conn, b); err != nil {
		s.recordFailure(err)
		rollback(gctx, conn)
		var pe *pgconn.PgError
		if errors.As(err, &pe) || errors.Is(err, errRolledBack) {
			// The server refused a statement (one member's write, say a
			// unique key): nothing was committed, and each call goes
			// again alone, so only the one at fault fails.
			allSolo()
			return
		}
		// The connection failed around COMMIT: whether it happened is not
		// known, so the calls are not run again (as Update does).
		for i, x := range xs {
			if slices.Contains(members, x) {
				outcomes[i] = groupOutcome{err: err}
			}
		}
		return
	}
	s.recordFailure(nil)
	s.metrics.groupSize.Observe(float64(len(members)))
	s.announce(ctx, done)
	// outcomes of members stay zero: committed.
}

// coordinator runs a group's rounds on its connection.
type coordinator struct {
	conn *pgxpool.Conn
	ctx  context.Context

	mu      sync.Mutex
	live    int        // functions still running
	waiting []*request // what the running ones wait for
	claims  map[string]int
	begun   bool
	wake    chan struct{} // capacity 1: a function asked or returned
}

// request is one member's batch, waiting for its round.
type request struct {
	member int
	batch  *pgx.Batch
	res    []groupResult
	err    error
	ready  chan struct{}
}

// result is one statement's answer, read to the end.
type groupResult struct {
	tag    pgconn.CommandTag
	fields []pgconn.FieldDescription
	rows   [][][]byte
	err    error
}

func (co *coordinator) signal() {
	select {
	case co.wake <- struct{}{}:
	default:
	}
}

func (co *coordinator) finished() {
	co.mu.Lock()
	co.live--
	co.mu.Unlock()
	co.signal()
}

func (co *coordinator) submit(r *request) {
	co.mu.Lock()
	co.waiting = append(co.waiting, r)
	co.mu.Unlock()
	co.signal()
}

// claim gives key to member, unless another member has it.
func (co *coordinator) claim(key string, member int) error {
	co.mu.Lock()
	defer co.mu.Unlock()
	if owner, ok := co.claims[key]; ok && owner != member {
		return errGroupConflict
	}
	co.claims[key] = member
	return nil
}

// run sends rounds until every function has returned. After a failed
// round the transaction is aborted: every later request fails at once.
func (co *coordinator) run() error {
	var failed error
	for {
		co.mu.Lock()
		all := len(co.waiting) == co.live
		var reqs []*request
		if all {
			reqs, co.waiting = co.waiting, nil
		}
		live := co.live
		co.mu.Unlock()
		if !all {
			<-co.wake
			continue
		}
		if live == 0 {
			return failed
		}
		if failed == nil {
			failed = co.round(reqs)
		}
		for _, r := range reqs {
			if failed != nil && r.err == nil && r.res == nil {
				r.err = failed
			}
			close(r.ready)
		}
	}
}

// round sends the requests in one pipeline, in member order, BEGIN first
// in the first round.
func (co *coordinator) round(reqs []*request) error {
	slices.SortFunc(reqs, func(a, b *request) int { return a.member - b.member })
	b := &pgx.Batch{}
	if !co.begun {
		co.begun = true
		b.Queue("BEGIN ISOLATION LEVEL READ COMMITTED")
	}
	for _, r := range reqs {
		r.res = make([]groupResult, len(r.batch.QueuedQueries))
		for j, q := range r.batch.QueuedQueries {
			res := &r.res[j]
			b.Queue(q.SQL, q.Arguments...).Query(func(rows pgx.Rows) error {
				for rows.Next() {
					if res.fields == nil {
						// Only a row has them for sure: a failed
						// statement's rows have no result to ask.
						res.fields = slices.Clone(rows.FieldDescriptions())
					}
					raw := rows.RawValues()
					row := make([][]byte, len(raw))
					for k, v := range raw {
						if v != nil {
							row[k] = slices.Clone(v)
						}
					}
					res.rows = append(res.rows, row)
				}
				rows.Close()
				if err := rows.Err(); err != nil {
					res.err = err
					return err
				}
				res.tag = rows.CommandTag()
				return nil
			})
		}
	}
	if err := co.conn.SendBatch(co.ctx, b).Close(); err != nil {
		// The statement that failed and every one after it: the
		// transaction is aborted.
		for _, r := range reqs {
			for j := range r.res {
				if r.res[j].tag.String() == "" && r.res[j].err == nil {
					r.res[j].err = err
				}
			}
		}
		return err
	}
	return nil
}

// groupConn is a member's connection: its statements go in the rounds.
type groupConn struct {
	co     *coordinator
	member int
}

func (c *groupConn) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	r := &request{member: c.member, batch: b, ready: make(chan struct{})}
	if err := ctx.Err(); err != nil {
		return &groupResults{err: err}
	}
	c.co.submit(r)
	<-r.ready
	return &groupResults{req: r, err: r.err}
}

func (c *groupConn) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	b := &pgx.Batch{}
	b.Queue(sql, args...)
	br := c.SendBatch(ctx, b)
	rows, err := br.Query()
	_ = br.Close()
	return rows, err
}

// groupResults replays a request's results as pgx.BatchResults.
type groupResults struct {
	req  *request
	next int
	err  error
}

func (g *groupResults) take() (*groupResult, error) {
	if g.err != nil && (g.req == nil || g.req.res == nil) {
		return nil, g.err
	}
	if g.next >= len(g.req.res) {
		return nil, errors.New("pgstore: no more results in the batch")
	}
	r := &g.req.res[g.next]
	g.next++
	return r, r.err
}

func (g *groupResults) Exec() (pgconn.CommandTag, error) {
	r, err := g.take()
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	return r.tag, nil
}

func (g *groupResults) Query() (pgx.Rows, error) {
	r, err := g.take()
	if err != nil {
		return &groupRows{err: err}, err
	}
	return &groupRows{res: r, at: -1}, nil
}

func (g *groupResults) QueryRow() pgx.Row {
	rows, _ := g.Query()
	return (*groupRow)(rows.(*groupRows))
}

// Tx is nil: a member's batch begins no transaction of its own.
func (g *groupResults) Tx() pgx.Tx { return nil }

func (g *groupResults) Close() error {
	if g.req == nil {
		return g.err
	}
	for _, r := range g.req.res[g.next:] {
		if r.err != nil {
			return r.err
		}
	}
	g.next = len(g.req.res)
	return nil
}

// groupRows are one statement's buffered rows as pgx.Rows.
type groupRows struct {
	res    *groupResult
	at     int
	err    error
	closed bool
}

// scanMaps lend each member goroutine a type map of its own: a
// pgtype.Map caches scan plans and is not safe for concurrent use.
var scanMaps = sync.Pool{New: func() any { return pgtype.NewMap() }}

func (r *groupRows) Close()                                       { r.closed = true }
func (r *groupRows) Err() error                                   { return r.err }
func (r *groupRows) Conn() *pgx.Conn                              { return nil }
func (r *groupRows) TypeMap() *pgtype.Map                         { return pgtype.NewMap() }
func (r *groupRows) FieldDescriptions() []pgconn.FieldDescription { return r.res.fields }

func (r *groupRows) CommandTag() pgconn.CommandTag {
	if r.res == nil {
		return pgconn.CommandTag{}
	}
	return r.res.tag
}

func (r *groupRows) Next() bool {
	if r.err != nil || r.closed || r.res == nil || r.at+1 >= len(r.res.rows) {
		r.closed = true
		return false
	}
	r.at++
	return true
}

func (r *groupRows) RawValues() [][]byte { return r.res.rows[r.at] }

func (r *groupRows) Scan(dest ...any) error {
	m := scanMaps.Get().(*pgtype.Map)
	defer scanMaps.Put(m)
	if err := pgx.ScanRow(m, r.res.fields, r.res.rows[r.at], dest...); err != nil {
		r.err = err
		return err
	}
	return nil
}

func (r *groupRows) Values() ([]any, error) {
	m := scanMaps.Get().(*pgtype.Map)
	defer scanMaps.Put(m)
	out := make([]any, len(r.res.fields))
	for i, fd := range r.res.fields {
		raw := r.res.rows[r.at][i]
		if raw == nil {
			continue
		}
		t, ok := m.TypeForOID(fd.DataTypeOID)
		if !ok {
			out[i] = slices.Clone(raw)
			continue
		}
		v, err := t.Codec.DecodeValue(m, fd.DataTypeOID, fd.Format, raw)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// groupRow is groupRows as a pgx.Row.
type groupRow groupRows

func (r *groupRow) Scan(dest ...any) error {
	rows := (*groupRows)(r)
	if rows.err != nil {
		return rows.err
	}
	if !rows.Next() {
		return pgx.ErrNoRows
	}
	return rows.Scan(dest...)
}

// isRead reports whether sql only reads (a statement a failed member may
// have sent without leaving anything in the group's transaction).
func isRead(sql string) bool {
	s := strings.TrimSpace(sql)
	return len(s) >= 6 && strings.EqualFold(s[:6], "SELECT")
}

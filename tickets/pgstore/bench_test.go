package pgstore

import (
	"context"
	"fmt"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/triagebot/triagebot/tickets"
)

// Benchmarks need TRIAGEBOT_TEST_POSTGRES, like the tests; each reports
// the server's durability settings beside its figures, since they decide
// what a commit costs.

// writers is the concurrency of the benchmarks: 64 requests at once.
const writers = 64

func openBench(b *testing.B) (*Store, string) {
	s, u := openTest(b, Options{})
	settings := column[string](b, u, `SELECT name || '=' || setting FROM pg_settings
		WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes', 'shared_buffers', 'max_connections') ORDER BY name`)
	b.Logf("PostgreSQL settings: %v, GOMAXPROCS %d, pool of %d connections for %d writers",
		settings, runtime.GOMAXPROCS(0), s.cfg.MaxConns, writers)
	u2, _ := url.Parse(u)
	return s, strings.TrimPrefix(u2.Path, "/")
}

// parallel runs fn on writers goroutines and reports ops per second, and
// the CPU time per op of this process and the database's server processes
// together: the machine is shared, so wall-clock rates vary with what else
// runs; cpu-µs/op says what an op costs, and cores/(cpu per op) is the
// rate the machine's cores would sustain if they were all ours.
func parallel(b *testing.B, db, unit string, fn func(ctx context.Context, worker int) error) {
	b.SetParallelism(max(1, writers/runtime.GOMAXPROCS(0)))
	var next atomic.Int64
	// Warm up: every connection of the pool opened (a server process
	// started, its catalog caches filled) and its statements prepared, so
	// that what is measured is the steady state of a running server.
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 4 {
				if err := fn(context.Background(), -1-w); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.ResetTimer()
	cpu0, ok := cpuTime(db)
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		w := int(next.Add(1))
		for pb.Next() {
			if err := fn(context.Background(), w); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), unit)
	if cpu1, ok2 := cpuTime(db); ok && ok2 && b.N > 0 {
		per := (cpu1 - cpu0).Seconds() / float64(b.N)
		b.ReportMetric(per*1e6, "cpu-µs/op")
		if per > 0 {
			b.ReportMetric(float64(runtime.NumCPU())/per, "cpu-bound-"+unit)
		}
	}
}

// BenchmarkCreateTicket: ticket creates by 64 writers (target ≥ 2,000/s).
func BenchmarkCreateTicket(b *testing.B) {
	s, db := openBench(b)
	now := time.Now()
	parallel(b, db, "creates/s", func(ctx context.Context, w int) error {
		return s.Update(ctx, func(tx tickets.Tx) error {
			tk := tickets.Ticket{Intent: "withdrawal_failed", Priority: tickets.Priorities[max(w, 0)%4], Queue: "payments",
				Channel: tickets.Web, User: tickets.User{ID: fmt.Sprint("c-", max(w, 0))}, Lang: "zh-Hant", SLADue: now.Add(time.Hour),
				Details: tickets.Details{TransactionID: fmt.Sprintf("TX%08d", max(w, 0)), Amount: "1200.00", Currency: "HKD"},
				Transcript: []tickets.Entry{
					{From: tickets.FromUser, Text: "我嘅提款失敗咗，已經等咗三日", At: now},
					{From: tickets.FromBot, Text: "請問交易編號係幾多？", At: now},
					{From: tickets.FromUser, Text: fmt.Sprintf("TX%08d", max(w, 0)), At: now},
				}}
			return tx.CreateTicket(&tk)
		})
	})
}

// BenchmarkBotTurn: what a dialogue turn writes, by 64 writers on 256
// conversations: read the conversation FOR UPDATE, put it back with its
// new state, enqueue the answer (and acknowledge the outbox now and then,
// as the user's channel does).
func BenchmarkBotTurn(b *testing.B) {
	s, db := openBench(b)
	const convs = 256
	err := s.Update(context.Background(), func(tx tickets.Tx) error {
		for i := range convs {
			if err := tx.PutConversation(&tickets.Conversation{ID: fmt.Sprint("c-", i), Channel: tickets.Web,
				State: []byte(`{"step":"greet"}`)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	var turn atomic.Int64
	parallel(b, db, "turns/s", func(ctx context.Context, w int) error {
		n := turn.Add(1)
		id := fmt.Sprint("c-", n%convs)
		return s.Update(ctx, func(tx tickets.Tx) error {
			c, err := tx.Conversation(id)
			if err != nil {
				return err
			}
			c.State = []byte(fmt.Sprintf(`{"step":"ask_amount","turn":%d}`, n))
			c.UpdatedAt = time.Now()
			if err := tx.PutConversation(&c); err != nil {
				return err
			}
			m := tickets.OutMessage{ConversationID: id, Kind: tickets.KindMessage, From: tickets.FromBot,
				Text: "請問涉及金額係幾多？", QuickReplies: []string{"HK$100", "HK$1,000", "其他"}}
			if err := tx.Enqueue(&m); err != nil {
				return err
			}
			if n%8 == 0 {
				return tx.Ack(id, m.ID)
			}
			return nil
		})
	})
}

// BenchmarkNotifyLag: a message enqueued on one Store wakes the watcher of
// another Store on the same database (two replicas); reports the latency
// from before the Update to the callback, p50 and p99.
func BenchmarkNotifyLag(b *testing.B) {
	s1, _ := openBench(b)
	u := s1.cfg.ConnString()
	s2 := openURL(b, u, Options{})
	woke := make(chan string, 16)
	s2.WatchOutbox(func(ch tickets.Channel, id string) {
		select {
		case woke <- id:
		default:
		}
	})
	if err := s1.Update(context.Background(), func(tx tickets.Tx) error {
		return tx.PutConversation(&tickets.Conversation{ID: "c-1", Channel: tickets.Web})
	}); err != nil {
		b.Fatal(err)
	}
	lags := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		err := s1.Update(context.Background(), func(tx tickets.Tx) error {
			return tx.Enqueue(&tickets.OutMessage{ConversationID: "c-1", Kind: tickets.KindMessage, Text: "hi"})
		})
		if err != nil {
			b.Fatal(err)
		}
		<-woke
		lags = append(lags, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lags)
	b.ReportMetric(float64(lags[len(lags)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lags[len(lags)*99/100].Microseconds())/1000, "p99-ms")
}

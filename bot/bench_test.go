package bot

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/triagebot/triagebot/escalation"
	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/pgstore"
	"github.com/triagebot/triagebot/tickets/pgstore/pgtest"
)

// benchScript is one conversation's turns: a problem, its details, the
// screenshot, escalation, then words for the agent (the cheap path).
var benchScript = []string{
	"my withdrawal to the bank has not arrived",
	"yesterday 3pm", "HK$2,000", "WD20251102AB", "", // "" = screenshot
	"I still need help",
	"any news?",
}

// BenchmarkTurns measures the most turns per second the engine sustains
// over 1,000 concurrent conversations on a real bbolt file with fsync on:
// every conversation sends its next message as soon as the last is
// answered (so latency here is mostly queueing, by Little's law).
func BenchmarkTurns(b *testing.B) { benchTurns(b, 0, boltEngines(b)) }

// BenchmarkTurnsAt2000 offers 2,000 turns per second spread over 1,000
// conversations and reports the turn latency users would see at that load.
func BenchmarkTurnsAt2000(b *testing.B) { benchTurns(b, 2000, boltEngines(b)) }

// BenchmarkTurnsPostgres is BenchmarkTurns on two replicas (two engines,
// each with a pool of its own) sharing one PostgreSQL database, the
// conversations split between them; it needs TRIAGEBOT_TEST_POSTGRES.
func BenchmarkTurnsPostgres(b *testing.B) { benchTurns(b, 0, pgEngines(b, 2)) }

// BenchmarkTurnsPostgresAt2000 offers 2,000 turns per second to the two
// replicas of BenchmarkTurnsPostgres.
func BenchmarkTurnsPostgresAt2000(b *testing.B) { benchTurns(b, 2000, pgEngines(b, 2)) }

// boltEngines is one engine on a real bbolt file with fsync on.
func boltEngines(b *testing.B) []*Engine {
	return []*Engine{newRig(b, false).eng}
}

// pgEngines opens n engines, each on a store of its own (as n replicas
// would be) on one fresh PostgreSQL database.
func pgEngines(b *testing.B, n int) []*Engine {
	u := pgtest.URL(b)
	ctx := context.Background()
	cls := realClassifier(b)
	var engs []*Engine
	for range n {
		st, err := pgstore.Open(ctx, u, pgstore.Options{Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { st.Close() })
		eng, err := New(Config{Store: st, Classifier: cls, Router: escalation.Default(), Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			b.Fatal(err)
		}
		runCtx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); _ = eng.Run(runCtx) }()
		b.Cleanup(func() { cancel(); <-done })
		engs = append(engs, eng)
	}
	return engs
}

// benchTurns plays benchScript on fresh conversations from 1,000 workers;
// with rate > 0 the workers start turns at that many per second in total.
func benchTurns(b *testing.B, rate int, engs []*Engine) {
	const workers = 1000
	var tokens chan struct{}
	stop := make(chan struct{})
	defer close(stop)
	if rate > 0 {
		tokens = make(chan struct{}, workers)
		go func() {
			t0, sent := time.Now(), 0
			tick := time.NewTicker(time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-stop:
					return
				case <-tick.C:
				}
				due := int(time.Since(t0).Seconds() * float64(rate))
				for ; sent < due; sent++ {
					select {
					case tokens <- struct{}{}:
					case <-stop:
						return
					}
				}
			}
		}()
	}
	ctx := context.Background()
	var (
		next atomic.Int64
		mu   sync.Mutex
		lats = make([]time.Duration, 0, b.N)
		wg   sync.WaitGroup
	)
	b.ResetTimer()
	start := time.Now()
	for w := range workers {
		wg.Add(1)
		eng := engs[w%len(engs)]
		go func() {
			defer wg.Done()
			mine := make([]time.Duration, 0, b.N/workers+1)
			defer func() { mu.Lock(); lats = append(lats, mine...); mu.Unlock() }()
			for conv := 0; ; conv++ {
				id := fmt.Sprintf("bench-%d-%d", w, conv)
				user := tickets.User{ID: fmt.Sprintf("u%d", w)}
				if _, _, err := eng.Open(ctx, OpenRequest{ID: id, Channel: tickets.Web, User: user}); err != nil {
					b.Error(err)
					return
				}
				for _, text := range benchScript {
					if next.Add(1) > int64(b.N) {
						return
					}
					if tokens != nil {
						<-tokens
					}
					in := Inbound{Channel: tickets.Web, ConversationID: id, User: user, Text: text}
					if text == "" {
						in.Upload = &Upload{Filename: "s.png", Data: smallPNG}
					}
					t0 := time.Now()
					if err := eng.Handle(ctx, in); err != nil {
						b.Error(err)
						return
					}
					mine = append(mine, time.Since(t0))
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	slices.Sort(lats)
	if len(lats) == 0 {
		return
	}
	pct := func(p float64) float64 {
		return float64(lats[min(len(lats)-1, int(p*float64(len(lats))))].Microseconds()) / 1000
	}
	b.ReportMetric(float64(len(lats))/elapsed.Seconds(), "turns/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}

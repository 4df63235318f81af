package bot

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/triagebot/triagebot/tickets"
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
func BenchmarkTurns(b *testing.B) { benchTurns(b, 0) }

// BenchmarkTurnsAt2000 offers 2,000 turns per second spread over 1,000
// conversations and reports the turn latency users would see at that load.
func BenchmarkTurnsAt2000(b *testing.B) { benchTurns(b, 2000) }

// benchTurns plays benchScript on fresh conversations from 1,000 workers;
// with rate > 0 the workers start turns at that many per second in total.
func benchTurns(b *testing.B, rate int) {
	const workers = 1000
	r := newRig(b, false) // fsync on
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
		go func() {
			defer wg.Done()
			mine := make([]time.Duration, 0, b.N/workers+1)
			defer func() { mu.Lock(); lats = append(lats, mine...); mu.Unlock() }()
			for conv := 0; ; conv++ {
				id := fmt.Sprintf("bench-%d-%d", w, conv)
				user := tickets.User{ID: fmt.Sprintf("u%d", w)}
				if _, _, err := r.eng.Open(ctx, OpenRequest{ID: id, Channel: tickets.Web, User: user}); err != nil {
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
					if err := r.eng.Handle(ctx, in); err != nil {
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

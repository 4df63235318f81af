package boltstore_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/boltstore"
)

// benchTicket is a ticket of realistic size: a few transcript lines and details.
func benchTicket(rng *rand.Rand, at time.Time) tickets.Ticket {
	tk := tickets.Ticket{
		Intent: "withdrawal_failed", Priority: tickets.Priorities[rng.IntN(4)],
		Queue: benchQueues[rng.IntN(len(benchQueues))], SLADue: at.Add(4 * time.Hour),
		Channel: tickets.Web, User: tickets.User{ID: fmt.Sprint("user", rng.IntN(20000)), Name: "陳小姐"},
		Lang: "zh-Hant", CreatedAt: at,
		Details: tickets.Details{Time: "2025-11-02T15:00:00+08:00", TimeGrain: "hour", Amount: "1200.00", Currency: "HKD", TransactionID: "TX20251102ABC123"},
		Transcript: []tickets.Entry{
			{From: tickets.FromUser, Text: "我琴日下晝3點提款去中銀，到而家都未到帳，係咪有問題？", At: at},
			{From: tickets.FromBot, Text: "明白，請問提款金額同交易編號係幾多？", At: at},
			{From: tickets.FromUser, Text: "HKD 1200, TX20251102ABC123", At: at},
		},
	}
	return tk
}

var benchQueues = []string{"payments", "withdrawals", "fraud", "accounts", "merchant", "general"}

const fixtureTickets = 100_000

var fixture struct {
	once sync.Once
	dir  string
	path string
	err  error
}

// listFixture builds, once per test binary, a file with 100,000 tickets
// (NoSync: this is setup, not what is measured): 10% open, 5% claimed, the
// rest resolved, as a long-running deployment would hold.
func listFixture(b *testing.B) string {
	fixture.once.Do(func() {
		fixture.dir, fixture.err = os.MkdirTemp("", "boltstore-bench-")
		if fixture.err != nil {
			return
		}
		fixture.path = filepath.Join(fixture.dir, "fixture.db")
		s, err := boltstore.Open(fixture.path, boltstore.Options{NoSync: true})
		if err != nil {
			fixture.err = err
			return
		}
		defer s.Close()
		rng := rand.New(rand.NewPCG(1, 2))
		at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
		for done := 0; done < fixtureTickets && fixture.err == nil; done += 5000 {
			fixture.err = s.Update(b.Context(), func(tx tickets.Tx) error {
				for range 5000 {
					at = at.Add(time.Duration(rng.IntN(600)) * time.Second)
					tk := benchTicket(rng, at)
					switch r := rng.IntN(100); {
					case r < 85:
						tk.Status, tk.Assignee, tk.ResolvedAt, tk.Note = tickets.Resolved, "amy", at, "done"
					case r < 90:
						tk.Status, tk.Assignee = tickets.Claimed, "bob"
					}
					if err := tx.CreateTicket(&tk); err != nil {
						return err
					}
				}
				return nil
			})
		}
	})
	if fixture.err != nil {
		b.Fatal(fixture.err)
	}
	return fixture.path
}

func TestMain(m *testing.M) {
	code := m.Run()
	if fixture.dir != "" {
		os.RemoveAll(fixture.dir)
	}
	os.Exit(code)
}

// BenchmarkCreateSerial: one writer, fsync on every commit.
func BenchmarkCreateSerial(b *testing.B) {
	s, _ := openTest(b, boltstore.Options{})
	rng := rand.New(rand.NewPCG(1, 2))
	now := time.Now()
	b.ResetTimer()
	for b.Loop() {
		tk := benchTicket(rng, now)
		if err := s.Update(b.Context(), func(tx tickets.Tx) error { return tx.CreateTicket(&tk) }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "creates/s")
}

// BenchmarkCreateConcurrent: many writers (as many users' turns at once),
// fsync on; Update's group commit lets them share fsyncs.
func BenchmarkCreateConcurrent(b *testing.B) {
	for _, par := range []int{8, 32} {
		b.Run(fmt.Sprint("goroutines=", par, "xGOMAXPROCS"), func(b *testing.B) {
			s, _ := openTest(b, boltstore.Options{})
			now := time.Now()
			b.SetParallelism(par)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				rng := rand.New(rand.NewPCG(rand.Uint64(), 2))
				for pb.Next() {
					tk := benchTicket(rng, now)
					if err := s.Update(b.Context(), func(tx tickets.Tx) error { return tx.CreateTicket(&tk) }); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "creates/s")
		})
	}
}

// BenchmarkListPage: one page of 50 tickets from the 100,000-ticket fixture.
func BenchmarkListPage(b *testing.B) {
	path := listFixture(b)
	s, err := boltstore.Open(path, boltstore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	var deep string // a cursor half-way through the open payments queue
	view(b, s, func(tx tickets.Tx) error {
		all, err := tx.Tickets(tickets.Filter{Status: tickets.Open, Queue: "payments", Limit: tickets.MaxLimit})
		if err != nil || len(all) < 500 {
			return fmt.Errorf("fixture too small: %d, %v", len(all), err)
		}
		deep = all[len(all)/2].ID
		return nil
	})
	filters := []struct {
		name string
		f    tickets.Filter
	}{
		{"open", tickets.Filter{Status: tickets.Open}},
		{"open+queue", tickets.Filter{Status: tickets.Open, Queue: "payments"}},
		{"open+queue+priority", tickets.Filter{Status: tickets.Open, Queue: "payments", Priority: tickets.Low}},
		{"open+queue+after", tickets.Filter{Status: tickets.Open, Queue: "payments", After: deep}},
		{"all", tickets.Filter{}},
		{"resolved+priority", tickets.Filter{Status: tickets.Resolved, Priority: tickets.Normal}},
	}
	for _, fc := range filters {
		b.Run(fc.name, func(b *testing.B) {
			defer reportCPU(b)()
			for b.Loop() {
				err := s.View(b.Context(), func(tx tickets.Tx) error {
					page, err := tx.Tickets(fc.f)
					if err == nil && len(page) != 50 {
						err = fmt.Errorf("page of %d", len(page))
					}
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCountTickets: what a /metrics scrape costs at 100,000 tickets.
func BenchmarkCountTickets(b *testing.B) {
	s, err := boltstore.Open(listFixture(b), boltstore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	defer reportCPU(b)()
	for b.Loop() {
		if err := s.View(b.Context(), func(tx tickets.Tx) error {
			c, err := tx.CountTickets()
			if err == nil && len(c) == 0 {
				err = fmt.Errorf("no counts")
			}
			return err
		}); err != nil {
			b.Fatal(err)
		}
	}
}

// reportCPU adds a cpu-ns/op metric: the process's CPU time per operation,
// which stays meaningful when other programs load the machine and stretch
// ns/op. Call as `defer reportCPU(b)()` before the loop.
func reportCPU(b *testing.B) func() {
	start, ok := cpuTime()
	return func() {
		end, ok2 := cpuTime()
		if ok && ok2 && b.N > 0 {
			b.ReportMetric(float64(end-start)/float64(b.N), "cpu-ns/op")
		}
	}
}

package llm

import (
	"bufio"
	"encoding/json"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/triagebot/triagebot/intents"
)

// TestPolicyCost measures the policy's cost, model calls per 100 messages,
// on a labelled set named by TRIAGEBOT_COST_SET (JSON lines with "text",
// e.g. the shared dev set); skipped when unset. It needs no endpoint: Ask
// decides from the offline answer alone.
func TestPolicyCost(t *testing.T) {
	path := os.Getenv("TRIAGEBOT_COST_SET")
	if path == "" {
		t.Skip("TRIAGEBOT_COST_SET not set")
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	off := offline(t)
	m := NewMetrics(nil, nil)
	c := newCombined(off, off, m, slog.New(slog.DiscardHandler), CombinedConfig{})
	now := time.Date(2025, 11, 3, 15, 0, 0, 0, time.FixedZone("HKT", 8*3600))
	counts := map[string]int{}
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var row struct{ Text string }
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil || row.Text == "" {
			continue
		}
		r, err := off.Classify(t.Context(), row.Text, now)
		if err != nil {
			t.Fatal(err)
		}
		p := c.Ask(r, row.Text, now)
		counts[p]++
		if testing.Verbose() && p != PathOfflineSure {
			t.Logf("%s %s %.2f", p, r.Intent, r.Confidence)
		}
		n++
	}
	asked := counts[PathUnsure] + counts[PathExtraction]
	t.Logf("%d messages: %d unsure, %d extraction → %.1f model calls per 100 messages",
		n, counts[PathUnsure], counts[PathExtraction], 100*float64(asked)/float64(n))
}

var offlineOnce struct {
	c   *intents.Offline
	err error
}

// offline is the real offline classifier, trained once per test binary.
func offline(t *testing.T) *intents.Offline {
	t.Helper()
	if offlineOnce.c == nil && offlineOnce.err == nil {
		offlineOnce.c, offlineOnce.err = intents.NewOffline()
	}
	if offlineOnce.err != nil {
		t.Fatal(offlineOnce.err)
	}
	return offlineOnce.c
}

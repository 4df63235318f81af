package bot

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/triagebot/triagebot/escalation"
	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/boltstore"
)

// TestTurnMetrics: committed turns count by channel, a refused file counts
// as failed, and both channels' series exist before the first turn.
func TestTurnMetrics(t *testing.T) {
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "m.db"), boltstore.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	reg := prometheus.NewRegistry()
	eng, err := New(Config{Store: st, Classifier: realClassifier(t), Router: escalation.Default(), Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	turns := func(ch tickets.Channel) float64 {
		return testutil.ToFloat64(eng.metrics.turns.WithLabelValues(string(ch)))
	}
	failed := func(ch tickets.Channel) float64 {
		return testutil.ToFloat64(eng.metrics.failed.WithLabelValues(string(ch)))
	}
	if n := testutil.CollectAndCount(reg, "triagebot_bot_turns_total", "triagebot_bot_turns_failed_total"); n != 4 {
		t.Fatalf("%d series before any turn, want web and telegram of both counters", n)
	}

	ctx := context.Background()
	for _, c := range []struct {
		id string
		ch tickets.Channel
	}{{"w1", tickets.Web}, {"t1", tickets.Telegram}} {
		if _, _, err := eng.Open(ctx, OpenRequest{ID: c.id, Channel: c.ch, User: tickets.User{ID: "u-" + c.id}}); err != nil {
			t.Fatal(err)
		}
	}
	for i, text := range []string{"my withdrawal failed", "yesterday, HK$500"} {
		if err := eng.Handle(ctx, Inbound{ConversationID: "w1", Channel: tickets.Web, Text: text}); err != nil {
			t.Fatalf("turn %d: %v", i, err)
		}
	}
	if err := eng.Handle(ctx, Inbound{ConversationID: "t1", Channel: tickets.Telegram, Text: "OTP never came"}); err != nil {
		t.Fatal(err)
	}
	err = eng.Handle(ctx, Inbound{ConversationID: "w1", Channel: tickets.Web,
		Upload: &Upload{Filename: "x.exe", Data: []byte("MZ\x90\x00 not an image")}})
	if !errors.Is(err, ErrBadUpload) {
		t.Fatalf("a program sent as a file: %v, want ErrBadUpload", err)
	}
	if turns(tickets.Web) != 2 || turns(tickets.Telegram) != 1 {
		t.Errorf("turns web %v, telegram %v; want 2 and 1", turns(tickets.Web), turns(tickets.Telegram))
	}
	if failed(tickets.Web) != 1 || failed(tickets.Telegram) != 0 {
		t.Errorf("failed web %v, telegram %v; want 1 and 0", failed(tickets.Web), failed(tickets.Telegram))
	}
	if n := testutil.CollectAndCount(reg, "triagebot_bot_turn_seconds"); n != 2 {
		t.Errorf("turn-time series: %d, want one per channel that had a turn", n)
	}
}

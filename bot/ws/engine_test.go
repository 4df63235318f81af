package ws

import (
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/triagebot/triagebot/bot"
	"github.com/triagebot/triagebot/escalation"
	"github.com/triagebot/triagebot/intents"
	"github.com/triagebot/triagebot/tickets/boltstore"
)

var (
	classifierOnce sync.Once
	classifier     *intents.Offline
	classifierErr  error
)

// realEngine is the product's engine on a real bbolt file in dir. close
// closes the store; it is also registered as cleanup.
func realEngine(t *testing.T, dir string) (eng *bot.Engine, close func()) {
	t.Helper()
	classifierOnce.Do(func() { classifier, classifierErr = intents.NewOffline() })
	if classifierErr != nil {
		t.Fatal(classifierErr)
	}
	store, err := boltstore.Open(filepath.Join(dir, "triagebot.db"), boltstore.Options{Timeout: 2 * time.Second, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	close = func() {
		once.Do(func() {
			if err := store.Close(); err != nil {
				t.Errorf("closing the store: %v", err)
			}
		})
	}
	t.Cleanup(close)
	eng, err = bot.New(bot.Config{Store: store, Classifier: classifier, Router: escalation.Default(),
		Location: time.FixedZone("HKT", 8*3600)})
	if err != nil {
		t.Fatal(err)
	}
	return eng, close
}

// openEngine is the engine most tests use: the real one.
func openEngine(t *testing.T, dir string) Engine {
	t.Helper()
	eng, _ := realEngine(t, dir)
	return eng
}

var _ Engine = (*bot.Engine)(nil)

package bot

import (
	"path/filepath"
	"testing"

	"github.com/triagebot/triagebot/escalation"
	"github.com/triagebot/triagebot/tickets/boltstore"
)

func TestNewRequires(t *testing.T) {
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "new.db"), boltstore.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cls, router := realClassifier(t), escalation.Default()
	tests := []struct {
		name string
		cfg  Config
		want string // "" when New must succeed
	}{
		{"nothing", Config{}, "bot: Config.Store is required"},
		{"no store", Config{Classifier: cls, Router: router}, "bot: Config.Store is required"},
		{"no classifier", Config{Store: st, Router: router}, "bot: Config.Classifier is required"},
		{"no router", Config{Store: st, Classifier: cls}, "bot: Config.Router is required"},
		{"the three", Config{Store: st, Classifier: cls, Router: router}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := New(tt.cfg)
			switch {
			case tt.want == "" && (err != nil || e == nil):
				t.Fatalf("New: %v, %v", e, err)
			case tt.want != "" && (err == nil || err.Error() != tt.want || e != nil):
				t.Fatalf("New: %v, error %v, want %q", e, err, tt.want)
			}
		})
	}
}

package intents

import (
	"slices"
	"testing"
)

func TestStem(t *testing.T) {
	tests := []struct{ in, want string }{
		{"declined", "declin"},
		{"decline", "declin"},
		{"declines", "declin"},
		{"declining", "declin"},
		{"transferred", "transfer"},
		{"transfers", "transfer"},
		{"payments", "payment"},
		{"tried", "tri"},
		{"tries", "tri"},
		{"stopped", "stop"},
		{"called", "call"},
		{"was", "was"},
		{"this", "this"},
		{"address", "address"},
		{"bus", "bus"},
		{"sing", "sing"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := string(stem([]byte(tt.in))); got != tt.want {
			t.Errorf("stem(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestJoinApostrophes(t *testing.T) {
	var buf [32]byte
	if got := string(joinApostrophes(buf[:0], []byte("didn't"))); got != "didnt" {
		t.Errorf("got %q", got)
	}
	long := []byte("a'bcdefghijklmnopqrstuvwxyz0123456789")
	if got := joinApostrophes(buf[:0], long); string(got) != string(long) {
		t.Errorf("a word longer than the buffer must come back unchanged, got %q", got)
	}
}

func featureSet(text string) []uint64 {
	f := features(nil, appendNormalized(nil, text))
	slices.Sort(f)
	return slices.Compact(f)
}

// TestFeaturesNegation checks that the spellings of a negation give the
// same features, and that a negation's scope stops at punctuation.
func TestFeaturesNegation(t *testing.T) {
	same := [][2]string{
		{"my transfer hasn't arrived", "my transfer hasnt arrived"},
		{"I didn't make this payment", "I didnt make this payment"},
		{"I DIDN’T MAKE THIS PAYMENT", "I didn't make this payment"},
	}
	for _, p := range same {
		if a, b := featureSet(p[0]), featureSet(p[1]); !slices.Equal(a, b) {
			t.Errorf("%q and %q have different features", p[0], p[1])
		}
	}
	negMake := mix(kindNegScope, wordHash([]byte("make")))
	if !slices.Contains(featureSet("I didn't make this payment"), negMake) {
		t.Error(`"didn't make" lacks the negated "make" feature`)
	}
	if slices.Contains(featureSet("not me. make it stop"), negMake) {
		t.Error("negation scope crossed a full stop")
	}
	if slices.Contains(featureSet("I make no payments"), negMake) {
		t.Error("a word before the negation got the negated feature")
	}
}

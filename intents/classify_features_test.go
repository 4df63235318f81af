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

// conceptOf returns the concept id of the group holding keyword kw.
func conceptOf(t *testing.T, kw string) uint64 {
	t.Helper()
	for i, group := range concepts {
		if slices.Contains(group, kw) {
			return uint64(i + 1)
		}
	}
	t.Fatalf("no concept holds %q", kw)
	return 0
}

// TestConceptsThinAreas checks the keyword groups added for the phrasings of
// issue 11, and that the short Chinese ones do not fire inside other words.
func TestConceptsThinAreas(t *testing.T) {
	var (
		withdraw   = conceptOf(t, "withdr")
		fraud      = conceptOf(t, "fraud")
		frozen     = conceptOf(t, "frozen")
		limit      = conceptOf(t, "limit")
		human      = conceptOf(t, "human")
		evidence   = conceptOf(t, "screenshot")
		chargedAnw = conceptOf(t, "still charged")
		twice      = conceptOf(t, "twice")
		failed     = conceptOf(t, "fail")
		refund     = conceptOf(t, "refund")
		notArrived = conceptOf(t, "not yet")
	)
	tests := []struct {
		text      string
		has, lack []uint64
	}{
		{"cashing out failed twice", []uint64{withdraw, twice, failed}, nil},
		{"I didn't take a screenshot", []uint64{evidence}, []uint64{fraud}},
		{"我冇截圖", []uint64{evidence}, []uint64{fraud}},
		{"有人轉走咗我啲錢", []uint64{fraud}, nil},
		{"我轉咗錢俾朋友", nil, []uint64{fraud}},
		{"收款額度被限", []uint64{frozen, limit}, nil},
		{"my account is limited", []uint64{frozen}, nil},
		{"可唔可以搵個同事同我傾", []uint64{human}, nil},
		{"我仲係需要人幫手", []uint64{human}, nil},
		{"you're not helping", []uint64{human}, nil},
		{"要人臉識別先付到款", nil, []uint64{human}}, // 要人 is not "I want a person"
		{"付款失敗咗 但係都扣咗錢", []uint64{chargedAnw}, nil},
		{"酒店預先授權扣起咗我張卡", []uint64{twice}, nil},
		// 唔得 alone is "still no good", the usual answer to "did this fix
		// it?": it must not name a failed payment by itself.
		{"仲係唔得", nil, []uint64{failed}},
		{"the money was returned to my card", []uint64{refund}, nil},
		{"大陸匯款仲未入帳", []uint64{notArrived}, nil},
		{"提到銀行卡三日都未到", []uint64{withdraw}, nil},
	}
	for _, tt := range tests {
		got := conceptFeatures(nil, appendNormalized(nil, tt.text))
		for _, c := range tt.has {
			if !slices.Contains(got, mix(kindConcept, c)) {
				t.Errorf("%q lacks concept %d (%q…)", tt.text, c, concepts[c-1][0])
			}
		}
		for _, c := range tt.lack {
			if slices.Contains(got, mix(kindConcept, c)) {
				t.Errorf("%q has concept %d (%q…)", tt.text, c, concepts[c-1][0])
			}
		}
	}
}

package intents

import "testing"

func TestDontKnow(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"唔記得", true},
		{"唔知", true},
		{"唔知呀", true},
		{"我真係唔記得喇", true},
		{"不记得了", true},
		{"不知道", true},
		{"忘了", true},
		{"冇", true},
		{"没有截图", true},
		{"冇截圖呀", true},
		{"no screenshot", true},
		{"sorry I don't have the reference", true},
		{"沒有交易編號", true},
		{"冇收到", false}, // a complaint, not an answer
		{"no screenshot of the error but it says 500", false},
		{"沒有", true},
		{"没有。", true},
		{"no idea", true},
		{"No idea!", true},
		{"not sure", true},
		{"I'm not sure tbh", true},
		{"can't remember", true},
		{"sorry I don't remember the exact time", true},
		{"I don't know the transaction id", true},
		{"dunno", true},
		{"nope", true},
		{"Sorry, no", true},
		{"ＮＯ", true},
		{"i forgot", true},
		{"唔記得幾點 大概3點", false},
		{"冇收到", false},
		{"沒有收到退款", false},
		{"no the payment failed", false},
		{"yesterday 3pm", false},
		{"HK$500", false},
		{"TX20251102ABC123", false},
		{"", false},
		{"   ", false},
		{"I don't know why my card keeps getting declined at every shop I go to, this is the third time today and I'm fed up", false},
		{"有", false},
		{"yes", false},
	}
	for _, tt := range tests {
		if got := DontKnow(tt.in); got != tt.want {
			t.Errorf("DontKnow(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

package llm

import (
	"errors"
	"testing"
	"time"

	"github.com/triagebot/triagebot/intents"
	"github.com/triagebot/triagebot/language"
)

func TestParseAnswer(t *testing.T) {
	const masked = "withdrawal TX2025ABC of 1200 failed, card ****1111, code [code]"
	wrap := func(entities string) string {
		return `{"intent":"withdrawal_failed","confidence":0.7,"lang":"en","entities":` + entities + `}`
	}
	tests := []struct {
		name    string
		content string
		wantErr error
		check   func(t *testing.T, a answer)
	}{
		{name: "all null", content: wrap(`{"time":null,"amount":null,"transaction_id":null}`),
			check: func(t *testing.T, a answer) {
				if a.Intent != intents.WithdrawalFailed || a.Confidence != 0.7 || a.Lang != language.English {
					t.Errorf("%+v", a)
				}
				if a.Entities.Time != nil || a.Entities.Amount != nil || a.Entities.TransactionID != nil {
					t.Errorf("entities %+v, want none", a.Entities)
				}
			}},
		{name: "fenced", content: "```json\n" + wrap(`{}`) + "\n```"},
		{name: "entities omitted inside", content: wrap(`{}`)},
		{name: "empty strings are absent", content: wrap(`{"time":{"value":"","grain":""},"amount":null,"transaction_id":" "}`),
			check: func(t *testing.T, a answer) {
				if a.Entities.Time != nil || a.Entities.TransactionID != nil {
					t.Errorf("entities %+v, want none", a.Entities)
				}
			}},
		{name: "day grain truncated in now's zone", content: wrap(`{"time":{"value":"2025-11-02T09:30:00Z","grain":"day"}}`),
			check: func(t *testing.T, a answer) {
				if want := time.Date(2025, 11, 2, 0, 0, 0, 0, hkt); !a.Entities.Time.Value.Equal(want) {
					t.Errorf("time %v, want %v", a.Entities.Time.Value, want)
				}
			}},
		{name: "minute grain kept", content: wrap(`{"time":{"value":"2025-11-03T14:40:59+08:00","grain":"minute"}}`),
			check: func(t *testing.T, a answer) {
				if want := time.Date(2025, 11, 3, 14, 40, 0, 0, hkt); !a.Entities.Time.Value.Equal(want) {
					t.Errorf("time %v, want %v", a.Entities.Time.Value, want)
				}
			}},
		{name: "amount as number, lower-case currency", content: wrap(`{"amount":{"value":1200.5,"currency":"usd"}}`),
			check: func(t *testing.T, a answer) {
				if m := a.Entities.Amount; m.Value != "1200.50" || m.Currency != "USD" {
					t.Errorf("amount %+v", m)
				}
			}},
		{name: "amount leading zeros", content: wrap(`{"amount":{"value":"007","currency":""}}`),
			check: func(t *testing.T, a answer) {
				if m := a.Entities.Amount; m.Value != "7.00" || m.Currency != "" {
					t.Errorf("amount %+v", m)
				}
			}},
		{name: "id in the text, other case", content: wrap(`{"transaction_id":"tx2025abc"}`),
			check: func(t *testing.T, a answer) {
				if a.Entities.TransactionID.Value != "tx2025abc" {
					t.Errorf("id %+v", a.Entities.TransactionID)
				}
			}},

		{name: "not JSON", content: "withdrawal_failed", wantErr: ErrMalformed},
		{name: "two objects", content: wrap(`{}`) + wrap(`{}`), wantErr: ErrMalformed},
		{name: "array", content: `[1,2]`, wantErr: ErrMalformed},
		{name: "no intent", content: `{"confidence":0.7,"lang":"en","entities":{}}`, wantErr: ErrInvalid},
		{name: "unknown intent", content: `{"intent":"lost_card","confidence":0.7,"lang":"en","entities":{}}`, wantErr: ErrInvalid},
		{name: "intent in capitals", content: `{"intent":"LOGIN_FAILED","confidence":0.7,"lang":"en","entities":{}}`, wantErr: ErrInvalid},
		{name: "confidence over 1", content: `{"intent":"login_failed","confidence":1.5,"lang":"en","entities":{}}`, wantErr: ErrInvalid},
		{name: "confidence string", content: `{"intent":"login_failed","confidence":"high","lang":"en","entities":{}}`, wantErr: ErrInvalid},
		{name: "no confidence", content: `{"intent":"login_failed","lang":"en","entities":{}}`, wantErr: ErrInvalid},
		{name: "lang zh", content: `{"intent":"login_failed","confidence":0.7,"lang":"zh","entities":{}}`, wantErr: ErrInvalid},
		{name: "no entities", content: `{"intent":"login_failed","confidence":0.7,"lang":"en"}`, wantErr: ErrInvalid},
		{name: "grain second", content: wrap(`{"time":{"value":"2025-11-02T09:30:00Z","grain":"second"}}`), wantErr: ErrInvalid},
		{name: "time not RFC 3339", content: wrap(`{"time":{"value":"yesterday","grain":"day"}}`), wantErr: ErrInvalid},
		{name: "time without zone", content: wrap(`{"time":{"value":"2025-11-02T15:00:00","grain":"hour"}}`), wantErr: ErrInvalid},
		{name: "time in the future", content: wrap(`{"time":{"value":"2025-11-10T15:00:00+08:00","grain":"hour"}}`), wantErr: ErrInvalid},
		{name: "time years ago", content: wrap(`{"time":{"value":"2019-11-10T15:00:00+08:00","grain":"day"}}`), wantErr: ErrInvalid},
		{name: "amount with comma", content: wrap(`{"amount":{"value":"1,200","currency":"HKD"}}`), wantErr: ErrInvalid},
		{name: "amount with symbol", content: wrap(`{"amount":{"value":"$1200","currency":"HKD"}}`), wantErr: ErrInvalid},
		{name: "amount negative", content: wrap(`{"amount":{"value":"-5","currency":"HKD"}}`), wantErr: ErrInvalid},
		{name: "amount three places", content: wrap(`{"amount":{"value":"1.005","currency":"HKD"}}`), wantErr: ErrInvalid},
		{name: "currency symbol", content: wrap(`{"amount":{"value":"12","currency":"HK$"}}`), wantErr: ErrInvalid},
		{name: "currency not ISO", content: wrap(`{"amount":{"value":"12","currency":"RMB"}}`), wantErr: ErrInvalid},
		{name: "id not in the text", content: wrap(`{"transaction_id":"TX2025XYZ"}`), wantErr: ErrInvalid},
		{name: "id is the masked card", content: wrap(`{"transaction_id":"****1111"}`), wantErr: ErrInvalid},
		{name: "id is a placeholder", content: wrap(`{"transaction_id":"[code]"}`), wantErr: ErrInvalid},
		{name: "id is a ticket", content: wrap(`{"transaction_id":"T-000123"}`), wantErr: ErrInvalid},
		{name: "id without digits", content: wrap(`{"transaction_id":"withdrawal"}`), wantErr: ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := parseAnswer(tt.content, masked, testNow)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.check != nil {
				tt.check(t, a)
			}
		})
	}
}

func TestISO4217(t *testing.T) {
	for _, c := range []string{"HKD", "USD", "CNY", "EUR", "JPY", "ZWG", "AED"} {
		if !isISO4217(c) {
			t.Errorf("%s should be a code", c)
		}
	}
	for _, c := range []string{"", "HK", "HKDD", "RMB", "hkd", "AED ", "XXX"} {
		if isISO4217(c) {
			t.Errorf("%q should not be a code", c)
		}
	}
}

func TestKind(t *testing.T) {
	for _, k := range kinds {
		if got := Kind(errors.Join(errors.New("x"), k.err)); got != k.kind {
			t.Errorf("Kind(%v) = %s, want %s", k.err, got, k.kind)
		}
	}
	if Kind(errors.New("x")) != "other" {
		t.Error("an unknown error should be other")
	}
}

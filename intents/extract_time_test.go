package intents

import (
	"testing"
	"time"
)

// refNow is the reference moment of the evaluation: Monday 2025-11-03 15:00
// in Hong Kong.
func refNow(t testing.TB) time.Time {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Hong_Kong")
	if err != nil {
		t.Fatalf("load zone: %v", err)
	}
	return time.Date(2025, 11, 3, 15, 0, 0, 0, loc)
}

// timeKey writes a found time the way the scorer reads it: local, at its grain.
func timeKey(tm *Time) string {
	if tm == nil {
		return ""
	}
	layout := map[Grain]string{Day: "2006-01-02", Hour: "2006-01-02T15:00", Minute: "2006-01-02T15:04"}[tm.Grain]
	return string(tm.Grain) + " " + tm.Value.Format(layout)
}

func TestExtractTime(t *testing.T) {
	now := refNow(t)
	tests := []struct {
		text string
		want string // "" when no time must be found
	}{
		// Chinese relative days, with and without a clock.
		{"昨天下午3點轉賬失敗", "hour 2025-11-02T15:00"},
		{"我前日交咗錢", "day 2025-11-01"},
		{"上星期五已經申請", "day 2025-10-31"},
		{"上週三開始無法登入", "day 2025-10-29"},
		{"上个礼拜二提现的", "day 2025-10-28"},
		{"今朝開始收唔到", "day 2025-11-03"},
		{"今早登入唔到", "day 2025-11-03"},
		{"琴晚俾咗錢", "day 2025-11-02"},
		{"琴晚十點俾咗錢", "hour 2025-11-02T22:00"},
		{"尋日晏晝一點幾轉數", "hour 2025-11-02T13:00"},
		{"昨晚11點半付款", "minute 2025-11-02T23:30"},
		{"前天晚上八点半扣的钱", "minute 2025-11-01T20:30"},
		{"今日下晝4點俾錢", "hour 2025-11-03T16:00"},
		{"昨天凌晨2点收到短信", "hour 2025-11-02T02:00"},
		{"昨日中午12點", "hour 2025-11-02T12:00"},
		{"大前天開始", "day 2025-10-31"},
		{"星期六俾咗錢", "day 2025-11-01"},
		{"周四提现", "day 2025-10-30"},
		{"上個月28號轉嘅", "day 2025-10-28"},
		{"12號轉咗錢", "day 2025-10-12"},
		// Dates.
		{"10月29號 14:30 轉賬", "minute 2025-10-29T14:30"},
		{"2025/10/29 出嘅事", "day 2025-10-29"},
		{"2025-10-30 的提现", "day 2025-10-30"},
		{"2025年10月31日下午3點付款", "hour 2025-10-31T15:00"},
		{"十月三十日收款", "day 2025-10-30"},
		{"11月5日", "day 2024-11-05"}, // no year: the most recent past one
		{"paid on 29/10 and nothing", "day 2025-10-29"},
		{"On 2 Nov 2025 at 3pm I sent it", "hour 2025-11-02T15:00"},
		{"since Oct 30th", "day 2025-10-30"},
		{"November 1, 2025 around 9:15 am", "minute 2025-11-01T09:15"},
		// English relative.
		{"yesterday 3pm the payment failed", "hour 2025-11-02T15:00"},
		{"tried at 3pm yesterday", "hour 2025-11-02T15:00"},
		{"it failed at 11am today", "hour 2025-11-03T11:00"},
		{"sent 2 hours ago", "hour 2025-11-03T13:00"},
		{"20 mins ago", "minute 2025-11-03T14:40"},
		{"about half an hour ago", "minute 2025-11-03T14:30"},
		{"an hour ago my card was charged", "hour 2025-11-03T14:00"},
		{"last Friday the transfer", "day 2025-10-31"},
		{"last sat I topped up", "day 2025-11-01"},
		{"3 days ago", "day 2025-10-31"},
		{"two days ago", "day 2025-11-01"},
		{"last night around 10pm", "hour 2025-11-02T22:00"},
		{"this morning", "day 2025-11-03"},
		{"tonight it stopped", "day 2025-11-03"},
		{"since yesterday evening", "day 2025-11-02"},
		{"on Wednesday", "day 2025-10-29"},
		{"at 10:05 this morning", "minute 2025-11-03T10:05"},
		{"since 9am", "hour 2025-11-03T09:00"},
		{"at 8pm", "hour 2025-11-02T20:00"}, // later than now: yesterday
		{"the day before yesterday", "day 2025-11-01"},
		// Chinese relative moments.
		{"半個鐘前收到", "minute 2025-11-03T14:30"},
		{"半小时前付的款", "minute 2025-11-03T14:30"},
		{"兩個鐘前轉咗數", "hour 2025-11-03T13:00"},
		{"一個半鐘前", "minute 2025-11-03T13:30"},
		{"3天前提现", "day 2025-10-31"},
		{"三日前入咗錢", "day 2025-10-31"},
		{"10分鐘前", "minute 2025-11-03T14:50"},
		// Clocks alone: today.
		{"11點幾俾錢", "hour 2025-11-03T11:00"},
		{"下午1点多付款", "hour 2025-11-03T13:00"},
		{"下午5点多付款", "hour 2025-11-02T17:00"}, // not yet come today: yesterday
		{"8点半付款", "minute 2025-11-03T08:30"},
		{"下午2:15扣款", "minute 2025-11-03T14:15"},
		// A clock later in the same sentence belongs to the day.
		{"昨天我在超市付款，大概下午三點", "hour 2025-11-02T15:00"},
		// No time.
		{"三日都未到", ""},
		{"已經等咗3日", ""},
		{"it's been 3 days", ""},
		{"waited for a week", ""},
		{"just now it failed", ""},
		{"刚才付款失败", ""},
		{"a few days ago", ""},
		{"幾天前", ""},
		{"last week I tried", ""},
		{"over the weekend", ""},
		{"周末提的", ""},
		{"needed it at lunch", ""},
		{"晚上用唔到", ""},
		{"每週五都會扣款", ""},
		{"目前天氣好差", ""},
		{"一點都唔明", ""},
		{"error 1003", ""},
		{"within 48h please", ""},
		{"唔該快一點", ""},
		{"24/7 support please", ""},
		{"1/2 of the payment is missing", ""},
		{"I may 2 things wrong", ""},
		{"paid on May 2", "day 2025-05-02"},
		{"转了两次", ""},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			got := timeKey(Extract(tc.text, now).Time)
			if got != tc.want {
				t.Errorf("Extract(%q).Time = %q, want %q", tc.text, got, tc.want)
			}
		})
	}
}

func TestExtractTimeSpanAndZone(t *testing.T) {
	now := refNow(t)
	text := "我琴晚十點俾咗錢"
	tm := Extract(text, now).Time
	if tm == nil {
		t.Fatal("no time found")
	}
	if got := text[tm.Span.Start:tm.Span.End]; got != "琴晚十點" {
		t.Errorf("span text = %q, want 琴晚十點", got)
	}
	if tm.Value.Location() != now.Location() {
		t.Errorf("zone = %v, want %v", tm.Value.Location(), now.Location())
	}
	// Full-width digits map back to the original text.
	text = "１０月２９號轉賬"
	tm = Extract(text, now).Time
	if tm == nil || text[tm.Span.Start:tm.Span.End] != "１０月２９號" {
		t.Errorf("full-width date: got %+v", tm)
	}
}

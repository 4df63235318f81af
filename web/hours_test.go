package web

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/triagebot/triagebot/escalation"
)

// fakeHours is a calendar that is closed until back, or open.
type fakeHours struct {
	open atomic.Bool
	back time.Time
}

func (f *fakeHours) Open(time.Time) bool { return f.open.Load() }
func (f *fakeHours) NextOpen(t time.Time) time.Time {
	if f.open.Load() {
		return t
	}
	return f.back
}

func TestHours(t *testing.T) {
	hk, err := time.LoadLocation("Asia/Hong_Kong")
	if err != nil {
		t.Fatal(err)
	}
	back := time.Date(2025, 11, 10, 9, 0, 0, 0, hk) // a Monday
	closed := &fakeHours{back: back}
	open := &fakeHours{}
	open.open.Store(true)
	never := &fakeHours{} // closed, and NextOpen names no later time
	real := escalation.Default().Calendar()
	tests := []struct {
		name  string
		hours Hours
		now   time.Time
		want  hoursAnswer
	}{
		{"closed", closed, t0, hoursAnswer{Open: false, Reopens: "2025-11-10T09:00:00+08:00", Zone: "HKT"}},
		{"open", open, t0, hoursAnswer{Open: true}},
		{"no calendar", nil, t0, hoursAnswer{Open: true}},
		{"a calendar that never opens", never, t0, hoursAnswer{Open: true}},
		// The default rules: Hong Kong office hours (Saturday until 13:00).
		{"default, Saturday afternoon", real, time.Date(2026, 12, 5, 14, 0, 0, 0, hk), hoursAnswer{Open: false, Reopens: "2026-12-07T09:00:00+08:00", Zone: "HKT"}},
		{"default, Monday morning", real, time.Date(2026, 12, 7, 10, 0, 0, 0, hk), hoursAnswer{Open: true}},
		{"default, Christmas Day", real, time.Date(2026, 12, 25, 10, 0, 0, 0, hk), hoursAnswer{Open: false, Reopens: "2026-12-28T09:00:00+08:00", Zone: "HKT"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(newServer(t, Config{Hours: tt.hours,
				Now: func() time.Time { return tt.now }}).Handler())
			defer srv.Close()
			resp, err := srv.Client().Get(srv.URL + "/hours")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var got hoursAnswer
			if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != http.StatusOK || got != tt.want || resp.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("%d %+v (Cache-Control %q), want 200 %+v, no-store", resp.StatusCode, got, resp.Header.Get("Cache-Control"), tt.want)
			}
		})
	}
}

// TestBrowserOutOfHours: outside business hours the widget says when the
// team is back, in the routing zone, and that the user may leave details;
// inside them it says nothing.
func TestBrowserOutOfHours(t *testing.T) {
	exe := chromium(t)
	hk, err := time.LoadLocation("Asia/Hong_Kong")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().In(hk)
	back := time.Date(now.Year(), now.Month(), now.Day()+2, 9, 0, 0, 0, hk)
	cal := &fakeHours{back: back}
	sk := newStack(t, nil, func(c *Config) { c.Hours = cal })
	tab := newBrowser(t, exe)
	for _, tt := range []struct{ lang, want string }{
		{"en", "We’re back " + back.Weekday().String() + " 09:00 HKT. Leave your details here and we’ll reply in this chat."},
		{"zh-Hant", "我們" + []string{"星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"}[back.Weekday()] + " 09:00 HKT回來。請在這裡留下你的資料，我們會在這個對話回覆你。"},
	} {
		err := chromedp.Do(tab,
			chromedp.EmulateViewport(390, 844),
			chromedp.Navigate(sk.srv.URL+"/?lang="+tt.lang),
			chromedp.WaitVisible(chromedp.CSS("#chat.is-online")),
		)
		if err != nil {
			t.Fatal(err)
		}
		if err := waitJS(tab, `!document.getElementById('hours').hidden && document.getElementById('hours').textContent === `+jsString(tt.want), 10*time.Second); err != nil {
			got, _ := chromedp.Run(tab, chromedp.Evaluate[string](`document.getElementById('hours').textContent`))
			t.Errorf("%s: notice %q, want %q", tt.lang, got, tt.want)
		}
	}
	cal.open.Store(true)
	if err := chromedp.Do(tab, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#chat.is-online"))); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(tab, `document.getElementById('hours').dataset.open === 'true' && document.getElementById('hours').hidden`, 10*time.Second); err != nil {
		t.Errorf("during business hours: %v", err)
	}
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

package prompts

import (
	"fmt"
	"time"

	"github.com/triagebot/triagebot/language"
)

// Texts of service quality: business hours, the satisfaction question and
// what agents read about breaches and the day's figures.
const (
	OutOfHours     Key = "dialogue.out_of_hours"
	CSATAsk        Key = "csat.ask"
	CSATComment    Key = "csat.comment"
	CSATThanks     Key = "csat.thanks"
	LabelNoComment Key = "label.no_comment"

	TelegramBreachNotice Key = "telegram.breach_notice"
	TelegramDailyReport  Key = "telegram.daily_report"
)

// RatingLabel is the quick reply of score n (1 to 5).
func RatingLabel(n int) Key { return Key(fmt.Sprintf("label.rating.%d", n)) }

var (
	weekdaysHant = [7]string{"星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"}
	weekdaysHans = weekdaysHant // the same characters in both scripts
)

// When writes a moment for a user in lang, with the weekday and the zone's
// abbreviation, in t's zone: "Mon 7 Dec, 10:30 HKT", 「12月7日（星期一）10:30 HKT」.
func When(lang language.Lang, t time.Time) string {
	switch lang {
	case language.ZhHant:
		return fmt.Sprintf("%d月%d日（%s）%s", t.Month(), t.Day(), weekdaysHant[t.Weekday()], t.Format("15:04 MST"))
	case language.ZhHans:
		return fmt.Sprintf("%d月%d日（%s）%s", t.Month(), t.Day(), weekdaysHans[t.Weekday()], t.Format("15:04 MST"))
	}
	return t.Format("Mon 2 Jan, 15:04 MST")
}

// BreachData fills TelegramBreachNotice.
type BreachData struct {
	TicketID, Queue, Was, Priority, Due, URL string
}

// DailyData fills TelegramDailyReport; the ratios are already words
// ("87%", or "–" when there was nothing to measure).
type DailyData struct {
	Date                                               string
	Tickets                                            int
	SLAMet, CSAT, Containment, FirstResponse, Breaches string
}

func init() {
	hkt := time.FixedZone("HKT", 8*3600)
	Register(map[Key]Text{
		OutOfHours: {
			Hant:    "而家係辦公時間以外，同事會喺 {{.Back}} 返嚟。你講嘅每樣嘢我都已經記低，你可以繼續喺度補充。",
			Hans:    "现在是办公时间以外，同事会在 {{.Back}} 回来。你说的每一项我都已经记下，你可以继续在这里补充。",
			En:      "We're outside office hours now; the team is back {{.Back}}. I've noted everything you told me, and you can keep adding details here.",
			Example: map[string]any{"Back": When(language.English, time.Date(2026, 12, 7, 9, 0, 0, 0, hkt))},
		},
		CSATAsk: {
			Hant: "你覺得今次嘅服務點樣？請揀 1 至 5 分，5 分最好。",
			Hans: "你觉得这次的服务怎么样？请选 1 到 5 分，5 分最好。",
			En:   "How did we do? Please rate us from 1 to 5 (5 is best).",
		},
		RatingLabel(1): {Hant: "1 分（好差）", Hans: "1 分（很差）", En: "1 – Very poor"},
		RatingLabel(2): {Hant: "2 分（差）", Hans: "2 分（差）", En: "2 – Poor"},
		RatingLabel(3): {Hant: "3 分（一般）", Hans: "3 分（一般）", En: "3 – OK"},
		RatingLabel(4): {Hant: "4 分（好）", Hans: "4 分（好）", En: "4 – Good"},
		RatingLabel(5): {Hant: "5 分（非常好）", Hans: "5 分（非常好）", En: "5 – Excellent"},
		CSATComment: {
			Hant: "多謝你嘅評分！有冇咩想補充？直接打字就得，或者揀「唔使喇」。",
			Hans: "谢谢你的评分！还有什么想补充吗？直接输入就可以，或者选“不用了”。",
			En:   "Thanks for rating us! Anything you'd like to add? Just type it, or choose “No, thanks”.",
		},
		LabelNoComment: {Hant: "唔使喇", Hans: "不用了", En: "No, thanks"},
		CSATThanks: {
			Hant: "多謝你嘅意見，我哋會用嚟改善服務。",
			Hans: "谢谢你的意见，我们会用来改进服务。",
			En:   "Thank you for your feedback; it helps us do better.",
		},
		TelegramBreachNotice: {
			Hant:    "⏰ 個案 {{.TicketID}}（{{.Queue}}）過咗 SLA 時限 {{.Due}} 都未有同事回覆，優先級由 {{.Was}} 升到 {{.Priority}}。{{if .URL}}\n{{.URL}}{{end}}",
			Hans:    "⏰ 工单 {{.TicketID}}（{{.Queue}}）已过 SLA 时限 {{.Due}} 仍未有同事回复，优先级由 {{.Was}} 升为 {{.Priority}}。{{if .URL}}\n{{.URL}}{{end}}",
			En:      "⏰ Ticket {{.TicketID}} ({{.Queue}}) passed its SLA at {{.Due}} without an agent reply; priority raised from {{.Was}} to {{.Priority}}.{{if .URL}}\n{{.URL}}{{end}}",
			Example: BreachData{TicketID: "T-000042", Queue: "payments", Was: "high", Priority: "urgent", Due: "7 Dec 10:30 HKT", URL: "https://support.example/agent"},
		},
		TelegramDailyReport: {
			Hant:    "📊 {{.Date}} 日報：新個案 {{.Tickets}} 個；首次回覆中位數 {{.FirstResponse}}；SLA 達標 {{.SLAMet}}（違規 {{.Breaches}}）；滿意度 {{.CSAT}}；自助解決 {{.Containment}}。",
			Hans:    "📊 {{.Date}} 日报：新工单 {{.Tickets}} 个；首次回复中位数 {{.FirstResponse}}；SLA 达标 {{.SLAMet}}（违约 {{.Breaches}}）；满意度 {{.CSAT}}；自助解决 {{.Containment}}。",
			En:      "📊 Report for {{.Date}}: {{.Tickets}} new tickets; median first response {{.FirstResponse}}; SLA met {{.SLAMet}} ({{.Breaches}} breached); CSAT {{.CSAT}}; solved by self-help {{.Containment}}.",
			Example: DailyData{Date: "2026-12-06", Tickets: 42, SLAMet: "91%", CSAT: "4.3/5 (12)", Containment: "38%", FirstResponse: "24 min", Breaches: "3"},
		},
	})
}

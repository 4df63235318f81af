package prompts

import (
	"time"

	"github.com/triagebot/triagebot/language"
)

// Keys of the conversation engine's sentences (package bot). Questions that
// ask for a detail name it plainly ("transaction ID", "金額", "幾時") so a user
// — and the acceptance test's simulated user — knows what is asked; other
// sentences avoid those words so they are not mistaken for a question.
const (
	Welcome        Key = "dialogue.welcome"
	GreetingReply  Key = "dialogue.greeting_reply"
	OutOfScope     Key = "dialogue.out_of_scope"
	ProblemAck     Key = "dialogue.problem_ack"
	SwitchProblem  Key = "dialogue.switch_problem"
	Clarify        Key = "dialogue.clarify"
	Describe       Key = "dialogue.describe"
	Skip           Key = "dialogue.skip"
	NotFound       Key = "dialogue.not_found"
	Noted          Key = "dialogue.noted"
	Received       Key = "dialogue.received"
	ReceivedEarly  Key = "dialogue.received_early"
	SelfHelpAsk    Key = "dialogue.selfhelp_ask"
	ClosedFixed    Key = "dialogue.closed_fixed"
	HumanNow       Key = "dialogue.human_now"
	Unclear        Key = "dialogue.unclear"
	Escalated      Key = "dialogue.escalated"
	AddedToTicket  Key = "dialogue.added_to_ticket"
	StatusNone     Key = "dialogue.status_none"
	StatusList     Key = "dialogue.status_list"
	AgentClaimed   Key = "dialogue.agent_claimed"
	TicketResolved Key = "dialogue.ticket_resolved"
	TicketReleased Key = "dialogue.ticket_released"
	// TicketTransferred tells the user a colleague will continue, and
	// nothing of where the ticket went (queues and names are internal).
	TicketTransferred Key = "dialogue.ticket_transferred"
	AttachmentNote    Key = "dialogue.attachment_note"

	// The fallback ladder: not understood once (ClarifyAgain or Clarify with
	// a "talk to a person" reply), twice (OfferPerson), then a ticket.
	ClarifyAgain Key = "dialogue.clarify_again"
	OfferPerson  Key = "dialogue.offer_person"
	// HumanGather opens a person's ticket while a few details are still
	// asked for (the user may skip each).
	HumanGather Key = "dialogue.human_gather"
	// ConfirmBack resumes the earlier problem after "no" to ConfirmRisky.
	ConfirmBack Key = "dialogue.confirm_back"
	// RiskyUnclear escalates a message with strong risk words that the bot
	// could not place.
	RiskyUnclear Key = "dialogue.risky_unclear"

	LabelFixed  Key = "label.fixed"
	LabelStill  Key = "label.still"
	LabelPerson Key = "label.person"
	LabelOther  Key = "label.other"
	LabelSMS    Key = "label.sms"
	LabelHKD    Key = "label.hkd"
	LabelUSD    Key = "label.usd"
	LabelCNY    Key = "label.cny"
	LabelEmail  Key = "label.email"
	LabelYes    Key = "label.yes"
	LabelNo     Key = "label.no"
)

// ConfirmRisky is the one question asked before a dialogue switches to a
// risky problem ("unauthorized_transaction", "account_frozen") on a message
// that is not unmistakable.
func ConfirmRisky(intent string) Key { return Key("dialogue.confirm." + intent) }

// Ask is the question for a detail ("time", "amount", "transaction_id",
// "screenshot", "error", "api", "otp_channel").
func Ask(detail string) Key { return Key("dialogue.ask." + detail) }

// Reask is the second, last question for a detail, with an example.
func Reask(detail string) Key { return Key("dialogue.reask." + detail) }

// IntentLabel is a problem's short name, used as a quick reply and in sentences.
func IntentLabel(intent string) Key { return Key("label.intent." + intent) }

// StatusLabel names a ticket status for the user.
func StatusLabel(status string) Key { return Key("label.status." + status) }

// PriorityLabel names a ticket priority for the user.
func PriorityLabel(priority string) Key { return Key("label.priority." + priority) }

// exampleTicket is the example data of the ticket sentences.
var exampleTicket = map[string]any{
	"TicketID": "T-000042", "Urgent": true,
	"Due": When(language.English, time.Date(2026, 12, 7, 10, 30, 0, 0, time.FixedZone("HKT", 8*3600))),
}

func init() {
	Register(map[Key]Text{
		Welcome: {
			Hant: "你好，我係支付客服助理。請話我知遇到咩問題，例如付款、轉賬、提款、退款或者登入，我會幫你處理或者轉交合適嘅同事。",
			Hans: "你好，我是支付客服助理。请告诉我遇到了什么问题，例如付款、转账、提现、退款或登录，我会帮你处理或转交给合适的同事。",
			En:   "Hi, I'm the payment support assistant. Tell me what went wrong — for example a payment, a transfer, a withdrawal, a refund or logging in — and I'll help or pass it to the right team.",
		},
		GreetingReply: {
			Hant: "你好！我可以幫你處理付款、轉賬、提款、退款、登入同App嘅問題。有咩可以幫到你？",
			Hans: "你好！我可以帮你处理付款、转账、提现、退款、登录和App的问题。有什么可以帮你？",
			En:   "Hello! I can help with payments, transfers, withdrawals, refunds, logging in and the app. What can I do for you?",
		},
		OutOfScope: {
			Hant: "唔好意思，我只可以處理你支付帳戶嘅問題：付款、轉賬、提款、退款、登入同App。你遇到嘅係唔係其中一樣？",
			Hans: "抱歉，我只能处理你支付账户的问题：付款、转账、提现、退款、登录和App。你遇到的是其中一种吗？",
			En:   "Sorry, I can only help with your payment account: payments, transfers, withdrawals, refunds, logging in and the app. Is your problem one of those?",
		},
		ProblemAck: {
			Hant:    "明白，{{.Problem}}。我問幾條問題，方便同事跟進。",
			Hans:    "明白，{{.Problem}}。我问几个问题，方便同事跟进。",
			En:      "Got it: {{.Problem}}. I'll ask a few questions so the team can look into it.",
			Example: map[string]any{"Problem": "提款未到帳"},
		},
		SwitchProblem: {
			Hant:    "好，咁我哋改為跟進：{{.Problem}}。",
			Hans:    "好的，那我们改为处理：{{.Problem}}。",
			En:      "OK, let's look at this instead: {{.Problem}}.",
			Example: map[string]any{"Problem": "Refund not received"},
		},
		Clarify: {
			Hant: "想確認一下，以下邊一項最接近你遇到嘅問題？",
			Hans: "想确认一下，以下哪一项最接近你遇到的问题？",
			En:   "I want to be sure I understand. Which of these is closest to your problem?",
		},
		Describe: {
			Hant: "請用一兩句話講下你遇到咩問題。",
			Hans: "请用一两句话描述一下你遇到的问题。",
			En:   "Please describe the problem in a sentence or two.",
		},
		Skip: {
			Hant: "唔緊要，冇都得。",
			Hans: "没关系，没有也可以。",
			En:   "No problem, we'll do without it.",
		},
		Noted: {
			Hant: "收到，已經更新咗。",
			Hans: "收到，已更新。",
			En:   "Thanks, I've updated that.",
		},
		NotFound: {
			Hant: "唔好意思，我喺你嘅回覆度搵唔到呢項資料。",
			Hans: "抱歉，我在你的回复里没找到这项信息。",
			En:   "Sorry, I couldn't find that in your answer.",
		},
		Received: {
			Hant: "收到，多謝。",
			Hans: "收到，谢谢。",
			En:   "Thanks, received.",
		},
		ReceivedEarly: {
			Hant: "收到，多謝。可唔可以講下遇到咩問題？",
			Hans: "收到，谢谢。能说一下遇到了什么问题吗？",
			En:   "Thanks, received. Could you tell me what the problem is?",
		},
		SelfHelpAsk: {
			Hant: "咁樣解決到你嘅問題未？",
			Hans: "这样能解决你的问题吗？",
			En:   "Did this solve the problem?",
		},
		ClosedFixed: {
			Hant: "太好喇！如果之後有其他問題，隨時喺度留言。",
			Hans: "太好了！如果之后还有其他问题，随时在这里留言。",
			En:   "Great, glad it's sorted! If anything else comes up, just write here.",
		},
		HumanNow: {
			Hant: "好，我幫你轉交俾真人同事。",
			Hans: "好的，我帮你转交给人工同事。",
			En:   "Sure, I'll hand this to a person.",
		},
		Unclear: {
			Hant: "我唔太肯定明白你嘅意思，所以會轉交俾同事跟進。",
			Hans: "我不太确定理解了你的意思，所以会转交给同事跟进。",
			En:   "I'm not sure I understood, so I'll hand this to a colleague who can help.",
		},
		ClarifyAgain: {
			Hant: "唔好意思，我未明白你嘅意思。你可以揀下面最接近嘅一項，或者直接轉真人客服。",
			Hans: "抱歉，我没能理解你的意思。你可以选下面最接近的一项，或者直接转人工客服。",
			En:   "Sorry, I didn't quite understand. Pick the closest match below, or talk to a person.",
		},
		OfferPerson: {
			Hant: "我仲係唔太明白，唔好意思。要唔要我幫你轉交俾真人同事跟進？你亦可以換個講法再講一次。",
			Hans: "我还是不太明白，抱歉。要不要我帮你转交给人工同事跟进？你也可以换个说法再说一次。",
			En:   "I'm still not sure I follow, sorry. Shall I pass you to a person? You can also try saying it another way.",
		},
		HumanGather: {
			Hant: "好，我已經幫你轉交俾真人同事。佢接手之前，想問你幾條問題，答唔到嘅話講「唔知」就得。",
			Hans: "好的，我已经帮你转交给人工同事。同事接手之前，想先问你几个问题，答不上来的话说“不知道”就行。",
			En:   "Sure, I've passed this to a person. Before they pick it up, a few quick questions; just say \"don't know\" to skip any.",
		},
		ConfirmBack: {
			Hant:    "好，咁我哋繼續跟進：{{.Problem}}。",
			Hans:    "好的，那我们继续处理：{{.Problem}}。",
			En:      "OK, let's carry on with this: {{.Problem}}.",
			Example: map[string]any{"Problem": "提款未到帳"},
		},
		RiskyUnclear: {
			Hant: "你講嘅情況可能涉及帳戶安全，我即刻轉交俾安全團隊優先處理。",
			Hans: "你描述的情况可能涉及账户安全，我马上转交给安全团队优先处理。",
			En:   "What you describe may be a security problem, so I'm passing it to our security team as a priority.",
		},
		ConfirmRisky("unauthorized_transaction"): {
			Hant: "想確認一下：係咪有人喺你唔知情嘅情況下用咗你個帳戶或者張卡付款、轉賬？",
			Hans: "想确认一下：是否有人在你不知情的情况下用你的账户或卡付款、转账？",
			En:   "Just to be sure: did someone make a payment or transfer from your account or card that you didn't authorise?",
		},
		ConfirmRisky("account_frozen"): {
			Hant: "想確認一下：你個帳戶或者入面嘅錢係咪被凍結或者限制咗？",
			Hans: "想确认一下：你的账户或里面的资金是否被冻结或限制了？",
			En:   "Just to be sure: has your account, or the money in it, been frozen or restricted?",
		},
		Escalated: {
			Hant:    "我已經開咗個案 {{.TicketID}}{{if .Urgent}}，列為緊急{{end}}，同事會喺 {{.Due}} 之前喺度回覆你。你可以繼續喺度補充資料。",
			Hans:    "我已经创建了工单 {{.TicketID}}{{if .Urgent}}，列为紧急{{end}}，同事会在 {{.Due}} 之前在这里回复你。你可以继续在这里补充信息。",
			En:      "I've opened ticket {{.TicketID}}{{if .Urgent}} as urgent{{end}}. A colleague will reply here by {{.Due}}; you can keep adding information in this chat.",
			Example: exampleTicket,
		},
		AddedToTicket: {
			Hant:    "多謝，已經加咗落個案 {{.TicketID}}，同事會喺度回覆你。",
			Hans:    "谢谢，已经加到工单 {{.TicketID}}，同事会在这里回复你。",
			En:      "Thanks, I've added that to ticket {{.TicketID}}. A colleague will reply here.",
			Example: exampleTicket,
		},
		StatusNone: {
			Hant: "我喺呢度搵唔到你嘅個案。",
			Hans: "我在这里找不到你的工单。",
			En:   "I can't find any tickets of yours here.",
		},
		StatusList: {
			Hant:    "你最近嘅個案：{{range .Tickets}}\n• {{.ID}}：{{.Status}}（{{.Queue}}）{{end}}",
			Hans:    "你最近的工单：{{range .Tickets}}\n• {{.ID}}：{{.Status}}（{{.Queue}}）{{end}}",
			En:      "Your latest tickets:{{range .Tickets}}\n• {{.ID}}: {{.Status}} ({{.Queue}}){{end}}",
			Example: map[string]any{"Tickets": []map[string]string{{"ID": "T-000042", "Status": "open", "Queue": "payments"}}},
		},
		TicketReleased: {
			Hant:    "個案 {{.TicketID}} 已經交返俾團隊，下一位有空嘅同事會跟進。",
			Hans:    "工单 {{.TicketID}} 已交回团队，下一位空闲的同事会跟进。",
			En:      "Ticket {{.TicketID}} is back with the team; the next free colleague will pick it up.",
			Example: exampleTicket,
		},
		TicketTransferred: {
			Hant:    "個案 {{.TicketID}} 會由另一位同事繼續跟進，你唔使再講一次。",
			Hans:    "工单 {{.TicketID}} 将由另一位同事继续跟进，你不用再说一遍。",
			En:      "Another colleague will continue with ticket {{.TicketID}}; you will not need to repeat anything.",
			Example: exampleTicket,
		},
		AgentClaimed: {
			Hant:    "同事而家跟緊你嘅個案 {{.TicketID}}。",
			Hans:    "同事正在处理你的工单 {{.TicketID}}。",
			En:      "A colleague is now looking at ticket {{.TicketID}}.",
			Example: exampleTicket,
		},
		TicketResolved: {
			Hant:    "個案 {{.TicketID}} 已經處理好。如果仲有其他需要，隨時喺度留言。",
			Hans:    "工单 {{.TicketID}} 已经处理完毕。如果还有其他需要，随时在这里留言。",
			En:      "Ticket {{.TicketID}} has been resolved. If you need anything else, just write here.",
			Example: exampleTicket,
		},
		AttachmentNote: {
			Hant:    "[附件 {{.Filename}}]",
			Hans:    "[附件 {{.Filename}}]",
			En:      "[attachment {{.Filename}}]",
			Example: map[string]any{"Filename": "status.png"},
		},

		Ask("time"): {
			Hant: "請問係幾時發生㗎？講日期同大概時間就得。",
			Hans: "请问是什么时候发生的？说日期和大概时间就可以。",
			En:   "When did it happen? The date and roughly what time is enough.",
		},
		Reask("time"): {
			Hant: "請問係幾時發生？可以咁樣寫：「琴日下晝3點」或者「2025年11月2日14:30」。",
			Hans: "请问是什么时候发生的？可以这样写：“昨天下午3点”或“2025年11月2日14:30”。",
			En:   "When did it happen? You can write it like \"yesterday 3pm\" or \"2 Nov 2025 14:30\".",
		},
		Ask("amount"): {
			Hant: "涉及金額係幾多？請講埋貨幣，例如港幣。",
			Hans: "涉及金额是多少？请说明币种，例如港币。",
			En:   "What was the amount, and in which currency?",
		},
		Reask("amount"): {
			Hant: "涉及金額係幾多？可以咁樣寫：「港幣500蚊」。",
			Hans: "涉及金额是多少？可以这样写：“500港元”。",
			En:   "What was the amount? You can write it like \"HK$500\".",
		},
		Ask("transaction_id"): {
			Hant: "交易編號（或者參考編號）係乜嘢？喺交易詳情頁面搵到。",
			Hans: "交易编号（或参考编号）是什么？可以在交易详情页面找到。",
			En:   "What is the transaction ID or reference number? It is on the transaction details page.",
		},
		Reask("transaction_id"): {
			Hant: "交易編號係乜嘢？通常好似「TX20251102AB12」咁。",
			Hans: "交易编号是什么？通常类似“TX20251102AB12”。",
			En:   "What is the transaction ID? It usually looks like \"TX20251102AB12\".",
		},
		Ask("screenshot"): {
			Hant: "可唔可以傳一張App入面狀態頁面嘅截圖？",
			Hans: "可以发一张App里状态页面的截图吗？",
			En:   "Could you send a screenshot of the status page in the app?",
		},
		Reask("screenshot"): {
			Hant: "有截圖同事會處理得快好多。可唔可以傳一張截圖？冇嘅話話我知就得。",
			Hans: "有截图同事会处理得快很多。可以发一张截图吗？没有的话告诉我就行。",
			En:   "A screenshot helps the team a lot. Could you send a screenshot? If you can't, just tell me.",
		},
		Ask("error"): {
			Hant: "畫面顯示咩錯誤訊息？可以打出嚟，或者傳張截圖。",
			Hans: "屏幕上显示什么错误信息？可以打出来，或者发一张截图。",
			En:   "What error message do you see? You can type it or send a screenshot.",
		},
		Ask("api"): {
			Hant: "受影響嘅係邊個 API 或者回調（例如付款通知 webhook、退款 API）？",
			Hans: "受影响的是哪个 API 或回调（例如支付通知 webhook、退款 API）？",
			En:   "Which API call or callback is affected (for example the payment webhook or the refund API)?",
		},
		Ask("currency"): {
			Hant: "請問係邊種貨幣？",
			Hans: "请问是哪种货币？",
			En:   "Which currency was that in?",
		},
		Ask("otp_channel"): {
			Hant: "驗證碼應該經短訊定電郵收到？",
			Hans: "验证码应该通过短信还是邮件收到？",
			En:   "Should the code arrive by SMS or by e-mail?",
		},

		LabelFixed:  {Hant: "問題解決咗", Hans: "问题解决了", En: "That fixed it"},
		LabelStill:  {Hant: "仲未解決", Hans: "还是没解决", En: "I still need help"},
		LabelPerson: {Hant: "轉真人客服", Hans: "转人工客服", En: "Talk to a person"},
		LabelOther:  {Hant: "其他問題", Hans: "其他问题", En: "Something else"},
		LabelSMS:    {Hant: "短訊", Hans: "短信", En: "SMS"},
		LabelEmail:  {Hant: "電郵", Hans: "邮件", En: "E-mail"},
		LabelHKD:    {Hant: "港幣 HKD", Hans: "港币 HKD", En: "HKD"},
		LabelUSD:    {Hant: "美元 USD", Hans: "美元 USD", En: "USD"},
		LabelCNY:    {Hant: "人民幣 CNY", Hans: "人民币 CNY", En: "CNY"},
		LabelYes:    {Hant: "係", Hans: "是的", En: "Yes"},
		LabelNo:     {Hant: "唔係", Hans: "不是", En: "No"},

		IntentLabel("login_failed"):             {Hant: "登入唔到", Hans: "无法登录", En: "Can't log in"},
		IntentLabel("otp_not_received"):         {Hant: "收唔到驗證碼", Hans: "收不到验证码", En: "Verification code not arriving"},
		IntentLabel("biometric_failed"):         {Hant: "人臉／指紋認證失敗", Hans: "人脸/指纹验证失败", En: "Face or fingerprint check fails"},
		IntentLabel("account_frozen"):           {Hant: "帳戶被凍結或限制", Hans: "账户被冻结或限制", En: "Account frozen or restricted"},
		IntentLabel("payment_not_received"):     {Hant: "轉賬對方未收到", Hans: "转账对方未收到", En: "Money sent but not received"},
		IntentLabel("withdrawal_failed"):        {Hant: "提款未到帳", Hans: "提现未到账", En: "Withdrawal not arrived"},
		IntentLabel("transaction_failed"):       {Hant: "付款失敗", Hans: "付款失败", En: "Payment failed or declined"},
		IntentLabel("duplicate_charge"):         {Hant: "重複扣款", Hans: "重复扣款", En: "Charged twice"},
		IntentLabel("refund_not_received"):      {Hant: "退款未收到", Hans: "退款未收到", En: "Refund not received"},
		IntentLabel("unauthorized_transaction"): {Hant: "有唔係我做嘅交易", Hans: "有不是我本人的交易", En: "A payment I didn't make"},
		IntentLabel("app_problem"):              {Hant: "App 閃退或者開唔到", Hans: "App 闪退或打不开", En: "The app crashes or won't open"},
		IntentLabel("merchant_integration"):     {Hant: "商戶 API／回調問題", Hans: "商户 API/回调问题", En: "Merchant API or webhook problem"},
		IntentLabel("human_agent"):              {Hant: "搵真人跟進", Hans: "找人工跟进", En: "Asked for a person"},
		IntentLabel("ticket_status"):            {Hant: "查詢個案進度", Hans: "查询工单进度", En: "Ticket status"},
		IntentLabel("greeting"):                 {Hant: "打招呼", Hans: "打招呼", En: "Greeting"},
		IntentLabel("out_of_scope"):             {Hant: "其他查詢", Hans: "其他咨询", En: "Other question"},

		StatusLabel("open"):     {Hant: "等緊同事跟進", Hans: "等待同事处理", En: "waiting for a colleague"},
		StatusLabel("claimed"):  {Hant: "同事跟緊", Hans: "同事处理中", En: "a colleague is on it"},
		StatusLabel("resolved"): {Hant: "已處理", Hans: "已处理", En: "resolved"},

		PriorityLabel("urgent"): {Hant: "緊急", Hans: "紧急", En: "urgent"},
		PriorityLabel("high"):   {Hant: "高", Hans: "高", En: "high"},
		PriorityLabel("normal"): {Hant: "一般", Hans: "一般", En: "normal"},
		PriorityLabel("low"):    {Hant: "低", Hans: "低", En: "low"},
	})
}

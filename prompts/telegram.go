package prompts

// Texts of the Telegram channel (bot/telegram): command answers, refusals of
// what the channel cannot take, the one-line form of ticket events, and the
// notice agents read in the agent chat.
const (
	TelegramGroupRefusal Key = "telegram.group_refusal"
	TelegramHelp         Key = "telegram.help"
	TelegramAgentRequest Key = "telegram.agent_request"
	TelegramFileTooLarge Key = "telegram.file_too_large"
	TelegramFileNotImage Key = "telegram.file_not_image"
	TelegramFileFailed   Key = "telegram.file_failed"
	TelegramUnsupported  Key = "telegram.unsupported"
	TelegramChoiceGone   Key = "telegram.choice_expired"
	TelegramTicketOpen   Key = "telegram.ticket_open"
	TelegramTicketClaim  Key = "telegram.ticket_claimed"
	TelegramTicketDone   Key = "telegram.ticket_resolved"
	TelegramAgentNotice  Key = "telegram.agent_notice"
)

// TelegramTicketData fills the ticket-event texts.
type TelegramTicketData struct {
	TicketID, Status, Queue, Priority string
}

// TelegramNoticeData fills TelegramAgentNotice.
type TelegramNoticeData struct {
	TicketID, Priority, Queue, Intent, Channel, Summary, URL string
}

func init() {
	ticket := TelegramTicketData{TicketID: "T-000042", Status: "open", Queue: "payments", Priority: "high"}
	Register(map[Key]Text{
		TelegramGroupRefusal: {
			Hant:    "多謝邀請！為咗保障你嘅帳戶資料，我只會喺私人對話度處理查詢。請直接同 @{{.Bot}} 開私人對話。",
			Hans:    "谢谢邀请！为了保护你的账户资料，我只在私聊中处理查询。请直接与 @{{.Bot}} 私聊。",
			En:      "Thanks for the invite! To keep your account details safe I only handle questions in a private chat. Please message @{{.Bot}} directly.",
			Example: map[string]string{"Bot": "triage_test_bot"},
		},
		TelegramHelp: {
			Hant: "話俾我知你遇到咩付款或者帳戶問題，我會幫你整理好再交俾客服。\n/status 睇你嘅個案進度\n/agent 轉駁真人客服\n/help 顯示呢個說明\n你亦可以直接傳截圖俾我。",
			Hans: "告诉我你遇到的付款或账户问题，我会帮你整理好再交给客服。\n/status 查看你的工单进度\n/agent 转接人工客服\n/help 显示本说明\n你也可以直接发截图给我。",
			En:   "Tell me about your payment or account problem and I will prepare it for our support team.\n/status shows your tickets\n/agent asks for a person\n/help shows this message\nYou can also send me a screenshot.",
		},
		TelegramAgentRequest: {
			Hant: "我想搵真人客服",
			Hans: "我想找人工客服",
			En:   "I want to talk to a human agent",
		},
		TelegramFileTooLarge: {
			Hant:    "呢個檔案太大喇（上限 {{.MaxMB}} MB），請傳一張細啲嘅截圖。",
			Hans:    "这个文件太大了（上限 {{.MaxMB}} MB），请发一张小一点的截图。",
			En:      "That file is too large (the limit is {{.MaxMB}} MB). Please send a smaller screenshot.",
			Example: map[string]int{"MaxMB": 5},
		},
		TelegramFileNotImage: {
			Hant: "我只可以收 PNG、JPEG 或者 WebP 格式嘅截圖，請再傳一次。",
			Hans: "我只能接收 PNG、JPEG 或 WebP 格式的截图，请重新发送。",
			En:   "I can only take screenshots as PNG, JPEG or WebP images. Please send it again as one of those.",
		},
		TelegramFileFailed: {
			Hant: "收唔到你傳嘅檔案，請再傳一次。",
			Hans: "没能收到你发的文件，请再发一次。",
			En:   "I could not fetch that file. Please send it again.",
		},
		TelegramUnsupported: {
			Hant: "我只睇得明文字同截圖，請用文字講低你嘅問題。",
			Hans: "我只能看懂文字和截图，请用文字描述你的问题。",
			En:   "I can only read text and screenshots. Please describe your problem in words.",
		},
		TelegramChoiceGone: {
			Hant: "呢個選項已經過咗時，請直接打字回覆。",
			Hans: "这个选项已过期，请直接输入回复。",
			En:   "That choice has expired; please type your answer.",
		},
		TelegramTicketOpen: {
			Hant:    "已為你開立個案 {{.TicketID}}，客服會盡快跟進。",
			Hans:    "已为你创建工单 {{.TicketID}}，客服会尽快跟进。",
			En:      "Your ticket {{.TicketID}} is open; an agent will pick it up soon.",
			Example: ticket,
		},
		TelegramTicketClaim: {
			Hant:    "客服已經開始處理你嘅個案 {{.TicketID}}。",
			Hans:    "客服已开始处理你的工单 {{.TicketID}}。",
			En:      "An agent is now working on your ticket {{.TicketID}}.",
			Example: ticket,
		},
		TelegramTicketDone: {
			Hant:    "你嘅個案 {{.TicketID}} 已經完成。如果仲有問題，直接再講就得。",
			Hans:    "你的工单 {{.TicketID}} 已处理完毕。如还有问题，直接再告诉我即可。",
			En:      "Your ticket {{.TicketID}} is resolved. If anything is still wrong, just write again.",
			Example: ticket,
		},
		TelegramAgentNotice: {
			Hant:    "新個案 {{.TicketID}}【{{.Priority}}】\n隊列：{{.Queue}}\n類別：{{.Intent}}\n渠道：{{.Channel}}\n摘要：{{.Summary}}\n{{.URL}}",
			Hans:    "新工单 {{.TicketID}}【{{.Priority}}】\n队列：{{.Queue}}\n类别：{{.Intent}}\n渠道：{{.Channel}}\n摘要：{{.Summary}}\n{{.URL}}",
			En:      "New ticket {{.TicketID}} [{{.Priority}}]\nQueue: {{.Queue}}\nIntent: {{.Intent}}\nChannel: {{.Channel}}\nSummary: {{.Summary}}\n{{.URL}}",
			Example: TelegramNoticeData{TicketID: "T-000042", Priority: "urgent", Queue: "fraud", Intent: "unauthorized_transaction", Channel: "telegram", Summary: "card ****1111 charged twice", URL: "http://127.0.0.1:8080/agent"},
		},
	})
}

package prompts

// Texts of the storage limits (bot/upload.go): what a user is told when a
// file would go over the attachment quota.
const (
	AttachmentQuotaConversation Key = "storage.quota_conversation"
	AttachmentQuotaTicket       Key = "storage.quota_ticket"
)

// QuotaData fills the quota texts: the limit that was reached.
type QuotaData struct {
	Files int
	MB    int64
}

func init() {
	Register(map[Key]Text{
		AttachmentQuotaConversation: {
			Hant:    "我最多只可以收 {{.Files}} 個檔案（合共 {{.MB}} MB），呢個冇收到。請用文字講低其餘嘅情況；轉咗俾客服之後可以再傳多啲。",
			Hans:    "我最多只能接收 {{.Files}} 个文件（共 {{.MB}} MB），这个没有收到。请用文字说明其余情况；转给客服后可以再发更多。",
			En:      "I can take at most {{.Files}} files ({{.MB}} MB in all) here, so I did not take this one. Please describe the rest in words; once a person has your case you can send more.",
			Example: QuotaData{Files: 5, MB: 15},
		},
		AttachmentQuotaTicket: {
			Hant:    "呢張工單已經有最多可以收嘅檔案（{{.Files}} 個，合共 {{.MB}} MB），呢個冇收到。請用文字講低其餘嘅情況，客服有需要會再問你。",
			Hans:    "这张工单的文件已达上限（{{.Files}} 个，共 {{.MB}} MB），这个没有收到。请用文字说明其余情况，客服需要时会再问你。",
			En:      "This ticket already holds as many files as it can ({{.Files}}, {{.MB}} MB in all), so I did not take this one. Please describe the rest in words; your agent will ask if they need more.",
			Example: QuotaData{Files: 20, MB: 50},
		},
	})
}

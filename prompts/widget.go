package prompts

import "github.com/triagebot/triagebot/language"

// Texts the web widget shows around the dialogue: the ticket card's team.

// QueueLabel is the key of a queue's name as a user reads it on the ticket
// card ("label.queue.payments"). The queues are the routing rules' own; a
// rules file may name others, which TeamName then shows as they are.
func QueueLabel(queue string) Key { return Key("label.queue." + queue) }

// TeamName is the queue's name for a user in lang: its label when the
// catalog has one, else the queue's own name (a custom rules file's queue).
func TeamName(lang language.Lang, queue string) string {
	if queue == "" {
		return ""
	}
	if k := QueueLabel(queue); Has(k) {
		return Render(lang, k, nil)
	}
	return queue
}

func init() {
	Register(map[Key]Text{
		QueueLabel("fraud"):    {Hant: "防騙及帳戶安全團隊", Hans: "反欺诈及账户安全团队", En: "Fraud and account security team"},
		QueueLabel("risk"):     {Hant: "帳戶風險團隊", Hans: "账户风控团队", En: "Account risk team"},
		QueueLabel("payments"): {Hant: "支付團隊", Hans: "支付团队", En: "Payments team"},
		QueueLabel("access"):   {Hant: "登入及驗證團隊", Hans: "登录及验证团队", En: "Sign-in and verification team"},
		QueueLabel("tech"):     {Hant: "App 技術團隊", Hans: "App 技术团队", En: "App support team"},
		QueueLabel("merchant"): {Hant: "商戶支援團隊", Hans: "商户支持团队", En: "Merchant support team"},
		QueueLabel("general"):  {Hant: "客戶服務團隊", Hans: "客户服务团队", En: "Customer service team"},
	})
}

package intents

import "testing"

func TestAsksForPerson(t *testing.T) {
	for _, tc := range []struct {
		text string
		want bool
	}{
		// Cantonese, as an opening and mid-dialogue.
		{"可唔可以搵個同事同我傾", true},
		{"我想搵人跟", true},
		{"我仲係需要人幫手", true},
		{"有冇真人㗎", true},
		{"轉客服啦", true},
		{"叫個真人出嚟", true},
		{"我想同你哋職員講", true},
		{"唔該幫我接駁客戶服務主任", true},
		{"你都幫唔到我", true},
		{"有冇客服可以打電話俾我", true},
		// Simplified.
		{"人工服务在哪", true},
		{"转人工", true},
		{"找个活人", true},
		{"我要找客服", true},
		{"能不能让工作人员给我回电话", true},
		{"你们客服电话多少", true},
		{"不想跟机器人聊了", true},
		// English.
		{"let me speak to your staff", true},
		{"a real person, please", true},
		{"you're not helping", true},
		{"can I talk to someone", true},
		{"get me an agent", true},
		{"agent please", true},
		{"is there someone I can call", true},
		{"connect me with a support agent now", true},
		{"how do I reach your customer service team", true},
		{"useless bot", true},
		{"please escalate this", true},
		{"人工", true},
		{"please pass this to a colleague", true},
		{"还是不行，帮我转人工", true},
		// Not requests: payments to people, reports that name support.
		{"I sent money to a person and they didn't get it", false},
		{"someone sent me money but it hasn't arrived", false},
		{"the merchant's staff said the refund was done", false},
		{"客服話已經退咗款", false},
		{"我轉賬俾人但對方未收到", false},
		{"人工入咗數 但錢包餘額冇變", false},
		{"T-000451有冇人睇緊", false},
		{"how do I change the phone number on my account", false},
		{"你好，請問有人嗎？", false},
		{"my withdrawal is stuck", false},
	} {
		if got := AsksForPerson(tc.text); got != tc.want {
			t.Errorf("AsksForPerson(%q) = %v, want %v", tc.text, got, tc.want)
		}
	}
}

func TestRiskOf(t *testing.T) {
	for _, tc := range []struct {
		text string
		want Intent
	}{
		{"有人轉走咗我啲錢", UnauthorizedTransaction},
		{"我張卡被盜刷", UnauthorizedTransaction},
		{"我个账户被盗了", UnauthorizedTransaction},
		{"有一笔不是我本人操作的消费，是不是被盗刷了", UnauthorizedTransaction},
		{"someone took money from my wallet", UnauthorizedTransaction},
		{"I got scammed by a fake seller", UnauthorizedTransaction},
		{"there's an unknown login on my account", UnauthorizedTransaction},
		{"I didn't authorise this payment", UnauthorizedTransaction},
		{"帳戶被入侵", UnauthorizedTransaction},
		{"我個戶口俾人凍結咗", AccountFrozen},
		{"my account has been frozen", AccountFrozen},
		{"商戶收款被限制咗", AccountFrozen},
		{"钱包被冻结了", AccountFrozen},
		// Negated verbs and denials are not a theft; an app freeze is not a
		// frozen account; a merchant API's 401 is not an unauthorised payment.
		{"I didn't take a screenshot", ""},
		{"I didn't get my refund", ""},
		{"我沒有收到款項", ""},
		{"没有被盗 只是app一直闪退", ""},
		{"唔關詐騙事 純粹個app成日閃退", ""},
		{"not a scam, the payment just failed", ""},
		{"our live key returns 401 unauthorized", ""},
		{"個app一開就凍結咗", ""},
		{"the selfie check says it's not me", ""},
		{"密碼錯誤次數太多，帳戶已被鎖定", ""},
		// Money gone after a failed cash-out is a withdrawal, not a theft.
		{"Cash out to my bank failed and the money is gone from my balance", ""},
		{"提款失敗但錢已經冇咗", ""},
	} {
		if got := RiskOf(tc.text); got != tc.want {
			t.Errorf("RiskOf(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}

func TestYesNo(t *testing.T) {
	for _, tc := range []struct {
		text string
		want Reply
	}{
		{"yes", Yes}, {"Yes, thanks!", Yes}, {"yep it worked", NoReply}, {"it worked", Yes}, {"係", Yes},
		{"係呀", Yes}, {"是的", Yes}, {"好咗", NoReply}, {"ok", NoReply}, {"搞掂", Yes}, {"解决了", Yes},
		{"no", No}, {"nope", No}, {"not yet", No}, {"唔係", No}, {"不是", No}, {"唔得", No}, {"还是不行", No},
		{"no, my card was also declined", NoReply}, {"my withdrawal failed", NoReply},
	} {
		if got := YesNo(tc.text); got != tc.want {
			t.Errorf("YesNo(%q) = %v, want %v", tc.text, got, tc.want)
		}
	}
}

func TestNoneGiven(t *testing.T) {
	for _, tc := range []struct {
		text string
		want bool
	}{
		{"I don't have a screenshot", true},
		{"I didn't take a screenshot", true},
		{"sorry I don't have one", true},
		{"didn't save it", true},
		{"no screenshot", true},
		{"I can't take a screenshot", true},
		{"冇截到", true},
		{"冇截圖", true},
		{"没存", true},
		{"没有截图", true},
		{"唔記得影低", true},
		{"no", true},
		{"不知道", true},
		// An error message is an answer, even one that starts with no.
		{"no internet connection error", false},
		{"it says network error 502", false},
		{"密碼錯誤", false},
	} {
		if got := NoneGiven(tc.text); got != tc.want {
			t.Errorf("NoneGiven(%q) = %v, want %v", tc.text, got, tc.want)
		}
	}
}

func TestRiskOfStatements(t *testing.T) {
	for _, text := range []string{
		"I clicked a link in an SMS and now there is a payment I never made from my wallet",
		"唔知邊個碌咗我張卡",
		"有一笔我没做过的消费",
		"I didn't make this payment",
		"点了一个短信链接之后钱就没了",
	} {
		if got := RiskOf(text); got != UnauthorizedTransaction {
			t.Errorf("RiskOf(%q) = %q, want a theft", text, got)
		}
	}
}

func TestSolved(t *testing.T) {
	for _, tc := range []struct {
		text string
		want bool
	}{
		{"yes", true}, {"it worked", true}, {"yes, that worked", true}, {"thanks!", true}, {"ok thanks", true},
		{"能用了", true}, {"可以了，解决了", true}, {"试了一下，好了", true}, {"試咗，得咗", true}, {"OK喇，用到喇", true},
		{"搞掂，多謝", true},
		{"ok", false}, {"same problem", false}, {"still not working", false}, {"還未得", false}, {"还是不行", false},
		{"thanks but it didn't work", false}, {"jjjjjj", false}, {"你好？还在吗？", false}, {"hello? are you still there?", false},
	} {
		if got := Solved(tc.text); got != tc.want {
			t.Errorf("Solved(%q) = %v, want %v", tc.text, got, tc.want)
		}
	}
}

func TestNotIt(t *testing.T) {
	for _, tc := range []struct {
		text string
		want bool
	}{
		{"No, that's not it", true}, {"that's not my problem", true}, {"唔係呢個", true}, {"你搞錯咗", true}, {"不是这个问题", true},
		{"it's not working", false}, {"我冇收到", false}, {"not sure", false},
	} {
		if got := NotIt(tc.text); got != tc.want {
			t.Errorf("NotIt(%q) = %v, want %v", tc.text, got, tc.want)
		}
	}
}

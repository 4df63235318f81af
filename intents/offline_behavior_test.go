package intents

import (
	"context"
	"testing"
	"time"

	"github.com/triagebot/triagebot/language"
)

// TestClassifyBehaviour checks the rules of the issue on sentences that are
// not in the training examples.
func TestClassifyBehaviour(t *testing.T) {
	o, err := NewOffline()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2025, 11, 3, 15, 0, 0, 0, time.FixedZone("HKT", 8*3600))
	tests := []struct {
		name, text string
		want       Intent
		lang       language.Lang
	}{
		{"negated fraud, app", "this isn't fraud, your app simply crashes on my tablet", AppProblem, language.English},
		{"negated fraud zh", "没有被盗 只是app一直闪退", AppProblem, language.ZhHans},
		{"negated fraud yue", "唔係詐騙呀 係個app成日閃退", AppProblem, language.ZhHant},
		{"greeting then problem", "hello, my card got declined at the cinema", TransactionFailed, language.English},
		{"greeting then problem yue", "你好呀 我轉咗數俾朋友佢話收唔到", PaymentNotReceived, language.ZhHant},
		{"greeting alone", "hey hi", Greeting, language.English},
		{"thanks alone", "多謝晒 拜拜", Greeting, language.ZhHant},
		{"root cause otp", "I can't finish paying for my order since the OTP text never turns up", OTPNotReceived, language.English},
		{"root cause otp zh", "转账卡在验证码那一步 短信一直收不到", OTPNotReceived, language.ZhHans},
		{"weather", "will it be sunny this weekend", OutOfScope, language.English},
		{"stock tip", "邊隻科技股值得買", OutOfScope, language.ZhHant},
		{"other product", "how do I apply for a mortgage", OutOfScope, language.English},
		{"short otp", "otp", OTPNotReceived, language.English},
		{"short withdrawal", "提款", WithdrawalFailed, language.ZhHant},
		{"code-switch", "個app成日hang機 又crash", AppProblem, language.ZhHant},
		{"full-width", "ｍｙ ｃａｒｄ ｗａｓ ｃｈａｒｇｅｄ ｔｗｉｃｅ", DuplicateCharge, language.English},
		{"emoji", "refund still not here 😭😭", RefundNotReceived, language.English},
		{"human", "can i pls speak with a real staff member", HumanAgent, language.English},
		{"ticket", "我張投訴單T-000777有冇人理", TicketStatus, language.ZhHant},
		{"merchant", "our webhook endpoint stopped receiving events", MerchantIntegration, language.English},
		{"fraud", "someone spent money on my card in a country I have never visited", UnauthorizedTransaction, language.English},
		{"frozen", "账户突然被限制收款了", AccountFrozen, language.ZhHans},
		{"biometric", "人臉識別一直話唔係本人", BiometricFailed, language.ZhHant},
		{"login", "keep getting wrong password but it is right", LoginFailed, language.English},
		{"not me: never authorised", "a payment i never authorised showed up on my card", UnauthorizedTransaction, language.English},
		{"negated going through", "my payment to the shop didn't go through", TransactionFailed, language.English},
		{"charged although declined", "money left my account though the purchase was declined", DuplicateCharge, language.English},
		{"pending card payment", "why is my card payment still pending after 3 days", PaymentNotReceived, language.English},
		{"card kept by atm", "the ATM kept my card and won't give it back", WithdrawalFailed, language.English},
		{"rate question", "what exchange rate will I get for yen", OutOfScope, language.English},
		{"wrong rate on payment", "the exchange rate you charged on my payment in euros is wrong", TransactionFailed, language.English},
		{"card delivery question", "how long do card deliveries take to Kowloon", OutOfScope, language.English},
		{"closing question", "can I close my account online", OutOfScope, language.English},
		{"transfer not arrived", "the transfer to my brother hasn't turned up yet", PaymentNotReceived, language.English},
		// Issue 11: Cantonese verb-final forms.
		{"refunded, not arrived yue", "佢哋退咗錢 但我仲未收到", RefundNotReceived, language.ZhHant},
		{"transferred out yue", "我戶口被人轉走咗錢", UnauthorizedTransaction, language.ZhHant},
		{"paid but failed yue", "俾錢唔得", TransactionFailed, language.ZhHant},
		{"charged twice yue", "扣多咗一次錢", DuplicateCharge, language.ZhHant},
		// Incoming remittances are money sent to me; my own withdrawal is not.
		{"remittance not credited yue", "海外匯款未入帳", PaymentNotReceived, language.ZhHant},
		{"remittance from the mainland", "内地转过来的钱没到", PaymentNotReceived, language.ZhHans},
		{"remittance en", "my dad sent money from Manchester, not in yet", PaymentNotReceived, language.English},
		{"own withdrawal yue", "提款未入帳", WithdrawalFailed, language.ZhHant},
		// Face and fingerprint against login and payment.
		{"face yue", "面容識別唔到", BiometricFailed, language.ZhHant},
		{"face id en", "Face ID failed", BiometricFailed, language.English},
		{"fingerprint yue", "指紋唔得", BiometricFailed, language.ZhHant},
		{"login yue", "登入唔得", LoginFailed, language.ZhHant},
		// A failed withdrawal tried twice is not a duplicate charge.
		{"cashout twice", "cash out failed 2 times", WithdrawalFailed, language.English},
		{"withdrawal twice yue", "提款兩次都失敗", WithdrawalFailed, language.ZhHant},
		// A merchant's restricted receiving is a restricted account.
		{"receiving restricted yue", "商戶收款受限", AccountFrozen, language.ZhHant},
		{"limited account", "my account is limited", AccountFrozen, language.English},
		// Requests for a person, as openings or mid-dialogue.
		{"person yue", "唔該搵個人嚟幫我", HumanAgent, language.ZhHant},
		{"colleague yue", "我要搵你哋同事", HumanAgent, language.ZhHant},
		{"still can't help yue", "仲係幫唔到我 搵人啦", HumanAgent, language.ZhHant},
		{"still need someone zh", "我还是需要有人帮我", HumanAgent, language.ZhHans},
		{"somebody en", "need to talk to somebody", HumanAgent, language.English},
		{"not helping en", "this doesn't help, who can I talk to", HumanAgent, language.English},
		// Answers that are not problems: a negation is not fraud by itself.
		{"no screenshot en", "didn't think to screenshot", OutOfScope, language.English},
		{"no photo en", "I didn't take a photo of it", OutOfScope, language.English},
		{"no screenshot yue", "我冇嗰張相", OutOfScope, language.ZhHant},
		{"no screenshot zh", "没有截图", OutOfScope, language.ZhHans},
		{"didn't get the otp", "I didn't get the OTP", OTPNotReceived, language.English},
		{"refund not received, negated", "沒有收到退款", RefundNotReceived, language.ZhHant},
		{"denied making it", "I didn't make a payment to this shop", UnauthorizedTransaction, language.English},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := o.Classify(context.Background(), tt.text, now)
			if err != nil {
				t.Fatal(err)
			}
			if r.Intent != tt.want || r.Lang != tt.lang {
				t.Errorf("%q: got %s (%.2f) %s, want %s %s; candidates %v", tt.text, r.Intent, r.Confidence, r.Lang, tt.want, tt.lang, r.Candidates)
			}
			if len(r.Candidates) < 3 || r.Candidates[0].Intent != r.Intent || r.Candidates[0].Confidence != r.Confidence {
				t.Errorf("candidates %v do not start with the result", r.Candidates)
			}
			for i := 1; i < len(r.Candidates); i++ {
				if r.Candidates[i].Confidence > r.Candidates[i-1].Confidence {
					t.Errorf("candidates not best first: %v", r.Candidates)
				}
			}
		})
	}
}

func TestClassifyCancelled(t *testing.T) {
	o, err := NewOffline()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := o.Classify(ctx, "hello", time.Now()); err == nil {
		t.Error("no error from a cancelled context")
	}
}

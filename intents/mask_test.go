package intents

import (
	"strings"
	"testing"
)

func TestMask(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"my card 4111 1111 1111 1111 was charged", "my card ****1111 was charged"},
		{"卡號4111-1111-1111-1111被扣款", "卡號****1111被扣款"},
		{"card 5500005555555559 exp 12/27", "card ****5559 exp 12/27"},
		{"4111 1111 1111 1111 12 27", "[card] 12 27"},
		{"驗證碼係 482913", "驗證碼係 [code]"},
		{"验证码：5566", "验证码：[code]"},
		{"OTP 482913 is not working", "OTP [code] is not working"},
		{"482 913 is my OTP", "[code] is my OTP"},
		{"the code is 778812", "the code is [code]"},
		{"code was 739102, then money left", "code was [code], then money left"},
		{"passcode: 12345678", "passcode: [code]"},
		{"一次性密碼 903311 收到但太遲", "一次性密碼 [code] 收到但太遲"},
		{"CVV 123 and card 4111-1111-1111-1111", "CVV [code] and card ****1111"},
		{"cvc: 987", "cvc: [code]"},
		{"卡背安全碼係 456", "卡背安全碼係 [code]"},
		{"security code is 4321", "security code is [code]"},
		{"my password is hunter2, please check", "my password is [password], please check"},
		{"password: abc", "password: [password]"},
		{"pw=Qwerty!9 still fails", "pw=[password] still fails"},
		{"密碼係Abc12345 但登入唔到", "密碼係[password] 但登入唔到"},
		{"我的密码是 pass1234", "我的密码是 [password]"},
		{"卡 ４１１１１１１１１１１１１１１１ 被扣", "卡 ****1111 被扣"},
		// Left alone.
		{"my password is wrong", "my password is wrong"},
		{"someone changed my password 20 mins ago", "someone changed my password 20 mins ago"},
		{"密碼錯誤三次", "密碼錯誤三次"},
		{"error code 1003", "error code 1003"},
		{"paid 123 to shop", "paid 123 to shop"},
		{"CVV field shows error 500", "CVV field shows error 500"},
		{"call 9123 4567", "call 9123 4567"},
		{"ref TXN20251029001234", "ref TXN20251029001234"},
		{"4111111111111112 is not a card", "4111111111111112 is not a card"},
		{"訂單編號2025110245678903", "訂單編號2025110245678903"},
		{"wallet 1234567890123456789012345678", "wallet 1234567890123456789012345678"},
		{"paid HK$1,500 at 3pm", "paid HK$1,500 at 3pm"},
		{"", ""},
		{"bad \xff byte", "bad \uFFFD byte"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := Mask(tc.in); got != tc.want {
				t.Errorf("Mask(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestExtractSkipsSecrets(t *testing.T) {
	now := refNow(t)
	for _, text := range []string{
		"OTP 482913 never arrived",
		"驗證碼係 552211",
		"card 4111 1111 1111 1111 declined",
		"password: 99887766",
		"my card ****1111 was charged",
		"驗證碼係 [code]",
	} {
		e := Extract(text, now)
		if e.Amount != nil || e.TransactionID != nil || e.Time != nil {
			t.Errorf("Extract(%q) = %+v, want nothing", text, e)
		}
	}
}

func TestLuhn(t *testing.T) {
	for _, c := range []struct {
		d  string
		ok bool
	}{{"4111111111111111", true}, {"4111111111111112", false}, {"79927398713", true}, {"5500005555555559", true}} {
		if got := luhn([]byte(c.d)); got != c.ok {
			t.Errorf("luhn(%s) = %v", c.d, got)
		}
	}
	if strings.Contains(Mask("x 4111111111111111 y"), "4111111111111111") {
		t.Error("card digits survived masking")
	}
}

// Masking must not change the details found: the bot may extract from the
// masked text it stores.
func TestExtractSameAfterMask(t *testing.T) {
	now := refNow(t)
	for _, text := range []string{
		"card 4111 1111 1111 1111 charged HK$300 yesterday 3pm, ref TXN20251102000123",
		"驗證碼係 482913，轉咗港幣500，參考編號FPS20251102C3",
		"password: Abc12345 and since 9am I cannot pay $45",
	} {
		a, b := Extract(text, now), Extract(Mask(text), now)
		if timeKey(a.Time) != timeKey(b.Time) {
			t.Errorf("%q: time %q vs %q after Mask", text, timeKey(a.Time), timeKey(b.Time))
		}
		if (a.Amount == nil) != (b.Amount == nil) || a.Amount != nil && (a.Amount.Value != b.Amount.Value || a.Amount.Currency != b.Amount.Currency) {
			t.Errorf("%q: amount %+v vs %+v after Mask", text, a.Amount, b.Amount)
		}
		if (a.TransactionID == nil) != (b.TransactionID == nil) || a.TransactionID != nil && a.TransactionID.Value != b.TransactionID.Value {
			t.Errorf("%q: id %+v vs %+v after Mask", text, a.TransactionID, b.TransactionID)
		}
	}
}

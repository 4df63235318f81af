package intents

import "testing"

// TestMaskForms is the family of secrets issue 12 asked for, in the three
// languages: a password, PIN or code keyword before or after its value,
// codes spaced, full-width or in words, cards with any separators, CVVs,
// passphrases to the end of their clause. The second half must stay
// readable: complaints about secrets, and the amounts, dates, times, ids and
// phone numbers the classifier and the extractors need.
func TestMaskForms(t *testing.T) {
	tests := []struct {
		lang, in, want string
	}{
		// Passwords, keyword first.
		{"zh-Hant", "密碼：你好123", "密碼：[password]"},
		{"zh-Hant", "「密碼：你好123」", "「密碼：[password]」"},
		{"en", "my password is 你好123", "my password is [password]"},
		{"en", "my pass is hunter2", "my pass is [password]"},
		{"en", "password: correct horse battery staple", "password: [password]"},
		{"en", "passphrase: correct horse battery staple, still locked out", "passphrase: [password], still locked out"},
		{"en", "my password is Tr0ub4dor&3 and it fails", "my password is [password] and it fails"},
		{"en", `my password is "open sesame"`, `my password is "[password]"`},
		{"en", "pwd=S3cret!! pls help", "pwd=[password]! pls help"},
		{"en", "my new password is now abc12345", "my new password is now [password]"},
		{"en", "my password for the app is hunter2", "my password for the app is [password]"},
		{"zh-Hant", "我嘅密碼係你好123但登入唔到", "我嘅密碼係[password]但登入唔到"},
		{"zh-Hant", "密碼係『天王蓋地虎』", "密碼係『[password]』"},
		{"zh-Hant", "登入密碼：天王蓋地虎，點解登入唔到", "登入密碼：[password]，點解登入唔到"},
		{"zh-Hant", "密碼 Abc12345", "密碼 [password]"},
		{"zh-Hant", "我將密碼改成 qwe123!! 之後就用唔到", "我將密碼改成 [password]! 之後就用唔到"},
		{"zh-Hans", "我的密码是 你好123", "我的密码是 [password]"},
		{"zh-Hans", "密码：woaini1314，还是登录不了", "密码：[password]，还是登录不了"},
		{"zh-Hans", "支付密码为 880088", "支付密码为 [password]"},
		{"zh-Hant", "提款密碼 1234 都唔得", "提款密碼 [password] 都唔得"},
		// Passwords, keyword after.
		{"en", "hunter2 is my password", "[password] is my password"},
		{"en", "Abc12345 is the new password", "[password] is the new password"},
		{"zh-Hant", "你好123係我嘅密碼", "[password]係我嘅密碼"},
		{"zh-Hans", "abc123456 是我的密码", "[password] 是我的密码"},
		// One-time codes and PINs, keyword first.
		{"en", "OTP: 4829", "OTP: [code]"},
		{"en", "the code they sent me is 482913", "the code they sent me is [code]"},
		{"en", "my code is 4 8 2 9 1 3", "my code is [code]"},
		{"en", "verification code 482-913", "verification code [code]"},
		{"en", "my PIN is 0420", "my PIN is [code]"},
		{"en", "code: four eight two nine one three", "code: [code]"},
		{"en", "TAC 558812 not accepted", "TAC [code] not accepted"},
		{"zh-Hant", "驗證碼係４８２９１３", "驗證碼係[code]"},
		{"zh-Hant", "驗證碼係四八二九一三", "驗證碼係[code]"},
		{"zh-Hant", "收到嘅驗證碼係 482913", "收到嘅驗證碼係 [code]"},
		{"zh-Hant", "短訊 482913 入咗都話錯", "短訊 [code] 入咗都話錯"},
		{"zh-Hans", "短信验证码是 5566 78", "短信验证码是 [code] 78"},
		{"zh-Hans", "验证码：４８２９", "验证码：[code]"},
		{"zh-Hans", "动态码 7 7 8 8 1 2", "动态码 [code]"},
		// Codes, keyword after or a source phrase.
		{"en", "482913 is my code", "[code] is my code"},
		{"en", "i got 482913 by sms", "i got [code] by sms"},
		{"en", "got 482 913 via text but it expired", "got [code] via text but it expired"},
		{"zh-Hant", "482913係我嘅驗證碼", "[code]係我嘅驗證碼"},
		{"zh-Hans", "482913是验证码", "[code]是验证码"},
		{"en", "typed 4 8 2 9 1 3 and nothing", "typed [code] and nothing"},
		// Cards, any separators, and CVVs.
		{"en", "card 4111.1111.1111.1111 declined", "card ****1111 declined"},
		{"en", "4111/1111/1111/1111", "****1111"},
		{"en", "visa 4111 - 1111 - 1111 - 1111", "visa ****1111"},
		{"en", "4111_1111_1111_1111 exp 12/27 cvv 123", "****1111 exp 12/27 cvv [code]"},
		{"en", "amex 3782 822463 10005 CID 1234", "amex ****0005 CID [code]"},
		{"zh-Hant", "張卡 ４１１１－１１１１－１１１１－１１１１ 俾人碌咗", "張卡 ****1111 俾人碌咗"},
		{"zh-Hant", "卡背安全碼係 456", "卡背安全碼係 [code]"},
		{"zh-Hans", "卡号5500 0055 5555 5559，背面三位数 321", "卡号****5559，背面三位数 [code]"},
		{"zh-Hans", "后三码是 789", "后三码是 [code]"},
		// Readable: complaints about secrets.
		{"zh-Hant", "密碼錯誤", "密碼錯誤"},
		{"zh-Hant", "密碼錯誤三次，戶口鎖咗", "密碼錯誤三次，戶口鎖咗"},
		{"zh-Hant", "密碼：錯誤", "密碼：錯誤"},
		{"zh-Hant", "我唔記得咗密碼", "我唔記得咗密碼"},
		{"zh-Hans", "密码不对，登录不了", "密码不对，登录不了"},
		{"zh-Hans", "我忘记密码了", "我忘记密码了"},
		{"en", "wrong password", "wrong password"},
		{"en", "I forgot my password", "I forgot my password"},
		{"en", "my password is not working since yesterday", "my password is not working since yesterday"},
		{"en", "wrong password 3 times, now locked", "wrong password 3 times, now locked"},
		{"en", "I didn't get the OTP", "I didn't get the OTP"},
		{"en", "my bus pass is lost", "my bus pass is lost"},
		// Readable: details the extractors need.
		{"en", "paid HK$1,500 at 3pm, OTP never came", "paid HK$1,500 at 3pm, OTP never came"},
		{"en", "sms says 5000 HKD deducted", "sms says 5000 HKD deducted"},
		{"en", "transferred 2025-11-03 14:30 ref TXN20251103001234", "transferred 2025-11-03 14:30 ref TXN20251103001234"},
		{"en", "call me at 9123 4567", "call me at 9123 4567"},
		{"en", "error code 1003 when paying", "error code 1003 when paying"},
		{"en", "promo code 2025 did not apply", "promo code 2025 did not apply"},
		{"zh-Hant", "琴日下午3點轉咗港幣1,200，參考編號FPS20251102C3", "琴日下午3點轉咗港幣1,200，參考編號FPS20251102C3"},
		{"zh-Hant", "短訊話扣咗3000蚊", "短訊話扣咗3000蚊"},
		{"zh-Hant", "驗證碼2025年11月3號之後都收唔到", "驗證碼2025年11月3號之後都收唔到"},
		{"zh-Hans", "一千二百块转账失败", "一千二百块转账失败"},
		{"zh-Hans", "订单号 2025110245678903 没到账", "订单号 2025110245678903 没到账"},
		{"zh-Hans", "手机 13812345678 收不到验证码", "手机 13812345678 收不到验证码"},
		{"en", "4111111111111112 is not a card", "4111111111111112 is not a card"},
		{"en", "on 2025.11.03 at 10.30", "on 2025.11.03 at 10.30"},
	}
	for _, tc := range tests {
		t.Run(tc.lang+"/"+tc.in, func(t *testing.T) {
			got := Mask(tc.in)
			if got != tc.want {
				t.Errorf("Mask(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if again := Mask(got); again != got {
				t.Errorf("Mask is not idempotent on %q: %q, then %q", tc.in, got, again)
			}
		})
	}
}

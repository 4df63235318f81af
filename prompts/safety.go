package prompts

// Safety steps, told before the engine escalates a risky problem: the user
// can act on them at once, in the minutes before a person answers, and those
// minutes matter most when an account is being taken over or a scammer is
// pressing to move money. "safety.<intent>" exists for the risky intents;
// SafetyGeneral is the advice for any other case that looks like fraud.

// SafetyGeneral is the key of the general safety advice.
const SafetyGeneral Key = "safety.general"

// SafetyKey returns the key of the safety steps for intent: its own block
// when there is one, SafetyGeneral otherwise.
func SafetyKey(intent string) Key {
	if k := Key("safety." + intent); Has(k) {
		return k
	}
	return SafetyGeneral
}

func init() {
	Register(map[Key]Text{
		"safety.unauthorized_transaction": {
			Hant: `1. 千祈唔好將密碼或者驗證碼話俾任何人知，我哋嘅職員絕對唔會問你攞。
2. 即刻喺官方 App 入面更改密碼。
3. 喺 App 入面凍結（鎖定）相關嘅卡。
4. 登出所有其他裝置。
5. 唔好掃來歷不明嘅 QR Code，亦唔好撳可疑連結。
6. 保留所有證據：截圖、短訊同交易記錄。`,
			Hans: `1. 切勿向任何人透露密码或验证码，我们的工作人员绝不会向你索要。
2. 立即在官方 App 内修改密码。
3. 在 App 内冻结（锁定）相关的卡。
4. 退出所有其他设备的登录。
5. 不要扫描来历不明的二维码，也不要点击可疑链接。
6. 保留所有证据：截图、短信和交易记录。`,
			En: `1. Never share your password or any code with anyone: our staff will never ask for them.
2. Change your password in the official app now.
3. Freeze (lock) the affected card in the app.
4. Log out all other devices.
5. Don't scan unknown QR codes or tap suspicious links.
6. Keep all evidence: screenshots, SMS and transaction records.`,
		},
		"safety.account_frozen": {
			Hant: `1. 千祈唔好將密碼或者驗證碼話俾任何人知，包括自稱係我哋職員嘅人。
2. 唔好因為任何人要求就轉走款項或者俾錢「解凍」，呢啲係常見騙局。
3. 唔好撳聲稱可以幫你解凍帳戶嘅連結或者 QR Code。
4. 準備好身份證明文件（例如香港身份證或者護照），同事核實身份嗰陣會用到。`,
			Hans: `1. 切勿向任何人透露密码或验证码，包括自称是我们工作人员的人。
2. 不要应任何人要求转走款项或付费“解冻”，这是常见骗局。
3. 不要点击声称可以帮你解冻账户的链接或二维码。
4. 准备好身份证明文件（例如身份证或护照），同事核实身份时会用到。`,
			En: `1. Never share your password or any code with anyone, even someone who says they are our staff.
2. Don't move money or pay an "unfreezing fee" because someone asks you to: that is a common scam.
3. Don't tap links or scan QR codes that promise to unfreeze your account.
4. Have your ID documents (HKID card or passport) ready: our colleague will verify who you are.`,
		},
		SafetyGeneral: {
			Hant: `1. 密碼同驗證碼只屬於你：任何人，包括我哋嘅職員，都唔會問你攞。
2. 只經官方 App 或者網站登入，唔好用短訊或者電郵入面嘅連結。
3. 唔好掃來歷不明嘅 QR Code，俾錢之前先核對收款人名稱。
4. 發現可疑交易，請即刻更改密碼同凍結張卡，再話俾我哋知。`,
			Hans: `1. 密码和验证码只属于你：任何人，包括我们的工作人员，都不会向你索要。
2. 只通过官方 App 或网站登录，不要使用短信或邮件中的链接。
3. 不要扫描来历不明的二维码，付款前先核对收款人名称。
4. 发现可疑交易，请立即修改密码并冻结卡片，然后告诉我们。`,
			En: `1. Your password and codes are yours alone: nobody, including our staff, will ask for them.
2. Sign in only through the official app or website, never from a link in an SMS or e-mail.
3. Don't scan unknown QR codes, and check the payee's name before you pay.
4. See something suspicious? Change your password, freeze your card and tell us at once.`,
		},
	})
}

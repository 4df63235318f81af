package prompts

// Self-help steps, one block per problem intent (key "selfhelp.<intent>").
//
// Each block is only the numbered list: no greeting and no closing question,
// because the dialogue engine frames it ("try these…", "did that help?") and
// must be free to word that frame differently per turn. Blocks stay under
// about 500 characters so they read on a phone without scrolling far.
//
// For account_frozen and unauthorized_transaction the engine skips self-help
// and escalates at once; their "selfhelp" block is instead what the user can
// gather while a person takes over, so the agent starts with the facts. The
// safety advice for them is in safety.go.

// selfHelpPrefix starts every self-help key.
const selfHelpPrefix = "selfhelp."

// SelfHelpKey returns the key of the self-help steps for intent (an intent id
// such as "login_failed") and whether the catalog has such a block.
func SelfHelpKey(intent string) (Key, bool) {
	k := Key(selfHelpPrefix + intent)
	return k, Has(k)
}

func init() {
	Register(map[Key]Text{
		"selfhelp.login_failed": {
			Hant: `1. 轉用流動數據或者另一個 Wi-Fi 再試吓；公共 Wi-Fi 或者 VPN 有機會觸發安全攔截。
2. 喺手機「設定」將日期同時間設做自動，時間唔準會登入唔到。
3. 留意密碼嘅大細楷。密碼輸錯太多次，帳戶會暫時鎖住一段時間，請遲啲再試。
4. 唔記得密碼嘅話，請只喺官方 App 入面重設。
5. 更新 App 或者清除快取；仲係唔得，可以刪除 App 再重新安裝。`,
			Hans: `1. 换用移动数据或另一个 Wi-Fi 再试；公共 Wi-Fi 或 VPN 可能触发安全拦截。
2. 在手机“设置”中把日期和时间设为自动，时间不准会导致登录失败。
3. 注意密码大小写。密码输错次数过多，账户会被锁定一段时间，请稍后再试。
4. 如忘记密码，请只在官方 App 内重置。
5. 更新 App 或清除缓存；仍然不行，可卸载后重新安装。`,
			En: `1. Switch between mobile data and another Wi-Fi network; public Wi-Fi or a VPN can trigger a security block.
2. Set your phone's date and time to automatic: a wrong clock makes sign-in fail.
3. Mind upper and lower case. Too many wrong passwords lock the account for a while, so wait before trying again.
4. Forgot it? Reset your password in the official app only.
5. Update the app or clear its cache; if that fails, reinstall it.`,
		},
		"selfhelp.otp_not_received": {
			Hant: `1. 確認帳戶登記嘅手機號碼啱唔啱，同埋手機有冇訊號。
2. 睇吓短訊過濾同已封鎖嘅寄件人，驗證碼可能俾人攔咗。
3. 等最少 60 秒先按「重新發送」，同埋只用最新收到嗰個驗證碼。
4. 將手機時間設做自動；用驗證器 App 嘅話，時間唔準會令驗證碼無效。
5. 仲係收唔到，可以改用語音來電或者電郵收驗證碼（用電郵嘅話記得睇埋垃圾郵件）。`,
			Hans: `1. 确认账户绑定的手机号码正确，手机信号正常。
2. 检查短信拦截和黑名单，验证码可能被拦截了。
3. 至少等 60 秒再点“重新发送”，并只使用最新收到的验证码。
4. 把手机时间设为自动；使用身份验证器 App 时，时间不准会导致验证码无效。
5. 仍然收不到，可改用语音验证码或邮箱验证码（请同时查看垃圾邮件）。`,
			En: `1. Check that the mobile number on your account is right and that your phone has signal.
2. Look at your SMS filter and blocked senders: the code may have been filtered out.
3. Wait at least 60 seconds before tapping "Resend", then use only the newest code.
4. Set your phone's clock to automatic; authenticator-app codes fail when the time is off.
5. Still nothing? Ask for a voice-call or e-mail code instead (check your spam folder too).`,
		},
		"selfhelp.biometric_failed": {
			Hant: `1. 抹乾淨指紋感應器或者前鏡頭，手指要保持乾爽。
2. 認臉嗰陣光線要夠，唔好俾口罩、眼鏡或者帽遮住塊面。
3. 喺手機「設定」刪除舊嘅指紋或者面容資料，再重新登記。
4. 將 App 同手機系統更新到最新版本。
5. 趕時間嘅話，可以先用密碼登入，之後再喺 App 入面重新開返生物認證。`,
			Hans: `1. 清洁指纹传感器或前置摄像头，保持手指干爽。
2. 人脸识别时光线要充足，脸部不要被口罩、眼镜或帽子遮挡。
3. 在手机“设置”中删除旧的指纹或面容数据，再重新录入。
4. 把 App 和手机系统更新到最新版本。
5. 着急的话，可先用密码登录，之后在 App 内重新开启生物识别。`,
			En: `1. Clean the fingerprint sensor or front camera, and keep your finger dry.
2. For face recognition, use good light and keep your face uncovered (no mask, glasses or cap).
3. Delete the old fingerprint or face data in your phone's settings and enrol it again.
4. Update the app and your phone's system to the latest version.
5. In a hurry? Sign in with your password, then turn biometrics back on in the app.`,
		},
		"selfhelp.payment_not_received": {
			Hant: `1. 喺交易記錄核對收款人嘅帳戶號碼、轉數快識別碼或者電話號碼，同埋付款參考編號。
2. 轉數快一般即時到帳，但個別交易可能會暫緩作檢查；睇吓狀態係咪仲顯示「處理中」。
3. 經銀行轉帳嘅話，截數時間之後或者公眾假期嘅交易會順延到下一個工作天處理。
4. 掃 QR Code 付款嘅話，請確認個 QR Code 真係屬於嗰間商戶。
5. 請收款人睇吓佢嘅銀行或者錢包記錄，同埋將交易參考編號俾對方核對。`,
			Hans: `1. 在交易记录中核对收款人的账号、转数快（FPS）识别码或手机号，以及付款参考号。
2. 转数快一般实时到账，但个别交易可能被暂缓审核；请查看状态是否仍为“处理中”。
3. 如经银行转账，截止时间后或节假日发起的交易会顺延到下一个工作日处理。
4. 如扫二维码付款，请确认该二维码确实属于该商户。
5. 请收款人查看其银行或钱包记录，并把交易参考号提供给对方核对。`,
			En: `1. In your history, check the payee's account number, FPS ID or phone number, and the payment reference.
2. FPS is usually instant, but a payment can be held for checks; see whether it still shows "processing".
3. Bank transfers sent after the cut-off time or on a public holiday are processed on the next working day.
4. Paid by QR code? Make sure the code really belongs to that merchant.
5. Ask the payee to check their bank or wallet, and give them the transaction reference.`,
		},
		"selfhelp.withdrawal_failed": {
			Hant: `1. 提款到本地銀行一般要 1–3 個工作天，跨境提款要 5–7 個工作天，遇到公眾假期會順延。
2. 核對銀行帳戶號碼，同埋帳戶名稱係咪同你實名認證嘅姓名一模一樣（唔接受第三者帳戶）。
3. 睇吓有冇超過每日或者每月提款上限，同埋餘額夠唔夠俾手續費。
4. 提款上限偏低嘅話，喺 App 入面完成身份認證（KYC）就可以提高。
5. 提款俾人拒絕嘅話，記低 App 顯示嘅錯誤訊息，改啱資料之後再提交。`,
			Hans: `1. 提现到本地银行一般需 1–3 个工作日，跨境提现需 5–7 个工作日，节假日顺延。
2. 核对银行账号，以及账户名是否与你实名认证的姓名完全一致（不支持第三方账户）。
3. 检查是否超过单日或单月提现限额，余额是否足够支付手续费。
4. 如提现限额偏低，在 App 内完成身份认证（KYC）即可提高。
5. 提现被拒时，记下 App 显示的错误提示，更正信息后重新提交。`,
			En: `1. Withdrawals take 1–3 working days to a local bank and 5–7 cross-border; public holidays add to that.
2. Check the bank account number, and that the account name matches your verified name exactly (no third-party accounts).
3. Check your daily or monthly withdrawal limit, and that your balance covers any fee.
4. A low limit is lifted by completing identity verification (KYC) in the app.
5. If it was rejected, note the app's error message, correct the details and submit again.`,
		},
		"selfhelp.transaction_failed": {
			Hant: `1. 信用卡嘅 3-D Secure 驗證會將短訊驗證碼發去發卡銀行登記嘅手機，請確保部手機收到短訊。
2. 睇吓張卡嘅單筆同每日交易限額，同埋網上或者海外交易功能開咗未。
3. 確認用商戶標價嘅貨幣付款，留意匯率會令金額有出入。
4. 顯示「發卡銀行拒絕交易」嘅話，請直接聯絡發卡銀行查詢。
5. 再試之前先睇吓有冇扣咗錢，以免重複付款。`,
			Hans: `1. 银行卡的 3-D Secure 验证会把短信验证码发到银行预留的手机号，请确保该手机能收到短信。
2. 查看卡片的单笔和每日交易限额，以及网上支付或境外交易功能是否已开通。
3. 确认用商户标价的币种付款，并留意汇率会导致金额有差异。
4. 如提示“发卡行拒绝交易”，请直接联系发卡银行。
5. 重试前先查看是否已扣款，避免重复支付。`,
			En: `1. 3-D Secure sends an SMS code to the phone registered with your card's bank; make sure that phone can receive it.
2. Check the card's per-payment and daily limits, and that online or overseas use is switched on.
3. Pay in the merchant's own currency; the exchange rate can change the amount.
4. "Declined by issuer" means your card's bank refused it: please contact that bank.
5. Before trying again, check whether you were charged, so you don't pay twice.`,
		},
		"selfhelp.duplicate_charge": {
			Hant: `1. 喺月結單或者交易記錄分清楚「待入帳／處理中」同「已入帳」嘅項目。
2. 待入帳嘅項目多數係預先授權，只係暫時預留額度，唔係第二次扣款，一般 1–5 個工作天內會自動解除。
3. 比對兩筆交易嘅金額、時間同參考編號，確認係咪兩筆都已經入帳。
4. 兩筆都已經入帳嘅話，請截圖保存，同埋記低兩個交易參考編號。`,
			Hans: `1. 在账单或交易记录中区分“待入账/处理中”和“已入账”的项目。
2. 待入账的项目多为预授权，只是暂时占用额度，并非第二次扣款，一般 1–5 个工作日内自动解除。
3. 比对两笔交易的金额、时间和参考号，确认是否两笔都已入账。
4. 如两笔都已入账，请截图保存，并记下两个交易参考号。`,
			En: `1. In your statement or history, tell "pending" items apart from "posted" ones.
2. A pending item is usually a pre-authorisation hold: it reserves the amount but is not a second charge, and is released within 1–5 working days.
3. Compare the two items' amount, time and reference to see whether both really posted.
4. If both posted, keep a screenshot and note both transaction references.`,
		},
		"selfhelp.refund_not_received": {
			Hant: `1. 商戶退款一般要 5–10 個工作天，款項會退返去原本嘅付款方式，唔會退去其他帳戶。
2. 用信用卡付款嘅話，退款可能要到下一期月結單先會顯示。
3. 問商戶攞退款參考編號同辦理退款嘅日期，方便追查。
4. 超過 10 個工作天都未收到，請準備好退款參考編號、金額同日期。`,
			Hans: `1. 商户退款一般需 5–10 个工作日，款项会原路退回到原付款方式，而不是其他账户。
2. 如用信用卡付款，退款可能要到下一期账单才显示。
3. 向商户索取退款参考号和办理退款的日期，方便追查。
4. 超过 10 个工作日仍未收到，请准备好退款参考号、金额和日期。`,
			En: `1. Merchant refunds take 5–10 working days and go back to the original payment method, not another account.
2. Paid by card? The refund may only show on your next statement.
3. Ask the merchant for the refund reference and the date they issued it, so it can be traced.
4. Nothing after 10 working days? Have the refund reference, amount and date ready.`,
		},
		"selfhelp.app_problem": {
			Hant: `1. 將 App 同手機系統更新到最新版本。
2. 確保手機有足夠嘅儲存空間。
3. 強制關閉 App 再開過，或者重新開機。
4. 清除 App 快取；仲係唔得，就刪除 App 再重新安裝（之後要重新登入）。
5. 睇吓我哋嘅服務狀態頁，係咪做緊維護或者出咗故障。`,
			Hans: `1. 把 App 和手机系统更新到最新版本。
2. 确保手机有足够的存储空间。
3. 强制关闭 App 后重新打开，或重启手机。
4. 清除 App 缓存；仍然不行，卸载后重新安装（之后需要重新登录）。
5. 查看我们的服务状态页，确认是否正在维护或出现故障。`,
			En: `1. Update the app and your phone's system to the latest version.
2. Make sure your phone has enough free storage.
3. Force-close the app and open it again, or restart your phone.
4. Clear the app's cache; if that fails, reinstall it (you will need to sign in again).
5. Check our service status page for maintenance or an outage.`,
		},
		"selfhelp.merchant_integration": {
			Hant: `1. 確認 API Key 同 Secret 屬於正確嘅環境：沙盒（Sandbox）同正式環境（Production）嘅憑證唔可以混用。
2. Webhook／回調 URL 要可以由外部經 HTTPS 連到，同埋要回覆 2xx 狀態碼，否則會當發送失敗。
3. 驗證簽名要用正確嘅 Secret，同埋用收到嘅原始內容（raw body）計，唔好先解析或者重新排版 JSON。
4. 伺服器時間要保持同步（NTP），時間戳偏差太大會令簽名驗證失敗。
5. 檢查 IP 白名單同防火牆，確保雙方伺服器嘅 IP 都已經獲准。`,
			Hans: `1. 确认 API Key 和 Secret 属于正确的环境：沙箱（Sandbox）与生产环境（Production）的凭证不能混用。
2. Webhook/回调 URL 必须能从外网通过 HTTPS 访问，并返回 2xx 状态码，否则视为推送失败。
3. 验签时要用正确的 Secret，并基于收到的原始报文（raw body）计算，不要先解析或重新格式化 JSON。
4. 服务器时间要保持同步（NTP），时间戳偏差过大会导致验签失败。
5. 检查 IP 白名单和防火墙，确保双方服务器 IP 都已放行。`,
			En: `1. Use the API key and secret of the right environment: sandbox and production credentials never mix.
2. Your webhook/callback URL must be reachable from outside over HTTPS and answer with a 2xx status, or the delivery counts as failed.
3. Verify signatures with the right secret over the raw request body, before any JSON parsing or re-formatting.
4. Keep your server clock synced (NTP): a timestamp too far off fails the signature check.
5. Check IP allow-lists and firewalls on both sides.`,
		},
		// The two risky intents: what to gather while a person takes over.
		"selfhelp.unauthorized_transaction": {
			Hant: `1. 記低每一筆你唔認得嘅交易嘅日期、時間、金額同參考編號。
2. 截圖保存相關嘅短訊、電郵、連結或者對話記錄，暫時唔好刪除。
3. 諗吓最近有冇將驗證碼俾過人、撳過連結或者掃過來歷不明嘅 QR Code，陣間話俾我哋同事知。
4. 已經報咗警嘅話，請保存報案編號。`,
			Hans: `1. 记下每笔不明交易的日期、时间、金额和参考号。
2. 截图保存相关的短信、邮件、链接或聊天记录，暂时不要删除。
3. 回想最近是否向他人提供过验证码、点击过链接或扫描过不明二维码，稍后告诉我们的同事。
4. 如已报警，请保存报案回执编号。`,
			En: `1. Note the date, time, amount and reference of every transaction you don't recognise.
2. Screenshot the related SMS, e-mails, links or chats, and don't delete them yet.
3. Think back: did you recently give anyone a code, tap a link or scan an unknown QR code? Tell our colleague.
4. If you have reported it to the police, keep the report number.`,
		},
		"selfhelp.account_frozen": {
			Hant: `1. 睇吓 App 入面嘅通知或者訊息，了解帳戶點解受限制，同埋要補交咩資料。
2. 如果涉及收到嘅款項，準備好付款人資料同款項用途嘅證明（例如發票或者交易記錄）。
3. 記低受影響交易嘅參考編號同金額。`,
			Hans: `1. 查看 App 内的通知或消息，了解账户受限的原因及需要补交的材料。
2. 如涉及收到的款项，准备付款人信息及款项用途证明（例如发票或交易记录）。
3. 记下受影响交易的参考号和金额。`,
			En: `1. Read the notice or message in the app: it says why the account is restricted and what is needed.
2. If money you received is held, have the payer's details and proof of what it was for (an invoice or records).
3. Note the reference and amount of each affected transaction.`,
		},
	})
}

package simulate

import (
	"github.com/triagebot/triagebot/intents"
	"github.com/triagebot/triagebot/language"
)

// Everything the simulated users type, written for this simulator (not
// taken from the classifier's training or evaluation rows): several
// paraphrases per problem and language, Cantonese with its verb-final forms
// (退咗, 轉走咗, 過咗數, 扣咗, 未入帳, 唔得).

// phrases are alternatives of one utterance in the three languages.
type phrases struct{ hant, hans, en []string }

func (p phrases) in(lang language.Lang) []string { return language.Pick(lang, p.hant, p.hans, p.en) }

// openings state each problem, with no details.
var openings = map[intents.Intent]phrases{
	intents.LoginFailed: {
		hant: []string{"我登入唔到個帳戶", "成日話我密碼錯，但我打啱晒都係登入唔到", "試咗好多次登入，而家俾人鎖咗唔俾再試", "個App唔俾我登入", "撳完登入就話失敗，點都入唔到去"},
		hans: []string{"我登录不了账户", "一直提示密码错误，可我输的是对的，就是登不进去", "登录失败次数太多，现在不让我再试了", "App登录不上去", "点了登录就提示失败，怎么都进不去"},
		en:   []string{"I can't log in to my account", "it keeps saying my password is wrong but it's correct, I just can't sign in", "I tried to log in too many times and now it won't let me try again", "the app won't let me sign in", "every time I press login it fails and I can't get in"},
	},
	intents.OTPNotReceived: {
		hant: []string{"我收唔到驗證碼呀", "個短訊驗證碼一直都冇嚟", "撳咗幾次發送驗證碼都收唔到", "登入要輸入OTP，但係手機一直冇收到", "電郵驗證碼等極都唔到"},
		hans: []string{"我收不到验证码", "短信验证码一直没来", "点了好几次获取验证码都没收到", "登录要输OTP但手机一直没收到", "邮箱里一直收不到验证码"},
		en:   []string{"I'm not getting the verification code", "the SMS code never arrives", "I pressed send code several times and nothing comes", "it asks for an OTP but my phone never gets one", "the email with the verification code isn't coming through"},
	},
	intents.BiometricFailed: {
		hant: []string{"用Face ID登入唔到", "指紋認證成日失敗", "刷臉認證一直話認唔到我", "付款嗰陣用指紋驗證唔得", "人臉識別試咗好多次都唔成功"},
		hans: []string{"面容识别一直失败", "指纹验证老是不通过", "刷脸认证一直说认不出我", "付款的时候指纹识别失败", "人脸识别试了很多次都不成功"},
		en:   []string{"Face ID doesn't work in the app anymore", "fingerprint login keeps failing", "the face check says it can't recognise me", "my fingerprint isn't accepted when I confirm a payment", "face recognition fails every time I try to verify"},
	},
	intents.AccountFrozen: {
		hant: []string{"我個帳戶俾人凍結咗", "帳戶被暫停咗，乜都用唔到", "收到嘅錢俾你哋hold住咗，轉唔出", "收到通知話我個帳戶受限制", "我個錢包俾凍結咗，啲錢攞唔出"},
		hans: []string{"我的账户被冻结了", "账户被暂停使用了，什么都用不了", "收到的钱被冻结了，转不出来", "收到通知说我的账户被限制了", "钱包被锁了，里面的钱取不出来"},
		en:   []string{"they've frozen my account", "my account is suspended and I can't use anything", "the money I received is on hold and I can't move it", "I got a notice that my account is restricted", "my wallet is locked and I can't get my money out"},
	},
	intents.PaymentNotReceived: {
		hant: []string{"我轉咗錢俾朋友，但佢話未收到", "轉數顯示成功，但對方冇收到", "用FPS過咗數，間舖話仲未收到", "人哋轉俾我嘅錢一直顯示處理中", "我過咗數俾對方，佢嗰邊仲未入帳", "由海外匯錢返嚟，到而家都未入帳"},
		hans: []string{"我给朋友转了钱，但他说没收到", "转账显示成功，可是对方没收到", "扫码付了款，商家说还没收到", "别人转给我的钱一直显示处理中", "我转过去了，对方那边一直没到账", "从国外汇过来的钱一直没到账"},
		en:   []string{"I sent money to a friend but they haven't received it", "my transfer shows as completed but the payee says nothing arrived", "I paid the shop by FPS and they still haven't got it", "money someone sent me is stuck on processing", "I made a transfer and the recipient still hasn't got the money", "a remittance from overseas still hasn't reached my account"},
	},
	intents.WithdrawalFailed: {
		hant: []string{"我提款去銀行仲未到帳", "提咗錢三日都未入帳", "提款申請俾人拒絕咗", "提現去銀行戶口失敗咗兩次", "提款過咗講好嘅時間都未收到"},
		hans: []string{"提现到银行卡一直没到账", "三天前提的现还没到", "提现申请被拒绝了", "提现到银行账户失败了两次", "提现超过了承诺的时间还没到账"},
		en:   []string{"my bank withdrawal still hasn't arrived", "I withdrew money three days ago and it's still not in my bank", "my withdrawal request was rejected", "cashing out to my bank account failed twice", "my withdrawal is way past the promised time and still not paid out"},
	},
	intents.TransactionFailed: {
		hant: []string{"我付款失敗咗", "碌卡俾人拒絕咗", "喺舖頭俾錢一直都唔得", "3D驗證失敗，買唔到嘢", "網上付款話交易失敗"},
		hans: []string{"我付款失败了", "刷卡被拒绝了", "在店里付款一直不成功", "3D验证失败，东西买不了", "网上支付显示交易失败"},
		en:   []string{"my payment failed at checkout", "my card was declined when I tried to pay", "paying in the shop keeps failing", "3D Secure failed and the purchase didn't go through", "I tried to pay online and it says transaction failed"},
	},
	intents.DuplicateCharge: {
		hant: []string{"同一張單扣咗我兩次錢", "買一杯咖啡俾人扣咗兩次數", "付款失敗咗，但係都扣咗錢", "我只係買咗一次，但見到兩筆一模一樣嘅扣款", "重複扣咗我錢"},
		hans: []string{"同一笔订单扣了我两次钱", "买一杯咖啡被扣了两次", "付款失败了但钱还是扣了", "我只买了一次却有两笔一样的扣款", "被重复扣款了"},
		en:   []string{"I was charged twice for the same order", "my card was billed two times for one coffee", "the payment failed but the money was still taken", "there are two identical charges for one purchase", "I paid once and got charged double"},
	},
	intents.RefundNotReceived: {
		hant: []string{"我嘅退款仲未收到", "商戶話已經退咗錢，但我冇收到", "退款批咗兩個禮拜都未到", "退咗貨，但係錢一直未退返", "間舖話退咗款，我個戶口都冇見到"},
		hans: []string{"我的退款还没收到", "商家说已经退款了，但我没收到", "退款批了两个星期还没到", "退了货，钱一直没退回来", "商家显示已退款，我账户里没看到"},
		en:   []string{"I haven't received my refund", "the merchant says they've refunded me but I can't see it anywhere", "my refund was approved two weeks ago and still nothing", "I returned the item and the money hasn't come back", "the shop says the refund went through but it's not in my account"},
	},
	intents.UnauthorizedTransaction: {
		hant: []string{"有一筆唔係我做嘅交易", "有人冇經我同意用咗我張卡", "我戶口啲錢俾人轉走咗", "我個帳戶好似俾人盜用咗", "撳咗個短訊連結之後啲錢冇咗"},
		hans: []string{"有一笔不是我本人的消费", "有人盗刷了我的卡", "账户里的钱被人转走了", "我的账户好像被盗了", "点了一个短信链接之后钱就没了"},
		en:   []string{"there's a payment on my account that I didn't make", "someone used my card without my permission", "money was transferred out of my account and it wasn't me", "I think someone got into my account, there are payments I don't recognise", "I clicked a link in a text message and now my money is gone"},
	},
	intents.AppProblem: {
		hant: []string{"個App一開就閃退", "App卡咗喺載入畫面", "更新唔到最新版本", "更新完之後個App開唔到", "一撳轉賬個App就自己彈走"},
		hans: []string{"App一打开就闪退", "App一直卡在加载页面", "最新版本装不上", "更新之后App打不开了", "一点转账App就自动退出"},
		en:   []string{"the app crashes as soon as I open it", "the app is stuck on the loading screen", "I can't install the latest update", "the app won't open since the update", "every time I tap transfer the app closes itself"},
	},
	intents.MerchantIntegration: {
		hant: []string{"我哋個webhook收唔到付款回調", "API成日話簽名驗證失敗", "我係商戶，我哋個API key突然用唔到", "退款API喺正式環境回401，測試環境就冇事", "付款通知冇再send去我哋server"},
		hans: []string{"我们的webhook收不到支付回调", "接口一直返回签名验证失败", "我是商户，API密钥突然不能用了", "退款接口在生产环境返回401，沙箱没问题", "支付结果通知不再推送到我们服务器"},
		en:   []string{"our webhook isn't receiving payment callbacks", "the API keeps rejecting our requests with invalid signature", "I'm a merchant and our API key suddenly stopped working", "refund API calls fail with 401 in production but work in sandbox", "payment notifications to our server stopped arriving"},
	},
}

// Details, as a user writes them.
var (
	timeTexts = phrases{
		hant: []string{"琴日下晝3點", "今朝9點半", "琴晚10點左右", "前日", "11月1號下晝2點", "尋日晏晝1點幾"},
		hans: []string{"昨天下午3点", "今天早上9点半", "昨晚10点左右", "前天", "11月1日下午2点", "昨天中午12点"},
		en:   []string{"yesterday around 3pm", "this morning at 9:30", "last night around 10pm", "two days ago", "on 1 Nov at 2pm", "at 8:15 this morning"},
	}
	// Answer forms; {x} is the detail.
	timeAnswers = phrases{
		hant: []string{"{x}", "大概{x}", "係{x}"},
		hans: []string{"{x}", "大概{x}", "是{x}"},
		en:   []string{"{x}", "it was {x}", "it happened {x}"},
	}
	amountAnswers = phrases{
		hant: []string{"{x}", "係{x}", "總共{x}"},
		hans: []string{"{x}", "是{x}", "一共{x}"},
		en:   []string{"{x}", "it was {x}", "{x} in total"},
	}
	txnAnswers = phrases{
		hant: []string{"{x}", "交易編號係{x}", "編號{x}"},
		hans: []string{"{x}", "交易编号是{x}", "单号{x}"},
		en:   []string{"{x}", "the reference is {x}", "transaction ID {x}"},
	}
	errorAnswers = phrases{
		hant: []string{"顯示「{x}」", "佢話「{x}」", "{x}"},
		hans: []string{"提示“{x}”", "显示“{x}”", "{x}"},
		en:   []string{"it says \"{x}\"", "\"{x}\"", "the message is {x}"},
	}
	apiAnswers = phrases{
		hant: []string{"{x}", "係{x}"},
		hans: []string{"{x}", "是{x}"},
		en:   []string{"{x}", "it's {x}"},
	}
	// In an opening that gives everything at once.
	inOpening = map[string]phrases{
		"time":   {hant: []string{"{x}發生"}, hans: []string{"{x}的事"}, en: []string{"it happened {x}"}},
		"amount": {hant: []string{"金額{x}"}, hans: []string{"金额{x}"}, en: []string{"the amount was {x}"}},
		"txn":    {hant: []string{"交易編號{x}"}, hans: []string{"交易编号{x}"}, en: []string{"the transaction ID is {x}"}},
		"error":  {hant: []string{"顯示「{x}」"}, hans: []string{"提示“{x}”"}, en: []string{"the error says \"{x}\""}},
		"api":    {hant: []string{"出事嘅係{x}"}, hans: []string{"出问题的是{x}"}, en: []string{"the affected call is {x}"}},
		"otp":    {hant: []string{"應該經{x}收"}, hans: []string{"应该是{x}收"}, en: []string{"it should come by {x}"}},
	}
)

// errorTexts are the errors a screen shows, per problem.
var errorTexts = map[intents.Intent]phrases{
	intents.LoginFailed: {
		hant: []string{"密碼錯誤", "帳戶異常，請稍後再試", "登入失敗 E1102"},
		hans: []string{"密码错误", "账户异常，请稍后再试", "登录失败 E1102"},
		en:   []string{"Incorrect password", "Account abnormal, please try again later", "Login failed E1102"},
	},
	intents.BiometricFailed: {
		hant: []string{"無法識別人臉", "指紋不符，請再試"},
		hans: []string{"人脸识别失败", "指纹不匹配，请重试"},
		en:   []string{"Face not recognised", "Fingerprint does not match, try again"},
	},
	intents.AccountFrozen: {
		hant: []string{"此帳戶已被限制使用", "帳戶暫停使用，請聯絡客服"},
		hans: []string{"该账户已被限制使用", "账户暂停使用，请联系客服"},
		en:   []string{"This account has been restricted", "Your account is temporarily suspended"},
	},
	intents.AppProblem: {
		hant: []string{"發生錯誤 (5003)", "應用程式冇回應"},
		hans: []string{"出错了 (5003)", "应用无响应"},
		en:   []string{"Something went wrong (5003)", "App not responding"},
	},
	intents.MerchantIntegration: {
		hant: []string{"401 簽名無效", "403 API key 無效"},
		hans: []string{"401 签名无效", "403 API key 无效"},
		en:   []string{"401 invalid signature", "403 API key not valid"},
	},
}

// noErrorShown answers "what error do you see?" when the screen shows none.
var noErrorShown = phrases{
	hant: []string{"冇顯示任何訊息", "冇錯誤訊息，佢自己彈走"},
	hans: []string{"没有任何提示", "没显示错误，直接退出了"},
	en:   []string{"there's no message, it just closes", "no error is shown"},
}

var apiTexts = phrases{
	hant: []string{"付款通知 webhook", "退款 API", "查詢訂單 API"},
	hans: []string{"支付结果回调", "退款接口", "订单查询接口"},
	en:   []string{"the payment notification webhook", "the refund API", "the order query API"},
}

var otpTexts = map[string]phrases{
	"sms":   {hant: []string{"短訊", "手機短訊"}, hans: []string{"短信", "手机短信"}, en: []string{"SMS", "text message"}},
	"email": {hant: []string{"電郵", "email"}, hans: []string{"邮件", "邮箱"}, en: []string{"email", "e-mail"}},
}

// The user's moves besides details.
var (
	dontKnow = phrases{
		hant: []string{"唔知", "唔記得", "唔記得咗", "唔清楚", "我唔肯定", "冇印象", "唔知喎", "搵唔返"},
		hans: []string{"不知道", "不记得了", "忘了", "不清楚", "记不清了", "我也不确定", "找不到了"},
		en:   []string{"I don't know", "not sure", "no idea", "I can't remember", "I forgot, sorry", "don't remember exactly", "no clue", "I don't have it"},
	}
	noScreenshot = phrases{
		hant: []string{"冇截到", "冇截圖", "唔好意思，冇截圖", "冇save到", "我冇影低", "截圖冇咗"},
		hans: []string{"没存", "没有截图", "没截到", "没保存", "不好意思，没截图", "截图删了"},
		en:   []string{"I don't have a screenshot", "I didn't take one", "sorry I don't have one", "didn't save it", "no screenshot, sorry", "I didn't screenshot it"},
	}
	personRequests = phrases{
		hant: []string{"可唔可以搵個同事同我傾", "我想搵人跟", "我要搵真人", "有冇真人可以幫我", "幫我轉個客服啦", "唔該幫我轉職員", "你幫唔到我，搵個人嚟啦", "我想同真人講", "我仲係需要人幫手", "有冇人工客服呀", "我唔想同機械人傾"},
		hans: []string{"人工服务在哪", "帮我转人工", "我要找人工客服帮我", "找个真人跟我说", "能不能让工作人员联系我", "你帮不了我，给我找个人", "我要跟客服说话", "我还是需要人帮忙", "我不要跟机器人聊", "有没有真人"},
		en:   []string{"let me speak to your staff", "a real person, please", "you're not helping", "can I talk to a human?", "I'd like to speak to one of your agents", "get me someone from customer service", "is there a real person I can talk to?", "connect me to support staff please", "I still need someone to help me", "I don't want to talk to a bot", "human please"},
	}
	offTopic = phrases{
		hant: []string{"今日天氣點呀？", "附近有冇好食嘅餐廳？", "你哋公司喺邊度？"},
		hans: []string{"今天天气怎么样？", "附近有什么好吃的？", "你们公司在哪里？"},
		en:   []string{"what's the weather like today?", "do you know any good restaurants in Central?", "who won the football last night?"},
	}
	vagueOpen = phrases{
		hant: []string{"我有啲問題", "唔該幫幫手", "出咗啲事", "有嘢想問下"},
		hans: []string{"我有个问题", "帮帮忙", "出了点问题", "想咨询一下"},
		en:   []string{"hi, I need some help", "something's wrong", "I have a problem", "help please"},
	}
	vagueMore = phrases{
		hant: []string{"係關於啲錢", "係我個戶口嘅事", "用唔到呀"},
		hans: []string{"跟钱有关", "是账户的事", "用不了"},
		en:   []string{"it's about my money", "it's to do with my account", "it's just not working"},
	}
	// back is a first message after hours of silence.
	back = phrases{
		hant: []string{"喂？仲喺度嗎？", "我返嚟喇，頭先講到邊？"},
		hans: []string{"你好？还在吗？", "我回来了，刚才说到哪了？"},
		en:   []string{"hello? are you still there?", "sorry, I'm back now"},
	}
	smallTalk = phrases{
		hant: []string{"好，唔該", "OK", "明白"},
		hans: []string{"好的谢谢", "嗯嗯好", "明白"},
		en:   []string{"ok thanks", "okay", "got it"},
	}
	// gibberish is the same in every language.
	// ("嗯嗯" or "ok" would be answers, not noise.)
	gibberish = []string{"asdfghjkl", "jjjjjj", "???", "。。。", "qwe", "zxcvb", "🙃🙃"}

	corrections = phrases{
		hant: []string{"唔好意思，應該係{new}，唔係{old}", "打錯咗，係{new}先啱", "更正：金額係{new}"},
		hans: []string{"不好意思，是{new}，不是{old}", "说错了，应该是{new}", "更正一下，金额是{new}"},
		en:   []string{"sorry, it was {new} not {old}", "correction: the amount was {new}, not {old}", "oops, I meant {new}"},
	}
	fixedTyped = phrases{
		hant: []string{"得咗喇，多謝", "搞掂咗，唔該", "試咗，得咗", "OK喇，用到喇", "解決咗"},
		hans: []string{"好了，谢谢", "可以了，解决了", "试了一下，好了", "能用了", "搞定了"},
		en:   []string{"yes, that worked", "it works now, thanks", "that sorted it, thank you", "yep, all good now", "it worked!"},
	}
	stillTyped = phrases{
		hant: []string{"試咗都唔得", "仲係唔得", "冇用呀", "都係一樣", "未得呀"},
		hans: []string{"还是不行", "试过了没用", "没解决", "还是一样", "不行啊"},
		en:   []string{"no, still not working", "didn't help", "I tried all that and it's still broken", "nope", "same problem"},
	}
	yesTyped = phrases{hant: []string{"係呀", "係"}, hans: []string{"是的", "对"}, en: []string{"yes", "yes, that's right"}}
	noTyped  = phrases{hant: []string{"唔係", "唔係呀，冇咁嘅事"}, hans: []string{"不是", "没有，不是这样"}, en: []string{"no", "no, nothing like that"}}
	// notThat prefixes a restatement when the bot named another problem.
	notThat = phrases{
		hant: []string{"唔係呀，唔係呢樣。", "唔啱，"},
		hans: []string{"不是这个。", "不对，"},
		en:   []string{"No, that's not it. ", "That's not my problem. "},
	}
	// notApplicable answers a question about a detail the problem has none of.
	notApplicable = phrases{hant: []string{"冇喎", "冇呢樣嘢"}, hans: []string{"没有", "不涉及"}, en: []string{"there isn't one", "that doesn't apply"}}
	// separators join an opening and what follows it.
	separators = phrases{hant: []string{"，"}, hans: []string{"，"}, en: []string{", "}}
)

package intents

import (
	"bytes"
	"strings"
)

// concepts are hand-written keyword groups, matched on normalised text (so in
// Simplified script, lower case). Each group that matches adds one feature
// shared by all three languages: the model learns from an English example
// that "fingerprint" means biometric_failed and applies it to 指紋 too, which
// n-grams alone cannot do with a few hundred examples per language.
// English keywords match at a word start ("crash" matches "crashes",
// "app" does not match "happy"); a keyword ending in "$" must also end the
// word, give or take a plural s ("hi$" matches "hi", not "his" or "hidden").
var concepts = [][]string{
	{"登录", "登入", "登陆", "登不", "log in", "login", "log into", "logon", "sign in", "signin", "sign into", "logged in", "log me in"},
	{"密码", "password", "passcode", "pin$", "passwd"},
	{"锁定", "锁了", "被锁", "解锁", "lock$", "unlock", "blocked"},
	{"验证码", "otp$", "动态码", "一次性密码", "认证码", "code$", "2fa", "two factor", "two-factor", "one time password", "one-time password"},
	{"短信", "sms", "text message", "短讯", "邮件", "电邮", "email", "e-mail", "邮箱"},
	{"收不到", "没收到", "未收到", "没到", "未到", "不来", "没来", "未来", "迟迟", "还没", "仍未", "未有", "没有来",
		"never", "not receiv", "haven't received", "havent received", "didn't receive", "didnt receive", "not arriv",
		"hasn't arrived", "hasnt arrived", "not coming", "never came", "not showing", "nothing arrived", "didn't get", "not getting", "still waiting", "not yet",
		"未入帐", "未入账", "没入帐", "没入账", "where's my", "where is my", "where is it", "where's the money", "where is the money", "where did my money"},
	{"指纹", "人脸", "刷脸", "面部", "人面", "脸", "face$", "fingerprint", "touch id", "touchid", "biometric", "facial", "selfie", "自拍", "活体", "liveness", "识别", "recogni", "样子", "影相", "拍照"},
	{"冻结", "暂停", "限制", "受限", "封", "停用", "风控", "hold$", "frozen", "freeze", "suspend", "restrict", "deactivat", "held$", "扣起", "审查", "under review", "被限", "limited$"},
	{"转账", "转帐", "转数", "过数", "fps", "汇款", "入数", "转了", "转钱", "transfer", "sent$", "send$", "wire$", "remit"},
	{"收款", "到账", "入账", "到帐", "入帐", "收到", "余额", "receiv", "recipient", "payee", "beneficiary", "balance", "arrive", "landlord", "credited"},
	{"提款", "提现", "提取", "取款", "取钱", "撳钱", "出钞", "atm", "withdr", "cash out", "cashout", "cash-out", "cashing out", "cashed out", "payout", "提钱", "提到银行", "提到卡", "提去银行", "提回", "own bank", "自己的银行", "自己银行", "套现", "dispense", "cash$", "cash machine", "swallow", "retain", "ate my card", "ate the card", "kept my card", "took my card"},
	{"付款", "支付", "给钱", "交易", "结账", "结帐", "刷卡", "碌卡", "拍卡", "pay", "checkout", "purchase", "买", "购", "shop$", "merchant", "商户", "商家", "buy$", "bought"},
	{"失败", "被拒", "拒绝", "不成功", "不过", "error", "declin", "fail", "reject", "refus", "not go through", "won't go through", "didn't go through", "not going through", "doesn't work", "not working", "无法完成", "could not be completed", "couldn't", "不到款",
		"unsuccessful", "won't work", "wont work", "doesnt work", "does not work", "stopped working", "not functioning", "bounced", "revers", "revert",
		"won't accept", "wont accept", "not accept", "can't use", "cant use", "won't let me", "wont let me"},
	{"两次", "两遍", "重复", "多扣", "三次", "两份", "twice", "double", "two times", "duplicate", "three times", "预授权", "预先授权", "pre-auth", "preauth", "pre auth", "extra charge", "多收", "多了一笔"},
	{"扣", "收费", "扣款", "扣钱", "扣数", "charged", "charge", "billed", "debited", "taken", "deducted", "少了钱"},
	{"退款", "退钱", "退回", "退货", "退还", "退返", "退了", "refund", "按金", "押金", "deposit back", "money back", "returned to my", "back to my card", "sent back to me"},
	{"盗", "骗", "诈", "冒充", "冒认", "扮", "不明", "陌生", "可疑", "未经授权", "没有授权", "没授权", "未授权", "不是我", "不认识", "不认得", "泄露", "外泄", "入侵", "黑客", "被黑",
		"fraud", "scam", "stolen", "stole", "hack$", "unauthori", "don't recogni", "dont recogni", "didn't make", "not me", "phish", "suspicious", "compromised", "偷", "不见", "丢了", "lost my", "fake$", "pretending",
		"wasn't me", "wasnt me", "not by me", "not mine", "never made", "didnt make", "did not make", "didn't authori", "didnt authori", "never authori",
		"never heard of", "cloned", "leaked", "not my payment", "not my transaction",
		"被人转", "被转走", "人转走", "转空", "moved money out", "drained", "emptied"},
	{"app", "应用", "程式", "程序", "闪退", "crash", "卡住", "白屏", "打不开", "开不到", "开不了", "安装", "install", "死机", "hang$", "lag$", "崩溃", "载入", "loading", "画面", "闪", "force clos", "unresponsive", "spinning", "blank", "乱码", "plugin"},
	{"更新", "升级", "update", "upgrade", "版本", "version"},
	{"api$", "webhook", "callback", "回调", "签名", "验签", "signature", "sandbox", "沙箱", "production", "生产环境", "正式环境", "测试环境", "sdk$", "密钥", "secret", "endpoint", "notify", "状态通知", "回调通知", "异步通知", "接口", "对接", "插件", "integration", "ipn", "live key", "test key", "公钥", "证书"},
	{"真人", "人工", "客服", "职员", "工作人员", "human", "agent", "person", "representative", "staff", "manager", "经理", "主管", "打电话", "call me", "real$", "live chat", "operator", "专员", "someone to talk", "talk to", "speak",
		"contact$", "chat with", "someone from", "call centre", "call center", "hotline", "phone number", "actual person",
		"actual people", "real people", "real human", "活人", "同事", "找人", "找个人", "人帮", "not helping", "no help", "not helpful", "useless", "帮不到", "帮不了"},
	{"工单", "个案", "案件", "case$", "ticket", "投诉", "complaint", "进度", "progress", "跟进", "follow up", "update on", "status", "申诉", "dispute", "回复", "回音", "reply", "replied", "get back to me", "t-0", "claim"},
	{"你好", "您好", "hi$", "hello", "hey$", "早晨", "早安", "早上好", "晚安", "谢谢", "多谢", "不该晒", "感谢", "thank", "thx", "bye", "拜拜", "再见", "哈啰", "哈喽", "哈罗", "good morning", "good evening", "cheers", "喂", "在吗", "有人", "ta$"},
	{"怎么", "点样", "如何", "how do i", "how can i", "how to", "what is", "what's the", "几多", "多少", "what are", "which", "can i get", "do you", "is there a fee", "手续费", "fee$",
		"can i", "is it possible", "do i need", "where can i", "how long does", "how long will", "how many", "how much", "is there", "are there", "how does"},
	{"天气", "weather", "joke", "笑话", "股票", "stock", "基金", "比特币", "bitcoin", "recipe", "食谱", "整", "煮", "restaurant", "餐厅", "poem", "诗", "football", "世界杯", "homework", "开户", "open an account", "申请信用卡"},
	// The topics of product questions, each on its own so that the model
	// can tell "what's the exchange rate" (a question) from "wrong exchange
	// rate on my payment" (a failed transaction) by the pair it makes.
	{"汇率", "exchange rate", "rate$", "conversion", "convert", "currenc", "兑换", "外币", "forex"},
	{"寄到", "deliver", "post$", "posted", "mail$", "shipping", "ship$", "dispatch", "express"},
	{"激活", "activat", "开卡", "virtual", "physical", "spare", "disposable", "single use", "one-time use", "expir", "visa", "mastercard",
		"apple pay", "google pay", "link my card", "link a card", "虚拟卡", "实体卡"},
	{"pending", "processing", "处理中", "stuck", "so long", "ages$", "in progress", "yet$"},
	{"fee$", "手续费", "commission", "cost$", "surcharge"},
	{"identity", "identify", "kyc", "passport", "licence", "license", "id$", "身份", "证件", "实名", "proof of", "document"},
	// Debited although it failed: the contract counts that as a duplicate
	// charge, while "failed" alone is a failed transaction.
	{"还是被扣", "还是扣", "还扣", "仲扣", "仍然扣", "仍扣", "照样扣", "照扣", "却扣", "却被扣", "但扣", "但是扣", "但被扣", "钱却", "钱还是被",
		"still charged", "charged anyway", "still got charged", "still debited", "debited anyway", "still took", "but i was charged",
		"but i got charged", "but was charged", "yet my card was charged", "yet charged", "money still left", "still left my account",
		"money is gone from my account", "still deducted", "deducted anyway",
		"还是少了", "还少了", "仍然少了", "balance still went down", "still missing from my balance", "balance went down", "balance dropped",
		"都扣了", "都被扣", "也扣了", "也被扣", "都少了钱", "都过了数", "但过了数"},
	{"lost$", "lose$", "missing", "can't find", "cant find", "nicked", "misplac", "遗失", "丢失"},
	{"wrong", "incorrect", "less$", "short", "half$", "only got", "only gave", "way off", "bad$", "terrible"},
	{"top up", "top-up", "topup", "topped up", "topping up", "add money", "adding money", "add funds", "load money", "充值", "增值"},
	{"card$"},
	// Limits pair with what they limit: receiving (a restricted account),
	// paying (a failed transaction) or withdrawing.
	{"限额", "额度", "上限", "超额", "limit", "cap$", "capped"},
	// Evidence the bot asks for. "I don't have a screenshot" is an answer,
	// not a problem: the pair with a negation must not read as fraud.
	{"截图", "截屏", "截到", "截不到", "screenshot", "screen shot", "screengrab", "screen capture", "photo", "picture", "pic$", "image",
		"相片", "影低", "拍下", "留底", "存低", "保存", "save$", "saved", "snap$"},
}

// conceptTable indexes every keyword by its first two bytes.
var conceptTable map[uint16][]conceptKW

type conceptKW struct {
	kw      []byte
	concept uint64
	whole   bool // English: must end a word too
}

func init() {
	conceptTable = map[uint16][]conceptKW{}
	for i, group := range concepts {
		for _, kw := range group {
			if len(kw) < 2 {
				panic("concept keyword too short: " + kw)
			}
			k := uint16(kw[0])<<8 | uint16(kw[1])
			whole := strings.HasSuffix(kw, "$")
			kw = strings.TrimSuffix(kw, "$")
			conceptTable[k] = append(conceptTable[k], conceptKW{kw: []byte(kw), concept: uint64(i + 1), whole: whole})
		}
	}
}

// conceptFeatures appends one feature per concept found in norm (each concept
// at most once, and also a feature for each pair of concepts seen together,
// which lets the model learn "OTP + not arriving" apart from "OTP" alone).
func conceptFeatures(dst []uint64, norm []byte) []uint64 {
	var seen uint64 // bit i: concept i+1 found
	s := norm
	for i := 0; i+1 < len(s); i++ {
		if i > 0 && s[i-1] >= 'a' && s[i-1] <= 'z' && s[i] < 0x80 {
			continue // inside an English word: no keyword starts here
		}
		cands, ok := conceptTable[uint16(s[i])<<8|uint16(s[i+1])]
		if !ok {
			continue
		}
		for _, c := range cands {
			if seen&(1<<(c.concept-1)) == 0 && bytes.HasPrefix(s[i:], c.kw) && (!c.whole || wordEnds(s, i+len(c.kw))) {
				seen |= 1 << (c.concept - 1)
			}
		}
	}
	var found [64]uint64
	n := 0
	for c := uint64(0); c < 64; c++ {
		if seen&(1<<c) != 0 {
			found[n] = c + 1
			n++
			dst = append(dst, mix(kindConcept, c+1))
		}
	}
	for a := 0; a < n; a++ {
		for b := a + 1; b < n; b++ {
			dst = append(dst, mix(mix(kindConceptPair, found[a]), found[b]))
		}
	}
	return dst
}

// wordEnds reports whether an English word ends at s[j], allowing a plural s.
func wordEnds(s []byte, j int) bool {
	if j < len(s) && s[j] == 's' {
		j++
	}
	return j >= len(s) || !isWordByte(s[j])
}

package intents

import (
	"regexp"
	"strings"
	"unicode"
)

// Cues are what the dialogue must never miss whatever the classifier
// thinks: a request for a person, words of a theft or a freeze, and a plain
// yes or no. They are patterns on the normalised text (Simplified, lower
// case, Cantonese forms folded: 唔→不, 冇→没, 咗→了), so one pattern reads
// all three ways customers write.

// personPatterns ask for a person: a verb of reaching (搵/找/转/叫/talk to…)
// before a word for staff, a person-word that means nothing else (真人,
// 人工客服, "real person"), or frustration with the bot itself ("you're not
// helping", 你帮不到我). Payments to "a person" or "someone" are not matched:
// every English form needs a reaching verb or an adjective like "real".
var personPatterns = []*regexp.Regexp{
	regexp.MustCompile(`真人|活人|人工(客服|服务|坐席|台|回复|处理|帮|跟|同事)|(转|找|要|接|搵|揾|叫|有没有?|联络|联系)人工($|[,.!?]|啊|呀|吧|呢|啦|喇|的)`),
	regexp.MustCompile(`(搵|揾|找|叫|要|转|转介|转接|接|接驳|接通|请|安排|让|畀|俾|给我|call)(返|番|下|一下)?(个|一个|位|一位|了)?(你们|你地|贵司)?(的)?(同事|职员|客服|专员|经理|主管|负责人|工作人员|客户服务|服务员|接线生|staff|agent|cs)`),
	regexp.MustCompile(`(想|要|点样|怎样|怎么|如何|可以|可不可以|能不能|帮我|边度|哪里)(去)?(联络|联系|接触)(返|下|一下)?(你们|你地)?(的)?(客服|同事|人工|真人|职员|工作人员)`),
	regexp.MustCompile(`(搵|揾|找)(返|番)?(个|一个|位|一位)?人(来|黎|嚟)?(跟|帮|处理|倾|谈|聊|同我|和我|跟我|问|睇|看|解决|回)|(想|要)(同|跟|和)(个|一个|位)?(真)?人(讲|倾|谈|聊|说|沟通)|(同|跟|和)(你们|你哋|你地)?(的|嘅)?(职员|同事|客服|工作人员|真人)(讲|倾|谈|聊|说|沟通)`),
	regexp.MustCompile(`(需要|要|想|想要|想有)(有)?(个|一个|位)?人(来|黎|嚟)?(帮|跟|处理|协助|解答|同我|和我|跟我)|(可以|可不可以|能不能|能否)有(个)?人(帮|跟|处理|协助)`),
	regexp.MustCompile(`有没有?(人|真人|客服|同事|职员)(可以|能|帮|回|理|打)`),
	regexp.MustCompile(`客服(电话|热线|号码)|(热线|电话)(号码)?(是)?(几多|多少)|(回|覆|复)我电话|打(电话)?(给|俾|畀)我`),
	regexp.MustCompile(`(你|机器人|bot).{0,4}(帮不到|帮不了|没用|无用|没有用|不明白|不懂|听不明|听不懂|废)|(不要|不想)(同|跟|和)?(机器人|bot)`),
	regexp.MustCompile(`\b(call|contact|reach|speak|talk|chat|deal|get in touch|in touch|callback|call back|connect|transfer me|put me|pass (me|this|it)|hand (me|this|it)|escalate)\b.{0,30}\b(a person|a human|any human|a real|someone|somebody|staff|employee|agent|customer (service|support|care)|support (team|agent|staff)|your team|representative|rep|operator|member of|manager|supervisor|colleague|people)\b`),
	regexp.MustCompile(`\b(staff( member)?|employee|agent|representative|operator|member of (staff|your team)|someone real|a human|any human|real person|customer service)\b.{0,25}\b(call|contact|reach|speak|talk|help me|instead|please|pls)\b`),
	regexp.MustCompile(`\b(real|live|actual|human|proper) (person|human|agent|being|people|representative|rep|operator|staff|support)\b|\bsomeone real\b|\binstead of (the|a|this) (bot|robot|machine)\b`),
	regexp.MustCompile(`\b(get|want|need|give|find|bring)( me)? (a |an |to |some |your )?(real |live |actual )?(human|person|agent|representative|operator|staff|someone from (your|the) team|supervisor|manager|callback|call back)\b`),
	regexp.MustCompile(`^(agent|human|person|operator|representative|rep|staff|customer service|customer support|live chat|live agent)( please| pls| now| asap)?[.!?]*$|^人工(服务|客服)?[.!?]*$`),
	regexp.MustCompile(`\bescalate (this|it|my (case|issue|problem|complaint))\b|^(please )?escalate[.!?]*$`),
	regexp.MustCompile(`\b(you'?re|you are|your|this is|it'?s|bot is|bot's) (not|no) (helping|helpful|useful|help)\b|\b(useless|stupid|dumb) (bot|robot|machine|chatbot|assistant)\b|\bnot (talking|speaking) to a (bot|robot|machine)\b|\b(is|are) (any|some)(one|body) (there|real|human)\b|\bcall me( back)?\b|\b(number|someone|somebody|person|anyone|one) (i|we) (can|could) (call|contact|speak to|talk to|reach)\b|\bcall cent(er|re)\b|\bhotline\b`),
}

// AsksForPerson reports whether text asks to be passed to a person, in any
// of the ways customers put it (可唔可以搵個同事同我傾, 我想搵人跟, 人工服务在哪,
// "let me speak to your staff", "a real person, please", "you're not
// helping").
func AsksForPerson(text string) bool {
	s := Normalize(text)
	for _, p := range personPatterns {
		if p.MatchString(s) {
			return true
		}
	}
	return false
}

// fraudWords name a theft outright: no confirming question is needed
// before the dialogue treats it as one. Negated uses (没有被盗, "not a
// scam") are blanked first, as for the classifier's features. "didn't
// make", "didn't get" and 没有收到 are deliberately absent: a negated verb
// is not a theft by itself.
var fraudWords = []*regexp.Regexp{
	regexp.MustCompile(`盗|入侵|被骗|骗子|诈骗|骗了|骗走|呃(了|钱|我)|钓鱼|冒用|冒充|冒认|盗号|被黑|黑客|转走了|转走我|被人(用|碌|刷|转|扣|提|拿|登入|登录|盗)|有人(用了?我|碌了?我|刷了?我|转了?我|提了?我|拿了?我|偷|登入了?我|登录了?我|入了?我)|偷(了|咗|走|钱)|不是我(本人)?(亲自)?(做|付|转|买|碌|刷|授权|登|操作|签|用|消费|支付)|非本人|未经(我)?(授权|同意)|没有授权|没授权|未授权|(边个|谁|某人|有人)(用|碌|刷|转|提|拿|偷|扣)(了)?(我|咗我)|没(有)?(做|买|付|签)过的?(交易|消费|付款|转账|扣款)|(点|撳|按|click)(了|开|入)?.{0,6}(链接|连结|link)|(陌生|不明|可疑)(的)?(登入|登录|设备|装置|交易|扣款)`),
	regexp.MustCompile(`\b(stolen|stole|steal(ing)?|theft|thief|hack(ed|er|ers)?|scam(med|mer|mers)?|fraud(ulent|ster)?|phish(ing|ed)?|compromised|unauthori[sz]ed (transaction|payment|charge|transfer|withdrawal|access|login|log-in|debit|purchase|use|spending|activity)s?|(didn'?t|did not|never) authori[sz]e|(wasn'?t|was not) me\b|someone (else )?(took|used|has used|is using|transferred|withdrew|logged|accessed|made|spent|stole|emptied|drained|moved)|(unknown|unrecogni[sz]ed|strange|suspicious) (login|log-in|sign-in|signin|device|transaction|charge|payment)s?|identity theft|drained|emptied my|(payment|transaction|purchase|charge|transfer)s? (that )?i (never|didn'?t|did not) (make|made|authori[sz]e)|(never|didn'?t|did not) (make|made) (this|that|the|these|those|any) (payment|transaction|purchase|charge|transfer)s?|click(ed)? (on )?(a|an|the|that) (suspicious |strange |fake |weird )?(link|url))\b`),
}

// unrelatedFraud says a fraud is not the matter (唔關詐騙事), a denial the
// classifier's negation cues do not cover.
var unrelatedFraud = regexp.MustCompile(`(不关|无关|唔关|与|同|和).{0,2}(诈骗|盗|骗|黑客)(无关|没关|不关|事)?`)

// freezeWords name a frozen or restricted account or wallet.
var freezeWords = []*regexp.Regexp{
	regexp.MustCompile(`被冻结|被封|封号|封锁|(户口|账户|帐户|账号|帐号|钱包|资金|收款|余额|卡|钱|额度|款).{0,3}(冻结|冻了|限制|停用|暂停)|冻结(了)?(我的?)?(户口|账户|帐户|账号|帐号|钱包|资金|收款|余额|卡|钱)|(限制|停用|暂停)(了)?(我的|我)?(户口|账户|帐户|账号|帐号|钱包|收款|交易)`),
	regexp.MustCompile(`\b(frozen|freeze|froze|suspended|restricted|blocked|locked) (account|wallet|funds|balance|money)\b|\b(account|wallet|funds|balance|money)( i (received|got|have))?( has been| was| is| got| been| are)? (frozen|suspended|restricted|blocked|on hold|held)\b|\bcan'?t (move|withdraw|use|access|touch) (my |the |any of my )?(money|funds|balance)\b`),
}

// RiskOf names the risky problem that text states unmistakably:
// UnauthorizedTransaction for a theft or takeover ("someone took", 轉走咗, 盜,
// scam, unknown login), AccountFrozen for a freeze; "" when it states
// neither.
func RiskOf(text string) Intent {
	// 是不是 ("is it…?") holds 不是 but denies nothing.
	norm := []byte(strings.ReplaceAll(Normalize(text), "是不是", "是否"))
	var sink []uint64
	s := string(maskNegatedFraud(norm, &sink))
	s = unrelatedFraud.ReplaceAllString(s, " ")
	for _, p := range fraudWords {
		if p.MatchString(s) {
			return UnauthorizedTransaction
		}
	}
	for _, p := range freezeWords {
		if p.MatchString(s) {
			return AccountFrozen
		}
	}
	return ""
}

// Reply is a yes or no answer.
type Reply int

// The answers YesNo recognises.
const (
	NoReply Reply = iota // neither: the message says something else
	Yes
	No
)

var (
	yesWords = map[string]bool{
		"yes": true, "yeah": true, "yep": true, "yup": true, "y": true, "sure": true, "correct": true, "right": true,
		"that's right": true, "thats right": true, "exactly": true, "indeed": true,
		"it worked": true, "worked": true, "it did": true, "yes it did": true, "solved": true, "fixed": true, "it's fixed": true,
		"all good": true, "sorted": true, "that worked": true, "yes thanks": true, "yes thank you": true,
		"是": true, "是的": true, "是啊": true, "对": true, "对的": true, "对啊": true, "系": true, "系呀": true, "系啊": true,
		"系的": true, "啱": true, "啱呀": true, "冇错": true, "没错": true, "是呀": true,
		"好了": true, "得了": true, "可以了": true, "搞定": true, "搞掂": true, "解决了": true, "行了": true, "ok了": true,
		// The same with 了 (咗) trimmed as a filler.
		"得": true, "可以": true, "解决": true, "行": true,
	}
	noWords = map[string]bool{
		"no": true, "nope": true, "nah": true, "n": true, "not really": true, "no it didn't": true, "it didn't": true,
		"didn't work": true, "did not work": true, "doesn't work": true, "not yet": true, "still no": true, "still not": true,
		"not solved": true, "not fixed": true, "no it's not": true, "no it isn't": true, "wrong": true, "incorrect": true,
		"不是": true, "不是的": true, "不是啊": true, "不对": true, "没有": true, "没": true, "不": true, "否": true,
		"不行": true, "不得": true, "未": true, "未得": true, "还未": true, "还没": true, "还没有": true, "没用": true,
		"不是呀": true, "不系": true, "不系呀": true, "不系啊": true, "不啱": true, "未解决": true, "还是不行": true,
		"仍然不行": true, "都不得": true, "都不行": true, "没有用": true,
	}
)

// YesNo reads a short answer to a yes/no question. Only a whole answer
// counts (with fillers and a thank-you around it): "no, I have a new
// problem" is not a plain no.
func YesNo(text string) Reply {
	s := trimFillers(strings.TrimFunc(Normalize(text), func(r rune) bool {
		return unicode.IsPunct(r) || unicode.IsSpace(r) || unicode.IsSymbol(r)
	}))
	for _, tail := range []string{"thanks", "thank you", "thx", "谢谢", "多谢", "唔该", "不该"} {
		s = trimFillers(strings.TrimSuffix(s, tail))
	}
	switch {
	case yesWords[s]:
		return Yes
	case noWords[s]:
		return No
	}
	return NoReply
}

// noScreenshot are the ways of saying there is no picture to send ("I
// didn't take a screenshot", "didn't save it", 冇截到, 没存).
var noScreenshot = regexp.MustCompile(`(没有?|未|不|无|没办法|不能|不可以|唔)(有)?(截|影|拍|存|保存|留|save|send|发|传).{0,3}(图|相|屏|到|低|下|了|$)|没(有)?(截图|截屏|图|相|照片|记录)|(截图|截屏|图片|相片|照片)(已经|都)?(没了|删了|删除了|不见了|丢了)|` +
	`\b(don'?t|do not|didn'?t|did not|haven'?t|have not|never|can'?t|cannot|couldn'?t|could not|wasn'?t able to|unable to|forgot to)( have| get| got| take| took| make| save| saved| keep| kept| grab| capture)?( a| any| the)? (screenshot|screen shot|screen-shot|photo|picture|image|pic|one|it|that)s?\b|\bno (screenshot|screen shot|photo|picture|image|pic)s?\b|\b(didn'?t|did not|never) (save|take|capture|get|keep|grab) (it|one|that|any)\b`)

// NoneGiven reports whether text, answering a question that asks for a
// screenshot or an error message, says the user has none: "I don't have a
// screenshot", "didn't take one", "sorry I don't have one", 冇截到, 没存, or
// any plain "don't know" or "no".
func NoneGiven(text string) bool {
	if DontKnow(text) || YesNo(text) == No {
		return true
	}
	s := Normalize(text)
	if len([]rune(s)) > 80 {
		return false
	}
	return noScreenshot.MatchString(s)
}

// thanksWords close a dialogue after self-help: a thank-you is a yes.
var thanksWords = regexp.MustCompile(`^(ok |okay |great |perfect |cool |good |nice )?(thanks|thank you|thx|ty|cheers|many thanks|thanks a lot|thank you so much)\b|^(多谢|谢谢|唔该|不该|感谢|谢了|thx)`)

// fixedWords say that something now works: 能用了, 得咗, "it worked".
var fixedWords = regexp.MustCompile(`能用了|可以用了|用到|用得|好了|得了|解决了|搞定|搞掂|ok了|正常了|成功了|收到了|到了|\b(it |that |this )?(works|worked|is working|fixed|sorted|resolved|solved)( now| it)?\b|\bgot it working\b|\ball good\b`)

// notWords turn a fixed-sounding answer round ("還未得", "not solved").
var notWords = regexp.MustCompile(`不|没|未|无|还是|仍然|\bnot\b|n't\b|\bno\b|\bnever\b|\bstill\b`)

// Solved reports an answer to "did this solve the problem?" that says it
// did: yes, a thank-you, or words that something now works (能用了, 試咗，得咗,
// "yes, that worked"), and no word that turns it round.
func Solved(text string) bool {
	if YesNo(text) == Yes {
		return true
	}
	s := Normalize(text)
	if len([]rune(s)) > 40 || notWords.MatchString(s) {
		return false
	}
	return thanksWords.MatchString(s) || fixedWords.MatchString(s)
}

// notIt says the bot named the wrong problem ("that's not my problem",
// 唔係呢個, 搞错了).
var notIt = regexp.MustCompile(`\b(that'?s|that is|it'?s|it is) not (it|my problem|the problem|what i (mean|meant|said))\b|\bwrong (problem|issue|thing)\b|\bnot (my|the) (problem|issue)\b|\bno,? (that'?s|it'?s) not\b|不是(这个|呢个|这样|咁|我的问题)|搞错了|你(理解|搞)错了|我不是(说|讲)(这个|呢个)`)

// NotIt reports a message that says the bot named the wrong problem.
func NotIt(text string) bool { return notIt.MatchString(Normalize(text)) }

package bot

import "strings"

// dontKnow reports whether the user says they do not know or remember the
// detail asked for. (Temporary until intents.DontKnow lands.)
func dontKnow(text string) bool {
	low := strings.ToLower(text)
	for _, w := range []string{"don't know", "dont know", "don’t know", "not sure", "no idea", "can't remember", "don't remember", "forgot",
		"唔記得", "唔知", "冇印象", "不记得", "不知道", "忘了", "記不起", "记不起"} {
		if strings.Contains(low, w) {
			return true
		}
	}
	return false
}

package llm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strings"
	"time"

	"github.com/triagebot/triagebot/intents"
	"github.com/triagebot/triagebot/language"
)

// answerSchema is the JSON schema of the classifier's answer, sent as a
// strict json_schema response format where the endpoint supports it. Strict
// mode wants every property required, so absent entities are null. The
// endpoint's enforcement is a help, not a guarantee: parseAnswer checks
// every field again.
var answerSchema = json.RawMessage(`{
 "type": "object", "additionalProperties": false,
 "required": ["intent", "confidence", "lang", "entities"],
 "properties": {
  "intent": {"type": "string", "enum": [` + intentEnum() + `]},
  "confidence": {"type": "number"},
  "lang": {"type": "string", "enum": ["zh-Hant", "zh-Hans", "en"]},
  "entities": {
   "type": "object", "additionalProperties": false,
   "required": ["time", "amount", "transaction_id"],
   "properties": {
    "time": {"anyOf": [{"type": "null"}, {"type": "object", "additionalProperties": false,
      "required": ["value", "grain"],
      "properties": {"value": {"type": "string"}, "grain": {"type": "string", "enum": ["day", "hour", "minute"]}}}]},
    "amount": {"anyOf": [{"type": "null"}, {"type": "object", "additionalProperties": false,
      "required": ["value", "currency"],
      "properties": {"value": {"type": "string"}, "currency": {"type": "string"}}}]},
    "transaction_id": {"type": ["string", "null"]}
   }
  }
 }
}`)

func intentEnum() string {
	q := make([]string, len(intents.All))
	for i, x := range intents.All {
		q[i] = `"` + string(x) + `"`
	}
	return strings.Join(q, ", ")
}

// rawAnswer is the model's JSON as sent. Pointers and raw values tell a
// missing or mistyped field from a zero one.
type rawAnswer struct {
	Intent     *string          `json:"intent"`
	Confidence *json.RawMessage `json:"confidence"`
	Lang       *string          `json:"lang"`
	Entities   *struct {
		Time *struct {
			Value string `json:"value"`
			Grain string `json:"grain"`
		} `json:"time"`
		Amount *struct {
			Value    json.RawMessage `json:"value"`
			Currency string          `json:"currency"`
		} `json:"amount"`
		TransactionID *string `json:"transaction_id"`
	} `json:"entities"`
}

// answer is a validated classifier answer. Entity spans are left zero: the
// model saw the masked text, whose offsets are not the original's; the
// classifier places the transaction id itself.
type answer struct {
	Intent     intents.Intent
	Confidence float64
	Lang       language.Lang
	Entities   intents.Entities
}

// How far from "now" a reported time may be. Users report problems of the
// past; a time far in the future or years back is a misreading.
const (
	maxFuture = 24 * time.Hour
	maxPast   = 2 * 366 * 24 * time.Hour
)

var (
	decimalRe = regexp.MustCompile(`^[0-9]{1,12}(\.[0-9]{1,2})?$`)
	idRe      = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_\-/.#]{2,63}$`)
	ticketRe  = regexp.MustCompile(`^[Tt]-[0-9]+$`)
)

// parseAnswer decodes and validates the model's content against the masked
// text it was given and the reference moment. A content that is not one
// JSON object is ErrMalformed; a field outside the contract is ErrInvalid.
func parseAnswer(content string, masked string, now time.Time) (answer, error) {
	body := stripFence(content)
	var raw rawAnswer
	dec := json.NewDecoder(strings.NewReader(body))
	if err := dec.Decode(&raw); err != nil {
		return answer{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if dec.More() {
		return answer{}, fmt.Errorf("%w: text after the JSON object", ErrMalformed)
	}
	var a answer
	if raw.Intent == nil || !intents.Intent(*raw.Intent).Valid() {
		return answer{}, fmt.Errorf("%w: intent %s", ErrInvalid, quoted(raw.Intent))
	}
	a.Intent = intents.Intent(*raw.Intent)
	if raw.Confidence == nil {
		return answer{}, fmt.Errorf("%w: no confidence", ErrInvalid)
	}
	var conf float64
	if err := json.Unmarshal(*raw.Confidence, &conf); err != nil || math.IsNaN(conf) || conf < 0 || conf > 1 {
		return answer{}, fmt.Errorf("%w: confidence %s", ErrInvalid, *raw.Confidence)
	}
	a.Confidence = conf
	if raw.Lang == nil || !language.Lang(*raw.Lang).Valid() {
		return answer{}, fmt.Errorf("%w: lang %s", ErrInvalid, quoted(raw.Lang))
	}
	a.Lang = language.Lang(*raw.Lang)
	if raw.Entities == nil {
		return answer{}, fmt.Errorf("%w: no entities", ErrInvalid)
	}
	e := raw.Entities
	if t := e.Time; t != nil && (t.Value != "" || t.Grain != "") {
		v, err := validTime(t.Value, intents.Grain(t.Grain), now)
		if err != nil {
			return answer{}, err
		}
		a.Entities.Time = v
	}
	if m := e.Amount; m != nil && len(m.Value) > 0 && string(m.Value) != "null" {
		v, err := validAmount(m.Value, m.Currency)
		if err != nil {
			return answer{}, err
		}
		a.Entities.Amount = v
	}
	if id := e.TransactionID; id != nil && strings.TrimSpace(*id) != "" {
		v, err := validID(strings.TrimSpace(*id), masked)
		if err != nil {
			return answer{}, err
		}
		a.Entities.TransactionID = v
	}
	return a, nil
}

// stripFence removes a Markdown code fence some models put around JSON in
// json_object mode; anything else is left for the decoder to judge.
func stripFence(s string) string {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "```") {
		return s
	}
	s = strings.TrimPrefix(s, "```")
	s = strings.TrimPrefix(s, "json")
	return strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "```"))
}

func quoted(s *string) string {
	if s == nil {
		return "missing"
	}
	return fmt.Sprintf("%q", *s)
}

// validTime checks a reported moment and puts it at the start of its grain
// in now's zone, as the offline extractor does.
func validTime(value string, grain intents.Grain, now time.Time) (*intents.Time, error) {
	if grain != intents.Day && grain != intents.Hour && grain != intents.Minute {
		return nil, fmt.Errorf("%w: time grain %q", ErrInvalid, grain)
	}
	t, err := time.Parse(time.RFC3339, value)
	if err != nil {
		return nil, fmt.Errorf("%w: time %q is not RFC 3339", ErrInvalid, value)
	}
	t = t.In(now.Location())
	if t.After(now.Add(maxFuture)) || t.Before(now.Add(-maxPast)) {
		return nil, fmt.Errorf("%w: time %s too far from now %s", ErrInvalid, value, now.Format(time.RFC3339))
	}
	h, m := t.Hour(), t.Minute()
	switch grain {
	case intents.Day:
		h, m = 0, 0
	case intents.Hour:
		m = 0
	}
	t = time.Date(t.Year(), t.Month(), t.Day(), h, m, 0, 0, now.Location())
	return &intents.Time{Value: t, Grain: grain}, nil
}

// validAmount accepts a decimal string (or a plain JSON number, which some
// models send despite the schema) with at most two places, and an ISO 4217
// code or "".
func validAmount(value json.RawMessage, currency string) (*intents.Amount, error) {
	s := string(bytes.TrimSpace(value))
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(value, &s); err != nil {
			return nil, fmt.Errorf("%w: amount %s", ErrInvalid, value)
		}
	}
	s = strings.TrimSpace(s)
	if !decimalRe.MatchString(s) {
		return nil, fmt.Errorf("%w: amount %q is not a decimal", ErrInvalid, s)
	}
	whole, frac, _ := strings.Cut(s, ".")
	whole = strings.TrimLeft(whole, "0")
	if whole == "" {
		whole = "0"
	}
	frac = (frac + "00")[:2]
	cur := strings.ToUpper(strings.TrimSpace(currency))
	if cur != "" && !isISO4217(cur) {
		return nil, fmt.Errorf("%w: currency %q is not an ISO 4217 code", ErrInvalid, currency)
	}
	return &intents.Amount{Value: whole + "." + frac, Currency: cur}, nil
}

// validID accepts a reference only when it is written in the masked text the
// model saw: a model may not invent one, and since masking ran first, a
// card number or code can never be copied out of it.
func validID(id, masked string) (*intents.TransactionID, error) {
	if !idRe.MatchString(id) || ticketRe.MatchString(id) || !strings.ContainsAny(id, "0123456789") {
		return nil, fmt.Errorf("%w: transaction_id %q", ErrInvalid, id)
	}
	if indexFoldASCII(masked, id) < 0 {
		return nil, fmt.Errorf("%w: transaction_id %q is not in the message", ErrInvalid, id)
	}
	return &intents.TransactionID{Value: id}, nil
}

// indexFoldASCII is strings.Index ignoring ASCII case; byte offsets stay
// those of s (strings.ToLower may change the length of other letters).
func indexFoldASCII(s, sub string) int {
	n := len(sub)
	for i := 0; i+n <= len(s); i++ {
		if asciiEqualFold(s[i:i+n], sub) {
			return i
		}
	}
	return -1
}

func asciiEqualFold(a, b string) bool {
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// iso4217 lists the active ISO 4217 currency codes (and the common precious
// metal and fund codes are left out: nobody pays a wallet in XAU).
const iso4217 = "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD " +
	"CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD " +
	"HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD " +
	"MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG " +
	"QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD " +
	"TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG"

func isISO4217(code string) bool {
	if len(code) != 3 {
		return false
	}
	for i := 0; i+3 <= len(iso4217); i += 4 {
		if iso4217[i:i+3] == code {
			return true
		}
	}
	return false
}

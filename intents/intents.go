// Package intents understands one user message: which problem it describes
// (the intent), how sure we are, which language and script it is written in,
// and the details an agent needs (time, amount, transaction id). It also masks
// secrets (card numbers, one-time codes, passwords) before text is stored,
// logged or forwarded.
//
// Everything here works offline, in pure Go. The LLM path (intents/llm)
// implements the same Classifier interface.
package intents

import (
	"context"
	"time"

	"github.com/triagebot/triagebot/language"
)

// Intent is one of the fixed problem ids of the contract.
type Intent string

// The 16 intents of the contract, in the contract's order.
const (
	LoginFailed             Intent = "login_failed"
	OTPNotReceived          Intent = "otp_not_received"
	BiometricFailed         Intent = "biometric_failed"
	AccountFrozen           Intent = "account_frozen"
	PaymentNotReceived      Intent = "payment_not_received"
	WithdrawalFailed        Intent = "withdrawal_failed"
	TransactionFailed       Intent = "transaction_failed"
	DuplicateCharge         Intent = "duplicate_charge"
	RefundNotReceived       Intent = "refund_not_received"
	UnauthorizedTransaction Intent = "unauthorized_transaction"
	AppProblem              Intent = "app_problem"
	MerchantIntegration     Intent = "merchant_integration"
	HumanAgent              Intent = "human_agent"
	TicketStatus            Intent = "ticket_status"
	Greeting                Intent = "greeting"
	OutOfScope              Intent = "out_of_scope"
)

// All lists every intent of the contract.
var All = []Intent{
	LoginFailed, OTPNotReceived, BiometricFailed, AccountFrozen,
	PaymentNotReceived, WithdrawalFailed, TransactionFailed, DuplicateCharge,
	RefundNotReceived, UnauthorizedTransaction, AppProblem, MerchantIntegration,
	HumanAgent, TicketStatus, Greeting, OutOfScope,
}

// Valid reports whether i is one of the contract's intents.
func (i Intent) Valid() bool {
	for _, x := range All {
		if x == i {
			return true
		}
	}
	return false
}

// IsProblem reports whether the intent describes a payment problem (as opposed
// to a conversational move like a greeting or a request for a person).
func (i Intent) IsProblem() bool {
	switch i {
	case HumanAgent, TicketStatus, Greeting, OutOfScope, "":
		return false
	}
	return true
}

// Grain is the finest unit of time the user actually said.
type Grain string

// Grains, coarsest first.
const (
	Day    Grain = "day"
	Hour   Grain = "hour"
	Minute Grain = "minute"
)

// Span is where an entity was found: byte offsets into the original text,
// Start inclusive, End exclusive.
type Span struct {
	Start int
	End   int
}

// Time is a moment the user mentioned, resolved in the zone of "now".
type Time struct {
	Value time.Time
	Grain Grain
	Span  Span
}

// Amount is a sum of money the user mentioned.
type Amount struct {
	Value    string // decimal with two places: "1200.50"
	Currency string // ISO 4217 code, or "" when the user gave none
	Span     Span
}

// TransactionID is an order, reference or serial number the user gave.
type TransactionID struct {
	Value string
	Span  Span
}

// Entities are the details found in one message; nil means not found.
type Entities struct {
	Time          *Time
	Amount        *Amount
	TransactionID *TransactionID
}

// Scored is one candidate intent with its probability.
type Scored struct {
	Intent     Intent
	Confidence float64
}

// Result is everything understood from one message.
type Result struct {
	Intent     Intent
	Confidence float64 // calibrated: of results at 0.8, about 80% are right
	Lang       language.Lang
	// Candidates are the likeliest intents, best first (Candidates[0] is
	// Intent); the bot offers the top ones when it is unsure.
	Candidates []Scored
	Entities   Entities
}

// Classifier understands a message. now carries the zone in which relative
// times ("yesterday 3pm") are resolved.
type Classifier interface {
	Classify(ctx context.Context, text string, now time.Time) (Result, error)
}

package bot

import "github.com/triagebot/triagebot/intents"

// Detail is one thing the bot asks the user for before help or a ticket.
type Detail string

// The details the dialogue gathers.
const (
	DetailTime       Detail = "time"           // when it happened (RFC 3339 + grain)
	DetailAmount     Detail = "amount"         // how much, with currency when given
	DetailCurrency   Detail = "currency"       // asked once when the amount came without one ("$500")
	DetailTxn        Detail = "transaction_id" // transaction / order / reference number
	DetailScreenshot Detail = "screenshot"     // an image of the status page
	DetailError      Detail = "error"          // the error shown: typed text or a screenshot
	DetailAPI        Detail = "api"            // merchant: which API call or callback
	DetailOTPChannel Detail = "otp_channel"    // where the code should arrive: SMS or e-mail
)

// Required lists, per problem intent, what an agent needs to act without
// writing back to the user, in the order the bot asks. Money problems need
// the transaction's time, amount and id; those where the status page shows
// something an id does not (withdrawals, transfers) add a screenshot. Access
// problems need when it started and the error seen. Intents not listed
// (human_agent, ticket_status, greeting, out_of_scope) gather nothing.
var Required = map[intents.Intent][]Detail{
	intents.WithdrawalFailed:        {DetailTime, DetailAmount, DetailTxn, DetailScreenshot},
	intents.PaymentNotReceived:      {DetailTime, DetailAmount, DetailTxn, DetailScreenshot},
	intents.DuplicateCharge:         {DetailTime, DetailAmount, DetailTxn},
	intents.RefundNotReceived:       {DetailTime, DetailAmount, DetailTxn},
	intents.TransactionFailed:       {DetailTime, DetailAmount, DetailTxn},
	intents.UnauthorizedTransaction: {DetailTime, DetailAmount, DetailTxn},
	intents.LoginFailed:             {DetailTime, DetailError},
	intents.OTPNotReceived:          {DetailTime, DetailOTPChannel},
	intents.BiometricFailed:         {DetailTime, DetailError},
	intents.AccountFrozen:           {DetailTime, DetailError},
	intents.AppProblem:              {DetailError},
	intents.MerchantIntegration:     {DetailAPI, DetailError},
}

// risky intents skip self-help: the user is told the safety steps and a
// person gets the ticket at once, because every minute can cost money.
func risky(i intents.Intent) bool {
	return i == intents.UnauthorizedTransaction || i == intents.AccountFrozen
}

// parsed reports whether a detail is read from the text by the extractor
// (and so can fail to parse), as opposed to taken as typed.
func (d Detail) parsed() bool {
	return d == DetailTime || d == DetailAmount || d == DetailTxn
}

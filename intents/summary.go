package intents

// SummaryInput is what a summariser is told about a new ticket: the
// problem, the details gathered and the dialogue's masked lines. It names
// neither the customer nor the ticket, and holds no storage type: the
// engine builds it, so understanding knows nothing of how tickets are kept.
type SummaryInput struct {
	Intent Intent
	// Time is RFC 3339 and TimeGrain its grain ("day", "minute", …), as
	// gathered; both are "" when unknown.
	Time, TimeGrain             string
	Amount, Currency            string
	TransactionID, ErrorMessage string
	Attachments                 int
	Lines                       []SummaryLine // oldest first
}

// SummaryLine is one masked line of the dialogue; From is "user", "bot"
// or "agent".
type SummaryLine struct {
	From, Text string
}

package escalation

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/triagebot/triagebot/intents"
	"github.com/triagebot/triagebot/tickets"
)

var now = time.Date(2025, 11, 3, 10, 0, 0, 0, time.FixedZone("HKT", 8*3600))

// TestDefaultRoutes checks the documented default route of every intent of
// the contract, and that its SLA is the priority's.
func TestDefaultRoutes(t *testing.T) {
	want := map[intents.Intent]struct {
		queue    string
		priority tickets.Priority
	}{
		intents.UnauthorizedTransaction: {"fraud", tickets.Urgent},
		intents.AccountFrozen:           {"risk", tickets.Urgent},
		intents.PaymentNotReceived:      {"payments", tickets.High},
		intents.WithdrawalFailed:        {"payments", tickets.High},
		intents.TransactionFailed:       {"payments", tickets.Normal},
		intents.DuplicateCharge:         {"payments", tickets.Normal},
		intents.RefundNotReceived:       {"payments", tickets.Normal},
		intents.LoginFailed:             {"access", tickets.Normal},
		intents.OTPNotReceived:          {"access", tickets.Normal},
		intents.BiometricFailed:         {"access", tickets.Low},
		intents.AppProblem:              {"tech", tickets.Normal},
		intents.MerchantIntegration:     {"merchant", tickets.High},
		intents.HumanAgent:              {"general", tickets.Normal},
		intents.TicketStatus:            {"general", tickets.Low},
		intents.Greeting:                {"general", tickets.Low},
		intents.OutOfScope:              {"general", tickets.Low},
	}
	sla := map[tickets.Priority]time.Duration{
		tickets.Urgent: 30 * time.Minute, tickets.High: 2 * time.Hour,
		tickets.Normal: 8 * time.Hour, tickets.Low: 24 * time.Hour,
	}
	r := Default()
	for _, in := range intents.All {
		w, ok := want[in]
		if !ok {
			t.Errorf("%s: no expectation: update this test and the README table", in)
			continue
		}
		d := r.Route(Input{Intent: string(in), Channel: tickets.Web, Now: now})
		if d.Queue != w.queue || d.Priority != w.priority {
			t.Errorf("%s: got %s/%s, want %s/%s", in, d.Queue, d.Priority, w.queue, w.priority)
		}
		if r.SLA(d.Priority) != sla[d.Priority] {
			t.Errorf("%s: SLA %s, want %s", in, r.SLA(d.Priority), sla[d.Priority])
		}
		if want := r.Due(d.Priority, now); !d.SLADue.Equal(want) {
			t.Errorf("%s: due %s, want %s", in, d.SLADue, want)
		}
		if len(d.Related) != 0 {
			t.Errorf("%s: related %v without history", in, d.Related)
		}
	}
	if got, want := r.Queues(), []string{"access", "fraud", "general", "merchant", "payments", "risk", "tech"}; !slices.Equal(got, want) {
		t.Errorf("Queues() = %v, want %v", got, want)
	}
}

func ticket(id, intent string, age time.Duration) tickets.Ticket {
	return tickets.Ticket{ID: id, Intent: intent, Status: tickets.Resolved, CreatedAt: now.Add(-age)}
}

func TestRoute(t *testing.T) {
	tests := []struct {
		name     string
		in       Input
		priority tickets.Priority
		queue    string
		related  []string
		reason   string // a substring of one of the reasons
	}{
		{name: "unknown intent takes the fallback",
			in: Input{Intent: "lost_cat"}, priority: tickets.Normal, queue: "general", reason: `"lost_cat" has no route`},
		{name: "empty intent takes the fallback",
			in: Input{}, priority: tickets.Normal, queue: "general"},

		// Amounts: one step up, to at least high, at or above HK$10,000.
		{name: "HKD at the threshold raises high to urgent",
			in:       Input{Intent: "payment_not_received", Amount: "10000.00", Currency: "HKD"},
			priority: tickets.Urgent, queue: "payments", reason: "≥ HKD 10000.00: high → urgent"},
		{name: "HKD just below the threshold does not",
			in:       Input{Intent: "payment_not_received", Amount: "9999.99", Currency: "HKD"},
			priority: tickets.High, queue: "payments"},
		{name: "no currency is HKD",
			in:       Input{Intent: "login_failed", Amount: "10000.00"},
			priority: tickets.High, queue: "access"},
		{name: "USD converted above",
			in:       Input{Intent: "refund_not_received", Amount: "1300.00", Currency: "USD"},
			priority: tickets.High, queue: "payments", reason: "USD 1300.00 ≈ HKD 10140.00"},
		{name: "USD converted below",
			in:       Input{Intent: "refund_not_received", Amount: "1200.00", Currency: "USD"},
			priority: tickets.Normal, queue: "payments"},
		{name: "CNY converted above",
			in:       Input{Intent: "transaction_failed", Amount: "9300.00", Currency: "CNY"},
			priority: tickets.High, queue: "payments"},
		{name: "JPY converted above, lower-case code",
			in:       Input{Intent: "duplicate_charge", Amount: "200000", Currency: "jpy"},
			priority: tickets.High, queue: "payments"},
		{name: "low priority goes to at least high",
			in:       Input{Intent: "biometric_failed", Amount: "50000.00", Currency: "HKD"},
			priority: tickets.High, queue: "access", reason: "low → high"},
		{name: "urgent stays urgent",
			in:       Input{Intent: "unauthorized_transaction", Amount: "99999.00"},
			priority: tickets.Urgent, queue: "fraud"},
		{name: "thousands separators",
			in:       Input{Intent: "withdrawal_failed", Amount: "12,000.00", Currency: "HKD"},
			priority: tickets.Urgent, queue: "payments"},
		{name: "unknown currency is not compared",
			in:       Input{Intent: "withdrawal_failed", Amount: "1000000", Currency: "XYZ"},
			priority: tickets.High, queue: "payments", reason: "no rate for currency XYZ"},
		{name: "unparsable amount is not compared",
			in:       Input{Intent: "withdrawal_failed", Amount: "1e9", Currency: "HKD"},
			priority: tickets.High, queue: "payments", reason: `amount "1e9" not understood`},
		{name: "negative amount is not compared",
			in:       Input{Intent: "login_failed", Amount: "-20000"},
			priority: tickets.Normal, queue: "access"},

		// Repeats: same intent within 24h, one step up, listed oldest first.
		{name: "second ticket within 24h",
			in: Input{Intent: "otp_not_received", History: []tickets.Ticket{
				ticket("T-000007", "otp_not_received", 23*time.Hour)}},
			priority: tickets.High, queue: "access", related: []string{"T-000007"}, reason: "repeat of T-000007 within 24h0m0s: normal → high"},
		{name: "exactly 24h is still a repeat",
			in: Input{Intent: "otp_not_received", History: []tickets.Ticket{
				ticket("T-000007", "otp_not_received", 24*time.Hour)}},
			priority: tickets.High, queue: "access", related: []string{"T-000007"}},
		{name: "older than 24h is not",
			in: Input{Intent: "otp_not_received", History: []tickets.Ticket{
				ticket("T-000007", "otp_not_received", 25*time.Hour)}},
			priority: tickets.Normal, queue: "access"},
		{name: "another problem is not",
			in: Input{Intent: "otp_not_received", History: []tickets.Ticket{
				ticket("T-000007", "login_failed", time.Hour)}},
			priority: tickets.Normal, queue: "access"},
		{name: "a ticket dated after now is not",
			in: Input{Intent: "otp_not_received", History: []tickets.Ticket{
				ticket("T-000007", "otp_not_received", -time.Hour)}},
			priority: tickets.Normal, queue: "access"},
		{name: "several repeats raise once, oldest first",
			in: Input{Intent: "app_problem", History: []tickets.Ticket{
				ticket("T-000009", "app_problem", time.Hour),
				ticket("T-000003", "app_problem", 20*time.Hour),
				ticket("T-000005", "login_failed", 2*time.Hour)}},
			priority: tickets.High, queue: "tech", related: []string{"T-000003", "T-000009"}},
		{name: "no intent, no repeat",
			in:       Input{History: []tickets.Ticket{ticket("T-000001", "", time.Hour)}},
			priority: tickets.Normal, queue: "general"},

		// Keywords, in the three languages.
		{name: "English scam keyword, any case",
			in:       Input{Intent: "payment_not_received", Text: "I think I was SCAMMED by the seller"},
			priority: tickets.Urgent, queue: "payments", reason: `keyword "scam": high → urgent`},
		{name: "Cantonese 呃錢",
			in:       Input{Intent: "transaction_failed", Text: "佢哋呃錢,俾咗錢都冇貨"},
			priority: tickets.Urgent, queue: "payments"},
		{name: "Simplified 诈骗",
			in:       Input{Intent: "human_agent", Text: "我遇到诈骗了"},
			priority: tickets.Urgent, queue: "general"},
		{name: "account hacked",
			in:       Input{Intent: "login_failed", Text: "my account was hacked"},
			priority: tickets.Urgent, queue: "access"},
		{name: "police lifts to high only",
			in:       Input{Intent: "refund_not_received", Text: "我會報警"},
			priority: tickets.High, queue: "payments", reason: `keyword "報警": normal → high`},
		{name: "a lower keyword never lowers",
			in:       Input{Intent: "account_frozen", Text: "I will call the police"},
			priority: tickets.Urgent, queue: "risk"},
		{name: "no keyword",
			in:       Input{Intent: "app_problem", Text: "the app keeps closing"},
			priority: tickets.Normal, queue: "tech"},

		// Rules combine, each only raising.
		{name: "amount and repeat together",
			in: Input{Intent: "refund_not_received", Amount: "20000", History: []tickets.Ticket{
				ticket("T-000002", "refund_not_received", time.Hour)}},
			priority: tickets.Urgent, queue: "payments", related: []string{"T-000002"}},
	}
	r := Default()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.in.Now = now
			d := r.Route(tc.in)
			if d.Priority != tc.priority || d.Queue != tc.queue {
				t.Errorf("got %s/%s, want %s/%s (reasons %q)", d.Queue, d.Priority, tc.queue, tc.priority, d.Reasons)
			}
			if !slices.Equal(d.Related, tc.related) {
				t.Errorf("related %v, want %v", d.Related, tc.related)
			}
			if want := now.Add(r.SLA(tc.priority)); !d.SLADue.Equal(want) {
				t.Errorf("SLA due %s, want %s", d.SLADue, want)
			}
			if tc.reason != "" && !slices.ContainsFunc(d.Reasons, func(s string) bool { return strings.Contains(s, tc.reason) }) {
				t.Errorf("reasons %q lack %q", d.Reasons, tc.reason)
			}
			// Pure: the same input gives the same decision.
			if again := r.Route(tc.in); !reflect.DeepEqual(d, again) {
				t.Errorf("second Route differs: %+v vs %+v", d, again)
			}
		})
	}
}

// TestRouteLeavesHistoryAlone checks Route sorts a copy, not the caller's slice.
func TestRouteLeavesHistoryAlone(t *testing.T) {
	h := []tickets.Ticket{ticket("T-2", "app_problem", time.Hour), ticket("T-1", "app_problem", 2*time.Hour)}
	Default().Route(Input{Intent: "app_problem", Now: now, History: h})
	if h[0].ID != "T-2" || h[1].ID != "T-1" {
		t.Errorf("history reordered: %s, %s", h[0].ID, h[1].ID)
	}
}

// TestOverrides routes with testdata/good.json: what the file sets wins,
// the rest is the default.
func TestOverrides(t *testing.T) {
	r, err := Load("testdata/good.json")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		in       Input
		priority tickets.Priority
		queue    string
		sla      time.Duration
	}{
		{"priority only changed", Input{Intent: "merchant_integration"}, tickets.Normal, "merchant", 8 * time.Hour},
		{"queue only changed", Input{Intent: "app_problem"}, tickets.Normal, "mobile", 8 * time.Hour},
		{"untouched intent", Input{Intent: "withdrawal_failed", Channel: tickets.Telegram}, tickets.High, "payments", 2 * time.Hour},
		{"urgent SLA changed", Input{Intent: "unauthorized_transaction"}, tickets.Urgent, "fraud", 15 * time.Minute},
		{"telegram general desk", Input{Intent: "human_agent", Channel: tickets.Telegram}, tickets.Normal, "general-telegram", 8 * time.Hour},
		{"web keeps general", Input{Intent: "human_agent", Channel: tickets.Web}, tickets.Normal, "general", 8 * time.Hour},
		{"lower threshold", Input{Intent: "login_failed", Amount: "5000.00"}, tickets.High, "access", 2 * time.Hour},
		{"new currency", Input{Intent: "login_failed", Amount: "20000000", Currency: "VND"}, tickets.High, "access", 2 * time.Hour},
		{"rates merged: CNY still there", Input{Intent: "login_failed", Amount: "5000", Currency: "CNY"}, tickets.High, "access", 2 * time.Hour},
		{"keywords kept", Input{Intent: "login_failed", Text: "hacked"}, tickets.Urgent, "access", 15 * time.Minute},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.in.Now = now
			d := r.Route(tc.in)
			if d.Priority != tc.priority || d.Queue != tc.queue || d.SLADue.Sub(now) != tc.sla {
				t.Errorf("got %s/%s due in %s, want %s/%s due in %s", d.Queue, d.Priority, d.SLADue.Sub(now), tc.queue, tc.priority, tc.sla)
			}
		})
	}
	// The defaults must not have changed under the override.
	if d := Default().Route(Input{Intent: "app_problem", Now: now}); d.Queue != "tech" {
		t.Errorf("Default() changed by Load: app_problem → %s", d.Queue)
	}
}

// TestReplace checks a "replace" file starts from nothing: no keywords,
// no amount or repeat rule, and unlisted intents take its fallback.
func TestReplace(t *testing.T) {
	r, err := Load("testdata/replace.json")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		in       Input
		priority tickets.Priority
		queue    string
	}{
		{Input{Intent: "unauthorized_transaction"}, tickets.Urgent, "fraud"},
		{Input{Intent: "withdrawal_failed", Amount: "900000", Text: "scam",
			History: []tickets.Ticket{ticket("T-1", "withdrawal_failed", time.Hour)}}, tickets.Normal, "support"},
	}
	for _, tc := range tests {
		tc.in.Now = now
		d := r.Route(tc.in)
		if d.Priority != tc.priority || d.Queue != tc.queue || len(d.Related) != 0 {
			t.Errorf("%s: got %s/%s related %v, want %s/%s", tc.in.Intent, d.Queue, d.Priority, d.Related, tc.queue, tc.priority)
		}
	}
	if got := r.SLA(tickets.Normal); got != 24*time.Hour {
		t.Errorf("normal SLA %s, want 24h", got)
	}
}

func BenchmarkRoute(b *testing.B) {
	r := Default()
	in := Input{Intent: "withdrawal_failed", Channel: tickets.Telegram, Amount: "12,500.00", Currency: "USD",
		Text: "我昨日提款到而家都未到,係咪俾人呃錢?", Now: now, History: []tickets.Ticket{
			ticket("T-000001", "withdrawal_failed", time.Hour), ticket("T-000002", "login_failed", 2*time.Hour)}}
	for b.Loop() {
		r.Route(in)
	}
}

func BenchmarkParseDefaults(b *testing.B) {
	data := DefaultRulesJSON()
	for b.Loop() {
		if _, err := Parse("default_rules.json", data); err != nil {
			b.Fatal(err)
		}
	}
}

package bot

import (
	"encoding/json"
	"fmt"

	"github.com/triagebot/triagebot/intents"
	"github.com/triagebot/triagebot/tickets"
)

// stateVersion is the schema of the dialogue state kept in
// tickets.Conversation.State. A newer version than this is refused rather
// than misread (an older binary after a rollback must not corrupt it).
const stateVersion = 1

// phase is where a dialogue stands; it is stored, so the values are part
// of the state's schema.
type phase string

// Phases of a dialogue.
const (
	phaseStart     phase = "start"     // nothing understood yet
	phaseClarify   phase = "clarify"   // offered likely problems as quick replies
	phaseGather    phase = "gather"    // asking for the intent's required details
	phaseSelfHelp  phase = "selfhelp"  // self-help shown, waiting for fixed / still / person
	phaseConfirm   phase = "confirm"   // asked whether a risky problem is really what happened
	phaseEscalated phase = "escalated" // a ticket exists; people take over
	phaseClosed    phase = "closed"    // the user said it was fixed
)

// enter moves the dialogue to phase p: the one place a phase is set.
// Leaving a phase forgets what only it needed (the choices offered, the
// risky problem asked about).
func (st *state) enter(p phase) {
	if p != phaseClarify {
		st.Candidates = nil
	}
	if p != phaseConfirm {
		st.Confirm, st.Resume = "", ""
	}
	st.Phase = p
}

// maxTranscript bounds the transcript kept in the state: a user who chats
// for ever without a ticket must not grow the record without limit. Entries
// before the current dialogue are dropped first.
const maxTranscript = 400

// state is the dialogue of one conversation. Everything the next turn needs
// is here, so a restart resumes exactly where the user was.
type state struct {
	V      int            `json:"v"`
	Phase  phase          `json:"phase"`
	Intent intents.Intent `json:"intent,omitempty"`
	// Candidates are the intents offered while clarifying.
	Candidates []intents.Intent `json:"candidates,omitempty"`
	// Guess is the likeliest problem when the bot offered choices, kept
	// for a ticket the user asks a person for before choosing.
	Guess intents.Intent `json:"guess,omitempty"`
	// Misses counts the rungs of the fallback ladder climbed since the
	// problem was last understood: 1 choices offered, 2 a person offered,
	// 3 a ticket.
	Misses int `json:"misses,omitempty"`
	// Confirm is the risky problem asked about in phaseConfirm; Resume is
	// the phase to go back to when the answer is no.
	Confirm intents.Intent `json:"confirm,omitempty"`
	Resume  phase          `json:"resume,omitempty"`
	// LastSaid is the bot's whole answer to the previous user turn: the next
	// answer before a ticket must differ from it (a repeat traps the user).
	LastSaid string `json:"last_said,omitempty"`

	Details    tickets.Details `json:"details"`
	API        string          `json:"api,omitempty"`         // merchant: the API or callback
	OTPChannel string          `json:"otp_channel,omitempty"` // "sms" or "email"
	// Attachments received in this dialogue (already stored).
	Attachments []tickets.Attachment `json:"attachments,omitempty"`

	// Pending is the detail the last question asked for.
	Pending Detail `json:"pending,omitempty"`
	// Asked counts the questions per detail: 1 plain, 2 re-asked with an example.
	Asked map[Detail]int `json:"asked,omitempty"`
	// Skipped are details the user does not know or could not give.
	Skipped []Detail `json:"skipped,omitempty"`

	// Gathering is set on an escalated risky dialogue still asking for details.
	Gathering bool `json:"gathering,omitempty"`
	// Acked is set once the user was told their later words reach the agent.
	Acked bool `json:"acked,omitempty"`

	// Rating is the resolved ticket whose satisfaction question is open, and
	// RatingStep which part: the score, then an optional comment (csat.go).
	Rating     string `json:"rating,omitempty"`
	RatingStep string `json:"rating_step,omitempty"`
	// Counted is set once this dialogue was counted as a problem dialogue
	// for the containment figures (outcomes.go).
	Counted bool `json:"counted,omitempty"`

	// Transcript is the masked record of the dialogue before its ticket
	// exists; From marks where the current dialogue began.
	Transcript []tickets.Entry `json:"transcript,omitempty"`
	From       int             `json:"from,omitempty"`
}

func newState() *state { return &state{V: stateVersion, Phase: phaseStart} }

// decodeState reads a conversation's state; an empty one is a new dialogue.
func decodeState(raw json.RawMessage) (*state, error) {
	st := newState()
	if len(raw) == 0 {
		return st, nil
	}
	if err := json.Unmarshal(raw, st); err != nil {
		return nil, fmt.Errorf("dialogue state: %w", err)
	}
	if st.V > stateVersion {
		return nil, fmt.Errorf("dialogue state version %d, newest known %d: %w", st.V, stateVersion, tickets.ErrSchema)
	}
	st.V = stateVersion
	return st, nil
}

func (st *state) encode() (json.RawMessage, error) {
	b, err := json.Marshal(st)
	if err != nil {
		return nil, fmt.Errorf("dialogue state: %w", err)
	}
	return b, nil
}

// reset starts a new dialogue in the same conversation. The transcript of
// the finished one is kept (it may not be in any ticket) up to the bound.
func (st *state) reset() {
	tr := st.Transcript
	*st = *newState()
	st.Transcript = tr
	st.From = len(tr)
}

func (st *state) record(e tickets.Entry) {
	st.Transcript = append(st.Transcript, e)
	if over := len(st.Transcript) - maxTranscript; over > 0 {
		drop := min(over, st.From)
		if drop == 0 { // the current dialogue alone is too long: drop its oldest
			drop = over
		}
		st.Transcript = append(st.Transcript[:0:0], st.Transcript[drop:]...)
		st.From = max(0, st.From-drop)
	}
}

// dialogueTranscript is the current dialogue's part of the transcript.
func (st *state) dialogueTranscript() []tickets.Entry {
	return append([]tickets.Entry(nil), st.Transcript[min(st.From, len(st.Transcript)):]...)
}

func (st *state) skipped(d Detail) bool {
	for _, x := range st.Skipped {
		if x == d {
			return true
		}
	}
	return false
}

// has reports whether the dialogue holds d.
func (st *state) has(d Detail) bool {
	switch d {
	case DetailTime:
		return st.Details.Time != ""
	case DetailAmount:
		return st.Details.Amount != ""
	case DetailCurrency:
		return st.Details.Currency != ""
	case DetailTxn:
		return st.Details.TransactionID != ""
	case DetailScreenshot:
		return len(st.Attachments) > 0
	case DetailError:
		return st.Details.ErrorMessage != "" || len(st.Attachments) > 0
	case DetailAPI:
		return st.API != ""
	case DetailOTPChannel:
		return st.OTPChannel != ""
	}
	return false
}

// missing is the next detail to ask for: required, not held, not skipped.
// An amount given without a currency ("$500", "500元") is followed by one
// question for the currency: it decides the routing threshold, and agents
// should not have to guess.
func (st *state) missing() (Detail, bool) {
	for _, d := range Required[st.Intent] {
		if !st.has(d) && !st.skipped(d) {
			return d, true
		}
		if d == DetailAmount && st.has(d) && !st.has(DetailCurrency) && !st.skipped(DetailCurrency) {
			return DetailCurrency, true
		}
	}
	return "", false
}

package bot

import "github.com/triagebot/triagebot/tickets"

// countOutcomes records how this turn moved the dialogue, for the
// containment figures of reports: a dialogue is counted once as a problem
// dialogue when it first knows its problem (or becomes a ticket without
// one), then once more if it ends fixed without a ticket or as a ticket.
// It runs in the turn's transaction, so a turn run twice counts once.
func (t *turn) countOutcomes() error {
	st := t.st
	if !st.Counted && (st.Intent != "" || t.created) {
		st.Counted = true
		if err := t.tx.CountOutcome(t.now, tickets.OutcomeProblem); err != nil {
			return err
		}
	}
	switch {
	case t.created:
		return t.tx.CountOutcome(t.now, tickets.OutcomeEscalated)
	case st.Phase == phaseClosed && t.phaseBefore != phaseClosed:
		return t.tx.CountOutcome(t.now, tickets.OutcomeSelfHelp)
	}
	return nil
}

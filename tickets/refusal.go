package tickets

import "fmt"

// Refusal is the domain saying no to a request, in words for the person
// who made it. Kind is ErrConflict, ErrInvalid or ErrNotFound, so callers
// still branch with errors.Is; Reason is one sentence ("T-000001 is held by
// alice.") that an API or a CLI may show as it is. Anything that is not a
// Refusal is a failure of the service, whose text is for the log only.
type Refusal struct {
	Kind   error
	Reason string
}

// Refuse returns a *Refusal of kind whose reason is the formatted sentence.
func Refuse(kind error, format string, args ...any) error {
	return &Refusal{Kind: kind, Reason: fmt.Sprintf(format, args...)}
}

// Error is the reason alone: it already names what was refused, and the
// layers above add their own context.
func (r *Refusal) Error() string { return r.Reason }

// Unwrap lets errors.Is(err, ErrConflict) and the like see the kind.
func (r *Refusal) Unwrap() error { return r.Kind }

// NeverSent refuses the acknowledgement of a message id the conversation
// never issued: trimming the outbox on it could drop messages the user
// never saw.
func NeverSent(id string) error {
	return Refuse(ErrInvalid, "The acknowledged message %.40q was never sent in this conversation.", id)
}

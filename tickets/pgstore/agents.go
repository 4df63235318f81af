package pgstore

import (
	"crypto/subtle"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/internal/record"
)

// CreateAgent stores a new agent; only the hash of its token is kept.
func (x *tx) CreateAgent(a *tickets.Agent) error {
	if err := a.ValidateNew(); err != nil {
		return err
	}
	if !x.write {
		return errReadOnly
	}
	created := a.CreatedAt
	if a.CreatedAt.IsZero() {
		a.CreatedAt = x.now()
	}
	rec := record.FromAgent(a)
	doc, err := record.Encode(&rec)
	if err != nil {
		return fmt.Errorf("create agent %q: %w", a.Name, err)
	}
	// ON CONFLICT DO NOTHING: a taken name or token is an answer, not an
	// error that would abort the transaction.
	tag, err := x.exec(`INSERT INTO agents (name, token_hash, doc) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
		a.Name, a.TokenHash, doc)
	if err != nil {
		return fmt.Errorf("create agent %q: %w", a.Name, err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	a.CreatedAt = created
	var one int
	taken, err := x.row(`SELECT 1 FROM agents WHERE name = $1`, []any{a.Name}, &one)
	switch {
	case err != nil:
		return fmt.Errorf("create agent %q: %w", a.Name, err)
	case taken:
		return fmt.Errorf("create agent %q: name taken: %w", a.Name, tickets.ErrConflict)
	}
	return fmt.Errorf("create agent %q: token already issued: %w", a.Name, tickets.ErrConflict)
}

func (x *tx) agentWhere(op, what, cond string, arg any) (record.Agent, error) {
	var doc, hash []byte
	found, err := x.row(`SELECT doc, token_hash FROM agents WHERE `+cond, []any{arg}, &doc, &hash)
	if err != nil {
		return record.Agent{}, fmt.Errorf("%s %s: %w", op, what, err)
	}
	if !found {
		return record.Agent{}, fmt.Errorf("%s %s: %w", op, what, tickets.ErrNotFound)
	}
	var rec record.Agent
	if err := record.Decode(doc, &rec); err != nil {
		return record.Agent{}, fmt.Errorf("%s %s: %w", op, what, err)
	}
	rec.TokenHash = hash
	return rec, nil
}

// AgentByTokenHash finds the agent whose token hashes to h.
func (x *tx) AgentByTokenHash(h []byte) (tickets.Agent, error) {
	if len(h) != tokenSize {
		return tickets.Agent{}, fmt.Errorf("agent by token: %w", tickets.ErrNotFound)
	}
	rec, err := x.agentWhere("agent", "by token", "token_hash = $1", h)
	if err != nil {
		return tickets.Agent{}, err
	}
	// The index matched already; the constant-time compare keeps the
	// check honest should the lookup ever be made looser.
	if subtle.ConstantTimeCompare(rec.TokenHash, h) != 1 {
		return tickets.Agent{}, fmt.Errorf("agent by token: %w", tickets.ErrNotFound)
	}
	return rec.Agent(), nil
}

// Agents lists every agent in name order.
func (x *tx) Agents() ([]tickets.Agent, error) {
	out, err := rows(x, `SELECT doc, token_hash FROM agents ORDER BY name`, nil, func(r pgx.Rows) (tickets.Agent, error) {
		var doc, hash []byte
		if err := r.Scan(&doc, &hash); err != nil {
			return tickets.Agent{}, err
		}
		var rec record.Agent
		if err := record.Decode(doc, &rec); err != nil {
			return tickets.Agent{}, err
		}
		rec.TokenHash = hash
		return rec.Agent(), nil
	})
	if err != nil {
		return nil, fmt.Errorf("list agents: %w", err)
	}
	return out, nil
}

// Agent returns the agent called name.
func (x *tx) Agent(name string) (tickets.Agent, error) {
	rec, err := x.agentWhere("agent", fmt.Sprintf("%q", name), "name = $1", name)
	if err != nil {
		return tickets.Agent{}, err
	}
	return rec.Agent(), nil
}

// DeleteAgent removes the agent and its token. Tickets it holds are left
// as they are (the caller releases them first).
func (x *tx) DeleteAgent(name string) error {
	tag, err := x.exec(`DELETE FROM agents WHERE name = $1`, name)
	if err != nil {
		return fmt.Errorf("delete agent %q: %w", name, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("delete agent %q: %w", name, tickets.ErrNotFound)
	}
	x.markChanged()
	return nil
}

// SetAgentToken replaces the agent's token hash: the old token stops
// working with the commit.
func (x *tx) SetAgentToken(name string, hash []byte) error {
	if len(hash) != tokenSize {
		return fmt.Errorf("set token of %q: hash is %d bytes, want %d: %w", name, len(hash), tokenSize, tickets.ErrInvalid)
	}
	if !x.write {
		return errReadOnly
	}
	rec, err := x.agentWhere("set token of", fmt.Sprintf("%q", name), "name = $1 FOR UPDATE", name)
	if err != nil {
		return err
	}
	var one int
	taken, err := x.row(`SELECT 1 FROM agents WHERE token_hash = $1`, []any{hash}, &one)
	if err != nil {
		return fmt.Errorf("set token of %q: %w", name, err)
	}
	if taken {
		return fmt.Errorf("set token of %q: token already issued: %w", name, tickets.ErrConflict)
	}
	rec.TokenHash = hash
	doc, err := record.Encode(&rec)
	if err != nil {
		return fmt.Errorf("set token of %q: %w", name, err)
	}
	if _, err := x.exec(`UPDATE agents SET token_hash = $2, doc = $3 WHERE name = $1`, name, hash, doc); err != nil {
		return fmt.Errorf("set token of %q: %w", name, err)
	}
	x.markChanged()
	return nil
}

// Seen records key and reports whether it had been recorded before. The
// primary key decides between replicas: of two transactions inserting the
// same key, the second waits for the first and then finds it.
func (x *tx) Seen(key string) (bool, error) {
	if key == "" {
		return false, fmt.Errorf("seen: empty key: %w", tickets.ErrInvalid)
	}
	tag, err := x.exec(`INSERT INTO seen (key, at_s) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`, key, x.now().Unix())
	if err != nil {
		return false, fmt.Errorf("seen %q: %w", key, err)
	}
	return tag.RowsAffected() == 0, nil
}

// Meta returns a named value, or ErrNotFound if it was never set.
func (x *tx) Meta(key string) ([]byte, error) {
	var v []byte
	found, err := x.row(`SELECT value FROM kv WHERE key = $1`, []any{key}, &v)
	if err != nil {
		return nil, fmt.Errorf("meta %q: %w", key, err)
	}
	if !found {
		return nil, fmt.Errorf("meta %q: %w", key, tickets.ErrNotFound)
	}
	if v == nil {
		v = []byte{}
	}
	return v, nil
}

// SetMeta stores a named value.
func (x *tx) SetMeta(key string, value []byte) error {
	if key == "" {
		return fmt.Errorf("set meta: empty key: %w", tickets.ErrInvalid)
	}
	if value == nil {
		value = []byte{}
	}
	if _, err := x.exec(`INSERT INTO kv (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
		key, value); err != nil {
		return fmt.Errorf("set meta %q: %w", key, err)
	}
	return nil
}

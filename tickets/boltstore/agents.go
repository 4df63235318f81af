package boltstore

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"

	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/internal/record"
)

// CreateAgent stores a new agent, indexed by its token hash.
func (x *tx) CreateAgent(a *tickets.Agent) error {
	if err := a.ValidateNew(); err != nil {
		return err
	}
	agents, byToken := x.tx.Bucket(bucketAgents), x.tx.Bucket(bucketAgentTokens)
	if agents.Get([]byte(a.Name)) != nil {
		return tickets.Refuse(tickets.ErrConflict, "An agent called %q exists already.", a.Name)
	}
	if byToken.Get(a.TokenHash) != nil {
		return fmt.Errorf("create agent %q: token already issued: %w", a.Name, tickets.ErrConflict)
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = x.now()
	}
	rec := record.FromAgent(a)
	v, err := record.Encode(&rec)
	if err != nil {
		return fmt.Errorf("create agent %q: %w", a.Name, err)
	}
	if err := agents.Put([]byte(a.Name), v); err != nil {
		return fmt.Errorf("create agent %q: %w", a.Name, err)
	}
	if err := byToken.Put(bytes.Clone(a.TokenHash), []byte(a.Name)); err != nil {
		return fmt.Errorf("create agent %q: %w", a.Name, err)
	}
	return nil
}

// AgentByTokenHash finds the agent whose token hashes to h.
func (x *tx) AgentByTokenHash(h []byte) (tickets.Agent, error) {
	if len(h) != sha256.Size {
		return tickets.Agent{}, fmt.Errorf("agent by token: %w", tickets.ErrNotFound)
	}
	name := x.tx.Bucket(bucketAgentTokens).Get(h)
	if name == nil {
		return tickets.Agent{}, fmt.Errorf("agent by token: %w", tickets.ErrNotFound)
	}
	v := x.tx.Bucket(bucketAgents).Get(name)
	if v == nil {
		return tickets.Agent{}, fmt.Errorf("agent by token: agent %q: %w", name, tickets.ErrNotFound)
	}
	var rec record.Agent
	if err := record.Decode(v, &rec); err != nil {
		return tickets.Agent{}, fmt.Errorf("agent by token: %w", err)
	}
	// The lookup already matched the key; the constant-time compare guards
	// against an index entry that points at an agent whose token changed.
	if subtle.ConstantTimeCompare(rec.TokenHash, h) != 1 {
		return tickets.Agent{}, fmt.Errorf("agent by token: %w", tickets.ErrNotFound)
	}
	return rec.Agent(), nil
}

// Agents lists every agent in name order (the bucket's key order).
func (x *tx) Agents() ([]tickets.Agent, error) {
	var out []tickets.Agent
	err := x.tx.Bucket(bucketAgents).ForEach(func(k, v []byte) error {
		var rec record.Agent
		if err := record.Decode(v, &rec); err != nil {
			return fmt.Errorf("agent %q: %w", k, err)
		}
		out = append(out, rec.Agent())
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list agents: %w", err)
	}
	return out, nil
}

// agentRecordByName reads one agent's record, or a Refusal of kind
// ErrNotFound: an admin naming an agent that is not there reads it.
func (x *tx) agentRecordByName(op, name string) (record.Agent, error) {
	var rec record.Agent
	v := x.tx.Bucket(bucketAgents).Get([]byte(name))
	if v == nil {
		return rec, tickets.Refuse(tickets.ErrNotFound, "There is no agent %q.", name)
	}
	if err := record.Decode(v, &rec); err != nil {
		return rec, fmt.Errorf("%s %q: %w", op, name, err)
	}
	return rec, nil
}

// DeleteAgent removes the agent and its token index entry. Tickets it
// holds are left as they are: the caller releases them first (agents
// remove does, through the engine, so their users are told).
func (x *tx) DeleteAgent(name string) error {
	rec, err := x.agentRecordByName("delete agent", name)
	if err != nil {
		return err
	}
	if err := x.tx.Bucket(bucketAgentTokens).Delete(rec.TokenHash); err != nil {
		return fmt.Errorf("delete agent %q: %w", name, err)
	}
	if err := x.tx.Bucket(bucketAgents).Delete([]byte(name)); err != nil {
		return fmt.Errorf("delete agent %q: %w", name, err)
	}
	x.markChanged()
	return nil
}

// SetAgentToken swaps the agent's token hash and its index entry in one
// transaction, so exactly one of the two tokens works at any moment.
func (x *tx) SetAgentToken(name string, hash []byte) error {
	if len(hash) != sha256.Size {
		return fmt.Errorf("set token of %q: hash is %d bytes, want %d: %w", name, len(hash), sha256.Size, tickets.ErrInvalid)
	}
	rec, err := x.agentRecordByName("set token of", name)
	if err != nil {
		return err
	}
	byToken := x.tx.Bucket(bucketAgentTokens)
	if byToken.Get(hash) != nil {
		return fmt.Errorf("set token of %q: token already issued: %w", name, tickets.ErrConflict)
	}
	if err := byToken.Delete(rec.TokenHash); err != nil {
		return fmt.Errorf("set token of %q: %w", name, err)
	}
	rec.TokenHash = bytes.Clone(hash)
	v, err := record.Encode(&rec)
	if err != nil {
		return fmt.Errorf("set token of %q: %w", name, err)
	}
	if err := x.tx.Bucket(bucketAgents).Put([]byte(name), v); err != nil {
		return fmt.Errorf("set token of %q: %w", name, err)
	}
	if err := byToken.Put(rec.TokenHash, []byte(name)); err != nil {
		return fmt.Errorf("set token of %q: %w", name, err)
	}
	x.markChanged()
	return nil
}

// Seen records key and reports whether it had been recorded before.
func (x *tx) Seen(key string) (bool, error) {
	if key == "" {
		return false, fmt.Errorf("seen: empty key: %w", tickets.ErrInvalid)
	}
	b := x.tx.Bucket(bucketSeen)
	if b.Get([]byte(key)) != nil {
		return true, nil
	}
	at := uint64(x.now().Unix())
	if err := b.Put([]byte(key), be64(at)); err != nil {
		return false, fmt.Errorf("seen %q: %w", key, err)
	}
	if err := x.tx.Bucket(bucketIdxSeen).Put(seenKey(at, key), nil); err != nil {
		return false, fmt.Errorf("seen %q: %w", key, err)
	}
	return false, nil
}

// Meta returns a copy of a named value, or ErrNotFound if it was never set.
func (x *tx) Meta(key string) ([]byte, error) {
	var v []byte
	if key != "" {
		v = x.tx.Bucket(bucketKV).Get([]byte(key))
	}
	if v == nil {
		return nil, fmt.Errorf("meta %q: %w", key, tickets.ErrNotFound)
	}
	return bytes.Clone(v), nil
}

// SetMeta stores a named value.
func (x *tx) SetMeta(key string, value []byte) error {
	if key == "" {
		return fmt.Errorf("set meta: empty key: %w", tickets.ErrInvalid)
	}
	if err := x.tx.Bucket(bucketKV).Put([]byte(key), bytes.Clone(value)); err != nil {
		return fmt.Errorf("set meta %q: %w", key, err)
	}
	return nil
}

// Agent returns the agent called name.
func (x *tx) Agent(name string) (tickets.Agent, error) {
	rec, err := x.agentRecordByName("agent", name)
	if err != nil {
		return tickets.Agent{}, err
	}
	return rec.Agent(), nil
}

// markChanged makes the commit wake the agents' streams: a removed or
// rotated agent's open streams end at once.
func (x *tx) markChanged() {
	if x.changed != nil {
		*x.changed = true
	}
}

package web

import (
	"context"
	"fmt"
	"io"

	"github.com/triagebot/triagebot/tickets"
)

// missingStore stands in for a nil Config.Store: every call fails with a
// clear error, /healthz answers 503, and nothing panics.
type missingStore struct{}

func (missingStore) Update(context.Context, func(tickets.Tx) error) error {
	return fmt.Errorf("store: %w", errNotConfigured)
}

func (missingStore) View(context.Context, func(tickets.Tx) error) error {
	return fmt.Errorf("store: %w", errNotConfigured)
}

func (missingStore) Backup(context.Context, io.Writer) (int64, error) {
	return 0, fmt.Errorf("store: %w", errNotConfigured)
}

func (missingStore) Health() error { return fmt.Errorf("store: %w", errNotConfigured) }

func (missingStore) Close() error { return nil }

// The channels' records: web never asks for them, but a Store has them.
func (missingStore) Cursor(context.Context, tickets.Channel) (int64, error) {
	return 0, fmt.Errorf("store: %w", errNotConfigured)
}
func (missingStore) SetCursor(context.Context, tickets.Channel, int64) error {
	return fmt.Errorf("store: %w", errNotConfigured)
}
func (missingStore) PutChoices(context.Context, string, uint64, []string) error {
	return fmt.Errorf("store: %w", errNotConfigured)
}
func (missingStore) Choices(context.Context, string, uint64) ([]string, error) {
	return nil, fmt.Errorf("store: %w", errNotConfigured)
}
func (missingStore) Notices(context.Context, int) ([]tickets.Notice, error) {
	return nil, fmt.Errorf("store: %w", errNotConfigured)
}
func (missingStore) DeleteNotice(context.Context, string) error {
	return fmt.Errorf("store: %w", errNotConfigured)
}

// missingEngine stands in for a nil Config.Engine.
type missingEngine struct{}

func (missingEngine) Claim(context.Context, string, string) (tickets.Ticket, error) {
	return tickets.Ticket{}, fmt.Errorf("engine: %w", errNotConfigured)
}

func (missingEngine) Release(context.Context, string, string) (tickets.Ticket, error) {
	return tickets.Ticket{}, fmt.Errorf("engine: %w", errNotConfigured)
}

func (missingEngine) Reply(context.Context, string, string, string) (tickets.Ticket, error) {
	return tickets.Ticket{}, fmt.Errorf("engine: %w", errNotConfigured)
}

func (missingEngine) Resolve(context.Context, string, string, string) (tickets.Ticket, error) {
	return tickets.Ticket{}, fmt.Errorf("engine: %w", errNotConfigured)
}

// Changed never fires: nothing changes in a store that is not there.
func (missingStore) Changed() <-chan struct{} { return nil }

func (missingEngine) Note(context.Context, string, string, string) (tickets.Ticket, error) {
	return tickets.Ticket{}, fmt.Errorf("engine: %w", errNotConfigured)
}

func (missingEngine) Transfer(context.Context, string, string, tickets.Target) (tickets.Ticket, error) {
	return tickets.Ticket{}, fmt.Errorf("engine: %w", errNotConfigured)
}

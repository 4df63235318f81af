package main

import (
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/triagebot/triagebot/bot"
	"github.com/triagebot/triagebot/tickets"
)

// Storage limits and retention: how much a user may store, and how long
// what is stored is kept (docs/security.md, "What is stored, and for how
// long"). Kept apart from config.go's other flags.
type storageConfig struct {
	Quota bot.Quota
	// Retention of conversations without a ticket, resolved tickets' files
	// and transcripts, and channel dedup keys; 0 keeps for ever.
	Retention tickets.Retention
	// SweepEvery is how often the retention sweeper runs.
	SweepEvery time.Duration

	convMB, ticketMB int
	envErrs          []error // environment values that did not parse
}

// storageFlags registers the storage flags of serve.
func storageFlags(fs *flag.FlagSet, c *storageConfig, getenv func(string) string) {
	fs.IntVar(&c.Quota.ConversationFiles, "attach-conv-files", bot.DefaultConversationFiles, "files a conversation may store before it has a ticket")
	fs.IntVar(&c.convMB, "attach-conv-mb", bot.DefaultConversationBytes>>20, "MiB of files a conversation may store before it has a ticket")
	fs.IntVar(&c.Quota.TicketFiles, "attach-ticket-files", bot.DefaultTicketFiles, "files one ticket may hold")
	fs.IntVar(&c.ticketMB, "attach-ticket-mb", bot.DefaultTicketBytes>>20, "MiB of files one ticket may hold")
	c.Retention = tickets.Retention{
		Conversations: tickets.DefaultConversationRetention,
		Seen:          tickets.DefaultSeenRetention,
	}
	days := func(d *time.Duration, name, env, usage string) {
		v := &dayDuration{d: d}
		if e := getenv(env); e != "" {
			if err := v.Set(e); err != nil {
				c.envErrs = append(c.envErrs, fmt.Errorf("%s: %w", env, err))
			}
		}
		fs.Var(v, name, usage+" (env "+env+")")
	}
	days(&c.Retention.Conversations, "conversation-expiry", "TRIAGEBOT_CONVERSATION_EXPIRY",
		"delete a conversation that never led to a ticket this long after its last message, e.g. 7d or 36h; 0 keeps them")
	days(&c.Retention.Resolved, "resolved-retention", "TRIAGEBOT_RESOLVED_RETENTION",
		"drop a resolved ticket's attachments and transcript this long after it was resolved, e.g. 365d; 0 (the default) keeps them")
	days(&c.Retention.Seen, "seen-retention", "TRIAGEBOT_SEEN_RETENTION",
		"forget Telegram update ids (duplicate detection) this long after they arrived; at least 24h, or 0 to keep them")
	fs.DurationVar(&c.SweepEvery, "sweep-every", tickets.DefaultSweepEvery, "how often the retention sweeper runs")
}

// dayDuration is a time.Duration flag that also accepts "Nd" for N days.
type dayDuration struct{ d *time.Duration }

func (v *dayDuration) String() string {
	if v == nil || v.d == nil {
		return ""
	}
	if *v.d > 0 && *v.d%(24*time.Hour) == 0 {
		return strconv.FormatInt(int64(*v.d/(24*time.Hour)), 10) + "d"
	}
	return v.d.String()
}

func (v *dayDuration) Set(s string) error {
	s = strings.TrimSpace(s)
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days < 0 {
			return fmt.Errorf("%q is not a number of days", s)
		}
		*v.d = time.Duration(days) * 24 * time.Hour
		return nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("%q is not a duration like 7d or 36h", s)
	}
	*v.d = d
	return nil
}

// finish fills the byte quotas from the MiB flags.
func (c *storageConfig) finish() {
	c.Quota.ConversationBytes = int64(c.convMB) << 20
	c.Quota.TicketBytes = int64(c.ticketMB) << 20
}

// validate reports every storage setting that cannot work, each naming its flag.
func (c *storageConfig) validate() []error {
	errs := append([]error(nil), c.envErrs...)
	for _, q := range []struct {
		flag string
		n    int
	}{
		{"-attach-conv-files", c.Quota.ConversationFiles}, {"-attach-conv-mb", c.convMB},
		{"-attach-ticket-files", c.Quota.TicketFiles}, {"-attach-ticket-mb", c.ticketMB},
	} {
		if q.n < 1 {
			errs = append(errs, fmt.Errorf("%s: must be at least 1", q.flag))
		}
	}
	if c.Quota.TicketFiles < c.Quota.ConversationFiles || c.ticketMB < c.convMB {
		// A ticket takes over its dialogue's files: with a smaller quota
		// it could start over its own limit.
		errs = append(errs, errors.New("-attach-ticket-files/-attach-ticket-mb: must be at least the conversation's quota"))
	}
	for _, r := range []struct {
		flag string
		d    time.Duration
	}{
		{"-conversation-expiry", c.Retention.Conversations}, {"-resolved-retention", c.Retention.Resolved},
		{"-seen-retention", c.Retention.Seen},
	} {
		if r.d < 0 {
			errs = append(errs, fmt.Errorf("%s: must not be negative", r.flag))
		}
	}
	if s := c.Retention.Seen; s > 0 && s < 24*time.Hour {
		errs = append(errs, errors.New("-seen-retention: Telegram redelivers updates for up to 24h; use at least 24h, or 0"))
	}
	if c.SweepEvery < time.Second {
		errs = append(errs, errors.New("-sweep-every: must be at least 1s"))
	}
	return errs
}

package main

import (
	"strings"
	"testing"
	"time"

	"github.com/triagebot/triagebot/bot"
	"github.com/triagebot/triagebot/tickets"
)

func TestStorageFlags(t *testing.T) {
	day := 24 * time.Hour
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want storageConfig
	}{
		{"defaults", nil, nil, storageConfig{
			Quota:      bot.Quota{ConversationFiles: 5, ConversationBytes: 15 << 20, TicketFiles: 20, TicketBytes: 50 << 20},
			Retention:  tickets.Retention{Conversations: 7 * day, Seen: 7 * day},
			SweepEvery: 10 * time.Minute}},
		{"env", nil, map[string]string{"TRIAGEBOT_CONVERSATION_EXPIRY": "2d", "TRIAGEBOT_RESOLVED_RETENTION": "365d", "TRIAGEBOT_SEEN_RETENTION": "36h"},
			storageConfig{
				Quota:      bot.Quota{ConversationFiles: 5, ConversationBytes: 15 << 20, TicketFiles: 20, TicketBytes: 50 << 20},
				Retention:  tickets.Retention{Conversations: 2 * day, Resolved: 365 * day, Seen: 36 * time.Hour},
				SweepEvery: 10 * time.Minute}},
		{"flags over env", []string{"-conversation-expiry", "0", "-attach-conv-files", "3", "-attach-conv-mb", "6",
			"-attach-ticket-files", "30", "-attach-ticket-mb", "100", "-sweep-every", "1m"},
			map[string]string{"TRIAGEBOT_CONVERSATION_EXPIRY": "2d"},
			storageConfig{
				Quota:      bot.Quota{ConversationFiles: 3, ConversationBytes: 6 << 20, TicketFiles: 30, TicketBytes: 100 << 20},
				Retention:  tickets.Retention{Seen: 7 * day},
				SweepEvery: time.Minute}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseServe(tt.args, quiet(fakeEnv(tt.env)))
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Validate(); err != nil {
				t.Fatal(err)
			}
			got := c.Storage
			if got.Quota != tt.want.Quota || got.Retention != tt.want.Retention || got.SweepEvery != tt.want.SweepEvery {
				t.Errorf("got %+v %+v every %v\nwant %+v %+v every %v",
					got.Quota, got.Retention, got.SweepEvery, tt.want.Quota, tt.want.Retention, tt.want.SweepEvery)
			}
		})
	}
}

func TestStorageFlagsRefused(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"zero files", []string{"-attach-conv-files", "0"}, nil, "-attach-conv-files: must be at least 1"},
		{"ticket below conversation", []string{"-attach-ticket-files", "2"}, nil, "-attach-ticket-files"},
		{"negative expiry", []string{"-conversation-expiry", "-1h"}, nil, "-conversation-expiry: must not be negative"},
		{"seen below a day", []string{"-seen-retention", "1h"}, nil, "-seen-retention"},
		{"bad env", nil, map[string]string{"TRIAGEBOT_RESOLVED_RETENTION": "a year"}, "TRIAGEBOT_RESOLVED_RETENTION"},
		{"sweep too often", []string{"-sweep-every", "1ms"}, nil, "-sweep-every"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseServe(tt.args, quiet(fakeEnv(tt.env)))
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Validate() = %v, want an error containing %q", err, tt.want)
			}
		})
	}
	if _, err := parseServe([]string{"-resolved-retention", "soon"}, quiet(fakeEnv(nil))); err == nil {
		t.Error("a bad duration flag parsed")
	}
}

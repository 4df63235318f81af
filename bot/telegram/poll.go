package telegram

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/triagebot/triagebot/internal/crashpoint"
	"github.com/triagebot/triagebot/tickets"
)

const (
	// updateAttempts is how many polls an update that failed (the store was
	// busy, a download broke) is tried in before it is skipped, so one
	// poisonous update cannot stall the chat forever.
	updateAttempts = 3
	pollLimit      = 100
)

// allowedUpdates are the update kinds the channel asks for.
var allowedUpdates = []string{"message", "callback_query", "my_chat_member"}

// pollLoop is the getUpdates long-poll loop. Each batch is handled (chats in
// parallel, each chat in order) before the offset past it is stored, so a
// crash re-fetches unhandled updates and the engine's dedup key drops the
// ones already handled.
func (c *Channel) pollLoop(ctx context.Context) {
	offset, err := c.loadOffset(ctx)
	if err != nil {
		c.log.Warn("reading the poll offset; starting from Telegram's", "err", err)
	}
	tries := map[int]int{}
	fails := 0
	for ctx.Err() == nil {
		ups, err := c.api.GetUpdates(tgbotapi.UpdateConfig{Offset: offset, Limit: pollLimit,
			Timeout: max(1, int(c.cfg.PollTimeout/time.Second)), AllowedUpdates: allowedUpdates})
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			fails++
			d := backoff(fails)
			c.log.Warn("getUpdates failed; backing off", "wait", d, "err", err)
			var te *tgbotapi.Error
			if errors.As(err, &te) && te.Code == 409 && strings.Contains(strings.ToLower(te.Message), "webhook") {
				c.deleteWebhook()
			}
			c.sleep(ctx, d)
			continue
		}
		fails = 0
		if next := c.handleBatch(ctx, ups, tries); next > offset {
			crashpoint.At("telegram.update-handled")
			offset = next
			// Stored even while shutting down: what was handled is done.
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
			err := c.saveOffset(sctx, offset)
			cancel()
			if err != nil {
				// Not fatal: the worst case is a re-fetch, which dedup absorbs.
				c.log.Warn("storing the poll offset", "err", err)
			}
		}
	}
}

// deleteWebhook switches a bot left in webhook mode back to getUpdates.
func (c *Channel) deleteWebhook() {
	if _, err := c.api.Request(tgbotapi.DeleteWebhookConfig{}); err != nil {
		c.log.Warn("deleteWebhook failed", "err", err)
		return
	}
	c.log.Info("a webhook was set; deleted it to use long polling")
}

// handleBatch handles ups and returns the next offset: past the batch, or
// at the first update that failed and may still be retried.
func (c *Channel) handleBatch(ctx context.Context, ups []tgbotapi.Update, tries map[int]int) int {
	if len(ups) == 0 {
		return 0
	}
	sort.Slice(ups, func(i, j int) bool { return ups[i].UpdateID < ups[j].UpdateID })
	byChat := map[int64][]tgbotapi.Update{}
	var chats []int64
	for _, u := range ups {
		k := updateChat(u)
		if _, ok := byChat[k]; !ok {
			chats = append(chats, k)
		}
		byChat[k] = append(byChat[k], u)
	}
	var (
		mu     sync.Mutex
		failed []int
		wg     sync.WaitGroup
		sem    = make(chan struct{}, c.cfg.Workers)
	)
	for _, k := range chats {
		wg.Add(1)
		sem <- struct{}{}
		go func(us []tgbotapi.Update) {
			defer func() { <-sem; wg.Done() }()
			for i, u := range us {
				if err := c.handleUpdate(ctx, u); err != nil {
					// Later updates of this chat wait for this one: order matters.
					mu.Lock()
					for _, v := range us[i:] {
						failed = append(failed, v.UpdateID)
					}
					mu.Unlock()
					if ctx.Err() == nil {
						c.log.Warn("handling an update failed", "update", u.UpdateID, "err", err)
					}
					return
				}
			}
		}(byChat[k])
	}
	wg.Wait()
	next := ups[len(ups)-1].UpdateID + 1
	sort.Ints(failed)
	for _, id := range failed {
		if ctx.Err() == nil {
			tries[id]++
			if tries[id] >= updateAttempts {
				c.log.Error("update skipped after repeated failures", "update", id)
				delete(tries, id)
				continue
			}
		}
		next = id
		break
	}
	// Forget the counts of updates now behind the offset.
	for id := range tries {
		if id < next {
			delete(tries, id)
		}
	}
	return next
}

// updateChat is the chat an update belongs to, for ordering.
func updateChat(u tgbotapi.Update) int64 {
	switch {
	case u.Message != nil && u.Message.Chat != nil:
		return u.Message.Chat.ID
	case u.CallbackQuery != nil && u.CallbackQuery.Message != nil && u.CallbackQuery.Message.Chat != nil:
		return u.CallbackQuery.Message.Chat.ID
	case u.MyChatMember != nil:
		return u.MyChatMember.Chat.ID
	}
	return 0
}

func (c *Channel) loadOffset(ctx context.Context) (int, error) {
	off, err := c.cfg.Store.Cursor(ctx, tickets.Telegram)
	if err != nil {
		return 0, fmt.Errorf("telegram: offset: %w", err)
	}
	return int(off), nil
}

func (c *Channel) saveOffset(ctx context.Context, off int) error {
	if err := c.cfg.Store.SetCursor(ctx, tickets.Telegram, int64(off)); err != nil {
		return fmt.Errorf("telegram: offset: %w", err)
	}
	return nil
}

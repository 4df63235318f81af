package telegram

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

const (
	secretHeader   = "X-Telegram-Bot-Api-Secret-Token"
	maxUpdateBytes = 1 << 20 // an update is JSON; files come by getFile
	webhookTimeout = 30 * time.Second
)

// setWebhook registers the webhook, retrying with backoff until Telegram
// accepts it or ctx ends.
func (c *Channel) setWebhook(ctx context.Context) {
	allowed, _ := json.Marshal(allowedUpdates)
	params := tgbotapi.Params{"url": c.cfg.WebhookURL, "secret_token": c.cfg.WebhookSecret,
		"allowed_updates": string(allowed)}
	for fails := 1; ctx.Err() == nil; fails++ {
		_, err := c.api.MakeRequest("setWebhook", params)
		if err == nil {
			c.log.Info("webhook set", "url", c.cfg.WebhookURL)
			return
		}
		if ctx.Err() != nil {
			return
		}
		d := backoff(fails)
		c.log.Warn("setWebhook failed; retrying", "wait", d, "err", err)
		c.sleep(ctx, d)
	}
}

// Handler serves Telegram's webhook POSTs (mount it at the path of
// WebhookURL). It answers 2xx only once the update is handled, so Telegram
// redelivers on failure; redelivery is harmless (the dedup key).
func (c *Channel) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return
		}
		got := r.Header.Get(secretHeader)
		if c.cfg.WebhookSecret == "" || subtle.ConstantTimeCompare([]byte(got), []byte(c.cfg.WebhookSecret)) != 1 {
			http.Error(w, "wrong secret token", http.StatusUnauthorized)
			return
		}
		c.runMu.Lock()
		running := c.running
		c.runMu.Unlock()
		select {
		case <-c.done:
			running = false
		default:
		}
		if !running {
			http.Error(w, "not running", http.StatusServiceUnavailable)
			return
		}
		var u tgbotapi.Update
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxUpdateBytes)).Decode(&u); err != nil {
			http.Error(w, "bad update", http.StatusBadRequest)
			return
		}
		ctx, cancel := context.WithTimeout(c.client.ctx(), webhookTimeout)
		defer cancel()
		if err := c.handleUpdate(ctx, u); err != nil {
			c.log.Warn("webhook update failed; Telegram will redeliver", "update", u.UpdateID, "err", err)
			http.Error(w, "try again", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}

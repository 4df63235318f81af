package telegram

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/triagebot/triagebot/bot"
	"github.com/triagebot/triagebot/tickets"
)

// errFileGone is a file Telegram will not hand out (400 from getFile: too
// big for the Bot API, or expired); retrying cannot help.
var errFileGone = errors.New("telegram: file not available")

// file is a photo size or a document the user sent.
type file struct {
	id, name, mime string
	size           int // as Telegram reported it; 0 when unknown
	document       bool
}

// imageTypes are the document types we take; photos are always images.
var imageTypes = map[string]bool{"image/png": true, "image/jpeg": true, "image/webp": true}

// onFile checks a file by what Telegram says of it before downloading, then
// by its bytes (bot.CheckUpload, as for the web), and hands it to the engine.
// The caption, if any, follows as the user's words.
func (c *Channel) onFile(ctx context.Context, key string, s session, f file, caption string, at time.Time) error {
	switch {
	case f.document && f.mime != "" && !imageTypes[f.mime]:
		return c.refuse(ctx, key, s, fmt.Errorf("document of type %q: %w", f.mime, bot.ErrBadUpload))
	case f.size > tickets.MaxAttachmentSize:
		return c.refuse(ctx, key, s, fmt.Errorf("%d bytes: %w", f.size, bot.ErrTooLarge))
	}
	if _, err := c.open(ctx, s, false); err != nil {
		return err
	}
	data, err := c.download(ctx, f.id)
	switch {
	case errors.Is(err, bot.ErrBadUpload), errors.Is(err, errFileGone):
		return c.refuse(ctx, key, s, err)
	case err != nil:
		return err
	}
	up := &bot.Upload{Filename: f.name, ContentType: f.mime, Data: data}
	if _, err := bot.CheckUpload(*up); err != nil {
		return c.refuse(ctx, key, s, err)
	}
	if err := c.feed(ctx, key, s, "", up, at); err != nil {
		return err
	}
	if caption == "" {
		return nil
	}
	return c.feed(ctx, key+":caption", s, caption, nil, at)
}

// download fetches a file through getFile and the file URL, never reading
// more than the attachment limit.
func (c *Channel) download(ctx context.Context, fileID string) ([]byte, error) {
	f, err := c.api.GetFile(tgbotapi.FileConfig{FileID: fileID})
	if err != nil {
		if kind, _ := classify(ctx, err); kind == failRejected {
			return nil, fmt.Errorf("%w: getFile: %w", errFileGone, err)
		}
		return nil, fmt.Errorf("getFile: %w", err)
	}
	if f.FileSize > tickets.MaxAttachmentSize {
		return nil, fmt.Errorf("%d bytes: %w", f.FileSize, bot.ErrTooLarge)
	}
	if f.FilePath == "" {
		return nil, fmt.Errorf("%w: getFile gave no file_path", errFileGone)
	}
	ctx, cancel := context.WithTimeout(ctx, downloadTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf(c.fileURL, c.cfg.Token, f.FilePath), nil)
	if err != nil {
		return nil, fmt.Errorf("%w: file URL: %w", errFileGone, err)
	}
	resp, err := c.client.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("download: %w", c.client.redact(err))
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode >= 500:
		return nil, fmt.Errorf("download: %s", resp.Status)
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("%w: download: %s", errFileGone, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, tickets.MaxAttachmentSize+1))
	if err != nil {
		return nil, fmt.Errorf("download: %w", err)
	}
	if len(data) > tickets.MaxAttachmentSize {
		return nil, fmt.Errorf("more than %d bytes: %w", tickets.MaxAttachmentSize, bot.ErrTooLarge)
	}
	return data, nil
}

package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// handleBackup streams a consistent copy of the database (Store.Backup) to
// an admin agent. It runs without the API timeout and extends the
// connection's write deadline, because a big file to a slow client takes
// longer than any ordinary call.
func (s *Server) handleBackup(w http.ResponseWriter, r *http.Request) {
	a := agentFrom(r.Context())
	if !a.Admin {
		s.writeError(w, http.StatusForbidden, CodeForbidden, fmt.Sprintf("%s is not an admin.", a.Name))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), backupTimeout)
	defer cancel()
	rc := http.NewResponseController(w)
	if err := rc.SetWriteDeadline(time.Now().Add(backupTimeout)); err != nil && !errors.Is(err, http.ErrNotSupported) {
		s.log.Warn("backup: extend write deadline", "err", err)
	}
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="triagebot-%s.db"`, s.now().UTC().Format("20060102T150405Z")))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	cw := &countingWriter{w: w}
	n, err := s.store.Backup(ctx, cw)
	if err == nil {
		s.log.Info("backup sent", "agent", a.Name, "bytes", n)
		return
	}
	if cw.n == 0 {
		// Nothing went out yet: the client can still get a proper error.
		h.Del("Content-Disposition")
		s.fail(w, r, fmt.Errorf("backup: %w", err))
		return
	}
	// Part of the file is out with a 200 status. Aborting the handler makes
	// the server cut the connection without the final chunk, so the client
	// sees a truncated transfer instead of a short file that looks whole.
	s.log.Error("backup failed mid-stream", "agent", a.Name, "bytes", cw.n, "err", err)
	panic(http.ErrAbortHandler)
}

// countingWriter counts the bytes that went out.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// Command llmfake serves the llmfake endpoint on a local address, for
// running `triagebot classify` (and the scorer) through the LLM path
// without a real model:
//
//	go run ./intents/llm/llmfake/cmd/llmfake -addr 127.0.0.1:8099 &
//	OPENAI_API_KEY=fake OPENAI_BASE_URL=http://127.0.0.1:8099/v1 triagebot classify ...
//
// It answers as the offline classifier reads the masked message, so scores
// through it measure the plumbing and the call rate, not a model.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"time"

	"github.com/triagebot/triagebot/intents/llm/llmfake"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8099", "listen address")
	flag.Parse()
	if err := run(*addr); err != nil {
		fmt.Fprintln(os.Stderr, "llmfake:", err)
		os.Exit(1)
	}
}

func run(addr string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	f := llmfake.New(nil)
	srv := &http.Server{Addr: addr, Handler: f, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	slog.Info("llmfake listening", "addr", addr)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	slog.Info("llmfake stopped", "requests", f.Hits())
	return nil
}

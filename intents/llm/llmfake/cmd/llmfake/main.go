// Command llmfake serves the llmfake endpoint on a local address, for
// running `triagebot classify` (and the scorer) through the LLM path
// without a real model:
//
//	go run ./intents/llm/llmfake/cmd/llmfake -addr 127.0.0.1:8099 &
//	OPENAI_API_KEY=fake OPENAI_BASE_URL=http://127.0.0.1:8099/v1 triagebot classify ...
//
// With -mode offline (the default) it answers as the offline classifier
// reads the masked message, so scores through it measure the plumbing and
// the call rate, not a model. With -mode wrong it answers out_of_scope, sure
// and without details, to every message: the worst a model can do, which
// bounds how much harm the policy lets a model cause.
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
	"syscall"
	"time"

	"github.com/triagebot/triagebot/intents/llm/llmfake"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8099", "listen address")
	mode := flag.String("mode", "offline", "offline: answer as the offline classifier; wrong: always out_of_scope")
	flag.Parse()
	if err := run(*addr, *mode); err != nil {
		fmt.Fprintln(os.Stderr, "llmfake:", err)
		os.Exit(1)
	}
}

func run(addr, mode string) error {
	var script llmfake.Script
	switch mode {
	case "offline":
	case "wrong":
		script = func(llmfake.Request) llmfake.Reply {
			return llmfake.Reply{Content: `{"intent":"out_of_scope","confidence":0.99,"lang":"en","entities":{"time":null,"amount":null,"transaction_id":null}}`}
		}
	default:
		return fmt.Errorf("-mode: %q is not offline or wrong", mode)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	f := llmfake.New(script)
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

// Command triagebot serves the payment-support triage bot and its tools.
//
//	triagebot [serve] [flags]          the product: widget, agent console, API, channels
//	triagebot agents add NAME [-queues q1,q2] [-admin]
//	triagebot classify [-now RFC3339] [-tz ZONE]   JSON lines in, JSON lines out
//	triagebot chat                     talk to the bot in the terminal
//	triagebot backup FILE              a consistent copy of the database
//	triagebot loadtest -addr ... -conns N -rate R -duration D
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
	_ "time/tzdata" // -tz must work on machines without a zoneinfo database
)

// command is one subcommand. It gets its own arguments (after its name).
type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdio stdio) error
}

// stdio is what a command may read and write, so tests can capture it.
type stdio struct {
	in       io.Reader
	out, err io.Writer
	getenv   func(string) string
}

// commands is filled by the init functions of the files that implement them.
var commands = map[string]command{}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], stdio{in: os.Stdin, out: os.Stdout, err: os.Stderr, getenv: os.Getenv})
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "triagebot:", err)
		}
		os.Exit(1)
	}
}

// run dispatches to a subcommand; no subcommand (or only flags) means serve.
func run(ctx context.Context, args []string, sio stdio) error {
	name := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		name, args = args[0], args[1:]
	}
	if name == "help" {
		usage(sio.out)
		return nil
	}
	cmd, ok := commands[name]
	if !ok {
		usage(sio.err)
		return fmt.Errorf("unknown command %q", name)
	}
	return cmd.run(ctx, args, sio)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: triagebot [command] [flags]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'triagebot COMMAND -h' for a command's flags.")
}

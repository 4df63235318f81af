// Command triagebot serves the payment-support triage bot and its tools.
//
//	triagebot [serve] [flags]          the product: widget, agent console, API, channels
//	triagebot agents add NAME [-queues q1,q2] [-admin]
//	triagebot agents list | remove NAME | rotate NAME
//	triagebot classify [-now RFC3339] [-tz ZONE]   JSON lines in, JSON lines out
//	triagebot chat                     talk to the bot in the terminal
//	triagebot backup FILE              a consistent copy of the database
//	triagebot check                    verify the database file page by page
//	triagebot loadtest -addr ... -conns N -rate R -duration D
//	triagebot help [COMMAND]           every command, or one command's flags
//
// Exit status: 0 on success and for -h/help, 2 for a wrong command line
// (unknown command or flag, missing argument), 1 for any other failure.
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
	"strings"
	"syscall"
	_ "time/tzdata" // -tz must work on machines without a zoneinfo database
)

// command is one subcommand. It gets its own arguments (after its name).
type command struct {
	summary string // one line in the overview
	run     func(ctx context.Context, args []string, stdio stdio) error
}

// stdio is what a command may read and write, so tests can capture it.
type stdio struct {
	in       io.Reader
	out, err io.Writer
	getenv   func(string) string
}

// commands is the one table of subcommands: each file that implements one
// adds its line in an init function, and the overview is made from it.
var commands = map[string]command{}

// defaultCommand runs when the first argument is a flag or there is none.
const defaultCommand = "serve"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], stdio{in: os.Stdin, out: os.Stdout, err: os.Stderr, getenv: os.Getenv})
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// exitCode reports err, unless it was explained already, and chooses the
// exit status: 0 for success or help, 2 for a wrong command line, 1 else.
func exitCode(err error, stderr io.Writer) int {
	var bad usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &bad):
		return 2
	}
	fmt.Fprintln(stderr, "triagebot:", err)
	return 1
}

// run dispatches to a subcommand; no subcommand (or only flags) means serve.
func run(ctx context.Context, args []string, sio stdio) error {
	name := defaultCommand
	if len(args) > 0 {
		switch a := args[0]; {
		case a == "help" && len(args) > 1: // help COMMAND is COMMAND -h
			return run(ctx, []string{args[1], "-h"}, sio)
		case a == "help" || a == "-h" || a == "-help" || a == "--help":
			overview(sio.out)
			return nil
		case !strings.HasPrefix(a, "-"):
			name, args = a, args[1:]
		}
	}
	cmd, ok := commands[name]
	if !ok {
		err := fmt.Errorf("unknown command %q", name)
		fmt.Fprintf(sio.err, "triagebot: %v\n\n", err)
		overview(sio.err)
		return usageError{err}
	}
	return cmd.run(ctx, args, sio)
}

// overview lists every subcommand, the default first.
func overview(w io.Writer) {
	names := make([]string, 0, len(commands))
	for n := range commands {
		if n != defaultCommand {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	names = append([]string{defaultCommand}, names...)
	fmt.Fprint(w, "triagebot: first-line support for a payment platform, on a web chat widget and Telegram,\n"+
		"with a ticket queue and console for agents.\n\n"+
		"usage: triagebot [COMMAND] [flags]\n\ncommands:\n")
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintf(w, "\nWith no command, %s runs. 'triagebot COMMAND -h' (or 'triagebot help COMMAND')\n"+
		"prints a command's flags and their defaults.\n", defaultCommand)
}

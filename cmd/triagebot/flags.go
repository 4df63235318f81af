package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
)

// usageError is a wrong command line: an unknown command or flag, a missing
// or stray argument. What was wrong and the usage have been written to
// stderr already; main exits with status 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// newFlags makes a subcommand's flag set. synopsis follows "triagebot NAME"
// in its usage line (e.g. "[flags] FILE"); -h prints that line, the
// command's summary and every flag with its default.
func newFlags(name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "usage: triagebot %s %s\n", name, synopsis)
		if c, ok := commands[name]; ok {
			fmt.Fprintf(w, "\n%s\n", c.summary)
		}
		fmt.Fprintln(w, "\nflags:")
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses a subcommand's arguments. -h prints the usage on stdout
// and returns flag.ErrHelp (exit 0); a bad flag prints one line saying what
// was wrong and the usage on stderr, and returns a usageError (exit 2).
func parseFlags(fs *flag.FlagSet, args []string, sio stdio) error {
	fs.SetOutput(io.Discard) // the flag package's own messages; ours follow
	err := fs.Parse(args)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, flag.ErrHelp):
		fs.SetOutput(sio.out)
		fs.Usage()
		return flag.ErrHelp
	}
	return badUsage(fs, sio, "%v", err)
}

// badUsage reports a wrong command line found by a subcommand itself (a
// missing or stray argument) the same way parseFlags reports a bad flag.
func badUsage(fs *flag.FlagSet, sio stdio, format string, a ...any) error {
	err := fmt.Errorf(format, a...)
	fmt.Fprintf(sio.err, "triagebot %s: %v\n\n", fs.Name(), err)
	fs.SetOutput(sio.err)
	fs.Usage()
	return usageError{fmt.Errorf("%s: %w", fs.Name(), err)}
}

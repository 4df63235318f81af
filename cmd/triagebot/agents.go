package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/boltstore"
)

func init() {
	commands["agents"] = command{"manage agents: agents add NAME [-queues q1,q2] [-admin]", runAgents}
}

// agentsSynopsis is the usage of the agents command and its subcommands.
const agentsSynopsis = "add NAME [-queues q1,q2] [-admin] [-db FILE]"

// runAgents dispatches `agents add`; -h lists what agents can do.
func runAgents(ctx context.Context, args []string, sio stdio) error {
	fs := newFlags("agents", agentsSynopsis)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: triagebot agents %s\n\n%s\n\nRun 'triagebot agents add -h' for its flags.\n",
			agentsSynopsis, commands["agents"].summary)
	}
	if err := parseFlags(fs, args, sio); err != nil {
		return err
	}
	switch {
	case fs.NArg() == 0:
		return badUsage(fs, sio, "which agents command? (add)")
	case fs.Arg(0) == "add":
		return runAgentsAdd(ctx, fs.Args()[1:], sio)
	}
	return badUsage(fs, sio, "unknown agents command %q", fs.Arg(0))
}

// runAgentsAdd creates an agent. It opens the database itself, so no
// server may hold the file; the token is printed once, alone on the last line.
func runAgentsAdd(ctx context.Context, args []string, sio stdio) error {
	// NAME may come before or after the flags.
	var name string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	}
	var c Config
	fs := newFlags("agents add", "NAME [flags]")
	dbFlags(fs, &c, sio.getenv)
	queues := fs.String("queues", "", "comma-separated queues the agent works (default: all)")
	admin := fs.Bool("admin", false, "may also call operator APIs (online backup)")
	if err := parseFlags(fs, args, sio); err != nil {
		return err
	}
	if name == "" && fs.NArg() > 0 {
		name = fs.Arg(0)
	}
	name = strings.TrimSpace(name)
	if name == "" {
		return badUsage(fs, sio, "NAME is missing")
	}
	if len(name) > 64 || strings.ContainsAny(name, "\x00\n\r\t") {
		return errors.New("agents add: NAME must be 1-64 characters with no control characters")
	}
	agent := tickets.Agent{Name: name, Admin: *admin, CreatedAt: time.Now().UTC()}
	for _, q := range strings.Split(*queues, ",") {
		if q = strings.TrimSpace(q); q != "" {
			agent.Queues = append(agent.Queues, q)
		}
	}
	token, hash, err := tickets.NewToken()
	if err != nil {
		return fmt.Errorf("agents add: %w", err)
	}
	agent.TokenHash = hash

	store, err := openStore(c.DB, boltstore.Options{})
	if err != nil {
		return fmt.Errorf("agents add: %w", err)
	}
	err = store.Update(ctx, func(tx tickets.Tx) error { return tx.CreateAgent(&agent) })
	if cerr := store.Close(); err == nil {
		err = cerr
	}
	if errors.Is(err, tickets.ErrConflict) {
		return fmt.Errorf("agents add: an agent named %q already exists", name)
	}
	if err != nil {
		return fmt.Errorf("agents add: %w", err)
	}
	fmt.Fprintf(sio.err, "agent %q created; its token is shown once, below:\n", name)
	fmt.Fprintln(sio.out, token)
	return nil
}

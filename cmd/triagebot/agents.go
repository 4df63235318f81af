package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/triagebot/triagebot/bot"
	"github.com/triagebot/triagebot/escalation"
	"github.com/triagebot/triagebot/intents"
	"github.com/triagebot/triagebot/tickets"
)

func init() {
	commands["agents"] = command{"manage agents: add one, list them, remove one, rotate one's token (on the file, or with -server through a running server)", runAgents}
}

// agentsSynopsis is the usage of the agents command and its subcommands.
const agentsSynopsis = "add NAME [-queues q1,q2] [-admin] | list | remove NAME | rotate NAME [-db FILE | -server URL]"

// agentSynopses are the agents subcommands' usage lines.
var agentSynopses = map[string]string{
	"add": "NAME [flags]", "list": "[flags]", "remove": "NAME [flags]", "rotate": "NAME [flags]",
}

// runAgents dispatches the agents subcommands; -h lists them. They open
// the database themselves, so no server may hold the file, or with
// -server work through a running server's admin API; a new token (add,
// rotate) is printed once, alone on the last line of stdout.
func runAgents(ctx context.Context, args []string, sio stdio) error {
	fs := newFlags("agents", agentsSynopsis)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: triagebot agents %s\n\n%s\n\nRun 'triagebot agents SUBCOMMAND -h' for its flags.\n",
			agentsSynopsis, commands["agents"].summary)
	}
	if err := parseFlags(fs, args, sio); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return badUsage(fs, sio, "which agents command? (add, list, remove, rotate)")
	}
	rest := fs.Args()[1:]
	switch fs.Arg(0) {
	case "add":
		return agentsAdd(ctx, rest, sio)
	case "list":
		return agentsList(ctx, rest, sio)
	case "remove":
		return agentsRemove(ctx, rest, sio)
	case "rotate":
		return agentsRotate(ctx, rest, sio)
	}
	return badUsage(fs, sio, "unknown agents command %q", fs.Arg(0))
}

// agentArgs parses a subcommand's flags (more may be added by extra) and
// its NAME, which may come before or after the flags. needName: exactly one
// NAME; otherwise none.
func agentArgs(sub string, args []string, sio stdio, needName bool, extra func(*flag.FlagSet)) (Config, string, *remote, error) {
	var name string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	}
	var c Config
	rm := &remote{}
	fs := newFlags("agents "+sub, agentSynopses[sub])
	dbFlags(fs, &c, sio.getenv)
	remoteFlags(fs, rm, sio.getenv)
	if extra != nil {
		extra(fs)
	}
	if err := parseFlags(fs, args, sio); err != nil {
		return c, "", nil, err
	}
	rest := fs.Args()
	if name == "" && len(rest) > 0 {
		name, rest = rest[0], rest[1:]
	}
	switch {
	case len(rest) > 0:
		return c, "", nil, badUsage(fs, sio, "unexpected argument %q", rest[0])
	case needName && strings.TrimSpace(name) == "":
		return c, "", nil, badUsage(fs, sio, "NAME is missing")
	case !needName && name != "":
		return c, "", nil, badUsage(fs, sio, "unexpected argument %q", name)
	}
	if rm.server == "" {
		return c, strings.TrimSpace(name), nil, nil
	}
	if err := rm.resolve(sio.getenv); err != nil {
		return c, "", nil, fmt.Errorf("agents %s: %w", sub, err)
	}
	return c, strings.TrimSpace(name), rm, nil
}

// withStore runs fn in one write transaction on the -db file.
func withStore(ctx context.Context, sub, db string, fn func(tickets.Tx) error) error {
	store, err := openStore(ctx, db, time.Second, nil)
	if errors.Is(err, tickets.ErrDatabaseUse) {
		return fmt.Errorf("agents %s: %s is held by a running server; stop it, or run again with -server URL and an admin token (TRIAGEBOT_ADMIN_TOKEN or -token-file)", sub, db)
	}
	if err != nil {
		return fmt.Errorf("agents %s: %w", sub, err)
	}
	err = store.Update(ctx, fn)
	if cerr := store.Close(); err == nil {
		err = cerr
	}
	return err
}

func agentsAdd(ctx context.Context, args []string, sio stdio) error {
	var queues, routing string
	var admin bool
	c, name, rm, err := agentArgs("add", args, sio, true, func(fs *flag.FlagSet) {
		fs.StringVar(&queues, "queues", "", "comma-separated queues the agent works (default: all); each one of the routing rules' queues")
		fs.BoolVar(&admin, "admin", false, "may also call operator APIs (online backup)")
		fs.StringVar(&routing, "routing", env(sio.getenv, "TRIAGEBOT_ROUTING", ""), "routing rules file whose queues -queues may name (env TRIAGEBOT_ROUTING; default: the embedded rules)")
	})
	if err != nil {
		return err
	}
	if len(name) > 64 || strings.ContainsAny(name, "\x00\n\r\t") {
		return errors.New("agents add: NAME must be 1-64 characters with no control characters")
	}
	if rm != nil {
		// The server checks the queues against its own routing rules.
		var qs []string
		for _, q := range strings.Split(queues, ",") {
			if q = strings.TrimSpace(q); q != "" {
				qs = append(qs, q)
			}
		}
		var got remoteAgent
		if err := rm.call(ctx, http.MethodPost, "/api/agents", map[string]any{"name": name, "queues": qs, "admin": admin}, &got); err != nil {
			return fmt.Errorf("agents add: %w", err)
		}
		fmt.Fprintf(sio.err, "agent %q created on %s; its token is shown once, below:\n", got.Name, rm.server)
		fmt.Fprintln(sio.out, got.Token)
		return nil
	}
	agent := tickets.Agent{Name: name, Admin: admin, CreatedAt: time.Now().UTC()}
	if agent.Queues, err = checkQueues(queues, routing); err != nil {
		return fmt.Errorf("agents add: %w", err)
	}
	token, hash, err := tickets.NewToken()
	if err != nil {
		return fmt.Errorf("agents add: %w", err)
	}
	agent.TokenHash = hash
	err = withStore(ctx, "add", c.DB, func(tx tickets.Tx) error { return tx.CreateAgent(&agent) })
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

// checkQueues reads -queues: each name must have a queue's form and be a
// queue the routing rules send tickets to, so a typo cannot leave an
// agent seeing nothing.
func checkQueues(list, routing string) ([]string, error) {
	var qs []string
	for _, q := range strings.Split(list, ",") {
		if q = strings.TrimSpace(q); q == "" {
			continue
		}
		if !escalation.ValidQueueName(q) {
			return nil, fmt.Errorf("-queues: %q is not a queue name (%s)", q, escalation.QueueNameForm)
		}
		qs = append(qs, q)
	}
	if len(qs) == 0 {
		return nil, nil
	}
	router, err := loadRouter(routing)
	if err != nil {
		return nil, err
	}
	known := router.Queues()
	for _, q := range qs {
		if !slices.Contains(known, q) {
			return nil, fmt.Errorf("-queues: %q is not a queue of the routing rules (they have %s)", q, strings.Join(known, ", "))
		}
	}
	return qs, nil
}

func agentsList(ctx context.Context, args []string, sio stdio) error {
	c, _, rm, err := agentArgs("list", args, sio, false, nil)
	if err != nil {
		return err
	}
	var agents []tickets.Agent
	if rm != nil {
		var got struct {
			Agents []remoteAgent `json:"agents"`
		}
		if err := rm.call(ctx, http.MethodGet, "/api/agents", nil, &got); err != nil {
			return fmt.Errorf("agents list: %w", err)
		}
		for _, a := range got.Agents {
			agents = append(agents, tickets.Agent{Name: a.Name, Queues: a.Queues, Admin: a.Admin, CreatedAt: a.CreatedAt})
		}
	} else {
		err = withStore(ctx, "list", c.DB, func(tx tickets.Tx) error {
			var err error
			agents, err = tx.Agents()
			return err
		})
		if err != nil {
			return fmt.Errorf("agents list: %w", err)
		}
	}
	w := tabwriter.NewWriter(sio.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tQUEUES\tADMIN\tCREATED")
	for _, a := range agents {
		queues := strings.Join(a.Queues, ",")
		if queues == "" {
			queues = "(all)"
		}
		admin := "no"
		if a.Admin {
			admin = "yes"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", a.Name, queues, admin, a.CreatedAt.UTC().Format(time.RFC3339))
	}
	return w.Flush()
}

// agentsRemove deletes an agent. Tickets it holds go back to the open
// queue first, through the engine so their users are told as by a release
// in the console; otherwise nobody could answer or resolve them.
func agentsRemove(ctx context.Context, args []string, sio stdio) error {
	c, name, rm, err := agentArgs("remove", args, sio, true, nil)
	if err != nil {
		return err
	}
	if rm != nil {
		// The server releases the agent's tickets itself.
		if err := rm.call(ctx, http.MethodDelete, "/api/agents/"+url.PathEscape(name), nil, nil); err != nil {
			return fmt.Errorf("agents remove: %w", err)
		}
		fmt.Fprintf(sio.err, "agent %q removed on %s; its token no longer works and its tickets are back in the open queue\n", name, rm.server)
		return nil
	}
	store, err := openStore(ctx, c.DB, time.Second, nil)
	if errors.Is(err, tickets.ErrDatabaseUse) {
		return fmt.Errorf("agents remove: %s is held by a running server; stop it, or run again with -server URL and an admin token (TRIAGEBOT_ADMIN_TOKEN or -token-file)", c.DB)
	}
	if err != nil {
		return fmt.Errorf("agents remove: %w", err)
	}
	closeStore := sync.OnceValue(store.Close)
	defer closeStore()
	held, err := claimedBy(ctx, store, name)
	if err != nil {
		return fmt.Errorf("agents remove: %w", err)
	}
	if len(held) > 0 {
		eng, err := bot.New(bot.Config{Store: store, Classifier: unusedClassifier{}, Router: escalation.Default(),
			Logger: slog.New(slog.NewTextHandler(sio.err, nil))})
		if err != nil {
			return fmt.Errorf("agents remove: %w", err)
		}
		for _, id := range held {
			if _, err := eng.Release(ctx, id, name); err != nil {
				return fmt.Errorf("agents remove: releasing %s: %w", id, err)
			}
		}
	}
	err = store.Update(ctx, func(tx tickets.Tx) error { return tx.DeleteAgent(name) })
	if errors.Is(err, tickets.ErrNotFound) {
		return fmt.Errorf("agents remove: no agent named %q", name)
	}
	if err != nil {
		return fmt.Errorf("agents remove: %w", err)
	}
	if err := closeStore(); err != nil {
		return fmt.Errorf("agents remove: %w", err)
	}
	if len(held) > 0 {
		fmt.Fprintf(sio.err, "released %d claimed tickets to the open queue: %s\n", len(held), strings.Join(held, ", "))
	}
	fmt.Fprintf(sio.err, "agent %q removed; its token no longer works\n", name)
	return nil
}

// claimedBy lists the ids of the tickets agent holds.
func claimedBy(ctx context.Context, store tickets.Store, agent string) ([]string, error) {
	var ids []string
	err := store.View(ctx, func(tx tickets.Tx) error {
		for after := ""; ; {
			page, err := tx.Tickets(tickets.Filter{Status: tickets.Claimed, Limit: tickets.MaxLimit, After: after})
			if err != nil {
				return err
			}
			for _, t := range page {
				if t.Assignee == agent {
					ids = append(ids, t.ID)
				}
			}
			if len(page) < tickets.MaxLimit {
				return nil
			}
			after = page[len(page)-1].ID
		}
	})
	return ids, err
}

// unusedClassifier stands in where the engine is built only for agent
// operations, which never classify text.
type unusedClassifier struct{}

func (unusedClassifier) Classify(context.Context, string, time.Time) (intents.Result, error) {
	return intents.Result{}, errors.New("agents: no classifier in the CLI")
}

func agentsRotate(ctx context.Context, args []string, sio stdio) error {
	c, name, rm, err := agentArgs("rotate", args, sio, true, nil)
	if err != nil {
		return err
	}
	if rm != nil {
		var got remoteAgent
		if err := rm.call(ctx, http.MethodPost, "/api/agents/"+url.PathEscape(name)+"/token", nil, &got); err != nil {
			return fmt.Errorf("agents rotate: %w", err)
		}
		fmt.Fprintf(sio.err, "agent %q has a new token on %s; the old one no longer works. It is shown once, below:\n", name, rm.server)
		fmt.Fprintln(sio.out, got.Token)
		return nil
	}
	token, hash, err := tickets.NewToken()
	if err != nil {
		return fmt.Errorf("agents rotate: %w", err)
	}
	err = withStore(ctx, "rotate", c.DB, func(tx tickets.Tx) error { return tx.SetAgentToken(name, hash) })
	if errors.Is(err, tickets.ErrNotFound) {
		return fmt.Errorf("agents rotate: no agent named %q", name)
	}
	if err != nil {
		return fmt.Errorf("agents rotate: %w", err)
	}
	fmt.Fprintf(sio.err, "agent %q has a new token; the old one no longer works. It is shown once, below:\n", name)
	fmt.Fprintln(sio.out, token)
	return nil
}

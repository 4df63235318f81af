package bot

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/triagebot/triagebot/tickets"
)

var update = flag.Bool("update", false, "rewrite the golden files of the dialogue tests")

// TestGoldenDialogues plays every script in testdata/dialogues/*.txt
// through the engine (real bbolt store, offline classifier, default router,
// injected clock) and compares the whole exchange and the final tickets with
// the .golden file next to it. It also checks each script's @expect line
// against the stored ticket, that @absent strings were never stored, that
// no detail was asked twice, and that every user message was kept.
//
// Script lines:
//
//	# comment
//	@channel telegram | @hint zh-HK | @greet | @user ID
//	@expect key=value ...    (intent lang amount currency txn date grain attachments
//	                          priority=a|b queue status tickets error)
//	@absent TEXT
//	> user message
//	/attach NAME | /attach-zip NAME | /restart | /wait 30m
//	/claim AGENT | /reply AGENT TEXT | /resolve AGENT NOTE
func TestGoldenDialogues(t *testing.T) {
	files, err := filepath.Glob("testdata/dialogues/*.txt")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 40 {
		t.Errorf("only %d dialogue scripts; want at least 40", len(files))
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".txt")
		t.Run(name, func(t *testing.T) {
			script, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			got := playScript(t, name, string(script))
			golden := strings.TrimSuffix(f, ".txt") + ".golden"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("dialogue differs from %s (run with -update after checking):\n%s", golden, diffLines(string(want), string(got)))
			}
		})
	}
}

// playScript runs one script and returns its golden text.
func playScript(t *testing.T, name, script string) []byte {
	ctx := context.Background()
	r := newRig(t, true)
	var (
		out    bytes.Buffer
		expect = map[string]string{}
		absent []string
		said   []string
		asks   askCounter
		req    = OpenRequest{ID: "conv-" + name, Channel: tickets.Web, User: tickets.User{ID: "u-" + name, Name: "Test User"}}
		opened bool
		lineNo int
	)
	open := func() {
		if opened {
			return
		}
		opened = true
		if _, _, err := r.eng.Open(ctx, req); err != nil {
			t.Fatalf("open: %v", err)
		}
		msgs := r.drain(req.ID)
		for _, m := range msgs {
			asks.see(t, "greeting", m)
		}
		formatMsgs(&out, msgs)
	}
	sc := bufio.NewScanner(strings.NewReader(script))
	for sc.Scan() {
		lineNo++
		line := strings.TrimRight(sc.Text(), " \r")
		where := fmt.Sprintf("%s:%d", name, lineNo)
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
			continue
		case strings.HasPrefix(line, "@channel "):
			req.Channel = tickets.Channel(strings.TrimSpace(line[len("@channel "):]))
		case strings.HasPrefix(line, "@hint "):
			req.LangHint = strings.TrimSpace(line[len("@hint "):])
		case line == "@greet":
			req.Greet = true
		case strings.HasPrefix(line, "@user "):
			req.User.ID = strings.TrimSpace(line[len("@user "):])
		case strings.HasPrefix(line, "@expect "):
			for _, kv := range strings.Fields(line[len("@expect "):]) {
				k, v, _ := strings.Cut(kv, "=")
				expect[k] = v
			}
		case strings.HasPrefix(line, "@absent "):
			absent = append(absent, strings.TrimSpace(line[len("@absent "):]))
		case strings.HasPrefix(line, "> "):
			open()
			text := line[2:]
			said = append(said, text)
			fmt.Fprintf(&out, "> %s\n", text)
			r.clock.Advance(time.Minute)
			if err := r.eng.Handle(ctx, Inbound{Channel: req.Channel, ConversationID: req.ID, User: req.User, Text: text}); err != nil {
				t.Fatalf("%s: handle: %v", where, err)
			}
			msgs := r.drain(req.ID)
			for _, m := range msgs {
				asks.see(t, where, m)
			}
			formatMsgs(&out, msgs)
		case strings.HasPrefix(line, "/"):
			open()
			fmt.Fprintf(&out, "%s\n", line)
			r.clock.Advance(time.Minute)
			scriptCommand(t, r, &out, &asks, req, where, line)
		default:
			t.Fatalf("%s: cannot read %q", where, line)
		}
	}
	open()

	conv, st := r.conversation(req.ID)
	list := r.userTickets(req.Channel, req.User.ID)
	fmt.Fprintf(&out, "== conversation lang=%s phase=%s ticket=%s\n", conv.Lang, st.Phase, conv.TicketID)
	for i := len(list) - 1; i >= 0; i-- {
		fmt.Fprintf(&out, "== ticket %s\n", list[i].ID)
		formatTicket(&out, list[i])
	}
	checkExpect(t, expect, conv, list)
	checkKept(t, said, st, list)
	checkAbsent(t, r, req.ID, absent, conv, list)
	return out.Bytes()
}

func scriptCommand(t *testing.T, r *rig, out *bytes.Buffer, asks *askCounter, req OpenRequest, where, line string) {
	ctx := context.Background()
	cmd, arg, _ := strings.Cut(line[1:], " ")
	agent, rest, _ := strings.Cut(arg, " ")
	var err error
	switch cmd {
	case "attach", "attach-zip":
		data := smallPNG
		if cmd == "attach-zip" {
			data = []byte("PK\x03\x04 this is a zip file")
		}
		err = r.eng.Handle(ctx, Inbound{Channel: req.Channel, ConversationID: req.ID, User: req.User,
			Upload: &Upload{Filename: arg, ContentType: "image/png", Data: data}})
		if cmd == "attach-zip" {
			if !errors.Is(err, ErrBadUpload) {
				t.Fatalf("%s: zip upload: err %v, want ErrBadUpload", where, err)
			}
			fmt.Fprintf(out, "  (refused: %v)\n", err)
			err = nil
		}
	case "restart":
		r.restart()
	case "wait":
		d, perr := time.ParseDuration(arg)
		if perr != nil {
			t.Fatalf("%s: %v", where, perr)
		}
		r.clock.Advance(d)
	case "claim", "reply", "resolve":
		conv, _ := r.conversation(req.ID)
		if conv.TicketID == "" {
			t.Fatalf("%s: no ticket to %s", where, cmd)
		}
		switch cmd {
		case "claim":
			_, err = r.eng.Claim(ctx, conv.TicketID, agent)
		case "reply":
			_, err = r.eng.Reply(ctx, conv.TicketID, agent, rest)
		case "resolve":
			_, err = r.eng.Resolve(ctx, conv.TicketID, agent, rest)
		}
	default:
		t.Fatalf("%s: unknown command %q", where, cmd)
	}
	if err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	msgs := r.drain(req.ID)
	for _, m := range msgs {
		asks.see(t, where, m)
	}
	formatMsgs(out, msgs)
}

// checkExpect compares the newest ticket with the script's @expect.
func checkExpect(t *testing.T, expect map[string]string, conv tickets.Conversation, list []tickets.Ticket) {
	if n, ok := expect["tickets"]; ok {
		if want, _ := strconv.Atoi(n); len(list) != want {
			t.Errorf("tickets: %d, want %d", len(list), want)
		}
	}
	if expect["lang"] != "" && conv.Lang != expect["lang"] {
		t.Errorf("conversation lang %q, want %q", conv.Lang, expect["lang"])
	}
	if len(list) == 0 {
		for _, k := range []string{"intent", "amount", "txn", "priority", "queue"} {
			if expect[k] != "" {
				t.Errorf("no ticket, but @expect %s=%s", k, expect[k])
			}
		}
		return
	}
	tk := list[0]
	check := func(key, got string) {
		if want, ok := expect[key]; ok && got != want {
			t.Errorf("ticket %s: %s = %q, want %q", tk.ID, key, got, want)
		}
	}
	check("intent", tk.Intent)
	check("amount", tk.Details.Amount)
	check("currency", tk.Details.Currency)
	check("txn", tk.Details.TransactionID)
	check("grain", tk.Details.TimeGrain)
	check("queue", tk.Queue)
	check("status", string(tk.Status))
	check("attachments", strconv.Itoa(len(tk.Attachments)))
	if want, ok := expect["date"]; ok && !strings.HasPrefix(tk.Details.Time, want) {
		t.Errorf("ticket %s: time %q, want date %s", tk.ID, tk.Details.Time, want)
	}
	if want, ok := expect["priority"]; ok && !containsAny(strings.Split(want, "|"), string(tk.Priority)) {
		t.Errorf("ticket %s: priority %q, want one of %s", tk.ID, tk.Priority, want)
	}
	if want, ok := expect["error"]; ok && !strings.Contains(tk.Details.ErrorMessage, strings.ReplaceAll(want, "_", " ")) {
		t.Errorf("ticket %s: error message %q, want it to contain %q", tk.ID, tk.Details.ErrorMessage, want)
	}
	if tk.SLADue.IsZero() || !tk.SLADue.After(tk.CreatedAt) {
		t.Errorf("ticket %s: SLA due %v not after creation %v", tk.ID, tk.SLADue, tk.CreatedAt)
	}
}

// checkKept: every user message is in the dialogue state or a ticket's
// transcript (masked, so compare the parts that survive masking).
func checkKept(t *testing.T, said []string, st *state, list []tickets.Ticket) {
	var all []tickets.Entry
	all = append(all, st.Transcript...)
	for _, tk := range list {
		all = append(all, tk.Transcript...)
	}
	for _, s := range said {
		want := maskedForm(s)
		found := false
		for _, e := range all {
			if e.From == tickets.FromUser && e.Text == want {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("user message %q (masked %q) is in no transcript", s, want)
		}
	}
}

// checkAbsent: secrets never reach the store in any form we can read back.
func checkAbsent(t *testing.T, r *rig, convID string, absent []string, conv tickets.Conversation, list []tickets.Ticket) {
	for _, a := range absent {
		if strings.Contains(string(conv.State), a) {
			t.Errorf("%q is stored in the conversation state", a)
		}
		for _, tk := range list {
			js := fmt.Sprintf("%+v", tk)
			if strings.Contains(js, a) {
				t.Errorf("%q is stored in ticket %s", a, tk.ID)
			}
		}
	}
	_ = convID
}

// diffLines shows the first lines where want and got differ.
func diffLines(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	shown := 0
	for i := 0; i < max(len(w), len(g)) && shown < 12; i++ {
		var a, c string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			c = g[i]
		}
		if a != c {
			fmt.Fprintf(&b, "line %d:\n  want %q\n  got  %q\n", i+1, a, c)
			shown++
		}
	}
	return b.String()
}

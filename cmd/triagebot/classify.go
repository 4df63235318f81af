package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/triagebot/triagebot/intents"
	"github.com/triagebot/triagebot/language"
)

// maxClassifyLine bounds one input line. Far above any chat message (the
// engine takes tickets.MaxTextRunes characters), it only stops a runaway
// input from taking all memory; a longer line gets an error line and the
// run goes on.
const maxClassifyLine = 4 << 20

// errLineTooLong is reported for an input line over maxClassifyLine.
var errLineTooLong = errors.New("line too long")

func init() {
	commands["classify"] = command{
		summary: "classify JSON lines {\"text\":...} from stdin (intent, confidence, lang, entities)",
		run: func(ctx context.Context, args []string, sio stdio) error {
			return classifyMain(ctx, args, sio)
		},
	}
}

// classifyInput is one input line.
type classifyInput struct {
	Text *string `json:"text"`
	Now  string  `json:"now"`
}

// classifyOutput is one output line; field order is the contract's.
type classifyOutput struct {
	Text       string           `json:"text"`
	Intent     intents.Intent   `json:"intent"`
	Confidence float64          `json:"confidence"`
	Lang       language.Lang    `json:"lang"`
	Entities   classifyEntities `json:"entities"`
}

type classifyEntities struct {
	Time          *classifyTime   `json:"time,omitempty"`
	Amount        *classifyAmount `json:"amount,omitempty"`
	TransactionID string          `json:"transaction_id,omitempty"`
}

type classifyTime struct {
	Value string        `json:"value"`
	Grain intents.Grain `json:"grain"`
}

type classifyAmount struct {
	Value    string `json:"value"`
	Currency string `json:"currency"`
}

// classifyMain is `triagebot classify [-now RFC3339] [-tz ZONE]`: it reads
// JSON lines {"text": "...", "now": "optional RFC3339"} and writes one JSON
// line per input, in order, as the contract (section 1) says. getenv gives
// TRIAGEBOT_TZ and the OPENAI_* settings.
func classifyMain(ctx context.Context, args []string, sio stdio) error {
	stdin, stdout, stderr, getenv := sio.in, sio.out, sio.err, sio.getenv
	fs := newFlags("classify", "[-now RFC3339] [-tz ZONE] < lines.jsonl")
	nowFlag := fs.String("now", "", "reference time for relative times, RFC 3339 (default: the current time)")
	tz := fs.String("tz", env(getenv, "TRIAGEBOT_TZ", defaultTZ), "time zone for relative times (env TRIAGEBOT_TZ)")
	if err := parseFlags(fs, args, sio); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return badUsage(fs, sio, "unexpected arguments %q (input comes on stdin)", fs.Args())
	}
	loc, err := loadZone(*tz)
	if err != nil {
		return fmt.Errorf("classify: %w", err)
	}
	var fixedNow time.Time
	if *nowFlag != "" {
		if fixedNow, err = time.Parse(time.RFC3339, *nowFlag); err != nil {
			return fmt.Errorf("classify: -now: %w", err)
		}
	}
	// The same policy as the server: offline, with the LLM as a second
	// opinion when OPENAI_API_KEY is set. Only warnings reach stderr.
	clf, err := newClassifier(Config{
		OpenAIKey:     getenv("OPENAI_API_KEY"),
		OpenAIBaseURL: getenv("OPENAI_BASE_URL"),
		OpenAIModel:   env(getenv, "OPENAI_MODEL", defaultModel),
	}, nil, slog.New(intents.MaskLogs(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))))
	if err != nil {
		return fmt.Errorf("classify: %w", err)
	}

	in := bufio.NewReaderSize(stdin, 64<<10)
	out := bufio.NewWriterSize(stdout, 64<<10)
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	for n := 1; ; n++ {
		if err := ctx.Err(); err != nil {
			out.Flush()
			return err
		}
		line, readErr := readLine(in, maxClassifyLine)
		if readErr != nil && !errors.Is(readErr, errLineTooLong) && !errors.Is(readErr, io.EOF) {
			out.Flush()
			return fmt.Errorf("classify: reading input: %w", readErr)
		}
		switch {
		case errors.Is(readErr, errLineTooLong):
			err = enc.Encode(map[string]string{"error": fmt.Sprintf("line %d: %v (over %d bytes)", n, errLineTooLong, maxClassifyLine)})
		case len(bytes.TrimSpace(line)) == 0:
			// A blank line is no input: nothing to answer.
		default:
			err = enc.Encode(classifyLine(ctx, clf, line, n, fixedNow, loc))
		}
		if err != nil {
			return fmt.Errorf("classify: writing output: %w", err)
		}
		if errors.Is(readErr, io.EOF) {
			break
		}
		// Flush whenever the next read would wait, so an interactive
		// caller sees each answer at once and a batch still writes in bulk.
		if in.Buffered() == 0 {
			if err := out.Flush(); err != nil {
				return fmt.Errorf("classify: writing output: %w", err)
			}
		}
	}
	if err := out.Flush(); err != nil {
		return fmt.Errorf("classify: writing output: %w", err)
	}
	return nil
}

// classifyLine answers one input line: the classification, or {"error"}.
func classifyLine(ctx context.Context, clf intents.Classifier, line []byte, n int, fixedNow time.Time, loc *time.Location) any {
	fail := func(format string, a ...any) any {
		return map[string]string{"error": fmt.Sprintf("line %d: ", n) + fmt.Sprintf(format, a...)}
	}
	var inp classifyInput
	if err := json.Unmarshal(line, &inp); err != nil {
		return fail("invalid JSON: %v", err)
	}
	if inp.Text == nil {
		return fail(`missing "text"`)
	}
	now := fixedNow
	if inp.Now != "" {
		t, err := time.Parse(time.RFC3339, inp.Now)
		if err != nil {
			return fail(`bad "now": %v`, err)
		}
		now = t
	}
	if now.IsZero() {
		now = time.Now()
	}
	now = now.In(loc)
	res, err := clf.Classify(ctx, *inp.Text, now)
	if err != nil {
		return fail("%v", err)
	}
	o := classifyOutput{Text: *inp.Text, Intent: res.Intent, Confidence: res.Confidence, Lang: res.Lang}
	if t := res.Entities.Time; t != nil {
		o.Entities.Time = &classifyTime{Value: t.Value.In(loc).Format(time.RFC3339), Grain: t.Grain}
	}
	if a := res.Entities.Amount; a != nil {
		o.Entities.Amount = &classifyAmount{Value: a.Value, Currency: a.Currency}
	}
	if id := res.Entities.TransactionID; id != nil {
		o.Entities.TransactionID = id.Value
	}
	return o
}

// readLine returns the next line without its end-of-line. A line longer than
// limit is consumed and reported as errLineTooLong. At the end of input it
// returns the last (possibly empty) line with io.EOF.
func readLine(r *bufio.Reader, limit int) ([]byte, error) {
	var line []byte
	tooLong := false
	for {
		chunk, err := r.ReadSlice('\n')
		if !tooLong {
			if len(line)+len(chunk) > limit+2 { // +2: the "\r\n" is not content
				tooLong, line = true, nil
			} else {
				line = append(line, chunk...)
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		line = bytes.TrimRight(line, "\r\n")
		if tooLong && err == nil {
			return nil, errLineTooLong
		}
		if tooLong && errors.Is(err, io.EOF) {
			return nil, errors.Join(errLineTooLong, io.EOF)
		}
		return line, err
	}
}

package ws

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/triagebot/triagebot/bot"
	"github.com/triagebot/triagebot/tickets"
)

// Error codes of the contract's error frame. They are stable: clients
// switch on them.
const (
	CodeBadFrame       = "bad_frame"       // not JSON, not UTF-8, or a field missing
	CodeUnknownType    = "unknown_type"    // a "type" the server does not know
	CodeTooLong        = "too_long"        // text over tickets.MaxTextRunes characters
	CodeBadAttachment  = "bad_attachment"  // not a PNG, JPEG or WebP (by its bytes)
	CodeTooLarge       = "too_large"       // attachment or frame over the size limit, or files over the attachment quota
	CodeRateLimited    = "rate_limited"    // too many frames; wait and send again
	CodeUnknownSession = "unknown_session" // ?session= named no web conversation; a new one was opened
	CodeInternal       = "internal"        // the server failed; the frame may be sent again
)

// maxEncodedAttachment is the longest base64 text that can decode to at
// most tickets.MaxAttachmentSize bytes.
var maxEncodedAttachment = base64.StdEncoding.EncodedLen(tickets.MaxAttachmentSize)

// maxFrame is the largest client frame the server reads into memory: a
// maximal attachment in base64 plus room for the JSON around it. Bigger
// frames up to hardFrameLimit are read and thrown away (answered with
// too_large); beyond that the connection is closed with 1009.
var maxFrame = int64(maxEncodedAttachment + 64<<10)

// hardFrameLimit is gorilla's read limit: above it the connection ends.
const hardFrameLimit = 16 << 20

// refusal is why a client frame was refused; it becomes an error frame.
// Its msg is for the developer of a client, so it is English and written
// here, not in prompts/: a page shows its user its own words, chosen by the
// stable code (the widget does).
type refusal struct {
	code string
	msg  string
}

func (r *refusal) Error() string { return r.code + ": " + r.msg }

func refuse(code, format string, args ...any) *refusal {
	return &refusal{code: code, msg: fmt.Sprintf(format, args...)}
}

// clientFrame is any frame a client may send; which fields matter depends
// on Type. Text is a pointer so a missing text differs from an empty one in
// the error message.
type clientFrame struct {
	Type        string  `json:"type"`
	Text        *string `json:"text"`
	ID          string  `json:"id"`
	Filename    string  `json:"filename"`
	ContentType string  `json:"content_type"`
	Data        string  `json:"data"`
	// ClientID names a user message so that sending it again (a page that
	// lost its connection and does not know whether it arrived) is harmless.
	ClientID string `json:"client_id"`
}

// maxClientID bounds a message's client_id; a UUID is 36.
const maxClientID = 64

// Client frame types.
const (
	typeMessage    = "message"
	typeAttachment = "attachment"
	typeAck        = "ack"
)

// parseFrame checks a raw client frame: UTF-8 first, because
// encoding/json would silently replace invalid bytes with U+FFFD.
func parseFrame(raw []byte) (clientFrame, *refusal) {
	var f clientFrame
	if !utf8.Valid(raw) {
		return f, refuse(CodeBadFrame, "the frame is not valid UTF-8")
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		return f, refuse(CodeBadFrame, "the frame is not a JSON object: %v", err)
	}
	switch f.Type {
	case typeMessage:
		if f.Text == nil {
			return f, refuse(CodeBadFrame, "a message frame needs a text")
		}
		if strings.TrimSpace(*f.Text) == "" {
			return f, refuse(CodeBadFrame, "the text is empty")
		}
		if n := utf8.RuneCountInString(*f.Text); n > tickets.MaxTextRunes {
			return f, refuse(CodeTooLong, "the text has %d characters, at most %d are allowed", n, tickets.MaxTextRunes)
		}
		if len(f.ClientID) > maxClientID || !validSessionID(f.ClientID) {
			return f, refuse(CodeBadFrame, "client_id must be at most %d printable ASCII characters without spaces", maxClientID)
		}
	case typeAttachment:
		if f.Data == "" {
			return f, refuse(CodeBadFrame, "an attachment frame needs data (base64)")
		}
		if utf8.RuneCountInString(f.Filename) > 255 {
			return f, refuse(CodeBadFrame, "the file name is longer than 255 characters")
		}
	case typeAck:
		if f.ID == "" {
			return f, refuse(CodeBadFrame, "an ack frame needs the id of a server message")
		}
	case "":
		return f, refuse(CodeBadFrame, "the frame has no type")
	default:
		return f, refuse(CodeUnknownType, "unknown frame type %q", clip(f.Type, 40))
	}
	return f, nil
}

// decodeAttachment turns an attachment frame into an upload. The size is
// judged from the encoded length before anything is decoded, so an
// oversized file costs no second buffer. A "data:...;base64," prefix (what
// FileReader.readAsDataURL gives a browser) is tolerated.
func decodeAttachment(f clientFrame) (*bot.Upload, *refusal) {
	data := f.Data
	if strings.HasPrefix(data, "data:") {
		_, after, ok := strings.Cut(data, ";base64,")
		if !ok {
			return nil, refuse(CodeBadFrame, "data is a data URL without base64 content")
		}
		data = after
	}
	if n := decodedLen(data); n > tickets.MaxAttachmentSize {
		return nil, refuse(CodeTooLarge, "the file has %d bytes, at most %d are allowed", n, tickets.MaxAttachmentSize)
	}
	b, err := base64.StdEncoding.DecodeString(data)
	if err != nil {
		return nil, refuse(CodeBadFrame, "data is not valid base64: %v", err)
	}
	if len(b) == 0 {
		return nil, refuse(CodeBadFrame, "the file is empty")
	}
	return &bot.Upload{Filename: f.Filename, ContentType: f.ContentType, Data: b}, nil
}

// decodedLen is the number of bytes standard base64 text of this length
// decodes to (an upper bound when the text is malformed).
func decodedLen(s string) int {
	n := len(s) / 4 * 3
	if rem := len(s) % 4; rem > 1 {
		n += rem - 1 // unpadded tail; DecodeString will refuse it, but count it anyway
	}
	for i := 0; i < 2 && len(s) > i && s[len(s)-1-i] == '='; i++ {
		n--
	}
	return n
}

// Server frames, in the contract's shapes.
type (
	sessionFrame struct {
		Type    string `json:"type"`
		Session string `json:"session"`
	}
	// messageFrame's Agent and At, and ticketFrame's Team, SLADue, DueText
	// and At, are additions to the contract: optional, so a client that
	// does not know them reads the frames as before.
	messageFrame struct {
		Type         string   `json:"type"`
		ID           string   `json:"id"`
		From         string   `json:"from"`
		Text         string   `json:"text"`
		QuickReplies []string `json:"quick_replies"`
		Agent        string   `json:"agent,omitempty"`
		At           string   `json:"at,omitempty"`
	}
	ticketFrame struct {
		Type     string `json:"type"`
		ID       string `json:"id"`
		TicketID string `json:"ticket_id"`
		Status   string `json:"status"`
		Queue    string `json:"queue"`
		Priority string `json:"priority"`
		Team     string `json:"team,omitempty"`
		SLADue   string `json:"sla_due,omitempty"`
		DueText  string `json:"due_text,omitempty"`
		At       string `json:"at,omitempty"`
	}
	// typingFrame is transient: it is never stored, never replayed and
	// has no id, so a client neither acknowledges nor deduplicates it.
	typingFrame struct {
		Type  string `json:"type"`
		From  string `json:"from"`
		Agent string `json:"agent,omitempty"`
	}
	// receivedFrame says a message with this client_id has been taken;
	// transient like typingFrame.
	receivedFrame struct {
		Type     string `json:"type"`
		ClientID string `json:"client_id"`
	}
	errorFrame struct {
		Type    string `json:"type"`
		Code    string `json:"code"`
		Message string `json:"message"`
	}
)

// errBadOutMessage marks an outbox message that cannot become a frame.
var errBadOutMessage = errors.New("outbox message cannot be sent on the web")

// encodeOut renders an outbox message as its frame. The frame depends on
// the stored message only, so a replay is byte-for-byte the first sending.
func encodeOut(m tickets.OutMessage) ([]byte, error) {
	switch m.Kind {
	case tickets.KindMessage:
		from := string(m.From)
		if from == "" {
			from = string(tickets.FromBot)
		}
		qr := m.QuickReplies
		if qr == nil {
			qr = []string{} // the contract promises an array
		}
		return json.Marshal(messageFrame{Type: "message", ID: m.ID, From: from, Text: m.Text, QuickReplies: qr,
			Agent: m.Agent, At: stamp(m.CreatedAt)})
	case tickets.KindTicket:
		if m.Ticket == nil {
			return nil, fmt.Errorf("%w: ticket message %s without a ticket", errBadOutMessage, m.ID)
		}
		ev := m.Ticket
		return json.Marshal(ticketFrame{Type: "ticket", ID: m.ID, TicketID: ev.TicketID,
			Status: string(ev.Status), Queue: ev.Queue, Priority: string(ev.Priority),
			Team: ev.Team, SLADue: stamp(ev.SLADue), DueText: ev.DueText, At: stamp(m.CreatedAt)})
	default:
		return nil, fmt.Errorf("%w: message %s of kind %q", errBadOutMessage, m.ID, m.Kind)
	}
}

// stamp is an RFC 3339 time for a frame, "" (left out) when unset.
func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339)
}

func encodeTyping(agent string) []byte {
	b, _ := json.Marshal(typingFrame{Type: "typing", From: string(tickets.FromAgent), Agent: agent}) // strings only: cannot fail
	return b
}

func encodeReceived(clientID string) []byte {
	b, _ := json.Marshal(receivedFrame{Type: "received", ClientID: clientID}) // strings only: cannot fail
	return b
}

func encodeSession(id string) []byte {
	b, _ := json.Marshal(sessionFrame{Type: "session", Session: id}) // strings only: cannot fail
	return b
}

func encodeError(r *refusal) []byte {
	b, _ := json.Marshal(errorFrame{Type: "error", Code: r.code, Message: r.msg}) // strings only: cannot fail
	return b
}

// clip shortens s to n runes for messages and logs.
func clip(s string, n int) string {
	i := 0
	for j := range s {
		if i == n {
			return s[:j] + "…"
		}
		i++
	}
	return s
}

package escalation

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// The rules file is read in two passes: json.Decoder's tokens become a tree
// of nodes that remember where each value and key starts, then rules.go walks
// the tree. Unmarshalling into structs would be shorter, but encoding/json
// reports neither where an unknown field is nor where a valid-JSON-but-wrong
// value is ("hgih" is a fine string), and a rule author needs both as
// file:line:col.

type kind int

const (
	kindObject kind = iota
	kindArray
	kindString
	kindNumber
	kindBool
	kindNull
)

func (k kind) String() string {
	return [...]string{"an object", "an array", "a string", "a number", "true/false", "null"}[k]
}

// member is one key of an object, in file order.
type member struct {
	key    string
	keyOff int
	val    *node
}

// node is one JSON value and the byte offset where it starts.
type node struct {
	kind    kind
	off     int
	str     string      // kindString
	b       bool        // kindBool
	num     json.Number // kindNumber
	members []member    // kindObject
	elems   []*node     // kindArray
}

// maxDepth bounds nesting: the rules need 3 levels, and a bound keeps a
// hostile file from recursing without end.
const maxDepth = 16

// maxRulesSize bounds the rules file; real ones are a few kilobytes.
const maxRulesSize = 1 << 20

// posError is one problem in a rules file, at a line and column.
type posError struct {
	file      string
	line, col int
	msg       string
}

func (e *posError) Error() string { return fmt.Sprintf("%s:%d:%d: %s", e.file, e.line, e.col, e.msg) }

// Unwrap lets callers test any rules error with errors.Is(err, ErrRules).
func (e *posError) Unwrap() error { return ErrRules }

// position turns a byte offset into a 1-based line and column; the column
// counts characters, not bytes, so it matches what an editor shows for a
// line with Chinese keywords on it.
func position(data []byte, off int) (line, col int) {
	off = min(max(off, 0), len(data))
	before := data[:off]
	line = 1 + bytes.Count(before, []byte{'\n'})
	lineStart := bytes.LastIndexByte(before, '\n') + 1
	return line, 1 + utf8.RuneCount(before[lineStart:])
}

func errorAt(name string, data []byte, off int, format string, args ...any) *posError {
	line, col := position(data, off)
	return &posError{file: name, line: line, col: col, msg: fmt.Sprintf(format, args...)}
}

type treeParser struct {
	name string
	data []byte
	dec  *json.Decoder
}

// parseTree reads data as one JSON value with positions.
func parseTree(name string, data []byte) (*node, error) {
	if len(data) > maxRulesSize {
		return nil, errorAt(name, data, maxRulesSize, "file larger than %d bytes", maxRulesSize)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	p := &treeParser{name: name, data: data, dec: dec}
	if p.skip(0) == len(data) {
		return nil, errorAt(name, data, 0, "empty file: want a JSON object")
	}
	n, err := p.value(0)
	if err != nil {
		return nil, err
	}
	off := p.skip(int(dec.InputOffset()))
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errorAt(name, data, off, "unexpected data after the end of the JSON value")
	}
	return n, nil
}

// skip returns the offset of the next token at or after off: json.Decoder's
// InputOffset stops before separators and white space.
func (p *treeParser) skip(off int) int {
	for off < len(p.data) {
		switch p.data[off] {
		case ' ', '\t', '\n', '\r', ',', ':':
			off++
		default:
			return off
		}
	}
	return off
}

// token reads the next token and the offset where it starts.
func (p *treeParser) token() (json.Token, int, error) {
	off := p.skip(int(p.dec.InputOffset()))
	tok, err := p.dec.Token()
	if err != nil {
		return nil, off, p.syntaxError(err, off)
	}
	return tok, off, nil
}

func (p *treeParser) syntaxError(err error, off int) error {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		// Offset is sometimes the bad byte and sometimes the white space
		// before it; skipping white space lands on the byte either way.
		return errorAt(p.name, p.data, p.skip(int(se.Offset)), "JSON syntax: %s", se.Error())
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return errorAt(p.name, p.data, len(p.data), "JSON syntax: unexpected end of file")
	}
	return errorAt(p.name, p.data, off, "JSON: %v", err)
}

func (p *treeParser) value(depth int) (*node, error) {
	tok, off, err := p.token()
	if err != nil {
		return nil, err
	}
	if depth > maxDepth {
		return nil, errorAt(p.name, p.data, off, "nested more than %d levels deep", maxDepth)
	}
	switch t := tok.(type) {
	case json.Delim:
		if t == '{' {
			return p.object(off, depth)
		}
		if t == '[' {
			return p.array(off, depth)
		}
		// A closing delimiter where a value belongs: the decoder reports
		// those itself, so this is only a guard.
		return nil, errorAt(p.name, p.data, off, "JSON syntax: unexpected %q", t)
	case string:
		return &node{kind: kindString, off: off, str: t}, nil
	case json.Number:
		return &node{kind: kindNumber, off: off, num: t}, nil
	case bool:
		return &node{kind: kindBool, off: off, b: t}, nil
	case nil:
		return &node{kind: kindNull, off: off}, nil
	}
	return nil, errorAt(p.name, p.data, off, "JSON: unexpected token %v", tok)
}

func (p *treeParser) object(off, depth int) (*node, error) {
	n := &node{kind: kindObject, off: off}
	seen := map[string]bool{}
	for p.dec.More() {
		tok, koff, err := p.token()
		if err != nil {
			return nil, err
		}
		key, ok := tok.(string)
		if !ok {
			return nil, errorAt(p.name, p.data, koff, "JSON syntax: want an object key")
		}
		// encoding/json keeps the last of two equal keys without a word;
		// in a rules file that silently drops a rule, so refuse it.
		if seen[key] {
			return nil, errorAt(p.name, p.data, koff, "duplicate key %q", key)
		}
		seen[key] = true
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		n.members = append(n.members, member{key: key, keyOff: koff, val: v})
	}
	if _, _, err := p.token(); err != nil { // the closing brace
		return nil, err
	}
	return n, nil
}

func (p *treeParser) array(off, depth int) (*node, error) {
	n := &node{kind: kindArray, off: off}
	for p.dec.More() {
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		n.elems = append(n.elems, v)
	}
	if _, _, err := p.token(); err != nil { // the closing bracket
		return nil, err
	}
	return n, nil
}

// Package docs holds no code: its test checks that the README, CONTRIBUTING.md
// and every page here link only to files and headings that exist, so moving a
// section cannot silently break the way a newcomer finds it.
package docs

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"
)

// TestRelativeLinks walks every relative link of the project's Markdown.
func TestRelativeLinks(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	files := []string{filepath.Join(root, "README.md"), filepath.Join(root, "CONTRIBUTING.md")}
	pages, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, pages...)
	checked := 0
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, f)
		for _, l := range links(string(src)) {
			checked++
			if err := checkLink(root, f, l.target); err != nil {
				t.Errorf("%s:%d: link %q: %v", rel, l.line, l.target, err)
			}
		}
	}
	// The README alone links to every page in docs/; far fewer means the
	// parser stopped seeing links, and the test would pass for nothing.
	if checked < len(pages)+5 {
		t.Fatalf("only %d links found in %d files: is the link parser broken?", checked, len(files))
	}
}

// TestCheckLink shows the checker catching what it is for.
func TestCheckLink(t *testing.T) {
	root := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("README.md", "# Top\n")
	write("docs/a.md", "# Page A\n\n## Routing: priority, queue and SLA\n\n### The `-routing` file\n\n"+
		"## Same\n\n## Same\n\n```\n## Not a heading\n```\n\n## A merchant's site\n")
	from := filepath.Join(root, "docs", "b.md")
	tests := []struct {
		target string
		ok     bool
	}{
		{"a.md", true},
		{"a.md#page-a", true},
		{"a.md#routing-priority-queue-and-sla", true},
		{"a.md#the--routing-file", true},
		{"a.md#same", true},
		{"a.md#same-1", true},
		{"a.md#same-2", false},
		{"a.md#a-merchants-site", true},
		{"a.md#not-a-heading", false},
		{"a.md#Page-A", false},
		{"missing.md", false},
		{"../README.md#top", true},
		{"../README.md#bottom", false},
		{"../../outside.md", false},
		{"#local", false},
		{".", true},
	}
	for _, tt := range tests {
		err := checkLink(root, from, tt.target)
		if (err == nil) != tt.ok {
			t.Errorf("checkLink(%q) = %v, want ok=%v", tt.target, err, tt.ok)
		}
	}
}

func TestLinks(t *testing.T) {
	src := "See [a](a.md) and ![pic](p.png \"title\").\n" +
		"`[not](code.md)` <https://example.com> [web](https://example.com)\n" +
		"```\n[fenced](no.md)\n```\n" +
		"| [cell](c.md#x) |\n"
	var got []string
	for _, l := range links(src) {
		got = append(got, fmt.Sprintf("%d:%s", l.line, l.target))
	}
	want := "1:a.md 1:p.png 6:c.md#x"
	if strings.Join(got, " ") != want {
		t.Errorf("links = %v, want %s", got, want)
	}
}

type link struct {
	line   int
	target string
}

var (
	linkRE       = regexp.MustCompile(`!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)`)
	inlineCodeRE = regexp.MustCompile("`[^`]*`")
)

// links returns the relative link targets of a Markdown text, outside code.
func links(src string) []link {
	var out []link
	fenced := false
	for i, line := range strings.Split(src, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fenced = !fenced
			continue
		}
		if fenced {
			continue
		}
		line = inlineCodeRE.ReplaceAllString(line, "")
		for _, m := range linkRE.FindAllStringSubmatch(line, -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			out = append(out, link{line: i + 1, target: target})
		}
	}
	return out
}

// checkLink resolves target as GitHub would from the file from: the path must
// exist inside root, and an #anchor must be a heading's slug in that file.
func checkLink(root, from, target string) error {
	path, anchor, _ := strings.Cut(target, "#")
	file := from
	if path != "" {
		file = filepath.Join(filepath.Dir(from), filepath.FromSlash(path))
	}
	if rel, err := filepath.Rel(root, file); err != nil || strings.HasPrefix(rel, "..") {
		return fmt.Errorf("points outside the repository")
	}
	info, err := os.Stat(file)
	if err != nil {
		return fmt.Errorf("no such file")
	}
	if anchor == "" {
		return nil
	}
	if info.IsDir() || !strings.HasSuffix(file, ".md") {
		return fmt.Errorf("#%s on something that is not a Markdown file", anchor)
	}
	src, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	for _, s := range slugs(string(src)) {
		if s == anchor {
			return nil
		}
	}
	return fmt.Errorf("no heading with anchor #%s", anchor)
}

var linkTextRE = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`)

// slugs returns the anchors GitHub gives the headings of a Markdown text:
// lower case, punctuation dropped, spaces made hyphens, repeats numbered -1, -2.
func slugs(src string) []string {
	var out []string
	seen := map[string]int{}
	fenced := false
	for _, line := range strings.Split(src, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fenced = !fenced
			continue
		}
		if fenced || !strings.HasPrefix(line, "#") {
			continue
		}
		text := strings.TrimLeft(line, "#")
		if !strings.HasPrefix(text, " ") {
			continue
		}
		text = linkTextRE.ReplaceAllString(strings.TrimSpace(text), "$1")
		var b strings.Builder
		for _, r := range strings.ToLower(text) {
			switch {
			case r == ' ':
				b.WriteRune('-')
			case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
				b.WriteRune(r)
			}
		}
		slug := b.String()
		if n := seen[slug]; n > 0 {
			out = append(out, fmt.Sprintf("%s-%d", slug, n))
		} else {
			out = append(out, slug)
		}
		seen[slug]++
	}
	return out
}

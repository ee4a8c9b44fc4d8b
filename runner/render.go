package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/alecthomas/chroma/v2/quick"
	"github.com/charmbracelet/glamour"
	"github.com/muesli/termenv"

	"github.com/redis-go-workbook/workbook/internal/workbook"
)

// renderChapter turns a step's chapter into terminal text: headings, tables
// and code with syntax colours, wrapped to the terminal's width.
func (a *app) renderChapter(s workbook.Step) (string, error) {
	b, err := os.ReadFile(filepath.Join(a.root, s.Chapter()))
	if err != nil {
		if os.IsNotExist(err) {
			return "", fmt.Errorf("the chapter %s is not written yet", s.Chapter())
		}
		return "", err
	}
	text, err := a.renderMarkdown(string(b))
	return text + a.exerciseNote(s), err
}

func (a *app) renderMarkdown(md string) (string, error) {
	// The sync markers (<!-- code: ... -->) are for the docs tool, not for
	// the reader.
	md = unwrapSoftBreaks(stripComments(md))
	// Code blocks are laid out here rather than by glamour, which wraps
	// long code lines, leaves tabs to the terminal and pads every line with
	// styled spaces: each block becomes a placeholder paragraph that is
	// replaced, after rendering, by the code itself.
	md, blocks := takeCodeBlocks(md)
	w, _ := a.ui.size()
	// Wrap at the terminal's width so narrow terminals stay readable; past
	// 120 columns long lines get hard to follow, so stop there.
	wrap := min(w, 120)
	opts := []glamour.TermRendererOption{glamour.WithWordWrap(wrap)}
	// The style is fixed rather than "auto": auto asks the terminal for its
	// background colour, which costs time and confuses some terminals.
	// GLAMOUR_STYLE=light (or any glamour style or JSON file) overrides it.
	switch style := os.Getenv("GLAMOUR_STYLE"); {
	case !a.ui.tty:
		// Piped or logged: plain text that still shows the structure.
		opts = append(opts, glamour.WithStandardStyle("notty"))
	case !a.ui.color:
		// NO_COLOR on a terminal: no colours, but bold and underline
		// still mark headings and emphasis.
		opts = append(opts, glamour.WithStandardStyle("dark"), glamour.WithColorProfile(termenv.Ascii))
	case style != "" && style != "auto":
		opts = append(opts, glamour.WithStylePath(style))
	default:
		opts = append(opts, glamour.WithStandardStyle("dark"))
	}
	r, err := glamour.NewTermRenderer(opts...)
	if err != nil {
		return "", err
	}
	out, err := r.Render(md)
	if err != nil {
		return "", err
	}
	// glamour pads every line to the wrap width with spaces, each in its
	// own colour codes: on a terminal a little narrower than expected every
	// line then wraps, and the page comes out double-spaced. Drop the
	// padding, codes and all.
	var lines []string
	for _, l := range strings.Split(strings.Trim(out, "\n"), "\n") {
		if i, ok := placeholderAt(l, len(blocks)); ok {
			lines = append(lines, a.codeLines(blocks[i], placeholderIndent(l))...)
			continue
		}
		lines = append(lines, trimPadding(l))
	}
	return strings.Join(lines, "\n") + "\n", nil
}

// codeBlock is a fenced block taken out of the markdown.
type codeBlock struct {
	lang string
	code string
}

const placeholder = "WORKBOOKCODEBLOCK"

var fence = regexp.MustCompile("^( *)(```+|~~~+)\\s*([\\w+-]*)")

// takeCodeBlocks replaces every fenced code block with a placeholder
// paragraph (at the block's indentation, so a block inside a list item
// stays there) and returns the blocks.
func takeCodeBlocks(md string) (string, []codeBlock) {
	var out []string
	var blocks []codeBlock
	lines := strings.Split(md, "\n")
	for i := 0; i < len(lines); i++ {
		m := fence.FindStringSubmatch(lines[i])
		if m == nil {
			out = append(out, lines[i])
			continue
		}
		indent, marker, lang := m[1], m[2], m[3]
		var code []string
		j := i + 1
		for ; j < len(lines); j++ {
			if t := strings.TrimLeft(lines[j], " "); strings.HasPrefix(t, marker) && strings.TrimSpace(strings.TrimLeft(t, marker[:1])) == "" {
				break
			}
			code = append(code, strings.TrimPrefix(lines[j], indent))
		}
		blocks = append(blocks, codeBlock{lang: lang, code: strings.Join(code, "\n")})
		out = append(out, "", fmt.Sprintf("%s%s%04d", indent, placeholder, len(blocks)-1), "")
		i = j
	}
	return strings.Join(out, "\n"), blocks
}

var placeholderRE = regexp.MustCompile(placeholder + `(\d{4})`)

func placeholderAt(line string, n int) (int, bool) {
	m := placeholderRE.FindStringSubmatch(ansiCodes.ReplaceAllString(line, ""))
	if m == nil {
		return 0, false
	}
	i, err := strconv.Atoi(m[1])
	return i, err == nil && i < n
}

func placeholderIndent(line string) int {
	plain := ansiCodes.ReplaceAllString(line, "")
	return runeLen(plain[:strings.Index(plain, placeholder)])
}

var (
	ansiCodes = regexp.MustCompile(`\x1b\[[0-9;]*m`)
	// padding is a line's trailing spaces, with the colour codes around them.
	padding = regexp.MustCompile(`(?:\x1b\[[0-9;]*m| )+$`)
)

// trimPadding drops a rendered line's trailing spaces and the colour codes
// wrapped around each of them, and resets the colour if codes were dropped.
func trimPadding(l string) string {
	loc := padding.FindStringIndex(l)
	if loc == nil {
		return l
	}
	if strings.Contains(l[loc[0]:], "\x1b[") {
		return l[:loc[0]] + cReset
	}
	return l[:loc[0]]
}

// tabWidth is how wide a tab in a code block is shown (gofmt indents with
// tabs; a terminal would make each eight columns).
const tabWidth = 4

// codeLines lays out a code block: indented under the text, tabs expanded,
// coloured when colour is on, and never wrapped: a line longer than the
// terminal runs past its edge, as it would in an editor, rather than break
// in the middle of an identifier.
func (a *app) codeLines(b codeBlock, indent int) []string {
	code := expandTabs(strings.TrimRight(b.code, "\n"), tabWidth)
	if a.ui.color && b.lang != "" && b.lang != "text" {
		style := "monokai"
		if strings.Contains(os.Getenv("GLAMOUR_STYLE"), "light") {
			style = "github"
		}
		var buf strings.Builder
		if err := quick.Highlight(&buf, code, b.lang, "terminal256", style); err == nil {
			code = buf.String()
		}
	}
	margin := strings.Repeat(" ", indent+2)
	var out []string
	for _, l := range strings.Split(strings.TrimRight(code, "\n"), "\n") {
		if a.ui.color {
			l = trimPadding(l) + cReset
		} else {
			l = strings.TrimRight(l, " ")
		}
		if ansiCodes.ReplaceAllString(l, "") == "" {
			out = append(out, "")
			continue
		}
		out = append(out, margin+l)
	}
	return out
}

// expandTabs replaces tabs with spaces up to the next multiple of width.
func expandTabs(s string, width int) string {
	if !strings.Contains(s, "\t") {
		return s
	}
	var b strings.Builder
	col := 0
	for _, r := range s {
		switch r {
		case '\t':
			n := width - col%width
			b.WriteString(strings.Repeat(" ", n))
			col += n
		case '\n':
			b.WriteRune(r)
			col = 0
		default:
			b.WriteRune(r)
			col++
		}
	}
	return b.String()
}

// unwrapSoftBreaks joins the lines of a paragraph or list item that the
// author wrapped by hand. Markdown treats such a line break as a space, but
// glamour keeps it inside list items, which leaves ragged half-lines once
// it wraps the text to the terminal's width.
func unwrapSoftBreaks(md string) string {
	var out []string
	inFence := false
	joinable := false // the previous line may take a continuation
	for _, l := range strings.Split(md, "\n") {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~") {
			inFence = !inFence
			out = append(out, l)
			joinable = false
			continue
		}
		if inFence {
			out = append(out, l)
			continue
		}
		if joinable && t != "" && !startsBlock(t) {
			out[len(out)-1] += " " + strings.TrimLeft(l, " \t") // keeps a hard break's trailing spaces
		} else {
			out = append(out, l)
		}
		last := out[len(out)-1]
		lt := strings.TrimSpace(last)
		joinable = lt != "" && !strings.HasPrefix(lt, "#") && !strings.HasPrefix(lt, "|") &&
			!strings.HasPrefix(lt, ">") && !strings.HasPrefix(lt, "<") &&
			!strings.HasSuffix(last, "  ") && !strings.HasSuffix(last, "\\") &&
			!(strings.HasPrefix(last, "    ") && len(out) > 1 && strings.TrimSpace(out[len(out)-2]) == "")
	}
	return strings.Join(out, "\n")
}

var blockStart = regexp.MustCompile(`^([-*+]\s|\d+[.)]\s|#|\||>|<|={3,}|-{3,}|\*{3,}|_{3,})`)

// startsBlock reports whether a line begins a new block (a list item, a
// heading, a table row...) rather than continuing the previous line.
func startsBlock(t string) bool { return blockStart.MatchString(t) }

// stripComments removes HTML comments (whole lines only, as docsync writes
// them).
func stripComments(md string) string {
	lines := strings.Split(md, "\n")
	kept := lines[:0]
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "<!--") && strings.HasSuffix(t, "-->") {
			continue
		}
		kept = append(kept, l)
	}
	return strings.Join(kept, "\n")
}

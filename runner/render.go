package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

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
	// glamour pads every line to the wrap width; the padding only gets in
	// the way when the terminal is narrower than expected, or in a log.
	lines := strings.Split(strings.Trim(out, "\n"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n") + "\n", nil
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

package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/term"
)

// ui is everything the runner knows about the learner's terminal: whether
// it may use colour, how wide and tall it is, and whether it may wait for
// keys. All output goes through it, so that raw mode (where the terminal no
// longer turns "\n" into "\r\n") and colour are handled in one place.
type ui struct {
	w           *termWriter
	color       bool // NO_COLOR unset, TERM not dumb, stdout a terminal
	tty         bool // stdout is a terminal (spinners, pager)
	interactive bool // stdin is a terminal and --no-input was not given

	stdinFd int
	raw     *term.State
	keys    chan key
}

func newUI(noInput, noColor bool) *ui {
	u := &ui{stdinFd: int(os.Stdin.Fd())}
	u.w = &termWriter{out: os.Stdout}
	u.tty = term.IsTerminal(int(os.Stdout.Fd()))
	// https://no-color.org: any non-empty NO_COLOR turns colour off.
	u.color = u.tty && !noColor && os.Getenv("NO_COLOR") == "" && os.Getenv("TERM") != "dumb"
	u.interactive = !noInput && u.tty && term.IsTerminal(u.stdinFd)
	return u
}

// size is the terminal's width and height, or COLUMNS/LINES, or 80×24.
func (u *ui) size() (int, int) {
	w, h, err := term.GetSize(int(os.Stdout.Fd()))
	if err != nil || w <= 0 || h <= 0 {
		w, h = envInt("COLUMNS", 80), envInt("LINES", 24)
	}
	return w, h
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// Write lets the ui be used as an io.Writer.
func (u *ui) Write(p []byte) (int, error) { return u.w.Write(p) }

func (u *ui) printf(format string, args ...any) { fmt.Fprintf(u.w, format, args...) }
func (u *ui) println(args ...any)               { fmt.Fprintln(u.w, args...) }

// Colours are plain ANSI codes: 16-colour codes look right on every
// terminal theme, light or dark.
const (
	cReset  = "\x1b[0m"
	cBold   = "\x1b[1m"
	cDim    = "\x1b[2m"
	cRed    = "\x1b[31m"
	cGreen  = "\x1b[32m"
	cYellow = "\x1b[33m"
	cBlue   = "\x1b[34m"
	cCyan   = "\x1b[36m"
	cRev    = "\x1b[7m"
)

// paint wraps s in a colour when colour is on.
func (u *ui) paint(code, s string) string {
	if !u.color || s == "" {
		return s
	}
	return code + s + cReset
}

func (u *ui) bold(s string) string   { return u.paint(cBold, s) }
func (u *ui) dim(s string) string    { return u.paint(cDim, s) }
func (u *ui) red(s string) string    { return u.paint(cRed, s) }
func (u *ui) green(s string) string  { return u.paint(cGreen, s) }
func (u *ui) yellow(s string) string { return u.paint(cYellow, s) }
func (u *ui) cyan(s string) string   { return u.paint(cCyan, s) }

// Marks used everywhere: passed, warning/skipped, failed.
func (u *ui) ok() string   { return u.green("✓") }
func (u *ui) warn() string { return u.yellow("!") }
func (u *ui) bad() string  { return u.red("✗") }

// rule is a heading line as wide as the terminal (at most 100 columns).
func (u *ui) rule(title string) string {
	w, _ := u.size()
	if w > 100 {
		w = 100
	}
	line := "── " + title + " "
	if pad := w - runeLen(line); pad > 0 {
		line += strings.Repeat("─", pad)
	}
	return u.paint(cBold+cBlue, line)
}

func runeLen(s string) int { return len([]rune(s)) }

// termWriter writes to the terminal, adding the "\r" that raw mode no longer
// adds before each "\n". It is safe for concurrent use, so a step's stdout
// and stderr can stream through it at the same time.
type termWriter struct {
	mu  sync.Mutex
	out io.Writer
	raw bool
}

func (t *termWriter) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.raw {
		return t.out.Write(p)
	}
	b := bytes.ReplaceAll(p, []byte("\r\n"), []byte("\n"))
	b = bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n"))
	if _, err := t.out.Write(b); err != nil {
		return 0, err
	}
	return len(p), nil
}

// startKeys puts the terminal in raw mode (keys arrive one at a time,
// unechoed, and Ctrl-C arrives as a key instead of killing the runner with
// a container still running) and starts reading keys.
func (u *ui) startKeys() error {
	if u.keys != nil {
		return nil // already reading keys
	}
	st, err := term.MakeRaw(u.stdinFd)
	if err != nil {
		return err
	}
	u.raw = st
	u.w.mu.Lock()
	u.w.raw = true
	u.w.mu.Unlock()
	u.keys = make(chan key, 16)
	go readKeys(os.Stdin, u.keys)
	return nil
}

// restore gives the terminal back as it was. Safe to call more than once.
func (u *ui) restore() {
	if u.tty {
		u.printf("\x1b[?7h") // auto-wrap back on, should a chapter have been cut short
	}
	if u.raw != nil {
		_ = term.Restore(u.stdinFd, u.raw)
		u.raw = nil
		u.w.mu.Lock()
		u.w.raw = false
		u.w.mu.Unlock()
	}
}

// key is one key press: a printable character ("r", "5") or a name
// ("enter", "up", "pgdn", "ctrl-c", "eof").
type key string

// nextKey waits for a key press.
func (u *ui) nextKey() key {
	k, ok := <-u.keys
	if !ok {
		return "eof"
	}
	return k
}

// readKeys turns raw bytes into keys. Terminals send an escape sequence in
// one write, so one read holds whole sequences.
func readKeys(r io.Reader, out chan<- key) {
	buf := make([]byte, 256)
	for {
		n, err := r.Read(buf)
		for _, k := range parseKeys(buf[:n]) {
			out <- k
		}
		if err != nil {
			close(out)
			return
		}
	}
}

var escapes = map[string]key{
	"\x1b[A": "up", "\x1b[B": "down", "\x1b[C": "right", "\x1b[D": "left",
	"\x1bOA": "up", "\x1bOB": "down", "\x1bOC": "right", "\x1bOD": "left",
	"\x1b[5~": "pgup", "\x1b[6~": "pgdn", "\x1b[H": "home", "\x1b[F": "end",
	"\x1b[1~": "home", "\x1b[4~": "end", "\x1bOH": "home", "\x1bOF": "end",
}

func parseKeys(b []byte) []key {
	var keys []key
	s := string(b)
	for len(s) > 0 {
		if s[0] == 0x1b {
			matched := false
			for seq, k := range escapes {
				if strings.HasPrefix(s, seq) {
					keys, s, matched = append(keys, k), s[len(seq):], true
					break
				}
			}
			if !matched {
				// A lone Esc, or a sequence we don't use: drop the rest of
				// a CSI sequence so its letters are not taken as commands.
				if len(s) > 1 && (s[1] == '[' || s[1] == 'O') {
					i := 2
					for i < len(s) && !(s[i] >= 0x40 && s[i] <= 0x7e) {
						i++
					}
					s = s[min(i+1, len(s)):]
					continue
				}
				keys, s = append(keys, "esc"), s[1:]
			}
			continue
		}
		switch c := s[0]; c {
		case '\r', '\n':
			keys = append(keys, "enter")
		case 3:
			keys = append(keys, "ctrl-c")
		case 4:
			keys = append(keys, "eof")
		case 127, 8:
			keys = append(keys, "backspace")
		case ' ':
			keys = append(keys, "space")
		default:
			if c < 32 {
				break // other control keys mean nothing here
			}
			r := []rune(s)[0]
			keys = append(keys, key(string(r)))
			s = s[len(string(r)):]
			continue
		}
		s = s[1:]
	}
	return keys
}

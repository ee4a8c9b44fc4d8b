package main

import (
	"fmt"
	"strings"
)

// page shows text one screen at a time, like `less`, when it is longer than
// the terminal; otherwise, or when nothing may wait for keys, it just prints
// it. It returns the key that ended paging when that key is one of the
// notebook's actions (r, c, n...), so that pressing "r" while reading runs
// the step straight away; "q", Esc or reaching the end just stop paging.
func (u *ui) page(title, text string) key {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	if u.tty {
		// A code line longer than the terminal runs past its edge instead
		// of wrapping into the next line (which would also throw the
		// pager's line count off): turn the terminal's auto-wrap off while
		// the chapter is shown. Prose is already wrapped to the width.
		u.printf("\x1b[?7l")
		defer u.printf("\x1b[?7h")
	}
	_, h := u.size()
	body := h - 1 // the last line is the status bar
	if !u.interactive || len(lines) <= body || body < 3 {
		u.printf("%s\n", strings.Join(lines, "\n"))
		return ""
	}
	top := 0
	for {
		// The terminal may have been resized since the last key.
		if _, h = u.size(); h-1 >= 3 {
			body = min(h-1, len(lines))
		}
		last := len(lines) - body
		top = max(0, min(top, last))
		u.printf("\x1b[H\x1b[2J%s\n", strings.Join(lines[top:top+body], "\n"))
		pct := 100 * (top + body) / len(lines)
		status := fitBar(u, fmt.Sprintf(" %s · %d%% · space/↓ more · b/↑ back · q done reading · r run · ? keys ", title, pct),
			fmt.Sprintf(" %s · %d%% · space more · b back · q done ", title, pct))
		if top == last {
			status = fitBar(u, fmt.Sprintf(" %s · end · q done reading · r run · n next · ? keys ", title),
				fmt.Sprintf(" %s · end · q done ", title))
		}
		u.printf("%s", u.paint(cRev, status))
		k := u.nextKey()
		u.printf("\r\x1b[K")
		switch k {
		case "space", "pgdn", "f":
			top += body - 1
		case "down", "j", "enter":
			if top == last && k == "enter" {
				return ""
			}
			top++
		case "up", "k":
			top--
		case "b", "pgup":
			top -= body - 1
		case "g", "home":
			top = 0
		case "G", "end":
			top = last
		case "q", "esc":
			return ""
		default:
			return k // an action: leave the page on screen and do it
		}
	}
}

//go:build !windows

package main

// The end-to-end test drives the interactive runner the way a learner does:
// in a real pseudo-terminal, pressing keys and reading the screen. It waits
// for text with a deadline, never for a fixed time, so it is as fast as the
// machine allows and does not flake on a slow one.

import (
	"encoding/json"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/redis-go-workbook/workbook/internal/embedded"
	"github.com/redis-go-workbook/workbook/internal/workbook"
)

// screen is a runner in a pseudo-terminal and everything it has printed.
type screen struct {
	t    *testing.T
	cmd  *exec.Cmd
	tty  *os.File
	mu   sync.Mutex
	out  strings.Builder
	seen int // where the next wait starts looking
	done chan struct{}
}

func startRunner(t *testing.T, env []string, args ...string) *screen {
	t.Helper()
	return startRunnerSized(t, 110, env, args...)
}

func startRunnerSized(t *testing.T, cols int, env []string, args ...string) *screen {
	t.Helper()
	return startRunnerWith(t, buildRunner(t), "", cols, env, args...)
}

// startRunnerWith starts the runner binary bin in dir (the current
// directory when "") in a pseudo-terminal cols wide.
func startRunnerWith(t *testing.T, bin, dir string, cols int, env []string, args ...string) *screen {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("skipped: pseudo-terminals need a Unix system")
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	cmd.Dir = dir
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: uint16(cols)})
	if err != nil {
		t.Fatalf("starting the runner in a pseudo-terminal: %v", err)
	}
	s := &screen{t: t, cmd: cmd, tty: tty, done: make(chan struct{})}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := tty.Read(buf)
			s.mu.Lock()
			s.out.Write(buf[:n])
			s.mu.Unlock()
			if err != nil {
				close(s.done)
				return
			}
		}
	}()
	t.Cleanup(func() { stop(cmd); tty.Close() })
	return s
}

// text is everything printed so far, without colours and cursor moves.
func (s *screen) text() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return ansi.ReplaceAllString(s.out.String(), "")
}

// waitFor waits until pattern appears after what earlier waits matched,
// and returns the match.
func (s *screen) waitFor(pattern string, within time.Duration) string {
	s.t.Helper()
	re := regexp.MustCompile(pattern)
	deadline := time.Now().Add(within)
	for {
		text := s.text()
		if loc := re.FindStringIndex(text[min(s.seen, len(text)):]); loc != nil {
			match := text[s.seen+loc[0] : s.seen+loc[1]]
			s.seen += loc[1]
			return match
		}
		select {
		case <-s.done:
			if re.MatchString(s.text()[min(s.seen, len(s.text())):]) {
				continue
			}
			s.t.Fatalf("the runner exited before showing %q; it printed:\n%s", pattern, tail(s.text(), 3000))
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("no %q within %s; the screen ends with:\n%s", pattern, within, tail(s.text(), 3000))
		}
	}
}

// expect is waitFor that fails at once, rather than at the deadline, when
// the runner reports a failure (a line starting with ✗) first.
func (s *screen) expect(pattern string, within time.Duration) {
	s.t.Helper()
	if m := s.waitFor(`(`+pattern+`|✗ [^\n]*)`, within); strings.Contains(m, "✗") && !regexp.MustCompile(pattern).MatchString(m) {
		s.t.Fatalf("waiting for %q, the runner reported %q; the screen ends with:\n%s", pattern, m, tail(s.text(), 3000))
	}
}

func (s *screen) press(keys string) {
	s.t.Helper()
	if _, err := io.WriteString(s.tty, keys); err != nil {
		s.t.Fatalf("pressing %q: %v", keys, err)
	}
}

func (s *screen) waitExit(within time.Duration) {
	s.t.Helper()
	select {
	case <-s.done:
	case <-time.After(within):
		s.t.Fatalf("the runner did not exit; the screen ends with:\n%s", tail(s.text(), 2000))
	}
	if err := s.cmd.Wait(); err != nil {
		s.t.Fatalf("the runner exited with %v", err)
	}
}

// leavePage gets from a step's chapter to its key bar: a long chapter is
// paged (q stops reading), a short one is not.
func (s *screen) leavePage(step string) {
	s.t.Helper()
	if m := s.waitFor(`Step `+step+` · (\d+%|end|Enter:)`, 30*time.Second); !strings.Contains(m, "Enter:") {
		s.press("q")
		s.waitFor(`Step `+step+` · Enter:`, 10*time.Second)
	}
}

func TestInteractiveWalkThroughStepOneAndBack(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped in -short mode: compiles and runs step 1 and its checks")
	}
	one, ok := workbook.Get(1)
	if !ok {
		t.Skip("skipped: the manifest has no step 1")
	}
	two, ok := workbook.Get(2)
	if !ok {
		t.Skip("skipped: the manifest has no step 2")
	}
	progress := filepath.Join(t.TempDir(), "progress.json")
	env := e2eEnv(t, progress)

	s := startRunner(t, env)
	// The first screen: welcome, step list, and the server it found.
	s.waitFor(`where you are`, 10*time.Second)
	s.waitFor(`Redis: using`, 60*time.Second)
	s.waitFor(`Enter: open step 1`, 10*time.Second)
	s.press("\r")

	// Step 1's chapter, then run it straight from the page with r.
	s.waitFor(`Step 1 of \d+ · `+regexp.QuoteMeta(one.Title), 10*time.Second)
	s.waitFor(`Goal`, 10*time.Second)
	s.waitFor(`Step 1 · (\d+%|end|Enter:)`, 10*time.Second)
	s.press("r")
	s.expect(`PING → PONG`, 2*time.Minute)
	s.expect(`the output matches the expected output`, 30*time.Second)

	// Enter now means "check"; the checks pass one line each.
	s.waitFor(`Enter: check`, 10*time.Second)
	s.press("\r")
	s.expect(`✓ TestOutput`, 3*time.Minute)
	s.expect(`all of step 1's lesson checks passed`, time.Minute)
	if one.Exercise == nil {
		s.waitFor(`Step 1 done`, 10*time.Second)
	} else {
		// The shipped exercise is a stub: the step is not done yet.
		s.waitFor(`the exercise is not done yet`, time.Minute)
		s.waitFor(`step 1 is not done yet`, 10*time.Second)
	}

	// On to step 2, then quit. (Keys typed while the checks run are not
	// kept: wait for the prompt.)
	s.waitFor(`Step 1 · Enter: next step`, 10*time.Second)
	s.press("n")
	s.waitFor(`Step 2 of \d+ · `+regexp.QuoteMeta(two.Title), 10*time.Second)
	s.leavePage("2")
	s.press("q")
	s.waitFor(`brings you back to step 2`, 10*time.Second)
	s.waitExit(20 * time.Second)

	var saved workbook.Progress
	b, err := os.ReadFile(progress)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &saved); err != nil {
		t.Fatal(err)
	}
	if saved.Current != 2 || saved.Steps[1] == nil || !saved.Steps[1].Passed || !saved.Steps[1].Matched || saved.Steps[1].Done(one) != (one.Exercise == nil) {
		t.Fatalf("saved progress: %s", b)
	}

	// Starting again lands on step 2, with step 1 marked done.
	s = startRunner(t, env)
	s.waitFor(`✓\s+1\s+`+regexp.QuoteMeta(one.Title), 10*time.Second)
	s.waitFor(`Enter: open step 2`, 60*time.Second)
	s.press("q")
	s.waitExit(20 * time.Second)
}

func TestKeysWhileReadingAndJumping(t *testing.T) {
	if len(workbook.Steps()) < 2 {
		t.Skip("skipped: needs two steps")
	}
	last := workbook.Steps()[len(workbook.Steps())-1]
	env := e2eEnv(t, filepath.Join(t.TempDir(), "progress.json"))
	s := startRunner(t, env)
	s.waitFor(`Enter: open step 1`, 60*time.Second)
	s.press("?")
	s.waitFor(`go to step N`, 10*time.Second)
	// Jump to the last step by number; a chapter page takes the keys too.
	s.press("g")
	s.waitFor(`go to step \(`, 10*time.Second)
	s.press(strings.TrimLeft(last.Slug[:2], "0") + "\r")
	s.waitFor(regexp.QuoteMeta(last.Title), 10*time.Second)
	s.leavePage(regexp.QuoteMeta(strings.TrimLeft(last.Slug[:2], "0")))
	s.press("n")
	s.waitFor(`that was the last step`, 10*time.Second)
	s.press("h")
	s.waitFor(`hint 1/|no hints`, 10*time.Second)
	s.press("x")
	s.waitFor(`does nothing here`, 10*time.Second)
	s.press("\x03") // Ctrl-C quits, saving progress, and leaves no server behind
	s.waitFor(`Progress saved`, 10*time.Second)
	s.waitExit(20 * time.Second)
}

// BenchmarkFirstScreen measures how long the interactive runner takes to
// show its first screen (welcome and step list), once built. The target is
// under 150 ms: the server starts behind it.
func BenchmarkFirstScreen(b *testing.B) {
	bin := buildRunner(b)
	env := e2eEnv(b, filepath.Join(b.TempDir(), "progress.json"))
	for b.Loop() {
		cmd := exec.Command(bin)
		cmd.Env = env
		tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 110})
		if err != nil {
			b.Fatal(err)
		}
		var out strings.Builder
		buf := make([]byte, 4096)
		for !strings.Contains(out.String(), "where you are") {
			n, err := tty.Read(buf)
			out.Write(buf[:n])
			if err != nil {
				b.Fatalf("exited before the first screen:\n%s", out.String())
			}
		}
		b.StopTimer()
		stop(cmd)
		tty.Close()
		b.StartTimer()
	}
}

// A learner whose server is down gets the doctor, starts the server, and
// presses r: the runner tries again instead of repeating the old error.
func TestServerDownThenUp(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped in -short mode: compiles and runs step 1")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	env := append(e2eEnv(t, filepath.Join(t.TempDir(), "p.json")), "REDIS_URL=redis://"+addr+"/0", "WORKBOOK_REDIS=url")
	s := startRunner(t, env)
	s.waitFor(`✗ Reachable`, 30*time.Second)
	s.waitFor(`connection refused`, 10*time.Second)
	s.waitFor(`Enter: open step 1`, 10*time.Second)

	// The learner starts a server where REDIS_URL points.
	srv, err := embedded.Start(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	s.press("\r")
	s.waitFor(`Step 1 · (\d+%|end|Enter:)`, 10*time.Second)
	s.press("r")
	s.expect(`Redis: using`, 30*time.Second)
	s.expect(`the output matches the expected output`, 2*time.Minute)
	s.press("q")
	s.waitExit(20 * time.Second)
}

// NO_COLOR on a terminal: marks and layout stay, colours go.
func TestNoColorOnATerminal(t *testing.T) {
	env := append(e2eEnv(t, filepath.Join(t.TempDir(), "p.json")), "NO_COLOR=1")
	s := startRunner(t, env, "show", "1")
	s.waitFor(`Step 1 of`, 20*time.Second)
	s.press("G")
	s.press("q")
	s.waitExit(20 * time.Second)
	s.mu.Lock()
	raw := s.out.String()
	s.mu.Unlock()
	if m := regexp.MustCompile(`\x1b\[[0-9;]*(3[0-9]|9[0-7]|38;[25])[0-9;]*m`).FindString(raw); m != "" {
		t.Fatalf("a colour code %q with NO_COLOR set", m)
	}
}

// A chapter read in a terminal of 60, 80 or 120 columns, with colour: prose
// is wrapped to the width without padding (which a terminal would wrap
// into blank lines), and code reads as code: tabs expanded, every line
// whole, even one longer than the terminal (it runs past the edge).
func TestChapterCodeReadsAsCodeAtEveryWidth(t *testing.T) {
	root, err := workbook.Root()
	if err != nil {
		t.Fatal(err)
	}
	step, ok := workbook.Get(4)
	if !ok {
		t.Skip("skipped: no step 4")
	}
	md, err := os.ReadFile(filepath.Join(root, step.Chapter()))
	if err != nil {
		t.Skipf("skipped: %v", err)
	}
	_, blocks := takeCodeBlocks(string(md))
	code := map[string]bool{}
	var tabbed, long []string
	for _, b := range blocks {
		for _, l := range strings.Split(b.code, "\n") {
			e := strings.TrimSpace(expandTabs(l, tabWidth))
			code[e] = true
			if strings.HasPrefix(l, "\t") && len(e) > 10 {
				tabbed = append(tabbed, e)
			}
			if runeLen(expandTabs(l, tabWidth)) > 64 {
				long = append(long, e)
			}
		}
	}
	if len(tabbed) == 0 {
		t.Fatalf("%s has no indented code to check", step.Chapter())
	}
	for _, cols := range []int{60, 80, 120} {
		t.Run(strconv.Itoa(cols), func(t *testing.T) {
			env := append(e2eEnv(t, filepath.Join(t.TempDir(), "p.json")), "NO_COLOR=", "GLAMOUR_STYLE=")
			s := startRunnerSized(t, cols, env, "show", "4", "--no-input")
			s.waitExit(30 * time.Second)
			s.mu.Lock()
			raw := s.out.String()
			s.mu.Unlock()
			if !strings.Contains(raw, "\x1b[38;5;") {
				t.Fatal("no colour: this test is about the coloured rendering")
			}
			plain := strings.Split(strings.ReplaceAll(ansi.ReplaceAllString(raw, ""), "\r", ""), "\n")
			seen := map[string]bool{}
			for _, l := range plain {
				if strings.Contains(l, "\t") {
					t.Errorf("a tab reached the terminal: %q", l)
				}
				if l != strings.TrimRight(l, " ") {
					t.Errorf("trailing padding (a terminal wraps it into a blank line): %q", l)
				}
				trimmed := strings.TrimSpace(l)
				if code[trimmed] {
					seen[trimmed] = true
					continue
				}
				if w := runeLen(l); w > cols {
					t.Errorf("a %d-column line of prose at %d columns: %q", w, cols, l)
				}
			}
			for _, want := range append(tabbed[:min(5, len(tabbed))], long...) {
				if !seen[want] {
					t.Errorf("code line not shown whole on one line: %q", want)
				}
			}
		})
	}
}

// reset (every step) asks first on a terminal, and a no keeps everything.
func TestResetAllAsksFirst(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.json")
	p, _ := workbook.LoadProgress(path)
	p.Update(1, func(s *workbook.StepProgress) { s.Checked, s.Passed = true, true })
	if err := p.Save(); err != nil {
		t.Fatal(err)
	}
	env := e2eEnv(t, path)
	s := startRunner(t, env, "reset")
	s.waitFor(`Forget your progress on all \d+ steps\? \[y/N\]`, 30*time.Second)
	s.press("n\r")
	s.waitFor(`Nothing forgotten`, 10*time.Second)
	s.waitExit(20 * time.Second)
	if q, _ := workbook.LoadProgress(path); !q.Step(1).Passed {
		t.Fatal("a no forgot the progress")
	}
	s = startRunner(t, env, "reset")
	s.waitFor(`\[y/N\]`, 30*time.Second)
	s.press("y\r")
	s.waitFor(`progress forgotten`, 10*time.Second)
	s.waitExit(20 * time.Second)
	if q, _ := workbook.LoadProgress(path); len(q.Steps) != 0 {
		t.Fatalf("a yes kept %+v", q.Steps)
	}
}

package main

import (
	"context"
	"fmt"
	"os/exec"
	"strconv"

	"github.com/redis-go-workbook/workbook/internal/workbook"
)

// session is the interactive notebook: one step on screen at a time, and
// single keys to act on it.
type session struct {
	a   *app
	cur workbook.Step
	// What was done to the current step since it was opened: Enter does
	// the next of run → check → next step.
	ran, checked, passed bool
}

const helpText = `Keys
  Enter        do the next thing: run the step, then check it, then go to the next step
  r            run the step's program again (its output is compared with the expected output)
  c            run the step's checks (the lesson's tests and the exercise's)
  w            watch the exercise: re-run its tests on every save, until they pass
  n  →         next step            p  ←   previous step
  h            a hint (again for the next one; the exercise's when it has one)
  g  or 1–9    go to step N (type the number, then Enter)
  v            view the chapter again
  l            list the steps with your progress
  d            doctor: check your setup and the Redis server
  q  Ctrl-C    quit (your progress is saved; you come back to this step)
While a chapter is paged: space/↓ more, b/↑ back, q stop reading; r, c, n, p work there too.
While a step runs: q or Ctrl-C stops it.`

func (a *app) interactive(ctx context.Context, start int) int {
	u := a.ui
	if len(a.steps) == 0 {
		u.println("The manifest lists no steps yet.")
		return 1
	}
	if err := u.startKeys(); err != nil {
		u.interactive = false
		return a.walkWithoutKeys(ctx)
	}
	if start == 0 {
		start = a.prog.Resume(a.steps)
	}
	a.welcome()
	a.printList(start)
	u.println()
	// The server is needed only to run a step, but a container takes a
	// moment: start it now, behind the first screen (not before it, so
	// that the screen appears at once), while the learner reads.
	a.startServer(ctx)
	first, quit := a.startScreen(ctx, start)
	if quit {
		return 0
	}

	s := &session{a: a}
	pending := s.open(first)
	for {
		k := pending
		pending = ""
		if k == "" {
			s.prompt()
			k = u.nextKey()
			u.printf("\r\x1b[K")
		}
		switch k {
		case "q", "ctrl-c", "eof":
			a.prog.Current = s.cur.Number
			a.save()
			u.printf("Progress saved. `go run ./runner` brings you back to step %d.\n", s.cur.Number)
			return 0
		case "enter":
			switch {
			case !s.ran:
				s.run(ctx)
			case !s.checked:
				s.check(ctx)
			default:
				pending = s.move(+1)
			}
		case "r":
			s.run(ctx)
		case "c":
			s.check(ctx)
		case "n", "right":
			pending = s.move(+1)
		case "p", "left":
			pending = s.move(-1)
		case "h":
			a.hint(s.cur)
		case "w":
			pending = s.watch(ctx)
		case "v":
			u.println(u.rule(a.stepTitle(s.cur)))
			pending = s.chapter()
		case "l":
			a.printList(s.cur.Number)
		case "d":
			a.runDoctor(ctx, true)
		case "?":
			u.println(helpText)
		case "g":
			if st, ok := a.jump(""); ok {
				pending = s.open(st)
			}
		default:
			if isDigit(k) {
				if st, ok := a.jump(string(k)); ok {
					pending = s.open(st)
				}
			} else {
				u.printf("%s\n", u.dim(fmt.Sprintf("%q does nothing here; ? lists the keys", string(k))))
			}
		}
	}
}

// open shows a step: its title and chapter. It returns a key pressed while
// reading the chapter, if that key was an action.
func (s *session) open(st workbook.Step) key {
	s.cur = st
	s.ran, s.checked, s.passed = false, false, false
	s.a.prog.Current = st.Number
	s.a.save()
	title := s.a.stepTitle(st)
	if s.a.prog.Step(st.Number).Done(st) {
		title += " · ✓ done"
	}
	s.a.ui.println(s.a.ui.rule(title))
	return s.chapter()
}

func (s *session) chapter() key {
	u := s.a.ui
	text, err := s.a.renderChapter(s.cur)
	if err != nil {
		u.printf("%s %v\n%s\n", u.warn(), err, s.cur.Summary)
		return ""
	}
	return u.page(fmt.Sprintf("Step %d", s.cur.Number), text)
}

func (s *session) move(delta int) key {
	u := s.a.ui
	var st workbook.Step
	var ok bool
	if delta > 0 {
		st, ok = s.a.after(s.cur.Number)
	} else {
		st, ok = s.a.before(s.cur.Number)
	}
	if !ok {
		if delta > 0 {
			u.printf("%s that was the last step. %s\n", u.ok(), s.a.finishedNote())
		} else {
			u.println("This is the first step.")
		}
		return ""
	}
	return s.open(st)
}

func (a *app) finishedNote() string {
	n := a.prog.FirstUnfinished(a.steps)
	if n == 0 {
		return "Every step is done: well done!"
	}
	return fmt.Sprintf("Step %d is not finished yet: press g, then %d.", n, n)
}

func (s *session) run(ctx context.Context) {
	res := s.a.runAndRecord(ctx, s.cur)
	s.ran = res.Built
}

func (s *session) check(ctx context.Context) {
	s.checked = true
	s.passed = s.a.checkAndRecord(ctx, []workbook.Step{s.cur})
	u := s.a.ui
	if s.a.stopped {
		s.checked = false
		return
	}
	if !s.passed {
		if s.cur.Exercise != nil {
			u.println(u.dim("Fix the code, then press c to check again; w re-checks the exercise on every save (h for a hint)."))
		} else {
			u.println(u.dim("Fix the code, then press c to check again (h for a hint)."))
		}
		return
	}
	if nxt, ok := s.a.after(s.cur.Number); ok {
		u.printf("%s Step %d done. Enter or n: step %d · %s\n", u.ok(), s.cur.Number, nxt.Number, nxt.Title)
	} else {
		u.printf("%s Step %d done. %s\n", u.ok(), s.cur.Number, s.a.finishedNote())
	}
}

// watch is the w key: watch mode on the current step; once the exercise
// passes, Enter (or n) goes on to the next step.
func (s *session) watch(ctx context.Context) key {
	u := s.a.ui
	passed, quit := s.a.watch(ctx, s.cur)
	if !passed || quit {
		return ""
	}
	s.ran, s.checked, s.passed = true, true, s.a.prog.Step(s.cur.Number).Done(s.cur)
	if nxt, ok := s.a.after(s.cur.Number); ok {
		u.printf("Enter or n: step %d · %s\n", nxt.Number, nxt.Title)
	}
	return ""
}

// jump reads a step number (Enter confirms, Esc cancels).
func (a *app) jump(typed string) (workbook.Step, bool) {
	u := a.ui
	for {
		u.printf("\r\x1b[Kgo to step (%s): %s", a.stepRange(), typed)
		k := u.nextKey()
		switch {
		case k == "enter":
			u.printf("\r\x1b[K")
			if typed == "" {
				return workbook.Step{}, false
			}
			n, _ := strconv.Atoi(typed)
			st, ok := workbook.Get(n)
			if !ok {
				u.printf("%s no step %d (the steps are %s)\n", u.warn(), n, a.stepRange())
			}
			return st, ok
		case k == "esc" || k == "ctrl-c" || k == "q":
			u.printf("\r\x1b[K")
			return workbook.Step{}, false
		case k == "backspace":
			if typed != "" {
				typed = typed[:len(typed)-1]
			}
		case isDigit(k) && len(typed) < 3:
			typed += string(k)
		}
	}
}

func isDigit(k key) bool { return len(k) == 1 && k[0] >= '0' && k[0] <= '9' }

// startScreen waits under the welcome and the step list for the learner to
// open a step, while the server starts; when it is ready, it says which
// Redis the session uses (and why), without waiting for a key.
func (a *app) startScreen(ctx context.Context, start int) (workbook.Step, bool) {
	u := a.ui
	st, _ := workbook.Get(start)
	ready := a.srvReady
	for {
		u.printf("%s ", u.paint(cRev, fitBar(u, fmt.Sprintf("Enter: open step %d · %s · g go to step · d doctor · ? keys · q quit", st.Number, st.Title),
			fmt.Sprintf("Enter: open step %d · g d ? q", st.Number))))
		var k key
		select {
		case <-ready:
			ready = nil // announce once
			u.printf("\r\x1b[K")
			if _, err := a.server(ctx); err != nil {
				u.printf("%s no Redis: %v\n", u.bad(), err)
				a.explain(ctx, err.Error())
				u.println(u.dim("Running the doctor to find out why:"))
				a.runDoctor(ctx, false)
				u.println(u.dim("You can still read the chapters; fix the problem above, then press r on a step: the runner tries again."))
			}
			continue
		case kk, ok := <-u.keys:
			k = kk
			if !ok {
				k = "eof"
			}
		}
		u.printf("\r\x1b[K")
		switch {
		case k == "enter" || k == "space" || k == "r" || k == "n":
			return st, false
		case k == "q" || k == "ctrl-c" || k == "eof":
			return workbook.Step{}, true
		case k == "g" || isDigit(k):
			typed := ""
			if isDigit(k) {
				typed = string(k)
			}
			if j, ok := a.jump(typed); ok {
				return j, false
			}
		case k == "l":
			a.printList(st.Number)
		case k == "d":
			a.runDoctor(ctx, true)
		case k == "?":
			u.println(helpText)
		}
	}
}

// fitBar picks the long form of a key bar when it fits the terminal.
func fitBar(u *ui, long, short string) string {
	if w, _ := u.size(); runeLen(long) < w {
		return long
	}
	return short
}

// prompt is the action bar under the step. What Enter does comes first.
func (s *session) prompt() {
	u := s.a.ui
	enter := "run"
	switch {
	case s.ran && !s.checked:
		enter = "check"
	case s.ran && s.checked:
		enter = "next step"
	}
	bar := fitBar(u,
		fmt.Sprintf("Step %d · Enter: %s · r run · c check · w watch · n next · p prev · h hint · g go to · v view · l list · d doctor · ? keys · q quit", s.cur.Number, enter),
		fmt.Sprintf("Step %d · Enter: %s · r c w n p h g v l d ? q", s.cur.Number, enter))
	u.printf("%s ", u.paint(cRev, bar))
}

// watchForStop lets q or Ctrl-C stop a running program while the session
// waits for it. The program must have been started in its own process
// group (ownGroup), which only the interactive session does: without a
// terminal in raw mode, Ctrl-C reaches the program from the terminal itself.
// It returns a function that stops watching and says whether the learner
// stopped the program.
func (a *app) watchForStop(cmd *exec.Cmd) func() bool {
	if a.ui.keys == nil {
		return func() bool { return false }
	}
	done, finished := make(chan struct{}), make(chan struct{})
	stopped := false
	go func() {
		defer close(finished)
		for {
			select {
			case <-done:
				return
			case k, ok := <-a.ui.keys:
				if !ok {
					return
				}
				if k == "q" || k == "ctrl-c" || k == "esc" {
					a.ui.printf("\r\x1b[K%s\n", a.ui.dim("stopping…"))
					stopped = true
					_ = interrupt(cmd)
				}
			}
		}
	}()
	return func() bool { close(done); <-finished; return stopped }
}

// group puts cmd in its own process group when the session can stop it
// with a key (see watchForStop).
func (a *app) group(cmd *exec.Cmd) {
	if a.ui.keys != nil {
		ownGroup(cmd)
	}
}

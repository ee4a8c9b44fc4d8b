// The runner is the workbook's front door: `go run ./runner` walks a learner
// through the steps like a notebook (read the chapter, run the program, see
// its output compared with the expected one, run its checks, move on), and
// its subcommands do the same for scripts and impatient people.
//
// It knows nothing about particular steps: everything comes from the
// manifest in internal/workbook, so a new step shows up here by existing.
//
// How it works, and why:
//   - One Redis per session, from provision.Start (the same choice every
//     step's main makes), started in the background behind the first screen
//     so that the screen appears at once while a container starts.
//   - A step's program is built with `go build` (a spinner says
//     "compiling"; the build cache makes a repeat quick), then run with
//     REDIS_URL naming the session's server and WORKBOOK_REDIS=url, so it
//     uses that server instead of starting its own. Its stdout and stderr
//     stream live; stdout is then compared with the expected output by
//     Step.Compare, the same comparison the step's TestOutput makes.
//   - A step's checks are its tests: `go test -json -count=1`, one line per
//     test. Tests start their own isolated server and never touch the
//     session's: a check must not depend on what the learner did before.
//   - Progress lives in .workbook/progress.json (git-ignored), written
//     after every change, so quitting or a crash loses nothing.
//   - Interactive only when stdin and stdout are terminals and --no-input
//     was not given; otherwise nothing waits for a key and the exit status
//     says whether everything passed.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/redis-go-workbook/workbook/internal/classroom"
	"github.com/redis-go-workbook/workbook/internal/embedded"
	"github.com/redis-go-workbook/workbook/internal/provision"
	// The runner starts containers (a step's program never does) and hands
	// them to the steps as REDIS_URL.
	_ "github.com/redis-go-workbook/workbook/internal/provision/container"
	"github.com/redis-go-workbook/workbook/internal/workbook"
)

const isWindows = runtime.GOOS == "windows"

const usage = `The Redis-with-Go workbook.

Usage: go run ./runner [flags] [command]

Commands:
  (none)            walk through the workbook from where you left off
  N                 walk through it from step N
  list              the steps, with your progress
  show N            step N's chapter
  run N             run step N's program; compare its output with the expected one
  run N -- ARGS     run it with arguments (steps with subcommands); no comparison
  check N|all       run step N's checks (the lesson's tests and the exercise's,
                    every package of the step), or every step's
  next              show, run and check the first step you have not finished
  reset [N]         forget your progress on step N, or on every step (asks first)
  reset N --exercise  bring back step N's exercise as shipped (yours is kept
                    beside it as exercise.go.mine)
  watch [N]         re-run step N's exercise tests on every save, until they pass
  hint N            the next hint for step N (its exercise's, gentle first)
  solution N        the exercise's reference solution (after it passes, or
                    when asked twice); --apply puts it in place (yours is kept)
  list --json       the steps and your progress, for scripts
  doctor            check Go, .env, Docker, redis-server and the Redis server
  doctor --report [--json]
                    the doctor's findings as one line to share (or JSON)
  embedded [-addr]  run the embedded Redis until Ctrl-C (default 127.0.0.1:6379)

Workshops:
  board --redis URL [--listen ADDR] [--tui]
                    the instructor's live class board (prints the join line)
  join URL --name NAME
                    send your progress to the instructor's board
  leave             stop sending it
  prepare [--image-archive FILE]
                    get everything the workshop needs offline, then the doctor

Flags:
  --no-input        never wait for a key (also when stdin is not a terminal);
                    the exit status says whether everything passed
  --no-color        no colours (so does NO_COLOR=1)
  -v                show passing subtests too

Keys (interactive): Enter does the next thing (run, check, next step);
r run · c check · w watch the exercise · n/→ next · p/← previous · h hint · g or 1-9 go to step ·
v view the chapter · l list · d doctor · ? help · q quit.

Progress is saved in .workbook/progress.json (WORKBOOK_PROGRESS overrides).
`

// app is one run of the runner.
type app struct {
	ui      *ui
	root    string
	steps   []workbook.Step
	prog    *workbook.Progress
	verbose bool
	binDir  string // compiled step programs (.workbook/bin)
	stopped bool   // the learner stopped the last checks with a key

	// The session's Redis, started once in the background and shared by
	// every step's run (see server).
	srvOnce    sync.Once
	srvStarted atomic.Bool
	srvReady   chan struct{}
	srv        *provision.Server
	srvErr     error
	srvLog     bytes.Buffer
	announced  bool
	dbNoted    bool // the learner's REDIS_DB was mentioned

	classWarned bool // the class server was out of reach; said once
	classStep   int  // the step last told to the class board
}

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	var noInput, noColor, verbose, help bool
	var rest []string
	for i := 0; i < len(args); i++ {
		switch a := args[i]; a {
		case "--": // the rest is for the step's program (run N -- args)
			rest = append(rest, args[i+1:]...)
			i = len(args)
		case "--no-input", "-no-input":
			noInput = true
		case "--no-color", "-no-color", "--no-colour":
			noColor = true
		case "-v", "--verbose":
			verbose = true
		case "-h", "--help", "-help", "help":
			help = true
		default:
			rest = append(rest, a)
		}
	}
	u := newUI(noInput, noColor)
	if help {
		fmt.Print(usage)
		return 0
	}
	if len(rest) > 0 && rest[0] == "embedded" {
		return runEmbedded(rest[1:]) // a server, not a session: none of the rest applies
	}
	// go-redis logs its own dial retries; the runner explains failures itself.
	provision.QuietClientLogs()

	root, err := workbook.Root()
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		return 2
	}
	// Steps, .env and the progress file are all found from the root, so the
	// runner works from any directory inside the workbook.
	if err := os.Chdir(root); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		return 2
	}
	a := &app{ui: u, root: root, steps: workbook.Steps(), verbose: verbose, srvReady: make(chan struct{})}
	path, err := workbook.ProgressPath(root)
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		return 2
	}
	prog, err := workbook.LoadProgress(path)
	if err != nil && !isReport(rest) { // a report names no path: it has a row for this
		u.printf("%s %v\n", u.warn(), err)
	}
	a.prog = prog
	defer a.cleanup()
	// A closed terminal (SIGHUP), a kill (SIGTERM) or Ctrl-C outside the
	// interactive screen (SIGINT) must still give the terminal back and
	// stop any container the session started: the runner owns its signals.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGHUP, syscall.SIGTERM, os.Interrupt)
	go func() {
		s := <-sig
		a.cleanup()
		code := 128 + 2
		if n, ok := s.(syscall.Signal); ok {
			code = 128 + int(n)
		}
		os.Exit(code)
	}()

	ctx := context.Background()
	cmd := ""
	if len(rest) > 0 {
		cmd, rest = rest[0], rest[1:]
	}
	switch cmd {
	case "":
		if u.interactive {
			return a.interactive(ctx, 0)
		}
		return a.walkWithoutKeys(ctx)
	case "list", "ls":
		if hasFlag(&rest, "--json") {
			return a.listJSON(a.prog.Resume(a.steps))
		}
		a.printList(a.prog.Resume(a.steps))
		return 0
	case "hint":
		s, ok := a.stepArg(rest)
		if !ok {
			return 2
		}
		a.hint(s)
		return 0
	case "solution":
		apply := hasFlag(&rest, "--apply")
		s, ok := a.stepArg(rest)
		if !ok {
			return 2
		}
		return a.solution(s, apply)
	case "watch":
		var s workbook.Step
		if len(rest) == 0 {
			s, _ = workbook.Get(a.prog.Resume(a.steps))
		} else if st, ok := a.stepArg(rest); ok {
			s = st
		} else {
			return 2
		}
		if u.interactive {
			if err := u.startKeys(); err != nil {
				u.interactive = false
			}
		}
		return a.watchCommand(ctx, s)
	case "show":
		s, ok := a.stepArg(rest)
		if !ok {
			return 2
		}
		return a.show(s)
	case "run":
		s, ok := a.stepArg(rest)
		if !ok {
			return 2
		}
		if len(rest) > 1 {
			// Arguments for the program itself (a step with subcommands):
			// its output then is not the expected output's run.
			return exitCode(a.runStep(ctx, s, rest[1:]...).Exited)
		}
		return exitCode(a.runAndRecord(ctx, s).Matched)
	case "check":
		return a.checkCommand(ctx, rest)
	case "next":
		return a.next(ctx)
	case "reset":
		return a.reset(rest)
	case "doctor":
		return a.doctorCommand(ctx, rest)
	case "board":
		return runBoard(rest, a.steps)
	case "join":
		return a.join(rest)
	case "leave":
		return a.leave()
	case "prepare":
		return a.prepare(ctx, rest)
	}
	if _, err := strconv.Atoi(strings.TrimPrefix(cmd, "step-")); err == nil {
		s, ok := a.stepArg([]string{cmd})
		if !ok {
			return 2
		}
		if u.interactive {
			return a.interactive(ctx, s.Number)
		}
		return a.walk(ctx, s)
	}
	fmt.Fprintf(os.Stderr, "unknown command %q\n\n%s", cmd, usage)
	return 2
}

func exitCode(ok bool) int {
	if ok {
		return 0
	}
	return 1
}

// stepArg finds the step a command names: 3, 03, step-3 or 03-slug.
func (a *app) stepArg(args []string) (workbook.Step, bool) {
	if len(args) == 0 {
		fmt.Fprintf(os.Stderr, "which step? give its number, e.g. 1 (%s)\n", a.stepRange())
		return workbook.Step{}, false
	}
	if s, ok := a.findStep(args[0]); ok {
		return s, true
	}
	fmt.Fprintf(os.Stderr, "no step %q: the steps are %s (see `go run ./runner list`)\n", args[0], a.stepRange())
	return workbook.Step{}, false
}

func (a *app) findStep(arg string) (workbook.Step, bool) {
	arg = strings.TrimPrefix(strings.ToLower(arg), "step-")
	for _, s := range a.steps {
		if s.Slug == arg {
			return s, true
		}
	}
	num, _, _ := strings.Cut(arg, "-")
	if n, err := strconv.Atoi(num); err == nil {
		return workbook.Get(n)
	}
	return workbook.Step{}, false
}

func (a *app) stepRange() string {
	if len(a.steps) == 0 {
		return "none yet"
	}
	return fmt.Sprintf("%d–%d", a.steps[0].Number, a.steps[len(a.steps)-1].Number)
}

// after returns the step following n in the manifest, if any.
func (a *app) after(n int) (workbook.Step, bool) {
	for i, s := range a.steps {
		if s.Number == n && i+1 < len(a.steps) {
			return a.steps[i+1], true
		}
	}
	return workbook.Step{}, false
}

func (a *app) before(n int) (workbook.Step, bool) {
	for i, s := range a.steps {
		if s.Number == n && i > 0 {
			return a.steps[i-1], true
		}
	}
	return workbook.Step{}, false
}

func (a *app) save() {
	if err := a.prog.Save(); err != nil {
		a.ui.printf("%s cannot save progress: %v\n", a.ui.warn(), err)
	}
	if a.prog.Current != 0 && a.prog.Current != a.classStep {
		a.classStep = a.prog.Current
		a.tellClass(classroom.Event{Kind: classroom.KindStep, Step: a.prog.Current})
	}
}

func (a *app) cleanup() {
	a.ui.restore()
	if a.srvStarted.Load() {
		// A server still starting would be left running if we did not
		// wait for it: a container outlives the process that started it.
		<-a.srvReady
		if a.srv != nil {
			if a.srv.Mode == provision.Container {
				sp := a.ui.spin("stopping the Redis container") // about a second: say so
				_ = a.srv.Close()
				sp.stop()
			}
			_ = a.srv.Close()
		}
	}
	provision.CloseAll()
}

// startServer begins finding or starting the session's Redis in the
// background, so the learner reads the welcome while a container starts.
func (a *app) startServer(ctx context.Context) {
	a.srvOnce.Do(func() {
		a.srvStarted.Store(true)
		go func() {
			a.srv, a.srvErr = provision.Start(ctx, provision.ForMain, &a.srvLog)
			close(a.srvReady)
		}()
	})
}

// running is the session's Redis if it has started, without waiting.
func (a *app) running() *provision.Server {
	select {
	case <-a.srvReady:
		if a.srvErr == nil {
			return a.srv
		}
	default:
	}
	return nil
}

// server waits for the session's Redis (with a spinner) and, the first
// time, says which one it is and why.
func (a *app) server(ctx context.Context) (*provision.Server, error) {
	select {
	case <-a.srvReady:
		if a.srvErr != nil && a.announced {
			// The last attempt failed and the learner was told why; they
			// may have fixed it since (`make up` in another terminal):
			// try again rather than repeat an old error.
			a.srvOnce, a.srvReady, a.srvErr, a.announced = sync.Once{}, make(chan struct{}), nil, false
			a.srvLog.Reset()
			a.srvStarted.Store(false)
		}
	default:
	}
	a.startServer(ctx)
	select {
	case <-a.srvReady:
	default:
		sp := a.ui.spin("finding a Redis: your settings, 127.0.0.1:6379, Docker, redis-server, or the embedded one")
		<-a.srvReady
		sp.stop()
	}
	if !a.announced {
		a.announced = true
		u := a.ui
		for _, l := range strings.Split(strings.TrimSpace(a.srvLog.String()), "\n") {
			if l != "" {
				u.printf("%s %s\n", u.dim("·"), u.dim(l))
			}
		}
		// A failure is for the caller to report, with what it means for
		// what the learner was doing.
		if a.srvErr == nil {
			u.printf("%s Redis: %s\n", u.ok(), a.srv.Banner())
		}
	}
	return a.srv, a.srvErr
}

// runAndRecord runs a step and saves what happened.
func (a *app) runAndRecord(ctx context.Context, s workbook.Step) runResult {
	res := a.runStep(ctx, s)
	if res.Built {
		a.prog.Update(s.Number, func(p *workbook.StepProgress) {
			p.Ran, p.Matched = res.Exited, res.ok()
		})
		a.save()
	}
	return res
}

// checkAndRecord runs the checks of steps (the lesson's and the
// exercise's), saves the outcome and says whether every step is done.
func (a *app) checkAndRecord(ctx context.Context, steps []workbook.Step) bool {
	a.ui.println(a.ui.rule("Checks"))
	var present []workbook.Step
	for _, s := range steps {
		if a.hasProgram(s) {
			present = append(present, s)
		} else if len(steps) == 1 {
			a.ui.printf("%s step %d has no code yet (%s is still being written)\n", a.ui.warn(), s.Number, s.Dir())
			return false
		}
	}
	if len(present) == 0 {
		a.ui.printf("%s no step has code yet\n", a.ui.warn())
		return false
	}
	results := a.runChecks(ctx, present, checkOpts{})
	if results == nil {
		return false
	}
	all, done := true, 0
	for _, s := range present {
		c := results[s.Number]
		a.record(c, false)
		if c.done() {
			done++
		} else {
			all = false
		}
	}
	a.save()
	if len(present) > 1 {
		mark := a.ui.ok()
		if done < len(present) {
			mark = a.ui.bad()
		}
		a.ui.printf("%s %d of %d steps done", mark, done, len(present))
		if missing := len(steps) - len(present); missing > 0 {
			a.ui.printf(" (%d more have no code yet)", missing)
		}
		a.ui.println()
	}
	return all
}

// record saves what a run of checks showed. A run of the exercise alone
// (watch mode) leaves the lesson's outcome as it was.
func (a *app) record(c *stepChecks, exerciseOnly bool) {
	if c == nil || len(c.pkgs) == 0 {
		return
	}
	a.prog.Update(c.step.Number, func(p *workbook.StepProgress) {
		if !exerciseOnly {
			p.Checked, p.Passed, p.Partly = true, c.lessonOK(), c.partly()
		}
		if c.step.Exercise != nil {
			p.ExerciseChecked, p.ExercisePassed = true, c.exerciseOK()
		}
		p.CheckedAt = time.Now().UTC().Truncate(time.Second)
	})
	a.tellClass(checkEvent(c, exerciseOnly))
}

func (a *app) checkCommand(ctx context.Context, args []string) int {
	if len(args) > 0 && args[0] == "all" {
		return exitCode(a.checkAndRecord(ctx, a.steps))
	}
	s, ok := a.stepArg(args)
	if !ok {
		return 2
	}
	return exitCode(a.checkAndRecord(ctx, []workbook.Step{s}))
}

// show prints a step's chapter, paged on a terminal.
func (a *app) show(s workbook.Step) int {
	a.ui.println(a.ui.rule(a.stepTitle(s)))
	text, err := a.renderChapter(s)
	if err != nil {
		a.ui.printf("%s %v\n%s\n", a.ui.warn(), err, s.Summary)
		return 1
	}
	if a.ui.interactive && a.ui.keys == nil {
		// The pager reads keys; without them it prints everything.
		if err := a.ui.startKeys(); err != nil {
			a.ui.interactive = false
		}
	}
	a.ui.page(fmt.Sprintf("Step %d", s.Number), text)
	return 0
}

func (a *app) stepTitle(s workbook.Step) string {
	kind := fmt.Sprintf("of %d", a.mainCount())
	if s.Bonus {
		kind = "(bonus)"
	}
	return fmt.Sprintf("Step %d %s · %s", s.Number, kind, s.Title)
}

func (a *app) mainCount() int {
	n := 0
	for _, s := range a.steps {
		if !s.Bonus {
			n++
		}
	}
	return n
}

// walk is the notebook without keys: chapter, run, checks.
func (a *app) walk(ctx context.Context, s workbook.Step) int {
	a.prog.Current = s.Number
	a.save()
	a.show(s)
	res := a.runAndRecord(ctx, s)
	passed := a.checkAndRecord(ctx, []workbook.Step{s})
	// The exit status and "Next" agree with the marks shown above.
	ok := passed && res.ok()
	switch {
	case ok:
		if nxt, found := a.after(s.Number); found {
			a.prog.Current = nxt.Number
			a.save()
			a.ui.printf("Next: step %d · %s (`go run ./runner next`)\n", nxt.Number, nxt.Title)
		}
	case passed:
		a.ui.printf("%s the checks pass, but the run above did not: see what it said, then `go run ./runner %d` again\n", a.ui.bad(), s.Number)
	}
	return exitCode(ok)
}

// walkWithoutKeys is `go run ./runner` without a terminal: the welcome,
// the list, then the first unfinished step, walked through.
func (a *app) walkWithoutKeys(ctx context.Context) int {
	a.welcome()
	a.printList(a.prog.FirstUnfinished(a.steps))
	a.ui.println()
	return a.next(ctx)
}

// next walks through the first step not finished yet.
func (a *app) next(ctx context.Context) int {
	n := a.prog.FirstUnfinished(a.steps)
	if n == 0 {
		a.ui.printf("%s every step is done. `go run ./runner reset` starts again.\n", a.ui.ok())
		return 0
	}
	s, _ := workbook.Get(n)
	return a.walk(ctx, s)
}

// hasFlag removes flag from args and reports whether it was there.
func hasFlag(args *[]string, flag string) bool {
	found := false
	kept := (*args)[:0]
	for _, a := range *args {
		if a == flag || a == strings.TrimPrefix(flag, "-") {
			found = true
			continue
		}
		kept = append(kept, a)
	}
	*args = kept
	return found
}

func (a *app) reset(args []string) int {
	exercise := hasFlag(&args, "--exercise")
	if exercise {
		s, ok := a.stepArg(args)
		if !ok {
			return 2
		}
		return a.resetExercise(s)
	}
	if len(args) == 0 {
		if !a.confirm(fmt.Sprintf("Forget your progress on all %d steps?", len(a.steps))) {
			a.ui.println("Nothing forgotten.")
			return 0
		}
		a.prog.Reset(0)
		a.save()
		a.ui.printf("%s progress forgotten: you start again at step %d\n", a.ui.ok(), a.prog.Resume(a.steps))
		return 0
	}
	s, ok := a.stepArg(args)
	if !ok {
		return 2
	}
	a.prog.Reset(s.Number)
	a.save()
	a.ui.printf("%s progress on step %d forgotten\n", a.ui.ok(), s.Number)
	return 0
}

// welcome is the first screen: printed before anything slow starts.
func (a *app) welcome() {
	u := a.ui
	bonus := len(a.steps) - a.mainCount()
	u.printf("%s\n", u.bold(fmt.Sprintf("Redis with Go — a workbook in %d steps", a.mainCount())+plural(bonus, " (+%d bonus)")))
	u.println("Each step: read the chapter, run its program against Redis, compare its output")
	u.println("with the expected one, pass its checks, move on. Progress is saved as you go.")
	u.println()
}

func plural(n int, format string) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(format, n)
}

// printList prints every step with its lesson's mark and its exercise's.
func (a *app) printList(current int) {
	u := a.ui
	done := 0
	bonusShown := false
	width := 0
	for _, s := range a.steps {
		width = max(width, runeLen(s.Title))
	}
	for _, s := range a.steps {
		p := a.prog.Step(s.Number)
		mark := " "
		switch {
		case p.Checked && p.Passed && p.Partly != "":
			mark = u.yellow("◐")
		case p.Checked && p.Passed:
			mark = u.ok()
		case p.Checked:
			mark = u.bad()
		case p.Ran:
			mark = u.cyan("•")
		}
		if p.Done(s) {
			done++
		}
		if s.Bonus && !bonusShown {
			bonusShown = true
			u.printf("   %s\n", u.dim("Bonus"))
		}
		pointer := "  "
		title := s.Title + strings.Repeat(" ", width-runeLen(s.Title))
		if s.Number == current {
			pointer = u.cyan("▸ ")
			title = u.bold(title)
		}
		note := ""
		switch {
		case !a.hasProgram(s):
			note = u.dim("  (being written)")
		case s.Exercise != nil && p.ExerciseChecked && p.ExercisePassed:
			note = "  exercise " + u.ok()
		case s.Exercise != nil && p.ExerciseChecked:
			note = "  exercise " + u.bad()
		case s.Exercise != nil:
			note = u.dim("  exercise ·")
		}
		if p.Done(s) && p.Partly != "" {
			note += u.dim("  partly checked on the server it ran on")
		}
		u.printf("%s\n", strings.TrimRight(fmt.Sprintf("%s%s %2d  %s%s", pointer, mark, s.Number, title, note), " "))
	}
	u.printf("%s\n", u.dim(fmt.Sprintf("%d of %d done · ✓ checks passed · ◐ partly checked · ✗ failed · • ran · ▸ where you are", done, len(a.steps))))
}

// runEmbedded serves the embedded Redis until Ctrl-C: for redis-cli, or for
// pointing REDIS_URL at it from another terminal.
func runEmbedded(args []string) int {
	fs := flag.NewFlagSet("embedded", flag.ContinueOnError)
	addr := fs.String("addr", provision.DefaultLocalAddr, "address to listen on")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	// The handler is in place before the first line says it listens: a
	// SIGTERM sent as soon as that line appears must stop it cleanly.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// The embedded server has no protected mode: loopback only, the same
	// guard as `make redis-embedded` (internal/embedded/cmd/redis-embedded).
	if err := embedded.CheckLoopback(*addr); err != nil {
		fmt.Fprintln(os.Stderr, "error: -addr", err)
		return 2
	}
	srv, err := embedded.Start(*addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		return 1
	}
	defer srv.Close()
	fmt.Printf("The embedded Redis listens on %s (emulating Redis %s). Stop it with Ctrl-C.\n", srv.Addr(), embedded.Version)
	fmt.Printf("Use it from another terminal: REDIS_URL=redis://%s/0 go run ./runner   (or redis-cli -p %s)\n",
		srv.Addr(), srv.Addr()[strings.LastIndex(srv.Addr(), ":")+1:])
	<-ctx.Done()
	fmt.Println("stopped")
	return 0
}

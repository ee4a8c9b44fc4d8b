package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/redis-go-workbook/workbook/internal/diagnose"
	"github.com/redis-go-workbook/workbook/internal/provision"
	"github.com/redis-go-workbook/workbook/internal/workbook"
)

// testEvent is one line of `go test -json` (see `go doc test2json`).
type testEvent struct {
	Action     string
	Package    string
	ImportPath string // build events
	Test       string
	Elapsed    float64
	Output     string
}

// testResult is one test's outcome, with what it printed.
type testResult struct {
	Name    string
	Action  string // pass, fail, skip, or "" while running
	Elapsed float64
	Output  []string
}

// pkgResult is one step's checks.
type pkgResult struct {
	Package string
	Action  string // pass, fail, skip (no tests)
	Elapsed float64
	Tests   []*testResult // in the order they started
	byName  map[string]*testResult
	Output  []string // output not inside a test (TestMain, panics)
	Build   []string // compile errors
}

func (p *pkgResult) test(name string) *testResult {
	if t := p.byName[name]; t != nil {
		return t
	}
	t := &testResult{Name: name}
	p.byName[name] = t
	p.Tests = append(p.Tests, t)
	return t
}

// count returns how many tests (subtests included) passed, failed, skipped.
func (p *pkgResult) count() (pass, fail, skip int) {
	for _, t := range p.Tests {
		switch t.Action {
		case "pass":
			pass++
		case "fail":
			fail++
		case "skip":
			skip++
		}
	}
	return
}

// ok means every check passed or was skipped with a reason, and the
// package itself (TestMain, the build) did not fail.
func (p *pkgResult) ok() bool {
	return len(p.Build) == 0 && (p.Action == "pass" || p.Action == "skip")
}

// testCollector reads `go test -json` as it arrives.
type testCollector struct {
	pkgs  map[string]*pkgResult
	order []string
	// onTest is called when a test ends; onPackage when a package ends.
	onTest    func(*pkgResult, *testResult)
	onPackage func(*pkgResult)
}

func newCollector() *testCollector { return &testCollector{pkgs: map[string]*pkgResult{}} }

func (c *testCollector) pkg(name string) *pkgResult {
	// Build events name the package as "path [path.test]" sometimes.
	name, _, _ = strings.Cut(name, " ")
	if p := c.pkgs[name]; p != nil {
		return p
	}
	p := &pkgResult{Package: name, byName: map[string]*testResult{}}
	c.pkgs[name] = p
	c.order = append(c.order, name)
	return p
}

// read consumes the event stream. Lines that are not JSON (go's own
// messages, such as "no Go files") are kept as package output.
func (c *testCollector) read(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1024*1024), 16*1024*1024)
	for sc.Scan() {
		var ev testEvent
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			c.pkg("").Output = append(c.pkg("").Output, sc.Text())
			continue
		}
		c.add(ev)
	}
}

func (c *testCollector) add(ev testEvent) {
	switch ev.Action {
	case "build-output":
		p := c.pkg(ev.ImportPath)
		p.Build = append(p.Build, strings.TrimRight(ev.Output, "\n"))
		return
	case "build-fail":
		return
	}
	if ev.Package == "" {
		return
	}
	p := c.pkg(ev.Package)
	if ev.Test == "" {
		switch ev.Action {
		case "output":
			p.Output = append(p.Output, strings.TrimRight(ev.Output, "\n"))
		case "pass", "fail", "skip":
			p.Action, p.Elapsed = ev.Action, ev.Elapsed
			if c.onPackage != nil {
				c.onPackage(p)
			}
		}
		return
	}
	t := p.test(ev.Test)
	switch ev.Action {
	case "output":
		t.Output = append(t.Output, strings.TrimRight(ev.Output, "\n"))
	case "pass", "fail", "skip":
		t.Action, t.Elapsed = ev.Action, ev.Elapsed
		if c.onTest != nil {
			c.onTest(p, t)
		}
	}
}

// fileLine is the "install_test.go:42: " that t.Log and t.Error put first.
var fileLine = regexp.MustCompile(`^\s*\S+_test\.go:\d+: `)

// framing is go test's own lines around a test's output ("=== RUN",
// "--- FAIL: TestX (0.01s)"); a test's own lines that start with "--- " (a
// diff's header, a section title) are kept.
var framing = regexp.MustCompile(`^\s*(=== (RUN|PAUSE|CONT|NAME)\s|--- (PASS|FAIL|SKIP): \S+ \()`)

// message is what a test said when it failed or skipped: its own output,
// without go test's framing lines, at most max lines.
func (t *testResult) message(max int) []string {
	var out []string
	for _, l := range t.Output {
		if strings.TrimSpace(l) == "" || framing.MatchString(l) {
			continue
		}
		out = append(out, fileLine.ReplaceAllString(strings.TrimRight(l, " "), ""))
	}
	if len(out) > max {
		out = append(out[:max], fmt.Sprintf("… (%d more lines: run `go test -v -run '%s' ./steps/...` to see all)", len(out)-max, t.Name))
	}
	return out
}

// checkEnv is the environment for a step's tests. Tests start their own
// isolated server and never use REDIS_URL, by design; the one thing to
// change is WORKBOOK_REDIS=url without WORKBOOK_TEST_REDIS_URL, which would
// make every test package fail for want of a test server: let them pick.
func checkEnv(env []string) []string {
	forcedURL := strings.EqualFold(os.Getenv(provision.EnvMode), "url") && os.Getenv(provision.EnvTestURL) == ""
	out := make([]string, 0, len(env))
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if forcedURL && name == provision.EnvMode {
			continue
		}
		out = append(out, kv)
	}
	return out
}

// stepChecks is one step's checks: every package of the step, the lesson's
// tests and the exercise's (TestExercise…) told apart.
type stepChecks struct {
	step workbook.Step
	pkgs []*pkgResult // the top package first, then the ones under it
	want int          // how many packages the step has
}

// tally counts a step's tests of one kind (lesson or exercise) and says
// whether any package failed outside a test of that kind.
type tally struct {
	pass, fail, skip int
	broken           bool // a build error, or a package that failed outside any test
}

func isExercise(t *testResult) bool { return strings.HasPrefix(t.Name, workbook.ExerciseTestPrefix) }

func (c *stepChecks) tally(exercise bool) tally {
	var n tally
	for _, p := range c.pkgs {
		failedHere := 0
		for _, t := range p.Tests {
			if isExercise(t) != exercise {
				if t.Action == "fail" {
					failedHere++
				}
				continue
			}
			switch t.Action {
			case "pass":
				n.pass++
			case "fail":
				n.fail++
				failedHere++
			case "skip":
				n.skip++
			default:
				n.fail++ // did not finish: the binary stopped
				failedHere++
			}
		}
		if len(p.Build) > 0 || (!p.ok() && failedHere == 0) {
			n.broken = true
		}
	}
	return n
}

func (n tally) ok() bool { return !n.broken && n.fail == 0 }

// lessonOK: nothing of the lesson failed. exerciseOK: the exercise's tests
// ran and passed.
func (c *stepChecks) lessonOK() bool { return c.complete() && c.tally(false).ok() }
func (c *stepChecks) exerciseOK() bool {
	n := c.tally(true)
	return c.complete() && n.ok() && n.pass > 0 && n.skip == 0
}

// done: what moving on requires.
func (c *stepChecks) done() bool {
	return c.lessonOK() && (c.step.Exercise == nil || c.exerciseOK())
}

func (c *stepChecks) complete() bool { return len(c.pkgs) >= c.want }

// partly says why most of the lesson's checks were skipped, or "".
func (c *stepChecks) partly() string {
	n := c.tally(false)
	if n.skip == 0 || n.skip < n.pass {
		return ""
	}
	for _, p := range c.pkgs {
		for _, t := range p.Tests {
			if t.Action == "skip" && !isExercise(t) {
				return skipReason(t)
			}
		}
	}
	return ""
}

func skipReason(t *testResult) string {
	return strings.TrimPrefix(strings.Join(t.message(3), " "), "skipped: ")
}

// stepPackages lists the import paths of a step's packages, as `go test
// ./steps/NN-name/...` finds them: every directory under the step holding Go
// files, except testdata and those starting with . or _.
func (a *app) stepPackages(s workbook.Step) []string {
	var out []string
	_ = filepath.WalkDir(filepath.Join(a.root, s.Dir()), func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		if name := d.Name(); p != filepath.Join(a.root, s.Dir()) && (name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
			return filepath.SkipDir
		}
		if m, _ := filepath.Glob(filepath.Join(p, "*.go")); len(m) > 0 {
			rel, _ := filepath.Rel(a.root, p)
			out = append(out, modulePath+"/"+filepath.ToSlash(rel))
		}
		return nil
	})
	return out
}

// checkOpts narrows a run of checks.
type checkOpts struct {
	exerciseOnly bool // only the TestExercise… tests (watch mode)
	quiet        bool // print nothing per step (watch mode prints its own)
}

// runChecks runs the tests of every package of steps in one `go test` (so
// packages run in parallel) and prints each step's results, in step order,
// as soon as the step and those before it have finished.
func (a *app) runChecks(ctx context.Context, steps []workbook.Step, opt checkOpts) map[int]*stepChecks {
	u := a.ui
	results := map[int]*stepChecks{}
	byPkg := map[string]*stepChecks{}
	var args []string
	for _, s := range steps {
		c := &stepChecks{step: s}
		results[s.Number] = c
		pkgs := a.stepPackages(s)
		if opt.exerciseOnly {
			pkgs = pkgs[:min(1, len(pkgs))]
			args = append(args, s.Package())
		} else {
			args = append(args, s.Packages())
		}
		c.want = len(pkgs)
		for _, p := range pkgs {
			byPkg[p] = c
		}
	}
	what := fmt.Sprintf("step %d's checks", steps[0].Number)
	if opt.exerciseOnly {
		what = fmt.Sprintf("step %d's exercise", steps[0].Number)
	}
	if len(steps) > 1 {
		what = fmt.Sprintf("the checks of %d steps", len(steps))
	}
	sp := u.spin("running " + what + " (compiling, then starting a Redis for the tests)")
	passed, failed := 0, 0
	order := &inOrder{steps: steps, results: results, print: func(c *stepChecks, printed int) {
		if opt.quiet {
			return
		}
		sp.stop()
		a.printChecks(c, len(steps) > 1)
		if printed < len(steps) && u.tty { // in a log, one "running" line is enough
			sp = u.spin(fmt.Sprintf("running %s: %d of %d steps done", what, printed, len(steps)))
		}
	}}
	printReady := order.flush
	coll := newCollector()
	coll.onTest = func(p *pkgResult, t *testResult) {
		switch t.Action {
		case "pass":
			passed++
		case "fail":
			failed++
		}
		sp.set(fmt.Sprintf("running %s: %d passed, %d failed", what, passed, failed))
	}
	coll.onPackage = func(p *pkgResult) {
		c, ok := byPkg[p.Package]
		if !ok {
			return
		}
		c.add(p)
		printReady()
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	goArgs := []string{"test", "-json", "-count=1", "-timeout=5m"}
	if opt.exerciseOnly {
		// Watch mode re-checks on every save: skip go vet's analysis there
		// (a full check still runs it) so that the verdict comes sooner.
		goArgs = append(goArgs, "-vet=off", "-run", "^"+workbook.ExerciseTestPrefix)
	}
	cmd := exec.CommandContext(ctx, "go", append(goArgs, args...)...)
	cmd.Dir = a.root
	cmd.Env = checkEnv(os.Environ())
	a.group(cmd)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		sp.stop()
		u.printf("%s %v\n", u.bad(), err)
		return nil
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		sp.stop()
		u.printf("%s cannot run go test: %v\n", u.bad(), err)
		return nil
	}
	watching := a.watchForStop(cmd)
	coll.read(stdout)
	_ = cmd.Wait()
	stopped := watching()
	a.stopped = stopped
	sp.stop()
	if stopped {
		u.printf("%s the checks were stopped\n", u.warn())
		return nil
	}
	// Packages that never reported (a build failure stops them early).
	for _, name := range coll.order {
		p := coll.pkgs[name]
		if c, ok := byPkg[p.Package]; ok && !c.has(p) {
			if p.Action == "" {
				p.Action = "fail"
			}
			c.add(p)
		}
	}
	for _, c := range results {
		c.want = len(c.pkgs) // whatever did not report will not now
	}
	printReady()
	if msg := strings.TrimSpace(stderr.String()); msg != "" && len(coll.pkgs) == 0 {
		u.printf("%s go test: %s\n", u.bad(), msg)
	}
	return results
}

// inOrder prints the steps' results in the steps' order, each as soon as it
// and every step before it have finished: packages finish in any order.
type inOrder struct {
	steps   []workbook.Step
	results map[int]*stepChecks
	printed int // steps printed so far
	print   func(c *stepChecks, printed int)
}

func (o *inOrder) flush() {
	for o.printed < len(o.steps) {
		c := o.results[o.steps[o.printed].Number]
		if c == nil || !c.complete() {
			return
		}
		o.printed++
		o.print(c, o.printed)
	}
}

func (c *stepChecks) has(p *pkgResult) bool {
	for _, q := range c.pkgs {
		if q == p {
			return true
		}
	}
	return false
}

// add keeps the packages in path order: the top package first.
func (c *stepChecks) add(p *pkgResult) {
	c.pkgs = append(c.pkgs, p)
	sort.SliceStable(c.pkgs, func(i, j int) bool { return c.pkgs[i].Package < c.pkgs[j].Package })
}

// modulePath is the workbook's module: go test names packages with it.
const modulePath = "github.com/redis-go-workbook/workbook"

// printChecks prints a step's lesson checks (package by package), then its
// exercise's, then one verdict that agrees with both.
func (a *app) printChecks(c *stepChecks, several bool) {
	u := a.ui
	s := c.step
	if several {
		u.printf("%s\n", u.bold(fmt.Sprintf("Step %d · %s", s.Number, s.Title)))
	}
	var failText []string
	for _, p := range c.pkgs {
		rel := strings.TrimPrefix(p.Package, modulePath+"/")
		if len(c.pkgs) > 1 || s.Exercise != nil {
			u.printf("%s\n", u.dim("Lesson · "+rel))
		}
		failText = append(failText, a.printTests(p, false)...)
	}
	lesson := c.tally(false)
	pass, fail, skip := lesson.pass, lesson.fail, lesson.skip
	summary := fmt.Sprintf("%d passed", pass)
	if fail > 0 {
		summary += fmt.Sprintf(", %d failed", fail)
	}
	if skip > 0 {
		summary += fmt.Sprintf(", %d skipped", skip)
	}
	took := u.dim("(" + fmtSeconds(c.elapsed()) + ")")
	switch {
	case c.hasBuildErrors():
		u.printf("%s step %d's code does not compile: the lines above say where\n", u.bad(), s.Number)
	case lesson.ok() && pass+skip == 0:
		u.printf("%s step %d has no lesson checks yet\n", u.warn(), s.Number)
	case lesson.ok() && c.partly() != "":
		u.printf("%s step %d's lesson is only partly checked on this server: %s %s\n", u.warn(), s.Number, summary, took)
		u.println(u.dim("  Nothing failed, but most checks need what this server lacks (the reason is above); they run on a server that has it."))
	case lesson.ok() && skip > 0:
		u.printf("%s no lesson check of step %d failed: %s %s\n", u.ok(), s.Number, summary, took)
		u.println(u.dim("  The skipped ones need a server with more features; the line above says how to get one."))
	case lesson.ok():
		u.printf("%s all of step %d's lesson checks passed: %s %s\n", u.ok(), s.Number, summary, took)
	default:
		u.printf("%s step %d's lesson checks: %s\n", u.bad(), s.Number, summary)
	}
	if !lesson.ok() {
		if e, ok := diagnose.ExplainText(strings.Join(failText, "\n")); ok {
			a.showEntry(e)
		} else if len(s.Hints) > 0 {
			u.printf("%s %s\n", u.yellow("hint:"), s.Hints[0])
		}
	}
	if s.Exercise != nil {
		a.printExercise(c)
	}
	if s.Exercise != nil || several || c.partly() != "" {
		a.printVerdict(c)
	}
}

// printVerdict is the step's one-line outcome: done only when the lesson's
// checks and the exercise both pass.
func (a *app) printVerdict(c *stepChecks) {
	u := a.ui
	s := c.step
	switch {
	case c.done() && c.partly() != "":
		u.printf("%s step %d done, partly checked (on this server)\n", u.warn(), s.Number)
	case c.done():
		u.printf("%s step %d done\n", u.ok(), s.Number)
	case c.lessonOK() && s.Exercise != nil:
		u.printf("%s step %d is not done yet: its exercise does not pass\n", u.bad(), s.Number)
	default:
		u.printf("%s step %d is not done: a lesson check failed\n", u.bad(), s.Number)
	}
}

// printExercise shows the exercise's tests and what to do next.
func (a *app) printExercise(c *stepChecks) {
	u := a.ui
	s := c.step
	u.printf("%s\n", u.dim("Exercise · "+s.ExerciseFile()))
	n := c.tally(true)
	for _, p := range c.pkgs {
		a.printTests(p, true)
	}
	switch {
	case c.hasBuildErrors():
		u.printf("%s the exercise could not run: the step does not compile\n", u.bad())
	case n.pass+n.fail+n.skip == 0:
		u.printf("%s no exercise test ran (%s/exercise_test.go has no %s… test?)\n", u.bad(), s.Dir(), workbook.ExerciseTestPrefix)
	case c.exerciseOK():
		u.printf("%s the exercise passes: %d passed\n", u.ok(), n.pass)
	case n.fail == 0 && n.skip > 0:
		u.printf("%s the exercise's tests were skipped on this server (the reason is above): it is not checked yet\n", u.warn())
	default:
		line := ""
		if l, err := workbook.TodoLine(a.root, s); err == nil {
			line = fmt.Sprintf(":%d", l)
		}
		u.printf("%s the exercise is not done yet: %d of %d passed. Edit %s%s, then check again (`go run ./runner watch %d` re-checks on every save)\n",
			u.bad(), n.pass, n.pass+n.fail, s.ExerciseFile(), line, s.Number)
	}
}

func (c *stepChecks) hasBuildErrors() bool {
	for _, p := range c.pkgs {
		if len(p.Build) > 0 {
			return true
		}
	}
	return false
}

func (c *stepChecks) elapsed() float64 {
	var e float64
	for _, p := range c.pkgs {
		e = max(e, p.Elapsed)
	}
	return e
}

// printTests prints one line per test of one kind (lesson or exercise),
// the failures' messages, the skip reasons once, and the package's own
// output when it failed outside any test. It returns the failures' text.
func (a *app) printTests(p *pkgResult, exercise bool) []string {
	u := a.ui
	if !exercise {
		for _, l := range p.Build {
			u.printf("  %s\n", u.red(l))
		}
	}
	// go test starts a parent before its subtests, so the order in which
	// tests started already puts each subtest under its parent.
	var failText []string
	skipped := map[string][]string{}
	var skipOrder []string
	failedHere := 0
	for _, t := range p.Tests {
		if isExercise(t) != exercise {
			if t.Action == "fail" {
				failedHere++
			}
			continue
		}
		depth := strings.Count(t.Name, "/")
		indent := strings.Repeat("  ", depth+1)
		name := t.Name
		if depth > 0 {
			name = name[strings.LastIndex(name, "/")+1:]
		}
		took := ""
		if t.Elapsed >= 0.01 {
			took = u.dim(fmt.Sprintf("(%s)", fmtSeconds(t.Elapsed)))
		}
		switch t.Action {
		case "pass":
			if depth > 0 && !a.verbose {
				continue // subtests that passed: their parent's ✓ says it
			}
			u.printf("%s\n", strings.TrimRight(fmt.Sprintf("%s%s %s %s", indent, u.ok(), name, took), " "))
		case "skip":
			// Skips usually share one reason (the server lacks JSON):
			// say it once, after the other lines.
			reason := skipReason(t)
			if _, seen := skipped[reason]; !seen {
				skipOrder = append(skipOrder, reason)
			}
			skipped[reason] = append(skipped[reason], name)
		case "fail":
			failedHere++
			u.printf("%s\n", strings.TrimRight(fmt.Sprintf("%s%s %s %s", indent, u.bad(), name, took), " "))
			msg := t.message(12)
			for _, l := range msg {
				u.printf("%s    %s\n", indent, u.red(l))
			}
			failText = append(failText, msg...)
		default:
			failedHere++
			u.printf("%s%s %s %s\n", indent, u.bad(), name, u.red("did not finish (the test binary stopped: a panic or a timeout?)"))
		}
	}
	for _, reason := range skipOrder {
		names := skipped[reason]
		list := strings.Join(names, ", ")
		if len(names) > 4 {
			list = fmt.Sprintf("%s and %d more", strings.Join(names[:3], ", "), len(names)-3)
		}
		u.printf("  %s %s %s\n", u.warn(), list, u.yellow("skipped: "+reason))
	}
	if !exercise && !p.ok() && failedHere == 0 && len(p.Build) == 0 {
		// The package failed outside any test: TestMain (no server), a
		// panic. Its own output says why.
		lines := p.Output
		if len(lines) > 15 {
			lines = lines[len(lines)-15:]
		}
		for _, l := range lines {
			if l = strings.TrimSpace(l); l != "" && l != "FAIL" && !strings.HasPrefix(l, "FAIL\t") {
				u.printf("    %s\n", u.red(l))
				failText = append(failText, l)
			}
		}
	}
	return failText
}

func fmtSeconds(s float64) string {
	return (time.Duration(s * float64(time.Second))).Round(10 * time.Millisecond).String()
}

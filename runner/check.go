package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
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

// message is what a test said when it failed or skipped: its own output,
// without go test's framing lines, at most max lines.
func (t *testResult) message(max int) []string {
	var out []string
	for _, l := range t.Output {
		trim := strings.TrimSpace(l)
		if trim == "" || strings.HasPrefix(trim, "=== ") || strings.HasPrefix(trim, "--- ") {
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

// runChecks runs the tests of steps in one `go test` (so packages run in
// parallel), printing each step's results as soon as it finishes. It
// returns each step's outcome by number.
func (a *app) runChecks(ctx context.Context, steps []workbook.Step) map[int]*pkgResult {
	u := a.ui
	byPkg := map[string]workbook.Step{}
	var args []string
	for _, s := range steps {
		byPkg[modulePath+"/"+s.Dir()] = s
		args = append(args, s.Package())
	}
	what := fmt.Sprintf("step %d's checks", steps[0].Number)
	if len(steps) > 1 {
		what = fmt.Sprintf("the checks of %d steps", len(steps))
	}
	sp := u.spin("running " + what + " (compiling, then starting a Redis for the tests)")
	results := map[int]*pkgResult{}
	passed, failed := 0, 0
	c := newCollector()
	c.onTest = func(p *pkgResult, t *testResult) {
		switch t.Action {
		case "pass":
			passed++
		case "fail":
			failed++
		}
		sp.set(fmt.Sprintf("running %s: %d passed, %d failed", what, passed, failed))
	}
	c.onPackage = func(p *pkgResult) {
		s, ok := byPkg[p.Package]
		if !ok {
			return
		}
		results[s.Number] = p
		sp.stop()
		a.printChecks(s, p, len(steps) > 1)
		if len(results) < len(steps) && u.tty { // in a log, one "running" line is enough
			sp = u.spin(fmt.Sprintf("running %s: %d of %d steps done", what, len(results), len(steps)))
		}
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", append([]string{"test", "-json", "-count=1", "-timeout=5m"}, args...)...)
	cmd.Dir = a.root
	cmd.Env = checkEnv(os.Environ())
	a.group(cmd)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		sp.stop()
		u.printf("%s %v\n", u.bad(), err)
		return results
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		sp.stop()
		u.printf("%s cannot run go test: %v\n", u.bad(), err)
		return results
	}
	watching := a.watchForStop(cmd)
	c.read(stdout)
	_ = cmd.Wait()
	stopped := watching()
	a.stopped = stopped
	sp.stop()
	if stopped {
		u.printf("%s the checks were stopped\n", u.warn())
		return results
	}

	// Packages that never reported (a build failure stops them early).
	for _, name := range c.order {
		p := c.pkgs[name]
		s, ok := byPkg[p.Package]
		if !ok || results[s.Number] != nil {
			continue
		}
		if p.Action == "" {
			p.Action = "fail"
		}
		results[s.Number] = p
		a.printChecks(s, p, len(steps) > 1)
	}
	if msg := strings.TrimSpace(stderr.String()); msg != "" && len(results) < len(steps) {
		u.printf("%s go test: %s\n", u.bad(), msg)
	}
	return results
}

// modulePath is the workbook's module: go test names packages with it.
const modulePath = "github.com/redis-go-workbook/workbook"

// printChecks prints one line per test, then what to do about failures.
func (a *app) printChecks(s workbook.Step, p *pkgResult, several bool) {
	u := a.ui
	if several {
		u.printf("%s\n", u.bold(fmt.Sprintf("Step %d · %s", s.Number, s.Title)))
	}
	for _, l := range p.Build {
		u.printf("  %s\n", u.red(l))
	}
	// go test starts a parent before its subtests, so the order in which
	// tests started already puts each subtest under its parent.
	var failText []string
	skipped := map[string][]string{}
	var skipOrder []string
	for _, t := range p.Tests {
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
			reason := strings.TrimPrefix(strings.Join(t.message(3), " "), "skipped: ")
			if _, seen := skipped[reason]; !seen {
				skipOrder = append(skipOrder, reason)
			}
			skipped[reason] = append(skipped[reason], name)
		case "fail":
			u.printf("%s\n", strings.TrimRight(fmt.Sprintf("%s%s %s %s", indent, u.bad(), name, took), " "))
			msg := t.message(12)
			for _, l := range msg {
				u.printf("%s    %s\n", indent, u.red(l))
			}
			failText = append(failText, msg...)
		default:
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
	pass, fail, skip := p.count()
	if !p.ok() && fail == 0 {
		// The package failed outside any test: TestMain (no server), a
		// panic, or the build. Its own output says why.
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
	summary := fmt.Sprintf("%d passed", pass)
	if fail > 0 {
		summary += fmt.Sprintf(", %d failed", fail)
	}
	if skip > 0 {
		summary += fmt.Sprintf(", %d skipped", skip)
	}
	switch {
	case len(p.Build) > 0:
		u.printf("%s step %d's checks do not compile\n", u.bad(), s.Number)
	case p.ok() && pass+skip == 0:
		u.printf("%s step %d has no checks yet\n", u.warn(), s.Number)
	case p.ok():
		if skip == 0 {
			u.printf("%s all of step %d's checks passed: %s %s\n", u.ok(), s.Number, summary, u.dim("("+fmtSeconds(p.Elapsed)+")"))
		} else {
			// Skipped checks need something this server lacks: nothing the
			// learner's code can fix, so the step still counts as done.
			u.printf("%s no check of step %d failed on this server: %s %s\n", u.ok(), s.Number, summary, u.dim("("+fmtSeconds(p.Elapsed)+")"))
			u.println(u.dim("  The skipped ones need a server with more features; the line above says how to get one."))
		}
	default:
		u.printf("%s step %d's checks: %s\n", u.bad(), s.Number, summary)
	}
	if !p.ok() {
		if e, ok := diagnose.ExplainText(strings.Join(failText, "\n")); ok {
			a.showEntry(e)
		} else if len(s.Hints) > 0 {
			u.printf("%s %s\n", u.yellow("hint:"), s.Hints[0])
		}
	}
}

func fmtSeconds(s float64) string {
	return (time.Duration(s * float64(time.Second))).Round(10 * time.Millisecond).String()
}

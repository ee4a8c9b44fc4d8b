package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/redis-go-workbook/workbook/internal/embedded"
	"github.com/redis-go-workbook/workbook/internal/lesson"
	"github.com/redis-go-workbook/workbook/internal/provision"
	"github.com/redis-go-workbook/workbook/internal/workbook"
)

func TestParseKeys(t *testing.T) {
	got := parseKeys([]byte("r\r\x1b[A\x1b[6~ 12\x03\x7fé\x1b\x1b[1;5Cq"))
	want := []key{"r", "enter", "up", "pgdn", "space", "1", "2", "ctrl-c", "backspace", "é", "esc", "q"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q\nwant %q", got, want)
	}
}

func TestPrefixWriterStreamsLinesAndKeepsTheRawOutput(t *testing.T) {
	var shown, raw bytes.Buffer
	p := &prefixWriter{w: &shown, prefix: "│ ", capture: &raw}
	for _, chunk := range []string{"PING ", "→ PONG\nRedis", " version: 8\n", "no newline"} {
		n, err := p.Write([]byte(chunk))
		if err != nil || n != len(chunk) {
			t.Fatalf("Write(%q) = %d, %v", chunk, n, err)
		}
	}
	p.flush()
	if want := "│ PING → PONG\n│ Redis version: 8\n│ no newline\n"; shown.String() != want {
		t.Fatalf("shown %q, want %q", shown.String(), want)
	}
	if want := "PING → PONG\nRedis version: 8\nno newline"; raw.String() != want {
		t.Fatalf("captured %q: the comparison needs the program's exact output", raw.String())
	}
}

func TestRawModeWriterAddsCarriageReturns(t *testing.T) {
	var out bytes.Buffer
	w := &termWriter{out: &out, raw: true}
	n, _ := w.Write([]byte("a\nb\r\nc"))
	if out.String() != "a\r\nb\r\nc" || n != 6 {
		t.Fatalf("%q %d", out.String(), n)
	}
}

const sampleJSON = `{"Action":"start","Package":"github.com/redis-go-workbook/workbook/steps/09-x"}
{"Action":"run","Package":"github.com/redis-go-workbook/workbook/steps/09-x","Test":"TestOutput"}
{"Action":"output","Package":"github.com/redis-go-workbook/workbook/steps/09-x","Test":"TestOutput","Output":"=== RUN   TestOutput\n"}
{"Action":"output","Package":"github.com/redis-go-workbook/workbook/steps/09-x","Test":"TestOutput","Output":"--- PASS: TestOutput (0.01s)\n"}
{"Action":"pass","Package":"github.com/redis-go-workbook/workbook/steps/09-x","Test":"TestOutput","Elapsed":0.01}
{"Action":"run","Package":"github.com/redis-go-workbook/workbook/steps/09-x","Test":"TestJSON"}
{"Action":"output","Package":"github.com/redis-go-workbook/workbook/steps/09-x","Test":"TestJSON","Output":"    x_test.go:12: skipped: JSON documents (JSON.SET, JSON.GET) is not available on Redis 8.0.2: run make up\n"}
{"Action":"skip","Package":"github.com/redis-go-workbook/workbook/steps/09-x","Test":"TestJSON"}
{"Action":"run","Package":"github.com/redis-go-workbook/workbook/steps/09-x","Test":"TestTable"}
{"Action":"run","Package":"github.com/redis-go-workbook/workbook/steps/09-x","Test":"TestTable/empty"}
{"Action":"pass","Package":"github.com/redis-go-workbook/workbook/steps/09-x","Test":"TestTable/empty"}
{"Action":"run","Package":"github.com/redis-go-workbook/workbook/steps/09-x","Test":"TestTable/full"}
{"Action":"output","Package":"github.com/redis-go-workbook/workbook/steps/09-x","Test":"TestTable/full","Output":"    x_test.go:40: WRONGTYPE Operation against a key holding the wrong kind of value\n"}
{"Action":"output","Package":"github.com/redis-go-workbook/workbook/steps/09-x","Test":"TestTable/full","Output":"--- FAIL: TestTable/full (0.00s)\n"}
{"Action":"fail","Package":"github.com/redis-go-workbook/workbook/steps/09-x","Test":"TestTable/full"}
{"Action":"fail","Package":"github.com/redis-go-workbook/workbook/steps/09-x","Test":"TestTable"}
{"Action":"output","Package":"github.com/redis-go-workbook/workbook/steps/09-x","Output":"FAIL\n"}
{"Action":"fail","Package":"github.com/redis-go-workbook/workbook/steps/09-x","Elapsed":0.5}
{"ImportPath":"github.com/redis-go-workbook/workbook/steps/10-y [github.com/redis-go-workbook/workbook/steps/10-y.test]","Action":"build-output","Output":"steps/10-y/y.go:3:2: undefined: foo\n"}
{"ImportPath":"github.com/redis-go-workbook/workbook/steps/10-y [github.com/redis-go-workbook/workbook/steps/10-y.test]","Action":"build-fail"}
{"Action":"start","Package":"github.com/redis-go-workbook/workbook/steps/10-y"}
{"Action":"output","Package":"github.com/redis-go-workbook/workbook/steps/10-y","Output":"FAIL\tgithub.com/redis-go-workbook/workbook/steps/10-y [build failed]\n"}
{"Action":"fail","Package":"github.com/redis-go-workbook/workbook/steps/10-y","Elapsed":0,"FailedBuild":"github.com/redis-go-workbook/workbook/steps/10-y [github.com/redis-go-workbook/workbook/steps/10-y.test]"}
`

func TestCollectorReadsGoTestJSON(t *testing.T) {
	c := newCollector()
	var ended []string
	c.onPackage = func(p *pkgResult) { ended = append(ended, p.Package) }
	c.read(strings.NewReader(sampleJSON))

	x := c.pkgs[modulePath+"/steps/09-x"]
	pass, fail, skip := x.count()
	if pass != 2 || fail != 2 || skip != 1 || x.ok() {
		t.Fatalf("09-x: %d passed %d failed %d skipped, ok=%v", pass, fail, skip, x.ok())
	}
	var names []string
	for _, tr := range x.Tests {
		names = append(names, tr.Name)
	}
	if want := []string{"TestOutput", "TestJSON", "TestTable", "TestTable/empty", "TestTable/full"}; !reflect.DeepEqual(names, want) {
		t.Fatalf("tests in order: %q", names)
	}
	if msg := x.byName["TestTable/full"].message(5); len(msg) != 1 || !strings.HasPrefix(msg[0], "WRONGTYPE") {
		t.Fatalf("failure message without go test's framing: %q", msg)
	}
	if msg := x.byName["TestJSON"].message(5); len(msg) != 1 || !strings.Contains(msg[0], "not available on Redis 8.0.2") {
		t.Fatalf("skip reason: %q", msg)
	}

	y := c.pkgs[modulePath+"/steps/10-y"]
	if y.ok() || len(y.Build) != 1 || !strings.Contains(y.Build[0], "undefined: foo") {
		t.Fatalf("a build failure: %+v", y)
	}
	if len(ended) != 2 {
		t.Fatalf("packages ended: %q", ended)
	}
}

func TestPrintChecksShowsFailuresWithTheCatalogue(t *testing.T) {
	var out bytes.Buffer
	a := &app{ui: &ui{w: &termWriter{out: &out}}}
	c := newCollector()
	c.read(strings.NewReader(sampleJSON))
	a.printChecks(&stepChecks{step: workbook.Step{Number: 9, Title: "X", Hints: []string{"a hint"}}, pkgs: []*pkgResult{c.pkgs[modulePath+"/steps/09-x"]}, want: 1}, false)
	got := out.String()
	for _, want := range []string{
		"✓ TestOutput", "! TestJSON skipped: JSON documents", "✗ TestTable", "✗ full", "WRONGTYPE Operation",
		"step 9's lesson checks: 2 passed, 2 failed, 1 skipped",
		"cause: a command for one type", // the WRONGTYPE row of the catalogue
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
	if strings.Contains(got, "empty") {
		t.Errorf("a passing subtest is not worth a line:\n%s", got)
	}
}

func TestStepEnvNamesTheSessionServerOnly(t *testing.T) {
	env := stepEnv([]string{"PATH=/bin", "REDIS_URL=redis://other/0", "REDIS_HOST=h", "WORKBOOK_REDIS=container", "REDIS_READ_TIMEOUT=2s"}, "redis://127.0.0.1:7000/0", "")
	want := []string{"PATH=/bin", "REDIS_READ_TIMEOUT=2s", "REDIS_URL=redis://127.0.0.1:7000/0", "WORKBOOK_REDIS=url"}
	if !reflect.DeepEqual(env, want) {
		t.Fatalf("got %q", env)
	}
	// A step that starts its own throwaway server starts the session's kind.
	env = stepEnv([]string{"WORKBOOK_REDIS=container"}, "redis://127.0.0.1:7000/0", "embedded")
	if want := []string{"REDIS_URL=redis://127.0.0.1:7000/0", "WORKBOOK_REDIS=embedded"}; !reflect.DeepEqual(env, want) {
		t.Fatalf("got %q", env)
	}
}

// REDIS_DB in .env reaches the step's program inside the runner as it does
// with make step-N: in the URL the runner hands over (REDIS_URL wins over
// REDIS_DB, so the database must be in it).
func TestStepURLCarriesTheLearnersDatabase(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".env"), []byte("REDIS_DB=1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	t.Setenv("REDIS_URL", "")
	t.Setenv("REDIS_HOST", "")
	os.Unsetenv("REDIS_DB")
	var out bytes.Buffer
	a := &app{ui: &ui{w: &termWriter{out: &out}}}
	srv := &provision.Server{URL: "redis://127.0.0.1:7000/0"}
	if got := a.stepURL(srv); got != "redis://127.0.0.1:7000/1" {
		t.Fatalf("stepURL = %q, want database 1 from .env", got)
	}
	if !strings.Contains(out.String(), "REDIS_DB=1") {
		t.Fatalf("the runner should say why: %q", out.String())
	}
	t.Setenv("REDIS_DB", "2") // the environment wins over .env, as for make step-2
	if got := a.stepURL(srv); got != "redis://127.0.0.1:7000/2" {
		t.Fatalf("stepURL = %q, want database 2 from the environment", got)
	}
	t.Setenv("REDIS_URL", "redis://127.0.0.1:7000/3") // the learner's own server: as they wrote it
	if got := a.stepURL(srv); got != srv.URL {
		t.Fatalf("stepURL = %q with an explicit server", got)
	}
}

// go test's framing lines go; a test's own lines that start with "--- "
// (a diff's header, a section title) stay.
func TestMessageKeepsTheTestsOwnDashLines(t *testing.T) {
	tr := &testResult{Name: "TestOutput", Output: []string{
		"=== RUN   TestOutput",
		"    golden.go:30: step 4's output differs:",
		"        --- expected",
		"        +++ actual",
		"        - --- Encodings ---",
		"--- FAIL: TestOutput (0.01s)",
	}}
	got := strings.Join(tr.message(10), "\n")
	for _, want := range []string{"--- expected", "+++ actual", "- --- Encodings ---"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in %q", want, got)
		}
	}
	if strings.Contains(got, "FAIL: TestOutput") || strings.Contains(got, "=== RUN") {
		t.Errorf("go test's framing kept: %q", got)
	}
}

const exerciseJSON = `{"Action":"run","Package":"github.com/redis-go-workbook/workbook/steps/04-x","Test":"TestOutput"}
{"Action":"pass","Package":"github.com/redis-go-workbook/workbook/steps/04-x","Test":"TestOutput"}
{"Action":"run","Package":"github.com/redis-go-workbook/workbook/steps/04-x","Test":"TestExerciseRank"}
{"Action":"output","Package":"github.com/redis-go-workbook/workbook/steps/04-x","Test":"TestExerciseRank","Output":"    exercise_test.go:12: Rank(\"ana\") = 2, want 0 (ranks count from 0 at the top: ZREVRANK, not ZRANK)\n"}
{"Action":"fail","Package":"github.com/redis-go-workbook/workbook/steps/04-x","Test":"TestExerciseRank"}
{"Action":"fail","Package":"github.com/redis-go-workbook/workbook/steps/04-x"}
{"Action":"run","Package":"github.com/redis-go-workbook/workbook/steps/04-x/sub","Test":"TestSub"}
{"Action":"output","Package":"github.com/redis-go-workbook/workbook/steps/04-x/sub","Test":"TestSub","Output":"    sub_test.go:3: skipped: the server lacks JSON\n"}
{"Action":"skip","Package":"github.com/redis-go-workbook/workbook/steps/04-x/sub","Test":"TestSub"}
{"Action":"run","Package":"github.com/redis-go-workbook/workbook/steps/04-x/sub","Test":"TestSub2"}
{"Action":"output","Package":"github.com/redis-go-workbook/workbook/steps/04-x/sub","Test":"TestSub2","Output":"    sub_test.go:3: skipped: the server lacks JSON\n"}
{"Action":"skip","Package":"github.com/redis-go-workbook/workbook/steps/04-x/sub","Test":"TestSub2"}
{"Action":"pass","Package":"github.com/redis-go-workbook/workbook/steps/04-x/sub"}
`

// The lesson's checks and the exercise's are counted apart, over every
// package of the step; the step is done only when the exercise passes; a
// lesson mostly skipped is "partly checked", with its reason once.
func TestChecksTellLessonFromExercise(t *testing.T) {
	coll := newCollector()
	coll.read(strings.NewReader(exerciseJSON))
	step := workbook.Step{Number: 4, Slug: "04-x", Title: "X", Hints: []string{"h"}, Exercise: &workbook.Exercise{Task: "rank", Hints: []string{"gentle", "explicit"}}}
	c := &stepChecks{step: step, want: 2}
	c.add(coll.pkgs[modulePath+"/steps/04-x/sub"])
	c.add(coll.pkgs[modulePath+"/steps/04-x"])
	if c.pkgs[0].Package != modulePath+"/steps/04-x" {
		t.Fatalf("the top package comes first: %q", c.pkgs[0].Package)
	}
	if !c.lessonOK() {
		t.Fatal("the lesson's checks passed (the package failed only because of the exercise)")
	}
	if c.exerciseOK() || c.done() {
		t.Fatal("a failing exercise: the step is not done")
	}
	if c.partly() != "the server lacks JSON" {
		t.Fatalf("1 passed, 2 skipped: partly checked, got %q", c.partly())
	}
	var out bytes.Buffer
	a := &app{ui: &ui{w: &termWriter{out: &out}}, root: t.TempDir()}
	a.printChecks(c, false)
	got := out.String()
	for _, want := range []string{
		"Lesson · steps/04-x\n", "Lesson · steps/04-x/sub", "✓ TestOutput",
		"only partly checked on this server: 1 passed, 2 skipped",
		"Exercise · steps/04-x/exercise.go", "✗ TestExerciseRank", "ZREVRANK, not ZRANK",
		"the exercise is not done yet: 0 of 1 passed", "step 4 is not done yet: its exercise does not pass",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
	if n := strings.Count(got, "the server lacks JSON"); n != 1 {
		t.Errorf("the skip reason is said %d times, want once:\n%s", n, got)
	}
	if strings.Count(got, "TestExerciseRank") != 1 {
		t.Errorf("the exercise test is listed under the lesson too:\n%s", got)
	}
}

func TestCheckEnvLetsTestsPickTheirServer(t *testing.T) {
	t.Setenv("WORKBOOK_REDIS", "url")
	t.Setenv("WORKBOOK_TEST_REDIS_URL", "")
	if env := checkEnv([]string{"WORKBOOK_REDIS=url", "A=b"}); !reflect.DeepEqual(env, []string{"A=b"}) {
		t.Fatalf("url mode without a test server: %q", env)
	}
	t.Setenv("WORKBOOK_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
	if env := checkEnv([]string{"WORKBOOK_REDIS=url"}); len(env) != 1 {
		t.Fatalf("url mode with a test server is kept: %q", env)
	}
}

func TestUnwrapSoftBreaks(t *testing.T) {
	md := "- one\n  two\n- three\n\npara\nline\n\n```go\nkeep\nthese\n```\n| a |\n| b |\n# Head\ntext\nhard  \nbreak\n"
	want := "- one two\n- three\n\npara line\n\n```go\nkeep\nthese\n```\n| a |\n| b |\n# Head\ntext hard  \nbreak\n"
	if got := unwrapSoftBreaks(md); got != want {
		t.Fatalf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestRenderRespectsWidthAndNoColor(t *testing.T) {
	t.Setenv("COLUMNS", "40")
	a := &app{ui: &ui{w: &termWriter{out: os.Stdout}, tty: true, color: false}}
	out, err := a.renderMarkdown("# Title\n\nA paragraph long enough that it must wrap at forty columns, surely.\n\n<!-- code: x.go -->\n```go\nfmt.Println(1)\n```\n")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out, "\x1b[3") || strings.Contains(out, "\x1b[38") {
		t.Errorf("colour codes with colour off: %q", out)
	}
	if strings.Contains(out, "code: x.go") {
		t.Errorf("the docs tool's markers are not for readers: %q", out)
	}
	for _, l := range strings.Split(ansi.ReplaceAllString(out, ""), "\n") {
		if runeLen(l) > 40 {
			t.Errorf("line wider than the terminal: %q", l)
		}
	}
}

func TestFindStep(t *testing.T) {
	a := &app{steps: workbook.Steps()}
	if len(a.steps) == 0 {
		t.Skip("skipped: no steps in the manifest")
	}
	first := a.steps[0]
	for _, arg := range []string{"1", "01", "step-1", first.Slug} {
		if s, ok := a.findStep(arg); !ok || s.Number != first.Number {
			t.Errorf("%q: got step %d, %v", arg, s.Number, ok)
		}
	}
	if _, ok := a.findStep("999"); ok {
		t.Error("999 is no step")
	}
}

func TestColorDiffMarksBothSides(t *testing.T) {
	u := &ui{color: true}
	got := colorDiff(u, "--- expected\n+++ actual\n@@ -1 +1 @@\n-a\n+b\n c\n")
	for _, want := range []string{cRed + "-a" + cReset, cGreen + "+b" + cReset, " c\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in %q", want, got)
		}
	}
}

// A step that fails with an error from the troubleshooting table gets that
// row's cause and fix. The error is provoked for real and printed the way
// a step's main prints it (lesson.Explain), as the runner sees it on stderr.
func TestFailedStepGetsTheCatalogueRow(t *testing.T) {
	srv, err := embedded.Start("")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer rdb.Close()
	ctx := context.Background()
	rdb.HSet(ctx, "runner:h", "f", "v")
	runErr := rdb.Get(ctx, "runner:h").Err() // a string command on a hash
	if runErr == nil {
		t.Fatal("GET on a hash must fail")
	}
	var stderr bytes.Buffer
	lesson.Explain(&stderr, runErr)

	var out bytes.Buffer
	a := &app{ui: &ui{w: &termWriter{out: &out}}}
	e := a.explainFailure(ctx, workbook.Step{Number: 4, Hints: []string{"unrelated hint"}}, stderr.String(), nil)
	if e == nil || e.ID != "wrongtype" {
		t.Fatalf("stderr %q: want the wrongtype row, got %+v", stderr.String(), e)
	}
	if !strings.Contains(out.String(), "cause: "+e.Cause) || !strings.Contains(out.String(), e.Fix) {
		t.Fatalf("the cause and the fix must be shown:\n%s", out.String())
	}
	if strings.Contains(out.String(), "Doctor") || strings.Contains(out.String(), "unrelated hint") {
		t.Fatalf("WRONGTYPE is the code's mistake, not the setup's: no doctor, no generic hint:\n%s", out.String())
	}

	// An error the catalogue does not know falls back to the step's hint.
	out.Reset()
	if e := a.explainFailure(ctx, workbook.Step{Hints: []string{"look at the key names"}}, "error: something else\n", nil); e != nil {
		t.Fatalf("no row for an unknown error, got %+v", e)
	}
	if !strings.Contains(out.String(), "hint: look at the key names") {
		t.Fatalf("want the hint:\n%s", out.String())
	}
}

// check all prints the steps in order, whatever order their packages end in.
func TestChecksArePrintedInStepOrder(t *testing.T) {
	steps := []workbook.Step{{Number: 1}, {Number: 2}, {Number: 3}}
	results := map[int]*stepChecks{}
	for _, s := range steps {
		results[s.Number] = &stepChecks{step: s, want: 1}
	}
	var got []int
	o := &inOrder{steps: steps, results: results, print: func(c *stepChecks, _ int) { got = append(got, c.step.Number) }}
	for _, n := range []int{3, 1, 2} {
		results[n].add(&pkgResult{Package: "p", Action: "pass"})
		o.flush()
	}
	if !reflect.DeepEqual(got, []int{1, 2, 3}) {
		t.Fatalf("printed in the order %v, want 1 2 3", got)
	}
}

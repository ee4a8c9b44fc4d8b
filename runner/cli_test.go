package main

// The runner without a terminal, as a script or CI uses it: nothing waits
// for a key, and the exit status says whether everything passed.

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redis-go-workbook/workbook/internal/workbook"
)

// runCLI runs the runner with stdin and stdout not terminals and returns
// its output and exit status.
func runCLI(t *testing.T, env []string, args ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, buildRunner(t), args...)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return string(out), 0
	case errors.As(err, &exit):
		return string(out), exit.ExitCode()
	}
	t.Fatalf("running the runner: %v\n%s", err, out)
	return "", -1
}

func TestListWithoutATerminal(t *testing.T) {
	out, code := runCLI(t, e2eEnv(t, filepath.Join(t.TempDir(), "p.json")), "list")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	for _, s := range workbook.Steps() {
		if !strings.Contains(out, s.Title) {
			t.Errorf("step %d (%s) is missing from the list:\n%s", s.Number, s.Title, out)
		}
	}
	if strings.Contains(out, "\x1b[") {
		t.Errorf("no colours when the output is not a terminal:\n%q", out)
	}
}

func TestBadArgumentsSayWhatToDo(t *testing.T) {
	env := e2eEnv(t, filepath.Join(t.TempDir(), "p.json"))
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "999"}, "no step \"999\""},
		{[]string{"show"}, "which step?"},
		{[]string{"frobnicate"}, "unknown command"},
	} {
		out, code := runCLI(t, env, c.args...)
		if code != 2 || !strings.Contains(out, c.want) {
			t.Errorf("%q: exit %d, want 2 and %q:\n%s", c.args, code, c.want, out)
		}
	}
}

func TestNextWithoutInputWalksStepOne(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped in -short mode: compiles and runs step 1 and its checks")
	}
	one, ok := workbook.Get(1)
	if !ok {
		t.Skip("skipped: no step 1")
	}
	progress := filepath.Join(t.TempDir(), "p.json")
	out, code := runCLI(t, e2eEnv(t, progress), "next", "--no-input")
	wantCode, wantDone := 0, true
	if one.Exercise != nil {
		// The shipped exercise is a stub: not done, and the exit status says so.
		wantCode, wantDone = 1, false
	}
	if code != wantCode {
		t.Fatalf("exit %d, want %d:\n%s", code, wantCode, out)
	}
	for _, want := range []string{"Goal", "PING → PONG", "the output matches the expected output", "all of step 1's lesson checks passed"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Next: step 2") != wantDone {
		t.Errorf("\"Next: step 2\" shown = %v, want %v:\n%s", !wantDone, wantDone, out)
	}
	p, err := workbook.LoadProgress(progress)
	if err != nil || !p.Step(1).Passed || p.Step(1).Done(one) != wantDone {
		t.Fatalf("step 1's progress: %+v, %v (done should be %v)", p.Step(1), err, wantDone)
	}
}

func TestUnreachableServerRunsTheDoctor(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	env := append(e2eEnv(t, filepath.Join(t.TempDir(), "p.json")), "REDIS_URL=redis://"+addr+"/0", "WORKBOOK_REDIS=url")
	out, code := runCLI(t, env, "run", "1")
	if code != 1 {
		t.Fatalf("exit %d, want 1:\n%s", code, out)
	}
	for _, want := range []string{"connection refused", "cause: no Redis server is listening", "Doctor", "✗ Reachable", "fix:"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
}

func TestResetForgetsOneStepOrAll(t *testing.T) {
	one, two := workbook.Step{Number: 1}, workbook.Step{Number: 2}
	path := filepath.Join(t.TempDir(), "p.json")
	p, _ := workbook.LoadProgress(path)
	p.Update(1, func(s *workbook.StepProgress) { s.Passed = true })
	p.Update(2, func(s *workbook.StepProgress) { s.Passed = true })
	p.Current = 2
	if err := p.Save(); err != nil {
		t.Fatal(err)
	}
	env := e2eEnv(t, path)
	if out, code := runCLI(t, env, "reset", "2"); code != 0 {
		t.Fatalf("reset 2: exit %d\n%s", code, out)
	}
	p, _ = workbook.LoadProgress(path)
	if p.Step(2).Done(two) || !p.Step(1).Done(one) {
		t.Fatalf("after reset 2: %+v", p.Steps)
	}
	if out, code := runCLI(t, env, "reset"); code != 0 || !strings.Contains(out, "start again at step") {
		t.Fatalf("reset: exit %d\n%s", code, out)
	}
	p, _ = workbook.LoadProgress(path)
	if len(p.Steps) != 0 {
		t.Fatalf("after reset: %+v", p.Steps)
	}
}

func TestEmbeddedCommandServesUntilStopped(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(buildRunner(t), "embedded", "-addr", addr)
	cmd.Env = os.Environ()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stop(cmd) })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || !strings.Contains(line, "listens on "+addr) {
		t.Fatalf("first line %q, %v", line, err)
	}
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	if err := rdb.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("the embedded server does not answer: %v", err)
	}
	stop(cmd)
	if !cmd.ProcessState.Success() {
		t.Fatalf("Ctrl-C (SIGTERM) must end it cleanly: %v", cmd.ProcessState)
	}
}

// BenchmarkRunStepAgain measures `runner run 1` once the step is built:
// finding a server, a cached build, the run and the comparison. The Go
// build cache is what keeps a repeat quick.
func BenchmarkRunStepAgain(b *testing.B) {
	bin := buildRunner(b)
	env := e2eEnv(b, filepath.Join(b.TempDir(), "p.json"))
	run := func() {
		cmd := exec.Command(bin, "run", "1")
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%v\n%s", err, out)
		}
	}
	run() // the first build is not what this measures
	for b.Loop() {
		run()
	}
}

// WORKBOOK_PROGRESS in a folder that does not exist is a mistake to report,
// not a folder to create.
func TestProgressInAMissingFolderIsAnError(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no-such-folder", "p.json")
	out, code := runCLI(t, e2eEnv(t, missing), "list")
	if code != 2 || !strings.Contains(out, "does not exist") || !strings.Contains(out, "WORKBOOK_PROGRESS") {
		t.Fatalf("exit %d, want 2 and a message naming WORKBOOK_PROGRESS:\n%s", code, out)
	}
	if _, err := os.Stat(filepath.Dir(missing)); err == nil {
		t.Fatal("the missing folder was created")
	}
}

// list --json, on a fresh start: every step in order, nothing checked yet.
func TestListJSONOnAFreshStart(t *testing.T) {
	out, code := runCLI(t, e2eEnv(t, filepath.Join(t.TempDir(), "p.json")), "list", "--json")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	var list []listEntry
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	steps := workbook.Steps()
	if len(list) != len(steps) {
		t.Fatalf("%d entries for %d steps", len(list), len(steps))
	}
	for i, e := range list {
		s := steps[i]
		if e.Number != s.Number || e.Slug != s.Slug || e.Title != s.Title || e.Lesson != "not checked" || e.CheckedAt != nil || e.Done {
			t.Errorf("entry %d: %+v", i, e)
		}
		if want := map[bool]string{true: "not checked", false: "none"}[s.Exercise != nil]; e.Exercise != want || e.ExerciseFile != s.ExerciseFile() || e.SolutionFile != s.SolutionFile() {
			t.Errorf("step %d's exercise: %+v", s.Number, e)
		}
	}
}

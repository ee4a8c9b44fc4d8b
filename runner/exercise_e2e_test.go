//go:build !windows

package main

// The exercise commands, end to end, on a throwaway copy of the workbook
// whose step 1 has a tiny exercise of its own (so that these tests do not
// depend on the real exercises, and never touch the learner's files): check
// fails on the stub with the test's message, solution asks twice, --apply
// and reset --exercise keep the learner's file, list --json reports it, and
// watch re-checks on a save made the way editors make it (a new file renamed
// over the old one).

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis-go-workbook/workbook/internal/workbook"
)

const (
	stubSource = `package main

// Double returns twice n.
func Double(n int) int {
	return 0 // TODO(exercise): return twice n
}
`
	solutionSource = `package main

// Double returns twice n.
func Double(n int) int {
	return 2 * n
}
`
	exerciseTestSource = `package main

import "testing"

func TestExerciseDouble(t *testing.T) {
	if got := Double(21); got != 42 {
		t.Errorf("Double(21) = %d, want 42 (twice 21: multiply, do not add 21 to nothing)", got)
	}
}
`
	// The copy's manifest gives step 1 the exercise.
	manifestPatch = `package workbook

func init() {
	all[0].Exercise = &Exercise{Task: "Write Double: twice its argument.", Hints: []string{"gentle: what is twice 21?", "explicit: return 2 * n"}}
}
`
)

var (
	copyOnce sync.Once
	copyDir  string
	copyBin  string
	copyErr  error
)

// exerciseCopy is a git clone-like copy of the workbook (tracked files only,
// committed, so `git show HEAD:` works) with the throwaway exercise, and a
// runner built from it.
func exerciseCopy(t *testing.T) (dir, bin string) {
	t.Helper()
	if testing.Short() {
		t.Skip("skipped in -short mode: copies the workbook and builds a runner from the copy")
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("skipped: git is not installed")
	}
	copyOnce.Do(func() { copyDir, copyBin, copyErr = makeExerciseCopy() })
	if copyErr != nil {
		t.Fatal(copyErr)
	}
	return copyDir, copyBin
}

func makeExerciseCopy() (string, string, error) {
	root, err := workbook.Root()
	if err != nil {
		return "", "", err
	}
	dir, err := os.MkdirTemp("", "workbook-copy-")
	if err != nil {
		return "", "", err
	}
	tempDirs = append(tempDirs, dir)
	files, err := exec.Command("git", "-C", root, "ls-files", "-z").Output()
	if err != nil {
		return "", "", err
	}
	for _, f := range strings.Split(strings.TrimRight(string(files), "\x00"), "\x00") {
		b, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			continue // deleted in the working tree
		}
		if err := writeFile(filepath.Join(dir, f), string(b)); err != nil {
			return "", "", err
		}
	}
	for path, src := range map[string]string{
		"steps/01-install/exercise.go":      stubSource,
		"steps/01-install/exercise_test.go": exerciseTestSource,
		"solutions/01-install/exercise.go":  solutionSource,
		"internal/workbook/zz_exercise.go":  manifestPatch,
		workbook.OverlayFile:                `{"Replace": {"steps/01-install/exercise.go": "solutions/01-install/exercise.go"}}`,
	} {
		if err := writeFile(filepath.Join(dir, path), src); err != nil {
			return "", "", err
		}
	}
	git := func(args ...string) error {
		cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.com"}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			return &exec.ExitError{Stderr: out}
		}
		return nil
	}
	if err := git("init", "-q"); err != nil {
		return "", "", err
	}
	if err := git("add", "-A"); err != nil {
		return "", "", err
	}
	if err := git("commit", "-qm", "copy"); err != nil {
		return "", "", err
	}
	bin := filepath.Join(dir, ".workbook", "runner")
	build := exec.Command("go", "build", "-o", bin, "./runner")
	build.Dir = dir
	if out, err := build.CombinedOutput(); err != nil {
		return "", "", &exec.ExitError{Stderr: out}
	}
	return dir, bin, nil
}

func writeFile(path, content string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(content), 0o644)
}

// saveByRename saves a file the way many editors do: a new file, renamed
// over the old one.
func saveByRename(t *testing.T, path, content string) {
	t.Helper()
	tmp := path + ".tmp-save"
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func runIn(t *testing.T, dir, bin string, env []string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return string(out), code
}

func TestExerciseCommandsNeverLoseTheLearnersWork(t *testing.T) {
	dir, bin := exerciseCopy(t)
	progress := filepath.Join(t.TempDir(), "p.json")
	env := append(e2eEnv(t, progress), "NO_COLOR=1")
	stub := filepath.Join(dir, "steps/01-install/exercise.go")
	t.Cleanup(func() { _ = os.WriteFile(stub, []byte(stubSource), 0o644) })

	// The chapter ends with the exercise: file, TODO line, task.
	out, code := runIn(t, dir, bin, env, "show", "1")
	for _, want := range []string{"Exercise", "Write Double: twice its argument.", "steps/01-install/exercise.go:5"} {
		if !strings.Contains(out, want) {
			t.Errorf("show 1: missing %q at the end of the page:\n%s", want, tail(out, 800))
		}
	}

	// The shipped stub fails, with the test's own message; not done.
	out, code = runIn(t, dir, bin, env, "check", "1")
	if code != 1 {
		t.Fatalf("check 1 on the stub: exit %d, want 1:\n%s", code, out)
	}
	for _, want := range []string{"all of step 1's lesson checks passed", "✗ TestExerciseDouble", "Double(21) = 0, want 42", "the exercise is not done yet", "step 1 is not done yet"} {
		if !strings.Contains(out, want) {
			t.Errorf("check 1: missing %q in:\n%s", want, out)
		}
	}

	// Hints come one at a time, gentle first, and are remembered.
	if out, _ := runIn(t, dir, bin, env, "hint", "1"); !strings.Contains(out, "hint 1/2: gentle") {
		t.Errorf("first hint: %s", out)
	}
	if out, _ := runIn(t, dir, bin, env, "hint", "1"); !strings.Contains(out, "hint 2/2: explicit") || !strings.Contains(out, "last hint") {
		t.Errorf("second hint: %s", out)
	}

	// The solution: not at the first request, shown at the second.
	if out, _ := runIn(t, dir, bin, env, "solution", "1"); strings.Contains(out, "return 2 * n") || !strings.Contains(out, "ask a second time") {
		t.Errorf("first request shows the solution, or does not say when it will:\n%s", out)
	}
	if out, _ := runIn(t, dir, bin, env, "solution", "1"); !strings.Contains(out, "return 2 * n") {
		t.Errorf("second request: no solution:\n%s", out)
	}

	// --apply keeps the learner's attempt beside it.
	attempt := strings.Replace(stubSource, "return 0", "return n + n // my attempt", 1)
	if err := os.WriteFile(stub, []byte(attempt), 0o644); err != nil {
		t.Fatal(err)
	}
	out, code = runIn(t, dir, bin, env, "solution", "1", "--apply")
	if code != 0 || !strings.Contains(out, "exercise.go.mine") {
		t.Fatalf("solution --apply: exit %d\n%s", code, out)
	}
	if b, _ := os.ReadFile(stub + ".mine"); string(b) != attempt {
		t.Fatalf("the learner's attempt was not kept: %q", b)
	}
	if b, _ := os.ReadFile(stub); string(b) != solutionSource {
		t.Fatalf("the solution is not in place: %q", b)
	}

	out, code = runIn(t, dir, bin, env, "check", "1")
	if code != 0 || !strings.Contains(out, "✓ the exercise passes") || !strings.Contains(out, "✓ step 1 done") {
		t.Fatalf("check 1 with the solution: exit %d\n%s", code, out)
	}

	// The list shows the lesson and the exercise apart.
	out, _ = runIn(t, dir, bin, env, "list")
	if !regexp.MustCompile(`✓\s+1\s+.*exercise ✓`).MatchString(out) || !strings.Contains(out, "1 of ") {
		t.Errorf("list: step 1's lesson and exercise marks:\n%s", out)
	}

	// list --json: the documented fields.
	out, code = runIn(t, dir, bin, env, "list", "--json")
	var list []map[string]any
	if err := json.Unmarshal([]byte(out), &list); err != nil || code != 0 {
		t.Fatalf("list --json: exit %d, %v:\n%s", code, err, out)
	}
	first := list[0]
	for field, want := range map[string]any{
		"number": 1.0, "slug": "01-install", "lesson": "passed", "exercise": "passed", "done": true,
		"exercise_file": "steps/01-install/exercise.go", "solution_file": "solutions/01-install/exercise.go",
	} {
		if first[field] != want {
			t.Errorf("list --json: %s = %v, want %v", field, first[field], want)
		}
	}
	if at, ok := first["checked_at"].(string); !ok {
		t.Errorf("list --json: checked_at %v", first["checked_at"])
	} else if _, err := time.Parse(time.RFC3339, at); err != nil {
		t.Errorf("list --json: checked_at %q is not RFC 3339: %v", at, err)
	}
	if one, _ := workbook.Get(1); first["title"] != one.Title {
		t.Errorf("list --json: title %v", first["title"])
	}
	wantTwo := "none"
	if two, _ := workbook.Get(2); two.Exercise != nil {
		wantTwo = "not checked"
	}
	if list[1]["exercise"] != wantTwo || list[1]["checked_at"] != nil {
		t.Errorf("list --json, step 2: %v", list[1])
	}

	// reset --exercise: the stub from git. The file held only the reference
	// solution: nothing of the learner's to keep.
	out, code = runIn(t, dir, bin, env, "reset", "1", "--exercise")
	if code != 0 || strings.Contains(out, "kept as") {
		t.Fatalf("reset 1 --exercise over the reference solution: exit %d\n%s", code, out)
	}
	if b, _ := os.ReadFile(stub); string(b) != stubSource {
		t.Fatalf("the stub is not back: %q", b)
	}
	// A second attempt of the learner's is kept under a new name: the first
	// copy is never overwritten.
	second := strings.Replace(stubSource, "return 0", "return n * 2 // second try", 1)
	if err := os.WriteFile(stub, []byte(second), 0o644); err != nil {
		t.Fatal(err)
	}
	out, code = runIn(t, dir, bin, env, "reset", "1", "--exercise")
	if code != 0 || !strings.Contains(out, "exercise.go.mine.2") {
		t.Fatalf("reset 1 --exercise: exit %d\n%s", code, out)
	}
	if b, _ := os.ReadFile(stub); string(b) != stubSource {
		t.Fatalf("the stub is not back: %q", b)
	}
	if b, _ := os.ReadFile(stub + ".mine"); string(b) != attempt {
		t.Fatalf("the first copy changed: %q", b)
	}
	if b, _ := os.ReadFile(stub + ".mine.2"); string(b) != second {
		t.Fatalf("the second copy: %q", b)
	}
	os.Remove(stub + ".mine")
	os.Remove(stub + ".mine.2")
}

// watch re-runs the exercise's tests when the file is saved (by rename, as
// editors do), shows the failure short with a hint, and offers the next
// step once the exercise passes. The waits are generous; the time from the
// save to the new verdict is logged, not asserted.
func TestWatchRechecksOnSave(t *testing.T) {
	dir, bin := exerciseCopy(t)
	stub := filepath.Join(dir, "steps/01-install/exercise.go")
	t.Cleanup(func() { _ = os.WriteFile(stub, []byte(stubSource), 0o644) })
	env := e2eEnv(t, filepath.Join(t.TempDir(), "p.json"))

	s := startRunnerIn(t, dir, bin, env, "watch", "1")
	s.waitFor(`Edit steps/01-install/exercise.go:5`, 30*time.Second)
	s.waitFor(`✗ TestExerciseDouble`, 3*time.Minute)
	s.waitFor(`Double\(21\) = 0, want 42`, 10*time.Second)
	s.waitFor(`hint 1/2: gentle`, 10*time.Second)
	s.waitFor(`waiting for a save`, 10*time.Second)

	// A wrong attempt, saved by rename: checked again, still failing.
	saved := time.Now()
	saveByRename(t, stub, strings.Replace(stubSource, "return 0", "return n + 1", 1))
	s.waitFor(`exercise\.go changed`, time.Minute)
	t.Logf("watch noticed the save after %v", time.Since(saved).Round(time.Millisecond))
	s.waitFor(`Double\(21\) = 22, want 42`, 2*time.Minute)
	t.Logf("and showed the new failure after %v", time.Since(saved).Round(time.Millisecond))
	s.waitFor(`waiting for a save`, 10*time.Second)

	// An editor's backup file is not a save of the step's code.
	if err := os.WriteFile(stub+"~", []byte("backup"), 0o644); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(stub + "~")

	saved = time.Now()
	saveByRename(t, stub, solutionSource)
	s.waitFor(`✓ the exercise passes`, 2*time.Minute)
	t.Logf("the passing save was checked after %v", time.Since(saved).Round(time.Millisecond))
	s.waitFor(`Next: step 2 · `, 10*time.Second)
	s.press("q")
	s.waitExit(20 * time.Second)
	if strings.Contains(s.text(), "exercise.go~ changed") {
		t.Error("a backup file triggered a check")
	}
}

func startRunnerIn(t *testing.T, dir, bin string, env []string, args ...string) *screen {
	t.Helper()
	return startRunnerWith(t, bin, dir, 110, env, args...)
}

// The w key of the walk-through watches the current step's exercise, then
// offers the next step.
func TestWatchKeyInTheWalk(t *testing.T) {
	dir, bin := exerciseCopy(t)
	stub := filepath.Join(dir, "steps/01-install/exercise.go")
	t.Cleanup(func() { _ = os.WriteFile(stub, []byte(stubSource), 0o644) })
	env := e2eEnv(t, filepath.Join(t.TempDir(), "p.json"))

	s := startRunnerIn(t, dir, bin, env, "1")
	s.waitFor(`Enter: open step 1`, time.Minute)
	s.press("\r")
	s.waitFor(`Step 1 of \d+`, 30*time.Second)
	s.leavePage("1")
	s.press("w")
	s.waitFor(`✗ TestExerciseDouble`, 3*time.Minute)
	s.waitFor(`waiting for a save`, 10*time.Second)
	saveByRename(t, stub, solutionSource)
	s.waitFor(`✓ the exercise passes`, 2*time.Minute)
	s.waitFor(`Enter or n: step 2`, 10*time.Second)
	s.waitFor(`Step 1 · Enter:`, 10*time.Second)
	s.press("q")
	s.waitFor(`Progress saved`, 10*time.Second)
	s.waitExit(20 * time.Second)
}

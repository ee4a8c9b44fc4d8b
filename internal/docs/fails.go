package docs

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
)

// failRegion is a "see it fail" block:
//
//	<!-- fails: steps/08-rate-limit/ratelimit_test.go#TestX | old => new -->
//	```text
//	--- FAIL: TestX (0.63s)
//	...
//	```
//	<!-- /fails -->
var failRegion = regexp.MustCompile(`(?s)<!-- fails: ([^ #]+)#(\w+) \| (.+?) => (.+?) -->\n(.*?)<!-- /fails -->`)

// Failure is one "see it fail" block: the test, and the change to its file
// that makes it fail the way the chapter describes.
type Failure struct {
	File, Test string // the test file (from the repository root) and the test
	Old, New   string // File with Old replaced by New is the broken version
	Shown      string // what the chapter shows now
}

// Failures lists the "see it fail" blocks of a chapter.
func Failures(chapter string) []Failure {
	var out []Failure
	for _, m := range failRegion.FindAllStringSubmatch(chapter, -1) {
		shown := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(m[5]), "```text\n"), "```")
		out = append(out, Failure{File: m[1], Test: m[2], Old: m[3], New: m[4], Shown: strings.TrimRight(shown, "\n")})
	}
	return out
}

// Check says whether the failure can still be produced: the test exists
// and the text to change is in its file exactly once.
func (f Failure) Check(root string) error {
	b, err := os.ReadFile(filepath.Join(root, f.File))
	if err != nil {
		return fmt.Errorf("fails: %w", err)
	}
	if n := strings.Count(string(b), f.Old); n != 1 {
		return fmt.Errorf("fails: %s holds %q %d times, not once: the chapter's broken version no longer applies", f.File, f.Old, n)
	}
	if !strings.Contains(string(b), "func "+f.Test+"(") {
		return fmt.Errorf("fails: no %s in %s", f.Test, f.File)
	}
	return nil
}

// Run breaks the test as written (through go test's -overlay: nothing on
// disk changes), runs it, and returns what go test printed about it. It is
// an error if the broken test passes.
func (f Failure) Run(root string) (string, error) {
	if err := f.Check(root); err != nil {
		return "", err
	}
	b, _ := os.ReadFile(filepath.Join(root, f.File))
	tmp, err := os.MkdirTemp("", "docs-fails-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	broken := filepath.Join(tmp, filepath.Base(f.File))
	if err := os.WriteFile(broken, []byte(strings.Replace(string(b), f.Old, f.New, 1)), 0o644); err != nil {
		return "", err
	}
	overlay, _ := json.Marshal(map[string]map[string]string{"Replace": {filepath.Join(root, f.File): broken}})
	overlayFile := filepath.Join(tmp, "overlay.json")
	if err := os.WriteFile(overlayFile, overlay, 0o644); err != nil {
		return "", err
	}
	cmd := exec.Command("go", "test", "-count=1", "-overlay="+overlayFile, "-run", "^"+f.Test+"$", "./"+filepath.ToSlash(filepath.Dir(f.File)))
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err == nil {
		return "", fmt.Errorf("fails: %s passes even with %q: the chapter's failure no longer happens", f.Test, f.New)
	}
	return failureText(string(out), root), nil
}

// failureText keeps go test's report of the failing test: from its
// "--- FAIL" line to the package's verdict, with absolute paths made
// relative to the repository and trailing spaces dropped.
func failureText(out, root string) string {
	var kept []string
	in := false
	for _, l := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(l, "--- FAIL: "):
			in = true
		case l == "FAIL" || strings.HasPrefix(l, "FAIL\t") || strings.HasPrefix(l, "exit status "):
			in = false
		}
		if in {
			l = strings.ReplaceAll(l, root+string(filepath.Separator), "")
			kept = append(kept, strings.TrimRight(l, " \t"))
		}
	}
	return strings.Join(kept, "\n")
}

// durations in go test's output ("(0.63s)") change from run to run.
var durations = regexp.MustCompile(`\(\d+(\.\d+)?s\)`)

// SameFailure compares two reports of a failure, ignoring timings.
func SameFailure(a, b string) bool {
	return durations.ReplaceAllString(a, "(…)") == durations.ReplaceAllString(b, "(…)")
}

// renderFailures fills every "see it fail" block. With run false it only
// checks that each can still be produced and keeps what is shown (a run
// compiles and tests a step: `make docs` does it, the drift test does not
// on every change).
func renderFailures(root, chapter string, run bool) (string, error) {
	var firstErr error
	out := failRegion.ReplaceAllStringFunc(chapter, func(m string) string {
		f := Failures(m)[0]
		body := f.Shown
		var err error
		if run {
			var got string
			got, err = f.Run(root)
			if err == nil && !SameFailure(got, f.Shown) {
				body = got
			}
		} else {
			err = f.Check(root)
		}
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			return m
		}
		return fmt.Sprintf("<!-- fails: %s#%s | %s => %s -->\n```text\n%s\n```\n<!-- /fails -->", f.File, f.Test, f.Old, f.New, body)
	})
	return out, firstErr
}

// Package workbook is the manifest of the steps (manifest.go: their order,
// names, titles, the features they need, their hints, their exercises and
// what may vary in their output) and the progress a learner has made. The
// runner, the tests and the docs all read it, so adding a step is one entry
// in manifest.go; manifest_test.go checks the entry against the tree.
package workbook

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/redis-go-workbook/workbook/internal/features"
)

// Step is one step of the workbook.
type Step struct {
	// Name is the step's directory under steps/ and chapter under docs/,
	// without its number: "install" for steps/01-install.
	Name string
	// Title is the chapter's heading without "Step N —", e.g. "Install and
	// verify the server"; the README's tables show it too.
	Title string
	// Teaches is the README table's short "you learn" column.
	Teaches string
	// Summary is one sentence for a step whose chapter is missing.
	Summary string
	// Requires lists the server features the step needs to run at all.
	Requires []features.Feature
	// Hints are shown, one at a time, when a learner asks or a check fails.
	Hints []string
	// Normalize lists what truly varies between runs of the step (timings,
	// versions, ports, memory figures). Both the expected and the actual
	// output pass through these before they are compared.
	Normalize []Rule
	// RecordedOn says what the expected output needs of the server, when a
	// stand-in (the embedded server) or a smaller build prints something
	// else; nil when every server the workbook uses prints the same.
	RecordedOn *Recording
	// Exercise is what the learner writes at the end of the step; nil when
	// the step has none.
	Exercise *Exercise

	// Number, Slug and Bonus come from the step's place in the manifest:
	// never write them there.
	Number int
	Slug   string // directory name under steps/ and docs/, e.g. "01-install"
	Bonus  bool   // one of the bonus steps after the lessons
}

// Exercise is the function the learner completes at the end of a step: a
// stub in steps/NN-name/exercise.go with one line holding "TODO(exercise):",
// checked by the step's TestExercise… tests, with a reference solution in
// solutions/NN-name/exercise.go.
type Exercise struct {
	// Task is one line: what to do.
	Task string
	// Hints go from gentle to explicit; `runner hint N` shows the next.
	Hints []string
}

// OverlayFile is the `go build -overlay` file that puts every exercise's
// reference solution in place of its stub, for `make test`.
const OverlayFile = "solutions/overlay.json"

// TodoMarker marks the line of an exercise the learner completes.
const TodoMarker = "TODO(exercise):"

// ExerciseTestPrefix starts the name of every exercise test; lesson tests
// never start with it.
const ExerciseTestPrefix = "TestExercise"

// Recording is what the server that recorded a step's expected output had.
type Recording struct {
	Has   []features.Feature // features it had
	Lacks []features.Feature // features it lacked (and the output says so)
	Modes []string           // provisioning modes it came from ("binary"); empty: any
	Tools []string           // programs the step found on PATH
	// Where is said when this run's server differs, e.g. "a local
	// redis-server 8.6".
	Where string
}

// Unlike says how a server differs from the one that recorded the output:
// "" when it does not (or when nothing was recorded).
func (r *Recording) Unlike(set features.Set, mode string, lookPath func(string) (string, error)) string {
	if r == nil {
		return ""
	}
	var why []string
	if set.Embedded() || mode == "embedded" {
		why = append(why, "this is the embedded server, a stand-in")
	}
	for _, f := range r.Has {
		if !set.Has(f) {
			why = append(why, "it lacks "+string(f))
		}
	}
	for _, f := range r.Lacks {
		if set.Has(f) {
			why = append(why, "it has "+string(f))
		}
	}
	if len(r.Modes) > 0 && !contains(r.Modes, mode) {
		why = append(why, "it was started in "+mode+" mode")
	}
	for _, t := range r.Tools {
		if _, err := lookPath(t); err != nil {
			why = append(why, t+" is not on PATH")
		}
	}
	return strings.Join(why, "; ")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TodoLine is the line number of the exercise's TODO(exercise) line.
func TodoLine(root string, s Step) (int, error) {
	b, err := os.ReadFile(filepath.Join(root, s.ExerciseFile()))
	if err != nil {
		return 0, err
	}
	for i, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, TodoMarker) {
			return i + 1, nil
		}
	}
	return 0, fmt.Errorf("%s has no line with %q", s.ExerciseFile(), TodoMarker)
}

// Dir is the step's package directory, relative to the repository root.
func (s Step) Dir() string { return "steps/" + s.Slug }

// Package is the step's Go package path for `go run` and `go build`.
func (s Step) Package() string { return "./steps/" + s.Slug }

// Packages is the pattern naming every package of the step (the top one
// and those under it) for `go test`.
func (s Step) Packages() string { return "./steps/" + s.Slug + "/..." }

// Chapter is the step's chapter, relative to the repository root.
func (s Step) Chapter() string { return "docs/" + s.Slug + ".md" }

// Golden is the step's expected output, relative to the repository root.
func (s Step) Golden() string { return s.Dir() + "/testdata/output.golden" }

// ExerciseFile is the learner's file, relative to the repository root ("" when
// the step has no exercise).
func (s Step) ExerciseFile() string {
	if s.Exercise == nil {
		return ""
	}
	return s.Dir() + "/exercise.go"
}

// SolutionFile is the exercise's reference solution ("" when the step has no
// exercise).
func (s Step) SolutionFile() string {
	if s.Exercise == nil {
		return ""
	}
	return "solutions/" + s.Slug + "/exercise.go"
}

// Heading is the chapter's first line: "# Step 4 — The core data types".
func (s Step) Heading() string {
	kind := ""
	if s.Bonus {
		kind = " (bonus)"
	}
	return fmt.Sprintf("# Step %d%s — %s", s.Number, kind, s.Title)
}

// Rule replaces every match of Pattern with Replace (regexp syntax, $1 etc.).
type Rule struct {
	Pattern *regexp.Regexp
	Replace string
}

// Rewrite builds a Rule; the pattern is compiled in multi-line mode so that
// ^ and $ match at line boundaries.
func Rewrite(pattern, replace string) Rule {
	return Rule{Pattern: regexp.MustCompile("(?m)" + pattern), Replace: replace}
}

// Common rules every step's output passes through.
var (
	// Durations such as 102.3ms, 0.41ms, 1.2s, 350µs.
	Duration = Rewrite(`\b\d+(\.\d+)?(ns|µs|us|ms|s)\b`, "<duration>")
	// Redis versions such as 8.6.2 or 7.0.15.
	Version = Rewrite(`\b\d+\.\d+\.\d+\b`, "<version>")
	// Human memory figures such as 1.02M or 912.45K.
	Memory = Rewrite(`\b\d+(\.\d+)?[BKMG]\b`, "<memory>")
	// Loopback ports in addresses.
	Port = Rewrite(`(127\.0\.0\.1|localhost):\d+`, "$1:<port>")
	// Rates such as 5348 ops/s.
	Rate = Rewrite(`\b\d+(\.\d+)? ops/s\b`, "<n> ops/s")
)

// all is the manifest with each step's number, slug and bonus mark filled in.
var all = number(lessons, bonus)

func number(lessons, bonus []Step) []Step {
	out := make([]Step, 0, len(lessons)+len(bonus))
	for i, s := range append(append([]Step(nil), lessons...), bonus...) {
		s.Number = i + 1
		s.Slug = fmt.Sprintf("%02d-%s", s.Number, s.Name)
		s.Bonus = i >= len(lessons)
		out = append(out, s)
	}
	return out
}

// Steps lists the steps in order.
func Steps() []Step { return append([]Step(nil), all...) }

// Get returns step n.
func Get(n int) (Step, bool) {
	if n < 1 || n > len(all) {
		return Step{}, false
	}
	return all[n-1], true
}

// NormalizeOutput applies the step's rules to out, after making line endings
// and trailing spaces uniform.
func (s Step) NormalizeOutput(out string) string {
	out = strings.ReplaceAll(out, "\r\n", "\n")
	lines := strings.Split(out, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t")
	}
	out = strings.TrimRight(strings.Join(lines, "\n"), "\n") + "\n"
	for _, r := range s.Normalize {
		out = r.Pattern.ReplaceAllString(out, r.Replace)
	}
	return out
}

// Root finds the repository root (the directory holding go.mod) from the
// working directory upwards.
func Root() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("not inside the workbook: no go.mod found above the current directory (cd into the workbook first)")
		}
		dir = parent
	}
}

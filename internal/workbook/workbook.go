// Package workbook is the manifest of the steps: their order, names, the
// features they need, their hints and what may vary in their output. The
// runner, the tests and the docs all read it, so adding a step is one entry:
// a file stepNN.go here that registers it.
package workbook

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/redis-go-workbook/workbook/internal/features"
)

// Step is one lesson of the workbook.
type Step struct {
	Number  int
	Slug    string // directory name under steps/ and docs/, e.g. "01-install"
	Title   string // e.g. "Install and verify the server"
	Summary string // one sentence for the step list
	// Requires lists the server features the step needs to run at all.
	Requires []features.Feature
	// Hints are shown, one at a time, when a learner asks or a check fails.
	Hints []string
	// Normalize lists what truly varies between runs of the step (timings,
	// versions, ports, memory figures). Both the expected and the actual
	// output pass through these before they are compared.
	Normalize []Rule
	// Bonus marks the steps after the twelve of the tutorial.
	Bonus bool
}

// Dir is the step's package directory, relative to the repository root.
func (s Step) Dir() string { return "steps/" + s.Slug }

// Package is the step's Go package path for `go run` and `go test`.
func (s Step) Package() string { return "./steps/" + s.Slug }

// Chapter is the step's chapter, relative to the repository root.
func (s Step) Chapter() string { return "docs/" + s.Slug + ".md" }

// Golden is the step's expected output, relative to the repository root.
func (s Step) Golden() string { return s.Dir() + "/testdata/output.golden" }

// Rule replaces every match of Pattern with Replace (regexp syntax, $1 etc.).
type Rule struct {
	Pattern *regexp.Regexp
	Replace string
}

// R builds a Rule; the pattern is compiled in multi-line mode so that ^ and
// $ match at line boundaries.
func R(pattern, replace string) Rule {
	return Rule{Pattern: regexp.MustCompile("(?m)" + pattern), Replace: replace}
}

// Common rules every step's output passes through.
var (
	// Durations such as 102.3ms, 0.41ms, 1.2s, 350µs.
	Duration = R(`\b\d+(\.\d+)?(ns|µs|us|ms|s)\b`, "<duration>")
	// Redis versions such as 8.6.2 or 7.0.15.
	Version = R(`\b\d+\.\d+\.\d+\b`, "<version>")
	// Human memory figures such as 1.02M or 912.45K.
	Memory = R(`\b\d+(\.\d+)?[BKMG]\b`, "<memory>")
	// Loopback ports in addresses.
	Port = R(`(127\.0\.0\.1|localhost):\d+`, "$1:<port>")
	// Rates such as 5348 ops/s.
	Rate = R(`\b\d+(\.\d+)? ops/s\b`, "<n> ops/s")
)

var registry []Step

func register(s Step) { registry = append(registry, s) }

// Steps lists the steps in order.
func Steps() []Step {
	out := append([]Step(nil), registry...)
	sort.Slice(out, func(i, j int) bool { return out[i].Number < out[j].Number })
	return out
}

// Get returns step n.
func Get(n int) (Step, bool) {
	for _, s := range registry {
		if s.Number == n {
			return s, true
		}
	}
	return Step{}, false
}

// Normalize applies the step's rules to out, after making line endings and
// trailing spaces uniform.
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

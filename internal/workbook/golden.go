package workbook

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/pmezard/go-difflib/difflib"
)

// EnvUpdateGolden, when set to 1, makes golden checks rewrite the expected
// output instead of comparing (a maintainer's `make golden`).
const EnvUpdateGolden = "UPDATE_GOLDEN"

// Compare normalises want and got with the step's rules and returns a
// unified diff of the normalised forms, or "" when they match.
func (s Step) Compare(want, got string) string {
	w, g := s.NormalizeOutput(want), s.NormalizeOutput(got)
	if w == g {
		return ""
	}
	diff, err := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A: difflib.SplitLines(w), B: difflib.SplitLines(g),
		FromFile: "expected", ToFile: "actual", Context: 2,
	})
	if err != nil {
		return fmt.Sprintf("expected:\n%s\nactual:\n%s", w, g)
	}
	return diff
}

// ReadGolden reads the step's expected output; root is the repository root.
func (s Step) ReadGolden(root string) (string, error) {
	b, err := os.ReadFile(filepath.Join(root, s.Golden()))
	if err != nil {
		return "", fmt.Errorf("no expected output for step %d: %w (it ships with the workbook: `git checkout -- %s` brings it back)", s.Number, err, s.Golden())
	}
	return string(b), nil
}

// WriteGolden rewrites the step's expected output.
func (s Step) WriteGolden(root, out string) error {
	p := filepath.Join(root, s.Golden())
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, []byte(strings.TrimRight(out, "\n")+"\n"), 0o644)
}

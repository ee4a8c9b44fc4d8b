package testkit

import (
	"os"
	"testing"

	"github.com/redis-go-workbook/workbook/internal/workbook"
)

// AssertOutput compares a step's whole output with its golden file
// (steps/NN-name/testdata/output.golden), after the step's normalisation
// rules. With UPDATE_GOLDEN=1 it rewrites the golden file instead.
func AssertOutput(t testing.TB, stepNumber int, got string) {
	t.Helper()
	step, ok := workbook.Get(stepNumber)
	if !ok {
		t.Fatalf("step %d is not in the manifest (internal/workbook)", stepNumber)
	}
	root, err := workbook.Root()
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv(workbook.EnvUpdateGolden) == "1" {
		if err := step.WriteGolden(root, got); err != nil {
			t.Fatal(err)
		}
		t.Logf("rewrote %s", step.Golden())
		return
	}
	want, err := step.ReadGolden(root)
	if err != nil {
		t.Fatal(err)
	}
	if diff := step.Compare(want, got); diff != "" {
		t.Errorf("step %d's output differs from %s (after normalising what varies; - expected, + this run):\n%s\nIf you changed the step's code, the - lines are what it printed as shipped: `git diff %s` shows your changes. (Maintainers who mean the change re-record it with UPDATE_GOLDEN=1.)", stepNumber, step.Golden(), diff, step.Dir())
	}
}

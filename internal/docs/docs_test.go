package docs

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-go-workbook/workbook/internal/workbook"
)

func root(t *testing.T) string {
	t.Helper()
	r, err := workbook.Root()
	require.NoError(t, err)
	return r
}

// Every chapter's code and output regions match the files they come from.
func TestChaptersMatchTheirSources(t *testing.T) {
	r := root(t)
	paths, err := Chapters(r)
	require.NoError(t, err)
	for _, p := range paths {
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		want, err := Render(r, string(b))
		require.NoError(t, err, p)
		assert.Equal(t, want, string(b), "%s has drifted from the code it shows: run `make docs` and review the diff", filepath.Base(p))
	}
}

// Every step has a chapter, and the chapter shows the step's expected output.
func TestEveryStepHasAChapterWithItsOutput(t *testing.T) {
	r := root(t)
	for _, s := range workbook.Steps() {
		b, err := os.ReadFile(filepath.Join(r, s.Chapter()))
		if !assert.NoError(t, err, "step %d needs a chapter", s.Number) {
			continue
		}
		assert.Contains(t, string(b), "<!-- output: "+strconv.Itoa(s.Number)+" -->", "%s should show the step's expected output", s.Chapter())
		assert.True(t, strings.HasPrefix(string(b), "# "), "%s should start with a title", s.Chapter())
	}
}

func TestCodeExtractsOneDeclarationWithItsComment(t *testing.T) {
	dir := t.TempDir()
	src := "package x\n\n// Hello says hello.\nfunc Hello() string { return \"hi\" }\n\ntype T struct{}\n\n// M is a method.\nfunc (t *T) M() {}\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "x.go"), []byte(src), 0o644))

	got, err := Code(dir, "x.go#Hello")
	require.NoError(t, err)
	assert.Equal(t, "// Hello says hello.\nfunc Hello() string { return \"hi\" }", got)

	got, err = Code(dir, "x.go#T.M")
	require.NoError(t, err)
	assert.Equal(t, "// M is a method.\nfunc (t *T) M() {}", got)

	_, err = Code(dir, "x.go#Missing")
	assert.ErrorContains(t, err, `no declaration "Missing"`)
}

func TestRenderFillsRegions(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "x.go"), []byte("package x\n\nconst A = 1\n"), 0o644))
	in := "# T\n<!-- code: x.go#A -->\nstale\n<!-- /code -->\n"
	out, err := Render(dir, in)
	require.NoError(t, err)
	assert.Equal(t, "# T\n<!-- code: x.go#A -->\n```go\nconst A = 1\n```\n<!-- /code -->\n", out)
}

// No Go block of a chapter is typed by hand: each comes from a code region
// (a declaration or a marked snippet), so it cannot drift from the code.
func TestEveryGoBlockComesFromCode(t *testing.T) {
	r := root(t)
	paths, err := Chapters(r)
	require.NoError(t, err)
	for _, p := range paths {
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		for _, where := range GoBlocksOutsideRegions(string(b)) {
			t.Errorf("%s, %s: a Go block no code region fills; mark the lines in a Go file (// docs:start NAME … // docs:end NAME) and show them with <!-- code: path#snippet:NAME -->", filepath.Base(p), where)
		}
	}
}

func TestGoBlocksOutsideRegions(t *testing.T) {
	md := "<!-- code: x.go#A -->\n```go\nconst A = 1\n```\n<!-- /code -->\n\n```go\nby hand\n```\n\n```text\noutput\n```\n"
	assert.Equal(t, []string{"line 7"}, GoBlocksOutsideRegions(md))
}

func TestSnippetCutsMarkedLinesAndDedents(t *testing.T) {
	dir := t.TempDir()
	src := "package x\n\nfunc f() {\n\tsetup()\n\t// docs:start use\n\tif ok {\n\t\tuse()\n\t}\n\t// docs:end use\n}\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "x.go"), []byte(src), 0o644))
	got, err := Code(dir, "x.go#snippet:use")
	require.NoError(t, err)
	assert.Equal(t, "if ok {\n\tuse()\n}", got)
	_, err = Code(dir, "x.go#snippet:missing")
	assert.ErrorContains(t, err, `no snippet "missing"`)
}

// A "see it fail" block whose change no longer applies is an error, not a
// stale failure shown forever.
func TestFailureBlockMustStillApply(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "x_test.go"), []byte("package x\n\nfunc TestX(t *testing.T) { want(1) }\n"), 0o644))
	md := "<!-- fails: x_test.go#TestX | want(1) => want(2) -->\n```text\n--- FAIL: TestX (0.01s)\n```\n<!-- /fails -->\n"
	out, err := Render(dir, md)
	require.NoError(t, err)
	assert.Equal(t, md, out, "without running, the block is kept as it is")
	f := Failures(md)
	require.Len(t, f, 1)
	assert.Equal(t, Failure{File: "x_test.go", Test: "TestX", Old: "want(1)", New: "want(2)", Shown: "--- FAIL: TestX (0.01s)"}, f[0])

	stale := strings.Replace(md, "want(1) =>", "want(3) =>", 1)
	_, err = Render(dir, stale)
	assert.ErrorContains(t, err, "no longer applies")
}

func TestFailureTextKeepsTheReport(t *testing.T) {
	out := "--- FAIL: TestX (0.63s)\n    x_test.go:3: \n        \tError Trace:\t/repo/steps/x_test.go:3\n        \tError:      \tNot equal\nFAIL\nFAIL\tgithub.com/x\t0.7s\nFAIL\n"
	got := failureText(out, "/repo")
	assert.Equal(t, "--- FAIL: TestX (0.63s)\n    x_test.go:3:\n        \tError Trace:\tsteps/x_test.go:3\n        \tError:      \tNot equal", got)
	assert.True(t, SameFailure("--- FAIL: TestX (0.63s)", "--- FAIL: TestX (2.10s)"))
	assert.False(t, SameFailure("expected: 100", "expected: 128"))
}

// Every failure a chapter shows is what the broken test really prints
// today (timings aside): the drift test for "see it fail" blocks.
func TestShownFailuresAreReal(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped in -short mode: breaks and runs the tests the chapters show failing")
	}
	r := root(t)
	paths, err := Chapters(r)
	require.NoError(t, err)
	n := 0
	for _, p := range paths {
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		for _, f := range Failures(string(b)) {
			n++
			got, err := f.Run(r)
			if !assert.NoError(t, err, filepath.Base(p)) {
				continue
			}
			assert.True(t, SameFailure(got, f.Shown), "%s shows a failure of %s that a real run no longer prints: run `make docs`.\nshown:\n%s\nreal:\n%s", filepath.Base(p), f.Test, f.Shown, got)
		}
	}
	if n == 0 {
		t.Skip("skipped: no chapter shows a failure from a real run")
	}
}

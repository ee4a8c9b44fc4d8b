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

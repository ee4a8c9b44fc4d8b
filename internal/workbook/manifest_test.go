package workbook

// The manifest's check, in the spirit of rustlings' `dev check`: every entry
// matches the tree (its directory, chapter, heading, README row, exercise
// files) and the tree holds nothing the manifest does not know.

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/redis-go-workbook/workbook/internal/features"
)

func repoRoot(t *testing.T) string {
	t.Helper()
	r, err := Root()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

var nameShape = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

func TestManifestNamesAreUniqueAndWellFormed(t *testing.T) {
	if len(lessons) == 0 {
		t.Fatal("the manifest lists no lessons")
	}
	seen := map[string]int{}
	for i, s := range append(append([]Step(nil), lessons...), bonus...) {
		if s.Number != 0 || s.Slug != "" || s.Bonus {
			t.Errorf("entry %d (%s) sets Number, Slug or Bonus: they come from its place in the manifest, leave them out", i+1, s.Name)
		}
		if !nameShape.MatchString(s.Name) {
			t.Errorf("entry %d: name %q should be lower-case words joined by hyphens, e.g. \"data-types\"", i+1, s.Name)
		}
		if j, dup := seen[s.Name]; dup {
			t.Errorf("entries %d and %d are both named %q", j, i+1, s.Name)
		}
		seen[s.Name] = i + 1
	}
	for i, s := range Steps() {
		if s.Number != i+1 {
			t.Errorf("step %s has number %d at place %d", s.Slug, s.Number, i+1)
		}
		if got, ok := Get(s.Number); !ok || got.Slug != s.Slug {
			t.Errorf("Get(%d) = %q, want %q", s.Number, got.Slug, s.Slug)
		}
	}
	if _, ok := Get(0); ok {
		t.Error("Get(0) found a step")
	}
	if _, ok := Get(len(Steps()) + 1); ok {
		t.Error("Get past the last step found one")
	}
}

func TestManifestTextsAreFilledIn(t *testing.T) {
	for _, s := range Steps() {
		if strings.TrimSpace(s.Title) == "" || strings.TrimSpace(s.Teaches) == "" || strings.TrimSpace(s.Summary) == "" {
			t.Errorf("step %d needs a Title, Teaches and Summary", s.Number)
		}
		if len(s.Hints) == 0 {
			t.Errorf("step %d has no hints", s.Number)
		}
		for i, h := range s.Hints {
			if strings.TrimSpace(h) == "" {
				t.Errorf("step %d: hint %d is empty", s.Number, i+1)
			}
		}
		if e := s.Exercise; e != nil {
			if strings.TrimSpace(e.Task) == "" || strings.Contains(e.Task, "\n") {
				t.Errorf("step %d: the exercise's task must be one non-empty line, got %q", s.Number, e.Task)
			}
			if len(e.Hints) < 2 || len(e.Hints) > 4 {
				t.Errorf("step %d: the exercise needs 2 to 4 hints, from gentle to explicit; it has %d", s.Number, len(e.Hints))
			}
			for i, h := range e.Hints {
				if strings.TrimSpace(h) == "" {
					t.Errorf("step %d: exercise hint %d is empty", s.Number, i+1)
				}
			}
		}
	}
}

// Every step has its directory (with a main.go) and its chapter, and
// nothing else sits under steps/ or docs/.
func TestManifestMatchesTheTree(t *testing.T) {
	root := repoRoot(t)
	dirs, chapters := map[string]bool{}, map[string]bool{}
	for _, s := range Steps() {
		dirs[s.Slug], chapters[s.Slug+".md"] = true, true
		if _, err := os.Stat(filepath.Join(root, s.Dir(), "main.go")); err != nil {
			t.Errorf("step %d: %s/main.go is missing", s.Number, s.Dir())
		}
		if _, err := os.Stat(filepath.Join(root, s.Golden())); err != nil {
			t.Errorf("step %d: its expected output %s is missing", s.Number, s.Golden())
		}
		if _, err := os.Stat(filepath.Join(root, s.Chapter())); err != nil {
			t.Errorf("step %d: its chapter %s is missing", s.Number, s.Chapter())
		}
	}
	stray := func(dir string, known map[string]bool) {
		entries, err := os.ReadDir(filepath.Join(root, dir))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if !known[e.Name()] {
				t.Errorf("%s/%s is not in the manifest (internal/workbook/manifest.go): add an entry for it, or remove it", dir, e.Name())
			}
		}
	}
	stray("steps", dirs)
	// Beside the chapters, docs/ holds the pages that are not a step's.
	chapters["instructors.md"] = true
	stray("docs", chapters)
}

var emphasis = strings.NewReplacer("`", "", "*", "", "_", "")

// A chapter's heading is its step's title, and so is the README's row.
func TestTitlesMatchChaptersAndTheReadme(t *testing.T) {
	root := repoRoot(t)
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range Steps() {
		b, err := os.ReadFile(filepath.Join(root, s.Chapter()))
		if err != nil {
			continue // TestManifestMatchesTheTree says so
		}
		first, _, _ := strings.Cut(string(b), "\n")
		if emphasis.Replace(first) != emphasis.Replace(s.Heading()) {
			t.Errorf("%s starts with %q; the manifest's title makes it %q", s.Chapter(), first, s.Heading())
		}
		row := regexp.MustCompile(`(?m)^\| ` + strconv.Itoa(s.Number) + ` \| \[([^\]]*)\]\(` + regexp.QuoteMeta(s.Chapter()) + `\) \|`)
		m := row.FindSubmatch(readme)
		switch {
		case m == nil:
			t.Errorf("the README's table has no row for step %d linking %s (`make docs` writes the tables)", s.Number, s.Chapter())
		case string(m[1]) != s.Title:
			t.Errorf("the README calls step %d %q; the manifest says %q (`make docs` rewrites the tables)", s.Number, m[1], s.Title)
		}
	}
}

// An exercise in the manifest has its stub (with one TODO line), its tests
// and its solution; an exercise file the manifest does not list is stray.
func TestExercisesMatchTheTree(t *testing.T) {
	root := repoRoot(t)
	for _, s := range Steps() {
		stub := filepath.Join(root, s.Dir(), "exercise.go")
		_, err := os.Stat(stub)
		if s.Exercise == nil {
			if err == nil {
				t.Errorf("%s/exercise.go exists but the manifest's step %d has no Exercise: add its task and hints", s.Dir(), s.Number)
			}
			continue
		}
		b, err := os.ReadFile(stub)
		if err != nil {
			t.Errorf("step %d: its exercise %s is missing", s.Number, s.ExerciseFile())
			continue
		}
		if n := bytes.Count(b, []byte(TodoMarker)); n != 1 {
			t.Errorf("%s has %d lines with %q; it needs exactly one, the line the runner points at", s.ExerciseFile(), n, TodoMarker)
		}
		if _, err := TodoLine(root, s); err != nil {
			t.Error(err)
		}
		tests, err := os.ReadFile(filepath.Join(root, s.Dir(), "exercise_test.go"))
		if err != nil || !bytes.Contains(tests, []byte("func "+ExerciseTestPrefix)) {
			t.Errorf("step %d: %s/exercise_test.go needs %s… tests", s.Number, s.Dir(), ExerciseTestPrefix)
		}
		if _, err := os.Stat(filepath.Join(root, s.SolutionFile())); err != nil {
			t.Errorf("step %d: its reference solution %s is missing", s.Number, s.SolutionFile())
		}
	}
	// Lesson tests never take the exercise tests' prefix: the runner tells
	// them apart by it.
	_ = filepath.WalkDir(filepath.Join(root, "steps"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, "_test.go") || filepath.Base(p) == "exercise_test.go" {
			return err
		}
		b, _ := os.ReadFile(p)
		if bytes.Contains(b, []byte("func "+ExerciseTestPrefix)) {
			t.Errorf("%s declares a %s… test: only exercise_test.go may (the runner counts those as the exercise's)", p, ExerciseTestPrefix)
		}
		return nil
	})
	// Nothing under solutions/ but the manifest's solutions and the overlay.
	entries, err := os.ReadDir(filepath.Join(root, "solutions"))
	if err != nil {
		return
	}
	known := map[string]bool{"overlay.json": true}
	for _, s := range Steps() {
		if s.Exercise != nil {
			known[s.Slug] = true
		}
	}
	for _, e := range entries {
		if !known[e.Name()] {
			t.Errorf("solutions/%s belongs to no exercise in the manifest", e.Name())
		}
	}
}

func withExercises() []Step {
	var out []Step
	for _, s := range Steps() {
		if s.Exercise != nil {
			out = append(out, s)
		}
	}
	return out
}

// solutions/overlay.json replaces exactly the manifest's exercises with
// their solutions, so that `make test` checks every solution.
func TestOverlayListsEveryExercise(t *testing.T) {
	root := repoRoot(t)
	steps := withExercises()
	b, err := os.ReadFile(filepath.Join(root, OverlayFile))
	if errors.Is(err, fs.ErrNotExist) && len(steps) == 0 {
		t.Skip("skipped: no step has an exercise yet, and there is no " + OverlayFile)
	}
	if err != nil {
		t.Fatalf("%v: `make test` runs the exercises' tests against their solutions through it", err)
	}
	var overlay struct{ Replace map[string]string }
	if err := json.Unmarshal(b, &overlay); err != nil {
		t.Fatalf("%s: %v", OverlayFile, err)
	}
	want := map[string]string{}
	for _, s := range steps {
		want[s.ExerciseFile()] = s.SolutionFile()
	}
	for from, to := range overlay.Replace {
		if want[from] != to {
			t.Errorf("%s replaces %s with %s; the manifest has no such exercise and solution", OverlayFile, from, to)
		}
	}
	for from, to := range want {
		if overlay.Replace[from] != to {
			t.Errorf("%s should replace %s with %s", OverlayFile, from, to)
		}
	}
}

// Every shipped stub fails its exercise tests: an exercise that passes
// before the learner writes a line teaches nothing. (`make test` runs the
// same tests against the solutions.)
func TestEveryStubFailsItsExercise(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped in -short mode: compiles and runs every exercise's tests")
	}
	steps := withExercises()
	if len(steps) == 0 {
		t.Skip("skipped: no step has an exercise yet (internal/workbook/manifest.go lists none)")
	}
	root := repoRoot(t)
	// The shipped stubs, as committed, not the learner's files: a learner
	// who finished an exercise still gets a green `make test`. (A stub not
	// committed yet is taken from the working tree.)
	tmp := t.TempDir()
	replace := map[string]string{}
	for _, s := range steps {
		show := exec.Command("git", "show", "HEAD:"+s.ExerciseFile())
		show.Dir = root
		stub, err := show.Output()
		if err != nil {
			continue
		}
		p := filepath.Join(tmp, s.Slug+".go")
		if err := os.WriteFile(p, stub, 0o644); err != nil {
			t.Fatal(err)
		}
		replace[filepath.Join(root, s.ExerciseFile())] = p
	}
	overlay, _ := json.Marshal(map[string]map[string]string{"Replace": replace})
	overlayFile := filepath.Join(tmp, "overlay.json")
	if err := os.WriteFile(overlayFile, overlay, 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"test", "-json", "-count=1", "-overlay=" + overlayFile, "-run", "^" + ExerciseTestPrefix}
	for _, s := range steps {
		args = append(args, s.Package())
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	out, _ := cmd.Output() // fails, as it should: read each package's verdict
	failed, passed := map[string]bool{}, map[string][]string{}
	for _, line := range bytes.Split(out, []byte("\n")) {
		var ev struct{ Action, Package, Test string }
		if json.Unmarshal(line, &ev) != nil {
			continue
		}
		switch {
		case ev.Test == "" && ev.Action == "fail":
			failed[ev.Package] = true
		case ev.Test != "" && ev.Action == "pass" && !strings.Contains(ev.Test, "/"):
			passed[ev.Package] = append(passed[ev.Package], ev.Test)
		}
	}
	for _, s := range steps {
		pkg := modulePath + "/" + s.Dir()
		if !failed[pkg] {
			t.Errorf("step %d: the shipped %s (as committed) passes its exercise tests (%s): the stub must fail them with a teaching message", s.Number, s.ExerciseFile(), strings.Join(passed[pkg], ", "))
		}
	}
}

// modulePath is the workbook's module: go test names packages with it.
const modulePath = "github.com/redis-go-workbook/workbook"

// Recording.Unlike names every way a server differs from the recording's.
func TestRecordingUnlike(t *testing.T) {
	none := func(string) (string, error) { return "", errors.New("not found") }
	found := func(string) (string, error) { return "/bin/x", nil }
	var nilRec *Recording
	if got := nilRec.Unlike(features.NewSet("x", "8.6.3"), "binary", none); got != "" {
		t.Fatalf("nothing recorded: %q", got)
	}
	r := &Recording{Has: []features.Feature{features.Persistence}, Lacks: []features.Feature{features.JSON}, Modes: []string{"binary"}, Tools: []string{"redis-benchmark"}}
	if got := r.Unlike(features.NewSet("x", "8.6.3", features.Persistence), "binary", found); got != "" {
		t.Fatalf("same server: %q", got)
	}
	got := r.Unlike(features.NewSet("x", "8.6.3", features.JSON), "embedded", none)
	for _, want := range []string{"embedded server", "lacks " + string(features.Persistence), "has " + string(features.JSON), "embedded mode", "redis-benchmark is not on PATH"} {
		if !strings.Contains(got, want) {
			t.Errorf("Unlike = %q, want it to mention %q", got, want)
		}
	}
}

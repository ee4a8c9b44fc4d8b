package workbook

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func testSteps() []Step {
	return []Step{{Number: 1, Slug: "01-a"}, {Number: 2, Slug: "02-b"}, {Number: 3, Slug: "03-c"}}
}

var plain, withExercise = Step{Number: 1}, Step{Number: 1, Exercise: &Exercise{Task: "t"}}

func TestProgressSurvivesASaveAndLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), ".workbook", "progress.json")
	p, err := LoadProgress(path)
	if err != nil {
		t.Fatalf("a missing file is a fresh start, got %v", err)
	}
	if got := p.Resume(testSteps()); got != 1 {
		t.Fatalf("fresh start resumes at %d, want 1", got)
	}
	p.Update(1, func(s *StepProgress) { s.Ran, s.Matched, s.Checked, s.Passed = true, true, true, true })
	p.Current = 2
	if err := p.Save(); err != nil {
		t.Fatal(err)
	}

	q, err := LoadProgress(path)
	if err != nil {
		t.Fatal(err)
	}
	if !q.Step(1).Done(plain) || q.Step(2).Done(plain) {
		t.Fatalf("loaded %+v %+v", q.Step(1), q.Step(2))
	}
	if got := q.Resume(testSteps()); got != 2 {
		t.Fatalf("resume at %d, want 2", got)
	}
	if got := q.FirstUnfinished(testSteps()); got != 2 {
		t.Fatalf("first unfinished %d, want 2", got)
	}
}

func TestProgressResetOneOrAll(t *testing.T) {
	p, _ := LoadProgress(filepath.Join(t.TempDir(), "p.json"))
	for n := 1; n <= 3; n++ {
		p.Update(n, func(s *StepProgress) { s.Passed = true })
	}
	p.Current = 2
	p.Reset(2)
	if p.Step(2).Done(plain) || !p.Step(1).Done(plain) || p.Current != 0 {
		t.Fatalf("after reset 2: %+v current %d", p.Steps, p.Current)
	}
	if got := p.FirstUnfinished(testSteps()); got != 2 {
		t.Fatalf("first unfinished %d, want 2", got)
	}
	p.Reset(0)
	if len(p.Steps) != 0 {
		t.Fatalf("reset all left %+v", p.Steps)
	}
}

func TestProgressResumeSkipsAStepThatNoLongerExists(t *testing.T) {
	p, _ := LoadProgress(filepath.Join(t.TempDir(), "p.json"))
	p.Current = 42
	p.Update(1, func(s *StepProgress) { s.Passed = true })
	if got := p.Resume(testSteps()); got != 2 {
		t.Fatalf("resume at %d, want the first unfinished step 2", got)
	}
}

func TestDamagedProgressIsReportedAndReplaced(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.json")
	if err := os.WriteFile(path, []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := LoadProgress(path)
	if err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("want a 'damaged' error, got %v", err)
	}
	p.Current = 1
	if err := p.Save(); err != nil {
		t.Fatalf("a damaged file must be replaceable: %v", err)
	}
	if _, err := LoadProgress(path); err != nil {
		t.Fatal(err)
	}
}

func TestProgressPathHonoursTheEnvironment(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(EnvProgress, filepath.Join(dir, "elsewhere.json"))
	if got, err := ProgressPath("/repo"); err != nil || got != filepath.Join(dir, "elsewhere.json") {
		t.Fatal(got, err)
	}
	t.Setenv(EnvProgress, "")
	if got, err := ProgressPath("/repo"); err != nil || got != filepath.Join("/repo", ".workbook", "progress.json") {
		t.Fatal(got, err)
	}
}

// A WORKBOOK_PROGRESS in a folder that does not exist is a typo to report,
// not a folder to create.
func TestProgressInAMissingFolderIsAnError(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no-such-folder", "p.json")
	t.Setenv(EnvProgress, missing)
	_, err := ProgressPath("/repo")
	if err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("want an error naming the missing folder, got %v", err)
	}
	p, _ := LoadProgress(missing)
	if err := p.Save(); err == nil {
		t.Fatal("Save created the missing folder of a chosen progress file")
	}
	if _, err := os.Stat(filepath.Dir(missing)); err == nil {
		t.Fatal("the missing folder was created")
	}
}

// A step with an exercise is done only when the exercise passed too.
func TestDoneNeedsTheExercise(t *testing.T) {
	lessonOnly := StepProgress{Checked: true, Passed: true}
	if !lessonOnly.Done(plain) {
		t.Fatal("a step without an exercise is done when its checks pass")
	}
	if lessonOnly.Done(withExercise) {
		t.Fatal("a step whose exercise was not passed counts as done")
	}
	both := StepProgress{Checked: true, Passed: true, ExerciseChecked: true, ExercisePassed: true}
	if !both.Done(withExercise) {
		t.Fatal("lesson and exercise passed: done")
	}
	exerciseOnly := StepProgress{ExerciseChecked: true, ExercisePassed: true}
	if exerciseOnly.Done(withExercise) {
		t.Fatal("an exercise alone does not make a step done")
	}
}

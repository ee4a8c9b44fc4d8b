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

func TestProgressSurvivesASaveAndLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "progress.json")
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
	if !q.Step(1).Done() || q.Step(2).Done() {
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
	if p.Step(2).Done() || !p.Step(1).Done() || p.Current != 0 {
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
	t.Setenv(EnvProgress, "/tmp/elsewhere.json")
	if got := ProgressPath("/repo"); got != "/tmp/elsewhere.json" {
		t.Fatal(got)
	}
	t.Setenv(EnvProgress, "")
	if got := ProgressPath("/repo"); got != filepath.Join("/repo", ".workbook", "progress.json") {
		t.Fatal(got)
	}
}

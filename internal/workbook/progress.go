package workbook

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// EnvProgress overrides where progress is kept (tests and workshops that
// want a fresh start without touching the learner's own file).
const EnvProgress = "WORKBOOK_PROGRESS"

// ProgressFile is where progress lives, relative to the repository root. The
// directory is git-ignored: progress is the learner's, not the project's.
const ProgressFile = ".workbook/progress.json"

// StepProgress is what the learner has done with one step.
type StepProgress struct {
	Ran     bool `json:"ran,omitempty"`     // the program ran to the end
	Matched bool `json:"matched,omitempty"` // and printed the expected output
	Checked bool `json:"checked,omitempty"` // the lesson's checks (tests) were run
	Passed  bool `json:"passed,omitempty"`  // and none of them failed
	// Partly says why most of the lesson's checks were skipped on the server
	// they ran on (it lacks JSON, say): passed, but only partly checked.
	Partly string `json:"partly,omitempty"`
	// The exercise's checks (its TestExercise tests) were run, and passed.
	ExerciseChecked bool `json:"exercise_checked,omitempty"`
	ExercisePassed  bool `json:"exercise_passed,omitempty"`
	// Hints is how many of the exercise's hints were shown; SolutionAsked how
	// many times its solution was asked for.
	Hints         int       `json:"hints,omitempty"`
	SolutionAsked int       `json:"solution_asked,omitempty"`
	CheckedAt     time.Time `json:"checked_at,omitempty"` // last check
	At            time.Time `json:"at,omitempty"`         // last change
}

// Done means the lesson's checks passed and, when the step has an exercise,
// so did the exercise's: that is what moving on requires.
func (p StepProgress) Done(s Step) bool {
	return p.Passed && (s.Exercise == nil || p.ExercisePassed)
}

// Progress is the whole saved state.
type Progress struct {
	// Current is the step the learner was on when they last left.
	Current int                   `json:"current,omitempty"`
	Steps   map[int]*StepProgress `json:"steps,omitempty"`

	path      string
	createDir bool // the default folder may be created; a chosen one must exist
}

// ProgressPath is the file LoadProgress reads: WORKBOOK_PROGRESS, or
// .workbook/progress.json under root. A WORKBOOK_PROGRESS in a folder that
// does not exist is an error: a typo must not scatter progress files.
func ProgressPath(root string) (string, error) {
	p := os.Getenv(EnvProgress)
	if p == "" {
		return filepath.Join(root, ProgressFile), nil
	}
	dir := filepath.Dir(p)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return "", fmt.Errorf("%s=%s: the folder %s does not exist (create it, or fix the path)", EnvProgress, p, dir)
	}
	return p, nil
}

// LoadProgress reads the saved progress. A missing file is a fresh start. A
// damaged one is reported, so the caller can say so and start afresh rather
// than crash: progress is a convenience, never a reason to stop.
func LoadProgress(path string) (*Progress, error) {
	createDir := filepath.Base(filepath.Dir(path)) == filepath.Dir(ProgressFile)
	p := &Progress{Steps: map[int]*StepProgress{}, path: path, createDir: createDir}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return p, nil
	}
	if err != nil {
		return p, err
	}
	if err := json.Unmarshal(b, p); err != nil {
		fresh := &Progress{Steps: map[int]*StepProgress{}, path: path, createDir: createDir}
		return fresh, fmt.Errorf("%s is damaged (%v): starting afresh; `reset` rewrites it", path, err)
	}
	if p.Steps == nil {
		p.Steps = map[int]*StepProgress{}
	}
	p.path, p.createDir = path, createDir
	return p, nil
}

// Path is the file this progress is saved to.
func (p *Progress) Path() string { return p.path }

// Step returns step n's progress (a zero value when it was never touched).
func (p *Progress) Step(n int) StepProgress {
	if s := p.Steps[n]; s != nil {
		return *s
	}
	return StepProgress{}
}

// Update changes step n's progress with fn and stamps it.
func (p *Progress) Update(n int, fn func(*StepProgress)) {
	s := p.Steps[n]
	if s == nil {
		s = &StepProgress{}
		p.Steps[n] = s
	}
	fn(s)
	s.At = time.Now().UTC().Truncate(time.Second)
}

// Reset forgets step n, or everything when n is 0.
func (p *Progress) Reset(n int) {
	if n == 0 {
		p.Steps = map[int]*StepProgress{}
		p.Current = 0
		return
	}
	delete(p.Steps, n)
	if p.Current == n {
		p.Current = 0
	}
}

// FirstUnfinished is the first step in steps whose checks have not passed,
// or 0 when all have.
func (p *Progress) FirstUnfinished(steps []Step) int {
	for _, s := range steps {
		if !p.Step(s.Number).Done(s) {
			return s.Number
		}
	}
	return 0
}

// Resume is where a learner lands on starting: the step they were on, if it
// still exists, otherwise the first unfinished one, otherwise the first.
func (p *Progress) Resume(steps []Step) int {
	for _, s := range steps {
		if s.Number == p.Current {
			return s.Number
		}
	}
	if n := p.FirstUnfinished(steps); n != 0 {
		return n
	}
	if len(steps) > 0 {
		return steps[0].Number
	}
	return 0
}

// Save writes the progress atomically (a temporary file renamed over the
// old one), so an interrupted save never leaves a half-written file.
func (p *Progress) Save() error {
	if p.path == "" {
		return errors.New("progress has no file to save to")
	}
	if p.createDir {
		if err := os.MkdirAll(filepath.Dir(p.path), 0o755); err != nil {
			return err
		}
	}
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(p.path), ".progress-*.json")
	if err != nil {
		return err
	}
	_, werr := tmp.Write(append(b, '\n'))
	cerr := tmp.Close()
	if werr != nil || cerr != nil {
		os.Remove(tmp.Name())
		return errors.Join(werr, cerr)
	}
	return os.Rename(tmp.Name(), p.path)
}

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/redis-go-workbook/workbook/internal/workbook"
)

// exerciseNote is the end of a step's page: which file to edit, on which
// line, what to do, and how to check it.
func (a *app) exerciseNote(s workbook.Step) string {
	if s.Exercise == nil {
		return ""
	}
	u := a.ui
	where := s.ExerciseFile()
	if n, err := workbook.TodoLine(a.root, s); err == nil {
		where = fmt.Sprintf("%s:%d", where, n)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n%s\n", u.rule("Exercise"))
	// Prose, wrapped to the page's width like the chapter above it: the
	// plain text is wrapped, then each line styled.
	w, _ := u.size()
	para := func(text string, style func(string) string) {
		for _, line := range wrapWords(text, min(w, 120)-2) {
			fmt.Fprintf(&b, "  %s\n", style(line))
		}
	}
	para(s.Exercise.Task, u.bold)
	para(fmt.Sprintf("Edit %s (the %s line).", where, workbook.TodoMarker), func(line string) string {
		return strings.Replace(line, where, u.cyan(where), 1)
	})
	para(fmt.Sprintf("w watch: re-check on every save · c check · h hint  (or: go run ./runner watch %d · check %d · hint %d)", s.Number, s.Number, s.Number), u.dim)
	return b.String()
}

// hint shows step s's next hint and remembers how far the learner got: the
// exercise's hints when it has an exercise (gentle first, explicit last),
// otherwise the lesson's.
func (a *app) hint(s workbook.Step) {
	u := a.ui
	hints := s.Hints
	if s.Exercise != nil {
		hints = s.Exercise.Hints
	}
	if len(hints) == 0 {
		u.println("This step has no hints; the chapter's \"What goes wrong\" section may help, or the doctor (d).")
		return
	}
	seen := a.prog.Step(s.Number).Hints
	i := min(seen, len(hints)-1)
	u.printf("%s %s\n", u.yellow(fmt.Sprintf("hint %d/%d:", i+1, len(hints))), hints[i])
	switch {
	case i+1 < len(hints):
		u.println(u.dim("  Ask again for the next, more explicit one."))
	case s.Exercise != nil:
		u.println(u.dim(fmt.Sprintf("  That was the last hint. `go run ./runner solution %d` shows the reference solution.", s.Number)))
	}
	a.prog.Update(s.Number, func(p *workbook.StepProgress) { p.Hints = min(seen+1, len(hints)) })
	a.save()
}

// currentHint is the last hint the learner saw (or the first), for short
// failure reports.
func (a *app) currentHint(s workbook.Step) (string, bool) {
	if s.Exercise == nil || len(s.Exercise.Hints) == 0 {
		return "", false
	}
	i := max(0, min(a.prog.Step(s.Number).Hints, len(s.Exercise.Hints))-1)
	return fmt.Sprintf("hint %d/%d: %s", i+1, len(s.Exercise.Hints), s.Exercise.Hints[i]), true
}

// solution shows the reference solution once the exercise passed or the
// learner asked twice; with apply it puts it in place of the learner's
// file, keeping theirs beside it.
func (a *app) solution(s workbook.Step, apply bool) int {
	u := a.ui
	if s.Exercise == nil {
		u.printf("%s step %d has no exercise, so no solution\n", u.warn(), s.Number)
		return 2
	}
	sol, err := os.ReadFile(filepath.Join(a.root, s.SolutionFile()))
	if err != nil {
		u.printf("%s cannot read the reference solution: %v\n", u.bad(), err)
		return 1
	}
	if apply {
		kept, err := a.replaceExercise(s, sol)
		if err != nil {
			u.printf("%s %v\n", u.bad(), err)
			return 1
		}
		a.prog.Update(s.Number, func(p *workbook.StepProgress) { p.SolutionAsked++ })
		a.save()
		u.printf("%s %s now holds the reference solution (%s).\n", u.ok(), s.ExerciseFile(), s.SolutionFile())
		if kept != "" {
			u.printf("  Your file is kept as %s.\n", kept)
		}
		u.printf("  `go run ./runner check %d` checks it; `go run ./runner reset %d --exercise` brings the stub back.\n", s.Number, s.Number)
		return 0
	}
	p := a.prog.Step(s.Number)
	if !p.ExercisePassed && p.SolutionAsked == 0 {
		a.prog.Update(s.Number, func(p *workbook.StepProgress) { p.SolutionAsked++ })
		a.save()
		u.printf("%s The solution is shown once your exercise passes, or when you ask a second time.\n", u.warn())
		u.printf("  Try a hint first: `go run ./runner hint %d`. Ask again (`go run ./runner solution %d`) to see it anyway.\n", s.Number, s.Number)
		return 0
	}
	a.prog.Update(s.Number, func(p *workbook.StepProgress) { p.SolutionAsked++ })
	a.save()
	u.println(u.rule("Reference solution · " + s.SolutionFile()))
	u.printf("%s\n", strings.TrimRight(string(sol), "\n"))
	u.printf("%s\n", u.dim(fmt.Sprintf("`go run ./runner solution %d --apply` puts it in place of %s (keeping yours beside it).", s.Number, s.ExerciseFile())))
	return 0
}

// resetExercise brings back the shipped stub, from git, keeping the
// learner's file beside it.
func (a *app) resetExercise(s workbook.Step) int {
	u := a.ui
	if s.Exercise == nil {
		u.printf("%s step %d has no exercise\n", u.warn(), s.Number)
		return 2
	}
	cmd := exec.Command("git", "show", "HEAD:"+s.ExerciseFile())
	cmd.Dir = a.root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stub, err := cmd.Output()
	if err != nil {
		u.printf("%s cannot find the shipped %s: `git show HEAD:%s` failed (%s). Nothing was changed.\n",
			u.bad(), s.ExerciseFile(), s.ExerciseFile(), strings.TrimSpace(firstNonEmpty(stderr.String(), err.Error())))
		return 1
	}
	// A file that is just the reference solution (put there by --apply)
	// is nobody's work: no copy of it is kept.
	sol, _ := os.ReadFile(filepath.Join(a.root, s.SolutionFile()))
	kept, err := a.replaceExercise(s, stub, sol)
	if err != nil {
		u.printf("%s %v\n", u.bad(), err)
		return 1
	}
	a.prog.Update(s.Number, func(p *workbook.StepProgress) { p.ExerciseChecked, p.ExercisePassed = false, false })
	a.save()
	if kept == "" {
		u.printf("%s %s is the shipped stub\n", u.ok(), s.ExerciseFile())
		return 0
	}
	u.printf("%s %s is the shipped stub again; your file is kept as %s\n", u.ok(), s.ExerciseFile(), kept)
	return 0
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if strings.TrimSpace(x) != "" {
			return x
		}
	}
	return ""
}

// replaceExercise writes content over the learner's exercise file, first
// keeping a copy of theirs as exercise.go.mine (or .mine.2, .mine.3…: an
// older copy is never overwritten). It returns the copy's path, or "" when
// their file already held content, or one of disposable (the reference
// solution), or did not exist.
func (a *app) replaceExercise(s workbook.Step, content []byte, disposable ...[]byte) (string, error) {
	path := filepath.Join(a.root, s.ExerciseFile())
	mine, err := os.ReadFile(path)
	switch {
	case os.IsNotExist(err):
		mine = nil
	case err != nil:
		return "", err
	}
	kept := ""
	keep := mine != nil && !bytes.Equal(mine, content)
	for _, d := range disposable {
		if len(d) > 0 && bytes.Equal(mine, d) {
			keep = false
		}
	}
	if keep {
		kept, err = keepCopy(path, mine)
		if err != nil {
			return "", fmt.Errorf("cannot keep a copy of your %s (%v): nothing was changed", s.ExerciseFile(), err)
		}
	}
	if err := writeAtomically(path, content); err != nil {
		return "", err
	}
	if kept != "" {
		rel, _ := filepath.Rel(a.root, kept)
		kept = filepath.ToSlash(rel)
	}
	return kept, nil
}

// keepCopy writes data to path.mine, or the first of path.mine.2, .3, …
// that does not exist yet; an existing copy with the same content is reused.
func keepCopy(path string, data []byte) (string, error) {
	for i := 1; i < 1000; i++ {
		name := path + ".mine"
		if i > 1 {
			name = fmt.Sprintf("%s.mine.%d", path, i)
		}
		old, err := os.ReadFile(name)
		if err == nil {
			if bytes.Equal(old, data) {
				return name, nil
			}
			continue
		}
		if !os.IsNotExist(err) {
			return "", err
		}
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return "", err
		}
		_, werr := f.Write(data)
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		return name, werr
	}
	return "", fmt.Errorf("too many copies of %s already", path)
}

func writeAtomically(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".exercise-*.tmp")
	if err != nil {
		return err
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if werr != nil || cerr != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("writing %s: %v", path, firstErr(werr, cerr))
	}
	_ = os.Chmod(tmp.Name(), 0o644)
	return os.Rename(tmp.Name(), path)
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// listEntry is one step in `runner list --json` (documented in the README).
type listEntry struct {
	Number       int        `json:"number"`
	Slug         string     `json:"slug"`
	Title        string     `json:"title"`
	Bonus        bool       `json:"bonus"`
	Lesson       string     `json:"lesson"`                  // not checked | passed | partly | failed
	Partly       string     `json:"partly,omitempty"`        // why most lesson checks were skipped
	ExerciseFile string     `json:"exercise_file"`           // "" when the step has no exercise
	SolutionFile string     `json:"solution_file"`           // "" when the step has no exercise
	Exercise     string     `json:"exercise"`                // none | not checked | passed | failed
	Done         bool       `json:"done"`                    // lesson passed and exercise (if any) passed
	Ran          bool       `json:"ran"`                     // the program ran to the end
	CheckedAt    *time.Time `json:"checked_at"`              // last check, RFC 3339 UTC; null if never
	Hints        int        `json:"hints_shown,omitempty"`   // exercise hints shown so far
	Current      bool       `json:"current,omitempty"`       // where the learner is
	Missing      bool       `json:"being_written,omitempty"` // the step has no code yet
}

func (a *app) listJSON(current int) int {
	var out []listEntry
	for _, s := range a.steps {
		p := a.prog.Step(s.Number)
		e := listEntry{
			Number: s.Number, Slug: s.Slug, Title: s.Title, Bonus: s.Bonus,
			Lesson: "not checked", Partly: p.Partly, Exercise: "none",
			ExerciseFile: s.ExerciseFile(), SolutionFile: s.SolutionFile(),
			Done: p.Done(s), Ran: p.Ran, Hints: p.Hints, Current: s.Number == current,
			Missing: !a.hasProgram(s),
		}
		switch {
		case p.Checked && p.Passed && p.Partly != "":
			e.Lesson = "partly"
		case p.Checked && p.Passed:
			e.Lesson = "passed"
		case p.Checked:
			e.Lesson = "failed"
		}
		if s.Exercise != nil {
			e.Exercise = "not checked"
			if p.ExerciseChecked {
				e.Exercise = map[bool]string{true: "passed", false: "failed"}[p.ExercisePassed]
			}
		}
		if !p.CheckedAt.IsZero() {
			t := p.CheckedAt
			e.CheckedAt = &t
		}
		out = append(out, e)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		return 1
	}
	return 0
}

// confirm asks a yes/no question on the terminal; without one the answer is
// yes (scripts asked for it).
func (a *app) confirm(question string) bool {
	if !a.ui.interactive {
		return true
	}
	a.ui.printf("%s [y/N] ", question)
	line, _ := bufio.NewReader(os.Stdin).ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true
	}
	return false
}

// wrapWords breaks text at spaces into lines of at most width columns (a
// word longer than that stands on a line of its own).
func wrapWords(text string, width int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(text) {
		switch {
		case line == "":
			line = word
		case utf8.RuneCountInString(line)+1+utf8.RuneCountInString(word) <= width:
			line += " " + word
		default:
			lines = append(lines, line)
			line = word
		}
	}
	return append(lines, line)
}

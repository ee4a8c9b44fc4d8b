package main

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/redis-go-workbook/workbook/internal/workbook"
)

// debounce is how long watch waits after a change for the next one: an
// editor's save is often a burst (write a temporary file, rename it over the
// old one, touch a backup), and one check per save is enough.
const debounce = 150 * time.Millisecond

// watchCommand is `runner watch N`: watch until the exercise passes, then
// offer the next step (Enter opens it in the walk-through).
func (a *app) watchCommand(ctx context.Context, s workbook.Step) int {
	u := a.ui
	passed, quit := a.watch(ctx, s)
	if quit || !passed {
		return exitCode(passed)
	}
	nxt, ok := a.after(s.Number)
	if !ok {
		u.printf("%s\n", a.finishedNote())
		return 0
	}
	if u.keys == nil {
		u.printf("Next: step %d · %s (`go run ./runner %d`)\n", nxt.Number, nxt.Title, nxt.Number)
		return 0
	}
	u.printf("Next: step %d · %s. Enter opens it, q quits.\n", nxt.Number, nxt.Title)
	for {
		switch u.nextKey() {
		case "enter", "n", "right", "space":
			return a.interactive(ctx, nxt.Number)
		case "q", "ctrl-c", "esc", "eof":
			return 0
		}
	}
}

// watch re-runs step s's exercise tests whenever a file of the step
// changes, showing each failure short (what the test said, and a hint),
// until they pass. It reports whether they passed, and whether the learner
// stopped watching (q, Ctrl-C).
func (a *app) watch(ctx context.Context, s workbook.Step) (passed, quit bool) {
	u := a.ui
	if !a.hasProgram(s) {
		u.printf("%s step %d has no code yet (%s is still being written)\n", u.warn(), s.Number, s.Dir())
		return false, false
	}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		u.printf("%s cannot watch files: %v (use `go run ./runner check %d` after each save)\n", u.bad(), err, s.Number)
		return false, false
	}
	defer w.Close()
	dir := filepath.Join(a.root, s.Dir())
	// Watch directories, not files: an editor that saves by writing a new
	// file and renaming it over the old one replaces the file being
	// watched, and the directory still sees the new one arrive.
	if err := addTree(w, dir); err != nil {
		u.printf("%s cannot watch %s: %v\n", u.bad(), s.Dir(), err)
		return false, false
	}
	what := "the exercise's tests"
	target := s.Dir() + "/"
	if s.Exercise != nil {
		target = s.ExerciseFile()
		if n, err := workbook.TodoLine(a.root, s); err == nil {
			target = fmt.Sprintf("%s:%d", target, n)
		}
	} else {
		what = "the step's checks"
	}
	u.println(u.rule(fmt.Sprintf("Watch · step %d · %s", s.Number, s.Title)))
	if s.Exercise != nil {
		u.printf("%s\n", u.bold(s.Exercise.Task))
	}
	u.printf("Edit %s: every save re-runs %s. %s\n", u.cyan(target), what, u.dim("q stops · h hint"))

	for {
		if a.watchOnce(ctx, s) {
			return true, false
		}
		if a.stopped {
			return false, true
		}
		u.printf("%s\n", u.dim("waiting for a save… (q stops · h next hint)"))
		changed, quit := a.waitForChange(ctx, w, s)
		if quit {
			u.println("Stopped watching.")
			return false, true
		}
		u.printf("%s %s\n", u.cyan("↻"), u.dim(changed+" changed: checking again"))
	}
}

// watchOnce runs the checks once and prints the short outcome.
func (a *app) watchOnce(ctx context.Context, s workbook.Step) bool {
	u := a.ui
	results := a.runChecks(ctx, []workbook.Step{s}, checkOpts{exerciseOnly: s.Exercise != nil, quiet: true})
	c := results[s.Number]
	if c == nil {
		return false
	}
	a.record(c, s.Exercise != nil)
	a.save()
	ok := c.exerciseOK()
	if s.Exercise == nil {
		ok = c.lessonOK()
	}
	if ok {
		n := c.tally(s.Exercise != nil)
		u.printf("%s %s: %d passed\n", u.ok(), map[bool]string{true: "the exercise passes", false: "the step's checks pass"}[s.Exercise != nil], n.pass)
		if s.Exercise != nil && !a.prog.Step(s.Number).Done(s) {
			u.printf("%s\n", u.dim(fmt.Sprintf("The step is done when its lesson's checks pass too: `go run ./runner check %d` (c in the walk-through).", s.Number)))
		}
		return true
	}
	// Short: the first lines of what each failing test said, then a hint.
	shown := 0
	for _, p := range c.pkgs {
		for i, l := range p.Build {
			if i == 6 {
				u.printf("  %s\n", u.red("…"))
				break
			}
			u.printf("  %s\n", u.red(l))
			shown++
		}
		for _, t := range p.Tests {
			if t.Action == "pass" || t.Action == "skip" || (s.Exercise != nil && !isExercise(t)) {
				continue
			}
			if strings.Contains(t.Name, "/") && len(t.message(1)) == 0 {
				continue
			}
			u.printf("%s %s\n", u.bad(), t.Name)
			for _, l := range t.message(4) {
				u.printf("    %s\n", u.red(l))
			}
			shown++
		}
	}
	if shown == 0 {
		u.printf("%s %s did not pass (no test said why: `go test -run %s -v %s`)\n", u.bad(), s.Dir(), workbook.ExerciseTestPrefix, s.Package())
	}
	if h, ok := a.currentHint(s); ok {
		u.printf("%s\n", u.yellow(h))
	}
	return false
}

// waitForChange waits for a Go file of the step to change (then for the
// burst of events a save makes to end), or for q. It returns the changed
// file's name.
func (a *app) waitForChange(ctx context.Context, w *fsnotify.Watcher, s workbook.Step) (string, bool) {
	var timer <-chan time.Time
	changed := ""
	for {
		select {
		case <-ctx.Done():
			return "", true
		case ev, ok := <-w.Events:
			if !ok {
				return "", true
			}
			if ev.Has(fsnotify.Create) {
				if st, err := os.Stat(ev.Name); err == nil && st.IsDir() {
					_ = addTree(w, ev.Name)
					continue
				}
			}
			if !relevant(ev) {
				continue
			}
			rel, _ := filepath.Rel(a.root, ev.Name)
			changed = filepath.ToSlash(rel)
			timer = time.After(debounce)
		case err, ok := <-w.Errors:
			if ok {
				a.ui.printf("%s watching: %v\n", a.ui.warn(), err)
			}
		case <-timer:
			return changed, false
		case k, ok := <-a.ui.keys:
			if !ok {
				return "", true
			}
			switch k {
			case "q", "ctrl-c", "esc":
				return "", true
			case "h":
				a.hint(s)
			}
		}
	}
}

// relevant: a Go file was written, created (renamed into place) or removed.
// Editors' temporary and backup files (.exercise.go.swp, exercise.go~,
// 4913) are not Go files.
func relevant(ev fsnotify.Event) bool {
	name := filepath.Base(ev.Name)
	if !strings.HasSuffix(name, ".go") || strings.HasPrefix(name, ".") {
		return false
	}
	return ev.Has(fsnotify.Write) || ev.Has(fsnotify.Create) || ev.Has(fsnotify.Rename) || ev.Has(fsnotify.Remove)
}

// addTree watches dir and every directory under it.
func addTree(w *fsnotify.Watcher, dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); p != dir && strings.HasPrefix(name, ".") {
				return filepath.SkipDir
			}
			return w.Add(p)
		}
		return nil
	})
}

package classroom

import (
	"slices"
	"strings"
	"time"
)

// StepState is one cell of the grid: an attendee's step.
type StepState struct {
	Step     int       `json:"step"`
	Lesson   string    `json:"lesson,omitempty"`   // passed, failed, partial, or "" (not checked yet)
	Exercise string    `json:"exercise,omitempty"` // passed, failed, or ""
	Failure  string    `json:"failure,omitempty"`  // the last failing check's first line
	At       time.Time `json:"at"`
}

// Attendee is one row of the grid.
type Attendee struct {
	Name    string       `json:"name"`
	Current int          `json:"current_step"`  // the step they are on
	Since   time.Time    `json:"current_since"` // since when
	Seen    time.Time    `json:"last_seen"`
	Steps   []*StepState `json:"steps"` // by step number
	Doctor  []string     `json:"doctor_problems,omitempty"`
	Left    bool         `json:"left,omitempty"`
}

// Room is what GET /api/room answers.
type Room struct {
	Attendees []*Attendee `json:"attendees"` // who is stuck longest first
	Steps     []StepCount `json:"steps"`     // per step: how many are on it, how many are done
	Updated   time.Time   `json:"updated"`
}

// StepCount counts one step over the room.
type StepCount struct {
	Step    int `json:"step"`
	On      int `json:"on"`   // attendees whose current step it is
	Done    int `json:"done"` // lesson and exercise passed
	Failing int `json:"failing"`
}

// Done says whether the step is finished: the lesson's checks and the
// exercise passed.
func (s *StepState) Done() bool {
	return (s.Lesson == Passed || s.Lesson == Partial) && s.Exercise == Passed
}

func (a *Attendee) step(n int) *StepState {
	for _, s := range a.Steps {
		if s.Step == n {
			return s
		}
	}
	s := &StepState{Step: n}
	a.Steps = append(a.Steps, s)
	slices.SortFunc(a.Steps, func(x, y *StepState) int { return x.Step - y.Step })
	return s
}

// apply changes the attendee by one of their events.
func (a *Attendee) apply(ev Event) {
	a.Seen = laterOf(a.Seen, ev.At)
	a.Left = ev.Kind == KindLeave
	if ev.Step > 0 && ev.Step != a.Current && (ev.Kind == KindStep || ev.Kind == KindCheck) {
		a.Current, a.Since = ev.Step, ev.At
	}
	switch ev.Kind {
	case KindCheck:
		s := a.step(ev.Step)
		s.Lesson, s.At = ev.Lesson, ev.At
		if ev.Exercise != "" {
			s.Exercise = ev.Exercise
		}
		s.Failure = ev.Failure
	case KindDoctor:
		a.Doctor = ev.Problems
	}
}

func laterOf(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// stuck is how long an attendee has been on their step without finishing it.
func (a *Attendee) stuck(now time.Time) time.Duration {
	if a.Current == 0 || a.Left {
		return 0
	}
	for _, s := range a.Steps {
		if s.Step == a.Current && s.Done() {
			return 0
		}
	}
	return now.Sub(a.Since)
}

// snapshot builds the Room from the attendees, sorted with whoever has
// been stuck longest first (then by name, so the order is stable).
func snapshot(attendees map[string]*Attendee, now time.Time) Room {
	r := Room{Updated: now.UTC()}
	counts := map[int]*StepCount{}
	count := func(n int) *StepCount {
		if counts[n] == nil {
			counts[n] = &StepCount{Step: n}
		}
		return counts[n]
	}
	for _, a := range attendees {
		r.Attendees = append(r.Attendees, a)
		if a.Current > 0 && !a.Left {
			count(a.Current).On++
		}
		for _, s := range a.Steps {
			if s.Done() {
				count(s.Step).Done++
			} else if s.Lesson == Failed || s.Exercise == Failed {
				count(s.Step).Failing++
			}
		}
	}
	slices.SortFunc(r.Attendees, func(x, y *Attendee) int {
		if d := y.stuck(now) - x.stuck(now); d != 0 {
			if d > 0 {
				return 1
			}
			return -1
		}
		return strings.Compare(x.Name, y.Name)
	})
	for _, c := range counts {
		r.Steps = append(r.Steps, *c)
	}
	slices.SortFunc(r.Steps, func(x, y StepCount) int { return x.Step - y.Step })
	if r.Attendees == nil {
		r.Attendees = []*Attendee{}
	}
	if r.Steps == nil {
		r.Steps = []StepCount{}
	}
	return r
}
